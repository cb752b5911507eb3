/*
 * codebook/check.h - is this code valid here?
 *
 * cb_check() answers with a reason (valid, deprecated, or why it is
 * rejected), the matching entry, alternatives, and a human message.  It
 * never allocates and looks codes up in O(1); the result lives in a
 * caller-provided struct.
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

#define CB_REASON_COUNT 8

/** "valid", "deprecated", "invalid-format", "unknown-code", ... Never NULL. */
CB_EXTERN const char *cb_reason_name(cb_reason r);

/** One context pair, e.g. rule=A3.  Lengths allow unterminated input. */
typedef struct {
	const char *dim;
	size_t      dim_len;
	const char *value;
	size_t      value_len;
} cb_ctx;

/** Fill a cb_ctx from NUL-terminated strings. */
CB_EXTERN cb_ctx cb_ctx_make(const char *dim, const char *value);

/** Flags for cb_check_ex(). */
#define CB_CHECK_NO_MESSAGE 0x1u  /**< skip the message and alternatives (bulk validation) */

#define CB_CHECK_MAX_ALTS    12
#define CB_CHECK_MESSAGE_MAX 1024

typedef struct {
	cb_reason reason;
	/** 1 when the caller may use the code (VALID, or DEPRECATED in a set that warns). */
	int accepted;
	const char *set_name;    /**< the set and version checked against */
	int set_version;
	/** First entry matching code and context; for NOT_APPLICABLE, DEPRECATED
	 * and RETIRED the known entry; NULL otherwise. */
	const cb_entry *entry;
	size_t nmatches;         /**< entries matching code and context */
	size_t error_offset;     /**< INVALID_FORMAT: byte offset of the fault */
	size_t ctx_index;        /**< UNKNOWN_CONTEXT / NOT_APPLICABLE: the context pair at fault */
	/**
	 * Alternatives: UNKNOWN_CODE: close matches; NOT_APPLICABLE: codes that
	 * do suit the context; DEPRECATED: the replacement.  nalts_total counts
	 * them all, alts holds up to CB_CHECK_MAX_ALTS.
	 */
	const cb_entry *alts[CB_CHECK_MAX_ALTS];
	size_t nalts;
	size_t nalts_total;
	/** Human message naming the code, the context and the alternatives. */
	char message[CB_CHECK_MESSAGE_MAX];
} cb_check_result;

/**
 * Check @p code (length @p code_len, need not be NUL-terminated) against
 * @p cs in context @p ctx (@p nctx pairs; NULL/0 for none).
 *
 * @param[out] out the verdict.
 * @return CB_OK when the check ran, whatever the verdict; CB_EINVAL for
 *         NULL arguments.
 */
CB_EXTERN int cb_check(cb_check_result *out, const cb_codeset *cs,
    const char *code, size_t code_len, const cb_ctx *ctx, size_t nctx);

/** cb_check() with CB_CHECK_* flags. */
CB_EXTERN int cb_check_ex(cb_check_result *out, const cb_codeset *cs,
    const char *code, size_t code_len, const cb_ctx *ctx, size_t nctx,
    unsigned flags);

/**
 * Check only the format rules (characters, shape, case, length).
 * @return 1 when @p code passes them; else 0 and, if @p offset is not NULL,
 * the byte offset of the fault.
 */
CB_EXTERN int cb_format_accepts(const cb_codeset *cs, const char *code,
    size_t code_len, size_t *offset);

CB_END_DECLS

#endif
