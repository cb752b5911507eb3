/* SPDX-License-Identifier: Apache-2.0 */
/*
 * budget.h - a shop's request budget (issue 12), held by the marketplace
 * client of that shop: before every request it reserves the next send
 * time of the shop and the endpoint's family in the store (shared by every
 * worker and instance on the database) and waits for it; after a
 * rate-limit error it halves the rate, which recovers over
 * CB_BUDGET_RECOVER_MS.  docs/orders.md ("Request budgets").
 */
#ifndef CB_ORDERS_BUDGET_H
#define CB_ORDERS_BUDGET_H

#include <stdatomic.h>

#include "../store/store.h"
#include "market.h"

#define CB_BUDGET_RATE_DEFAULT   10        /* requests per second per shop and family */
#define CB_BUDGET_BURST_DEFAULT  5
#define CB_BUDGET_RECOVER_MS     60000     /* a halved rate is back to the configured one after this */
#define CB_BUDGET_MAX_WAIT_MS    60000     /* no single wait is longer (a clock jump, a misconfiguration) */

typedef struct cb_shop_budget {
	cb_store     *st;
	cb_budget_cfg cfg;
	char          shop[CB_BUDGET_NAME_MAX + 1];
	/* totals (read by the metrics of another thread) */
	atomic_ulong  waits, waited_ms, rate_limited, store_errors;
} cb_shop_budget;

/* The budget configuration for @rate requests per second and @burst
 * (0: the defaults). */
cb_budget_cfg cb_budget_config(unsigned rate, unsigned burst);

/* Put client @m under the budget @b of @shop in @st (@b must outlive the
 * client's use; it is reset here). */
void cb_budget_attach(cb_shop_budget *b, cb_mkt *m, cb_store *st, const char *shop, const cb_budget_cfg *cfg);

/* How long the next request of @path would wait for @b (0 when the
 * database does not say: the gate still keeps to the budget). */
int64_t cb_budget_wait(cb_shop_budget *b, const char *path);

/* A rate-limit refusal: the marketplace's code 36009002, or HTTP 429. */
int cb_budget_is_rate_limit(const cb_mkt_error *err);

#endif
