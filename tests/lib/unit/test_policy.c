/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_policy.c - cb_decide(): actions, attempt bounds, the full-jitter
 * delay under an injected random source, ambiguity, and the seed-001
 * cases of the bundled ttls-error set.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"


/* A small error set: one code per behaviour. */
#define POLICY_SET(policy) \
	"{'name':'p','title':'P','version':1,'repeated_codes':true," \
	"'format':{'charset':'A-Z','shape':'plain'}," \
	"'contexts':{'ep':{'values':['a','b']}}," \
	"'handling':[{'name':'again','action':'retry'},{'name':'check','action':'recheck-then-retry'}," \
	"{'name':'stop','action':'fail','contact_support':true},{'name':'fine','action':'ignore'}," \
	"{'name':'again_cs','action':'retry','contact_support':true}]," \
	"'policy':" policy "," \
	"'entries':[" \
	"{'code':'RETRY','handling':'again'}," \
	"{'code':'RECHECK','handling':'check'}," \
	"{'code':'STOP','handling':'stop'}," \
	"{'code':'FINE','handling':'fine'}," \
	"{'code':'NOTERR','handling':'stop','not_an_error':true}," \
	"{'code':'NOTERR','handling':'again','not_an_error':true,'description':'other group'}," \
	"{'code':'NONE'}," \
	"{'code':'SPLIT','handling':'again','applies':{'ep':['a']}}," \
	"{'code':'SPLIT','handling':'stop','applies':{'ep':['b']}}," \
	"{'code':'MIX','handling':'again','description':'one'}," \
	"{'code':'MIX','handling':'stop','description':'two'}," \
	"{'code':'SUPPORT','handling':'again_cs'}," \
	"{'code':'DEP','handling':'again','status':'deprecated'}," \
	"{'code':'GONE','handling':'again','status':'retired'}" \
	"]}"
#define DEFAULT_POLICY "{'max_attempts':4,'base_delay_ms':100,'max_delay_ms':1000}"

static cb_codeset *
policy_set(void)
{
	return load_text(J(POLICY_SET(DEFAULT_POLICY)));
}

