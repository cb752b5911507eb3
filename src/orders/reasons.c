/*
 * reasons.c - the reverse reason of a cancellation: which key is sent
 * (the one asked for, checked with cb_check() against the current
 * tiktok-reverse-reason set in the order's status, or the default), and
 * the next version of that mirrored set built from the list the
 * marketplace returns (docs/orders.md, "Reverse reasons").
 *
 * The new version is written as a code-set document and loaded like any
 * other, so it passes the same validation, and then the governance gate
 * (the caller publishes it): a mirror may retire keys but never delete
 * them, and the gate refuses what would break the set's users.
 */
#include "err.h"
#include "market.h"
#include "orders.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../shim/json_shim.h"
#include "alloc.h"
#include "buf.h"
#include "cb_limits.h"
#include "jsonw.h"

#define DIM "order_status"


const char *
cb_reason_text(const cb_codeset *rr, const char *key)
{
	const cb_entry *e;
	const char *t;

	if (rr == NULL || key == NULL || (e = cb_codeset_find(rr, key, strlen(key))) == NULL)
		return NULL;
	if ((t = cb_entry_attribute(e, "display_text")) != NULL && t[0] != '\0')
		return t;
	return cb_entry_description(e);
}

/* May @e be sent as a seller's cancel reason in dimension value (d, v)? */
static int
usable(const cb_codeset *rr, const cb_entry *e, size_t d, size_t v)
{
	cb_status s = cb_entry_status(e);

	return cb_entry_code(e) != NULL && strcmp(cb_entry_category(e), CB_REASON_CATEGORY) == 0 &&
	    (s == CB_STATUS_ACTIVE || (s == CB_STATUS_DEPRECATED && !cb_codeset_rejects_deprecated(rr))) &&
	    cb_entry_admits(e, d, v);
}

/* "a, b, c" of the keys usable in (d, v), or "none". */
static void
available(const cb_codeset *rr, size_t d, size_t v, char *out, size_t size)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < cb_codeset_entry_count(rr) && o < size; i++) {
		const cb_entry *e = cb_codeset_entry(rr, i);
		if (usable(rr, e, d, v))
			o += (size_t)snprintf(out + o, size - o, "%s%s", o ? ", " : "", cb_entry_code(e));
	}
	if (o == 0)
		(void)snprintf(out, size, "none");
}

static const char *
article(cb_ord_status st)
{
	return st == CB_ORD_INCOMPLETE ? "an" : "a";
}

/* Where a status the reasons are judged in is. */
struct pick {
	const cb_codeset *rr;
	cb_ord_status     st;
	const char       *status_value;
	size_t            d, v;        /* the dimension and its value */
	cb_ctx            ctx;
	char              avail[2048]; /* the keys usable there */
};

/* No key asked for: the default, or where it does not suit the status the
 * "Out of stock" seller-cancel reason that does (seed 003: the unpaid key
 * for status 0). */
static int
pick_default(const struct pick *pk, const char **key, int *defaulted, char *err, size_t errlen)
{
	const cb_codeset *rr = pk->rr;
	cb_check_result r;
	size_t i;

	cb_check(&r, rr, CB_REASON_DEFAULT, strlen(CB_REASON_DEFAULT), &pk->ctx, 1);
	if (r.accepted && r.entry != NULL && usable(rr, r.entry, pk->d, pk->v)) {
		*key = cb_entry_code(r.entry);
		*defaulted = 1;
		return 0;
	}
	for (i = 0; i < cb_codeset_entry_count(rr); i++) {
		const cb_entry *e = cb_codeset_entry(rr, i);
		const char *t = cb_reason_text(rr, cb_entry_code(e));
		if (usable(rr, e, pk->d, pk->v) && t != NULL && strcasecmp(t, CB_REASON_DEFAULT_TEXT) == 0) {
			*key = cb_entry_code(e);
			*defaulted = 1;
			return 0;
		}
	}
	(void)snprintf(err, errlen, "No reason key was given and there is no default for %s %s order "
	    "(order status %s): neither %s nor another \"%s\" reason is available. Keys available: %s.",
	    article(pk->st), cb_ord_status_name(pk->st), pk->status_value, CB_REASON_DEFAULT,
	    CB_REASON_DEFAULT_TEXT, pk->avail);
	return 1;
}

