/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_lint.c - cb_lint_buffer() and cb_lint_file(): every lint rule with
 * its line and column, many problems of one file in one report, and the
 * bundled catalogs (clean, but for the two warnings ttls-error must carry).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "util/cb_limits.h"


/* The finding of @rule about @subject: severity, line and column. */
static const cb_finding *
expect_at(const cb_report *r, const char *rule, cb_severity sev, const char *subject,
    unsigned line, unsigned col)
{
	size_t i;

	for (i = 0; i < cb_report_count(r); i++) {
		const cb_finding *f = cb_report_get(r, i);
		if (strcmp(f->rule, rule) != 0 || (subject && strcmp(f->subject, subject) != 0))
			continue;
		cr_assert_eq(f->severity, sev, "%s: severity %s", rule, cb_severity_name(f->severity));
		cr_assert_eq(f->line, line, "%s: line %u, want %u (%s)", rule, f->line, line, f->message);
		cr_assert_eq(f->column, col, "%s: column %u, want %u (%s)", rule, f->column, col, f->message);
		cr_assert_str_eq(f->file, "t.json");
		return f;
	}
	cr_assert_fail("no %s finding about \"%s\"", rule, subject ? subject : "");
	return NULL;
}

/* The lint of a set with one problem: exactly one finding, of @rule. */
static cb_report *
lint_one(const char *json, const char *rule)
{
	cb_report *r = lint_text(json);

	cr_assert_eq(cb_report_count(r), 1, "%zu findings, first %s: %s", cb_report_count(r),
	    cb_report_count(r) ? cb_report_get(r, 0)->rule : "-",
	    cb_report_count(r) ? cb_report_get(r, 0)->message : "-");
	cr_assert_str_eq(cb_report_get(r, 0)->rule, rule);
	no_leaks();	/* the set lint built and dropped is freed */
	return r;
}

#define HEAD \
	"{\n" \
	"  'name': 'l', 'title': 'L', 'version': 2,\n" \
	"  'format': {'charset': 'A-Za-z_.', 'shape': 'category.code', 'case': 'upper'},\n" \
	"  'contexts': {'rule': {'values': ['R1', 'R2']}},\n" \
	"  'categories': [{'name': 'FRAUD'}, {'name': 'OPS'}],\n" \
	"  'handling': [{'name': 'again', 'action': 'retry'}, {'name': 'stop', 'action': 'fail'}],\n"
/* entries start on line 7 */
#define LINTSET(entries) HEAD "  'entries': [\n" entries "\n  ]\n}\n"

/* ---- each rule --------------------------------------------------------------- */

Test(lint, clean_set_has_no_findings)
{
	cb_report *r = lint_text(LINTSET("    {'code': 'FRAUD.A'}"));

	cr_assert_eq(cb_report_count(r), 0);
	cb_report_free(r);
}

Test(lint, json_syntax)
{
	cb_report *r = lint_one("{\n  'name': 'l',\n  'title' 'L'\n}", "JSON_SYNTAX");

	expect_at(r, "JSON_SYNTAX", CB_SEV_ERROR, "", 3, 11);
	cr_assert(strstr(cb_report_get(r, 0)->message, "missing separator") != NULL);
	cb_report_free(r);
}

Test(lint, json_syntax_nesting_too_deep)
{
	char json[256];
	int i, n = 0;
	cb_report *r;

	n += snprintf(json + n, sizeof(json) - (size_t)n, "{'name':");
	for (i = 0; i < CB_MAX_JSON_DEPTH; i++)
		json[n++] = '[';
	for (i = 0; i < CB_MAX_JSON_DEPTH; i++)
		json[n++] = ']';
	snprintf(json + n, sizeof(json) - (size_t)n, "}");
	r = lint_one(json, "JSON_SYNTAX");
	cr_assert(strstr(cb_report_get(r, 0)->message, "nesting") != NULL, "%s", cb_report_get(r, 0)->message);
	cr_assert_eq(cb_report_get(r, 0)->line, 1);
	cb_report_free(r);
}

Test(lint, schema)
{
	cb_report *r = lint_one(HEAD "  'entries': [\n    {'code': 'FRAUD.A', 'colour': 'red'}\n  ]\n}", "SCHEMA");

	expect_at(r, "SCHEMA", CB_SEV_ERROR, "", 8, 25);
	cr_assert(strstr(cb_report_get(r, 0)->message, "unknown field \"colour\"") != NULL);
	cb_report_free(r);
}

