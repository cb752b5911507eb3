/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_builder.c - cb_builder: a set built from calls is the set the loader
 * makes of the same content, with the loader's rules and messages; what a
 * builder refuses at once; editing; a set of the largest size.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static char *
json_of(const cb_codeset *cs)
{
	char *s = NULL;

	cr_assert_eq(cb_codeset_to_json(&s, NULL, cs), CB_OK, "%s", cb_errmsg());
	return s;
}

/* "" from a getter is "none" for the builder. */
static const char *
opt(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

/* A builder holding @cs, made through the public getters only. */
static cb_builder *
rebuild(const cb_codeset *cs)
{
	cb_builder *b = NULL;
	cb_format f = CB_FORMAT_INIT;
	cb_policy p = CB_POLICY_INIT;
	size_t i, d, v, k;

	cr_assert_eq(cb_builder_new(&b, cb_codeset_name(cs), cb_codeset_title(cs), cb_codeset_version(cs)), CB_OK);
	cr_assert_eq(cb_builder_set_description(b, opt(cb_codeset_description(cs))), CB_OK);
	cr_assert_eq(cb_builder_set_source(b, opt(cb_codeset_source(cs))), CB_OK);
	cr_assert_eq(cb_builder_set_mirror(b, cb_codeset_is_mirror(cs)), CB_OK);
	cr_assert_eq(cb_builder_set_repeated_codes(b, cb_codeset_repeated_codes(cs)), CB_OK);
	cr_assert_eq(cb_builder_set_rejects_deprecated(b, cb_codeset_rejects_deprecated(cs)), CB_OK);
	cr_assert_eq(cb_codeset_format(cs, &f), CB_OK);
	cr_assert_eq(cb_builder_set_format(b, &f), CB_OK);
	cr_assert_eq(cb_codeset_policy(cs, &p), CB_OK);
	cr_assert_eq(cb_builder_set_policy(b, cb_codeset_has_policy(cs) ? &p : NULL), CB_OK);
	for (i = 0; i < cb_codeset_rule_count(cs); i++)
		cr_assert_eq(cb_builder_set_rule(b, cb_codeset_rule(cs, i), 1), CB_OK);
	for (d = 0; d < cb_codeset_dim_count(cs); d++) {
		const char *dim = cb_codeset_dim_name(cs, d);
		cr_assert_eq(cb_builder_add_dim(b, dim, opt(cb_codeset_dim_description(cs, d))), CB_OK);
		cr_assert_eq(cb_builder_set_dim_descriptive(b, dim, cb_codeset_dim_descriptive(cs, d)), CB_OK);
		for (v = 0; v < cb_codeset_dim_value_count(cs, d); v++)
			cr_assert_eq(cb_builder_add_dim_value(b, dim, cb_codeset_dim_value(cs, d, v)), CB_OK);
	}
	for (i = 0; i < cb_codeset_category_count(cs); i++)
		cr_assert_eq(cb_builder_add_category(b, cb_codeset_category_name(cs, i),
		    opt(cb_codeset_category_description(cs, i))), CB_OK);
	for (i = 0; i < cb_codeset_handling_count(cs); i++)
		cr_assert_eq(cb_builder_add_handling(b, cb_codeset_handling_name(cs, i),
		    cb_codeset_handling_action(cs, i), cb_codeset_handling_contact_support(cs, i),
		    opt(cb_codeset_handling_description(cs, i))), CB_OK);
	for (i = 0; i < cb_codeset_entry_count(cs); i++) {
		const cb_entry *e = cb_codeset_entry(cs, i);
		cb_entry_spec s = CB_ENTRY_SPEC_INIT;
		size_t at;
		s.code = cb_entry_code(e);
		s.category = opt(cb_entry_category(e));
		s.description = opt(cb_entry_description(e));
		s.status = cb_entry_status(e);
		s.since = cb_entry_since(e);
		s.deprecated_since = cb_entry_deprecated_since(e);
		s.replaced_by = cb_entry_replaced_by(e);
		s.id = cb_entry_id(e);
		s.editorial_version = cb_entry_editorial_version(e);
		s.editorial_note = s.editorial_version ? cb_entry_editorial_note(e) : NULL;
		s.handling = opt(cb_entry_handling(e));
		s.http_status = cb_entry_http_status(e);
		s.not_an_error = cb_entry_not_an_error(e);
		cr_assert_eq(cb_builder_add_entry(b, &s, &at), CB_OK, "%s", cb_errmsg());
		cr_assert_eq(at, i);
		for (d = 0; d < cb_codeset_dim_count(cs); d++)
			for (v = 0; v < cb_codeset_dim_value_count(cs, d) && cb_entry_restricts(e, d); v++)
				if (cb_entry_admits(e, d, v))
					cr_assert_eq(cb_builder_entry_applies(b, i, cb_codeset_dim_name(cs, d),
					    cb_codeset_dim_value(cs, d, v)), CB_OK);
		for (k = 0; k < cb_entry_attribute_count(e); k++)
			cr_assert_eq(cb_builder_entry_set_attribute(b, i, cb_entry_attribute_key(e, k),
			    cb_entry_attribute_value(e, k)), CB_OK);
	}
	return b;
}

/* Same content, same verdicts: every code of @a checked in @b. */
static void
same_checks(const cb_codeset *a, const cb_codeset *b)
{
	size_t i;

	for (i = 0; i < cb_codeset_entry_count(a); i++) {
		cb_check_result ra = CB_CHECK_RESULT_INIT, rb = CB_CHECK_RESULT_INIT;
		const char *code = cb_entry_code(cb_codeset_entry(a, i));
		if (code == NULL)
			continue;
		cr_assert_eq(cb_check(&ra, a, code, strlen(code), NULL, 0), CB_OK);
		cr_assert_eq(cb_check(&rb, b, code, strlen(code), NULL, 0), CB_OK);
		cr_assert_eq(ra.reason, rb.reason, "%s", code);
		cr_assert_eq(ra.nmatches, rb.nmatches, "%s", code);
		cr_assert_eq(ra.entry ? cb_entry_index(ra.entry) : 9999, rb.entry ? cb_entry_index(rb.entry) : 9999);
	}
}

Test(builder, builds_what_the_loader_loads_for_every_bundled_catalog)
{
	cb_catalog *cat = NULL;
	size_t s;

	cr_assert_eq(cb_catalog_load_dir(&cat, CB_SOURCE_DIR "/catalogs"), CB_OK, "%s", cb_errmsg());
	cr_assert_geq(cb_catalog_count(cat), 5);
	for (s = 0; s < cb_catalog_count(cat); s++) {
		const cb_codeset *cs = cb_catalog_get(cat, s);
		cb_builder *b = rebuild(cs), *c = NULL;
		cb_codeset *built = NULL, *copied = NULL;
		char *want = json_of(cs), *got, *got2;

		cr_assert_eq(cb_builder_finish(&built, b, "rebuilt"), CB_OK, "%s: %s", cb_codeset_name(cs), cb_errmsg());
		got = json_of(built);
		cr_assert_str_eq(got, want, "%s: the built set differs from the loaded one", cb_codeset_name(cs));
		cr_assert_str_eq(cb_codeset_origin(built), "rebuilt");
		same_checks(cs, built);

		cr_assert_eq(cb_builder_from(&c, cs), CB_OK, "%s", cb_errmsg());
		cr_assert_eq(cb_builder_entry_count(c), cb_codeset_entry_count(cs));
		cr_assert_eq(cb_builder_finish(&copied, c, NULL), CB_OK, "%s: %s", cb_codeset_name(cs), cb_errmsg());
		got2 = json_of(copied);
		cr_assert_str_eq(got2, want, "%s: cb_builder_from() then finish differs", cb_codeset_name(cs));
		cr_assert_str_eq(cb_codeset_origin(copied), "<builder>");
		same_checks(cs, copied);

		cb_free(want);
		cb_free(got);
		cb_free(got2);
		cb_codeset_free(built);
		cb_codeset_free(copied);
		cb_builder_free(b);
		cb_builder_free(c);
	}
	cb_catalog_free(cat);
	no_leaks();
}

Test(builder, finish_leaves_the_builder_as_it_was)
{
	cb_codeset *cs = load_bundled("qe-reason"), *one = NULL, *two = NULL;
	cb_builder *b = NULL;
	char *j1, *j2;

	cr_assert_eq(cb_builder_from(&b, cs), CB_OK);
	cr_assert_eq(cb_builder_finish(&one, b, "one"), CB_OK);
	cr_assert_eq(cb_builder_finish(&two, b, "two"), CB_OK);
	j1 = json_of(one);
	j2 = json_of(two);
	cr_assert_str_eq(j1, j2);
	cr_assert_neq(one, two);
	cb_free(j1);
	cb_free(j2);
	cb_codeset_free(one);
	cb_codeset_free(two);
	cb_builder_free(b);
	cb_codeset_free(cs);
}

/* ---- a small set, then one fault at a time ------------------------------------- */

static cb_builder *
small(void)
{
	cb_builder *b = NULL;
	cb_format f = CB_FORMAT_INIT;
	cb_entry_spec e = CB_ENTRY_SPEC_INIT;

	f.charset = "A-Z0-9_";
	f.shape = CB_SHAPE_PLAIN;
	cr_assert_eq(cb_builder_new(&b, "mini", "Mini", 2), CB_OK);
	cr_assert_eq(cb_builder_set_format(b, &f), CB_OK);
	cr_assert_eq(cb_builder_add_dim(b, "rule", "the rule"), CB_OK);
	cr_assert_eq(cb_builder_add_dim_value(b, "rule", "R1"), CB_OK);
	cr_assert_eq(cb_builder_add_dim_value(b, "rule", "R2"), CB_OK);
	cr_assert_eq(cb_builder_add_category(b, "C1", NULL), CB_OK);
	cr_assert_eq(cb_builder_add_handling(b, "again", CB_ACTION_RETRY, 0, NULL), CB_OK);
	e.code = "A";
	e.category = "C1";
	cr_assert_eq(cb_builder_add_entry(b, &e, NULL), CB_OK);
	e.code = "B";
	cr_assert_eq(cb_builder_add_entry(b, &e, NULL), CB_OK);
	return b;
}

/* The set small() builds, as JSON, with @extra before "entries" and more
 * @entries after A and B (J() quotes). */
static const char *
small_json(const char *extra, const char *entries)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "{'name':'mini','title':'Mini','version':2,%s"
	    "'format':{'charset':'A-Z0-9_','shape':'plain'},"
	    "'contexts':{'rule':{'description':'the rule','values':['R1','R2']}},"
	    "'categories':[{'name':'C1'}],'handling':[{'name':'again','action':'retry'}],"
	    "'entries':[{'code':'A','category':'C1'},{'code':'B','category':'C1'}%s]}", extra, entries);
	return J(buf);
}

