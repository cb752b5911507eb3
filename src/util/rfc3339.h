/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rfc3339.h - the one time module: RFC 3339 date-times parsed, normalised
 * to UTC and formatted, and the clocks.  Every module and the simulator
 * use it, so a timestamp means the same everywhere.
 */
#ifndef CB_UTIL_RFC3339_H
#define CB_UTIL_RFC3339_H

#include <stddef.h>
#include <stdint.h>

/* Room for a normalised date-time with nanoseconds, NUL included. */
#define CB_TIME_MAX 40
/* "2026-02-06T09:30:00.123Z" and its NUL. */
#define CB_TIME_MS_LEN 24

/* Microseconds since 1970-01-01T00:00:00Z (CLOCK_REALTIME). */
int64_t cb_time_now_us(void);
/* Milliseconds since 1970 (CLOCK_REALTIME). */
int64_t cb_time_now_ms(void);
/* Nanoseconds of CLOCK_MONOTONIC (durations). */
uint64_t cb_time_mono_ns(void);

/*
 * Format @us (microseconds since 1970) as "YYYY-MM-DDTHH:MM:SS[.f]Z" with
 * @digits fraction digits (0, 3 or 6) into @out (CB_TIME_MAX bytes).
 * Returns the length, or -1 when the year falls outside 0000-9999.
 */
int cb_time_format(char out[CB_TIME_MAX], int64_t us, int digits);
/* The current time with milliseconds: "2026-02-06T09:30:00.123Z". */
void cb_time_now_iso(char out[CB_TIME_MAX]);

/*
 * Parse RFC 3339 date-time @s (@len bytes; 'T', 't' or ' ' between date and
 * time; 'Z', 'z' or +hh:mm offset; up to 9 fraction digits; no leap
 * second) and normalise it to UTC into @out ("2026-02-06T09:30:00.5Z": the
 * client's precision kept) and to microseconds into *us (either may be
 * NULL).  Returns 1 when valid, else 0 with a reason for the user in *why.
 */
int cb_time_parse(const char *s, size_t len, char out[CB_TIME_MAX], int64_t *us,
    const char **why);

#endif
