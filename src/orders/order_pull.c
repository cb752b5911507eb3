/* SPDX-License-Identifier: Apache-2.0 */
/*
 * order_pull.c - the order pull (order_pull.h): the marketplace's order
 * detail read before a cancel when the local copy is old.  The status is
 * recorded with the marketplace's update_time, through the same store
 * operation as an order-status notification, so a pull and a notification
 * never overwrite each other's newer news.
 */
#include "order_pull.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "market.h"
#include "rfc3339.h"

/* The time of the local copy: the latest of its last write and its last
 * check against the marketplace (Unix ms). */
static int64_t
copy_time(cb_store *st, const cb_order *o)
{
	char norm[CB_TIME_MAX];
	const char *bad = NULL;
	int64_t checked = 0, mkt = 0, us = 0, t;

	(void)cb_store_order_checked(st, o->seq, &checked, &mkt);
	t = checked;
	if (o->updated_at != NULL && cb_time_parse(o->updated_at, strlen(o->updated_at), norm, &us, &bad) == 1 &&
	    us / 1000 > t)
		t = us / 1000;
	return t;
}

int
cb_order_refresh(cb_store *st, struct cb_mkt *m, int64_t max_age_ms, int64_t now_ms, cb_order_rec **rec,
    char *why, size_t whylen)
{
	const cb_order *o = cb_order_rec_get(*rec);
	const char *id = o->order_id;
	const cb_mkt_order *mo;
	const cb_mkt_status *ms;
	cb_mkt_orders *res = NULL;
	cb_mkt_error err;
	cb_ord_mkt_status u;
	cb_order_rec *fresh = NULL;
	int applied = 0, rc = -1;

	if (max_age_ms > 0 && now_ms - copy_time(st, o) <= max_age_ms)
		return 0;
	if (cb_mkt_get_orders(&res, m, &id, 1, &err) != CB_OK) {
		(void)snprintf(why, whylen, "order detail failed: %s%s%s", err.error_code, err.error_code[0] ? ": " : "",
		    err.message);
		return -1;
	}
	if ((mo = cb_mkt_orders_find(res, id)) == NULL) {
		(void)snprintf(why, whylen, "TikTok Shop's order detail does not list order %s", id);
		goto out;
	}
	if ((ms = cb_mkt_status_find(mo->status, strlen(mo->status))) == NULL) {
		(void)snprintf(why, whylen, "TikTok Shop gives order %s the status %.48s, which codebook does not know",
		    id, mo->status);
		goto out;
	}
	u = (cb_ord_mkt_status){ (cb_ord_status)ms->cls, ms->name, mo->update_time, now_ms };
	if (cb_store_order_mkt_status(st, id, &u, &applied) != CB_OK) {
		(void)snprintf(why, whylen, "the order's status could not be recorded: %s", cb_errmsg());
		goto out;
	}
	rc = 0;
	if (applied && (o->status != (cb_ord_status)ms->cls || o->marketplace_status == NULL ||
	    strcmp(o->marketplace_status, ms->name) != 0) && cb_store_order_get(st, NULL, o->seq, &fresh) == CB_OK) {
		cb_order_rec_free(*rec);
		*rec = fresh;
		rc = 1;
	}
out:
	cb_mkt_orders_free(res);
	return rc;
}
