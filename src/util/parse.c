/* SPDX-License-Identifier: Apache-2.0 */
/*
 * parse.c - bounded parsing of numbers and durations (see parse.h).
 */
#include "parse.h"

#include <string.h>

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int
cb_str_number(const char **cur, uint64_t max, uint64_t *out)
{
	const char *p = *cur;
	uint64_t v = 0;

	if (!is_digit(*p))
		return CB_PARSE_BAD;
	for (; is_digit(*p); p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (max - d) / 10 || d > max)
			return CB_PARSE_RANGE;
		v = v * 10 + d;
	}
	*out = v;
	*cur = p;
	return CB_PARSE_OK;
}

int
cb_parse_u64n(const char *s, size_t len, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;
	int range = 0;

	if (s == NULL || len == 0)
		return CB_PARSE_BAD;
	for (i = 0; i < len; i++) {
		unsigned d;
		if (!is_digit(s[i]))
			return CB_PARSE_BAD;
		d = (unsigned)(s[i] - '0');
		/* keep reading past an overflow: "12x" is malformed, not too big */
		if (range || v > (UINT64_MAX - d) / 10)
			range = 1;
		else
			v = v * 10 + d;
	}
	if (range || v < min || v > max)
		return CB_PARSE_RANGE;
	*out = v;
	return CB_PARSE_OK;
}

int
cb_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	return cb_parse_u64n(s, s != NULL ? strlen(s) : 0, min, max, out);
}

int
cb_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	uint64_t mag;
	int neg, rc;

	if (s == NULL)
		return CB_PARSE_BAD;
	neg = s[0] == '-';
	rc = cb_parse_u64(s + neg, 0, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &mag);
	if (rc != CB_PARSE_OK)
		return rc;
	if (neg) {
		int64_t v = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
		if (v < min || v > max)
			return CB_PARSE_RANGE;
		*out = v;
	} else {
		if ((int64_t)mag < min || (int64_t)mag > max)
			return CB_PARSE_RANGE;
		*out = (int64_t)mag;
	}
	return CB_PARSE_OK;
}

int
cb_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	uint64_t v;
	int rc = cb_parse_u64(s, min, max, &v);

	if (rc == CB_PARSE_OK)
		*out = (unsigned)v;
	return rc;
}

int
cb_parse_duration_ms(const char *s, uint64_t max_ms, uint64_t *out)
{
	static const struct { const char *name; uint64_t ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	const char *p = s;
	uint64_t whole, frac = 0, scale = 1, v;
	size_t i;

	if (s == NULL || cb_str_number(&p, UINT64_C(1) << 40, &whole) != CB_PARSE_OK)
		return s != NULL && is_digit(*s) ? CB_PARSE_RANGE : CB_PARSE_BAD;
	if (*p == '.') {
		if (!is_digit(*++p))
			return CB_PARSE_BAD;
		for (; is_digit(*p); p++)
			if (scale < 1000000) {	/* finer than a microsecond is noise */
				frac = frac * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(p, units[i].name) == 0)
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		return CB_PARSE_BAD;
	if (whole > max_ms / units[i].ms + 1)
		return CB_PARSE_RANGE;
	v = whole * units[i].ms + frac * units[i].ms / scale;
	if (v > max_ms)
		return CB_PARSE_RANGE;
	*out = v;
	return CB_PARSE_OK;
}
