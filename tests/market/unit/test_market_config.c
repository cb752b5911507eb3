/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_market_config.c - a shop's marketplace configuration: file syntax,
 * [shop] sections, environment overrides, value checks with file:line,
 * secrets kept out of messages, completeness, and the redacting log.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "market/market.h"

#include <codebook.h>

static const char *const noenv[] = { NULL };
static cb_mkt_config *cfg;

static void
teardown(void)
{
	cb_mkt_config_free(cfg);
	cfg = NULL;
}

TestSuite(market_config, .fini = teardown);

static int
parse(const char *text, const char *shop, const char *const *env)
{
	cb_mkt_config_free(cfg);
	cfg = NULL;
	return cb_mkt_config_parse(&cfg, text, strlen(text), "shops.conf", shop, env ? env : noenv);
}

static const char file[] =
    "# TikTok Shop\n"
    "base_url = https://open-api.tiktokglobalshop.com/\n"
    "app_key = 68xu9ks5p4i8\n"
    "app_secret = e59af819cc\n"
    "timeout_ms = 8000\n"
    "\n"
    "[shop uk]\n"
    "api = legacy\n"
    "shop_id = 7494049642642441621\n"
    "access_token = TTP_uk_token\r\n"
    "[shop us]\n"
    "  api   =   current  \n"
    "shop_cipher = ROW_xkMbgAAAeVAQra0eZWebFQq5aIKt\n"
    "access_token = TTP_us_token\n"
    "status_incomplete = 100\n"
    "status_ready_for_shipping = 111\n";

Test(market_config, top_section_and_one_shop)
{
	cr_assert_eq(parse(file, "uk", NULL), CB_OK, "%s", cb_errmsg());
	cr_assert_str_eq(cfg->base_url, "https://open-api.tiktokglobalshop.com");	/* trailing / dropped */
	cr_assert_str_eq(cfg->app_key, "68xu9ks5p4i8");
	cr_assert_str_eq(cfg->app_secret, "e59af819cc");
	cr_assert_str_eq(cfg->access_token, "TTP_uk_token");
	cr_assert_str_eq(cfg->shop_id, "7494049642642441621");
	cr_assert_null(cfg->shop_cipher);
	cr_assert_eq(cfg->api, CB_MKT_API_LEGACY);
	cr_assert_eq(cfg->timeout_ms, 8000);
	cr_assert_eq(cfg->connect_timeout_ms, 3000);
	cr_assert_str_eq(cfg->status_incomplete, "0");	/* seed 003's market */
	cr_assert_str_eq(cfg->status_ready_for_shipping, "200");
	cr_assert_str_eq(cfg->shop, "uk");
	cr_assert_eq(cb_mkt_config_check(cfg), CB_OK, "%s", cb_errmsg());
}

Test(market_config, another_shop_other_api_and_status_mapping)
{
	cr_assert_eq(parse(file, "us", NULL), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cfg->api, CB_MKT_API_CURRENT);
	cr_assert_str_eq(cfg->access_token, "TTP_us_token");
	cr_assert_str_eq(cfg->shop_cipher, "ROW_xkMbgAAAeVAQra0eZWebFQq5aIKt");
	cr_assert_null(cfg->shop_id);
	cr_assert_str_eq(cfg->status_incomplete, "100");
	cr_assert_str_eq(cfg->status_ready_for_shipping, "111");
	cr_assert_eq(cb_mkt_config_check(cfg), CB_OK, "%s", cb_errmsg());
}

Test(market_config, no_shop_reads_only_the_top)
{
	cr_assert_eq(parse(file, NULL, NULL), CB_OK, "%s", cb_errmsg());
	cr_assert_null(cfg->access_token);
	cr_assert_eq(cfg->api, 0);
	cr_assert_eq(cb_mkt_config_check(cfg), CB_EINVAL);
	cr_assert(strstr(cb_errmsg(), "access_token is not set") != NULL, "%s", cb_errmsg());
}

Test(market_config, missing_shop_section)
{
	cr_assert_eq(parse(file, "fr", NULL), CB_ENOTFOUND);
	cr_assert_str_eq(cb_errmsg(), "shops.conf: no [shop fr] section");
	cr_assert_null(cfg);
}

