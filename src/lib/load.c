/* SPDX-License-Identifier: Apache-2.0 */
/*
 * load.c - read a code-set JSON document into a cb_codeset.
 *
 * The JSON is parsed by the simdjson shim into a tree that remembers where
 * each value sits, so every complaint reads "file:line:column: path: what
 * was expected".  This file checks what only JSON can get wrong (types,
 * unknown and duplicate fields, missing ones); the rules on the content
 * are those of make.c, which a cb_builder applies too.  Structural faults
 * end the load; semantic ones end it as well, unless a lint report is
 * collecting them: then loading goes on as far as it can, so that one run
 * reports every problem.  docs/codeset-format.md documents the format;
 * schemas/codeset.schema.json is its JSON Schema.
 */
#include "codeset_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../shim/json_shim.h"

struct loader {
	struct cb_make L_mk;
	cb_json_doc   *L_doc;
};

#define MK(L) (&(L)->L_mk)
#define CS(L) ((L)->L_mk.mk_cs)

static int
expect_type(struct loader *L, const cb_json_node *n, cb_json_type t, const char *path)
{
	if (n->type == t)
		return CB_OK;
	return cb__mk_fatal(MK(L), n->offset, "%s: expected %s %s, got %s", path,
	    t == CB_JSON_OBJECT || t == CB_JSON_ARRAY ? "an" : "a",
	    cb_json_type_name(t), cb_json_type_name(n->type));
}

/* Refuse members not in @allowed (NULL-terminated), and members given twice. */
static int
check_keys(struct loader *L, const cb_json_node *obj, const char *const *allowed,
    const char *path)
{
	const cb_json_node *c;
	const cb_json_node *d;

	for (c = cb_json_child(L->L_doc, obj); c; c = cb_json_next(L->L_doc, c)) {
		const char *const *a;
		/* the first byte before the length: most keys differ there */
		for (a = allowed; *a; a++)
			if (c->key_len > 0 && (*a)[0] == c->key[0] && strlen(*a) == c->key_len &&
			    memcmp(*a, c->key, c->key_len) == 0)
				break;
		if (*a == NULL) {
			char q[80];
			cb__quote(q, sizeof(q), c->key, c->key_len);
			return cb__mk_fatal(MK(L), c->key_offset, "%s: unknown field \"%s\"", path, q);
		}
		for (d = cb_json_next(L->L_doc, c); d; d = cb_json_next(L->L_doc, d))
			if (d->key_len == c->key_len && (c->key_len == 0 || d->key[0] == c->key[0]) &&
			    memcmp(d->key, c->key, c->key_len) == 0)
				return cb__mk_fatal(MK(L), d->key_offset, "%s: duplicate field \"%s\"", path, *a);
	}
	return CB_OK;
}

/* The first member of @obj after @c with @c's key, or NULL. */
static const cb_json_node *
repeated_key(struct loader *L, const cb_json_node *c)
{
	const cb_json_node *w;

	for (w = cb_json_next(L->L_doc, c); w; w = cb_json_next(L->L_doc, w))
		if (w->key_len == c->key_len && memcmp(w->key, c->key, c->key_len) == 0)
			return w;
	return NULL;
}

/* Optional string member; *out stays as it was when absent. */
static int
get_str(struct loader *L, const cb_json_node *obj, const char *key, int required,
    const char *path, const cb_json_node **node, const char **out)
{
	const cb_json_node *n = cb_json_get(L->L_doc, obj, key);

	if (node)
		*node = n;
	if (n == NULL) {
		if (required)
			return cb__mk_fatal(MK(L), obj->offset, "%s: missing required field \"%s\"", path, key);
		return CB_OK;
	}
	if (n->type != CB_JSON_STRING)
		return cb__mk_fatal(MK(L), n->offset, "%s.%s: expected a string, got %s", path, key,
		    cb_json_type_name(n->type));
	return cb__mk_str(MK(L), n->offset, path, key, n->str, n->str_len, out);
}

