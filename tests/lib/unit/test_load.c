/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_load.c - the loader on malformed files: every failure returns the
 * right code and a message "origin:line:column: what was expected"; the
 * bundled catalogs load, with their entry counts, and survive a round trip
 * through cb_codeset_to_json().
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "util/buf.h"
#include "util/cb_limits.h"


/* A set with the given top-level fields after name, title and version. */
#define SET(fields) "{'name':'mini','title':'Mini','version':2," fields "}"
#define FMT "'format':{'charset':'A-Z0-9_.','shape':'plain'}"
#define ONE_ENTRY "'entries':[{'code':'A'}]"

/* "line:col" of the first occurrence of @token (after J()) in @text,
 * counting characters, not bytes, as an editor does. */
static const char *
position_of(const char *text, const char *token)
{
	static char pos[32];
	const char *t = J(token), *at = strstr(text, t), *p;
	unsigned line = 1, col = 1;

	cr_assert_not_null(at, "token %s not in the text", t);
	for (p = text; p < at; p++) {
		if (*p == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)*p & 0xc0) != 0x80) {
			col++;
		}
	}
	snprintf(pos, sizeof(pos), "%u:%u", line, col);
	return pos;
}

/*
 * Load @text and expect failure @want.  @where is "line:col" (the message
 * must start with "t.json:line:col: "), "@token" (the position of the
 * first @token in the text), or NULL (any position, but there must be
 * one); @what must occur in the message.
 */
static void
load_fails_n(const char *text, size_t len, int want, const char *where, const char *what)
{
	cb_codeset *cs = (cb_codeset *)1;
	unsigned line, col;
	char prefix[64];
	const char *msg;
	int rc;

	if (where != NULL && where[0] == '@')
		where = position_of(text, where + 1);

	rc = cb_codeset_load_buffer(&cs, text, len, "t.json");
	msg = cb_errmsg();
	cr_assert_eq(rc, want, "rc %s, want %s (%s)", cb_strerror(rc), cb_strerror(want), msg);
	cr_assert_null(cs, "no set on failure");
	cr_assert_eq(sscanf(msg, "t.json:%u:%u: ", &line, &col), 2, "no origin:line:column in \"%s\"", msg);
	if (where != NULL) {
		snprintf(prefix, sizeof(prefix), "t.json:%s: ", where);
		cr_assert(strncmp(msg, prefix, strlen(prefix)) == 0, "want %s..., got \"%s\"", prefix, msg);
	}
	cr_assert(strstr(msg, what) != NULL, "want \"%s\" in \"%s\"", what, msg);
	no_leaks();	/* the failed load freed what it had built */
}

static void
load_fails(const char *json, int want, const char *where, const char *what)
{
	const char *t = J(json);

	load_fails_n(t, strlen(t), want, where, what);
}

/* Same, without the ' -> " conversion (for texts that need a quote). */
static void
load_fails_raw(const char *text, int want, const char *where, const char *what)
{
	load_fails_n(text, strlen(text), want, where, what);
}

static cb_codeset *
load_ok(const char *json)
{
	return load_text(J(json));
}

/* ---- JSON syntax ---------------------------------------------------- */

Test(load_syntax, missing_comma_points_at_the_next_key)
{
	load_fails("{\n  'name': 'mini'\n  'title': 'M'\n}", CB_EPARSE, "3:3", "missing separator");
}

Test(load_syntax, trailing_comma_in_object)
{
	load_fails("{'name':'mini',}", CB_EPARSE, "1:16", "unexpected character");
}

Test(load_syntax, trailing_comma_in_array)
{
	load_fails("{'a':\n  [1,\n   2,]}", CB_EPARSE, "3:6", "unexpected character");
}

Test(load_syntax, double_comma)
{
	load_fails("{'a':[1,,2]}", CB_EPARSE, "1:9", "unexpected character");
}

Test(load_syntax, unterminated_string_points_at_its_start)
{
	load_fails("{'name':'mini", CB_EPARSE, "1:9", "unterminated string");
}

Test(load_syntax, bad_escape)
{
	load_fails_raw("{\"name\":\"a\\qb\"}", CB_EPARSE, "1:9", "invalid string escape");
}

Test(load_syntax, truncated_unicode_escape)
{
	load_fails_raw("{\"name\":\"\\u00\"}", CB_EPARSE, "1:9", "invalid string escape");
}

Test(load_syntax, lone_surrogate_escape)
{
	load_fails_raw("{\"name\":\"\\ud800\"}", CB_EPARSE, "1:9", "invalid string escape");
}

Test(load_syntax, invalid_utf8_byte)
{
	load_fails("{'name':'ab\xff'}", CB_EPARSE, "1:12", "invalid UTF-8");
}

Test(load_syntax, overlong_utf8)
{
	load_fails("{\n'name':'\xc0\xaf'}", CB_EPARSE, "2:9", "invalid UTF-8");
}

Test(load_syntax, utf8_surrogate_encoded)
{
	load_fails("{'name':'\xed\xa0\x80'}", CB_EPARSE, "1:10", "invalid UTF-8");
}

Test(load_syntax, column_counts_characters_not_bytes)
{
	/* "é" is two bytes but one column */
	load_fails("{'name':'\xc3\xa9',,}", CB_EPARSE, "1:13", "unexpected character");
}

Test(load_syntax, control_character_in_string)
{
	load_fails("{'name':'a\x01'}", CB_EPARSE, "1:11", "control character");
}

Test(load_syntax, raw_newline_in_string)
{
	load_fails("{'name':'a\nb'}", CB_EPARSE, "1:11", "control character");
}

Test(load_syntax, second_value_after_the_object)
{
	load_fails("{}{}", CB_EPARSE, "1:3", "after the JSON value");
}

Test(load_syntax, word_after_the_object)
{
	load_fails("{}\n  x", CB_EPARSE, "2:3", "after the JSON value");
}

Test(load_syntax, comment_after_the_object)
{
	load_fails("{'a':'}'} // c", CB_EPARSE, "1:11", "after the JSON value");
}

Test(load_syntax, extra_closing_bracket)
{
	load_fails("{'a':1}]", CB_EPARSE, "1:8", "after the JSON value");
	load_fails("{'a':1}}", CB_EPARSE, "1:8", "after the JSON value");
}

Test(load_syntax, unclosed_object)
{
	load_fails("{'name':'mini'", CB_EPARSE, "1:1", "unterminated array or object");
	load_fails("{'a':[1,2]", CB_EPARSE, "1:1", "unterminated array or object");
}

Test(load_syntax, mismatched_brackets)
{
	load_fails("{'a':[1,2}", CB_EPARSE, "1:10", "unexpected character");
}

