/* SPDX-License-Identifier: Apache-2.0 */
/*
 * state.c - the simulator's memory: orders (seeded from a file or the
 * admin API), cancellations with their pending countdown, call counters,
 * the queue of faults to inject, and the reverse-reason reply.  Every
 * function here expects the caller to hold s->mu.
 */
#include "sim.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "cb_limits.h"
#include "shim/json_shim.h"

const cb_mkt_status *
sim_status(const char *status)
{
	static const cb_mkt_status unknown = { "", 0, CB_MKT_CLASS_CANCELLED };
	const cb_mkt_status *st = cb_mkt_status_find(status, strlen(status));

	return st != NULL ? st : &unknown;
}

void
sim_order_cancelled(struct sim_order *o, int64_t now)
{
	snprintf(o->status, sizeof(o->status), "CANCELLED");
	o->update_time = now;
}

void
sim_request_id(struct sim *s, char *out, size_t size, int64_t now)
{
	time_t t = (time_t)now;
	struct tm tm;
	char stamp[16] = "19700101000000";

	if (gmtime_r(&t, &tm) != NULL)
		strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
	snprintf(out, size, "%s0101%016" PRIX64, stamp, ++s->seq);
}

/* ------------------------------------------------------------------ */
/* orders */

struct sim_order *
sim_order_find(struct sim *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->norders; i++)
		if (strcmp(s->orders[i].id, id) == 0)
			return &s->orders[i];
	return NULL;
}

static void
order_clear(struct sim_order *o)
{
	size_t i;

	for (i = 0; i < o->nitems; i++) {
		free(o->items[i].id);
		free(o->items[i].sku_id);
		free(o->items[i].seller_sku);
		free(o->items[i].sale_price);
	}
	free(o->items);
	free(o->currency);
	free(o->total_amount);
	free(o->shipping_fee);
	free(o->cancel_reason);
	memset(o, 0, sizeof(*o));
}

/* A string (or a number, kept as written in decimal) as a new string;
 * @dflt when absent.  NULL with @why on a wrong type or no memory. */
static char *
field(const cb_json_doc *d, const cb_json_node *obj, const char *key, const char *dflt,
    const char *where, char *why, size_t whylen)
{
	const cb_json_node *n = cb_json_get(d, obj, key);
	char num[40];

	if (n == NULL || n->type == CB_JSON_NULL) {
		if (dflt == NULL)
			snprintf(why, whylen, "%s.%s: missing", where, key);
		return dflt ? cb__strdup(dflt) : NULL;
	}
	if (n->type == CB_JSON_NUMBER && n->is_int) {
		snprintf(num, sizeof(num), "%" PRId64, n->i);
		return cb__strdup(num);
	}
	if (n->type != CB_JSON_STRING || n->str_len > 1024 || memchr(n->str, '\0', n->str_len)) {
		snprintf(why, whylen, "%s.%s: expected a string (byte %" PRIu32 ")", where, key, n->offset);
		return NULL;
	}
	return cb__strndup(n->str, n->str_len);
}

