/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.c - a shop's marketplace configuration from a file and the
 * environment (see cb_mkt_config_load in market.h).  Keys, their
 * environment names, types and limits are one table; secrets are never
 * echoed in messages and are wiped when replaced or freed.
 */
#include "market_int.h"
#include "ident.h"
#include "parse.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum ktype { K_STR, K_SECRET, K_URL, K_API, K_MS, K_BYTES, K_MARKET };

static const struct key {
	const char *name;
	const char *env;
	enum ktype  type;
	size_t      off;
	unsigned long min, max;   /* numbers */
} keys[] = {
	{ "base_url", "CB_TIKTOK_BASE_URL", K_URL, offsetof(cb_mkt_config, base_url), 0, 0 },
	{ "app_key", "CB_TIKTOK_APP_KEY", K_STR, offsetof(cb_mkt_config, app_key), 0, 0 },
	{ "app_secret", "CB_TIKTOK_APP_SECRET", K_SECRET, offsetof(cb_mkt_config, app_secret), 0, 0 },
	{ "access_token", "CB_TIKTOK_ACCESS_TOKEN", K_SECRET, offsetof(cb_mkt_config, access_token), 0, 0 },
	{ "shop_id", "CB_TIKTOK_SHOP_ID", K_STR, offsetof(cb_mkt_config, shop_id), 0, 0 },
	{ "shop_cipher", "CB_TIKTOK_SHOP_CIPHER", K_STR, offsetof(cb_mkt_config, shop_cipher), 0, 0 },
	{ "api", "CB_TIKTOK_API", K_API, offsetof(cb_mkt_config, api), 0, 0 },
	{ "timeout_ms", "CB_TIKTOK_TIMEOUT_MS", K_MS, offsetof(cb_mkt_config, timeout_ms), 1, 3600000 },
	{ "connect_timeout_ms", "CB_TIKTOK_CONNECT_TIMEOUT_MS", K_MS,
	    offsetof(cb_mkt_config, connect_timeout_ms), 1, 600000 },
	{ "max_response_bytes", "CB_TIKTOK_MAX_RESPONSE_BYTES", K_BYTES,
	    offsetof(cb_mkt_config, max_response), 1024, CB_MAX_MARKET_RESPONSE },
	{ "status_incomplete", "CB_TIKTOK_STATUS_INCOMPLETE", K_STR,
	    offsetof(cb_mkt_config, status_incomplete), 0, 0 },
	{ "status_ready_for_shipping", "CB_TIKTOK_STATUS_READY_FOR_SHIPPING", K_STR,
	    offsetof(cb_mkt_config, status_ready_for_shipping), 0, 0 },
	{ "market", "CB_TIKTOK_MARKET", K_MARKET, offsetof(cb_mkt_config, market), 0, 0 },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* CB_TIKTOK_ variables that are not keys: they say where the file is */
static const char *const env_other[] = { "CB_TIKTOK_CONFIG", "CB_TIKTOK_SHOP" };

/* Defaults: timeouts a person would wait for, the cap from cb_limits.h,
 * and the order-status encoding of seed 003's market (UK). */
#define DEFAULT_TIMEOUT_MS         10000u
#define DEFAULT_CONNECT_TIMEOUT_MS 3000u

const char *
cb_mkt_api_name(cb_mkt_api api)
{
	switch (api) {
	case CB_MKT_API_LEGACY: return "legacy";
	case CB_MKT_API_CURRENT: return "current";
	default: return "unset";
	}
}

static void
free_secret(char *s)
{
	if (s != NULL)
		cb_mkt__wipe(s, strlen(s));
	free(s);
}

void
cb_mkt_config_free(cb_mkt_config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->base_url);
	free(cfg->app_key);
	free_secret(cfg->app_secret);
	free_secret(cfg->access_token);
	free(cfg->shop_id);
	free(cfg->shop_cipher);
	free(cfg->status_incomplete);
	free(cfg->status_ready_for_shipping);
	free(cfg->shop);
	free(cfg->market);
	cb_mkt__wipe(cfg, sizeof(*cfg));
	free(cfg);
}

/* Printable ASCII, no spaces: keys, tokens, ids, URLs. */
static int
plain_value(const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f)
			return 0;
	return n > 0;
}

static int
loopback_host(const char *h, size_t n)
{
	static const char *const hosts[] = { "127.0.0.1", "localhost", "[::1]" };
	size_t i, hl;

	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		hl = strlen(hosts[i]);
		if (n >= hl && memcmp(h, hosts[i], hl) == 0 && (n == hl || h[hl] == ':'))
			return 1;
	}
	return 0;
}