Test(load_syntax, empty_input)
{
	load_fails_n("", 0, CB_EPARSE, "1:1", "empty document");
}

Test(load_syntax, whitespace_only)
{
	load_fails(" \n ", CB_EPARSE, "2:2", "empty document");
}

Test(load_syntax, byte_order_mark_is_rejected)
{
	load_fails("\xef\xbb\xbf" SET(FMT "," ONE_ENTRY), CB_EPARSE, "1:1",
	    "a byte order mark (BOM) is not allowed in JSON; save the file as UTF-8 without BOM");
}

Test(load_syntax, bad_literals)
{
	load_fails("{'mirror':nul}", CB_EPARSE, "1:11", "expected null");
	load_fails("{'mirror':tru}", CB_EPARSE, "1:11", "unexpected value");
}

Test(load_syntax, number_with_leading_zero)
{
	load_fails("{'version':01}", CB_EPARSE, "1:12", "invalid number");
}

Test(load_syntax, number_with_bare_point)
{
	load_fails("{'version':1.}", CB_EPARSE, "1:12", "invalid number");
}

Test(load_syntax, number_with_bare_exponent)
{
	load_fails("{'version':1e}", CB_EPARSE, "1:12", "invalid number");
	load_fails("{'version':1.5e+}", CB_EPARSE, "1:12", "invalid number");
}

Test(load_syntax, number_signs_and_points)
{
	load_fails("{'version':-}", CB_EPARSE, "1:12", "invalid number");
	load_fails("{'version':+1}", CB_EPARSE, "1:12", "unexpected character");
	load_fails("{'version':.5}", CB_EPARSE, "1:12", "unexpected character");
}

/* A text built with cb_buf; free with cb_free(). */
static char *
done(cb_buf *b)
{
	char *s = cb_buf_detach(b, NULL);

	cr_assert_not_null(s);
	return s;
}

/* Arrays nested @depth deep as the value of "name". */
static char *
nested(unsigned depth)
{
	cb_buf b = CB_BUF_INIT(1 << 20);
	unsigned i;

	cb_buf_adds(&b, "{\"name\":");
	for (i = 0; i < depth; i++)
		cb_buf_addc(&b, '[');
	for (i = 0; i < depth; i++)
		cb_buf_addc(&b, ']');
	cb_buf_addc(&b, '}');
	return done(&b);
}

Test(load_syntax, nesting_past_the_depth_limit_is_too_big)
{
	char *s = nested(CB_MAX_JSON_DEPTH);	/* with the root: one level too many */

	load_fails_raw(s, CB_ETOOBIG, NULL, "nesting deeper than the limit");
	cr_assert(strstr(cb_errmsg(), "32") != NULL, "%s", cb_errmsg());
	cb_free(s);
}

Test(load_syntax, nesting_at_the_depth_limit_parses)
{
	char *s = nested(CB_MAX_JSON_DEPTH - 1);

	/* the JSON is accepted; the set is not */
	load_fails_raw(s, CB_EPARSE, "1:9", "name: expected a string, got array");
	cb_free(s);
}

Test(load_syntax, scalar_document)
{
	load_fails("'mini'", CB_EPARSE, "1:1", "expected a code-set object, got string");
	load_fails("[]", CB_EPARSE, "1:1", "expected a code-set object, got array");
}

/* ---- wrong types ------------------------------------------------------ */

struct type_case {
	const char *json;
	const char *where;
	const char *what;
};

static void
run_type_cases(const struct type_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		load_fails(c[i].json, CB_EPARSE, c[i].where, c[i].what);
}

#define NCASES(a) (sizeof(a) / sizeof((a)[0]))

Test(load_types, top_level_fields)
{
	static const struct type_case c[] = {
		{ "{'name':1}", "@1}", "name: expected a string, got number" },
		{ "{'name':'m','title':[]}", "@[]", "title: expected a string, got array" },
		{ "{'name':'m','title':'M','version':'1'}", "@'1'}", "version: expected an integer, got string" },
		{ "{'name':'m','title':'M','version':1.5}", "@1.5", "version: expected an integer, got a fraction" },
		{ "{'name':'m','title':'M','version':1e3}", "@1e3", "version: expected an integer" },
		{ "{'name':'m','title':'M','version':0}", "@0}", "version: 0 is outside 1..2147483647" },
		{ "{'name':'m','title':'M','version':2147483648}", "@2147483648", "version: 2147483648 is outside" },
		{ "{'name':'m','title':'M','description':{},'version':1}", "@{},", "description: expected a string, got object" },
		{ "{'name':'m','title':'M','source':true,'version':1}", "@true", "source: expected a string, got boolean" },
		{ "{'name':'m','title':'M','mirror':'yes','version':1}", "@'yes'", "mirror: expected true or false, got string" },
		{ "{'name':'m','title':'M','repeated_codes':null,'version':1}", "@null", "repeated_codes: expected true or false, got null" },
		{ "{'name':'m','title':'M','deprecated':'maybe','version':1}", "@'maybe'", "deprecated: \"maybe\" is not one of \"warn\", \"reject\"" },
		{ "{'name':'m','title':'M','deprecated':1,'version':1}", "@1,'version'", "deprecated: expected one of \"warn\", \"reject\", got number" },
		{ "{'$schema':2}", "@2}", "$schema: expected a string, got number" },
		{ SET("'format':[]"), "@[]", "format: expected an object, got array" },
		{ SET("'contexts':[]," FMT "," ONE_ENTRY), "@[]", "contexts: expected an object, got array" },
		{ SET("'categories':{}," FMT "," ONE_ENTRY), "@{},", "categories: expected an array, got object" },
		{ SET("'handling':{}," FMT "," ONE_ENTRY), "@{},", "handling: expected an array, got object" },
		{ SET("'policy':[]," FMT "," ONE_ENTRY), "@[]", "policy: expected an object, got array" },
		{ SET(FMT ",'entries':{}"), "@{}}", "entries: expected an array, got object" },
	};

	run_type_cases(c, NCASES(c));
}