static int
order_parse(const cb_json_doc *d, const cb_json_node *it, size_t idx, struct sim_order *o,
    char *why, size_t whylen)
{
	const cb_json_node *lines, *li, *st, *ct;
	char where[64], lw[96], *id = NULL;
	size_t i;

	snprintf(where, sizeof(where), "orders[%zu]", idx);
	memset(o, 0, sizeof(*o));
	if (it->type != CB_JSON_OBJECT) {
		snprintf(why, whylen, "%s: expected an object", where);
		return -1;
	}
	if ((id = field(d, it, "id", NULL, where, why, whylen)) == NULL)
		return -1;
	if (id[0] == '\0' || strlen(id) >= sizeof(o->id) || strchr(id, ',') || strchr(id, ' ')) {
		snprintf(why, whylen, "%s.id: 1 to %zu characters, no ',' or space", where, sizeof(o->id) - 1);
		free(id);
		return -1;
	}
	memcpy(o->id, id, strlen(id) + 1);
	free(id);
	st = cb_json_get(d, it, "status");
	if (st != NULL && st->type == CB_JSON_NUMBER && st->is_int && st->i >= 0 && st->i < 1000 &&
	    cb_mkt_status_from_legacy((int)st->i) != NULL) {
		snprintf(o->status, sizeof(o->status), "%s", cb_mkt_status_from_legacy((int)st->i));
	} else if (st != NULL && st->type == CB_JSON_STRING && cb_mkt_status_to_legacy(st->str) >= 0) {
		snprintf(o->status, sizeof(o->status), "%s", st->str);
	} else {
		char names[256];
		cb_mkt_status_names(names, sizeof(names));
		snprintf(why, whylen, "%s.status: expected %s or a legacy number (%d ... %d)", where, names,
		    cb_mkt_status_at(0)->legacy, cb_mkt_status_at(cb_mkt_status_count() - 1)->legacy);
		return -1;
	}
	if ((o->currency = field(d, it, "currency", "GBP", where, why, whylen)) == NULL ||
	    (o->total_amount = field(d, it, "total_amount", "", where, why, whylen)) == NULL ||
	    (o->shipping_fee = field(d, it, "shipping_fee", "", where, why, whylen)) == NULL ||
	    (o->cancel_reason = cb__strdup("")) == NULL)
		goto fail;
	ct = cb_json_get(d, it, "create_time");
	o->create_time = ct && ct->type == CB_JSON_NUMBER && ct->is_int ? ct->i : (int64_t)time(NULL);
	o->update_time = o->create_time;
	lines = cb_json_get(d, it, "line_items");
	if (lines == NULL || lines->type == CB_JSON_NULL)
		return 0;
	if (lines->type != CB_JSON_ARRAY || lines->nchildren > 1000) {
		snprintf(why, whylen, "%s.line_items: expected an array of at most 1000 items", where);
		goto fail;
	}
	if ((o->items = cb__calloc(lines->nchildren ? lines->nchildren : 1, sizeof(*o->items))) == NULL) {
		snprintf(why, whylen, "out of memory");
		goto fail;
	}
	for (i = 0, li = cb_json_child(d, lines); li != NULL; li = cb_json_next(d, li), i++) {
		struct sim_item *x = &o->items[i];
		o->nitems = i + 1;
		snprintf(lw, sizeof(lw), "%s.line_items[%zu]", where, i);
		if (li->type != CB_JSON_OBJECT) {
			snprintf(why, whylen, "%s: expected an object", lw);
			goto fail;
		}
		if ((x->id = field(d, li, "id", NULL, lw, why, whylen)) == NULL ||
		    (x->sku_id = field(d, li, "sku_id", "", lw, why, whylen)) == NULL ||
		    (x->seller_sku = field(d, li, "seller_sku", "", lw, why, whylen)) == NULL ||
		    (x->sale_price = field(d, li, "sale_price", "", lw, why, whylen)) == NULL)
			goto fail;
	}
	return 0;
fail:
	if (why[0] == '\0')
		snprintf(why, whylen, "out of memory");
	order_clear(o);
	return -1;
}

int
sim_orders_load(struct sim *s, const char *json, size_t len, char *why, size_t whylen)
{
	cb_json_doc *d = NULL;
	cb_json_error jerr;
	const cb_json_node *root, *list, *it;
	struct sim_order o, *slot;
	size_t i;
	int rc = -1;

	why[0] = '\0';
	if (cb_json_parse(&d, json, len, CB_MAX_JSON_DEPTH, &jerr) != 0) {
		snprintf(why, whylen, "not JSON: %s (byte %zu)", jerr.message, jerr.offset);
		return -1;
	}
	root = cb_json_root(d);
	list = root->type == CB_JSON_ARRAY ? root
	    : root->type == CB_JSON_OBJECT ? cb_json_get(d, root, "orders") : NULL;
	if (list == NULL || list->type != CB_JSON_ARRAY) {
		snprintf(why, whylen, "expected {\"orders\": [...]}");
		goto out;
	}
	for (i = 0, it = cb_json_child(d, list); it != NULL; it = cb_json_next(d, it), i++) {
		if (order_parse(d, it, i, &o, why, whylen) != 0)
			goto out;
		if ((slot = sim_order_find(s, o.id)) != NULL) {
			o.cancel_calls = slot->cancel_calls;
			o.cancels_applied = slot->cancels_applied;
			order_clear(slot);
			*slot = o;
			continue;
		}
		if (s->norders == SIM_MAX_ORDERS) {
			snprintf(why, whylen, "more than %d orders", SIM_MAX_ORDERS);
			order_clear(&o);
			goto out;
		}
		if (s->norders == s->cap_orders) {
			size_t ncap = s->cap_orders ? s->cap_orders * 2 : 64;
			struct sim_order *no = cb__reallocarray(s->orders, ncap, sizeof(*no));
			if (no == NULL) {
				snprintf(why, whylen, "out of memory");
				order_clear(&o);
				goto out;
			}
			s->orders = no;
			s->cap_orders = ncap;
		}
		s->orders[s->norders++] = o;
	}
	rc = (int)i;
out:
	cb_json_free(d);
	return rc;
}

