/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_market_errors.c - the tiktok-shop-error code set: every code the
 * marketplace client can report is in it, and each handling class from
 * MARKETPLACE.md gives the policy decision the worker relies on.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"

static cb_codeset *cs;
static cb_decision d = CB_DECISION_INIT;

static void
setup(void)
{
	cs = load_bundled("tiktok-shop-error");
}

static void
teardown(void)
{
	cb_codeset_free(cs);
}

TestSuite(market_errors, .init = setup, .fini = teardown);

/* deterministic jitter */
static uint64_t
fixed(void *state)
{
	(void)state;
	return 123456789;
}

static const cb_rng rng = { fixed, NULL };

static void
decide(const char *code, unsigned attempt)
{
	cr_assert_eq(cb_decide(&d, cs, code, strlen(code), NULL, 0, attempt, &rng), CB_OK);
	cr_assert(d.known, "%s is not in tiktok-shop-error: %s", code, d.message);
}

static const char *
outcome(void)
{
	const char *o = cb_entry_attribute(d.entries[0], "outcome");

	cr_assert_not_null(o);
	return o;
}

Test(market_errors, lints_clean)
{
	cb_report *r = NULL;

	cr_assert_eq(cb_lint_file(&r, CB_SOURCE_DIR "/catalogs/tiktok-shop-error.json"), CB_OK);
	cr_assert_eq(cb_report_count(r), 0, "findings in tiktok-shop-error.json");
	cb_report_free(r);
}

Test(market_errors, rate_limit_and_server_errors_retry_with_backoff)
{
	static const char *const codes[] = { "36009002", "36009003", "36009007" };
	size_t i;

	for (i = 0; i < 3; i++) {
		decide(codes[i], 1);
		cr_assert_eq(d.action, CB_ACTION_RETRY, "%s", codes[i]);
		cr_assert(d.retry);
		decide(codes[i], 5);
		cr_assert(!d.retry, "%s: bounded by max_attempts", codes[i]);
	}
	decide("36009002", 1);
	cr_assert_str_eq(outcome(), "rejected");
	/* an internal error may have applied a cancel: the worker checks first */
	decide("36009003", 1);
	cr_assert_str_eq(outcome(), "unknown");
}

Test(market_errors, no_retry_codes)
{
	static const char *const codes[] = { "106001", "105005", "106013", "36009009", "36009010",
		"36009014", "36009033", "36009004" };
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		decide(codes[i], 1);
		cr_assert_eq(d.action, CB_ACTION_FAIL, "%s", codes[i]);
		cr_assert(!d.retry, "%s", codes[i]);
		cr_assert(d.contact_support, "%s", codes[i]);
	}
	decide("106001", 1);
	cr_assert_eq(cb_entry_http_status(d.entries[0]), 401);
	decide("36009004", 1);
	cr_assert_not_null(cb_entry_attribute(d.entries[0], "timestamp_fault"));
}

Test(market_errors, expired_token_is_recheck_then_retry)
{
	decide("105002", 1);
	cr_assert_eq(d.action, CB_ACTION_RECHECK_RETRY);
	cr_assert(d.retry);
}

Test(market_errors, already_cancelled_counts_as_landed)
{
	decide("25001011", 1);
	cr_assert_eq(d.action, CB_ACTION_IGNORE);
	cr_assert(cb_entry_not_an_error(d.entries[0]));
	cr_assert_str_eq(cb_entry_attribute(d.entries[0], "cancel_landed"), "yes");
	cr_assert_str_eq(outcome(), "landed");
	cr_assert(strncmp(cb_entry_attribute(d.entries[0], "verified"), "unverified", 10) == 0);
}

Test(market_errors, already_shipped_fails)
{
	decide("25001045", 1);
	cr_assert_eq(d.action, CB_ACTION_FAIL);
	cr_assert(!d.contact_support);
	cr_assert(strncmp(cb_entry_attribute(d.entries[0], "verified"), "unverified", 10) == 0);
}

Test(market_errors, every_transport_code_of_the_client_is_classified)
{
	static const struct { const char *code, *outcome; cb_action action; } t[] = {
		{ "TIMEOUT", "unknown", CB_ACTION_RECHECK_RETRY },
		{ "CONNECTION_DROPPED", "unknown", CB_ACTION_RECHECK_RETRY },
		{ "CONNECT_FAILED", "not-sent", CB_ACTION_RETRY },
		{ "HTTP_5XX", "unknown", CB_ACTION_RECHECK_RETRY },
		{ "HTTP_429", "rejected", CB_ACTION_RETRY },
		{ "HTTP_4XX", "rejected", CB_ACTION_FAIL },
		{ "MALFORMED_RESPONSE", "unknown", CB_ACTION_RECHECK_RETRY },
		{ "RESPONSE_TOO_LARGE", "unknown", CB_ACTION_RECHECK_RETRY },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		decide(t[i].code, 1);
		cr_assert_eq(d.action, t[i].action, "%s", t[i].code);
		cr_assert_str_eq(outcome(), t[i].outcome, "%s", t[i].code);
		cr_assert_str_eq(cb_entry_attribute(d.entries[0], "pseudo_code"), "yes");
	}
}

Test(market_errors, unknown_code_is_not_retried)
{
	cr_assert_eq(cb_decide(&d, cs, "99999999", 8, NULL, 0, 1, &rng), CB_OK);
	cr_assert(!d.known);
	cr_assert(!d.retry);
	cr_assert_eq(d.action, CB_ACTION_FAIL);
}
