/* SPDX-License-Identifier: Apache-2.0 */
/*
 * order_pull.h - the worker reads an order's current status from the
 * marketplace (order detail) before it sends a cancel, when its local copy
 * is older than a configured age (issue 12), so that an order shipped
 * meanwhile is refused here by seed 003's rule rather than by the
 * marketplace.  docs/orders.md ("Order pull").
 */
#ifndef CB_ORDERS_ORDER_PULL_H
#define CB_ORDERS_ORDER_PULL_H

#include <stddef.h>
#include <stdint.h>

#include "../store/store.h"

struct cb_mkt;

/*
 * When order *@rec's copy (its last import, notification or pull, the
 * latest of them) is older than @max_age_ms (0: always), read the order
 * from the marketplace and record its status (cb_store_order_mkt_status:
 * never over a newer one).  When that changed the order, *@rec is
 * replaced by the order read again.
 * @return 1 the order changed (*rec is new); 0 nothing to do or nothing
 *         changed; -1 the marketplace could not say (@why: the caller goes
 *         on with its copy, and the marketplace's own refusal still applies).
 */
int cb_order_refresh(cb_store *st, struct cb_mkt *m, int64_t max_age_ms, int64_t now_ms, cb_order_rec **rec,
    char *why, size_t whylen);

#endif