void
sim_order_json(cb_jw *w, const struct sim_order *o, int admin)
{
	size_t i;

	cb_jw_obj_begin(w);
	cb_jw_kstr(w, "id", o->id);
	cb_jw_kstr(w, "status", o->status);
	cb_jw_kint(w, "create_time", o->create_time);
	cb_jw_kint(w, "update_time", o->update_time);
	if (o->cancel_reason[0] != '\0')
		cb_jw_kstr(w, "cancel_reason", o->cancel_reason);
	cb_jw_key(w, "payment");
	cb_jw_obj_begin(w);
	cb_jw_kstr(w, "currency", o->currency);
	cb_jw_kstr(w, "total_amount", o->total_amount);
	cb_jw_kstr(w, "shipping_fee", o->shipping_fee);
	cb_jw_obj_end(w);
	cb_jw_key(w, "line_items");
	cb_jw_arr_begin(w);
	for (i = 0; i < o->nitems; i++) {
		cb_jw_obj_begin(w);
		cb_jw_kstr(w, "id", o->items[i].id);
		cb_jw_kstr(w, "sku_id", o->items[i].sku_id);
		cb_jw_kstr(w, "seller_sku", o->items[i].seller_sku);
		cb_jw_kstr(w, "sale_price", o->items[i].sale_price);
		cb_jw_kstr(w, "currency", o->currency);
		cb_jw_kstr(w, "display_status", o->status);
		cb_jw_obj_end(w);
	}
	cb_jw_arr_end(w);
	if (admin) {
		cb_jw_kint(w, "cancel_calls", o->cancel_calls);
		cb_jw_kint(w, "cancels_applied", o->cancels_applied);
	}
	cb_jw_obj_end(w);
}

/* ------------------------------------------------------------------ */
/* cancellations */

struct sim_cancel *
sim_cancel_add(struct sim *s, const char *order_id, cb_mkt_cancel_state state, const char *reason,
    int legacy, int64_t now)
{
	struct sim_cancel *c;

	if (s->ncancels == s->cap_cancels) {
		size_t ncap = s->cap_cancels ? s->cap_cancels * 2 : 64;
		struct sim_cancel *nc = cb__reallocarray(s->cancels, ncap, sizeof(*nc));
		if (nc == NULL)
			return NULL;
		s->cancels = nc;
		s->cap_cancels = ncap;
	}
	c = &s->cancels[s->ncancels++];
	memset(c, 0, sizeof(*c));
	/* the marketplace's ids are long decimal strings */
	snprintf(c->cancel_id, sizeof(c->cancel_id), "%s%014" PRIu64, legacy ? "5780" : "4035", ++s->seq);
	snprintf(c->order_id, sizeof(c->order_id), "%s", order_id);
	c->state = state;
	snprintf(c->reason, sizeof(c->reason), "%s", reason);
	c->legacy = legacy;
	c->create_time = c->update_time = now;
	return c;
}

struct sim_cancel *
sim_cancel_find(struct sim *s, const char *cancel_id)
{
	size_t i;

	for (i = 0; i < s->ncancels; i++)
		if (strcmp(s->cancels[i].cancel_id, cancel_id) == 0)
			return &s->cancels[i];
	return NULL;
}

struct sim_cancel *
sim_cancel_of_order(struct sim *s, const char *order_id)
{
	size_t i;

	for (i = 0; i < s->ncancels; i++)
		if (strcmp(s->cancels[i].order_id, order_id) == 0 && s->cancels[i].state != CB_MKT_CANCEL_REFUSED)
			return &s->cancels[i];
	return NULL;
}

