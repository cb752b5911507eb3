/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_govern.c - every governance rule of src/lib/rules.c: a change that
 * triggers it (rule, severity, subject) and a close change that does not.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"


/* A CATEGORY.CODE set with one context dimension; slots for the version,
 * extra top-level fields, the format, the values of "rule", the
 * categories and the entries. */
#define GOVF(version, top, fmt, values, cats, entries) \
	"{'name':'g','title':'G','version':" #version "," top \
	"'format':" fmt "," \
	"'contexts':{'rule':{'values':[" values "]}}," \
	"'categories':[" cats "],'entries':[" entries "]}"
#define FMT   "{'charset':'A-Z_.','shape':'category.code'}"
#define GOV(version, top, values, cats, entries) GOVF(version, top, FMT, values, cats, entries)

#define VALS  "'R1','R2'"
#define CATS  "{'name':'FRAUD','description':'fraud'},{'name':'OPS','description':'ops'}"
#define E_A   "{'code':'FRAUD.A','id':1,'description':'a','applies':{'rule':['R1','R2']}}"
#define E_B   "{'code':'OPS.B','id':2,'description':'b'}"
#define BASE  GOV(1, "", VALS, CATS, E_A "," E_B)

static cb_report *
diff(const char *old_json, const char *new_json)
{
	cb_codeset *o = load_text(J(old_json)), *n = load_text(J(new_json));
	cb_report *r = NULL;

	cr_assert_eq(cb_diff(&r, o, n), CB_OK, "%s", cb_errmsg());
	cr_assert_not_null(r);
	cb_codeset_free(o);
	cb_codeset_free(n);
	return r;
}

/* The finding of @rule about @subject, with severity @sev. */
static void
expect(const cb_report *r, const char *rule, cb_severity sev, const char *subject)
{
	size_t i;

	for (i = 0; i < cb_report_count(r); i++) {
		const cb_finding *f = cb_report_get(r, i);
		if (strcmp(f->rule, rule) != 0 || strcmp(f->subject, subject) != 0)
			continue;
		cr_assert_eq(f->severity, sev, "%s: severity %s", rule, cb_severity_name(f->severity));
		cr_assert_neq(f->message[0], '\0');
		return;
	}
	cr_assert_fail("no %s finding about \"%s\" among %zu", rule, subject, cb_report_count(r));
}

static void
expect_none(const cb_report *r, const char *rule)
{
	const cb_finding *f = find_rule(r, rule);

	cr_assert_null(f, "unexpected %s about \"%s\": %s", rule, f ? f->subject : "", f ? f->message : "");
}

/* ---- the set as a whole ------------------------------------------------ */

Test(govern, identical_content_with_higher_version_has_no_findings)
{
	cb_report *r = diff(BASE, GOV(2, "", VALS, CATS, E_A "," E_B));

	cr_assert_eq(cb_report_count(r), 0, "first: %s", cb_report_count(r) ? cb_report_get(r, 0)->rule : "");
	cr_assert_not(cb_report_is_breaking(r));
	cb_report_free(r);
}

Test(govern, reordered_file_has_no_findings)
{
	/* entries, categories and context values in another order */
	cb_report *r = diff(BASE, GOV(2, "", "'R2','R1'",
	    "{'name':'OPS','description':'ops'},{'name':'FRAUD','description':'fraud'}",
	    E_B ",{'code':'FRAUD.A','id':1,'description':'a','applies':{'rule':['R2','R1']}}"));

	cr_assert_eq(cb_report_count(r), 0, "first: %s", cb_report_count(r) ? cb_report_get(r, 0)->message : "");
	cr_assert_not(cb_report_is_breaking(r));
	cb_report_free(r);
}

