/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codebook/export.h - render a code set for other tools.
 */
#ifndef CODEBOOK_EXPORT_H
#define CODEBOOK_EXPORT_H

#include "codebook/codeset.h"

CB_BEGIN_DECLS

typedef enum {
	CB_EXPORT_JSONSCHEMA = 0, /**< JSON Schema 2020-12 for the code string: enum + pattern */
	CB_EXPORT_MARKDOWN,       /**< tables per category, like the source documents */
	CB_EXPORT_C_HEADER,       /**< an enum and a string table */
	CB_EXPORT_CSV,            /**< RFC 4180, one row per entry */
	CB_EXPORT_JSON            /**< the code-set file format (cb_codeset_to_json) */
} cb_export_format;

/** Parse "jsonschema", "markdown", "c-header", "csv", "json". CB_EINVAL if unknown. */
CB_EXTERN int cb_export_format_parse(cb_export_format *out, const char *name);
CB_EXTERN const char *cb_export_format_name(cb_export_format f);

/**
 * @param[out] out     on CB_OK, the document, NUL-terminated; free with cb_free().
 * @param[out] outlen  its length (may be NULL).
 * @return CB_OK; CB_EINVAL for NULL arguments or an unknown format;
 *         CB_ETOOBIG past four times CB_MAX_CODESET_BYTES; CB_ENOMEM.
 */
CB_EXTERN int cb_export(char **out, size_t *outlen, const cb_codeset *cs,
    cb_export_format fmt);

CB_END_DECLS

#endif
