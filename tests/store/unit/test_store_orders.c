/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store_orders.c - the order tables of the store (src/store/orders.c),
 * on each backend (backend.h): imports created, replayed, updated and frozen
 * by the import guard (src/orders/order_rules.c, run inside the import's
 * transaction); refunds recorded one at a time; claims that two workers
 * never share; transitions that a worker whose lease was taken over cannot
 * make; and the effects of completing and failing a refund.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "orders/order_rules.h"
#include "store/store.h"

static cb_store *st;
static cb_ord_item items[2];
static cb_order in;

static void
setup(void)
{
	cr_assert_eq(cb_store_open(&st, tb_fresh("o.db"), 2), CB_OK, "%s", cb_errmsg());
	memset(&in, 0, sizeof(in));
	items[0] = (cb_ord_item){ 1, "TSHIRT-M", "l-1", NULL, 2, 1000, 2000, 0, NULL };
	items[1] = (cb_ord_item){ 2, "MUG", NULL, "Blue mug", 1, 499, 499, 0, NULL };
	in.order_id = "576461413038785752";
	in.marketplace = "tiktok";
	in.shop = "uk-legacy";
	in.status = CB_ORD_READY;
	in.marketplace_status = "AWAITING_SHIPMENT";
	in.currency = "GBP";
	in.items = items;
	in.nitems = 2;
	in.shipping_cost = 399;
}

static void
teardown(void)
{
	cb_store_close(st);
	st = NULL;
	tb_drop();
}

TestSuite(orders, .init = setup, .fini = teardown);

static cb_ord_put_status
put(void)
{
	cb_ord_put_status s;
	char why[256];

	cr_assert_eq(cb_store_order_put(st, &in, cb_order_rules_import_guard, NULL, "req-1", &s, why, sizeof(why)), CB_OK, "%s", cb_errmsg());
	return s;
}

