/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codebook/govern.h - governance: may NEW replace OLD?
 *
 * Code sets evolve additively.  cb_diff() compares two versions of a set
 * and reports every change under a stable rule name: breaking changes
 * (CODE_NO_DELETE, CODE_SAME_CATEGORY, APPLIES_NO_NARROW, ID_NO_CHANGE,
 * ...), warnings (DESCRIPTION_CHANGED, CATEGORY_ADDED, ...) and information
 * (CODE_ADDED).  Opt-in rules (NO_REPURPOSE) apply when either version
 * enforces them (cb_codeset_enforces()).  docs/governance.md lists the rules.
 */
#ifndef CODEBOOK_GOVERN_H
#define CODEBOOK_GOVERN_H

#include "codebook/codeset.h"
#include "codebook/report.h"

CB_BEGIN_DECLS

/**
 * @param[out] out on CB_OK, the findings; free with cb_report_free().
 * @return CB_OK (whatever was found), CB_EINVAL, CB_ENOMEM.
 */
CB_EXTERN int cb_diff(cb_report **out, const cb_codeset *old_set,
    const cb_codeset *new_set);

#define CB_DIFF_OPTS_VERSION 1

/**
 * What cb_diff_ex() needs beyond the two versions: the time of the
 * comparison and the history of the set, for the deprecation window
 * (DEPRECATION_WINDOW).  Initialise with CB_DIFF_OPTS_INIT.
 */
typedef struct {
	unsigned version;         /**< CB_DIFF_OPTS_VERSION */
	/** When the new version would be published, microseconds since 1970;
	 * 0: now (the clock). */
	int64_t  now_us;
	/** When version @p v of the set was published (microseconds since
	 * 1970), for a deprecated code whose entry gives no deprecated_at: it
	 * was deprecated when its deprecated_since version was published.
	 * Returns 0 with *us, or -1 when unknown.  NULL: no history. */
	int    (*published_at)(void *arg, int v, int64_t *us);
	void    *arg;
} cb_diff_opts;

#define CB_DIFF_OPTS_INIT CB__VERSIONED(cb_diff_opts, CB_DIFF_OPTS_VERSION)

/** cb_diff() with options; @p opts NULL is cb_diff(). */
CB_EXTERN int cb_diff_ex(cb_report **out, const cb_codeset *old_set,
    const cb_codeset *new_set, const cb_diff_opts *opts);

/**
 * The change to one code that a finding of rule @p rule reports, for a
 * change feed (a cache updating code by code): "added", "deprecated",
 * "retired", "revived", "text-changed", "applicability-changed",
 * "dates-changed", "usage-changed"; NULL when the rule reports no change
 * to a code (a category, the format, a refused change).  The finding's
 * subject is the code.
 */
CB_EXTERN const char *cb_change_of_rule(const char *rule);

/** 1 when the report holds a breaking finding. */
CB_EXTERN int cb_report_is_breaking(const cb_report *r);

CB_END_DECLS

#endif
