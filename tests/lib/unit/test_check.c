/*
 * test_check.c - every verdict of cb_check(), on the bundled catalogs and
 * on small sets built for the case.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"

static cb_check_result r;

static void
check(const cb_codeset *cs, const char *code, const char *dim, const char *value)
{
	cb_ctx ctx = cb_ctx_make(dim, value);
	int rc = cb_check(&r, cs, code, strlen(code), &ctx, dim ? 1 : 0);

	cr_assert_eq(rc, CB_OK);
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
	cr_assert(has_alt("FRAUD.CHARGEBACK"), "suggestions: %s", r.message);
	cr_assert(strstr(r.message, "FRAUD.CHARGEBACK") != NULL);
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
	cr_assert(strstr(r.message, "CATEGORY.CODE") != NULL, "%s", r.message);
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
	cr_assert(strstr(r.message, "FULFILLMENT") != NULL, "%s", r.message);
	cb_codeset_free(cs);
}

Test(check, not_applicable_names_suitable_rules_and_codes)
{
	cb_codeset *cs = load_bundled("qe-reason");

	check(cs, "APP_MISSED_WEBHOOK", "rule", "A3");
	cr_assert_eq(r.reason, CB_NOT_APPLICABLE);
	cr_assert_not_null(r.entry);
	cr_assert(strstr(r.message, "R1, R2, A1") != NULL, "%s", r.message);
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
	cr_assert(strstr(r.message, "R1, R2, A1, A3, R5, R6") != NULL, "%s", r.message);
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
	cr_assert(strstr(r.message, "use NEW instead") != NULL, "%s", r.message);
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
	cb_check_result res;

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
	cb_codeset *cs = load_bundled("tiktok-reverse-reason");

	check(cs, "seller_cancel_reason_out_of_stock_uk", "order_status", "200");
	cr_assert_eq(r.reason, CB_VALID);
	check(cs, "seller_cancel_reason_out_of_stock_uk", "order_status", "0");
	cr_assert_eq(r.reason, CB_NOT_APPLICABLE);
	cr_assert(has_alt("seller_cancel_unpaid_reason_out_of_stock_uk"), "%s", r.message);
	cb_codeset_free(cs);
}

Test(check, no_message_flag_keeps_verdict)
{
	cb_codeset *cs = load_bundled("outbound");
	cb_check_result res;

	cr_assert_eq(cb_check_ex(&res, cs, "fraud.chargeback", 16, NULL, 0, CB_CHECK_NO_MESSAGE), CB_OK);
	cr_assert_eq(res.reason, CB_UNKNOWN_CODE);
	cr_assert_str_eq(res.message, "");
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