/* Finish must fail with @rc, and say what the loader says of @json (after
 * its "origin:line:column: "); @json NULL: only @want is compared. */
static void
refused(cb_builder *b, int rc, const char *json, const char *want)
{
	cb_codeset *cs = NULL;
	char msg[1024];
	const char *body;

	cr_assert_eq(cb_builder_finish(&cs, b, "built"), rc, "finish: %s", cb_errmsg());
	cr_assert_null(cs);
	snprintf(msg, sizeof(msg), "%s", cb_errmsg());
	cr_assert_eq(strncmp(msg, "built: ", 7), 0, "%s", msg);
	body = msg + 7;
	if (want != NULL)
		cr_assert(strstr(body, want) != NULL, "%s: want \"%s\"", msg, want);
	if (json != NULL) {
		const char *lm;
		cr_assert_eq(cb_codeset_load_buffer(&cs, json, strlen(json), "file"), rc, "loader: %s", cb_errmsg());
		lm = cb_errmsg();
		cr_assert_eq(strncmp(lm, "file:", 5), 0, "%s", lm);
		lm = strchr(lm + 5, ':');	/* line */
		cr_assert_not_null(lm);
		lm = strchr(lm + 1, ':');	/* column */
		cr_assert_not_null(lm);
		cr_assert_str_eq(lm + 2, body, "the loader and the builder disagree");
	}
	cb_builder_free(b);
}

