/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_export.c - every exporter on every bundled set, and on small sets
 * made to break them: the JSON Schema (valid JSON, draft 2020-12, an enum
 * of exactly what cb_check() accepts without context, a pattern), Markdown
 * (a row per entry), CSV (RFC 4180), the C header (one constant per code).
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "shim/json_shim.h"
#include "util/buf.h"


static char *
export(const cb_codeset *cs, cb_export_format fmt, size_t *len)
{
	char *out = NULL;
	size_t n = 0;

	cr_assert_eq(cb_export(&out, &n, cs, fmt), CB_OK, "%s", cb_errmsg());
	cr_assert_not_null(out);
	cr_assert_eq(strlen(out), n);
	if (len)
		*len = n;
	return out;
}

/* Distinct codes of @cs (first entries). */
static size_t
distinct_codes(const cb_codeset *cs)
{
	size_t i, n = 0;

	for (i = 0; i < cb_codeset_entry_count(cs); i++) {
		const cb_entry *e = cb_codeset_entry(cs, i);
		n += cb_entry_code(e) != NULL && cb_codeset_find(cs, cb_entry_code(e), cb_entry_code_len(e)) == e;
	}
	return n;
}

/* ---- JSON Schema -------------------------------------------------------------- */

/* Is @code (length @len) a string of the JSON array @arr? */
static int
in_enum(const cb_json_doc *doc, const cb_json_node *arr, const char *code, size_t len)
{
	const cb_json_node *c;

	for (c = cb_json_child(doc, arr); c; c = cb_json_next(doc, c))
		if (c->type == CB_JSON_STRING && c->str_len == len && memcmp(c->str, code, len) == 0)
			return 1;
	return 0;
}

static void
check_schema(const cb_codeset *cs)
{
	const char *name = cb_codeset_name(cs);
	const cb_json_node *root, *n, *en, *c, *d;
	cb_json_doc *doc = NULL;
	cb_json_error err;
	cb_check_result r = CB_CHECK_RESULT_INIT;
	size_t len, i, accepted = 0;
	char *s = export(cs, CB_EXPORT_JSONSCHEMA, &len);

	cr_assert_eq(cb_json_parse(&doc, s, len, 64, &err), 0, "%s: invalid JSON at %zu: %s", name,
	    err.offset, err.message);
	root = cb_json_root(doc);
	cr_assert_eq(root->type, CB_JSON_OBJECT);
	n = cb_json_get(doc, root, "$schema");
	cr_assert_not_null(n);
	cr_assert_str_eq(n->str, "https://json-schema.org/draft/2020-12/schema");
	n = cb_json_get(doc, root, "type");
	cr_assert_str_eq(n->str, "string");
	n = cb_json_get(doc, root, "pattern");
	cr_assert_not_null(n, "%s: no pattern", name);
	cr_assert_eq(n->type, CB_JSON_STRING);
	cr_assert_eq(n->str[0], '^');
	cr_assert_eq(n->str[n->str_len - 1], '$');
	en = cb_json_get(doc, root, "enum");
	cr_assert_not_null(en, "%s: no enum", name);
	cr_assert_eq(en->type, CB_JSON_ARRAY);

	/* every code the check accepts without context is listed, no other */
	for (i = 0; i < cb_codeset_entry_count(cs); i++) {
		const cb_entry *e = cb_codeset_entry(cs, i);
		const char *code = cb_entry_code(e);
		if (code == NULL || cb_codeset_find(cs, code, cb_entry_code_len(e)) != e)
			continue;
		cr_assert_eq(cb_check(&r, cs, code, cb_entry_code_len(e), NULL, 0), CB_OK);
		cr_assert_eq(in_enum(doc, en, code, cb_entry_code_len(e)), r.accepted,
		    "%s: %s is %s but %s the enum", name, code, cb_reason_name(r.reason),
		    r.accepted ? "not in" : "in");
		accepted += r.accepted;
	}
	cr_assert_eq(en->nchildren, accepted, "%s: enum has %u codes, check accepts %zu", name,
	    en->nchildren, accepted);
	/* and each listed code is one the check accepts (no duplicates, no strays) */
	for (c = cb_json_child(doc, en); c; c = cb_json_next(doc, c)) {
		cr_assert_eq(cb_check(&r, cs, c->str, c->str_len, NULL, 0), CB_OK);
		cr_assert(r.accepted, "%s: enum lists %s (%s)", name, c->str, cb_reason_name(r.reason));
		for (d = cb_json_next(doc, c); d; d = cb_json_next(doc, d))
			cr_assert(!(d->str_len == c->str_len && memcmp(d->str, c->str, c->str_len) == 0),
			    "%s: %s listed twice", name, c->str);
	}
	cb_json_free(doc);
	cb_free(s);
}

