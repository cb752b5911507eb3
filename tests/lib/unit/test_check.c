/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_check.c - every verdict of cb_check(), on the bundled catalogs and
 * on small sets built for the case.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"

static cb_check_result r = CB_CHECK_RESULT_INIT;

static void
check(const cb_codeset *cs, const char *code, const char *dim, const char *value)
{
	/* static: the result borrows code and context for cb_check_message() */
	static cb_ctx ctx;
	int rc;

	ctx = cb_ctx_make(dim, value);
	rc = cb_check(&r, cs, code, strlen(code), &ctx, dim ? 1 : 0);

	cr_assert_eq(rc, CB_OK);
}

/* The message of the last check, made on demand. */
static const char *
msg(void)
{
	static char buf[CB_CHECK_MESSAGE_MAX];

	cr_assert_eq(cb_check_message(buf, sizeof(buf), &r), CB_OK, "%s", cb_errmsg());
	return buf;
}

static int
has_alt(const char *code)
{
	size_t i;

	for (i = 0; i < r.nalts; i++)
		if (strcmp(cb_entry_code(r.alts[i]), code) == 0)
			return 1;
	return 0;
}

Test(check, valid_code_names_set_and_version)
{
	cb_codeset *cs = load_bundled("outbound");

	check(cs, "FRAUD.CHARGEBACK", NULL, NULL);
	cr_assert_eq(r.reason, CB_VALID);
	cr_assert(r.accepted);
	cr_assert_str_eq(r.set_name, "outbound");
	cr_assert_eq(r.set_version, 1);
	cr_assert_not_null(r.entry);
	cr_assert_str_eq(cb_entry_category(r.entry), "FRAUD");
	cb_codeset_free(cs);
}

Test(check, lowercase_is_unknown_code_with_suggestion)
{
	cb_codeset *cs = load_bundled("outbound");

	check(cs, "fraud.chargeback", NULL, NULL);
	cr_assert_eq(r.reason, CB_UNKNOWN_CODE);
	cr_assert(!r.accepted);
	cr_assert(has_alt("FRAUD.CHARGEBACK"), "suggestions: %s", msg());
	cr_assert(strstr(msg(), "FRAUD.CHARGEBACK") != NULL);
	cb_codeset_free(cs);
}

Test(check, invalid_format_character_and_shape)
{
	cb_codeset *cs = load_bundled("outbound");

	check(cs, "FRAUD CHARGEBACK", NULL, NULL);
	cr_assert_eq(r.reason, CB_INVALID_FORMAT);
	cr_assert_eq(r.error_offset, 5);
	check(cs, "FRAUDCHARGEBACK", NULL, NULL);
	cr_assert_eq(r.reason, CB_INVALID_FORMAT);
	cr_assert(strstr(msg(), "CATEGORY.CODE") != NULL, "%s", msg());
	check(cs, "", NULL, NULL);
	cr_assert_eq(r.reason, CB_INVALID_FORMAT);
	check(cs, "FRAUD.", NULL, NULL);
	cr_assert_eq(r.reason, CB_INVALID_FORMAT);
	check(cs, ".CHARGEBACK", NULL, NULL);
	cr_assert_eq(r.reason, CB_INVALID_FORMAT);
	cb_codeset_free(cs);
}

Test(check, unknown_category_lists_categories)
{
	cb_codeset *cs = load_bundled("outbound");

	check(cs, "PAYMENT.REFUND", NULL, NULL);
	cr_assert_eq(r.reason, CB_UNKNOWN_CATEGORY);
	cr_assert(strstr(msg(), "FULFILLMENT") != NULL, "%s", msg());
	cb_codeset_free(cs);
}

Test(check, not_applicable_names_suitable_rules_and_codes)
{
	cb_codeset *cs = load_bundled("qe-reason");

	check(cs, "APP_MISSED_WEBHOOK", "rule", "A3");
	cr_assert_eq(r.reason, CB_NOT_APPLICABLE);
	cr_assert_not_null(r.entry);
	cr_assert(strstr(msg(), "R1, R2, A1") != NULL, "%s", msg());
	cr_assert_eq(r.nalts_total, 8);
	cr_assert(has_alt("INVALID_TRACKING_NUMBER"));
	check(cs, "APP_MISSED_WEBHOOK", "rule", "R2");
	cr_assert_eq(r.reason, CB_VALID);
	cb_codeset_free(cs);
}

