/* SPDX-License-Identifier: Apache-2.0 */
/*
 * order_rules.h - the business rules on what an import from the
 * marketplace may change in a stored order.  The store runs them inside
 * the import's transaction, as a guard (cb_store_order_guard in
 * ../store/store.h), so that nothing can change between the check and the
 * write; they live here, with the rest of the cancellation domain.
 * docs/orders.md states them for users.
 */
#ifndef CB_ORDER_RULES_H
#define CB_ORDER_RULES_H

#include <stddef.h>

#include "../store/store.h"

/*
 * The import guard (a cb_store_order_guard; @arg is unused): an order that
 * has a refund which is not in Error keeps its currency, items and
 * shipping cost; an order cancelled through codebook (a refund the
 * marketplace completed) stays Cancelled.  Refuses with the reason in
 * @why, allows everything else, new orders (@stored NULL) included.
 */
int cb_order_rules_import_guard(void *arg, const cb_order *stored, const cb_order *in,
    char *why, size_t whylen);

#endif