Test(govern, reordered_repeated_code_across_categories_has_no_findings)
{
	/* seed 001 lists one code under two endpoints (categories); which
	 * entry comes first is not a change */
	const char *o = "{'name':'e','title':'E','version':1,'repeated_codes':true,"
	    "'format':{'charset':'0-9-','shape':'integer'},'categories':[{'name':'C1'},{'name':'C2'}],"
	    "'entries':[{'code':'-1','category':'C1','description':'x'},"
	    "{'code':'-1','category':'C2','description':'y'}]}";
	const char *n = "{'name':'e','title':'E','version':2,'repeated_codes':true,"
	    "'format':{'charset':'0-9-','shape':'integer'},'categories':[{'name':'C1'},{'name':'C2'}],"
	    "'entries':[{'code':'-1','category':'C2','description':'y'},"
	    "{'code':'-1','category':'C1','description':'x'}]}";
	cb_report *r = diff(o, n);

	cr_assert_eq(cb_report_count(r), 0, "first: %s", cb_report_count(r) ? cb_report_get(r, 0)->message : "");
	cb_report_free(r);
}

Test(govern, code_same_category_breaks_when_a_repeated_code_leaves_a_category)
{
	const char *o = "{'name':'e','title':'E','version':1,'repeated_codes':true,"
	    "'format':{'charset':'0-9-','shape':'integer'},'categories':[{'name':'C1'},{'name':'C2'}],"
	    "'entries':[{'code':'-1','category':'C1','description':'x'},"
	    "{'code':'-1','category':'C2','description':'y'}]}";
	const char *n = "{'name':'e','title':'E','version':2,'repeated_codes':true,"
	    "'format':{'charset':'0-9-','shape':'integer'},'categories':[{'name':'C1'},{'name':'C2'}],"
	    "'entries':[{'code':'-1','category':'C1','description':'x'},"
	    "{'code':'-1','category':'C1','description':'y'}]}";
	cb_report *r = diff(o, n);

	expect(r, "CODE_SAME_CATEGORY", CB_SEV_BREAKING, "-1");
	cr_assert(strstr(find_rule(r, "CODE_SAME_CATEGORY")->message, "from category C2") != NULL);
	cb_report_free(r);
}

Test(govern, set_name_same_breaks_on_rename)
{
	const char *renamed = "{'name':'h','title':'G','version':2,'format':" FMT ","
	    "'contexts':{'rule':{'values':[" VALS "]}},'categories':[" CATS "],'entries':[" E_A "," E_B "]}";
	cb_report *r = diff(BASE, renamed);

	expect(r, "SET_NAME_SAME", CB_SEV_BREAKING, "h");
	cr_assert(cb_report_is_breaking(r));
	cb_report_free(r);
}

Test(govern, set_name_same_allows_a_new_title)
{
	const char *retitled = "{'name':'g','title':'Other','version':2,'format':" FMT ","
	    "'contexts':{'rule':{'values':[" VALS "]}},'categories':[" CATS "],'entries':[" E_A "," E_B "]}";
	cb_report *r = diff(BASE, retitled);

	expect_none(r, "SET_NAME_SAME");
	cr_assert_not(cb_report_is_breaking(r));
	cb_report_free(r);
}

Test(govern, version_increases_breaks_on_same_or_lower)
{
	cb_report *r = diff(GOV(3, "", VALS, CATS, E_A "," E_B), GOV(3, "", VALS, CATS, E_A "," E_B));

	expect(r, "VERSION_INCREASES", CB_SEV_BREAKING, "version");
	cr_assert(strstr(find_rule(r, "VERSION_INCREASES")->message, "use 4 or higher") != NULL);
	cb_report_free(r);
	r = diff(GOV(3, "", VALS, CATS, E_A "," E_B), GOV(2, "", VALS, CATS, E_A "," E_B));
	expect(r, "VERSION_INCREASES", CB_SEV_BREAKING, "version");
	cb_report_free(r);
}

Test(govern, version_increases_allows_any_higher_number)
{
	cb_report *r = diff(BASE, GOV(7, "", VALS, CATS, E_A "," E_B));

	expect_none(r, "VERSION_INCREASES");
	cb_report_free(r);
}

/* ---- codes ------------------------------------------------------------ */