static int
get_int(struct loader *L, const cb_json_node *obj, const char *key, long long min,
    long long max, const char *path, int *out)
{
	const cb_json_node *n = cb_json_get(L->L_doc, obj, key);

	if (n == NULL)
		return CB_OK;
	if (n->type != CB_JSON_NUMBER || !n->is_int)
		return cb__mk_fatal(MK(L), n->offset, "%s.%s: expected an integer, got %s", path, key,
		    n->type == CB_JSON_NUMBER ? "a fraction or a too large number" : cb_json_type_name(n->type));
	return cb__mk_int(MK(L), n->offset, path, key, (long long)n->i, min, max, out);
}

static int
get_bool(struct loader *L, const cb_json_node *obj, const char *key, const char *path,
    bool *out)
{
	const cb_json_node *n = cb_json_get(L->L_doc, obj, key);

	if (n == NULL)
		return CB_OK;
	if (n->type != CB_JSON_BOOL)
		return cb__mk_fatal(MK(L), n->offset, "%s.%s: expected true or false, got %s", path, key,
		    cb_json_type_name(n->type));
	*out = n->b != 0;
	return CB_OK;
}

/* String member restricted to @choices; *out = index. */
static int
get_enum(struct loader *L, const cb_json_node *obj, const char *key,
    const char *const *choices, const char *path, int *out)
{
	const cb_json_node *n = cb_json_get(L->L_doc, obj, key);
	char list[256] = "";
	size_t i;

	if (n == NULL)
		return CB_OK;
	for (i = 0; choices[i]; i++) {
		if (n->type == CB_JSON_STRING && strlen(choices[i]) == n->str_len &&
		    memcmp(choices[i], n->str, n->str_len) == 0) {
			*out = (int)i;
			return CB_OK;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s\"%s\"",
		    i ? ", " : "", choices[i]);
	}
	if (n->type == CB_JSON_STRING) {
		char q[80];
		cb__quote(q, sizeof(q), n->str, n->str_len);
		return cb__mk_fatal(MK(L), n->offset, "%s.%s: \"%s\" is not one of %s", path, key, q, list);
	}
	return cb__mk_fatal(MK(L), n->offset, "%s.%s: expected one of %s, got %s", path, key, list,
	    cb_json_type_name(n->type));
}

static int
load_format(struct loader *L, const cb_json_node *root)
{
	static const char *const keys[] = { "charset", "shape", "case", "case_enforced",
	    "min_length", "max_length", NULL };
	static const char *const shapes[] = { "plain", "category.code", "integer", NULL };
	static const char *const cases[] = { "any", "upper", "lower", NULL };
	struct cb_fmt *f = &CS(L)->cs_fmt;
	const cb_json_node *n = cb_json_get(L->L_doc, root, "format"), *cn;
	int rc, shape = 0, lcase = 0, min = 1, max = CB_MAX_CODE_LEN;

	if (n == NULL)
		return cb__mk_fatal(MK(L), root->offset, "missing required field \"format\"");
	if ((rc = expect_type(L, n, CB_JSON_OBJECT, "format")) != CB_OK ||
	    (rc = check_keys(L, n, keys, "format")) != CB_OK ||
	    (rc = get_str(L, n, "charset", 1, "format", &cn, &f->f_charset)) != CB_OK ||
	    (rc = get_enum(L, n, "shape", shapes, "format", &shape)) != CB_OK ||
	    (rc = get_enum(L, n, "case", cases, "format", &lcase)) != CB_OK ||
	    (rc = get_bool(L, n, "case_enforced", "format", &f->f_case_enforced)) != CB_OK ||
	    (rc = get_int(L, n, "min_length", 1, CB_MAX_CODE_LEN, "format", &min)) != CB_OK ||
	    (rc = get_int(L, n, "max_length", 1, CB_MAX_CODE_LEN, "format", &max)) != CB_OK)
		return rc;
	if (cb_json_get(L->L_doc, n, "shape") == NULL)
		return cb__mk_fatal(MK(L), n->offset, "format: missing required field \"shape\"");
	return cb__mk_format(MK(L), n->offset, cn->offset, shape, lcase, min, max);
}