Test(check, unknown_context_dimension_and_value)
{
	cb_codeset *cs = load_bundled("qe-reason");

	check(cs, "APP_MISSED_WEBHOOK", "rule", "Z9");
	cr_assert_eq(r.reason, CB_UNKNOWN_CONTEXT);
	cr_assert(strstr(msg(), "R1, R2, A1, A3, R5, R6") != NULL, "%s", msg());
	check(cs, "APP_MISSED_WEBHOOK", "shop", "1");
	cr_assert_eq(r.reason, CB_UNKNOWN_CONTEXT);
	cb_codeset_free(cs);
}

Test(check, deprecated_warns_then_rejects_when_set_says_so)
{
	cb_codeset *warn = load_text(MINI_SET("",
	    "{\"code\":\"OLD\",\"status\":\"deprecated\",\"deprecated_since\":1,\"replaced_by\":\"NEW\"},"
	    "{\"code\":\"NEW\"}"));
	cb_codeset *reject = load_text(MINI_SET("\"deprecated\":\"reject\",",
	    "{\"code\":\"OLD\",\"status\":\"deprecated\",\"replaced_by\":\"NEW\"},{\"code\":\"NEW\"}"));

	check(warn, "OLD", NULL, NULL);
	cr_assert_eq(r.reason, CB_DEPRECATED);
	cr_assert(r.accepted);
	cr_assert(has_alt("NEW"));
	cr_assert(strstr(msg(), "use NEW instead") != NULL, "%s", msg());
	check(reject, "OLD", NULL, NULL);
	cr_assert_eq(r.reason, CB_DEPRECATED);
	cr_assert(!r.accepted);
	cb_codeset_free(warn);
	cb_codeset_free(reject);
}

Test(check, retired_is_rejected)
{
	cb_codeset *cs = load_text(MINI_SET("\"mirror\":true,", "{\"code\":\"GONE\",\"status\":\"retired\"}"));

	check(cs, "GONE", NULL, NULL);
	cr_assert_eq(r.reason, CB_RETIRED);
	cr_assert(!r.accepted);
	cb_codeset_free(cs);
}

Test(check, code_with_nul_byte_is_invalid_format)
{
	cb_codeset *cs = load_bundled("outbound");
	cb_check_result res = CB_CHECK_RESULT_INIT;

	cr_assert_eq(cb_check(&res, cs, "FRAUD.CHARGEBACK\0X", 18, NULL, 0), CB_OK);
	cr_assert_eq(res.reason, CB_INVALID_FORMAT);
	cr_assert_eq(res.error_offset, 16);
	cb_codeset_free(cs);
}

Test(check, error_set_context_matches_several_entries)
{
	cb_codeset *cs = load_bundled("ttls-error");

	check(cs, "-9990202", "endpoint", "/v2/localservice/saas/fulfill/redeem_code/");
	cr_assert_eq(r.reason, CB_VALID);
	cr_assert_eq(r.nmatches, 5);
	check(cs, "-9995000", "endpoint", "/v2/localservice/saas/fulfill/redeem_code/");
	cr_assert_eq(r.reason, CB_NOT_APPLICABLE);
	check(cs, "9990202", NULL, NULL);
	cr_assert_eq(r.reason, CB_UNKNOWN_CODE);
	check(cs, "-99x", NULL, NULL);
	cr_assert_eq(r.reason, CB_INVALID_FORMAT);
	cb_codeset_free(cs);
}

Test(check, reverse_reason_by_order_status)
{
	cb_codeset *cs = load_bundled("tiktok-reverse-reason@GB");

	check(cs, "seller_cancel_reason_out_of_stock_uk", "order_status", "200");
	cr_assert_eq(r.reason, CB_VALID);
	check(cs, "seller_cancel_reason_out_of_stock_uk", "order_status", "0");
	cr_assert_eq(r.reason, CB_NOT_APPLICABLE);
	cr_assert(has_alt("seller_cancel_unpaid_reason_out_of_stock_uk"), "%s", msg());
	cb_codeset_free(cs);
}

Test(check, no_message_flag_keeps_verdict)
{
	cb_codeset *cs = load_bundled("outbound");
	cb_check_result res = CB_CHECK_RESULT_INIT;

	char buf[CB_CHECK_MESSAGE_MAX];

	cr_assert_eq(cb_check_ex(&res, cs, "fraud.chargeback", 16, NULL, 0, CB_CHECK_NO_MESSAGE), CB_OK);
	cr_assert_eq(res.reason, CB_UNKNOWN_CODE);
	cr_assert_eq(res.nalts, 0);	/* no search for alternatives */
	/* the message is still there on demand, alternatives included */
	cr_assert_eq(cb_check_message(buf, sizeof(buf), &res), CB_OK);
	cr_assert(strstr(buf, "did you mean FRAUD.CHARGEBACK") != NULL, "%s", buf);
	cb_codeset_free(cs);
}

