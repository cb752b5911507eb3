/*
 * load.c - build a cb_codeset from a code-set JSON document.
 *
 * The JSON is parsed by the simdjson shim into a tree that remembers where
 * each value sits, so every complaint reads "file:line:column: path: what
 * was expected".  Structural faults (wrong types, unknown fields) end the
 * load.  Semantic faults (an undeclared category, a code failing its own
 * format, duplicates) end it too, unless a lint report is collecting them:
 * then loading goes on as far as it can so one run reports every problem.
 * docs/codeset-format.md documents the format; schemas/codeset.schema.json
 * is its JSON Schema.
 */
#include "codeset_int.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../shim/json_shim.h"
#include "../util/utf8.h"

struct loader {
	const char    *buf;
	size_t         len;
	const char    *origin;
	cb_json_doc   *doc;
	cb_codeset    *cs;
	cb_report     *lint;     /* NULL: strict */
	size_t         pos_off;  /* the last position computed, */
	unsigned       pos_line, pos_col;	/* 0: none yet */
};

/* Line and column of byte @off.  Entries come in file order, so go on from
 * the last position asked for instead of the start: n entries would
 * otherwise cost n times the file size. */
static void
position(struct loader *L, size_t off, unsigned *line, unsigned *col)
{
	unsigned l, c;

	if (L->pos_line == 0 || off < L->pos_off) {
		L->pos_off = 0;
		L->pos_line = L->pos_col = 1;
	}
	if (off > L->len)
		off = L->len;
	cb_text_position(L->buf + L->pos_off, L->len - L->pos_off, off - L->pos_off, &l, &c);
	L->pos_col = l == 1 ? L->pos_col + c - 1 : c;
	L->pos_line += l - 1;
	L->pos_off = off;
	*line = L->pos_line;
	*col = L->pos_col;
}

static int __attribute__((format(printf, 6, 0)))
vreport(struct loader *L, const char *rule, const char *subject, size_t off,
    int fatal, const char *fmt, va_list ap)
{
	char msg[768];
	unsigned line, col;

	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	position(L, off, &line, &col);
	if (L->lint != NULL) {
		if (cb__report_add(L->lint, rule, subject, L->origin, line, col, "%s", msg) != CB_OK)
			return CB_ENOMEM;
		if (!fatal)
			return CB_OK;
	} else if (!fatal && cb_rule_find(rule)->severity < CB_SEV_ERROR) {
		return CB_OK;	/* warnings do not stop a strict load */
	}
	return cb__fail(CB_EPARSE, "%s:%u:%u: %s", L->origin, line, col, msg);
}

/* A structural fault: always ends the load. */
static int __attribute__((format(printf, 3, 4)))
fatal(struct loader *L, size_t off, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vreport(L, "SCHEMA", "", off, 1, fmt, ap);
	va_end(ap);
	return rc == CB_OK ? CB_EPARSE : rc;
}

/* A limit of cb_limits.h exceeded: ends the load with CB_ETOOBIG, as the
 * header promises, so callers can tell "too large" from "malformed". */
static int __attribute__((format(printf, 3, 4)))
too_big(struct loader *L, size_t off, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vreport(L, "SCHEMA", "", off, 1, fmt, ap);
	va_end(ap);
	return rc == CB_ENOMEM ? rc : CB_ETOOBIG;
}

/* A semantic fault under @rule: ends a strict load, is recorded by lint. */
static int __attribute__((format(printf, 5, 6)))
semantic(struct loader *L, const char *rule, const char *subject, size_t off,
    const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vreport(L, rule, subject, off, 0, fmt, ap);
	va_end(ap);
	return rc;
}

static int
expect_type(struct loader *L, const cb_json_node *n, cb_json_type t, const char *path)
{
	if (n->type == t)
		return CB_OK;
	return fatal(L, n->offset, "%s: expected %s %s, got %s", path,
	    t == CB_JSON_OBJECT || t == CB_JSON_ARRAY ? "an" : "a",
	    cb_json_type_name(t), cb_json_type_name(n->type));
}

/* Refuse members not in @allowed (NULL-terminated). */
static int
check_keys(struct loader *L, const cb_json_node *obj, const char *const *allowed,
    const char *path)
{
	const cb_json_node *c;
	const cb_json_node *d;

	for (c = cb_json_child(L->doc, obj); c; c = cb_json_next(L->doc, c)) {
		const char *const *a;
		for (a = allowed; *a; a++)
			if (strlen(*a) == c->key_len && memcmp(*a, c->key, c->key_len) == 0)
				break;
		if (*a == NULL) {
			char q[80];
			cb__quote(q, sizeof(q), c->key, c->key_len);
			return fatal(L, c->key_offset, "%s: unknown field \"%s\"", path, q);
		}
		for (d = cb_json_next(L->doc, c); d; d = cb_json_next(L->doc, d))
			if (d->key_len == c->key_len && memcmp(d->key, c->key, c->key_len) == 0)
				return fatal(L, d->key_offset, "%s: duplicate field \"%s\"", path, *a);
	}
	return CB_OK;
}

