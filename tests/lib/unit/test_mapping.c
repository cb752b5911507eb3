/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_mapping.c - mapping documents (cb_mapping_*): the parser's faults
 * with their line and column, translation, lint against the sets (every
 * MAPPING_* rule), the directory loader, the governance rule
 * MAPPING_KEEPS_COMPLETE, and the two bundled mappings.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

#define SRC_SET \
	"{'name':'src','title':'S','version':1,'mirror':true,'format':{'charset':'A-Z','shape':'plain'}," \
	"'entries':[{'code':'A','id':1,'description':'a','status':'active','since':1}," \
	"{'code':'B','id':2,'description':'b','status':'active','since':1}," \
	"{'code':'C','id':3,'description':'c','status':'retired','since':1}]}"
#define DST_SET \
	"{'name':'dst','title':'D','version':1,'mirror':true,'format':{'charset':'a-z','shape':'plain'}," \
	"'entries':[{'code':'x','id':1,'description':'x','status':'active','since':1}," \
	"{'code':'y','id':2,'description':'y','status':'deprecated','since':1,'deprecated_since':1}," \
	"{'code':'z','id':3,'description':'z','status':'retired','since':1}]}"

/* A mapping src -> dst with @links (after J()), complete or not. */
static cb_mapping *
load_map(const char *links, int complete)
{
	char buf[4096];
	cb_mapping *m = NULL;

	snprintf(buf, sizeof(buf), "{\n'name': 'm',\n'source_set': 'src',\n'target_set': 'dst',\n'complete': %s,\n"
	    "'links': [\n%s\n]\n}\n", complete ? "true" : "false", links);
	cr_assert_eq(cb_mapping_load_buffer(&m, J(buf), strlen(buf), "m.json"), CB_OK, "%s", cb_errmsg());
	return m;
}

/* The error of loading @text (after J()): CB_EPARSE and @msg in it. */
static void
load_fails(const char *text, const char *msg)
{
	cb_mapping *m = NULL;
	const char *t = J(text);

	cr_assert_eq(cb_mapping_load_buffer(&m, t, strlen(t), "m.json"), CB_EPARSE, "loaded: %s", text);
	cr_assert_null(m);
	cr_assert(strstr(cb_errmsg(), msg) != NULL, "\"%s\" lacks \"%s\"", cb_errmsg(), msg);
}

Test(mapping, parse_faults_name_line_and_column)
{
	load_fails("{'name':'m','source_set':'s','target_set':'t','links':[\n{'from':'A','to':'x',"
	    "'equivalence':'same','basis':'j'}]}", "m.json:2:36: $.links[0].equivalence: \"same\" is not one of");
	load_fails("{'name':'m','source_set':'s','target_set':'t','links':[{'from':'A','equivalence':'equal',"
	    "'basis':'j'}]}", "$.links[0]: missing required field \"to\" (only an unmatched link");
	load_fails("{'name':'m','source_set':'s','target_set':'t','links':[{'from':'A','to':'x',"
	    "'equivalence':'unmatched','basis':'j'}]}", "$.links[0].to: an unmatched link has no target");
	load_fails("{'name':'m','source_set':'s','target_set':'t','links':[{'from':'A','to':'x',"
	    "'equivalence':'equal'}]}", "missing required field \"basis\"");
	load_fails("{'name':'m','source_set':'s','target_set':'t','links':[],'extra':1}",
	    "m.json:1:58: $: unknown field \"extra\"");
	load_fails("{'name':'m m','source_set':'s','target_set':'t','links':[]}", "$.name: \"m m\" is not a name");
	load_fails("{'name':'m','source_set':'s','links':[]}", "missing required field \"target_set\"");
	load_fails("{'name':'m','source_set':'s','target_set':'t','complete':1,'links':[]}",
	    "$.complete: expected true or false");
	load_fails("{'name':'m',", "m.json:1:");
	load_fails("{'name':'m','source_set':'s','target_set':'t','links':[\n{'from':'A','to':'x','equivalence':"
	    "'equal','basis':'j'},\n{'from':'A','equivalence':'unmatched','basis':'j'}]}",
	    "m.json:3:1: link from \"A\": a code is either unmatched or has targets, not both (the other link is at "
	    "line 2)");
	load_fails("{'name':'m','source_set':'s','target_set':'t','links':[\n{'from':'A','to':'x','equivalence':"
	    "'equal','basis':'j'},\n{'from':'A','to':'x','equivalence':'broader','basis':'j'}]}",
	    "link from \"A\" to \"x\" is given twice (also at line 2)");
	no_leaks();
}

