/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codebook/policy.h - should a client retry after this error code?
 *
 * cb_decide() looks an error code up in an error set (in context: endpoint,
 * scene ...) and returns the action and the delay before the next attempt:
 * exponential backoff with full jitter, capped, for a bounded number of
 * attempts.  When the matching entries disagree the action is
 * CB_ACTION_AMBIGUOUS and at most one retry is allowed.
 *
 * A value of a descriptive dimension (a scene: cb_codeset_dim_descriptive())
 * that no entry of the code matches does not change the handling: when the
 * entries that match the rest of the context agree, the decision is theirs,
 * and the decision names the pairs it could not match.
 */
#ifndef CODEBOOK_POLICY_H
#define CODEBOOK_POLICY_H

#include "codebook/check.h"

CB_BEGIN_DECLS

/** A source of uniformly distributed 64-bit values.  A callback and its
 * state: this pair never grows, so it carries no version. */
typedef struct {
	uint64_t (*next)(void *state);
	void *state;
} cb_rng;

#define CB_DECIDE_MAX_ENTRIES 16
/** A decision's message: always NUL-terminated within this size. */
#define CB_DECISION_MESSAGE_MAX 1024

/** Room for unmatched pairs: one per dimension (docs/limits.md). */
#define CB_DECIDE_MAX_UNMATCHED 16

#define CB_DECISION_VERSION 2

/** A decision; the caller allocates it, initialised with CB_DECISION_INIT
 * (version 1, without the unmatched pairs, is still accepted). */
typedef struct {
	unsigned version;       /**< CB_DECISION_VERSION */
	/** The kind of error: RETRY, RECHECK_RETRY, FAIL, IGNORE or AMBIGUOUS. */
	cb_action action;
	/** 1: make another attempt after delay_ms.  0: stop (success for IGNORE). */
	int retry;
	unsigned delay_ms;      /**< uniform in [0, min(max_delay, base * 2^(attempt-1))] */
	unsigned attempt;       /**< attempts made so far, as passed in */
	unsigned max_attempts;  /**< the bound that applied (1 + 1 for AMBIGUOUS) */
	int known;              /**< the code was found in the set */
	int contact_support;    /**< tell the user to contact support with the log ID */
	/** The matching entries (up to CB_DECIDE_MAX_ENTRIES; nentries_total counts all). */
	const cb_entry *entries[CB_DECIDE_MAX_ENTRIES];
	size_t nentries;
	size_t nentries_total;
	/** The check of the code in its context, for callers that report it
	 * (cb_check_message() gives its message).  Part of this struct's version. */
	cb_check_result check;
	/** What to do, in words (a decision is not a hot path: it is always made). */
	char message[CB_DECISION_MESSAGE_MAX];
	/* version 2 */
	/**
	 * The context pairs the decision could not match: their dimension is
	 * descriptive and no entry of the code admits their value (or the set
	 * does not declare it).  The decision was made on the other pairs, whose
	 * entries agree; check still holds the verdict on the whole context.
	 * Borrowed from the caller's context, as the check's.
	 */
	size_t nunmatched;
	cb_ctx unmatched[CB_DECIDE_MAX_UNMATCHED];
} cb_decision;

#define CB_DECISION_INIT CB__VERSIONED(cb_decision, CB_DECISION_VERSION)

/**
 * Decide what to do after attempt number @p attempt (1 = the first call)
 * failed with @p code.
 *
 * @param[out] out the decision; @p out->version must be 1 or CB_DECISION_VERSION.
 *             Its entries are borrowed from @p cs; its check keeps @p code
 *             and @p ctx, as cb_check() does.
 * @param rng  random source for the jitter; NULL uses the system's
 *             (arc4random), which is thread-safe.
 * @return CB_OK; CB_EINVAL for NULL arguments, attempt 0 or an unknown
 *         decision version.
 */
CB_EXTERN int cb_decide(cb_decision *out, const cb_codeset *cs,
    const char *code, size_t code_len, const cb_ctx *ctx, size_t nctx,
    unsigned attempt, const cb_rng *rng);

CB_END_DECLS

#endif
