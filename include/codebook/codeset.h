/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codebook/codeset.h - code sets: load, inspect, serialise.
 *
 * A code set is a versioned list of codes (see docs/codeset-format.md).
 * Loading validates the file completely; a loaded set is immutable and may
 * be read from any number of threads at once.  Sets are reference counted
 * so that a server can swap in a new version while requests still hold the
 * old one.
 */
#ifndef CODEBOOK_CODESET_H
#define CODEBOOK_CODESET_H

#include "codebook/common.h"

CB_BEGIN_DECLS

typedef struct cb_codeset cb_codeset;   /**< opaque, immutable once loaded */
typedef struct cb_entry cb_entry;       /**< one row of a set; owned by its set */

typedef enum {
	CB_STATUS_ACTIVE = 0,
	CB_STATUS_DEPRECATED,   /**< still accepted (with a warning) unless the set rejects deprecated codes */
	CB_STATUS_RETIRED       /**< mirrored sets: the upstream no longer accepts it */
} cb_status;

typedef enum {
	CB_SHAPE_PLAIN = 0,     /**< any run of allowed characters */
	CB_SHAPE_CATEGORY_CODE, /**< CATEGORY.CODE, CATEGORY a declared category */
	CB_SHAPE_INTEGER        /**< optional '-' followed by digits */
} cb_shape;

typedef enum { CB_CASE_ANY = 0, CB_CASE_UPPER, CB_CASE_LOWER } cb_case;

/** What a client does about an error code (error sets). */
typedef enum {
	CB_ACTION_NONE = 0,          /**< the entry names no handling class */
	CB_ACTION_RETRY,             /**< retry in place, with backoff */
	CB_ACTION_RECHECK_RETRY,     /**< re-run the preceding check, then retry */
	CB_ACTION_FAIL,              /**< do not retry; report (with the log ID) */
	CB_ACTION_IGNORE,            /**< not an error */
	CB_ACTION_AMBIGUOUS          /**< matching entries disagree (cb_decide only) */
} cb_action;

#define CB_FORMAT_VERSION 1

/** Format rules of a set.  Filled by cb_codeset_format(), read by
 * cb_builder_set_format(); initialise with CB_FORMAT_INIT. */
typedef struct {
	unsigned    version;    /**< CB_FORMAT_VERSION */
	const char *charset;    /**< character-class body, e.g. "A-Za-z0-9_.-" */
	cb_shape    shape;
	cb_case     letter_case;
	int         case_enforced;
	unsigned    min_length, max_length;  /**< 0 in a builder's input: the defaults, 1 and 256 */
} cb_format;

#define CB_FORMAT_INIT CB__VERSIONED(cb_format, CB_FORMAT_VERSION)

#define CB_POLICY_VERSION 1

/** Retry policy of an error set; initialise with CB_POLICY_INIT. */
typedef struct {
	unsigned version;       /**< CB_POLICY_VERSION */
	unsigned max_attempts;  /**< attempts in all, the first included */
	unsigned base_delay_ms;
	unsigned max_delay_ms;
} cb_policy;

#define CB_POLICY_INIT CB__VERSIONED(cb_policy, CB_POLICY_VERSION)

/**
 * Load a code set from a JSON file.
 *
 * @param[out] out  on CB_OK, a new set (reference count 1); release it with
 *                  cb_codeset_free().  NULL on failure.
 * @param path      file to read; not kept (cb_codeset_origin() has a copy).
 * @return CB_OK; CB_ENOTFOUND when there is no such file; CB_EIO when it
 *         cannot be read; CB_EPARSE when it is not a valid code set
 *         (cb_errmsg() says "path:line:column: what"); CB_ETOOBIG past a
 *         limit; CB_EINVAL for NULL arguments; CB_ENOMEM.
 */
CB_EXTERN int cb_codeset_load_file(cb_codeset **out, const char *path);

/**
 * Load a code set from memory.  @p origin names the buffer in error
 * messages (a file name, "request body"); it may be NULL.  The buffer is
 * not kept.  Returns as cb_codeset_load_file(), without CB_ENOTFOUND and
 * CB_EIO.
 */
CB_EXTERN int cb_codeset_load_buffer(cb_codeset **out, const char *buf,
    size_t len, const char *origin);

/** Take another reference; returns @p cs. Thread-safe. */
CB_EXTERN cb_codeset *cb_codeset_ref(cb_codeset *cs);

/** Drop a reference; the last one frees the set. NULL is a no-op. */
CB_EXTERN void cb_codeset_free(cb_codeset *cs);