Test(market_config, environment_wins)
{
	const char *const env[] = { "PATH=/bin", "CB_TIKTOK_ACCESS_TOKEN=TTP_env", "CB_TIKTOK_TIMEOUT_MS=1500",
		"CB_TIKTOK_API=current", "CB_TIKTOK_SHOP_CIPHER=ROW_env", "CB_TIKTOK_CONFIG=/x",
		"CB_TIKTOK_SHOP=uk", "CB_TIKTOK_SHOP_ID=", NULL };

	cr_assert_eq(parse(file, "uk", env), CB_OK, "%s", cb_errmsg());
	cr_assert_str_eq(cfg->access_token, "TTP_env");
	cr_assert_eq(cfg->timeout_ms, 1500);
	cr_assert_eq(cfg->api, CB_MKT_API_CURRENT);
	cr_assert_str_eq(cfg->shop_cipher, "ROW_env");
	cr_assert_str_eq(cfg->shop_id, "7494049642642441621");	/* empty variable: no override */
}

Test(market_config, environment_alone)
{
	const char *const env[] = { "CB_TIKTOK_BASE_URL=http://127.0.0.1:8080", "CB_TIKTOK_APP_KEY=k",
		"CB_TIKTOK_APP_SECRET=s", "CB_TIKTOK_ACCESS_TOKEN=t", "CB_TIKTOK_API=legacy",
		"CB_TIKTOK_SHOP_ID=1", NULL };

	cb_mkt_config_free(cfg);
	cfg = NULL;
	cr_assert_eq(cb_mkt_config_load(&cfg, NULL, NULL, env), CB_OK, "%s", cb_errmsg());
	cr_assert_str_eq(cfg->base_url, "http://127.0.0.1:8080");
	cr_assert_eq(cb_mkt_config_check(cfg), CB_OK, "%s", cb_errmsg());
}

Test(market_config, unknown_environment_variable_is_an_error)
{
	const char *const env[] = { "CB_TIKTOK_APP_SECRETT=x", NULL };

	cr_assert_eq(parse(file, "uk", env), CB_EPARSE);
	cr_assert(strstr(cb_errmsg(), "environment CB_TIKTOK_APP_SECRETT: not a marketplace setting") != NULL,
	    "%s", cb_errmsg());
}

static void
bad(const char *text, const char *want)
{
	int rc = parse(text, NULL, NULL);

	cr_assert_eq(rc, CB_EPARSE, "accepted: %s", text);
	cr_assert(strstr(cb_errmsg(), want) != NULL, "message: %s\nwanted: %s", cb_errmsg(), want);
	cr_assert_null(cfg);
}

Test(market_config, errors_name_file_line_and_key)
{
	bad("app_key = a\nfoo = 1\n", "shops.conf:2: unknown key \"foo\" (keys: base_url, app_key,");
	bad("app_key a\n", "shops.conf:1: expected KEY = VALUE");
	bad("app_key = a\napp_key = b\n", "shops.conf:2: app_key set twice in the top section");
	bad("app_key =\n", "shops.conf:1: app_key: empty value");
	bad("api = modern\n", "shops.conf:1: api: expected legacy or current, got \"modern\"");
	bad("timeout_ms = 0\n", "timeout_ms: expected a whole number 1..3600000, got \"0\"");
	bad("timeout_ms = 12s\n", "timeout_ms: expected a whole number");
	bad("timeout_ms = -5\n", "timeout_ms: expected a whole number");
	bad("timeout_ms = 99999999999999999999999\n", "timeout_ms: expected a whole number");
	bad("max_response_bytes = 10\n", "max_response_bytes: expected a whole number 1024..");
	bad("[shop]\n", "shops.conf:1: expected a section header [shop NAME]");
	bad("[shop a b]\n", "shop name:");
	bad("[region eu]\n", "expected a section header [shop NAME]");
	bad("app_key = has space\n", "app_key: expected a value without spaces");
	bad("base_url = ftp://x\n", "base_url: expected http(s)://HOST[:PORT]");
	bad("base_url = https://x/api\n", "without path");
	bad("base_url = https://user@x\n", "without path, query or user");
	bad("base_url = http://open-api.tiktokglobalshop.com\n", "plain http is only allowed to 127.0.0.1");
}

