/*
 * policy.c - retry decisions for error codes (see policy.h).
 *
 * Backoff is "full jitter" (delay uniform in [0, min(cap, base * 2^(n-1))]),
 * which spreads retries of many clients instead of synchronising them.
 */
#include "codeset_int.h"

#include <stdlib.h>
#include <string.h>

static uint64_t
system_random(void *state)
{
	(void)state;
	return ((uint64_t)arc4random() << 32) | arc4random();
}

static unsigned
backoff_cap(const cb_policy *p, unsigned attempt)
{
	uint64_t cap = p->base_delay_ms;
	unsigned i;

	for (i = 1; i < attempt && cap < p->max_delay_ms; i++)
		cap *= 2;
	return cap > p->max_delay_ms ? p->max_delay_ms : (unsigned)cap;
}

/* Scale a uniform 64-bit value to [0, n) (0 < n <= 2^32): the high half of
 * r * n, computed in two 32-bit halves.  Unlike r % n it is monotonic, so
 * r = 0 gives 0 and r = UINT64_MAX gives n - 1 exactly, which makes the
 * bounds testable with an injected source. */
static unsigned
scale(uint64_t r, uint64_t n)
{
	uint64_t hi = r >> 32, lo = r & 0xffffffffu;

	return (unsigned)((hi * n + ((lo * n) >> 32)) >> 32);
}

/* "fail x2, recheck-then-retry x2" over the matching entries */
static void
msg_actions(cb_msg *m, const cb_decision *d)
{
	size_t count[CB_ACTION_AMBIGUOUS + 1] = { 0 }, i;
	int a, k = 0;

	for (i = 0; i < d->nentries; i++) {
		cb_action x = cb_entry_action(d->entries[i]);
		count[x == CB_ACTION_NONE ? CB_ACTION_FAIL : x]++;
	}
	for (a = 0; a <= CB_ACTION_AMBIGUOUS; a++)
		if (count[a] > 0)
			cb__msg_add(m, "%s%s x%zu", k++ ? ", " : "", cb_action_name((cb_action)a), count[a]);
}

/* The entries of @code that suit the context (not retired) into @out, and
 * the action they agree on: AMBIGUOUS when they do not. */
static int
matching_entries(cb_decision *out, const cb_codeset *cs, const char *code, size_t code_len,
    const cb_ctx *ctx, size_t nctx, cb_action *action)
{
	const cb_entry *e = cb__find(cs, code, code_len);
	cb_action act = CB_ACTION_NONE;

	for (; e != NULL; e = cb_entry_next_same(e)) {
		const struct cb_entry *ie = e;
		size_t i;
		int ok = 1;
		cb_action a;

		for (i = 0; i < nctx && ok; i++) {
			int d = cb_codeset_dim_index(cs, ctx[i].dim, ctx[i].dim_len);
			int v = d < 0 ? -1 : cb_codeset_dim_value_index(cs, (size_t)d, ctx[i].value, ctx[i].value_len);
			/* the check accepted the context: every pair names a value */
			if (CB_NEVER(d < 0 || v < 0))
				return cb__fail(CB_ERROR, "internal: context pair %zu does not resolve", i);
			ok = ie->e_applies[d] == 0 || ((ie->e_applies[d] >> v) & 1);
		}
		if (!ok || ie->e_status == CB_STATUS_RETIRED)
			continue;
		if (out->nentries < CB_DECIDE_MAX_ENTRIES)
			out->entries[out->nentries++] = e;
		out->nentries_total++;
		a = cb_entry_action(e);
		if (a == CB_ACTION_NONE)
			a = CB_ACTION_FAIL;	/* no handling class: do not guess */
		if (ie->e_handling >= 0 && cs->cs_handling[ie->e_handling].h_contact_support &&
		    !ie->e_not_an_error)
			out->contact_support = 1;
		if (act == CB_ACTION_NONE)
			act = a;
		else if (act != a)
			act = CB_ACTION_AMBIGUOUS;
	}
	*action = act == CB_ACTION_NONE ? CB_ACTION_FAIL : act;
	return CB_OK;
}