void
sim_cancel_read(struct sim *s, struct sim_cancel *c, int64_t now)
{
	struct sim_order *o;

	if (c->state != CB_MKT_CANCEL_PENDING)
		return;
	if (c->reads_left > 0) {
		c->reads_left--;
		return;
	}
	c->state = CB_MKT_CANCEL_SUCCESS;
	c->update_time = now;
	sim_hook_cancel(s, c, "SELLER", now);
	if ((o = sim_order_find(s, c->order_id)) != NULL) {
		sim_order_cancelled(o, now);
		sim_hook_order(s, o, now);
	}
}

void
sim_cancel_json(cb_jw *w, const struct sim_cancel *c)
{
	cb_jw_obj_begin(w);
	cb_jw_kstr(w, "cancel_id", c->cancel_id);
	cb_jw_kstr(w, "order_id", c->order_id);
	cb_jw_kstr(w, "cancel_status", cb_mkt_cancel_status(c->state));
	cb_jw_kstr(w, "cancel_reason", c->reason);
	cb_jw_kstr(w, "role", "SELLER");
	cb_jw_kint(w, "create_time", c->create_time);
	cb_jw_kint(w, "update_time", c->update_time);
	cb_jw_obj_end(w);
}

/* ------------------------------------------------------------------ */
/* faults */

static const struct {
	const char     *name;
	enum fault_kind kind;
	int             apply;     /* default */
	int             status;    /* default HTTP status */
	unsigned        delay_ms;  /* default */
} fault_kinds[] = {
	{ "error", F_ERROR, 0, 200, 0 },
	{ "rate_limit", F_RATE_LIMIT, 0, 429, 0 },
	{ "http_5xx", F_HTTP_5XX, 0, 503, 0 },
	{ "slow", F_SLOW, 1, 200, 1000 },
	/* the cancel lands, the reply never comes: the "outcome unknown" case */
	{ "timeout", F_TIMEOUT, 1, 0, 60000 },
	{ "drop", F_DROP, 0, 0, 0 },
	{ "malformed", F_MALFORMED, 0, 200, 0 },
};

/* Is @path "*" or the path of a marketplace endpoint? */
static int
fault_path_ok(const char *path)
{
	size_t i;

	if (strcmp(path, "*") == 0)
		return 1;
	for (i = 0; i < CB_MKT_EP_COUNT; i++)
		if (strcmp(path, cb_mkt_endpoint_get((cb_mkt_ep)i)->path) == 0)
			return 1;
	return 0;
}

/* Integer member @key of fault @f within [min, max]: 1 with *out, 0 when
 * absent, -1 with @why. */
static int
fault_int(const cb_json_doc *d, const cb_json_node *f, const char *key, int64_t min, int64_t max,
    int64_t *out, size_t idx, char *why, size_t whylen)
{
	const cb_json_node *n = cb_json_get(d, f, key);

	if (n == NULL)
		return 0;
	if (n->type != CB_JSON_NUMBER || !n->is_int || n->i < min || n->i > max) {
		if (min == INT64_MIN)
			snprintf(why, whylen, "faults[%zu].%s: expected an integer", idx, key);
		else
			snprintf(why, whylen, "faults[%zu].%s: %" PRId64 "..%" PRId64, idx, key, min, max);
		return -1;
	}
	*out = n->i;
	return 1;
}

/* The path and kind of a fault, with the kind's defaults; 0 or -1 with @why. */
static int
fault_what(const cb_json_doc *d, const cb_json_node *f, size_t idx, struct sim_fault *out, char *why,
    size_t whylen)
{
	const cb_json_node *n = cb_json_get(d, f, "path");
	size_t i, o;

	if (n == NULL || n->type != CB_JSON_STRING || !fault_path_ok(n->str)) {
		o = (size_t)snprintf(why, whylen, "faults[%zu].path: one of *", idx);
		for (i = 0; i < CB_MKT_EP_COUNT && o < whylen; i++)
			o += (size_t)snprintf(why + o, whylen - o, " %s", cb_mkt_endpoint_get((cb_mkt_ep)i)->path);
		return -1;
	}
	snprintf(out->path, sizeof(out->path), "%s", n->str);
	n = cb_json_get(d, f, "kind");
	for (i = 0; n && n->type == CB_JSON_STRING && i < sizeof(fault_kinds) / sizeof(fault_kinds[0]); i++)
		if (strcmp(n->str, fault_kinds[i].name) == 0)
			break;
	if (n == NULL || n->type != CB_JSON_STRING || i == sizeof(fault_kinds) / sizeof(fault_kinds[0])) {
		snprintf(why, whylen, "faults[%zu].kind: one of error rate_limit http_5xx slow timeout drop malformed", idx);
		return -1;
	}
	out->kind = fault_kinds[i].kind;
	out->apply = fault_kinds[i].apply;
	out->http_status = fault_kinds[i].status;
	out->delay_ms = fault_kinds[i].delay_ms;
	if (out->kind == F_RATE_LIMIT) {
		out->code = 36009002;
		snprintf(out->message, sizeof(out->message), "Too many requests");
	}
	return 0;
}

