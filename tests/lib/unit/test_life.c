/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_life.c - the life of a code in one set: effective dates, usage
 * modes (cb_check_at(), CB_CHECK_ACCEPT), their lint, and the fields
 * written back.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* 2027-01-01T00:00:00Z, 2027-07-01T00:00:00Z in microseconds */
#define T_2027    (INT64_C(1798761600) * 1000000)
#define T_2027_07 (INT64_C(1814400000) * 1000000)

static const char *const SET =
    "{\"name\": \"life\", \"title\": \"t\", \"version\": 1, \"format\": {\"charset\": \"A-Z\", \"shape\": \"plain\"},"
    " \"entries\": ["
    "  {\"code\": \"NOW\", \"status\": \"active\"},"
    "  {\"code\": \"SOON\", \"status\": \"active\", \"valid_from\": \"2027-01-01\"},"
    "  {\"code\": \"ENDING\", \"status\": \"active\", \"valid_from\": \"2026-01-01T00:00:00Z\","
    "   \"valid_to\": \"2027-01-01\", \"replaced_by\": \"NOW\"},"
    "  {\"code\": \"OLD\", \"status\": \"deprecated\", \"usage\": \"accept\"},"
    "  {\"code\": \"FRESH\", \"status\": \"active\", \"usage\": \"send\"}"
    "]}";

static cb_check_result r = CB_CHECK_RESULT_INIT;

static cb_reason
at(const cb_codeset *cs, const char *code, unsigned flags, int64_t t)
{
	cr_assert_eq(cb_check_at(&r, cs, code, strlen(code), NULL, 0, flags, t), CB_OK);
	return r.reason;
}

static const char *
msg(void)
{
	static char buf[CB_CHECK_MESSAGE_MAX];

	cr_assert_eq(cb_check_message(buf, sizeof(buf), &r), CB_OK, "%s", cb_errmsg());
	return buf;
}

Test(life, dates_decide_at_the_time_given)
{
	cb_codeset *cs = load_text(SET);

	cr_assert_eq(at(cs, "SOON", 0, T_2027 - 1), CB_NOT_YET_VALID);
	cr_assert_not(r.accepted);
	cr_assert_str_eq(cb_entry_code(r.entry), "SOON");
	cr_assert_str_eq(msg(), "SOON is not valid yet in life v1: valid from 2027-01-01");
	cr_assert_eq(at(cs, "SOON", 0, T_2027), CB_VALID, "valid_from is inclusive");
	cr_assert(r.accepted);
	cr_assert_eq(at(cs, "ENDING", 0, T_2027 - 1), CB_VALID);
	cr_assert_eq(at(cs, "ENDING", 0, T_2027), CB_EXPIRED, "valid_to is exclusive");
	cr_assert_str_eq(msg(), "ENDING has expired in life v1: valid from 2026-01-01T00:00:00Z to "
	    "2027-01-01; use NOW instead");
	cr_assert_eq(at(cs, "NOW", 0, T_2027_07), CB_VALID);
	cb_codeset_free(cs);
}

Test(life, without_a_time_dates_are_not_checked)
{
	cb_codeset *cs = load_text(SET);

	cr_assert_eq(at(cs, "SOON", 0, CB_CHECK_NO_TIME), CB_VALID);
	cr_assert_eq(cb_check(&r, cs, "ENDING", 6, NULL, 0), CB_OK);
	cr_assert_eq(r.reason, CB_VALID);
	cb_codeset_free(cs);
}

Test(life, usage_modes)
{
	cb_codeset *cs = load_text(SET);

	cr_assert_eq(at(cs, "OLD", 0, CB_CHECK_NO_TIME), CB_WRONG_MODE, "send is the default");
	cr_assert_str_eq(msg(), "OLD may only be accepted on existing records (usage: accept) in life v1, "
	    "not sent in new ones");
	cr_assert_eq(at(cs, "OLD", CB_CHECK_ACCEPT, CB_CHECK_NO_TIME), CB_DEPRECATED,
	    "accepted: then its status speaks");
	cr_assert_eq(at(cs, "FRESH", CB_CHECK_ACCEPT, CB_CHECK_NO_TIME), CB_WRONG_MODE);
	cr_assert_str_eq(msg(), "FRESH may only be sent in new records (usage: send) in life v1, not "
	    "accepted on existing ones");
	cr_assert_eq(at(cs, "FRESH", CB_CHECK_NO_ALTS, CB_CHECK_NO_TIME), CB_VALID);
	cr_assert_eq(at(cs, "NOW", CB_CHECK_ACCEPT, CB_CHECK_NO_TIME), CB_VALID, "both by default");
	cr_assert_eq(cb_check(&r, cs, "OLD", 3, NULL, 0), CB_OK);
	cr_assert_eq(r.reason, CB_WRONG_MODE, "cb_check() checks for sending");
	cr_assert_str_eq(cb_reason_name(CB_WRONG_MODE), "wrong-mode");
	cr_assert_str_eq(cb_reason_name(CB_NOT_YET_VALID), "not-yet-valid");
	cr_assert_str_eq(cb_reason_name(CB_EXPIRED), "expired");
	cb_codeset_free(cs);
}

