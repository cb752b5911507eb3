/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sq_hooks.c - what issue 12 added on SQLite: marketplace notifications
 * (table webhook_notifications, one row per id), the marketplace's status
 * of an order applied in the order the marketplace stamped it (columns
 * orders.mkt_status_time and status_checked_ms), and the seizure of a
 * refund's lease by a notification that settles it.
 */
#include "sq_int.h"

#include <string.h>

enum {
	H_SEEN = 0, H_PUT, H_ORDER_OF, H_ORDER_STATUS, H_ORDER_CHECKED, H_CHECKED_OF, H_SEIZE, H_COUNT
};

static const char *const sql[H_COUNT] = {
	[H_SEEN] = "SELECT 1 FROM webhook_notifications WHERE notification_id = ?1",
	[H_PUT] = "INSERT INTO webhook_notifications (notification_id, type, shop_id, order_id, sent_at,"
	    " received_at, outcome, detail, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
	    " ON CONFLICT (notification_id) DO NOTHING",
	[H_ORDER_OF] = "SELECT seq, status, mkt_status_time FROM orders WHERE order_id = ?1",
	[H_ORDER_STATUS] = "UPDATE orders SET status = ?2, marketplace_status = ?3, mkt_status_time = ?4,"
	    " status_checked_ms = MAX(status_checked_ms, ?5), updated_at = ?6 WHERE seq = ?1",
	[H_ORDER_CHECKED] = "UPDATE orders SET status_checked_ms = MAX(status_checked_ms, ?2) WHERE seq = ?1",
	[H_CHECKED_OF] = "SELECT status_checked_ms, mkt_status_time FROM orders WHERE seq = ?1",
	[H_SEIZE] = "UPDATE order_payments SET lease_owner = ?2, lease_expires_ms = ?3"
	    " WHERE id = ?1 AND type = 'Refund' AND status IN ('Pending', 'Processing', 'Unknown')",
};

struct seen { const char *id; };

static int
seen_tx(struct sq_conn *c, void *arg)
{
	sqlite3_stmt *s;
	int rc, step;

	if ((rc = sq__stmt(c, sql[H_SEEN], &s)) != CB_OK)
		return rc;
	sqlite3_bind_text(s, 1, ((struct seen *)arg)->id, -1, SQLITE_STATIC);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		return CB_OK;
	return step == SQLITE_DONE ? CB_ENOTFOUND : sq__fail(c, step, "look a notification up");
}

int
sq__hook_seen(void *be, const char *id)
{
	struct seen k = { id };

	return sq__read(be, "look a notification up", 0, seen_tx, &k);
}

struct put { const cb_store_hook *h; const char *now; };

static int
put_tx(struct sq_conn *c, void *arg)
{
	struct put *p = arg;
	sqlite3_stmt *s;
	int rc;

	if ((rc = sq__stmt(c, sql[H_PUT], &s)) != CB_OK)
		return rc;
	sqlite3_bind_text(s, 1, p->h->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, p->h->type);
	sqlite3_bind_text(s, 3, p->h->shop_id, -1, SQLITE_STATIC);
	sq__bind_str(s, 4, p->h->order_id);
	sqlite3_bind_int64(s, 5, p->h->timestamp);
	sqlite3_bind_text(s, 6, p->now, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, p->h->outcome, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, p->h->detail, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, p->h->body, (int)p->h->body_len, SQLITE_STATIC);
	if ((rc = sq__run(c, s, "store a notification")) != CB_OK)
		return rc;
	return sqlite3_changes(c->db) == 0 ? CB_ECONFLICT : CB_OK;
}

int
sq__hook_put(void *be, const cb_store_hook *h, const char *now)
{
	struct put p = { h, now };

	return sq__write(be, "store a notification", put_tx, &p);
}

struct mstatus { const char *order_id; const cb_ord_mkt_status *u; const char *now; int *applied; };