Test(export_jsonschema, bundled_sets)
{
	size_t i;

	for (i = 0; i < 4; i++) {
		cb_codeset *cs = load_bundled(bundled_names[i]);
		check_schema(cs);
		cb_codeset_free(cs);
	}
}

Test(export_jsonschema, statuses_decide_the_enum)
{
	const char *set = "{'name':'s','title':'S','version':2,'format':{'charset':'A-Z','shape':'plain'},"
	    "'entries':[{'code':'ACTIVE'},{'code':'OLD','status':'deprecated','deprecated_since':2},"
	    "{'code':'GONE','status':'retired'}]}";
	const char *rejecting = "{'name':'s','title':'S','version':2,'deprecated':'reject',"
	    "'format':{'charset':'A-Z','shape':'plain'},"
	    "'entries':[{'code':'ACTIVE'},{'code':'OLD','status':'deprecated','deprecated_since':2}]}";
	cb_codeset *a = load_text(J(set)), *b = load_text(J(rejecting));
	char *s;

	check_schema(a);
	check_schema(b);
	s = export(a, CB_EXPORT_JSONSCHEMA, NULL);
	cr_assert(strstr(s, "\"OLD\"") != NULL);
	cr_assert(strstr(s, "\"GONE\"") == NULL);
	cb_free(s);
	s = export(b, CB_EXPORT_JSONSCHEMA, NULL);
	cr_assert(strstr(s, "\"OLD\"") == NULL);
	cb_free(s);
	cb_codeset_free(a);
	cb_codeset_free(b);
}

Test(export_jsonschema, pattern_restates_the_format)
{
	cb_codeset *cs = load_bundled("outbound");
	char *s = export(cs, CB_EXPORT_JSONSCHEMA, NULL);

	/* CATEGORY.CODE: a class without '.', a literal dot, a class with it */
	cr_assert(strstr(s, "\"pattern\": \"^[\\\\-0-9A-Z_a-z]+\\\\.[\\\\-.0-9A-Z_a-z]+$\"") != NULL, "%s", s);
	cb_free(s);
	cb_codeset_free(cs);
	cs = load_bundled("ttls-error");
	s = export(cs, CB_EXPORT_JSONSCHEMA, NULL);
	cr_assert(strstr(s, "\"pattern\": \"^-?[0-9]+$\"") != NULL);
	cb_free(s);
	cb_codeset_free(cs);
}

Test(export_jsonschema, lengths_and_enforced_case)
{
	cb_codeset *cs = load_text(J("{'name':'s','title':'S','version':1,"
	    "'format':{'charset':'A-Za-z','shape':'plain','case':'upper','case_enforced':true,"
	    "'min_length':2,'max_length':8},'entries':[{'code':'AB'}]}"));
	char *s = export(cs, CB_EXPORT_JSONSCHEMA, NULL);

	cr_assert(strstr(s, "\"pattern\": \"^[A-Z]+$\"") != NULL, "%s", s);
	cr_assert(strstr(s, "\"minLength\": 2") != NULL);
	cr_assert(strstr(s, "\"maxLength\": 8") != NULL);
	cb_free(s);
	cb_codeset_free(cs);
}