/* The key asked for, checked in the order's status. */
static int
pick_requested(const struct pick *pk, const char *requested, const char **key, char *err, size_t errlen)
{
	const cb_codeset *rr = pk->rr;
	const char *st = cb_ord_status_name(pk->st), *sv = pk->status_value, *art = article(pk->st);
	cb_check_result r;

	cb_check(&r, rr, requested, strlen(requested), &pk->ctx, 1);
	switch (r.reason) {
	case CB_VALID:
	case CB_DEPRECATED:
		if (!r.accepted) {
			(void)snprintf(err, errlen, "Reason key \"%s\" is deprecated and no longer accepted. Keys "
			    "available for %s %s order (order status %s): %s.", requested, art, st, sv, pk->avail);
			return 1;
		}
		/* FALLTHROUGH */
	case CB_NOT_APPLICABLE:
		if (r.entry != NULL && strcmp(cb_entry_category(r.entry), CB_REASON_CATEGORY) != 0) {
			(void)snprintf(err, errlen, "Reason key \"%s\" is a %s reason, not a seller's cancel "
			    "reason. Keys available for %s %s order (order status %s): %s.", requested,
			    cb_entry_category(r.entry), art, st, sv, pk->avail);
			return 1;
		}
		if (r.reason == CB_NOT_APPLICABLE) {
			(void)snprintf(err, errlen, "Reason key \"%s\" is not available for %s %s order (order "
			    "status %s). Keys available: %s.", requested, art, st, sv, pk->avail);
			return 1;
		}
		*key = requested;
		return 0;
	case CB_RETIRED:
		(void)snprintf(err, errlen, "Reason key \"%s\" was retired: TikTok Shop no longer lists it (%s "
		    "v%d). Keys available for %s %s order (order status %s): %s.", requested, cb_codeset_name(rr),
		    cb_codeset_version(rr), art, st, sv, pk->avail);
		return 1;
	default:
		(void)snprintf(err, errlen, "Reason key \"%s\" is not a TikTok Shop reverse reason (%s v%d). Keys "
		    "available for %s %s order (order status %s): %s.", requested, cb_codeset_name(rr),
		    cb_codeset_version(rr), art, st, sv, pk->avail);
		return 1;
	}
}

int
cb_reason_pick(const cb_codeset *rr, cb_ord_status st, const char *status_value,
    const char *requested, const char **key, int *defaulted, char *err, size_t errlen)
{
	struct pick pk;
	char values[256];
	int d, v;
	size_t i, o = 0;

	*key = NULL;
	*defaulted = 0;
	if ((d = cb_codeset_dim_index(rr, DIM, strlen(DIM))) < 0) {
		(void)snprintf(err, errlen, "The reverse reason set %s v%d has no %s dimension: it cannot say "
		    "which reasons suit this order.", cb_codeset_name(rr), cb_codeset_version(rr), DIM);
		return 1;
	}
	if ((v = cb_codeset_dim_value_index(rr, (size_t)d, status_value, strlen(status_value))) < 0) {
		values[0] = '\0';
		for (i = 0; i < cb_codeset_dim_value_count(rr, (size_t)d) && o < sizeof(values); i++)
			o += (size_t)snprintf(values + o, sizeof(values) - o, "%s%s", i ? ", " : "",
			    cb_codeset_dim_value(rr, (size_t)d, i));
		(void)snprintf(err, errlen, "No reverse reason is known for order status %s (the shop's value "
		    "for %s; %s v%d knows %s): sync the reverse reasons or correct the shop's configuration.",
		    status_value, cb_ord_status_name(st), cb_codeset_name(rr), cb_codeset_version(rr), values);
		return 1;
	}
	pk.rr = rr;
	pk.st = st;
	pk.status_value = status_value;
	pk.d = (size_t)d;
	pk.v = (size_t)v;
	pk.ctx = cb_ctx_make(DIM, status_value);
	available(rr, pk.d, pk.v, pk.avail, sizeof(pk.avail));
	if (requested == NULL)
		return pick_default(&pk, key, defaulted, err, errlen);
	return pick_requested(&pk, requested, key, err, errlen);
}

