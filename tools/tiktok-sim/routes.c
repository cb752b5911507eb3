/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes.c - what the simulator answers.  Marketplace routes check the
 * request as TikTok Shop does (app_key, signature, timestamp window,
 * token, shop), then take the next queued fault for their path, if any,
 * and either carry the request out or not before failing in the way the
 * fault says.  Admin routes under /__admin/ seed orders, queue faults,
 * read counters and resolve pending cancellations; they take no
 * credentials, so the simulator only ever listens on 127.0.0.1.
 */
#include "sim.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "alloc.h"
#include "cb_limits.h"
#include "market_int.h"
#include "parse.h"

#define WINDOW_PAST_S   300	/* a timestamp may be 5 minutes old ... */
#define WINDOW_FUTURE_S 30	/* ... or 30 seconds ahead */
#define MAX_QUERY       32

struct ctx {
	struct sim            *s;
	struct MHD_Connection *conn;
	const char            *path;
	const char            *body;
	size_t                 body_len;
	int64_t                now;
	cb_mkt_param           q[MAX_QUERY];
	size_t                 nq;
	int                    too_many;
	/* the reply */
	int                    status;
	cb_buf                 out;
	const char            *raw;       /* a reply served as stored bytes */
	size_t                 raw_len;
	char                   rid[64];
};

typedef void (*handler_fn)(struct ctx *c);

static void h_reasons(struct ctx *c);
static void h_cancel_legacy(struct ctx *c);
static void h_cancel_current(struct ctx *c);
static void h_search(struct ctx *c);
static void h_orders(struct ctx *c);
static void h_shops(struct ctx *c);

/* The handler of each marketplace operation; paths, methods and how each is
 * authenticated come from the marketplace's table (cb_mkt_endpoint_get). */
static const handler_fn handlers[CB_MKT_EP_COUNT] = {
	[CB_MKT_EP_REASONS] = h_reasons,
	[CB_MKT_EP_CANCEL_LEGACY] = h_cancel_legacy,
	[CB_MKT_EP_CANCEL] = h_cancel_current,
	[CB_MKT_EP_SEARCH] = h_search,
	[CB_MKT_EP_ORDERS] = h_orders,
	[CB_MKT_EP_SHOPS] = h_shops,
};

/* ------------------------------------------------------------------ */
/* replies */

static int
send_bytes(struct MHD_Connection *conn, int status, const char *ctype, const char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ok;

	r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	(void)MHD_add_response_header(r, "Content-Type", ctype);
	ok = MHD_queue_response(conn, (unsigned)status, r);
	MHD_destroy_response(r);
	return ok;
}

/* The envelope of an error. */
static void
fail(struct ctx *c, int http, int64_t code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
fail(struct ctx *c, int http, int64_t code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	cb_jw w;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cb_buf_clear(&c->out);
	c->raw = NULL;
	c->status = http;
	cb_jw_init(&w, &c->out, 0);
	cb_jw_obj_begin(&w);
	cb_jw_kint(&w, "code", code);
	cb_jw_key(&w, "data");
	cb_jw_obj_begin(&w);
	cb_jw_obj_end(&w);
	cb_jw_kstr(&w, "message", msg);
	cb_jw_kstr(&w, "request_id", c->rid);
	cb_jw_obj_end(&w);
}

/* Start a success envelope; the caller writes data's members, then ok_end(). */
static void
ok_begin(struct ctx *c, cb_jw *w)
{
	cb_buf_clear(&c->out);
	c->status = 200;
	cb_jw_init(w, &c->out, 0);
	cb_jw_obj_begin(w);
	cb_jw_kint(w, "code", 0);
	cb_jw_key(w, "data");
	cb_jw_obj_begin(w);
}

static void
ok_end(struct ctx *c, cb_jw *w)
{
	cb_jw_obj_end(w);
	cb_jw_kstr(w, "message", "Success");
	cb_jw_kstr(w, "request_id", c->rid);
	cb_jw_obj_end(w);
}

/* ------------------------------------------------------------------ */
/* request pieces */

static enum MHD_Result
on_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct ctx *c = cls;

	(void)kind;
	if (c->nq == MAX_QUERY) {
		c->too_many = 1;
		return MHD_NO;
	}
	c->q[c->nq].key = key;
	c->q[c->nq].value = value ? value : "";
	c->nq++;
	return MHD_YES;
}

static const char *
qget(const struct ctx *c, const char *key)
{
	size_t i;

	for (i = 0; i < c->nq; i++)
		if (strcmp(c->q[i].key, key) == 0)
			return c->q[i].value;
	return NULL;
}

