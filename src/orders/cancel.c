/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cancel.c - a seller's cancellation (cancel.h): a request checked against
 * the order it names, recorded as a Pending refund against that order as
 * checked, and the seed's business rules that the worker applies before it
 * sends.  docs/orders.md ("The rules") lists every rule with its text.
 */
#include "cancel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "err.h"
#include "orders.h"
#include "orders_int.h"

void
cb_refund_plan_free(cb_refund_plan *plan)
{
	if (plan == NULL)
		return;
	free(plan->rows);
	memset(plan, 0, sizeof(*plan));
}

/* The item of @o with SKU @sku, or NULL. */
static const cb_ord_item *
item_of(const cb_order *o, const char *sku)
{
	size_t i;

	for (i = 0; sku != NULL && i < o->nitems; i++)
		if (strcmp(o->items[i].sku, sku) == 0)
			return &o->items[i];
	return NULL;
}

/* No rows asked for: the whole order, that is what is left of each item,
 * then of the shipping. */
static void
whole_order(cb_refund_plan *plan, cb_ofaults *faults, const cb_order *o)
{
	size_t i, n = 0;

	for (i = 0; i < o->nitems; i++)
		if (o->items[i].amount > o->items[i].refunded) {
			plan->rows[n] = (cb_refund_row){ (int)n + 1, o->items[i].sku, CB_ROW_ITEM_COST,
				o->items[i].line, o->items[i].amount - o->items[i].refunded, CB_PAY_PENDING };
			plan->amount += plan->rows[n++].amount;
		}
	if (o->shipping_cost > o->shipping_refunded) {
		plan->rows[n] = (cb_refund_row){ (int)n + 1, NULL, CB_ROW_SHIPPING_COST, 0,
			o->shipping_cost - o->shipping_refunded, CB_PAY_PENDING };
		plan->amount += plan->rows[n++].amount;
	}
	plan->nrows = n;
	if (n == 0)
		cb_ofault_add(faults, CB_OFAULT_VALUE, "", -1, "order %s has nothing left to refund (total %lld, "
		    "refunded %lld)", o->order_id, (long long)o->total, (long long)o->refunded);
}

/* Is what the rows take of each item and of the shipping still left? */
static void
within_what_is_left(cb_ofaults *faults, const cb_cancel_req *req, const cb_order *o, const int64_t *per_item,
    int64_t shipping)
{
	size_t i;

	for (i = 0; i < o->nitems; i++)
		if (per_item[i] > o->items[i].amount - o->items[i].refunded)
			cb_ofault_add(faults, CB_OFAULT_VALUE, "/refund_rows", req->rows_offset, "the rows refund %lld of "
			    "SKU %s, more than is left of it: %lld (%lld x %lld, %lld refunded)", (long long)per_item[i],
			    o->items[i].sku, (long long)(o->items[i].amount - o->items[i].refunded),
			    (long long)o->items[i].quantity, (long long)o->items[i].unit_price,
			    (long long)o->items[i].refunded);
	if (shipping > o->shipping_cost - o->shipping_refunded)
		cb_ofault_add(faults, CB_OFAULT_VALUE, "/refund_rows", req->rows_offset, "the rows refund %lld of "
		    "shipping, more than is left of it: %lld (shipping_cost %lld, %lld refunded)", (long long)shipping,
		    (long long)(o->shipping_cost - o->shipping_refunded), (long long)o->shipping_cost,
		    (long long)o->shipping_refunded);
}

/* The rows asked for: each names an item of the order (its line is
 * filled in); CB_OK or CB_ENOMEM. */
static int
requested_rows(cb_refund_plan *plan, cb_ofaults *faults, const cb_cancel_req *req, const cb_order *o)
{
	int64_t *per_item, shipping = 0;
	char ptr[96], sp[96], skus[256];
	size_t i, k;

	if ((per_item = cb__calloc(o->nitems + 1, sizeof(*per_item))) == NULL)
		return CB_ENOMEM;
	memcpy(plan->rows, req->rows, req->nrows * sizeof(*req->rows));
	plan->nrows = req->nrows;
	for (i = 0, k = 0; i < o->nitems && k < sizeof(skus); i++)
		k += (size_t)snprintf(skus + k, sizeof(skus) - k, "%s%s", i ? ", " : "", o->items[i].sku);
	for (i = 0; i < plan->nrows; i++) {
		cb_refund_row *r = &plan->rows[i];
		const cb_ord_item *it = item_of(o, r->sku);
		if (r->sku != NULL && it == NULL) {
			cb_ofault_ptr_index(ptr, sizeof(ptr), "/refund_rows", i);
			cb_ofault_ptr(sp, sizeof(sp), ptr, "sku");
			cb_ofault_add(faults, CB_OFAULT_VALUE, sp, req->row_offset[i], "order %s has no item with SKU %s "
			    "(its SKUs: %s)", o->order_id, r->sku, skus);
			continue;
		}
		if (r->amount <= 0)
			continue;	/* reported by the parser */
		plan->amount += r->amount;
		if (r->kind == CB_ROW_SHIPPING_COST) {
			shipping += r->amount;
			r->item_line = 0;
		} else if (it != NULL) {
			r->item_line = it->line;
			per_item[it - o->items] += r->amount;
		}
	}
	within_what_is_left(faults, req, o, per_item, shipping);
	free(per_item);
	return CB_OK;
}

