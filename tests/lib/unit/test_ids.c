/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_ids.c - issue 10 in the library: stable ids (given, assigned,
 * checked by the loader, the builder and diff), opt-in governance rules
 * with editorial marks, and descriptive context dimensions.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <string.h>

#include "helpers.h"


#define SETV(v, extra, entries) \
	"{'name':'s','title':'S','version':" #v "," extra \
	"'format':{'charset':'A-Z_.','shape':'category.code'}," \
	"'categories':[{'name':'FRAUD'},{'name':'OPS'}]," \
	"'entries':[" entries "]}"
#define SET(extra, entries) SETV(2, extra, entries)
#define OLD(extra, entries) SETV(1, extra, entries)

static void
load_fails(const char *json, const char *what)
{
	cb_codeset *cs = NULL;
	const char *t = J(json);
	int rc = cb_codeset_load_buffer(&cs, t, strlen(t), "t.json");

	cr_assert_eq(rc, CB_EPARSE, "%s: %s", cb_strerror(rc), cb_errmsg());
	cr_assert_null(cs);
	cr_assert(strstr(cb_errmsg(), what) != NULL, "want \"%s\" in \"%s\"", what, cb_errmsg());
}

static cb_report *
diff_text(const char *old_json, const char *new_json)
{
	cb_codeset *o = load_text(J(old_json)), *n = load_text(J(new_json));
	cb_report *r = NULL;

	cr_assert_eq(cb_diff(&r, o, n), CB_OK, "%s", cb_errmsg());
	cb_codeset_free(o);
	cb_codeset_free(n);
	return r;
}

static const cb_finding *
expect(const cb_report *r, const char *rule, const char *subject, const char *text)
{
	size_t i;

	for (i = 0; i < cb_report_count(r); i++) {
		const cb_finding *f = cb_report_get(r, i);
		if (strcmp(f->rule, rule) == 0 && strcmp(f->subject, subject) == 0) {
			cr_assert(text == NULL || strstr(f->message, text) != NULL, "%s: want \"%s\" in \"%s\"",
			    rule, text, f->message);
			return f;
		}
	}
	cr_assert_fail("no %s about %s among %zu findings", rule, subject, cb_report_count(r));
	return NULL;
}

/* ---- ids: the loader ----------------------------------------------------------- */

Test(ids, given_ids_are_kept_and_found)
{
	cb_codeset *cs = load_text(J(SET("", "{'code':'FRAUD.A','id':7},{'code':'OPS.B','id':3}")));

	cr_assert_eq(cb_entry_id(cb_codeset_entry(cs, 0)), 7);
	cr_assert_eq(cb_entry_id_given(cb_codeset_entry(cs, 0)), 1);
	cr_assert_eq(cb_codeset_max_id(cs), 7);
	cr_assert_eq(cb_codeset_find_id(cs, 3), cb_codeset_entry(cs, 1));
	cr_assert_null(cb_codeset_find_id(cs, 4));
	cr_assert_null(cb_codeset_find_id(cs, 0));
	cr_assert_null(cb_codeset_find_id(cs, -1));
	cr_assert_null(cb_codeset_find_id(NULL, 7));
	cb_codeset_free(cs);
}

Test(ids, missing_ids_get_the_next_ones_above_the_highest_in_entry_order)
{
	cb_codeset *cs = load_text(J(SET("", "{'code':'FRAUD.A'},{'code':'OPS.B','id':5},{'code':'OPS.C'}")));

	cr_assert_eq(cb_entry_id(cb_codeset_entry(cs, 1)), 5);
	cr_assert_eq(cb_entry_id(cb_codeset_entry(cs, 0)), 6);
	cr_assert_eq(cb_entry_id(cb_codeset_entry(cs, 2)), 7);
	cr_assert_eq(cb_entry_id_given(cb_codeset_entry(cs, 2)), 0);
	cr_assert_eq(cb_codeset_max_id(cs), 7);
	cb_codeset_free(cs);
	/* a set without ids numbers its codes 1, 2, ... */
	cs = load_text(J(SET("", "{'code':'FRAUD.A'},{'code':'OPS.B'}")));
	cr_assert_eq(cb_entry_id(cb_codeset_entry(cs, 0)), 1);
	cr_assert_eq(cb_entry_id(cb_codeset_entry(cs, 1)), 2);
	cb_codeset_free(cs);
}

