/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json_shim.h - the C face of simdjson (src/shim/json_shim.cpp, the only
 * C++ file).  cb_json_parse() validates a document strictly (RFC 8259,
 * UTF-8) and returns a read-only tree in which every value carries its byte
 * offset, so callers can report errors as file:line:column.
 */
#ifndef CB_SHIM_JSON_H
#define CB_SHIM_JSON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
	CB_JSON_NULL = 0,
	CB_JSON_BOOL,
	CB_JSON_NUMBER,
	CB_JSON_STRING,
	CB_JSON_ARRAY,
	CB_JSON_OBJECT
} cb_json_type;

typedef struct cb_json_node {
	cb_json_type type;
	uint32_t     offset;       /* byte offset of the value */
	uint32_t     key_offset;   /* object members: byte offset of the key */
	const char  *key;          /* object members: unescaped key, NUL-terminated */
	uint32_t     key_len;
	const char  *str;          /* strings: unescaped, NUL-terminated (may hold NULs) */
	uint32_t     str_len;
	int          is_int;       /* numbers: 1 when an integer that fits int64_t */
	int64_t      i;
	double       d;            /* numbers: the value as a double */
	int          b;            /* booleans */
	uint32_t     nchildren;    /* arrays and objects */
	uint32_t     first_child;  /* index of the first child; 0 = none */
	uint32_t     next;         /* index of the next sibling; 0 = none */
} cb_json_node;

typedef struct cb_json_doc cb_json_doc;

typedef struct {
	size_t offset;            /* where the input went wrong */
	char   message[160];      /* what was wrong, e.g. "expected ':' after a key" */
} cb_json_error;

/*
 * Parse buf[0..len).  On success returns 0 and a new document in *out
 * (free with cb_json_free).  On failure returns -6 (CB_EPARSE) with *err
 * filled, -5 (CB_ETOOBIG) when nesting exceeds @max_depth or the input is
 * larger than 4 GiB, -2 (CB_ENOMEM).  Never throws.
 */
int cb_json_parse(cb_json_doc **out, const char *buf, size_t len,
    unsigned max_depth, cb_json_error *err);
void cb_json_free(cb_json_doc *doc);

const cb_json_node *cb_json_root(const cb_json_doc *doc);
const cb_json_node *cb_json_child(const cb_json_doc *doc, const cb_json_node *n);
const cb_json_node *cb_json_next(const cb_json_doc *doc, const cb_json_node *n);
/* First member of object @obj with key @key (NUL-terminated), or NULL. */
const cb_json_node *cb_json_get(const cb_json_doc *doc, const cb_json_node *obj,
    const char *key);
const char *cb_json_type_name(cb_json_type t);

/*
 * Line validation (NDJSON), the hot path of bulk validation.  A
 * cb_json_lines is one parser, used by one thread at a time; it never
 * allocates per line (only when a line is longer than any before it).
 */
#define CB_JSON_PADDING 64   /* readable bytes required after each line */

typedef struct cb_json_lines cb_json_lines;

/* A path of object keys, e.g. {"payload","reason_code"}. */
typedef struct {
	const char *const *keys;
	const size_t      *lens;
	size_t             n;
} cb_json_path;

enum { CB_JSON_NUM_NONE = 0, CB_JSON_NUM_INT, CB_JSON_NUM_UINT };

/* What a path leads to in the document just parsed. */
typedef struct {
	int          found;       /* 0: keys[missing_at] is absent, or its parent is not an object */
	size_t       missing_at;
	cb_json_type type;        /* when found */
	const char  *str;         /* strings: unescaped, valid until the next parse */
	size_t       str_len;
	int          num;         /* numbers: CB_JSON_NUM_INT (i), _UINT (u), else NONE (a double) */
	int64_t      i;
	uint64_t     u;
} cb_json_pick;

/* A parser for lines of at most @max_len bytes nested at most @max_depth
 * deep.  0, or -2 (out of memory). */
int cb_json_lines_new(cb_json_lines **out, size_t max_len, unsigned max_depth);
void cb_json_lines_free(cb_json_lines *p);

/*
 * Index the whole lines of buf[0..len) at once (at most
 * CB_JSON_LINES_WINDOW bytes; buf[len] must be their last newline, and
 * CB_JSON_PADDING bytes after it readable): the lines parsed next that lie
 * inside are parsed from this index, which is faster for short lines; the
 * verdicts are the same.  NULL clears the window.
 */
#define CB_JSON_LINES_WINDOW 4096
void cb_json_lines_window(cb_json_lines *p, const char *buf, size_t len);

/*
 * Validate buf[0..len) as one JSON text, strictly (RFC 8259, UTF-8; numbers
 * must fit 64 bits or a finite double), and follow @npaths paths in it.
 * buf must have CB_JSON_PADDING readable bytes after len (any content).
 * Returns 0 with *root and picks[] filled; -6 not JSON, -5 too long or too
 * deep, -2 out of memory; then *why says what was wrong (static text, no
 * position: cb_json_parse() locates the fault when a caller needs it).
 */
int cb_json_lines_parse(cb_json_lines *p, const char *buf, size_t len, cb_json_type *root,
    const cb_json_path *paths, size_t npaths, cb_json_pick *picks, const char **why);

#ifdef __cplusplus
}
#endif

#endif