/* The request body as a JSON object; NULL after fail() when it is not one. */
static cb_json_doc *
body_object(struct ctx *c)
{
	cb_json_doc *d = NULL;
	cb_json_error jerr;

	if (c->body_len == 0) {
		fail(c, 400, 36009004, "request body: expected a JSON object");
		return NULL;
	}
	if (cb_json_parse(&d, c->body, c->body_len, CB_MAX_JSON_DEPTH, &jerr) != 0) {
		fail(c, 400, 36009004, "request body: invalid JSON: %s (byte %zu)", jerr.message, jerr.offset);
		return NULL;
	}
	if (cb_json_root(d)->type != CB_JSON_OBJECT) {
		fail(c, 400, 36009004, "request body: expected a JSON object");
		cb_json_free(d);
		return NULL;
	}
	return d;
}

/* A required non-empty string member of the body; NULL after fail(). */
static const char *
body_str(struct ctx *c, cb_json_doc *d, const char *key, size_t max)
{
	const cb_json_node *n = cb_json_get(d, cb_json_root(d), key);

	if (n == NULL || n->type != CB_JSON_STRING || n->str_len == 0 || n->str_len > max ||
	    memchr(n->str, '\0', n->str_len) != NULL) {
		fail(c, 400, 36009004, "invalid parameter: %s is required (a string of 1 to %zu bytes)", key, max);
		return NULL;
	}
	return n->str;
}

