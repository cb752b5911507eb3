/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sq_usage.c - usage evidence on SQLite (table code_usage): a batch of
 * counts added by an upsert in one transaction, and the rows of a set.
 */
#include "sq_int.h"

#include <string.h>

static const char SQL_ADD[] =
    "INSERT INTO code_usage (set_name, code, version, checked, stored, rejected, last_seen)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    " ON CONFLICT (set_name, code, version) DO UPDATE SET checked = checked + excluded.checked,"
    " stored = stored + excluded.stored, rejected = rejected + excluded.rejected,"
    " last_seen = MAX(last_seen, excluded.last_seen)";
static const char SQL_LIST[] =
    "SELECT set_name, code, version, checked, stored, rejected, last_seen FROM code_usage"
    " WHERE set_name = ?1 ORDER BY code, version";

struct add { const cb_store_usage *rows; size_t n; };

static int
add_tx(struct sq_conn *c, void *arg)
{
	struct add *a = arg;
	sqlite3_stmt *s;
	size_t i;
	int rc;

	if ((rc = sq__stmt(c, SQL_ADD, &s)) != CB_OK)
		return rc;
	for (i = 0; i < a->n; i++) {
		const cb_store_usage *u = &a->rows[i];
		sqlite3_bind_text(s, 1, u->set, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, u->code, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 3, u->version);
		sqlite3_bind_int64(s, 4, u->checked);
		sqlite3_bind_int64(s, 5, u->stored);
		sqlite3_bind_int64(s, 6, u->rejected);
		sqlite3_bind_text(s, 7, u->last_seen, -1, SQLITE_STATIC);
		if ((rc = sq__run(c, s, "add usage counts")) != CB_OK)
			return rc;
	}
	return CB_OK;
}

int
sq__usage_add(void *be, const cb_store_usage *rows, size_t n)
{
	struct add a = { rows, n };

	return sq__write(be, "add usage counts", add_tx, &a);
}

struct list { const char *set; cb_store_usage_fn fn; void *arg; };

static int
list_tx(struct sq_conn *c, void *arg)
{
	struct list *l = arg;
	cb_store_usage u;
	sqlite3_stmt *s;
	int rc, step;

	if ((rc = sq__stmt(c, SQL_LIST, &s)) != CB_OK)
		return rc;
	sqlite3_bind_text(s, 1, l->set, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		u = (cb_store_usage){ (const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1),
			sqlite3_column_int(s, 2), sqlite3_column_int64(s, 3), sqlite3_column_int64(s, 4),
			sqlite3_column_int64(s, 5), (const char *)sqlite3_column_text(s, 6) };
		if (l->fn(l->arg, &u) != 0)
			return SQ_ROLLBACK;
	}
	return step == SQLITE_DONE ? CB_OK : sq__fail(c, step, "list usage counts");
}

int
sq__usage_list(void *be, const char *set, cb_store_usage_fn fn, void *arg)
{
	struct list l = { set, fn, arg };

	return sq__read(be, "list usage counts", 0, list_tx, &l);
}
