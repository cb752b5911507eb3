/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_oom.c - fault injection: make the n-th allocation fail, for n = 0,
 * 1, 2, ... until the call succeeds.  Every call must return CB_OK or
 * CB_ENOMEM, never crash or leak (ASan, in `make test`), and when it
 * succeeds its result must equal the one without faults: an allocation
 * failure that is swallowed shows up as a different result.  (The
 * simdjson shim allocates through C++ new, which this does not reach.)
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "util/alloc.h"


#define MAX_STEPS 100000

static void
reset_faults(void)
{
	cb_alloc_fail_after(-1);
}

/* One scenario: runs the call, returns its code; on CB_OK *result is a
 * malloc'ed text that describes the result completely. */
typedef int (*scenario)(const void *arg, char **result);

/* Run @fn without faults for the reference, then under faults from the
 * first allocation on until it succeeds. */
static void
sweep(const char *what, scenario fn, const void *arg)
{
	char *want = NULL, *got = NULL;
	long n;
	int rc;

	cr_assert_eq(fn(arg, &want), CB_OK, "%s: fails without faults: %s", what, cb_errmsg());
	for (n = 0; n < MAX_STEPS; n++) {
		cb_alloc_fail_after(n);
		rc = fn(arg, &got);
		cb_alloc_fail_after(-1);
		if (rc == CB_OK)
			break;
		cr_assert_eq(rc, CB_ENOMEM, "%s: allocation %ld failed: %s (%s)", what, n,
		    cb_strerror(rc), cb_errmsg());
	}
	cr_assert_lt(n, MAX_STEPS, "%s: never succeeded", what);
	cr_assert_gt(n, 0, "%s: allocates nothing?", what);
	cr_assert_str_eq(got, want, "%s: result after %ld failed allocations differs", what, n);
	free(want);
	free(got);
	no_leaks();	/* nothing the failed calls allocated may be left */
}

/* A NUL-terminated copy of a library string freed with cb_free(). */
static char *
own(char *s, size_t len)
{
	char *d = malloc(len + 1);

	cr_assert_not_null(d);
	memcpy(d, s, len);
	d[len] = '\0';
	cb_free(s);
	return d;
}

/* The findings of @r as text. */
static char *
report_text(const cb_report *r)
{
	size_t i, size = 256 + cb_report_count(r) * 2048, n = 0;
	char *s = malloc(size);

	cr_assert_not_null(s);
	n += (size_t)snprintf(s + n, size - n, "%zu findings\n", cb_report_count(r));
	for (i = 0; i < cb_report_count(r); i++) {
		const cb_finding *f = cb_report_get(r, i);
		n += (size_t)snprintf(s + n, size - n, "%s %d %s %s:%u:%u %s\n", f->rule, (int)f->severity,
		    f->subject, f->file, f->line, f->column, f->message);
	}
	return s;
}

/* ---- scenarios ------------------------------------------------------------------ */

struct text {
	const char *name;
	const char *buf;
	size_t len;
	char *owned;	/* buf, when read from a file */
};

static struct text
bundled_text(const char *name)
{
	struct text t;
	char rel[256];

	snprintf(rel, sizeof(rel), "catalogs/%s.json", name);
	t.name = name;
	t.owned = read_source_file(rel, &t.len);
	t.buf = t.owned;
	return t;
}

static int
do_load_buffer(const void *arg, char **result)
{
	const struct text *t = arg;
	cb_codeset *cs = NULL;
	char *json;
	size_t len;
	int rc;

	if ((rc = cb_codeset_load_buffer(&cs, t->buf, t->len, t->name)) != CB_OK)
		return rc;
	/* describe the set without faults, by its canonical serialisation */
	cb_alloc_fail_after(-1);
	cr_assert_eq(cb_codeset_to_json(&json, &len, cs), CB_OK);
	*result = own(json, len);
	cb_codeset_free(cs);
	return CB_OK;
}

static int
do_load_file(const void *arg, char **result)
{
	cb_codeset *cs = NULL;
	char *json;
	size_t len;
	int rc;

	if ((rc = cb_codeset_load_file(&cs, bundled_path(arg))) != CB_OK)
		return rc;
	cb_alloc_fail_after(-1);
	cr_assert_eq(cb_codeset_to_json(&json, &len, cs), CB_OK);
	*result = own(json, len);
	cb_codeset_free(cs);
	return CB_OK;
}