Test(load_types, format_fields)
{
	static const struct type_case c[] = {
		{ SET("'format':{'charset':1,'shape':'plain'}"), "@1,", "format.charset: expected a string, got number" },
		{ SET("'format':{'charset':'A','shape':1}"), "@1}", "format.shape: expected one of \"plain\", \"category.code\", \"integer\", got number" },
		{ SET("'format':{'charset':'A','shape':'blob'}"), "@'blob'", "format.shape: \"blob\" is not one of" },
		{ SET("'format':{'charset':'A','shape':'plain','case':'title'}"), "@'title'}", "format.case: \"title\" is not one of \"any\", \"upper\", \"lower\"" },
		{ SET("'format':{'charset':'A','shape':'plain','case_enforced':1}"), "@1}", "format.case_enforced: expected true or false, got number" },
		{ SET("'format':{'charset':'A','shape':'plain','min_length':'1'}"), "@'1'}", "format.min_length: expected an integer, got string" },
		{ SET("'format':{'charset':'A','shape':'plain','max_length':2.5}"), "@2.5", "format.max_length: expected an integer" },
		{ SET("'format':{'charset':'A','shape':'plain','max_length':257}"), "@257", "format.max_length: 257 is outside 1..256" },
		{ SET("'format':{'charset':'A','shape':'plain','min_length':0}"), "@0}", "format.min_length: 0 is outside 1..256" },
	};

	run_type_cases(c, NCASES(c));
}

Test(load_types, context_category_handling_policy_fields)
{
	static const struct type_case c[] = {
		{ SET(FMT ",'contexts':{'r':[]}," ONE_ENTRY), "@[]}", "contexts.r: expected an object, got array" },
		{ SET(FMT ",'contexts':{'r':{'values':'a'}}," ONE_ENTRY), "@'a'}", "contexts.r: expected an array, got string" },
		{ SET(FMT ",'contexts':{'r':{'values':[1]}}," ONE_ENTRY), "@1]", "contexts.r.values[0]: expected a non-empty string" },
		{ SET(FMT ",'contexts':{'r':{'values':['']}}," ONE_ENTRY), "@'']", "contexts.r.values[0]: expected a non-empty string" },
		{ SET(FMT ",'contexts':{'r':{'values':['a'],'description':5}}," ONE_ENTRY), "@5}", "contexts.r.description: expected a string, got number" },
		{ SET(FMT ",'categories':[1]," ONE_ENTRY), "@1]", "categories[0]: expected an object, got number" },
		{ SET(FMT ",'categories':[{'name':7}]," ONE_ENTRY), "@7}", "categories[0].name: expected a string, got number" },
		{ SET(FMT ",'categories':[{'name':'X','description':[]}]," ONE_ENTRY), "@[]}", "categories[0].description: expected a string, got array" },
		{ SET(FMT ",'handling':['retry']," ONE_ENTRY), "@'retry'", "handling[0]: expected an object, got string" },
		{ SET(FMT ",'handling':[{'name':[],'action':'retry'}]," ONE_ENTRY), "@[],", "handling[0].name: expected a string, got array" },
		{ SET(FMT ",'handling':[{'name':'h','action':'retry','description':0}]," ONE_ENTRY), "@0}", "handling[0].description: expected a string, got number" },
		{ SET(FMT ",'policy':{'base_delay_ms':'5'}," ONE_ENTRY), "@'5'", "policy.base_delay_ms: expected an integer, got string" },
		{ SET(FMT ",'policy':{'max_delay_ms':3600001}," ONE_ENTRY), "@3600001", "policy.max_delay_ms: 3600001 is outside 0..3600000" },
		{ SET(FMT ",'handling':[{'name':'h','action':'explode'}]," ONE_ENTRY), "@'explode'", "handling[0].action: \"explode\" is not one of" },
		{ SET(FMT ",'handling':[{'name':'h','action':'none'}]," ONE_ENTRY), "@'none'", "handling[0].action: \"none\" is not a handling action" },
		{ SET(FMT ",'handling':[{'name':'h','action':'retry','contact_support':'y'}]," ONE_ENTRY), "@'y'", "handling[0].contact_support: expected true or false, got string" },
		{ SET(FMT ",'policy':{'max_attempts':'3'}," ONE_ENTRY), "@'3'", "policy.max_attempts: expected an integer, got string" },
		{ SET(FMT ",'policy':{'max_attempts':0}," ONE_ENTRY), "@0}", "policy.max_attempts: 0 is outside 1..100" },
		{ SET(FMT ",'policy':{'max_attempts':101}," ONE_ENTRY), "@101", "policy.max_attempts: 101 is outside 1..100" },
		{ SET(FMT ",'policy':{'base_delay_ms':-1}," ONE_ENTRY), "@-1", "policy.base_delay_ms: -1 is outside 0..3600000" },
		{ SET(FMT ",'policy':{'max_delay_ms':true}," ONE_ENTRY), "@true", "policy.max_delay_ms: expected an integer, got boolean" },
	};

	run_type_cases(c, NCASES(c));
}

#define ENTRY_SET(entry) SET(FMT ",'contexts':{'r':{'values':['a','b']}},'handling':[{'name':'h','action':'retry'}],'entries':[" entry "]")

Test(load_types, entry_fields)
{
	static const struct type_case c[] = {
		{ ENTRY_SET("7"), "@7]", "entries[0]: expected an object, got number" },
		{ ENTRY_SET("{'code':1}"), "@1}", "entries[0].code: expected a string, got number" },
		{ ENTRY_SET("{'code':'A','category':false}"), "@false", "entries[0].category: expected a string, got boolean" },
		{ ENTRY_SET("{'code':'A','description':3}"), "@3}", "entries[0].description: expected a string, got number" },
		{ ENTRY_SET("{'code':'A','status':'gone'}"), "@'gone'", "entries[0].status: \"gone\" is not one of \"active\", \"deprecated\", \"retired\"" },
		{ ENTRY_SET("{'code':'A','status':1}"), "@1}", "entries[0].status: expected one of" },
		{ ENTRY_SET("{'code':'A','since':'1'}"), "@'1'}", "entries[0].since: expected an integer, got string" },
		{ ENTRY_SET("{'code':'A','since':0}"), "@0}", "entries[0].since: 0 is outside 1..2147483647" },
		{ ENTRY_SET("{'code':'A','deprecated_since':1.5}"), "@1.5", "entries[0].deprecated_since: expected an integer" },
		{ ENTRY_SET("{'code':'A','replaced_by':5}"), "@5}", "entries[0].replaced_by: expected a string, got number" },
		{ ENTRY_SET("{'code':'A','applies':[]}"), "@[]}", "entries[0].applies: expected an object, got array" },
		{ ENTRY_SET("{'code':'A','applies':{'r':'a'}}"), "@'a'}}", "entries[0].applies.r: expected an array, got string" },
		{ ENTRY_SET("{'code':'A','applies':{'r':[]}}"), "@[]}}", "entries[0].applies.r: empty list" },
		{ ENTRY_SET("{'code':'A','applies':{'r':[1]}}"), "@1]}}", "entries[0].applies.r[0]: expected a string, got number" },
		{ ENTRY_SET("{'code':'A','handling':1}"), "@1}", "entries[0].handling: expected a string, got number" },
		{ ENTRY_SET("{'code':'A','http_status':'500'}"), "@'500'", "entries[0].http_status: expected an integer, got string" },
		{ ENTRY_SET("{'code':'A','http_status':600}"), "@600", "entries[0].http_status: 600 is outside 100..599" },
		{ ENTRY_SET("{'code':'A','not_an_error':1}"), "@1}", "entries[0].not_an_error: expected true or false, got number" },
		{ ENTRY_SET("{'code':'A','code_missing':'no'}"), "@'no'", "entries[0].code_missing: expected true or false, got string" },
		{ ENTRY_SET("{'code':'A','attributes':[]}"), "@[]}", "entries[0].attributes: expected an object, got array" },
		{ ENTRY_SET("{'code':'A','attributes':{'k':1}}"), "@1}}", "entries[0].attributes: attribute values must be strings" },
	};

	run_type_cases(c, NCASES(c));
}

