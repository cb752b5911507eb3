/* SPDX-License-Identifier: Apache-2.0 */
/*
 * token.c - keeping a shop's access token alive (market.h, "Tokens").
 * The client refreshes the access token before it expires (its expiry
 * less refresh_margin_s) and once when the marketplace says 105002
 * (expired), then sends the call once more.  The refresh is the auth
 * host's GET /api/v2/token/refresh; it is not signed and carries the app
 * secret and the refresh token in its query, so its URL is only ever
 * logged through cb_mkt_redact(), which masks both.
 *
 * The answer holds a new access token and a new refresh token: the
 * caller's hook stores both at once (the shop's row).  Before refreshing,
 * the hook is asked for the tokens stored now: another worker may have
 * refreshed meanwhile, and a refresh token is used once.
 */
#include "market_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REFRESH_PATH     "/api/v2/token/refresh"
#define DEFAULT_AUTH_URL "https://auth.tiktok-shops.com"

/* The data of a refresh answer into @t; 0, or -1 with the field in @why. */
static int
parse_tokens(cb_mkt_tokens *t, const cb_mkt_envelope *env, char *why, size_t whylen)
{
	static const char *const strs[] = { "access_token", "refresh_token" };
	static const char *const nums[] = { "access_token_expire_in", "refresh_token_expire_in" };
	char *sdst[2] = { t->access_token, t->refresh_token };
	int64_t *ndst[2] = { &t->access_expires_at, &t->refresh_expires_at };
	const cb_json_node *n;
	size_t i;

	if (env->data == NULL) {
		snprintf(why, whylen, "data: missing");
		return -1;
	}
	for (i = 0; i < 2; i++) {
		n = cb_json_get(env->doc, env->data, strs[i]);
		if (n == NULL || n->type != CB_JSON_STRING || n->str_len == 0 || n->str_len >= sizeof(t->access_token) ||
		    memchr(n->str, '\0', n->str_len) != NULL) {
			snprintf(why, whylen, "data.%s: expected a string of 1 to %zu bytes", strs[i],
			    sizeof(t->access_token) - 1);
			return -1;
		}
		memcpy(sdst[i], n->str, n->str_len);
		sdst[i][n->str_len] = '\0';
		n = cb_json_get(env->doc, env->data, nums[i]);
		if (n == NULL || n->type != CB_JSON_NUMBER || !n->is_int || n->i <= 0) {
			snprintf(why, whylen, "data.%s: expected Unix seconds", nums[i]);
			return -1;
		}
		*ndst[i] = n->i;
	}
	return 0;
}

/* Adopt @t as the client's tokens; CB_OK or CB_ENOMEM. */
static int
adopt(cb_mkt *m, const cb_mkt_tokens *t)
{
	cb_mkt_config *cfg = cb_mkt__cfg(m);
	char *a = cb__strdup(t->access_token), *r = cb__strdup(t->refresh_token);

	if (a == NULL || r == NULL) {
		free(a);
		free(r);
		return CB_ENOMEM;
	}
	cb_mkt__wipe(cfg->access_token, strlen(cfg->access_token));
	free(cfg->access_token);
	if (cfg->refresh_token != NULL) {
		cb_mkt__wipe(cfg->refresh_token, strlen(cfg->refresh_token));
		free(cfg->refresh_token);
	}
	cfg->access_token = a;
	cfg->refresh_token = r;
	cfg->access_expires_at = t->access_expires_at;
	cfg->refresh_expires_at = t->refresh_expires_at;
	return CB_OK;
}

/* Another process refreshed meanwhile: take its tokens.  1 when taken. */
static int
adopt_latest(cb_mkt *m)
{
	const cb_mkt_token_hooks *h = cb_mkt__hooks(m);
	const cb_mkt_config *cfg = cb_mkt__cfg(m);
	cb_mkt_tokens t;
	int r = 0;

	memset(&t, 0, sizeof(t));
	if (h->latest != NULL && h->latest(h->arg, &t) == 1 && strcmp(t.access_token, cfg->access_token) != 0 &&
	    t.access_expires_at > cb_mkt__now(m) + (int64_t)cfg->refresh_margin_s)
		r = adopt(m, &t) == CB_OK;
	cb_mkt__wipe(&t, sizeof(t));
	return r;
}

