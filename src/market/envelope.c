/* SPDX-License-Identifier: Apache-2.0 */
/*
 * envelope.c - the marketplace's reply {code, message, request_id, data}
 * and the data of each operation, read from the JSON tree of the shim.
 * Every reply is outside input: each field is checked for its type and
 * size, and a fault is reported with its path and byte offset, e.g.
 * "data.cancellations[2].cancel_id: expected a string (byte 312)".
 * Results are allocated in one arena per result and freed at once.
 */
#include "market_int.h"

#include <stddef.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* envelope */

void
cb_mkt__envelope_free(cb_mkt_envelope *env)
{
	if (env == NULL)
		return;
	cb_json_free(env->doc);
	memset(env, 0, sizeof(*env));
}

static int
env_fail(cb_mkt_envelope *out, int rc, char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int
env_fail(cb_mkt_envelope *out, int rc, char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	cb_mkt__envelope_free(out);
	return rc;
}

/* A string member of the envelope: "" when absent; NULL when of another type. */
static const char *
env_string(const cb_mkt_envelope *env, const cb_json_node *root, const char *key,
    const cb_json_node **at)
{
	const cb_json_node *n = cb_json_get(env->doc, root, key);

	*at = n;
	if (n == NULL || n->type == CB_JSON_NULL)
		return "";
	if (n->type != CB_JSON_STRING || memchr(n->str, '\0', n->str_len) != NULL ||
	    n->str_len > CB_MAX_MARKET_STRING)
		return NULL;
	return n->str;
}

int
cb_mkt__envelope_parse(cb_mkt_envelope *out, const char *body, size_t len, char *why,
    size_t whylen)
{
	cb_json_error jerr;
	const cb_json_node *root, *n;
	int rc;

	if (out == NULL || (body == NULL && len > 0))
		return cb__fail(CB_EINVAL, "cb_mkt__envelope_parse: NULL argument");
	memset(out, 0, sizeof(*out));
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (len == 0)
		return env_fail(out, CB_EPARSE, why, whylen, "empty body");
	memset(&jerr, 0, sizeof(jerr));
	if ((rc = cb_json_parse(&out->doc, body, len, CB_MAX_JSON_DEPTH, &jerr)) != CB_OK) {
		if (rc == CB_EPARSE)
			return env_fail(out, rc, why, whylen, "not JSON: %s (byte %zu)", jerr.message, jerr.offset);
		if (rc == CB_ETOOBIG)
			return env_fail(out, rc, why, whylen, "JSON nested deeper than %d levels", CB_MAX_JSON_DEPTH);
		return env_fail(out, rc, why, whylen, "out of memory");
	}
	root = cb_json_root(out->doc);
	if (root == NULL || root->type != CB_JSON_OBJECT)
		return env_fail(out, CB_EPARSE, why, whylen, "expected a JSON object {code, message, request_id, data}, got %s",
		    root ? cb_json_type_name(root->type) : "nothing");
	n = cb_json_get(out->doc, root, "code");
	if (n == NULL)
		return env_fail(out, CB_EPARSE, why, whylen, "code: missing");
	if (n->type != CB_JSON_NUMBER || !n->is_int)
		return env_fail(out, CB_EPARSE, why, whylen, "code: expected an integer, got %s (byte %" PRIu32 ")",
		    n->type == CB_JSON_NUMBER ? "a fraction or a number out of range" : cb_json_type_name(n->type),
		    n->offset);
	out->code = n->i;
	if ((out->message = env_string(out, root, "message", &n)) == NULL)
		return env_fail(out, CB_EPARSE, why, whylen, "message: expected a string of at most %u bytes without NUL (byte %" PRIu32 ")",
		    CB_MAX_MARKET_STRING, n->offset);
	if ((out->request_id = env_string(out, root, "request_id", &n)) == NULL)
		return env_fail(out, CB_EPARSE, why, whylen, "request_id: expected a string of at most %u bytes without NUL (byte %" PRIu32 ")",
		    CB_MAX_MARKET_STRING, n->offset);
	n = cb_json_get(out->doc, root, "data");
	if (n != NULL && n->type != CB_JSON_NULL && n->type != CB_JSON_OBJECT)
		return env_fail(out, CB_EPARSE, why, whylen, "data: expected an object, got %s (byte %" PRIu32 ")",
		    cb_json_type_name(n->type), n->offset);
	out->data = n != NULL && n->type == CB_JSON_OBJECT ? n : NULL;
	return CB_OK;
}

/* ------------------------------------------------------------------ */
/* data: a small cursor that names the path of each field */

struct rd {
	const cb_json_doc *doc;
	cb_arena          *a;
	char              *why;
	size_t             whylen;
};

static int
rd_fail(struct rd *r, int rc, const char *path, const cb_json_node *n, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int
rd_fail(struct rd *r, int rc, const char *path, const cb_json_node *n, const char *fmt, ...)
{
	va_list ap;
	size_t used;

	if (r->why == NULL || r->whylen == 0)
		return rc;
	(void)snprintf(r->why, r->whylen, "%s: ", path);
	used = strlen(r->why);
	va_start(ap, fmt);
	(void)vsnprintf(r->why + used, r->whylen - used, fmt, ap);
	va_end(ap);
	used = strlen(r->why);
	if (n != NULL)
		(void)snprintf(r->why + used, r->whylen - used, " (byte %" PRIu32 ")", n->offset);
	return rc;
}

static int
rd_nomem(struct rd *r)
{
	return rd_fail(r, CB_ENOMEM, "reply", NULL, "out of memory");
}

/* A string field: required, or "" when absent or null.  With @id, an
 * integer is accepted too and kept in decimal (ids are strings in the
 * marketplace's documents; some clients have seen numbers). */
static int
rd_str(struct rd *r, const cb_json_node *obj, const char *key, const char *path, int required,
    int id, const char **out)
{
	const cb_json_node *n = cb_json_get(r->doc, obj, key);
	char full[160], num[32];

	snprintf(full, sizeof(full), "%s.%s", path, key);
	*out = "";
	if (n == NULL || n->type == CB_JSON_NULL) {
		if (required)
			return rd_fail(r, CB_EPARSE, full, NULL, "missing");
		return CB_OK;
	}
	if (id && n->type == CB_JSON_NUMBER && n->is_int) {
		snprintf(num, sizeof(num), "%" PRId64, n->i);
		if ((*out = cb_arena_strndup(r->a, num, strlen(num))) == NULL)
			return rd_nomem(r);
		return CB_OK;
	}
	if (n->type != CB_JSON_STRING)
		return rd_fail(r, CB_EPARSE, full, n, "expected a string, got %s", cb_json_type_name(n->type));
	if (n->str_len > CB_MAX_MARKET_STRING)
		return rd_fail(r, CB_ETOOBIG, full, n, "longer than %u bytes", CB_MAX_MARKET_STRING);
	if (memchr(n->str, '\0', n->str_len) != NULL)
		return rd_fail(r, CB_EPARSE, full, n, "contains a NUL character");
	if (required && n->str_len == 0)
		return rd_fail(r, CB_EPARSE, full, n, "empty");
	if ((*out = cb_arena_strndup(r->a, n->str, n->str_len)) == NULL)
		return rd_nomem(r);
	return CB_OK;
}

/* An integer field; @dflt when absent or null. */
static int
rd_int(struct rd *r, const cb_json_node *obj, const char *key, const char *path, int64_t dflt,
    int64_t *out)
{
	const cb_json_node *n = cb_json_get(r->doc, obj, key);
	char full[160];

	*out = dflt;
	if (n == NULL || n->type == CB_JSON_NULL)
		return CB_OK;
	if (n->type != CB_JSON_NUMBER || !n->is_int) {
		snprintf(full, sizeof(full), "%s.%s", path, key);
		return rd_fail(r, CB_EPARSE, full, n, "expected an integer, got %s",
		    n->type == CB_JSON_NUMBER ? "a fraction or a number out of range" : cb_json_type_name(n->type));
	}
	*out = n->i;
	return CB_OK;
}

/* An array field with at most CB_MAX_MARKET_ITEMS elements; *out NULL when
 * absent (or null) and not @required. */
static int
rd_array(struct rd *r, const cb_json_node *obj, const char *key, const char *path, int required,
    const cb_json_node **out)
{
	const cb_json_node *n = cb_json_get(r->doc, obj, key);
	char full[160];

	snprintf(full, sizeof(full), "%s.%s", path, key);
	*out = NULL;
	if (n == NULL || n->type == CB_JSON_NULL) {
		if (required)
			return rd_fail(r, CB_EPARSE, full, NULL, "missing");
		return CB_OK;
	}
	if (n->type != CB_JSON_ARRAY)
		return rd_fail(r, CB_EPARSE, full, n, "expected an array, got %s", cb_json_type_name(n->type));
	if (n->nchildren > CB_MAX_MARKET_ITEMS)
		return rd_fail(r, CB_ETOOBIG, full, n, "%" PRIu32 " elements (max %d)", n->nchildren,
		    CB_MAX_MARKET_ITEMS);
	*out = n;
	return CB_OK;
}

static int
rd_data(struct rd *r, const cb_mkt_envelope *env)
{
	if (env->data == NULL)
		return rd_fail(r, CB_EPARSE, "data", NULL, "missing in a successful reply");
	return CB_OK;
}

static int
rd_begin(struct rd *r, cb_arena **a, const cb_mkt_envelope *env, char *why, size_t whylen)
{
	r->doc = env->doc;
	r->why = why;
	r->whylen = whylen;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if ((*a = cb__calloc(1, sizeof(**a))) == NULL)
		return rd_nomem(r);
	r->a = *a;
	return rd_data(r, env);
}

static void
arena_release(cb_arena *a)
{
	if (a != NULL) {
		cb_arena_free(a);
		free(a);
	}
}

/* One element of a list reply, read into @item (an element of the list's
 * items array). */
typedef int (*rd_item_fn)(struct rd *r, const cb_json_node *it, const char *path, void *item);

/*
 * The required list data.@key of a reply, element by element: an arena
 * array of its elements (@size bytes each) in *items and their count in *n.
 * Required, because a caller that read a missing list as empty would act on
 * "nothing there" (retire every reason, think an order absent).
 */
static int
rd_list(struct rd *r, cb_arena *a, const cb_mkt_envelope *env, const char *key, size_t size,
    rd_item_fn fn, void **items, size_t *n)
{
	const cb_json_node *list, *it;
	unsigned char *arr;
	char path[64];
	size_t i;
	int rc;

	if ((rc = rd_array(r, env->data, key, "data", 1, &list)) != CB_OK)
		return rc;
	if ((arr = cb_arena_calloc(a, list->nchildren ? list->nchildren : 1, size)) == NULL)
		return rd_nomem(r);
	for (i = 0, it = cb_json_child(env->doc, list); it != NULL; it = cb_json_next(env->doc, it), i++) {
		snprintf(path, sizeof(path), "data.%s[%zu]", key, i);
		if ((rc = fn(r, it, path, arr + i * size)) != CB_OK)
			return rc;
	}
	*items = arr;
	*n = i;
	return CB_OK;
}

/* Where a list reply's struct (cb_mkt_reasons, cb_mkt_orders) keeps its
 * items, their count, the request id and the arena that owns them. */
struct reply_layout {
	size_t size, items, n, request_id, priv;
};
#define REPLY_LAYOUT(T) { sizeof(T), offsetof(T, items), offsetof(T, n), offsetof(T, request_id), \
	offsetof(T, priv) }

/* Read the list @key of @env's data, each item (@itemsize bytes) with @fn,
 * into a new reply struct laid out as @l; on failure *out is NULL. */
static int
rd_reply(void *out, const struct reply_layout *l, const cb_mkt_envelope *env, const char *key,
    size_t itemsize, rd_item_fn fn, char *why, size_t whylen)
{
	struct rd r;
	cb_arena *a = NULL;
	unsigned char *head = NULL;
	const char *rid;
	void *items = NULL;
	size_t n = 0;
	int rc;

	memset(out, 0, sizeof(void *));
	if ((rc = rd_begin(&r, &a, env, why, whylen)) != CB_OK)
		goto out;
	if ((head = cb_arena_calloc(a, 1, l->size)) == NULL ||
	    (rid = cb_arena_strndup(a, env->request_id, strlen(env->request_id))) == NULL) {
		rc = rd_nomem(&r);
		goto out;
	}
	if ((rc = rd_list(&r, a, env, key, itemsize, fn, &items, &n)) != CB_OK)
		goto out;
	/* object pointers share one representation: store them field by field */
	memcpy(head + l->items, &items, sizeof(items));
	memcpy(head + l->n, &n, sizeof(n));
	memcpy(head + l->request_id, &rid, sizeof(rid));
	memcpy(head + l->priv, &a, sizeof(a));
	memcpy(out, &head, sizeof(head));
	a = NULL;
out:
	arena_release(a);
	return rc;
}

/* ------------------------------------------------------------------ */
/* reverse reasons */

static int
reason_item(struct rd *r, const cb_json_node *it, const char *path, void *item)
{
	cb_mkt_reason *out = item;
	const cb_json_node *list, *v;
	const char **st;
	char vpath[160], num[32];
	size_t i;
	int rc;

	if (it->type != CB_JSON_OBJECT)
		return rd_fail(r, CB_EPARSE, path, it, "expected an object, got %s", cb_json_type_name(it->type));
	if ((rc = rd_str(r, it, "reverse_reason_key", path, 1, 0, &out->key)) != CB_OK ||
	    (rc = rd_str(r, it, "reverse_reason", path, 1, 0, &out->text)) != CB_OK ||
	    (rc = rd_array(r, it, "available_order_status_list", path, 0, &list)) != CB_OK)
		return rc;
	if (list == NULL)
		return CB_OK;
	out->has_statuses = 1;
	if ((st = cb_arena_calloc(r->a, list->nchildren ? list->nchildren : 1, sizeof(*st))) == NULL)
		return rd_nomem(r);
	for (i = 0, v = cb_json_child(r->doc, list); v != NULL; v = cb_json_next(r->doc, v), i++) {
		snprintf(vpath, sizeof(vpath), "%s.available_order_status_list[%zu]", path, i);
		/* the values are numbers in seed 003 and differ by market: keep them as strings */
		if (v->type == CB_JSON_NUMBER && v->is_int) {
			snprintf(num, sizeof(num), "%" PRId64, v->i);
			st[i] = cb_arena_strndup(r->a, num, strlen(num));
		} else if (v->type == CB_JSON_STRING && v->str_len > 0 && v->str_len <= 64 &&
		    memchr(v->str, '\0', v->str_len) == NULL) {
			st[i] = cb_arena_strndup(r->a, v->str, v->str_len);
		} else {
			return rd_fail(r, CB_EPARSE, vpath, v, "expected an integer or a short string, got %s",
			    cb_json_type_name(v->type));
		}
		if (st[i] == NULL)
			return rd_nomem(r);
	}
	out->statuses = st;
	out->nstatuses = i;
	return CB_OK;
}

int
cb_mkt__parse_reasons(cb_mkt_reasons **out, const cb_mkt_envelope *env, char *why, size_t whylen)
{
	static const struct reply_layout layout = REPLY_LAYOUT(cb_mkt_reasons);

	/* the list is required: a missing one would retire every key of the mirror */
	return rd_reply(out, &layout, env, "reverse_reason_list", sizeof(cb_mkt_reason), reason_item, why, whylen);
}

void
cb_mkt_reasons_free(cb_mkt_reasons *r)
{
	if (r != NULL)
		arena_release(r->priv);
}

/* ------------------------------------------------------------------ */
/* authorized shops */

static int
shop_item(struct rd *r, const cb_json_node *it, const char *path, void *item)
{
	cb_mkt_shop *out = item;
	int rc;

	if (it->type != CB_JSON_OBJECT)
		return rd_fail(r, CB_EPARSE, path, it, "expected an object, got %s", cb_json_type_name(it->type));
	if ((rc = rd_str(r, it, "id", path, 1, 1, &out->id)) != CB_OK ||
	    (rc = rd_str(r, it, "name", path, 0, 0, &out->name)) != CB_OK ||
	    (rc = rd_str(r, it, "region", path, 0, 0, &out->region)) != CB_OK ||
	    (rc = rd_str(r, it, "cipher", path, 0, 0, &out->cipher)) != CB_OK ||
	    (rc = rd_str(r, it, "seller_type", path, 0, 0, &out->seller_type)) != CB_OK)
		return rc;
	return CB_OK;
}

int
cb_mkt__parse_shops(cb_mkt_shops **out, const cb_mkt_envelope *env, char *why, size_t whylen)
{
	static const struct reply_layout layout = REPLY_LAYOUT(cb_mkt_shops);

	return rd_reply(out, &layout, env, "shops", sizeof(cb_mkt_shop), shop_item, why, whylen);
}

void
cb_mkt_shops_free(cb_mkt_shops *s)
{
	if (s != NULL)
		arena_release(s->priv);
}

/* ------------------------------------------------------------------ */
/* cancel */

/* Copy a string field into a fixed array; too long is malformed, not truncated. */
static int
rd_fixed(struct rd *r, const cb_json_node *obj, const char *key, int id, char *dst, size_t size)
{
	const char *s;
	char full[64];
	int rc;

	if ((rc = rd_str(r, obj, key, "data", 1, id, &s)) != CB_OK)
		return rc;
	if (strlen(s) >= size) {
		snprintf(full, sizeof(full), "data.%s", key);
		return rd_fail(r, CB_ETOOBIG, full, cb_json_get(r->doc, obj, key), "longer than %zu bytes", size - 1);
	}
	cb_mkt__copy(dst, size, s);
	return CB_OK;
}

static int
parse_cancel(cb_mkt_cancel_result *out, const cb_mkt_envelope *env, char *why, size_t whylen,
    int current)
{
	struct rd r;
	cb_arena *a = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = rd_begin(&r, &a, env, why, whylen)) != CB_OK)
		goto out;
	if (current) {
		if ((rc = rd_fixed(&r, env->data, "cancel_id", 1, out->id, sizeof(out->id))) != CB_OK ||
		    (rc = rd_fixed(&r, env->data, "cancel_status", 0, out->status, sizeof(out->status))) != CB_OK)
			goto out;
		out->state = cb_mkt_cancel_state_parse(out->status);
	} else {
		if ((rc = rd_fixed(&r, env->data, "reverse_main_order_id", 1, out->id, sizeof(out->id))) != CB_OK)
			goto out;
		out->state = CB_MKT_CANCEL_DONE;
	}
	cb_mkt__copy(out->request_id, sizeof(out->request_id), env->request_id);
	rc = CB_OK;
