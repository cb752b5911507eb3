/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codebook/check.h - is this code valid here?
 *
 * cb_check() answers with a reason (valid, deprecated, or why it is
 * rejected), the matching entry and alternatives; cb_check_message() turns
 * the answer into a sentence when one is wanted.  A check never allocates,
 * finds the code through a perfect hash of the set, and writes only the
 * fields of its verdict into a caller-provided result (docs/library.md).
 */
#ifndef CODEBOOK_CHECK_H
#define CODEBOOK_CHECK_H

#include "codebook/codeset.h"

CB_BEGIN_DECLS

/** Verdicts.  Every reason other than VALID and DEPRECATED is a rejection. */
typedef enum {
	CB_VALID = 0,
	CB_DEPRECATED,          /**< known, deprecated: accepted with a warning unless the set rejects it */
	CB_INVALID_FORMAT,      /**< characters, shape, case or length */
	CB_UNKNOWN_CODE,        /**< well-formed but not in the set */
	CB_UNKNOWN_CATEGORY,    /**< CATEGORY.CODE with an undeclared CATEGORY */
	CB_NOT_APPLICABLE,      /**< known, but not for the given context */
	CB_UNKNOWN_CONTEXT,     /**< a context dimension or value the set does not declare */
	CB_RETIRED              /**< known, but the upstream no longer accepts it */
} cb_reason;

/** The reasons of this version are 0 .. CB_REASON_COUNT - 1.  A minor
 * version may add reasons (validity windows will add not-yet-valid and
 * expired), so the count grows; a program must accept values it does not
 * know as rejections. */
#define CB_REASON_COUNT 8
/** Every reason of major version 1 is below this: size tables indexed by
 * reason with it, not with CB_REASON_COUNT. */
#define CB_REASON_MAX 16

/** "valid", "deprecated", "invalid-format", "unknown-code", ... Never NULL. */
CB_EXTERN const char *cb_reason_name(cb_reason r);

/** One context pair, e.g. rule=A3.  Lengths allow unterminated input.
 * Passed in arrays, it never grows, so it carries no version. */
typedef struct {
	const char *dim;
	size_t      dim_len;
	const char *value;
	size_t      value_len;
} cb_ctx;

/** Fill a cb_ctx from NUL-terminated strings. */
CB_EXTERN cb_ctx cb_ctx_make(const char *dim, const char *value);

/** Flags for cb_check_ex(). */
#define CB_CHECK_NO_ALTS    0x1u  /**< skip the alternatives (bulk validation): the verdict only */
#define CB_CHECK_NO_MESSAGE CB_CHECK_NO_ALTS  /**< the 0.x name of CB_CHECK_NO_ALTS */

#define CB_CHECK_MAX_ALTS    12
/** A buffer of this size holds any message of cb_check_message(). */
#define CB_CHECK_MESSAGE_MAX 1024

#define CB_CHECK_RESULT_VERSION 1

/**
 * The verdict of one check.  The caller allocates it, initialised with
 * CB_CHECK_RESULT_INIT, and may reuse it for any number of checks.
 */
typedef struct {
	unsigned version;        /**< CB_CHECK_RESULT_VERSION */
	cb_reason reason;
	/** 1 when the caller may use the code (VALID, or DEPRECATED in a set that warns). */
	int accepted;
	int set_version;         /**< the version of the set checked against */
	const char *set_name;    /**< its name (borrowed from the set) */
	/** First entry matching code and context; for NOT_APPLICABLE, DEPRECATED
	 * and RETIRED the known entry; NULL otherwise.  Borrowed from the set. */
	const cb_entry *entry;
	size_t nmatches;         /**< entries matching code and context */
	size_t error_offset;     /**< INVALID_FORMAT: byte offset of the fault */
	size_t ctx_index;        /**< UNKNOWN_CONTEXT / NOT_APPLICABLE: the context pair at fault */
	/**
	 * Alternatives (unless CB_CHECK_NO_ALTS): UNKNOWN_CODE, UNKNOWN_CATEGORY
	 * and INVALID_FORMAT: the nearest codes within a few edits, ignoring case
	 * (or, in a CATEGORY.CODE set, the codes with the same part after the
	 * category: a bare code, a wrong category); NOT_APPLICABLE: codes that
	 * do suit the context, the nearest to the code first; DEPRECATED: the
	 * replacement.  nalts_total counts them all, alts holds the first nalts
	 * (at most CB_CHECK_MAX_ALTS); only those are written.
	 */
	size_t nalts;
	size_t nalts_total;
	const cb_entry *alts[CB_CHECK_MAX_ALTS];
	/** Private: the check's input for cb_check_message(), borrowed from the caller. */
	struct {
		const cb_codeset *cs;
		const char *code;
		size_t code_len;
		const cb_ctx *ctx;
		size_t nctx;
		unsigned flags;
	} cb__input;
} cb_check_result;

#define CB_CHECK_RESULT_INIT CB__VERSIONED(cb_check_result, CB_CHECK_RESULT_VERSION)

/**
 * Check @p code (length @p code_len, need not be NUL-terminated) against
 * @p cs in context @p ctx (@p nctx pairs; NULL/0 for none).
 *
 * @param[out] out the verdict, alternatives included; @p out->version must
 *             be CB_CHECK_RESULT_VERSION.  Its pointers are borrowed from
 *             @p cs; it also keeps @p code and @p ctx for cb_check_message().
 * @return CB_OK when the check ran, whatever the verdict; CB_EINVAL for
 *         NULL arguments or an unknown result version.
 */
CB_EXTERN int cb_check(cb_check_result *out, const cb_codeset *cs,
    const char *code, size_t code_len, const cb_ctx *ctx, size_t nctx);

/** cb_check() with CB_CHECK_* flags. */
CB_EXTERN int cb_check_ex(cb_check_result *out, const cb_codeset *cs,
    const char *code, size_t code_len, const cb_ctx *ctx, size_t nctx,
    unsigned flags);

/**
 * The human message of a check: it names the code, the set, the context and
 * the alternatives ("FRAUD.CHARGEBAK" is not a code of outbound v1; did you
 * mean FRAUD.CHARGEBACK?).  It is built on demand, so checks that are
 * never shown do not pay for it.  It reads the code and context that were
 * checked, which must still be valid, and works on results made with
 * CB_CHECK_NO_ALTS too.
 *
 * @param[out] buf  the message, NUL-terminated; one longer than @p size - 1
 *                  bytes is cut and ends in "...".  CB_CHECK_MESSAGE_MAX
 *                  bytes always suffice.
 * @param size      bytes at @p buf, at least 1.
 * @param r         a result filled by cb_check(), cb_check_ex() or cb_decide().
 * @return CB_OK; CB_EINVAL for NULL arguments, a zero size or a result no
 *         check has filled.
 */
CB_EXTERN int cb_check_message(char *buf, size_t size, const cb_check_result *r);

/**
 * Check only the format rules (characters, shape, case, length).
 * @return 1 when @p code passes them; else 0 and, if @p offset is not NULL,
 * the byte offset of the fault.
 */
CB_EXTERN int cb_format_accepts(const cb_codeset *cs, const char *code,
    size_t code_len, size_t *offset);

CB_END_DECLS

#endif
