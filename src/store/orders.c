/* SPDX-License-Identifier: Apache-2.0 */
/*
 * orders.c - orders as imported from the marketplace, their payments and
 * the refund rows of each refund (seed 003): the backend-neutral half.
 * docs/internals/orders.md explains the tables and the life of a refund.
 *
 * Two kinds of writer meet here.  Requests import orders and record
 * refunds (Pending); workers, possibly several processes on one database,
 * claim due refunds with a lease and move them on.  Every transition after
 * a claim applies only while the worker still holds the lease, so a worker
 * whose lease was taken over changes nothing.  The step that matters most
 * is cb_store_pay_sending(): it is committed before the cancel leaves, so
 * after a crash the next worker knows a cancel may be out and asks the
 * marketplace before sending another.
 *
 * What an import may change is a business rule: the caller's guard decides
 * it (src/orders/order_rules.c), called by the backend inside the import's
 * transaction.  Here: the checks of the arguments, the fingerprints, the
 * time of each write, and the texts of the errors the API documents.
 */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "rfc3339.h"

void
cb_store_order_money_fp(const cb_order *o, unsigned char out[32])
{
	if (store__order_fps(o, out, NULL) != CB_OK)
		memset(out, 0, 32);
}

const cb_order *
cb_order_rec_get(const cb_order_rec *r)
{
	return r != NULL ? &r->o : NULL;
}

void
cb_order_rec_free(cb_order_rec *r)
{
	if (r == NULL)
		return;
	cb_arena_free(&r->a);
	free(r);
}

void
store__order_attach_rows(cb_order *o, cb_refund_row *rows, const int64_t *owner, size_t nrows)
{
	size_t p, r;

	for (p = 0, r = 0; p < o->npayments; p++) {
		while (r < nrows && owner[r] < o->payments[p].id)
			r++;
		o->payments[p].rows = rows + r;
		while (r < nrows && owner[r] == o->payments[p].id) {
			o->payments[p].nrows++;
			r++;
		}
	}
}

int
cb_store_order_put(cb_store *st, const cb_order *in, cb_store_order_guard guard, void *guard_arg,
    const char *request_id, cb_ord_put_status *status, char *why, size_t whylen)
{
	struct store_order_put p;
	char now[CB_TIME_MAX], scratch[256];
	size_t i;
	int rc;

	if (st == NULL || in == NULL || status == NULL || in->order_id == NULL || in->shop == NULL ||
	    in->currency == NULL || (in->items == NULL && in->nitems > 0) ||
	    (in->payments == NULL && in->npayments > 0))
		return cb__fail(CB_EINVAL, "cb_store_order_put: bad argument");
	if (why == NULL || whylen == 0) {	/* the guard always has somewhere to write */
		why = scratch;
		whylen = sizeof(scratch);
	}
	why[0] = '\0';
	memset(&p, 0, sizeof(p));
	p.in = in;
	for (i = 0; i < in->nitems; i++)
		p.items_total += in->items[i].quantity * in->items[i].unit_price;	/* bounded by the parser */
	if ((rc = store__order_fps(in, p.money, p.fp)) != CB_OK)
		return rc;
	cb_time_now_iso(now);
	p.now = now;
	p.request_id = request_id;
	p.guard = guard;
	p.guard_arg = guard_arg;
	return store__note(st, st->ops->order_put(st->be, &p, status, why, whylen));
}