/* Optional string member; *out stays as it was when absent. */
static int
get_str(struct loader *L, const cb_json_node *obj, const char *key, int required,
    const char *path, const cb_json_node **node, const char **out)
{
	const cb_json_node *n = cb_json_get(L->doc, obj, key);

	if (node)
		*node = n;
	if (n == NULL) {
		if (required)
			return fatal(L, obj->offset, "%s: missing required field \"%s\"", path, key);
		return CB_OK;
	}
	if (n->type != CB_JSON_STRING)
		return fatal(L, n->offset, "%s.%s: expected a string, got %s", path, key,
		    cb_json_type_name(n->type));
	if (memchr(n->str, '\0', n->str_len) != NULL)
		return fatal(L, n->offset, "%s.%s: the string contains a NUL character", path, key);
	if (n->str_len > CB_MAX_STRING)
		return too_big(L, n->offset, "%s.%s: longer than %u bytes", path, key, CB_MAX_STRING);
	if ((*out = cb_arena_strndup(&L->cs->cs_arena, n->str, n->str_len)) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	return CB_OK;
}

static int
get_int(struct loader *L, const cb_json_node *obj, const char *key, long long min,
    long long max, const char *path, int *out)
{
	const cb_json_node *n = cb_json_get(L->doc, obj, key);

	if (n == NULL)
		return CB_OK;
	if (n->type != CB_JSON_NUMBER || !n->is_int)
		return fatal(L, n->offset, "%s.%s: expected an integer, got %s", path, key,
		    n->type == CB_JSON_NUMBER ? "a fraction or a too large number" : cb_json_type_name(n->type));
	if (n->i < min || n->i > max)
		return fatal(L, n->offset, "%s.%s: %lld is outside %lld..%lld", path, key,
		    (long long)n->i, min, max);
	*out = (int)n->i;
	return CB_OK;
}

static int
get_bool(struct loader *L, const cb_json_node *obj, const char *key, const char *path,
    bool *out)
{
	const cb_json_node *n = cb_json_get(L->doc, obj, key);

	if (n == NULL)
		return CB_OK;
	if (n->type != CB_JSON_BOOL)
		return fatal(L, n->offset, "%s.%s: expected true or false, got %s", path, key,
		    cb_json_type_name(n->type));
	*out = n->b != 0;
	return CB_OK;
}

/* String member restricted to @choices; *out = index. */
static int
get_enum(struct loader *L, const cb_json_node *obj, const char *key,
    const char *const *choices, const char *path, int *out)
{
	const cb_json_node *n = cb_json_get(L->doc, obj, key);
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
		return fatal(L, n->offset, "%s.%s: \"%s\" is not one of %s", path, key, q, list);
	}
	return fatal(L, n->offset, "%s.%s: expected one of %s, got %s", path, key, list,
	    cb_json_type_name(n->type));
}

static int
valid_set_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 63)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && i > 0)))
			return 0;
	}
	return 1;
}

static int
load_format(struct loader *L, const cb_json_node *root)
{
	static const char *const keys[] = { "charset", "shape", "case", "case_enforced",
	    "min_length", "max_length", NULL };
	static const char *const shapes[] = { "plain", "category.code", "integer", NULL };
	static const char *const cases[] = { "any", "upper", "lower", NULL };
	struct cb_fmt *f = &L->cs->cs_fmt;
	const cb_json_node *n = cb_json_get(L->doc, root, "format"), *cn;
	int rc, shape = 0, lcase = 0, min = 1, max = CB_MAX_CODE_LEN;
	char why[160];

	if (n == NULL)
		return fatal(L, root->offset, "missing required field \"format\"");
	if ((rc = expect_type(L, n, CB_JSON_OBJECT, "format")) != CB_OK ||
	    (rc = check_keys(L, n, keys, "format")) != CB_OK ||
	    (rc = get_str(L, n, "charset", 1, "format", &cn, &f->f_charset)) != CB_OK ||
	    (rc = get_enum(L, n, "shape", shapes, "format", &shape)) != CB_OK ||
	    (rc = get_enum(L, n, "case", cases, "format", &lcase)) != CB_OK ||
	    (rc = get_bool(L, n, "case_enforced", "format", &f->f_case_enforced)) != CB_OK ||
	    (rc = get_int(L, n, "min_length", 1, CB_MAX_CODE_LEN, "format", &min)) != CB_OK ||
	    (rc = get_int(L, n, "max_length", 1, CB_MAX_CODE_LEN, "format", &max)) != CB_OK)
		return rc;
	if (cb_json_get(L->doc, n, "shape") == NULL)
		return fatal(L, n->offset, "format: missing required field \"shape\"");
	if (cb__charset_compile(f, f->f_charset, why, sizeof(why)) != 0)
		return fatal(L, cn->offset, "format.%s", why);
	if (min > max)
		return fatal(L, n->offset, "format: min_length %d is greater than max_length %d", min, max);
	f->f_shape = (cb_shape)shape;
	f->f_case = (cb_case)lcase;
	f->f_min = (unsigned)min;
	f->f_max = (unsigned)max;
	if (f->f_shape == CB_SHAPE_CATEGORY_CODE && !f->f_allowed['.'])
		return fatal(L, cn->offset, "format.charset: shape category.code needs '.' among the allowed characters");
	return CB_OK;
}

