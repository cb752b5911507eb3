/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_budget.c - the cost of one reservation from a shop's request
 * budget (cb_store_budget_take: one short write transaction on the row of
 * the shop and family), on the database named by argv[1] (a SQLite path or
 * a postgresql:// URL), from @threads threads at once, each with its own
 * store handle as separate worker processes would have.  Prints figures;
 * bench/budget/run.py runs it on both backends.
 *
 *   bench_budget DB [TAKES_PER_THREAD [THREADS]]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "store/store.h"

struct arg { cb_store *st; long n; int rc; };

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
run(void *p)
{
	struct arg *a = p;
	const cb_budget_cfg cfg = { 1000000000LL, 1000, 60000 };	/* never waits: the cost alone */
	int64_t wait;
	long i;

	for (i = 0; i < a->n && a->rc == CB_OK; i++)
		a->rc = cb_store_budget_take(a->st, "bench-shop", "return_refund", &cfg, (int64_t)(now_s() * 1000), &wait,
		    NULL);
	if (a->rc != CB_OK)
		fprintf(stderr, "bench_budget: %s\n", cb_errmsg());
	return NULL;
}

int
main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 2000;
	int threads = argc > 3 ? atoi(argv[3]) : 1, i;
	struct arg a[16];
	pthread_t th[16];
	cb_store *st = NULL;
	char backend[32];
	double t0, dt;

	if (argc < 2 || n <= 0 || threads < 1 || threads > 16) {
		fprintf(stderr, "usage: bench_budget DB [TAKES_PER_THREAD [THREADS (1-16)]]\n");
		return 2;
	}
	if (cb_store_open(&st, argv[1], 1) != CB_OK) {	/* made and migrated before the clock starts */
		fprintf(stderr, "bench_budget: %s\n", cb_errmsg());
		return 1;
	}
	(void)snprintf(backend, sizeof(backend), "%s", cb_store_backend(st));
	cb_store_close(st);
	/* a handle per thread, as separate workers have, opened one at a time */
	for (i = 0; i < threads; i++) {
		a[i] = (struct arg){ NULL, n, CB_OK };
		if (cb_store_open(&a[i].st, argv[1], 1) != CB_OK) {
			fprintf(stderr, "bench_budget: %s\n", cb_errmsg());
			return 1;
		}
	}
	t0 = now_s();
	for (i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, run, &a[i]);
	for (i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	dt = now_s() - t0;
	for (i = 0; i < threads; i++) {
		cb_store_close(a[i].st);
		if (a[i].rc != CB_OK)
			return 1;
	}
	printf("budget take (%s): %d thread%s x %ld takes: %.1f us per take, %.0f takes/s\n",
	    backend, threads, threads == 1 ? "" : "s", n, dt * 1e6 / (double)(n * threads),
	    (double)(n * threads) / dt);
	return 0;
}