static int
load_contexts(struct loader *L, const cb_json_node *root)
{
	static const char *const keys[] = { "description", "descriptive", "values", NULL };
	const cb_json_node *n = cb_json_get(L->L_doc, root, "contexts"), *c, *v, *w;
	char path[128], q[80];
	int rc;

	if (n == NULL)
		return CB_OK;
	if ((rc = expect_type(L, n, CB_JSON_OBJECT, "contexts")) != CB_OK ||
	    (rc = cb__mk_dims(MK(L), n->offset, n->nchildren)) != CB_OK)
		return rc;
	for (c = cb_json_child(L->L_doc, n); c; c = cb_json_next(L->L_doc, c)) {
		const cb_json_node *vals;
		struct cb_dim *d;

		if ((w = repeated_key(L, c)) != NULL)
			return cb__mk_fatal(MK(L), w->key_offset, "contexts: dimension \"%s\" declared twice",
			    cb__quote(q, sizeof(q), c->key, c->key_len));
		if ((rc = cb__mk_dim(MK(L), c->key_offset, c->key, c->key_len, &d)) != CB_OK)
			return rc;
		snprintf(path, sizeof(path), "contexts.%s", cb__quote(q, sizeof(q), c->key, c->key_len));
		if ((rc = expect_type(L, c, CB_JSON_OBJECT, path)) != CB_OK ||
		    (rc = check_keys(L, c, keys, path)) != CB_OK ||
		    (rc = get_str(L, c, "description", 0, path, NULL, &d->d_description)) != CB_OK ||
		    (rc = get_bool(L, c, "descriptive", path, &d->d_descriptive)) != CB_OK)
			return rc;
		if ((vals = cb_json_get(L->L_doc, c, "values")) == NULL)
			return cb__mk_fatal(MK(L), c->offset, "%s: missing required field \"values\"", path);
		if ((rc = expect_type(L, vals, CB_JSON_ARRAY, path)) != CB_OK ||
		    (rc = cb__mk_dim_values(MK(L), d, vals->offset, path, vals->nchildren)) != CB_OK)
			return rc;
		for (v = cb_json_child(L->L_doc, vals); v; v = cb_json_next(L->L_doc, v)) {
			if (v->type != CB_JSON_STRING)
				return cb__mk_fatal(MK(L), v->offset, "%s.values[%zu]: expected a non-empty string",
				    path, d->d_nvalues);
			if ((rc = cb__mk_dim_value(MK(L), d, v->offset, path, v->str, v->str_len)) != CB_OK)
				return rc;
		}
	}
	return CB_OK;
}

static int
load_categories(struct loader *L, const cb_json_node *root)
{
	static const char *const keys[] = { "name", "description", NULL };
	const cb_json_node *n = cb_json_get(L->L_doc, root, "categories"), *c, *nn;
	char path[64];
	size_t i = 0;
	int rc;

	if (n == NULL)
		return CB_OK;
	if ((rc = expect_type(L, n, CB_JSON_ARRAY, "categories")) != CB_OK ||
	    (rc = cb__mk_categories(MK(L), n->offset, n->nchildren)) != CB_OK)
		return rc;
	for (c = cb_json_child(L->L_doc, n); c; c = cb_json_next(L->L_doc, c), i++) {
		const char *name = NULL, *description = NULL;
		snprintf(path, sizeof(path), "categories[%zu]", i);
		if ((rc = expect_type(L, c, CB_JSON_OBJECT, path)) != CB_OK ||
		    (rc = check_keys(L, c, keys, path)) != CB_OK ||
		    (rc = get_str(L, c, "name", 1, path, &nn, &name)) != CB_OK ||
		    (rc = get_str(L, c, "description", 0, path, NULL, &description)) != CB_OK ||
		    (rc = cb__mk_category(MK(L), nn->offset, path, name, description)) != CB_OK)
			return rc;
	}
	return CB_OK;
}