/* ---- the sync: the next version of the mirror ---------------------------- */

/* Categories of new keys, by prefix (the seed's list names them so). */
static const struct { const char *prefix; const char *category; } prefixes[] = {
	{ "seller_cancel_", "seller_cancel" },
	{ "reverse_reject_request_", "reject_request" },
	{ "reverse_reject_return_parcel_", "reject_return_parcel" },
	{ "order_manage_list_action_respond_popup_reject_", "reject_cancellation" },
};
#define OTHER_CATEGORY "other"
#define OTHER_DESCRIPTION "Reverse reasons whose key does not say what they are for (added by a sync)."

static const char *
category_of(const cb_mkt_reason *r)
{
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(r->key, prefixes[i].prefix, strlen(prefixes[i].prefix)) == 0)
			return prefixes[i].category;
	/* only cancel reasons come with statuses in the seed's list */
	return r->has_statuses ? CB_REASON_CATEGORY : OTHER_CATEGORY;
}

/* Write node @n of @d as JSON. */
static void
emit(cb_jw *w, const cb_json_doc *d, const cb_json_node *n)
{
	const cb_json_node *c;

	switch (n->type) {
	case CB_JSON_NULL: cb_jw_null(w); break;
	case CB_JSON_BOOL: cb_jw_bool(w, n->b); break;
	case CB_JSON_NUMBER:
		if (n->is_int)
			cb_jw_int(w, (long long)n->i);
		else
			cb_jw_double(w, n->d);
		break;
	case CB_JSON_STRING: cb_jw_strn(w, n->str, n->str_len); break;
	case CB_JSON_ARRAY:
		cb_jw_arr_begin(w);
		for (c = cb_json_child(d, n); c != NULL; c = cb_json_next(d, c))
			emit(w, d, c);
		cb_jw_arr_end(w);
		break;
	case CB_JSON_OBJECT:
		cb_jw_obj_begin(w);
		for (c = cb_json_child(d, n); c != NULL; c = cb_json_next(d, c)) {
			cb_jw_keyn(w, c->key, c->key_len);
			emit(w, d, c);
		}
		cb_jw_obj_end(w);
		break;
	}
}

/* The first reason of @rs with key @key (NULL-terminated, length @len). */
static const cb_mkt_reason *
upstream(const cb_mkt_reasons *rs, const char *key, size_t len)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (strlen(rs->items[i].key) == len && memcmp(rs->items[i].key, key, len) == 0)
			return &rs->items[i];
	return NULL;
}

static void
emit_statuses(cb_jw *w, const cb_mkt_reason *r)
{
	size_t i, j;

	cb_jw_key(w, DIM);
	cb_jw_arr_begin(w);
	for (i = 0; i < r->nstatuses; i++) {
		for (j = 0; j < i && strcmp(r->statuses[j], r->statuses[i]) != 0; j++)
			;
		if (j == i)
			cb_jw_str(w, r->statuses[i]);
	}
	cb_jw_arr_end(w);
}

static const char *
text_of(const cb_mkt_reason *r)
{
	return r->text != NULL && r->text[0] != '\0' ? r->text : r->key;
}

/* One existing entry: as it was, with its status, display text and
 * statuses as upstream says now (or retired when upstream dropped it). */