Test(mapping, translate_finds_every_link_of_a_code)
{
	cb_mapping *m = load_map("{'from':'B','to':'x','equivalence':'broader','basis':'judgement'},\n"
	    "{'from':'A','to':'x','equivalence':'equal','basis':'seed 1','comment':'c'},\n"
	    "{'from':'B','to':'y','equivalence':'broader','basis':'judgement'},\n"
	    "{'from':'Q','equivalence':'unmatched','basis':'judgement'}", 0);
	const cb_mapping_link *l;
	size_t first, n;

	cr_assert_str_eq(cb_mapping_name(m), "m");
	cr_assert_eq(cb_mapping_link_count(m), 4);
	n = cb_mapping_translate(m, "B", 1, &first);
	cr_assert_eq(n, 2);
	l = cb_mapping_link_get(m, first);
	cr_assert_str_eq(l->to, "x");	/* file order within a code */
	cr_assert_eq(l->line, 7);
	cr_assert_str_eq(cb_mapping_link_get(m, first + 1)->to, "y");
	n = cb_mapping_translate(m, "A", 1, &first);
	cr_assert_eq(n, 1);
	l = cb_mapping_link_get(m, first);
	cr_assert_eq(l->equivalence, CB_EQ_EQUAL);
	cr_assert_str_eq(l->basis, "seed 1");
	cr_assert_str_eq(l->comment, "c");
	n = cb_mapping_translate(m, "Q", 1, &first);
	cr_assert_eq(n, 1);
	cr_assert_null(cb_mapping_link_get(m, first)->to);
	cr_assert_str_eq(cb_equivalence_name(cb_mapping_link_get(m, first)->equivalence), "unmatched");
	cr_assert_eq(cb_mapping_translate(m, "AB", 2, &first), 0);
	cr_assert_eq(cb_mapping_translate(m, "", 0, &first), 0);
	cb_mapping_free(m);
	no_leaks();
}

Test(mapping, lint_reports_every_rule_at_its_link)
{
	cb_codeset *src = load_text(J(SRC_SET)), *dst = load_text(J(DST_SET));
	cb_mapping *m = load_map("{'from':'A','to':'x','equivalence':'equal','basis':'j'},\n"
	    "{'from':'A','to':'y','equivalence':'narrower','basis':'j'},\n"
	    "{'from':'A','to':'z','equivalence':'narrower','basis':'j'},\n"
	    "{'from':'A','to':'w','equivalence':'narrower','basis':'j'},\n"
	    "{'from':'D','equivalence':'unmatched','basis':'j'}", 1);
	const cb_finding *f;
	cb_report *r = NULL;

	cr_assert_eq(cb_mapping_lint(&r, m, src, dst), CB_OK);
	cr_assert_eq(cb_report_count(r), 5, "%zu findings", cb_report_count(r));
	f = find_rule(r, "MAPPING_TARGET_DEPRECATED");
	cr_assert(f && f->severity == CB_SEV_WARNING && f->line == 8 && f->column == 1);
	f = find_rule(r, "MAPPING_TARGET_RETIRED");
	cr_assert(f && f->severity == CB_SEV_ERROR && f->line == 9 && strcmp(f->subject, "z") == 0);
	f = find_rule(r, "MAPPING_TARGET_UNKNOWN");
	cr_assert(f && f->line == 10 && strcmp(f->subject, "w") == 0);
	f = find_rule(r, "MAPPING_SOURCE_UNKNOWN");
	cr_assert(f && f->line == 11 && strcmp(f->subject, "D") == 0);
	f = find_rule(r, "MAPPING_INCOMPLETE");	/* B has no link; C is retired: none needed */
	cr_assert(f && strcmp(f->subject, "B") == 0 && strstr(f->message, "declared complete") != NULL);
	cr_assert_eq(count_rule(r, "MAPPING_INCOMPLETE"), 1);
	cb_report_free(r);
	cr_assert_eq(cb_mapping_lint(&r, m, NULL, NULL), CB_OK);
	cr_assert_eq(count_rule(r, "MAPPING_SET_UNKNOWN"), 2);
	cr_assert_eq(cb_report_count(r), 2);
	cb_report_free(r);
	cb_mapping_free(m);
	cb_codeset_free(src);
	cb_codeset_free(dst);
	no_leaks();
}

static const cb_codeset *
lookup_dst(void *arg, const char *name)
{
	return strcmp(name, "dst") == 0 ? arg : NULL;
}

