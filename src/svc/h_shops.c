/* SPDX-License-Identifier: Apache-2.0 */
/*
 * h_shops.c - /v1/shops: the marketplace shops whose credentials the
 * database keeps (issue 12).  Every route needs an API key, reads
 * included (R_KEY); answers never carry a secret (cb_shop_json), and a
 * body's secrets are wiped once stored.  A body's members are the keys
 * of the shop configuration file (docs/marketplace.md), so a shop is
 * checked here exactly as the worker would read it.
 */
#include "svc_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "cb_limits.h"
#include "json_shim.h"
#include "shops.h"

#define ROTATE_KEYS "access_token, refresh_token, access_token_expires_at, refresh_token_expires_at, app_secret"

static int
list_one(void *arg, const cb_store_shop *s)
{
	cb_shop_json(arg, s);
	return 0;
}

void
h_shops_list(struct svc_req *r)
{
	cb_jw w;
	int rc;

	svc_req_header(r, "Cache-Control", "no-store");
	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_key(&w, "items");
	cb_jw_arr_begin(&w);
	rc = cb_store_shop_each(r->svc->store, list_one, &w);
	cb_jw_arr_end(&w);
	cb_jw_obj_end(&w);
	if (rc != CB_OK)
		svc_store_problem(r, rc, "the shops could not be read");
	else
		svc_json(r, 200);
}

/* Is @key one of the ", "-separated names of @list? */
static int
member_of(const char *list, const char *key)
{
	size_t n = strlen(key);
	const char *p;

	for (p = list; (p = strstr(p, key)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ','))
			return 1;
	return 0;
}

/* The body's members as configuration lines into @text (the member
 * "name" into @name when @name is not NULL); 0, or -1 after answering. */
static int
body_lines(struct svc_req *r, cb_buf *text, char *name, size_t namelen, const char *only)
{
	cb_json_doc *d = NULL;
	cb_json_error jerr;
	const cb_json_node *c;
	int rc = -1;

	memset(&jerr, 0, sizeof(jerr));
	if (cb_json_parse(&d, r->body.p, r->body.len, CB_MAX_JSON_DEPTH, &jerr) != CB_OK ||
	    cb_json_root(d)->type != CB_JSON_OBJECT) {
		svc_problem(r, P_INVALID_REQUEST, "expected a JSON object whose members are the shop's settings");
		goto out;
	}
	for (c = cb_json_child(d, cb_json_root(d)); c != NULL; c = cb_json_next(d, c)) {
		if (name != NULL && strcmp(c->key, "name") == 0 && c->type == CB_JSON_STRING && c->str_len < namelen) {
			memcpy(name, c->str, c->str_len);
			name[c->str_len] = '\0';
		} else if (only != NULL && !member_of(only, c->key)) {
			svc_problem(r, P_INVALID_REQUEST, "unknown member \"%.64s\" (members: %s)", c->key, only);
			goto out;
		} else if (c->type == CB_JSON_STRING && memchr(c->str, '\n', c->str_len) == NULL &&
		    memchr(c->str, '\0', c->str_len) == NULL)
			cb_buf_printf(text, "%s = %.*s\n", c->key, (int)c->str_len, c->str);
		else if (c->type == CB_JSON_NUMBER && c->is_int)
			cb_buf_printf(text, "%s = %lld\n", c->key, (long long)c->i);
		else {
			svc_problem(r, P_INVALID_REQUEST, "member \"%.64s\": expected a string on one line or a whole "
			    "number", c->key);
			goto out;
		}
	}
	if (text->failed)
		svc_problem(r, P_PAYLOAD_TOO_LARGE, "the shop's settings are too large");
	else
		rc = 0;
out:
	cb_json_free(d);
	return rc;
}

static void
wipe_buf(cb_buf *b)
{
	if (b->p != NULL)
		memset(b->p, 0, b->len);
	cb_buf_reset(b);
}

/* Answer with shop @name as stored now (never a secret). */
static void
answer_shop(struct svc_req *r, const char *name, unsigned status)
{
	cb_jw w;

	svc_json_begin(r, &w);
	if (cb_store_shop_get(r->svc->store, name, list_one, &w) != CB_OK)
		svc_problem(r, P_INTERNAL, "%s", cb_errmsg());
	else
		svc_json(r, status);
}

void
h_shops_post(struct svc_req *r)
{
	cb_buf text = CB_BUF_INIT(CB_SHOP_SETTINGS_MAX + 4 * CB_SHOP_SECRET_MAX);
	char name[CB_SHOP_NAME_MAX + 2] = "";
	cb_shop_input *in = NULL;
	int rc;

	if (body_lines(r, &text, name, sizeof(name), NULL) != 0)
		goto out;
	if (name[0] == '\0') {
		svc_problem(r, P_INVALID_REQUEST, "member \"name\": the shop's name (1 to 64 of A-Z a-z 0-9 . _ -)");
		goto out;
	}
	if (cb_shop_input_parse(&in, name, text.p ? text.p : "", text.len, "body", 0) != CB_OK) {
		svc_problem(r, P_INVALID_REQUEST, "%s", cb_errmsg());
		goto out;
	}
	if ((rc = cb_store_shop_add(r->svc->store, cb_shop_input_row(in))) == CB_ECONFLICT || rc == CB_EINVAL)
		svc_problem(r, P_INVALID_REQUEST, "%s", cb_errmsg());
	else if (rc != CB_OK)
		svc_store_problem(r, rc, "nothing was stored");
	else
		answer_shop(r, name, 201);
out:
	cb_shop_input_free(in);
	wipe_buf(&text);
}

