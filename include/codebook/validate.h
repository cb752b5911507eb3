/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codebook/validate.h - bulk validation of NDJSON event streams.
 *
 * A cb_validator judges lines that each hold one JSON object carrying a
 * code (at a dotted field path, "reason_code" by default) and, optionally,
 * context values in other fields.  A line is invalid when it is not JSON
 * (RFC 8259, strictly: every value of the line is validated), is not an
 * object, lacks the field, holds something other than a string there, or
 * when cb_check() rejects the code.  The library does no I/O: callers hand
 * it lines or blocks of lines, from a file, a pipe or a request body.
 *
 * A validator is used by one thread at a time; create one per thread (the
 * code set is shared, read-only).  Validating a line allocates nothing
 * except when the line is longer than every line before it.
 */
#ifndef CODEBOOK_VALIDATE_H
#define CODEBOOK_VALIDATE_H

#include "codebook/check.h"

CB_BEGIN_DECLS

/** Readable bytes a caller promises after a line or block passed with
 * CB_LINE_PADDED (their content does not matter).  Without the flag the
 * validator copies what it must. */
#define CB_VALIDATE_PADDING 64

/**
 * Faults found before the check.  A line's verdict ("why") is either a
 * cb_reason (below CB_REASON_MAX: the check ran) or one of these, which
 * keep their values when reasons are added.
 */
typedef enum {
	CB_LINE_NOT_JSON = CB_REASON_MAX,   /**< not one JSON text */
	CB_LINE_NOT_OBJECT,                 /**< JSON, but not an object */
	CB_LINE_MISSING_FIELD,              /**< the code or a context field is absent */
	CB_LINE_NOT_STRING,                 /**< the code is not a string (a context value: not a string or integer) */
	CB_LINE_TOO_LONG,                   /**< longer than the limit (docs/limits.md) */
	CB_LINE_TOO_DEEP                    /**< nested deeper than the limit */
} cb_line_fault;

/** The faults of this version are CB_LINE_NOT_JSON .. + CB_LINE_FAULT_COUNT - 1. */
#define CB_LINE_FAULT_COUNT 6
/** Every verdict of major version 1 is below this: the size of tables
 * indexed by verdict, such as cb_validate_counts.by_why. */
#define CB_LINE_WHY_MAX 32

/** "valid", "unknown-code", ..., "not-json", "missing-field", ...; "?" for
 * a value that is no verdict of this version.  Never NULL. */
CB_EXTERN const char *cb_line_why_name(unsigned why);

/** A context dimension whose value comes from a field of each line.  A
 * pair passed in arrays: it never grows, so it carries no version. */
typedef struct {
	const char *dim;    /**< a dimension of the set, e.g. "rule" */
	const char *field;  /**< dotted path in the line, e.g. "rule" or "incident.rule" */
} cb_ctx_field;

#define CB_LINE_RESULT_VERSION 1

/** The verdict on one line; the caller allocates it, initialised with
 * CB_LINE_RESULT_INIT. */
typedef struct {
	unsigned    version;   /**< CB_LINE_RESULT_VERSION */
	unsigned    why;       /**< a cb_reason or a cb_line_fault */
	int         valid;     /**< 1 when accepted: valid, or deprecated in a set that warns */
	/** The code seen, when the field held a string (not NUL-terminated);
	 * else NULL.  Valid until the next call on the validator. */
	const char *code;
	size_t      code_len;
	/** MISSING_FIELD and NOT_STRING: the dotted path at fault (borrowed from
	 * the validator); else NULL. */
	const char *field;
	/** NOT_JSON and TOO_DEEP, with CB_LINE_EXPLAIN: byte offset of the fault
	 * in the line.  INVALID_FORMAT: byte offset of the fault in the code. */
	size_t      offset;
	/** With CB_LINE_EXPLAIN: a human message (for rejected codes, the one of
	 * cb_check_message(), naming alternatives); else "".  Valid until the next call. */
	const char *message;
	/** The matched entry, as cb_check_result.entry; NULL when the check did not run. */
	const cb_entry *entry;
} cb_line_result;

#define CB_LINE_RESULT_INIT CB__VERSIONED(cb_line_result, CB_LINE_RESULT_VERSION)