/* The members that say how it fails (code, message, http_status, body). */
static int
fault_how(const cb_json_doc *d, const cb_json_node *f, size_t idx, struct sim_fault *out, char *why,
    size_t whylen)
{
	const cb_json_node *n;
	int64_t v;

	if (fault_int(d, f, "code", INT64_MIN, INT64_MAX, &out->code, idx, why, whylen) < 0)
		return -1;
	if (out->kind == F_ERROR && out->code == 0) {
		snprintf(why, whylen, "faults[%zu]: kind error needs a non-zero code", idx);
		return -1;
	}
	if ((n = cb_json_get(d, f, "message")) != NULL) {
		if (n->type != CB_JSON_STRING || n->str_len >= sizeof(out->message)) {
			snprintf(why, whylen, "faults[%zu].message: expected a string under %zu bytes", idx, sizeof(out->message));
			return -1;
		}
		snprintf(out->message, sizeof(out->message), "%s", n->str);
	}
	switch (fault_int(d, f, "http_status", 100, 599, &v, idx, why, whylen)) {
	case -1: return -1;
	case 1: out->http_status = (int)v; break;
	}
	if ((n = cb_json_get(d, f, "body")) != NULL) {
		if (out->kind != F_MALFORMED || n->type != CB_JSON_STRING || n->str_len > 65536) {
			snprintf(why, whylen, "faults[%zu].body: only for kind malformed, a string up to 64 KiB", idx);
			return -1;
		}
		if ((out->body = cb__strndup(n->str, n->str_len)) == NULL) {
			snprintf(why, whylen, "out of memory");
			return -1;
		}
	}
	return 0;
}

/* The members that say when (delay_ms, apply, count). */
static int
fault_when(const cb_json_doc *d, const cb_json_node *f, size_t idx, struct sim_fault *out, unsigned *count,
    char *why, size_t whylen)
{
	const cb_json_node *n;
	int64_t v;

	switch (fault_int(d, f, "delay_ms", 0, 600000, &v, idx, why, whylen)) {
	case -1: return -1;
	case 1: out->delay_ms = (unsigned)v; break;
	}
	if ((n = cb_json_get(d, f, "apply")) != NULL) {
		if (n->type != CB_JSON_BOOL) {
			snprintf(why, whylen, "faults[%zu].apply: expected true or false", idx);
			return -1;
		}
		out->apply = n->b;
	}
	switch (fault_int(d, f, "count", 1, 1000, &v, idx, why, whylen)) {
	case -1: return -1;
	case 1: *count = (unsigned)v; break;
	}
	return 0;
}

static int
fault_parse(const cb_json_doc *d, const cb_json_node *f, size_t idx, struct sim_fault *out,
    unsigned *count, char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	*count = 1;
	if (f->type != CB_JSON_OBJECT) {
		snprintf(why, whylen, "faults[%zu]: expected an object", idx);
		return -1;
	}
	if (fault_what(d, f, idx, out, why, whylen) != 0 || fault_when(d, f, idx, out, count, why, whylen) != 0 ||
	    fault_how(d, f, idx, out, why, whylen) != 0) {
		free(out->body);
		out->body = NULL;
		return -1;
	}
	return 0;
}