/* ---- unknown, duplicate and missing fields ---------------------------- */

Test(load_fields, unknown_fields_everywhere)
{
	static const struct type_case c[] = {
		{ SET(FMT "," ONE_ENTRY ",'colour':'red'"), "@'colour'", "code set: unknown field \"colour\"" },
		{ SET("'format':{'charset':'A','shape':'plain','x':1}"), "@'x'", "format: unknown field \"x\"" },
		{ SET(FMT ",'contexts':{'r':{'values':['a'],'x':1}}," ONE_ENTRY), "@'x'", "contexts.r: unknown field \"x\"" },
		{ SET(FMT ",'categories':[{'name':'X','x':1}]," ONE_ENTRY), "@'x'", "categories[0]: unknown field \"x\"" },
		{ SET(FMT ",'handling':[{'name':'h','action':'retry','x':1}]," ONE_ENTRY), "@'x'", "handling[0]: unknown field \"x\"" },
		{ SET(FMT ",'policy':{'jitter':1}," ONE_ENTRY), "@'jitter'", "policy: unknown field \"jitter\"" },
		{ SET(FMT ",'entries':[{'code':'A','colour':'red'}]"), "@'colour'", "entries[0]: unknown field \"colour\"" },
	};

	run_type_cases(c, NCASES(c));
}

Test(load_fields, duplicate_keys_point_at_the_second)
{
	static const struct type_case c[] = {
		{ "{'name':'m',\n 'name':'n'}", "2:2", "code set: duplicate field \"name\"" },
		{ SET("'format':{'charset':'A','charset':'B','shape':'plain'}"), "@'charset':'B'", "format: duplicate field \"charset\"" },
		{ SET(FMT ",'entries':[{'code':'A','code':'B'}]"), "@'code':'B'", "entries[0]: duplicate field \"code\"" },
		{ SET(FMT ",'contexts':{'r':{'values':['a']},'r':{'values':['b']}}," ONE_ENTRY), "@'r':{'values':['b']", "contexts: dimension \"r\" declared twice" },
		{ ENTRY_SET("{'code':'A','applies':{'r':['a'],'r':['b']}}"), "@'r':['b']", "entries[0].applies.r: listed twice" },
		{ ENTRY_SET("{'code':'A','attributes':{'k':'v','k':'w'}}"), "@'k':'w'", "entries[0].attributes: attribute listed twice" },
	};

	run_type_cases(c, NCASES(c));
}

Test(load_fields, missing_required_fields)
{
	static const struct type_case c[] = {
		{ "{'title':'M','version':1}", "1:1", "missing required field \"name\"" },
		{ "{'name':'m','version':1}", "1:1", "missing required field \"title\"" },
		{ "{'name':'m','title':'M'}", "1:1", "missing required field \"version\"" },
		{ "{'name':'m','title':'M','version':1,'entries':[]}", "1:1", "missing required field \"format\"" },
		{ SET(FMT), "1:1", "missing required field \"entries\"" },
		{ SET("'format':{'shape':'plain'}," ONE_ENTRY), "@{'shape'", "format: missing required field \"charset\"" },
		{ SET("'format':{'charset':'A'}," ONE_ENTRY), "@{'charset'", "format: missing required field \"shape\"" },
		{ SET(FMT ",'contexts':{'r':{}}," ONE_ENTRY), "@{}}", "contexts.r: missing required field \"values\"" },
		{ SET(FMT ",'categories':[{'description':'d'}]," ONE_ENTRY), "@{'description'", "categories[0]: missing required field \"name\"" },
		{ SET(FMT ",'handling':[{'action':'retry'}]," ONE_ENTRY), "@{'action'", "handling[0]: missing required field \"name\"" },
		{ SET(FMT ",'handling':[{'name':'h'}]," ONE_ENTRY), "@{'name':'h'}", "handling[0]: missing required field \"action\"" },
	};

	run_type_cases(c, NCASES(c));
}

/* ---- names, charsets, lengths ----------------------------------------- */

Test(load_fields, bad_set_names)
{
	static const char *const bad[] = { "Mini", "-mini", "mi_ni", "mi ni", "", "m\xc3\xa9" };
	char json[256];
	size_t i;

	for (i = 0; i < NCASES(bad); i++) {
		snprintf(json, sizeof(json), "{'name':'%s','title':'M','version':1," FMT "," ONE_ENTRY "}", bad[i]);
		load_fails(json, CB_EPARSE, "1:9", "must be 1-63 characters of a-z, 0-9 and '-'");
	}
}

Test(load_fields, set_name_length_limit)
{
	char name[70], json[256];
	cb_codeset *cs;

	memset(name, 'a', 64);
	name[63] = '\0';	/* 63 characters */
	snprintf(json, sizeof(json), "{'name':'%s','title':'M','version':1," FMT "," ONE_ENTRY "}", name);
	cs = load_ok(json);
	cr_assert_str_eq(cb_codeset_name(cs), name);
	cb_codeset_free(cs);
	name[63] = 'a';
	name[64] = '\0';	/* 64 */
	snprintf(json, sizeof(json), "{'name':'%s','title':'M','version':1," FMT "," ONE_ENTRY "}", name);
	load_fails(json, CB_EPARSE, "1:9", "must be 1-63 characters");
}