/* Retry or not, after how long, and why, for a known code whose action is set. */
static void
decide_retry(cb_decision *out, const cb_codeset *cs, unsigned attempt, const cb_rng *rng, cb_msg *m)
{
	switch (out->action) {
	case CB_ACTION_IGNORE:
		out->contact_support = 0;
		cb__msg_add(m, "%s is not an error: carry on", out->check.entry ? cb_entry_code(out->check.entry) : "the code");
		return;
	case CB_ACTION_FAIL:
		cb__msg_add(m, "do not retry");
		break;
	case CB_ACTION_AMBIGUOUS:
		/* the source disagrees with itself: one retry, then give up */
		if (out->max_attempts > 2)
			out->max_attempts = 2;
		/* FALLTHROUGH */
	case CB_ACTION_RETRY:
	case CB_ACTION_RECHECK_RETRY:
		out->retry = attempt < out->max_attempts;
		if (out->retry) {
			unsigned cap = backoff_cap(&cs->cs_policy, attempt);
			out->delay_ms = cap == 0 ? 0 : scale(rng->next(rng->state), (uint64_t)cap + 1);
			if (out->action == CB_ACTION_AMBIGUOUS) {
				cb__msg_add(m, "the %zu matching entries disagree on handling (", out->nentries_total);
				msg_actions(m, out);
				cb__msg_add(m, "); retry once after %u ms", out->delay_ms);
			}
			else
				cb__msg_add(m, "%s after %u ms (attempt %u of %u)",
				    out->action == CB_ACTION_RECHECK_RETRY ? "re-check, then retry" : "retry",
				    out->delay_ms, attempt + 1, out->max_attempts);
		} else if (out->action == CB_ACTION_AMBIGUOUS) {
			cb__msg_add(m, "the matching entries disagree on handling (");
			msg_actions(m, out);
			cb__msg_add(m, "); gave up after %u attempts", attempt);
		} else {
			cb__msg_add(m, "retryable; gave up after %u attempts", attempt);
		}
		break;
	default:
		break;
	}
	if (out->contact_support && !out->retry)
		cb__msg_add(m, "; contact support with the request's log ID");
}

int
cb_decide(cb_decision *out, const cb_codeset *cs, const char *code, size_t code_len,
    const cb_ctx *ctx, size_t nctx, unsigned attempt, const cb_rng *rng)
{
	static const cb_rng sys = { system_random, NULL };
	cb_msg m;
	int rc;

	if (out == NULL || cs == NULL || attempt == 0)
		return cb__fail(CB_EINVAL, "cb_decide: %s", attempt == 0 ? "attempt counts from 1" : "NULL argument");
	if (out->version != CB_DECISION_VERSION)
		return cb__fail(CB_EINVAL, "cb_decide: cb_decision version %u unknown (initialise it with CB_DECISION_INIT)",
		    out->version);
	if (rng == NULL || rng->next == NULL)
		rng = &sys;
	out->check.version = CB_CHECK_RESULT_VERSION;	/* part of the decision's version */
	if ((rc = cb_check(&out->check, cs, code, code_len, ctx, nctx)) != CB_OK)
		return rc;
	out->action = CB_ACTION_FAIL;
	out->retry = 0;
	out->delay_ms = 0;
	out->attempt = attempt;
	out->max_attempts = cs->cs_policy.max_attempts;
	out->known = 0;
	out->contact_support = 0;
	out->nentries = out->nentries_total = 0;
	cb__msg_init(&m, out->message, sizeof(out->message));

	if (out->check.reason != CB_VALID && out->check.reason != CB_DEPRECATED) {
		/* an error code we do not know: retrying blindly could repeat a side effect */
		(void)cb__check_message(&m, &out->check);
		cb__msg_add(&m, "; not retried");
		return CB_OK;
	}
	out->known = 1;
	if ((rc = matching_entries(out, cs, code, code_len, ctx, nctx, &out->action)) != CB_OK)
		return rc;
	decide_retry(out, cs, attempt, rng, &m);
	return CB_OK;
}
