/* SPDX-License-Identifier: Apache-2.0 */
/*
 * export.c - render a code set as a JSON Schema, Markdown, a C header or
 * CSV.  The JSON Schema accepts exactly the codes cb_check() accepts
 * without context: its enum lists them and its pattern restates the format.
 */
#include "codeset_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/jsonw.h"

static const char *const format_names[] = { "jsonschema", "markdown", "c-header", "csv", "json" };

int
cb_export_format_parse(cb_export_format *out, const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(format_names) / sizeof(format_names[0]); i++) {
		if (strcmp(name, format_names[i]) == 0) {
			*out = (cb_export_format)i;
			return CB_OK;
		}
	}
	return cb__fail(CB_EINVAL, "unknown export format \"%s\" (jsonschema, markdown, c-header, csv, json)",
	    name ? name : "");
}

const char *
cb_export_format_name(cb_export_format f)
{
	return (unsigned)f < 5 ? format_names[f] : "?";
}

/* Does a check without context accept code @e? (first entry of its code) */
static int
accepted_without_context(const cb_codeset *cs, const struct cb_entry *e)
{
	for (; e; e = cb_entry_next_same(e)) {
		if (e->e_status == CB_STATUS_ACTIVE)
			return 1;
		if (e->e_status == CB_STATUS_DEPRECATED && !cs->cs_reject_deprecated)
			return 1;
	}
	return 0;
}

static int
class_ok(const struct cb_fmt *f, int c, int skip)
{
	if (!f->f_allowed[c] || c == skip)
		return 0;
	if (f->f_case_enforced && ((f->f_case == CB_CASE_UPPER && islower(c)) ||
	    (f->f_case == CB_CASE_LOWER && isupper(c))))
		return 0;
	return 1;
}

static void
class_char(cb_buf *b, int c)
{
	if (strchr("\\]-[^", c) != NULL)
		cb_buf_addc(b, '\\');
	cb_buf_addc(b, (char)c);
}

/* A regex character class (ECMA 262 with the u flag, and Python re) for
 * the allowed characters, without @skip, as ranges. */
static void
char_class(cb_buf *b, const struct cb_fmt *f, int skip)
{
	int c, lo;

	cb_buf_addc(b, '[');
	for (c = 0x21; c < 0x7f; c++) {
		if (!class_ok(f, c, skip))
			continue;
		for (lo = c; c + 1 < 0x7f && class_ok(f, c + 1, skip); c++)
			;
		class_char(b, lo);
		if (c > lo + 1)
			cb_buf_addc(b, '-');
		if (c > lo)
			class_char(b, c);
	}
	cb_buf_addc(b, ']');
}

static void
pattern(cb_buf *b, const struct cb_fmt *f)
{
	cb_buf_addc(b, '^');
	switch (f->f_shape) {
	case CB_SHAPE_INTEGER:
		cb_buf_adds(b, "-?[0-9]+");
		break;
	case CB_SHAPE_CATEGORY_CODE:
		char_class(b, f, '.');
		cb_buf_adds(b, "+\\.");
		char_class(b, f, -1);
		cb_buf_addc(b, '+');
		break;
	case CB_SHAPE_PLAIN:
		char_class(b, f, -1);
		cb_buf_addc(b, '+');
		break;
	}
	cb_buf_addc(b, '$');
}