out:
	arena_release(a);
	if (rc != CB_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

int
cb_mkt__parse_cancel_legacy(cb_mkt_cancel_result *out, const cb_mkt_envelope *env, char *why,
    size_t whylen)
{
	return parse_cancel(out, env, why, whylen, 0);
}

int
cb_mkt__parse_cancel_current(cb_mkt_cancel_result *out, const cb_mkt_envelope *env, char *why,
    size_t whylen)
{
	return parse_cancel(out, env, why, whylen, 1);
}

/* ------------------------------------------------------------------ */
/* cancellation search */

int
cb_mkt__parse_cancellations(cb_mkt_cancellations **out, const cb_mkt_envelope *env, char *why,
    size_t whylen)
{
	struct rd r;
	cb_arena *a = NULL;
	cb_mkt_cancellations *res;
	const cb_json_node *list, *it;
	char path[64];
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = rd_begin(&r, &a, env, why, whylen)) != CB_OK)
		goto out;
	if ((res = cb_arena_calloc(a, 1, sizeof(*res))) == NULL ||
	    (res->request_id = cb_arena_strndup(a, env->request_id, strlen(env->request_id))) == NULL) {
		rc = rd_nomem(&r);
		goto out;
	}
	if ((rc = rd_array(&r, env->data, "cancellations", "data", 0, &list)) != CB_OK ||
	    (rc = rd_int(&r, env->data, "total_count", "data", -1, &res->total_count)) != CB_OK ||
	    (rc = rd_str(&r, env->data, "next_page_token", "data", 0, 0, &res->next_page_token)) != CB_OK)
		goto out;
	/* "no cancellation" decides whether a cancel is sent again: an absent
	 * list counts as empty only when the reply says so with total_count 0 */
	if (list == NULL && res->total_count != 0) {
		rc = rd_fail(&r, CB_EPARSE, "data.cancellations", NULL, "missing (and total_count is not 0)");
		goto out;
	}
	if ((res->items = cb_arena_calloc(a, list && list->nchildren ? list->nchildren : 1,
	    sizeof(*res->items))) == NULL) {
		rc = rd_nomem(&r);
		goto out;
	}
	for (i = 0, it = list ? cb_json_child(env->doc, list) : NULL; it != NULL;
	    it = cb_json_next(env->doc, it), i++) {
		cb_mkt_cancellation *c = &res->items[i];
		snprintf(path, sizeof(path), "data.cancellations[%zu]", i);
		if (it->type != CB_JSON_OBJECT) {
			rc = rd_fail(&r, CB_EPARSE, path, it, "expected an object, got %s", cb_json_type_name(it->type));
			goto out;
		}
		if ((rc = rd_str(&r, it, "cancel_id", path, 1, 1, &c->cancel_id)) != CB_OK ||
		    (rc = rd_str(&r, it, "order_id", path, 1, 1, &c->order_id)) != CB_OK ||
		    (rc = rd_str(&r, it, "cancel_status", path, 1, 0, &c->status)) != CB_OK ||
		    (rc = rd_str(&r, it, "cancel_reason", path, 0, 0, &c->reason)) != CB_OK ||
		    (rc = rd_int(&r, it, "create_time", path, 0, &c->create_time)) != CB_OK ||
		    (rc = rd_int(&r, it, "update_time", path, 0, &c->update_time)) != CB_OK)
			goto out;
		c->state = cb_mkt_cancel_state_parse(c->status);
	}
	res->n = i;
	res->priv = a;
	*out = res;
	a = NULL;
	rc = CB_OK;
