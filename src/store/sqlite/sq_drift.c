/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sq_drift.c - what issue 10 added on SQLite: the codes seen in
 * marketplace traffic that their set does not hold (table observed_codes,
 * one row per set and code, counted by an upsert), and the scan of the
 * open refunds that the dry run of a reverse-reason set judges again.
 */
#include "sq_int.h"

#include <string.h>

enum { D_OBS_NOTE = 0, D_OBS_LIST, D_OPEN_REFUNDS, D_COUNT };

static const char *const sql[D_COUNT] = {
	[D_OBS_NOTE] = "INSERT INTO observed_codes (set_name, code, seen_in, count, first_seen, last_seen, request_id)"
	    " VALUES (?1, ?2, ?3, 1, ?5, ?5, ?4)"
	    " ON CONFLICT (set_name, code) DO UPDATE SET count = count + 1, last_seen = excluded.last_seen,"
	    " seen_in = excluded.seen_in, request_id = COALESCE(excluded.request_id, request_id)",
	[D_OBS_LIST] = "SELECT set_name, code, seen_in, count, first_seen, last_seen, request_id"
	    " FROM observed_codes WHERE set_name = ?1 ORDER BY code LIMIT ?2",
	/* the partial index order_payments_due holds exactly the open refunds */
	[D_OPEN_REFUNDS] = "SELECT p.id, o.order_id, o.shop, o.status, p.status, p.reason_key, p.reason_defaulted"
	    " FROM order_payments p JOIN orders o ON o.seq = p.order_seq"
	    " WHERE p.type = 'Refund' AND p.by_marketplace = 1 AND p.status IN ('Pending', 'Processing', 'Unknown')"
	    " ORDER BY p.id LIMIT ?1",
};

struct note { const char *set, *code, *seen_in, *request_id, *now; };

static int
note_tx(struct sq_conn *c, void *arg)
{
	struct note *n = arg;
	sqlite3_stmt *s;
	int rc;

	if ((rc = sq__stmt(c, sql[D_OBS_NOTE], &s)) != CB_OK)
		return rc;
	sqlite3_bind_text(s, 1, n->set, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, n->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, n->seen_in, -1, SQLITE_STATIC);
	sq__bind_str(s, 4, n->request_id);
	sqlite3_bind_text(s, 5, n->now, -1, SQLITE_STATIC);
	return sq__run(c, s, "note an observed code");
}

int
sq__obs_note(void *be, const char *set, const char *code, const char *seen_in, const char *request_id,
    const char *now)
{
	struct note n = { set, code, seen_in, request_id, now };

	return sq__write(be, "note an observed code", note_tx, &n);
}

struct list { const char *set; unsigned limit; cb_store_obs_fn fn; void *arg; };

static const char *
text(sqlite3_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(s, col);
}

static int
list_tx(struct sq_conn *c, void *arg)
{
	struct list *l = arg;
	cb_store_obs o;
	sqlite3_stmt *s;
	int rc, step;

	if ((rc = sq__stmt(c, sql[D_OBS_LIST], &s)) != CB_OK)
		return rc;
	sqlite3_bind_text(s, 1, l->set, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, l->limit);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		o = (cb_store_obs){ text(s, 0), text(s, 1), text(s, 2), sqlite3_column_int64(s, 3), text(s, 4),
			text(s, 5), text(s, 6) };
		if (l->fn(l->arg, &o) != 0)
			return SQ_ROLLBACK;
	}
	return step == SQLITE_DONE ? CB_OK : sq__fail(c, step, "list observed codes");
}

int
sq__obs_list(void *be, const char *set, unsigned limit, cb_store_obs_fn fn, void *arg)
{
	struct list l = { set, limit, fn, arg };

	return sq__read(be, "list observed codes", 0, list_tx, &l);
}

struct open { unsigned limit; cb_store_open_refund_fn fn; void *arg; };

static int
col_enum(sqlite3_stmt *s, int i, int (*parse)(const char *, size_t))
{
	const char *t = text(s, i);
	int v = t ? parse(t, (size_t)sqlite3_column_bytes(s, i)) : -1;

	return v < 0 ? 0 : v;	/* the schema's CHECKs allow only known names */
}

static int
open_tx(struct sq_conn *c, void *arg)
{
	struct open *op = arg;
	cb_store_open_refund r;
	sqlite3_stmt *s;
	int rc, step;

	if ((rc = sq__stmt(c, sql[D_OPEN_REFUNDS], &s)) != CB_OK)
		return rc;
	sqlite3_bind_int64(s, 1, op->limit);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		r = (cb_store_open_refund){ sqlite3_column_int64(s, 0), text(s, 1), text(s, 2),
			(cb_ord_status)col_enum(s, 3, cb_ord_status_parse), (cb_pay_status)col_enum(s, 4, cb_pay_status_parse),
			text(s, 5), sqlite3_column_int(s, 6) };
		if (op->fn(op->arg, &r) != 0)
			return SQ_ROLLBACK;
	}
	return step == SQLITE_DONE ? CB_OK : sq__fail(c, step, "list open refunds");
}

int
sq__refund_open_each(void *be, unsigned limit, cb_store_open_refund_fn fn, void *arg)
{
	struct open op = { limit, fn, arg };

	return sq__read(be, "list open refunds", 1, open_tx, &op);
}
