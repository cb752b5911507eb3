/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codebook/builder.h - make a code set in memory.
 *
 * A builder collects a set's content: its attributes, format rules,
 * context dimensions, categories, handling classes and entries.
 * cb_builder_finish() turns it into an immutable cb_codeset, exactly the
 * one cb_codeset_load_buffer() would make of the same content as JSON: the
 * loader's rules apply, with the loader's messages (docs/library.md,
 * "Building a set").  cb_builder_from() starts from an existing set, so the
 * next version of a set is "copy, change, finish".
 *
 * A builder refuses at once only what it cannot hold: NULL or out-of-range
 * arguments (CB_EINVAL), more than a limit of docs/limits.md allows
 * (CB_ETOOBIG), and references to what it does not have (CB_ENOTFOUND).
 * Everything else is judged by cb_builder_finish().  Strings are copied.
 * A builder is used by one thread at a time.
 */
#ifndef CODEBOOK_BUILDER_H
#define CODEBOOK_BUILDER_H

#include "codebook/codeset.h"

CB_BEGIN_DECLS

typedef struct cb_builder cb_builder;

#define CB_ENTRY_SPEC_VERSION 2

/**
 * The fields of one entry, as the file format has them
 * (docs/codeset-format.md).  Initialise with CB_ENTRY_SPEC_INIT: every
 * field then says "not given".  Context restrictions and attributes are
 * set with their own calls.
 */
typedef struct {
	unsigned    version;          /**< CB_ENTRY_SPEC_VERSION */
	/** The code; NULL for a row its source lists without one ("code_missing"). */
	const char *code;
	/** A declared category, or NULL (CATEGORY.CODE sets take it from the code). */
	const char *category;
	const char *description;      /**< NULL: none */
	cb_status   status;
	int         since;            /**< 0: not given */
	int         deprecated_since; /**< 0: not given */
	const char *replaced_by;      /**< a code of the set; NULL or "": none */
	const char *handling;         /**< a declared handling class; NULL: none */
	int         http_status;      /**< 0: not given */
	int         not_an_error;
	/* version 2 */
	/** The code's stable id; 0: not given (finish assigns the next free one). */
	int         id;
	/** The version whose change to this entry is editorial (the meaning
	 * stays); 0: none.  With @p editorial_note. */
	int         editorial_version;
	const char *editorial_note;   /**< why the change is editorial; NULL: none */
} cb_entry_spec;

#define CB_ENTRY_SPEC_INIT CB__VERSIONED(cb_entry_spec, CB_ENTRY_SPEC_VERSION)

/**
 * A new, empty builder for a set: format rules default to the charset
 * "A-Za-z0-9_.-", shape plain, any case, lengths 1..256.
 *
 * @param[out] out  on CB_OK, the builder; free with cb_builder_free().
 * @param name      the set's name (1-63 of a-z, 0-9, '-': checked by finish).
 * @param title     its title.
 * @param version   its version (1 or more: checked by finish).
 * @return CB_OK; CB_EINVAL for NULL arguments; CB_ETOOBIG for a string past
 *         the limit; CB_ENOMEM.
 */
CB_EXTERN int cb_builder_new(cb_builder **out, const char *name, const char *title, int version);

/**
 * A builder holding everything @p cs holds, entries with their context
 * restrictions and attributes in their order.  Finishing it unchanged
 * gives a set equal to @p cs (cb_codeset_to_json() writes the same bytes).
 *
 * @param[out] out  on CB_OK, the builder; free with cb_builder_free().
 * @param cs        borrowed; not kept.
 * @return CB_OK; CB_EINVAL; CB_ENOMEM.
 */
CB_EXTERN int cb_builder_from(cb_builder **out, const cb_codeset *cs);

/** NULL is a no-op. */
CB_EXTERN void cb_builder_free(cb_builder *b);