/* A check the marketplace makes before anything else; 0 when passed. */
static int
authenticate(struct ctx *c, const cb_mkt_endpoint *r)
{
	const cb_mkt_config *cfg = c->s->cfg;
	const char *app_key = qget(c, "app_key"), *sign = qget(c, "sign"), *ts = qget(c, "timestamp");
	const char *tok, *shop;
	char want[CB_MKT_SIGN_HEX + 1];
	int64_t t;

	if (c->too_many) {
		fail(c, 400, 36009004, "invalid parameter: more than %d query parameters", MAX_QUERY);
		return -1;
	}
	if (app_key == NULL || strcmp(app_key, cfg->app_key) != 0) {
		fail(c, 401, 36009004, "invalid app_key");
		return -1;
	}
	if (sign == NULL || sign[0] == '\0') {
		fail(c, 401, 36009004, "missing sign");
		return -1;
	}
	if (cb_parse_i64(ts, 0, INT64_MAX, &t) != CB_PARSE_OK) {
		fail(c, 401, 36009004, "invalid timestamp: missing or not a number of seconds");
		return -1;
	}
	if (cb_mkt_sign(want, cfg->app_secret, c->path, c->q, c->nq,
	    r->legacy || c->body == NULL ? NULL : c->body, r->legacy ? 0 : c->body_len) != 0 ||
	    strcmp(want, sign) != 0) {
		fail(c, 401, 106001, "Invalid sign");
		return -1;
	}
	if (t < c->now - WINDOW_PAST_S || t > c->now + WINDOW_FUTURE_S) {
		fail(c, 401, 36009004, "invalid timestamp: %" PRId64 " is %s the window (%d s old to %d s ahead of %" PRId64 ")",
		    t, t < c->now ? "before" : "after", WINDOW_PAST_S, WINDOW_FUTURE_S, c->now);
		return -1;
	}
	tok = r->legacy ? qget(c, "access_token")
	    : MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, "x-tts-access-token");
	if (tok == NULL || strcmp(tok, cfg->access_token) != 0) {
		fail(c, 401, 36009004, "invalid or expired access token");
		return -1;
	}
	if (r->legacy) {
		shop = qget(c, "shop_id");
		if (cfg->shop_id != NULL && (shop == NULL || strcmp(shop, cfg->shop_id) != 0)) {
			fail(c, 400, 36009004, "invalid shop_id");
			return -1;
		}
		return 0;
	}
	if (!r->shop_scoped)
		return 0;	/* the shops the token may act for: no one shop yet */
	shop = qget(c, "shop_cipher");
	if (shop == NULL || shop[0] == '\0') {
		fail(c, 400, 106013, "shop_cipher is required");
		return -1;
	}
	if (cfg->shop_cipher != NULL && strcmp(shop, cfg->shop_cipher) != 0) {
		fail(c, 400, 36009004, "invalid shop_cipher");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* marketplace handlers (s->mu held) */

static void
h_reasons(struct ctx *c)
{
	const char *at = qget(c, "reverse_action_type"), *rt = qget(c, "reason_type");

	if ((at != NULL && (strlen(at) != 1 || at[0] < '1' || at[0] > '4')) ||
	    (rt != NULL && (strlen(rt) != 1 || rt[0] < '1' || rt[0] > '3'))) {
		fail(c, 400, 36009004, "invalid parameter: reverse_action_type is 1..4, reason_type 1..3");
		return;
	}
	/* the list does not say which reasons suit which action: all are served */
	c->status = 200;
	c->raw = c->s->reasons;
	c->raw_len = c->s->reasons_len;
}

/* Can @o be cancelled by the seller?  0, or -1 after fail(). */
static int
cancellable(struct ctx *c, const struct sim_order *o)
{
	const struct sim_cancel *x;

	cb_mkt_class cls = sim_status(o->status)->cls;

	if (cls == CB_MKT_CLASS_CANCELLED) {
		fail(c, 200, 25001011, "The order has already been cancelled");
		return -1;
	}
	if (cls == CB_MKT_CLASS_SHIPPED || cls == CB_MKT_CLASS_DELIVERED) {
		fail(c, 200, 25001045, "The order has been shipped and cannot be cancelled");
		return -1;
	}
	if ((x = sim_cancel_of_order(c->s, o->id)) != NULL) {
		fail(c, 200, 36009004, "A cancellation of this order is already in progress (cancel_id %s)", x->cancel_id);
		return -1;
	}
	return 0;
}

/* Is @key a reverse reason available for @o's status?  Looks in the list
 * being served; 0, or -1 after fail(). */
static int
reason_available(struct ctx *c, const struct sim_order *o, const char *key, char *text, size_t textlen)
{
	const cb_mkt_config *cfg = c->s->cfg;
	const char *want = cb_mkt_reason_status(cfg, sim_status(o->status)->cls);
	cb_mkt_envelope env;
	cb_mkt_reasons *rs = NULL;
	char why[256];
	size_t i, j;
	int found = 0, ok = 0;

	if (cb_mkt__envelope_parse(&env, c->s->reasons, c->s->reasons_len, why, sizeof(why)) != 0) {
		fail(c, 500, 36009003, "internal error: reason list: %s", why);
		return -1;
	}
	if (cb_mkt__parse_reasons(&rs, &env, why, sizeof(why)) != 0) {
		cb_mkt__envelope_free(&env);
		fail(c, 500, 36009003, "internal error: reason list: %s", why);
		return -1;
	}
	for (i = 0; i < rs->n && !found; i++) {
		if (strcmp(rs->items[i].key, key) != 0)
			continue;
		found = 1;
		snprintf(text, textlen, "%s", rs->items[i].text);
		for (j = 0; want != NULL && j < rs->items[i].nstatuses; j++)
			if (strcmp(rs->items[i].statuses[j], want) == 0)
				ok = 1;
	}
	cb_mkt_reasons_free(rs);
	cb_mkt__envelope_free(&env);
	if (!found)
		fail(c, 200, 36009004, "invalid parameter: cancel_reason_key %s is not a reverse reason", key);
	else if (!ok)
		fail(c, 200, 36009004, "invalid parameter: cancel_reason_key %s is not available for order status %s",
		    key, o->status);
	return found && ok ? 0 : -1;
}

static void
h_cancel_legacy(struct ctx *c)
{
	cb_json_doc *d;
	const char *oid, *key;
	struct sim_order *o;
	struct sim_cancel *x;
	char text[256];
	cb_jw w;

	if ((d = body_object(c)) == NULL)
		return;
	if ((oid = body_str(c, d, "order_id", SIM_ID_MAX - 1)) == NULL ||
	    (key = body_str(c, d, "cancel_reason_key", 255)) == NULL)
		goto out;
	if ((o = sim_order_find(c->s, oid)) == NULL) {
		fail(c, 200, 36009004, "invalid parameter: order %s not found", oid);
		goto out;
	}
	if (cancellable(c, o) != 0 || reason_available(c, o, key, text, sizeof(text)) != 0)
		goto out;
	if ((x = sim_cancel_add(c->s, o->id, CB_MKT_CANCEL_SUCCESS, key, 1, c->now)) == NULL) {
		fail(c, 500, 36009003, "internal error: out of memory");
		goto out;
	}
	sim_order_cancelled(o, c->now);
	sim_hook_cancel(c->s, x, "SELLER", c->now);
	sim_hook_order(c->s, o, c->now);
	free(o->cancel_reason);
	o->cancel_reason = cb__strdup(text);
	if (o->cancel_reason == NULL)
		o->cancel_reason = cb__strdup("");
	o->cancels_applied++;
	ok_begin(c, &w);
	cb_jw_kstr(&w, "reverse_main_order_id", x->cancel_id);
	ok_end(c, &w);
out:
	cb_json_free(d);
}

/* Optional skus[{sku_id, quantity}] and order_line_item_ids[]: checked for
 * shape and otherwise ignored (the simulator cancels whole orders). */
static int
check_partial(struct ctx *c, cb_json_doc *d)
{
	const cb_json_node *n = cb_json_get(d, cb_json_root(d), "skus"), *it, *f;

	for (it = n && n->type == CB_JSON_ARRAY ? cb_json_child(d, n) : NULL; it; it = cb_json_next(d, it)) {
		if (it->type != CB_JSON_OBJECT || (f = cb_json_get(d, it, "sku_id")) == NULL ||
		    f->type != CB_JSON_STRING || (f = cb_json_get(d, it, "quantity")) == NULL ||
		    f->type != CB_JSON_NUMBER || !f->is_int || f->i < 1) {
			fail(c, 400, 36009004, "invalid parameter: skus[] needs sku_id and a quantity of at least 1");
			return -1;
		}
	}
	if (n != NULL && n->type != CB_JSON_ARRAY) {
		fail(c, 400, 36009004, "invalid parameter: skus must be an array");
		return -1;
	}
	n = cb_json_get(d, cb_json_root(d), "order_line_item_ids");
	for (it = n && n->type == CB_JSON_ARRAY ? cb_json_child(d, n) : NULL; it; it = cb_json_next(d, it))
		if (it->type != CB_JSON_STRING) {
			fail(c, 400, 36009004, "invalid parameter: order_line_item_ids must be strings");
			return -1;
		}
	if (n != NULL && n->type != CB_JSON_ARRAY) {
		fail(c, 400, 36009004, "invalid parameter: order_line_item_ids must be an array");
		return -1;
	}
	return 0;
}

static void
h_cancel_current(struct ctx *c)
{
	cb_json_doc *d;
	const char *oid, *reason;
	struct sim_order *o;
	struct sim_cancel *x;
	unsigned pending = c->s->pending_reads;
	cb_jw w;

	if ((d = body_object(c)) == NULL)
		return;
	if ((oid = body_str(c, d, "order_id", SIM_ID_MAX - 1)) == NULL ||
	    (reason = body_str(c, d, "cancel_reason", 255)) == NULL || check_partial(c, d) != 0)
		goto out;
	if ((o = sim_order_find(c->s, oid)) == NULL) {
		fail(c, 200, 36009004, "invalid parameter: order %s not found", oid);
		goto out;
	}
	if (cancellable(c, o) != 0)
		goto out;
	x = sim_cancel_add(c->s, o->id, pending ? CB_MKT_CANCEL_PENDING : CB_MKT_CANCEL_SUCCESS, reason, 0, c->now);
	if (x == NULL) {
		fail(c, 500, 36009003, "internal error: out of memory");
		goto out;
	}
	x->reads_left = pending ? pending - 1 : 0;
	if (!pending)
		sim_order_cancelled(o, c->now);
	sim_hook_cancel(c->s, x, "SELLER", c->now);
	if (!pending)
		sim_hook_order(c->s, o, c->now);
	free(o->cancel_reason);
	if ((o->cancel_reason = cb__strdup(reason)) == NULL)
		o->cancel_reason = cb__strdup("");
	o->cancels_applied++;
	ok_begin(c, &w);
	cb_jw_kstr(&w, "cancel_id", x->cancel_id);
	cb_jw_kstr(&w, "cancel_status", cb_mkt_cancel_status(x->state));
	ok_end(c, &w);
out:
	cb_json_free(d);
}

/* Does string array member @key of the body contain @v?  1 also when the
 * member is absent (no filter). */
static int
filter_has(cb_json_doc *d, const char *key, const char *v)
{
	const cb_json_node *n = cb_json_get(d, cb_json_root(d), key), *it;

	if (n == NULL || n->type != CB_JSON_ARRAY || n->nchildren == 0)
		return 1;
	for (it = cb_json_child(d, n); it != NULL; it = cb_json_next(d, it))
		if (it->type == CB_JSON_STRING && strcmp(it->str, v) == 0)
			return 1;
	return 0;
}

static void
h_search(struct ctx *c)
{
	const char *ps = qget(c, "page_size"), *pt = qget(c, "page_token");
	cb_json_doc *d = NULL;
	cb_json_error jerr;
	uint64_t size, from = 0, total = 0, shown = 0;
	size_t i;
	cb_jw w;

	if (cb_parse_u64(ps, 1, 100, &size) != CB_PARSE_OK) {
		fail(c, 400, 36009004, "invalid parameter: page_size is required (1..100)");
		return;
	}
	if (pt != NULL && pt[0] != '\0') {
		if (cb_parse_u64(pt, 0, UINT64_MAX, &from) != CB_PARSE_OK) {
			fail(c, 400, 36009004, "invalid parameter: page_token");
			return;
		}
	}
	if (c->body_len > 0) {
		if (cb_json_parse(&d, c->body, c->body_len, CB_MAX_JSON_DEPTH, &jerr) != 0 ||
		    cb_json_root(d)->type != CB_JSON_OBJECT) {
			fail(c, 400, 36009004, "request body: expected a JSON object");
			goto out;
		}
	}
	ok_begin(c, &w);
	cb_jw_key(&w, "cancellations");
	cb_jw_arr_begin(&w);
	for (i = 0; i < c->s->ncancels; i++) {
		struct sim_cancel *x = &c->s->cancels[i];
		if (d != NULL && (!filter_has(d, "order_ids", x->order_id) || !filter_has(d, "cancel_ids", x->cancel_id)))
			continue;
		sim_cancel_read(c->s, x, c->now);
		if (d != NULL && !filter_has(d, "cancel_status", cb_mkt_cancel_status(x->state)))
			continue;
		if (total++ < from || shown >= size)
			continue;
		sim_cancel_json(&w, x);
		shown++;
	}
	cb_jw_arr_end(&w);
	if (from + shown < total) {
		char next[32];
		snprintf(next, sizeof(next), "%" PRIu64, from + shown);
		cb_jw_kstr(&w, "next_page_token", next);
	} else {
		cb_jw_kstr(&w, "next_page_token", "");
	}
	cb_jw_kint(&w, "total_count", (long long)total);
	ok_end(c, &w);
out:
	cb_json_free(d);
}

/* The one shop the simulator is: its id and cipher from the configuration,
 * its region the configuration's market (seed 003's GB when not set). */
static void
h_shops(struct ctx *c)
{
	const cb_mkt_config *cfg = c->s->cfg;
	cb_jw w;

	ok_begin(c, &w);
	cb_jw_key(&w, "shops");
	cb_jw_arr_begin(&w);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "id", cfg->shop_id != NULL ? cfg->shop_id : "7494049642642441621");
	cb_jw_kstr(&w, "name", "codebook-tiktok-sim");
	cb_jw_kstr(&w, "region", cfg->market != NULL ? cfg->market : "GB");
	cb_jw_kstr(&w, "seller_type", "LOCAL");
	cb_jw_kstr(&w, "cipher", cfg->shop_cipher != NULL ? cfg->shop_cipher : "");
	cb_jw_kstr(&w, "code", "SIM");
	cb_jw_obj_end(&w);
	cb_jw_arr_end(&w);
	ok_end(c, &w);
}

