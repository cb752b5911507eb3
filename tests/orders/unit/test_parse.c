/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_parse.c - the orders domain's documents and the request rules of a
 * cancellation (src/orders/doc.c, cancel.c): money that adds up or not,
 * currencies, statuses, shapes, refund rows against the order, the
 * whole-order default.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "orders/cancel.h"
#include "orders/doc.h"

static cb_order_doc b;

static void
parse(const char *json)
{
	cb_order_doc_free(&b);
	cr_assert_eq(cb_order_doc_parse(&b, json, strlen(json)), CB_OK);
}

static void
fini(void)
{
	cb_order_doc_free(&b);
}

TestSuite(order, .fini = fini);

#define ITEMS "\"items\":[{\"sku\":\"TSHIRT-M\",\"quantity\":2,\"unit_price\":1000,\"title\":\"T-shirt, M\"}," \
	"{\"sku\":\"MUG\",\"quantity\":1,\"unit_price\":499}]"
#define BASE "\"order_id\":\"576461413038785752\",\"shop\":\"uk-legacy\",\"currency\":\"GBP\"," ITEMS

Test(order, a_valid_order_adds_up)
{
	parse("{" BASE ",\"status\":\"Ready for Shipping\",\"shipping_cost\":399,\"total\":2898}");
	cr_assert_eq(b.body.cls, CB_OFAULT_NONE);
	cr_assert_eq(b.faults.total, 0, "%s", b.faults.v[0].message);
	cr_assert_str_eq(b.o.order_id, "576461413038785752");
	cr_assert_str_eq(b.o.marketplace, "tiktok");
	cr_assert_eq(b.o.status, CB_ORD_READY);
	cr_assert_eq(b.o.nitems, 2);
	cr_assert_eq(b.o.items[0].amount, 2000);
	cr_assert_eq(b.o.items[1].line, 2);
	cr_assert_eq(b.o.items_total, 2499);
	cr_assert_eq(b.o.total, 2898);
	cr_assert_str_eq(b.o.items[0].title, "T-shirt, M");
}

Test(order, a_total_that_does_not_add_up)
{
	parse("{" BASE ",\"status\":\"Ready for Shipping\",\"shipping_cost\":399,\"total\":2899}");
	cr_assert_eq(b.faults.total, 1);
	cr_assert_eq(b.faults.v[0].cls, CB_OFAULT_VALUE);
	cr_assert_str_eq(b.faults.v[0].pointer, "/total");
	cr_assert_str_eq(b.faults.v[0].message, "total 2899 does not add up: the items come to 2499 and "
	    "shipping_cost to 399, together 2898");
}

Test(order, status_from_the_marketplace_status)
{
	parse("{" BASE ",\"marketplace_status\":111}");
	cr_assert_eq(b.faults.total, 0, "%s", b.faults.v[0].message);
	cr_assert_eq(b.o.status, CB_ORD_READY);
	cr_assert_str_eq(b.o.marketplace_status, "AWAITING_SHIPMENT");
	parse("{" BASE ",\"marketplace_status\":\"UNPAID\"}");
	cr_assert_eq(b.o.status, CB_ORD_INCOMPLETE);
	parse("{" BASE ",\"marketplace_status\":\"IN_TRANSIT\",\"status\":\"Shipped\"}");
	cr_assert_eq(b.faults.total, 0);
	cr_assert_eq(b.o.status, CB_ORD_SHIPPED);
	parse("{" BASE ",\"marketplace_status\":\"IN_TRANSIT\",\"status\":\"Incomplete\"}");
	cr_assert_eq(b.faults.total, 1);
	cr_assert(strstr(b.faults.v[0].message, "does not match") != NULL, "%s", b.faults.v[0].message);
	parse("{" BASE "}");
	cr_assert_eq(b.faults.total, 1);
	cr_assert_str_eq(b.faults.v[0].pointer, "/status");
	cr_assert_eq(b.faults.v[0].cls, CB_OFAULT_SHAPE);
}

Test(order, money_is_whole_minor_units)
{
	parse("{\"order_id\":\"1\",\"shop\":\"s\",\"currency\":\"GBP\",\"status\":\"Incomplete\","
	    "\"items\":[{\"sku\":\"A\",\"quantity\":1,\"unit_price\":10.5}],\"shipping_cost\":-1}");
	cr_assert_eq(b.faults.total, 2);
	cr_assert_str_eq(b.faults.v[0].pointer, "/shipping_cost");
	cr_assert_str_eq(b.faults.v[0].message, "shipping_cost must not be negative (got -1)");
	cr_assert_str_eq(b.faults.v[1].pointer, "/items/0/unit_price");
	cr_assert(strstr(b.faults.v[1].message, "whole number of minor units") != NULL, "%s", b.faults.v[1].message);
	parse("{\"order_id\":\"1\",\"shop\":\"s\",\"currency\":\"GBP\",\"status\":\"Incomplete\","
	    "\"items\":[{\"sku\":\"A\",\"quantity\":1000000,\"unit_price\":1000000000}]}");
	cr_assert_eq(b.faults.total, 1);
	cr_assert(strstr(b.faults.v[0].message, "more than 1000000000000") != NULL, "%s", b.faults.v[0].message);
}