static void
export_jsonschema(cb_buf *b, const cb_codeset *cs)
{
	/* tmp holds the set's description and charset, each up to CB_MAX_STRING */
	cb_buf pat = CB_BUF_INIT(4096), tmp = CB_BUF_INIT(2 * (size_t)CB_MAX_STRING + 4096);
	cb_jw w;
	size_t i;

	pattern(&pat, &cs->cs_fmt);
	cb_jw_init(&w, b, 1);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "$schema", "https://json-schema.org/draft/2020-12/schema");
	cb_buf_printf(&tmp, "urn:codebook:%s:v%d", cs->cs_name, cs->cs_version);
	cb_jw_kstr(&w, "$id", tmp.p ? tmp.p : "");
	cb_jw_kstr(&w, "title", cs->cs_title);
	if (tmp.failed) {	/* clear forgets it */
		b->failed = 1;
		b->nomem |= tmp.nomem;
	}
	cb_buf_clear(&tmp);
	cb_buf_printf(&tmp, "%s%sA code of the codebook set \"%s\", version %d. The enum lists every "
	    "accepted code; the pattern states the format (%s, characters %s).",
	    cs->cs_description ? cs->cs_description : "", cs->cs_description ? " " : "",
	    cs->cs_name, cs->cs_version, cb_shape_name(cs->cs_fmt.f_shape), cs->cs_fmt.f_charset);
	cb_jw_kstr(&w, "description", tmp.p ? tmp.p : "");
	cb_jw_kstr(&w, "type", "string");
	cb_jw_kstr(&w, "pattern", pat.p ? pat.p : "");
	if (cs->cs_fmt.f_min != 1)
		cb_jw_kint(&w, "minLength", cs->cs_fmt.f_min);
	if (cs->cs_fmt.f_max != CB_MAX_CODE_LEN)
		cb_jw_kint(&w, "maxLength", cs->cs_fmt.f_max);
	cb_jw_key(&w, "enum");
	cb_jw_arr_begin(&w);
	for (i = 0; i < cs->cs_nentries; i++) {
		const struct cb_entry *e = &cs->cs_entries[i];
		if (e->e_first && accepted_without_context(cs, e))
			cb_jw_strn(&w, e->e_code, e->e_code_len);
	}
	cb_jw_arr_end(&w);
	cb_jw_obj_end(&w);
	cb_buf_addc(b, '\n');
	if (pat.failed || tmp.failed) {
		b->failed = 1;
		b->nomem |= pat.nomem | tmp.nomem;
	}
	cb_buf_reset(&pat);
	cb_buf_reset(&tmp);
}

/* Markdown table cell: pipes escaped, line breaks as <br>. */
static void
md_cell(cb_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			cb_buf_adds(b, "\\|");
		else if (*s == '\n')
			cb_buf_adds(b, " <br> ");
		else if (*s != '\r')
			cb_buf_addc(b, *s);
	}
}

static void
applies_text(cb_buf *b, const cb_codeset *cs, const struct cb_entry *e, const char *sep_dim,
    const char *sep_val, int with_names)
{
	size_t d, v, k = 0;

	for (d = 0; d < cs->cs_ndims; d++) {
		size_t j = 0;
		if (e->e_applies[d] == 0)
			continue;
		if (k++)
			cb_buf_adds(b, sep_dim);
		if (with_names)
			cb_buf_printf(b, "%s=", cs->cs_dims[d].d_name);
		for (v = 0; v < cs->cs_dims[d].d_nvalues; v++)
			if ((e->e_applies[d] >> v) & 1)
				cb_buf_printf(b, "%s%s", j++ ? sep_val : "", cs->cs_dims[d].d_values[v]);
	}
}

static void
md_entries(cb_buf *b, const cb_codeset *cs, int cat)
{
	size_t i;

	cb_buf_adds(b, "| ID | Code | Description |");
	if (cs->cs_ndims)
		cb_buf_adds(b, " Suitable for |");
	if (cs->cs_nhandling)
		cb_buf_adds(b, " Handling | HTTP |");
	cb_buf_adds(b, " Status |\n| ---: | --- | --- |");
	if (cs->cs_ndims)
		cb_buf_adds(b, " --- |");
	if (cs->cs_nhandling)
		cb_buf_adds(b, " --- | --- |");
	cb_buf_adds(b, " --- |\n");
	for (i = 0; i < cs->cs_nentries; i++) {
		const struct cb_entry *e = &cs->cs_entries[i];
		if (e->e_category != cat)
			continue;
		if (e->e_code)
			cb_buf_printf(b, "| %d | ", e->e_id);
		else
			cb_buf_adds(b, "| | ");
		if (e->e_code) {
			/* a charset may allow '|': escape it like any cell */
			cb_buf_adds(b, "**");
			md_cell(b, e->e_code);
			cb_buf_adds(b, "**");
		} else
			cb_buf_adds(b, "*(no code in source)*");
		cb_buf_adds(b, " | ");
		md_cell(b, cb_entry_description(e));
		cb_buf_adds(b, " |");
		if (cs->cs_ndims) {
			cb_buf add = CB_BUF_INIT((size_t)CB_MAX_CODESET_BYTES);
			applies_text(&add, cs, e, "; ", "/", cs->cs_ndims > 1);
			if (add.failed) {	/* not "any": out of memory */
				b->failed = 1;
				b->nomem |= add.nomem;
			}
			cb_buf_addc(b, ' ');
			md_cell(b, add.p ? add.p : "any");
			cb_buf_adds(b, " |");
			cb_buf_reset(&add);
		}
		if (cs->cs_nhandling)
			cb_buf_printf(b, " %s%s | %d |", cb_action_name(cb_entry_action(e)),
			    e->e_not_an_error ? " (not an error)" : "", e->e_http_status);
		cb_buf_printf(b, " %s", cb_status_name(e->e_status));
		if (e->e_replaced_by[0])
			cb_buf_printf(b, " (use %s)", e->e_replaced_by);
		cb_buf_adds(b, " |\n");
	}
}