static void
h_orders(struct ctx *c)
{
	const char *ids = qget(c, "ids"), *p, *comma;
	char id[SIM_ID_MAX];
	size_t n = 0, len;
	struct sim_order *o;
	struct sim_cancel *x;
	cb_jw w;

	if (ids == NULL || ids[0] == '\0') {
		fail(c, 400, 36009004, "invalid parameter: ids is required");
		return;
	}
	for (p = ids; p != NULL; p = comma ? comma + 1 : NULL) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 0 || len >= sizeof(id) || ++n > 50) {
			fail(c, 400, 36009004, "invalid parameter: ids is 1 to 50 order ids separated by ','");
			return;
		}
	}
	ok_begin(c, &w);
	cb_jw_key(&w, "orders");
	cb_jw_arr_begin(&w);
	for (p = ids; p != NULL; p = comma ? comma + 1 : NULL) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		memcpy(id, p, len);
		id[len] = '\0';
		if ((o = sim_order_find(c->s, id)) == NULL)
			continue;
		if ((x = sim_cancel_of_order(c->s, id)) != NULL)
			sim_cancel_read(c->s, x, c->now);
		sim_order_json(&w, o, 0);
	}
	cb_jw_arr_end(&w);
	ok_end(c, &w);
}

/* ------------------------------------------------------------------ */
/* admin */