Test(export_jsonschema, long_description_is_kept)
{
	cb_buf b = CB_BUF_INIT(1 << 20);
	cb_codeset *cs;
	char *json, *s;
	size_t i;

	cb_buf_adds(&b, "{\"name\":\"s\",\"title\":\"S\",\"version\":1,\"description\":\"");
	for (i = 0; i < 10000; i++)
		cb_buf_addc(&b, (char)('a' + i % 26));
	cb_buf_adds(&b, "!\",\"format\":{\"charset\":\"A-Z\",\"shape\":\"plain\"},\"entries\":[{\"code\":\"A\"}]}");
	json = cb_buf_detach(&b, NULL);
	cs = load_text(json);
	s = export(cs, CB_EXPORT_JSONSCHEMA, NULL);
	cr_assert(strstr(s, "uvwxyzabcdefghijklmnop!") != NULL, "the description was dropped");
	check_schema(cs);
	cb_free(s);
	cb_free(json);
	cb_codeset_free(cs);
}

/* ---- Markdown ------------------------------------------------------------------ */

/* Lines of @s that start with @prefix. */
static size_t
count_lines(const char *s, const char *prefix)
{
	size_t n = 0, plen = strlen(prefix);
	const char *p = s;

	while (*p) {
		n += strncmp(p, prefix, plen) == 0;
		p = strchr(p, '\n');
		if (p == NULL)
			break;
		p++;
	}
	return n;
}

/* Rows of entries: "| ID | **CODE** |", or "| | *(no code in source)* |". */
static size_t
entry_rows(const char *s)
{
	size_t n = 0;
	const char *p;

	for (p = s; p != NULL && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *d = p + 2;
		if (strncmp(p, "| | *(no code in source)* |", 27) == 0) {
			n++;
			continue;
		}
		if (strncmp(p, "| ", 2) != 0 || !isdigit((unsigned char)*d))
			continue;
		while (isdigit((unsigned char)*d))
			d++;
		n += strncmp(d, " | **", 5) == 0;
	}
	return n;
}

/* Unescaped '|' in a line: cell separators. */
static size_t
pipes(const char *line)
{
	size_t n = 0;

	for (; *line && *line != '\n'; line++) {
		if (line[0] == '\\' && line[1] == '|')
			line++;
		else if (*line == '|')
			n++;
	}
	return n;
}

Test(export_markdown, a_row_per_entry_in_every_bundled_set)
{
	size_t i;

	for (i = 0; i < 4; i++) {
		cb_codeset *cs = load_bundled(bundled_names[i]);
		char *s = export(cs, CB_EXPORT_MARKDOWN, NULL);
		size_t rows = entry_rows(s);

		cr_assert_eq(rows, cb_codeset_entry_count(cs), "%s: %zu rows", bundled_names[i], rows);
		cr_assert(strncmp(s, "# ", 2) == 0);
		cr_assert(strstr(s, cb_codeset_title(cs)) != NULL);
		cb_free(s);
		cb_codeset_free(cs);
	}
}

Test(export_markdown, one_section_per_category)
{
	cb_codeset *cs = load_bundled("outbound");
	char *s = export(cs, CB_EXPORT_MARKDOWN, NULL);
	size_t i;

	cr_assert_eq(count_lines(s, "## "), 14);
	for (i = 0; i < cb_codeset_category_count(cs); i++) {
		char h[128];
		snprintf(h, sizeof(h), "\n## %s\n", cb_codeset_category_name(cs, i));
		cr_assert(strstr(s, h) != NULL, "%s", h);
	}
	cb_free(s);
	cb_codeset_free(cs);
}

Test(export_markdown, qe_reason_rows_name_their_rules)
{
	cb_codeset *cs = load_bundled("qe-reason");
	char *s = export(cs, CB_EXPORT_MARKDOWN, NULL);

	char want[64];

	snprintf(want, sizeof(want), "| %d | **APP_MISSED_WEBHOOK** |", cb_entry_id(cb_codeset_find(cs, "APP_MISSED_WEBHOOK", 18)));
	cr_assert(strstr(s, want) != NULL, "%s", s);
	cr_assert(strstr(s, "| R1/R2/A1 |") != NULL);
	cb_free(s);
	cb_codeset_free(cs);
}