static void
export_markdown(cb_buf *b, const cb_codeset *cs)
{
	size_t i, d, v, n;

	cb_buf_printf(b, "# %s\n\n", cs->cs_title);
	cb_buf_printf(b, "Code set `%s`, version %d.", cs->cs_name, cs->cs_version);
	if (cs->cs_source)
		cb_buf_printf(b, " Source: %s.", cs->cs_source);
	cb_buf_adds(b, "\n\n");
	if (cs->cs_description)
		cb_buf_printf(b, "%s\n\n", cs->cs_description);
	cb_buf_printf(b, "Format: shape `%s`, characters `%s`, %s case%s.\n\n",
	    cb_shape_name(cs->cs_fmt.f_shape), cs->cs_fmt.f_charset, cb_case_name(cs->cs_fmt.f_case),
	    cs->cs_fmt.f_case_enforced ? " (enforced)" : cs->cs_fmt.f_case != CB_CASE_ANY ? " (recommended)" : "");
	for (i = 0; i < cb_codeset_rule_count(cs); i++)
		cb_buf_printf(b, "%s`%s`%s", i ? ", " : "Governance beyond the defaults: ", cb_codeset_rule(cs, i),
		    i + 1 == cb_codeset_rule_count(cs) ? ".\n\n" : "");
	for (d = 0; d < cs->cs_ndims; d++) {
		cb_buf_printf(b, "Context `%s`", cs->cs_dims[d].d_name);
		if (cs->cs_dims[d].d_description)
			cb_buf_printf(b, " (%s)", cs->cs_dims[d].d_description);
		cb_buf_adds(b, ": ");
		for (v = 0; v < cs->cs_dims[d].d_nvalues; v++)
			cb_buf_printf(b, "%s`%s`", v ? ", " : "", cs->cs_dims[d].d_values[v]);
		cb_buf_adds(b, ".\n\n");
	}
	if (cs->cs_nhandling) {
		cb_buf_adds(b, "## Handling\n\n| Class | Action | Description |\n| --- | --- | --- |\n");
		for (i = 0; i < cs->cs_nhandling; i++) {
			cb_buf_printf(b, "| %s | %s%s | ", cs->cs_handling[i].h_name,
			    cb_action_name(cs->cs_handling[i].h_action),
			    cs->cs_handling[i].h_contact_support ? ", contact support with the log ID" : "");
			md_cell(b, cb_codeset_handling_description(cs, i));
			cb_buf_adds(b, " |\n");
		}
		cb_buf_adds(b, "\n");
	}
	for (i = 0; i < cs->cs_ncats; i++) {
		size_t k;
		for (k = n = 0; k < cs->cs_nentries; k++)
			n += cs->cs_entries[k].e_category == (int)i;
		cb_buf_printf(b, "## %s\n\n", cs->cs_cats[i].c_name);
		if (cs->cs_cats[i].c_description)
			cb_buf_printf(b, "%s\n\n", cs->cs_cats[i].c_description);
		if (n == 0) {
			cb_buf_adds(b, "No codes yet.\n\n");
			continue;
		}
		md_entries(b, cs, (int)i);
		cb_buf_adds(b, "\n");
	}
	for (i = n = 0; i < cs->cs_nentries; i++)
		n += cs->cs_entries[i].e_category < 0;
	if (n > 0) {
		if (cs->cs_ncats > 0)
			cb_buf_adds(b, "## Without category\n\n");
		md_entries(b, cs, -1);
	}
}