Test(load_fields, bad_charsets)
{
	static const struct type_case c[] = {
		{ SET("'format':{'charset':'Z-A','shape':'plain'}," ONE_ENTRY), "@'Z-A'", "format.charset: bad range Z-A" },
		{ SET("'format':{'charset':'A Z','shape':'plain'}," ONE_ENTRY), "@'A Z'", "charset: character at 2 must be printable ASCII" },
		{ SET("'format':{'charset':'A-Z^','shape':'plain'}," ONE_ENTRY), "@'A-Z^'", "charset: character at 4 must be printable ASCII other than" },
		{ SET("'format':{'charset':'A]','shape':'plain'}," ONE_ENTRY), "@'A]'", "charset: character at 2" },
		{ SET("'format':{'charset':'','shape':'plain'}," ONE_ENTRY), "@''", "format.charset: must allow at least one character" },
		{ SET("'format':{'charset':'A-Z','shape':'category.code'}," ONE_ENTRY), "@'A-Z'", "shape category.code needs '.'" },
	};

	run_type_cases(c, NCASES(c));
	load_fails_raw("{\"name\":\"m\",\"title\":\"M\",\"version\":1,\"format\":{\"charset\":\"A\\\\\",\"shape\":\"plain\"},"
	    "\"entries\":[]}", CB_EPARSE, "1:57", "charset: character at 2");
}

Test(load_fields, min_length_greater_than_max_length)
{
	load_fails(SET("'format':{'charset':'A','shape':'plain','min_length':5,'max_length':2}," ONE_ENTRY),
	    CB_EPARSE, "@{'charset'", "format: min_length 5 is greater than max_length 2");
}

Test(load_fields, lengths_apply_to_entries)
{
	load_fails(SET("'format':{'charset':'A-Z','shape':'plain','min_length':2}," ONE_ENTRY),
	    CB_EPARSE, "@'}]", "\"A\" fails the set's format: length 1 is outside 2..256");
}

/* ---- contexts: limits and duplicates ---------------------------------- */

/* A set with @ndims dimensions of @nvalues values each. */
static char *
contexts_set(unsigned ndims, unsigned nvalues, int dup_value)
{
	cb_buf b = CB_BUF_INIT(1 << 20);
	unsigned d, v;

	cb_buf_adds(&b, "{\"name\":\"m\",\"title\":\"M\",\"version\":1,"
	    "\"format\":{\"charset\":\"A-Z\",\"shape\":\"plain\"},\"contexts\":{");
	for (d = 0; d < ndims; d++) {
		cb_buf_printf(&b, "%s\"d%u\":{\"values\":[", d ? "," : "", d);
		for (v = 0; v < nvalues; v++)
			cb_buf_printf(&b, "%s\"v%u\"", v ? "," : "", dup_value && v == nvalues - 1 ? 0 : v);
		cb_buf_adds(&b, "]}");
	}
	cb_buf_adds(&b, "},\"entries\":[{\"code\":\"A\"}]}");
	return done(&b);
}

Test(load_contexts, eight_dimensions_of_64_values_load)
{
	char *s = contexts_set(CB_MAX_DIMS, CB_MAX_DIM_VALUES, 0);
	cb_codeset *cs = load_text(s);

	cr_assert_eq(cb_codeset_dim_count(cs), 8);
	cr_assert_eq(cb_codeset_dim_value_count(cs, 7), 64);
	cr_assert_str_eq(cb_codeset_dim_value(cs, 7, 63), "v63");
	cb_codeset_free(cs);
	cb_free(s);
}

Test(load_contexts, nine_dimensions_are_too_big)
{
	char *s = contexts_set(CB_MAX_DIMS + 1, 1, 0);

	load_fails_raw(s, CB_ETOOBIG, "@{'d0'", "contexts: 9 dimensions, at most 8 allowed");
	cb_free(s);
}

Test(load_contexts, sixty_five_values_are_too_big)
{
	char *s = contexts_set(1, CB_MAX_DIM_VALUES + 1, 0);

	load_fails_raw(s, CB_ETOOBIG, "@['v0'", "contexts.d0.values: 65 values, at most 64 allowed");
	cb_free(s);
}

Test(load_contexts, no_values_is_a_parse_error)
{
	load_fails(SET(FMT ",'contexts':{'r':{'values':[]}}," ONE_ENTRY), CB_EPARSE, "@[]}}",
	    "contexts.r.values: at least one value needed");
}

Test(load_contexts, duplicate_value)
{
	char *s = contexts_set(1, 3, 1);

	load_fails_raw(s, CB_EPARSE, "@'v0']", "contexts.d0.values[2]: \"v0\" is listed twice");
	cb_free(s);
}

Test(load_contexts, bad_dimension_names)
{
	load_fails(SET(FMT ",'contexts':{'':{'values':['a']}}," ONE_ENTRY), CB_EPARSE, "@'':{",
	    "dimension names must be non-empty, without '=' or NUL");
	load_fails(SET(FMT ",'contexts':{'a=b':{'values':['a']}}," ONE_ENTRY), CB_EPARSE, "@'a=b'",
	    "without '='");
	load_fails(SET(FMT ",'contexts':{'a\\u0000':{'values':['a']}}," ONE_ENTRY), CB_EPARSE, "@'a\\u0000'",
	    "NUL");
}

/* ---- semantic errors in strict mode ----------------------------------- */

#define CAT_SET(entries) SET("'format':{'charset':'A-Z0-9_.','shape':'category.code'}," \
	"'categories':[{'name':'FRAUD'},{'name':'OPS'}],'entries':[" entries "]")

Test(load_semantic, undeclared_category_in_code_prefix)
{
	load_fails(CAT_SET("{'code':'PAY.X'}"), CB_EPARSE, "1:165",
	    "entries[0].code: \"PAY.X\" is in category \"PAY\", which the set does not declare");
}

Test(load_semantic, undeclared_category_field)
{
	load_fails(SET(FMT ",'categories':[{'name':'X'}],'entries':[{'code':'A','category':'Y'}]"),
	    CB_EPARSE, "@'Y'", "entries[0].category: \"Y\" is not a declared category");
}

Test(load_semantic, category_field_differs_from_code_prefix)
{
	load_fails(CAT_SET("{'code':'FRAUD.X','category':'OPS'}"), CB_EPARSE, "1:186",
	    "entries[0].category: \"OPS\" differs from the code's prefix in \"FRAUD.X\"");
}

Test(load_semantic, category_declared_twice)
{
	load_fails(SET(FMT ",'categories':[{'name':'X'},{'name':'X'}]," ONE_ENTRY), CB_EPARSE, "1:126",
	    "categories[1]: category \"X\" is declared twice");
}

Test(load_semantic, code_failing_format_points_into_the_code)
{
	/* the column is that of the offending character */
	load_fails(SET(FMT ",'entries':[{'code':'AB-C'}]"), CB_EPARSE, "@-C",
	    "entries[0].code: \"AB-C\" fails the set's format: character '-' at position 3 is not allowed");
}