static int
load_handling(struct loader *L, const cb_json_node *root)
{
	static const char *const keys[] = { "name", "action", "contact_support", "description", NULL };
	static const char *const actions[] = { "none", "retry", "recheck-then-retry", "fail", "ignore", NULL };
	const cb_json_node *n = cb_json_get(L->L_doc, root, "handling"), *c, *nn, *an;
	char path[64];
	size_t i = 0;
	int rc;

	if (n == NULL)
		return CB_OK;
	if ((rc = expect_type(L, n, CB_JSON_ARRAY, "handling")) != CB_OK ||
	    (rc = cb__mk_handlings(MK(L), n->offset, n->nchildren)) != CB_OK)
		return rc;
	for (c = cb_json_child(L->L_doc, n); c; c = cb_json_next(L->L_doc, c), i++) {
		struct cb_handling h;
		int action = -1;
		memset(&h, 0, sizeof(h));
		snprintf(path, sizeof(path), "handling[%zu]", i);
		if ((rc = expect_type(L, c, CB_JSON_OBJECT, path)) != CB_OK ||
		    (rc = check_keys(L, c, keys, path)) != CB_OK ||
		    (rc = get_str(L, c, "name", 1, path, &nn, &h.h_name)) != CB_OK ||
		    (rc = get_enum(L, c, "action", actions, path, &action)) != CB_OK ||
		    (rc = get_bool(L, c, "contact_support", path, &h.h_contact_support)) != CB_OK ||
		    (rc = get_str(L, c, "description", 0, path, NULL, &h.h_description)) != CB_OK)
			return rc;
		an = cb_json_get(L->L_doc, c, "action");
		if ((rc = cb__mk_handling(MK(L), c->offset, nn->offset, an ? an->offset : c->offset, path,
		    &h, action)) != CB_OK)
			return rc;
	}
	return CB_OK;
}

static int
load_policy(struct loader *L, const cb_json_node *root)
{
	static const char *const keys[] = { "max_attempts", "base_delay_ms", "max_delay_ms", NULL };
	const cb_json_node *n = cb_json_get(L->L_doc, root, "policy");
	cb_policy *p = &CS(L)->cs_policy;
	int a = 5, b = 200, m = 30000, rc;

	if (n != NULL) {
		if ((rc = expect_type(L, n, CB_JSON_OBJECT, "policy")) != CB_OK ||
		    (rc = check_keys(L, n, keys, "policy")) != CB_OK ||
		    (rc = get_int(L, n, "max_attempts", 1, 100, "policy", &a)) != CB_OK ||
		    (rc = get_int(L, n, "base_delay_ms", 0, 3600000, "policy", &b)) != CB_OK ||
		    (rc = get_int(L, n, "max_delay_ms", 0, 3600000, "policy", &m)) != CB_OK)
			return rc;
		CS(L)->cs_has_policy = true;
	}
	p->version = CB_POLICY_VERSION;
	p->max_attempts = (unsigned)a;
	p->base_delay_ms = (unsigned)b;
	p->max_delay_ms = (unsigned)m;
	return CB_OK;
}

