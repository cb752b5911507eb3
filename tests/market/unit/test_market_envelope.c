/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_market_envelope.c - reading the marketplace's replies: the envelope
 * {code, message, request_id, data} and each operation's data, from the
 * seed's sample and from malformed bodies that must fail with the field
 * and byte offset at fault, never crash.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "market/market_int.h"

static cb_mkt_envelope env;
static char why[256];

static void
teardown(void)
{
	cb_mkt__envelope_free(&env);
}

TestSuite(market_envelope, .fini = teardown);

static int
parse(const char *body)
{
	cb_mkt__envelope_free(&env);
	return cb_mkt__envelope_parse(&env, body, strlen(body), why, sizeof(why));
}

static void
malformed(const char *body, const char *want)
{
	cr_assert_neq(parse(body), CB_OK, "accepted: %s", body);
	cr_assert(strstr(why, want) != NULL, "body: %s\nwhy: %s\nwanted: %s", body, why, want);
	cr_assert_null(env.doc);
}

Test(market_envelope, seed_sample_reverse_reasons)
{
	size_t len;
	char *body = read_source_file("tools/tiktok-sim/reverse_reasons.json", &len);
	cb_mkt_reasons *r = NULL;

	cr_assert_eq(cb_mkt__envelope_parse(&env, body, len, why, sizeof(why)), CB_OK, "%s", why);
	cr_assert_eq(env.code, 0);
	cr_assert_str_eq(env.message, "Success");
	cr_assert_str_eq(env.request_id, "202205191302120101920531420832D662");
	cr_assert_eq(cb_mkt__parse_reasons(&r, &env, why, sizeof(why)), CB_OK, "%s", why);
	cr_assert_eq(r->n, 21);
	cr_assert_str_eq(r->request_id, "202205191302120101920531420832D662");
	cr_assert_str_eq(r->items[0].key, "seller_cancel_reason_out_of_stock_uk");
	cr_assert_str_eq(r->items[0].text, "Out of stock");
	cr_assert(r->items[0].has_statuses);
	cr_assert_eq(r->items[0].nstatuses, 1);
	cr_assert_str_eq(r->items[0].statuses[0], "200");
	cr_assert(!r->items[2].has_statuses);
	cr_assert_str_eq(r->items[15].key, "seller_cancel_unpaid_reason_out_of_stock_uk");
	cr_assert_str_eq(r->items[15].statuses[0], "0");
	cb_mkt_reasons_free(r);
	free(body);
}

Test(market_envelope, error_envelope_keeps_code_message_request_id)
{
	cr_assert_eq(parse("{\"code\":106001,\"message\":\"Invalid sign\",\"request_id\":\"2024X\",\"data\":null}"), CB_OK);
	cr_assert_eq(env.code, 106001);
	cr_assert_str_eq(env.message, "Invalid sign");
	cr_assert_str_eq(env.request_id, "2024X");
	cr_assert_null(env.data);
	/* message and request_id may be absent */
	cr_assert_eq(parse("{\"code\":36009002}"), CB_OK);
	cr_assert_str_eq(env.message, "");
	cr_assert_str_eq(env.request_id, "");
}

Test(market_envelope, malformed_bodies_name_the_fault)
{
	malformed("", "empty body");
	malformed("<html>502 Bad Gateway</html>", "not JSON");
	malformed("{\"code\":0,\"message\":\"Success\",\"data\":{\"reverse_main", "not JSON");
	malformed("[1,2]", "expected a JSON object");
	malformed("\"ok\"", "expected a JSON object");
	malformed("{\"message\":\"Success\"}", "code: missing");
	malformed("{\"code\":\"0\"}", "code: expected an integer, got string (byte 8)");
	malformed("{\"code\":0.5}", "code: expected an integer, got a fraction");
	malformed("{\"code\":1e400}", "not JSON");
	malformed("{\"code\":0,\"message\":5}", "message: expected a string");
	malformed("{\"code\":0,\"request_id\":{}}", "request_id: expected a string");
	malformed("{\"code\":0,\"data\":[]}", "data: expected an object, got array");
	malformed("{\"code\":0,\"message\":\"a\\u0000b\"}", "message: expected a string");
	malformed("\xff\xfe{}", "not JSON");
}