Test(load_semantic, code_without_dot_in_category_code_set)
{
	load_fails(CAT_SET("{'code':'FRAUDX'}"), CB_EPARSE, "1:172", "expected CATEGORY.CODE: there is no '.'");
}

Test(load_semantic, empty_code)
{
	load_fails(SET(FMT ",'entries':[{'code':''}]"), CB_EPARSE, "@'}]", "the code is empty");
}

Test(load_semantic, duplicate_code_names_both_entries)
{
	load_fails(SET(FMT ",'entries':[{'code':'A'},\n{'code':'A'}]"), CB_EPARSE, "2:1",
	    "entries[1]: \"A\" repeats entries[0] (line 1)");
}

Test(load_semantic, repeated_codes_allow_differing_entries_only)
{
	cb_codeset *cs = load_ok(SET("'repeated_codes':true," FMT ",'entries':[{'code':'A','description':'x'},"
	    "{'code':'A','description':'y'}]"));

	cr_assert_eq(cb_codeset_entry_count(cs), 2);
	cr_assert_not_null(cb_entry_next_same(cb_codeset_find(cs, "A", 1)));
	cb_codeset_free(cs);
	load_fails(SET("'repeated_codes':true," FMT ",'entries':[{'code':'A','description':'x'},"
	    "{'code':'A','description':'x'}]"), CB_EPARSE, NULL, "entries[1]: \"A\" repeats entries[0]");
}

Test(load_semantic, undeclared_context_value)
{
	load_fails(ENTRY_SET("{'code':'A','applies':{'r':['a','z']}}"), CB_EPARSE, "1:215",
	    "entries[0].applies.r[1]: \"z\" is not a declared value of r");
}

Test(load_semantic, undeclared_context_dimension)
{
	load_fails(ENTRY_SET("{'code':'A','applies':{'q':['a']}}"), CB_EPARSE, "1:206",
	    "entries[0].applies.q: the set declares no context dimension \"q\"");
}

Test(load_semantic, context_value_listed_twice)
{
	load_fails(ENTRY_SET("{'code':'A','applies':{'r':['a','a']}}"), CB_EPARSE, "1:215",
	    "entries[0].applies.r[1]: \"a\" is listed twice");
}

Test(load_semantic, undeclared_handling)
{
	load_fails(ENTRY_SET("{'code':'A','handling':'zz'}"), CB_EPARSE, "1:206",
	    "entries[0].handling: \"zz\" is not a declared handling class");
}

Test(load_semantic, handling_declared_twice)
{
	load_fails(SET(FMT ",'handling':[{'name':'h','action':'retry'},{'name':'h','action':'fail'}]," ONE_ENTRY),
	    CB_EPARSE, "@'h','action':'fail'", "handling[1]: handling class \"h\" is declared twice");
}

Test(load_semantic, replaced_by_unknown)
{
	load_fails(SET(FMT ",'entries':[{'code':'A'},{'code':'B','status':'deprecated','replaced_by':'C'}]"),
	    CB_EPARSE, "1:115", "entries[1].replaced_by: \"C\" is not a code of this set");
}

Test(load_semantic, since_after_version)
{
	load_fails(SET(FMT ",'entries':[{'code':'A','since':3}]"), CB_EPARSE, "@{'code'",
	    "entries[0]: since/deprecated_since 3 is later than the set's version 2");
}

Test(load_semantic, deprecated_since_after_version)
{
	load_fails(SET(FMT ",'entries':[{'code':'A','status':'deprecated','deprecated_since':5}]"),
	    CB_EPARSE, "@{'code'", "since/deprecated_since 5 is later than the set's version 2");
}

Test(load_semantic, warnings_do_not_stop_a_strict_load)
{
	/* DEPRECATED_NO_SINCE and CODE_CASE are lint warnings only */
	cb_codeset *cs = load_ok(SET("'format':{'charset':'A-Za-z','shape':'plain','case':'upper'},"
	    "'entries':[{'code':'Ab'},{'code':'C','status':'deprecated'}]"));

	cr_assert_eq(cb_codeset_entry_count(cs), 2);
	cr_assert_eq(cb_entry_status(cb_codeset_entry(cs, 1)), CB_STATUS_DEPRECATED);
	cb_codeset_free(cs);
}

/* ---- code_missing ------------------------------------------------------ */

Test(load_code_missing, entry_without_code_needs_the_flag)
{
	load_fails(SET(FMT ",'entries':[{'description':'d'}]"), CB_EPARSE, "@{'description'",
	    "entries[0]: missing required field \"code\" (a row whose source gives no code needs \"code_missing\": true)");
	load_fails(SET(FMT ",'entries':[{'code_missing':false}]"), CB_EPARSE, "@{'code_missing'",
	    "missing required field \"code\"");
}

Test(load_code_missing, flag_keeps_the_row_without_a_code)
{
	cb_codeset *cs = load_ok(SET(FMT ",'entries':[{'code':'A'},{'code_missing':true,'description':'blank'}]"));
	const cb_entry *e = cb_codeset_entry(cs, 1);

	cr_assert_eq(cb_codeset_entry_count(cs), 2);
	cr_assert_null(cb_entry_code(e));
	cr_assert_eq(cb_entry_code_len(e), 0);
	cr_assert_str_eq(cb_entry_description(e), "blank");
	cr_assert_null(cb_codeset_find(cs, "", 0));
	cb_codeset_free(cs);
}

Test(load_code_missing, flag_with_a_code_is_refused)
{
	load_fails(SET(FMT ",'entries':[{'code':'A','code_missing':true}]"), CB_EPARSE, "@'A','code_missing'",
	    "entries[0]: \"code_missing\": true, but a code is given");
}

/* ---- NUL bytes, sizes --------------------------------------------------- */

Test(load_nul, embedded_nul_is_refused_in_every_string)
{
	static const struct type_case c[] = {
		{ "{'name':'mi\\u0000ni','title':'M','version':1}", "@'mi", "name: the string contains a NUL character" },
		{ SET(FMT ",'entries':[{'code':'A\\u0000B'}]"), "@'A\\u0000B'", "entries[0].code: the string contains a NUL character" },
		{ SET(FMT ",'entries':[{'code':'A','description':'x\\u0000'}]"), "@'x\\u0000'", "entries[0].description: the string contains a NUL" },
		{ SET(FMT ",'categories':[{'name':'X\\u0000'}]," ONE_ENTRY), "@'X\\u0000'", "categories[0].name: the string contains a NUL" },
		{ SET(FMT ",'contexts':{'r':{'values':['a\\u0000']}}," ONE_ENTRY), "@'a\\u0000'", "contexts.r.values[0]: expected a non-empty string" },
		{ SET(FMT ",'entries':[{'code':'A','attributes':{'k':'v\\u0000'}}]"), "@'v\\u0000'", "attribute values must be strings without NUL" },
		{ SET(FMT ",'entries':[{'code':'A','attributes':{'k\\u0000':'v'}}]"), "@'v'}", "attribute values must be strings without NUL" },
	};

	run_type_cases(c, NCASES(c));
}