Test(ids, the_id_belongs_to_the_code_in_sets_with_repeated_codes)
{
	cb_codeset *cs = load_text(J("{'name':'e','title':'E','version':1,'repeated_codes':true,"
	    "'format':{'charset':'0-9-','shape':'integer'},'entries':[{'code':'-1','id':4,'description':'a'},"
	    "{'code':'-2','description':'b'},{'code':'-1','description':'c'},{'code':'-1','id':4,'description':'d'},"
	    "{'code_missing':true,'description':'no code'}]}"));

	cr_assert_eq(cb_entry_id(cb_codeset_entry(cs, 0)), 4);
	cr_assert_eq(cb_entry_id(cb_codeset_entry(cs, 2)), 4, "an entry that leaves it out has the code's");
	cr_assert_eq(cb_entry_id(cb_codeset_entry(cs, 3)), 4);
	cr_assert_eq(cb_entry_id(cb_codeset_entry(cs, 1)), 5);
	cr_assert_eq(cb_entry_id(cb_codeset_entry(cs, 4)), 0, "a row without a code has no id");
	cr_assert_eq(cb_codeset_find_id(cs, 4), cb_codeset_entry(cs, 0));
	cb_codeset_free(cs);
}

Test(ids, the_loader_refuses_bad_ids)
{
	load_fails(SET("", "{'code':'FRAUD.A','id':1},{'code':'OPS.B','id':1}"),
	    "entries[1].id: 1 is already the id of FRAUD.A (entries[0])");
	load_fails(SET("", "{'code':'FRAUD.A','id':0}"), "entries[0].id: 0 is outside 1..2147483647");
	load_fails(SET("", "{'code':'FRAUD.A','id':-3}"), "entries[0].id: -3 is outside");
	load_fails(SET("", "{'code':'FRAUD.A','id':2147483648}"), "entries[0].id");
	load_fails(SET("", "{'code':'FRAUD.A','id':'7'}"), "entries[0].id: expected an integer, got string");
	load_fails(SET("", "{'code':'FRAUD.A','id':1.5}"), "entries[0].id: expected an integer");
	load_fails(SET("", "{'code_missing':true,'id':3}"), "entries[0].id: an id belongs to a code, and this row has none");
	load_fails("{'name':'e','title':'E','version':1,'repeated_codes':true,"
	    "'format':{'charset':'0-9-','shape':'integer'},'entries':[{'code':'-1','id':4,'description':'a'},"
	    "{'code':'-1','id':5,'description':'b'}]}",
	    "entries[1].id: 5, but entries[0] of the same code says 4: an id belongs to the code");
	load_fails(SET("", "{'code':'FRAUD.A','id':2147483647},{'code':'OPS.B'}"), "no id is left above 2147483647");
}

Test(ids, lint_reports_every_id_problem_and_each_assigned_id)
{
	cb_report *r = lint_text(J(SET("", "{'code':'FRAUD.A','id':2},{'code':'OPS.B','id':2},{'code':'OPS.C'}")));

	cr_assert_not_null(find_rule(r, "ID_DUPLICATE"));
	cr_assert_eq(find_rule(r, "ID_DUPLICATE")->severity, CB_SEV_ERROR);
	cr_assert_eq(find_rule(r, "ID_DUPLICATE")->line, 1);
	cr_assert_not_null(find_rule(r, "ID_ASSIGNED"));
	cr_assert_eq(find_rule(r, "ID_ASSIGNED")->severity, CB_SEV_WARNING);
	cr_assert(strstr(find_rule(r, "ID_ASSIGNED")->message, "\"OPS.C\" has no id: it gets 3") != NULL,
	    "%s", find_rule(r, "ID_ASSIGNED")->message);
	cb_report_free(r);
	/* a set that numbers none of its codes is not nagged */
	r = lint_text(J(SET("", "{'code':'FRAUD.A'},{'code':'OPS.B'}")));
	cr_assert_eq(cb_report_count(r), 0);
	cb_report_free(r);
}

