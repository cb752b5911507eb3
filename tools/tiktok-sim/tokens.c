/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tokens.c - the simulator's access tokens (MARKETPLACE.md, "Tokens and
 * shops").  The configured access token is the first one issued; with a
 * lifetime set (POST /__admin/tokens {"lifetime_s": N}) each token expires
 * N seconds after it was issued and a call with it is answered 105002.
 * GET /api/v2/token/refresh (app_key, app_secret, refresh_token,
 * grant_type=refresh_token) issues a new access token and a new refresh
 * token; the refresh token used is spent.  An unknown token is
 * 36009004, as the marketplace answers a bad token.  Lifetime 0 (the
 * default): tokens never expire, as before.
 */
#include "sim.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cb_limits.h"
#include "json_shim.h"

#define MAX_ISSUED      64          /* access tokens remembered (the oldest forgotten) */
#define TOKEN_MAX       128
#define REFRESH_LIFE_S  (30 * 86400)
#define NO_LIFETIME_S   (7 * 86400)  /* what a refresh answers when tokens do not expire */

struct sim_tokens {
	struct { char access[TOKEN_MAX]; int64_t expires; } issued[MAX_ISSUED];  /* expires 0: never */
	size_t   n;
	char     refresh[TOKEN_MAX];
	int64_t  refresh_expires;        /* 0: never */
	unsigned lifetime_s;
	unsigned refresh_fails;          /* the next refreshes refused */
	unsigned long refreshes;         /* answered with new tokens */
	unsigned long expired_calls;     /* calls answered 105002 */
	uint64_t seq;
};

static struct sim_tokens *
tokens(struct sim *s)
{
	struct sim_tokens *t = s->tok;

	if (t != NULL || (t = cb__calloc(1, sizeof(*t))) == NULL)
		return t;
	(void)snprintf(t->issued[0].access, TOKEN_MAX, "%s", s->cfg->access_token);
	t->n = 1;
	(void)snprintf(t->refresh, TOKEN_MAX, "%s", s->cfg->refresh_token ? s->cfg->refresh_token : "RTK_sim_0");
	s->tok = t;
	return t;
}

void
sim_tokens_free(struct sim *s)
{
	free(s->tok);
	s->tok = NULL;
}

int
sim_token_check(struct sim *s, const char *tok, int64_t now)
{
	struct sim_tokens *t = tokens(s);
	size_t i;

	if (t == NULL || tok == NULL)
		return -1;
	for (i = 0; i < t->n; i++)
		if (strcmp(t->issued[i].access, tok) == 0) {
			if (t->issued[i].expires != 0 && t->issued[i].expires <= now) {
				t->expired_calls++;
				return 1;
			}
			return 0;
		}
	return -1;
}

/* Issue a new access token (the oldest forgotten when full). */
static void
issue(struct sim_tokens *t, int64_t now)
{
	size_t i;

	if (t->n == MAX_ISSUED) {
		memmove(&t->issued[0], &t->issued[1], sizeof(t->issued[0]) * (MAX_ISSUED - 1));
		t->n--;
	}
	i = t->n++;
	t->seq++;
	(void)snprintf(t->issued[i].access, TOKEN_MAX, "TTP_sim_%" PRIu64 "_%" PRId64, t->seq, now);
	t->issued[i].expires = t->lifetime_s ? now + (int64_t)t->lifetime_s : 0;
	(void)snprintf(t->refresh, TOKEN_MAX, "RTK_sim_%" PRIu64 "_%" PRId64, t->seq, now);
	t->refresh_expires = now + REFRESH_LIFE_S;
}