Test(govern, code_no_delete_breaks_on_removal)
{
	cb_report *r = diff(BASE, GOV(2, "", VALS, CATS, E_A));

	expect(r, "CODE_NO_DELETE", CB_SEV_BREAKING, "OPS.B");
	cr_assert(strstr(find_rule(r, "CODE_NO_DELETE")->message, "deprecated") != NULL);
	cr_assert(cb_report_is_breaking(r));
	cb_report_free(r);
}

Test(govern, deprecating_instead_of_deleting_is_info)
{
	cb_report *r = diff(BASE, GOV(2, "", VALS, CATS, E_A ",{'code':'OPS.B','id':2,'description':'b',"
	    "'status':'deprecated','deprecated_since':2,'replaced_by':'FRAUD.A'}"));

	expect_none(r, "CODE_NO_DELETE");
	expect(r, "CODE_DEPRECATED", CB_SEV_INFO, "OPS.B");
	cr_assert(strstr(find_rule(r, "CODE_DEPRECATED")->message, "replaced by FRAUD.A") != NULL,
	    "%s", find_rule(r, "CODE_DEPRECATED")->message);
	cr_assert_not(cb_report_is_breaking(r));
	cb_report_free(r);
}

/* A plain set whose code X sits in category @cat. */
#define PLAIN(version, cat, desc) \
	"{'name':'p','title':'P','version':" #version ",'format':{'charset':'A-Z','shape':'plain'}," \
	"'categories':[{'name':'C1'},{'name':'C2'}],'entries':[{'code':'X','category':'" cat "'," \
	"'description':'" desc "'}]}"

Test(govern, code_same_category_breaks_on_move)
{
	cb_report *r = diff(PLAIN(1, "C1", "x"), PLAIN(2, "C2", "x"));

	expect(r, "CODE_SAME_CATEGORY", CB_SEV_BREAKING, "X");
	cr_assert(strstr(find_rule(r, "CODE_SAME_CATEGORY")->message, "from category C1 to C2") != NULL);
	cb_report_free(r);
}

Test(govern, code_same_category_allows_editing_in_place)
{
	cb_report *r = diff(PLAIN(1, "C1", "x"), PLAIN(2, "C1", "better x"));

	expect_none(r, "CODE_SAME_CATEGORY");
	expect(r, "DESCRIPTION_CHANGED", CB_SEV_WARNING, "X");
	cr_assert_not(cb_report_is_breaking(r));
	cb_report_free(r);
}

Test(govern, code_added_is_info)
{
	cb_report *r = diff(BASE, GOV(2, "", VALS, CATS, E_A "," E_B ",{'code':'OPS.C'}"));

	expect(r, "CODE_ADDED", CB_SEV_INFO, "OPS.C");
	cr_assert(strstr(find_rule(r, "CODE_ADDED")->message, "category OPS") != NULL);
	cr_assert_eq(cb_report_count(r), 1);
	cr_assert_not(cb_report_is_breaking(r));
	cb_report_free(r);
}

Test(govern, code_added_not_reported_for_existing_codes)
{
	cb_report *r = diff(BASE, GOV(2, "", VALS, CATS, E_A "," E_B));

	expect_none(r, "CODE_ADDED");
	cb_report_free(r);
}

Test(govern, description_changed_warns_for_code_and_category)
{
	cb_report *r = diff(BASE, GOV(2, "", VALS,
	    "{'name':'FRAUD','description':'fraud and abuse'},{'name':'OPS','description':'ops'}",
	    "{'code':'FRAUD.A','id':1,'description':'a, now b','applies':{'rule':['R1','R2']}}," E_B));

	expect(r, "DESCRIPTION_CHANGED", CB_SEV_WARNING, "FRAUD.A");
	expect(r, "DESCRIPTION_CHANGED", CB_SEV_WARNING, "FRAUD");
	cr_assert_eq(count_rule(r, "DESCRIPTION_CHANGED"), 2);
	cr_assert_not(cb_report_is_breaking(r));
	cb_report_free(r);
}