static int
load_governance(struct loader *L, const cb_json_node *root)
{
	static const char *const keys[] = { "rules", NULL };
	const cb_json_node *n = cb_json_get(L->L_doc, root, "governance"), *rules, *c;
	char path[64];
	size_t i = 0;
	int rc;

	if (n == NULL)
		return CB_OK;
	if ((rc = expect_type(L, n, CB_JSON_OBJECT, "governance")) != CB_OK ||
	    (rc = check_keys(L, n, keys, "governance")) != CB_OK)
		return rc;
	if ((rules = cb_json_get(L->L_doc, n, "rules")) == NULL)
		return cb__mk_fatal(MK(L), n->offset, "governance: missing required field \"rules\"");
	if ((rc = expect_type(L, rules, CB_JSON_ARRAY, "governance.rules")) != CB_OK)
		return rc;
	for (c = cb_json_child(L->L_doc, rules); c; c = cb_json_next(L->L_doc, c), i++) {
		snprintf(path, sizeof(path), "governance.rules[%zu]", i);
		if (c->type != CB_JSON_STRING)
			return cb__mk_fatal(MK(L), c->offset, "%s: expected a rule name, got %s", path,
			    cb_json_type_name(c->type));
		if ((rc = cb__mk_rule(MK(L), c->offset, path, c->str, c->str_len)) != CB_OK)
			return rc;
	}
	return CB_OK;
}

/* "editorial": {"version": N, "note": "..."}: the change of version N to
 * this entry keeps its meaning (docs/governance.md, "Rules per set"). */
static int
load_editorial(struct loader *L, struct cb_entry *e, const cb_json_node *n, const char *epath)
{
	static const char *const keys[] = { "version", "note", NULL };
	char path[96];
	int rc;

	snprintf(path, sizeof(path), "%s.editorial", epath);
	if ((rc = expect_type(L, n, CB_JSON_OBJECT, path)) != CB_OK ||
	    (rc = check_keys(L, n, keys, path)) != CB_OK)
		return rc;
	if (cb_json_get(L->L_doc, n, "version") == NULL)
		return cb__mk_fatal(MK(L), n->offset, "%s: missing required field \"version\"", path);
	if (cb_json_get(L->L_doc, n, "note") == NULL)
		return cb__mk_fatal(MK(L), n->offset, "%s: missing required field \"note\" (why the meaning stays)", path);
	if ((rc = get_int(L, n, "version", 1, INT_MAX, path, &e->e_editorial_version)) != CB_OK)
		return rc;
	return get_str(L, n, "note", 1, path, NULL, &e->e_editorial_note);
}

static int
load_applies(struct loader *L, struct cb_entry *e, const cb_json_node *ap, const char *epath)
{
	const cb_json_node *c, *v;
	char path[160], q[80];
	int rc;

	snprintf(path, sizeof(path), "%s.applies", epath);
	if ((rc = expect_type(L, ap, CB_JSON_OBJECT, path)) != CB_OK)
		return rc;
	for (c = cb_json_child(L->L_doc, ap); c; c = cb_json_next(L->L_doc, c)) {
		size_t i = 0;
		int d;

		snprintf(path, sizeof(path), "%s.applies.%s", epath, cb__quote(q, sizeof(q), c->key, c->key_len));
		if (repeated_key(L, c) != NULL)
			return cb__mk_fatal(MK(L), repeated_key(L, c)->key_offset, "%s: listed twice", path);
		if ((rc = expect_type(L, c, CB_JSON_ARRAY, path)) != CB_OK ||
		    (rc = cb__mk_applies_dim(MK(L), c->key_offset, c->offset, path, c->key, c->key_len,
		    c->nchildren, &d)) != CB_OK)
			return rc;
		if (d < 0)
			continue;	/* lint: reported */
		for (v = cb_json_child(L->L_doc, c); v; v = cb_json_next(L->L_doc, v), i++) {
			if (v->type != CB_JSON_STRING)
				return cb__mk_fatal(MK(L), v->offset, "%s[%zu]: expected a string, got %s", path, i,
				    cb_json_type_name(v->type));
			if ((rc = cb__mk_applies_value(MK(L), e, d, v->offset, path, i, v->str, v->str_len)) != CB_OK)
				return rc;
		}
	}
	return CB_OK;
}

