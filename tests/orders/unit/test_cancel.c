/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_cancel.c - the rules of a cancellation in the orders domain
 * (src/orders/cancel.c): a request recorded against an order in the store,
 * refused, busy or naming no order; and the seed's business rules as the
 * worker judges them, with their exact texts.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "market/market.h"
#include "orders/cancel.h"
#include "orders/order_rules.h"
#include "orders/orders.h"

static char dir[] = "/tmp/cb-cancel-XXXXXX";
static cb_store *st;
static cb_ord_item items[2];
static cb_order in;
static cb_cancel_doc doc;
static cb_creq_result res;

static void
setup(void)
{
	char path[256];
	cb_ord_put_status s;
	char why[256];

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/o.db", dir);
	cr_assert_eq(cb_store_open(&st, path, 2), CB_OK, "%s", cb_errmsg());
	memset(&in, 0, sizeof(in));
	items[0] = (cb_ord_item){ 1, "TSHIRT-M", NULL, NULL, 2, 1000, 2000, 0, NULL };
	items[1] = (cb_ord_item){ 2, "MUG", NULL, NULL, 1, 499, 499, 0, NULL };
	in.order_id = "576461413038785752";
	in.marketplace = "tiktok";
	in.shop = "uk-legacy";
	in.status = CB_ORD_READY;
	in.currency = "GBP";
	in.items = items;
	in.nitems = 2;
	in.shipping_cost = 399;
	cr_assert_eq(cb_store_order_put(st, &in, cb_order_rules_import_guard, NULL, "req-1", &s, why, sizeof(why)),
	    CB_OK, "%s", cb_errmsg());
}

static void
teardown(void)
{
	char cmd[300];

	cb_cancel_doc_free(&doc);
	cb_store_close(st);
	st = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
	memcpy(dir, "/tmp/cb-cancel-XXXXXX", sizeof(dir));
}

TestSuite(request, .init = setup, .fini = teardown);

static cb_creq_outcome
request(const char *order_id, const char *json)
{
	cb_cancel_doc_free(&doc);
	cr_assert_eq(cb_cancel_doc_parse(&doc, json, strlen(json)), CB_OK);
	cr_assert(!CB_DOC_FAILED(&doc), "%s", doc.faults.v[0].message);
	cr_assert_eq(cb_cancel_request(&res, st, order_id, &doc.req, "req-2", NULL), CB_OK, "%s", cb_errmsg());
	return res.outcome;
}

Test(request, the_whole_order_then_busy)
{
	cb_order_rec *rec;
	const cb_order *o;
	int64_t pid;

	cr_assert_eq(request(in.order_id, "{\"reason_key\":\"seller_cancel_reason_out_of_stock_uk\"}"),
	    CB_CREQ_ACCEPTED);
	pid = res.payment_id;
	cr_assert_eq(cb_store_order_get(st, in.order_id, 0, &rec), CB_OK);
	o = cb_order_rec_get(rec);
	cr_assert_eq(o->npayments, 1);
	cr_assert_eq(o->payments[0].id, pid);
	cr_assert_eq(o->payments[0].amount, 2898);
	cr_assert_eq(o->payments[0].status, CB_PAY_PENDING);
	cr_assert_eq(o->payments[0].nrows, 3);
	cr_assert_str_eq(o->payments[0].reason_key, "seller_cancel_reason_out_of_stock_uk");
	cb_order_rec_free(rec);
	/* one cancellation at a time */
	cr_assert_eq(request(in.order_id, "{}"), CB_CREQ_BUSY);
	cr_assert_eq(res.payment_id, pid);
}

Test(request, refused_with_where_and_why)
{
	cr_assert_eq(request(in.order_id, "{\"refund_rows\":[{\"sku\":\"MUG\",\"type\":\"item_cost\",\"amount\":500}],"
	    "\"currency\":\"EUR\"}"), CB_CREQ_REFUSED);
	cr_assert_eq(res.faults.total, 2);
	cr_assert_str_eq(res.faults.v[0].pointer, "/currency");
	cr_assert_str_eq(res.faults.v[0].message, "currency EUR is not the order's (GBP)");
	cr_assert_str_eq(res.faults.v[1].pointer, "/refund_rows");
	cr_assert(strstr(res.faults.v[1].message, "more than is left of it: 499") != NULL, "%s",
	    res.faults.v[1].message);
	/* nothing was stored */
	cr_assert_eq(request(in.order_id, "{}"), CB_CREQ_ACCEPTED);
}

Test(request, no_such_order)
{
	cr_assert_eq(request("999", "{}"), CB_CREQ_NO_ORDER);
}

/* ---- the worker's rules ------------------------------------------------------- */

static cb_codeset *rr;
static cb_mkt_config *shop;
static cb_order o;
static cb_ord_payment p;

static void
rules_init(void)
{
	static const char *const noenv[] = { NULL };

	cr_assert_eq(cb_codeset_load_file(&rr, CB_SOURCE_DIR "/catalogs/tiktok-reverse-reason@GB.json"), CB_OK,
	    "%s", cb_errmsg());
	cr_assert_eq(cb_mkt_config_parse(&shop, "", 0, "test", NULL, noenv), CB_OK, "%s", cb_errmsg());
	memset(&o, 0, sizeof(o));
	memset(&p, 0, sizeof(p));
	o.order_id = "1";
	o.status = CB_ORD_READY;
	o.total = 2898;
	p.amount = 2898;
}