Test(govern, description_unchanged_in_repeated_codes_in_other_order)
{
	const char *o = "{'name':'e','title':'E','version':1,'repeated_codes':true,"
	    "'format':{'charset':'0-9-','shape':'integer'},'entries':[{'code':'-1','description':'x'},"
	    "{'code':'-1','description':'y'}]}";
	const char *n = "{'name':'e','title':'E','version':2,'repeated_codes':true,"
	    "'format':{'charset':'0-9-','shape':'integer'},'entries':[{'code':'-1','description':'y'},"
	    "{'code':'-1','description':'x'}]}";
	cb_report *r = diff(o, n);

	cr_assert_eq(cb_report_count(r), 0);
	cb_report_free(r);
}

/* ---- categories ----------------------------------------------------------- */

Test(govern, category_no_delete_breaks_on_removal)
{
	cb_report *r = diff(GOV(1, "", VALS, CATS ",{'name':'SPARE'}", E_A "," E_B),
	    GOV(2, "", VALS, CATS, E_A "," E_B));

	expect(r, "CATEGORY_NO_DELETE", CB_SEV_BREAKING, "SPARE");
	expect_none(r, "CODE_NO_DELETE");
	cb_report_free(r);
}

Test(govern, category_kept_without_codes_is_fine)
{
	cb_report *r = diff(GOV(1, "", VALS, CATS ",{'name':'SPARE'}", E_A "," E_B),
	    GOV(2, "", VALS, "{'name':'SPARE'}," CATS, E_A "," E_B));

	expect_none(r, "CATEGORY_NO_DELETE");
	cr_assert_eq(cb_report_count(r), 0);
	cb_report_free(r);
}

Test(govern, category_added_warns)
{
	cb_report *r = diff(BASE, GOV(2, "", VALS, CATS ",{'name':'NEW'}", E_A "," E_B));

	expect(r, "CATEGORY_ADDED", CB_SEV_WARNING, "NEW");
	cr_assert_not(cb_report_is_breaking(r));
	cb_report_free(r);
}

Test(govern, category_added_not_reported_for_existing)
{
	cb_report *r = diff(BASE, GOV(2, "", VALS, CATS, E_A "," E_B ",{'code':'OPS.C'}"));

	expect_none(r, "CATEGORY_ADDED");
	cb_report_free(r);
}

/* ---- contexts and applicability ----------------------------------------------- */

Test(govern, context_no_delete_breaks_on_removed_value)
{
	cb_report *r = diff(GOV(1, "", "'R1','R2','R3'", CATS, E_A "," E_B), GOV(2, "", VALS, CATS, E_A "," E_B));

	expect(r, "CONTEXT_NO_DELETE", CB_SEV_BREAKING, "R3");
	cb_report_free(r);
}

Test(govern, context_no_delete_breaks_on_removed_dimension)
{
	const char *n = "{'name':'g','title':'G','version':2,'format':" FMT ","
	    "'categories':[" CATS "],'entries':[{'code':'FRAUD.A','id':1,'description':'a'}," E_B "]}";
	cb_report *r = diff(BASE, n);

	expect(r, "CONTEXT_NO_DELETE", CB_SEV_BREAKING, "rule");
	cb_report_free(r);
}

Test(govern, context_added_is_info_for_value_and_dimension)
{
	const char *n = "{'name':'g','title':'G','version':2,'format':" FMT ","
	    "'contexts':{'rule':{'values':['R1','R2','R3']},'shop':{'values':['s1']}},"
	    "'categories':[" CATS "],'entries':[" E_A "," E_B "]}";
	cb_report *r = diff(BASE, n);

	expect(r, "CONTEXT_ADDED", CB_SEV_INFO, "R3");
	expect(r, "CONTEXT_ADDED", CB_SEV_INFO, "shop");
	expect_none(r, "CONTEXT_NO_DELETE");
	cr_assert_not(cb_report_is_breaking(r));
	cb_report_free(r);
}