Test(export_markdown, long_applies_lists_are_written_out)
{
	/* 64 values of 70 characters: the cell is far longer than 4 KiB */
	cb_buf b = CB_BUF_INIT(1 << 20);
	cb_codeset *cs;
	char *json, *s;
	int v;

	cb_buf_adds(&b, "{\"name\":\"s\",\"title\":\"S\",\"version\":1,"
	    "\"format\":{\"charset\":\"A-Z\",\"shape\":\"plain\"},\"contexts\":{\"ep\":{\"values\":[");
	for (v = 0; v < 64; v++)
		cb_buf_printf(&b, "%s\"/v2/a/rather/long/endpoint/path/that/goes/on/and/on/for/a/while/%02d\"", v ? "," : "", v);
	cb_buf_adds(&b, "]}},\"entries\":[{\"code\":\"A\",\"applies\":{\"ep\":[");
	for (v = 0; v < 64; v++)
		cb_buf_printf(&b, "%s\"/v2/a/rather/long/endpoint/path/that/goes/on/and/on/for/a/while/%02d\"", v ? "," : "", v);
	cb_buf_adds(&b, "]}}]}");
	json = cb_buf_detach(&b, NULL);
	cs = load_text(json);
	s = export(cs, CB_EXPORT_MARKDOWN, NULL);
	cr_assert(strstr(s, "| 1 | **A** |  | /v2/a/rather/long/endpoint/path/that/goes/on/and/on/for/a/while/00/") != NULL,
	    "%.200s", strstr(s, "| **A**"));
	cr_assert(strstr(s, "/while/63 | active |") != NULL);
	cb_free(s);
	s = export(cs, CB_EXPORT_CSV, NULL);
	cr_assert(strstr(s, "|/v2/a/rather/long/endpoint/path/that/goes/on/and/on/for/a/while/63,") != NULL);
	cb_free(s);
	cb_free(json);
	cb_codeset_free(cs);
}

Test(export_markdown, pipes_and_line_breaks_stay_inside_their_cell)
{
	cb_codeset *cs = load_text(J("{'name':'s','title':'S','version':1,"
	    "'format':{'charset':'A-Z|','shape':'plain'},"
	    "'entries':[{'code':'A|B','description':'left | right\\nnext line'}]}"));
	char *s = export(cs, CB_EXPORT_MARKDOWN, NULL);
	const char *row = strstr(s, "| 1 | **");

	cr_assert_not_null(row);
	cr_assert_eq(pipes(row), 5, "row: %.80s", row);	/* | id | code | description | status | */
	cr_assert(strstr(row, "left \\| right <br> next line") != NULL, "%.80s", row);
	cr_assert(strstr(row, "**A\\|B**") != NULL, "%.80s", row);
	cb_free(s);
	cb_codeset_free(cs);
}

/* ---- CSV ----------------------------------------------------------------------------- */

#define CSV_MAX_FIELDS 16

/* One RFC 4180 record from *p into fields (malloc'ed); returns the count
 * or 0 at the end.  Fails the test on a malformed record. */
static size_t
csv_record(const char **p, char **fields)
{
	const char *s = *p;
	size_t n = 0;

	if (*s == '\0')
		return 0;
	for (;;) {
		char *f = malloc(strlen(s) + 1);
		size_t k = 0;

		cr_assert_not_null(f);
		cr_assert_lt(n, CSV_MAX_FIELDS);
		if (*s == '"') {
			for (s++;; s++) {
				cr_assert_neq(*s, '\0', "unterminated quoted field");
				if (*s == '"' && s[1] == '"')
					f[k++] = *s++;
				else if (*s == '"')
					break;
				else
					f[k++] = *s;
			}
			s++;
		} else {
			for (; *s && *s != ',' && *s != '\r' && *s != '\n'; s++) {
				cr_assert_neq(*s, '"', "quote in an unquoted field");
				f[k++] = *s;
			}
		}
		f[k] = '\0';
		fields[n++] = f;
		if (*s == ',') {
			s++;
			continue;
		}
		cr_assert(s[0] == '\r' && s[1] == '\n', "records end with CRLF");
		*p = s + 2;
		return n;
	}
}

static void
free_fields(char **fields, size_t n)
{
	while (n > 0)
		free(fields[--n]);
}