/* Set attributes: borrowed strings, never NULL ("" when absent). */
CB_EXTERN const char *cb_codeset_name(const cb_codeset *cs);
CB_EXTERN const char *cb_codeset_title(const cb_codeset *cs);
CB_EXTERN const char *cb_codeset_description(const cb_codeset *cs);
CB_EXTERN const char *cb_codeset_source(const cb_codeset *cs);
/** Where the set was loaded from (file path or origin); "" if unknown. */
CB_EXTERN const char *cb_codeset_origin(const cb_codeset *cs);
CB_EXTERN int         cb_codeset_version(const cb_codeset *cs);
CB_EXTERN int         cb_codeset_is_mirror(const cb_codeset *cs);
CB_EXTERN int         cb_codeset_repeated_codes(const cb_codeset *cs);
/** 1 when the set rejects deprecated codes instead of warning. */
CB_EXTERN int         cb_codeset_rejects_deprecated(const cb_codeset *cs);
/**
 * The set's format rules.
 * @param[out] out  @p out->version must be CB_FORMAT_VERSION; the charset
 *                  is borrowed from @p cs.
 * @return CB_OK; CB_EINVAL for NULL arguments or an unknown version.
 */
CB_EXTERN int         cb_codeset_format(const cb_codeset *cs, cb_format *out);
/**
 * The set's retry policy (the defaults 5, 200, 30000 when it gives none).
 * @param[out] out  @p out->version must be CB_POLICY_VERSION.
 * @return CB_OK; CB_EINVAL for NULL arguments or an unknown version.
 */
CB_EXTERN int         cb_codeset_policy(const cb_codeset *cs, cb_policy *out);
/** 1 when the set states a policy (cb_codeset_to_json() writes it), else 0. */
CB_EXTERN int         cb_codeset_has_policy(const cb_codeset *cs);

/*
 * Governance rules the set enforces beyond the defaults ("governance":
 * {"rules": [...]}, docs/governance.md "Rules per set"), in the order of
 * the rule table: names such as "NO_REPURPOSE", borrowed, never NULL.
 */
CB_EXTERN size_t      cb_codeset_rule_count(const cb_codeset *cs);
CB_EXTERN const char *cb_codeset_rule(const cb_codeset *cs, size_t i);
/** 1 when the set enforces opt-in rule @p rule, else 0. */
CB_EXTERN int         cb_codeset_enforces(const cb_codeset *cs, const char *rule);

/*
 * Stable ids (docs/codeset-format.md, "Stable ids"): every code has a
 * positive id, kept for ever and never reused.
 */
/** The highest id of the set's codes (0 when it has none): every id ever
 * used, since codes are never removed; a new code gets one above it. */
CB_EXTERN int             cb_codeset_max_id(const cb_codeset *cs);
/** The first entry of the code with id @p id, or NULL.  O(1). */
CB_EXTERN const cb_entry *cb_codeset_find_id(const cb_codeset *cs, int id);

/* Entries, in file order. */
CB_EXTERN size_t          cb_codeset_entry_count(const cb_codeset *cs);
CB_EXTERN const cb_entry *cb_codeset_entry(const cb_codeset *cs, size_t i);

/**
 * First entry whose code is exactly @p code (length @p len); NULL if none.
 * O(1).  Further entries with the same code: cb_entry_next_same().
 */
CB_EXTERN const cb_entry *cb_codeset_find(const cb_codeset *cs,
    const char *code, size_t len);

/* Categories. */
CB_EXTERN size_t      cb_codeset_category_count(const cb_codeset *cs);
CB_EXTERN const char *cb_codeset_category_name(const cb_codeset *cs, size_t i);
CB_EXTERN const char *cb_codeset_category_description(const cb_codeset *cs, size_t i);
/** Index of category @p name, or -1. */
CB_EXTERN int         cb_codeset_category_index(const cb_codeset *cs, const char *name, size_t len);

/* Context dimensions and their values. */
CB_EXTERN size_t      cb_codeset_dim_count(const cb_codeset *cs);
CB_EXTERN const char *cb_codeset_dim_name(const cb_codeset *cs, size_t d);
CB_EXTERN const char *cb_codeset_dim_description(const cb_codeset *cs, size_t d);
CB_EXTERN size_t      cb_codeset_dim_value_count(const cb_codeset *cs, size_t d);
CB_EXTERN const char *cb_codeset_dim_value(const cb_codeset *cs, size_t d, size_t v);
/** Index of dimension @p name, or -1. */
CB_EXTERN int         cb_codeset_dim_index(const cb_codeset *cs, const char *name, size_t len);
/** 1 when dimension @p d is descriptive: it describes the call (a scene)
 * rather than selecting the handling, so that cb_decide() tolerates a value
 * no entry matches (policy.h).  0 otherwise. */
CB_EXTERN int         cb_codeset_dim_descriptive(const cb_codeset *cs, size_t d);
/** Index of value @p value within dimension @p d, or -1. */
CB_EXTERN int         cb_codeset_dim_value_index(const cb_codeset *cs, size_t d, const char *value, size_t len);

