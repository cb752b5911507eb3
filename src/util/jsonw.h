/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jsonw.h - a streaming JSON writer into a cb_buf.
 *
 * Written rather than taken from jansson because every response and report
 * line is produced on a hot path (bulk validation, HTTP checks) where
 * building a tree of nodes per value only to print it costs more than the
 * work itself.  The writer tracks commas; errors are sticky in the buffer.
 * Strings are escaped per RFC 8259 and invalid UTF-8 becomes U+FFFD, so
 * the output is always valid JSON.
 */
#ifndef CB_UTIL_JSONW_H
#define CB_UTIL_JSONW_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define CB_JW_MAX_DEPTH 64

typedef struct cb_jw {
	cb_buf       *b;
	int           pretty;
	int           depth;
	int           after_key;
	unsigned char has_items[CB_JW_MAX_DEPTH];
} cb_jw;

void cb_jw_init(cb_jw *w, cb_buf *b, int pretty);
void cb_jw_obj_begin(cb_jw *w);
void cb_jw_obj_end(cb_jw *w);
void cb_jw_arr_begin(cb_jw *w);
void cb_jw_arr_end(cb_jw *w);
void cb_jw_key(cb_jw *w, const char *k);
void cb_jw_keyn(cb_jw *w, const char *k, size_t n);
void cb_jw_str(cb_jw *w, const char *s);          /* NULL writes null */
void cb_jw_strn(cb_jw *w, const char *s, size_t n);
void cb_jw_int(cb_jw *w, long long v);
void cb_jw_uint(cb_jw *w, unsigned long long v);
void cb_jw_double(cb_jw *w, double v);
void cb_jw_bool(cb_jw *w, int v);
void cb_jw_null(cb_jw *w);
/* Insert @json, which must already be one valid JSON value. */
void cb_jw_raw(cb_jw *w, const char *json, size_t n);

/* key + value in one call */
void cb_jw_kstr(cb_jw *w, const char *k, const char *s);
void cb_jw_kstrn(cb_jw *w, const char *k, const char *s, size_t n);
void cb_jw_kint(cb_jw *w, const char *k, long long v);
void cb_jw_kbool(cb_jw *w, const char *k, int v);

/* Append @s (length @n) to @b as a JSON string literal, quotes included. */
int cb_json_escape(cb_buf *b, const char *s, size_t n);

#endif
