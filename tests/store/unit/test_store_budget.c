/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store_budget.c - the request budgets of issue 12 on each backend
 * (backend.h): the reservations of a bucket (a burst at once, then one
 * interval apart), the buckets of shops and families kept apart, the
 * halving after a rate-limit error and its linear recovery, the refusal of
 * bad arguments, and several threads reserving from one bucket through
 * their own store handles (the workers of several instances): no slot is
 * given twice.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "store/store.h"

static cb_store *st;
static const cb_budget_cfg ten = { 10000, 2, 60000 };	/* 10/s, burst 2, back to 10/s in 60 s */

static void
setup(void)
{
	cr_assert_eq(cb_store_open(&st, tb_fresh("b.db"), 2), CB_OK, "%s", cb_errmsg());
}

static void
teardown(void)
{
	cb_store_close(st);
	st = NULL;
	tb_drop();
}

TestSuite(budget, .init = setup, .fini = teardown);

static int64_t
take(const char *shop, const char *family, const cb_budget_cfg *cfg, int64_t now)
{
	int64_t wait = -1, rate = 0;

	cr_assert_eq(cb_store_budget_take(st, shop, family, cfg, now, &wait, &rate), CB_OK, "%s", cb_errmsg());
	return wait;
}

Test(budget, burst_then_one_interval_apart)
{
	int64_t t0 = 1700000000000;

	cr_assert_eq(take("a", "return_refund", &ten, t0), 0);
	cr_assert_eq(take("a", "return_refund", &ten, t0), 0);	/* the burst of 2 */
	cr_assert_eq(take("a", "return_refund", &ten, t0), 100);
	cr_assert_eq(take("a", "return_refund", &ten, t0), 200);
	cr_assert_eq(take("a", "return_refund", &ten, t0 + 150), 150);	/* the slot at 300 ms */
	/* another shop, another family: buckets of their own */
	cr_assert_eq(take("b", "return_refund", &ten, t0), 0);
	cr_assert_eq(take("a", "order", &ten, t0), 0);
	/* after a long pause the bucket is full again, never more than full */
	cr_assert_eq(take("a", "return_refund", &ten, t0 + 60000), 0);
	cr_assert_eq(take("a", "return_refund", &ten, t0 + 60000), 0);
	cr_assert_eq(take("a", "return_refund", &ten, t0 + 60000), 100);
	cr_assert_eq(tb_int("SELECT COUNT(*) FROM shop_budgets"), 3);
}