Test(builder, small_set_is_the_loaders)
{
	cb_builder *b = small();
	cb_codeset *built = NULL, *loaded = load_text(small_json("", ""));
	char *a, *c;

	cr_assert_eq(cb_builder_finish(&built, b, NULL), CB_OK, "%s", cb_errmsg());
	a = json_of(built);
	c = json_of(loaded);
	cr_assert_str_eq(a, c);
	cb_free(a);
	cb_free(c);
	cb_codeset_free(built);
	cb_codeset_free(loaded);
	cb_builder_free(b);
}

Test(builder, set_attributes_are_judged_as_the_loader_judges_them)
{
	cb_builder *b;
	cb_format f = CB_FORMAT_INIT;
	cb_policy p = CB_POLICY_INIT;

	b = small();
	cr_assert_eq(cb_builder_set_name(b, "Not A Name"), CB_OK);
	refused(b, CB_EPARSE, NULL, "name: \"Not A Name\" must be 1-63 characters of a-z, 0-9 and '-'");

	b = small();
	cr_assert_eq(cb_builder_set_version(b, 0), CB_OK);
	refused(b, CB_EPARSE, NULL, "code set.version: 0 is outside 1..2147483647");

	b = small();
	f.charset = "";
	cr_assert_eq(cb_builder_set_format(b, &f), CB_OK);
	refused(b, CB_EPARSE, NULL, "format.charset: must allow at least one character");

	b = small();
	f.charset = "A-Z";
	f.min_length = 5;
	f.max_length = 2;
	cr_assert_eq(cb_builder_set_format(b, &f), CB_OK);
	refused(b, CB_EPARSE, NULL, "format: min_length 5 is greater than max_length 2");

	b = small();
	f.min_length = 300;
	f.max_length = 0;
	cr_assert_eq(cb_builder_set_format(b, &f), CB_OK);
	refused(b, CB_EPARSE, NULL, "format.min_length: 300 is outside 1..256");

	b = small();
	f.min_length = 0;
	f.shape = CB_SHAPE_CATEGORY_CODE;
	cr_assert_eq(cb_builder_set_format(b, &f), CB_OK);
	refused(b, CB_EPARSE, NULL, "shape category.code needs '.' among the allowed characters");

	b = small();
	p.max_attempts = 0;
	cr_assert_eq(cb_builder_set_policy(b, &p), CB_OK);
	refused(b, CB_EPARSE, small_json("'policy':{'max_attempts':0},", ""),
	    "policy.max_attempts: 0 is outside 1..100");
}

