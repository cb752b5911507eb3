/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_market_webhook.c - the signature of the notifications the
 * marketplace sends (src/market/webhook.c): HMAC-SHA256 keyed with the
 * app secret over app_key + raw body, in lowercase hex.  The vectors were
 * computed independently (Python's hmac and `openssl dgst -sha256 -hmac`).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "market/market.h"

#define KEY    "68xu9ks5p4i8"
#define SECRET "e59af819cc"
#define BODY "{\"type\":1,\"tts_notification_id\":\"7000000000000000001\",\"shop_id\":\"7494049642642441621\"," \
	"\"timestamp\":1765000000,\"data\":{\"order_id\":\"576461413038785752\",\"order_status\":\"IN_TRANSIT\"," \
	"\"update_time\":1765000000}}"
#define SIG "35cc0766afaf32703dfded9197f2010233bb69ded09e39402b3ecad317b5d3b6"

Test(webhook, vector)
{
	char out[CB_MKT_SIGN_HEX + 1];

	cr_assert_eq(cb_mkt_webhook_sign(out, KEY, SECRET, BODY, strlen(BODY)), 0);
	cr_assert_str_eq(out, SIG);
	cr_assert_eq(cb_mkt_webhook_sign(out, KEY, SECRET, NULL, 0), 0);
	cr_assert_str_eq(out, "e195c1ed7238ab852c8e342b3058c13e68d70a4ebaf74ffefaa222b473c5e53e");
}

Test(webhook, verify)
{
	char bad[] = SIG;

	cr_assert_eq(cb_mkt_webhook_verify(KEY, SECRET, BODY, strlen(BODY), SIG), 1);
	cr_assert_eq(cb_mkt_webhook_verify(KEY, SECRET, BODY, strlen(BODY) - 1, SIG), 0);	/* another body */
	cr_assert_eq(cb_mkt_webhook_verify(KEY, "other", BODY, strlen(BODY), SIG), 0);	/* another secret */
	cr_assert_eq(cb_mkt_webhook_verify("other", SECRET, BODY, strlen(BODY), SIG), 0);	/* another app */
	bad[63] = '0';
	cr_assert_eq(cb_mkt_webhook_verify(KEY, SECRET, BODY, strlen(BODY), bad), 0);
	cr_assert_eq(cb_mkt_webhook_verify(KEY, SECRET, BODY, strlen(BODY), NULL), 0);
	cr_assert_eq(cb_mkt_webhook_verify(KEY, SECRET, BODY, strlen(BODY), SIG "0"), 0);
	cr_assert_eq(cb_mkt_webhook_verify(KEY, SECRET, BODY, strlen(BODY), "35CC0766AFAF32703DFDED9197F2010233BB69DED09E39402B3ECAD317B5D3B6"), 0);
}
