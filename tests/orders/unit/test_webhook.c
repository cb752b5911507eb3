/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_webhook.c - the reader of TikTok Shop's notifications
 * (src/orders/webhook.c, cb_hook_parse): what it accepts, and for what it
 * refuses, the member it names.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "market/market.h"
#include "orders/webhook.h"

static int
parse(cb_hook *h, const char *body, char *why)
{
	return cb_hook_parse(h, body, strlen(body), why, 256);
}

Test(webhook, order_status)
{
	cb_hook h;
	char why[256];

	cr_assert_eq(parse(&h, "{\"type\":1,\"tts_notification_id\":\"7001\",\"shop_id\":\"749\",\"timestamp\":1765000000,"
	    "\"data\":{\"order_id\":\"5764\",\"order_status\":\"IN_TRANSIT\",\"update_time\":1765000001},\"extra\":[1]}",
	    why), 0, "%s", why);
	cr_assert_eq(h.type, 1);
	cr_assert_str_eq(h.id, "7001");
	cr_assert_str_eq(h.shop_id, "749");
	cr_assert_eq(h.timestamp, 1765000000);
	cr_assert_str_eq(h.order_id, "5764");
	cr_assert_str_eq(h.order_status, "IN_TRANSIT");
	cr_assert_eq(h.update_time, 1765000001);
}

Test(webhook, cancellation_and_other_types)
{
	cb_hook h;
	char why[256];

	cr_assert_eq(parse(&h, "{\"type\":11,\"tts_notification_id\":\"7002\",\"shop_id\":749,\"timestamp\":1,"
	    "\"data\":{\"order_id\":\"5764\",\"cancellation_id\":\"4035\",\"cancellation_status\":"
	    "\"CANCELLATION_REQUEST_COMPLETE\",\"cancel_reason\":\"Changed my mind\",\"cancel_user\":\"BUYER\"}}", why),
	    0, "%s", why);
	cr_assert_str_eq(h.shop_id, "749");	/* an integer shop id, as decimal */
	cr_assert_str_eq(h.cancellation_id, "4035");
	cr_assert_str_eq(h.cancel_reason, "Changed my mind");
	cr_assert_str_eq(h.cancel_user, "BUYER");
	cr_assert_eq(h.update_time, 0);
	/* a type codebook does not act on: its data is not looked into */
	cr_assert_eq(parse(&h, "{\"type\":4,\"tts_notification_id\":\"7003\",\"shop_id\":\"s\",\"timestamp\":1,"
	    "\"data\":{\"anything\":null}}", why), 0, "%s", why);
}

Test(webhook, refusals_name_the_member)
{
	static const struct { const char *body, *why; } bad[] = {
		{ "", "not JSON" },
		{ "[1]", "expected an object, found array" },
		{ "{\"type\":\"1\"}", "type: expected a whole number of at least 0" },
		{ "{\"type\":1}", "tts_notification_id is missing" },
		{ "{\"type\":1,\"tts_notification_id\":\"a b\"}", "tts_notification_id: expected an id" },
		{ "{\"type\":1,\"tts_notification_id\":\"a\",\"shop_id\":\"s\",\"timestamp\":-1}", "timestamp: expected" },
		{ "{\"type\":1,\"tts_notification_id\":\"a\",\"shop_id\":\"s\",\"timestamp\":1}", "data: expected an object" },
		{ "{\"type\":1,\"tts_notification_id\":\"a\",\"shop_id\":\"s\",\"timestamp\":1,\"data\":{\"order_id\":\"o\"}}",
		  "data.order_status is missing" },
		{ "{\"type\":1,\"tts_notification_id\":\"a\",\"shop_id\":\"s\",\"timestamp\":1,\"data\":{\"order_id\":\"o\","
		  "\"order_status\":\"X\",\"update_time\":1.5}}", "data.update_time: expected a whole number" },
		{ "{\"type\":11,\"tts_notification_id\":\"a\",\"shop_id\":\"s\",\"timestamp\":1,\"data\":{\"order_id\":\"o\"}}",
		  "data.cancellation_status is missing" },
	};
	cb_hook h;
	char why[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_neq(parse(&h, bad[i].body, why), 0, "accepted %s", bad[i].body);
		cr_assert(strstr(why, bad[i].why) != NULL, "%s: \"%s\" lacks \"%s\"", bad[i].body, why, bad[i].why);
	}
}

Test(webhook, ids_are_bounded)
{
	char body[512], id[200], why[256];
	char *big;
	cb_hook h;

	memset(id, 'x', 129);
	id[129] = '\0';
	snprintf(body, sizeof(body), "{\"type\":1,\"tts_notification_id\":\"%s\"}", id);
	cr_assert_neq(parse(&h, body, why), 0);
	cr_assert(strstr(why, "1 to 128 bytes") != NULL, "%s", why);
	big = malloc(CB_MKT_MAX_WEBHOOK_BODY + 2);
	cr_assert_not_null(big);
	memset(big, ' ', CB_MKT_MAX_WEBHOOK_BODY + 1);
	big[CB_MKT_MAX_WEBHOOK_BODY + 1] = '\0';
	cr_assert_neq(parse(&h, big, why), 0);
	cr_assert(strstr(why, "larger than") != NULL, "%s", why);
	free(big);
}
