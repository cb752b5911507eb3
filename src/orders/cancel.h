/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cancel.h - the rules of a seller's cancellation (seed 003), in one place:
 * what a request may ask of an order (checked when it is made, so nothing
 * that does not add up is stored), the request itself (check, then record
 * a Pending refund against the order exactly as checked), and the business
 * rules the worker judges just before it sends the cancel.  The service
 * (POST /v1/orders/{id}/cancellations) and the worker call these; neither
 * holds a rule of its own.  docs/orders.md lists the rules and their texts.
 */
#ifndef CB_ORDERS_CANCEL_H
#define CB_ORDERS_CANCEL_H

#include <stddef.h>
#include <stdint.h>

#include <codebook.h>

#include "../store/store.h"
#include "doc.h"

struct cb_mkt_config;

/* How often a request is checked again when the order's money changed
 * between the read and the write. */
#define CB_CANCEL_STALE_RETRIES 3

/* The refund a request makes of an order. */
typedef struct {
	cb_refund_row *rows;     /* the request's rows with their item lines, or the whole order's */
	size_t         nrows;
	int64_t        amount;   /* the sum of the rows */
} cb_refund_plan;

/*
 * Check request @req against order @o: each item_cost row names a SKU of
 * the order (its line is filled in), no item or the shipping is refunded
 * beyond what is left of it, the rows add up to "amount" when it is given,
 * "currency" is the order's.  Without rows, the refund is the whole order
 * (what is left of each item, then of the shipping).  Faults go to
 * @faults, pointing into the request; @plan gets the rows and the amount.
 *
 * @return CB_OK or CB_ENOMEM; free @plan with cb_refund_plan_free() either way.
 */
int cb_cancel_check(cb_refund_plan *plan, cb_ofaults *faults, const cb_cancel_req *req, const cb_order *o);
void cb_refund_plan_free(cb_refund_plan *plan);

/* What became of a cancellation request. */
typedef enum {
	CB_CREQ_ACCEPTED = 0, /* a Pending refund was recorded: payment_id */
	CB_CREQ_NO_ORDER,     /* there is no such order */
	CB_CREQ_REFUSED,      /* the request does not fit the order: faults */
	CB_CREQ_BUSY,         /* a cancellation of the order is in progress: payment_id */
	CB_CREQ_STALE,        /* the order kept changing while it was checked */
	CB_CREQ_REPLAYED,     /* the idempotency key made this very request: payment_id is its refund */
	CB_CREQ_KEY_REUSED    /* the idempotency key made another request (payment_id): nothing stored */
} cb_creq_outcome;

/* An Idempotency-Key and the fingerprint of the request that carries it
 * (the service's: SHA-256 of the order id and the body as sent). */
typedef struct {
	const char   *key;       /* NULL: none */
	unsigned char fp[32];
} cb_creq_idem;

typedef struct {
	cb_creq_outcome outcome;
	int64_t         payment_id;
	cb_ofaults      faults;
} cb_creq_result;

/*
 * Request the cancellation of order @order_id as @req asks: read the
 * order, check the request against it (cb_cancel_check), and record a
 * Pending refund for the worker only if the order's money is still what was
 * read; otherwise read and check again, at most CB_CANCEL_STALE_RETRIES
 * times, so rows are never checked against one version of an order and
 * stored against another.
 *
 * With an idempotency key (@idem may be NULL), the key is looked up first:
 * the refund a request with the same key and fingerprint made is
 * CB_CREQ_REPLAYED (whatever the order is now: a replay is never judged
 * again), another request's CB_CREQ_KEY_REUSED.  Otherwise the key is
 * stored with the new refund, in its transaction.  A retry after
 * CB_EUNKNOWN with the same key thus finds the refund if the commit
 * reached the disk and makes it once if not.
 *
 * @return CB_OK with out->outcome; CB_ENOMEM or a storage error with
 *         cb_errmsg(): CB_EUNKNOWN when the commit failed (the refund may
 *         be stored: retry with the same key), otherwise nothing was stored.
 */
int cb_cancel_request(cb_creq_result *out, cb_store *st, const char *order_id, const cb_cancel_req *req,
    const char *request_id, const cb_creq_idem *idem);

/*
 * The seed's business rules, judged by the worker just before it sends the
 * cancel of refund @p of order @o ("the validation will be handled only in
 * the cron"), against the order and the reason set @rr as they are then:
 * the order is Ready for Shipping or Incomplete; the refund is the whole
 * order; the reason key asked for is a seller's cancel reason available in
 * the order's status (the value @shop's configuration gives it), or the
 * default is.  A default chosen before (whose cancel did not land) is
 * chosen afresh.
 *
 * @param[out] key       on 0: the key to send (borrowed from @p or @rr).
 * @param[out] defaulted on 0: 1 when the default was chosen.
 * @return 0; or 1 with the text the refund fails with in @text.
 */
int cb_cancel_rules(const char **key, int *defaulted, char *text, size_t textlen, const cb_order *o,
    const cb_ord_payment *p, const cb_codeset *rr, const struct cb_mkt_config *shop);

#endif