/** Flags of cb_validator_line() and cb_validator_block(). */
#define CB_LINE_PADDED  0x1u  /**< CB_VALIDATE_PADDING readable bytes follow the input */
#define CB_LINE_EXPLAIN 0x2u  /**< fill message and offsets (slower: for lines that are shown) */
#define CB_BLOCK_FIRST  0x4u  /**< the block starts its stream: skip a UTF-8 byte-order mark */

typedef struct cb_validator cb_validator;

/**
 * A validator of lines against @p cs.
 *
 * @param[out] out  on CB_OK, a new validator; free with cb_validator_free().
 * @param cs        the set; the validator takes a reference.
 * @param field     dotted path of the code in each line; NULL for "reason_code".
 * @param ctx       @p nctx context dimensions taken from fields of each line
 *                  (NULL/0 for none); the strings are copied.
 * @return CB_OK; CB_EINVAL for an empty or malformed path or a dimension
 *         given twice; CB_ENOTFOUND for a dimension the set does not
 *         declare (cb_errmsg() says which); CB_ETOOBIG past
 *         CB_MAX_FIELD_KEYS/CB_MAX_FIELD_PATH; CB_ENOMEM.
 */
CB_EXTERN int cb_validator_new(cb_validator **out, const cb_codeset *cs, const char *field,
    const cb_ctx_field *ctx, size_t nctx);

/** Free a validator (and drop its reference to the set). NULL is a no-op. */
CB_EXTERN void cb_validator_free(cb_validator *v);

/**
 * Judge one line: @p len bytes at @p line, without its line terminator.
 *
 * @param[out] out  the verdict; @p out->version must be CB_LINE_RESULT_VERSION.
 *                  Its pointers are valid until the next call on @p v.
 * @param flags     CB_LINE_PADDED, CB_LINE_EXPLAIN.
 * @return CB_OK whatever the verdict; CB_EINVAL for NULL arguments or an
 *         unknown result version;
 *         CB_ENOMEM when a longer line than before needed memory.
 */
CB_EXTERN int cb_validator_line(cb_validator *v, const char *line, size_t len, unsigned flags,
    cb_line_result *out);

#define CB_VALIDATE_COUNTS_VERSION 1

/** What cb_validator_block() saw; it adds to these counters.  The caller
 * allocates them, initialised with CB_VALIDATE_COUNTS_INIT (all zero). */
typedef struct {
	unsigned version;   /**< CB_VALIDATE_COUNTS_VERSION */
	uint64_t physical;  /**< lines in the block, blank ones included */
	uint64_t lines;     /**< lines validated (blank lines are skipped, not counted) */
	uint64_t valid;     /**< lines accepted */
	uint64_t by_why[CB_LINE_WHY_MAX];  /**< lines validated, by verdict */
} cb_validate_counts;

#define CB_VALIDATE_COUNTS_INIT CB__VERSIONED(cb_validate_counts, CB_VALIDATE_COUNTS_VERSION)

/**
 * Called for each line that is not accepted: @p line is its index among
 * the block's physical lines (0 for the first), @p offset and @p len its
 * bytes in the block (after a BOM, before a CR LF or LF).  A non-zero
 * return stops the block and is returned by cb_validator_block().
 */
typedef int (*cb_invalid_fn)(void *payload, uint64_t line, size_t offset, size_t len,
    const cb_line_result *r);

/**
 * Judge every line of a block of whole lines: LF or CR LF terminated, the
 * last one possibly without a terminator.  Lines that are empty or hold
 * only spaces, tabs and CRs are skipped and not counted.
 *
 * @param flags  CB_LINE_PADDED (for the block), CB_BLOCK_FIRST.
 * @param[in,out] counts  added to; @p counts->version must be
 *               CB_VALIDATE_COUNTS_VERSION.
 * @param fn     called for lines that are not accepted; may be NULL.
 * @return CB_OK; what @p fn returned; CB_EINVAL (NULL arguments, an unknown
 *         counts version); CB_ENOMEM.
 */
CB_EXTERN int cb_validator_block(cb_validator *v, const char *buf, size_t len, unsigned flags,
    cb_validate_counts *counts, cb_invalid_fn fn, void *payload);

CB_END_DECLS

#endif
