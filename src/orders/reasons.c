/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reasons.c - the reverse reason of a cancellation: which key is sent
 * (the one asked for, checked with cb_check() against the current
 * tiktok-reverse-reason set in the order's status, or the default), and
 * the next version of that mirrored set built from the list the
 * marketplace returns (docs/orders.md, "Reverse reasons").
 *
 * The new version is made with a cb_builder from the current one, so it
 * passes the loader's validation, and then the governance gate (the caller
 * publishes it): a mirror may retire keys but never delete them, and the
 * gate refuses what would break the set's users.
 */
#include "err.h"
#include "market.h"
#include "markets.h"
#include "orders.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


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
	cb_check_result r = CB_CHECK_RESULT_INIT;
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
	cb_check_result r = CB_CHECK_RESULT_INIT;

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

static const char *
text_of(const cb_mkt_reason *r)
{
	return r->text != NULL && r->text[0] != '\0' ? r->text : r->key;
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

/* Entry @i restricted to the statuses of @r, each once. */
static int
add_statuses(cb_builder *b, size_t i, const cb_mkt_reason *r)
{
	size_t k, j;
	int rc;

	for (k = 0; k < r->nstatuses; k++) {
		for (j = 0; j < k && strcmp(r->statuses[j], r->statuses[k]) != 0; j++)
			;
		if (j == k && (rc = cb_builder_entry_applies(b, i, DIM, r->statuses[k])) != CB_OK)
			return rc;
	}
	return CB_OK;
}

/* The order_status dimension: the values @cur has, then those upstream
 * uses that it does not (in the order they first appear). */
static int
add_status_values(cb_builder *b, const cb_codeset *cur, const cb_mkt_reasons *rs)
{
	int d = cb_codeset_dim_index(cur, DIM, strlen(DIM)), have_dim = d >= 0, rc;
	size_t i, j, k, l;

	for (i = 0; i < rs->n; i++) {
		for (j = 0; j < rs->items[i].nstatuses; j++) {
			const char *s = rs->items[i].statuses[j];
			int seen = d >= 0 && cb_codeset_dim_value_index(cur, (size_t)d, s, strlen(s)) >= 0;
			for (k = 0; k <= i && !seen; k++)
				for (l = 0; l < (k == i ? j : rs->items[k].nstatuses) && !seen; l++)
					seen = strcmp(rs->items[k].statuses[l], s) == 0;
			if (seen)
				continue;
			if (!have_dim) {
				if ((rc = cb_builder_add_dim(b, DIM, "marketplace order status of the order (the "
				    "values of available_order_status_list)")) != CB_OK)
					return rc;
				have_dim = 1;
			}
			if ((rc = cb_builder_add_dim_value(b, DIM, s)) != CB_OK)
				return rc;
		}
	}
	return CB_OK;
}

/* Entry @i, a copy of @e of the current set, as upstream has it now: its
 * status, display text and statuses; retired when upstream dropped it. */
static int
update_entry(cb_builder *b, size_t i, const cb_entry *e, const cb_mkt_reasons *rs)
{
	const char *code = cb_entry_code(e);
	cb_entry_spec s = CB_ENTRY_SPEC_INIT;
	const cb_mkt_reason *up;
	int rc;

	if (code == NULL)
		return CB_OK;	/* a row without a code: kept as it is */
	up = upstream(rs, code, strlen(code));
	if ((rc = cb_builder_get_entry(&s, b, i)) != CB_OK)
		return rc;
	if (up == NULL)
		s.status = CB_STATUS_RETIRED;
	else if (s.status == CB_STATUS_RETIRED)
		s.status = CB_STATUS_ACTIVE;	/* upstream lists it again */
	if (up != NULL && s.description != NULL)
		s.description = text_of(up);
	if ((rc = cb_builder_set_entry(b, i, &s)) != CB_OK || up == NULL)
		return rc;
	if ((rc = cb_builder_entry_clear_applies(b, i, DIM)) != CB_OK ||
	    (up->has_statuses && (rc = add_statuses(b, i, up)) != CB_OK))
		return rc;
	/* the display text goes last, as the marketplace words it now */
	if ((rc = cb_builder_entry_set_attribute(b, i, "display_text", NULL)) != CB_OK)
		return rc;
	return cb_builder_entry_set_attribute(b, i, "display_text", text_of(up));
}

/* A key upstream has and @cur does not, added at version @version. */
static int
add_reason(cb_builder *b, const cb_mkt_reason *r, int version)
{
	cb_entry_spec s = CB_ENTRY_SPEC_INIT;
	size_t i;
	int rc;

	s.code = r->key;
	s.category = category_of(r);
	s.description = text_of(r);
	s.status = CB_STATUS_ACTIVE;
	s.since = version;
	if ((rc = cb_builder_add_entry(b, &s, &i)) != CB_OK ||
	    (r->has_statuses && (rc = add_statuses(b, i, r)) != CB_OK))
		return rc;
	return cb_builder_entry_set_attribute(b, i, "display_text", text_of(r));
}

/* The keys the new version cannot hold: one the format refuses, or one
 * upstream makes available in no status at all. */
static int
refuse_keys(const cb_codeset *cur, const cb_mkt_reasons *rs, char *why, size_t whylen)
{
	size_t i, off;

	for (i = 0; i < rs->n; i++) {
		const cb_mkt_reason *r = &rs->items[i];
		if (!cb_format_accepts(cur, r->key, strlen(r->key), &off)) {
			(void)snprintf(why, whylen, "the marketplace returned reason key \"%.128s\", which the format "
			    "of %s refuses (byte %zu)", r->key, cb_codeset_name(cur), off);
			return cb__fail(CB_EPARSE, "%s", why);
		}
		if (first_of_key(rs, i) && r->has_statuses && r->nstatuses == 0) {
			(void)snprintf(why, whylen, "the marketplace returned reason key \"%.128s\" with an empty "
			    "available_order_status_list: it suits no order status", r->key);
			return cb__fail(CB_EPARSE, "%s", why);
		}
	}
	return CB_OK;
}

/* Descriptions of the categories a new market's mirror declares (the
 * bundled GB list's). */
static const char *const category_text[] = {
	"Seller cancels an order before shipment.",
	"Seller rejects a buyer's return/refund request.",
	"Seller rejects a returned parcel.",
	"Seller rejects a buyer's cancellation request.",
};
_Static_assert(sizeof(category_text) / sizeof(category_text[0]) == sizeof(prefixes) / sizeof(prefixes[0]),
    "a description for each category of the prefixes");

int
cb_reason_set_empty(cb_codeset **out, const char *market)
{
	cb_format f = CB_FORMAT_INIT;
	cb_builder *b = NULL;
	char name[CB_SET_NAME_SIZE], title[96], desc[512];
	size_t i;
	int rc;

	*out = NULL;
	if (!cb_market_check(market, strlen(market)))
		return cb__fail(CB_EINVAL, "\"%.16s\" is not a market code (two letters A-Z)", market);
	cb_reason_set_name(name, market);
	(void)snprintf(title, sizeof(title), "TikTok Shop reverse reasons, market %s", market);
	(void)snprintf(desc, sizeof(desc), "Reverse reason keys of TikTok Shop in market %s, mirrored from the "
	    "marketplace's reverse reason list by the sync. The display text is the marketplace's "
	    "reverse_reason; keys the marketplace drops become retired, never deleted.", market);
	/* the format of a list not seen yet: what keys and ids are made of */
	f.charset = "A-Za-z0-9_.:-";
	f.shape = CB_SHAPE_PLAIN;
	f.letter_case = CB_CASE_LOWER;
	f.case_enforced = 0;
	if ((rc = cb_builder_new(&b, name, title, 1)) != CB_OK ||
	    (rc = cb_builder_set_description(b, desc)) != CB_OK ||
	    (rc = cb_builder_set_source(b, "TikTok Shop: GET /api/reverse/reverse_reason/list (sync)")) != CB_OK ||
	    (rc = cb_builder_set_mirror(b, 1)) != CB_OK ||
	    (rc = cb_builder_set_format(b, &f)) != CB_OK)
		goto out;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if ((rc = cb_builder_add_category(b, prefixes[i].category, category_text[i])) != CB_OK)
			goto out;
	rc = cb_builder_finish(out, b, name);
out:
	cb_builder_free(b);
	return rc;
}

int
cb_reason_sync_build(cb_codeset **out, const cb_codeset *cur, const cb_mkt_reasons *rs,
    int version, char *why, size_t whylen)
{
	cb_builder *b = NULL;
	char origin[96];
	size_t i, n;
	int rc, need_other = 0;

	*out = NULL;
	why[0] = '\0';
	if ((rc = refuse_keys(cur, rs, why, whylen)) != CB_OK)
		return rc;
	for (i = 0; i < rs->n; i++)
		if (first_of_key(rs, i) && cb_codeset_find(cur, rs->items[i].key, strlen(rs->items[i].key)) == NULL &&
		    strcmp(category_of(&rs->items[i]), OTHER_CATEGORY) == 0)
			need_other = 1;
	if (need_other && cb_codeset_category_index(cur, OTHER_CATEGORY, strlen(OTHER_CATEGORY)) >= 0)
		need_other = 0;

	/* the current version, changed where upstream differs */
	if ((rc = cb_builder_from(&b, cur)) != CB_OK ||
	    (rc = cb_builder_set_version(b, version)) != CB_OK ||
	    (rc = add_status_values(b, cur, rs)) != CB_OK ||
	    (need_other && (rc = cb_builder_add_category(b, OTHER_CATEGORY, OTHER_DESCRIPTION)) != CB_OK))
		goto out;
	n = cb_codeset_entry_count(cur);
	for (i = 0; i < n; i++)
		if ((rc = update_entry(b, i, cb_codeset_entry(cur, i), rs)) != CB_OK)
			goto out;
	for (i = 0; i < rs->n; i++) {
		const cb_mkt_reason *r = &rs->items[i];
		if (first_of_key(rs, i) && cb_codeset_find(cur, r->key, strlen(r->key)) == NULL &&
		    (rc = add_reason(b, r, version)) != CB_OK)
			goto out;
	}
	(void)snprintf(origin, sizeof(origin), "%s v%d (sync)", cb_codeset_name(cur), version);
	rc = cb_builder_finish(out, b, origin);
out:
	if (rc != CB_OK)
		(void)snprintf(why, whylen, "%s", cb_errmsg());
	cb_builder_free(b);
	return rc;
}