Test(check, message_is_cut_with_an_ellipsis)
{
	cb_codeset *cs = load_bundled("outbound");
	char buf[16];

	check(cs, "fraud.chargeback", NULL, NULL);
	cr_assert_eq(cb_check_message(buf, sizeof(buf), &r), CB_OK);
	cr_assert_eq(strlen(buf), sizeof(buf) - 1);
	cr_assert_str_eq(buf + sizeof(buf) - 4, "...");
	cr_assert_eq(cb_check_message(buf, 1, &r), CB_OK);
	cr_assert_str_eq(buf, "");
	cb_codeset_free(cs);
}

Test(check, message_needs_a_checked_result)
{
	cb_check_result fresh = CB_CHECK_RESULT_INIT;
	char buf[64];

	cr_assert_eq(cb_check_message(buf, sizeof(buf), &fresh), CB_EINVAL);
	cr_assert_eq(cb_check_message(NULL, sizeof(buf), &fresh), CB_EINVAL);
	cr_assert_eq(cb_check_message(buf, 0, &fresh), CB_EINVAL);
	cr_assert_eq(cb_check_message(buf, sizeof(buf), NULL), CB_EINVAL);
}

Test(check, message_refuses_a_code_changed_since_the_check)
{
	cb_codeset *cs = load_bundled("outbound");
	cb_check_result res = CB_CHECK_RESULT_INIT;
	char code[] = "FRAUD.CHARGEBACK", buf[CB_CHECK_MESSAGE_MAX];

	cr_assert_eq(cb_check(&res, cs, code, strlen(code), NULL, 0), CB_OK);
	cr_assert_eq(res.reason, CB_VALID);
	code[0] = 'X';	/* now an undeclared category */
	cr_assert_eq(cb_check_message(buf, sizeof(buf), &res), CB_EINVAL);
	cb_codeset_free(cs);
}

Test(check, result_version_is_checked)
{
	cb_codeset *cs = load_bundled("outbound");
	cb_check_result res;

	memset(&res, 0, sizeof(res));
	cr_assert_eq(cb_check(&res, cs, "FRAUD.CHARGEBACK", 16, NULL, 0), CB_EINVAL);
	cr_assert(strstr(cb_errmsg(), "CB_CHECK_RESULT_INIT") != NULL, "%s", cb_errmsg());
	res.version = CB_CHECK_RESULT_VERSION + 1;
	cr_assert_eq(cb_check(&res, cs, "FRAUD.CHARGEBACK", 16, NULL, 0), CB_EINVAL);
	res.version = CB_CHECK_RESULT_VERSION;
	cr_assert_eq(cb_check(&res, cs, "FRAUD.CHARGEBACK", 16, NULL, 0), CB_OK);
	cr_assert_eq(res.reason, CB_VALID);
	cb_codeset_free(cs);
}

Test(check, null_arguments_are_einval)
{
	cb_codeset *cs = load_bundled("outbound");

	cr_assert_eq(cb_check(NULL, cs, "X", 1, NULL, 0), CB_EINVAL);
	cr_assert_eq(cb_check(&r, NULL, "X", 1, NULL, 0), CB_EINVAL);
	cr_assert_eq(cb_check(&r, cs, NULL, 3, NULL, 0), CB_EINVAL);
	cr_assert_eq(cb_check(&r, cs, "X", 1, NULL, 2), CB_EINVAL);
	cb_codeset_free(cs);
}

/* ---- suggestions against a plain reference ---------------------------------- */

