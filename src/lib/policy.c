/* SPDX-License-Identifier: Apache-2.0 */
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

/* Does entry @e admit every pair (@dims, @vals) of @n? */
static int
admits_all(const struct cb_entry *e, const int *dims, const int *vals, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (e->e_applies[dims[i]] != 0 && !((e->e_applies[dims[i]] >> vals[i]) & 1))
			return 0;
	return 1;
}

/* The entries of code @e (its first) that admit the pairs (@dims, @vals)
 * of @n, not retired, into @out, and the action they agree on: AMBIGUOUS
 * when they do not, NONE when there are none. */
static cb_action
matching_entries(cb_decision *out, const cb_codeset *cs, const struct cb_entry *e, const int *dims,
    const int *vals, size_t n)
{
	cb_action act = CB_ACTION_NONE;

	out->nentries = out->nentries_total = 0;
	out->contact_support = 0;
	for (; e != NULL; e = cb_entry_next_same(e)) {
		cb_action a;
		if (e->e_status == CB_STATUS_RETIRED || !admits_all(e, dims, vals, n))
			continue;
		if (out->nentries < CB_DECIDE_MAX_ENTRIES)
			out->entries[out->nentries++] = e;
		out->nentries_total++;
		a = cb_entry_action(e);
		if (a == CB_ACTION_NONE)
			a = CB_ACTION_FAIL;	/* no handling class: do not guess */
		if (e->e_handling >= 0 && cs->cs_handling[e->e_handling].h_contact_support && !e->e_not_an_error)
			out->contact_support = 1;
		if (act == CB_ACTION_NONE)
			act = a;
		else if (act != a)
			act = CB_ACTION_AMBIGUOUS;
	}
	return act;
}

/* Does an entry of code @e (not retired) admit the pairs of @n? */
static int
any_admits(const struct cb_entry *e, const int *dims, const int *vals, size_t n)
{
	for (; e != NULL; e = cb_entry_next_same(e))
		if (e->e_status != CB_STATUS_RETIRED && admits_all(e, dims, vals, n))
			return 1;
	return 0;
}

/* A decision despite an unknown detail (policy.h): the context of a code
 * the set has, whose pairs of descriptive dimensions no entry matches.  */
struct tolerance {
	int    dims[CB_MAX_DIMS], vals[CB_MAX_DIMS];
	size_t kept[CB_MAX_DIMS], nkept;        /* the pairs decided on: indexes into ctx */
	size_t missed[CB_MAX_DIMS], nmissed;    /* the pairs no entry matches */
};

/*
 * Split the context of known code @e into the pairs its entries match and
 * the descriptive pairs they do not: every pair of a dimension that selects
 * the handling must match, then each descriptive pair in turn is kept when
 * an entry matches it with those kept before.  1 when some descriptive
 * pair is missed and the others match; 0 when the context is at fault
 * another way (an unknown dimension, a value no entry has of a dimension
 * that is not descriptive, a dimension given twice).
 */
static int
tolerate(struct tolerance *T, const cb_codeset *cs, const struct cb_entry *e, const cb_ctx *ctx,
    size_t nctx)
{
	int d[CB_MAX_DIMS], v[CB_MAX_DIMS];
	size_t i, j;

	T->nkept = T->nmissed = 0;
	if (e == NULL || nctx > CB_MAX_DIMS)
		return 0;
	for (i = 0; i < nctx; i++) {
		d[i] = ctx[i].dim == NULL ? -1 : cb_codeset_dim_index(cs, ctx[i].dim, ctx[i].dim_len);
		if (d[i] < 0)
			return 0;
		for (j = 0; j < i; j++)
			if (d[j] == d[i])
				return 0;
		v[i] = ctx[i].value == NULL ? -1 :
		    cb_codeset_dim_value_index(cs, (size_t)d[i], ctx[i].value, ctx[i].value_len);
		if (v[i] < 0 && !cs->cs_dims[d[i]].d_descriptive)
			return 0;
		if (!cs->cs_dims[d[i]].d_descriptive) {
			T->dims[T->nkept] = d[i];
			T->vals[T->nkept] = v[i];
			T->kept[T->nkept++] = i;
		}
	}
	if (!any_admits(e, T->dims, T->vals, T->nkept))
		return 0;
	for (i = 0; i < nctx; i++) {
		if (!cs->cs_dims[d[i]].d_descriptive)
			continue;
		T->dims[T->nkept] = d[i];
		T->vals[T->nkept] = v[i];
		if (v[i] >= 0 && any_admits(e, T->dims, T->vals, T->nkept + 1))
			T->kept[T->nkept++] = i;
		else
			T->missed[T->nmissed++] = i;
	}
	return T->nmissed > 0;
}

