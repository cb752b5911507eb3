/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_version.c - the run-time version check, the error classes, and the
 * versions of the structs a caller allocates: each refused with CB_EINVAL
 * when it is not the one the library knows.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"

Test(version, the_library_is_the_headers)
{
	char s[32];

	snprintf(s, sizeof(s), "%d.%d.%d", CB_VERSION_MAJOR, CB_VERSION_MINOR, CB_VERSION_PATCH);
	cr_assert_str_eq(cb_version(), CB_VERSION_STRING);
	cr_assert_str_eq(s, CB_VERSION_STRING);
	cr_assert_eq(cb_version_number(), CB_VERSION_NUMBER);
	cr_assert_eq(CB_VERSION_NUMBER, (CB_VERSION_MAJOR << 16) | (CB_VERSION_MINOR << 8) | CB_VERSION_PATCH);
	cr_assert_eq(CB_VERSION_MAJOR, 1);
}

Test(version, same_major_and_at_least_the_minor)
{
	cr_assert(CB_VERSION_CHECK());
	cr_assert(cb_version_check(CB_VERSION_MAJOR, 0));
	cr_assert(cb_version_check(CB_VERSION_MAJOR, CB_VERSION_MINOR));
	cr_assert_not(cb_version_check(CB_VERSION_MAJOR, CB_VERSION_MINOR + 1), "a newer minor has more API");
	cr_assert_not(cb_version_check(CB_VERSION_MAJOR - 1, 9), "0.x is another ABI");
	cr_assert_not(cb_version_check(CB_VERSION_MAJOR + 1, 0));
}

Test(version, every_error_class_has_a_name)
{
	static const char *const names[] = { "CB_OK", "CB_ERROR", "CB_ENOMEM", "CB_EINVAL", "CB_ENOTFOUND",
	    "CB_ETOOBIG", "CB_EPARSE", "CB_EIO", "CB_ECONFLICT", "CB_EUNAVAIL", "CB_EUNKNOWN" };
	int e;

	for (e = 0; e >= CB_ERR_LAST; e--)
		cr_assert_str_eq(cb_strerror(e), names[-e]);
	cr_assert_str_eq(cb_strerror(CB_ERR_LAST - 1), "CB_UNKNOWN");
	cr_assert_str_eq(cb_strerror(1), "CB_UNKNOWN");
}

Test(version, structs_of_an_unknown_version_are_refused)
{
	cb_codeset *cs = load_bundled("tiktok-shop-error");
	cb_decision d;
	cb_format f;
	cb_policy p;
	cb_validator *v = NULL;
	cb_line_result lr;
	cb_validate_counts c;

	memset(&d, 0, sizeof(d));
	memset(&f, 0, sizeof(f));
	memset(&p, 0, sizeof(p));
	memset(&lr, 0, sizeof(lr));
	memset(&c, 0, sizeof(c));
	cr_assert_eq(cb_decide(&d, cs, "36009002", 8, NULL, 0, 1, NULL), CB_EINVAL);
	cr_assert(strstr(cb_errmsg(), "CB_DECISION_INIT") != NULL, "%s", cb_errmsg());
	cr_assert_eq(cb_codeset_format(cs, &f), CB_EINVAL);
	cr_assert_eq(cb_codeset_policy(cs, &p), CB_EINVAL);
	cr_assert_eq(cb_validator_new(&v, cs, NULL, NULL, 0), CB_OK);
	cr_assert_eq(cb_validator_line(v, "{}", 2, 0, &lr), CB_EINVAL);
	cr_assert_eq(cb_validator_block(v, "{}\n", 3, 0, &c, NULL, NULL), CB_EINVAL);
	cr_assert_eq(c.lines, 0, "nothing counted");

	d.version = CB_DECISION_VERSION;
	f.version = CB_FORMAT_VERSION;
	p.version = CB_POLICY_VERSION;
	lr.version = CB_LINE_RESULT_VERSION;
	c.version = CB_VALIDATE_COUNTS_VERSION;
	cr_assert_eq(cb_decide(&d, cs, "36009002", 8, NULL, 0, 1, NULL), CB_OK);
	cr_assert_eq(d.check.version, CB_CHECK_RESULT_VERSION, "the embedded check is the decision's");
	cr_assert_eq(cb_codeset_format(cs, &f), CB_OK);
	cr_assert_str_eq(f.charset, "0-9A-Z_");
	cr_assert_eq(cb_codeset_policy(cs, &p), CB_OK);
	cr_assert_gt(p.max_attempts, 0);
	cr_assert_eq(cb_validator_line(v, "{}", 2, 0, &lr), CB_OK);
	cr_assert_eq(lr.why, CB_LINE_MISSING_FIELD);
	cr_assert_eq(cb_validator_block(v, "{}\n", 3, 0, &c, NULL, NULL), CB_OK);
	cr_assert_eq(c.lines, 1);
	cb_validator_free(v);
	cb_codeset_free(cs);
}

Test(version, verdicts_keep_their_values_when_reasons_are_added)
{
	unsigned w;

	cr_assert_leq(CB_REASON_COUNT, CB_REASON_MAX);
	cr_assert_eq(CB_LINE_NOT_JSON, CB_REASON_MAX, "faults start past every reason of version 1");
	cr_assert_leq(CB_LINE_NOT_JSON + CB_LINE_FAULT_COUNT, CB_LINE_WHY_MAX);
	for (w = 0; w < CB_LINE_WHY_MAX; w++) {
		int known = w < CB_REASON_COUNT || (w >= CB_LINE_NOT_JSON && w < CB_LINE_NOT_JSON + CB_LINE_FAULT_COUNT);
		cr_assert_eq(strcmp(cb_line_why_name(w), "?") != 0, known, "%u: %s", w, cb_line_why_name(w));
	}
	cr_assert_str_eq(cb_line_why_name(CB_LINE_TOO_DEEP), "too-deep");
	cr_assert_str_eq(cb_line_why_name(CB_RETIRED), "retired");
	cr_assert_str_eq(cb_line_why_name(CB_LINE_WHY_MAX), "?");
}