Test(ids, the_bundled_catalogs_number_every_code_from_one_in_their_order)
{
	size_t i, k;

	for (i = 0; i < 4; i++) {
		cb_codeset *cs = load_bundled(bundled_names[i]);
		int next = 1;
		for (k = 0; k < cb_codeset_entry_count(cs); k++) {
			const cb_entry *e = cb_codeset_entry(cs, k);
			if (cb_entry_code(e) == NULL)
				continue;
			cr_assert(cb_entry_id_given(e), "%s: %s has no id in the file", bundled_names[i], cb_entry_code(e));
			if (cb_codeset_find(cs, cb_entry_code(e), cb_entry_code_len(e)) == e)
				cr_assert_eq(cb_entry_id(e), next++, "%s: %s", bundled_names[i], cb_entry_code(e));
		}
		cr_assert_eq(cb_codeset_max_id(cs), next - 1);
		cb_codeset_free(cs);
	}
}

Test(ids, serialised_sets_write_every_id_and_load_back_the_same)
{
	cb_codeset *cs = load_text(J(SET("", "{'code':'FRAUD.A'},{'code':'OPS.B','id':9}"))), *back = NULL;
	char *a = NULL, *b = NULL;

	cr_assert_eq(cb_codeset_to_json(&a, NULL, cs), CB_OK);
	cr_assert(strstr(a, "\"code\": \"FRAUD.A\",\n      \"id\": 10,") != NULL, "%s", a);
	cr_assert_eq(cb_codeset_load_buffer(&back, a, strlen(a), "back"), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_entry_id_given(cb_codeset_entry(back, 0)), 1, "published: the assigned id is written down");
	cr_assert_eq(cb_codeset_to_json(&b, NULL, back), CB_OK);
	cr_assert_str_eq(a, b);
	cb_free(a);
	cb_free(b);
	cb_codeset_free(cs);
	cb_codeset_free(back);
}

/* ---- ids: the builder ----------------------------------------------------------- */

Test(ids, the_builder_takes_ids_and_assigns_the_missing_ones)
{
	cb_builder *b = NULL;
	cb_entry_spec e = CB_ENTRY_SPEC_INIT, got = CB_ENTRY_SPEC_INIT;
	cb_codeset *cs = NULL;
	size_t i;

	cr_assert_eq(cb_builder_new(&b, "b", "B", 1), CB_OK);
	e.code = "X";
	e.id = 40;
	cr_assert_eq(cb_builder_add_entry(b, &e, NULL), CB_OK);
	e.code = "Y";
	e.id = 0;
	cr_assert_eq(cb_builder_add_entry(b, &e, &i), CB_OK);
	cr_assert_eq(cb_builder_get_entry(&got, b, 0), CB_OK);
	cr_assert_eq(got.id, 40);
	cr_assert_eq(cb_builder_finish(&cs, b, "b"), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_entry_id(cb_codeset_entry(cs, 1)), 41);
	cb_codeset_free(cs);
	/* the same rules as the loader, with its message */
	e.code = "Z";
	e.id = 40;
	cr_assert_eq(cb_builder_add_entry(b, &e, NULL), CB_OK);
	cr_assert_eq(cb_builder_finish(&cs, b, "b"), CB_EPARSE);
	cr_assert_str_eq(cb_errmsg(), "b: entries[2].id: 40 is already the id of X (entries[0])");
	e.id = -1;
	cr_assert_eq(cb_builder_set_entry(b, 2, &e), CB_OK);
	cr_assert_eq(cb_builder_finish(&cs, b, "b"), CB_EPARSE);
	cr_assert(strstr(cb_errmsg(), "entries[2].id: -1 is outside 1..2147483647") != NULL, "%s", cb_errmsg());
	cb_builder_free(b);
}

/* A program built against the 1.0 headers passes version 1 specs: they
 * have no id, and replacing an entry with one keeps the entry's id. */