static void
admin_ok(struct ctx *c, const char *key, long long n)
{
	cb_jw w;

	cb_buf_clear(&c->out);
	c->status = 200;
	cb_jw_init(&w, &c->out, 0);
	cb_jw_obj_begin(&w);
	cb_jw_kbool(&w, "ok", 1);
	if (key != NULL)
		cb_jw_kint(&w, key, n);
	cb_jw_obj_end(&w);
}

static void
admin_fail(struct ctx *c, int status, const char *why)
{
	cb_jw w;

	cb_buf_clear(&c->out);
	c->status = status;
	cb_jw_init(&w, &c->out, 0);
	cb_jw_obj_begin(&w);
	cb_jw_kbool(&w, "ok", 0);
	cb_jw_kstr(&w, "error", why);
	cb_jw_obj_end(&w);
}

static void
admin_calls(struct ctx *c)
{
	struct sim *s = c->s;
	size_t i;
	cb_jw w;

	cb_buf_clear(&c->out);
	c->status = 200;
	cb_jw_init(&w, &c->out, 0);
	cb_jw_obj_begin(&w);
	cb_jw_key(&w, "requests");
	cb_jw_obj_begin(&w);
	for (i = 0; i < CB_MKT_EP_COUNT; i++)
		cb_jw_kint(&w, cb_mkt_endpoint_get((cb_mkt_ep)i)->path, (long long)s->counts[i]);
	cb_jw_obj_end(&w);
	cb_jw_key(&w, "orders");
	cb_jw_obj_begin(&w);
	for (i = 0; i < s->norders; i++) {
		if (s->orders[i].cancel_calls == 0)
			continue;
		cb_jw_key(&w, s->orders[i].id);
		cb_jw_obj_begin(&w);
		cb_jw_kint(&w, "cancel_calls", s->orders[i].cancel_calls);
		cb_jw_kint(&w, "cancels_applied", s->orders[i].cancels_applied);
		cb_jw_kstr(&w, "status", s->orders[i].status);
		cb_jw_obj_end(&w);
	}
	cb_jw_obj_end(&w);
	cb_jw_obj_end(&w);
}

