/* SPDX-License-Identifier: Apache-2.0 */
/*
 * impact.h - the dry run of a new version of a market's reverse-reason
 * mirror, for the refunds still open: which of them the worker would
 * judge otherwise (a reason key no longer available, a default that
 * changes) if the version were published.  The service's compatibility
 * route (POST /v1/code-sets/{set}/compatibility) reports it beside the
 * gate's verdict; nothing is stored.  docs/http.md ("Dry run and impact").
 */
#ifndef CB_ORDERS_IMPACT_H
#define CB_ORDERS_IMPACT_H

#include <stddef.h>
#include <stdint.h>

#include <codebook.h>

#include "../store/store.h"

#define CB_IMPACT_EXAMPLES 10       /* examples kept of each kind */
#define CB_IMPACT_MAX_REFUNDS 100000 /* open refunds judged at most (a bound on the dry run) */

/* One open refund the new version would judge otherwise. */
typedef struct {
	int64_t       payment_id;
	char          order_id[128];
	char          shop[65];
	cb_ord_status order_status;
	char          before[128];   /* the key the worker sends under the current version, or "" when it fails */
	char          after[128];    /* ... and under the proposed one */
	char          after_text[512]; /* the proposed version's failure text, or "" */
} cb_refund_change;

typedef struct {
	size_t           open;       /* open refunds of the mirror's market judged */
	size_t           changed;    /* judged otherwise under the proposed version */
	size_t           unknown_market; /* open refunds whose shop's market is not known */
	int              truncated;  /* more than CB_IMPACT_MAX_REFUNDS are open: the first were judged */
	cb_refund_change examples[CB_IMPACT_EXAMPLES];
	size_t           nexamples;
} cb_refund_impact;

/*
 * Judge the open refunds of the market of mirror @next (a reverse-reason
 * set: tiktok-reverse-reason@MARKET; any other set has none) under @cur
 * (the version served, NULL: none) and @next, as the worker's reason rule
 * does (cb_reason_pick with the shop's status values).  A shop's market
 * comes from the configuration (@market_config, @env) or what the
 * marketplace said of it before.  CB_OK; a storage error.
 */
int cb_refund_impact_of(cb_refund_impact *out, cb_store *st, const char *market_config,
    const char *const *env, const cb_codeset *cur, const cb_codeset *next);

#endif