Test(market_envelope, nesting_is_bounded)
{
	char deep[4096];
	size_t i, n = 0;

	n += (size_t)snprintf(deep, sizeof(deep), "{\"code\":0,\"data\":");
	for (i = 0; i < 100; i++)
		deep[n++] = '[';
	for (i = 0; i < 100; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	deep[n] = '\0';
	cr_assert_eq(parse(deep), CB_ETOOBIG);
	cr_assert(strstr(why, "deeper") != NULL, "%s", why);
}

static void
data_fails(int (*fn)(const char *), const char *body, const char *want)
{
	cr_assert_eq(parse(body), CB_OK, "envelope: %s", why);
	cr_assert_neq(fn(body), CB_OK, "accepted: %s", body);
	cr_assert(strstr(why, want) != NULL, "body: %s\nwhy: %s\nwanted: %s", body, why, want);
}

static int
reasons(const char *body)
{
	cb_mkt_reasons *r = NULL;
	int rc;

	(void)body;
	rc = cb_mkt__parse_reasons(&r, &env, why, sizeof(why));
	cb_mkt_reasons_free(r);
	return rc;
}

Test(market_envelope, reasons_data_checked)
{
	data_fails(reasons, "{\"code\":0}", "data: missing in a successful reply");
	/* a missing list must not read as "the marketplace dropped every key" */
	data_fails(reasons, "{\"code\":0,\"data\":{}}", "data.reverse_reason_list: missing");
	data_fails(reasons, "{\"code\":0,\"data\":{\"reverse_reason_list\":{}}}", "expected an array, got object");
	data_fails(reasons, "{\"code\":0,\"data\":{\"reverse_reason_list\":[{\"reverse_reason\":\"x\"}]}}",
	    "data.reverse_reason_list[0].reverse_reason_key: missing");
	data_fails(reasons, "{\"code\":0,\"data\":{\"reverse_reason_list\":[{\"reverse_reason_key\":\"k\",\"reverse_reason\":7}]}}",
	    "data.reverse_reason_list[0].reverse_reason: expected a string, got number");
	data_fails(reasons, "{\"code\":0,\"data\":{\"reverse_reason_list\":[{\"reverse_reason_key\":\"k\",\"reverse_reason\":\"t\","
	    "\"available_order_status_list\":[200,true]}]}}", "available_order_status_list[1]: expected an integer or a short string");
	cr_assert_eq(parse("{\"code\":0,\"data\":{\"reverse_reason_list\":[]}}"), CB_OK);
	cr_assert_eq(reasons(NULL), CB_OK);
	/* status values stay strings, whichever way they are sent */
	cr_assert_eq(parse("{\"code\":0,\"data\":{\"reverse_reason_list\":[{\"reverse_reason_key\":\"k\",\"reverse_reason\":\"t\","
	    "\"available_order_status_list\":[\"111\",112]}]}}"), CB_OK);
	{
		cb_mkt_reasons *r = NULL;
		cr_assert_eq(cb_mkt__parse_reasons(&r, &env, why, sizeof(why)), CB_OK, "%s", why);
		cr_assert_str_eq(r->items[0].statuses[0], "111");
		cr_assert_str_eq(r->items[0].statuses[1], "112");
		cb_mkt_reasons_free(r);
	}
}

Test(market_envelope, cancel_replies)
{
	cb_mkt_cancel_result res;

	cr_assert_eq(parse("{\"code\":0,\"data\":{\"reverse_main_order_id\":\"5780001\"},\"message\":\"Success\","
	    "\"request_id\":\"202203070749000101890810281E8C70B7\"}"), CB_OK);
	cr_assert_eq(cb_mkt__parse_cancel_legacy(&res, &env, why, sizeof(why)), CB_OK, "%s", why);
	cr_assert_str_eq(res.id, "5780001");
	cr_assert_eq(res.state, CB_MKT_CANCEL_DONE);
	cr_assert_str_eq(res.request_id, "202203070749000101890810281E8C70B7");
	/* ids may come as numbers */
	cr_assert_eq(parse("{\"code\":0,\"data\":{\"reverse_main_order_id\":578000000000000003}}"), CB_OK);
	cr_assert_eq(cb_mkt__parse_cancel_legacy(&res, &env, why, sizeof(why)), CB_OK, "%s", why);
	cr_assert_str_eq(res.id, "578000000000000003");
	/* the seed's example shows "": a success without an id cannot be recorded */
	cr_assert_eq(parse("{\"code\":0,\"data\":{\"reverse_main_order_id\":\"\"}}"), CB_OK);
	cr_assert_eq(cb_mkt__parse_cancel_legacy(&res, &env, why, sizeof(why)), CB_EPARSE);
	cr_assert(strstr(why, "data.reverse_main_order_id: empty") != NULL, "%s", why);

	cr_assert_eq(parse("{\"code\":0,\"data\":{\"cancel_id\":\"4035\",\"cancel_status\":\"CANCELLATION_REQUEST_PENDING\"}}"), CB_OK);
	cr_assert_eq(cb_mkt__parse_cancel_current(&res, &env, why, sizeof(why)), CB_OK, "%s", why);
	cr_assert_str_eq(res.id, "4035");
	cr_assert_eq(res.state, CB_MKT_CANCEL_PENDING);
	cr_assert_eq(parse("{\"code\":0,\"data\":{\"cancel_id\":\"4035\",\"cancel_status\":\"SOMETHING_NEW\"}}"), CB_OK);
	cr_assert_eq(cb_mkt__parse_cancel_current(&res, &env, why, sizeof(why)), CB_OK, "%s", why);
	cr_assert_eq(res.state, CB_MKT_CANCEL_UNKNOWN);
	cr_assert_str_eq(res.status, "SOMETHING_NEW");
	cr_assert_eq(parse("{\"code\":0,\"data\":{\"cancel_id\":\"4035\"}}"), CB_OK);
	cr_assert_eq(cb_mkt__parse_cancel_current(&res, &env, why, sizeof(why)), CB_EPARSE);
	cr_assert(strstr(why, "data.cancel_status: missing") != NULL, "%s", why);
}

Test(market_envelope, cancel_id_longer_than_the_field_is_refused)
{
	char body[512];
	cb_mkt_cancel_result res;

	snprintf(body, sizeof(body), "{\"code\":0,\"data\":{\"reverse_main_order_id\":\"%0200d\"}}", 7);
	cr_assert_eq(parse(body), CB_OK);
	cr_assert_eq(cb_mkt__parse_cancel_legacy(&res, &env, why, sizeof(why)), CB_ETOOBIG);
	cr_assert(strstr(why, "longer than 127 bytes") != NULL, "%s", why);
	cr_assert_str_eq(res.id, "");
}

static int
search(const char *body)
{
	cb_mkt_cancellations *c = NULL;
	int rc;

	(void)body;
	rc = cb_mkt__parse_cancellations(&c, &env, why, sizeof(why));
	cb_mkt_cancellations_free(c);
	return rc;
}

Test(market_envelope, search_replies)
{
	cb_mkt_cancellations *c = NULL;

	cr_assert_eq(parse("{\"code\":0,\"data\":{\"cancellations\":[{\"cancel_id\":\"1\",\"order_id\":\"9\","
	    "\"cancel_status\":\"CANCELLATION_REQUEST_SUCCESS\",\"cancel_reason\":\"r\",\"create_time\":5}],"
	    "\"next_page_token\":\"1\",\"total_count\":2},\"request_id\":\"R\"}"), CB_OK);
	cr_assert_eq(cb_mkt__parse_cancellations(&c, &env, why, sizeof(why)), CB_OK, "%s", why);
	cr_assert_eq(c->n, 1);
	cr_assert_str_eq(c->items[0].order_id, "9");
	cr_assert_eq(c->items[0].state, CB_MKT_CANCEL_SUCCESS);
	cr_assert_eq(c->items[0].create_time, 5);
	cr_assert_eq(c->items[0].update_time, 0);
	cr_assert_str_eq(c->next_page_token, "1");
	cr_assert_eq(c->total_count, 2);
	cr_assert_str_eq(c->request_id, "R");
	cb_mkt_cancellations_free(c);
	/* "nothing found" only when the reply says so */
	cr_assert_eq(parse("{\"code\":0,\"data\":{\"total_count\":0}}"), CB_OK);
	cr_assert_eq(search(NULL), CB_OK);
	data_fails(search, "{\"code\":0,\"data\":{}}", "data.cancellations: missing (and total_count is not 0)");
	data_fails(search, "{\"code\":0,\"data\":{\"cancellations\":[{\"cancel_id\":\"1\",\"order_id\":\"9\"}]}}",
	    "data.cancellations[0].cancel_status: missing");
	data_fails(search, "{\"code\":0,\"data\":{\"cancellations\":[7]}}", "data.cancellations[0]: expected an object");
	data_fails(search, "{\"code\":0,\"data\":{\"cancellations\":[],\"total_count\":\"0\"}}",
	    "data.total_count: expected an integer, got string");
}

static int
orders(const char *body)
{
	cb_mkt_orders *o = NULL;
	int rc;

	(void)body;
	rc = cb_mkt__parse_orders(&o, &env, why, sizeof(why));
	cb_mkt_orders_free(o);
	return rc;
}

Test(market_envelope, order_detail_replies)
{
	cb_mkt_orders *o = NULL;

	cr_assert_eq(parse("{\"code\":0,\"data\":{\"orders\":[{\"id\":\"576461413038785752\",\"status\":\"AWAITING_SHIPMENT\","
	    "\"payment\":{\"currency\":\"GBP\",\"total_amount\":\"23.99\",\"shipping_fee\":\"3.99\"},"
	    "\"line_items\":[{\"id\":\"li-1\",\"sku_id\":1729382476852,\"sale_price\":\"10.00\"}],\"unknown\":[1]}]}}"), CB_OK);
	cr_assert_eq(cb_mkt__parse_orders(&o, &env, why, sizeof(why)), CB_OK, "%s", why);
	cr_assert_eq(o->n, 1);
	cr_assert_str_eq(o->items[0].status, "AWAITING_SHIPMENT");
	cr_assert_str_eq(o->items[0].total_amount, "23.99");
	cr_assert_eq(o->items[0].nitems, 1);
	cr_assert_str_eq(o->items[0].items[0].sku_id, "1729382476852");
	cr_assert_str_eq(o->items[0].items[0].seller_sku, "");
	cr_assert_not_null(cb_mkt_orders_find(o, "576461413038785752"));
	cr_assert_null(cb_mkt_orders_find(o, "1"));
	cb_mkt_orders_free(o);
	data_fails(orders, "{\"code\":0,\"data\":{}}", "data.orders: missing");
	data_fails(orders, "{\"code\":0,\"data\":{\"orders\":[{\"id\":\"1\"}]}}", "data.orders[0].status: missing");
	data_fails(orders, "{\"code\":0,\"data\":{\"orders\":[{\"id\":\"1\",\"status\":\"X\",\"payment\":[]}]}}",
	    "data.orders[0].payment: expected an object");
	data_fails(orders, "{\"code\":0,\"data\":{\"orders\":[{\"id\":\"1\",\"status\":\"X\",\"line_items\":[{\"sku_id\":\"s\"}]}]}}",
	    "data.orders[0].line_items[0].id: missing");
}

Test(market_envelope, cancel_states)
{
	cr_assert_eq(cb_mkt_cancel_state_parse("CANCELLATION_REQUEST_PENDING"), CB_MKT_CANCEL_PENDING);
	cr_assert_eq(cb_mkt_cancel_state_parse("CANCELLATION_REQUEST_SUCCESS"), CB_MKT_CANCEL_SUCCESS);
	cr_assert_eq(cb_mkt_cancel_state_parse("CANCELLATION_REQUEST_CANCEL"), CB_MKT_CANCEL_REFUSED);
	cr_assert_eq(cb_mkt_cancel_state_parse("CANCELLATION_REQUEST_COMPLETE"), CB_MKT_CANCEL_COMPLETE);
	cr_assert_eq(cb_mkt_cancel_state_parse("cancellation_request_pending"), CB_MKT_CANCEL_UNKNOWN);
	cr_assert_eq(cb_mkt_cancel_state_parse(NULL), CB_MKT_CANCEL_UNKNOWN);
	cr_assert_str_eq(cb_mkt_cancel_state_name(CB_MKT_CANCEL_REFUSED), "refused");
}

Test(market_envelope, every_allocation_failure_is_clean)
{
	size_t len;
	char *body = read_source_file("tools/tiktok-sim/reverse_reasons.json", &len);
	cb_mkt_envelope e;
	cb_mkt_reasons *r = NULL;
	long i;
	int rc;

	cr_assert_eq(cb_mkt__envelope_parse(&e, body, len, why, sizeof(why)), CB_OK);
	for (i = 0;; i++) {
		cb_alloc_fail_after(i);
		rc = cb_mkt__parse_reasons(&r, &e, why, sizeof(why));
		cb_alloc_fail_after(-1);
		if (rc == CB_OK)
			break;
		cr_assert_eq(rc, CB_ENOMEM, "allocation %ld: %d %s", i, rc, why);
		cr_assert_null(r);
	}
	cr_assert_eq(r->n, 21);
	cb_mkt_reasons_free(r);
	cb_mkt__envelope_free(&e);
	free(body);
}