Test(ids, version_1_entry_specs_keep_the_id)
{
	cb_codeset *v1 = load_text(J(SET("", "{'code':'FRAUD.A','id':8,'description':'a'}"))), *v2 = NULL;
	cb_builder *b = NULL;
	cb_entry_spec old;

	memset(&old, 0x5a, sizeof(old));	/* a v1 program does not have the new members */
	old.version = 1;
	cr_assert_eq(cb_builder_from(&b, v1), CB_OK);
	cr_assert_eq(cb_builder_get_entry(&old, b, 0), CB_OK);
	cr_assert_eq(old.id, 0x5a5a5a5a, "a version 1 spec is not written past its end");
	old.description = "a, reworded";
	cr_assert_eq(cb_builder_set_entry(b, 0, &old), CB_OK);
	old.code = "OPS.B";
	old.category = NULL;
	cr_assert_eq(cb_builder_add_entry(b, &old, NULL), CB_OK);
	cr_assert_eq(cb_builder_finish(&v2, b, "v2"), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_entry_id(cb_codeset_entry(v2, 0)), 8);
	cr_assert_eq(cb_entry_id(cb_codeset_entry(v2, 1)), 9);
	old.version = 3;
	cr_assert_eq(cb_builder_get_entry(&old, b, 0), CB_EINVAL);
	cb_builder_free(b);
	cb_codeset_free(v1);
	cb_codeset_free(v2);
}

/* ---- ids: diff -------------------------------------------------------------------- */

Test(ids, diff_refuses_a_changed_a_lost_and_a_reused_id)
{
	const char *v1 = OLD("", "{'code':'FRAUD.A','id':1},{'code':'OPS.B','id':2},{'code':'OPS.C','id':3}");
	cb_report *r;

	r = diff_text(v1, SET("", "{'code':'FRAUD.A','id':1},{'code':'OPS.B','id':4},{'code':'OPS.C','id':3}"));
	expect(r, "ID_NO_CHANGE", "OPS.B", "has id 2 in v1 and 4 in v2; ids never change");
	cr_assert(cb_report_is_breaking(r));
	cb_report_free(r);
	/* the file leaves the id out: it would get another */
	r = diff_text(v1, SET("", "{'code':'FRAUD.A','id':1},{'code':'OPS.B'},{'code':'OPS.C','id':3}"));
	expect(r, "ID_NO_CHANGE", "OPS.B", "gives it none, so it would get 4: write \"id\": 2");
	cb_report_free(r);
	/* ... which is no change when it would get the same */
	r = diff_text(OLD("", "{'code':'FRAUD.A','id':1},{'code':'OPS.B','id':2}"),
	    SET("", "{'code':'FRAUD.A','id':1},{'code':'OPS.B'}"));
	cr_assert_eq(cb_report_count(r), 0, "%s", cb_report_count(r) ? cb_report_get(r, 0)->message : "");
	cb_report_free(r);
	/* a removed code's id stays taken */
	r = diff_text(v1, SET("", "{'code':'FRAUD.A','id':1},{'code':'OPS.C','id':3},{'code':'OPS.D','id':2}"));
	expect(r, "CODE_NO_DELETE", "OPS.B", NULL);
	expect(r, "ID_NO_REUSE", "OPS.D", "takes id 2, which is OPS.B's in v1; ids are never reused: use 4");
	cb_report_free(r);
	/* a new code below the highest id used */
	r = diff_text(OLD("", "{'code':'FRAUD.A','id':1},{'code':'OPS.C','id':3}"),
	    SET("", "{'code':'FRAUD.A','id':1},{'code':'OPS.B','id':2},{'code':'OPS.C','id':3}"));
	expect(r, "ID_INCREASES", "OPS.B", "used ids up to 3: a new code gets one above, 4 or higher");
	cb_report_free(r);
	/* the next id, in the middle of the file: allowed */
	r = diff_text(OLD("", "{'code':'FRAUD.A','id':1},{'code':'OPS.C','id':3}"),
	    SET("", "{'code':'FRAUD.A','id':1},{'code':'OPS.B'},{'code':'OPS.C','id':3}"));
	expect(r, "CODE_ADDED", "OPS.B", NULL);
	cr_assert_not(cb_report_is_breaking(r));
	cb_report_free(r);
}

/* The mirror sync makes each version with a builder copied from the last
 * (src/orders/reasons.c): new keys get new ids, retired keys keep theirs. */