out:
	arena_release(a);
	return rc;
}

void
cb_mkt_cancellations_free(cb_mkt_cancellations *c)
{
	if (c != NULL)
		arena_release(c->priv);
}

/* ------------------------------------------------------------------ */
/* order detail */

static int
order_item(struct rd *r, const cb_json_node *it, const char *path, void *item)
{
	cb_mkt_order *o = item;
	const cb_json_node *pay, *lines, *li;
	char lpath[96];
	size_t i;
	int rc;

	if (it->type != CB_JSON_OBJECT)
		return rd_fail(r, CB_EPARSE, path, it, "expected an object, got %s", cb_json_type_name(it->type));
	if ((rc = rd_str(r, it, "id", path, 1, 1, &o->id)) != CB_OK ||
	    (rc = rd_str(r, it, "status", path, 1, 0, &o->status)) != CB_OK ||
	    (rc = rd_str(r, it, "cancel_reason", path, 0, 0, &o->cancel_reason)) != CB_OK ||
	    (rc = rd_int(r, it, "create_time", path, 0, &o->create_time)) != CB_OK ||
	    (rc = rd_int(r, it, "update_time", path, 0, &o->update_time)) != CB_OK ||
	    (rc = rd_array(r, it, "line_items", path, 0, &lines)) != CB_OK)
		return rc;
	o->currency = o->total_amount = o->shipping_fee = "";
	pay = cb_json_get(r->doc, it, "payment");
	if (pay != NULL && pay->type == CB_JSON_OBJECT) {
		snprintf(lpath, sizeof(lpath), "%s.payment", path);
		if ((rc = rd_str(r, pay, "currency", lpath, 0, 0, &o->currency)) != CB_OK ||
		    (rc = rd_str(r, pay, "total_amount", lpath, 0, 0, &o->total_amount)) != CB_OK ||
		    (rc = rd_str(r, pay, "shipping_fee", lpath, 0, 0, &o->shipping_fee)) != CB_OK)
			return rc;
	} else if (pay != NULL && pay->type != CB_JSON_NULL) {
		snprintf(lpath, sizeof(lpath), "%s.payment", path);
		return rd_fail(r, CB_EPARSE, lpath, pay, "expected an object, got %s", cb_json_type_name(pay->type));
	}
	if (lines == NULL)
		return CB_OK;
	if ((o->items = cb_arena_calloc(r->a, lines->nchildren ? lines->nchildren : 1, sizeof(*o->items))) == NULL)
		return rd_nomem(r);
	for (i = 0, li = cb_json_child(r->doc, lines); li != NULL; li = cb_json_next(r->doc, li), i++) {
		cb_mkt_line_item *l = &o->items[i];
		snprintf(lpath, sizeof(lpath), "%s.line_items[%zu]", path, i);
		if (li->type != CB_JSON_OBJECT)
			return rd_fail(r, CB_EPARSE, lpath, li, "expected an object, got %s", cb_json_type_name(li->type));
		if ((rc = rd_str(r, li, "id", lpath, 1, 1, &l->id)) != CB_OK ||
		    (rc = rd_str(r, li, "sku_id", lpath, 0, 1, &l->sku_id)) != CB_OK ||
		    (rc = rd_str(r, li, "seller_sku", lpath, 0, 0, &l->seller_sku)) != CB_OK ||
		    (rc = rd_str(r, li, "sale_price", lpath, 0, 0, &l->sale_price)) != CB_OK ||
		    (rc = rd_str(r, li, "display_status", lpath, 0, 0, &l->display_status)) != CB_OK)
			return rc;
	}
	o->nitems = i;
	return CB_OK;
}

int
cb_mkt__parse_orders(cb_mkt_orders **out, const cb_mkt_envelope *env, char *why, size_t whylen)
{
	static const struct reply_layout layout = REPLY_LAYOUT(cb_mkt_orders);

	/* required too: an order read after an unknown outcome must not look absent by accident */
	return rd_reply(out, &layout, env, "orders", sizeof(cb_mkt_order), order_item, why, whylen);
}

void
cb_mkt_orders_free(cb_mkt_orders *o)
{
	if (o != NULL)
		arena_release(o->priv);
}

const cb_mkt_order *
cb_mkt_orders_find(const cb_mkt_orders *o, const char *id)
{
	size_t i;

	for (i = 0; o != NULL && id != NULL && i < o->n; i++)
		if (strcmp(o->items[i].id, id) == 0)
			return &o->items[i];
	return NULL;
}