Test(load_nul, raw_nul_byte_in_the_text)
{
	static const char text[] = "{\"name\":\"m\0\"}";

	load_fails_n(text, sizeof(text) - 1, CB_EPARSE, "1:11", "control character");
}

Test(load_size, buffer_past_the_limit_is_too_big)
{
	size_t len = (size_t)CB_MAX_CODESET_BYTES + 1;
	char *big = malloc(len);
	cb_codeset *cs = NULL;

	cr_assert_not_null(big);
	memset(big, ' ', len);
	cr_assert_eq(cb_codeset_load_buffer(&cs, big, len, "big.json"), CB_ETOOBIG);
	cr_assert_null(cs);
	cr_assert(strstr(cb_errmsg(), "big.json") != NULL, "%s", cb_errmsg());
	cr_assert(strstr(cb_errmsg(), "at most 67108864") != NULL, "%s", cb_errmsg());
	free(big);
}

Test(load_size, file_past_the_limit_is_too_big)
{
	char path[] = "/tmp/cb_test_bigXXXXXX";
	int fd = mkstemp(path);
	cb_codeset *cs = NULL;

	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, (off_t)CB_MAX_CODESET_BYTES + 1), 0);
	close(fd);
	cr_assert_eq(cb_codeset_load_file(&cs, path), CB_ETOOBIG);
	cr_assert(strstr(cb_errmsg(), path) != NULL, "%s", cb_errmsg());
	cr_assert(strstr(cb_errmsg(), "larger than") != NULL, "%s", cb_errmsg());
	unlink(path);
}

Test(load_size, code_past_the_length_limit_is_too_big)
{
	char code[CB_MAX_CODE_LEN + 2], json[1024];

	memset(code, 'A', sizeof(code) - 1);
	code[sizeof(code) - 1] = '\0';
	snprintf(json, sizeof(json), SET(FMT ",'entries':[{'code':'%s'}]"), code);
	load_fails(json, CB_ETOOBIG, "@'AAAA", "entries[0].code: longer than 256 bytes");
}

Test(load_size, string_past_the_limit_is_too_big)
{
	cb_buf b = CB_BUF_INIT(1 << 20);
	size_t i;
	char *s;

	cb_buf_adds(&b, "{\"name\":\"m\",\"title\":\"M\",\"version\":1,\"description\":\"");
	for (i = 0; i <= CB_MAX_STRING; i++)
		cb_buf_addc(&b, 'x');
	cb_buf_adds(&b, "\"}");
	s = done(&b);
	load_fails_raw(s, CB_ETOOBIG, "1:51", "description: longer than 65536 bytes");
	cb_free(s);
}

Test(load_size, too_many_attributes_are_too_big)
{
	cb_buf b = CB_BUF_INIT(1 << 20);
	char *s;
	int i;

	cb_buf_adds(&b, "{'name':'mini','title':'Mini','version':2," FMT ",'entries':[{'code':'A','attributes':{");
	for (i = 0; i <= CB_MAX_ATTRS; i++)
		cb_buf_printf(&b, "%s'k%d':'v'", i ? "," : "", i);
	cb_buf_adds(&b, "}}]}");
	s = done(&b);
	load_fails(s, CB_ETOOBIG, "@{'k0'", "entries[0].attributes: 33 attributes, at most 32 allowed");
	cb_free(s);
}

/* @n entries of one repeated code, one per line, distinct descriptions. */
static char *
repeated_set(size_t n)
{
	cb_buf b = CB_BUF_INIT(64u << 20);
	size_t i;

	cb_buf_adds(&b, "{\"name\":\"big\",\"title\":\"B\",\"version\":1,\"repeated_codes\":true,"
	    "\"format\":{\"charset\":\"0-9-\",\"shape\":\"integer\"},\"entries\":[\n");
	for (i = 0; i < n; i++)
		cb_buf_printf(&b, "%s{\"code\":\"-1\",\"description\":\"row %zu\"}\n", i ? "," : "", i);
	cb_buf_adds(&b, "]}");
	return done(&b);
}

/* Before: positions were counted from the start of the file for each
 * entry, and the entries of one code chained and compared pairwise, so a
 * set at the limit took minutes. */
Test(load_size, entries_at_the_limit_load_in_linear_time, .timeout = 30)
{
	char *s = repeated_set(CB_MAX_ENTRIES);
	cb_codeset *cs = load_text(s);
	const cb_entry *e = cb_codeset_find(cs, "-1", 2);
	size_t n = 0;

	cr_assert_eq(cb_codeset_entry_count(cs), CB_MAX_ENTRIES);
	for (; e != NULL; e = cb_entry_next_same(e), n++)
		cr_assert_eq(cb_entry_index(e), n, "chain in file order");
	cr_assert_eq(n, CB_MAX_ENTRIES);
	e = cb_codeset_entry(cs, CB_MAX_ENTRIES - 1);
	cr_assert_eq(cb_entry_line(e), CB_MAX_ENTRIES + 1);
	cr_assert_eq(cb_entry_column(e), 2);
	cb_codeset_free(cs);
	cb_free(s);
}

Test(load_size, too_many_entries_are_too_big)
{
	char *s = repeated_set(CB_MAX_ENTRIES + 1);

	load_fails_raw(s, CB_ETOOBIG, "@[\n", "entries: 100001, at most 100000 allowed");
	cb_free(s);
}

Test(load_size, duplicate_rows_of_a_repeated_code_are_found_among_many)
{
	cb_buf b = CB_BUF_INIT(1 << 20);
	char *s;
	int i;

	cb_buf_adds(&b, "{\"name\":\"big\",\"title\":\"B\",\"version\":1,\"repeated_codes\":true,"
	    "\"format\":{\"charset\":\"0-9-\",\"shape\":\"integer\"},\"entries\":[\n");
	for (i = 0; i < 1000; i++)
		cb_buf_printf(&b, "{\"code\":\"-%d\",\"description\":\"row %d\"},\n", i % 7, i);
	cb_buf_adds(&b, "{\"code\":\"-3\",\"description\":\"row 500\"}]}");
	s = done(&b);
	/* -3 "row 500" is entries[500] (500 % 7 == 3) and comes back as the last */
	load_fails_raw(s, CB_EPARSE, "1002:1", "entries[1000]: \"-3\" repeats entries[500] (line 502)");
	cb_free(s);
}

