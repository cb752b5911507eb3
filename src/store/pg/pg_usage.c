/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pg_usage.c - usage evidence on PostgreSQL (table code_usage): a batch of
 * counts added by an upsert in one transaction (two instances adding at
 * once both count: the row lock orders them), and the rows of a set.  As
 * sq_usage.c on SQLite.
 */
#include "pg_int.h"

#include <string.h>

static const char SQL_ADD[] =
    "INSERT INTO code_usage (set_name, code, version, checked, stored, rejected, last_seen)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7)"
    " ON CONFLICT (set_name, code, version) DO UPDATE SET checked = code_usage.checked + excluded.checked,"
    " stored = code_usage.stored + excluded.stored, rejected = code_usage.rejected + excluded.rejected,"
    " last_seen = GREATEST(code_usage.last_seen, excluded.last_seen)";
static const char SQL_LIST[] =
    "SELECT set_name, code, version, checked, stored, rejected, last_seen FROM code_usage"
    " WHERE set_name = $1 ORDER BY code COLLATE \"C\", version";

struct add { const cb_store_usage *rows; size_t n; };

static int
add_tx(struct pg_conn *c, void *arg)
{
	struct add *a = arg;
	size_t i;
	int rc;

	for (i = 0; i < a->n; i++) {
		const cb_store_usage *u = &a->rows[i];
		struct pg_params p = { 0 };
		pg__p_text(&p, u->set);
		pg__p_text(&p, u->code);
		pg__p_i64(&p, u->version);
		pg__p_i64(&p, u->checked);
		pg__p_i64(&p, u->stored);
		pg__p_i64(&p, u->rejected);
		pg__p_text(&p, u->last_seen);
		if ((rc = pg__run(c, SQL_ADD, &p, "add usage counts", NULL)) != CB_OK)
			return rc;
	}
	return CB_OK;
}

int
pg__usage_add(void *be, const cb_store_usage *rows, size_t n)
{
	struct add a = { rows, n };

	return pg__write(be, "add usage counts", add_tx, &a);
}

struct list { const char *set; cb_store_usage_fn fn; void *arg; };

static int
list_tx(struct pg_conn *c, void *arg)
{
	struct list *l = arg;
	struct pg_params p = { 0 };
	cb_store_usage u;
	PGresult *r;
	int rc, i;

	pg__p_text(&p, l->set);
	if ((rc = pg__exec(c, SQL_LIST, &p, "list usage counts", &r)) != CB_OK)
		return rc;
	for (i = 0; i < PQntuples(r); i++) {
		u = (cb_store_usage){ pg__val(r, i, 0), pg__val(r, i, 1), (int)pg__i64(r, i, 2), pg__i64(r, i, 3),
			pg__i64(r, i, 4), pg__i64(r, i, 5), pg__val(r, i, 6) };
		if (l->fn(l->arg, &u) != 0)
			break;
	}
	PQclear(r);
	return CB_OK;
}

int
pg__usage_list(void *be, const char *set, cb_store_usage_fn fn, void *arg)
{
	struct list l = { set, fn, arg };

	return pg__read(be, "list usage counts", PG_READ_PLAIN, list_tx, &l);
}