static void
emit_entry(cb_jw *w, const cb_json_doc *d, const cb_json_node *e, const cb_mkt_reasons *rs)
{
	const cb_json_node *code = cb_json_get(d, e, "code"), *c, *a;
	const cb_mkt_reason *up = code && code->type == CB_JSON_STRING ? upstream(rs, code->str, code->str_len) : NULL;
	const cb_json_node *st = cb_json_get(d, e, "status");
	int applies_done = 0, attrs_done = 0;

	if (code == NULL || code->type != CB_JSON_STRING) {
		emit(w, d, e);	/* a row without a code: kept as it is */
		return;
	}
	cb_jw_obj_begin(w);
	for (c = cb_json_child(d, e); c != NULL; c = cb_json_next(d, c)) {
		if (strcmp(c->key, "status") == 0) {
			cb_jw_key(w, "status");
			if (up == NULL)
				cb_jw_str(w, "retired");
			else if (c->type == CB_JSON_STRING && strcmp(c->str, "retired") == 0)
				cb_jw_str(w, "active");	/* upstream lists it again */
			else
				emit(w, d, c);
			continue;
		}
		if (up != NULL && strcmp(c->key, "description") == 0) {
			cb_jw_kstr(w, "description", text_of(up));
			continue;
		}
		if (up != NULL && strcmp(c->key, "applies") == 0 && c->type == CB_JSON_OBJECT) {
			applies_done = 1;
			if (!up->has_statuses && c->nchildren <= (cb_json_get(d, c, DIM) ? 1u : 0u))
				continue;	/* nothing left to restrict */
			cb_jw_key(w, "applies");
			cb_jw_obj_begin(w);
			for (a = cb_json_child(d, c); a != NULL; a = cb_json_next(d, a)) {
				if (strcmp(a->key, DIM) == 0)
					continue;
				cb_jw_keyn(w, a->key, a->key_len);
				emit(w, d, a);
			}
			if (up->has_statuses)
				emit_statuses(w, up);
			cb_jw_obj_end(w);
			continue;
		}
		if (up != NULL && strcmp(c->key, "attributes") == 0 && c->type == CB_JSON_OBJECT) {
			attrs_done = 1;
			cb_jw_key(w, "attributes");
			cb_jw_obj_begin(w);
			for (a = cb_json_child(d, c); a != NULL; a = cb_json_next(d, a)) {
				if (strcmp(a->key, "display_text") == 0)
					continue;
				cb_jw_keyn(w, a->key, a->key_len);
				emit(w, d, a);
			}
			cb_jw_kstr(w, "display_text", text_of(up));
			cb_jw_obj_end(w);
			continue;
		}
		cb_jw_keyn(w, c->key, c->key_len);
		emit(w, d, c);
	}
	if (st == NULL && up == NULL)
		cb_jw_kstr(w, "status", "retired");
	if (up != NULL && !applies_done && up->has_statuses) {
		cb_jw_key(w, "applies");
		cb_jw_obj_begin(w);
		emit_statuses(w, up);
		cb_jw_obj_end(w);
	}
	if (up != NULL && !attrs_done) {
		cb_jw_key(w, "attributes");
		cb_jw_obj_begin(w);
		cb_jw_kstr(w, "display_text", text_of(up));
		cb_jw_obj_end(w);
	}
	cb_jw_obj_end(w);
}

/* The order_status dimension: the values it had, then those upstream
 * uses that it did not (in the order they first appear). */