int
cb_store_order_get(cb_store *st, const char *order_id, int64_t seq, cb_order_rec **out)
{
	cb_order_rec *rec;
	int rc;

	if (st == NULL || out == NULL)
		return cb__fail(CB_EINVAL, "cb_store_order_get: NULL argument");
	*out = NULL;
	if ((rec = cb__calloc(1, sizeof(*rec))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	rc = st->ops->order_get(st->be, order_id, seq, rec);
	if (rc == CB_ENOTFOUND)
		rc = order_id ? cb__fail(CB_ENOTFOUND, "no order %.128s", order_id)
		    : cb__fail(CB_ENOTFOUND, "no order #%lld", (long long)seq);
	if (rc != CB_OK) {
		cb_order_rec_free(rec);
		return rc;
	}
	*out = rec;
	return CB_OK;
}

int
cb_store_order_list(cb_store *st, const cb_ord_filter *f, cb_ord_fn fn, void *arg)
{
	if (st == NULL || f == NULL || fn == NULL)
		return cb__fail(CB_EINVAL, "cb_store_order_list: NULL argument");
	return st->ops->order_list(st->be, f, fn, arg);
}

int
cb_store_refund_create(cb_store *st, int64_t seq, const unsigned char money_fp[32],
    int64_t amount, const char *currency, const char *reason_key,
    const cb_refund_row *rows, size_t nrows, const char *request_id,
    const char *idem_key, const unsigned char *idem_fp,
    cb_refund_put_status *status, int64_t *payment_id)
{
	struct store_refund r;
	char now[CB_TIME_MAX];
	int rc;

	if (st == NULL || money_fp == NULL || currency == NULL || (rows == NULL && nrows > 0) ||
	    status == NULL || payment_id == NULL || amount <= 0 ||
	    (idem_key != NULL && (idem_fp == NULL || idem_key[0] == '\0' ||
	    strlen(idem_key) > CB_IDEM_KEY_MAX)))
		return cb__fail(CB_EINVAL, "cb_store_refund_create: bad argument");
	*payment_id = 0;
	cb_time_now_iso(now);
	r = (struct store_refund){ seq, money_fp, amount, currency, reason_key, request_id, now, rows, nrows,
		idem_key, idem_fp };
	if ((rc = store__note(st, st->ops->refund_create(st->be, &r, status, payment_id))) == CB_ENOTFOUND)
		rc = cb__fail(CB_ENOTFOUND, "no order #%lld", (long long)seq);
	return rc;
}

int
cb_store_refund_by_key(cb_store *st, const char *key, int64_t *payment_id, int64_t *order_seq,
    unsigned char fp[32])
{
	int rc;

	if (st == NULL || key == NULL || payment_id == NULL || order_seq == NULL || fp == NULL)
		return cb__fail(CB_EINVAL, "cb_store_refund_by_key: NULL argument");
	STORE_NEED_OP(st, refund_by_key);
	if ((rc = st->ops->refund_by_key(st->be, key, payment_id, order_seq, fp)) == CB_ENOTFOUND)
		rc = cb__fail(CB_ENOTFOUND, "no refund was made with idempotency key %.64s", key);
	return rc;
}

void
cb_store_fingerprint(unsigned char out[32], const void *p, size_t len)
{
	store__sha256(out, p, len);
}

/* ---- the worker's transitions ------------------------------------------- */

int
cb_store_pay_claim(cb_store *st, const char *owner, int64_t now_ms, int64_t due_ms, int64_t lease_ms,
    int64_t *payment_id, int64_t *order_seq)
{
	int rc;

	if (st == NULL || owner == NULL || payment_id == NULL || order_seq == NULL || lease_ms <= 0)
		return cb__fail(CB_EINVAL, "cb_store_pay_claim: bad argument");
	if ((rc = store__note(st, st->ops->pay_claim(st->be, owner, now_ms, due_ms, lease_ms, payment_id,
	    order_seq))) == CB_ENOTFOUND)
		rc = cb__fail(CB_ENOTFOUND, "no refund is due");
	return rc;
}

/* The text of a transition refused because @owner lost the lease. */
static int
lease_lost(int rc, int64_t payment_id)
{
	if (rc == CB_ENOTFOUND)
		rc = cb__fail(CB_ENOTFOUND, "payment %lld: lease lost (another worker took it over)",
		    (long long)payment_id);
	return rc;
}

int
cb_store_pay_sending(cb_store *st, int64_t payment_id, const char *owner,
    const char *reason_key, int defaulted, int64_t lease_until_ms)
{
	char now[CB_TIME_MAX];

	if (st == NULL || owner == NULL || reason_key == NULL)
		return cb__fail(CB_EINVAL, "cb_store_pay_sending: NULL argument");
	cb_time_now_iso(now);
	return lease_lost(store__note(st, st->ops->pay_sending(st->be, payment_id, owner, reason_key,
	    defaulted != 0, lease_until_ms, now)), payment_id);
}

int
cb_store_pay_extend(cb_store *st, int64_t payment_id, const char *owner, int64_t lease_until_ms)
{
	if (st == NULL || owner == NULL)
		return cb__fail(CB_EINVAL, "cb_store_pay_extend: NULL argument");
	STORE_NEED_OP(st, pay_extend);
	return lease_lost(store__note(st, st->ops->pay_extend(st->be, payment_id, owner, lease_until_ms)),
	    payment_id);
}

int
cb_store_pay_later(cb_store *st, int64_t payment_id, const char *owner, const cb_pay_later *l)
{
	char now[CB_TIME_MAX];

	if (st == NULL || owner == NULL || l == NULL)
		return cb__fail(CB_EINVAL, "cb_store_pay_later: NULL argument");
	cb_time_now_iso(now);
	return lease_lost(store__note(st, st->ops->pay_later(st->be, payment_id, owner, l, now)), payment_id);
}

int
cb_store_pay_fail(cb_store *st, int64_t payment_id, const char *owner,
    const char *error_text, const char *error_code, const char *market_request_id,
    const char *reason_key, int defaulted)
{
	char now[CB_TIME_MAX];

	if (st == NULL || owner == NULL || error_text == NULL)
		return cb__fail(CB_EINVAL, "cb_store_pay_fail: NULL argument");
	cb_time_now_iso(now);
	return lease_lost(store__note(st, st->ops->pay_fail(st->be, payment_id, owner, error_text, error_code,
	    market_request_id, reason_key, defaulted != 0, now)), payment_id);
}

int
cb_store_pay_complete(cb_store *st, int64_t payment_id, const char *owner,
    const char *transaction_id, const char *market_request_id)
{
	char now[CB_TIME_MAX];

	if (st == NULL || owner == NULL || transaction_id == NULL)
		return cb__fail(CB_EINVAL, "cb_store_pay_complete: NULL argument");
	cb_time_now_iso(now);
	return lease_lost(store__note(st, st->ops->pay_complete(st->be, payment_id, owner, transaction_id,
	    market_request_id, now)), payment_id);
}

int
cb_store_pay_counts(cb_store *st, int64_t counts[CB_PAY_TYPE_COUNT][CB_PAY_STATUS_COUNT])
{
	if (st == NULL || counts == NULL)
		return cb__fail(CB_EINVAL, "cb_store_pay_counts: NULL argument");
	memset(counts, 0, sizeof(int64_t) * CB_PAY_TYPE_COUNT * CB_PAY_STATUS_COUNT);
	return st->ops->pay_counts(st->be, counts);
}

int
cb_store_refund_open_each(cb_store *st, unsigned limit, cb_store_open_refund_fn fn, void *arg)
{
	if (st == NULL || fn == NULL)
		return cb__fail(CB_EINVAL, "cb_store_refund_open_each: NULL argument");
	STORE_NEED_OP(st, refund_open_each);
	return st->ops->refund_open_each(st->be, limit ? limit : 100000, fn, arg);
}