Test(life, getters_and_the_canonical_file)
{
	cb_codeset *cs = load_text(SET), *again;
	const cb_entry *e = cb_codeset_find(cs, "ENDING", 6);
	char *json;
	size_t len;

	cr_assert_str_eq(cb_entry_valid_from(e), "2026-01-01T00:00:00Z");
	cr_assert_str_eq(cb_entry_valid_to(e), "2027-01-01");
	cr_assert_eq(cb_entry_valid_to_us(e), T_2027);
	cr_assert_eq(cb_entry_valid_from_us(cb_codeset_find(cs, "NOW", 3)), INT64_MIN);
	cr_assert_eq(cb_entry_usage(cb_codeset_find(cs, "OLD", 3)), CB_USAGE_ACCEPT);
	cr_assert_str_eq(cb_usage_name(CB_USAGE_SEND), "send");
	cr_assert_eq(cb_codeset_to_json(&json, &len, cs), CB_OK);
	cr_assert(strstr(json, "\"usage\": \"accept\"") != NULL, "%s", json);
	cr_assert(strstr(json, "\"valid_to\": \"2027-01-01\"") != NULL);
	again = load_text(json);
	cr_assert_eq(cb_entry_valid_to_us(cb_codeset_find(again, "ENDING", 6)), T_2027);
	free(json);
	cb_codeset_free(again);
	cb_codeset_free(cs);
}

Test(life, dates_out_of_order_and_malformed)
{
	cb_codeset *cs = NULL;
	const char *bad = "{\"name\": \"life\", \"title\": \"t\", \"version\": 1, \"format\": {\"charset\": \"A-Z\", \"shape\": \"plain\"}, \"entries\": ["
	    "{\"code\": \"X\", \"status\": \"active\", \"valid_from\": \"2027-01-01\", \"valid_to\": \"2027-01-01\"}]}";
	const char *junk = "{\"name\": \"life\", \"title\": \"t\", \"version\": 1, \"format\": {\"charset\": \"A-Z\", \"shape\": \"plain\"}, \"entries\": ["
	    "{\"code\": \"X\", \"status\": \"active\", \"valid_to\": \"next year\"}]}";
	cb_report *rep = NULL;

	cr_assert_eq(cb_codeset_load_buffer(&cs, bad, strlen(bad), "bad.json"), CB_EPARSE);
	cr_assert(strstr(cb_errmsg(), "valid_from 2027-01-01 is not before valid_to 2027-01-01") != NULL,
	    "%s", cb_errmsg());
	cr_assert_eq(cb_lint_buffer(&rep, bad, strlen(bad), "bad.json"), CB_OK);
	cr_assert_eq(cb_report_count(rep), 1);
	cr_assert_str_eq(cb_report_get(rep, 0)->rule, "VALID_DATES_ORDER");
	cb_report_free(rep);
	cr_assert_eq(cb_codeset_load_buffer(&cs, junk, strlen(junk), "junk.json"), CB_EPARSE);
	cr_assert(strstr(cb_errmsg(), "entries[0].valid_to: ") != NULL, "%s", cb_errmsg());
	cr_assert(strstr(cb_errmsg(), "or a date such as 2027-01-01") != NULL, "%s", cb_errmsg());
}

/* ---- governance: deprecate before retire, tombstones, the change feed ---- */

static const char *const GOV =
    "{\"name\": \"gov\", \"title\": \"t\", \"version\": %d, \"format\": {\"charset\": \"A-Z\", \"shape\": \"plain\"},"
    " \"governance\": {\"deprecation_window_days\": %d},"
    " \"entries\": [{\"code\": \"KEEP\", \"id\": 1, \"status\": \"active\"},"
    "  {\"code\": \"GONE\", \"id\": 2, \"status\": \"%s\", \"deprecated_since\": 2%s}]}";

static cb_codeset *
gov(int version, int days, const char *status, const char *extra)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), GOV, version, days, status, extra);
	return load_text(buf);
}

static int
published(void *arg, int v, int64_t *us)
{
	(void)arg;
	if (v != 2)
		return -1;
	*us = T_2027;
	return 0;
}

static const cb_finding *
only(const cb_report *rep, const char *rule)
{
	size_t i;

	for (i = 0; i < cb_report_count(rep); i++)
		if (strcmp(cb_report_get(rep, i)->rule, rule) == 0)
			return cb_report_get(rep, i);
	return NULL;
}

