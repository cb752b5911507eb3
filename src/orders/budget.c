/* SPDX-License-Identifier: Apache-2.0 */
/*
 * budget.c - a shop's request budget as the gate of its marketplace
 * client (budget.h).  The store keeps the bucket (src/store/budget.c: one
 * row per shop and family, one short transaction per request), so the
 * rate holds across every worker thread, process and instance on the
 * database; this file only reserves, waits and reports rate-limit errors.
 */
#include "budget.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "jsonw.h"
#include "logger.h"
#include "rfc3339.h"

#define CODE_RATE_LIMIT 36009002

cb_budget_cfg
cb_budget_config(unsigned rate, unsigned burst)
{
	cb_budget_cfg c;

	c.rate_mrps = (int64_t)(rate ? rate : CB_BUDGET_RATE_DEFAULT) * 1000;
	c.burst = burst ? burst : CB_BUDGET_BURST_DEFAULT;
	c.recover_ms = CB_BUDGET_RECOVER_MS;
	return c;
}

int
cb_budget_is_rate_limit(const cb_mkt_error *err)
{
	return err != NULL && ((err->kind == CB_MKT_E_MARKET && err->code == CODE_RATE_LIMIT) ||
	    err->http_status == 429);
}

static void
sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

static void
log_store_error(const cb_shop_budget *b, const char *family, const char *what)
{
	cb_log_line l;

	cb_log_begin(&l, CB_LOG_WARN, what);
	cb_jw_kstr(&l.w, "component", "budget");
	cb_jw_kstr(&l.w, "shop", b->shop);
	cb_jw_kstr(&l.w, "family", family);
	cb_jw_kstr(&l.w, "error", cb_errmsg());
	cb_log_end(&l);
}

static void
gate(void *payload, const char *path, int after, const cb_mkt_error *err)
{
	cb_shop_budget *b = payload;
	char family[CB_BUDGET_NAME_MAX + 1];
	int64_t wait = 0;

	cb_mkt_path_family(path, family, sizeof(family));
	if (after) {
		if (!cb_budget_is_rate_limit(err))
			return;
		atomic_fetch_add(&b->rate_limited, 1);
		if (cb_store_budget_slow(b->st, b->shop, family, &b->cfg, cb_time_now_ms()) != CB_OK) {
			atomic_fetch_add(&b->store_errors, 1);
			log_store_error(b, family, "budget: could not slow the shop's rate down");
		}
		return;
	}
	if (cb_store_budget_take(b->st, b->shop, family, &b->cfg, cb_time_now_ms(), &wait, NULL) != CB_OK) {
		/* the database is away: keep to the rate alone, one interval */
		atomic_fetch_add(&b->store_errors, 1);
		log_store_error(b, family, "budget: no reservation (the database did not answer): waiting one "
		    "interval");
		wait = 1000000 / b->cfg.rate_mrps + 1;
	}
	if (wait > CB_BUDGET_MAX_WAIT_MS)
		wait = CB_BUDGET_MAX_WAIT_MS;
	if (wait > 0) {
		atomic_fetch_add(&b->waits, 1);
		atomic_fetch_add(&b->waited_ms, (unsigned long)wait);
		sleep_ms(wait);
	}
}

int64_t
cb_budget_wait(cb_shop_budget *b, const char *path)
{
	char family[CB_BUDGET_NAME_MAX + 1];
	int64_t wait = 0;

	cb_mkt_path_family(path, family, sizeof(family));
	if (cb_store_budget_peek(b->st, b->shop, family, &b->cfg, cb_time_now_ms(), &wait) != CB_OK)
		return 0;
	return wait;
}

void
cb_budget_attach(cb_shop_budget *b, cb_mkt *m, cb_store *st, const char *shop, const cb_budget_cfg *cfg)
{
	b->st = st;
	b->cfg = *cfg;
	(void)snprintf(b->shop, sizeof(b->shop), "%s", shop);
	atomic_store(&b->waits, 0);
	atomic_store(&b->waited_ms, 0);
	atomic_store(&b->rate_limited, 0);
	atomic_store(&b->store_errors, 0);
	cb_mkt_set_gate(m, gate, b);
}