/* A refund of the whole order (Pending); its payment id. */
static int64_t
refund(int64_t amount)
{
	cb_order_rec *rec;
	const cb_order *o;
	unsigned char fp[32];
	cb_refund_row rows[3] = {
		{ 1, "TSHIRT-M", CB_ROW_ITEM_COST, 1, 2000, CB_PAY_PENDING },
		{ 2, "MUG", CB_ROW_ITEM_COST, 2, 499, CB_PAY_PENDING },
		{ 3, NULL, CB_ROW_SHIPPING_COST, 0, 399, CB_PAY_PENDING },
	};
	cb_refund_put_status s;
	int64_t pid;

	cr_assert_eq(cb_store_order_get(st, in.order_id, 0, &rec), CB_OK);
	o = cb_order_rec_get(rec);
	cb_store_order_money_fp(o, fp);
	cr_assert_eq(cb_store_refund_create(st, o->seq, fp, amount, "GBP", NULL, rows, amount == 2898 ? 3 : 1, "r",
	    NULL, NULL, &s, &pid), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(s, CB_REFUND_CREATED);
	cb_order_rec_free(rec);
	return pid;
}

static cb_order_rec *
get(void)
{
	cb_order_rec *rec;

	cr_assert_eq(cb_store_order_get(st, in.order_id, 0, &rec), CB_OK, "%s", cb_errmsg());
	return rec;
}

Test(orders, import_created_replayed_updated)
{
	cb_order_rec *rec;
	const cb_order *o;

	cr_assert_eq(put(), CB_ORD_CREATED);
	cr_assert_eq(put(), CB_ORD_UNCHANGED);
	rec = get();
	o = cb_order_rec_get(rec);
	cr_assert_eq(o->total, 2898);
	cr_assert_eq(o->items_total, 2499);
	cr_assert_eq(o->nitems, 2);
	cr_assert_str_eq(o->items[0].payment_status, "Paid");
	cr_assert_str_eq(o->items[1].title, "Blue mug");
	cr_assert_null(o->items[1].line_item_id);
	cb_order_rec_free(rec);
	in.shipping_cost = 499;
	items[1].title = "Mug, blue";
	cr_assert_eq(put(), CB_ORD_UPDATED);
	rec = get();
	cr_assert_eq(cb_order_rec_get(rec)->total, 2998);
	cr_assert_str_eq(cb_order_rec_get(rec)->items[1].title, "Mug, blue");
	cb_order_rec_free(rec);
	cr_assert_eq(cb_store_order_get(st, "nope", 0, &rec), CB_ENOTFOUND);
}

Test(orders, money_freezes_once_refunded)
{
	cb_ord_put_status s;
	char why[256];

	put();
	refund(2898);
	in.shipping_cost = 0;
	cr_assert_eq(cb_store_order_put(st, &in, cb_order_rules_import_guard, NULL, NULL, &s, why, sizeof(why)), CB_OK);
	cr_assert_eq(s, CB_ORD_FROZEN);
	cr_assert(strstr(why, "can no longer change") != NULL, "%s", why);
	in.shipping_cost = 399;
	in.status = CB_ORD_SHIPPED;	/* the status may still change */
	cr_assert_eq(put(), CB_ORD_UPDATED);
}

Test(orders, one_refund_at_a_time_and_stale_reads)
{
	cb_order_rec *rec;
	unsigned char fp[32];
	cb_refund_row row = { 1, "MUG", CB_ROW_ITEM_COST, 2, 499, CB_PAY_PENDING };
	cb_refund_put_status s;
	int64_t pid, other;

	put();
	pid = refund(2898);
	rec = get();
	cb_store_order_money_fp(cb_order_rec_get(rec), fp);
	cr_assert_eq(cb_store_refund_create(st, cb_order_rec_get(rec)->seq, fp, 499, "GBP", NULL, &row, 1, NULL, NULL, NULL, &s,
	    &other), CB_OK);
	cr_assert_eq(s, CB_REFUND_BUSY);
	cr_assert_eq(other, pid);
	fp[0] ^= 1;
	cr_assert_eq(cb_store_refund_create(st, cb_order_rec_get(rec)->seq, fp, 499, "GBP", NULL, &row, 1, NULL, NULL, NULL, &s,
	    &other), CB_OK);
	cr_assert_eq(s, CB_REFUND_STALE);
	cb_order_rec_free(rec);
}

Test(orders, claims_are_exclusive_and_leases_expire)
{
	int64_t pid, got, seq, got2;

	put();
	pid = refund(2898);
	cr_assert_eq(cb_store_pay_claim(st, "A", 1000, 1000, 5000, &got, &seq), CB_OK);
	cr_assert_eq(got, pid);
	cr_assert_eq(cb_store_pay_claim(st, "B", 2000, 2000, 5000, &got2, &seq), CB_ENOTFOUND);
	/* A's lease has run out at 6000: B takes the refund over */
	cr_assert_eq(cb_store_pay_claim(st, "B", 6000, 6000, 5000, &got2, &seq), CB_OK);
	cr_assert_eq(got2, pid);
	/* and A can change nothing any more */
	cr_assert_eq(cb_store_pay_sending(st, pid, "A", "k", 0, 99999), CB_ENOTFOUND);
	cr_assert_eq(cb_store_pay_complete(st, pid, "A", "tx", NULL), CB_ENOTFOUND);
	cr_assert_eq(cb_store_pay_fail(st, pid, "A", "no", NULL, NULL, NULL, 0), CB_ENOTFOUND);
	cr_assert_eq(cb_store_pay_sending(st, pid, "B", "seller_cancel_reason_out_of_stock_uk", 1, 99999), CB_OK);
}

Test(orders, heartbeats_extend_only_the_holders_lease)
{
	int64_t pid, got, seq;

	put();
	pid = refund(2898);
	cr_assert_eq(cb_store_pay_claim(st, "A", 1000, 1000, 5000, &got, &seq), CB_OK);
	/* A's heartbeat keeps the lease past its first expiry (6000) */
	cr_assert_eq(cb_store_pay_extend(st, pid, "A", 9000), CB_OK);
	cr_assert_eq(cb_store_pay_claim(st, "B", 7000, 7000, 5000, &got, &seq), CB_ENOTFOUND);
	/* a late heartbeat never shortens it */
	cr_assert_eq(cb_store_pay_extend(st, pid, "A", 8000), CB_OK);
	cr_assert_eq(cb_store_pay_claim(st, "B", 8500, 8500, 5000, &got, &seq), CB_ENOTFOUND);
	/* the heartbeats stop (A died): B takes over once it runs out */
	cr_assert_eq(cb_store_pay_claim(st, "B", 9000, 9000, 5000, &got, &seq), CB_OK);
	cr_assert_eq(got, pid);
	cr_assert_eq(cb_store_pay_extend(st, pid, "A", 99999), CB_ENOTFOUND, "A's lease is lost");
	cr_assert_eq(cb_store_pay_extend(st, pid, "B", 20000), CB_OK);
}

Test(orders, later_waits_for_its_time)
{
	cb_pay_later l = { CB_PAY_PENDING, CB_CANCEL_NONE, 50000, "36009002", "Too many requests", NULL, "rid" };
	cb_order_rec *rec;
	const cb_ord_payment *p;
	int64_t pid, got, seq;

	put();
	pid = refund(2898);
	cr_assert_eq(cb_store_pay_claim(st, "A", 1000, 1000, 5000, &got, &seq), CB_OK);
	cr_assert_eq(cb_store_pay_later(st, pid, "A", &l), CB_OK);
	cr_assert_eq(cb_store_pay_claim(st, "A", 49999, 49999, 5000, &got, &seq), CB_ENOTFOUND);
	/* due since 50000, but not for a pass that began before it */
	cr_assert_eq(cb_store_pay_claim(st, "A", 60000, 40000, 5000, &got, &seq), CB_ENOTFOUND);
	cr_assert_eq(cb_store_pay_claim(st, "A", 50000, 50000, 5000, &got, &seq), CB_OK);
	rec = get();
	p = &cb_order_rec_get(rec)->payments[0];
	cr_assert_str_eq(p->last_error_code, "36009002");
	cr_assert_str_eq(p->market_request_id, "rid");
	cr_assert_eq(p->status, CB_PAY_PENDING);
	cb_order_rec_free(rec);
}

Test(orders, complete_cancels_and_refunds_everything)
{
	cb_order_rec *rec;
	const cb_order *o;
	const cb_ord_payment *p;
	int64_t pid, got, seq;
	size_t i;

	put();
	pid = refund(2898);
	cr_assert_eq(cb_store_pay_claim(st, "A", 1000, 1000, 5000, &got, &seq), CB_OK);
	cr_assert_eq(cb_store_pay_sending(st, pid, "A", "seller_cancel_reason_out_of_stock_uk", 1, 9000), CB_OK);
	rec = get();
	p = &cb_order_rec_get(rec)->payments[0];
	cr_assert_eq(p->status, CB_PAY_PROCESSING);
	cr_assert_eq(p->cancel_state, CB_CANCEL_SENDING);
	cr_assert_eq(p->attempts, 1);
	cr_assert_eq(p->lease_expires_ms, 9000);
	cb_order_rec_free(rec);
	cr_assert_eq(cb_store_pay_complete(st, pid, "A", "578000000000000002", "req"), CB_OK);
	rec = get();
	o = cb_order_rec_get(rec);
	cr_assert_eq(o->status, CB_ORD_CANCELLED);
	cr_assert_str_eq(o->marketplace_status, "CANCELLED");
	cr_assert_eq(o->refunded, 2898);
	cr_assert_eq(o->shipping_refunded, 399);
	for (i = 0; i < o->nitems; i++) {
		cr_assert_eq(o->items[i].refunded, o->items[i].amount);
		cr_assert_str_eq(o->items[i].payment_status, "Refunded");
	}
	p = &o->payments[0];
	cr_assert_eq(p->status, CB_PAY_COMPLETED);
	cr_assert_str_eq(p->transaction_id, "578000000000000002");
	cr_assert_str_eq(p->reason_key, "seller_cancel_reason_out_of_stock_uk");
	cr_assert_eq(p->reason_defaulted, 1);
	cr_assert_null(p->lease_owner);
	cr_assert_not_null(p->completed_at);
	cr_assert_eq(p->nrows, 3);
	for (i = 0; i < p->nrows; i++)
		cr_assert_eq(p->rows[i].status, CB_PAY_COMPLETED);
	cb_order_rec_free(rec);
	/* nothing is due any more; a replay of the import changes nothing, and
	 * a late import of another status cannot take the order out of Cancelled */
	cr_assert_eq(cb_store_pay_claim(st, "A", 99999999, 99999999, 5000, &got, &seq), CB_ENOTFOUND);
	cr_assert_eq(put(), CB_ORD_UNCHANGED);
	{
		cb_ord_put_status s;
		char why[256];
		in.marketplace_status = "ON_HOLD";
		cr_assert_eq(cb_store_order_put(st, &in, cb_order_rules_import_guard, NULL, NULL, &s, why, sizeof(why)), CB_OK);
		cr_assert_eq(s, CB_ORD_FROZEN);
		cr_assert(strstr(why, "stays Cancelled") != NULL, "%s", why);
	}
}

Test(orders, fail_records_the_text_and_changes_no_money)
{
	cb_order_rec *rec;
	const cb_order *o;
	int64_t pid, got, seq, counts[CB_PAY_TYPE_COUNT][CB_PAY_STATUS_COUNT];

	put();
	pid = refund(499);
	cr_assert_eq(cb_store_pay_claim(st, "A", 1000, 1000, 5000, &got, &seq), CB_OK);
	cr_assert_eq(cb_store_pay_fail(st, pid, "A", "Only full order refund is allowed.", NULL, NULL, NULL, 0), CB_OK);
	rec = get();
	o = cb_order_rec_get(rec);
	cr_assert_eq(o->status, CB_ORD_READY);
	cr_assert_eq(o->refunded, 0);
	cr_assert_eq(o->payments[0].status, CB_PAY_ERROR);
	cr_assert_str_eq(o->payments[0].error_text, "Only full order refund is allowed.");
	cr_assert_eq(o->payments[0].rows[0].status, CB_PAY_ERROR);
	cb_order_rec_free(rec);
	cr_assert_eq(cb_store_pay_counts(st, counts), CB_OK);
	cr_assert_eq(counts[CB_PAY_REFUND][CB_PAY_ERROR], 1);
	/* a failed refund does not block the next one */
	refund(2898);
}

static int
collect(void *arg, const cb_order *o)
{
	char *ids = arg;
	size_t n = strlen(ids);

	/* the last three digits and the latest refund's status */
	(void)snprintf(ids + n, 256 - n, "%s%s ", o->order_id + 15, o->refund_status ? o->refund_status : "-");
	return 0;
}

Test(orders, listing_filters_and_pages)
{
	cb_ord_filter f;
	char ids[256];

	put();
	refund(2898);
	in.order_id = "576461413038785753";
	in.status = CB_ORD_INCOMPLETE;
	put();
	memset(&f, 0, sizeof(f));
	f.limit = 10;
	ids[0] = '\0';
	cr_assert_eq(cb_store_order_list(st, &f, collect, ids), CB_OK);
	cr_assert_str_eq(ids, "752Pending 753- ");
	f.status = "Incomplete";
	ids[0] = '\0';
	cr_assert_eq(cb_store_order_list(st, &f, collect, ids), CB_OK);
	cr_assert_str_eq(ids, "753- ");
	f.status = NULL;
	f.refund_status = "Pending";
	ids[0] = '\0';
	cr_assert_eq(cb_store_order_list(st, &f, collect, ids), CB_OK);
	cr_assert_str_eq(ids, "752Pending ");
	f.refund_status = NULL;
	f.after_seq = 1;
	ids[0] = '\0';
	cr_assert_eq(cb_store_order_list(st, &f, collect, ids), CB_OK);
	cr_assert_str_eq(ids, "753- ");
}

Test(orders, a_refund_in_error_does_not_freeze)
{
	int64_t pid, got, seq;

	put();
	pid = refund(499);
	cr_assert_eq(cb_store_pay_claim(st, "A", 1000, 1000, 5000, &got, &seq), CB_OK);
	cr_assert_eq(cb_store_pay_fail(st, pid, "A", "refused", NULL, NULL, NULL, 0), CB_OK);
	in.shipping_cost = 0;
	cr_assert_eq(put(), CB_ORD_UPDATED);
}

/* A guard that records what it was shown and answers as told. */
struct seen {
	int      calls, stored_null, answer;
	int64_t  stored_shipping, in_shipping;
	size_t   stored_payments;
};

static int
recording_guard(void *arg, const cb_order *stored, const cb_order *imp, char *why, size_t whylen)
{
	struct seen *g = arg;

	g->calls++;
	g->stored_null = stored == NULL;
	g->stored_shipping = stored ? stored->shipping_cost : -1;
	g->stored_payments = stored ? stored->npayments : 0;
	g->in_shipping = imp->shipping_cost;
	if (g->answer == CB_GUARD_REFUSE)
		snprintf(why, whylen, "refused by the test");
	return g->answer;
}

static cb_ord_put_status
put_with(struct seen *g, int *rc)
{
	cb_ord_put_status s = CB_ORD_CREATED;
	char why[256] = "";

	*rc = cb_store_order_put(st, &in, recording_guard, g, NULL, &s, why, sizeof(why));
	if (*rc == CB_OK && s == CB_ORD_FROZEN)
		cr_assert_str_eq(why, "refused by the test");
	return s;
}

Test(orders, the_guard_sees_the_stored_order_inside_the_write)
{
	struct seen g = { 0 };
	int rc;

	cr_assert_eq(put_with(&g, &rc), CB_ORD_CREATED);
	cr_assert_eq(rc, CB_OK);
	cr_assert_eq(g.calls, 1);
	cr_assert(g.stored_null, "a new order has no stored side");
	/* a replay is settled before the guard: it is not asked */
	cr_assert_eq(put_with(&g, &rc), CB_ORD_UNCHANGED);
	cr_assert_eq(g.calls, 1);
	refund(2898);
	in.shipping_cost = 499;
	cr_assert_eq(put_with(&g, &rc), CB_ORD_UPDATED);
	cr_assert_eq(g.calls, 2);
	cr_assert(!g.stored_null);
	cr_assert_eq(g.stored_shipping, 399, "the guard sees what is stored");
	cr_assert_eq(g.in_shipping, 499, "and the import");
	cr_assert_eq(g.stored_payments, 1, "with the payments (the refund)");
}

Test(orders, a_refusal_or_a_failing_guard_stores_nothing)
{
	struct seen g = { .answer = CB_GUARD_REFUSE };
	cb_order_rec *rec;
	int rc;

	cr_assert_eq(put_with(&g, &rc), CB_ORD_FROZEN);
	cr_assert_eq(rc, CB_OK);
	cr_assert_eq(cb_store_order_get(st, in.order_id, 0, &rec), CB_ENOTFOUND, "a refused creation");
	g.answer = CB_GUARD_ALLOW;
	cr_assert_eq(put_with(&g, &rc), CB_ORD_CREATED);
	in.shipping_cost = 0;
	g.answer = CB_GUARD_REFUSE;
	cr_assert_eq(put_with(&g, &rc), CB_ORD_FROZEN);
	g.answer = CB_ENOMEM;
	put_with(&g, &rc);
	cr_assert_eq(rc, CB_ENOMEM, "the guard's failure is the import's");
	rec = get();
	cr_assert_eq(cb_order_rec_get(rec)->shipping_cost, 399, "neither update was stored");
	cb_order_rec_free(rec);
}