/* Check a base URL: http(s)://host[:port] with no path, query or fragment;
 * plain http only to this machine, so secrets never cross a network in
 * clear.  Returns the length to keep (a trailing '/' dropped), or 0 with
 * the reason in @why. */
static size_t
check_url(const char *v, size_t n, char *why, size_t whylen)
{
	const char *host;
	size_t hl;
	int https = n > 8 && memcmp(v, "https://", 8) == 0;

	if (n > 0 && v[n - 1] == '/')
		n--;
	if (!https && !(n > 7 && memcmp(v, "http://", 7) == 0)) {
		snprintf(why, whylen, "expected http(s)://HOST[:PORT]");
		return 0;
	}
	host = v + (https ? 8 : 7);
	hl = n - (size_t)(host - v);
	if (hl == 0 || memchr(host, '/', hl) || memchr(host, '?', hl) || memchr(host, '#', hl) ||
	    memchr(host, '@', hl)) {
		snprintf(why, whylen, "expected http(s)://HOST[:PORT] without path, query or user");
		return 0;
	}
	if (!https && !loopback_host(host, hl)) {
		snprintf(why, whylen, "plain http is only allowed to 127.0.0.1, localhost or [::1]; use https");
		return 0;
	}
	return n;
}

/* Set key @k from value v[0..n).  @where names the source for messages. */
static int
set_key(cb_mkt_config *cfg, const struct key *k, const char *v, size_t n, const char *where)
{
	char *base = (char *)cfg, **sp, *copy, why[160];
	uint64_t x;

	if (k->type != K_SECRET && !plain_value(v, n))
		return cb__fail(CB_EPARSE, "%s: %s: expected a value without spaces or control characters",
		    where, k->name);
	if (k->type == K_SECRET && !plain_value(v, n))
		return cb__fail(CB_EPARSE, "%s: %s: expected a value without spaces or control characters "
		    "(value not shown: it is a secret)", where, k->name);
	switch (k->type) {
	case K_API:
		if (n == 6 && memcmp(v, "legacy", 6) == 0)
			cfg->api = CB_MKT_API_LEGACY;
		else if (n == 7 && memcmp(v, "current", 7) == 0)
			cfg->api = CB_MKT_API_CURRENT;
		else
			return cb__fail(CB_EPARSE, "%s: api: expected legacy or current, got \"%.*s\"",
			    where, (int)(n > 40 ? 40 : n), v);
		return CB_OK;
	case K_MS:
	case K_BYTES:
		if (cb_parse_u64n(v, n, k->min, k->max, &x) != CB_PARSE_OK)
			return cb__fail(CB_EPARSE, "%s: %s: expected a whole number %lu..%lu, got \"%.*s\"",
			    where, k->name, k->min, k->max, (int)(n > 40 ? 40 : n), v);
		if (k->type == K_MS)
			*(unsigned *)(void *)(base + k->off) = (unsigned)x;
		else
			*(size_t *)(void *)(base + k->off) = (size_t)x;
		return CB_OK;
	case K_MARKET:
		if (!cb_market_check(v, n))
			return cb__fail(CB_EPARSE, "%s: market: expected a market code of two letters A-Z (GB, US, "
			    "VN), got \"%.*s\"", where, (int)(n > 40 ? 40 : n), v);
		break;
	case K_URL:
		if ((n = check_url(v, n, why, sizeof(why))) == 0)
			return cb__fail(CB_EPARSE, "%s: base_url: %s", where, why);
		/* FALLTHROUGH */
	case K_STR:
	case K_SECRET:
		break;
	}
	if ((copy = cb__strndup(v, n)) == NULL)
		return cb__fail(CB_ENOMEM, "%s: out of memory", where);
	sp = (char **)(void *)(base + k->off);
	if (k->type == K_SECRET)
		free_secret(*sp);
	else
		free(*sp);
	*sp = copy;
	return CB_OK;
}

static const struct key *
find_key(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strlen(keys[i].name) == n && memcmp(keys[i].name, name, n) == 0)
			return &keys[i];
	return NULL;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int
valid_shop_name(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return n > 0 && n <= 64;
}