/* "; scene \"Scan the QR code\" matches no entry of -9990202, and its 10
 * entries for endpoint=... agree": what a tolerated decision rests on. */
static void
msg_tolerated(cb_msg *m, const cb_decision *out, const struct tolerance *T, const cb_ctx *ctx,
    const struct cb_entry *e, int agree)
{
	char qd[64], qv[96];
	size_t i;

	cb__msg_add(m, agree ? "; " : "; not retried: ");
	for (i = 0; i < T->nmissed; i++) {
		const cb_ctx *c = &ctx[T->missed[i]];
		cb__msg_add(m, "%s%s \"%s\"", i ? " and " : "", cb__quote(qd, sizeof(qd), c->dim, c->dim_len),
		    cb__quote(qv, sizeof(qv), c->value ? c->value : "", c->value_len));
	}
	cb__msg_add(m, " match%s no entry of %.*s, and its %zu entr%s", T->nmissed > 1 ? "" : "es",
	    (int)(e->e_code_len > 64 ? 64 : e->e_code_len), e->e_code, out->nentries_total,
	    out->nentries_total == 1 ? "y" : "ies");
	for (i = 0; i < T->nkept; i++) {
		const cb_ctx *c = &ctx[T->kept[i]];
		cb__msg_add(m, "%s%s=%s", i ? ", " : " for ", cb__quote(qd, sizeof(qd), c->dim, c->dim_len),
		    cb__quote(qv, sizeof(qv), c->value ? c->value : "", c->value_len));
	}
	if (agree) {
		cb__msg_add(m, " agree");
		return;
	}
	cb__msg_add(m, " disagree (");
	msg_actions(m, out);
	cb__msg_add(m, ")");
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
	struct tolerance T;
	const struct cb_entry *e;
	cb_msg m;
	size_t i;
	int rc;

	if (out == NULL || cs == NULL || attempt == 0)
		return cb__fail(CB_EINVAL, "cb_decide: %s", attempt == 0 ? "attempt counts from 1" : "NULL argument");
	if (out->version != 1 && out->version != CB_DECISION_VERSION)
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
	if (out->version >= 2)
		out->nunmatched = 0;
	cb__msg_init(&m, out->message, sizeof(out->message));

	e = code == NULL ? NULL : cb__find(cs, code, code_len);
	if (out->check.reason == CB_VALID || out->check.reason == CB_DEPRECATED) {
		/* the check accepted the context: every pair names a value */
		if (CB_NEVER(e == NULL) || (tolerate(&T, cs, e, ctx, nctx), CB_NEVER(T.nkept != nctx)))
			return cb__fail(CB_ERROR, "internal: an accepted context does not resolve");
		out->known = 1;
		out->action = matching_entries(out, cs, e, T.dims, T.vals, T.nkept);
		decide_retry(out, cs, attempt, rng, &m);
		return CB_OK;
	}
	if ((out->check.reason == CB_NOT_APPLICABLE || out->check.reason == CB_UNKNOWN_CONTEXT) &&
	    tolerate(&T, cs, e, ctx, nctx)) {
		cb_action a = matching_entries(out, cs, e, T.dims, T.vals, T.nkept);
		if (a != CB_ACTION_AMBIGUOUS) {
			/* the detail would not change the handling: decide without it */
			out->known = 1;
			out->action = a;
			if (out->version >= 2) {
				for (i = 0; i < T.nmissed && i < CB_DECIDE_MAX_UNMATCHED; i++)
					out->unmatched[i] = ctx[T.missed[i]];
				out->nunmatched = i;
			}
			decide_retry(out, cs, attempt, rng, &m);
			msg_tolerated(&m, out, &T, ctx, e, 1);
			return CB_OK;
		}
		/* it would: an error we cannot place is not retried */
		(void)cb__check_message(&m, &out->check);
		msg_tolerated(&m, out, &T, ctx, e, 0);
		out->nentries = out->nentries_total = 0;
		out->contact_support = 0;
		return CB_OK;
	}
	/* an error code we do not know: retrying blindly could repeat a side effect */
	(void)cb__check_message(&m, &out->check);
	cb__msg_add(&m, "; not retried");
	return CB_OK;
}