Test(order, currencies_are_iso_4217)
{
	cr_assert_eq(cb_currency_minor_units("GBP", 3), 2);
	cr_assert_eq(cb_currency_minor_units("JPY", 3), 0);
	cr_assert_eq(cb_currency_minor_units("KWD", 3), 3);
	cr_assert_eq(cb_currency_minor_units("XYZ", 3), -1);
	cr_assert_eq(cb_currency_minor_units("gbp", 3), -1);
	cr_assert_eq(cb_currency_minor_units("XAU", 3), -1);	/* gold is not what orders are paid in */
	cr_assert_eq(cb_currency_minor_units("GB", 2), -1);
	parse("{\"order_id\":\"1\",\"shop\":\"s\",\"currency\":\"EURO\",\"status\":\"Incomplete\","
	    "\"items\":[{\"sku\":\"A\",\"quantity\":1,\"unit_price\":1}]}");
	cr_assert_str_eq(b.faults.v[0].pointer, "/currency");
}

Test(order, shape_faults_are_invalid_request)
{
	parse("{\"order_id\":5,\"shop\":\"s\",\"currency\":\"GBP\",\"status\":\"Incomplete\",\"items\":{},"
	    "\"extra\":1,\"shop\":\"t\"}");
	cr_assert_eq(b.faults.total, 4, "%zu", b.faults.total);
	for (size_t i = 0; i < b.faults.n; i++)
		cr_assert_eq(b.faults.v[i].cls, CB_OFAULT_SHAPE, "%s", b.faults.v[i].message);
	parse("[1]");
	cr_assert_eq(b.body.cls, CB_OFAULT_SHAPE);
	parse("{\"order_id\":");
	cr_assert_eq(b.body.cls, CB_OFAULT_SYNTAX);
	parse("");
	cr_assert_eq(b.body.cls, CB_OFAULT_SYNTAX);
}

Test(order, unknown_keys_are_escaped_in_pointers)
{
	parse("{\"a/b~c\":1," BASE ",\"status\":\"Incomplete\"}");
	cr_assert_str_eq(b.faults.v[0].pointer, "/a~1b~0c");
}

Test(order, one_line_per_sku_and_no_imported_refunds)
{
	parse("{\"order_id\":\"1\",\"shop\":\"s\",\"currency\":\"GBP\",\"status\":\"Incomplete\",\"items\":["
	    "{\"sku\":\"A\",\"quantity\":1,\"unit_price\":1},{\"sku\":\"A\",\"quantity\":1,\"unit_price\":1}],"
	    "\"payments\":[{\"type\":\"Refund\",\"amount\":1}]}");
	cr_assert_eq(b.faults.total, 2);
	cr_assert_str_eq(b.faults.v[0].pointer, "/items/1/sku");
	cr_assert_str_eq(b.faults.v[1].pointer, "/payments/0/type");
}

Test(order, many_faults_are_counted_beyond_those_kept)
{
	char json[100000];
	size_t o = 0, i;

	o += (size_t)snprintf(json + o, sizeof(json) - o, "{\"order_id\":\"1\",\"shop\":\"s\",\"currency\":\"GBP\","
	    "\"status\":\"Incomplete\",\"items\":[");
	for (i = 0; i < 200; i++)
		o += (size_t)snprintf(json + o, sizeof(json) - o, "%s{\"sku\":\"A%zu\",\"quantity\":0,\"unit_price\":1}",
		    i ? "," : "", i);
	(void)snprintf(json + o, sizeof(json) - o, "]}");
	parse(json);
	cr_assert_eq(b.faults.total, 200);
	cr_assert_eq(b.faults.n, CB_ORD_MAX_FAULTS);
}

/* ---- refunds ---------------------------------------------------------------- */

static cb_cancel_doc rb;
static cb_refund_plan plan;
static cb_ord_item items[2];
static cb_order ord;

static void
refund_init(void)
{
	memset(&ord, 0, sizeof(ord));
	items[0] = (cb_ord_item){ 1, "TSHIRT-M", NULL, NULL, 2, 1000, 2000, 0, "Paid" };
	items[1] = (cb_ord_item){ 2, "MUG", NULL, NULL, 1, 499, 499, 0, "Paid" };
	ord.order_id = "576461413038785752";
	ord.currency = "GBP";
	ord.items = items;
	ord.nitems = 2;
	ord.items_total = 2499;
	ord.shipping_cost = 399;
	ord.total = 2898;
}