/* A directory with one mapping file holding @text (after J()). */
static char *
dir_with(const char *text)
{
	static char dir[64];
	char path[128];
	FILE *fp;

	strcpy(dir, "/tmp/cbmapXXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/m.json", dir);
	cr_assert_not_null(fp = fopen(path, "w"));
	fputs(J(text), fp);
	fclose(fp);
	return dir;
}

static void
rm_dir(const char *dir)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/m.json", dir);
	unlink(path);
	rmdir(dir);
}

Test(mapping, the_gate_refuses_a_version_that_breaks_a_complete_mapping)
{
	const char *dir = dir_with("{'name':'m','source_set':'src','target_set':'dst','complete':true,'links':["
	    "{'from':'A','to':'x','equivalence':'equal','basis':'j'}]}");
	cb_codeset *src = load_text(J(SRC_SET)), *dst = load_text(J(DST_SET));
	cb_mappings *ms = NULL;
	cb_report *r = NULL;
	const cb_finding *f;

	cr_assert_eq(cb_mappings_load_dir(&ms, dir), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_mappings_count(ms), 1);
	cr_assert_not_null(cb_mappings_find(ms, "m", 1));
	cr_assert_null(cb_mappings_find(ms, "n", 1));
	/* src's B has no link: publishing src is refused, naming the mapping */
	cr_assert_eq(cb_mappings_gate(&r, ms, src, lookup_dst, dst), CB_OK);
	f = find_rule(r, "MAPPING_KEEPS_COMPLETE");
	cr_assert(f && f->severity == CB_SEV_BREAKING && strcmp(f->subject, "B") == 0);
	cr_assert(strstr(f->message, "complete mapping m") != NULL, "%s", f->message);
	cr_assert(cb_report_is_breaking(r));
	cb_report_free(r);
	r = NULL;
	/* dst keeps x: nothing to say */
	cr_assert_eq(cb_mappings_gate(&r, ms, dst, NULL, NULL), CB_OK);
	cr_assert_eq(cb_report_count(r), 0);
	cb_report_free(r);
	cb_mappings_free(ms);
	rm_dir(dir);
	/* a missing directory: no mappings */
	cr_assert_eq(cb_mappings_load_dir(&ms, "/nonexistent/mappings"), CB_OK);
	cr_assert_eq(cb_mappings_count(ms), 0);
	cb_mappings_free(ms);
	/* a bad file: named with its line and column */
	dir = dir_with("{'name':'m','source_set':'src','target_set':'dst','links':{}}");
	cr_assert_eq(cb_mappings_load_dir(&ms, dir), CB_EPARSE);
	cr_assert(strstr(cb_errmsg(), "/m.json:1:59: $.links: expected an array") != NULL, "%s", cb_errmsg());
	rm_dir(dir);
	cb_codeset_free(src);
	cb_codeset_free(dst);
	no_leaks();
}

/* The bundled mappings: clean against the bundled sets, complete, and every
 * link says its basis. */
Test(mapping, bundled_mappings_are_clean)
{
	static const char *const names[][3] = {
		{ "mappings/tiktok-shop-error-to-qe-reason", "tiktok-shop-error", "qe-reason" },
		{ "mappings/tiktok-reverse-reason-gb-to-outbound", "tiktok-reverse-reason@GB", "outbound" },
	};
	size_t i, j, judged;

	for (i = 0; i < 2; i++) {
		cb_codeset *src = load_bundled(names[i][1]), *dst = load_bundled(names[i][2]);
		cb_mapping *m = NULL;
		cb_report *r = NULL;
		cr_assert_eq(cb_mapping_load_file(&m, bundled_path(names[i][0])), CB_OK, "%s", cb_errmsg());
		cr_assert(cb_mapping_complete(m));
		cr_assert_str_eq(cb_mapping_source_set(m), names[i][1]);
		cr_assert_eq(cb_mapping_lint(&r, m, src, dst), CB_OK);
		cr_assert_eq(cb_report_count(r), 0, "%s: %s", names[i][0], cb_report_count(r) ?
		    cb_report_get(r, 0)->message : "");
		for (j = judged = 0; j < cb_mapping_link_count(m); j++)
			judged += strcmp(cb_mapping_link_get(m, j)->basis, "judgement") == 0;
		cr_assert(judged > 0 && judged < cb_mapping_link_count(m), "%s: %zu judged", names[i][0], judged);
		cb_report_free(r);
		cb_mapping_free(m);
		cb_codeset_free(src);
		cb_codeset_free(dst);
	}
	no_leaks();
}
