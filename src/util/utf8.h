/* SPDX-License-Identifier: Apache-2.0 */
/*
 * utf8.h - UTF-8 validation and positions in text.
 */
#ifndef CB_UTIL_UTF8_H
#define CB_UTIL_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 prefix of s[0..n), stopping after @max_chars
 * characters (0 = no limit).  Overlong forms, surrogates and code points
 * past U+10FFFF are invalid. */
size_t cb_utf8_valid_prefix(const char *s, size_t n, size_t max_chars);

/* 1 when all of s[0..n) is valid UTF-8. */
int cb_utf8_valid(const char *s, size_t n);

/* 1-based line and column (in characters) of byte @offset of text s[0..n). */
void cb_text_position(const char *s, size_t n, size_t offset,
    unsigned *line, unsigned *column);

#endif
