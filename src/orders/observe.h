/* SPDX-License-Identifier: Apache-2.0 */
/*
 * observe.h - drift seen in traffic: a code the marketplace client meets
 * that its set does not hold (an error code in a reply that
 * tiktok-shop-error does not know, a reason on an order's cancellation
 * that the market's reverse-reason mirror does not hold) is noted in the
 * store as observed (cb_store_obs_note), with a count, when it was first
 * and last seen and an example request id: a candidate for the set's next
 * version (GET /v1/code-sets/{set}/observed, codebook observed SET,
 * codebook lint --db).  docs/orders.md ("Drift seen in traffic").
 */
#ifndef CB_ORDERS_OBSERVE_H
#define CB_ORDERS_OBSERVE_H

#include <codebook.h>

#include "../store/store.h"
#include "market.h"

/*
 * Note one sighting of @code, which set @set does not hold, met in
 * @seen_in ("POST /api/reverse/order/cancel").  @st NULL: nothing.  A
 * failure to write is logged, never returned: noting must not fail the
 * work that met the code.
 */
void cb_observe(cb_store *st, const char *set, const char *code, const char *seen_in, const char *request_id);

/* The error code of failed call @err, when the marketplace answered with a
 * code that @errors (tiktok-shop-error; NULL: nothing noted) does not hold. */
void cb_observe_error(cb_store *st, const cb_codeset *errors, const cb_mkt_error *err, const char *seen_in);

/* Reason key @key of an order's cancellation, when mirror @rr (NULL:
 * nothing noted) does not hold it. */
void cb_observe_reason(cb_store *st, const cb_codeset *rr, const char *key, const char *seen_in,
    const char *request_id);

#endif
