/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pg_budget.c - the request budgets on PostgreSQL (issue 12): the row of
 * a shop and endpoint family made if absent, then locked (SELECT ... FOR
 * UPDATE) and written in one short transaction, so that every worker of
 * every instance reserves from one bucket.  As sq_budget.c on SQLite; the
 * arithmetic is the dispatcher's (../budget.c).
 */
#include "pg_int.h"

#include <string.h>

enum { B_ASYNC = 0, B_MAKE, B_GET, B_PUT, B_EACH, B_PEEK, B_COUNT };

static const char *const sql[B_COUNT] = {
	/* a reservation lost in a crash costs nothing (the next one is
	 * taken from the row as the database kept it): no wait for the WAL
	 * flush, the rest of the database stays as durable as ever */
	[B_ASYNC] = "SET LOCAL synchronous_commit TO OFF",
	[B_MAKE] = "INSERT INTO shop_budgets (shop, family, tat_us) VALUES ($1, $2, 0)"
	    " ON CONFLICT (shop, family) DO NOTHING",
	[B_GET] = "SELECT tat_us, rate_mrps, rate_at_ms, slowdowns FROM shop_budgets"
	    " WHERE shop = $1 AND family = $2 FOR UPDATE",
	[B_PUT] = "UPDATE shop_budgets SET tat_us = $3, rate_mrps = $4, rate_at_ms = $5, slowdowns = $6"
	    " WHERE shop = $1 AND family = $2",
	[B_PEEK] = "SELECT tat_us, rate_mrps, rate_at_ms, slowdowns FROM shop_budgets"
	    " WHERE shop = $1 AND family = $2",
	[B_EACH] = "SELECT shop, family, tat_us, rate_mrps, rate_at_ms, slowdowns FROM shop_budgets"
	    " ORDER BY shop COLLATE \"C\", family COLLATE \"C\"",
};

struct update {
	const char *shop, *family;
	void      (*step)(void *arg, struct store_budget_row *row);
	void       *arg;
};

static int
update_tx(struct pg_conn *c, void *arg)
{
	struct update *u = arg;
	struct pg_params p = { 0 };
	struct store_budget_row row;
	PGresult *r;
	int rc;

	if ((rc = pg__run(c, sql[B_ASYNC], NULL, "take from a shop's budget", NULL)) != CB_OK)
		return rc;
	pg__p_text(&p, u->shop);
	pg__p_text(&p, u->family);
	if ((rc = pg__run(c, sql[B_MAKE], &p, "make a shop's budget", NULL)) != CB_OK ||
	    (rc = pg__exec(c, sql[B_GET], &p, "read a shop's budget", &r)) != CB_OK)
		return rc;
	memset(&row, 0, sizeof(row));
	if (PQntuples(r) == 1)
		row = (struct store_budget_row){ pg__i64(r, 0, 0), pg__i64(r, 0, 1), pg__i64(r, 0, 2),
			pg__i64(r, 0, 3) };
	PQclear(r);
	u->step(u->arg, &row);
	pg__p_i64(&p, row.tat_us);
	pg__p_i64(&p, row.rate_mrps);
	pg__p_i64(&p, row.rate_at_ms);
	pg__p_i64(&p, row.slowdowns);
	return pg__run(c, sql[B_PUT], &p, "write a shop's budget", NULL);
}

int
pg__budget_update(void *be, const char *shop, const char *family,
    void (*step)(void *arg, struct store_budget_row *row), void *arg)
{
	struct update u = { shop, family, step, arg };

	return pg__write(be, "take from a shop's budget", update_tx, &u);
}

struct get { const char *shop, *family; struct store_budget_row *row; int *found; };

static int
get_tx(struct pg_conn *c, void *arg)
{
	struct get *g = arg;
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, g->shop);
	pg__p_text(&p, g->family);
	if ((rc = pg__exec(c, sql[B_PEEK], &p, "read a shop's budget", &r)) != CB_OK)
		return rc;
	if (PQntuples(r) == 1) {
		*g->row = (struct store_budget_row){ pg__i64(r, 0, 0), pg__i64(r, 0, 1), pg__i64(r, 0, 2),
			pg__i64(r, 0, 3) };
		*g->found = 1;
	}
	PQclear(r);
	return CB_OK;
}

int
pg__budget_get(void *be, const char *shop, const char *family, struct store_budget_row *row, int *found)
{
	struct get g = { shop, family, row, found };

	*found = 0;
	return pg__read(be, "read a shop's budget", PG_READ_PLAIN, get_tx, &g);
}

struct each {
	int (*fn)(void *arg, const char *shop, const char *family, const struct store_budget_row *row);
	void *arg;
};

static int
each_tx(struct pg_conn *c, void *arg)
{
	struct each *e = arg;
	struct store_budget_row row;
	PGresult *r;
	int rc, i;

	if ((rc = pg__exec(c, sql[B_EACH], NULL, "list the shops' budgets", &r)) != CB_OK)
		return rc;
	for (i = 0; i < PQntuples(r); i++) {
		row = (struct store_budget_row){ pg__i64(r, i, 2), pg__i64(r, i, 3), pg__i64(r, i, 4),
			pg__i64(r, i, 5) };
		if (e->fn(e->arg, pg__val(r, i, 0), pg__val(r, i, 1), &row) != 0)
			break;
	}
	PQclear(r);
	return CB_OK;
}

int
pg__budget_each(void *be, int (*fn)(void *arg, const char *shop, const char *family,
    const struct store_budget_row *row), void *arg)
{
	struct each e = { fn, arg };

	return pg__read(be, "list the shops' budgets", 0, each_tx, &e);
}