Test(export_csv, header_and_a_row_per_entry_in_every_bundled_set)
{
	size_t i;

	for (i = 0; i < 4; i++) {
		cb_codeset *cs = load_bundled(bundled_names[i]);
		char *s = export(cs, CB_EXPORT_CSV, NULL);
		const char *p = s;
		char *f[CSV_MAX_FIELDS];
		size_t n, rows = 0;

		n = csv_record(&p, f);
		cr_assert_eq(n, 12);
		cr_assert_str_eq(f[0], "id");
		cr_assert_str_eq(f[1], "code");
		cr_assert_str_eq(f[3], "description");
		cr_assert_str_eq(f[11], "replaced_by");
		free_fields(f, n);
		while ((n = csv_record(&p, f)) > 0) {
			const cb_entry *e = cb_codeset_entry(cs, rows);
			char id[16] = "";
			cr_assert_eq(n, 12, "%s row %zu", bundled_names[i], rows);
			if (cb_entry_code(e) != NULL)
				snprintf(id, sizeof(id), "%d", cb_entry_id(e));
			cr_assert_str_eq(f[0], id);
			cr_assert_str_eq(f[1], cb_entry_code(e) ? cb_entry_code(e) : "");
			cr_assert_str_eq(f[3], cb_entry_description(e));
			cr_assert_str_eq(f[4], cb_status_name(cb_entry_status(e)));
			free_fields(f, n);
			rows++;
		}
		cr_assert_eq(rows, cb_codeset_entry_count(cs), "%s", bundled_names[i]);
		cb_free(s);
		cb_codeset_free(cs);
	}
}

Test(export_csv, quotes_commas_quotes_and_line_breaks)
{
	cb_codeset *cs = load_text(J("{'name':'s','title':'S','version':1,"
	    "'format':{'charset':'A-Z','shape':'plain'},'categories':[{'name':'a,b'}],"
	    "'entries':[{'code':'X','category':'a,b','description':'Say \\\"hi\\\", then go\\r\\nnow'},"
	    "{'code':'Y','description':'plain'}]}"));
	char *s = export(cs, CB_EXPORT_CSV, NULL);
	const char *p = s;
	char *f[CSV_MAX_FIELDS];
	size_t n;

	cr_assert(strstr(s, "\r\n1,X,\"a,b\",\"Say \"\"hi\"\", then go\r\nnow\",active,") != NULL, "%s", s);
	cr_assert(strstr(s, "\r\n2,Y,,plain,active,") != NULL, "%s", s);
	free_fields(f, csv_record(&p, f));
	n = csv_record(&p, f);
	cr_assert_eq(n, 12);
	cr_assert_str_eq(f[2], "a,b");
	cr_assert_str_eq(f[3], "Say \"hi\", then go\r\nnow");
	free_fields(f, n);
	n = csv_record(&p, f);
	cr_assert_str_eq(f[1], "Y");
	free_fields(f, n);
	cr_assert_eq(csv_record(&p, f), 0);
	cb_free(s);
	cb_codeset_free(cs);
}

Test(export_csv, error_set_columns)
{
	cb_codeset *cs = load_bundled("ttls-error");
	char *s = export(cs, CB_EXPORT_CSV, NULL);
	const char *p = s;
	char *f[CSV_MAX_FIELDS];
	size_t n;

	free_fields(f, csv_record(&p, f));
	n = csv_record(&p, f);
	cr_assert_str_eq(f[0], "1");
	cr_assert_str_eq(f[1], "-9990001");
	cr_assert_str_eq(f[5], "endpoint=/v2/localservice/saas/fulfill/get_code_item_list/;scene=Scan or enter the code");
	cr_assert_str_eq(f[6], "no-retry");
	cr_assert_str_eq(f[7], "500");
	cr_assert_str_eq(f[8], "false");
	free_fields(f, n);
	cb_free(s);
	cb_codeset_free(cs);
}

/* ---- C header ---------------------------------------------------------------------- */

/* The enumerators of the header: checks each is a C identifier, that none
 * repeats, and that their values are the ids of @cs's codes in increasing
 * order; returns how many. */
