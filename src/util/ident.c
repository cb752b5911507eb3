/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ident.c - the rule for ids and the encoding of path segments (ident.h).
 */
#include "ident.h"

#include <stdio.h>
#include <string.h>

/* RFC 3986 pchar without pct-encoded: unreserved, sub-delims, ':' and '@'. */
static int
is_pchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("-._~!$&'()*+,;=:@", c) != NULL;
}

int
cb_id_check(const char *s, size_t n, size_t max, char *why_buf, size_t why_size)
{
	size_t i;

	if (why_size > 0)
		why_buf[0] = '\0';
	if (n == 0) {
		(void)snprintf(why_buf, why_size, "is empty");
		return 0;
	}
	if (n > max) {
		(void)snprintf(why_buf, why_size, "has %zu bytes (at most %zu)", n, max);
		return 0;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_pchar(c))
			continue;
		if (c > 0x20 && c < 0x7f)
			(void)snprintf(why_buf, why_size, "has '%c' at byte %zu (an id is made of %s)", c, i,
			    CB_ID_CHARSET);
		else
			(void)snprintf(why_buf, why_size, "has byte 0x%02x at byte %zu (an id is made of %s)", c, i,
			    CB_ID_CHARSET);
		return 0;
	}
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) {
		(void)snprintf(why_buf, why_size, "is \"%.*s\", which URLs cannot hold as a segment", (int)n, s);
		return 0;
	}
	return 1;
}

int
cb_path_segment(char *out, size_t size, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o = 0;

	if (size == 0)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_pchar(c)) {
			if (o + 1 >= size)
				goto full;
			out[o++] = (char)c;
		} else {
			if (o + 3 >= size)
				goto full;
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return (int)o;
full:
	out[0] = '\0';
	return -1;
}


int
cb_market_check(const char *s, size_t n)
{
	return n == CB_MARKET_LEN && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

int
cb_set_name_check(const char *s, size_t n, size_t *base_len)
{
	const char *at = memchr(s, '@', n);
	size_t b = at != NULL ? (size_t)(at - s) : n, i;

	if (b == 0 || b > CB_SET_BASE_MAX || s[0] == '-')
		return 0;
	for (i = 0; i < b; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	if (at != NULL && !cb_market_check(at + 1, n - b - 1))
		return 0;
	if (base_len != NULL)
		*base_len = b;
	return 1;
}