Test(market_config, loopback_http_is_allowed)
{
	cr_assert_eq(parse("base_url = http://localhost:9000\n", NULL, NULL), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(parse("base_url = http://[::1]:9000\n", NULL, NULL), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(parse("base_url = http://127.0.0.1\n", NULL, NULL), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(parse("base_url = http://127.0.0.1.evil.example\n", NULL, NULL), CB_EPARSE);
}

Test(market_config, secrets_are_not_echoed)
{
	bad("app_secret = top secret value\n", "value not shown: it is a secret");
	cr_assert(strstr(cb_errmsg(), "top secret") == NULL, "%s", cb_errmsg());
	bad("access_token = tok\x01\n", "value not shown");
}

Test(market_config, completeness_per_api)
{
	cr_assert_eq(parse("base_url = https://x\napp_key = k\napp_secret = s\naccess_token = t\napi = legacy\n",
	    NULL, NULL), CB_OK);
	cr_assert_eq(cb_mkt_config_check(cfg), CB_EINVAL);
	cr_assert(strstr(cb_errmsg(), "api = legacy needs shop_id") != NULL, "%s", cb_errmsg());
	cr_assert_eq(parse("base_url = https://x\napp_key = k\napp_secret = s\naccess_token = t\napi = current\n",
	    NULL, NULL), CB_OK);
	cr_assert_eq(cb_mkt_config_check(cfg), CB_EINVAL);
	cr_assert(strstr(cb_errmsg(), "api = current needs shop_cipher") != NULL, "%s", cb_errmsg());
	cr_assert_eq(parse("base_url = https://x\napp_key = k\napp_secret = s\naccess_token = t\n", NULL, NULL), CB_OK);
	cr_assert_eq(cb_mkt_config_check(cfg), CB_EINVAL);
	cr_assert(strstr(cb_errmsg(), "api is not set") != NULL, "%s", cb_errmsg());
}

Test(market_config, nul_byte_and_size_limits)
{
	const char nul[] = "app_key = a\0b\n";

	cr_assert_eq(cb_mkt_config_parse(&cfg, nul, sizeof(nul) - 1, "x", NULL, noenv), CB_EPARSE);
	cr_assert(strstr(cb_errmsg(), "NUL") != NULL);
	cr_assert_eq(cb_mkt_config_parse(&cfg, nul, 1u << 20, "x", NULL, noenv), CB_ETOOBIG);
}

Test(market_config, load_from_file_and_missing_file)
{
	char path[] = "/tmp/cb_market_config_XXXXXX";
	int fd = mkstemp(path);
	FILE *fp;

	cr_assert(fd >= 0);
	cr_assert_not_null(fp = fdopen(fd, "w"));
	fputs(file, fp);
	fclose(fp);
	cr_assert_eq(cb_mkt_config_load(&cfg, path, "us", noenv), CB_OK, "%s", cb_errmsg());
	cr_assert_str_eq(cfg->shop_cipher, "ROW_xkMbgAAAeVAQra0eZWebFQq5aIKt");
	unlink(path);
	cb_mkt_config_free(cfg);
	cfg = NULL;
	cr_assert_eq(cb_mkt_config_load(&cfg, path, "us", noenv), CB_ENOTFOUND);
	cr_assert(strstr(cb_errmsg(), path) != NULL);
}

/* ---- the client handle: completeness, redaction, local errors */

static char logged[4096];

static void
capture(void *payload, const char *line)
{
	size_t n = strlen(logged);

	(void)payload;
	snprintf(logged + n, sizeof(logged) - n, "%s\n", line);
}

Test(market_config, client_needs_a_complete_configuration)
{
	cb_mkt *m = NULL;

	cr_assert_eq(parse(file, NULL, NULL), CB_OK);
	cr_assert_eq(cb_mkt_new(&m, cfg), CB_EINVAL);
	cr_assert_null(m);
	cr_assert_eq(parse(file, "uk", NULL), CB_OK);
	cr_assert_eq(cb_mkt_new(&m, cfg), CB_OK, "%s", cb_errmsg());
	cb_mkt_free(m);
}

Test(market_config, redaction_masks_secret_and_token_everywhere)
{
	cb_mkt *m = NULL;
	char out[512];

	cr_assert_eq(parse(file, "uk", NULL), CB_OK);
	cr_assert_eq(cb_mkt_new(&m, cfg), CB_OK);
	cb_mkt_redact(m, out, sizeof(out),
	    "GET /api/x?app_key=68xu9ks5p4i8&access_token=TTP_uk_token&sign=ab -> echo TTP_uk_token e59af819cc");
	cr_assert_str_eq(out, "GET /api/x?app_key=68xu9ks5p4i8&access_token=***&sign=ab -> echo *** ***");
	/* any access_token parameter, even another shop's */
	cb_mkt_redact(m, out, sizeof(out), "x?access_token=OTHER&y=1");
	cr_assert_str_eq(out, "x?access_token=***&y=1");
	cb_mkt_redact(m, out, 8, "abcdefghijkl");
	cr_assert_str_eq(out, "abcdefg");
	cb_mkt_free(m);
}

Test(market_config, connect_refused_is_not_sent_and_logged_without_token)
{
	cb_mkt *m = NULL;
	cb_mkt_cancel_result res;
	cb_mkt_error err;

	cr_assert_eq(parse(file, "uk", (const char *const[]){ "CB_TIKTOK_BASE_URL=http://127.0.0.1:1", NULL }), CB_OK);
	cr_assert_eq(cb_mkt_new(&m, cfg), CB_OK);
	logged[0] = '\0';
	cb_mkt_set_log(m, capture, NULL);
	cr_assert_eq(cb_mkt_cancel_order(&res, m, "576461413038785752", "seller_cancel_reason_out_of_stock_uk", &err),
	    CB_ERROR);
	cr_assert_eq(err.kind, CB_MKT_E_CONNECT);
	cr_assert_eq(err.outcome, CB_MKT_NOT_SENT);
	cr_assert_str_eq(err.error_code, "CONNECT_FAILED");
	cr_assert_eq(err.attempts, 1);
	cr_assert(strstr(logged, "POST /api/reverse/order/cancel?") != NULL, "%s", logged);
	cr_assert(strstr(logged, "access_token=***") != NULL, "%s", logged);
	cr_assert(strstr(logged, "TTP_uk_token") == NULL, "%s", logged);
	cr_assert(strstr(cb_errmsg(), "cancel order 576461413038785752 (legacy)") != NULL, "%s", cb_errmsg());
	cb_mkt_free(m);
}

Test(market_config, bad_arguments_are_local_errors)
{
	cb_mkt *m = NULL;
	cb_mkt_cancel_result res;
	cb_mkt_orders *orders = NULL;
	cb_mkt_error err;
	const char *ids[] = { "1 2" };

	cr_assert_eq(parse(file, "uk", NULL), CB_OK);
	cr_assert_eq(cb_mkt_new(&m, cfg), CB_OK);
	cr_assert_eq(cb_mkt_cancel_legacy(&res, m, "", "k", &err), CB_EINVAL);
	cr_assert_eq(err.kind, CB_MKT_E_LOCAL);
	cr_assert_eq(err.outcome, CB_MKT_NOT_SENT);
	cr_assert_eq(err.attempts, 0);
	cr_assert_str_eq(err.error_code, "");
	cr_assert_eq(cb_mkt_cancel_legacy(&res, m, "1", "bad key", &err), CB_EINVAL);
	cr_assert(strstr(err.message, "cancel_reason_key") != NULL);
	/* order detail is a 202309 call: a legacy-only shop has no shop_cipher */
	cr_assert_eq(cb_mkt_get_orders(&orders, m, ids, 1, &err), CB_EINVAL);
	cr_assert_eq(cb_mkt_get_orders(&orders, m, ids, 0, &err), CB_EINVAL);
	cr_assert_eq(cb_mkt_reverse_reasons(NULL, m, 0, 0, &err), CB_EINVAL);
	cb_mkt_free(m);
}

Test(market_config, legacy_status_table)
{
	cr_assert_str_eq(cb_mkt_status_from_legacy(100), "UNPAID");
	cr_assert_str_eq(cb_mkt_status_from_legacy(111), "AWAITING_SHIPMENT");
	cr_assert_str_eq(cb_mkt_status_from_legacy(140), "CANCELLED");
	cr_assert_null(cb_mkt_status_from_legacy(200));
	cr_assert_eq(cb_mkt_status_to_legacy("IN_TRANSIT"), 121);
	cr_assert_eq(cb_mkt_status_to_legacy("SHIPPED"), -1);
}