static size_t
check_enum(const char *h, const char *prefix, const cb_codeset *cs)
{
	const char *p = strstr(h, "enum "), *end;
	char names[512][128];
	size_t n = 0, i;
	long last = 0;

	cr_assert_not_null(p);
	end = strstr(p, "};");
	cr_assert_not_null(end);
	for (p = strchr(p, '\n') + 1; p < end; p = strchr(p, '\n') + 1) {
		char name[128];
		long value;
		size_t k = 0;
		cr_assert_eq(*p, '\t');
		for (p++; isalnum((unsigned char)*p) || *p == '_'; p++) {
			cr_assert_lt(k, sizeof(name) - 1);
			name[k++] = *p;
		}
		name[k] = '\0';
		cr_assert(k > 0 && !isdigit((unsigned char)name[0]), "bad identifier %s", name);
		cr_assert(strncmp(name, prefix, strlen(prefix)) == 0, "%s", name);
		cr_assert_eq(sscanf(p, " = %ld", &value), 1);
		cr_assert_gt(value, last, "%s: ids in increasing order", name);
		cr_assert_not_null(cb_codeset_find_id(cs, (int)value), "%s = %ld is no code's id", name, value);
		last = value;
		for (i = 0; i < n; i++)
			cr_assert_str_neq(names[i], name, "%s defined twice", name);
		cr_assert_lt(n, 512);
		memcpy(names[n++], name, k + 1);
	}
	return n;
}

Test(export_c_header, an_enumerator_per_distinct_code_in_every_bundled_set)
{
	static const char *const prefixes[4] = {
		"OUTBOUND_", "QE_REASON_", "TIKTOK_REVERSE_REASON_GB_", "TTLS_ERROR_"
	};
	size_t i;

	for (i = 0; i < 4; i++) {
		cb_codeset *cs = load_bundled(bundled_names[i]);
		char *s = export(cs, CB_EXPORT_C_HEADER, NULL);
		char want[128];

		cr_assert_eq(check_enum(s, prefixes[i], cs), distinct_codes(cs), "%s", bundled_names[i]);
		snprintf(want, sizeof(want), "#define %sCOUNT %zu\n", prefixes[i], distinct_codes(cs));
		cr_assert(strstr(s, want) != NULL, "%s", want);
		snprintf(want, sizeof(want), "#define %sMAX_ID %d\n", prefixes[i], cb_codeset_max_id(cs));
		cr_assert(strstr(s, want) != NULL, "%s", want);
		snprintf(want, sizeof(want), "%scode_strings[%sMAX_ID + 1] = {\n\tNULL,\n", prefixes[i], prefixes[i]);
		cr_assert(strstr(s, want) != NULL, "%s", want);
		snprintf(want, sizeof(want), "%scode_names[%zu] = {", prefixes[i], distinct_codes(cs));
		cr_assert(strstr(s, want) != NULL, "%s", want);
		cb_free(s);
		cb_codeset_free(cs);
	}
}

/* Issue 10: adding FRAUD.FRIENDLY between FRAUD.CHARGEBACK and
 * FRAUD.CONFIRMED moves no number of the header; the new code gets the
 * next id, whether the file gives it or not. */