Test(life, the_window_from_the_history_of_the_set)
{
	cb_codeset *o = gov(2, 30, "deprecated", ""), *n = gov(3, 30, "retired", "");
	cb_diff_opts opts = CB_DIFF_OPTS_INIT;
	cb_report *rep = NULL;
	const cb_finding *f;

	opts.now_us = T_2027 + INT64_C(29) * 86400 * 1000000;
	opts.published_at = published;
	cr_assert_eq(cb_diff_ex(&rep, o, n, &opts), CB_OK);
	cr_assert_not_null(f = only(rep, "DEPRECATION_WINDOW"));
	cr_assert(strstr(f->message, "was deprecated at 2027-01-01T00:00:00Z (v2, published then)") != NULL,
	    "%s", f->message);
	cr_assert(strstr(f->message, "may be retired from 2027-01-31T00:00:00Z on") != NULL, "%s", f->message);
	cr_assert(cb_report_is_breaking(rep));
	cb_report_free(rep);
	opts.now_us = T_2027 + INT64_C(30) * 86400 * 1000000;
	cr_assert_eq(cb_diff_ex(&rep, o, n, &opts), CB_OK);
	cr_assert_null(only(rep, "DEPRECATION_WINDOW"));
	cr_assert_not_null(only(rep, "CODE_RETIRED"));
	cr_assert_str_eq(cb_change_of_rule("CODE_RETIRED"), "retired");
	cr_assert_not(cb_report_is_breaking(rep));
	cb_report_free(rep);
	/* without a history or a deprecated_at nothing says when */
	cr_assert_eq(cb_diff(&rep, o, n), CB_OK);
	cr_assert(strstr(only(rep, "DEPRECATION_WINDOW")->message, "give \"deprecated_at\"") != NULL);
	cb_report_free(rep);
	opts.version = 99;
	cr_assert_eq(cb_diff_ex(&rep, o, n, &opts), CB_EINVAL);
	cb_codeset_free(o);
	cb_codeset_free(n);
}

Test(life, tombstones_and_windows)
{
	cb_codeset *o = gov(3, 30, "retired", ", \"deprecated_at\": \"2026-01-01\""), *n = gov(4, 10, "active", "");
	cb_codeset *plain = gov(3, 30, "deprecated", ""), *active;
	cb_report *rep = NULL;

	cr_assert_eq(cb_diff(&rep, o, n), CB_OK);
	cr_assert_not_null(only(rep, "RETIRED_FOREVER"));
	cr_assert_not_null(only(rep, "WINDOW_NO_SHORTEN"));
	cr_assert_null(only(rep, "STATUS_REVIVED"), "owned sets: breaking, not a warning");
	cb_report_free(rep);
	/* active straight to retired: deprecate first */
	active = load_text("{\"name\": \"gov\", \"title\": \"t\", \"version\": 2, \"format\": {\"charset\": \"A-Z\","
	    " \"shape\": \"plain\"}, \"governance\": {\"deprecation_window_days\": 30}, \"entries\": ["
	    "{\"code\": \"KEEP\", \"id\": 1, \"status\": \"active\"}, {\"code\": \"GONE\", \"id\": 2, \"status\": \"active\"}]}");
	cr_assert_eq(cb_diff(&rep, active, o), CB_OK);
	cr_assert(strstr(only(rep, "DEPRECATION_WINDOW")->message, "deprecate it first") != NULL);
	cb_report_free(rep);
	cr_assert_eq(cb_diff(&rep, plain, n), CB_OK);
	cr_assert_not_null(only(rep, "STATUS_REVIVED"), "deprecated back to active stays a warning");
	cb_report_free(rep);
	cr_assert_null(cb_change_of_rule("CODE_NO_DELETE"));
	cr_assert_null(cb_change_of_rule(NULL));
	cb_codeset_free(active);
	cb_codeset_free(plain);
	cb_codeset_free(o);
	cb_codeset_free(n);
}

