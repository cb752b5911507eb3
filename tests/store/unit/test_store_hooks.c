/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store_hooks.c - what issue 12 added to the store (src/store/hooks.c),
 * on each backend (backend.h): a notification stored once per id; the
 * marketplace's status of an order written only when not older than the
 * one stored and never over Cancelled, its check time recorded either
 * way; a refund's lease taken over from a worker, whose transitions then
 * fail, and never on a settled refund.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "backend.h"
#include "store/store.h"

static cb_store *st;
static cb_ord_item items[1];
static cb_order in;

static void
setup(void)
{
	cb_ord_put_status s;
	char why[256];

	cr_assert_eq(cb_store_open(&st, tb_fresh("h.db"), 2), CB_OK, "%s", cb_errmsg());
	memset(&in, 0, sizeof(in));
	items[0] = (cb_ord_item){ 1, "TSHIRT-M", NULL, NULL, 2, 1000, 2000, 0, NULL };
	in.order_id = "576461413038785752";
	in.marketplace = "tiktok";
	in.shop = "uk-legacy";
	in.status = CB_ORD_READY;
	in.marketplace_status = "AWAITING_SHIPMENT";
	in.currency = "GBP";
	in.items = items;
	in.nitems = 1;
	in.shipping_cost = 399;
	cr_assert_eq(cb_store_order_put(st, &in, NULL, NULL, "req-1", &s, why, sizeof(why)), CB_OK, "%s", cb_errmsg());
}

static void
teardown(void)
{
	cb_store_close(st);
	st = NULL;
	tb_drop();
}

TestSuite(hooks, .init = setup, .fini = teardown);

Test(hooks, stored_once)
{
	cb_store_hook h = { "7000001", 1, "shop-1", in.order_id, 1765000000, "{\"a\":1}", 7, "applied", "done" };

	cr_assert_eq(cb_store_hook_seen(st, "7000001"), CB_ENOTFOUND);
	cr_assert_eq(cb_store_hook_put(st, &h), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_store_hook_seen(st, "7000001"), CB_OK);
	h.outcome = "ignored";
	cr_assert_eq(cb_store_hook_put(st, &h), CB_ECONFLICT);
	cr_assert_str_eq(cb_errmsg(), "notification 7000001 is already stored");
	cr_assert_eq(tb_int("SELECT COUNT(*) FROM webhook_notifications"), 1);
	cr_assert_str_eq(tb_text("SELECT outcome FROM webhook_notifications"), "applied");
	cr_assert_str_eq(tb_text("SELECT body FROM webhook_notifications"), "{\"a\":1}");
	h.outcome = "bogus";
	h.id = "7000002";
	cr_assert_neq(cb_store_hook_put(st, &h), CB_OK);	/* the schema's CHECK */
	cr_assert_eq(tb_int("SELECT COUNT(*) FROM webhook_notifications"), 1);
}

static cb_order_rec *
get(void)
{
	cb_order_rec *rec;

	cr_assert_eq(cb_store_order_get(st, in.order_id, 0, &rec), CB_OK, "%s", cb_errmsg());
	return rec;
}

Test(hooks, newer_status_wins)
{
	cb_ord_mkt_status u = { CB_ORD_SHIPPED, "IN_TRANSIT", 2000, 111 };
	cb_order_rec *rec;
	int64_t checked, mt;
	int applied;

	cr_assert_eq(cb_store_order_mkt_status(st, in.order_id, &u, &applied), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(applied, 1);
	u = (cb_ord_mkt_status){ CB_ORD_READY, "AWAITING_SHIPMENT", 1999, 222 };
	cr_assert_eq(cb_store_order_mkt_status(st, in.order_id, &u, &applied), CB_OK);
	cr_assert_eq(applied, 0);
	rec = get();
	cr_assert_eq(cb_order_rec_get(rec)->status, CB_ORD_SHIPPED);
	cr_assert_str_eq(cb_order_rec_get(rec)->marketplace_status, "IN_TRANSIT");
	cr_assert_eq(cb_store_order_checked(st, cb_order_rec_get(rec)->seq, &checked, &mt), CB_OK);
	cr_assert_eq(checked, 222);	/* checked, though not written */
	cr_assert_eq(mt, 2000);
	cb_order_rec_free(rec);
	/* the same time again is applied (a repeat changes nothing) */
	u = (cb_ord_mkt_status){ CB_ORD_CANCELLED, "CANCELLED", 2000, 333 };
	cr_assert_eq(cb_store_order_mkt_status(st, in.order_id, &u, &applied), CB_OK);
	cr_assert_eq(applied, 1);
	/* Cancelled stays */
	u = (cb_ord_mkt_status){ CB_ORD_DELIVERED, "DELIVERED", 9000, 444 };
	cr_assert_eq(cb_store_order_mkt_status(st, in.order_id, &u, &applied), CB_OK);
	cr_assert_eq(applied, 0);
	rec = get();
	cr_assert_eq(cb_order_rec_get(rec)->status, CB_ORD_CANCELLED);
	cb_order_rec_free(rec);
	cr_assert_eq(cb_store_order_mkt_status(st, "no-such-order", &u, &applied), CB_ENOTFOUND);
	cr_assert_eq(cb_store_order_checked(st, 987654, &checked, &mt), CB_ENOTFOUND);
}

Test(hooks, seize_takes_the_lease_over)
{
	cb_refund_row row = { 1, "TSHIRT-M", CB_ROW_ITEM_COST, 1, 2000, CB_PAY_PENDING };
	cb_refund_put_status s;
	unsigned char fp[32];
	cb_order_rec *rec = get();
	int64_t pid, claimed, seq;

	cb_store_order_money_fp(cb_order_rec_get(rec), fp);
	cr_assert_eq(cb_store_refund_create(st, cb_order_rec_get(rec)->seq, fp, 2000, "GBP", NULL, &row, 1, "r", NULL,
	    NULL, &s, &pid), CB_OK, "%s", cb_errmsg());
	cb_order_rec_free(rec);
	cr_assert_eq(cb_store_pay_claim(st, "worker-1", 1000, 1000, 15000, &claimed, &seq), CB_OK);
	cr_assert_eq(claimed, pid);
	cr_assert_eq(cb_store_pay_seize(st, pid, "webhook:1", 99999), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_store_pay_extend(st, pid, "worker-1", 50000), CB_ENOTFOUND);	/* the worker lost it */
	cr_assert_eq(cb_store_pay_complete(st, pid, "webhook:1", "4035000001", NULL), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_store_pay_seize(st, pid, "webhook:2", 99999), CB_ENOTFOUND);	/* settled */
	rec = get();
	cr_assert_eq(cb_order_rec_get(rec)->status, CB_ORD_CANCELLED);
	cr_assert_eq(cb_order_rec_get(rec)->refunded, 2000);
	cb_order_rec_free(rec);
}