Test(govern, applies_no_narrow_breaks_when_a_value_is_dropped)
{
	cb_report *r = diff(BASE, GOV(2, "", VALS, CATS,
	    "{'code':'FRAUD.A','id':1,'description':'a','applies':{'rule':['R1']}}," E_B));

	expect(r, "APPLIES_NO_NARROW", CB_SEV_BREAKING, "FRAUD.A");
	cr_assert(strstr(find_rule(r, "APPLIES_NO_NARROW")->message, "rule R2") != NULL,
	    "%s", find_rule(r, "APPLIES_NO_NARROW")->message);
	expect_none(r, "APPLIES_WIDENED");
	cb_report_free(r);
}

Test(govern, applies_no_narrow_breaks_when_an_open_code_is_restricted)
{
	cb_report *r = diff(BASE, GOV(2, "", VALS, CATS,
	    E_A ",{'code':'OPS.B','id':2,'description':'b','applies':{'rule':['R2']}}"));

	expect(r, "APPLIES_NO_NARROW", CB_SEV_BREAKING, "OPS.B");
	cr_assert(strstr(find_rule(r, "APPLIES_NO_NARROW")->message, "R1") != NULL);
	cb_report_free(r);
}

Test(govern, applies_widened_is_info)
{
	cb_report *r = diff(GOV(1, "", VALS, CATS,
	    "{'code':'FRAUD.A','id':1,'description':'a','applies':{'rule':['R1']}}," E_B),
	    GOV(2, "", VALS, CATS, E_A "," E_B));

	expect(r, "APPLIES_WIDENED", CB_SEV_INFO, "FRAUD.A");
	cr_assert(strstr(find_rule(r, "APPLIES_WIDENED")->message, "R2") != NULL);
	expect_none(r, "APPLIES_NO_NARROW");
	cr_assert_not(cb_report_is_breaking(r));
	cb_report_free(r);
}

Test(govern, lifting_a_restriction_widens)
{
	cb_report *r = diff(BASE, GOV(2, "", VALS, CATS, "{'code':'FRAUD.A','id':1,'description':'a'}," E_B));

	expect_none(r, "APPLIES_NO_NARROW");
	cr_assert_not(cb_report_is_breaking(r));
	cb_report_free(r);
}

Test(govern, applies_union_over_repeated_entries_counts)
{
	/* one entry per value before, one entry for both after: no change */
	const char *o = "{'name':'e','title':'E','version':1,'repeated_codes':true,"
	    "'format':{'charset':'A-Z','shape':'plain'},'contexts':{'ep':{'values':['a','b']}},"
	    "'entries':[{'code':'X','description':'x','applies':{'ep':['a']}},"
	    "{'code':'X','description':'x2','applies':{'ep':['b']}}]}";
	const char *n = "{'name':'e','title':'E','version':2,'repeated_codes':true,"
	    "'format':{'charset':'A-Z','shape':'plain'},'contexts':{'ep':{'values':['a','b']}},"
	    "'entries':[{'code':'X','description':'x','applies':{'ep':['a','b']}},"
	    "{'code':'X','description':'x2','applies':{'ep':['b']}}]}";
	cb_report *r = diff(o, n);

	expect_none(r, "APPLIES_NO_NARROW");
	expect_none(r, "APPLIES_WIDENED");
	cb_report_free(r);
}

/* ---- format ----------------------------------------------------------------- */

Test(govern, format_keeps_codes_breaks_when_a_code_no_longer_passes)
{
	/* the new version drops '_' from the charset, and so must drop OPS.B_C
	 * (a set's own codes must pass its format): both rules fire */
	cb_report *r = diff(GOV(1, "", VALS, CATS, E_A ",{'code':'OPS.B_C'}"),
	    GOVF(2, "", "{'charset':'A-Z.','shape':'category.code'}", VALS, CATS, E_A));

	expect(r, "FORMAT_KEEPS_CODES", CB_SEV_BREAKING, "OPS.B_C");
	cr_assert(strstr(find_rule(r, "FORMAT_KEEPS_CODES")->message, "'_'") != NULL,
	    "%s", find_rule(r, "FORMAT_KEEPS_CODES")->message);
	expect(r, "CODE_NO_DELETE", CB_SEV_BREAKING, "OPS.B_C");
	cb_report_free(r);
}

