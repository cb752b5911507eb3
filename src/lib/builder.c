/* SPDX-License-Identifier: Apache-2.0 */
/*
 * builder.c - a code set assembled from calls (codebook/builder.h).
 *
 * The builder keeps what it is told, as the file format has it: strings,
 * declarations in order, each entry's context restrictions as (dimension,
 * value) pairs.  It refuses at once only what it cannot hold (NULL
 * arguments, more than a limit allows); cb_builder_finish() then makes the
 * set through make.c, in the loader's order and with the loader's rules and
 * messages, so that a built set and a loaded one cannot differ.
 */
#include "codeset_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUILDER_MAX_RULES 16
#define BUILDER_MAX_RULE_NAME 64

struct bpair {
	char *bp_a;             /* applies: dimension; attribute: key */
	char *bp_b;             /* value */
};

struct bdim {
	char  *bd_name, *bd_description;
	char **bd_values;       /* CB_MAX_DIM_VALUES slots, made on the first value */
	size_t bd_nvalues;
	int    bd_descriptive;
};

struct bcat {
	char *bc_name, *bc_description;
};

struct bhnd {
	char     *bh_name, *bh_description;
	cb_action bh_action;
	int       bh_contact_support;
};

struct bentry {
	char         *be_code, *be_category, *be_description, *be_replaced_by, *be_handling;
	cb_status     be_status;
	int           be_since, be_deprecated_since, be_http_status, be_not_an_error;
	int           be_id, be_editorial_version;
	char         *be_editorial_note;
	struct bpair *be_applies;
	size_t        be_napplies, be_capplies;
	struct bpair *be_attrs;
	size_t        be_nattrs, be_cattrs;
};

struct cb_builder {
	char          *b_name, *b_title, *b_description, *b_source;
	int            b_version;
	int            b_mirror, b_repeated, b_reject;
	char          *b_charset;
	cb_shape       b_shape;
	cb_case        b_case;
	int            b_case_enforced;
	unsigned       b_min, b_max;
	int            b_has_policy;
	cb_policy      b_policy;
	struct bdim    b_dims[CB_MAX_DIMS];
	size_t         b_ndims;
	struct bcat   *b_cats;
	size_t         b_ncats, b_ccats;
	struct bhnd    b_hnd[CB_MAX_HANDLING];
	size_t         b_nhnd;
	struct bentry *b_entries;
	size_t         b_nentries, b_centries;
	char          *b_rules[BUILDER_MAX_RULES];	/* opt-in rules, judged by finish */
	size_t         b_nrules;
};

/* ---- storage ------------------------------------------------------------------- */

/* Replace *@dst by a copy of @s (NULL: none).  @what names the call. */
static int
set_str(char **dst, const char *s, const char *what)
{
	char *c = NULL;
	size_t n;

	if (s != NULL) {
		if ((n = strlen(s)) > CB_MAX_STRING)
			return cb__fail(CB_ETOOBIG, "%s: a string of %zu bytes, at most %u allowed", what, n,
			    CB_MAX_STRING);
		if ((c = cb__strndup(s, n)) == NULL)
			return cb__fail(CB_ENOMEM, "out of memory");
	}
	free(*dst);
	*dst = c;
	return CB_OK;
}

/* The capacity an array of @n used of @cap needs for one more, at most
 * @max: *@ncap == @cap when it has room. */
static int
next_cap(size_t n, size_t cap, size_t max, const char *what, size_t *ncap)
{
	*ncap = cap;
	if (n < cap)
		return CB_OK;
	if (n >= max)
		return cb__fail(CB_ETOOBIG, "%s: at most %zu allowed", what, max);
	*ncap = cap ? cap * 2 : 8;
	if (*ncap > max)
		*ncap = max;
	return CB_OK;
}

/* Make room in array @arr (@n used of @cap) of at most @max, or return. */
#define GROW(arr, n, cap, max, what) do {					\
	size_t ncap_;								\
	int rc_ = next_cap((n), (cap), (max), (what), &ncap_);			\
	if (rc_ != CB_OK)							\
		return rc_;							\
	if (ncap_ != (cap)) {							\
		void *np_ = cb__reallocarray((arr), ncap_, sizeof(*(arr)));	\
		if (np_ == NULL)						\
			return cb__fail(CB_ENOMEM, "out of memory");		\
		(arr) = np_;							\
		(cap) = ncap_;							\
	}									\
} while (0)

static void
free_pairs(struct bpair *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(p[i].bp_a);
		free(p[i].bp_b);
	}
	free(p);
}

static void
free_entry(struct bentry *e)
{
	free(e->be_code);
	free(e->be_category);
	free(e->be_description);
	free(e->be_replaced_by);
	free(e->be_handling);
	free(e->be_editorial_note);
	free_pairs(e->be_applies, e->be_napplies);
	free_pairs(e->be_attrs, e->be_nattrs);
}