static void
admin_config(struct ctx *c, int post)
{
	cb_json_doc *d = NULL;
	cb_json_error jerr;
	const cb_json_node *n;
	cb_jw w;

	if (post) {
		if (cb_json_parse(&d, c->body, c->body_len, CB_MAX_JSON_DEPTH, &jerr) != 0 ||
		    cb_json_root(d)->type != CB_JSON_OBJECT) {
			admin_fail(c, 400, "expected {\"pending_reads\": N, \"clock_offset_s\": S}");
			goto out;
		}
		n = cb_json_get(d, cb_json_root(d), "pending_reads");
		if (n != NULL && (n->type != CB_JSON_NUMBER || !n->is_int || n->i < 0 || n->i > 1000)) {
			admin_fail(c, 400, "pending_reads: 0..1000");
			goto out;
		}
		if (n != NULL)
			c->s->pending_reads = (unsigned)n->i;
		n = cb_json_get(d, cb_json_root(d), "clock_offset_s");
		if (n != NULL && (n->type != CB_JSON_NUMBER || !n->is_int || n->i < -86400 * 365 || n->i > 86400 * 365)) {
			admin_fail(c, 400, "clock_offset_s: within a year");
			goto out;
		}
		if (n != NULL)
			c->s->clock_offset_s = n->i;
	}
	cb_buf_clear(&c->out);
	c->status = 200;
	cb_jw_init(&w, &c->out, 0);
	cb_jw_obj_begin(&w);
	cb_jw_kint(&w, "pending_reads", c->s->pending_reads);
	cb_jw_kint(&w, "clock_offset_s", c->s->clock_offset_s);
	cb_jw_obj_end(&w);
out:
	cb_json_free(d);
}

static void
admin_resolve(struct ctx *c)
{
	static const cb_mkt_cancel_state allowed[] = {
		CB_MKT_CANCEL_SUCCESS, CB_MKT_CANCEL_REFUSED, CB_MKT_CANCEL_COMPLETE,
	};
	cb_json_doc *d = NULL;
	cb_json_error jerr;
	const cb_json_node *id, *st, *why;
	struct sim_cancel *x;
	struct sim_order *o;
	cb_mkt_cancel_state to = CB_MKT_CANCEL_UNKNOWN;
	size_t i;

	if (cb_json_parse(&d, c->body, c->body_len, CB_MAX_JSON_DEPTH, &jerr) != 0 ||
	    cb_json_root(d)->type != CB_JSON_OBJECT ||
	    (id = cb_json_get(d, cb_json_root(d), "cancel_id")) == NULL || id->type != CB_JSON_STRING ||
	    (st = cb_json_get(d, cb_json_root(d), "cancel_status")) == NULL || st->type != CB_JSON_STRING) {
		admin_fail(c, 400, "expected {\"cancel_id\": ID, \"cancel_status\": CANCELLATION_REQUEST_...}");
		goto out;
	}
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (cb_mkt_cancel_state_parse(st->str) == allowed[i])
			to = allowed[i];
	if (to == CB_MKT_CANCEL_UNKNOWN) {
		admin_fail(c, 400, "cancel_status: CANCELLATION_REQUEST_SUCCESS, _CANCEL or _COMPLETE");
		goto out;
	}
	/* the marketplace may settle it with a reason of its own */
	why = cb_json_get(d, cb_json_root(d), "cancel_reason");
	if (why != NULL && (why->type != CB_JSON_STRING || why->str_len >= sizeof(x->reason))) {
		admin_fail(c, 400, "cancel_reason: a string of at most 255 bytes");
		goto out;
	}
	if ((x = sim_cancel_find(c->s, id->str)) == NULL) {
		admin_fail(c, 404, "no such cancel_id");
		goto out;
	}
	if (why != NULL)
		(void)snprintf(x->reason, sizeof(x->reason), "%s", why->str);
	x->state = to;
	x->update_time = c->now;
	x->reads_left = 0;
	sim_hook_cancel(c->s, x, "SELLER", c->now);
	if (to != CB_MKT_CANCEL_REFUSED && (o = sim_order_find(c->s, x->order_id)) != NULL) {
		sim_order_cancelled(o, c->now);
		sim_hook_order(c->s, o, c->now);
	}
	admin_ok(c, NULL, 0);
out:
	cb_json_free(d);
}

