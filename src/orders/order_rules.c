/* SPDX-License-Identifier: Apache-2.0 */
/*
 * order_rules.c - what an import may change in a stored order (see
 * order_rules.h).  Refunds are computed from the order's money as it was
 * when they were requested, so once one may still happen, or has happened,
 * that money is frozen; and once the marketplace completed a cancel that
 * codebook sent, no later import may bring the order back from Cancelled.
 */
#include "order_rules.h"

#include <stdio.h>
#include <string.h>

int
cb_order_rules_import_guard(void *arg, const cb_order *stored, const cb_order *in,
    char *why, size_t whylen)
{
	const cb_ord_payment *first = NULL;
	unsigned char was[32], now[32];
	int cancelled = 0;
	size_t i;

	(void)arg;
	if (stored == NULL)
		return CB_GUARD_ALLOW;
	for (i = 0; i < stored->npayments; i++) {
		const cb_ord_payment *p = &stored->payments[i];
		if (p->type != CB_PAY_REFUND)
			continue;
		if (p->status != CB_PAY_ERROR && (first == NULL || p->id < first->id))
			first = p;
		if (p->status == CB_PAY_COMPLETED && p->by_marketplace)
			cancelled = 1;
	}
	if (first != NULL) {
		cb_store_order_money_fp(stored, was);
		cb_store_order_money_fp(in, now);
		if (memcmp(was, now, sizeof(was)) != 0) {
			(void)snprintf(why, whylen, "order %.128s has a refund (payment %lld): its currency, "
			    "items and shipping cost can no longer change", in->order_id, (long long)first->id);
			return CB_GUARD_REFUSE;
		}
	}
	if (cancelled && in->status != CB_ORD_CANCELLED) {
		(void)snprintf(why, whylen, "order %.128s was cancelled through codebook: its status stays "
		    "Cancelled, not %s", in->order_id, cb_ord_status_name(in->status));
		return CB_GUARD_REFUSE;
	}
	return CB_GUARD_ALLOW;
}