int
sim_faults_add(struct sim *s, const char *json, size_t len, char *why, size_t whylen)
{
	cb_json_doc *d = NULL;
	cb_json_error jerr;
	const cb_json_node *root, *list, *f;
	struct sim_fault x;
	size_t i, added = 0, start = s->nfaults;
	unsigned count, k;

	why[0] = '\0';
	if (cb_json_parse(&d, json, len, CB_MAX_JSON_DEPTH, &jerr) != 0) {
		snprintf(why, whylen, "not JSON: %s (byte %zu)", jerr.message, jerr.offset);
		return -1;
	}
	root = cb_json_root(d);
	list = root->type == CB_JSON_OBJECT ? cb_json_get(d, root, "faults") : root;
	if (list == NULL && root->type == CB_JSON_OBJECT)
		list = root;	/* a single fault */
	for (i = 0, f = list->type == CB_JSON_ARRAY ? cb_json_child(d, list) : list; f != NULL;
	    f = list->type == CB_JSON_ARRAY ? cb_json_next(d, f) : NULL, i++) {
		if (fault_parse(d, f, i, &x, &count, why, whylen) != 0)
			goto fail;
		for (k = 0; k < count; k++) {
			if (s->nfaults == SIM_MAX_FAULTS) {
				snprintf(why, whylen, "more than %d faults queued", SIM_MAX_FAULTS);
				free(x.body);
				goto fail;
			}
			if (s->nfaults == s->cap_faults) {
				size_t ncap = s->cap_faults ? s->cap_faults * 2 : 16;
				struct sim_fault *nf = cb__reallocarray(s->faults, ncap, sizeof(*nf));
				if (nf == NULL) {
					snprintf(why, whylen, "out of memory");
					free(x.body);
					goto fail;
				}
				s->faults = nf;
				s->cap_faults = ncap;
			}
			s->faults[s->nfaults] = x;
			if (k > 0 && x.body != NULL && (s->faults[s->nfaults].body = cb__strdup(x.body)) == NULL) {
				snprintf(why, whylen, "out of memory");
				goto fail;
			}
			s->nfaults++;
			added++;
		}
	}
	cb_json_free(d);
	return (int)added;
fail:
	/* all or nothing: drop what this request queued */
	for (i = start; i < s->nfaults; i++)
		free(s->faults[i].body);
	s->nfaults = start;
	cb_json_free(d);
	return -1;
}

int
sim_fault_take(struct sim *s, const char *path, struct sim_fault *out)
{
	size_t i;

	for (i = 0; i < s->nfaults; i++) {
		if (strcmp(s->faults[i].path, path) != 0 && strcmp(s->faults[i].path, "*") != 0)
			continue;
		*out = s->faults[i];	/* the caller owns body now */
		memmove(&s->faults[i], &s->faults[i + 1], (s->nfaults - i - 1) * sizeof(s->faults[0]));
		s->nfaults--;
		return 1;
	}
	return 0;
}

void
sim_faults_json(cb_jw *w, const struct sim *s)
{
	size_t i;

	cb_jw_obj_begin(w);
	cb_jw_key(w, "faults");
	cb_jw_arr_begin(w);
	for (i = 0; i < s->nfaults; i++) {
		const struct sim_fault *f = &s->faults[i];
		cb_jw_obj_begin(w);
		cb_jw_kstr(w, "path", f->path);
		cb_jw_kstr(w, "kind", fault_kinds[f->kind].name);
		if (f->code != 0)
			cb_jw_kint(w, "code", f->code);
		if (f->message[0] != '\0')
			cb_jw_kstr(w, "message", f->message);
		if (f->http_status != 0)
			cb_jw_kint(w, "http_status", f->http_status);
		if (f->delay_ms != 0)
			cb_jw_kint(w, "delay_ms", f->delay_ms);
		cb_jw_kbool(w, "apply", f->apply);
		cb_jw_obj_end(w);
	}
	cb_jw_arr_end(w);
	cb_jw_obj_end(w);
}

/* ------------------------------------------------------------------ */
/* reverse reasons */