Test(builder, declarations_are_judged_as_the_loader_judges_them)
{
	cb_builder *b;

	b = small();
	cr_assert_eq(cb_builder_add_dim(b, "a=b", NULL), CB_OK);
	refused(b, CB_EPARSE, NULL, "contexts: dimension names must be non-empty, without '=' or NUL");

	b = small();
	cr_assert_eq(cb_builder_add_dim(b, "rule", NULL), CB_OK);
	refused(b, CB_EPARSE, NULL, "contexts: dimension \"rule\" declared twice");

	b = small();
	cr_assert_eq(cb_builder_add_dim(b, "scene", NULL), CB_OK);
	refused(b, CB_EPARSE, NULL, "contexts.scene.values: at least one value needed");

	b = small();
	cr_assert_eq(cb_builder_add_dim_value(b, "rule", "R1"), CB_OK);
	refused(b, CB_EPARSE, NULL, "contexts.rule.values[2]: \"R1\" is listed twice");

	b = small();
	cr_assert_eq(cb_builder_add_dim_value(b, "rule", ""), CB_OK);
	refused(b, CB_EPARSE, NULL, "contexts.rule.values[2]: expected a non-empty string");

	b = small();
	cr_assert_eq(cb_builder_add_category(b, "", NULL), CB_OK);
	refused(b, CB_EPARSE, NULL, "categories[1].name: must not be empty");

	b = small();
	cr_assert_eq(cb_builder_add_category(b, "C1", NULL), CB_OK);
	refused(b, CB_EPARSE, NULL, "categories[1]: category \"C1\" is declared twice");

	b = small();
	cr_assert_eq(cb_builder_add_handling(b, "nothing", CB_ACTION_NONE, 0, NULL), CB_OK);
	refused(b, CB_EPARSE, NULL, "handling[1].action: \"none\" is not a handling action");

	b = small();
	cr_assert_eq(cb_builder_add_handling(b, "again", CB_ACTION_FAIL, 0, NULL), CB_OK);
	refused(b, CB_EPARSE, NULL, "handling[1]: handling class \"again\" is declared twice");
}