Test(budget, peek_reserves_nothing)
{
	int64_t t0 = 1700000000000, wait = -1;

	cr_assert_eq(cb_store_budget_peek(st, "a", "return_refund", &ten, t0, &wait), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(wait, 0);
	cr_assert_eq(tb_int("SELECT COUNT(*) FROM shop_budgets"), 0);
	cr_assert_eq(take("a", "return_refund", &ten, t0), 0);
	cr_assert_eq(take("a", "return_refund", &ten, t0), 0);
	cr_assert_eq(cb_store_budget_peek(st, "a", "return_refund", &ten, t0, &wait), CB_OK);
	cr_assert_eq(wait, 100);
	cr_assert_eq(cb_store_budget_peek(st, "a", "return_refund", &ten, t0, &wait), CB_OK);
	cr_assert_eq(wait, 100);	/* still: the peek took nothing */
	cr_assert_eq(take("a", "return_refund", &ten, t0), 100);
}

struct seen { int n; int64_t rate[4]; int64_t slow[4]; };

static int
collect(void *arg, const cb_store_budget *b)
{
	struct seen *s = arg;

	if (s->n < 4) {
		s->rate[s->n] = b->rate_mrps;
		s->slow[s->n] = b->slowdowns;
	}
	s->n++;
	return 0;
}

Test(budget, halved_after_rate_limit_then_recovers)
{
	int64_t t0 = 1700000000000, rate = 0, wait = 0;
	struct seen s = { 0 };

	cr_assert_eq(take("a", "return_refund", &ten, t0), 0);
	cr_assert_eq(cb_store_budget_slow(st, "a", "return_refund", &ten, t0), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_store_budget_slow(st, "a", "return_refund", &ten, t0), CB_OK, "%s", cb_errmsg());
	/* 2.5/s now: the next slot is one interval of the new rate (400 ms) out */
	cr_assert_eq(cb_store_budget_take(st, "a", "return_refund", &ten, t0, &wait, &rate), CB_OK);
	cr_assert_eq(rate, 2500);
	cr_assert_eq(wait, 400);
	cr_assert_eq(cb_store_budget_each(st, &ten, t0, collect, &s), CB_OK);
	cr_assert_eq(s.n, 1);
	cr_assert_eq(s.slow[0], 2);
	cr_assert_eq(s.rate[0], 2500);
	/* halfway through the recovery: 2.5 + 10 * 30/60 = 7.5/s */
	memset(&s, 0, sizeof(s));
	cr_assert_eq(cb_store_budget_each(st, &ten, t0 + 30000, collect, &s), CB_OK);
	cr_assert_eq(s.rate[0], 7500);
	cr_assert_eq(cb_store_budget_take(st, "a", "return_refund", &ten, t0 + 60000, &wait, &rate), CB_OK);
	cr_assert_eq(rate, 10000);
	/* never below 1/64 of the configured rate */
	for (int i = 0; i < 20; i++)
		cr_assert_eq(cb_store_budget_slow(st, "a", "return_refund", &ten, t0 + 70000), CB_OK);
	cr_assert_eq(cb_store_budget_take(st, "a", "return_refund", &ten, t0 + 70000, &wait, &rate), CB_OK);
	cr_assert_eq(rate, 10000 / 64);
}

Test(budget, bad_arguments_refused)
{
	cb_budget_cfg bad = { 0, 1, 0 };
	int64_t wait = 0;
	char longname[80];

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	cr_assert_eq(cb_store_budget_take(st, "a", "f", &bad, 0, &wait, NULL), CB_EINVAL);
	cr_assert(strstr(cb_errmsg(), "out of range") != NULL, "%s", cb_errmsg());
	bad = (cb_budget_cfg){ 1000, 0, 0 };
	cr_assert_eq(cb_store_budget_take(st, "a", "f", &bad, 0, &wait, NULL), CB_EINVAL);
	cr_assert_eq(cb_store_budget_take(st, "", "f", &ten, 0, &wait, NULL), CB_EINVAL);
	cr_assert_eq(cb_store_budget_take(st, longname, "f", &ten, 0, &wait, NULL), CB_EINVAL);
	cr_assert(strstr(cb_errmsg(), "longer than 64") != NULL, "%s", cb_errmsg());
	cr_assert_eq(tb_int("SELECT COUNT(*) FROM shop_budgets"), 0);
}

/* ---- several handles, one bucket --------------------------------------------- */

#define THREADS 4
#define TAKES   50

struct taker { const char *db; int64_t waits[TAKES]; int rc; };

static void *
taker_main(void *arg)
{
	struct taker *t = arg;
	cb_store *mine = NULL;
	const cb_budget_cfg one = { 1000, 1, 0 };	/* 1/s: every slot a distinct second */
	int i;

	if ((t->rc = cb_store_open(&mine, t->db, 1)) != CB_OK)
		return NULL;
	for (i = 0; i < TAKES && t->rc == CB_OK; i++)
		t->rc = cb_store_budget_take(mine, "shared", "return_refund", &one, 1700000000000, &t->waits[i], NULL);
	cb_store_close(mine);
	return NULL;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

Test(budget, shared_by_handles_no_slot_twice)
{
	static struct taker t[THREADS];
	static int64_t all[THREADS * TAKES];
	pthread_t th[THREADS];
	const char *db = tb_fresh("b.db");
	int i, j;

	for (i = 0; i < THREADS; i++) {
		t[i].db = db;
		cr_assert_eq(pthread_create(&th[i], NULL, taker_main, &t[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		cr_assert_eq(t[i].rc, CB_OK, "thread %d: %s", i, cb_errmsg());
		for (j = 0; j < TAKES; j++)
			all[i * TAKES + j] = t[i].waits[j];
	}
	qsort(all, THREADS * TAKES, sizeof(all[0]), cmp64);
	for (i = 0; i < THREADS * TAKES; i++)
		cr_assert_eq(all[i], (int64_t)i * 1000, "slot %d: %lld", i, (long long)all[i]);
}