static int
load_attributes(struct loader *L, struct cb_entry *e, const cb_json_node *n, const char *epath)
{
	const cb_json_node *c, *w;
	char path[160];
	int rc;

	snprintf(path, sizeof(path), "%s.attributes", epath);
	if ((rc = expect_type(L, n, CB_JSON_OBJECT, path)) != CB_OK ||
	    (rc = cb__mk_attributes(MK(L), e, n->offset, path, n->nchildren)) != CB_OK)
		return rc;
	for (c = cb_json_child(L->L_doc, n); c; c = cb_json_next(L->L_doc, c)) {
		if ((w = repeated_key(L, c)) != NULL)
			return cb__mk_fatal(MK(L), w->key_offset, "%s: attribute listed twice", path);
		if (c->type != CB_JSON_STRING)
			return cb__mk_fatal(MK(L), c->offset, "%s: attribute values must be strings without NUL", path);
		if ((rc = cb__mk_attribute(MK(L), e, c->offset, path, c->key, c->key_len, c->str,
		    c->str_len)) != CB_OK)
			return rc;
	}
	return CB_OK;
}

/* "@name[@i]" into @dst: the path of every entry, without printf. */
static void
index_path(char *dst, size_t size, const char *name, size_t i)
{
	char digits[24];
	size_t n = strlen(name), k = 0;

	do
		digits[k++] = (char)('0' + i % 10);
	while ((i /= 10) != 0);
	CB_ASSERT(n + k + 3 <= size);
	memcpy(dst, name, n);
	dst[n++] = '[';
	while (k > 0)
		dst[n++] = digits[--k];
	dst[n++] = ']';
	dst[n] = '\0';
	(void)size;
}

static int
load_entry(struct loader *L, const cb_json_node *n, size_t idx)
{
	static const char *const keys[] = { "code", "code_missing", "category", "description",
	    "status", "since", "deprecated_since", "replaced_by", "applies", "handling",
	    "http_status", "not_an_error", "attributes", "id", "editorial", NULL };
	static const char *const statuses[] = { "active", "deprecated", "retired", NULL };
	struct cb_entry *e = cb__mk_entry_begin(MK(L), n->offset);
	const cb_json_node *cn, *catn, *hn, *x, *idn;
	struct cb_mk_entry in;
	char path[64];
	int status = 0, rc;

	memset(&in, 0, sizeof(in));
	index_path(path, sizeof(path), "entries", idx);
	if ((rc = expect_type(L, n, CB_JSON_OBJECT, path)) != CB_OK ||
	    (rc = check_keys(L, n, keys, path)) != CB_OK ||
	    (rc = get_str(L, n, "code", 0, path, &cn, &e->e_code)) != CB_OK ||
	    (rc = get_bool(L, n, "code_missing", path, &in.code_missing)) != CB_OK ||
	    (rc = get_str(L, n, "category", 0, path, &catn, &in.category)) != CB_OK ||
	    (rc = get_str(L, n, "description", 0, path, NULL, &e->e_description)) != CB_OK ||
	    (rc = get_enum(L, n, "status", statuses, path, &status)) != CB_OK ||
	    (rc = get_int(L, n, "since", 1, INT_MAX, path, &e->e_since)) != CB_OK ||
	    (rc = get_int(L, n, "deprecated_since", 1, INT_MAX, path, &e->e_deprecated_since)) != CB_OK ||
	    (rc = get_str(L, n, "replaced_by", 0, path, NULL, &e->e_replaced_by)) != CB_OK ||
	    (rc = get_str(L, n, "handling", 0, path, &hn, &in.handling)) != CB_OK ||
	    (rc = get_int(L, n, "http_status", 100, 599, path, &e->e_http_status)) != CB_OK ||
	    (rc = get_bool(L, n, "not_an_error", path, &e->e_not_an_error)) != CB_OK)
		return rc;
	e->e_status = (cb_status)status;
	if ((idn = cb_json_get(L->L_doc, n, "id")) != NULL) {
		if ((rc = get_int(L, n, "id", 1, INT_MAX, path, &e->e_id)) != CB_OK)
			return rc;
		e->e_id_given = true;
		in.id_off = idn->offset;
	}
	if ((x = cb_json_get(L->L_doc, n, "editorial")) != NULL) {
		if ((rc = load_editorial(L, e, x, path)) != CB_OK)
			return rc;
		in.editorial_off = x->offset;
	}
	if ((x = cb_json_get(L->L_doc, n, "applies")) != NULL &&
	    (rc = load_applies(L, e, x, path)) != CB_OK)
		return rc;
	if ((x = cb_json_get(L->L_doc, n, "attributes")) != NULL &&
	    (rc = load_attributes(L, e, x, path)) != CB_OK)
		return rc;
	in.off = n->offset;
	in.code_off = cn ? cn->offset : n->offset;
	in.category_off = catn ? catn->offset : n->offset;
	in.handling_off = hn ? hn->offset : n->offset;
	return cb__mk_entry_end(MK(L), e, &in, path);
}

