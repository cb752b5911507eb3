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

/** 1 when the report holds a breaking finding. */
CB_EXTERN int cb_report_is_breaking(const cb_report *r);

CB_END_DECLS

#endif