/* ---- files and arguments ----------------------------------------------- */

Test(load_file, missing_file_is_not_found)
{
	cb_codeset *cs = NULL;

	cr_assert_eq(cb_codeset_load_file(&cs, "/nonexistent/x.json"), CB_ENOTFOUND);
	cr_assert_null(cs);
	cr_assert(strstr(cb_errmsg(), "/nonexistent/x.json") != NULL, "%s", cb_errmsg());
}

Test(load_file, directory_is_an_io_error)
{
	cb_codeset *cs = NULL;

	cr_assert_eq(cb_codeset_load_file(&cs, "/tmp"), CB_EIO);
	cr_assert(strstr(cb_errmsg(), "is a directory") != NULL, "%s", cb_errmsg());
}

Test(load_file, errors_name_the_file_path)
{
	char path[] = "/tmp/cb_test_badXXXXXX";
	int fd = mkstemp(path);
	cb_codeset *cs = NULL;
	char want[128];

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "{\n  \"name\": 5\n}", 15), 15);
	close(fd);
	cr_assert_eq(cb_codeset_load_file(&cs, path), CB_EPARSE);
	snprintf(want, sizeof(want), "%s:2:11: code set.name: expected a string", path);
	cr_assert(strncmp(cb_errmsg(), want, strlen(want)) == 0, "%s", cb_errmsg());
	unlink(path);
}

Test(load_file, null_arguments_are_einval)
{
	cb_codeset *cs = NULL;

	cr_assert_eq(cb_codeset_load_file(NULL, "x"), CB_EINVAL);
	cr_assert_eq(cb_codeset_load_file(&cs, NULL), CB_EINVAL);
	cr_assert_eq(cb_codeset_load_buffer(NULL, "{}", 2, NULL), CB_EINVAL);
	cr_assert_eq(cb_codeset_load_buffer(&cs, NULL, 2, NULL), CB_EINVAL);
}

Test(load_file, buffer_without_origin_is_named)
{
	cb_codeset *cs = NULL;

	cr_assert_eq(cb_codeset_load_buffer(&cs, "{", 1, NULL), CB_EPARSE);
	cr_assert(strncmp(cb_errmsg(), "<buffer>:1:1: ", 14) == 0, "%s", cb_errmsg());
}

/* ---- the bundled catalogs ------------------------------------------------ */

Test(load_bundled, outbound_has_43_entries_in_14_categories)
{
	cb_codeset *cs = load_bundled("outbound");

	cr_assert_eq(cb_codeset_entry_count(cs), 43);
	cr_assert_eq(cb_codeset_category_count(cs), 14);
	cr_assert_eq(cb_codeset_version(cs), 1);
	cb_codeset_free(cs);
}

Test(load_bundled, qe_reason_has_24_entries)
{
	cb_codeset *cs = load_bundled("qe-reason");

	cr_assert_eq(cb_codeset_entry_count(cs), 24);
	cr_assert_eq(cb_codeset_dim_count(cs), 1);
	cr_assert_str_eq(cb_codeset_dim_name(cs, 0), "rule");
	cr_assert_eq(cb_codeset_dim_value_count(cs, 0), 6);
	cb_codeset_free(cs);
}

Test(load_bundled, tiktok_reverse_reason_has_21_entries)
{
	cb_codeset *cs = load_bundled("tiktok-reverse-reason@GB");

	cr_assert_eq(cb_codeset_entry_count(cs), 21);
	cr_assert(cb_codeset_is_mirror(cs));
	cb_codeset_free(cs);
}

Test(load_bundled, ttls_error_has_56_entries_one_without_code)
{
	cb_codeset *cs = load_bundled("ttls-error");
	size_t i, nocode = 0;

	cr_assert_eq(cb_codeset_entry_count(cs), 56);
	for (i = 0; i < cb_codeset_entry_count(cs); i++)
		nocode += cb_entry_code(cb_codeset_entry(cs, i)) == NULL;
	cr_assert_eq(nocode, 1);
	cr_assert(cb_codeset_repeated_codes(cs));
	cb_codeset_free(cs);
}

Test(load_bundled, to_json_reloads_to_identical_bytes)
{
	size_t i;

	for (i = 0; i < 4; i++) {
		cb_codeset *a = load_bundled(bundled_names[i]), *b = NULL;
		char *ja = NULL, *jb = NULL;
		size_t la = 0, lb = 0;

		cr_assert_eq(cb_codeset_to_json(&ja, &la, a), CB_OK);
		cr_assert_eq(strlen(ja), la);
		cr_assert_eq(cb_codeset_load_buffer(&b, ja, la, "roundtrip"), CB_OK, "%s: %s",
		    bundled_names[i], cb_errmsg());
		cr_assert_eq(cb_codeset_entry_count(b), cb_codeset_entry_count(a));
		cr_assert_eq(cb_codeset_to_json(&jb, &lb, b), CB_OK);
		cr_assert_eq(la, lb, "%s: %zu vs %zu bytes", bundled_names[i], la, lb);
		cr_assert(memcmp(ja, jb, la) == 0, "%s: serialisations differ", bundled_names[i]);
		cb_free(ja);
		cb_free(jb);
		cb_codeset_free(a);
		cb_codeset_free(b);
	}
}

Test(load_bundled, to_json_keeps_attributes_and_missing_codes)
{
	cb_codeset *a = load_bundled("ttls-error"), *b = NULL;
	char *j = NULL;
	size_t len, i;

	cr_assert_eq(cb_codeset_to_json(&j, &len, a), CB_OK);
	cr_assert_eq(cb_codeset_load_buffer(&b, j, len, "roundtrip"), CB_OK);
	for (i = 0; i < cb_codeset_entry_count(a); i++) {
		const cb_entry *x = cb_codeset_entry(a, i), *y = cb_codeset_entry(b, i);
		cr_assert_eq(cb_entry_code(x) == NULL, cb_entry_code(y) == NULL);
		cr_assert_eq(cb_entry_action(x), cb_entry_action(y));
		cr_assert_eq(cb_entry_http_status(x), cb_entry_http_status(y));
		cr_assert_eq(cb_entry_attribute_count(x), cb_entry_attribute_count(y));
	}
	cb_free(j);
	cb_codeset_free(a);
	cb_codeset_free(b);
}