static void
emit_contexts(cb_jw *w, const cb_json_doc *d, const cb_json_node *ctxs, const cb_mkt_reasons *rs)
{
	const cb_json_node *c, *m, *vals = NULL;
	size_t i, j;
	int have_dim = 0;

	cb_jw_obj_begin(w);
	for (c = ctxs ? cb_json_child(d, ctxs) : NULL; c != NULL; c = cb_json_next(d, c)) {
		cb_jw_keyn(w, c->key, c->key_len);
		if (strcmp(c->key, DIM) != 0 || c->type != CB_JSON_OBJECT) {
			emit(w, d, c);
			continue;
		}
		have_dim = 1;
		cb_jw_obj_begin(w);
		for (m = cb_json_child(d, c); m != NULL; m = cb_json_next(d, m)) {
			cb_jw_keyn(w, m->key, m->key_len);
			if (strcmp(m->key, "values") != 0 || m->type != CB_JSON_ARRAY) {
				emit(w, d, m);
				continue;
			}
			vals = m;
			cb_jw_arr_begin(w);
			for (const cb_json_node *v = cb_json_child(d, m); v != NULL; v = cb_json_next(d, v))
				emit(w, d, v);
			for (i = 0; i < rs->n; i++)
				for (j = 0; j < rs->items[i].nstatuses; j++) {
					const char *s = rs->items[i].statuses[j];
					const cb_json_node *v;
					size_t k, l;
					int seen = 0;
					for (v = cb_json_child(d, vals); v != NULL && !seen; v = cb_json_next(d, v))
						seen = v->type == CB_JSON_STRING && strcmp(v->str, s) == 0;
					for (k = 0; k <= i && !seen; k++)
						for (l = 0; l < (k == i ? j : rs->items[k].nstatuses) && !seen; l++)
							seen = strcmp(rs->items[k].statuses[l], s) == 0;
					if (!seen)
						cb_jw_str(w, s);
				}
			cb_jw_arr_end(w);
		}
		cb_jw_obj_end(w);
	}
	if (!have_dim) {
		cb_jw_key(w, DIM);
		cb_jw_obj_begin(w);
		cb_jw_kstr(w, "description", "marketplace order status of the order (the values of "
		    "available_order_status_list)");
		cb_jw_key(w, "values");
		cb_jw_arr_begin(w);
		for (i = 0; i < rs->n; i++)
			for (j = 0; j < rs->items[i].nstatuses; j++) {
				size_t k, l;
				int seen = 0;
				for (k = 0; k <= i && !seen; k++)
					for (l = 0; l < (k == i ? j : rs->items[k].nstatuses) && !seen; l++)
						seen = strcmp(rs->items[k].statuses[l], rs->items[i].statuses[j]) == 0;
				if (!seen)
					cb_jw_str(w, rs->items[i].statuses[j]);
			}
		cb_jw_arr_end(w);
		cb_jw_obj_end(w);
	}
	cb_jw_obj_end(w);
}

/* Does the document already hold code @key (an entry) or category @cat? */
static int
has_code(const cb_json_doc *d, const cb_json_node *entries, const char *key)
{
	const cb_json_node *e, *c;

	for (e = entries ? cb_json_child(d, entries) : NULL; e != NULL; e = cb_json_next(d, e))
		if ((c = cb_json_get(d, e, "code")) != NULL && c->type == CB_JSON_STRING && strcmp(c->str, key) == 0)
			return 1;
	return 0;
}

static int
has_category(const cb_json_doc *d, const cb_json_node *cats, const char *name)
{
	const cb_json_node *c, *n;

	for (c = cats ? cb_json_child(d, cats) : NULL; c != NULL; c = cb_json_next(d, c))
		if ((n = cb_json_get(d, c, "name")) != NULL && n->type == CB_JSON_STRING && strcmp(n->str, name) == 0)
			return 1;
	return 0;
}

/* Is @r the first reason of @rs with its key? */
static int
first_of_key(const cb_mkt_reasons *rs, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (strcmp(rs->items[j].key, rs->items[i].key) == 0)
			return 0;
	return 1;
}