static void
refund_fini(void)
{
	cb_cancel_doc_free(&rb);
	cb_refund_plan_free(&plan);
}

/* Parse the request; when it parses, check it against the order (its
 * faults join the parser's). */
static void
refund(const char *json)
{
	refund_fini();
	cr_assert_eq(cb_cancel_doc_parse(&rb, json, strlen(json)), CB_OK);
	if (!CB_DOC_FAILED(&rb))
		cr_assert_eq(cb_cancel_check(&plan, &rb.faults, &rb.req, &ord), CB_OK);
}

TestSuite(refund, .init = refund_init, .fini = refund_fini);

Test(refund, no_rows_is_the_whole_order)
{
	refund("");
	cr_assert_eq(rb.faults.total, 0);
	cr_assert_null(rb.req.reason_key);
	cr_assert_eq(plan.nrows, 3);
	cr_assert_eq(plan.amount, 2898);
	cr_assert_str_eq(plan.rows[0].sku, "TSHIRT-M");
	cr_assert_eq(plan.rows[0].item_line, 1);
	cr_assert_eq(plan.rows[2].kind, CB_ROW_SHIPPING_COST);
	cr_assert_eq(plan.rows[2].amount, 399);
}

Test(refund, rows_name_items_by_sku)
{
	refund("{\"reason_key\":\"seller_cancel_reason_out_of_stock_uk\",\"refund_rows\":["
	    "{\"sku\":\"MUG\",\"type\":\"item_cost\",\"amount\":499},{\"type\":\"shipping_cost\",\"amount\":100}],"
	    "\"amount\":599,\"currency\":\"GBP\"}");
	cr_assert_eq(rb.faults.total, 0, "%s", rb.faults.v[0].message);
	cr_assert_str_eq(rb.req.reason_key, "seller_cancel_reason_out_of_stock_uk");
	cr_assert_eq(plan.rows[0].item_line, 2);
	cr_assert_eq(plan.amount, 599);
}

Test(refund, money_that_does_not_add_up)
{
	refund("{\"refund_rows\":[{\"sku\":\"MUG\",\"type\":\"item_cost\",\"amount\":499}],\"amount\":500}");
	cr_assert_eq(rb.faults.total, 1);
	cr_assert_str_eq(rb.faults.v[0].pointer, "/amount");
	refund("{\"refund_rows\":[{\"sku\":\"MUG\",\"type\":\"item_cost\",\"amount\":300},"
	    "{\"sku\":\"MUG\",\"type\":\"item_cost\",\"amount\":300}]}");
	cr_assert_eq(rb.faults.total, 1);
	cr_assert(strstr(rb.faults.v[0].message, "more than is left of it: 499") != NULL, "%s", rb.faults.v[0].message);
	refund("{\"refund_rows\":[{\"type\":\"shipping_cost\",\"amount\":400}]}");
	cr_assert_eq(rb.faults.total, 1);
	refund("{\"refund_rows\":[{\"sku\":\"HAT\",\"type\":\"item_cost\",\"amount\":1}]}");
	cr_assert_str_eq(rb.faults.v[0].pointer, "/refund_rows/0/sku");
	cr_assert(strstr(rb.faults.v[0].message, "its SKUs: TSHIRT-M, MUG") != NULL, "%s", rb.faults.v[0].message);
	refund("{\"currency\":\"EUR\"}");
	cr_assert_str_eq(rb.faults.v[0].pointer, "/currency");
}

Test(refund, what_was_refunded_is_not_refunded_again)
{
	items[0].refunded = 2000;
	ord.refunded = 2000;
	refund("{}");
	cr_assert_eq(rb.faults.total, 0);
	cr_assert_eq(plan.nrows, 2);
	cr_assert_eq(plan.amount, 898);
	items[1].refunded = 499;
	ord.shipping_refunded = 399;
	refund("{}");
	cr_assert_eq(rb.faults.total, 1);
	cr_assert(strstr(rb.faults.v[0].message, "nothing left to refund") != NULL);
}

Test(refund, shape_faults)
{
	refund("{\"reason_key\":7}");
	cr_assert_eq(rb.faults.v[0].cls, CB_OFAULT_SHAPE);
	refund("{\"refund_rows\":[{\"type\":\"item_cost\",\"amount\":1}]}");
	cr_assert_str_eq(rb.faults.v[0].pointer, "/refund_rows/0/sku");
	refund("{\"refund_rows\":[{\"sku\":\"MUG\",\"type\":\"tax\",\"amount\":-1}]}");
	cr_assert_eq(rb.faults.total, 2);
	refund("{\"reason_key\":null}");
	cr_assert_eq(rb.faults.total, 0);
	cr_assert_null(rb.req.reason_key);
	refund("nope");
	cr_assert_eq(rb.body.cls, CB_OFAULT_SYNTAX);
}
