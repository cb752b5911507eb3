/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pg_hooks.c - what issue 12 added on PostgreSQL: marketplace
 * notifications (table webhook_notifications, one row per id: two
 * instances storing one id at once store it once), the marketplace's
 * status of an order applied in the order the marketplace stamped it (the
 * order's row locked while it is judged), and the seizure of a refund's
 * lease.  As sq_hooks.c on SQLite.
 */
#include "pg_int.h"

#include <string.h>

enum {
	H_SEEN = 0, H_PUT, H_ORDER_OF, H_ORDER_STATUS, H_ORDER_CHECKED, H_CHECKED_OF, H_SEIZE, H_COUNT
};

static const char *const sql[H_COUNT] = {
	[H_SEEN] = "SELECT 1 FROM webhook_notifications WHERE notification_id = $1",
	[H_PUT] = "INSERT INTO webhook_notifications (notification_id, type, shop_id, order_id, sent_at,"
	    " received_at, outcome, detail, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
	    " ON CONFLICT (notification_id) DO NOTHING",
	[H_ORDER_OF] = "SELECT seq, status, mkt_status_time FROM orders WHERE order_id = $1 FOR UPDATE",
	[H_ORDER_STATUS] = "UPDATE orders SET status = $2, marketplace_status = $3, mkt_status_time = $4,"
	    " status_checked_ms = GREATEST(status_checked_ms, $5), updated_at = $6 WHERE seq = $1",
	[H_ORDER_CHECKED] = "UPDATE orders SET status_checked_ms = GREATEST(status_checked_ms, $2) WHERE seq = $1",
	[H_CHECKED_OF] = "SELECT status_checked_ms, mkt_status_time FROM orders WHERE seq = $1",
	[H_SEIZE] = "UPDATE order_payments SET lease_owner = $2, lease_expires_ms = $3"
	    " WHERE id = $1 AND type = 'Refund' AND status IN ('Pending', 'Processing', 'Unknown')",
};

struct seen { const char *id; };

static int
seen_tx(struct pg_conn *c, void *arg)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, ((struct seen *)arg)->id);
	if ((rc = pg__exec(c, sql[H_SEEN], &p, "look a notification up", &r)) != CB_OK)
		return rc;
	rc = PQntuples(r) > 0 ? CB_OK : CB_ENOTFOUND;
	PQclear(r);
	return rc;
}

int
pg__hook_seen(void *be, const char *id)
{
	struct seen k = { id };

	return pg__read(be, "look a notification up", PG_READ_PLAIN, seen_tx, &k);
}

struct put { const cb_store_hook *h; const char *now; };

static int
put_tx(struct pg_conn *c, void *arg)
{
	struct put *x = arg;
	struct pg_params p = { 0 };
	int64_t changed = 0;
	int rc;

	pg__p_text(&p, x->h->id);
	pg__p_i64(&p, x->h->type);
	pg__p_text(&p, x->h->shop_id);
	pg__p_text(&p, x->h->order_id);
	pg__p_i64(&p, x->h->timestamp);
	pg__p_text(&p, x->now);
	pg__p_text(&p, x->h->outcome);
	pg__p_text(&p, x->h->detail);
	pg__p_textn(&p, x->h->body, x->h->body_len);
	if ((rc = pg__run(c, sql[H_PUT], &p, "store a notification", &changed)) != CB_OK)
		return rc;
	return changed == 0 ? CB_ECONFLICT : CB_OK;
}

int
pg__hook_put(void *be, const cb_store_hook *h, const char *now)
{
	struct put x = { h, now };

	return pg__write(be, "store a notification", put_tx, &x);
}

struct mstatus { const char *order_id; const cb_ord_mkt_status *u; const char *now; int *applied; };

/* Lock the order's row, judge in C (the rule is the same on every backend), write. */
static int
mstatus_tx(struct pg_conn *c, void *arg)
{
	struct mstatus *m = arg;
	struct pg_params p = { 0 }, q = { 0 };
	PGresult *r;
	const char *st;
	int64_t seq, stored_time;
	int rc, cancelled;

	pg__p_text(&p, m->order_id);
	if ((rc = pg__exec(c, sql[H_ORDER_OF], &p, "read the order", &r)) != CB_OK)
		return rc;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return CB_ENOTFOUND;
	}
	seq = pg__i64(r, 0, 0);
	st = pg__val(r, 0, 1);
	cancelled = st != NULL && strcmp(st, cb_ord_status_name(CB_ORD_CANCELLED)) == 0;
	stored_time = pg__i64(r, 0, 2);
	PQclear(r);
	*m->applied = !cancelled && m->u->update_time >= stored_time;
	pg__p_i64(&q, seq);
	if (*m->applied) {
		pg__p_text(&q, cb_ord_status_name(m->u->status));
		pg__p_text(&q, m->u->marketplace_status);
		pg__p_i64(&q, m->u->update_time);
		pg__p_i64(&q, m->u->checked_ms);
		pg__p_text(&q, m->now);
		return pg__run(c, sql[H_ORDER_STATUS], &q, "record the order's marketplace status", NULL);
	}
	pg__p_i64(&q, m->u->checked_ms);
	return pg__run(c, sql[H_ORDER_CHECKED], &q, "record the order's marketplace status", NULL);
}

int
pg__order_mkt_status(void *be, const char *order_id, const cb_ord_mkt_status *u, const char *now, int *applied)
{
	struct mstatus m = { order_id, u, now, applied };

	return pg__write(be, "record the order's marketplace status", mstatus_tx, &m);
}

struct checked { int64_t seq, *checked_ms, *mkt_time; };

static int
checked_tx(struct pg_conn *c, void *arg)
{
	struct checked *k = arg;
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_i64(&p, k->seq);
	if ((rc = pg__exec(c, sql[H_CHECKED_OF], &p, "read the order", &r)) != CB_OK)
		return rc;
	if (PQntuples(r) == 0)
		rc = CB_ENOTFOUND;
	else {
		*k->checked_ms = pg__i64(r, 0, 0);
		*k->mkt_time = pg__i64(r, 0, 1);
	}
	PQclear(r);
	return rc;
}

int
pg__order_checked(void *be, int64_t seq, int64_t *checked_ms, int64_t *mkt_time)
{
	struct checked k = { seq, checked_ms, mkt_time };

	return pg__read(be, "read the order", PG_READ_PLAIN, checked_tx, &k);
}

struct seize { int64_t id; const char *owner; int64_t until; };

static int
seize_tx(struct pg_conn *c, void *arg)
{
	struct seize *z = arg;
	struct pg_params p = { 0 };
	int64_t changed = 0;
	int rc;

	pg__p_i64(&p, z->id);
	pg__p_text(&p, z->owner);
	pg__p_i64(&p, z->until);
	if ((rc = pg__run(c, sql[H_SEIZE], &p, "take the refund's lease", &changed)) != CB_OK)
		return rc;
	return changed == 0 ? CB_ENOTFOUND : CB_OK;
}

int
pg__pay_seize(void *be, int64_t payment_id, const char *owner, int64_t lease_until_ms)
{
	struct seize z = { payment_id, owner, lease_until_ms };

	return pg__write(be, "take the refund's lease", seize_tx, &z);
}