/* C identifier for a code: letters upper-cased, '-' at the start of an
 * integer code becomes 'M' (minus), other punctuation '_'. */
static void
c_ident(cb_buf *b, const char *prefix, const char *code, size_t len)
{
	size_t i;

	cb_buf_adds(b, prefix);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)code[i];
		if (isalnum(c))
			cb_buf_addc(b, (char)toupper(c));
		else if (c == '-' && i == 0)
			cb_buf_addc(b, 'M');
		else
			cb_buf_addc(b, '_');
	}
}

/* Is the identifier at ids->p + start (to the end) among the earlier
 * NUL-separated ones? */
static int
ident_taken(const cb_buf *ids, size_t start)
{
	size_t k, l, n = ids->len - start;

	for (k = 0; ids->p != NULL && k < start; k += l + 1) {
		l = strlen(ids->p + k);
		if (l == n && memcmp(ids->p + k, ids->p + start, n) == 0)
			return 1;
	}
	return 0;
}

static void
c_comment(cb_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\n' || *s == '\r') {
			cb_buf_addc(b, ' ');
			continue;
		}
		cb_buf_addc(b, *s);
		/* neither end the comment nor open a nested one (-Wcomment) */
		if ((s[0] == '*' && s[1] == '/') || (s[0] == '/' && s[1] == '*'))
			cb_buf_addc(b, ' ');
	}
}

/* First entries of the codes, by id. */
static int
by_id(const void *a, const void *b)
{
	const struct cb_entry *x = *(const struct cb_entry *const *)a, *y = *(const struct cb_entry *const *)b;

	return (x->e_id > y->e_id) - (x->e_id < y->e_id);
}

/* The enum constant of each code, made unique: two codes may map to one
 * identifier (A-B, A_B), so the later ones are numbered, skipping numbers
 * another code already took (A_B_2).  Into @ids, NUL-separated, in the
 * order of @codes; returns the offset of each in @at. */
static void
c_idents(cb_buf *ids, const char *prefix, const struct cb_entry **codes, size_t n, size_t *at)
{
	size_t i, k, base;

	/* names the header defines itself: a code COUNT becomes ..._COUNT_2 */
	cb_buf_printf(ids, "%sCOUNT%c%sVERSION%c%sMAX_ID%c%sCODES_H%c", prefix, '\0', prefix, '\0', prefix,
	    '\0', prefix, '\0');
	for (i = 0; i < n; i++) {
		at[i] = ids->len;
		c_ident(ids, prefix, codes[i]->e_code, codes[i]->e_code_len);
		base = ids->len;
		for (k = 2; !ids->failed && ident_taken(ids, at[i]); k++) {
			ids->len = base;
			ids->p[base] = '\0';
			cb_buf_printf(ids, "_%zu", k);
		}
		cb_buf_addc(ids, '\0');
	}
}

static void
c_string(cb_buf *b, const struct cb_entry *e)
{
	size_t k;

	cb_buf_addc(b, '"');
	for (k = 0; k < e->e_code_len; k++) {
		char c = e->e_code[k];
		if (c == '"' || c == '\\' || c == '?')
			cb_buf_addc(b, '\\');	/* '?' too: no trigraphs */
		cb_buf_addc(b, c);
	}
	cb_buf_addc(b, '"');
}

/* Ids at most this far above the number of codes get a table by id. */
#define C_DENSE_SLACK 1024

/*
 * The enum's values are the codes' stable ids, so a header generated from
 * a later version numbers every code as before (docs/codeset-format.md).
 * Tables: the codes in id order with their ids, and, while the ids are
 * dense enough, the code of each id.
 */