#define CASED(version, fmt_extra, entries) \
	"{'name':'p','title':'P','version':" #version ",'format':{'charset':'A-Za-z','shape':'plain'" \
	fmt_extra "},'entries':[" entries "]}"

Test(govern, format_keeps_codes_breaks_on_enforced_case)
{
	cb_report *r = diff(CASED(1, "", "{'code':'Ab'},{'code':'CD'}"),
	    CASED(2, ",'case':'upper','case_enforced':true", "{'code':'CD'}"));

	expect(r, "FORMAT_KEEPS_CODES", CB_SEV_BREAKING, "Ab");
	cr_assert(strstr(find_rule(r, "FORMAT_KEEPS_CODES")->message, "upper case") != NULL);
	cb_report_free(r);
}

Test(govern, recommended_case_keeps_codes)
{
	cb_report *r = diff(CASED(1, "", "{'code':'Ab'},{'code':'CD'}"),
	    CASED(2, ",'case':'upper'", "{'code':'Ab'},{'code':'CD'}"));

	expect_none(r, "FORMAT_KEEPS_CODES");
	cr_assert_not(cb_report_is_breaking(r));
	cb_report_free(r);
}

Test(govern, widening_the_format_keeps_codes)
{
	cb_report *r = diff(GOV(1, "", VALS, CATS, E_A ",{'code':'OPS.B_C'}"),
	    GOVF(2, "", "{'charset':'A-Z0-9_.','shape':'category.code','max_length':100}", VALS, CATS,
	    E_A ",{'code':'OPS.B_C'}"));

	expect_none(r, "FORMAT_KEEPS_CODES");
	cr_assert_eq(cb_report_count(r), 0);
	cb_report_free(r);
}

Test(govern, shortening_max_length_breaks_long_codes)
{
	cb_report *r = diff(BASE, GOVF(2, "", "{'charset':'A-Z_.','shape':'category.code','max_length':5}",
	    VALS, CATS, E_B));

	expect(r, "FORMAT_KEEPS_CODES", CB_SEV_BREAKING, "FRAUD.A");
	cr_assert(strstr(find_rule(r, "FORMAT_KEEPS_CODES")->message, "length 7 is outside 1..5") != NULL,
	    "%s", find_rule(r, "FORMAT_KEEPS_CODES")->message);
	cr_assert_eq(count_rule(r, "FORMAT_KEEPS_CODES"), 1);
	cb_report_free(r);
}

/* ---- status ------------------------------------------------------------------ */

#define MIRROR(version, top, status) \
	"{'name':'m','title':'M','version':" #version "," top \
	"'format':{'charset':'a-z_','shape':'plain'},'entries':[{'code':'keep'}," \
	"{'code':'gone','status':'" status "'}]}"

Test(govern, retire_only_mirrors_breaks_in_an_owned_set)
{
	cb_report *r = diff(MIRROR(1, "", "active"), MIRROR(2, "", "retired"));

	expect(r, "RETIRE_ONLY_MIRRORS", CB_SEV_BREAKING, "gone");
	expect_none(r, "CODE_RETIRED");
	cb_report_free(r);
}

Test(govern, mirror_set_may_retire)
{
	cb_report *r = diff(MIRROR(1, "'mirror':true,", "active"), MIRROR(2, "'mirror':true,", "retired"));

	expect(r, "CODE_RETIRED", CB_SEV_INFO, "gone");
	expect_none(r, "RETIRE_ONLY_MIRRORS");
	cr_assert_not(cb_report_is_breaking(r));
	cb_report_free(r);
}