static void
rules_fini(void)
{
	cb_codeset_free(rr);
	cb_mkt_config_free(shop);
}

TestSuite(rules, .init = rules_init, .fini = rules_fini);

static int
judge(const char **key, int *defaulted, char *text, size_t n)
{
	return cb_cancel_rules(key, defaulted, text, n, &o, &p, rr, shop);
}

Test(rules, the_default_for_each_status)
{
	const char *key;
	char text[2048];
	int d;

	cr_assert_eq(judge(&key, &d, text, sizeof(text)), 0, "%s", text);
	cr_assert_str_eq(key, "seller_cancel_reason_out_of_stock_uk");
	cr_assert_eq(d, 1);
	o.status = CB_ORD_INCOMPLETE;	/* the shop's value for it is 0: the unpaid reason */
	cr_assert_eq(judge(&key, &d, text, sizeof(text)), 0, "%s", text);
	cr_assert_str_eq(key, "seller_cancel_unpaid_reason_out_of_stock_uk");
}

Test(rules, only_the_whole_order)
{
	const char *key;
	char text[2048];
	int d;

	p.amount = 2000;
	p.reason_key = "seller_cancel_reason_out_of_stock_uk";
	cr_assert_eq(judge(&key, &d, text, sizeof(text)), 1);
	cr_assert_str_eq(text, "Only full order refund is allowed.");
	cr_assert_str_eq(key, p.reason_key);	/* the refund keeps the reason it had */
	p.amount = 2898;
	o.refunded = 1;
	cr_assert_eq(judge(&key, &d, text, sizeof(text)), 1);
	cr_assert_str_eq(text, "Only full order refund is allowed.");
}

Test(rules, only_orders_not_yet_shipped)
{
	const char *key;
	char text[2048];
	int d;

	o.status = CB_ORD_SHIPPED;
	cr_assert_eq(judge(&key, &d, text, sizeof(text)), 1);
	cr_assert_str_eq(text, "The order is Shipped: only orders that are Ready for Shipping or Incomplete can be "
	    "cancelled.");
}

Test(rules, a_key_not_available_in_the_status)
{
	const char *key;
	char text[2048];
	int d;

	o.status = CB_ORD_INCOMPLETE;
	p.reason_key = "seller_cancel_reason_out_of_stock_uk";
	cr_assert_eq(judge(&key, &d, text, sizeof(text)), 1);
	cr_assert(strstr(text, "is not available for an Incomplete order (order status 0)") != NULL, "%s", text);
	cr_assert_str_eq(key, p.reason_key);
	cr_assert_eq(d, 0);
}

static cb_creq_outcome
request_keyed(const char *order_id, const char *json, const char *key, unsigned char tag)
{
	cb_creq_idem idem;

	memset(&idem, 0, sizeof(idem));
	idem.key = key;
	idem.fp[0] = tag;	/* the service's fingerprint of the request, here made up */
	cb_cancel_doc_free(&doc);
	cr_assert_eq(cb_cancel_doc_parse(&doc, json, strlen(json)), CB_OK);
	cr_assert_eq(cb_cancel_request(&res, st, order_id, &doc.req, "req-k", &idem), CB_OK, "%s", cb_errmsg());
	return res.outcome;
}

Test(request, an_idempotency_key_replays_its_refund_and_nothing_else)
{
	cb_order_rec *rec;
	int64_t pid;

	cr_assert_eq(request_keyed(in.order_id, "{}", "key-1", 1), CB_CREQ_ACCEPTED);
	pid = res.payment_id;
	/* the same request again: its refund, not "busy", not a second refund */
	cr_assert_eq(request_keyed(in.order_id, "{}", "key-1", 1), CB_CREQ_REPLAYED);
	cr_assert_eq(res.payment_id, pid);
	/* the key with another request: refused, naming the refund it made */
	cr_assert_eq(request_keyed(in.order_id, "{\"reason_key\":\"x\"}", "key-1", 2), CB_CREQ_KEY_REUSED);
	cr_assert_eq(res.payment_id, pid);
	/* another key: judged as a new request (busy) */
	cr_assert_eq(request_keyed(in.order_id, "{}", "key-2", 1), CB_CREQ_BUSY);
	cr_assert_eq(cb_store_order_get(st, in.order_id, 0, &rec), CB_OK);
	cr_assert_eq(cb_order_rec_get(rec)->npayments, 1);
	cb_order_rec_free(rec);
	/* the refund completed, the order has nothing left: a replay still answers */
	{
		int64_t got, seq;
		cr_assert_eq(cb_store_pay_claim(st, "w", 1, 1, 1000, &got, &seq), CB_OK);
		cr_assert_eq(cb_store_pay_complete(st, pid, "w", "tx-1", NULL), CB_OK);
	}
	cr_assert_eq(request_keyed(in.order_id, "{}", "key-1", 1), CB_CREQ_REPLAYED);
	cr_assert_eq(res.payment_id, pid);
	cr_assert_eq(request(in.order_id, "{}"), CB_CREQ_REFUSED, "without the key the request is judged");
}