/* Apply the file's top section and the section of @shop. */
static int
parse_file(cb_mkt_config *cfg, const char *text, size_t len, const char *origin,
    const char *shop, int *found_shop)
{
	const char *p = text, *end = text + len;
	unsigned line = 0;
	uint32_t seen = 0;	/* keys set in the current section: one bit per key */
	int in_shop = 0, apply = 1, rc;
	char where[512];

	if (memchr(text, '\0', len) != NULL)
		return cb__fail(CB_EPARSE, "%s: contains a NUL byte", origin);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *ls = p, *le = nl ? nl : end, *eq;
		const char *ks, *ke, *vs, *ve;
		const struct key *k;

		p = nl ? nl + 1 : end;
		line++;
		while (ls < le && is_space(*ls))
			ls++;
		while (le > ls && is_space(le[-1]))
			le--;
		if (ls == le || *ls == '#' || *ls == ';')
			continue;
		snprintf(where, sizeof(where), "%s:%u", origin, line);
		if (*ls == '[') {
			const char *name;
			if (le[-1] != ']' || (size_t)(le - ls) < 8 || memcmp(ls, "[shop ", 6) != 0)
				return cb__fail(CB_EPARSE, "%s: expected a section header [shop NAME]", where);
			name = ls + 6;
			while (name < le - 1 && is_space(*name))
				name++;
			if (!valid_shop_name(name, (size_t)(le - 1 - name)))
				return cb__fail(CB_EPARSE, "%s: shop name: 1 to 64 of A-Z a-z 0-9 . _ -", where);
			in_shop = 1;
			seen = 0;
			apply = shop != NULL && strlen(shop) == (size_t)(le - 1 - name) &&
			    memcmp(shop, name, (size_t)(le - 1 - name)) == 0;
			if (apply) {
				if (*found_shop)
					return cb__fail(CB_EPARSE, "%s: second [shop %s] section", where, shop);
				*found_shop = 1;
			}
			continue;
		}
		if ((eq = memchr(ls, '=', (size_t)(le - ls))) == NULL)
			return cb__fail(CB_EPARSE, "%s: expected KEY = VALUE, a # comment or [shop NAME]", where);
		ks = ls;
		ke = eq;
		while (ke > ks && is_space(ke[-1]))
			ke--;
		vs = eq + 1;
		ve = le;
		while (vs < ve && is_space(*vs))
			vs++;
		if ((k = find_key(ks, (size_t)(ke - ks))) == NULL) {
			size_t i;
			char list[512] = "";
			for (i = 0; i < NKEYS; i++) {
				size_t used = strlen(list);
				snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", keys[i].name);
			}
			return cb__fail(CB_EPARSE, "%s: unknown key \"%.*s\" (keys: %s)", where,
			    (int)((ke - ks) > 64 ? 64 : (ke - ks)), ks, list);
		}
		if (seen & (1u << (k - keys)))
			return cb__fail(CB_EPARSE, "%s: %s set twice in %s", where, k->name,
			    in_shop ? "this [shop] section" : "the top section");
		seen |= 1u << (k - keys);
		if (vs == ve)
			return cb__fail(CB_EPARSE, "%s: %s: empty value", where, k->name);
		if (apply && (rc = set_key(cfg, k, vs, (size_t)(ve - vs), where)) != CB_OK)
			return rc;
	}
	return CB_OK;
}

static int
apply_env(cb_mkt_config *cfg, const char *const *env)
{
	char where[128];
	size_t i, j;
	int rc;

	for (i = 0; env[i] != NULL; i++) {
		const char *e = env[i], *eq = strchr(e, '=');
		size_t nl;
		int known = 0;

		if (eq == NULL || strncmp(e, "CB_TIKTOK_", 10) != 0)
			continue;
		nl = (size_t)(eq - e);
		for (j = 0; j < sizeof(env_other) / sizeof(env_other[0]); j++)
			if (strlen(env_other[j]) == nl && memcmp(env_other[j], e, nl) == 0)
				known = 1;
		for (j = 0; j < NKEYS && !known; j++) {
			if (strlen(keys[j].env) != nl || memcmp(keys[j].env, e, nl) != 0)
				continue;
			known = 1;
			snprintf(where, sizeof(where), "environment %.*s", (int)nl, e);
			if (eq[1] == '\0')
				continue;	/* an empty variable does not override */
			if ((rc = set_key(cfg, &keys[j], eq + 1, strlen(eq + 1), where)) != CB_OK)
				return rc;
		}
		if (!known)
			return cb__fail(CB_EPARSE, "environment %.*s: not a marketplace setting "
			    "(see docs/marketplace.md)", (int)(nl > 64 ? 64 : nl), e);
	}
	return CB_OK;
}