Test(life, a_builder_keeps_the_life_of_each_code)
{
	cb_codeset *cs = gov(3, 30, "deprecated", ", \"deprecated_at\": \"2026-01-01\", \"usage\": \"accept\","
	    " \"valid_from\": \"2025-01-01T00:00:00Z\", \"valid_to\": \"2027-01-01\""), *again = NULL;
	cb_entry_spec spec = CB_ENTRY_SPEC_INIT, v2 = { .version = 2 };
	cb_builder *b = NULL;
	char *j1, *j2;
	size_t l1, l2, i;

	cr_assert_eq(cb_builder_from(&b, cs), CB_OK);
	cr_assert_eq(cb_builder_find(&i, b, "GONE"), CB_OK);
	cr_assert_eq(cb_builder_get_entry(&spec, b, i), CB_OK);
	cr_assert_eq(spec.usage, CB_USAGE_ACCEPT);
	cr_assert_str_eq(spec.valid_to, "2027-01-01");
	cr_assert_str_eq(spec.deprecated_at, "2026-01-01");
	/* a version 2 spec neither reads nor clears them */
	cr_assert_eq(cb_builder_get_entry(&v2, b, i), CB_OK);
	cr_assert_eq(cb_builder_set_entry(b, i, &v2), CB_OK);
	cr_assert_eq(cb_builder_finish(&again, b, NULL), CB_OK);
	cr_assert_eq(cb_codeset_to_json(&j1, &l1, cs), CB_OK);
	cr_assert_eq(cb_codeset_to_json(&j2, &l2, again), CB_OK);
	cr_assert_str_eq(j1, j2);
	cr_assert_eq(cb_codeset_deprecation_window_days(again), 30);
	cb_codeset_free(again);
	/* dates the builder is given are judged as the loader judges them */
	cr_assert_eq(cb_builder_get_entry(&spec, b, i), CB_OK);
	spec.valid_from = "2028-01-01";
	cr_assert_eq(cb_builder_set_entry(b, i, &spec), CB_OK);
	cr_assert_eq(cb_builder_finish(&again, b, "b"), CB_EPARSE);
	cr_assert(strstr(cb_errmsg(), "is not before valid_to") != NULL, "%s", cb_errmsg());
	/* the spec's strings were the entry's, and the set above replaced them: read it again */
	cr_assert_eq(cb_builder_get_entry(&spec, b, i), CB_OK);
	spec.valid_from = "soon";
	cr_assert_eq(cb_builder_set_entry(b, i, &spec), CB_OK);
	cr_assert_eq(cb_builder_finish(&again, b, "b"), CB_EPARSE);
	cr_assert(strstr(cb_errmsg(), "entries[1].valid_from") != NULL, "%s", cb_errmsg());
	cr_assert_eq(cb_builder_set_deprecation_window(b, 0), CB_OK);
	free(j1);
	free(j2);
	cb_builder_free(b);
	cb_codeset_free(cs);
}

Test(life, a_validator_checks_each_line_at_its_time)
{
	cb_codeset *cs = load_text(SET);
	cb_validator *v = NULL;
	cb_line_result lr = CB_LINE_RESULT_INIT;
	static const struct { const char *line; unsigned why; } cases[] = {
		{ "{\"reason_code\": \"ENDING\", \"at\": {\"t\": \"2026-06-01\"}}", CB_VALID },
		{ "{\"reason_code\": \"ENDING\", \"at\": {\"t\": \"2027-01-01T00:00:00Z\"}}", CB_EXPIRED },
		{ "{\"reason_code\": \"SOON\", \"at\": {\"t\": \"2026-12-31T23:59:59+00:00\"}}", CB_NOT_YET_VALID },
		{ "{\"reason_code\": \"SOON\", \"at\": {\"t\": \"2027-01-01T00:30:00+01:00\"}}", CB_NOT_YET_VALID },
		{ "{\"reason_code\": \"NOW\", \"at\": {\"t\": \"not a time\"}}", CB_LINE_BAD_TIME },
		{ "{\"reason_code\": \"NOW\", \"at\": {\"t\": 5}}", CB_LINE_NOT_STRING },
		{ "{\"reason_code\": \"NOW\"}", CB_LINE_MISSING_FIELD },
		{ "{\"reason_code\": \"OLD\", \"at\": {\"t\": \"2026-06-01\"}}", CB_WRONG_MODE },
	};
	size_t i;
	int pass;

	cr_assert_eq(cb_validator_new(&v, cs, NULL, NULL, 0), CB_OK);
	cr_assert_eq(cb_validator_set_life(v, "at.t", 0), CB_OK);
	cr_assert_eq(cb_validator_set_life(v, "at.t", 0), CB_EINVAL, "the time field is set once");
	cr_assert_eq(cb_validator_set_life(v, NULL, 0x80), CB_EINVAL);
	/* twice: the second pass answers from the caches, which know no time */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			cr_assert_eq(cb_validator_line(v, cases[i].line, strlen(cases[i].line), pass ? 0 : CB_LINE_EXPLAIN,
			    &lr), CB_OK);
			cr_assert_eq(lr.why, cases[i].why, "%s: %s", cases[i].line, cb_line_why_name(lr.why));
		}
	cr_assert_str_eq(cb_line_why_name(CB_LINE_BAD_TIME), "bad-time");
	cr_assert_eq(cb_validator_set_life(v, NULL, CB_CHECK_ACCEPT), CB_OK);
	cr_assert_eq(cb_validator_line(v, cases[7].line, strlen(cases[7].line), CB_LINE_EXPLAIN, &lr), CB_OK);
	cr_assert_eq(lr.why, CB_DEPRECATED, "%s", lr.message);
	cb_validator_free(v);
	cb_codeset_free(cs);
}