static int
fold_c(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* Optimal string alignment distance, case-insensitive: the whole table,
 * no band, no shortcut. */
static unsigned
osa(const char *a, const char *b)
{
	static unsigned d[300][300];
	size_t na = strlen(a), nb = strlen(b), i, j;

	for (i = 0; i <= na; i++)
		d[i][0] = (unsigned)i;
	for (j = 0; j <= nb; j++)
		d[0][j] = (unsigned)j;
	for (i = 1; i <= na; i++) {
		for (j = 1; j <= nb; j++) {
			unsigned v = d[i - 1][j] + 1, c = fold_c(a[i - 1]) != fold_c(b[j - 1]);
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + c < v)
				v = d[i - 1][j - 1] + c;
			if (i > 1 && j > 1 && fold_c(a[i - 1]) == fold_c(b[j - 2]) &&
			    fold_c(a[i - 2]) == fold_c(b[j - 1]) && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[na][nb];
}

/* The suggestions cb_check() must make for @code: the codes (first entries,
 * not retired) nearest to it within the limit, in entry order; five. */
static size_t
reference(const cb_codeset *cs, const char *code, const cb_entry **out)
{
	size_t len = strlen(code), i, n = 0, k;
	unsigned limit = len <= 4 ? 1 : len <= 12 ? 2 : 3, dist[8];

	for (i = 0; i < cb_codeset_entry_count(cs); i++) {
		const cb_entry *e = cb_codeset_entry(cs, i);
		unsigned d;
		if (cb_entry_code(e) == NULL || cb_entry_status(e) == CB_STATUS_RETIRED ||
		    cb_codeset_find(cs, cb_entry_code(e), cb_entry_code_len(e)) != e)
			continue;
		if ((d = osa(code, cb_entry_code(e))) > limit)
			continue;
		for (k = n; k > 0 && dist[k - 1] > d; k--)
			;
		if (k >= 5)
			continue;
		memmove(&out[k + 1], &out[k], (n - k) * sizeof(out[0]));
		memmove(&dist[k + 1], &dist[k], (n - k) * sizeof(dist[0]));
		out[k] = e;
		dist[k] = d;
		if (n < 5)
			n++;
	}
	/* the nearest only: a code a typo away hides those farther */
	for (k = 1; k < n && dist[k] == dist[0]; k++)
		;
	return n ? k : 0;
}

/* Near misses of every code of every bundled set (each byte dropped,
 * doubled, swapped with the next, changed, and pairs of such edits): the
 * suggestions equal the reference's. */
Test(check, suggestions_equal_a_plain_edit_distance)
{
	static const char subst[] = "A_z9.-";
	cb_catalog *cat = NULL;
	size_t s, i, p, q, tried = 0, compared = 0;
	char buf[600];

	cr_assert_eq(cb_catalog_load_dir(&cat, CB_SOURCE_DIR "/catalogs"), CB_OK, "%s", cb_errmsg());
	for (s = 0; s < cb_catalog_count(cat); s++) {
		const cb_codeset *cs = cb_catalog_get(cat, s);
		for (i = 0; i < cb_codeset_entry_count(cs); i++) {
			const char *code = cb_entry_code(cb_codeset_entry(cs, i));
			size_t len = code ? strlen(code) : 0;
			for (p = 0; p < len; p++) {
				for (q = 0; q < 8; q++) {
					const cb_entry *want[8];
					size_t n = len, k;
					int op = (int)q % 4;
					memcpy(buf, code, len + 1);
					if (op == 0) {
						memmove(buf + p, buf + p + 1, n - p);
						n--;
					} else if (op == 1) {
						memmove(buf + p + 1, buf + p, n - p + 1);
						n++;
					} else if (op == 2 && p + 1 < n) {
						char t = buf[p];
						buf[p] = buf[p + 1];
						buf[p + 1] = t;
					} else {
						buf[p] = subst[(p + q) % (sizeof(subst) - 1)];
					}
					if (q >= 4 && n > 2) {	/* and a second edit, further on */
						size_t at = (p * 7 + q) % n;
						buf[at] = subst[(at + q) % (sizeof(subst) - 1)];
					}
					tried++;
					cr_assert_eq(cb_check(&r, cs, buf, n, NULL, 0), CB_OK);
					if (r.reason != CB_UNKNOWN_CODE)
						continue;
					k = reference(cs, buf, want);
					if (k == 0)
						continue;
					compared++;
					cr_assert_eq(r.nalts, k, "%s: %s: %zu suggestions, want %zu", cb_codeset_name(cs),
					    buf, r.nalts, k);
					for (k = 0; k < r.nalts; k++)
						cr_assert_eq(r.alts[k], want[k], "%s: %s: suggestion %zu is %s, want %s",
						    cb_codeset_name(cs), buf, k, cb_entry_code(r.alts[k]),
						    cb_entry_code(want[k]));
				}
			}
		}
	}
	cr_assert_gt(compared, tried / 10, "only %zu of %zu near misses compared", compared, tried);
	cb_catalog_free(cat);
}