Test(govern, code_deprecated_is_info)
{
	cb_report *r = diff(MIRROR(1, "", "active"), MIRROR(2, "", "deprecated"));

	expect(r, "CODE_DEPRECATED", CB_SEV_INFO, "gone");
	cr_assert_not(cb_report_is_breaking(r));
	cb_report_free(r);
}

Test(govern, code_deprecated_not_reported_when_it_already_was)
{
	cb_report *r = diff(MIRROR(1, "", "deprecated"), MIRROR(2, "", "deprecated"));

	expect_none(r, "CODE_DEPRECATED");
	expect_none(r, "STATUS_REVIVED");
	cr_assert_eq(cb_report_count(r), 0);
	cb_report_free(r);
}

Test(govern, status_revived_warns)
{
	cb_report *r = diff(MIRROR(1, "", "deprecated"), MIRROR(2, "", "active"));

	expect(r, "STATUS_REVIVED", CB_SEV_WARNING, "gone");
	cr_assert(strstr(find_rule(r, "STATUS_REVIVED")->message, "from deprecated back to active") != NULL);
	cb_report_free(r);
	r = diff(MIRROR(1, "'mirror':true,", "retired"), MIRROR(2, "'mirror':true,", "active"));
	expect(r, "STATUS_REVIVED", CB_SEV_WARNING, "gone");
	cb_report_free(r);
}

Test(govern, deprecated_policy_warns_when_rejection_starts)
{
	cb_report *r = diff(MIRROR(1, "", "deprecated"), MIRROR(2, "'deprecated':'reject',", "deprecated"));

	expect(r, "DEPRECATED_POLICY", CB_SEV_WARNING, "deprecated");
	cr_assert_not(cb_report_is_breaking(r));
	cb_report_free(r);
}

Test(govern, deprecated_policy_quiet_when_loosened)
{
	cb_report *r = diff(MIRROR(1, "'deprecated':'reject',", "deprecated"), MIRROR(2, "", "deprecated"));

	expect_none(r, "DEPRECATED_POLICY");
	cb_report_free(r);
}

/* ---- handling (error sets) ------------------------------------------------------ */

#define ERRSET(version, handling, not_an_error) \
	"{'name':'e','title':'E','version':" #version ",'format':{'charset':'0-9-','shape':'integer'}," \
	"'handling':[{'name':'again','action':'retry'},{'name':'stop','action':'fail'}]," \
	"'entries':[{'code':'-1','description':'x','handling':'" handling "'" not_an_error "}]}"

Test(govern, handling_changed_warns)
{
	cb_report *r = diff(ERRSET(1, "again", ""), ERRSET(2, "stop", ""));

	expect(r, "HANDLING_CHANGED", CB_SEV_WARNING, "-1");
	cr_assert(strstr(find_rule(r, "HANDLING_CHANGED")->message, "from retry to fail") != NULL,
	    "%s", find_rule(r, "HANDLING_CHANGED")->message);
	cr_assert_not(cb_report_is_breaking(r));
	cb_report_free(r);
}

Test(govern, handling_changed_by_not_an_error_flag)
{
	cb_report *r = diff(ERRSET(1, "stop", ""), ERRSET(2, "stop", ",'not_an_error':true"));

	expect(r, "HANDLING_CHANGED", CB_SEV_WARNING, "-1");
	cb_report_free(r);
}

Test(govern, handling_same_is_quiet)
{
	cb_report *r = diff(ERRSET(1, "again", ""), ERRSET(2, "again", ""));

	expect_none(r, "HANDLING_CHANGED");
	cr_assert_eq(cb_report_count(r), 0);
	cb_report_free(r);
}

/* ---- reports ------------------------------------------------------------------------- */

Test(govern, bundled_sets_compare_cleanly_with_themselves_but_version)
{
	size_t i;

	for (i = 0; i < 4; i++) {
		cb_codeset *cs = load_bundled(bundled_names[i]);
		cb_report *r = NULL;

		cr_assert_eq(cb_diff(&r, cs, cs), CB_OK);
		cr_assert_eq(cb_report_count(r), 1, "%s: %zu findings", bundled_names[i], cb_report_count(r));
		expect(r, "VERSION_INCREASES", CB_SEV_BREAKING, "version");
		cb_report_free(r);
		cb_codeset_free(cs);
	}
}