Test(lint, schema_wrong_type_is_reported_once)
{
	cb_report *r = lint_one(LINTSET("    {'code': 5}"), "SCHEMA");

	expect_at(r, "SCHEMA", CB_SEV_ERROR, "", 8, 14);
	cr_assert(strstr(cb_report_get(r, 0)->message, "entries[0].code: expected a string, got number") != NULL,
	    "%s", cb_report_get(r, 0)->message);
	cb_report_free(r);
}

Test(lint, schema_limit_is_one_finding)
{
	cb_report *r = lint_one("{'name':'l','title':'L','version':1,"
	    "'format':{'charset':'A-Z','shape':'plain'},'contexts':{"
	    "'a':{'values':['x']},'b':{'values':['x']},'c':{'values':['x']},'d':{'values':['x']},"
	    "'e':{'values':['x']},'f':{'values':['x']},'g':{'values':['x']},'h':{'values':['x']},"
	    "'i':{'values':['x']}},'entries':[]}", "SCHEMA");

	cr_assert(strstr(cb_report_get(r, 0)->message, "9 dimensions, at most 8") != NULL);
	cb_report_free(r);
}

Test(lint, duplicate_code)
{
	cb_report *r = lint_one(LINTSET("    {'code': 'FRAUD.A'},\n    {'code': 'FRAUD.A'}"), "DUPLICATE_CODE");

	expect_at(r, "DUPLICATE_CODE", CB_SEV_ERROR, "FRAUD.A", 9, 5);
	cr_assert(strstr(cb_report_get(r, 0)->message, "repeats entries[0] (line 8)") != NULL);
	cb_report_free(r);
}

Test(lint, code_bad_format_points_at_the_character)
{
	cb_report *r = lint_one(LINTSET("    {'code': 'FRAUD.A-B'}"), "CODE_BAD_FORMAT");

	expect_at(r, "CODE_BAD_FORMAT", CB_SEV_ERROR, "FRAUD.A-B", 8, 22);
	cb_report_free(r);
}

Test(lint, code_bad_format_without_dot_is_not_also_an_undeclared_category)
{
	cb_report *r = lint_one(LINTSET("    {'code': 'FRAUDA'}"), "CODE_BAD_FORMAT");

	expect_at(r, "CODE_BAD_FORMAT", CB_SEV_ERROR, "FRAUDA", 8, 21);
	cb_report_free(r);
}

Test(lint, category_undeclared)
{
	cb_report *r = lint_one(LINTSET("    {'code': 'PAY.X'}"), "CATEGORY_UNDECLARED");

	expect_at(r, "CATEGORY_UNDECLARED", CB_SEV_ERROR, "PAY.X", 8, 14);
	cb_report_free(r);
}

Test(lint, category_mismatch)
{
	cb_report *r = lint_one(LINTSET("    {'code': 'OPS.Y', 'category': 'FRAUD'}"), "CATEGORY_MISMATCH");

	expect_at(r, "CATEGORY_MISMATCH", CB_SEV_ERROR, "OPS.Y", 8, 35);
	cb_report_free(r);
}

Test(lint, category_duplicate)
{
	cb_report *r = lint_one("{\n  'name': 'l', 'title': 'L', 'version': 1,\n"
	    "  'format': {'charset': 'A-Z', 'shape': 'plain'},\n"
	    "  'categories': [{'name': 'X'},\n                 {'name': 'X'}],\n"
	    "  'entries': []\n}", "CATEGORY_DUPLICATE");

	expect_at(r, "CATEGORY_DUPLICATE", CB_SEV_ERROR, "X", 5, 27);
	cb_report_free(r);
}

Test(lint, context_undeclared_value_and_dimension)
{
	cb_report *r = lint_text(LINTSET("    {'code': 'OPS.Z', 'applies': {'rule': ['R9'], 'shop': ['s']}}"));

	cr_assert_eq(cb_report_count(r), 2);
	expect_at(r, "CONTEXT_UNDECLARED", CB_SEV_ERROR, "R9", 8, 44);
	expect_at(r, "CONTEXT_UNDECLARED", CB_SEV_ERROR, "shop", 8, 51);
	cb_report_free(r);
}

