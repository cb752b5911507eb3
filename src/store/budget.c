/* SPDX-License-Identifier: Apache-2.0 */
/*
 * budget.c - the request budget of a shop and endpoint family (issue 12):
 * a token bucket kept as GCRA, the "generic cell rate algorithm": the row
 * holds the theoretical arrival time (TAT) of the next request.  A request
 * at time now may go at max(now, TAT - tau), where tau = (burst - 1) * T
 * and T = 1 / rate; it moves TAT to max(TAT, now) + T.  So one row and one
 * short transaction per request, whatever the number of workers, and the
 * caller learns at once how long to wait instead of polling.
 *
 * The rate in force is the configured one unless rate-limit errors halved
 * it; a halved rate climbs back linearly, reaching the configured rate
 * @recover_ms after the last halving.  The arithmetic is here, once: the
 * backends only read and write the row under a write lock.
 */
#include "store_int.h"

#include <string.h>

#define FLOOR_DIVISOR 64	/* a rate is never halved below rate / 64 */

struct budget_arg {
	const cb_budget_cfg *cfg;
	int64_t              now_ms;
	int64_t              wait_ms;
	int64_t              rate;
};

/* The rate in force at @now_ms (requests per 1000 s), recovery applied. */
static int64_t
rate_now(const struct store_budget_row *r, const cb_budget_cfg *cfg, int64_t now_ms)
{
	int64_t up, rate;

	if (r->rate_mrps <= 0 || r->rate_mrps >= cfg->rate_mrps)
		return cfg->rate_mrps;
	if (now_ms <= r->rate_at_ms)
		return r->rate_mrps;
	if (cfg->recover_ms <= 0 || now_ms - r->rate_at_ms >= cfg->recover_ms)
		return cfg->rate_mrps;
	/* at most ~1e15 before the division: no overflow for rates below 1e6/s */
	up = cfg->rate_mrps * (now_ms - r->rate_at_ms) / cfg->recover_ms;
	rate = r->rate_mrps + up;
	return rate < cfg->rate_mrps ? rate : cfg->rate_mrps;
}

/* The interval between requests at @rate, in microseconds. */
static int64_t
interval_us(int64_t rate)
{
	return rate > 0 ? (1000000000LL + rate - 1) / rate : 1000000000LL;
}

static void
take_step(void *arg, struct store_budget_row *r)
{
	struct budget_arg *a = arg;
	int64_t now_us = a->now_ms * 1000, rate = rate_now(r, a->cfg, a->now_ms);
	int64_t t = interval_us(rate), tau = (a->cfg->burst - 1) * t;
	int64_t tat = r->tat_us > now_us ? r->tat_us : now_us;
	int64_t send = tat - tau > now_us ? tat - tau : now_us;

	r->tat_us = tat + t;
	if (rate >= a->cfg->rate_mrps)
		r->rate_mrps = 0;	/* recovered: the configured rate applies again */
	a->rate = rate;
	a->wait_ms = (send - now_us + 999) / 1000;
}

static void
slow_step(void *arg, struct store_budget_row *r)
{
	struct budget_arg *a = arg;
	int64_t rate = rate_now(r, a->cfg, a->now_ms) / 2, floor = a->cfg->rate_mrps / FLOOR_DIVISOR;
	int64_t now_us = a->now_ms * 1000, t;

	if (floor < 1)
		floor = 1;
	if (rate < floor)
		rate = floor;
	r->rate_mrps = rate;
	r->rate_at_ms = a->now_ms;
	r->slowdowns++;
	/* the requests already reserved go as planned; the next waits one
	 * interval of the new rate from now at least */
	t = interval_us(rate);
	if (r->tat_us < now_us + a->cfg->burst * t)
		r->tat_us = now_us + a->cfg->burst * t;	/* send time: TAT - (burst - 1) * T */
	a->rate = rate;
}