static int
load_contexts(struct loader *L, const cb_json_node *root)
{
	static const char *const keys[] = { "description", "values", NULL };
	const cb_json_node *n = cb_json_get(L->doc, root, "contexts"), *c, *v, *w;
	cb_codeset *cs = L->cs;
	char path[128];
	int rc;

	if (n == NULL)
		return CB_OK;
	if ((rc = expect_type(L, n, CB_JSON_OBJECT, "contexts")) != CB_OK)
		return rc;
	if (n->nchildren > CB_MAX_DIMS)
		return too_big(L, n->offset, "contexts: %u dimensions, at most %d allowed",
		    n->nchildren, CB_MAX_DIMS);
	for (c = cb_json_child(L->doc, n); c; c = cb_json_next(L->doc, c)) {
		struct cb_dim *d = &cs->cs_dims[cs->cs_ndims];
		const cb_json_node *vals;
		size_t i = 0;
		char q[80];

		for (w = cb_json_next(L->doc, c); w; w = cb_json_next(L->doc, w))
			if (w->key_len == c->key_len && memcmp(w->key, c->key, c->key_len) == 0)
				return fatal(L, w->key_offset, "contexts: dimension \"%s\" declared twice",
				    cb__quote(q, sizeof(q), c->key, c->key_len));
		if (c->key_len == 0 || memchr(c->key, '\0', c->key_len) || memchr(c->key, '=', c->key_len))
			return fatal(L, c->key_offset, "contexts: dimension names must be non-empty, without '=' or NUL");
		snprintf(path, sizeof(path), "contexts.%s", cb__quote(q, sizeof(q), c->key, c->key_len));
		if ((rc = expect_type(L, c, CB_JSON_OBJECT, path)) != CB_OK ||
		    (rc = check_keys(L, c, keys, path)) != CB_OK ||
		    (rc = get_str(L, c, "description", 0, path, NULL, &d->d_description)) != CB_OK)
			return rc;
		if ((d->d_name = cb_arena_strndup(&cs->cs_arena, c->key, c->key_len)) == NULL)
			return cb__fail(CB_ENOMEM, "out of memory");
		d->d_name_len = c->key_len;
		if ((vals = cb_json_get(L->doc, c, "values")) == NULL)
			return fatal(L, c->offset, "%s: missing required field \"values\"", path);
		if ((rc = expect_type(L, vals, CB_JSON_ARRAY, path)) != CB_OK)
			return rc;
		if (vals->nchildren == 0)
			return fatal(L, vals->offset, "%s.values: at least one value needed", path);
		if (vals->nchildren > CB_MAX_DIM_VALUES)
			return too_big(L, vals->offset, "%s.values: %u values, at most %d allowed",
			    path, vals->nchildren, CB_MAX_DIM_VALUES);
		d->d_values = cb_arena_calloc(&cs->cs_arena, vals->nchildren, sizeof(char *));
		d->d_value_lens = cb_arena_calloc(&cs->cs_arena, vals->nchildren, sizeof(uint32_t));
		if (d->d_values == NULL || d->d_value_lens == NULL)
			return cb__fail(CB_ENOMEM, "out of memory");
		for (v = cb_json_child(L->doc, vals); v; v = cb_json_next(L->doc, v), i++) {
			if (v->type != CB_JSON_STRING || v->str_len == 0 || memchr(v->str, '\0', v->str_len))
				return fatal(L, v->offset, "%s.values[%zu]: expected a non-empty string", path, i);
			for (w = cb_json_child(L->doc, vals); w != v; w = cb_json_next(L->doc, w))
				if (w->str_len == v->str_len && memcmp(w->str, v->str, v->str_len) == 0)
					return fatal(L, v->offset, "%s.values[%zu]: \"%s\" is listed twice", path, i,
					    cb__quote(q, sizeof(q), v->str, v->str_len));
			if ((d->d_values[i] = cb_arena_strndup(&cs->cs_arena, v->str, v->str_len)) == NULL)
				return cb__fail(CB_ENOMEM, "out of memory");
			d->d_value_lens[i] = (uint32_t)v->str_len;
		}
		d->d_nvalues = i;
		cs->cs_ndims++;
	}
	return CB_OK;
}