/* Read the order, judge in C (the rule is the same on every backend), write. */
static int
mstatus_tx(struct sq_conn *c, void *arg)
{
	struct mstatus *m = arg;
	sqlite3_stmt *s;
	int64_t seq, stored_time;
	const char *st;
	int rc, step, cancelled;

	if ((rc = sq__stmt(c, sql[H_ORDER_OF], &s)) != CB_OK)
		return rc;
	sqlite3_bind_text(s, 1, m->order_id, -1, SQLITE_STATIC);
	if ((step = sqlite3_step(s)) != SQLITE_ROW)
		return step == SQLITE_DONE ? CB_ENOTFOUND : sq__fail(c, step, "read the order");
	seq = sqlite3_column_int64(s, 0);
	st = (const char *)sqlite3_column_text(s, 1);
	cancelled = st != NULL && strcmp(st, cb_ord_status_name(CB_ORD_CANCELLED)) == 0;
	stored_time = sqlite3_column_int64(s, 2);
	sqlite3_reset(s);
	*m->applied = !cancelled && m->u->update_time >= stored_time;
	if ((rc = sq__stmt(c, sql[*m->applied ? H_ORDER_STATUS : H_ORDER_CHECKED], &s)) != CB_OK)
		return rc;
	sqlite3_bind_int64(s, 1, seq);
	if (*m->applied) {
		sqlite3_bind_text(s, 2, cb_ord_status_name(m->u->status), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, m->u->marketplace_status, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, m->u->update_time);
		sqlite3_bind_int64(s, 5, m->u->checked_ms);
		sqlite3_bind_text(s, 6, m->now, -1, SQLITE_STATIC);
	} else
		sqlite3_bind_int64(s, 2, m->u->checked_ms);
	return sq__run(c, s, "record the order's marketplace status");
}

int
sq__order_mkt_status(void *be, const char *order_id, const cb_ord_mkt_status *u, const char *now, int *applied)
{
	struct mstatus m = { order_id, u, now, applied };

	return sq__write(be, "record the order's marketplace status", mstatus_tx, &m);
}

struct checked { int64_t seq, *checked_ms, *mkt_time; };

static int
checked_tx(struct sq_conn *c, void *arg)
{
	struct checked *k = arg;
	sqlite3_stmt *s;
	int rc, step;

	if ((rc = sq__stmt(c, sql[H_CHECKED_OF], &s)) != CB_OK)
		return rc;
	sqlite3_bind_int64(s, 1, k->seq);
	if ((step = sqlite3_step(s)) != SQLITE_ROW)
		return step == SQLITE_DONE ? CB_ENOTFOUND : sq__fail(c, step, "read the order");
	*k->checked_ms = sqlite3_column_int64(s, 0);
	*k->mkt_time = sqlite3_column_int64(s, 1);
	return CB_OK;
}

int
sq__order_checked(void *be, int64_t seq, int64_t *checked_ms, int64_t *mkt_time)
{
	struct checked k = { seq, checked_ms, mkt_time };

	return sq__read(be, "read the order", 0, checked_tx, &k);
}

struct seize { int64_t id; const char *owner; int64_t until; };

static int
seize_tx(struct sq_conn *c, void *arg)
{
	struct seize *z = arg;
	sqlite3_stmt *s;
	int rc;

	if ((rc = sq__stmt(c, sql[H_SEIZE], &s)) != CB_OK)
		return rc;
	sqlite3_bind_int64(s, 1, z->id);
	sqlite3_bind_text(s, 2, z->owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, z->until);
	if ((rc = sq__run(c, s, "take the refund's lease")) != CB_OK)
		return rc;
	return sqlite3_changes(c->db) == 0 ? CB_ENOTFOUND : CB_OK;
}

int
sq__pay_seize(void *be, int64_t payment_id, const char *owner, int64_t lease_until_ms)
{
	struct seize z = { payment_id, owner, lease_until_ms };

	return sq__write(be, "take the refund's lease", seize_tx, &z);
}