static int
args_ok(cb_store *st, const char *shop, const char *family, const cb_budget_cfg *cfg)
{
	if (st == NULL || shop == NULL || family == NULL || cfg == NULL)
		return cb__fail(CB_EINVAL, "budget: NULL argument");
	if (shop[0] == '\0' || strlen(shop) > CB_BUDGET_NAME_MAX || family[0] == '\0' ||
	    strlen(family) > CB_BUDGET_NAME_MAX)
		return cb__fail(CB_EINVAL, "budget: a shop or family name is empty or longer than %d bytes",
		    CB_BUDGET_NAME_MAX);
	if (cfg->rate_mrps <= 0 || cfg->rate_mrps > 1000000000LL || cfg->burst < 1 || cfg->burst > 100000 ||
	    cfg->recover_ms < 0)
		return cb__fail(CB_EINVAL, "budget: rate %lld/1000 s, burst %lld, recovery %lld ms: out of range",
		    (long long)cfg->rate_mrps, (long long)cfg->burst, (long long)cfg->recover_ms);
	STORE_NEED_OP(st, budget_update);
	return CB_OK;
}

int
cb_store_budget_take(cb_store *st, const char *shop, const char *family, const cb_budget_cfg *cfg,
    int64_t now_ms, int64_t *wait_ms, int64_t *rate_mrps)
{
	struct budget_arg a = { cfg, now_ms, 0, 0 };
	int rc;

	if (wait_ms == NULL)
		return cb__fail(CB_EINVAL, "cb_store_budget_take: NULL argument");
	*wait_ms = 0;
	if ((rc = args_ok(st, shop, family, cfg)) != CB_OK)
		return rc;
	if ((rc = store__note(st, st->ops->budget_update(st->be, shop, family, take_step, &a))) != CB_OK)
		return rc;
	*wait_ms = a.wait_ms;
	if (rate_mrps != NULL)
		*rate_mrps = a.rate;
	return CB_OK;
}

int
cb_store_budget_slow(cb_store *st, const char *shop, const char *family, const cb_budget_cfg *cfg,
    int64_t now_ms)
{
	struct budget_arg a = { cfg, now_ms, 0, 0 };
	int rc;

	if ((rc = args_ok(st, shop, family, cfg)) != CB_OK)
		return rc;
	return store__note(st, st->ops->budget_update(st->be, shop, family, slow_step, &a));
}

int
cb_store_budget_peek(cb_store *st, const char *shop, const char *family, const cb_budget_cfg *cfg,
    int64_t now_ms, int64_t *wait_ms)
{
	struct budget_arg a = { cfg, now_ms, 0, 0 };
	struct store_budget_row row;
	int rc, found = 0;

	if (wait_ms == NULL)
		return cb__fail(CB_EINVAL, "cb_store_budget_peek: NULL argument");
	*wait_ms = 0;
	if ((rc = args_ok(st, shop, family, cfg)) != CB_OK)
		return rc;
	STORE_NEED_OP(st, budget_get);
	memset(&row, 0, sizeof(row));
	if ((rc = st->ops->budget_get(st->be, shop, family, &row, &found)) != CB_OK)
		return rc;
	take_step(&a, &row);	/* on a copy: nothing is written */
	*wait_ms = a.wait_ms;
	return CB_OK;
}

struct each_arg {
	const cb_budget_cfg *cfg;
	int64_t              now_ms;
	cb_store_budget_fn   fn;
	void                *arg;
};

static int
each_row(void *arg, const char *shop, const char *family, const struct store_budget_row *r)
{
	struct each_arg *e = arg;
	cb_store_budget b = { shop, family, rate_now(r, e->cfg, e->now_ms), r->slowdowns };

	return e->fn(e->arg, &b);
}

int
cb_store_budget_each(cb_store *st, const cb_budget_cfg *cfg, int64_t now_ms, cb_store_budget_fn fn, void *arg)
{
	struct each_arg e = { cfg, now_ms, fn, arg };

	if (st == NULL || cfg == NULL || fn == NULL)
		return cb__fail(CB_EINVAL, "cb_store_budget_each: NULL argument");
	STORE_NEED_OP(st, budget_each);
	return st->ops->budget_each(st->be, each_row, &e);
}