static int
do_to_json(const void *arg, char **result)
{
	char *json = NULL;
	size_t len = 0;
	int rc;

	if ((rc = cb_codeset_to_json(&json, &len, arg)) != CB_OK) {
		cr_assert_null(json);
		return rc;
	}
	*result = own(json, len);
	return CB_OK;
}

static int
do_lint(const void *arg, char **result)
{
	const struct text *t = arg;
	cb_report *r = NULL;
	int rc;

	if ((rc = cb_lint_buffer(&r, t->buf, t->len, t->name)) != CB_OK) {
		cr_assert_null(r);
		return rc;
	}
	*result = report_text(r);
	cb_report_free(r);
	return CB_OK;
}

struct pair {
	const cb_codeset *o, *n;
};

static int
do_diff(const void *arg, char **result)
{
	const struct pair *p = arg;
	cb_report *r = NULL;
	int rc;

	if ((rc = cb_diff(&r, p->o, p->n)) != CB_OK) {
		cr_assert_null(r);
		return rc;
	}
	*result = report_text(r);
	cb_report_free(r);
	return CB_OK;
}

struct export_arg {
	const cb_codeset *cs;
	cb_export_format fmt;
};

static int
do_export(const void *arg, char **result)
{
	const struct export_arg *e = arg;
	char *out = NULL;
	size_t len = 0;
	int rc;

	if ((rc = cb_export(&out, &len, e->cs, e->fmt)) != CB_OK) {
		cr_assert_null(out);
		return rc;
	}
	*result = own(out, len);
	return CB_OK;
}

static int
do_catalog(const void *arg, char **result)
{
	cb_catalog *cat = NULL;
	size_t i, n = 0, size = 4096;
	char *s;
	int rc;

	if ((rc = cb_catalog_load_dir(&cat, arg)) != CB_OK) {
		cr_assert_null(cat);
		return rc;
	}
	s = malloc(size);
	cr_assert_not_null(s);
	s[0] = '\0';
	for (i = 0; i < cb_catalog_count(cat); i++) {
		const cb_codeset *cs = cb_catalog_get(cat, i);
		n += (size_t)snprintf(s + n, size - n, "%s %zu\n", cb_codeset_name(cs), cb_codeset_entry_count(cs));
	}
	cb_catalog_free(cat);
	*result = s;
	return CB_OK;
}

/* The set a builder makes of @cs, as JSON. */
static int
do_build_from(const void *arg, char **result)
{
	cb_builder *b = NULL;
	cb_codeset *cs = NULL;
	char *json;
	size_t len;
	int rc;

	if ((rc = cb_builder_from(&b, arg)) != CB_OK) {
		cr_assert_null(b);
		return rc;
	}
	rc = cb_builder_finish(&cs, b, NULL);
	cb_builder_free(b);
	if (rc != CB_OK) {
		cr_assert_null(cs);
		return rc;
	}
	cb_alloc_fail_after(-1);
	cr_assert_eq(cb_codeset_to_json(&json, &len, cs), CB_OK);
	*result = own(json, len);
	cb_codeset_free(cs);
	return CB_OK;
}

/* Every call of the builder API; with @fault, a content the finish refuses
 * (then the result is its message). */
