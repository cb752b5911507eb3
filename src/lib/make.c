/* SPDX-License-Identifier: Apache-2.0 */
/*
 * make.c - the rules every code set passes, whether the loader reads it
 * from JSON (load.c) or a builder assembles it from calls (builder.c).
 *
 * Both call the same functions in the same order, with the same paths
 * ("entries[3].category"), so the same content gives the same set and the
 * same complaints; only the position differs: the loader knows the line
 * and column of each value, a builder knows none.  A structural fault ends
 * the making (CB_EPARSE, or CB_ETOOBIG past a limit).  A semantic fault
 * (a rule of rules.c) ends it too, unless a lint report collects them.
 * docs/internals/codeset.md has the layout these functions fill.
 */
#include "codeset_int.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/ident.h"
#include "../util/utf8.h"

int
cb__mk_init(struct cb_make *M, const char *origin, const char *buf, size_t len, cb_report *lint)
{
	memset(M, 0, sizeof(*M));
	M->mk_origin = origin;
	M->mk_buf = buf;
	M->mk_len = len;
	M->mk_lint = lint;
	if ((M->mk_cs = cb__calloc(1, sizeof(*M->mk_cs))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	atomic_init(&M->mk_cs->cs_refs, 1);
	if ((M->mk_cs->cs_origin = cb_arena_strndup(&M->mk_cs->cs_arena, origin, strlen(origin))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	return CB_OK;
}

/* In the @n bytes at @s: the newlines, and the characters (UTF-8 lead
 * bytes) after the last one, or in all of it when there is none.  Eight
 * bytes at a time: a load of many entries spans the whole file. */
static void
span_lines(const char *s, size_t n, unsigned *newlines, size_t *chars)
{
	const char *p = s, *end = s + n, *nl;
	size_t k = 0;

	*newlines = 0;
	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		++*newlines;
		p = nl + 1;
	}
	*chars = 0;
	for (; p + 8 <= end; p += 8) {
		uint64_t x;
		memcpy(&x, p, 8);
		/* continuation bytes are 10xxxxxx */
		x = (x & ~(x << 1) & 0x8080808080808080ull) >> 7;	/* 1 per continuation byte */
		*chars += 8 - (size_t)((x * 0x0101010101010101ull) >> 56);
	}
	for (; p + k < end; k++)
		*chars += ((unsigned char)p[k] & 0xc0) != 0x80;
}

/* Line and column of byte @off, counting characters, not bytes, as
 * cb_text_position() does.  Entries come in file order, so go on from
 * the last position asked for instead of the start: n entries would
 * otherwise cost n times the file size.  0, 0 without a source text. */
void
cb__mk_position(struct cb_make *M, size_t off, unsigned *line, unsigned *col)
{
	unsigned nl;
	size_t chars;

	if (M->mk_buf == NULL) {
		*line = *col = 0;
		return;
	}
	if (M->mk_pos_line == 0 || off < M->mk_pos_off) {
		M->mk_pos_off = 0;
		M->mk_pos_line = M->mk_pos_col = 1;
	}
	if (off > M->mk_len)
		off = M->mk_len;
	span_lines(M->mk_buf + M->mk_pos_off, off - M->mk_pos_off, &nl, &chars);
	M->mk_pos_col = nl == 0 ? M->mk_pos_col + (unsigned)chars : 1 + (unsigned)chars;
	M->mk_pos_line += nl;
	M->mk_pos_off = off;
	*line = M->mk_pos_line;
	*col = M->mk_pos_col;
}

static int __attribute__((format(printf, 6, 0)))
vreport(struct cb_make *M, const char *rule, const char *subject, size_t off,
    int fatal, const char *fmt, va_list ap)
{
	const cb_rule_info *info = cb_rule_find(rule);
	char msg[768];
	unsigned line, col;

	if (CB_NEVER(info == NULL))
		return cb__fail(CB_ERROR, "internal: unknown rule %s", rule);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	cb__mk_position(M, off, &line, &col);
	if (M->mk_lint != NULL) {
		if (cb__report_add(M->mk_lint, rule, subject, M->mk_origin, line, col, "%s", msg) != CB_OK)
			return CB_ENOMEM;
		if (!fatal)
			return CB_OK;
	} else if (!fatal && info->severity < CB_SEV_ERROR) {
		return CB_OK;	/* warnings do not stop a strict load */
	}
	if (M->mk_buf == NULL)
		return cb__fail(CB_EPARSE, "%s: %s", M->mk_origin, msg);
	return cb__fail(CB_EPARSE, "%s:%u:%u: %s", M->mk_origin, line, col, msg);
}

int
cb__mk_fatal(struct cb_make *M, size_t off, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vreport(M, "SCHEMA", "", off, 1, fmt, ap);
	va_end(ap);
	return rc == CB_OK ? CB_EPARSE : rc;
}

/* A limit of cb_limits.h exceeded: CB_ETOOBIG, as the headers promise, so
 * that callers can tell "too large" from "malformed". */
int
cb__mk_too_big(struct cb_make *M, size_t off, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vreport(M, "SCHEMA", "", off, 1, fmt, ap);
	va_end(ap);
	return rc == CB_ENOMEM ? rc : CB_ETOOBIG;
}

int
cb__mk_semantic(struct cb_make *M, const char *rule, const char *subject, size_t off,
    const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vreport(M, rule, subject, off, 0, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- values --------------------------------------------------------------------- */

int
cb__mk_str(struct cb_make *M, size_t off, const char *path, const char *key,
    const char *s, size_t n, const char **out)
{
	if (memchr(s, '\0', n) != NULL)
		return cb__mk_fatal(M, off, "%s.%s: the string contains a NUL character", path, key);
	if (n > CB_MAX_STRING)
		return cb__mk_too_big(M, off, "%s.%s: longer than %u bytes", path, key, CB_MAX_STRING);
	if ((*out = cb_arena_strndup(&M->mk_cs->cs_arena, s, n)) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	return CB_OK;
}

int
cb__mk_int(struct cb_make *M, size_t off, const char *path, const char *key, long long v,
    long long min, long long max, int *out)
{
	if (v < min || v > max)
		return cb__mk_fatal(M, off, "%s.%s: %lld is outside %lld..%lld", path, key, v, min, max);
	*out = (int)v;
	return CB_OK;
}

int
cb__mk_name(struct cb_make *M, size_t off)
{
	const char *name = M->mk_cs->cs_name;

	if (!cb_set_name_check(name, strlen(name), NULL))
		return cb__mk_fatal(M, off, "name: \"%s\" must be 1-63 characters of a-z, 0-9 and '-', not starting with '-', "
		    "optionally followed by @ and a market code of two letters A-Z (tiktok-reverse-reason@GB)", name);
	return CB_OK;
}

/* An opt-in governance rule the set enforces ("governance": {"rules"}). */
int
cb__mk_rule(struct cb_make *M, size_t off, const char *path, const char *name, size_t len)
{
	cb_codeset *cs = M->mk_cs;
	char q[80], list[160] = "";
	uint32_t bit;
	size_t k;
	int known;

	cb__quote(q, sizeof(q), name, len);
	for (k = 0; k < CB__RULES_OPT_IN; k++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", k ? ", " : "",
		    cb__rule_opt_in_name(k));
	bit = memchr(name, '\0', len) ? 0 : cb__rule_opt_in_bit(name, len, &known);
	if (bit == 0 && known)
		return cb__mk_fatal(M, off, "%s: %s applies to every set; list only opt-in rules (%s)", path, q, list);
	if (bit == 0)
		return cb__mk_fatal(M, off, "%s: \"%s\" is not an opt-in rule (%s)", path, q, list);
	if (cs->cs_rules & bit)
		return cb__mk_fatal(M, off, "%s: %s is listed twice", path, q);
	cs->cs_rules |= bit;
	return CB_OK;
}

int
cb__mk_format(struct cb_make *M, size_t off, size_t charset_off, int shape, int lcase,
    int min, int max)
{
	struct cb_fmt *f = &M->mk_cs->cs_fmt;
	char why[160];

	CB_ASSERT(f->f_charset != NULL);
	if (cb__charset_compile(f, f->f_charset, why, sizeof(why)) != 0)
		return cb__mk_fatal(M, charset_off, "format.%s", why);
	if (min > max)
		return cb__mk_fatal(M, off, "format: min_length %d is greater than max_length %d", min, max);
	f->f_shape = (cb_shape)shape;
	f->f_case = (cb_case)lcase;
	f->f_min = (unsigned)min;
	f->f_max = (unsigned)max;
	if (f->f_shape == CB_SHAPE_CATEGORY_CODE && !f->f_allowed['.'])
		return cb__mk_fatal(M, charset_off, "format.charset: shape category.code needs '.' among the allowed characters");
	return CB_OK;
}

/* ---- contexts, categories, handling ------------------------------------------- */

int
cb__mk_dims(struct cb_make *M, size_t off, size_t n)
{
	if (n > CB_MAX_DIMS)
		return cb__mk_too_big(M, off, "contexts: %zu dimensions, at most %d allowed", n, CB_MAX_DIMS);
	return CB_OK;
}

int
cb__mk_dim(struct cb_make *M, size_t key_off, const char *name, size_t len, struct cb_dim **out)
{
	cb_codeset *cs = M->mk_cs;
	struct cb_dim *d;
	char q[80];
	size_t i;

	*out = NULL;
	if (len == 0 || memchr(name, '\0', len) || memchr(name, '=', len))
		return cb__mk_fatal(M, key_off, "contexts: dimension names must be non-empty, without '=' or NUL");
	for (i = 0; i < cs->cs_ndims; i++)
		if (cs->cs_dims[i].d_name_len == len && memcmp(cs->cs_dims[i].d_name, name, len) == 0)
			return cb__mk_fatal(M, key_off, "contexts: dimension \"%s\" declared twice",
			    cb__quote(q, sizeof(q), name, len));
	if (CB_NEVER(cs->cs_ndims >= CB_MAX_DIMS))	/* cb__mk_dims() counted them */
		return cb__fail(CB_ERROR, "internal: too many dimensions");
	d = &cs->cs_dims[cs->cs_ndims];
	memset(d, 0, sizeof(*d));
	if ((d->d_name = cb_arena_strndup(&cs->cs_arena, name, len)) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	d->d_name_len = len;
	cs->cs_ndims++;
	*out = d;
	return CB_OK;
}

int
cb__mk_dim_values(struct cb_make *M, struct cb_dim *d, size_t off, const char *path, size_t n)
{
	cb_codeset *cs = M->mk_cs;

	if (n == 0)
		return cb__mk_fatal(M, off, "%s.values: at least one value needed", path);
	if (n > CB_MAX_DIM_VALUES)
		return cb__mk_too_big(M, off, "%s.values: %zu values, at most %d allowed", path, n, CB_MAX_DIM_VALUES);
	d->d_values = cb_arena_calloc(&cs->cs_arena, n, sizeof(char *));
	d->d_value_lens = cb_arena_calloc(&cs->cs_arena, n, sizeof(uint32_t));
	if (d->d_values == NULL || d->d_value_lens == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	return CB_OK;
}

int
cb__mk_dim_value(struct cb_make *M, struct cb_dim *d, size_t off, const char *path,
    const char *v, size_t len)
{
	size_t i = d->d_nvalues, w;
	char q[80];

	if (len == 0 || memchr(v, '\0', len))
		return cb__mk_fatal(M, off, "%s.values[%zu]: expected a non-empty string", path, i);
	for (w = 0; w < i; w++)
		if (d->d_value_lens[w] == len && memcmp(d->d_values[w], v, len) == 0)
			return cb__mk_fatal(M, off, "%s.values[%zu]: \"%s\" is listed twice", path, i,
			    cb__quote(q, sizeof(q), v, len));
	if ((d->d_values[i] = cb_arena_strndup(&M->mk_cs->cs_arena, v, len)) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	d->d_value_lens[i] = (uint32_t)len;
	d->d_nvalues++;
	return CB_OK;
}

int
cb__mk_categories(struct cb_make *M, size_t off, size_t n)
{
	cb_codeset *cs = M->mk_cs;
	size_t slots;

	if (n > CB_MAX_CATEGORIES)
		return cb__mk_too_big(M, off, "categories: %zu, at most %d allowed", n, CB_MAX_CATEGORIES);
	if ((cs->cs_cats = cb_arena_calloc(&cs->cs_arena, n ? n : 1, sizeof(*cs->cs_cats))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	/* every entry looks its category up: by hash, not by a walk */
	for (slots = 16; slots < 2 * n; slots *= 2)
		;
	if ((cs->cs_cat_slots = cb_arena_calloc(&cs->cs_arena, slots, sizeof(uint32_t))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	cs->cs_cat_mask = (uint32_t)(slots - 1);
	return CB_OK;
}

int
cb__mk_category(struct cb_make *M, size_t name_off, const char *path, const char *name,
    const char *description)
{
	cb_codeset *cs = M->mk_cs;
	struct cb_category *cat = &cs->cs_cats[cs->cs_ncats];
	size_t s;
	int rc;

	if (name[0] == '\0')
		return cb__mk_fatal(M, name_off, "%s.name: must not be empty", path);
	if (cb_codeset_category_index(cs, name, strlen(name)) >= 0) {
		if ((rc = cb__mk_semantic(M, "CATEGORY_DUPLICATE", name, name_off,
		    "%s: category \"%s\" is declared twice", path, name)) != CB_OK)
			return rc;
		return CB_OK;	/* lint: the first declaration stands */
	}
	cat->c_name = name;
	cat->c_description = description;
	for (s = cb__hash(name, strlen(name)) & cs->cs_cat_mask; cs->cs_cat_slots[s] != 0; s = (s + 1) & cs->cs_cat_mask)
		;
	cs->cs_cat_slots[s] = (uint32_t)++cs->cs_ncats;
	return CB_OK;
}

int
cb__mk_handlings(struct cb_make *M, size_t off, size_t n)
{
	cb_codeset *cs = M->mk_cs;

	if (n > CB_MAX_HANDLING)
		return cb__mk_too_big(M, off, "handling: %zu classes, at most %d allowed", n, CB_MAX_HANDLING);
	if ((cs->cs_handling = cb_arena_calloc(&cs->cs_arena, n ? n : 1, sizeof(*cs->cs_handling))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	return CB_OK;
}

/* Handling class @h; @action is its cb_action, or -1 when none is given. */
int
cb__mk_handling(struct cb_make *M, size_t off, size_t name_off, size_t action_off,
    const char *path, const struct cb_handling *h, int action)
{
	cb_codeset *cs = M->mk_cs;
	size_t j;

	if (action < 0)
		return cb__mk_fatal(M, off, "%s: missing required field \"action\" (retry, recheck-then-retry, fail or ignore)", path);
	if (action == CB_ACTION_NONE || action > CB_ACTION_IGNORE)
		return cb__mk_fatal(M, action_off,
		    "%s.action: \"%s\" is not a handling action (retry, recheck-then-retry, fail or ignore)", path,
		    cb_action_name((cb_action)action));
	for (j = 0; j < cs->cs_nhandling; j++)
		if (strcmp(cs->cs_handling[j].h_name, h->h_name) == 0)
			return cb__mk_fatal(M, name_off, "%s: handling class \"%s\" is declared twice", path, h->h_name);
	if (CB_NEVER(cs->cs_handling == NULL))	/* cb__mk_handlings() made the room */
		return cb__fail(CB_ERROR, "internal: no room for handling classes");
	cs->cs_handling[cs->cs_nhandling] = *h;
	cs->cs_handling[cs->cs_nhandling++].h_action = (cb_action)action;
	return CB_OK;
}

/* ---- entries ---------------------------------------------------------------------- */

int
cb__mk_entries(struct cb_make *M, size_t off, size_t n)
{
	cb_codeset *cs = M->mk_cs;

	if (n > CB_MAX_ENTRIES)
		return cb__mk_too_big(M, off, "entries: %zu, at most %d allowed", n, CB_MAX_ENTRIES);
	if ((cs->cs_entries = cb_arena_calloc(&cs->cs_arena, n ? n : 1, sizeof(*cs->cs_entries))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	return CB_OK;
}

struct cb_entry *
cb__mk_entry_begin(struct cb_make *M, size_t off)
{
	cb_codeset *cs = M->mk_cs;
	struct cb_entry *e = &cs->cs_entries[cs->cs_nentries];
	unsigned line, col;

	e->e_set = cs;
	e->e_index = (uint32_t)cs->cs_nentries;
	e->e_category = e->e_handling = -1;
	e->e_replaced_by = "";
	cb__mk_position(M, off, &line, &col);
	e->e_line = line;
	e->e_col = col;
	e->e_offset = (uint32_t)off;
	return e;
}

/* One dimension of an entry's applies: the index of the dimension in *d,
 * or -1 when the set does not declare it (lint goes on). */
int
cb__mk_applies_dim(struct cb_make *M, size_t key_off, size_t off, const char *path,
    const char *name, size_t len, size_t nvalues, int *d)
{
	char q[80];

	*d = -1;
	if (nvalues == 0)
		return cb__mk_fatal(M, off, "%s: empty list (omit the dimension to admit any value)", path);
	if ((*d = cb_codeset_dim_index(M->mk_cs, name, len)) < 0)
		return cb__mk_semantic(M, "CONTEXT_UNDECLARED", cb__quote(q, sizeof(q), name, len), key_off,
		    "%s: the set declares no context dimension \"%s\"", path, q);
	return CB_OK;
}

int
cb__mk_applies_value(struct cb_make *M, struct cb_entry *e, int d, size_t off, const char *path,
    size_t i, const char *v, size_t len)
{
	const struct cb_dim *dim = &M->mk_cs->cs_dims[d];
	char q[80], qd[80];
	int vi;

	vi = cb_codeset_dim_value_index(M->mk_cs, (size_t)d, v, len);
	cb__quote(q, sizeof(q), v, len);
	if (vi < 0)
		return cb__mk_semantic(M, "CONTEXT_UNDECLARED", q, off,
		    "%s[%zu]: \"%s\" is not a declared value of %s", path, i, q,
		    cb__quote(qd, sizeof(qd), dim->d_name, dim->d_name_len));
	if ((e->e_applies[d] >> vi) & 1)
		return cb__mk_fatal(M, off, "%s[%zu]: \"%s\" is listed twice", path, i, q);
	e->e_applies[d] |= (uint64_t)1 << vi;
	return CB_OK;
}

int
cb__mk_attributes(struct cb_make *M, struct cb_entry *e, size_t off, const char *path, size_t n)
{
	if (n > CB_MAX_ATTRS)
		return cb__mk_too_big(M, off, "%s: %zu attributes, at most %d allowed", path, n, CB_MAX_ATTRS);
	if ((e->e_attrs = cb_arena_calloc(&M->mk_cs->cs_arena, n ? n : 1, sizeof(*e->e_attrs))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	return CB_OK;
}

int
cb__mk_attribute(struct cb_make *M, struct cb_entry *e, size_t off, const char *path,
    const char *key, size_t klen, const char *value, size_t vlen)
{
	cb_arena *a = &M->mk_cs->cs_arena;
	uint32_t i = e->e_nattrs, j;

	for (j = 0; j < i; j++)
		if (strlen(e->e_attrs[j].key) == klen && memcmp(e->e_attrs[j].key, key, klen) == 0)
			return cb__mk_fatal(M, off, "%s: attribute listed twice", path);
	if (memchr(value, '\0', vlen) || memchr(key, '\0', klen))
		return cb__mk_fatal(M, off, "%s: attribute values must be strings without NUL", path);
	if (vlen > CB_MAX_STRING)
		return cb__mk_too_big(M, off, "%s: attribute value longer than %u bytes", path, CB_MAX_STRING);
	e->e_attrs[i].key = cb_arena_strndup(a, key, klen);
	e->e_attrs[i].value = cb_arena_strndup(a, value, vlen);
	if (e->e_attrs[i].key == NULL || e->e_attrs[i].value == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	e->e_nattrs++;
	return CB_OK;
}

/* An entry's id and editorial mark: an id needs a code; a mark needs a
 * version, no later than the set's, and a note. */
static int
entry_marks(struct cb_make *M, const struct cb_entry *e, const struct cb_mk_entry *in, const char *path)
{
	const cb_codeset *cs = M->mk_cs;
	char q[80] = "";

	if (e->e_code == NULL && e->e_id_given)
		return cb__mk_fatal(M, in->id_off, "%s.id: an id belongs to a code, and this row has none", path);
	if (e->e_editorial_version == 0 && e->e_editorial_note == NULL)
		return CB_OK;
	if (e->e_editorial_version == 0 || e->e_editorial_note == NULL || e->e_editorial_note[0] == '\0')
		return cb__mk_fatal(M, in->editorial_off, "%s.editorial: needs a version and a note saying why the meaning stays",
		    path);
	if (e->e_editorial_version <= cs->cs_version)
		return CB_OK;
	if (e->e_code != NULL)
		cb__quote(q, sizeof(q), e->e_code, e->e_code_len);
	return cb__mk_semantic(M, "SINCE_AFTER_VERSION", q, in->editorial_off,
	    "%s.editorial.version %d is later than the set's version %d", path, e->e_editorial_version, cs->cs_version);
}

/* The rules on an entry whose fields are all read: its code, category,
 * handling class and versions. */
int
cb__mk_entry_end(struct cb_make *M, struct cb_entry *e, const struct cb_mk_entry *in,
    const char *path)
{
	cb_codeset *cs = M->mk_cs;
	char q[80], why[200];
/* the code, quoted for a message: only when one is made */
#define QCODE (q[0] ? q : cb__quote(q, sizeof(q), e->e_code, e->e_code_len))
	size_t off;
	int rc;

	q[0] = '\0';	/* quoted when a message needs it: QCODE */
	if (e->e_code == NULL) {
		if (!in->code_missing)
			return cb__mk_fatal(M, in->off, "%s: missing required field \"code\" (a row whose source gives no code needs \"code_missing\": true)", path);
		if ((rc = cb__mk_semantic(M, "ENTRY_NO_CODE", "", in->off,
		    "%s: kept without a code, as its source lists it (\"%s\")", path,
		    e->e_description ? e->e_description : "")) != CB_OK)
			return rc;
	} else {
		if (in->code_missing)
			return cb__mk_fatal(M, in->code_off, "%s: \"code_missing\": true, but a code is given", path);
		e->e_code_len = (uint32_t)strlen(e->e_code);
		if (e->e_code_len > CB_MAX_CODE_LEN)
			return cb__mk_too_big(M, in->code_off, "%s.code: longer than %d bytes", path, CB_MAX_CODE_LEN);
		cs->cs_code_bytes += e->e_code_len;
		if (!cb__format_ok(&cs->cs_fmt, e->e_code, e->e_code_len, &off, why, sizeof(why)) &&
		    (rc = cb__mk_semantic(M, "CODE_BAD_FORMAT", QCODE, in->code_off + 1 + off,
		    "%s.code: \"%s\" fails the set's format: %s", path, QCODE, why)) != CB_OK)
			return rc;
	}

	/* CATEGORY.CODE: the prefix is the category; a category field must agree.
	 * A code without a '.' has no prefix: CODE_BAD_FORMAT said so. */
	if (cs->cs_fmt.f_shape == CB_SHAPE_CATEGORY_CODE && e->e_code != NULL &&
	    memchr(e->e_code, '.', e->e_code_len) != NULL) {
		const char *dot = memchr(e->e_code, '.', e->e_code_len);
		size_t plen = (size_t)(dot - e->e_code);
		if (in->category != NULL && (strlen(in->category) != plen ||
		    memcmp(in->category, e->e_code, plen) != 0)) {
			if ((rc = cb__mk_semantic(M, "CATEGORY_MISMATCH", QCODE, in->category_off,
			    "%s.category: \"%s\" differs from the code's prefix in \"%s\"", path, in->category, QCODE)) != CB_OK)
				return rc;
		} else if (in->category == NULL) {
			e->e_category = cb_codeset_category_index(cs, e->e_code, plen);
			if (e->e_category < 0 && (rc = cb__mk_semantic(M, "CATEGORY_UNDECLARED", QCODE, in->code_off,
			    "%s.code: \"%s\" is in category \"%.*s\", which the set does not declare",
			    path, QCODE, (int)plen, e->e_code)) != CB_OK)
				return rc;
		}
	}
	if (in->category != NULL && e->e_category < 0) {
		e->e_category = cb_codeset_category_index(cs, in->category, strlen(in->category));
		if (e->e_category < 0 && (rc = cb__mk_semantic(M, "CATEGORY_UNDECLARED", in->category,
		    in->category_off, "%s.category: \"%s\" is not a declared category", path, in->category)) != CB_OK)
			return rc;
	}
	if ((rc = entry_marks(M, e, in, path)) != CB_OK)
		return rc;
	if (in->handling != NULL) {
		size_t h;
		for (h = 0; h < cs->cs_nhandling; h++)
			if (strcmp(cs->cs_handling[h].h_name, in->handling) == 0)
				break;
		if (h < cs->cs_nhandling)
			e->e_handling = (int)h;
		else if ((rc = cb__mk_semantic(M, "HANDLING_UNDECLARED", in->handling, in->handling_off,
		    "%s.handling: \"%s\" is not a declared handling class", path, in->handling)) != CB_OK)
			return rc;
	}
	if ((e->e_since > cs->cs_version || e->e_deprecated_since > cs->cs_version) &&
	    (rc = cb__mk_semantic(M, "SINCE_AFTER_VERSION", e->e_code ? QCODE : "", in->off,
	    "%s: since/deprecated_since %d is later than the set's version %d", path,
	    e->e_since > cs->cs_version ? e->e_since : e->e_deprecated_since, cs->cs_version)) != CB_OK)
		return rc;
	cs->cs_nentries++;
	return CB_OK;
#undef QCODE
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

/* Duplicates and references between entries, once all are made. */
static int
check_entries(struct cb_make *M)
{
	cb_codeset *cs = M->mk_cs;
	uint32_t *rows = NULL;
	size_t i, s, nrows = 16;
	char q[80], where[32];
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
			p = cb__find(cs, e->e_code, e->e_code_len);
		} else {
			for (s = row_hash(e) & (nrows - 1); rows[s] != 0 && p == NULL; s = (s + 1) & (nrows - 1))
				if (same_row(&cs->cs_entries[rows[s] - 1], e))
					p = &cs->cs_entries[rows[s] - 1];
			if (p == NULL) {
				rows[s] = (uint32_t)i + 1;
				continue;
			}
		}
		if (CB_NEVER(p == NULL)) {	/* not first: its code has a first entry */
			free(rows);
			return cb__fail(CB_ERROR, "internal: entries[%zu] has no first entry", i);
		}
		cb__quote(q, sizeof(q), e->e_code, e->e_code_len);
		where[0] = '\0';
		if (p->e_line > 0)
			(void)snprintf(where, sizeof(where), " (line %u)", p->e_line);
		if ((rc = cb__mk_semantic(M, "DUPLICATE_CODE", q, e->e_offset, "entries[%u]: \"%s\" repeats entries[%u]%s",
		    e->e_index, q, p->e_index, where)) != CB_OK) {
			free(rows);
			return rc;
		}
	}
	free(rows);
	for (i = 0; i < cs->cs_nentries; i++) {
		const struct cb_entry *e = &cs->cs_entries[i];
		if (e->e_replaced_by[0] == '\0')
			continue;
		if (cb__find(cs, e->e_replaced_by, strlen(e->e_replaced_by)) == NULL &&
		    (rc = cb__mk_semantic(M, "REPLACED_BY_UNKNOWN", e->e_replaced_by, e->e_offset,
		    "entries[%u].replaced_by: \"%s\" is not a code of this set", e->e_index,
		    e->e_replaced_by)) != CB_OK)
			return rc;
	}
	return CB_OK;
}

/* The id of each code: the one its entries give, which must agree and be
 * no other code's. */
static int
given_ids(struct cb_make *M, size_t *ngiven)
{
	cb_codeset *cs = M->mk_cs;
	char q[80];
	size_t i;
	int rc;

	*ngiven = 0;
	for (i = 0; i < cs->cs_nentries; i++) {
		struct cb_entry *e = &cs->cs_entries[i];
		const struct cb_entry *p, *src = NULL;
		uint32_t *slot;
		if (!e->e_first)
			continue;
		for (p = e; p != NULL; p = cb_entry_next_same(p)) {
			if (!p->e_id_given)
				continue;
			if (src == NULL) {
				src = p;
				continue;
			}
			if (p->e_id != src->e_id && (rc = cb__mk_semantic(M, "ID_MISMATCH",
			    cb__quote(q, sizeof(q), p->e_code, p->e_code_len), p->e_offset,
			    "entries[%u].id: %d, but entries[%u] of the same code says %d: an id belongs to the code",
			    p->e_index, p->e_id, src->e_index, src->e_id)) != CB_OK)
				return rc;
		}
		e->e_id = src ? src->e_id : 0;
		if (src == NULL)
			continue;
		++*ngiven;
		if (e->e_id > cs->cs_max_id)
			cs->cs_max_id = e->e_id;
		slot = cb__id_slot(cs, e->e_id);
		if (*slot == 0) {
			*slot = (uint32_t)i + 1;
			continue;
		}
		p = &cs->cs_entries[*slot - 1];
		if ((rc = cb__mk_semantic(M, "ID_DUPLICATE", cb__quote(q, sizeof(q), e->e_code, e->e_code_len),
		    src->e_offset, "entries[%u].id: %d is already the id of %.*s (entries[%u])", src->e_index,
		    e->e_id, (int)(p->e_code_len > 64 ? 64 : p->e_code_len), p->e_code, p->e_index)) != CB_OK)
			return rc;
	}
	return CB_OK;
}

/*
 * Stable ids (docs/codeset-format.md): a code keeps the id its entries
 * give; a code without one gets the next free id, one above the highest,
 * in entry order.  In a set that numbers some of its codes, lint reports
 * each code without an id (ID_ASSIGNED) so that the author writes it down;
 * a set that numbers none gets 1, 2, ... in entry order, quietly, and diff
 * refuses a version that would move one (ID_NO_CHANGE).  Every entry of a
 * code carries the code's id.
 */
static int
assign_ids(struct cb_make *M)
{
	cb_codeset *cs = M->mk_cs;
	size_t i, ncodes = 0, nslots = 16, ngiven;
	char q[80];
	int rc;

	for (i = 0; i < cs->cs_nentries; i++)
		ncodes += cs->cs_entries[i].e_first;
	while (nslots < ncodes * 2)
		nslots *= 2;
	if ((cs->cs_id_slots = cb_arena_calloc(&cs->cs_arena, nslots, sizeof(uint32_t))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	cs->cs_id_mask = (uint32_t)(nslots - 1);
	if ((rc = given_ids(M, &ngiven)) != CB_OK)
		return rc;
	for (i = 0; i < cs->cs_nentries; i++) {
		struct cb_entry *e = &cs->cs_entries[i], *p;
		bool given = e->e_id != 0;
		if (!e->e_first)
			continue;
		if (!given) {
			if (cs->cs_max_id == INT_MAX)
				return cb__mk_fatal(M, e->e_offset, "entries[%u]: no id is left above %d", e->e_index, INT_MAX);
			e->e_id = ++cs->cs_max_id;
			*cb__id_slot(cs, e->e_id) = (uint32_t)i + 1;
			if (M->mk_lint != NULL && ngiven > 0 && (rc = cb__mk_semantic(M, "ID_ASSIGNED",
			    cb__quote(q, sizeof(q), e->e_code, e->e_code_len), e->e_offset,
			    "entries[%u]: \"%s\" has no id: it gets %d, one above the highest; write \"id\": %d "
			    "into the file so that it stays", e->e_index, q, e->e_id, e->e_id)) != CB_OK)
				return rc;
		}
		for (p = e; p != NULL; p = p->e_next_same ? &cs->cs_entries[p->e_next_same - 1] : NULL) {
			p->e_id = e->e_id;
			p->e_id_given = given;
		}
	}
	return CB_OK;
}

int
cb__mk_finish(struct cb_make *M, cb_codeset **out)
{
	int rc;

	*out = NULL;
	if ((rc = cb__codeset_index(M->mk_cs, M->mk_lint == NULL)) != CB_OK || (rc = check_entries(M)) != CB_OK ||
	    (rc = assign_ids(M)) != CB_OK)
		return rc;
	if (M->mk_lint != NULL && (rc = cb__lint_set(M->mk_cs, M->mk_lint)) != CB_OK)
		return rc;
	*out = M->mk_cs;
	M->mk_cs = NULL;
	return CB_OK;
}

void
cb__mk_free(struct cb_make *M)
{
	cb_codeset_free(M->mk_cs);
	M->mk_cs = NULL;
}