/* Handling classes (error sets). */
CB_EXTERN size_t      cb_codeset_handling_count(const cb_codeset *cs);
CB_EXTERN const char *cb_codeset_handling_name(const cb_codeset *cs, size_t h);
CB_EXTERN cb_action   cb_codeset_handling_action(const cb_codeset *cs, size_t h);
CB_EXTERN int         cb_codeset_handling_contact_support(const cb_codeset *cs, size_t h);
CB_EXTERN const char *cb_codeset_handling_description(const cb_codeset *cs, size_t h);

/* Entry attributes: borrowed strings, valid while the set lives. */
/** The code, or NULL for a row the source lists without one. */
CB_EXTERN const char *cb_entry_code(const cb_entry *e);
CB_EXTERN size_t      cb_entry_code_len(const cb_entry *e);
/** Category name, or "" when the entry has none. */
CB_EXTERN const char *cb_entry_category(const cb_entry *e);
CB_EXTERN const char *cb_entry_description(const cb_entry *e);
CB_EXTERN cb_status   cb_entry_status(const cb_entry *e);
CB_EXTERN int         cb_entry_since(const cb_entry *e);            /**< 0 if not given */
CB_EXTERN int         cb_entry_deprecated_since(const cb_entry *e); /**< 0 if not given */
/** Replacement code of a deprecated entry, or "" */
CB_EXTERN const char *cb_entry_replaced_by(const cb_entry *e);
/** Handling class name, or "" */
CB_EXTERN const char *cb_entry_handling(const cb_entry *e);
/** The entry's action: CB_ACTION_IGNORE when not_an_error, else its class's. */
CB_EXTERN cb_action   cb_entry_action(const cb_entry *e);
CB_EXTERN int         cb_entry_http_status(const cb_entry *e);      /**< 0 if not given */
CB_EXTERN int         cb_entry_not_an_error(const cb_entry *e);
/** The stable id of the entry's code (the same for every entry of a code);
 * 0 for a row without a code. */
CB_EXTERN int         cb_entry_id(const cb_entry *e);
/** 1 when the source gave the id; 0 when the load or cb_builder_finish()
 * assigned it (one above the highest: lint says ID_ASSIGNED). */
CB_EXTERN int         cb_entry_id_given(const cb_entry *e);
/** The version whose change to this entry was marked editorial, or 0. */
CB_EXTERN int         cb_entry_editorial_version(const cb_entry *e);
/** The note of the editorial mark, or "". */
CB_EXTERN const char *cb_entry_editorial_note(const cb_entry *e);
/** The set the entry belongs to. */
CB_EXTERN const cb_codeset *cb_entry_set(const cb_entry *e);
/** Index of the entry in its set. */
CB_EXTERN size_t      cb_entry_index(const cb_entry *e);
/** Next entry with the same code, or NULL. */
CB_EXTERN const cb_entry *cb_entry_next_same(const cb_entry *e);
/** 1 if the entry restricts dimension @p d (lists values for it). */
CB_EXTERN int         cb_entry_restricts(const cb_entry *e, size_t d);
/** 1 if the entry admits value @p v of dimension @p d. */
CB_EXTERN int         cb_entry_admits(const cb_entry *e, size_t d, size_t v);
/** Free attribute @p key, or NULL. */
CB_EXTERN const char *cb_entry_attribute(const cb_entry *e, const char *key);
CB_EXTERN size_t      cb_entry_attribute_count(const cb_entry *e);
CB_EXTERN const char *cb_entry_attribute_key(const cb_entry *e, size_t i);
CB_EXTERN const char *cb_entry_attribute_value(const cb_entry *e, size_t i);
/** Line and column of the entry in its source (0 when unknown). */
CB_EXTERN unsigned    cb_entry_line(const cb_entry *e);
CB_EXTERN unsigned    cb_entry_column(const cb_entry *e);

/** Names for enums ("active", "category.code", "recheck-then-retry"). Never NULL. */
CB_EXTERN const char *cb_status_name(cb_status s);
CB_EXTERN const char *cb_shape_name(cb_shape s);
CB_EXTERN const char *cb_case_name(cb_case c);
CB_EXTERN const char *cb_action_name(cb_action a);

/**
 * Serialise @p cs as a code-set JSON document (the file format) with a
 * stable layout, so that equal sets give equal bytes.
 *
 * @param[out] out     on CB_OK, a NUL-terminated string; free with cb_free().
 * @param[out] outlen  its length (may be NULL).
 * @return CB_OK; CB_EINVAL for NULL arguments; CB_ETOOBIG past twice
 *         CB_MAX_CODESET_BYTES; CB_ENOMEM.
 */
CB_EXTERN int cb_codeset_to_json(char **out, size_t *outlen, const cb_codeset *cs);

CB_END_DECLS

#endif