static void
admin(struct ctx *c, const char *method)
{
	const char *p = c->path + strlen("/__admin");
	int get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
	char why[512];
	size_t i;
	int n;
	cb_jw w;

	if (strcmp(p, "/health") == 0 && get) {
		admin_ok(c, NULL, 0);
	} else if (strcmp(p, "/orders") == 0 && post) {
		if ((n = sim_orders_load(c->s, c->body, c->body_len, why, sizeof(why))) < 0)
			admin_fail(c, 400, why);
		else
			admin_ok(c, "orders", n);
	} else if (strcmp(p, "/orders") == 0 && get) {
		cb_buf_clear(&c->out);
		c->status = 200;
		cb_jw_init(&w, &c->out, 0);
		cb_jw_obj_begin(&w);
		cb_jw_key(&w, "orders");
		cb_jw_arr_begin(&w);
		for (i = 0; i < c->s->norders; i++)
			sim_order_json(&w, &c->s->orders[i], 1);
		cb_jw_arr_end(&w);
		cb_jw_key(&w, "cancellations");
		cb_jw_arr_begin(&w);
		for (i = 0; i < c->s->ncancels; i++)
			sim_cancel_json(&w, &c->s->cancels[i]);
		cb_jw_arr_end(&w);
		cb_jw_obj_end(&w);
	} else if (strcmp(p, "/calls") == 0 && get) {
		admin_calls(c);
	} else if (strcmp(p, "/faults") == 0 && post) {
		if ((n = sim_faults_add(c->s, c->body, c->body_len, why, sizeof(why))) < 0)
			admin_fail(c, 400, why);
		else
			admin_ok(c, "queued", n);
	} else if (strcmp(p, "/faults") == 0 && get) {
		cb_buf_clear(&c->out);
		c->status = 200;
		cb_jw_init(&w, &c->out, 0);
		sim_faults_json(&w, c->s);
	} else if (strcmp(p, "/faults") == 0 && strcmp(method, "DELETE") == 0) {
		n = (int)c->s->nfaults;
		for (i = 0; i < c->s->nfaults; i++)
			free(c->s->faults[i].body);
		c->s->nfaults = 0;
		admin_ok(c, "cleared", n);
	} else if (strcmp(p, "/reasons") == 0 && post) {
		if ((n = sim_reasons_set(c->s, c->body, c->body_len, why, sizeof(why))) < 0)
			admin_fail(c, 400, why);
		else
			admin_ok(c, "reasons", n);
	} else if (strcmp(p, "/cancellations") == 0 && post) {
		admin_resolve(c);
	} else if (strcmp(p, "/config") == 0 && (get || post)) {
		admin_config(c, post);
	} else if (strcmp(p, "/limits") == 0 && (get || post)) {
		c->status = sim_limits_admin(c->s, post, c->body, c->body_len, &c->out);
	} else if (strcmp(p, "/reset") == 0 && post) {
		sim_reset(c->s);
		admin_ok(c, NULL, 0);
	} else if (sim_hooks_admin(c->s, p, method, c->body, c->body_len, c->now, &c->out, &c->status)) {
		/* webhooks.c answered */
	} else {
		admin_fail(c, 404, "admin routes: GET health, GET|POST orders, GET calls, "
		    "GET|POST|DELETE faults, POST reasons, POST cancellations, GET|POST config, GET|POST limits, POST reset, "
		    "GET|POST webhooks, POST order-status, POST buyer-cancel");
	}
}

/* ------------------------------------------------------------------ */

int
sim_sleep(struct sim *s, unsigned ms)
{
	struct timespec until;
	int stopping;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(ms / 1000);
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->mu);
	while (!s->stopping && pthread_cond_timedwait(&s->stop_cv, &s->mu, &until) != ETIMEDOUT)
		;
	stopping = s->stopping;
	pthread_mutex_unlock(&s->mu);
	return stopping;
}

static const char html_5xx[] = "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>\n";
static const char malformed_default[] = "{\"code\":0,\"message\":\"Success\",\"data\":{\"reverse_main";

/* The endpoint at @c->path for @method, counted; NULL after a 404 or 405. */
static const cb_mkt_endpoint *
route(struct ctx *c, const char *method, cb_mkt_ep *ep)
{
	const cb_mkt_endpoint *e, *found = NULL;
	int path_known = 0;
	size_t i;

	for (i = 0; i < CB_MKT_EP_COUNT; i++) {
		e = cb_mkt_endpoint_get((cb_mkt_ep)i);
		if (strcmp(e->path, c->path) != 0)
			continue;
		path_known = 1;
		c->s->counts[i]++;
		if (strcmp(e->method, method) == 0) {
			found = e;
			*ep = (cb_mkt_ep)i;
		}
	}
	if (found == NULL && path_known)
		fail(c, 405, 36009010, "Invalid method %s for %s", method, c->path);
	else if (found == NULL)
		fail(c, 404, 36009009, "Invalid path %s", c->path);
	return found;
}

/* Count an authenticated cancel naming a known order, whatever happens next. */
static void
count_cancel(struct ctx *c)
{
	cb_json_doc *d = NULL;
	cb_json_error jerr;
	const cb_json_node *n;
	struct sim_order *o;

	if (cb_json_parse(&d, c->body, c->body_len, CB_MAX_JSON_DEPTH, &jerr) == 0 &&
	    (n = cb_json_get(d, cb_json_root(d), "order_id")) != NULL && n->type == CB_JSON_STRING &&
	    (o = sim_order_find(c->s, n->str)) != NULL)
		o->cancel_calls++;
	cb_json_free(d);
}

/* Everything done under the lock: the admin API, or a marketplace route
 * checked, counted and (unless a queued fault says otherwise) carried out.
 * 1 when @f holds a fault to inject. */