static int
load_categories(struct loader *L, const cb_json_node *root)
{
	static const char *const keys[] = { "name", "description", NULL };
	const cb_json_node *n = cb_json_get(L->doc, root, "categories"), *c, *nn;
	cb_codeset *cs = L->cs;
	char path[64];
	size_t i = 0;
	int rc;

	if (n == NULL)
		return CB_OK;
	if ((rc = expect_type(L, n, CB_JSON_ARRAY, "categories")) != CB_OK)
		return rc;
	if (n->nchildren > CB_MAX_CATEGORIES)
		return too_big(L, n->offset, "categories: %u, at most %d allowed", n->nchildren, CB_MAX_CATEGORIES);
	cs->cs_cats = cb_arena_calloc(&cs->cs_arena, n->nchildren, sizeof(*cs->cs_cats));
	if (cs->cs_cats == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	for (c = cb_json_child(L->doc, n); c; c = cb_json_next(L->doc, c), i++) {
		struct cb_category *cat = &cs->cs_cats[cs->cs_ncats];
		snprintf(path, sizeof(path), "categories[%zu]", i);
		if ((rc = expect_type(L, c, CB_JSON_OBJECT, path)) != CB_OK ||
		    (rc = check_keys(L, c, keys, path)) != CB_OK ||
		    (rc = get_str(L, c, "name", 1, path, &nn, &cat->c_name)) != CB_OK ||
		    (rc = get_str(L, c, "description", 0, path, NULL, &cat->c_description)) != CB_OK)
			return rc;
		if (cat->c_name[0] == '\0')
			return fatal(L, nn->offset, "%s.name: must not be empty", path);
		if (cb_codeset_category_index(cs, cat->c_name, strlen(cat->c_name)) >= 0) {
			if ((rc = semantic(L, "CATEGORY_DUPLICATE", cat->c_name, nn->offset,
			    "%s: category \"%s\" is declared twice", path, cat->c_name)) != CB_OK)
				return rc;
			continue;
		}
		cs->cs_ncats++;
	}
	return CB_OK;
}

static int
load_handling(struct loader *L, const cb_json_node *root)
{
	static const char *const keys[] = { "name", "action", "contact_support", "description", NULL };
	static const char *const actions[] = { "none", "retry", "recheck-then-retry", "fail", "ignore", NULL };
	const cb_json_node *n = cb_json_get(L->doc, root, "handling"), *c, *nn;
	cb_codeset *cs = L->cs;
	char path[64];
	size_t i = 0, j;
	int rc;

	if (n == NULL)
		return CB_OK;
	if ((rc = expect_type(L, n, CB_JSON_ARRAY, "handling")) != CB_OK)
		return rc;
	if (n->nchildren > CB_MAX_HANDLING)
		return too_big(L, n->offset, "handling: %u classes, at most %d allowed", n->nchildren, CB_MAX_HANDLING);
	cs->cs_handling = cb_arena_calloc(&cs->cs_arena, n->nchildren, sizeof(*cs->cs_handling));
	if (cs->cs_handling == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	for (c = cb_json_child(L->doc, n); c; c = cb_json_next(L->doc, c), i++) {
		struct cb_handling *h = &cs->cs_handling[i];
		int action = -1;
		snprintf(path, sizeof(path), "handling[%zu]", i);
		if ((rc = expect_type(L, c, CB_JSON_OBJECT, path)) != CB_OK ||
		    (rc = check_keys(L, c, keys, path)) != CB_OK ||
		    (rc = get_str(L, c, "name", 1, path, &nn, &h->h_name)) != CB_OK ||
		    (rc = get_enum(L, c, "action", actions, path, &action)) != CB_OK ||
		    (rc = get_bool(L, c, "contact_support", path, &h->h_contact_support)) != CB_OK ||
		    (rc = get_str(L, c, "description", 0, path, NULL, &h->h_description)) != CB_OK)
			return rc;
		if (action < 0)
			return fatal(L, c->offset, "%s: missing required field \"action\" (retry, recheck-then-retry, fail or ignore)", path);
		if (action == CB_ACTION_NONE)
			return fatal(L, cb_json_get(L->doc, c, "action")->offset,
			    "%s.action: \"none\" is not a handling action (retry, recheck-then-retry, fail or ignore)", path);
		h->h_action = (cb_action)action;
		for (j = 0; j < i; j++)
			if (strcmp(cs->cs_handling[j].h_name, h->h_name) == 0)
				return fatal(L, nn->offset, "%s: handling class \"%s\" is declared twice", path, h->h_name);
	}
	cs->cs_nhandling = i;
	return CB_OK;
}

static int
load_policy(struct loader *L, const cb_json_node *root)
{
	static const char *const keys[] = { "max_attempts", "base_delay_ms", "max_delay_ms", NULL };
	const cb_json_node *n = cb_json_get(L->doc, root, "policy");
	cb_policy *p = &L->cs->cs_policy;
	int a = 5, b = 200, m = 30000, rc;

	if (n != NULL) {
		if ((rc = expect_type(L, n, CB_JSON_OBJECT, "policy")) != CB_OK ||
		    (rc = check_keys(L, n, keys, "policy")) != CB_OK ||
		    (rc = get_int(L, n, "max_attempts", 1, 100, "policy", &a)) != CB_OK ||
		    (rc = get_int(L, n, "base_delay_ms", 0, 3600000, "policy", &b)) != CB_OK ||
		    (rc = get_int(L, n, "max_delay_ms", 0, 3600000, "policy", &m)) != CB_OK)
			return rc;
		L->cs->cs_has_policy = true;
	}
	p->max_attempts = (unsigned)a;
	p->base_delay_ms = (unsigned)b;
	p->max_delay_ms = (unsigned)m;
	return CB_OK;
}

static int
load_applies(struct loader *L, struct cb_entry *e, const cb_json_node *ap, const char *epath)
{
	cb_codeset *cs = L->cs;
	const cb_json_node *c, *v, *w;
	char path[160], q[80], q2[80];
	int rc;

	snprintf(path, sizeof(path), "%s.applies", epath);
	if ((rc = expect_type(L, ap, CB_JSON_OBJECT, path)) != CB_OK)
		return rc;
	for (c = cb_json_child(L->doc, ap); c; c = cb_json_next(L->doc, c)) {
		int d = cb_codeset_dim_index(cs, c->key, c->key_len);
		size_t i = 0;

		cb__quote(q, sizeof(q), c->key, c->key_len);
		snprintf(path, sizeof(path), "%s.applies.%s", epath, q);
		for (w = cb_json_next(L->doc, c); w; w = cb_json_next(L->doc, w))
			if (w->key_len == c->key_len && memcmp(w->key, c->key, c->key_len) == 0)
				return fatal(L, w->key_offset, "%s: listed twice", path);
		if ((rc = expect_type(L, c, CB_JSON_ARRAY, path)) != CB_OK)
			return rc;
		if (c->nchildren == 0)
			return fatal(L, c->offset, "%s: empty list (omit the dimension to admit any value)", path);
		if (d < 0) {
			if ((rc = semantic(L, "CONTEXT_UNDECLARED", q, c->key_offset,
			    "%s: the set declares no context dimension \"%s\"", path, q)) != CB_OK)
				return rc;
			continue;
		}
		for (v = cb_json_child(L->doc, c); v; v = cb_json_next(L->doc, v), i++) {
			int vi;
			if (v->type != CB_JSON_STRING)
				return fatal(L, v->offset, "%s[%zu]: expected a string, got %s", path, i,
				    cb_json_type_name(v->type));
			vi = cb_codeset_dim_value_index(cs, (size_t)d, v->str, v->str_len);
			cb__quote(q2, sizeof(q2), v->str, v->str_len);
			if (vi < 0) {
				if ((rc = semantic(L, "CONTEXT_UNDECLARED", q2, v->offset,
				    "%s[%zu]: \"%s\" is not a declared value of %s", path, i, q2, q)) != CB_OK)
					return rc;
				continue;
			}
			if ((e->e_applies[d] >> vi) & 1)
				return fatal(L, v->offset, "%s[%zu]: \"%s\" is listed twice", path, i, q2);
			e->e_applies[d] |= (uint64_t)1 << vi;
		}
	}
	return CB_OK;
}

static int
load_attributes(struct loader *L, struct cb_entry *e, const cb_json_node *n, const char *epath)
{
	const cb_json_node *c;
	char path[160];
	uint32_t i = 0;
	int rc;

	snprintf(path, sizeof(path), "%s.attributes", epath);
	if ((rc = expect_type(L, n, CB_JSON_OBJECT, path)) != CB_OK)
		return rc;
	if (n->nchildren > CB_MAX_ATTRS)
		return too_big(L, n->offset, "%s: %u attributes, at most %d allowed", path, n->nchildren, CB_MAX_ATTRS);
	e->e_attrs = cb_arena_calloc(&L->cs->cs_arena, n->nchildren, sizeof(*e->e_attrs));
	if (e->e_attrs == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	for (c = cb_json_child(L->doc, n); c; c = cb_json_next(L->doc, c), i++) {
		for (const cb_json_node *w = cb_json_next(L->doc, c); w; w = cb_json_next(L->doc, w))
			if (w->key_len == c->key_len && memcmp(w->key, c->key, c->key_len) == 0)
				return fatal(L, w->key_offset, "%s: attribute listed twice", path);
		if (c->type != CB_JSON_STRING || memchr(c->str, '\0', c->str_len) ||
		    memchr(c->key, '\0', c->key_len))
			return fatal(L, c->offset, "%s: attribute values must be strings without NUL", path);
		if (c->str_len > CB_MAX_STRING)
			return too_big(L, c->offset, "%s: attribute value longer than %u bytes", path, CB_MAX_STRING);
		e->e_attrs[i].key = cb_arena_strndup(&L->cs->cs_arena, c->key, c->key_len);
		e->e_attrs[i].value = cb_arena_strndup(&L->cs->cs_arena, c->str, c->str_len);
		if (e->e_attrs[i].key == NULL || e->e_attrs[i].value == NULL)
			return cb__fail(CB_ENOMEM, "out of memory");
	}
	e->e_nattrs = i;
	return CB_OK;
}

static int
load_entry(struct loader *L, const cb_json_node *n, size_t idx)
{
	static const char *const keys[] = { "code", "code_missing", "category", "description",
	    "status", "since", "deprecated_since", "replaced_by", "applies", "handling",
	    "http_status", "not_an_error", "attributes", NULL };
	static const char *const statuses[] = { "active", "deprecated", "retired", NULL };
	cb_codeset *cs = L->cs;
	struct cb_entry *e = &cs->cs_entries[cs->cs_nentries];
	const cb_json_node *cn, *catn, *hn, *x;
	const char *category = NULL, *handling = NULL;
	char path[64], q[80], why[200];
	bool code_missing = false;
	int status = 0, rc;
	unsigned line, col;
	size_t off;

	snprintf(path, sizeof(path), "entries[%zu]", idx);
	e->e_set = cs;
	e->e_index = (uint32_t)cs->cs_nentries;
	e->e_category = e->e_handling = -1;
	e->e_replaced_by = "";
	position(L, n->offset, &line, &col);
	e->e_line = line;
	e->e_col = col;
	e->e_offset = n->offset;
	if ((rc = expect_type(L, n, CB_JSON_OBJECT, path)) != CB_OK ||
	    (rc = check_keys(L, n, keys, path)) != CB_OK ||
	    (rc = get_str(L, n, "code", 0, path, &cn, &e->e_code)) != CB_OK ||
	    (rc = get_bool(L, n, "code_missing", path, &code_missing)) != CB_OK ||
	    (rc = get_str(L, n, "category", 0, path, &catn, &category)) != CB_OK ||
	    (rc = get_str(L, n, "description", 0, path, NULL, &e->e_description)) != CB_OK ||
	    (rc = get_enum(L, n, "status", statuses, path, &status)) != CB_OK ||
	    (rc = get_int(L, n, "since", 1, INT_MAX, path, &e->e_since)) != CB_OK ||
	    (rc = get_int(L, n, "deprecated_since", 1, INT_MAX, path, &e->e_deprecated_since)) != CB_OK ||
	    (rc = get_str(L, n, "replaced_by", 0, path, NULL, &e->e_replaced_by)) != CB_OK ||
	    (rc = get_str(L, n, "handling", 0, path, &hn, &handling)) != CB_OK ||
	    (rc = get_int(L, n, "http_status", 100, 599, path, &e->e_http_status)) != CB_OK ||
	    (rc = get_bool(L, n, "not_an_error", path, &e->e_not_an_error)) != CB_OK)
		return rc;
	e->e_status = (cb_status)status;
	if ((x = cb_json_get(L->doc, n, "applies")) != NULL &&
	    (rc = load_applies(L, e, x, path)) != CB_OK)
		return rc;
	if ((x = cb_json_get(L->doc, n, "attributes")) != NULL &&
	    (rc = load_attributes(L, e, x, path)) != CB_OK)
		return rc;

	if (e->e_code == NULL) {
		if (!code_missing)
			return fatal(L, n->offset, "%s: missing required field \"code\" (a row whose source gives no code needs \"code_missing\": true)", path);
		if ((rc = semantic(L, "ENTRY_NO_CODE", "", n->offset,
		    "%s: kept without a code, as its source lists it (\"%s\")", path,
		    e->e_description ? e->e_description : "")) != CB_OK)
			return rc;
	} else {
		if (code_missing)
			return fatal(L, cn->offset, "%s: \"code_missing\": true, but a code is given", path);
		e->e_code_len = (uint32_t)strlen(e->e_code);
		cb__quote(q, sizeof(q), e->e_code, e->e_code_len);
		if (e->e_code_len > CB_MAX_CODE_LEN)
			return too_big(L, cn->offset, "%s.code: longer than %d bytes", path, CB_MAX_CODE_LEN);
		if (!cb__format_ok(&cs->cs_fmt, e->e_code, e->e_code_len, &off, why, sizeof(why)) &&
		    (rc = semantic(L, "CODE_BAD_FORMAT", q, cn->offset + 1 + off,
		    "%s.code: \"%s\" fails the set's format: %s", path, q, why)) != CB_OK)
			return rc;
	}

	/* CATEGORY.CODE: the prefix is the category; a category field must agree.
	 * A code without a '.' has no prefix: CODE_BAD_FORMAT said so. */
	if (cs->cs_fmt.f_shape == CB_SHAPE_CATEGORY_CODE && e->e_code != NULL &&
	    memchr(e->e_code, '.', e->e_code_len) != NULL) {
		const char *dot = memchr(e->e_code, '.', e->e_code_len);
		size_t plen = (size_t)(dot - e->e_code);
		if (category != NULL && (strlen(category) != plen || memcmp(category, e->e_code, plen) != 0)) {
			if ((rc = semantic(L, "CATEGORY_MISMATCH", q, catn->offset,
			    "%s.category: \"%s\" differs from the code's prefix in \"%s\"", path, category, q)) != CB_OK)
				return rc;
		} else if (category == NULL) {
			e->e_category = cb_codeset_category_index(cs, e->e_code, plen);
			if (e->e_category < 0 && (rc = semantic(L, "CATEGORY_UNDECLARED", q, cn->offset,
			    "%s.code: \"%s\" is in category \"%.*s\", which the set does not declare",
			    path, q, (int)plen, e->e_code)) != CB_OK)
				return rc;
		}
	}
	if (category != NULL && e->e_category < 0) {
		e->e_category = cb_codeset_category_index(cs, category, strlen(category));
		if (e->e_category < 0 && (rc = semantic(L, "CATEGORY_UNDECLARED", category, catn->offset,
		    "%s.category: \"%s\" is not a declared category", path, category)) != CB_OK)
			return rc;
	}
	if (handling != NULL) {
		size_t h;
		for (h = 0; h < cs->cs_nhandling; h++)
			if (strcmp(cs->cs_handling[h].h_name, handling) == 0)
				break;
		if (h < cs->cs_nhandling)
			e->e_handling = (int)h;
		else if ((rc = semantic(L, "HANDLING_UNDECLARED", handling, hn->offset,
		    "%s.handling: \"%s\" is not a declared handling class", path, handling)) != CB_OK)
			return rc;
	}
	if ((e->e_since > cs->cs_version || e->e_deprecated_since > cs->cs_version) &&
	    (rc = semantic(L, "SINCE_AFTER_VERSION", e->e_code ? q : "", n->offset,
	    "%s: since/deprecated_since %d is later than the set's version %d", path,
	    e->e_since > cs->cs_version ? e->e_since : e->e_deprecated_since, cs->cs_version)) != CB_OK)
		return rc;
	cs->cs_nentries++;
	return CB_OK;
}

/* In sets with repeated codes, two entries are one row when code,
 * description and contexts are equal. */
static uint64_t
row_hash(const struct cb_entry *e)
{
	const char *d = cb_entry_description(e);
	uint64_t h = cb__hash(e->e_code, e->e_code_len) ^ (cb__hash(d, strlen(d)) * 0x9e3779b97f4a7c15ull);
	size_t k;

	for (k = 0; k < CB_MAX_DIMS; k++)
		h = (h ^ e->e_applies[k]) * 1099511628211ull;
	return h;
}

static int
same_row(const struct cb_entry *a, const struct cb_entry *b)
{
	size_t k;

	if (a->e_code_len != b->e_code_len || memcmp(a->e_code, b->e_code, a->e_code_len) != 0 ||
	    strcmp(cb_entry_description(a), cb_entry_description(b)) != 0)
		return 0;
	for (k = 0; k < CB_MAX_DIMS; k++)
		if (a->e_applies[k] != b->e_applies[k])
			return 0;
	return 1;
}

/* Duplicates and references between entries, once all are loaded. */
static int
check_entries(struct loader *L)
{
	cb_codeset *cs = L->cs;
	uint32_t *rows = NULL;
	size_t i, s, nrows = 16;
	char q[80];
	int rc;

	/* sets with repeated codes: a table of distinct rows, so that finding
	 * the duplicates of a code listed n times costs n, not n^2 / 2 */
	if (cs->cs_repeated) {
		while (nrows < cs->cs_nentries * 2)
			nrows *= 2;
		if ((rows = cb__calloc(nrows, sizeof(*rows))) == NULL)
			return cb__fail(CB_ENOMEM, "out of memory");
	}
	for (i = 0; i < cs->cs_nentries; i++) {
		const struct cb_entry *e = &cs->cs_entries[i], *p = NULL;
		if (e->e_code == NULL)
			continue;
		if (rows == NULL) {
			if (e->e_first)
				continue;
			p = cb_codeset_find(cs, e->e_code, e->e_code_len);
		} else {
			for (s = row_hash(e) & (nrows - 1); rows[s] != 0 && p == NULL; s = (s + 1) & (nrows - 1))
				if (same_row(&cs->cs_entries[rows[s] - 1], e))
					p = &cs->cs_entries[rows[s] - 1];
			if (p == NULL) {
				rows[s] = (uint32_t)i + 1;
				continue;
			}
		}
		cb__quote(q, sizeof(q), e->e_code, e->e_code_len);
		if ((rc = semantic(L, "DUPLICATE_CODE", q, e->e_offset, "entries[%u]: \"%s\" repeats entries[%u] (line %u)",
		    e->e_index, q, p->e_index, p->e_line)) != CB_OK) {
			free(rows);
			return rc;
		}
	}
	free(rows);
	for (i = 0; i < cs->cs_nentries; i++) {
		const struct cb_entry *e = &cs->cs_entries[i];
		if (e->e_replaced_by[0] == '\0')
			continue;
		if (cb_codeset_find(cs, e->e_replaced_by, strlen(e->e_replaced_by)) == NULL &&
		    (rc = semantic(L, "REPLACED_BY_UNKNOWN", e->e_replaced_by, e->e_offset,
		    "entries[%u].replaced_by: \"%s\" is not a code of this set", e->e_index,
		    e->e_replaced_by)) != CB_OK)
			return rc;
	}
	return CB_OK;
}

static int
load_root(struct loader *L, const cb_json_node *root)
{
	static const char *const keys[] = { "$schema", "name", "title", "version", "description",
	    "source", "mirror", "repeated_codes", "deprecated", "format", "contexts",
	    "categories", "handling", "policy", "entries", NULL };
	static const char *const dep[] = { "warn", "reject", NULL };
	cb_codeset *cs = L->cs;
	const cb_json_node *nn, *entries, *c;
	const char *schema = NULL;
	int deprecated = 0, rc;
	size_t i = 0;

	if (root->type != CB_JSON_OBJECT)
		return fatal(L, root->offset, "expected a code-set object, got %s", cb_json_type_name(root->type));
	if ((rc = check_keys(L, root, keys, "code set")) != CB_OK ||
	    (rc = get_str(L, root, "$schema", 0, "code set", NULL, &schema)) != CB_OK ||
	    (rc = get_str(L, root, "name", 1, "code set", &nn, &cs->cs_name)) != CB_OK ||
	    (rc = get_str(L, root, "title", 1, "code set", NULL, &cs->cs_title)) != CB_OK ||
	    (rc = get_str(L, root, "description", 0, "code set", NULL, &cs->cs_description)) != CB_OK ||
	    (rc = get_str(L, root, "source", 0, "code set", NULL, &cs->cs_source)) != CB_OK ||
	    (rc = get_bool(L, root, "mirror", "code set", &cs->cs_mirror)) != CB_OK ||
	    (rc = get_bool(L, root, "repeated_codes", "code set", &cs->cs_repeated)) != CB_OK ||
	    (rc = get_enum(L, root, "deprecated", dep, "code set", &deprecated)) != CB_OK)
		return rc;
	if (!valid_set_name(cs->cs_name))
		return fatal(L, nn->offset, "name: \"%s\" must be 1-63 characters of a-z, 0-9 and '-', not starting with '-'",
		    cs->cs_name);
	if (cb_json_get(L->doc, root, "version") == NULL)
		return fatal(L, root->offset, "missing required field \"version\"");
	if ((rc = get_int(L, root, "version", 1, INT_MAX, "code set", &cs->cs_version)) != CB_OK)
		return rc;
	cs->cs_reject_deprecated = deprecated == 1;
	if ((rc = load_format(L, root)) != CB_OK ||
	    (rc = load_contexts(L, root)) != CB_OK ||
	    (rc = load_categories(L, root)) != CB_OK ||
	    (rc = load_handling(L, root)) != CB_OK ||
	    (rc = load_policy(L, root)) != CB_OK)
		return rc;
	if ((entries = cb_json_get(L->doc, root, "entries")) == NULL)
		return fatal(L, root->offset, "missing required field \"entries\"");
	if ((rc = expect_type(L, entries, CB_JSON_ARRAY, "entries")) != CB_OK)
		return rc;
	if (entries->nchildren > CB_MAX_ENTRIES)
		return too_big(L, entries->offset, "entries: %u, at most %d allowed", entries->nchildren, CB_MAX_ENTRIES);
	cs->cs_entries = cb_arena_calloc(&cs->cs_arena, entries->nchildren, sizeof(*cs->cs_entries));
	if (cs->cs_entries == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	for (c = cb_json_child(L->doc, entries); c; c = cb_json_next(L->doc, c), i++)
		if ((rc = load_entry(L, c, i)) != CB_OK)
			return rc;
	if ((rc = cb__codeset_index(cs)) != CB_OK)
		return rc;
	return check_entries(L);
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
	L.buf = buf;
	L.len = len;
	L.origin = origin ? origin : "<buffer>";
	L.lint = lint;
	if (len > CB_MAX_CODESET_BYTES)
		return cb__fail(CB_ETOOBIG, "%s: %zu bytes, at most %u allowed", L.origin, len,
		    CB_MAX_CODESET_BYTES);
	if ((L.cs = cb__calloc(1, sizeof(*L.cs))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	atomic_init(&L.cs->cs_refs, 1);
	if ((L.cs->cs_origin = cb_arena_strndup(&L.cs->cs_arena, L.origin, strlen(L.origin))) == NULL) {
		rc = cb__fail(CB_ENOMEM, "out of memory");
		goto out;
	}
	rc = cb_json_parse(&L.doc, buf, len, CB_MAX_JSON_DEPTH, &jerr);
	if (rc != 0) {
		unsigned line, col;
		if (rc == CB_ENOMEM) {
			rc = cb__fail(CB_ENOMEM, "out of memory");
			goto out;
		}
		position(&L, jerr.offset, &line, &col);
		near_text(near, sizeof(near), buf, len, jerr.offset);
		if (jerr.offset == 0 && len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
			/* invisible in an editor: say what it is */
			snprintf(jerr.message, sizeof(jerr.message), "a byte order mark (BOM) is not allowed in JSON");
			snprintf(near, sizeof(near), "; save the file as UTF-8 without BOM");
		}
		if (lint != NULL && cb__report_add(lint, "JSON_SYNTAX", "", L.origin, line, col,
		    "%s%s", jerr.message, near) != CB_OK) {
			rc = CB_ENOMEM;
			goto out;
		}
		rc = cb__fail(rc == CB_ETOOBIG ? CB_ETOOBIG : CB_EPARSE, "%s:%u:%u: %s%s",
		    L.origin, line, col, jerr.message, near);
		goto out;
	}
	if ((rc = load_root(&L, cb_json_root(L.doc))) != CB_OK)
		goto out;
	if (lint != NULL && (rc = cb__lint_set(L.cs, lint)) != CB_OK)
		goto out;
	*out = L.cs;
	L.cs = NULL;
out:
	cb_json_free(L.doc);
	cb_codeset_free(L.cs);
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
