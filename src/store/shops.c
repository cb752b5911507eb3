/* SPDX-License-Identifier: Apache-2.0 */
/*
 * shops.c - marketplace shops (store.h, "marketplace shops"): names and
 * values checked here, the same for every backend, and the texts of the
 * errors the CLI and the API show.  No value is ever put in a message:
 * most of them are secrets.
 */
#include "store_int.h"

#include <string.h>

#include "rfc3339.h"

#define STORE_NEED_SHOPS(st) \
	do { if ((st)->ops->shop_add == NULL) \
		return cb__fail(CB_EINVAL, "the %s backend does not keep shops", (st)->ops->name); } while (0)

static int
valid_name(const char *name)
{
	size_t i, n = name != NULL ? strlen(name) : 0;

	if (n == 0 || n > CB_SHOP_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = name[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '_' || ch == '.' || ch == '-'))
			return 0;
	}
	return 1;
}

/* A key, secret or token: 1 to CB_SHOP_SECRET_MAX printable bytes without spaces. */
static int
valid_secret(const char *v)
{
	size_t i, n = v != NULL ? strlen(v) : 0;

	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f)
			return 0;
	return n > 0 && n <= CB_SHOP_SECRET_MAX;
}

static int
check_name(const char *name)
{
	if (!valid_name(name))
		return cb__fail(CB_EINVAL, "shop name \"%.80s\": use 1 to %d of A-Z a-z 0-9 _ . -", name ? name : "",
		    CB_SHOP_NAME_MAX);
	return CB_OK;
}

/* The tokens of @t: present where required, never shown. */
static int
check_tokens(const cb_store_shop *t)
{
	if (!valid_secret(t->access_token))
		return cb__fail(CB_EINVAL, "access_token: expected 1 to %d printable bytes without spaces (value not "
		    "shown)", CB_SHOP_SECRET_MAX);
	if (t->refresh_token != NULL && !valid_secret(t->refresh_token))
		return cb__fail(CB_EINVAL, "refresh_token: expected 1 to %d printable bytes without spaces (value "
		    "not shown)", CB_SHOP_SECRET_MAX);
	if (t->app_secret != NULL && !valid_secret(t->app_secret))
		return cb__fail(CB_EINVAL, "app_secret: expected 1 to %d printable bytes without spaces (value not "
		    "shown)", CB_SHOP_SECRET_MAX);
	if (t->access_expires_at < 0 || t->refresh_expires_at < 0)
		return cb__fail(CB_EINVAL, "token expiry: expected Unix seconds (0: not known)");
	return CB_OK;
}

int
cb_store_shop_add(cb_store *st, const cb_store_shop *s)
{
	char now[CB_TIME_MAX];
	int rc;

	if (st == NULL || s == NULL)
		return cb__fail(CB_EINVAL, "cb_store_shop_add: NULL argument");
	STORE_NEED_SHOPS(st);
	if ((rc = check_name(s->name)) != CB_OK || (rc = check_tokens(s)) != CB_OK)
		return rc;
	if (s->app_secret == NULL || !valid_secret(s->app_key))
		return cb__fail(CB_EINVAL, "shop %s: app_key and app_secret are required", s->name);
	if (s->settings == NULL || strlen(s->settings) > CB_SHOP_SETTINGS_MAX)
		return cb__fail(CB_EINVAL, "shop %s: settings: at most %d bytes", s->name, CB_SHOP_SETTINGS_MAX);
	cb_time_now_iso(now);
	if ((rc = store__note(st, st->ops->shop_add(st->be, s, now))) == CB_ECONFLICT)
		rc = cb__fail(CB_ECONFLICT, "there is already a shop named \"%s\" (rotate its tokens, or remove it "
		    "first)", s->name);
	return rc;
}

int
cb_store_shop_get(cb_store *st, const char *name, cb_store_shop_fn fn, void *arg)
{
	int rc;

	if (st == NULL || fn == NULL)
		return cb__fail(CB_EINVAL, "cb_store_shop_get: NULL argument");
	STORE_NEED_SHOPS(st);
	if ((rc = check_name(name)) != CB_OK)
		return rc;
	if ((rc = st->ops->shop_get(st->be, name, fn, arg)) == CB_ENOTFOUND)
		rc = cb__fail(CB_ENOTFOUND, "no shop named \"%s\" in the database", name);
	return rc;
}

int
cb_store_shop_each(cb_store *st, cb_store_shop_fn fn, void *arg)
{
	int rc;

	if (st == NULL || fn == NULL)
		return cb__fail(CB_EINVAL, "cb_store_shop_each: NULL argument");
	STORE_NEED_SHOPS(st);
	rc = st->ops->shop_get(st->be, NULL, fn, arg);
	return rc == CB_ENOTFOUND ? CB_OK : rc;
}

int
cb_store_shop_remove(cb_store *st, const char *name)
{
	int rc;

	if (st == NULL)
		return cb__fail(CB_EINVAL, "cb_store_shop_remove: NULL argument");
	STORE_NEED_SHOPS(st);
	if ((rc = check_name(name)) != CB_OK)
		return rc;
	if ((rc = store__note(st, st->ops->shop_remove(st->be, name))) == CB_ENOTFOUND)
		rc = cb__fail(CB_ENOTFOUND, "no shop named \"%s\" in the database", name);
	return rc;
}

int
cb_store_shop_tokens(cb_store *st, const char *name, int64_t expect, const cb_store_shop *t)
{
	char now[CB_TIME_MAX];
	int rc;

	if (st == NULL || t == NULL)
		return cb__fail(CB_EINVAL, "cb_store_shop_tokens: NULL argument");
	STORE_NEED_SHOPS(st);
	if ((rc = check_name(name)) != CB_OK || (rc = check_tokens(t)) != CB_OK)
		return rc;
	cb_time_now_iso(now);
	rc = store__note(st, st->ops->shop_tokens(st->be, name, expect, t, now));
	if (rc == CB_ENOTFOUND)
		rc = cb__fail(CB_ENOTFOUND, "no shop named \"%s\" in the database", name);
	else if (rc == CB_ECONFLICT)
		rc = cb__fail(CB_ECONFLICT, "the tokens of shop %s changed meanwhile (token version is no longer "
		    "%lld)", name, (long long)expect);
	return rc;
}

int
cb_store_shop_attention(cb_store *st, const char *name, const char *text)
{
	char now[CB_TIME_MAX];
	int rc;

	if (st == NULL)
		return cb__fail(CB_EINVAL, "cb_store_shop_attention: NULL argument");
	STORE_NEED_SHOPS(st);
	if ((rc = check_name(name)) != CB_OK)
		return rc;
	cb_time_now_iso(now);
	if ((rc = store__note(st, st->ops->shop_attention(st->be, name, text, now))) == CB_ENOTFOUND)
		rc = cb__fail(CB_ENOTFOUND, "no shop named \"%s\" in the database", name);
	return rc;
}