/* xorshift64*: a deterministic uniform source */
static uint64_t
xorshift(void *state)
{
	uint64_t *s = state;

	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static uint64_t
always_zero(void *state)
{
	(void)state;
	return 0;
}

static uint64_t
always_max(void *state)
{
	(void)state;
	return UINT64_MAX;
}

static uint64_t
counting(void *state)
{
	(*(unsigned *)state)++;
	return 0;
}

static const cb_rng rng_zero = { always_zero, NULL };
static const cb_rng rng_max = { always_max, NULL };

static cb_decision d = CB_DECISION_INIT;

static void
decide(const cb_codeset *cs, const char *code, const char *dim, const char *value,
    unsigned attempt, const cb_rng *rng)
{
	cb_ctx ctx = cb_ctx_make(dim, value);
	int rc = cb_decide(&d, cs, code, strlen(code), &ctx, dim ? 1 : 0, attempt, rng);

	cr_assert_eq(rc, CB_OK, "%s", cb_errmsg());
	cr_assert_eq(d.attempt, attempt);
}

/* ---- actions -------------------------------------------------------------- */

Test(policy, retry_class_retries_until_max_attempts)
{
	cb_codeset *cs = policy_set();
	unsigned a;

	for (a = 1; a <= 3; a++) {
		decide(cs, "RETRY", NULL, NULL, a, &rng_zero);
		cr_assert_eq(d.action, CB_ACTION_RETRY);
		cr_assert_eq(d.retry, 1, "attempt %u", a);
		cr_assert_eq(d.max_attempts, 4);
		cr_assert(d.known);
		cr_assert(strstr(d.message, "retry after") != NULL, "%s", d.message);
	}
	decide(cs, "RETRY", NULL, NULL, 4, &rng_zero);
	cr_assert_eq(d.action, CB_ACTION_RETRY);
	cr_assert_eq(d.retry, 0);
	cr_assert_eq(d.delay_ms, 0);
	cr_assert(strstr(d.message, "gave up after 4 attempts") != NULL, "%s", d.message);
	decide(cs, "RETRY", NULL, NULL, 50, &rng_zero);
	cr_assert_eq(d.retry, 0);
	cb_codeset_free(cs);
}

Test(policy, single_attempt_policy_never_retries)
{
	cb_codeset *cs = load_text(J(POLICY_SET("{'max_attempts':1}")));

	decide(cs, "RETRY", NULL, NULL, 1, &rng_zero);
	cr_assert_eq(d.action, CB_ACTION_RETRY);
	cr_assert_eq(d.retry, 0);
	cr_assert_eq(d.max_attempts, 1);
	cb_codeset_free(cs);
}

Test(policy, recheck_then_retry)
{
	cb_codeset *cs = policy_set();

	decide(cs, "RECHECK", NULL, NULL, 1, &rng_zero);
	cr_assert_eq(d.action, CB_ACTION_RECHECK_RETRY);
	cr_assert_eq(d.retry, 1);
	cr_assert(strstr(d.message, "re-check, then retry") != NULL, "%s", d.message);
	decide(cs, "RECHECK", NULL, NULL, 4, &rng_zero);
	cr_assert_eq(d.action, CB_ACTION_RECHECK_RETRY);
	cr_assert_eq(d.retry, 0);
	cb_codeset_free(cs);
}

Test(policy, fail_class_does_not_retry_and_names_support)
{
	cb_codeset *cs = policy_set();

	decide(cs, "STOP", NULL, NULL, 1, &rng_zero);
	cr_assert_eq(d.action, CB_ACTION_FAIL);
	cr_assert_eq(d.retry, 0);
	cr_assert_eq(d.delay_ms, 0);
	cr_assert_eq(d.contact_support, 1);
	cr_assert(d.known);
	cr_assert(strstr(d.message, "do not retry") != NULL, "%s", d.message);
	cr_assert(strstr(d.message, "contact support") != NULL, "%s", d.message);
	cb_codeset_free(cs);
}

Test(policy, contact_support_only_once_retries_are_spent)
{
	cb_codeset *cs = policy_set();

	decide(cs, "SUPPORT", NULL, NULL, 1, &rng_zero);
	cr_assert_eq(d.retry, 1);
	cr_assert_eq(d.contact_support, 1);
	cr_assert(strstr(d.message, "contact support") == NULL, "%s", d.message);
	decide(cs, "SUPPORT", NULL, NULL, 4, &rng_zero);
	cr_assert_eq(d.retry, 0);
	cr_assert(strstr(d.message, "contact support") != NULL, "%s", d.message);
	decide(cs, "RETRY", NULL, NULL, 4, &rng_zero);
	cr_assert_eq(d.contact_support, 0);
	cr_assert(strstr(d.message, "contact support") == NULL, "%s", d.message);
	cb_codeset_free(cs);
}

Test(policy, ignore_class_is_not_an_error)
{
	cb_codeset *cs = policy_set();

	decide(cs, "FINE", NULL, NULL, 1, &rng_zero);
	cr_assert_eq(d.action, CB_ACTION_IGNORE);
	cr_assert_eq(d.retry, 0);
	cr_assert_eq(d.contact_support, 0);
	cr_assert(strstr(d.message, "not an error") != NULL, "%s", d.message);
	cb_codeset_free(cs);
}

Test(policy, not_an_error_in_two_groups_is_ignore)
{
	cb_codeset *cs = policy_set();

	decide(cs, "NOTERR", NULL, NULL, 1, &rng_zero);
	cr_assert_eq(d.nentries, 2);
	cr_assert_eq(d.action, CB_ACTION_IGNORE);
	cr_assert_eq(d.retry, 0);
	cr_assert_eq(d.contact_support, 0, "a non-error needs no support call");
	cb_codeset_free(cs);
}

Test(policy, entry_without_handling_fails)
{
	cb_codeset *cs = policy_set();

	decide(cs, "NONE", NULL, NULL, 1, &rng_zero);
	cr_assert_eq(d.action, CB_ACTION_FAIL);
	cr_assert_eq(d.retry, 0);
	cr_assert(d.known);
	cb_codeset_free(cs);
}

Test(policy, context_selects_the_entry)
{
	cb_codeset *cs = policy_set();

	decide(cs, "SPLIT", "ep", "a", 1, &rng_zero);
	cr_assert_eq(d.action, CB_ACTION_RETRY);
	cr_assert_eq(d.nentries, 1);
	cr_assert_str_eq(cb_entry_handling(d.entries[0]), "again");
	decide(cs, "SPLIT", "ep", "b", 1, &rng_zero);
	cr_assert_eq(d.action, CB_ACTION_FAIL);
	cr_assert_str_eq(cb_entry_handling(d.entries[0]), "stop");
	cb_codeset_free(cs);
}

Test(policy, deprecated_code_is_still_known)
{
	cb_codeset *cs = policy_set();

	decide(cs, "DEP", NULL, NULL, 1, &rng_zero);
	cr_assert(d.known);
	cr_assert_eq(d.action, CB_ACTION_RETRY);
	cr_assert_eq(d.check.reason, CB_DEPRECATED);
	cb_codeset_free(cs);
}

/* ---- unknown codes ---------------------------------------------------------- */

Test(policy, unknown_code_fails_unknown)
{
	cb_codeset *cs = policy_set();

	decide(cs, "NOPE", NULL, NULL, 1, &rng_zero);
	cr_assert_eq(d.action, CB_ACTION_FAIL);
	cr_assert_eq(d.known, 0);
	cr_assert_eq(d.retry, 0);
	cr_assert_eq(d.nentries, 0);
	cr_assert_eq(d.check.reason, CB_UNKNOWN_CODE);
	cr_assert(strstr(d.message, "not retried") != NULL, "%s", d.message);
	cb_codeset_free(cs);
}

Test(policy, malformed_code_fails_unknown)
{
	cb_codeset *cs = policy_set();

	decide(cs, "no way", NULL, NULL, 1, &rng_zero);
	cr_assert_eq(d.action, CB_ACTION_FAIL);
	cr_assert_eq(d.known, 0);
	cr_assert_eq(d.check.reason, CB_INVALID_FORMAT);
	cb_codeset_free(cs);
}

Test(policy, unknown_context_fails_unknown)
{
	cb_codeset *cs = policy_set();

	decide(cs, "RETRY", "ep", "zzz", 1, &rng_zero);
	cr_assert_eq(d.action, CB_ACTION_FAIL);
	cr_assert_eq(d.known, 0);
	cr_assert_eq(d.check.reason, CB_UNKNOWN_CONTEXT);
	cb_codeset_free(cs);
}

Test(policy, retired_code_is_not_retried)
{
	cb_codeset *cs = policy_set();

	decide(cs, "GONE", NULL, NULL, 1, &rng_zero);
	cr_assert_eq(d.action, CB_ACTION_FAIL);
	cr_assert_eq(d.retry, 0);
	cr_assert_eq(d.check.reason, CB_RETIRED);
	cb_codeset_free(cs);
}

/* ---- ambiguity ------------------------------------------------------------- */

Test(policy, disagreeing_entries_are_ambiguous_and_retry_once)
{
	cb_codeset *cs = policy_set();

	decide(cs, "MIX", NULL, NULL, 1, &rng_zero);
	cr_assert_eq(d.action, CB_ACTION_AMBIGUOUS);
	cr_assert_eq(d.nentries, 2);
	cr_assert_eq(d.max_attempts, 2);
	cr_assert_eq(d.retry, 1);
	cr_assert(strstr(d.message, "disagree") != NULL, "%s", d.message);
	decide(cs, "MIX", NULL, NULL, 2, &rng_zero);
	cr_assert_eq(d.action, CB_ACTION_AMBIGUOUS);
	cr_assert_eq(d.retry, 0);
	cb_codeset_free(cs);
}

Test(policy, entries_disagreeing_across_contexts_are_ambiguous_without_one)
{
	cb_codeset *cs = policy_set();

	decide(cs, "SPLIT", NULL, NULL, 1, &rng_zero);
	cr_assert_eq(d.action, CB_ACTION_AMBIGUOUS);
	cr_assert_eq(d.max_attempts, 2);
	cb_codeset_free(cs);
}

Test(policy, ambiguity_never_raises_a_lower_bound)
{
	cb_codeset *cs = load_text(J(POLICY_SET("{'max_attempts':1}")));

	decide(cs, "MIX", NULL, NULL, 1, &rng_zero);
	cr_assert_eq(d.action, CB_ACTION_AMBIGUOUS);
	cr_assert_eq(d.max_attempts, 1);
	cr_assert_eq(d.retry, 0);
	cb_codeset_free(cs);
}

/* ---- delays ------------------------------------------------------------------- */

static unsigned
expected_cap(unsigned base, unsigned max, unsigned attempt)
{
	unsigned long long cap = base;

	while (--attempt > 0 && cap < max)
		cap *= 2;
	return cap > max ? max : (unsigned)cap;
}

Test(policy, delay_stays_within_the_backoff_cap)
{
	cb_codeset *cs = load_text(J(POLICY_SET("{'max_attempts':30,'base_delay_ms':100,'max_delay_ms':3000}")));
	uint64_t state = 88172645463325252ull;
	cb_rng rng = { xorshift, &state };
	unsigned a, i;

	for (a = 1; a < 30; a++) {
		unsigned cap = expected_cap(100, 3000, a), hi = 0;
		for (i = 0; i < 500; i++) {
			decide(cs, "RETRY", NULL, NULL, a, &rng);
			cr_assert(d.retry);
			cr_assert_leq(d.delay_ms, cap, "attempt %u: %u > %u", a, d.delay_ms, cap);
			if (d.delay_ms > hi)
				hi = d.delay_ms;
		}
		/* the range is used: the largest of 500 draws is near the cap */
		cr_assert_geq(hi, cap - cap / 20, "attempt %u: max %u of cap %u", a, hi, cap);
	}
	cb_codeset_free(cs);
}

Test(policy, zero_source_gives_zero_delay)
{
	cb_codeset *cs = policy_set();

	decide(cs, "RETRY", NULL, NULL, 3, &rng_zero);
	cr_assert_eq(d.retry, 1);
	cr_assert_eq(d.delay_ms, 0);
	cb_codeset_free(cs);
}

Test(policy, maximal_source_gives_exactly_the_cap)
{
	cb_codeset *cs = load_text(J(POLICY_SET("{'max_attempts':10,'base_delay_ms':100,'max_delay_ms':1000}")));

	decide(cs, "RETRY", NULL, NULL, 1, &rng_max);
	cr_assert_eq(d.delay_ms, 100);
	decide(cs, "RETRY", NULL, NULL, 2, &rng_max);
	cr_assert_eq(d.delay_ms, 200);
	decide(cs, "RETRY", NULL, NULL, 3, &rng_max);
	cr_assert_eq(d.delay_ms, 400);
	decide(cs, "RETRY", NULL, NULL, 4, &rng_max);
	cr_assert_eq(d.delay_ms, 800);
	decide(cs, "RETRY", NULL, NULL, 5, &rng_max);
	cr_assert_eq(d.delay_ms, 1000, "1600 capped at max_delay_ms");
	decide(cs, "RETRY", NULL, NULL, 9, &rng_max);
	cr_assert_eq(d.delay_ms, 1000);
	cb_codeset_free(cs);
}

Test(policy, zero_base_delay_means_immediate_retry)
{
	cb_codeset *cs = load_text(J(POLICY_SET("{'max_attempts':5,'base_delay_ms':0,'max_delay_ms':1000}")));
	unsigned calls = 0;
	cb_rng rng = { counting, &calls };

	decide(cs, "RETRY", NULL, NULL, 4, &rng_max);
	cr_assert_eq(d.retry, 1);
	cr_assert_eq(d.delay_ms, 0);
	decide(cs, "RETRY", NULL, NULL, 4, &rng);
	cr_assert_eq(calls, 0, "no draw for an empty range");
	cb_codeset_free(cs);
}

Test(policy, no_draw_when_not_retrying)
{
	cb_codeset *cs = policy_set();
	unsigned calls = 0;
	cb_rng rng = { counting, &calls };

	decide(cs, "STOP", NULL, NULL, 1, &rng);
	decide(cs, "FINE", NULL, NULL, 1, &rng);
	decide(cs, "RETRY", NULL, NULL, 4, &rng);
	cr_assert_eq(calls, 0);
	decide(cs, "RETRY", NULL, NULL, 1, &rng);
	cr_assert_eq(calls, 1);
	cb_codeset_free(cs);
}

Test(policy, full_jitter_is_spread_over_the_range)
{
	cb_codeset *cs = load_text(J(POLICY_SET("{'max_attempts':10,'base_delay_ms':1000,'max_delay_ms':1000}")));
	uint64_t state = 0x9e3779b97f4a7c15ull;
	cb_rng rng = { xorshift, &state };
	unsigned i, buckets[10] = { 0 }, distinct = 0;
	static unsigned char seen[1001];
	double sum = 0;

	for (i = 0; i < 10000; i++) {
		decide(cs, "RETRY", NULL, NULL, 1, &rng);
		cr_assert_leq(d.delay_ms, 1000);
		sum += d.delay_ms;
		buckets[d.delay_ms == 1000 ? 9 : d.delay_ms / 100]++;
		if (!seen[d.delay_ms]++)
			distinct++;
	}
	/* uniform on [0, 1000]: mean near 500, every tenth of the range used */
	cr_assert(sum / 10000 > 480 && sum / 10000 < 520, "mean %f", sum / 10000);
	for (i = 0; i < 10; i++)
		cr_assert(buckets[i] > 800 && buckets[i] < 1200, "bucket %u: %u", i, buckets[i]);
	cr_assert_gt(distinct, 900);
	cb_codeset_free(cs);
}

Test(policy, system_source_stays_in_range)
{
	cb_codeset *cs = policy_set();
	unsigned i, first = 0, differs = 0;

	for (i = 0; i < 200; i++) {
		decide(cs, "RETRY", NULL, NULL, 3, NULL);
		cr_assert_leq(d.delay_ms, 400);
		if (i == 0)
			first = d.delay_ms;
		else if (d.delay_ms != first)
			differs = 1;
	}
	cr_assert(differs, "the system source is not constant");
	cb_codeset_free(cs);
}

/* ---- arguments -------------------------------------------------------------- */

Test(policy, attempt_zero_is_einval)
{
	cb_codeset *cs = policy_set();

	cr_assert_eq(cb_decide(&d, cs, "RETRY", 5, NULL, 0, 0, NULL), CB_EINVAL);
	cr_assert(strstr(cb_errmsg(), "attempt") != NULL, "%s", cb_errmsg());
	cb_codeset_free(cs);
}

Test(policy, null_arguments_are_einval)
{
	cb_codeset *cs = policy_set();

	cr_assert_eq(cb_decide(NULL, cs, "RETRY", 5, NULL, 0, 1, NULL), CB_EINVAL);
	cr_assert_eq(cb_decide(&d, NULL, "RETRY", 5, NULL, 0, 1, NULL), CB_EINVAL);
	cr_assert_eq(cb_decide(&d, cs, NULL, 5, NULL, 0, 1, NULL), CB_EINVAL);
	cb_codeset_free(cs);
}

/* ---- seed 001: the bundled ttls-error set ------------------------------------ */

#define GET_LIST "/v2/localservice/saas/fulfill/get_code_item_list/"
#define REDEEM   "/v2/localservice/saas/fulfill/redeem_code/"

Test(policy_ttls, redeem_code_9990001_is_ambiguous_and_retries_once)
{
	cb_codeset *cs = load_bundled("ttls-error");
	size_t i, fail = 0, recheck = 0;

	decide(cs, "-9990001", "endpoint", REDEEM, 1, &rng_zero);
	cr_assert_eq(d.action, CB_ACTION_AMBIGUOUS);
	cr_assert_eq(d.max_attempts, 2);
	cr_assert_eq(d.retry, 1);
	cr_assert_eq(d.nentries, 4);
	for (i = 0; i < d.nentries; i++) {
		fail += cb_entry_action(d.entries[i]) == CB_ACTION_FAIL;
		recheck += cb_entry_action(d.entries[i]) == CB_ACTION_RECHECK_RETRY;
	}
	cr_assert_eq(fail, 2);
	cr_assert_eq(recheck, 2);
	cr_assert(strstr(d.message, "fail x2") != NULL, "%s", d.message);
	cr_assert(strstr(d.message, "recheck-then-retry x2") != NULL, "%s", d.message);
	decide(cs, "-9990001", "endpoint", REDEEM, 2, &rng_zero);
	cr_assert_eq(d.action, CB_ACTION_AMBIGUOUS);
	cr_assert_eq(d.retry, 0);
	cb_codeset_free(cs);
}

Test(policy_ttls, get_code_item_list_9990001_fails_with_support)
{
	cb_codeset *cs = load_bundled("ttls-error");

	decide(cs, "-9990001", "endpoint", GET_LIST, 1, &rng_zero);
	cr_assert_eq(d.action, CB_ACTION_FAIL);
	cr_assert_eq(d.retry, 0);
	cr_assert_eq(d.contact_support, 1);
	cb_codeset_free(cs);
}

Test(policy_ttls, get_code_item_list_3000111_is_ignore_in_both_groups)
{
	cb_codeset *cs = load_bundled("ttls-error");

	decide(cs, "-3000111", "endpoint", GET_LIST, 1, &rng_zero);
	cr_assert_eq(d.nentries, 2);
	cr_assert_str_neq(cb_entry_handling(d.entries[0]), cb_entry_handling(d.entries[1]));
	cr_assert_eq(d.action, CB_ACTION_IGNORE);
	cr_assert_eq(d.retry, 0);
	cr_assert_eq(d.contact_support, 0);
	cb_codeset_free(cs);
}

Test(policy_ttls, redeem_code_9990202_rechecks_then_retries)
{
	cb_codeset *cs = load_bundled("ttls-error");

	decide(cs, "-9990202", "endpoint", REDEEM, 1, &rng_max);
	cr_assert_eq(d.action, CB_ACTION_RECHECK_RETRY);
	cr_assert_eq(d.retry, 1);
	cr_assert_eq(d.max_attempts, 3);
	cr_assert_eq(d.delay_ms, 200);
	decide(cs, "-9990202", "endpoint", GET_LIST, 2, &rng_max);
	cr_assert_eq(d.action, CB_ACTION_RETRY);
	cr_assert_eq(d.delay_ms, 400);
	decide(cs, "-9990202", "endpoint", GET_LIST, 3, &rng_max);
	cr_assert_eq(d.retry, 0);
	cb_codeset_free(cs);
}

Test(policy_ttls, unknown_error_code_is_not_retried)
{
	cb_codeset *cs = load_bundled("ttls-error");

	decide(cs, "-1234567", "endpoint", REDEEM, 1, &rng_zero);
	cr_assert_eq(d.known, 0);
	cr_assert_eq(d.action, CB_ACTION_FAIL);
	cr_assert_eq(d.retry, 0);
	cb_codeset_free(cs);
}

/* ---- issue 10: a detail the entries do not know ------------------------------------ */

#define SCENES \
	"{'name':'t','title':'T','version':1,'repeated_codes':true," \
	"'format':{'charset':'A-Z','shape':'plain'}," \
	"'contexts':{'ep':{'values':['a','b']},'sc':{'descriptive':true,'values':['s1','s2','s3']}}," \
	"'handling':[{'name':'again','action':'retry'},{'name':'stop','action':'fail'}]," \
	"'entries':[" \
	"{'code':'X','handling':'again','applies':{'ep':['a'],'sc':['s1']}}," \
	"{'code':'X','handling':'again','applies':{'ep':['a'],'sc':['s2']}}," \
	"{'code':'X','handling':'stop','applies':{'ep':['b'],'sc':['s1']}}]}"

static void
decide2(const cb_codeset *cs, const char *code, const cb_ctx *ctx, size_t n)
{
	d = (cb_decision)CB_DECISION_INIT;
	cr_assert_eq(cb_decide(&d, cs, code, strlen(code), ctx, n, 1, &rng_zero), CB_OK, "%s", cb_errmsg());
}

Test(policy_tolerance, an_unmatched_descriptive_value_does_not_change_the_handling)
{
	cb_codeset *cs = load_text(J(SCENES));
	cb_ctx ctx[2] = { cb_ctx_make("ep", "a"), cb_ctx_make("sc", "s3") };

	decide2(cs, "X", ctx, 2);
	cr_assert_eq(d.check.reason, CB_NOT_APPLICABLE, "the check judges the whole context");
	cr_assert_eq(d.known, 1);
	cr_assert_eq(d.action, CB_ACTION_RETRY);
	cr_assert_eq(d.retry, 1);
	cr_assert_eq(d.nentries_total, 2);
	cr_assert_eq(d.nunmatched, 1);
	cr_assert_eq(d.unmatched[0].dim, ctx[1].dim, "borrowed from the caller");
	cr_assert_str_eq(d.unmatched[0].value, "s3");
	cr_assert(strstr(d.message, "; sc \"s3\" matches no entry of X, and its 2 entries for ep=a agree") != NULL,
	    "%s", d.message);
	/* a value the set does not declare at all */
	ctx[1] = cb_ctx_make("sc", "somewhere new");
	decide2(cs, "X", ctx, 2);
	cr_assert_eq(d.check.reason, CB_UNKNOWN_CONTEXT);
	cr_assert_eq(d.action, CB_ACTION_RETRY);
	cr_assert_eq(d.nunmatched, 1);
	/* the order of the pairs does not matter */
	ctx[0] = cb_ctx_make("sc", "s3");
	ctx[1] = cb_ctx_make("ep", "b");
	decide2(cs, "X", ctx, 2);
	cr_assert_eq(d.action, CB_ACTION_FAIL);
	cr_assert_eq(d.known, 1);
	cr_assert_eq(d.unmatched[0].value, ctx[0].value);
	cb_codeset_free(cs);
}

Test(policy_tolerance, a_value_that_matches_is_used)
{
	cb_codeset *cs = load_text(J(SCENES));
	cb_ctx ctx[2] = { cb_ctx_make("ep", "a"), cb_ctx_make("sc", "s2") };

	decide2(cs, "X", ctx, 2);
	cr_assert_eq(d.check.reason, CB_VALID);
	cr_assert_eq(d.nentries_total, 1);
	cr_assert_eq(d.nunmatched, 0);
	cb_codeset_free(cs);
}

Test(policy_tolerance, what_selects_the_handling_is_never_guessed)
{
	cb_codeset *cs = load_text(J(SCENES));
	cb_ctx ctx[2] = { cb_ctx_make("ep", "c"), cb_ctx_make("sc", "s1") };

	/* an endpoint the set does not know */
	decide2(cs, "X", ctx, 2);
	cr_assert_eq(d.known, 0);
	cr_assert_eq(d.retry, 0);
	cr_assert_eq(d.nunmatched, 0);
	/* without the endpoint the entries for the scene disagree */
	ctx[0] = cb_ctx_make("sc", "s3");
	decide2(cs, "X", ctx, 1);
	cr_assert_eq(d.known, 0);
	cr_assert_eq(d.action, CB_ACTION_FAIL);
	cr_assert_eq(d.nentries, 0);
	cr_assert(strstr(d.message, "; not retried: sc \"s3\" matches no entry of X, and its 3 entries disagree "
	    "(retry x2, fail x1)") != NULL, "%s", d.message);
	/* an unknown dimension, or one given twice */
	ctx[0] = cb_ctx_make("zone", "s3");
	decide2(cs, "X", ctx, 1);
	cr_assert_eq(d.known, 0);
	ctx[0] = cb_ctx_make("sc", "s3");
	ctx[1] = cb_ctx_make("sc", "s1");
	decide2(cs, "X", ctx, 2);
	cr_assert_eq(d.known, 0);
	cb_codeset_free(cs);
}

/* A program built against 1.0 passes a version 1 decision: it has no
 * unmatched pairs, and the library writes none. */
Test(policy_tolerance, a_version_1_decision_gets_no_unmatched_pairs)
{
	cb_codeset *cs = load_text(J(SCENES));
	cb_ctx ctx[2] = { cb_ctx_make("ep", "a"), cb_ctx_make("sc", "s3") };

	d = (cb_decision)CB_DECISION_INIT;
	d.version = 1;
	d.nunmatched = 77;
	cr_assert_eq(cb_decide(&d, cs, "X", 1, ctx, 2, 1, &rng_zero), CB_OK);
	cr_assert_eq(d.action, CB_ACTION_RETRY);
	cr_assert_eq(d.nunmatched, 77, "a version 1 decision is not written past its end");
	d.version = 3;
	cr_assert_eq(cb_decide(&d, cs, "X", 1, ctx, 2, 1, &rng_zero), CB_EINVAL);
	cb_codeset_free(cs);
}

/* Issue 10: every -9990202 entry for get_code_item_list says retry, so an
 * unknown scene does not turn the answer into "fail, no retry". */
Test(policy_ttls, get_code_item_list_9990202_retries_in_a_scene_it_does_not_list)
{
	cb_codeset *cs = load_bundled("ttls-error");
	cb_ctx ctx[2] = { cb_ctx_make("endpoint", GET_LIST), cb_ctx_make("scene", "Scan the QR code") };

	cr_assert(cb_codeset_dim_descriptive(cs, (size_t)cb_codeset_dim_index(cs, "scene", 5)));
	cr_assert_not(cb_codeset_dim_descriptive(cs, (size_t)cb_codeset_dim_index(cs, "endpoint", 8)));
	decide2(cs, "-9990202", ctx, 2);
	cr_assert_eq(d.known, 1);
	cr_assert_eq(d.action, CB_ACTION_RETRY);
	cr_assert_eq(d.retry, 1);
	cr_assert_eq(d.nentries_total, 10);
	cr_assert_eq(d.nunmatched, 1);
	cr_assert_str_eq(d.unmatched[0].dim, "scene");
	cb_codeset_free(cs);
}