Test(ids, a_mirror_version_made_by_a_builder_keeps_every_id)
{
	cb_codeset *v1 = load_text(J("{'name':'m','title':'M','version':1,'mirror':true,"
	    "'format':{'charset':'a-z_','shape':'plain'},'entries':[{'code':'a','id':1},{'code':'b','id':2}]}"));
	cb_codeset *v2 = NULL;
	cb_entry_spec e = CB_ENTRY_SPEC_INIT;
	cb_builder *b = NULL;
	cb_report *r = NULL;
	size_t i;

	cr_assert_eq(cb_builder_from(&b, v1), CB_OK);
	cr_assert_eq(cb_builder_set_version(b, 2), CB_OK);
	cr_assert_eq(cb_builder_find(&i, b, "a"), CB_OK);
	cr_assert_eq(cb_builder_get_entry(&e, b, i), CB_OK);
	e.status = CB_STATUS_RETIRED;
	cr_assert_eq(cb_builder_set_entry(b, i, &e), CB_OK);
	e = (cb_entry_spec)CB_ENTRY_SPEC_INIT;
	e.code = "c";
	cr_assert_eq(cb_builder_add_entry(b, &e, NULL), CB_OK);
	cr_assert_eq(cb_builder_finish(&v2, b, "sync"), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_entry_id(cb_codeset_find(v2, "a", 1)), 1);
	cr_assert_eq(cb_entry_id(cb_codeset_find(v2, "c", 1)), 3);
	cr_assert_eq(cb_diff(&r, v1, v2), CB_OK);
	cr_assert_not(cb_report_is_breaking(r));
	cb_report_free(r);
	cb_builder_free(b);
	cb_codeset_free(v1);
	cb_codeset_free(v2);
}

/* ---- rules per set --------------------------------------------------------------- */

Test(rules, a_set_declares_its_opt_in_rules)
{
	cb_codeset *cs = load_text(J(SET("'governance':{'rules':['NO_REPURPOSE']},", "{'code':'FRAUD.A'}")));
	cb_codeset *plain = load_text(J(SET("", "{'code':'FRAUD.A'}")));
	char *json = NULL;

	cr_assert_eq(cb_codeset_rule_count(cs), 1);
	cr_assert_str_eq(cb_codeset_rule(cs, 0), "NO_REPURPOSE");
	cr_assert_str_eq(cb_codeset_rule(cs, 1), "");
	cr_assert(cb_codeset_enforces(cs, "NO_REPURPOSE"));
	cr_assert_not(cb_codeset_enforces(cs, "CODE_NO_DELETE"));
	cr_assert_not(cb_codeset_enforces(plain, "NO_REPURPOSE"));
	cr_assert_eq(cb_codeset_rule_count(plain), 0);
	cr_assert_eq(cb_codeset_to_json(&json, NULL, cs), CB_OK);
	cr_assert(strstr(json, "\"governance\": {\n    \"rules\": [\n      \"NO_REPURPOSE\"\n    ]\n  }") != NULL, "%s", json);
	cr_assert(cb_rule_find("NO_REPURPOSE")->opt_in);
	cr_assert_not(cb_rule_find("CODE_NO_DELETE")->opt_in);
	cb_free(json);
	cb_codeset_free(cs);
	cb_codeset_free(plain);
	/* seed 002: codes are deprecated, never removed or repurposed */
	cs = load_bundled("outbound");
	cr_assert(cb_codeset_enforces(cs, "NO_REPURPOSE"));
	cb_codeset_free(cs);
}