static int
dispatch(struct ctx *c, const char *method, struct sim_fault *f)
{
	const cb_mkt_endpoint *e;
	cb_mkt_ep ep = CB_MKT_EP_REASONS;
	const char *msg;
	int64_t code;
	int have_fault = 0, http;

	pthread_mutex_lock(&c->s->mu);
	c->now = (int64_t)time(NULL) + c->s->clock_offset_s;
	sim_request_id(c->s, c->rid, sizeof(c->rid), c->now);
	if (strncmp(c->path, "/__admin/", 9) == 0) {
		admin(c, method);
		goto out;
	}
	if ((e = route(c, method, &ep)) == NULL)
		goto out;
	(void)MHD_get_connection_values(c->conn, MHD_GET_ARGUMENT_KIND, on_arg, c);
	if (authenticate(c, e) != 0)
		goto out;
	if (sim_limits_refuse(c->s, qget(c, "shop_cipher") ? qget(c, "shop_cipher") : qget(c, "shop_id"), e,
	    c->body, c->body_len, &http, &code, &msg)) {
		fail(c, http, code, "%s", msg);
		goto out;
	}
	if (ep == CB_MKT_EP_CANCEL_LEGACY || ep == CB_MKT_EP_CANCEL)
		count_cancel(c);
	have_fault = sim_fault_take(c->s, e->path, f);
	if (!have_fault || f->apply)
		handlers[ep](c);
out:
	pthread_mutex_unlock(&c->s->mu);
	return have_fault;
}

/* Carry out fault @f (the lock is not held: a slow reply holds only its
 * own connection).  1 when the fault answered (or hung up) itself, with
 * the libmicrohttpd result in *rc; 0 when the reply in @c is to be sent. */
static int
inject(struct ctx *c, const struct sim_fault *f, const char *method, int *rc)
{
	const char *what = NULL;

	switch (f->kind) {
	case F_SLOW:
		(void)sim_sleep(c->s, f->delay_ms);
		return 0;
	case F_ERROR:
	case F_RATE_LIMIT:
		fail(c, f->http_status, f->code, "%s", f->message[0] ? f->message : "Injected error");
		return 0;
	case F_TIMEOUT:
		what = "injected timeout (then hang up)";
		/* hold the connection past the client's timeout, then hang up */
		(void)sim_sleep(c->s, f->delay_ms);
		*rc = MHD_NO;
		break;
	case F_DROP:
		what = "injected dropped connection";
		*rc = MHD_NO;
		break;
	case F_HTTP_5XX:
		what = "injected HTTP error";
		*rc = send_bytes(c->conn, f->http_status, "text/html", html_5xx, sizeof(html_5xx) - 1);
		break;
	case F_MALFORMED:
		what = "injected malformed body";
		*rc = send_bytes(c->conn, f->http_status, "application/json", f->body ? f->body : malformed_default,
		    f->body ? strlen(f->body) : sizeof(malformed_default) - 1);
		break;
	}
	if (c->s->verbose)
		fprintf(stderr, "sim: %s %s -> %s (HTTP %d, %u ms)\n", method, c->path, what, f->http_status,
		    f->delay_ms);
	return 1;
}

/* Send the reply built in @c. */
static int
reply(struct ctx *c, const char *method)
{
	if (c->s->verbose && c->raw != NULL)
		fprintf(stderr, "sim: %s %s -> HTTP %d (stored reply, %zu bytes)\n", method, c->path, c->status,
		    c->raw_len);
	else if (c->s->verbose)
		fprintf(stderr, "sim: %s %s -> HTTP %d %.*s\n", method, c->path, c->status,
		    (int)(c->out.len > 200 ? 200 : c->out.len), c->out.p ? c->out.p : "");
	if (c->out.failed)
		return send_bytes(c->conn, 500, "application/json", "{\"code\":36009003,\"message\":\"internal error\"}", 44);
	if (c->raw != NULL)
		return send_bytes(c->conn, c->status, "application/json", c->raw, c->raw_len);
	return send_bytes(c->conn, c->status ? c->status : 500, "application/json", c->out.p ? c->out.p : "",
	    c->out.len);
}

int
sim_serve(struct sim *s, struct MHD_Connection *conn, const char *method, const char *url,
    const char *body, size_t body_len)
{
	struct ctx c;
	struct sim_fault f;
	int rc = MHD_NO;

	memset(&c, 0, sizeof(c));
	memset(&f, 0, sizeof(f));
	c.s = s;
	c.conn = conn;
	c.path = url;
	c.body = body;
	c.body_len = body_len;
	cb_buf_init(&c.out, CB_MAX_MARKET_RESPONSE);
	if (!dispatch(&c, method, &f) || !inject(&c, &f, method, &rc)) {
		if (strncmp(url, "/__admin/", 9) != 0)
			(void)sim_sleep(s, sim_latency_ms(s));	/* the lock is not held */
		rc = reply(&c, method);
	}
	free(f.body);
	cb_buf_reset(&c.out);
	return rc;
}