/* A failed refresh: the error the call fails with, and the hook told. */
static int
refresh_failed(cb_mkt *m, cb_mkt_error *err, cb_mkt_kind kind, const char *what, const char *detail)
{
	const cb_mkt_token_hooks *h = cb_mkt__hooks(m);

	err->kind = kind == CB_MKT_E_NONE ? CB_MKT_E_MARKET : kind;
	err->outcome = CB_MKT_NOT_SENT;	/* the call itself was not sent (again) */
	cb_mkt__copy(err->error_code, sizeof(err->error_code), CB_MKT_REFRESH_FAILED);
	(void)snprintf(err->message, sizeof(err->message), "%s%.400s", what, detail);
	if (h->failed != NULL)
		h->failed(h->arg, err);
	return cb__fail(CB_ERROR, "shop %s: %s", cb_mkt__cfg(m)->shop ? cb_mkt__cfg(m)->shop : "-", err->message);
}

/* The refresh call; CB_OK with the answer's tokens in @t. */
static int
call_refresh(cb_mkt *m, cb_mkt_tokens *t, cb_mkt_error *err)
{
	const cb_mkt_config *cfg = cb_mkt__cfg(m);
	cb_mkt_param p[4] = {
		{ "app_key", cfg->app_key }, { "app_secret", cfg->app_secret },
		{ "refresh_token", cfg->refresh_token }, { "grant_type", "refresh_token" },
	};
	cb_mkt_envelope env;
	char why[256], detail[560];
	int rc;

	memset(&env, 0, sizeof(env));
	rc = cb_mkt__auth_get(m, "refresh the access token", cfg->auth_url ? cfg->auth_url : DEFAULT_AUTH_URL,
	    REFRESH_PATH, p, 4, &env, err);
	if (rc != CB_OK) {
		(void)snprintf(detail, sizeof(detail), "%s%s%s", err->error_code, err->error_code[0] ? ": " : "",
		    err->message);
		return refresh_failed(m, err, err->kind, "access token refresh failed: ", detail);
	}
	rc = parse_tokens(t, &env, why, sizeof(why));
	cb_mkt__envelope_free(&env);
	if (rc != 0)
		return refresh_failed(m, err, CB_MKT_E_MALFORMED, "access token refresh failed: the answer has no "
		    "tokens: ", why);
	return CB_OK;
}

int
cb_mkt_refresh_token(cb_mkt *m, cb_mkt_error *err)
{
	const cb_mkt_token_hooks *h;
	cb_mkt_config *cfg;
	cb_mkt_error local;
	cb_mkt_tokens t;
	char when[32];
	int rc;

	if (err == NULL)
		err = &local;
	memset(err, 0, sizeof(*err));
	if (m == NULL)
		return cb__fail(CB_EINVAL, "cb_mkt_refresh_token: NULL argument");
	cfg = cb_mkt__cfg(m);
	h = cb_mkt__hooks(m);
	if (cfg->refresh_token == NULL || cfg->refresh_token[0] == '\0')
		return refresh_failed(m, err, CB_MKT_E_LOCAL, "the access token expired and the shop has no "
		    "refresh token: rotate its tokens", "");
	if (cfg->refresh_expires_at != 0 && cfg->refresh_expires_at <= cb_mkt__now(m)) {
		(void)snprintf(when, sizeof(when), "%" PRId64, cfg->refresh_expires_at);
		return refresh_failed(m, err, CB_MKT_E_LOCAL, "the refresh token expired: authorize the shop again "
		    "and rotate its tokens; it expired at (Unix seconds) ", when);
	}
	memset(&t, 0, sizeof(t));
	if ((rc = call_refresh(m, &t, err)) == CB_OK) {
		if ((rc = adopt(m, &t)) != CB_OK)
			rc = cb__fail(CB_ENOMEM, "out of memory");
		else if (h->saved != NULL && h->saved(h->arg, &t) != 0)
			cb_mkt__logf(m, "the refreshed tokens could not be stored: %s (kept in memory)", cb_errmsg());
		else
			cb_mkt__logf(m, "access token refreshed; it expires at %" PRId64, t.access_expires_at);
	}
	cb_mkt__wipe(&t, sizeof(t));
	return rc;
}

int
cb_mkt_token_due(const cb_mkt *m)
{
	const cb_mkt_config *cfg = cb_mkt__cfg(m);

	return cfg->refresh_token != NULL && cfg->access_expires_at != 0 &&
	    cfg->access_expires_at - (int64_t)cfg->refresh_margin_s <= cb_mkt__now(m);
}

int
cb_mkt_token_check(cb_mkt *m, cb_mkt_error *err)
{
	if (m == NULL || !cb_mkt_token_due(m))
		return CB_OK;
	if (adopt_latest(m) && !cb_mkt_token_due(m))
		return CB_OK;
	return cb_mkt_refresh_token(m, err);
}

int
cb_mkt__token_renew(cb_mkt *m, cb_mkt_error *err)
{
	/* the marketplace says the token expired: another worker may hold
	 * a new one already; else refresh (once: the caller retries once) */
	if (adopt_latest(m))
		return CB_OK;
	return cb_mkt_refresh_token(m, err);
}