Test(govern, report_is_breaking_counts_only_breaking)
{
	cb_report *r = diff(BASE, GOV(2, "", VALS, CATS ",{'name':'NEW'}", E_A "," E_B ",{'code':'NEW.X'}"));

	/* a warning and an info, nothing breaking */
	cr_assert_eq(cb_report_count_severity(r, CB_SEV_WARNING), 1);
	cr_assert_eq(cb_report_count_severity(r, CB_SEV_INFO), 1);
	cr_assert_eq(cb_report_count_severity(r, CB_SEV_BREAKING), 0);
	cr_assert_eq(cb_report_is_breaking(r), 0);
	cb_report_free(r);
	cr_assert_eq(cb_report_is_breaking(NULL), 0);
}

Test(govern, findings_name_the_new_file)
{
	cb_codeset *o = load_text(J(BASE)), *n = NULL;
	const char *t = J(GOV(2, "", VALS, CATS, E_A));
	cb_report *r = NULL;

	cr_assert_eq(cb_codeset_load_buffer(&n, t, strlen(t), "new.json"), CB_OK);
	cr_assert_eq(cb_diff(&r, o, n), CB_OK);
	cr_assert_str_eq(find_rule(r, "CODE_NO_DELETE")->file, "new.json");
	cb_report_free(r);
	cb_codeset_free(o);
	cb_codeset_free(n);
}

Test(govern, every_governance_rule_has_its_severity_in_the_table)
{
	static const struct { const char *name; cb_severity sev; } want[] = {
		{ "SET_NAME_SAME", CB_SEV_BREAKING }, { "VERSION_INCREASES", CB_SEV_BREAKING },
		{ "CODE_NO_DELETE", CB_SEV_BREAKING }, { "CODE_SAME_CATEGORY", CB_SEV_BREAKING },
		{ "CATEGORY_NO_DELETE", CB_SEV_BREAKING }, { "CONTEXT_NO_DELETE", CB_SEV_BREAKING },
		{ "APPLIES_NO_NARROW", CB_SEV_BREAKING }, { "FORMAT_KEEPS_CODES", CB_SEV_BREAKING },
		{ "RETIRE_ONLY_MIRRORS", CB_SEV_BREAKING }, { "DESCRIPTION_CHANGED", CB_SEV_WARNING },
		{ "CATEGORY_ADDED", CB_SEV_WARNING }, { "HANDLING_CHANGED", CB_SEV_WARNING },
		{ "STATUS_REVIVED", CB_SEV_WARNING }, { "DEPRECATED_POLICY", CB_SEV_WARNING },
		{ "CODE_ADDED", CB_SEV_INFO }, { "CODE_DEPRECATED", CB_SEV_INFO },
		{ "CODE_RETIRED", CB_SEV_INFO }, { "CONTEXT_ADDED", CB_SEV_INFO },
		{ "APPLIES_WIDENED", CB_SEV_INFO },
	};
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const cb_rule_info *ri = cb_rule_find(want[i].name);
		cr_assert_not_null(ri, "%s", want[i].name);
		cr_assert_eq(ri->severity, want[i].sev, "%s", want[i].name);
	}
	cr_assert_null(cb_rule_find("NO_SUCH_RULE"));
	cr_assert_null(cb_rule_get(cb_rule_count()));
}

Test(govern, null_arguments_are_einval)
{
	cb_codeset *cs = load_bundled("outbound");
	cb_report *r = NULL;

	cr_assert_eq(cb_diff(NULL, cs, cs), CB_EINVAL);
	cr_assert_eq(cb_diff(&r, NULL, cs), CB_EINVAL);
	cr_assert_eq(cb_diff(&r, cs, NULL), CB_EINVAL);
	cb_codeset_free(cs);
}