/**
 * Judge the content by the rules of the loader and make the set.  The
 * builder is not changed: it may be changed further and finished again.
 *
 * @param[out] out  on CB_OK, a new set (reference count 1); free with
 *                  cb_codeset_free().
 * @param origin    names the set in messages and cb_codeset_origin()
 *                  (e.g. "outbound v2 (sync)"); NULL: "<builder>".
 * @return CB_OK; CB_EPARSE when the content is not a valid set
 *         (cb_errmsg() says "origin: entries[3].category: ...", as the loader
 *         would without line and column); CB_ETOOBIG; CB_EINVAL; CB_ENOMEM.
 */
CB_EXTERN int cb_builder_finish(cb_codeset **out, const cb_builder *b, const char *origin);

/* ---- the set's attributes ------------------------------------------------------- */

/** @return CB_OK; CB_EINVAL (NULL); CB_ETOOBIG (a string past the limit); CB_ENOMEM. */
CB_EXTERN int cb_builder_set_name(cb_builder *b, const char *name);
CB_EXTERN int cb_builder_set_title(cb_builder *b, const char *title);
/** @p description NULL: none. */
CB_EXTERN int cb_builder_set_description(cb_builder *b, const char *description);
/** @p source NULL: none. */
CB_EXTERN int cb_builder_set_source(cb_builder *b, const char *source);
/** @return CB_OK; CB_EINVAL when @p b is NULL (the range is checked by finish). */
CB_EXTERN int cb_builder_set_version(cb_builder *b, int version);
/** "mirror": the set copies an upstream list (only mirrors may retire codes). */
CB_EXTERN int cb_builder_set_mirror(cb_builder *b, int mirror);
/** "repeated_codes": a code may have several entries (in different contexts). */
CB_EXTERN int cb_builder_set_repeated_codes(cb_builder *b, int repeated);
/** "deprecated": "reject" when @p reject, else "warn". */
CB_EXTERN int cb_builder_set_rejects_deprecated(cb_builder *b, int reject);

/**
 * Enforce opt-in governance rule @p rule (e.g. "NO_REPURPOSE"), or stop
 * enforcing it when @p enforce is 0.  The name is judged by finish.
 * @return CB_OK; CB_EINVAL (NULL); CB_ETOOBIG for a name past 64 bytes or
 *         more than 16 rules; CB_ENOMEM.
 */
CB_EXTERN int cb_builder_set_rule(cb_builder *b, const char *rule, int enforce);

/**
 * The format rules (the charset is copied).
 * @return CB_OK; CB_EINVAL for NULL, an unknown version, or a shape or case
 *         that is not one of the enums; CB_ETOOBIG; CB_ENOMEM.
 */
CB_EXTERN int cb_builder_set_format(cb_builder *b, const cb_format *f);

/** The retry policy; NULL removes it (the set then has the defaults).
 * @return CB_OK; CB_EINVAL for NULL @p b or an unknown version. */
CB_EXTERN int cb_builder_set_policy(cb_builder *b, const cb_policy *p);

/* ---- declarations ------------------------------------------------------------- */

/**
 * Declare context dimension @p name (after the others).
 * @param description  NULL: none.
 * @return CB_OK; CB_EINVAL; CB_ETOOBIG past CB_MAX_DIMS; CB_ENOMEM.
 */
CB_EXTERN int cb_builder_add_dim(cb_builder *b, const char *name, const char *description);

/**
 * Add @p value to dimension @p dim (the first one of that name).
 * @return CB_OK; CB_EINVAL; CB_ENOTFOUND when no dimension is called @p dim;
 *         CB_ETOOBIG past 64 values; CB_ENOMEM.
 */
CB_EXTERN int cb_builder_add_dim_value(cb_builder *b, const char *dim, const char *value);

/**
 * Mark dimension @p dim descriptive (or not): a value of it that no entry
 * matches does not change a decision (cb_codeset_dim_descriptive()).
 * @return CB_OK; CB_EINVAL; CB_ENOTFOUND when no dimension is called @p dim.
 */
