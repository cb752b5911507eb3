/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pg_drift.c - what issue 10 added on PostgreSQL: the codes seen in
 * marketplace traffic that their set does not hold (table observed_codes,
 * counted by an upsert: two instances noting one code at once both
 * count), and the scan of the open refunds for the dry run of a
 * reverse-reason set.  As sq_drift.c on SQLite.
 */
#include "pg_int.h"

#include <string.h>

enum { D_OBS_NOTE = 0, D_OBS_LIST, D_OPEN_REFUNDS, D_COUNT };

static const char *const sql[D_COUNT] = {
	[D_OBS_NOTE] = "INSERT INTO observed_codes (set_name, code, seen_in, count, first_seen, last_seen, request_id)"
	    " VALUES ($1, $2, $3, 1, $5, $5, $4)"
	    " ON CONFLICT (set_name, code) DO UPDATE SET count = observed_codes.count + 1,"
	    " last_seen = excluded.last_seen, seen_in = excluded.seen_in,"
	    " request_id = COALESCE(excluded.request_id, observed_codes.request_id)",
	[D_OBS_LIST] = "SELECT set_name, code, seen_in, count, first_seen, last_seen, request_id"
	    " FROM observed_codes WHERE set_name = $1 ORDER BY code COLLATE \"C\" LIMIT $2",
	/* the partial index order_payments_due holds exactly the open refunds */
	[D_OPEN_REFUNDS] = "SELECT p.id, o.order_id, o.shop, o.status, p.status, p.reason_key, p.reason_defaulted"
	    " FROM order_payments p JOIN orders o ON o.seq = p.order_seq"
	    " WHERE p.type = 'Refund' AND p.by_marketplace = 1 AND p.status IN ('Pending', 'Processing', 'Unknown')"
	    " ORDER BY p.id LIMIT $1",
};

struct note { const char *set, *code, *seen_in, *request_id, *now; };

static int
note_tx(struct pg_conn *c, void *arg)
{
	struct note *n = arg;
	struct pg_params p = { 0 };

	pg__p_text(&p, n->set);
	pg__p_text(&p, n->code);
	pg__p_text(&p, n->seen_in);
	pg__p_text(&p, n->request_id);
	pg__p_text(&p, n->now);
	return pg__run(c, sql[D_OBS_NOTE], &p, "note an observed code", NULL);
}

int
pg__obs_note(void *be, const char *set, const char *code, const char *seen_in, const char *request_id,
    const char *now)
{
	struct note n = { set, code, seen_in, request_id, now };

	return pg__write(be, "note an observed code", note_tx, &n);
}

struct list { const char *set; unsigned limit; cb_store_obs_fn fn; void *arg; };

static int
list_tx(struct pg_conn *c, void *arg)
{
	struct list *l = arg;
	struct pg_params p = { 0 };
	cb_store_obs o;
	PGresult *r;
	int rc, i;

	pg__p_text(&p, l->set);
	pg__p_i64(&p, l->limit);
	if ((rc = pg__exec(c, sql[D_OBS_LIST], &p, "list observed codes", &r)) != CB_OK)
		return rc;
	for (i = 0; i < PQntuples(r); i++) {
		o = (cb_store_obs){ pg__val(r, i, 0), pg__val(r, i, 1), pg__val(r, i, 2), pg__i64(r, i, 3),
			pg__val(r, i, 4), pg__val(r, i, 5), pg__val(r, i, 6) };
		if (l->fn(l->arg, &o) != 0)
			break;
	}
	PQclear(r);
	return CB_OK;
}

int
pg__obs_list(void *be, const char *set, unsigned limit, cb_store_obs_fn fn, void *arg)
{
	struct list l = { set, limit, fn, arg };

	return pg__read(be, "list observed codes", PG_READ_PLAIN, list_tx, &l);
}

struct open { unsigned limit; cb_store_open_refund_fn fn; void *arg; };

static int
val_enum(const PGresult *r, int row, int col, int (*parse)(const char *, size_t))
{
	const char *t = pg__val(r, row, col);
	int v = t ? parse(t, strlen(t)) : -1;

	return v < 0 ? 0 : v;	/* the schema's CHECKs allow only known names */
}

static int
open_tx(struct pg_conn *c, void *arg)
{
	struct open *op = arg;
	struct pg_params p = { 0 };
	cb_store_open_refund x;
	PGresult *r;
	int rc, i;

	pg__p_i64(&p, op->limit);
	if ((rc = pg__exec(c, sql[D_OPEN_REFUNDS], &p, "list open refunds", &r)) != CB_OK)
		return rc;
	for (i = 0; i < PQntuples(r); i++) {
		x = (cb_store_open_refund){ pg__i64(r, i, 0), pg__val(r, i, 1), pg__val(r, i, 2),
			(cb_ord_status)val_enum(r, i, 3, cb_ord_status_parse),
			(cb_pay_status)val_enum(r, i, 4, cb_pay_status_parse), pg__val(r, i, 5),
			(int)pg__i64(r, i, 6) };
		if (op->fn(op->arg, &x) != 0)
			break;
	}
	PQclear(r);
	return CB_OK;
}

int
pg__refund_open_each(void *be, unsigned limit, cb_store_open_refund_fn fn, void *arg)
{
	struct open op = { limit, fn, arg };

	return pg__read(be, "list open refunds", PG_READ_PLAIN, open_tx, &op);
}
