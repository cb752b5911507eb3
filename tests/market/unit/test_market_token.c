/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_market_token.c - the token keys of a shop's configuration (issue
 * 12), the settings kept beside the credentials (read back as they were
 * written, never holding a secret), the refresh token masked in logs, and
 * the refresh's local failures: no refresh token, a refresh token past
 * its expiry, an auth host that does not answer (the failed hook told,
 * the call not sent).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "market/market.h"

#include <codebook.h>

static const char *const noenv[] = { NULL };

static const char text[] =
    "base_url = https://open-api.tiktokglobalshop.com\n"
    "app_key = 68xu9ks5p4i8\n"
    "app_secret = e59af819cc\n"
    "access_token = TTP_uk_token\n"
    "[shop uk]\n"
    "api = current\n"
    "shop_cipher = ROW_x\n"
    "market = GB\n"
    "auth_url = http://127.0.0.1:1\n"
    "refresh_token = RTK_uk_refresh\n"
    "access_token_expires_at = 1800000000\n"
    "refresh_token_expires_at = 1900000000\n"
    "refresh_margin_s = 600\n";

static cb_mkt_config *
parse(const char *t, const char *shop)
{
	cb_mkt_config *cfg = NULL;

	cr_assert_eq(cb_mkt_config_parse(&cfg, t, strlen(t), "shops.conf", shop, noenv), CB_OK, "%s", cb_errmsg());
	return cfg;
}

Test(market_token, keys_are_read)
{
	cb_mkt_config *cfg = parse(text, "uk");

	cr_assert_str_eq(cfg->refresh_token, "RTK_uk_refresh");
	cr_assert_str_eq(cfg->auth_url, "http://127.0.0.1:1");
	cr_assert_eq(cfg->access_expires_at, 1800000000);
	cr_assert_eq(cfg->refresh_expires_at, 1900000000);
	cr_assert_eq(cfg->refresh_margin_s, 600);
	cb_mkt_config_free(cfg);
	cfg = parse("app_key = k\n", NULL);
	cr_assert_eq(cfg->refresh_margin_s, 300);	/* the default */
	cr_assert_null(cfg->refresh_token);
	cb_mkt_config_free(cfg);
}

Test(market_token, bad_values_name_the_key_not_the_secret)
{
	cb_mkt_config *cfg = NULL;
	const char *t = "access_token_expires_at = soon\n";

	cr_assert_eq(cb_mkt_config_parse(&cfg, t, strlen(t), "shops.conf", NULL, noenv), CB_EPARSE);
	cr_assert(strstr(cb_errmsg(), "shops.conf:1: access_token_expires_at: expected Unix seconds") != NULL, "%s",
	    cb_errmsg());
	t = "refresh_token = has space RTKsecret\n";
	cr_assert_eq(cb_mkt_config_parse(&cfg, t, strlen(t), "shops.conf", NULL, noenv), CB_EPARSE);
	cr_assert(strstr(cb_errmsg(), "RTKsecret") == NULL, "%s", cb_errmsg());
	t = "auth_url = http://example.com\n";
	cr_assert_eq(cb_mkt_config_parse(&cfg, t, strlen(t), "shops.conf", NULL, noenv), CB_EPARSE);
	cr_assert(strstr(cb_errmsg(), "auth_url: plain http is only allowed") != NULL, "%s", cb_errmsg());
}

Test(market_token, settings_round_trip_without_secrets)
{
	cb_mkt_config *cfg = parse(text, "uk"), *back = NULL;
	char settings[4096];

	cr_assert_eq(cb_mkt_config_settings(settings, sizeof(settings), cfg), CB_OK);
	cr_assert(strstr(settings, "e59af819cc") == NULL && strstr(settings, "TTP_uk") == NULL &&
	    strstr(settings, "RTK_uk") == NULL, "%s", settings);
	cr_assert_eq(cb_mkt_config_parse(&back, settings, strlen(settings), "settings", NULL, noenv), CB_OK, "%s",
	    cb_errmsg());
	cr_assert_eq(back->api, CB_MKT_API_CURRENT);
	cr_assert_str_eq(back->market, "GB");
	cr_assert_str_eq(back->shop_cipher, "ROW_x");
	cr_assert_str_eq(back->auth_url, "http://127.0.0.1:1");
	cr_assert_eq(back->refresh_margin_s, 600);
	cr_assert_eq(back->timeout_ms, cfg->timeout_ms);
	cr_assert_eq(cb_mkt_config_settings(settings, 16, cfg), CB_ETOOBIG);
	cb_mkt_config_free(back);
	cb_mkt_config_free(cfg);
}

static char failed_msg[600];
static int failed_calls;

static void
on_failed(void *arg, const cb_mkt_error *err)
{
	(void)arg;
	failed_calls++;
	snprintf(failed_msg, sizeof(failed_msg), "%s", err->message);
}

static int64_t
clock_at(void *arg)
{
	return *(int64_t *)arg;
}

Test(market_token, refresh_failures_are_not_sent_and_tell_the_hook)
{
	cb_mkt_config *cfg = parse(text, "uk");
	cb_mkt_token_hooks h = { NULL, NULL, on_failed, NULL };
	int64_t now = 1800000000 - 700;	/* not due: expires in 700 s, margin 600 */
	cb_mkt_error err;
	cb_mkt *m = NULL;
	char out[256];

	cr_assert_eq(cb_mkt_new(&m, cfg), CB_OK, "%s", cb_errmsg());
	cb_mkt_set_token_hooks(m, &h);
	cb_mkt_set_clock(m, clock_at, &now);
	cb_mkt_redact(m, out, sizeof(out), "GET /api/v2/token/refresh?refresh_token=RTK_uk_refresh&x=1");
	cr_assert_str_eq(out, "GET /api/v2/token/refresh?refresh_token=***&x=1");
	cr_assert_eq(cb_mkt_token_due(m), 0);
	cr_assert_eq(cb_mkt_token_check(m, &err), CB_OK);
	now += 200;	/* within the margin: due, and the auth host refuses connections */
	cr_assert_eq(cb_mkt_token_due(m), 1);
	cr_assert_eq(cb_mkt_token_check(m, &err), CB_ERROR);
	cr_assert_str_eq(err.error_code, CB_MKT_REFRESH_FAILED);
	cr_assert_eq(err.outcome, CB_MKT_NOT_SENT);
	cr_assert(strstr(err.message, "access token refresh failed: CONNECT_FAILED") != NULL, "%s", err.message);
	cr_assert_eq(failed_calls, 1);
	cr_assert(strstr(failed_msg, "RTK_uk") == NULL && strstr(failed_msg, "e59af819cc") == NULL, "%s", failed_msg);
	now = 1900000001;	/* past the refresh token's expiry: nothing is tried */
	cr_assert_eq(cb_mkt_refresh_token(m, &err), CB_ERROR);
	cr_assert(strstr(err.message, "the refresh token expired") != NULL, "%s", err.message);
	cr_assert_eq(failed_calls, 2);
	cb_mkt_free(m);
	cb_mkt_config_free(cfg);
}
