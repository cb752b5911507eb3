/* SPDX-License-Identifier: Apache-2.0 */
/*
 * utf8.c - UTF-8 validation (RFC 3629) and line/column positions.
 */
#include "utf8.h"

/* Bytes in the UTF-8 sequence at s (at most n), or 0 if invalid. */
static size_t
seq_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (n >= 2 && (s[1] & 0xc0) == 0x80) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0;	/* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0;	/* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;	/* overlong */
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;	/* past U+10FFFF */
		return 4;
	}
	return 0;
}

size_t
cb_utf8_valid_prefix(const char *s, size_t n, size_t max_chars)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, chars = 0, k;

	while (i < n && (max_chars == 0 || chars < max_chars)) {
		if ((k = seq_len(p + i, n - i)) == 0)
			break;
		i += k;
		chars++;
	}
	return i;
}

int
cb_utf8_valid(const char *s, size_t n)
{
	return cb_utf8_valid_prefix(s, n, 0) == n;
}

void
cb_text_position(const char *s, size_t n, size_t offset, unsigned *line,
    unsigned *column)
{
	unsigned l = 1, c = 1;
	size_t i;

	if (offset > n)
		offset = n;
	for (i = 0; i < offset; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\n') {
			l++;
			c = 1;
		} else if ((ch & 0xc0) != 0x80) {
			c++;	/* count characters, not continuation bytes */
		}
	}
	*line = l;
	*column = c;
}