static cb_builder *
with_entry(const char *code, const char *category)
{
	cb_builder *b = small();
	cb_entry_spec e = CB_ENTRY_SPEC_INIT;

	e.code = code;
	e.category = category;
	cr_assert_eq(cb_builder_add_entry(b, &e, NULL), CB_OK);
	return b;
}

Test(builder, entries_are_judged_as_the_loader_judges_them)
{
	cb_entry_spec e = CB_ENTRY_SPEC_INIT;
	cb_builder *b;
	char big[300];

	refused(with_entry("a b", NULL), CB_EPARSE, small_json("", ",{'code':'a b'}"),
	    "entries[2].code: \"a b\" fails the set's format: character 'a' at position 1 is not allowed");
	refused(with_entry("A", NULL), CB_EPARSE, NULL, "entries[2]: \"A\" repeats entries[0]");
	refused(with_entry("C", "C9"), CB_EPARSE, small_json("", ",{'code':'C','category':'C9'}"),
	    "entries[2].category: \"C9\" is not a declared category");
	memset(big, 'X', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	refused(with_entry(big, NULL), CB_ETOOBIG, NULL, "entries[2].code: longer than 256 bytes");

	b = small();
	e.code = "C";
	e.handling = "later";
	cr_assert_eq(cb_builder_add_entry(b, &e, NULL), CB_OK);
	refused(b, CB_EPARSE, small_json("", ",{'code':'C','handling':'later'}"),
	    "entries[2].handling: \"later\" is not a declared handling class");

	b = small();
	e.handling = NULL;
	e.since = 3;
	cr_assert_eq(cb_builder_add_entry(b, &e, NULL), CB_OK);
	refused(b, CB_EPARSE, small_json("", ",{'code':'C','since':3}"),
	    "entries[2]: since/deprecated_since 3 is later than the set's version 2");

	b = small();
	e.since = -1;
	cr_assert_eq(cb_builder_add_entry(b, &e, NULL), CB_OK);
	refused(b, CB_EPARSE, small_json("", ",{'code':'C','since':-1}"),
	    "entries[2].since: -1 is outside 1..2147483647");

	b = small();
	e.since = 0;
	e.http_status = 99;
	cr_assert_eq(cb_builder_add_entry(b, &e, NULL), CB_OK);
	refused(b, CB_EPARSE, small_json("", ",{'code':'C','http_status':99}"),
	    "entries[2].http_status: 99 is outside 100..599");

	b = small();
	e.http_status = 0;
	e.status = CB_STATUS_DEPRECATED;
	e.replaced_by = "Z";
	cr_assert_eq(cb_builder_add_entry(b, &e, NULL), CB_OK);
	refused(b, CB_EPARSE, small_json("", ",{'code':'C','status':'deprecated','replaced_by':'Z'}"),
	    "entries[2].replaced_by: \"Z\" is not a code of this set");
}

Test(builder, context_restrictions_are_judged_as_the_loader_judges_them)
{
	cb_builder *b;

	b = small();
	cr_assert_eq(cb_builder_entry_applies(b, 1, "country", "UK"), CB_OK);
	refused(b, CB_EPARSE, NULL, "entries[1].applies.country: the set declares no context dimension \"country\"");

	b = small();
	cr_assert_eq(cb_builder_entry_applies(b, 1, "rule", "R9"), CB_OK);
	refused(b, CB_EPARSE, NULL, "entries[1].applies.rule[0]: \"R9\" is not a declared value of rule");

	b = small();
	cr_assert_eq(cb_builder_entry_applies(b, 1, "rule", "R2"), CB_OK);
	cr_assert_eq(cb_builder_entry_applies(b, 1, "rule", "R2"), CB_OK);
	refused(b, CB_EPARSE, NULL, "entries[1].applies.rule[1]: \"R2\" is listed twice");
}

Test(builder, a_row_without_a_code_is_kept_as_the_loader_keeps_it)
{
	cb_builder *b = small();
	cb_entry_spec e = CB_ENTRY_SPEC_INIT;
	cb_codeset *cs = NULL, *loaded;
	char *a, *c;

	e.description = "listed without a code";
	cr_assert_eq(cb_builder_add_entry(b, &e, NULL), CB_OK);
	cr_assert_eq(cb_builder_finish(&cs, b, NULL), CB_OK, "%s", cb_errmsg());
	cr_assert_null(cb_entry_code(cb_codeset_entry(cs, 2)));
	loaded = load_text(small_json("", ",{'code_missing':true,'description':'listed without a code'}"));
	a = json_of(cs);
	c = json_of(loaded);
	cr_assert_str_eq(a, c);
	cb_free(a);
	cb_free(c);
	cb_codeset_free(cs);
	cb_codeset_free(loaded);
	cb_builder_free(b);
}

/* ---- refused at once ------------------------------------------------------------ */

Test(builder, arguments_are_checked_at_once)
{
	cb_builder *b = small();
	cb_entry_spec e = CB_ENTRY_SPEC_INIT, bad;
	cb_format f = CB_FORMAT_INIT;
	cb_policy p;
	cb_codeset *cs = NULL;
	size_t i;

	cr_assert_eq(cb_builder_new(NULL, "x", "X", 1), CB_EINVAL);
	cr_assert_eq(cb_builder_new(&b, NULL, "X", 1), CB_EINVAL);
	cr_assert_eq(cb_builder_from(NULL, NULL), CB_EINVAL);
	cr_assert_eq(cb_builder_finish(NULL, b, NULL), CB_EINVAL);
	cr_assert_eq(cb_builder_finish(&cs, NULL, NULL), CB_EINVAL);
	cr_assert_eq(cb_builder_set_title(b, NULL), CB_EINVAL);
	cr_assert_eq(cb_builder_add_entry(b, NULL, NULL), CB_EINVAL);
	memset(&bad, 0, sizeof(bad));
	cr_assert_eq(cb_builder_add_entry(b, &bad, NULL), CB_EINVAL);
	cr_assert(strstr(cb_errmsg(), "CB_ENTRY_SPEC_INIT") != NULL, "%s", cb_errmsg());
	e.status = (cb_status)7;
	cr_assert_eq(cb_builder_add_entry(b, &e, NULL), CB_EINVAL);
	f.charset = "A-Z";
	f.shape = (cb_shape)9;
	cr_assert_eq(cb_builder_set_format(b, &f), CB_EINVAL);
	f.shape = CB_SHAPE_PLAIN;
	f.version = 2;
	cr_assert_eq(cb_builder_set_format(b, &f), CB_EINVAL);
	memset(&p, 0, sizeof(p));
	cr_assert_eq(cb_builder_set_policy(b, &p), CB_EINVAL);
	cr_assert_eq(cb_builder_add_handling(b, "h", (cb_action)42, 0, NULL), CB_EINVAL);
	cr_assert_eq(cb_builder_entry_applies(b, 2, "rule", "R1"), CB_EINVAL);
	cr_assert_eq(cb_builder_entry_set_attribute(b, 99, "k", "v"), CB_EINVAL);
	cr_assert_eq(cb_builder_entry_clear_applies(b, 99, NULL), CB_EINVAL);
	cr_assert_eq(cb_builder_set_entry(b, 2, &(cb_entry_spec)CB_ENTRY_SPEC_INIT), CB_EINVAL);
	cr_assert_eq(cb_builder_get_entry(&e, b, 2), CB_EINVAL);
	cr_assert_eq(cb_builder_add_dim_value(b, "scene", "x"), CB_ENOTFOUND);
	cr_assert_eq(cb_builder_find(&i, b, "Z"), CB_ENOTFOUND);
	cr_assert_eq(cb_builder_find(&i, b, "B"), CB_OK);
	cr_assert_eq(i, 1);
	cr_assert_eq(cb_builder_entry_count(NULL), 0);
	cb_builder_free(NULL);
	cb_builder_free(b);
}

Test(builder, limits_are_refused_at_once)
{
	cb_builder *b = small();
	cb_entry_spec e = CB_ENTRY_SPEC_INIT;
	char name[16], *huge;
	int k;

	for (k = 1; k < 8; k++) {
		snprintf(name, sizeof(name), "d%d", k);
		cr_assert_eq(cb_builder_add_dim(b, name, NULL), CB_OK);
	}
	cr_assert_eq(cb_builder_add_dim(b, "d9", NULL), CB_ETOOBIG);
	for (k = 2; k < 64; k++) {
		snprintf(name, sizeof(name), "R%d", k + 1);
		cr_assert_eq(cb_builder_add_dim_value(b, "rule", name), CB_OK);
	}
	cr_assert_eq(cb_builder_add_dim_value(b, "rule", "R65"), CB_ETOOBIG);
	for (k = 0; k < 32; k++) {
		snprintf(name, sizeof(name), "k%d", k);
		cr_assert_eq(cb_builder_entry_set_attribute(b, 0, name, "v"), CB_OK);
	}
	cr_assert_eq(cb_builder_entry_set_attribute(b, 0, "k32", "v"), CB_ETOOBIG);
	cr_assert_eq(cb_builder_entry_set_attribute(b, 0, "k31", "w"), CB_OK, "replacing is not adding");
	huge = malloc((64u << 10) + 2);
	cr_assert_not_null(huge);
	memset(huge, 'x', (64u << 10) + 1);
	huge[(64u << 10) + 1] = '\0';
	cr_assert_eq(cb_builder_set_description(b, huge), CB_ETOOBIG);
	e.description = huge;
	cr_assert_eq(cb_builder_add_entry(b, &e, NULL), CB_ETOOBIG);
	cr_assert_eq(cb_builder_entry_count(b), 2, "a refused entry is not added");
	free(huge);
	cb_builder_free(b);
}

/* ---- editing -------------------------------------------------------------------- */

Test(builder, next_version_of_a_set)
{
	cb_codeset *cs = load_bundled("qe-reason"), *next = NULL;
	cb_builder *b = NULL;
	cb_entry_spec e = CB_ENTRY_SPEC_INIT;
	cb_report *r = NULL;
	size_t i, n;
	const cb_entry *ne;

	cr_assert_eq(cb_builder_from(&b, cs), CB_OK);
	cr_assert_eq(cb_builder_set_version(b, 2), CB_OK);
	cr_assert_eq(cb_builder_find(&i, b, "APP_MISSED_WEBHOOK"), CB_OK);
	cr_assert_eq(cb_builder_get_entry(&e, b, i), CB_OK);
	cr_assert_str_eq(e.code, "APP_MISSED_WEBHOOK");
	e.description = "The app missed the marketplace's webhook (reworded)";
	cr_assert_eq(cb_builder_set_entry(b, i, &e), CB_OK);
	cr_assert_eq(cb_builder_entry_clear_applies(b, i, "rule"), CB_OK);	/* now for any rule */
	cr_assert_eq(cb_builder_entry_set_attribute(b, i, "ticket", "QE-1"), CB_OK);
	e = (cb_entry_spec)CB_ENTRY_SPEC_INIT;
	e.code = "SELLER_NEW_REASON";
	e.description = "added in version 2";
	e.since = 2;
	cr_assert_eq(cb_builder_add_entry(b, &e, &n), CB_OK);
	cr_assert_eq(cb_builder_entry_applies(b, n, "rule", "A3"), CB_OK);
	cr_assert_eq(cb_builder_finish(&next, b, "qe-reason v2"), CB_OK, "%s", cb_errmsg());

	cr_assert_eq(cb_codeset_version(next), 2);
	cr_assert_eq(cb_codeset_entry_count(next), cb_codeset_entry_count(cs) + 1);
	ne = cb_codeset_find(next, "APP_MISSED_WEBHOOK", 18);
	cr_assert_not_null(ne);
	cr_assert_str_eq(cb_entry_description(ne), "The app missed the marketplace's webhook (reworded)");
	cr_assert_not(cb_entry_restricts(ne, 0));
	cr_assert_str_eq(cb_entry_attribute(ne, "ticket"), "QE-1");
	ne = cb_codeset_find(next, "SELLER_NEW_REASON", 17);
	cr_assert_not_null(ne);
	cr_assert(cb_entry_admits(ne, 0, (size_t)cb_codeset_dim_value_index(next, 0, "A3", 2)));
	cr_assert_not(cb_entry_admits(ne, 0, (size_t)cb_codeset_dim_value_index(next, 0, "R1", 2)));
	/* governance sees an addition and a widening, nothing breaking */
	cr_assert_eq(cb_diff(&r, cs, next), CB_OK);
	cr_assert_not(cb_report_is_breaking(r));
	cr_assert_not_null(find_rule(r, "CODE_ADDED"));
	cr_assert_not_null(find_rule(r, "DESCRIPTION_CHANGED"));
	cb_report_free(r);

	/* removing the attribute again, and with it every restriction */
	cr_assert_eq(cb_builder_entry_set_attribute(b, i, "ticket", NULL), CB_OK);
	cr_assert_eq(cb_builder_entry_set_attribute(b, i, "absent", NULL), CB_OK);
	cr_assert_eq(cb_builder_entry_clear_applies(b, n, NULL), CB_OK);
	cb_codeset_free(next);
	cr_assert_eq(cb_builder_finish(&next, b, NULL), CB_OK, "%s", cb_errmsg());
	cr_assert_null(cb_entry_attribute(cb_codeset_find(next, "APP_MISSED_WEBHOOK", 18), "ticket"));
	cr_assert_not(cb_entry_restricts(cb_codeset_find(next, "SELLER_NEW_REASON", 17), 0));
	cb_codeset_free(next);
	cb_builder_free(b);
	cb_codeset_free(cs);
}

/* The largest set: every code found through the perfect hash. */
Test(builder, a_set_of_the_largest_size)
{
	const size_t n = 100000;
	cb_builder *b = NULL;
	cb_entry_spec e = CB_ENTRY_SPEC_INIT;
	cb_codeset *cs = NULL;
	char code[32];
	size_t i;

	cr_assert_eq(cb_builder_new(&b, "big", "Big", 1), CB_OK);
	e.code = code;
	for (i = 0; i < n; i++) {
		snprintf(code, sizeof(code), "C%zu_%zx", i * 7919 % n, i);
		cr_assert_eq(cb_builder_add_entry(b, &e, NULL), CB_OK, "%zu: %s", i, cb_errmsg());
	}
	snprintf(code, sizeof(code), "ONE_TOO_MANY");
	cr_assert_eq(cb_builder_add_entry(b, &e, NULL), CB_ETOOBIG);
	cr_assert_eq(cb_builder_finish(&cs, b, NULL), CB_OK, "%s", cb_errmsg());
	for (i = 0; i < n; i++) {
		const cb_entry *f;
		snprintf(code, sizeof(code), "C%zu_%zx", i * 7919 % n, i);
		f = cb_codeset_find(cs, code, strlen(code));
		cr_assert_not_null(f, "%s not found", code);
		cr_assert_eq(cb_entry_index(f), i);
	}
	cr_assert_null(cb_codeset_find(cs, "C0_1", 4));
	cr_assert_null(cb_codeset_find(cs, "", 0));
	cb_codeset_free(cs);
	cb_builder_free(b);
}