int
sim_reasons_set(struct sim *s, const char *json, size_t len, char *why, size_t whylen)
{
	cb_json_doc *d = NULL;
	cb_json_error jerr;
	const cb_json_node *root, *list, *it, *k, *t;
	cb_buf b = CB_BUF_INIT(CB_MAX_MARKET_RESPONSE);
	cb_jw w;
	char rid[64];
	size_t i;
	int rc = -1;

	if (cb_json_parse(&d, json, len, CB_MAX_JSON_DEPTH, &jerr) != 0) {
		snprintf(why, whylen, "not JSON: %s (byte %zu)", jerr.message, jerr.offset);
		return -1;
	}
	root = cb_json_root(d);
	list = root->type == CB_JSON_ARRAY ? root
	    : root->type == CB_JSON_OBJECT ? cb_json_get(d, root, "reverse_reason_list") : NULL;
	if (list == NULL || list->type != CB_JSON_ARRAY) {
		snprintf(why, whylen, "expected {\"reverse_reason_list\": [...]}");
		goto out;
	}
	for (i = 0, it = cb_json_child(d, list); it != NULL; it = cb_json_next(d, it), i++) {
		k = it->type == CB_JSON_OBJECT ? cb_json_get(d, it, "reverse_reason_key") : NULL;
		t = it->type == CB_JSON_OBJECT ? cb_json_get(d, it, "reverse_reason") : NULL;
		if (k == NULL || k->type != CB_JSON_STRING || t == NULL || t->type != CB_JSON_STRING) {
			snprintf(why, whylen, "reverse_reason_list[%zu]: needs reverse_reason_key and reverse_reason strings", i);
			goto out;
		}
	}
	sim_request_id(s, rid, sizeof(rid), (int64_t)time(NULL) + s->clock_offset_s);
	/* Re-serialise the list rather than copy the caller's bytes: the tree
	 * has no end offsets, and rewriting keeps the reply canonical. */
	cb_jw_init(&w, &b, 0);
	cb_jw_obj_begin(&w);
	cb_jw_kint(&w, "code", 0);
	cb_jw_kstr(&w, "message", "Success");
	cb_jw_kstr(&w, "request_id", rid);
	cb_jw_key(&w, "data");
	cb_jw_obj_begin(&w);
	cb_jw_key(&w, "reverse_reason_list");
	cb_jw_arr_begin(&w);
	for (it = cb_json_child(d, list); it != NULL; it = cb_json_next(d, it)) {
		const cb_json_node *st = cb_json_get(d, it, "available_order_status_list"), *v;
		k = cb_json_get(d, it, "reverse_reason_key");
		t = cb_json_get(d, it, "reverse_reason");
		cb_jw_obj_begin(&w);
		if (st != NULL && st->type == CB_JSON_ARRAY) {
			cb_jw_key(&w, "available_order_status_list");
			cb_jw_arr_begin(&w);
			for (v = cb_json_child(d, st); v != NULL; v = cb_json_next(d, v)) {
				if (v->type == CB_JSON_NUMBER && v->is_int)
					cb_jw_int(&w, v->i);
				else if (v->type == CB_JSON_STRING)
					cb_jw_strn(&w, v->str, v->str_len);
			}
			cb_jw_arr_end(&w);
		}
		cb_jw_kstrn(&w, "reverse_reason", t->str, t->str_len);
		cb_jw_kstrn(&w, "reverse_reason_key", k->str, k->str_len);
		cb_jw_obj_end(&w);
	}
	cb_jw_arr_end(&w);
	cb_jw_obj_end(&w);
	cb_jw_obj_end(&w);
	if (b.failed) {
		snprintf(why, whylen, "reason list too large");
		goto out;
	}
	free(s->reasons);
	s->reasons = cb_buf_detach(&b, &s->reasons_len);
	rc = s->reasons != NULL ? (int)i : -1;
	if (rc < 0)
		snprintf(why, whylen, "out of memory");
out:
	cb_buf_reset(&b);
	cb_json_free(d);
	return rc;
}

/* ------------------------------------------------------------------ */

void
sim_reset(struct sim *s)
{
	size_t i;

	for (i = 0; i < s->norders; i++)
		order_clear(&s->orders[i]);
	s->norders = 0;
	s->ncancels = 0;
	for (i = 0; i < s->nfaults; i++)
		free(s->faults[i].body);
	s->nfaults = 0;
	memset(s->counts, 0, sizeof(s->counts));
}

void
sim_free(struct sim *s)
{
	sim_reset(s);
	free(s->orders);
	free(s->cancels);
	free(s->faults);
	free(s->reasons);
	cb_mkt_config_free(s->cfg);
}