Test(lint, findings_out_of_key_order_keep_their_positions)
{
	/* handling is checked after code, but comes first in the entry */
	cb_report *r = lint_text(LINTSET("    {'code': 'OPS.A'},\n    {'handling': 'later',\n     'code': 'PAY.X'}"));

	cr_assert_eq(cb_report_count(r), 2);
	expect_at(r, "HANDLING_UNDECLARED", CB_SEV_ERROR, "later", 9, 18);
	expect_at(r, "CATEGORY_UNDECLARED", CB_SEV_ERROR, "PAY.X", 10, 14);
	cb_report_free(r);
}

Test(lint, handling_undeclared)
{
	cb_report *r = lint_one(LINTSET("    {'code': 'OPS.H', 'handling': 'later'}"), "HANDLING_UNDECLARED");

	expect_at(r, "HANDLING_UNDECLARED", CB_SEV_ERROR, "later", 8, 35);
	cb_report_free(r);
}

Test(lint, replaced_by_unknown)
{
	cb_report *r = lint_text(LINTSET("    {'code': 'OPS.A'},\n"
	    "    {'code': 'OPS.OLD', 'status': 'deprecated', 'deprecated_since': 1, 'replaced_by': 'OPS.NEW'}"));

	cr_assert_eq(cb_report_count(r), 1);
	expect_at(r, "REPLACED_BY_UNKNOWN", CB_SEV_ERROR, "OPS.NEW", 9, 5);
	cb_report_free(r);
}

Test(lint, since_after_version)
{
	cb_report *r = lint_one(LINTSET("    {'code': 'OPS.NEXT', 'since': 3}"), "SINCE_AFTER_VERSION");

	expect_at(r, "SINCE_AFTER_VERSION", CB_SEV_ERROR, "OPS.NEXT", 8, 5);
	cb_report_free(r);
}

Test(lint, entry_no_code)
{
	cb_report *r = lint_one(LINTSET("    {'code': 'OPS.A'},\n    {'code_missing': true, 'description': 'blank'}"),
	    "ENTRY_NO_CODE");

	expect_at(r, "ENTRY_NO_CODE", CB_SEV_WARNING, "", 9, 5);
	cr_assert(strstr(cb_report_get(r, 0)->message, "\"blank\"") != NULL);
	cb_report_free(r);
}

Test(lint, handling_ambiguous)
{
	cb_report *r = lint_one("{\n  'name': 'e', 'title': 'E', 'version': 1, 'repeated_codes': true,\n"
	    "  'format': {'charset': '0-9-', 'shape': 'integer'},\n"
	    "  'handling': [{'name': 'again', 'action': 'retry'}, {'name': 'stop', 'action': 'fail'}],\n"
	    "  'entries': [\n"
	    "    {'code': '-1', 'description': 'x', 'handling': 'again'},\n"
	    "    {'code': '-1', 'description': 'y', 'handling': 'stop'}\n"
	    "  ]\n}", "HANDLING_AMBIGUOUS");

	expect_at(r, "HANDLING_AMBIGUOUS", CB_SEV_WARNING, "-1", 7, 5);
	cr_assert(strstr(cb_report_get(r, 0)->message, "retry") != NULL);
	cr_assert(strstr(cb_report_get(r, 0)->message, "fail") != NULL);
	cb_report_free(r);
}

Test(lint, handling_in_separate_contexts_is_not_ambiguous)
{
	cb_report *r = lint_text("{\n  'name': 'e', 'title': 'E', 'version': 1, 'repeated_codes': true,\n"
	    "  'format': {'charset': '0-9-', 'shape': 'integer'},\n"
	    "  'contexts': {'ep': {'values': ['a', 'b']}},\n"
	    "  'handling': [{'name': 'again', 'action': 'retry'}, {'name': 'stop', 'action': 'fail'}],\n"
	    "  'entries': [\n"
	    "    {'code': '-1', 'handling': 'again', 'applies': {'ep': ['a']}},\n"
	    "    {'code': '-1', 'handling': 'stop', 'applies': {'ep': ['b']}},\n"
	    "    {'code': '-2', 'handling': 'again', 'not_an_error': true},\n"
	    "    {'code': '-2', 'handling': 'stop', 'not_an_error': true, 'description': 'z'}\n"
	    "  ]\n}");

	cr_assert_eq(cb_report_count(r), 0, "%s", cb_report_count(r) ? cb_report_get(r, 0)->message : "");
	cb_report_free(r);
}

