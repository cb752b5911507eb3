/* SPDX-License-Identifier: Apache-2.0 */
/*
 * outcome.h - refunds whose cancel outcome is not known (issue 12): when
 * the worker checks again (later and later, with jitter, capped), when it
 * stops and calls the refund Unknown (needs attention), and how an outcome
 * observed elsewhere settles it: a webhook (src/svc, the marketplace's
 * cancellation status change) or a person who looked on the marketplace
 * (POST /v1/orders/{order_id}/refunds/{payment_id}/outcome).
 * docs/orders.md ("Outcomes not known").
 */
#ifndef CB_ORDERS_OUTCOME_H
#define CB_ORDERS_OUTCOME_H

#include <stddef.h>
#include <stdint.h>

#include "../store/store.h"

#define CB_OUTCOME_DEADLINE_DEFAULT_MS (6u * 3600u * 1000u)   /* checks stop after 6 h: Unknown */
#define CB_OUTCOME_FIRST_MS            1000u                  /* the first check, a second on */
#define CB_OUTCOME_MAX_MS              (15u * 60u * 1000u)    /* never further apart than 15 min */

/*
 * The next check of a cancel outcome uncertain since @since_ms (when the
 * cancel was sent; 0: now) at @now_ms: the delay, twice the time elapsed
 * so far (checks at 1, 2, 4, 8 ... s: exponential), between
 * CB_OUTCOME_FIRST_MS and the cap (CB_OUTCOME_MAX_MS, or the deadline
 * when shorter), +-20% at random; *status Processing, or Unknown once
 * @deadline_ms (0: the default) have passed since @since_ms.  Checks go on
 * at the cap after the deadline: a later successful check settles the
 * refund still.
 */
unsigned cb_outcome_next(int64_t since_ms, int64_t now_ms, unsigned deadline_ms, cb_pay_status *status);

/* An outcome seen outside the worker. */
typedef struct {
	const char *order_id;        /* the marketplace's order id */
	int64_t     payment_id;      /* the refund; 0: the order's refund whose cancel is out */
	int         cancelled;       /* 1: the order was cancelled (refund Completed); 0: it was not (Error) */
	const char *transaction_id;  /* the marketplace's cancel id, or NULL (the one recorded is kept) */
	const char *text;            /* cancelled 0: why, shown as the refund's error text; may be NULL */
	const char *by;              /* who saw it, for the log and the text ("webhook", "key ops") */
	int         unknown_only;    /* refuse unless the refund is Unknown (a person's word) */
} cb_outcome_obs;

/*
 * "Outcome observed": settle the refund @o names with what was seen on
 * the marketplace, through the worker's own transitions (the lease taken
 * first, so a worker checking the refund at that moment and this never
 * both write).  *payment_id (may be NULL) gets the refund settled and
 * *status its new status.
 *
 * @return CB_OK; CB_ENOTFOUND with @why when there is no such order or no
 *         refund awaiting an outcome; CB_ECONFLICT with @why when the refund
 *         is not Unknown and @o->unknown_only, or a worker holds it right now
 *         (try again in a few seconds); a store error.
 */
int cb_outcome_observed(cb_store *st, const cb_outcome_obs *o, int64_t *payment_id, cb_pay_status *status,
    char *why, size_t whylen);

#endif
