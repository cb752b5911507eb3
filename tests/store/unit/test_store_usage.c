/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store_usage.c - usage evidence in the store (issue 13), on each
 * backend (backend.h): counts are added, never overwritten (two adds of
 * one row sum, as two instances' flushes do), the later last_seen is
 * kept, rows list by code then version, and bad rows are refused whole.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "backend.h"
#include "store/store.h"

static cb_store *st;

static void
setup(void)
{
	cr_assert_eq(cb_store_open(&st, tb_fresh("u.db"), 2), CB_OK, "%s", cb_errmsg());
}

static void
teardown(void)
{
	cb_store_close(st);
	st = NULL;
	tb_drop();
}

TestSuite(usage, .init = setup, .fini = teardown);

struct got { cb_store_usage rows[8]; char codes[8][32], last[8][40]; size_t n; };

static int
keep(void *arg, const cb_store_usage *u)
{
	struct got *g = arg;

	cr_assert_lt(g->n, 8);
	g->rows[g->n] = *u;
	strcpy(g->codes[g->n], u->code);
	strcpy(g->last[g->n], u->last_seen);
	g->rows[g->n].code = g->codes[g->n];
	g->rows[g->n].last_seen = g->last[g->n];
	g->n++;
	return 0;
}

Test(usage, adds_never_overwrites)
{
	cb_store_usage a[] = {
		{ "s", "B", 1, 3, 1, 0, "2026-12-06T10:00:00Z" },
		{ "s", "A", 2, 1, 0, 1, "2026-12-06T10:00:00Z" },
		{ "s", "A", 1, 5, 2, 1, "2026-12-06T10:00:00Z" },
		{ "other", "A", 1, 9, 9, 9, "2026-12-06T10:00:00Z" },
	};
	cb_store_usage b[] = { { "s", "A", 1, 2, 1, 0, "2026-12-06T09:00:00Z" },	/* an older sighting */
		{ "s", "B", 1, 1, 0, 4, "2026-12-06T11:00:00Z" } };
	struct got g = { .n = 0 };

	cr_assert_eq(cb_store_usage_add(st, a, 4), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_store_usage_add(st, b, 2), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_store_usage_list(st, "s", keep, &g), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(g.n, 3);
	cr_assert_str_eq(g.rows[0].code, "A");
	cr_assert_eq(g.rows[0].version, 1);
	cr_assert_eq(g.rows[0].checked, 7);
	cr_assert_eq(g.rows[0].stored, 3);
	cr_assert_eq(g.rows[0].rejected, 1);
	cr_assert_str_eq(g.rows[0].last_seen, "2026-12-06T10:00:00Z");	/* the later one stays */
	cr_assert_eq(g.rows[1].version, 2);
	cr_assert_str_eq(g.rows[2].code, "B");
	cr_assert_eq(g.rows[2].checked, 4);
	cr_assert_eq(g.rows[2].rejected, 4);
	cr_assert_str_eq(g.rows[2].last_seen, "2026-12-06T11:00:00Z");
	g.n = 0;
	cr_assert_eq(cb_store_usage_list(st, "none", keep, &g), CB_OK);
	cr_assert_eq(g.n, 0);
}

Test(usage, bad_rows_are_refused_whole)
{
	cb_store_usage bad[] = { { "s", "A", 1, 1, 0, 0, "2026-12-06T10:00:00Z" },
		{ "s", "", 1, 1, 0, 0, "2026-12-06T10:00:00Z" } };
	cb_store_usage neg = { "s", "A", 1, -1, 0, 0, "2026-12-06T10:00:00Z" };
	cb_store_usage v0 = { "s", "A", 0, 1, 0, 0, "2026-12-06T10:00:00Z" };
	struct got g = { .n = 0 };

	cr_assert_eq(cb_store_usage_add(st, bad, 2), CB_EINVAL);
	cr_assert(strstr(cb_errmsg(), "row 1") != NULL, "%s", cb_errmsg());
	cr_assert_eq(cb_store_usage_add(st, &neg, 1), CB_EINVAL);
	cr_assert_eq(cb_store_usage_add(st, &v0, 1), CB_EINVAL);
	cr_assert_eq(cb_store_usage_add(st, NULL, 0), CB_OK);
	cr_assert_eq(cb_store_usage_list(st, "s", keep, &g), CB_OK);
	cr_assert_eq(g.n, 0);
}