Test(rules, the_loader_refuses_what_is_not_an_opt_in_rule)
{
	load_fails(SET("'governance':{'rules':['NO_REPURPOS']},", "{'code':'FRAUD.A'}"),
	    "governance.rules[0]: \"NO_REPURPOS\" is not an opt-in rule (NO_REPURPOSE)");
	load_fails(SET("'governance':{'rules':['CODE_NO_DELETE']},", "{'code':'FRAUD.A'}"),
	    "governance.rules[0]: CODE_NO_DELETE applies to every set; list only opt-in rules (NO_REPURPOSE)");
	load_fails(SET("'governance':{'rules':['NO_REPURPOSE','NO_REPURPOSE']},", "{'code':'FRAUD.A'}"),
	    "governance.rules[1]: NO_REPURPOSE is listed twice");
	load_fails(SET("'governance':{'rules':[3]},", "{'code':'FRAUD.A'}"), "governance.rules[0]: expected a rule name, got number");
	load_fails(SET("'governance':{},", "{'code':'FRAUD.A'}"), "governance: missing required field \"rules\"");
	load_fails(SET("'governance':{'rules':[],'other':1},", "{'code':'FRAUD.A'}"), "governance: unknown field \"other\"");
	load_fails(SET("'governance':['NO_REPURPOSE'],", "{'code':'FRAUD.A'}"), "governance: expected an object, got array");
}

Test(rules, editorial_marks_load_and_are_checked)
{
	cb_codeset *cs = load_text(J(SET("", "{'code':'FRAUD.A','editorial':{'version':2,'note':'typo fixed'}}")));

	cr_assert_eq(cb_entry_editorial_version(cb_codeset_entry(cs, 0)), 2);
	cr_assert_str_eq(cb_entry_editorial_note(cb_codeset_entry(cs, 0)), "typo fixed");
	cb_codeset_free(cs);
	load_fails(SET("", "{'code':'FRAUD.A','editorial':{'version':2}}"), "entries[0].editorial: missing required field \"note\"");
	load_fails(SET("", "{'code':'FRAUD.A','editorial':{'note':'x'}}"), "entries[0].editorial: missing required field \"version\"");
	load_fails(SET("", "{'code':'FRAUD.A','editorial':{'version':2,'note':''}}"),
	    "entries[0].editorial: needs a version and a note saying why the meaning stays");
	load_fails(SET("", "{'code':'FRAUD.A','editorial':'typo'}"), "entries[0].editorial: expected an object, got string");
	load_fails(SET("", "{'code':'FRAUD.A','editorial':{'version':3,'note':'x'}}"),
	    "entries[0].editorial.version 3 is later than the set's version 2");
}

/* Issue 10: outbound forbids repurposing; a description rewritten is
 * refused unless the entry marks the change editorial for that version. */