Test(export_c_header, a_code_added_in_the_middle_moves_no_number)
{
	cb_codeset *v1 = load_bundled("outbound"), *v2 = NULL, *v2b;
	char *h1 = export(v1, CB_EXPORT_C_HEADER, NULL), *h2, *h2b, *line, *buf;
	size_t n;

	cr_assert_eq(cb_codeset_load_file(&v2, CB_SOURCE_DIR "/tests/fixtures/govern/outbound-v2-friendly.json"),
	    CB_OK, "%s", cb_errmsg());
	h2 = export(v2, CB_EXPORT_C_HEADER, NULL);
	cr_assert(strstr(h1, "\tOUTBOUND_FRAUD_CHARGEBACK = 10,") != NULL);
	cr_assert(strstr(h2, "\tOUTBOUND_FRAUD_CHARGEBACK = 10,") != NULL);
	cr_assert(strstr(h2, "\tOUTBOUND_FRAUD_CONFIRMED = 11,") != NULL);
	cr_assert(strstr(h2, "\tOUTBOUND_FRAUD_FRIENDLY = 44,") != NULL, "%s", h2);
	cr_assert(strstr(h2, "#define OUTBOUND_MAX_ID 44\n") != NULL);
	/* every enumerator of v1 is in v2 with its value */
	for (line = strstr(h1, "enum "); (line = strstr(line, "\n\tOUTBOUND_")) != NULL; line++) {
		char want[160];
		n = strcspn(line + 1, "/");
		cr_assert_lt(n, sizeof(want));
		memcpy(want, line + 1, n);
		want[n] = '\0';
		cr_assert(strstr(h2, want) != NULL, "v2 lacks %s", want);
	}
	/* the same file without the new code's id: it gets 44 all the same */
	buf = read_source_file("tests/fixtures/govern/outbound-v2-friendly.json", &n);
	line = strstr(buf, "\"id\": 44,");
	cr_assert_not_null(line);
	memset(line, ' ', strlen("\"id\": 44,"));
	cr_assert_eq(cb_codeset_load_buffer(&v2b, buf, strlen(buf), "v2b"), CB_OK, "%s", cb_errmsg());
	h2b = export(v2b, CB_EXPORT_C_HEADER, NULL);
	cr_assert_str_eq(h2b, h2);
	cr_assert_eq(cb_entry_id_given(cb_codeset_find(v2b, "FRAUD.FRIENDLY", 14)), 0);
	free(buf);
	cb_free(h1);
	cb_free(h2);
	cb_free(h2b);
	cb_codeset_free(v1);
	cb_codeset_free(v2);
	cb_codeset_free(v2b);
}

/* Ids an author spread out get their table of pairs, not a table by id
 * of a billion places. */
Test(export_c_header, sparse_ids_get_no_table_by_id)
{
	cb_codeset *cs = load_text(J("{'name':'s','title':'S','version':1,"
	    "'format':{'charset':'A-Z','shape':'plain'},'entries':[{'code':'A','id':7},{'code':'B','id':2000000000}]}"));
	char *s = export(cs, CB_EXPORT_C_HEADER, NULL);

	cr_assert(strstr(s, "\tS_A = 7,") != NULL, "%s", s);
	cr_assert(strstr(s, "\tS_B = 2000000000,") != NULL, "%s", s);
	cr_assert(strstr(s, "static const int S_code_ids[2] = {\n\t7, 2000000000\n};") != NULL, "%s", s);
	cr_assert(strstr(s, "S_code_strings") == NULL, "%s", s);
	cr_assert(strstr(s, "too sparse") != NULL, "%s", s);
	cr_assert_lt(strlen(s), 2000);
	cb_free(s);
	cb_codeset_free(cs);
}

Test(export_c_header, ttls_codes_become_minus_prefixed_identifiers)
{
	cb_codeset *cs = load_bundled("ttls-error");
	char *s = export(cs, CB_EXPORT_C_HEADER, NULL);

	cr_assert_eq(distinct_codes(cs), 21);
	cr_assert(strstr(s, "\tTTLS_ERROR_M9990001 = 1,") != NULL);
	cr_assert(strstr(s, "\t\"-9990001\",\n") != NULL);
	cb_free(s);
	cb_codeset_free(cs);
}

Test(export_c_header, colliding_identifiers_are_numbered_uniquely)
{
	/* A_B_2 exists before A-B and A_B both map to A_B; COUNT and VERSION
	 * are names the header defines itself; the set name starts with a digit */
	cb_codeset *cs = load_text(J("{'name':'3pl','title':'T','version':1,"
	    "'format':{'charset':'A-Z0-9_-','shape':'plain'},"
	    "'entries':[{'code':'A_B_2'},{'code':'A-B'},{'code':'A_B'},{'code':'COUNT'},{'code':'VERSION'}]}"));
	char *s = export(cs, CB_EXPORT_C_HEADER, NULL);

	cr_assert_eq(check_enum(s, "CB_3PL_", cs), 5, "%s", s);
	cr_assert(strstr(s, "\tCB_3PL_A_B_3 = 3,") != NULL, "%s", s);
	cr_assert(strstr(s, "\tCB_3PL_COUNT_2 = 4,") != NULL, "%s", s);
	cr_assert(strstr(s, "#define CB_3PL_VERSION 1\n") != NULL, "%s", s);
	cb_free(s);
	cb_codeset_free(cs);
}

