/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codebook/mapping.h - mappings between code sets: which code of a target
 * set a code of a source set stands for, with an equivalence, as FHIR's
 * ConceptMap does.  docs/mappings.md documents the file format;
 * schemas/mapping.schema.json is its JSON Schema.
 */
#ifndef CODEBOOK_MAPPING_H
#define CODEBOOK_MAPPING_H

#include "codebook/catalog.h"
#include "codebook/codeset.h"
#include "codebook/report.h"

CB_BEGIN_DECLS

typedef struct cb_mapping cb_mapping;   /**< opaque, immutable once loaded */

/** How a source code relates to its target (FHIR ConceptMap's equivalence). */
typedef enum {
	CB_EQ_EQUAL = 0,   /**< the same meaning */
	CB_EQ_NARROWER,    /**< the source means less than the target: the target covers it and more */
	CB_EQ_BROADER,     /**< the source means more: only some of its uses are the target */
	CB_EQ_UNMATCHED    /**< nothing in the target set stands for the source code (no target) */
} cb_equivalence;

/** "equal", "narrower", "broader", "unmatched". */
CB_EXTERN const char *cb_equivalence_name(cb_equivalence eq);

/** One link of a mapping; owned by its mapping. */
typedef struct {
	const char    *from;         /**< the source code */
	const char    *to;           /**< the target code; NULL when unmatched */
	cb_equivalence equivalence;
	/** Where the link comes from: "judgement" (codebook's own), or the
	 * source that makes it plain ("seed 000", ...). */
	const char    *basis;
	const char    *comment;      /**< "" if none */
	unsigned       line, column; /**< where the link is in its file */
} cb_mapping_link;

/**
 * Parse a mapping document.  Errors read "origin:line:column: path: what
 * was expected" (@p origin may be NULL: "<buffer>").
 *
 * @param[out] out on CB_OK, a new mapping; free with cb_mapping_free().
 * @return CB_OK; CB_EPARSE (not a valid mapping); CB_ETOOBIG (past a limit
 *         of docs/limits.md); CB_EINVAL; CB_ENOMEM.
 */
CB_EXTERN int cb_mapping_load_buffer(cb_mapping **out, const char *buf, size_t len,
    const char *origin);
/** As cb_mapping_load_buffer() on a file; CB_ENOTFOUND, CB_EIO. */
CB_EXTERN int cb_mapping_load_file(cb_mapping **out, const char *path);
/** 1 when @p buf looks like a mapping document (a JSON object with
 * "source_set"), so that a tool handed files can tell them from sets. */
CB_EXTERN int cb_mapping_sniff(const char *buf, size_t len);
/** NULL is a no-op. */
CB_EXTERN void cb_mapping_free(cb_mapping *m);

CB_EXTERN const char *cb_mapping_name(const cb_mapping *m);
CB_EXTERN const char *cb_mapping_title(const cb_mapping *m);
CB_EXTERN const char *cb_mapping_description(const cb_mapping *m);
CB_EXTERN const char *cb_mapping_source_set(const cb_mapping *m);
CB_EXTERN const char *cb_mapping_target_set(const cb_mapping *m);
CB_EXTERN const char *cb_mapping_origin(const cb_mapping *m);
/** 1: every code of the source set must have a link (an unmatched link
 * says so explicitly). */
CB_EXTERN int         cb_mapping_complete(const cb_mapping *m);
/** Links sorted by source code (file order within a code). */
CB_EXTERN size_t                 cb_mapping_link_count(const cb_mapping *m);
CB_EXTERN const cb_mapping_link *cb_mapping_link_get(const cb_mapping *m, size_t i);

/**
 * The links of source code @p code (exact bytes), in file order: the index
 * of the first in *first and their number in the return value (0: the
 * mapping says nothing about the code).
 */
CB_EXTERN size_t cb_mapping_translate(const cb_mapping *m, const char *code, size_t len,
    size_t *first);

/**
 * Check a mapping against its sets: MAPPING_SET_UNKNOWN (a set is not
 * given), MAPPING_SOURCE_UNKNOWN (a link's source code is not in the
 * source set), MAPPING_TARGET_UNKNOWN, MAPPING_TARGET_RETIRED,
 * MAPPING_TARGET_DEPRECATED (a warning), MAPPING_INCOMPLETE (a complete
 * mapping, and a source code that is not retired has no link).  @p source
 * and @p target may be NULL (the set could not be found).
 *
 * @param[out] out on CB_OK, the findings; free with cb_report_free().
 */
CB_EXTERN int cb_mapping_lint(cb_report **out, const cb_mapping *m, const cb_codeset *source,
    const cb_codeset *target);

/**
 * Lint file @p path if it holds a mapping (*@p is_mapping = 1): a fault of
 * the document is the one finding (JSON_SYNTAX or SCHEMA, with its line and
 * column), otherwise cb_mapping_lint() against the sets that @p lookup
 * finds.  A file that is not a mapping: CB_OK, *@p is_mapping = 0, no
 * report.  @return CB_OK; CB_ENOTFOUND; CB_EIO; CB_ETOOBIG; CB_ENOMEM.
 */
typedef const cb_codeset *(*cb_set_lookup)(void *arg, const char *name);
CB_EXTERN int cb_mapping_lint_file(cb_report **out, const char *path, cb_set_lookup lookup, void *arg,
    int *is_mapping);

/** Mappings of a directory (every "*.json" file, in name order). */
typedef struct cb_mappings cb_mappings;

/**
 * Load every "*.json" file of @p dir as a mapping.  A missing directory
 * gives an empty list (a catalog need not have mappings).
 * @return CB_OK; CB_EIO; CB_EPARSE (cb_errmsg() names the file);
 *         CB_ETOOBIG (more than CB_MAX_MAPPINGS files); CB_ENOMEM.
 */
CB_EXTERN int cb_mappings_load_dir(cb_mappings **out, const char *dir);
CB_EXTERN size_t            cb_mappings_count(const cb_mappings *ms);
CB_EXTERN const cb_mapping *cb_mappings_get(const cb_mappings *ms, size_t i);
/** The mapping called @p name (@p len bytes), or NULL. */
CB_EXTERN const cb_mapping *cb_mappings_find(const cb_mappings *ms, const char *name, size_t len);
CB_EXTERN void              cb_mappings_free(cb_mappings *ms);

/**
 * The governance rule MAPPING_KEEPS_COMPLETE: would publishing @p cs break
 * a complete mapping of @p ms?  Each complete mapping with @p cs as its
 * source or target set is linted against @p cs and the other set, looked
 * up with @p lookup (may return NULL); its errors are added to *@p out as
 * breaking findings that name the mapping.  *@p out is created when NULL.
 */
CB_EXTERN int cb_mappings_gate(cb_report **out, const cb_mappings *ms, const cb_codeset *cs,
    cb_set_lookup lookup, void *arg);

CB_END_DECLS

#endif