Test(rules, no_repurpose_refuses_a_new_meaning_unless_marked_editorial)
{
	const char *v1 = "{'name':'s','title':'S','version':1,'governance':{'rules':['NO_REPURPOSE']},"
	    "'format':{'charset':'A-Z_.','shape':'category.code'},'contexts':{'rule':{'values':['R1','R2']}},"
	    "'categories':[{'name':'FRAUD'},{'name':'OPS'}],"
	    "'entries':[{'code':'FRAUD.A','id':1,'description':'one meaning','applies':{'rule':['R1']}},"
	    "{'code':'OPS.B','id':2,'description':'b'}]}";
	cb_report *r;

	r = diff_text(v1, SET("'governance':{'rules':['NO_REPURPOSE']},'contexts':{'rule':{'values':['R1','R2']}},",
	    "{'code':'FRAUD.A','id':1,'description':'another meaning','applies':{'rule':['R1']}},{'code':'OPS.B','id':2,'description':'b'}"));
	expect(r, "NO_REPURPOSE", "FRAUD.A", "description \"one meaning\" became \"another meaning\"; s does not let a code change meaning");
	cr_assert_null(find_rule(r, "DESCRIPTION_CHANGED"));
	cr_assert(cb_report_is_breaking(r));
	cb_report_free(r);
	/* contexts gained: a new meaning too */
	r = diff_text(v1, SET("'governance':{'rules':['NO_REPURPOSE']},'contexts':{'rule':{'values':['R1','R2']}},",
	    "{'code':'FRAUD.A','id':1,'description':'one meaning'},{'code':'OPS.B','id':2,'description':'b'}"));
	expect(r, "NO_REPURPOSE", "FRAUD.A", "now also suits rule R2");
	cr_assert_null(find_rule(r, "APPLIES_WIDENED"));
	cb_report_free(r);
	/* marked editorial for this version: information, with the note */
	r = diff_text(v1, SET("'governance':{'rules':['NO_REPURPOSE']},'contexts':{'rule':{'values':['R1','R2']}},",
	    "{'code':'FRAUD.A','id':1,'description':'one meaning, said better','editorial':{'version':2,'note':'typo'},"
	    "'applies':{'rule':['R1']}},{'code':'OPS.B','id':2,'description':'b'}"));
	expect(r, "EDITORIAL_CHANGE", "FRAUD.A", "changed in v2, marked editorial: \"typo\"");
	cr_assert_not(cb_report_is_breaking(r), "%s", cb_report_get(r, 0)->message);
	cb_report_free(r);
	/* a mark of an earlier version covers nothing now */
	r = diff_text(v1, SET("'governance':{'rules':['NO_REPURPOSE']},'contexts':{'rule':{'values':['R1','R2']}},",
	    "{'code':'FRAUD.A','id':1,'description':'another meaning','editorial':{'version':1,'note':'old'},"
	    "'applies':{'rule':['R1']}},{'code':'OPS.B','id':2,'description':'b'}"));
	expect(r, "NO_REPURPOSE", "FRAUD.A", NULL);
	cb_report_free(r);
	/* a mark on a code that did not change, or on a new code, is flagged */
	r = diff_text(v1, SET("'governance':{'rules':['NO_REPURPOSE']},'contexts':{'rule':{'values':['R1','R2']}},",
	    "{'code':'FRAUD.A','id':1,'description':'one meaning','applies':{'rule':['R1']}},"
	    "{'code':'OPS.B','id':2,'description':'b','editorial':{'version':2,'note':'x'}},"
	    "{'code':'OPS.C','id':3,'description':'c','editorial':{'version':2,'note':'x'}}"));
	expect(r, "EDITORIAL_UNUSED", "OPS.B", "did not change: drop the mark");
	expect(r, "EDITORIAL_UNUSED", "OPS.C", "is new in v2");
	cb_report_free(r);
	/* narrowing and moving stay breaking, editorial or not */
	r = diff_text(v1, SET("'governance':{'rules':['NO_REPURPOSE']},'contexts':{'rule':{'values':['R1','R2']}},",
	    "{'code':'FRAUD.A','id':1,'description':'one meaning','editorial':{'version':2,'note':'x'},"
	    "'applies':{'rule':['R2']}},{'code':'OPS.B','id':2,'description':'b'}"));
	expect(r, "APPLIES_NO_NARROW", "FRAUD.A", NULL);
	cb_report_free(r);
}

Test(rules, dropping_or_adding_a_rule_is_reported)
{
	cb_report *r = diff_text(OLD("'governance':{'rules':['NO_REPURPOSE']},", "{'code':'FRAUD.A','id':1,'description':'x'}"),
	    SET("", "{'code':'FRAUD.A','id':1,'description':'y'}"));

	expect(r, "GOVERNANCE_NO_DROP", "NO_REPURPOSE", "s enforced NO_REPURPOSE; a new version must keep enforcing it");
	/* the old version's rule still judges the change that drops it */
	expect(r, "NO_REPURPOSE", "FRAUD.A", NULL);
	cb_report_free(r);
	r = diff_text(OLD("", "{'code':'FRAUD.A','id':1,'description':'y'}"),
	    SET("'governance':{'rules':['NO_REPURPOSE']},", "{'code':'FRAUD.A','id':1,'description':'x'}"));
	expect(r, "GOVERNANCE_ADDED", "NO_REPURPOSE", NULL);
	/* ... and the rule judges the version that adds it */
	expect(r, "NO_REPURPOSE", "FRAUD.A", NULL);
	cb_report_free(r);
}