Test(export_c_header, comments_cannot_end_early)
{
	cb_codeset *cs = load_text(J("{'name':'s','title':'S','version':1,"
	    "'format':{'charset':'A-Z','shape':'plain'},'entries':[{'code':'A','description':'x */ y /* z'}]}"));
	char *s = export(cs, CB_EXPORT_C_HEADER, NULL);
	const char *c = strstr(s, "\tS_A = 1, /* ");

	cr_assert_not_null(c, "%s", s);
	c += strlen("\tS_A = 1, /* ");
	cr_assert(strncmp(c, "x * / y / * z */\n", 17) == 0, "%.30s", c);
	cb_free(s);
	cb_codeset_free(cs);
	/* a slash shared by both sequences must not make a terminator */
	cs = load_text(J("{'name':'s','title':'S','version':1,"
	    "'format':{'charset':'A-Z','shape':'plain'},'entries':[{'code':'A','description':'a/*/b**/'}]}"));
	s = export(cs, CB_EXPORT_C_HEADER, NULL);
	c = strstr(s, "\tS_A = 1, /* ") + strlen("\tS_A = 1, /* ");
	cr_assert(strncmp(c, "a/ * /b** / */\n", 15) == 0, "%.30s", c);
	cb_free(s);
	cb_codeset_free(cs);
}

/* ---- JSON and format names ---------------------------------------------------------------- */

Test(export_json, is_the_canonical_serialisation)
{
	cb_codeset *cs = load_bundled("qe-reason");
	char *a = export(cs, CB_EXPORT_JSON, NULL), *b = NULL;
	size_t lb;

	cr_assert_eq(cb_codeset_to_json(&b, &lb, cs), CB_OK);
	cr_assert_str_eq(a, b);
	cb_free(a);
	cb_free(b);
	cb_codeset_free(cs);
}

Test(export_format, names_parse_and_print)
{
	static const char *const names[] = { "jsonschema", "markdown", "c-header", "csv", "json" };
	cb_export_format f;
	size_t i;

	for (i = 0; i < 5; i++) {
		cr_assert_eq(cb_export_format_parse(&f, names[i]), CB_OK);
		cr_assert_eq((size_t)f, i);
		cr_assert_str_eq(cb_export_format_name(f), names[i]);
	}
}

Test(export_format, unknown_names_are_einval)
{
	cb_export_format f = CB_EXPORT_CSV;

	cr_assert_eq(cb_export_format_parse(&f, "xml"), CB_EINVAL);
	cr_assert(strstr(cb_errmsg(), "\"xml\"") != NULL, "%s", cb_errmsg());
	cr_assert(strstr(cb_errmsg(), "jsonschema, markdown, c-header, csv, json") != NULL);
	cr_assert_eq(f, CB_EXPORT_CSV, "unchanged on failure");
	cr_assert_eq(cb_export_format_parse(&f, "JSON"), CB_EINVAL);
	cr_assert_eq(cb_export_format_parse(&f, ""), CB_EINVAL);
	cr_assert_eq(cb_export_format_parse(&f, NULL), CB_EINVAL);
	cr_assert_str_eq(cb_export_format_name((cb_export_format)42), "?");
}

Test(export_format, bad_arguments_are_einval)
{
	cb_codeset *cs = load_bundled("outbound");
	char *out = (char *)1;

	cr_assert_eq(cb_export(&out, NULL, cs, (cb_export_format)42), CB_EINVAL);
	cr_assert_null(out);
	cr_assert_eq(cb_export(NULL, NULL, cs, CB_EXPORT_CSV), CB_EINVAL);
	cr_assert_eq(cb_export(&out, NULL, NULL, CB_EXPORT_CSV), CB_EINVAL);
	cb_codeset_free(cs);
}