int
cb_cancel_check(cb_refund_plan *plan, cb_ofaults *faults, const cb_cancel_req *req, const cb_order *o)
{
	size_t before = faults->total, n = req->has_rows ? req->nrows : o->nitems + 1;

	memset(plan, 0, sizeof(*plan));
	if (req->currency != NULL && strcmp(req->currency, o->currency) != 0)
		cb_ofault_add(faults, CB_OFAULT_VALUE, "/currency", req->currency_offset, "currency %s is not the "
		    "order's (%s)", req->currency, o->currency);
	if ((plan->rows = cb__calloc(n > 0 ? n : 1, sizeof(*plan->rows))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	if (!req->has_rows)
		whole_order(plan, faults, o);
	else if (requested_rows(plan, faults, req, o) != CB_OK)
		return cb__fail(CB_ENOMEM, "out of memory");
	if (req->has_amount && faults->total == before && req->amount != plan->amount)
		cb_ofault_add(faults, CB_OFAULT_VALUE, "/amount", req->amount_offset, "amount %lld does not add up: "
		    "the refund rows come to %lld", (long long)req->amount, (long long)plan->amount);
	return CB_OK;
}

/* ---- the request ---------------------------------------------------------- */

/* One try: read the order, check, record unless its money moved. */
static int
cancel_try(cb_creq_result *out, cb_store *st, const char *order_id, const cb_cancel_req *req,
    const char *request_id, const cb_creq_idem *idem, cb_refund_put_status *put)
{
	cb_order_rec *rec = NULL;
	cb_refund_plan plan;
	const cb_order *o;
	unsigned char money[32];
	int rc;

	memset(&plan, 0, sizeof(plan));
	out->faults.n = out->faults.total = 0;
	if ((rc = cb_store_order_get(st, order_id, 0, &rec)) == CB_ENOTFOUND) {
		out->outcome = CB_CREQ_NO_ORDER;
		return CB_OK;
	}
	if (rc != CB_OK)
		return rc;
	o = cb_order_rec_get(rec);
	if ((rc = cb_cancel_check(&plan, &out->faults, req, o)) != CB_OK)
		goto out;
	if (out->faults.total > 0) {
		out->outcome = CB_CREQ_REFUSED;
		goto out;
	}
	cb_store_order_money_fp(o, money);
	rc = cb_store_refund_create(st, o->seq, money, plan.amount, o->currency, req->reason_key, plan.rows,
	    plan.nrows, request_id, idem ? idem->key : NULL, idem ? idem->fp : NULL, put, &out->payment_id);
out:
	cb_refund_plan_free(&plan);
	cb_order_rec_free(rec);
	return rc;
}

int
cb_cancel_request(cb_creq_result *out, cb_store *st, const char *order_id, const cb_cancel_req *req,
    const char *request_id, const cb_creq_idem *idem)
{
	cb_refund_put_status put = CB_REFUND_STALE;
	unsigned char fp[32];
	int64_t seq;
	int tries, rc;

	memset(out, 0, sizeof(*out));
	if (idem != NULL && idem->key == NULL)
		idem = NULL;
	if (idem != NULL) {
		/* before the rules: a replay answers what the request did, even if
		 * the order has moved on since (refunded: nothing left to refund) */
		rc = cb_store_refund_by_key(st, idem->key, &out->payment_id, &seq, fp);
		if (rc == CB_OK) {
			out->outcome = memcmp(fp, idem->fp, sizeof(fp)) == 0 ? CB_CREQ_REPLAYED : CB_CREQ_KEY_REUSED;
			return CB_OK;
		}
		if (rc != CB_ENOTFOUND)
			return rc;
		out->payment_id = 0;
	}
	out->outcome = CB_CREQ_STALE;
	for (tries = 0; tries < CB_CANCEL_STALE_RETRIES && put == CB_REFUND_STALE; tries++) {
		out->outcome = CB_CREQ_STALE;
		if ((rc = cancel_try(out, st, order_id, req, request_id, idem, &put)) != CB_OK)
			return rc;
		if (out->outcome != CB_CREQ_STALE)
			return CB_OK;	/* no order, or refused: nothing to retry */
	}
	if (put == CB_REFUND_CREATED)
		out->outcome = CB_CREQ_ACCEPTED;
	else if (put == CB_REFUND_BUSY)
		out->outcome = CB_CREQ_BUSY;
	else if (put == CB_REFUND_REPLAYED)	/* the same key, committed meanwhile */
		out->outcome = CB_CREQ_REPLAYED;
	else if (put == CB_REFUND_KEY_REUSED)
		out->outcome = CB_CREQ_KEY_REUSED;
	return CB_OK;
}

/* ---- the worker's rules ------------------------------------------------------ */

int
cb_cancel_rules(const char **key, int *defaulted, char *text, size_t textlen, const cb_order *o,
    const cb_ord_payment *p, const cb_codeset *rr, const struct cb_mkt_config *shop)
{
	const char *value;

	*key = p->reason_key;
	*defaulted = p->reason_defaulted;
	if (o->status != CB_ORD_READY && o->status != CB_ORD_INCOMPLETE) {
		(void)snprintf(text, textlen, "The order is %s: only orders that are Ready for Shipping or "
		    "Incomplete can be cancelled.", cb_ord_status_name(o->status));
		return 1;
	}
	if (p->amount != o->total || o->refunded != 0) {
		(void)snprintf(text, textlen, "Only full order refund is allowed.");
		return 1;
	}
	if ((value = cb_mkt_reason_status(shop, cb_ord__class_of(o->status))) == NULL) {
		(void)snprintf(text, textlen, "The shop's configuration gives no reverse reason status for %s "
		    "orders.", cb_ord_status_name(o->status));
		return 1;
	}
	/* a default chosen before (then the cancel did not land) is chosen afresh */
	if (cb_reason_pick(rr, o->status, value, p->reason_defaulted ? NULL : p->reason_key, key, defaulted,
	    text, textlen) != 0) {
		*key = p->reason_key;
		*defaulted = p->reason_defaulted;
		return 1;
	}
	return 0;
}