Test(lint, deprecated_no_since)
{
	cb_report *r = lint_one(LINTSET("    {'code': 'OPS.OLD', 'status': 'deprecated'}"), "DEPRECATED_NO_SINCE");

	expect_at(r, "DEPRECATED_NO_SINCE", CB_SEV_WARNING, "OPS.OLD", 8, 5);
	cb_report_free(r);
}

Test(lint, code_case)
{
	cb_report *r = lint_one(LINTSET("    {'code': 'OPS.lower'}"), "CODE_CASE");

	expect_at(r, "CODE_CASE", CB_SEV_WARNING, "OPS.lower", 8, 5);
	cr_assert(strstr(cb_report_get(r, 0)->message, "upper case") != NULL);
	cb_report_free(r);
}

Test(lint, code_case_enforced_is_a_format_error_instead)
{
	cb_report *r = lint_one("{'name':'l','title':'L','version':1,"
	    "'format':{'charset':'A-Za-z','shape':'plain','case':'lower','case_enforced':true},"
	    "'entries':[{'code':'aB'}]}", "CODE_BAD_FORMAT");

	cr_assert(strstr(cb_report_get(r, 0)->message, "must be lower case") != NULL);
	cb_report_free(r);
}

/* ---- many problems, one report ---------------------------------------------------- */

Test(lint, every_problem_of_a_file_is_reported_in_file_order)
{
	cb_report *r = lint_text("{\n"
	    "  'name': 'multi', 'title': 'Many problems', 'version': 2,\n"
	    "  'format': {'charset': 'A-Za-z_.', 'shape': 'category.code', 'case': 'upper'},\n"
	    "  'contexts': {'rule': {'values': ['R1', 'R2']}},\n"
	    "  'categories': [{'name': 'FRAUD'}, {'name': 'OPS'}, {'name': 'OPS'}],\n"
	    "  'handling': [{'name': 'again', 'action': 'retry'}],\n"
	    "  'entries': [\n"
	    "    {'code': 'FRAUD.A'},\n"
	    "    {'code': 'FRAUD.A'},\n"
	    "    {'code': 'FRAUD.b c'},\n"
	    "    {'code': 'PAY.X'},\n"
	    "    {'code': 'OPS.Y', 'category': 'FRAUD'},\n"
	    "    {'code': 'OPS.Z', 'applies': {'rule': ['R9']}},\n"
	    "    {'code': 'OPS.H', 'handling': 'later'},\n"
	    "    {'code': 'OPS.OLD', 'status': 'deprecated', 'replaced_by': 'OPS.NEW'},\n"
	    "    {'code': 'OPS.NEXT', 'since': 3},\n"
	    "    {'code_missing': true, 'category': 'OPS', 'description': 'blank'}\n"
	    "  ]\n}\n");
	static const char *const rules[] = {
		"CATEGORY_DUPLICATE", "DUPLICATE_CODE", "CODE_CASE", "CODE_BAD_FORMAT",
		"CATEGORY_UNDECLARED", "CATEGORY_MISMATCH", "CONTEXT_UNDECLARED",
		"HANDLING_UNDECLARED", "REPLACED_BY_UNKNOWN", "DEPRECATED_NO_SINCE",
		"SINCE_AFTER_VERSION", "ENTRY_NO_CODE",
	};
	static const unsigned lines[] = { 5, 9, 10, 10, 11, 12, 13, 14, 15, 15, 16, 17 };
	size_t i;

	cr_assert_eq(cb_report_count(r), 12, "%zu findings", cb_report_count(r));
	for (i = 0; i < 12; i++) {
		const cb_finding *f = cb_report_get(r, i);
		cr_assert_str_eq(f->rule, rules[i], "finding %zu", i);
		cr_assert_eq(f->line, lines[i], "finding %zu (%s)", i, f->rule);
	}
	cr_assert_eq(cb_report_count_severity(r, CB_SEV_ERROR), 9);
	cr_assert_eq(cb_report_count_severity(r, CB_SEV_WARNING), 3);
	cb_report_free(r);
}

