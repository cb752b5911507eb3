/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codebook/catalog.h - a directory of code sets (NAME.json files).
 */
#ifndef CODEBOOK_CATALOG_H
#define CODEBOOK_CATALOG_H

#include "codebook/codeset.h"

CB_BEGIN_DECLS

typedef struct cb_catalog cb_catalog;

/**
 * Load every "*.json" file of directory @p dir as a code set.  Each file
 * must be named after the set it holds (outbound.json holds "outbound").
 *
 * @param[out] out on CB_OK, a new catalog; free with cb_catalog_free().
 * @return CB_OK; CB_ENOTFOUND (no such directory); CB_EIO (unreadable
 *         directory or file); CB_EPARSE (a file is not a valid set, or holds
 *         a set of another name: cb_errmsg() names it); CB_ETOOBIG (more than
 *         CB_MAX_SETS files, or a file past a limit); CB_EINVAL; CB_ENOMEM.
 */
CB_EXTERN int cb_catalog_load_dir(cb_catalog **out, const char *dir);

/** Sets in name order. */
CB_EXTERN size_t            cb_catalog_count(const cb_catalog *cat);
CB_EXTERN const cb_codeset *cb_catalog_get(const cb_catalog *cat, size_t i);
/** The set called @p name, or NULL (borrowed; cb_codeset_ref() to keep it). */
CB_EXTERN const cb_codeset *cb_catalog_find(const cb_catalog *cat, const char *name);
CB_EXTERN const char       *cb_catalog_dir(const cb_catalog *cat);

/** NULL is a no-op. Sets referenced elsewhere outlive the catalog. */
CB_EXTERN void cb_catalog_free(cb_catalog *cat);

CB_END_DECLS

#endif