static const char *
shop_arg(struct svc_req *r, char *buf, size_t n)
{
	if (svc_req_capture(r, "name", buf, n) == NULL) {
		svc_problem(r, P_NOT_FOUND, "no such shop: names have 1 to %d bytes", CB_SHOP_NAME_MAX);
		return NULL;
	}
	return buf;
}

void
h_shop_delete(struct svc_req *r)
{
	char name[CB_SHOP_NAME_MAX + 1];
	cb_jw w;
	int rc;

	if (shop_arg(r, name, sizeof(name)) == NULL)
		return;
	if ((rc = cb_store_shop_remove(r->svc->store, name)) == CB_ENOTFOUND || rc == CB_EINVAL)
		svc_problem(r, P_NOT_FOUND, "%s", cb_errmsg());
	else if (rc != CB_OK)
		svc_store_problem(r, rc, "nothing was removed");
	else {
		svc_json_begin(r, &w);
		cb_jw_obj_begin(&w);
		cb_jw_kstr(&w, "name", name);
		cb_jw_kbool(&w, "removed", 1);
		cb_jw_obj_end(&w);
		svc_json(r, 200);
	}
}

void
h_shop_rotate(struct svc_req *r)
{
	cb_buf text = CB_BUF_INIT(4 * CB_SHOP_SECRET_MAX + 256);
	char name[CB_SHOP_NAME_MAX + 1];
	cb_shop_input *in = NULL;
	int rc;

	if (shop_arg(r, name, sizeof(name)) == NULL || body_lines(r, &text, NULL, 0, ROTATE_KEYS) != 0)
		goto out;
	if (cb_shop_input_parse(&in, name, text.p ? text.p : "", text.len, "body", 1) != CB_OK) {
		svc_problem(r, P_INVALID_REQUEST, "%s (members: " ROTATE_KEYS ")", cb_errmsg());
		goto out;
	}
	if ((rc = cb_store_shop_tokens(r->svc->store, name, -1, cb_shop_input_row(in))) == CB_ENOTFOUND)
		svc_problem(r, P_NOT_FOUND, "%s", cb_errmsg());
	else if (rc == CB_EINVAL)
		svc_problem(r, P_INVALID_REQUEST, "%s", cb_errmsg());
	else if (rc != CB_OK)
		svc_store_problem(r, rc, "nothing was stored");
	else
		answer_shop(r, name, 200);
out:
	cb_shop_input_free(in);
	wipe_buf(&text);
}

/* ---- /metrics and /readyz ------------------------------------------------------ */

static int
metric_one(void *arg, const cb_store_shop *s)
{
	cb_buf_printf(arg, "codebook_shop_needs_attention{shop=\"%s\"} %d\n", s->name, s->attention != NULL);
	return 0;
}

void
svc_shops_metrics(struct svc *s, cb_buf *b)
{
	cb_buf_adds(b, "# HELP codebook_shop_needs_attention 1 while a shop of the database needs a person (its "
	    "token refresh failed: rotate its tokens), else 0.\n# TYPE codebook_shop_needs_attention gauge\n");
	(void)cb_store_shop_each(s->store, metric_one, b);
}

static int
ready_one(void *arg, const cb_store_shop *s)
{
	cb_jw *w = arg;

	if (s->attention == NULL)
		return 0;
	cb_jw_obj_begin(w);
	cb_jw_kstr(w, "shop", s->name);
	cb_jw_kstr(w, "state", "needs-attention");
	cb_jw_kstr(w, "detail", s->attention);
	cb_jw_kstr(w, "since", s->attention_at);
	cb_jw_obj_end(w);
	return 0;
}

void
svc_shops_ready(struct svc_req *r, cb_jw *w)
{
	/* a shop's failed refresh stops its own refunds, not the service:
	 * listed for the operator, without turning readiness to 503 */
	cb_jw_key(w, "shops_needing_attention");
	cb_jw_arr_begin(w);
	(void)cb_store_shop_each(r->svc->store, ready_one, w);
	cb_jw_arr_end(w);
}

static int
note_one(void *arg, const cb_store_shop *s)
{
	struct svc_readiness *rd = arg;

	if (s->attention != NULL)
		svc_ready_note(rd->attention, &rd->nattention, "shops", "shop %s needs attention since %s: %s; its "
		    "refunds wait until its tokens are rotated (codebook shops rotate %s)", s->name,
		    s->attention_at ? s->attention_at : "?", s->attention, s->name);
	return 0;
}

void
svc_shops_attention(struct svc_req *r, struct svc_readiness *rd)
{
	(void)cb_store_shop_each(r->svc->store, note_one, rd);
}
