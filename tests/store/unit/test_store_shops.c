/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store_shops.c - marketplace shops (issue 12) on each backend
 * (backend.h): add, read, list, rotate the tokens with a version check,
 * the attention set and cleared, remove; bad names and values refused
 * without a secret in the message.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "store/store.h"

static cb_store *st;

static void
setup(void)
{
	cr_assert_eq(cb_store_open(&st, tb_fresh("s.db"), 2), CB_OK, "%s", cb_errmsg());
}

static void
teardown(void)
{
	cb_store_close(st);
	st = NULL;
	tb_drop();
}

TestSuite(shops, .init = setup, .fini = teardown);

struct seen {
	int     n;
	char    names[4][65];
	char    access[64], refresh[64], secret[64], attention[256], settings[256];
	int64_t version, access_exp;
	int     has_attention, has_refresh;
};

static int
collect(void *arg, const cb_store_shop *s)
{
	struct seen *x = arg;

	if (x->n < 4)
		snprintf(x->names[x->n], sizeof(x->names[0]), "%s", s->name);
	x->n++;
	snprintf(x->access, sizeof(x->access), "%s", s->access_token);
	snprintf(x->secret, sizeof(x->secret), "%s", s->app_secret);
	snprintf(x->settings, sizeof(x->settings), "%s", s->settings);
	x->has_refresh = s->refresh_token != NULL;
	snprintf(x->refresh, sizeof(x->refresh), "%s", s->refresh_token ? s->refresh_token : "");
	x->has_attention = s->attention != NULL;
	snprintf(x->attention, sizeof(x->attention), "%s", s->attention ? s->attention : "");
	x->version = s->token_version;
	x->access_exp = s->access_expires_at;
	cr_assert_not_null(s->created_at);
	cr_assert_not_null(s->updated_at);
	cr_assert_eq(s->attention == NULL, s->attention_at == NULL);
	return 0;
}

static cb_store_shop
shop(const char *name)
{
	cb_store_shop s;

	memset(&s, 0, sizeof(s));
	s.name = name;
	s.settings = "api = current\nmarket = GB\n";
	s.app_key = "68xu9ks5p4i8";
	s.app_secret = "e59af819cc";
	s.access_token = "TTP_a1";
	s.access_expires_at = 1800000000;
	s.refresh_token = "RTK_r1";
	s.refresh_expires_at = 1900000000;
	return s;
}

Test(shops, add_get_list_remove)
{
	cb_store_shop a = shop("uk-main"), b = shop("gb-2");
	struct seen x;

	cr_assert_eq(cb_store_shop_add(st, &a), CB_OK, "%s", cb_errmsg());
	b.refresh_token = NULL;
	cr_assert_eq(cb_store_shop_add(st, &b), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_store_shop_add(st, &a), CB_ECONFLICT);
	cr_assert(strstr(cb_errmsg(), "already a shop named \"uk-main\"") != NULL, "%s", cb_errmsg());
	memset(&x, 0, sizeof(x));
	cr_assert_eq(cb_store_shop_get(st, "uk-main", collect, &x), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(x.n, 1);
	cr_assert_str_eq(x.access, "TTP_a1");
	cr_assert_str_eq(x.refresh, "RTK_r1");
	cr_assert_str_eq(x.settings, "api = current\nmarket = GB\n");
	cr_assert_eq(x.version, 1);
	cr_assert_eq(x.access_exp, 1800000000);
	cr_assert_eq(x.has_attention, 0);
	memset(&x, 0, sizeof(x));
	cr_assert_eq(cb_store_shop_each(st, collect, &x), CB_OK);
	cr_assert_eq(x.n, 2);
	cr_assert_str_eq(x.names[0], "gb-2");
	cr_assert_str_eq(x.names[1], "uk-main");
	cr_assert_eq(cb_store_shop_get(st, "nope", collect, &x), CB_ENOTFOUND);
	cr_assert_eq(cb_store_shop_remove(st, "gb-2"), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_store_shop_remove(st, "gb-2"), CB_ENOTFOUND);
	cr_assert_eq(tb_int("SELECT COUNT(*) FROM shops"), 1);
}

Test(shops, tokens_rotate_with_a_version_check_and_clear_the_attention)
{
	cb_store_shop a = shop("uk-main"), t;
	struct seen x;

	cr_assert_eq(cb_store_shop_add(st, &a), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_store_shop_attention(st, "uk-main", "access token refresh failed: 36009004"), CB_OK);
	memset(&x, 0, sizeof(x));
	cr_assert_eq(cb_store_shop_get(st, "uk-main", collect, &x), CB_OK);
	cr_assert_str_eq(x.attention, "access token refresh failed: 36009004");
	memset(&t, 0, sizeof(t));
	t.access_token = "TTP_a2";
	t.access_expires_at = 1800003600;
	t.refresh_token = "RTK_r2";
	t.refresh_expires_at = 1900003600;
	cr_assert_eq(cb_store_shop_tokens(st, "uk-main", 7, &t), CB_ECONFLICT);
	cr_assert_eq(cb_store_shop_tokens(st, "uk-main", 1, &t), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_store_shop_tokens(st, "uk-main", 1, &t), CB_ECONFLICT);	/* someone else's turn was taken */
	cr_assert_eq(cb_store_shop_tokens(st, "ghost", -1, &t), CB_ENOTFOUND);
	memset(&x, 0, sizeof(x));
	cr_assert_eq(cb_store_shop_get(st, "uk-main", collect, &x), CB_OK);
	cr_assert_str_eq(x.access, "TTP_a2");
	cr_assert_str_eq(x.refresh, "RTK_r2");
	cr_assert_str_eq(x.secret, "e59af819cc");	/* kept: not given */
	cr_assert_eq(x.version, 2);
	cr_assert_eq(x.has_attention, 0);
	t.app_secret = "n3wsecret";
	cr_assert_eq(cb_store_shop_tokens(st, "uk-main", -1, &t), CB_OK);
	memset(&x, 0, sizeof(x));
	cr_assert_eq(cb_store_shop_get(st, "uk-main", collect, &x), CB_OK);
	cr_assert_str_eq(x.secret, "n3wsecret");
	cr_assert_eq(x.version, 3);
	cr_assert_eq(cb_store_shop_attention(st, "ghost", "x"), CB_ENOTFOUND);
}

Test(shops, bad_input_is_refused_without_showing_secrets)
{
	cb_store_shop a = shop("bad name");

	cr_assert_eq(cb_store_shop_add(st, &a), CB_EINVAL);
	cr_assert(strstr(cb_errmsg(), "shop name") != NULL, "%s", cb_errmsg());
	a = shop("uk");
	a.access_token = "has space s3cr3t";
	cr_assert_eq(cb_store_shop_add(st, &a), CB_EINVAL);
	cr_assert(strstr(cb_errmsg(), "access_token") != NULL, "%s", cb_errmsg());
	cr_assert(strstr(cb_errmsg(), "s3cr3t") == NULL, "%s", cb_errmsg());
	a = shop("uk");
	a.app_secret = NULL;
	cr_assert_eq(cb_store_shop_add(st, &a), CB_EINVAL);
	cr_assert_eq(tb_int("SELECT COUNT(*) FROM shops"), 0);
}