void
cb_builder_free(cb_builder *b)
{
	size_t i, v;

	if (b == NULL)
		return;
	free(b->b_name);
	free(b->b_title);
	free(b->b_description);
	free(b->b_source);
	free(b->b_charset);
	for (i = 0; i < b->b_ndims; i++) {
		free(b->b_dims[i].bd_name);
		free(b->b_dims[i].bd_description);
		for (v = 0; v < b->b_dims[i].bd_nvalues; v++)
			free(b->b_dims[i].bd_values[v]);
		free(b->b_dims[i].bd_values);
	}
	for (i = 0; i < b->b_ncats; i++) {
		free(b->b_cats[i].bc_name);
		free(b->b_cats[i].bc_description);
	}
	free(b->b_cats);
	for (i = 0; i < b->b_nhnd; i++) {
		free(b->b_hnd[i].bh_name);
		free(b->b_hnd[i].bh_description);
	}
	for (i = 0; i < b->b_nentries; i++)
		free_entry(&b->b_entries[i]);
	free(b->b_entries);
	for (i = 0; i < b->b_nrules; i++)
		free(b->b_rules[i]);
	free(b);
}

/* ---- the set's attributes -------------------------------------------------------- */

int
cb_builder_new(cb_builder **out, const char *name, const char *title, int version)
{
	cb_builder *b;
	int rc;

	if (out == NULL || name == NULL || title == NULL)
		return cb__fail(CB_EINVAL, "cb_builder_new: NULL argument");
	*out = NULL;
	if ((b = cb__calloc(1, sizeof(*b))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	b->b_version = version;
	b->b_shape = CB_SHAPE_PLAIN;
	b->b_case = CB_CASE_ANY;
	b->b_min = 1;
	b->b_max = CB_MAX_CODE_LEN;
	b->b_policy.version = CB_POLICY_VERSION;
	if ((rc = set_str(&b->b_name, name, "cb_builder_new")) != CB_OK ||
	    (rc = set_str(&b->b_title, title, "cb_builder_new")) != CB_OK ||
	    (rc = set_str(&b->b_charset, "A-Za-z0-9_.-", "cb_builder_new")) != CB_OK) {
		cb_builder_free(b);
		return rc;
	}
	*out = b;
	return CB_OK;
}

#define NEED(x, fn) do { if (!(x)) return cb__fail(CB_EINVAL, fn ": NULL argument"); } while (0)

int
cb_builder_set_name(cb_builder *b, const char *name)
{
	NEED(b != NULL && name != NULL, "cb_builder_set_name");
	return set_str(&b->b_name, name, "cb_builder_set_name");
}

int
cb_builder_set_title(cb_builder *b, const char *title)
{
	NEED(b != NULL && title != NULL, "cb_builder_set_title");
	return set_str(&b->b_title, title, "cb_builder_set_title");
}

int
cb_builder_set_description(cb_builder *b, const char *description)
{
	NEED(b != NULL, "cb_builder_set_description");
	return set_str(&b->b_description, description, "cb_builder_set_description");
}

int
cb_builder_set_source(cb_builder *b, const char *source)
{
	NEED(b != NULL, "cb_builder_set_source");
	return set_str(&b->b_source, source, "cb_builder_set_source");
}

int
cb_builder_set_version(cb_builder *b, int version)
{
	NEED(b != NULL, "cb_builder_set_version");
	b->b_version = version;
	return CB_OK;
}

int
cb_builder_set_mirror(cb_builder *b, int mirror)
{
	NEED(b != NULL, "cb_builder_set_mirror");
	b->b_mirror = mirror != 0;
	return CB_OK;
}

int
cb_builder_set_repeated_codes(cb_builder *b, int repeated)
{
	NEED(b != NULL, "cb_builder_set_repeated_codes");
	b->b_repeated = repeated != 0;
	return CB_OK;
}

int
cb_builder_set_rejects_deprecated(cb_builder *b, int reject)
{
	NEED(b != NULL, "cb_builder_set_rejects_deprecated");
	b->b_reject = reject != 0;
	return CB_OK;
}

int
cb_builder_set_rule(cb_builder *b, const char *rule, int enforce)
{
	size_t i;
	char *c;

	NEED(b != NULL && rule != NULL, "cb_builder_set_rule");
	for (i = 0; i < b->b_nrules && strcmp(b->b_rules[i], rule) != 0; i++)
		;
	if (!enforce) {
		if (i < b->b_nrules) {
			free(b->b_rules[i]);
			memmove(&b->b_rules[i], &b->b_rules[i + 1], (b->b_nrules - i - 1) * sizeof(b->b_rules[0]));
			b->b_nrules--;
		}
		return CB_OK;
	}
	if (i < b->b_nrules)
		return CB_OK;
	if (strlen(rule) > BUILDER_MAX_RULE_NAME || b->b_nrules == BUILDER_MAX_RULES)
		return cb__fail(CB_ETOOBIG, "cb_builder_set_rule: at most %d rules of %d bytes",
		    BUILDER_MAX_RULES, BUILDER_MAX_RULE_NAME);
	if ((c = cb__strndup(rule, strlen(rule))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	b->b_rules[b->b_nrules++] = c;
	return CB_OK;
}

int
cb_builder_set_format(cb_builder *b, const cb_format *f)
{
	int rc;

	NEED(b != NULL && f != NULL && f->charset != NULL, "cb_builder_set_format");
	if (f->version != CB_FORMAT_VERSION)
		return cb__fail(CB_EINVAL, "cb_builder_set_format: cb_format version %u unknown "
		    "(initialise it with CB_FORMAT_INIT)", f->version);
	if ((unsigned)f->shape > CB_SHAPE_INTEGER || (unsigned)f->letter_case > CB_CASE_LOWER)
		return cb__fail(CB_EINVAL, "cb_builder_set_format: shape %d or case %d is not one of the enums",
		    (int)f->shape, (int)f->letter_case);
	if ((rc = set_str(&b->b_charset, f->charset, "cb_builder_set_format")) != CB_OK)
		return rc;
	b->b_shape = f->shape;
	b->b_case = f->letter_case;
	b->b_case_enforced = f->case_enforced != 0;
	b->b_min = f->min_length ? f->min_length : 1;
	b->b_max = f->max_length ? f->max_length : CB_MAX_CODE_LEN;
	return CB_OK;
}

int
cb_builder_set_policy(cb_builder *b, const cb_policy *p)
{
	NEED(b != NULL, "cb_builder_set_policy");
	if (p == NULL) {
		b->b_has_policy = 0;
		return CB_OK;
	}
	if (p->version != CB_POLICY_VERSION)
		return cb__fail(CB_EINVAL, "cb_builder_set_policy: cb_policy version %u unknown "
		    "(initialise it with CB_POLICY_INIT)", p->version);
	b->b_policy = *p;
	b->b_has_policy = 1;
	return CB_OK;
}

/* ---- declarations --------------------------------------------------------------- */

int
cb_builder_add_dim(cb_builder *b, const char *name, const char *description)
{
	struct bdim *d;
	int rc;

	NEED(b != NULL && name != NULL, "cb_builder_add_dim");
	if (b->b_ndims == CB_MAX_DIMS)
		return cb__fail(CB_ETOOBIG, "cb_builder_add_dim: at most %d context dimensions allowed",
		    CB_MAX_DIMS);
	d = &b->b_dims[b->b_ndims];
	memset(d, 0, sizeof(*d));
	if ((rc = set_str(&d->bd_name, name, "cb_builder_add_dim")) != CB_OK ||
	    (rc = set_str(&d->bd_description, description, "cb_builder_add_dim")) != CB_OK) {
		free(d->bd_name);
		free(d->bd_description);
		return rc;
	}
	b->b_ndims++;
	return CB_OK;
}

int
cb_builder_add_dim_value(cb_builder *b, const char *dim, const char *value)
{
	struct bdim *d = NULL;
	char *v = NULL;
	size_t i;
	int rc;

	NEED(b != NULL && dim != NULL && value != NULL, "cb_builder_add_dim_value");
	for (i = 0; i < b->b_ndims && d == NULL; i++)
		if (strcmp(b->b_dims[i].bd_name, dim) == 0)
			d = &b->b_dims[i];
	if (d == NULL)
		return cb__fail(CB_ENOTFOUND, "cb_builder_add_dim_value: no context dimension \"%.64s\"", dim);
	if (d->bd_nvalues == CB_MAX_DIM_VALUES)
		return cb__fail(CB_ETOOBIG, "cb_builder_add_dim_value: %s: at most %d values allowed",
		    d->bd_name, CB_MAX_DIM_VALUES);
	if (d->bd_values == NULL &&
	    (d->bd_values = cb__calloc(CB_MAX_DIM_VALUES, sizeof(*d->bd_values))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	if ((rc = set_str(&v, value, "cb_builder_add_dim_value")) != CB_OK)
		return rc;
	d->bd_values[d->bd_nvalues++] = v;
	return CB_OK;
}

int
cb_builder_set_dim_descriptive(cb_builder *b, const char *dim, int descriptive)
{
	size_t i;

	NEED(b != NULL && dim != NULL, "cb_builder_set_dim_descriptive");
	for (i = 0; i < b->b_ndims; i++) {
		if (strcmp(b->b_dims[i].bd_name, dim) == 0) {
			b->b_dims[i].bd_descriptive = descriptive != 0;
			return CB_OK;
		}
	}
	return cb__fail(CB_ENOTFOUND, "cb_builder_set_dim_descriptive: no context dimension \"%.64s\"", dim);
}

int
cb_builder_add_category(cb_builder *b, const char *name, const char *description)
{
	struct bcat c = { NULL, NULL };
	int rc;

	NEED(b != NULL && name != NULL, "cb_builder_add_category");
	GROW(b->b_cats, b->b_ncats, b->b_ccats, CB_MAX_CATEGORIES, "cb_builder_add_category: categories");
	if ((rc = set_str(&c.bc_name, name, "cb_builder_add_category")) != CB_OK ||
	    (rc = set_str(&c.bc_description, description, "cb_builder_add_category")) != CB_OK) {
		free(c.bc_name);
		return rc;
	}
	b->b_cats[b->b_ncats++] = c;
	return CB_OK;
}

int
cb_builder_add_handling(cb_builder *b, const char *name, cb_action action, int contact_support,
    const char *description)
{
	struct bhnd *h;
	int rc;

	NEED(b != NULL && name != NULL, "cb_builder_add_handling");
	if ((unsigned)action > CB_ACTION_AMBIGUOUS)
		return cb__fail(CB_EINVAL, "cb_builder_add_handling: action %d is not a cb_action", (int)action);
	if (b->b_nhnd == CB_MAX_HANDLING)
		return cb__fail(CB_ETOOBIG, "cb_builder_add_handling: at most %d handling classes allowed",
		    CB_MAX_HANDLING);
	h = &b->b_hnd[b->b_nhnd];
	memset(h, 0, sizeof(*h));
	if ((rc = set_str(&h->bh_name, name, "cb_builder_add_handling")) != CB_OK ||
	    (rc = set_str(&h->bh_description, description, "cb_builder_add_handling")) != CB_OK) {
		free(h->bh_name);
		return rc;
	}
	h->bh_action = action;
	h->bh_contact_support = contact_support != 0;
	b->b_nhnd++;
	return CB_OK;
}

/* ---- entries -------------------------------------------------------------------- */

static int
spec_ok(const cb_entry_spec *spec, const char *fn)
{
	if (spec == NULL)
		return cb__fail(CB_EINVAL, "%s: NULL argument", fn);
	if (spec->version != 1 && spec->version != CB_ENTRY_SPEC_VERSION)
		return cb__fail(CB_EINVAL, "%s: cb_entry_spec version %u unknown (initialise it with "
		    "CB_ENTRY_SPEC_INIT)", fn, spec->version);
	if ((unsigned)spec->status > CB_STATUS_RETIRED)
		return cb__fail(CB_EINVAL, "%s: status %d is not a cb_status", fn, (int)spec->status);
	return CB_OK;
}

/* The strings of @spec into @e, all or none.  A version 1 spec has no id
 * and no editorial mark: @e keeps its own. */
static int
fill_entry(struct bentry *e, const cb_entry_spec *spec, const char *fn)
{
	struct bentry n;
	int rc;

	memset(&n, 0, sizeof(n));
	if ((rc = set_str(&n.be_code, spec->code, fn)) != CB_OK ||
	    (rc = set_str(&n.be_category, spec->category, fn)) != CB_OK ||
	    (rc = set_str(&n.be_description, spec->description, fn)) != CB_OK ||
	    (rc = set_str(&n.be_replaced_by, spec->replaced_by && spec->replaced_by[0] ? spec->replaced_by : NULL,
	    fn)) != CB_OK ||
	    (rc = set_str(&n.be_handling, spec->handling, fn)) != CB_OK ||
	    (spec->version >= 2 && (rc = set_str(&n.be_editorial_note, spec->editorial_note, fn)) != CB_OK)) {
		free_entry(&n);
		return rc;
	}
	free(e->be_code);
	free(e->be_category);
	free(e->be_description);
	free(e->be_replaced_by);
	free(e->be_handling);
	e->be_code = n.be_code;
	e->be_category = n.be_category;
	e->be_description = n.be_description;
	e->be_replaced_by = n.be_replaced_by;
	e->be_handling = n.be_handling;
	if (spec->version >= 2) {
		free(e->be_editorial_note);
		e->be_editorial_note = n.be_editorial_note;
		e->be_editorial_version = spec->editorial_version;
		e->be_id = spec->id;
	}
	e->be_status = spec->status;
	e->be_since = spec->since;
	e->be_deprecated_since = spec->deprecated_since;
	e->be_http_status = spec->http_status;
	e->be_not_an_error = spec->not_an_error != 0;
	return CB_OK;
}

int
cb_builder_add_entry(cb_builder *b, const cb_entry_spec *spec, size_t *index)
{
	struct bentry *e;
	int rc;

	NEED(b != NULL, "cb_builder_add_entry");
	if ((rc = spec_ok(spec, "cb_builder_add_entry")) != CB_OK)
		return rc;
	GROW(b->b_entries, b->b_nentries, b->b_centries, CB_MAX_ENTRIES, "cb_builder_add_entry: entries");
	e = &b->b_entries[b->b_nentries];
	memset(e, 0, sizeof(*e));
	if ((rc = fill_entry(e, spec, "cb_builder_add_entry")) != CB_OK)
		return rc;
	if (index != NULL)
		*index = b->b_nentries;
	b->b_nentries++;
	return CB_OK;
}

size_t
cb_builder_entry_count(const cb_builder *b)
{
	return b ? b->b_nentries : 0;
}

int
cb_builder_find(size_t *index, const cb_builder *b, const char *code)
{
	size_t i;

	if (index == NULL || b == NULL || code == NULL)
		return cb__fail(CB_EINVAL, "cb_builder_find: NULL argument");
	for (i = 0; i < b->b_nentries; i++) {
		if (b->b_entries[i].be_code != NULL && strcmp(b->b_entries[i].be_code, code) == 0) {
			*index = i;
			return CB_OK;
		}
	}
	return cb__fail(CB_ENOTFOUND, "no entry has code \"%.128s\"", code);
}

static struct bentry *
entry_at(const cb_builder *b, size_t i, const char *fn)
{
	if (b == NULL) {
		(void)cb__fail(CB_EINVAL, "%s: NULL argument", fn);
		return NULL;
	}
	if (i >= b->b_nentries) {
		(void)cb__fail(CB_EINVAL, "%s: no entry %zu (the builder has %zu)", fn, i, b->b_nentries);
		return NULL;
	}
	return &b->b_entries[i];
}

int
cb_builder_get_entry(cb_entry_spec *out, const cb_builder *b, size_t i)
{
	const struct bentry *e;

	if (out == NULL)
		return cb__fail(CB_EINVAL, "cb_builder_get_entry: NULL argument");
	if (out->version != 1 && out->version != CB_ENTRY_SPEC_VERSION)
		return cb__fail(CB_EINVAL, "cb_builder_get_entry: cb_entry_spec version %u unknown "
		    "(initialise it with CB_ENTRY_SPEC_INIT)", out->version);
	if ((e = entry_at(b, i, "cb_builder_get_entry")) == NULL)
		return CB_EINVAL;
	out->code = e->be_code;
	out->category = e->be_category;
	out->description = e->be_description;
	out->status = e->be_status;
	out->since = e->be_since;
	out->deprecated_since = e->be_deprecated_since;
	out->replaced_by = e->be_replaced_by;
	out->handling = e->be_handling;
	out->http_status = e->be_http_status;
	out->not_an_error = e->be_not_an_error;
	if (out->version >= 2) {
		out->id = e->be_id;
		out->editorial_version = e->be_editorial_version;
		out->editorial_note = e->be_editorial_note;
	}
	return CB_OK;
}

int
cb_builder_set_entry(cb_builder *b, size_t i, const cb_entry_spec *spec)
{
	struct bentry *e;
	int rc;

	if ((rc = spec_ok(spec, "cb_builder_set_entry")) != CB_OK)
		return rc;
	if ((e = entry_at(b, i, "cb_builder_set_entry")) == NULL)
		return CB_EINVAL;
	return fill_entry(e, spec, "cb_builder_set_entry");
}

/* Append the pair (@a, @b) to *@p, at most @max. */
static int
add_pair(struct bpair **p, size_t *n, size_t *cap, size_t max, const char *a, const char *b,
    const char *what)
{
	struct bpair np = { NULL, NULL };
	int rc;

	GROW(*p, *n, *cap, max, what);
	if ((rc = set_str(&np.bp_a, a, what)) != CB_OK || (rc = set_str(&np.bp_b, b, what)) != CB_OK) {
		free(np.bp_a);
		return rc;
	}
	(*p)[(*n)++] = np;
	return CB_OK;
}

int
cb_builder_entry_applies(cb_builder *b, size_t i, const char *dim, const char *value)
{
	struct bentry *e;

	if (dim == NULL || value == NULL)
		return cb__fail(CB_EINVAL, "cb_builder_entry_applies: NULL argument");
	if ((e = entry_at(b, i, "cb_builder_entry_applies")) == NULL)
		return CB_EINVAL;
	return add_pair(&e->be_applies, &e->be_napplies, &e->be_capplies,
	    (size_t)CB_MAX_DIMS * CB_MAX_DIM_VALUES, dim, value, "cb_builder_entry_applies");
}

int
cb_builder_entry_clear_applies(cb_builder *b, size_t i, const char *dim)
{
	struct bentry *e;
	size_t k, o = 0;

	if ((e = entry_at(b, i, "cb_builder_entry_clear_applies")) == NULL)
		return CB_EINVAL;
	for (k = 0; k < e->be_napplies; k++) {
		if (dim == NULL || strcmp(e->be_applies[k].bp_a, dim) == 0) {
			free(e->be_applies[k].bp_a);
			free(e->be_applies[k].bp_b);
		} else {
			e->be_applies[o++] = e->be_applies[k];
		}
	}
	e->be_napplies = o;
	return CB_OK;
}

int
cb_builder_entry_set_attribute(cb_builder *b, size_t i, const char *key, const char *value)
{
	struct bentry *e;
	size_t k;

	if (key == NULL)
		return cb__fail(CB_EINVAL, "cb_builder_entry_set_attribute: NULL argument");
	if ((e = entry_at(b, i, "cb_builder_entry_set_attribute")) == NULL)
		return CB_EINVAL;
	for (k = 0; k < e->be_nattrs; k++)
		if (strcmp(e->be_attrs[k].bp_a, key) == 0)
			break;
	if (k < e->be_nattrs) {
		if (value != NULL)
			return set_str(&e->be_attrs[k].bp_b, value, "cb_builder_entry_set_attribute");
		free(e->be_attrs[k].bp_a);
		free(e->be_attrs[k].bp_b);
		memmove(&e->be_attrs[k], &e->be_attrs[k + 1], (e->be_nattrs - k - 1) * sizeof(e->be_attrs[0]));
		e->be_nattrs--;
		return CB_OK;
	}
	if (value == NULL)
		return CB_OK;
	return add_pair(&e->be_attrs, &e->be_nattrs, &e->be_cattrs, CB_MAX_ATTRS, key, value,
	    "cb_builder_entry_set_attribute");
}

/* ---- from a set --------------------------------------------------------------- */

static int
copy_entry(cb_builder *b, const struct cb_entry *e)
{
	const cb_codeset *cs = e->e_set;
	cb_entry_spec spec = CB_ENTRY_SPEC_INIT;
	size_t i, d, v;
	int rc;

	spec.code = e->e_code;
	spec.category = e->e_category >= 0 ? cs->cs_cats[e->e_category].c_name : NULL;
	spec.description = e->e_description;
	spec.status = e->e_status;
	spec.since = e->e_since;
	spec.deprecated_since = e->e_deprecated_since;
	spec.replaced_by = e->e_replaced_by;
	spec.handling = e->e_handling >= 0 ? cs->cs_handling[e->e_handling].h_name : NULL;
	spec.http_status = e->e_http_status;
	spec.not_an_error = e->e_not_an_error;
	spec.id = e->e_id;	/* assigned ones too: the copy keeps the numbers */
	spec.editorial_version = e->e_editorial_version;
	spec.editorial_note = e->e_editorial_note;
	if ((rc = cb_builder_add_entry(b, &spec, &i)) != CB_OK)
		return rc;
	for (d = 0; d < cs->cs_ndims; d++)
		for (v = 0; v < cs->cs_dims[d].d_nvalues; v++)
			if (((e->e_applies[d] >> v) & 1) && (rc = cb_builder_entry_applies(b, i,
			    cs->cs_dims[d].d_name, cs->cs_dims[d].d_values[v])) != CB_OK)
				return rc;
	for (v = 0; v < e->e_nattrs; v++)
		if ((rc = cb_builder_entry_set_attribute(b, i, e->e_attrs[v].key, e->e_attrs[v].value)) != CB_OK)
			return rc;
	return CB_OK;
}

int
cb_builder_from(cb_builder **out, const cb_codeset *cs)
{
	cb_builder *b = NULL;
	cb_format f = CB_FORMAT_INIT;
	size_t i, v;
	int rc;

	if (out == NULL || cs == NULL)
		return cb__fail(CB_EINVAL, "cb_builder_from: NULL argument");
	*out = NULL;
	if ((rc = cb_builder_new(&b, cs->cs_name, cs->cs_title, cs->cs_version)) != CB_OK)
		return rc;
	b->b_mirror = cs->cs_mirror;
	b->b_repeated = cs->cs_repeated;
	b->b_reject = cs->cs_reject_deprecated;
	if ((rc = cb_codeset_format(cs, &f)) != CB_OK ||
	    (rc = cb_builder_set_format(b, &f)) != CB_OK ||
	    (rc = cb_builder_set_description(b, cs->cs_description)) != CB_OK ||
	    (rc = cb_builder_set_source(b, cs->cs_source)) != CB_OK ||
	    (cs->cs_has_policy && (rc = cb_builder_set_policy(b, &cs->cs_policy)) != CB_OK))
		goto out;
	for (i = 0; i < cb_codeset_rule_count(cs); i++)
		if ((rc = cb_builder_set_rule(b, cb_codeset_rule(cs, i), 1)) != CB_OK)
			goto out;
	for (i = 0; i < cs->cs_ndims; i++) {
		if ((rc = cb_builder_add_dim(b, cs->cs_dims[i].d_name, cs->cs_dims[i].d_description)) != CB_OK)
			goto out;
		b->b_dims[i].bd_descriptive = cs->cs_dims[i].d_descriptive;
		for (v = 0; v < cs->cs_dims[i].d_nvalues; v++)
			if ((rc = cb_builder_add_dim_value(b, cs->cs_dims[i].d_name, cs->cs_dims[i].d_values[v])) != CB_OK)
				goto out;
	}
	for (i = 0; i < cs->cs_ncats; i++)
		if ((rc = cb_builder_add_category(b, cs->cs_cats[i].c_name, cs->cs_cats[i].c_description)) != CB_OK)
			goto out;
	for (i = 0; i < cs->cs_nhandling; i++)
		if ((rc = cb_builder_add_handling(b, cs->cs_handling[i].h_name, cs->cs_handling[i].h_action,
		    cs->cs_handling[i].h_contact_support, cs->cs_handling[i].h_description)) != CB_OK)
			goto out;
	for (i = 0; i < cs->cs_nentries; i++)
		if ((rc = copy_entry(b, &cs->cs_entries[i])) != CB_OK)
			goto out;
	*out = b;
	b = NULL;
out:
	cb_builder_free(b);
	return rc;
}

/* ---- finish: the loader's walk, over the builder's content ---------------------- */

static int
make_header(struct cb_make *M, const cb_builder *b)
{
	cb_codeset *cs = M->mk_cs;
	struct cb_fmt *f = &cs->cs_fmt;
	int rc, min, max;

	if ((rc = cb__mk_str(M, 0, "code set", "name", b->b_name, strlen(b->b_name), &cs->cs_name)) != CB_OK ||
	    (rc = cb__mk_str(M, 0, "code set", "title", b->b_title, strlen(b->b_title), &cs->cs_title)) != CB_OK ||
	    (b->b_description != NULL && (rc = cb__mk_str(M, 0, "code set", "description", b->b_description,
	    strlen(b->b_description), &cs->cs_description)) != CB_OK) ||
	    (b->b_source != NULL && (rc = cb__mk_str(M, 0, "code set", "source", b->b_source,
	    strlen(b->b_source), &cs->cs_source)) != CB_OK))
		return rc;
	cs->cs_mirror = b->b_mirror;
	cs->cs_repeated = b->b_repeated;
	if ((rc = cb__mk_name(M, 0)) != CB_OK ||
	    (rc = cb__mk_int(M, 0, "code set", "version", b->b_version, 1, INT_MAX, &cs->cs_version)) != CB_OK)
		return rc;
	cs->cs_reject_deprecated = b->b_reject;
	f->f_case_enforced = b->b_case_enforced;
	if ((rc = cb__mk_str(M, 0, "format", "charset", b->b_charset, strlen(b->b_charset), &f->f_charset)) != CB_OK ||
	    (rc = cb__mk_int(M, 0, "format", "min_length", b->b_min, 1, CB_MAX_CODE_LEN, &min)) != CB_OK ||
	    (rc = cb__mk_int(M, 0, "format", "max_length", b->b_max, 1, CB_MAX_CODE_LEN, &max)) != CB_OK)
		return rc;
	return cb__mk_format(M, 0, 0, (int)b->b_shape, (int)b->b_case, min, max);
}

static int
make_declarations(struct cb_make *M, const cb_builder *b)
{
	cb_codeset *cs = M->mk_cs;
	char path[128], q[80];
	size_t i, v;
	int rc, x;

	if ((rc = cb__mk_dims(M, 0, b->b_ndims)) != CB_OK)
		return rc;
	for (i = 0; i < b->b_ndims; i++) {
		const struct bdim *bd = &b->b_dims[i];
		struct cb_dim *d;
		if ((rc = cb__mk_dim(M, 0, bd->bd_name, strlen(bd->bd_name), &d)) != CB_OK)
			return rc;
		d->d_descriptive = bd->bd_descriptive != 0;
		snprintf(path, sizeof(path), "contexts.%s", cb__quote(q, sizeof(q), bd->bd_name, strlen(bd->bd_name)));
		if ((bd->bd_description != NULL && (rc = cb__mk_str(M, 0, path, "description", bd->bd_description,
		    strlen(bd->bd_description), &d->d_description)) != CB_OK) ||
		    (rc = cb__mk_dim_values(M, d, 0, path, bd->bd_nvalues)) != CB_OK)
			return rc;
		for (v = 0; v < bd->bd_nvalues; v++)
			if ((rc = cb__mk_dim_value(M, d, 0, path, bd->bd_values[v], strlen(bd->bd_values[v]))) != CB_OK)
				return rc;
	}
	if (b->b_ncats > 0 && (rc = cb__mk_categories(M, 0, b->b_ncats)) != CB_OK)
		return rc;
	for (i = 0; i < b->b_ncats; i++) {
		const char *name = NULL, *description = NULL;
		snprintf(path, sizeof(path), "categories[%zu]", i);
		if ((rc = cb__mk_str(M, 0, path, "name", b->b_cats[i].bc_name, strlen(b->b_cats[i].bc_name),
		    &name)) != CB_OK ||
		    (b->b_cats[i].bc_description != NULL && (rc = cb__mk_str(M, 0, path, "description",
		    b->b_cats[i].bc_description, strlen(b->b_cats[i].bc_description), &description)) != CB_OK) ||
		    (rc = cb__mk_category(M, 0, path, name, description)) != CB_OK)
			return rc;
	}
	if (b->b_nhnd > 0 && (rc = cb__mk_handlings(M, 0, b->b_nhnd)) != CB_OK)
		return rc;
	for (i = 0; i < b->b_nhnd; i++) {
		const struct bhnd *bh = &b->b_hnd[i];
		struct cb_handling h;
		memset(&h, 0, sizeof(h));
		snprintf(path, sizeof(path), "handling[%zu]", i);
		h.h_contact_support = bh->bh_contact_support;
		if ((rc = cb__mk_str(M, 0, path, "name", bh->bh_name, strlen(bh->bh_name), &h.h_name)) != CB_OK ||
		    (bh->bh_description != NULL && (rc = cb__mk_str(M, 0, path, "description", bh->bh_description,
		    strlen(bh->bh_description), &h.h_description)) != CB_OK) ||
		    (rc = cb__mk_handling(M, 0, 0, 0, path, &h, (int)bh->bh_action)) != CB_OK)
			return rc;
	}
	cs->cs_policy.version = CB_POLICY_VERSION;
	cs->cs_policy.max_attempts = 5;
	cs->cs_policy.base_delay_ms = 200;
	cs->cs_policy.max_delay_ms = 30000;
	if (b->b_has_policy) {
		const cb_policy *p = &b->b_policy;
		if ((rc = cb__mk_int(M, 0, "policy", "max_attempts", p->max_attempts, 1, 100, &x)) != CB_OK)
			return rc;
		cs->cs_policy.max_attempts = (unsigned)x;
		if ((rc = cb__mk_int(M, 0, "policy", "base_delay_ms", p->base_delay_ms, 0, 3600000, &x)) != CB_OK)
			return rc;
		cs->cs_policy.base_delay_ms = (unsigned)x;
		if ((rc = cb__mk_int(M, 0, "policy", "max_delay_ms", p->max_delay_ms, 0, 3600000, &x)) != CB_OK)
			return rc;
		cs->cs_policy.max_delay_ms = (unsigned)x;
		cs->cs_has_policy = true;
	}
	for (i = 0; i < b->b_nrules; i++) {
		snprintf(path, sizeof(path), "governance.rules[%zu]", i);
		if ((rc = cb__mk_rule(M, 0, path, b->b_rules[i], strlen(b->b_rules[i]))) != CB_OK)
			return rc;
	}
	return CB_OK;
}

/* An optional string of an entry. */
static int
entry_str(struct cb_make *M, const char *path, const char *key, const char *s, const char **out)
{
	return s == NULL ? CB_OK : cb__mk_str(M, 0, path, key, s, strlen(s), out);
}

/* An optional integer of an entry: 0 is "not given". */
static int
entry_int(struct cb_make *M, const char *path, const char *key, int v, long long min, long long max,
    int *out)
{
	return v == 0 ? CB_OK : cb__mk_int(M, 0, path, key, v, min, max, out);
}

/* The applies of an entry, grouped by dimension in the order each first
 * appears, as a JSON object would hold them. */
static int
make_applies(struct cb_make *M, struct cb_entry *e, const struct bentry *be, const char *epath)
{
	char path[160], q[80];
	size_t k, j, n, i;
	int rc, d;

	for (k = 0; k < be->be_napplies; k++) {
		const char *dim = be->be_applies[k].bp_a;
		for (j = 0; j < k && strcmp(be->be_applies[j].bp_a, dim) != 0; j++)
			;
		if (j < k)
			continue;	/* done with its first pair */
		for (n = 0, j = k; j < be->be_napplies; j++)
			n += strcmp(be->be_applies[j].bp_a, dim) == 0;
		snprintf(path, sizeof(path), "%s.applies.%s", epath, cb__quote(q, sizeof(q), dim, strlen(dim)));
		if ((rc = cb__mk_applies_dim(M, 0, 0, path, dim, strlen(dim), n, &d)) != CB_OK)
			return rc;
		if (d < 0)
			continue;
		for (i = 0, j = k; j < be->be_napplies; j++) {
			const char *v = be->be_applies[j].bp_b;
			if (strcmp(be->be_applies[j].bp_a, dim) != 0)
				continue;
			if ((rc = cb__mk_applies_value(M, e, d, 0, path, i++, v, strlen(v))) != CB_OK)
				return rc;
		}
	}
	return CB_OK;
}

static int
make_entry(struct cb_make *M, const struct bentry *be, size_t idx)
{
	struct cb_entry *e = cb__mk_entry_begin(M, 0);
	struct cb_mk_entry in;
	char path[64], apath[160];
	size_t k;
	int rc;

	memset(&in, 0, sizeof(in));
	snprintf(path, sizeof(path), "entries[%zu]", idx);
	in.code_missing = be->be_code == NULL;
	if ((rc = entry_str(M, path, "code", be->be_code, &e->e_code)) != CB_OK ||
	    (rc = entry_str(M, path, "category", be->be_category, &in.category)) != CB_OK ||
	    (rc = entry_str(M, path, "description", be->be_description, &e->e_description)) != CB_OK)
		return rc;
	e->e_status = be->be_status;
	if ((rc = entry_int(M, path, "since", be->be_since, 1, INT_MAX, &e->e_since)) != CB_OK ||
	    (rc = entry_int(M, path, "deprecated_since", be->be_deprecated_since, 1, INT_MAX,
	    &e->e_deprecated_since)) != CB_OK ||
	    (rc = entry_str(M, path, "replaced_by", be->be_replaced_by, &e->e_replaced_by)) != CB_OK ||
	    (rc = entry_str(M, path, "handling", be->be_handling, &in.handling)) != CB_OK ||
	    (rc = entry_int(M, path, "http_status", be->be_http_status, 100, 599, &e->e_http_status)) != CB_OK)
		return rc;
	e->e_not_an_error = be->be_not_an_error;
	if (be->be_id != 0) {
		if ((rc = cb__mk_int(M, 0, path, "id", be->be_id, 1, INT_MAX, &e->e_id)) != CB_OK)
			return rc;
		e->e_id_given = true;
	}
	if ((rc = entry_int(M, path, "editorial.version", be->be_editorial_version, 1, INT_MAX,
	    &e->e_editorial_version)) != CB_OK ||
	    (rc = entry_str(M, path, "editorial.note", be->be_editorial_note, &e->e_editorial_note)) != CB_OK)
		return rc;
	if ((rc = make_applies(M, e, be, path)) != CB_OK)
		return rc;
	if (be->be_nattrs > 0) {
		snprintf(apath, sizeof(apath), "%s.attributes", path);
		if ((rc = cb__mk_attributes(M, e, 0, apath, be->be_nattrs)) != CB_OK)
			return rc;
		for (k = 0; k < be->be_nattrs; k++) {
			const struct bpair *a = &be->be_attrs[k];
			if ((rc = cb__mk_attribute(M, e, 0, apath, a->bp_a, strlen(a->bp_a), a->bp_b,
			    strlen(a->bp_b))) != CB_OK)
				return rc;
		}
	}
	return cb__mk_entry_end(M, e, &in, path);
}

int
cb_builder_finish(cb_codeset **out, const cb_builder *b, const char *origin)
{
	struct cb_make M;
	size_t i;
	int rc;

	if (out == NULL || b == NULL)
		return cb__fail(CB_EINVAL, "cb_builder_finish: NULL argument");
	*out = NULL;
	if ((rc = cb__mk_init(&M, origin ? origin : "<builder>", NULL, 0, NULL)) != CB_OK ||
	    (rc = make_header(&M, b)) != CB_OK ||
	    (rc = make_declarations(&M, b)) != CB_OK ||
	    (rc = cb__mk_entries(&M, 0, b->b_nentries)) != CB_OK)
		goto out;
	for (i = 0; i < b->b_nentries; i++)
		if ((rc = make_entry(&M, &b->b_entries[i], i)) != CB_OK)
			goto out;
	rc = cb__mk_finish(&M, out);
out:
	cb__mk_free(&M);
	return rc;
}