Test(lint, structural_fault_stops_after_the_semantic_ones_before_it)
{
	cb_report *r = lint_text(LINTSET("    {'code': 'PAY.X'},\n    {'code': 'OPS.A', 'status': 'gone'},\n"
	    "    {'code': 'PAY.Y'}"));

	cr_assert_eq(cb_report_count(r), 2);
	cr_assert_str_eq(cb_report_get(r, 0)->rule, "CATEGORY_UNDECLARED");
	cr_assert_str_eq(cb_report_get(r, 1)->rule, "SCHEMA");
	cr_assert_eq(cb_report_get(r, 1)->line, 9);
	cb_report_free(r);
}

/* ---- the bundled catalogs ------------------------------------------------------ */

Test(lint_bundled, catalogs_have_no_errors)
{
	size_t i;

	for (i = 0; i < 4; i++) {
		cb_report *r = NULL;
		cr_assert_eq(cb_lint_file(&r, bundled_path(bundled_names[i])), CB_OK);
		cr_assert_eq(cb_report_count_severity(r, CB_SEV_ERROR), 0, "%s", bundled_names[i]);
		if (strcmp(bundled_names[i], "ttls-error") != 0)
			cr_assert_eq(cb_report_count(r), 0, "%s: %s", bundled_names[i],
			    cb_report_count(r) ? cb_report_get(r, 0)->message : "");
		cb_report_free(r);
	}
}

Test(lint_bundled, ttls_error_warns_exactly_of_the_blank_code_and_the_ambiguity)
{
	cb_report *r = NULL;
	const cb_finding *f;

	cr_assert_eq(cb_lint_file(&r, bundled_path("ttls-error")), CB_OK);
	cr_assert_eq(cb_report_count(r), 2);
	cr_assert_eq(cb_report_count_severity(r, CB_SEV_WARNING), 2);
	cr_assert_eq(count_rule(r, "ENTRY_NO_CODE"), 1);
	f = find_rule(r, "HANDLING_AMBIGUOUS");
	cr_assert_not_null(f);
	cr_assert_str_eq(f->subject, "-9990001");
	cr_assert_gt(f->line, 0);
	cr_assert_str_eq(f->file, bundled_path("ttls-error"));
	cb_report_free(r);
}

/* ---- files and arguments ---------------------------------------------------------- */

Test(lint_file, missing_file_is_not_found)
{
	cb_report *r = NULL;

	cr_assert_eq(cb_lint_file(&r, "/nonexistent/x.json"), CB_ENOTFOUND);
	cr_assert_null(r);
}

Test(lint_file, findings_name_the_file)
{
	char path[] = "/tmp/cb_test_lintXXXXXX";
	int fd = mkstemp(path);
	const char *text = J("{'name':'l','title':'L','version':1,'format':{'charset':'A-Z','shape':'plain'},"
	    "'entries':[{'code':'A'},\n{'code':'A'}]}");
	cb_report *r = NULL;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	cr_assert_eq(cb_lint_file(&r, path), CB_OK);
	cr_assert_eq(cb_report_count(r), 1);
	cr_assert_str_eq(cb_report_get(r, 0)->file, path);
	cr_assert_eq(cb_report_get(r, 0)->line, 2);
	cb_report_free(r);
	unlink(path);
}

Test(lint_file, empty_buffer_is_a_syntax_finding)
{
	cb_report *r = NULL;

	cr_assert_eq(cb_lint_buffer(&r, NULL, 0, NULL), CB_OK);
	cr_assert_eq(cb_report_count(r), 1);
	cr_assert_str_eq(cb_report_get(r, 0)->rule, "JSON_SYNTAX");
	cr_assert_str_eq(cb_report_get(r, 0)->file, "<buffer>");
	cb_report_free(r);
}

Test(lint_file, null_arguments_are_einval)
{
	cb_report *r = NULL;

	cr_assert_eq(cb_lint_buffer(NULL, "{}", 2, NULL), CB_EINVAL);
	cr_assert_eq(cb_lint_buffer(&r, NULL, 2, NULL), CB_EINVAL);
	cr_assert_eq(cb_lint_file(NULL, "x"), CB_EINVAL);
	cr_assert_eq(cb_lint_file(&r, NULL), CB_EINVAL);
}
