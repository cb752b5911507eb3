/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hooks.c - what issue 12 added to the store: marketplace notifications
 * (webhooks), stored once per id; the marketplace's view of an order's
 * status, applied in the order the marketplace stamped it; and the seizure
 * of a refund's lease by a notification that settles it.  Arguments are
 * checked here and the backends (sqlite/sq_hooks.c, pg/pg_hooks.c) store.
 */
#include "store_int.h"

#include <string.h>

#include "rfc3339.h"

#define HOOK_MAX_ID   128
#define HOOK_MAX_BODY (1u << 20)

int
cb_store_hook_seen(cb_store *st, const char *id)
{
	int rc;

	if (st == NULL || id == NULL || id[0] == '\0')
		return cb__fail(CB_EINVAL, "cb_store_hook_seen: no notification id");
	STORE_NEED_OP(st, hook_seen);
	if ((rc = st->ops->hook_seen(st->be, id)) == CB_ENOTFOUND)
		rc = cb__fail(CB_ENOTFOUND, "notification %.128s is not stored", id);
	return rc;
}

int
cb_store_hook_put(cb_store *st, const cb_store_hook *h)
{
	char now[CB_TIME_MAX];
	int rc;

	if (st == NULL || h == NULL || h->id == NULL || h->shop_id == NULL || h->body == NULL ||
	    h->outcome == NULL || h->detail == NULL)
		return cb__fail(CB_EINVAL, "cb_store_hook_put: NULL argument");
	if (h->id[0] == '\0' || strlen(h->id) > HOOK_MAX_ID || h->body_len > HOOK_MAX_BODY)
		return cb__fail(CB_EINVAL, "cb_store_hook_put: the id is empty or longer than %d bytes, or the "
		    "body longer than %u", HOOK_MAX_ID, HOOK_MAX_BODY);
	STORE_NEED_OP(st, hook_put);
	cb_time_now_iso(now);
	if ((rc = store__note(st, st->ops->hook_put(st->be, h, now))) == CB_ECONFLICT)
		rc = cb__fail(CB_ECONFLICT, "notification %.128s is already stored", h->id);
	return rc;
}

int
cb_store_order_mkt_status(cb_store *st, const char *order_id, const cb_ord_mkt_status *u, int *applied)
{
	char now[CB_TIME_MAX];
	int rc;

	if (st == NULL || order_id == NULL || u == NULL || applied == NULL || u->marketplace_status == NULL ||
	    (unsigned)u->status >= CB_ORD_STATUS_COUNT)
		return cb__fail(CB_EINVAL, "cb_store_order_mkt_status: bad argument");
	*applied = 0;
	STORE_NEED_OP(st, order_mkt_status);
	cb_time_now_iso(now);
	if ((rc = store__note(st, st->ops->order_mkt_status(st->be, order_id, u, now, applied))) == CB_ENOTFOUND)
		rc = cb__fail(CB_ENOTFOUND, "no order %.128s", order_id);
	return rc;
}

int
cb_store_order_checked(cb_store *st, int64_t seq, int64_t *checked_ms, int64_t *mkt_time)
{
	int rc;

	if (st == NULL || checked_ms == NULL || mkt_time == NULL)
		return cb__fail(CB_EINVAL, "cb_store_order_checked: NULL argument");
	*checked_ms = *mkt_time = 0;
	STORE_NEED_OP(st, order_checked);
	if ((rc = st->ops->order_checked(st->be, seq, checked_ms, mkt_time)) == CB_ENOTFOUND)
		rc = cb__fail(CB_ENOTFOUND, "no order %lld", (long long)seq);
	return rc;
}

int
cb_store_pay_seize(cb_store *st, int64_t payment_id, const char *owner, int64_t lease_until_ms)
{
	int rc;

	if (st == NULL || owner == NULL)
		return cb__fail(CB_EINVAL, "cb_store_pay_seize: NULL argument");
	STORE_NEED_OP(st, pay_seize);
	if ((rc = store__note(st, st->ops->pay_seize(st->be, payment_id, owner, lease_until_ms))) == CB_ENOTFOUND)
		rc = cb__fail(CB_ENOTFOUND, "payment %lld is not an open refund", (long long)payment_id);
	return rc;
}