static void
c_tables(cb_buf *b, const cb_codeset *cs, const char *prefix, const struct cb_entry **codes, size_t n)
{
	size_t i;
	int id;

	cb_buf_printf(b, "/* the codes in id order, and their ids */\n"
	    "static const char *const %scode_names[%zu] = {\n", prefix, n ? n : 1);
	for (i = 0; i < n; i++) {
		cb_buf_addc(b, '\t');
		c_string(b, codes[i]);
		cb_buf_adds(b, ",\n");
	}
	if (n == 0)
		cb_buf_adds(b, "\t\"\"\n");
	cb_buf_printf(b, "};\nstatic const int %scode_ids[%zu] = {", prefix, n ? n : 1);
	for (i = 0; i < n; i++)
		cb_buf_printf(b, "%s%s%d", i ? "," : "", i % 16 ? " " : "\n\t", codes[i]->e_id);
	cb_buf_adds(b, n ? "\n};\n" : "\n\t0\n};\n");
	if ((size_t)cs->cs_max_id > 2 * n + C_DENSE_SLACK) {
		cb_buf_adds(b, "/* the ids are too sparse for a table by id */\n");
		return;
	}
	cb_buf_printf(b, "/* the code of each id; NULL where no code has it */\n"
	    "static const char *const %scode_strings[%sMAX_ID + 1] = {\n\tNULL,\n", prefix, prefix);
	for (i = 0, id = 1; id <= cs->cs_max_id; id++) {
		cb_buf_addc(b, '\t');
		if (i < n && codes[i]->e_id == id)
			c_string(b, codes[i++]);
		else
			cb_buf_adds(b, "NULL");
		cb_buf_adds(b, ",\n");
	}
	cb_buf_adds(b, "};\n");
}

static void
export_c_header(cb_buf *b, const cb_codeset *cs)
{
	cb_buf prefix = CB_BUF_INIT(256), ids = CB_BUF_INIT((size_t)CB_MAX_CODESET_BYTES);
	const struct cb_entry **codes = NULL;
	size_t i, n = 0, *at = NULL;
	const char *p;

	/* set names may start with a digit; C identifiers may not */
	if (isdigit((unsigned char)cs->cs_name[0]))
		cb_buf_adds(&prefix, "CB_");
	for (p = cs->cs_name; *p; p++)
		cb_buf_addc(&prefix, *p == '-' || *p == '@' ? '_' : (char)toupper((unsigned char)*p));
	cb_buf_addc(&prefix, '_');
	for (i = 0; i < cs->cs_nentries; i++)
		n += cs->cs_entries[i].e_first;
	codes = cb__calloc(n ? n : 1, sizeof(*codes));
	at = cb__calloc(n ? n : 1, sizeof(*at));
	if (prefix.failed || codes == NULL || at == NULL) {	/* out of memory: prefix.p may be NULL */
		b->failed = 1;
		b->nomem = 1;
		goto out;
	}
	for (i = 0, n = 0; i < cs->cs_nentries; i++)
		if (cs->cs_entries[i].e_first)
			codes[n++] = &cs->cs_entries[i];
	qsort(codes, n, sizeof(*codes), by_id);
	c_idents(&ids, prefix.p, codes, n, at);
	cb_buf_printf(b, "/*\n * %s.h - code set \"%s\" version %d, generated by codebook %s.\n"
	    " * Do not edit: regenerate with `codebook export %s --format c-header`.\n"
	    " * Each code's value is its stable id: no later version changes or reuses it.\n */\n",
	    cs->cs_name, cs->cs_name, cs->cs_version, CB_VERSION_STRING, cs->cs_name);
	cb_buf_printf(b, "#ifndef %sCODES_H\n#define %sCODES_H\n\n#include <stddef.h>\n\n", prefix.p, prefix.p);
	cb_buf_printf(b, "#define %sVERSION %d\n#define %sCOUNT %zu\n#define %sMAX_ID %d\n\n", prefix.p,
	    cs->cs_version, prefix.p, n, prefix.p, cs->cs_max_id);
	cb_buf_printf(b, "enum %scode {\n", prefix.p);
	for (i = 0; i < n; i++) {
		const struct cb_entry *e = codes[i];
		cb_buf_printf(b, "\t%s = %d,", ids.p && !ids.failed ? ids.p + at[i] : "", e->e_id);
		cb_buf_adds(b, " /* ");
		c_comment(b, e->e_status == CB_STATUS_ACTIVE ? "" : cb_status_name(e->e_status));
		if (e->e_status != CB_STATUS_ACTIVE)
			cb_buf_adds(b, ": ");
		c_comment(b, cb_entry_description(e));
		cb_buf_adds(b, " */\n");
	}
	if (n == 0)	/* an enum needs a constant */
		cb_buf_printf(b, "\t%sNONE_ = 0\n", prefix.p);
	cb_buf_adds(b, "};\n\n");
	c_tables(b, cs, prefix.p, codes, n);
	cb_buf_printf(b, "\n#endif /* %sCODES_H */\n", prefix.p);
out:
	if (prefix.failed || ids.failed) {
		b->failed = 1;
		b->nomem |= prefix.nomem | ids.nomem;
	}
	free(codes);
	free(at);
	cb_buf_reset(&prefix);
	cb_buf_reset(&ids);
}

