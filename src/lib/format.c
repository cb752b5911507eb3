/* SPDX-License-Identifier: Apache-2.0 */
/*
 * format.c - a set's format rules: allowed characters, shape, case,
 * length.  The same test serves check (invalid-format), the loader (every
 * code must pass its own set's rules) and governance (FORMAT_KEEPS_CODES).
 */
#include "codeset_int.h"

#include <stdio.h>
#include <string.h>

int
cb__charset_compile(struct cb_fmt *f, const char *cs, char *why, size_t whylen)
{
	size_t i, n = strlen(cs);

	memset(f->f_allowed, 0, sizeof(f->f_allowed));
	if (n == 0) {
		snprintf(why, whylen, "charset: must allow at least one character");
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned char lo = (unsigned char)cs[i], hi = lo;
		if (lo < 0x21 || lo > 0x7e || lo == ']' || lo == '\\' || lo == '^') {
			snprintf(why, whylen, "charset: character at %zu must be printable ASCII other than ']', '\\' and '^'", i + 1);
			return -1;
		}
		if (i + 2 < n && cs[i + 1] == '-') {
			hi = (unsigned char)cs[i + 2];
			if (hi < lo || hi > 0x7e || hi == ']' || hi == '\\' || hi == '^') {
				snprintf(why, whylen, "charset: bad range %c-%c", lo, hi);
				return -1;
			}
			i += 2;
		}
		for (unsigned c = lo; c <= hi; c++)
			f->f_allowed[c] = 1;
	}
	return 0;
}

static int
is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static int
is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }

int
cb__format_ok(const struct cb_fmt *f, const char *code, size_t len,
    size_t *offset, char *why, size_t whylen)
{
	const unsigned char *p = (const unsigned char *)code;
	size_t i, dot = len;

	CB_ASSERT(f->f_min >= 1 && f->f_min <= f->f_max && f->f_charset != NULL);
	if (offset)
		*offset = 0;
	if (len == 0) {
		snprintf(why, whylen, "the code is empty");
		return 0;
	}
	for (i = 0; i < len; i++) {
		if (!f->f_allowed[p[i]]) {
			if (offset)
				*offset = i;
			if (p[i] >= 0x20 && p[i] < 0x7f)
				snprintf(why, whylen, "character '%c' at position %zu is not allowed (allowed: %s)",
				    p[i], i + 1, f->f_charset);
			else
				snprintf(why, whylen, "byte 0x%02x at position %zu is not allowed (allowed: %s)",
				    p[i], i + 1, f->f_charset);
			return 0;
		}
		if (f->f_case_enforced &&
		    ((f->f_case == CB_CASE_UPPER && is_lower(p[i])) ||
		     (f->f_case == CB_CASE_LOWER && is_upper(p[i])))) {
			if (offset)
				*offset = i;
			snprintf(why, whylen, "character '%c' at position %zu must be %s case",
			    p[i], i + 1, f->f_case == CB_CASE_UPPER ? "upper" : "lower");
			return 0;
		}
		if (p[i] == '.' && dot == len)
			dot = i;
	}
	if (len < f->f_min || len > f->f_max) {
		if (offset)
			*offset = len < f->f_min ? len : f->f_max;
		snprintf(why, whylen, "length %zu is outside %u..%u", len, f->f_min, f->f_max);
		return 0;
	}
	switch (f->f_shape) {
	case CB_SHAPE_CATEGORY_CODE:
		if (dot == len) {
			if (offset)
				*offset = len;
			snprintf(why, whylen, "expected CATEGORY.CODE: there is no '.'");
			return 0;
		}
		if (dot == 0 || dot + 1 == len) {
			if (offset)
				*offset = dot;
			snprintf(why, whylen, "expected CATEGORY.CODE: the %s before or after '.' is empty",
			    dot == 0 ? "CATEGORY" : "CODE");
			return 0;
		}
		break;
	case CB_SHAPE_INTEGER:
		for (i = (p[0] == '-'); i < len; i++)
			if (p[i] < '0' || p[i] > '9')
				break;
		if (i < len || (p[0] == '-' && len == 1)) {
			if (offset)
				*offset = i < len ? i : 0;
			snprintf(why, whylen, "expected an integer (optional '-' then digits)");
			return 0;
		}
		break;
	case CB_SHAPE_PLAIN:
		break;
	}
	return 1;
}

int
cb_format_accepts(const cb_codeset *cs, const char *code, size_t code_len,
    size_t *offset)
{
	char why[8];

	if (cs == NULL || (code == NULL && code_len > 0))
		return 0;
	return cb__format_ok(&cs->cs_fmt, code ? code : "", code_len, offset, why, sizeof(why));
}