static int
do_build_calls(const void *arg, char **result)
{
	const int fault = arg != NULL;
	cb_builder *b = NULL;
	cb_codeset *cs = NULL;
	cb_format f = CB_FORMAT_INIT;
	cb_policy p = CB_POLICY_INIT;
	cb_entry_spec e = CB_ENTRY_SPEC_INIT;
	size_t i;
	char *json;
	size_t len;
	int rc;

	f.charset = "A-Z_.";
	f.shape = CB_SHAPE_CATEGORY_CODE;
	p.max_attempts = 3;
	if ((rc = cb_builder_new(&b, "built", "Built", 2)) != CB_OK)
		return rc;
	if ((rc = cb_builder_set_description(b, "made by calls")) != CB_OK ||
	    (rc = cb_builder_set_source(b, "test_oom.c")) != CB_OK ||
	    (rc = cb_builder_set_format(b, &f)) != CB_OK ||
	    (rc = cb_builder_set_policy(b, &p)) != CB_OK ||
	    (rc = cb_builder_add_dim(b, "rule", "the rule")) != CB_OK ||
	    (rc = cb_builder_add_dim_value(b, "rule", "R1")) != CB_OK ||
	    (rc = cb_builder_add_dim_value(b, "rule", "R2")) != CB_OK ||
	    (rc = cb_builder_add_category(b, "FRAUD", "fraud")) != CB_OK ||
	    (rc = cb_builder_add_handling(b, "again", CB_ACTION_RETRY, 1, "retry")) != CB_OK)
		goto out;
	e.code = "FRAUD.A";
	e.description = "a";
	e.handling = "again";
	if ((rc = cb_builder_add_entry(b, &e, &i)) != CB_OK ||
	    (rc = cb_builder_entry_applies(b, i, "rule", "R1")) != CB_OK ||
	    (rc = cb_builder_entry_set_attribute(b, i, "k", "v")) != CB_OK ||
	    (rc = cb_builder_entry_set_attribute(b, i, "k", "w")) != CB_OK)
		goto out;
	e.code = fault ? "FRAUD.A" : "FRAUD.B";
	e.status = CB_STATUS_DEPRECATED;
	e.deprecated_since = 2;
	e.replaced_by = "FRAUD.A";
	if ((rc = cb_builder_add_entry(b, &e, &i)) != CB_OK ||
	    (rc = cb_builder_set_entry(b, i, &e)) != CB_OK)
		goto out;
	rc = cb_builder_finish(&cs, b, "calls");
	if (fault && rc == CB_EPARSE) {
		cr_assert_null(cs);
		*result = strdup(cb_errmsg());
		cr_assert_not_null(*result);
		rc = CB_OK;
		goto out;
	}
	if (rc != CB_OK)
		goto out;
	cr_assert_not(fault, "the duplicate was not refused");
	cb_alloc_fail_after(-1);
	cr_assert_eq(cb_codeset_to_json(&json, &len, cs), CB_OK);
	*result = own(json, len);
out:
	cb_codeset_free(cs);
	cb_builder_free(b);
	return rc;
}

/* ---- tests ------------------------------------------------------------------------- */

Test(oom, loading_each_bundled_catalog_from_memory, .fini = reset_faults)
{
	size_t i;

	for (i = 0; i < 4; i++) {
		struct text t = bundled_text(bundled_names[i]);
		sweep(bundled_names[i], do_load_buffer, &t);
		free(t.owned);
	}
}

Test(oom, loading_each_bundled_catalog_from_its_file, .fini = reset_faults)
{
	size_t i;

	for (i = 0; i < 4; i++)
		sweep(bundled_names[i], do_load_file, bundled_names[i]);
}

Test(oom, serialising_each_bundled_catalog, .fini = reset_faults)
{
	size_t i;

	for (i = 0; i < 4; i++) {
		cb_codeset *cs = load_bundled(bundled_names[i]);
		sweep(bundled_names[i], do_to_json, cs);
		cb_codeset_free(cs);
	}
}

Test(oom, linting_each_bundled_catalog, .fini = reset_faults)
{
	size_t i;

	for (i = 0; i < 4; i++) {
		struct text t = bundled_text(bundled_names[i]);
		sweep(bundled_names[i], do_lint, &t);
		free(t.owned);
	}
}

Test(oom, linting_a_file_with_many_problems, .fini = reset_faults)
{
	struct text t;

	t.name = "broken.json";
	t.owned = NULL;
	t.buf = J("{'name':'b','title':'B','version':1,"
	    "'format':{'charset':'A-Z_.','shape':'category.code','case':'upper'},"
	    "'contexts':{'rule':{'values':['R1','R2']}},'categories':[{'name':'FRAUD'},{'name':'FRAUD'}],"
	    "'entries':[{'code':'FRAUD.A'},{'code':'FRAUD.A'},{'code':'PAY.X'},"
	    "{'code':'FRAUD.B','applies':{'rule':['R9']}},{'code':'FRAUD.C','status':'deprecated',"
	    "'replaced_by':'FRAUD.Z'},{'code':'FRAUD.D','since':4},{'code_missing':true}]}");
	t.len = strlen(t.buf);
	sweep("broken", do_lint, &t);
}

