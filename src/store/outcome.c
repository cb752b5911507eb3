/* SPDX-License-Identifier: Apache-2.0 */
/*
 * outcome.c - the lease of one named refund (issue 12): an outcome
 * observed outside the worker (a webhook, a person who looked on the
 * marketplace) settles the refund with the worker's own lease-guarded
 * transitions (orders.c), after taking its lease as a worker's claim
 * would.  src/orders/outcome.c is the caller.
 */
#include "store_int.h"

int
cb_store_pay_take(cb_store *st, int64_t payment_id, const char *owner, int64_t now_ms, int64_t lease_ms)
{
	int rc;

	if (st == NULL || owner == NULL || owner[0] == '\0' || lease_ms <= 0)
		return cb__fail(CB_EINVAL, "cb_store_pay_take: NULL or empty argument");
	STORE_NEED_OP(st, pay_take);
	if ((rc = store__note(st, st->ops->pay_take(st->be, payment_id, owner, now_ms, lease_ms))) == CB_ENOTFOUND)
		return cb__fail(CB_ENOTFOUND, "payment %lld: not an open refund, or a worker holds it",
		    (long long)payment_id);
	return rc;
}