static void
csv_field(cb_buf *b, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		cb_buf_adds(b, s);
		return;
	}
	cb_buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			cb_buf_addc(b, '"');
		cb_buf_addc(b, *s);
	}
	cb_buf_addc(b, '"');
}

static void
export_csv(cb_buf *b, const cb_codeset *cs)
{
	cb_buf f = CB_BUF_INIT(1u << 20);
	size_t i;

	cb_buf_adds(b, "id,code,category,description,status,applies,handling,http_status,not_an_error,"
	    "since,deprecated_since,replaced_by\r\n");
	for (i = 0; i < cs->cs_nentries; i++) {
		const struct cb_entry *e = &cs->cs_entries[i];
		if (e->e_code != NULL)
			cb_buf_printf(b, "%d", e->e_id);
		cb_buf_addc(b, ',');
		csv_field(b, e->e_code ? e->e_code : "");
		cb_buf_addc(b, ',');
		csv_field(b, cb_entry_category(e));
		cb_buf_addc(b, ',');
		csv_field(b, cb_entry_description(e));
		cb_buf_printf(b, ",%s,", cb_status_name(e->e_status));
		cb_buf_clear(&f);
		applies_text(&f, cs, e, ";", "|", 1);
		if (f.failed) {	/* the next clear forgets it */
			b->failed = 1;
			b->nomem |= f.nomem;
		}
		csv_field(b, f.p ? f.p : "");
		cb_buf_addc(b, ',');
		csv_field(b, cb_entry_handling(e));
		cb_buf_addc(b, ',');
		if (e->e_http_status)
			cb_buf_printf(b, "%d", e->e_http_status);
		cb_buf_printf(b, ",%s,", e->e_not_an_error ? "true" : "false");
		if (e->e_since)
			cb_buf_printf(b, "%d", e->e_since);
		cb_buf_addc(b, ',');
		if (e->e_deprecated_since)
			cb_buf_printf(b, "%d", e->e_deprecated_since);
		cb_buf_addc(b, ',');
		csv_field(b, e->e_replaced_by);
		cb_buf_adds(b, "\r\n");
	}
	if (f.failed) {
		b->failed = 1;
		b->nomem |= f.nomem;
	}
	cb_buf_reset(&f);
}

int
cb_export(char **out, size_t *outlen, const cb_codeset *cs, cb_export_format fmt)
{
	cb_buf b = CB_BUF_INIT((size_t)CB_MAX_CODESET_BYTES * 4);

	if (out == NULL || cs == NULL)
		return cb__fail(CB_EINVAL, "cb_export: NULL argument");
	*out = NULL;
	switch (fmt) {
	case CB_EXPORT_JSONSCHEMA: export_jsonschema(&b, cs); break;
	case CB_EXPORT_MARKDOWN:   export_markdown(&b, cs); break;
	case CB_EXPORT_C_HEADER:   export_c_header(&b, cs); break;
	case CB_EXPORT_CSV:        export_csv(&b, cs); break;
	case CB_EXPORT_JSON:       return cb_codeset_to_json(out, outlen, cs);
	default:
		return cb__fail(CB_EINVAL, "cb_export: unknown format %d", (int)fmt);
	}
	if (b.failed && !b.nomem) {
		cb_buf_reset(&b);
		return cb__fail(CB_ETOOBIG, "exporting %s: larger than %zu bytes", cs->cs_name,
		    (size_t)CB_MAX_CODESET_BYTES * 4);
	}
	if ((*out = cb_buf_detach(&b, outlen)) == NULL)
		return cb__fail(CB_ENOMEM, "exporting %s: out of memory", cs->cs_name);
	return CB_OK;
}