int
cb_reason_sync_build(cb_codeset **out, const cb_codeset *cur, const cb_mkt_reasons *rs,
    int version, char *why, size_t whylen)
{
	char *json = NULL, origin[96];
	size_t len = 0, i, off;
	cb_json_doc *d = NULL;
	cb_json_error jerr;
	const cb_json_node *root, *c, *entries, *cats;
	cb_buf b = CB_BUF_INIT(CB_MAX_CODESET_BYTES);
	int rc, need_other = 0;
	cb_jw w;

	*out = NULL;
	why[0] = '\0';
	for (i = 0; i < rs->n; i++)
		if (!cb_format_accepts(cur, rs->items[i].key, strlen(rs->items[i].key), &off)) {
			(void)snprintf(why, whylen, "the marketplace returned reason key \"%.128s\", which the format "
			    "of %s refuses (byte %zu)", rs->items[i].key, cb_codeset_name(cur), off);
			return cb__fail(CB_EPARSE, "%s", why);
		}
	if ((rc = cb_codeset_to_json(&json, &len, cur)) != CB_OK)
		return rc;
	memset(&jerr, 0, sizeof(jerr));
	if ((rc = cb_json_parse(&d, json, len, CB_MAX_JSON_DEPTH, &jerr)) != CB_OK) {
		rc = rc == CB_ENOMEM ? cb__fail(CB_ENOMEM, "out of memory")
		    : cb__fail(CB_ERROR, "the canonical JSON of %s does not parse: %s", cb_codeset_name(cur), jerr.message);
		goto out;
	}
	root = cb_json_root(d);
	entries = cb_json_get(d, root, "entries");
	cats = cb_json_get(d, root, "categories");
	for (i = 0; i < rs->n; i++)
		if (first_of_key(rs, i) && !has_code(d, entries, rs->items[i].key) &&
		    strcmp(category_of(&rs->items[i]), OTHER_CATEGORY) == 0)
			need_other = 1;
	if (need_other && has_category(d, cats, OTHER_CATEGORY))
		need_other = 0;

	cb_jw_init(&w, &b, 1);
	cb_jw_obj_begin(&w);
	for (c = cb_json_child(d, root); c != NULL; c = cb_json_next(d, c)) {
		if (strcmp(c->key, "version") == 0) {
			cb_jw_kint(&w, "version", version);
		} else if (strcmp(c->key, "contexts") == 0) {
			cb_jw_key(&w, "contexts");
			emit_contexts(&w, d, c, rs);
		} else if (strcmp(c->key, "categories") == 0 && c->type == CB_JSON_ARRAY) {
			cb_jw_key(&w, "categories");
			cb_jw_arr_begin(&w);
			for (const cb_json_node *k = cb_json_child(d, c); k != NULL; k = cb_json_next(d, k))
				emit(&w, d, k);
			if (need_other) {
				cb_jw_obj_begin(&w);
				cb_jw_kstr(&w, "name", OTHER_CATEGORY);
				cb_jw_kstr(&w, "description", OTHER_DESCRIPTION);
				cb_jw_obj_end(&w);
			}
			cb_jw_arr_end(&w);
		} else if (strcmp(c->key, "entries") == 0 && c->type == CB_JSON_ARRAY) {
			cb_jw_key(&w, "entries");
			cb_jw_arr_begin(&w);
			for (const cb_json_node *e = cb_json_child(d, c); e != NULL; e = cb_json_next(d, e))
				emit_entry(&w, d, e, rs);
			for (i = 0; i < rs->n; i++) {
				const cb_mkt_reason *r = &rs->items[i];
				if (!first_of_key(rs, i) || has_code(d, entries, r->key))
					continue;
				cb_jw_obj_begin(&w);
				cb_jw_kstr(&w, "code", r->key);
				cb_jw_kstr(&w, "category", category_of(r));
				cb_jw_kstr(&w, "description", text_of(r));
				cb_jw_kstr(&w, "status", "active");
				cb_jw_kint(&w, "since", version);
				if (r->has_statuses) {
					cb_jw_key(&w, "applies");
					cb_jw_obj_begin(&w);
					emit_statuses(&w, r);
					cb_jw_obj_end(&w);
				}
				cb_jw_key(&w, "attributes");
				cb_jw_obj_begin(&w);
				cb_jw_kstr(&w, "display_text", text_of(r));
				cb_jw_obj_end(&w);
				cb_jw_obj_end(&w);
			}
			cb_jw_arr_end(&w);
		} else {
			cb_jw_keyn(&w, c->key, c->key_len);
			emit(&w, d, c);
		}
	}
	if (cats == NULL && need_other) {
		cb_jw_key(&w, "categories");
		cb_jw_arr_begin(&w);
		cb_jw_obj_begin(&w);
		cb_jw_kstr(&w, "name", OTHER_CATEGORY);
		cb_jw_kstr(&w, "description", OTHER_DESCRIPTION);
		cb_jw_obj_end(&w);
		cb_jw_arr_end(&w);
	}
	cb_jw_obj_end(&w);
	if (b.failed) {
		rc = cb__fail(b.nomem ? CB_ENOMEM : CB_ETOOBIG, "the new version of %s is too large",
		    cb_codeset_name(cur));
		goto out;
	}
	(void)snprintf(origin, sizeof(origin), "%s v%d (sync)", cb_codeset_name(cur), version);
	if ((rc = cb_codeset_load_buffer(out, b.p, b.len, origin)) != CB_OK)
		(void)snprintf(why, whylen, "%s", cb_errmsg());
out:
	cb_buf_reset(&b);
	cb_json_free(d);
	cb_free(json);
	return rc;
}