Test(rules, the_builder_sets_rules_and_copies_them)
{
	cb_builder *b = NULL, *c = NULL;
	cb_codeset *cs = NULL, *copy = NULL;
	cb_entry_spec e = CB_ENTRY_SPEC_INIT;

	cr_assert_eq(cb_builder_new(&b, "b", "B", 1), CB_OK);
	e.code = "X";
	e.editorial_version = 1;
	e.editorial_note = "first words";
	cr_assert_eq(cb_builder_add_entry(b, &e, NULL), CB_OK);
	cr_assert_eq(cb_builder_set_rule(b, "NO_REPURPOSE", 1), CB_OK);
	cr_assert_eq(cb_builder_set_rule(b, "NO_REPURPOSE", 1), CB_OK, "twice is once");
	cr_assert_eq(cb_builder_finish(&cs, b, "b"), CB_OK, "%s", cb_errmsg());
	cr_assert(cb_codeset_enforces(cs, "NO_REPURPOSE"));
	cr_assert_eq(cb_builder_from(&c, cs), CB_OK);
	cr_assert_eq(cb_builder_finish(&copy, c, "copy"), CB_OK);
	cr_assert(cb_codeset_enforces(copy, "NO_REPURPOSE"));
	cr_assert_str_eq(cb_entry_editorial_note(cb_codeset_entry(copy, 0)), "first words");
	cb_codeset_free(cs);
	cr_assert_eq(cb_builder_set_rule(b, "NO_REPURPOSE", 0), CB_OK);
	cr_assert_eq(cb_builder_finish(&cs, b, "b"), CB_OK);
	cr_assert_not(cb_codeset_enforces(cs, "NO_REPURPOSE"));
	cb_codeset_free(cs);
	cr_assert_eq(cb_builder_set_rule(b, "SOMETHING", 1), CB_OK, "judged by finish");
	cr_assert_eq(cb_builder_finish(&cs, b, "b"), CB_EPARSE);
	cr_assert_str_eq(cb_errmsg(), "b: governance.rules[0]: \"SOMETHING\" is not an opt-in rule (NO_REPURPOSE)");
	cr_assert_eq(cb_builder_set_rule(NULL, "X", 1), CB_EINVAL);
	e.editorial_note = NULL;	/* a version without a note */
	cr_assert_eq(cb_builder_set_rule(b, "SOMETHING", 0), CB_OK);
	cr_assert_eq(cb_builder_set_entry(b, 0, &e), CB_OK);
	cr_assert_eq(cb_builder_finish(&cs, b, "b"), CB_EPARSE);
	cr_assert(strstr(cb_errmsg(), "entries[0].editorial: needs a version and a note") != NULL, "%s", cb_errmsg());
	cb_builder_free(b);
	cb_builder_free(c);
	cb_codeset_free(copy);
}

/* ---- descriptive dimensions ---------------------------------------------------------- */

Test(descriptive, a_dimension_says_it_describes_the_call)
{
	cb_codeset *cs = load_text(J("{'name':'d','title':'D','version':1,'format':{'charset':'A-Z','shape':'plain'},"
	    "'contexts':{'ep':{'values':['a']},'scene':{'descriptive':true,'values':['x','y']}},'entries':[{'code':'A'}]}"));
	cb_builder *b = NULL;
	cb_codeset *copy = NULL;
	char *a = NULL, *c = NULL;

	cr_assert_eq(cb_codeset_dim_descriptive(cs, 0), 0);
	cr_assert_eq(cb_codeset_dim_descriptive(cs, 1), 1);
	cr_assert_eq(cb_codeset_dim_descriptive(cs, 2), 0);
	cr_assert_eq(cb_builder_from(&b, cs), CB_OK);
	cr_assert_eq(cb_builder_finish(&copy, b, "copy"), CB_OK);
	cr_assert_eq(cb_codeset_to_json(&a, NULL, cs), CB_OK);
	cr_assert_eq(cb_codeset_to_json(&c, NULL, copy), CB_OK);
	cr_assert_str_eq(a, c);
	cr_assert(strstr(a, "\"descriptive\": true") != NULL);
	cr_assert_eq(cb_builder_set_dim_descriptive(b, "scene", 0), CB_OK);
	cr_assert_eq(cb_builder_set_dim_descriptive(b, "nope", 1), CB_ENOTFOUND);
	cb_free(a);
	cb_free(c);
	cb_builder_free(b);
	cb_codeset_free(cs);
	cb_codeset_free(copy);
	load_fails("{'name':'d','title':'D','version':1,'format':{'charset':'A-Z','shape':'plain'},"
	    "'contexts':{'scene':{'descriptive':'yes','values':['x']}},'entries':[]}",
	    "contexts.scene.descriptive: expected true or false, got string");
}
