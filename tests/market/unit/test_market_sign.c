/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_market_sign.c - the marketplace's request signature: TikTok's two
 * test vectors from MARKETPLACE.md, then each rule of the algorithm
 * (excluded and empty parameters, byte order, body or no body) against
 * values computed independently with Python's hmac module.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "market/market.h"

#include <codebook.h>

#include "util/alloc.h"

static char sig[CB_MKT_SIGN_HEX + 1];

Test(market_sign, vector_authorization_shops_get)
{
	const cb_mkt_param p[] = { { "app_key", "29a39d" }, { "timestamp", "1623812664" } };

	cr_assert_eq(cb_mkt_sign(sig, "e59af819cc", "/authorization/202309/shops", p, 2, NULL, 0), CB_OK);
	cr_assert_str_eq(sig, "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8");
}

Test(market_sign, vector_webhooks_post_with_body)
{
	const char *body = "{\"address\":\"https://partner.tiktokshop.com\",\"event_type\":\"PACKAGE_UPDATE\"}";
	/* given out of order: the signer sorts */
	const cb_mkt_param p[] = { { "timestamp", "1696909648" },
		{ "shop_cipher", "ROW_xkMbgAAAeVAQra0eZWebFQq5aIKt" }, { "app_key", "68xu9ks5p4i8" } };

	cr_assert_eq(cb_mkt_sign(sig, "e59af819cc", "/event/202309/webhooks", p, 3, body, strlen(body)), CB_OK);
	cr_assert_str_eq(sig, "a75b9c8cd57140cab6dc95bf31c37bd6ffface74210768b6517c0ff81659b0ba");
}

Test(market_sign, body_changes_the_signature_only_when_given)
{
	const char *body = "{\"address\":\"https://partner.tiktokshop.com\",\"event_type\":\"PACKAGE_UPDATE\"}";
	const cb_mkt_param p[] = { { "app_key", "68xu9ks5p4i8" },
		{ "shop_cipher", "ROW_xkMbgAAAeVAQra0eZWebFQq5aIKt" }, { "timestamp", "1696909648" } };
	char nobody[CB_MKT_SIGN_HEX + 1];

	cr_assert_eq(cb_mkt_sign(nobody, "e59af819cc", "/event/202309/webhooks", p, 3, NULL, 0), CB_OK);
	cr_assert_eq(cb_mkt_sign(sig, "e59af819cc", "/event/202309/webhooks", p, 3, body, strlen(body)), CB_OK);
	cr_assert_str_neq(sig, nobody);
	/* an empty body signs like no body: nothing is appended */
	cr_assert_eq(cb_mkt_sign(sig, "e59af819cc", "/event/202309/webhooks", p, 3, "", 0), CB_OK);
	cr_assert_str_eq(sig, nobody);
}

Test(market_sign, sign_access_token_and_empty_values_are_left_out)
{
	const cb_mkt_param all[] = { { "b", "2" }, { "a", "1" }, { "B", "3" }, { "a_b", "4" }, { "ab", "5" },
		{ "sign", "zz" }, { "access_token", "tok" }, { "empty", "" } };
	const cb_mkt_param kept[] = { { "B", "3" }, { "a", "1" }, { "a_b", "4" }, { "ab", "5" }, { "b", "2" } };
	char other[CB_MKT_SIGN_HEX + 1];

	cr_assert_eq(cb_mkt_sign(sig, "s3cret", "/api/x", all, 8, NULL, 0), CB_OK);
	/* python3: hmac.new(b's3cret', b's3cret/api/xB3a1a_b4ab5b2s3cret', sha256) */
	cr_assert_str_eq(sig, "ce72cee9a80e07fa2dbb0781bb6df20e1eaa2a26e416aa5dbd5ffe6454f3f76d");
	cr_assert_eq(cb_mkt_sign(other, "s3cret", "/api/x", kept, 5, NULL, 0), CB_OK);
	cr_assert_str_eq(sig, other);
}

Test(market_sign, byte_order_not_locale_order)
{
	/* locale order would put "a" before "B"; byte order puts "B" (0x42) first */
	const cb_mkt_param p[] = { { "a", "1" }, { "B", "3" } };
	const cb_mkt_param q[] = { { "B", "3" }, { "a", "1" } };
	char other[CB_MKT_SIGN_HEX + 1];

	cr_assert_eq(cb_mkt_sign(sig, "k", "/p", p, 2, NULL, 0), CB_OK);
	cr_assert_eq(cb_mkt_sign(other, "k", "/p", q, 2, NULL, 0), CB_OK);
	cr_assert_str_eq(sig, other);
	/* python3: hmac.new(b'k', b'k/pB3a1k', sha256).hexdigest() */
	cr_assert_str_eq(sig, "2daad64026c7d74adfb88c4f6230ba2a5cf74a6f83aab8e473a2567a42e4fe82");
}

Test(market_sign, legacy_cancel_signs_shop_id_not_token)
{
	const cb_mkt_param p[] = { { "app_key", "68xu9ks5p4i8" }, { "timestamp", "1700000000" },
		{ "shop_id", "7494049642642441621" }, { "access_token", "TTP_x" } };

	cr_assert_eq(cb_mkt_sign(sig, "e59af819cc", "/api/reverse/order/cancel", p, 4, NULL, 0), CB_OK);
	cr_assert_str_eq(sig, "c8ceac23127bcdbfd2a12c7ee84b001fc44b3a480d86ac5ded90282038ad8acf");
}

Test(market_sign, bad_arguments)
{
	const cb_mkt_param nokey[] = { { NULL, "1" } };
	cb_mkt_param many[40];
	size_t i;

	cr_assert_eq(cb_mkt_sign(sig, NULL, "/p", NULL, 0, NULL, 0), CB_EINVAL);
	cr_assert_eq(cb_mkt_sign(sig, "k", NULL, NULL, 0, NULL, 0), CB_EINVAL);
	cr_assert_eq(cb_mkt_sign(sig, "k", "/p", NULL, 0, NULL, 3), CB_EINVAL);
	cr_assert_eq(cb_mkt_sign(sig, "k", "/p", nokey, 1, NULL, 0), CB_EINVAL);
	cr_assert(strstr(cb_errmsg(), "no key") != NULL, "%s", cb_errmsg());
	for (i = 0; i < 40; i++)
		many[i] = (cb_mkt_param){ "k", "v" };
	cr_assert_eq(cb_mkt_sign(sig, "k", "/p", many, 40, NULL, 0), CB_ETOOBIG);
}

Test(market_sign, out_of_memory_fails_cleanly)
{
	const cb_mkt_param p[] = { { "app_key", "29a39d" }, { "timestamp", "1623812664" } };

	cb_alloc_fail_after(0);
	cr_assert_eq(cb_mkt_sign(sig, "e59af819cc", "/authorization/202309/shops", p, 2, NULL, 0), CB_ENOMEM);
	cb_alloc_fail_after(-1);
	cr_assert_eq(sig[0], '\0');
}