static int
load_root(struct loader *L, const cb_json_node *root)
{
	static const char *const keys[] = { "$schema", "name", "title", "version", "description",
	    "source", "mirror", "repeated_codes", "deprecated", "format", "contexts",
	    "categories", "handling", "policy", "governance", "entries", NULL };
	static const char *const dep[] = { "warn", "reject", NULL };
	cb_codeset *cs = CS(L);
	const cb_json_node *nn, *entries, *c;
	const char *schema = NULL;
	int deprecated = 0, rc;
	size_t i = 0;

	if (root->type != CB_JSON_OBJECT)
		return cb__mk_fatal(MK(L), root->offset, "expected a code-set object, got %s",
		    cb_json_type_name(root->type));
	if ((rc = check_keys(L, root, keys, "code set")) != CB_OK ||
	    (rc = get_str(L, root, "$schema", 0, "code set", NULL, &schema)) != CB_OK ||
	    (rc = get_str(L, root, "name", 1, "code set", &nn, &cs->cs_name)) != CB_OK ||
	    (rc = get_str(L, root, "title", 1, "code set", NULL, &cs->cs_title)) != CB_OK ||
	    (rc = get_str(L, root, "description", 0, "code set", NULL, &cs->cs_description)) != CB_OK ||
	    (rc = get_str(L, root, "source", 0, "code set", NULL, &cs->cs_source)) != CB_OK ||
	    (rc = get_bool(L, root, "mirror", "code set", &cs->cs_mirror)) != CB_OK ||
	    (rc = get_bool(L, root, "repeated_codes", "code set", &cs->cs_repeated)) != CB_OK ||
	    (rc = get_enum(L, root, "deprecated", dep, "code set", &deprecated)) != CB_OK ||
	    (rc = cb__mk_name(MK(L), nn->offset)) != CB_OK)
		return rc;
	if (cb_json_get(L->L_doc, root, "version") == NULL)
		return cb__mk_fatal(MK(L), root->offset, "missing required field \"version\"");
	if ((rc = get_int(L, root, "version", 1, INT_MAX, "code set", &cs->cs_version)) != CB_OK)
		return rc;
	cs->cs_reject_deprecated = deprecated == 1;
	if ((rc = load_format(L, root)) != CB_OK ||
	    (rc = load_contexts(L, root)) != CB_OK ||
	    (rc = load_categories(L, root)) != CB_OK ||
	    (rc = load_handling(L, root)) != CB_OK ||
	    (rc = load_policy(L, root)) != CB_OK ||
	    (rc = load_governance(L, root)) != CB_OK)
		return rc;
	if ((entries = cb_json_get(L->L_doc, root, "entries")) == NULL)
		return cb__mk_fatal(MK(L), root->offset, "missing required field \"entries\"");
	if ((rc = expect_type(L, entries, CB_JSON_ARRAY, "entries")) != CB_OK ||
	    (rc = cb__mk_entries(MK(L), entries->offset, entries->nchildren)) != CB_OK)
		return rc;
	for (c = cb_json_child(L->L_doc, entries); c; c = cb_json_next(L->L_doc, c), i++)
		if ((rc = load_entry(L, c, i)) != CB_OK)
			return rc;
	return CB_OK;
}

