/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codebook/lint.h - every problem in a code-set file, not only the first.
 */
#ifndef CODEBOOK_LINT_H
#define CODEBOOK_LINT_H

#include "codebook/codeset.h"
#include "codebook/report.h"

CB_BEGIN_DECLS

/**
 * Lint the code-set document in @p buf.  Syntax and structure errors,
 * undeclared categories and context values, codes failing the set's format,
 * duplicate codes, rows without a code, codes whose entries disagree on
 * handling, dangling replaced_by ... each becomes a finding with its line
 * and column.  @p origin names the buffer in findings (may be NULL).
 *
 * @param[out] out on CB_OK, the findings; free with cb_report_free().
 * @return CB_OK whatever was found; CB_ENOMEM; CB_EINVAL.
 */
CB_EXTERN int cb_lint_buffer(cb_report **out, const char *buf, size_t len,
    const char *origin);

/** As cb_lint_buffer() on a file; CB_ENOTFOUND when there is none, CB_EIO
 * when it cannot be read. */
CB_EXTERN int cb_lint_file(cb_report **out, const char *path);

CB_END_DECLS

#endif
