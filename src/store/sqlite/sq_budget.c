/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sq_budget.c - the request budgets on SQLite (issue 12): the row of a
 * shop and endpoint family (table shop_budgets) read and written in one
 * BEGIN IMMEDIATE transaction, so every worker and instance on the file
 * reserves from one bucket.  The arithmetic is the dispatcher's
 * (../budget.c).
 */
#include "sq_int.h"

#include <string.h>

enum { B_GET = 0, B_PUT, B_EACH, B_COUNT };

static const char *const sql[B_COUNT] = {
	[B_GET] = "SELECT tat_us, rate_mrps, rate_at_ms, slowdowns FROM shop_budgets WHERE shop = ?1 AND family = ?2",
	[B_PUT] = ("INSERT INTO shop_budgets (shop, family, tat_us, rate_mrps, rate_at_ms, slowdowns)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (shop, family) DO UPDATE SET tat_us = excluded.tat_us,"
	    " rate_mrps = excluded.rate_mrps, rate_at_ms = excluded.rate_at_ms, slowdowns = excluded.slowdowns"),
	[B_EACH] = ("SELECT shop, family, tat_us, rate_mrps, rate_at_ms, slowdowns FROM shop_budgets"
	    " ORDER BY shop, family"),
};

struct update {
	const char *shop, *family;
	void      (*step)(void *arg, struct store_budget_row *row);
	void       *arg;
};

static int
update_tx(struct sq_conn *c, void *arg)
{
	struct update *u = arg;
	struct store_budget_row row;
	sqlite3_stmt *s;
	int rc, step;

	memset(&row, 0, sizeof(row));
	if ((rc = sq__stmt(c, sql[B_GET], &s)) != CB_OK)
		return rc;
	sqlite3_bind_text(s, 1, u->shop, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, u->family, -1, SQLITE_STATIC);
	if ((step = sqlite3_step(s)) == SQLITE_ROW)
		row = (struct store_budget_row){ sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
			sqlite3_column_int64(s, 2), sqlite3_column_int64(s, 3) };
	else if (step != SQLITE_DONE)
		return sq__fail(c, step, "read a shop's budget");
	sqlite3_reset(s);
	u->step(u->arg, &row);
	if ((rc = sq__stmt(c, sql[B_PUT], &s)) != CB_OK)
		return rc;
	sqlite3_bind_text(s, 1, u->shop, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, u->family, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, row.tat_us);
	sqlite3_bind_int64(s, 4, row.rate_mrps);
	sqlite3_bind_int64(s, 5, row.rate_at_ms);
	sqlite3_bind_int64(s, 6, row.slowdowns);
	return sq__run(c, s, "write a shop's budget");
}

int
sq__budget_update(void *be, const char *shop, const char *family,
    void (*step)(void *arg, struct store_budget_row *row), void *arg)
{
	struct update u = { shop, family, step, arg };

	return sq__write(be, "take from a shop's budget", update_tx, &u);
}

struct get { const char *shop, *family; struct store_budget_row *row; int *found; };

static int
get_tx(struct sq_conn *c, void *arg)
{
	struct get *g = arg;
	sqlite3_stmt *s;
	int rc, step;

	if ((rc = sq__stmt(c, sql[B_GET], &s)) != CB_OK)
		return rc;
	sqlite3_bind_text(s, 1, g->shop, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, g->family, -1, SQLITE_STATIC);
	if ((step = sqlite3_step(s)) == SQLITE_ROW) {
		*g->row = (struct store_budget_row){ sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
			sqlite3_column_int64(s, 2), sqlite3_column_int64(s, 3) };
		*g->found = 1;
	} else if (step != SQLITE_DONE)
		return sq__fail(c, step, "read a shop's budget");
	sqlite3_reset(s);
	return CB_OK;
}

int
sq__budget_get(void *be, const char *shop, const char *family, struct store_budget_row *row, int *found)
{
	struct get g = { shop, family, row, found };

	*found = 0;
	return sq__read(be, "read a shop's budget", 0, get_tx, &g);
}

struct each {
	int (*fn)(void *arg, const char *shop, const char *family, const struct store_budget_row *row);
	void *arg;
};

static int
each_tx(struct sq_conn *c, void *arg)
{
	struct each *e = arg;
	struct store_budget_row row;
	sqlite3_stmt *s;
	int rc, step;

	if ((rc = sq__stmt(c, sql[B_EACH], &s)) != CB_OK)
		return rc;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		row = (struct store_budget_row){ sqlite3_column_int64(s, 2), sqlite3_column_int64(s, 3),
			sqlite3_column_int64(s, 4), sqlite3_column_int64(s, 5) };
		if (e->fn(e->arg, (const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1),
		    &row) != 0)
			return SQ_ROLLBACK;
	}
	return step == SQLITE_DONE ? CB_OK : sq__fail(c, step, "list the shops' budgets");
}

int
sq__budget_each(void *be, int (*fn)(void *arg, const char *shop, const char *family,
    const struct store_budget_row *row), void *arg)
{
	struct each e = { fn, arg };

	return sq__read(be, "list the shops' budgets", 0, each_tx, &e);
}
