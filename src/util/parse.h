/* SPDX-License-Identifier: Apache-2.0 */
/*
 * parse.h - the one way to read numbers and durations from text (flags,
 * query parameters, configuration, headers), after curl's strparse: a
 * cursor moves only on success, every number has an explicit maximum, and
 * no sign, space, base prefix or overflow slips through as it does with
 * strtoul(3).
 */
#ifndef CB_UTIL_PARSE_H
#define CB_UTIL_PARSE_H

#include <stddef.h>
#include <stdint.h>

enum {
	CB_PARSE_OK = 0,
	CB_PARSE_BAD = -1,     /* not a number of the expected form */
	CB_PARSE_RANGE = -2    /* a number, but outside the allowed range */
};

/*
 * Decimal digits at *cur, at most @max.  On CB_PARSE_OK *out holds the
 * value and *cur points past the digits; otherwise *cur is unchanged.
 * Leading zeros are allowed; at least one digit is required.
 */
int cb_str_number(const char **cur, uint64_t max, uint64_t *out);

/* The whole string @s (NUL-terminated) is an unsigned decimal in
 * [@min, @max]. */
int cb_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* As cb_parse_u64 for @len bytes (need not be terminated). */
int cb_parse_u64n(const char *s, size_t len, uint64_t min, uint64_t max, uint64_t *out);
/* The whole string is a signed decimal ("-" allowed, no "+") in [@min, @max]. */
int cb_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
/* cb_parse_u64 into an unsigned (@max must fit). */
int cb_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out);

/*
 * A duration: a decimal number with an optional fraction and a unit "ms",
 * "s" (also no unit), "m" or "h" ("2s", "500ms", "0.2", "1.5m", "1h"), in
 * milliseconds, at most @max_ms.
 */
int cb_parse_duration_ms(const char *s, uint64_t max_ms, uint64_t *out);

#endif