/* ' at "xyz..."' for a syntax error at @off, or "" at the end of input. */
static void
near_text(char *dst, size_t size, const char *buf, size_t len, size_t off)
{
	char q[40];
	size_t n = 0;

	dst[0] = '\0';
	if (off >= len) {
		snprintf(dst, size, " (at the end of the input)");
		return;
	}
	while (off + n < len && n < 16 && buf[off + n] != '\n')
		n++;
	snprintf(dst, size, " at \"%s\"", cb__quote(q, sizeof(q), buf + off, n));
}

int
cb__codeset_parse(cb_codeset **out, const char *buf, size_t len, const char *origin,
    cb_report *lint)
{
	struct loader L;
	cb_json_error jerr;
	char near[64];
	int rc;

	*out = NULL;
	memset(&L, 0, sizeof(L));
	if (origin == NULL)
		origin = "<buffer>";
	if (len > CB_MAX_CODESET_BYTES)
		return cb__fail(CB_ETOOBIG, "%s: %zu bytes, at most %u allowed", origin, len,
		    CB_MAX_CODESET_BYTES);
	if ((rc = cb__mk_init(MK(&L), origin, buf, len, lint)) != CB_OK)
		goto out;
	rc = cb_json_parse(&L.L_doc, buf, len, CB_MAX_JSON_DEPTH, &jerr);
	if (rc != 0) {
		unsigned line, col;
		if (rc == CB_ENOMEM) {
			rc = cb__fail(CB_ENOMEM, "out of memory");
			goto out;
		}
		cb__mk_position(MK(&L), jerr.offset, &line, &col);
		near_text(near, sizeof(near), buf, len, jerr.offset);
		if (jerr.offset == 0 && len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
			/* invisible in an editor: say what it is */
			snprintf(jerr.message, sizeof(jerr.message), "a byte order mark (BOM) is not allowed in JSON");
			snprintf(near, sizeof(near), "; save the file as UTF-8 without BOM");
		}
		if (lint != NULL && cb__report_add(lint, "JSON_SYNTAX", "", origin, line, col,
		    "%s%s", jerr.message, near) != CB_OK) {
			rc = CB_ENOMEM;
			goto out;
		}
		rc = cb__fail(rc == CB_ETOOBIG ? CB_ETOOBIG : CB_EPARSE, "%s:%u:%u: %s%s",
		    origin, line, col, jerr.message, near);
		goto out;
	}
	if ((rc = load_root(&L, cb_json_root(L.L_doc))) != CB_OK)
		goto out;
	rc = cb__mk_finish(MK(&L), out);
out:
	cb_json_free(L.L_doc);
	cb__mk_free(MK(&L));
	return rc;
}

int
cb_codeset_load_buffer(cb_codeset **out, const char *buf, size_t len, const char *origin)
{
	if (out == NULL || (buf == NULL && len > 0))
		return cb__fail(CB_EINVAL, "cb_codeset_load_buffer: NULL argument");
	return cb__codeset_parse(out, buf ? buf : "", len, origin, NULL);
}

int
cb_codeset_load_file(cb_codeset **out, const char *path)
{
	char *buf = NULL;
	size_t len;
	int rc;

	if (out == NULL || path == NULL)
		return cb__fail(CB_EINVAL, "cb_codeset_load_file: NULL argument");
	*out = NULL;
	if ((rc = cb__read_file(&buf, &len, path, CB_MAX_CODESET_BYTES)) != CB_OK)
		return rc;
	rc = cb__codeset_parse(out, buf, len, path, NULL);
	free(buf);
	return rc;
}