CB_EXTERN int cb_builder_set_dim_descriptive(cb_builder *b, const char *dim, int descriptive);

/** Declare category @p name (@p description NULL: none).
 * @return CB_OK; CB_EINVAL; CB_ETOOBIG past CB_MAX_CATEGORIES; CB_ENOMEM. */
CB_EXTERN int cb_builder_add_category(cb_builder *b, const char *name, const char *description);

/**
 * Declare handling class @p name of an error set.
 * @param action  RETRY, RECHECK_RETRY, FAIL or IGNORE (NONE and AMBIGUOUS
 *                are refused by finish, as the loader refuses them).
 * @return CB_OK; CB_EINVAL (NULL, or @p action not a cb_action); CB_ETOOBIG
 *         past CB_MAX_HANDLING; CB_ENOMEM.
 */
CB_EXTERN int cb_builder_add_handling(cb_builder *b, const char *name, cb_action action,
    int contact_support, const char *description);

/* ---- entries ------------------------------------------------------------------ */

/**
 * Append an entry.
 * @param[out] index  on CB_OK, its index (may be NULL).
 * @return CB_OK; CB_EINVAL (NULL, an unknown spec version, a status that is
 *         not a cb_status); CB_ETOOBIG past CB_MAX_ENTRIES or a string past
 *         the limit; CB_ENOMEM.
 */
CB_EXTERN int cb_builder_add_entry(cb_builder *b, const cb_entry_spec *spec, size_t *index);

/** Number of entries so far (0 for NULL). */
CB_EXTERN size_t cb_builder_entry_count(const cb_builder *b);

/**
 * The first entry with code @p code.
 * @param[out] index  on CB_OK, its index.
 * @return CB_OK; CB_ENOTFOUND; CB_EINVAL.
 */
CB_EXTERN int cb_builder_find(size_t *index, const cb_builder *b, const char *code);

/**
 * The fields of entry @p i.
 * @param[out] out  @p out->version must be 1 or CB_ENTRY_SPEC_VERSION (a
 *                  version 1 spec gets the fields of version 1); its strings
 *                  are borrowed from @p b until it changes that entry.
 * @return CB_OK; CB_EINVAL (NULL, @p i out of range, unknown version).
 */
CB_EXTERN int cb_builder_get_entry(cb_entry_spec *out, const cb_builder *b, size_t i);

/** Replace the fields of entry @p i (its context restrictions and
 * attributes stay; with a version 1 spec, its id and editorial mark too).
 * @return as cb_builder_add_entry(), and CB_EINVAL for @p i out of range. */
CB_EXTERN int cb_builder_set_entry(cb_builder *b, size_t i, const cb_entry_spec *spec);

/**
 * Restrict entry @p i to value @p value of dimension @p dim, in addition to
 * the values it already lists for @p dim ("applies").  The dimension and
 * value are resolved by finish.
 * @return CB_OK; CB_EINVAL; CB_ETOOBIG (more pairs than dimensions and
 *         values allow); CB_ENOMEM.
 */
CB_EXTERN int cb_builder_entry_applies(cb_builder *b, size_t i, const char *dim,
    const char *value);

/** Drop entry @p i's restrictions on @p dim (NULL: on every dimension), so
 * that it suits any value.  @return CB_OK; CB_EINVAL. */
CB_EXTERN int cb_builder_entry_clear_applies(cb_builder *b, size_t i, const char *dim);

/**
 * Set free attribute @p key of entry @p i: an existing key keeps its place,
 * a new one goes last; @p value NULL removes the key.
 * @return CB_OK; CB_EINVAL; CB_ETOOBIG past CB_MAX_ATTRS or a string past
 *         the limit; CB_ENOMEM.
 */
CB_EXTERN int cb_builder_entry_set_attribute(cb_builder *b, size_t i, const char *key,
    const char *value);

CB_END_DECLS

#endif