int
cb_mkt_config_parse(cb_mkt_config **out, const char *text, size_t len, const char *origin,
    const char *shop, const char *const *env)
{
	cb_mkt_config *cfg;
	int rc, found = 0;

	if (out == NULL || (text == NULL && len > 0))
		return cb__fail(CB_EINVAL, "cb_mkt_config_parse: NULL argument");
	*out = NULL;
	if (origin == NULL)
		origin = "config";
	if (len > CB_MAX_MARKET_CONFIG)
		return cb__fail(CB_ETOOBIG, "%s: larger than %u bytes", origin, CB_MAX_MARKET_CONFIG);
	if (shop != NULL && !valid_shop_name(shop, strlen(shop)))
		return cb__fail(CB_EINVAL, "shop name \"%.64s\": 1 to 64 of A-Z a-z 0-9 . _ -", shop);
	if ((cfg = cb__calloc(1, sizeof(*cfg))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	cfg->timeout_ms = DEFAULT_TIMEOUT_MS;
	cfg->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
	cfg->max_response = CB_MAX_MARKET_RESPONSE;
	if ((cfg->status_incomplete = cb__strdup("0")) == NULL ||
	    (cfg->status_ready_for_shipping = cb__strdup("200")) == NULL ||
	    (shop != NULL && (cfg->shop = cb__strdup(shop)) == NULL)) {
		rc = cb__fail(CB_ENOMEM, "out of memory");
		goto out;
	}
	if (text != NULL && (rc = parse_file(cfg, text, len, origin, shop, &found)) != CB_OK)
		goto out;
	if (shop != NULL && !found) {
		rc = cb__fail(CB_ENOTFOUND, "%s: no [shop %s] section", origin, shop);
		goto out;
	}
	if (env != NULL && (rc = apply_env(cfg, env)) != CB_OK)
		goto out;
	if (cfg->connect_timeout_ms > cfg->timeout_ms)
		cfg->connect_timeout_ms = cfg->timeout_ms;
	*out = cfg;
	cfg = NULL;
	rc = CB_OK;
out:
	cb_mkt_config_free(cfg);
	return rc;
}

/* Read a file that may hold secrets into one allocation of its exact
 * size, so no partial copies are left behind in freed memory. */
static int
read_secret_file(char **out, size_t *len, const char *path)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	ssize_t n;
	int fd, rc;

	*out = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return cb__fail_errno(errno == ENOENT ? CB_ENOTFOUND : CB_EIO, "%s", path);
	if (fstat(fd, &st) != 0) {
		rc = cb__fail_errno(CB_EIO, "%s", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = cb__fail(CB_EIO, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size < 0 || (unsigned long long)st.st_size > CB_MAX_MARKET_CONFIG) {
		rc = cb__fail(CB_ETOOBIG, "%s: larger than %u bytes", path, CB_MAX_MARKET_CONFIG);
		goto out;
	}
	if ((buf = cb__malloc((size_t)st.st_size + 1)) == NULL) {
		rc = cb__fail(CB_ENOMEM, "%s: out of memory", path);
		goto out;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = cb__fail_errno(CB_EIO, "%s: read", path);
			goto out;
		}
		if (n == 0)
			break;	/* the file shrank while we read it */
		got += (size_t)n;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL;
	rc = CB_OK;
out:
	if (buf != NULL) {
		cb_mkt__wipe(buf, (size_t)st.st_size + 1);
		free(buf);
	}
	close(fd);
	return rc;
}

int
cb_mkt_config_load(cb_mkt_config **out, const char *path, const char *shop, const char *const *env)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (out == NULL)
		return cb__fail(CB_EINVAL, "cb_mkt_config_load: NULL argument");
	*out = NULL;
	if (path != NULL && (rc = read_secret_file(&text, &len, path)) != CB_OK)
		return rc;
	rc = cb_mkt_config_parse(out, text, len, path != NULL ? path : "environment", shop, env);
	if (text != NULL) {
		cb_mkt__wipe(text, len);
		free(text);
	}
	return rc;
}

int
cb_mkt_config_check(const cb_mkt_config *cfg)
{
	static const struct { size_t off; const char *name, *env; } required[] = {
		{ offsetof(cb_mkt_config, base_url), "base_url", "CB_TIKTOK_BASE_URL" },
		{ offsetof(cb_mkt_config, app_key), "app_key", "CB_TIKTOK_APP_KEY" },
		{ offsetof(cb_mkt_config, app_secret), "app_secret", "CB_TIKTOK_APP_SECRET" },
		{ offsetof(cb_mkt_config, access_token), "access_token", "CB_TIKTOK_ACCESS_TOKEN" },
	};
	size_t i;

	if (cfg == NULL)
		return cb__fail(CB_EINVAL, "marketplace configuration: NULL");
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (*(char *const *)(const void *)((const char *)cfg + required[i].off) == NULL)
			return cb__fail(CB_EINVAL, "marketplace configuration%s%s: %s is not set "
			    "(key %s, or environment %s)", cfg->shop ? " of shop " : "",
			    cfg->shop ? cfg->shop : "", required[i].name, required[i].name,
			    required[i].env);
	if (cfg->api == 0)
		return cb__fail(CB_EINVAL, "marketplace configuration%s%s: api is not set (legacy or current)",
		    cfg->shop ? " of shop " : "", cfg->shop ? cfg->shop : "");
	if (cfg->api == CB_MKT_API_LEGACY && cfg->shop_id == NULL)
		return cb__fail(CB_EINVAL, "marketplace configuration%s%s: api = legacy needs shop_id",
		    cfg->shop ? " of shop " : "", cfg->shop ? cfg->shop : "");
	if (cfg->api == CB_MKT_API_CURRENT && cfg->shop_cipher == NULL)
		return cb__fail(CB_EINVAL, "marketplace configuration%s%s: api = current needs shop_cipher",
		    cfg->shop ? " of shop " : "", cfg->shop ? cfg->shop : "");
	return CB_OK;
}

cb_mkt_config *
cb_mkt__config_dup(const cb_mkt_config *cfg)
{
	static const size_t strs[] = {
		offsetof(cb_mkt_config, base_url), offsetof(cb_mkt_config, app_key),
		offsetof(cb_mkt_config, app_secret), offsetof(cb_mkt_config, access_token),
		offsetof(cb_mkt_config, shop_id), offsetof(cb_mkt_config, shop_cipher),
		offsetof(cb_mkt_config, status_incomplete),
		offsetof(cb_mkt_config, status_ready_for_shipping), offsetof(cb_mkt_config, shop),
		offsetof(cb_mkt_config, market),
	};
	cb_mkt_config *c;
	size_t i;

	if ((c = cb__calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->api = cfg->api;
	c->timeout_ms = cfg->timeout_ms;
	c->connect_timeout_ms = cfg->connect_timeout_ms;
	c->max_response = cfg->max_response;
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		const char *src = *(char *const *)(const void *)((const char *)cfg + strs[i]);
		char **dst = (char **)(void *)((char *)c + strs[i]);
		if (src != NULL && (*dst = cb__strdup(src)) == NULL) {
			cb_mkt_config_free(c);
			return NULL;
		}
	}
	return c;
}

/* The [shop NAME] headers of @text (already parsed without fault), in
 * order, at most @max. */
static void
list_sections(const char *text, size_t len, char (*names)[65], size_t max, size_t *n)
{
	const char *p = text, *end = text + len;

	while (p < end && *n < max) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *ls = p, *le = nl ? nl : end, *name;

		p = nl ? nl + 1 : end;
		while (ls < le && is_space(*ls))
			ls++;
		while (le > ls && is_space(le[-1]))
			le--;
		if ((size_t)(le - ls) < 8 || memcmp(ls, "[shop ", 6) != 0)
			continue;
		for (name = ls + 6; name < le - 1 && is_space(*name); name++)
			;
		if ((size_t)(le - 1 - name) <= 64) {
			memcpy(names[*n], name, (size_t)(le - 1 - name));
			names[*n][le - 1 - name] = '\0';
			(*n)++;
		}
	}
}

int
cb_mkt_config_shop_names(char (*names)[65], size_t max, size_t *n, const char *path)
{
	cb_mkt_config *cfg = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (names == NULL || n == NULL || path == NULL)
		return cb__fail(CB_EINVAL, "cb_mkt_config_shop_names: NULL argument");
	*n = 0;
	if ((rc = read_secret_file(&text, &len, path)) != CB_OK)
		return rc;
	/* the whole file checked first: a file with a fault lists nothing */
	if ((rc = cb_mkt_config_parse(&cfg, text, len, path, NULL, NULL)) == CB_OK)
		list_sections(text, len, names, max, n);
	cb_mkt_config_free(cfg);
	cb_mkt__wipe(text, len);
	free(text);
	return rc;
}