Test(oom, linting_many_whole_set_warnings, .fini = reset_faults)
{
	/* 20 warnings found after loading (DEPRECATED_NO_SINCE): the report
	 * grows while the whole-set checks run */
	char json[4096];
	struct text t;
	int i, n;

	n = snprintf(json, sizeof(json), "{\"name\":\"w\",\"title\":\"W\",\"version\":1,"
	    "\"format\":{\"charset\":\"A-Z0-9\",\"shape\":\"plain\"},\"entries\":[");
	for (i = 0; i < 20; i++)
		n += snprintf(json + n, sizeof(json) - (size_t)n, "%s{\"code\":\"C%d\",\"status\":\"deprecated\"}",
		    i ? "," : "", i);
	snprintf(json + n, sizeof(json) - (size_t)n, "]}");
	t.name = "warnings.json";
	t.buf = json;
	t.len = strlen(json);
	t.owned = NULL;
	sweep("warnings", do_lint, &t);
}

Test(oom, linting_a_syntax_error, .fini = reset_faults)
{
	struct text t = { "syntax.json", "{\"name\": \"x\",,}", 16, NULL };

	sweep("syntax", do_lint, &t);
}

Test(oom, diffing, .fini = reset_faults)
{
	const char *o = J("{'name':'g','title':'G','version':1,'format':{'charset':'A-Z_.','shape':'category.code'},"
	    "'contexts':{'rule':{'values':['R1','R2','R3']}},'categories':[{'name':'A'},{'name':'B'}],"
	    "'entries':[{'code':'A.X','applies':{'rule':['R1','R2']}},{'code':'A.Y','description':'y'},"
	    "{'code':'B.Z'}]}");
	const char *n = J("{'name':'g','title':'G','version':1,'format':{'charset':'A-Z.','shape':'category.code'},"
	    "'contexts':{'rule':{'values':['R1','R4']},'shop':{'values':['s']}},"
	    "'categories':[{'name':'A'},{'name':'C'}],"
	    "'entries':[{'code':'A.X','applies':{'rule':['R1']}},{'code':'A.Y','description':'z',"
	    "'status':'deprecated'},{'code':'C.W'}]}");
	struct pair p;
	cb_codeset *a = load_text(o), *b = load_text(n);
	size_t i;

	p.o = a;
	p.n = b;
	sweep("breaking diff", do_diff, &p);
	for (i = 0; i < 4; i++) {
		cb_codeset *cs = load_bundled(bundled_names[i]);
		p.o = p.n = cs;
		sweep(bundled_names[i], do_diff, &p);
		cb_codeset_free(cs);
	}
	cb_codeset_free(a);
	cb_codeset_free(b);
}

Test(oom, exporting_each_bundled_catalog_in_each_format, .fini = reset_faults)
{
	static const cb_export_format fmts[] = {
		CB_EXPORT_JSONSCHEMA, CB_EXPORT_MARKDOWN, CB_EXPORT_C_HEADER, CB_EXPORT_CSV, CB_EXPORT_JSON
	};
	size_t i, f;

	for (i = 0; i < 4; i++) {
		cb_codeset *cs = load_bundled(bundled_names[i]);
		for (f = 0; f < 5; f++) {
			struct export_arg e = { cs, fmts[f] };
			char what[128];
			snprintf(what, sizeof(what), "%s as %s", bundled_names[i], cb_export_format_name(fmts[f]));
			sweep(what, do_export, &e);
		}
		cb_codeset_free(cs);
	}
}

Test(oom, building_each_bundled_catalog_again, .fini = reset_faults)
{
	size_t i;

	for (i = 0; i < 4; i++) {
		cb_codeset *cs = load_bundled(bundled_names[i]);
		sweep(bundled_names[i], do_build_from, cs);
		cb_codeset_free(cs);
	}
}

Test(oom, building_a_set_call_by_call, .fini = reset_faults)
{
	sweep("built", do_build_calls, NULL);
	sweep("built with a duplicate", do_build_calls, "fault");
}

Test(oom, loading_the_catalog_directory, .fini = reset_faults)
{
	sweep("catalogs", do_catalog, CB_SOURCE_DIR "/catalogs");
}
