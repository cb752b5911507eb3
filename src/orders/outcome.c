/* SPDX-License-Identifier: Apache-2.0 */
/*
 * outcome.c - refunds whose cancel outcome is not known (outcome.h): the
 * schedule of the worker's checks, and the settling of a refund by an
 * outcome observed elsewhere.
 */
#include "outcome.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "err.h"
#include "jsonw.h"
#include "logger.h"
#include "rfc3339.h"

#define OBSERVED_LEASE_MS 30000	/* the two writes below take milliseconds; a crash frees it soon */

unsigned
cb_outcome_next(int64_t since_ms, int64_t now_ms, unsigned deadline_ms, cb_pay_status *status)
{
	uint64_t elapsed = since_ms > 0 && now_ms > since_ms ? (uint64_t)(now_ms - since_ms) : 0;
	uint64_t cap = CB_OUTCOME_MAX_MS, delay;
	uint32_t r = 0;

	if (deadline_ms == 0)
		deadline_ms = CB_OUTCOME_DEADLINE_DEFAULT_MS;
	if (deadline_ms < cap)
		cap = deadline_ms;
	if (cap < CB_OUTCOME_FIRST_MS)
		cap = CB_OUTCOME_FIRST_MS;
	*status = elapsed >= deadline_ms ? CB_PAY_UNKNOWN : CB_PAY_PROCESSING;
	delay = elapsed < CB_OUTCOME_FIRST_MS ? CB_OUTCOME_FIRST_MS : elapsed;
	if (delay > cap)
		delay = cap;
	/* +-20%: workers that lost touch at one moment do not all ask at the next */
	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (uint32_t)now_ms;
	delay = delay * (80 + r % 41) / 100;
	return (unsigned)(delay > 0 ? delay : 1);
}

/* The refund @o names in @ord: the given one, or the one whose cancel is out. */
static const cb_ord_payment *
find_refund(const cb_order *ord, const cb_outcome_obs *o)
{
	size_t i;

	for (i = 0; i < ord->npayments; i++) {
		const cb_ord_payment *p = &ord->payments[i];
		if (p->type != CB_PAY_REFUND || !p->by_marketplace)
			continue;
		if (o->payment_id != 0 ? p->id == o->payment_id :
		    ((p->status == CB_PAY_PROCESSING || p->status == CB_PAY_UNKNOWN) &&
		    (p->cancel_state == CB_CANCEL_SENDING || p->cancel_state == CB_CANCEL_PENDING)))
			return p;
	}
	return NULL;
}

static void
log_settled(const cb_outcome_obs *o, const cb_ord_payment *p, cb_pay_status to)
{
	cb_log_line l;

	cb_log_begin(&l, CB_LOG_INFO, "refund settled by an outcome observed outside the worker");
	cb_jw_kstr(&l.w, "component", "outcome");
	cb_jw_kint(&l.w, "payment", p->id);
	cb_jw_kstr(&l.w, "order_id", o->order_id);
	cb_jw_kstr(&l.w, "was", cb_pay_status_name(p->status));
	cb_jw_kstr(&l.w, "status", cb_pay_status_name(to));
	cb_jw_kstr(&l.w, "by", o->by != NULL ? o->by : "");
	cb_log_end(&l);
}

/* Settle @p, whose lease @owner holds. */
static int
settle(cb_store *st, const cb_outcome_obs *o, const cb_ord_payment *p, const char *owner, cb_pay_status *to)
{
	char text[1024];

	if (o->cancelled) {
		*to = CB_PAY_COMPLETED;
		return cb_store_pay_complete(st, p->id, owner, o->transaction_id != NULL ? o->transaction_id :
		    p->transaction_id, NULL);
	}
	*to = CB_PAY_ERROR;
	(void)snprintf(text, sizeof(text), "TikTok Shop did not cancel the order (seen by %s)%s%s",
	    o->by != NULL ? o->by : "someone", o->text != NULL && o->text[0] != '\0' ? ": " : ".",
	    o->text != NULL ? o->text : "");
	return cb_store_pay_fail(st, p->id, owner, text, "OUTCOME_OBSERVED", NULL, p->reason_key, p->reason_defaulted);
}

int
cb_outcome_observed(cb_store *st, const cb_outcome_obs *o, int64_t *payment_id, cb_pay_status *status,
    char *why, size_t whylen)
{
	cb_order_rec *rec = NULL;
	const cb_ord_payment *p;
	cb_pay_status to = CB_PAY_PROCESSING;
	char owner[128];
	int rc;

	if (st == NULL || o == NULL || o->order_id == NULL || why == NULL)
		return cb__fail(CB_EINVAL, "cb_outcome_observed: NULL argument");
	why[0] = '\0';
	if ((rc = cb_store_order_get(st, o->order_id, 0, &rec)) != CB_OK) {
		if (rc == CB_ENOTFOUND)
			(void)snprintf(why, whylen, "no order %s", o->order_id);
		return rc;
	}
	if ((p = find_refund(cb_order_rec_get(rec), o)) == NULL) {
		(void)snprintf(why, whylen, o->payment_id ? "order %s has no refund %" PRId64 " processed by the "
		    "marketplace" : "no refund of order %s awaits the outcome of a cancel", o->order_id, o->payment_id);
		rc = cb__fail(CB_ENOTFOUND, "%s", why);
		goto out;
	}
	if (o->unknown_only && p->status != CB_PAY_UNKNOWN) {
		(void)snprintf(why, whylen, "refund %" PRId64 " is %s, not Unknown: the worker is still finding its "
		    "outcome, or has found it", p->id, cb_pay_status_name(p->status));
		rc = cb__fail(CB_ECONFLICT, "%s", why);
		goto out;
	}
	(void)snprintf(owner, sizeof(owner), "outcome:%.100s", o->by != NULL ? o->by : "observed");
	if ((rc = cb_store_pay_take(st, p->id, owner, cb_time_now_ms(), OBSERVED_LEASE_MS)) != CB_OK) {
		if (rc == CB_ENOTFOUND) {
			(void)snprintf(why, whylen, "refund %" PRId64 " is being checked by a worker right now, or was "
			    "settled meanwhile: read it again", p->id);
			rc = cb__fail(CB_ECONFLICT, "%s", why);
		}
		goto out;
	}
	if ((rc = settle(st, o, p, owner, &to)) != CB_OK)
		goto out;
	log_settled(o, p, to);
	if (payment_id != NULL)
		*payment_id = p->id;
	if (status != NULL)
		*status = to;
out:
	cb_order_rec_free(rec);
	return rc;
}