int64_t
sim_token_refresh(struct sim *s, const struct sim_refresh *r, int64_t now, cb_jw *data, char *msg, size_t msglen)
{
	struct sim_tokens *t = tokens(s);
	size_t last;

	if (t == NULL) {
		(void)snprintf(msg, msglen, "internal error: out of memory");
		return 36009003;
	}
	if (r->app_key == NULL || strcmp(r->app_key, s->cfg->app_key) != 0 || r->app_secret == NULL ||
	    strcmp(r->app_secret, s->cfg->app_secret) != 0) {
		(void)snprintf(msg, msglen, "invalid app_key or app_secret");
		return 36009004;
	}
	if (r->grant_type == NULL || strcmp(r->grant_type, "refresh_token") != 0) {
		(void)snprintf(msg, msglen, "invalid grant_type: expected refresh_token");
		return 36009004;
	}
	if (t->refresh_fails > 0) {
		t->refresh_fails--;
		(void)snprintf(msg, msglen, "refresh_token is invalid or has been revoked");
		return 36009004;
	}
	if (r->refresh_token == NULL || strcmp(r->refresh_token, t->refresh) != 0 ||
	    (t->refresh_expires != 0 && t->refresh_expires <= now)) {
		(void)snprintf(msg, msglen, "refresh_token is invalid, used or expired");
		return 36009004;
	}
	issue(t, now);
	t->refreshes++;
	last = t->n - 1;
	cb_jw_kstr(data, "access_token", t->issued[last].access);
	cb_jw_kint(data, "access_token_expire_in", t->issued[last].expires ? t->issued[last].expires : now + NO_LIFETIME_S);
	cb_jw_kstr(data, "refresh_token", t->refresh);
	cb_jw_kint(data, "refresh_token_expire_in", t->refresh_expires);
	cb_jw_kstr(data, "open_id", "sim-open-id");
	cb_jw_kstr(data, "seller_name", "codebook simulator");
	cb_jw_kstr(data, "seller_base_region", s->cfg->market ? s->cfg->market : "GB");
	cb_jw_kint(data, "user_type", 0);
	return 0;
}

/* {"lifetime_s": N, "expire_now": true, "refresh_fails": N}, each optional. */
static int
admin_apply(struct sim_tokens *t, const char *body, size_t len, int64_t now, char *why, size_t whylen)
{
	cb_json_doc *d = NULL;
	cb_json_error jerr;
	const cb_json_node *n;
	size_t i;
	int rc = -1;

	if (cb_json_parse(&d, body, len, CB_MAX_JSON_DEPTH, &jerr) != 0 || cb_json_root(d)->type != CB_JSON_OBJECT) {
		(void)snprintf(why, whylen, "expected {\"lifetime_s\": N, \"expire_now\": true, \"refresh_fails\": N}");
		goto out;
	}
	if ((n = cb_json_get(d, cb_json_root(d), "lifetime_s")) != NULL) {
		if (n->type != CB_JSON_NUMBER || !n->is_int || n->i < 0 || n->i > 86400 * 30) {
			(void)snprintf(why, whylen, "lifetime_s: 0 (never expire) .. 2592000");
			goto out;
		}
		t->lifetime_s = (unsigned)n->i;
		for (i = 0; i < t->n; i++)	/* tokens issued so far live that long from now */
			t->issued[i].expires = t->lifetime_s ? now + (int64_t)t->lifetime_s : 0;
	}
	if ((n = cb_json_get(d, cb_json_root(d), "refresh_fails")) != NULL) {
		if (n->type != CB_JSON_NUMBER || !n->is_int || n->i < 0 || n->i > 1000) {
			(void)snprintf(why, whylen, "refresh_fails: 0..1000");
			goto out;
		}
		t->refresh_fails = (unsigned)n->i;
	}
	if ((n = cb_json_get(d, cb_json_root(d), "expire_now")) != NULL && n->type == CB_JSON_BOOL && n->b)
		for (i = 0; i < t->n; i++)
			t->issued[i].expires = now;
	rc = 0;
out:
	cb_json_free(d);
	return rc;
}

int
sim_tokens_admin(struct sim *s, int post, const char *body, size_t len, int64_t now, cb_jw *w, char *why,
    size_t whylen)
{
	struct sim_tokens *t = tokens(s);
	size_t i;

	if (t == NULL) {
		(void)snprintf(why, whylen, "out of memory");
		return -1;
	}
	if (post && admin_apply(t, body, len, now, why, whylen) != 0)
		return -1;
	cb_jw_obj_begin(w);
	cb_jw_kint(w, "lifetime_s", t->lifetime_s);
	cb_jw_kint(w, "refresh_fails", t->refresh_fails);
	cb_jw_kint(w, "refreshes", (long long)t->refreshes);
	cb_jw_kint(w, "expired_calls", (long long)t->expired_calls);
	cb_jw_key(w, "access_tokens");
	cb_jw_arr_begin(w);
	for (i = 0; i < t->n; i++) {
		cb_jw_obj_begin(w);
		cb_jw_kstr(w, "access_token", t->issued[i].access);
		cb_jw_kint(w, "expires_at", t->issued[i].expires);
		cb_jw_obj_end(w);
	}
	cb_jw_arr_end(w);
	cb_jw_kstr(w, "refresh_token", t->refresh);
	cb_jw_obj_end(w);
	return 0;
}
