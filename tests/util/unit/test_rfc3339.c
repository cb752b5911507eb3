/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_rfc3339.c - the one time module: RFC 3339 parsing and normalisation
 * to UTC, microseconds that sort, formatting back.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "util/rfc3339.h"

static void
norm(const char *in, const char *want)
{
	char out[CB_TIME_MAX];
	const char *why;

	cr_assert(cb_time_parse(in, strlen(in), out, NULL, &why), "%s: %s", in, why);
	cr_assert_str_eq(out, want, "%s", in);
}

static void
bad_time(const char *in)
{
	char out[CB_TIME_MAX];
	const char *why;

	cr_assert_not(cb_time_parse(in, strlen(in), out, NULL, &why), "%s accepted as %s", in, out);
}

Test(time, normalises_to_utc)
{
	norm("2026-02-06T09:30:00Z", "2026-02-06T09:30:00Z");
	norm("2026-02-06t09:30:00z", "2026-02-06T09:30:00Z");
	norm("2026-02-06T10:30:00+01:00", "2026-02-06T09:30:00Z");
	norm("2026-02-06T09:30:00.123456-05:30", "2026-02-06T15:00:00.123456Z");
	norm("2026-01-01T00:30:00+01:00", "2025-12-31T23:30:00Z");
	norm("2024-02-29T23:00:00-02:00", "2024-03-01T01:00:00Z");
	norm("2026-02-06 09:30:00Z", "2026-02-06T09:30:00Z");
}

Test(time, microseconds_sort)
{
	char out[CB_TIME_MAX];
	const char *why;
	int64_t a, b, c;

	cr_assert(cb_time_parse("1970-01-01T00:00:01Z", 20, out, &a, &why));
	cr_assert_eq(a, 1000000);
	cr_assert(cb_time_parse("2026-02-06T09:30:00Z", 20, out, &a, &why));
	cr_assert(cb_time_parse("2026-02-06T09:30:00.5Z", 22, out, &b, &why));
	cr_assert(cb_time_parse("2026-02-06T10:30:00.25+01:00", 28, out, &c, &why));
	cr_assert_eq(b - a, 500000);
	cr_assert_eq(c - a, 250000, "an offset and a fraction: %s", out);
	cr_assert(cb_time_parse("1969-12-31T23:59:59.9Z", 22, out, &a, &why));
	cr_assert_eq(a, -100000);
}

Test(time, rejects)
{
	bad_time("2026-02-06T09:30:00");
	bad_time("2026-02-30T09:30:00Z");
	bad_time("2025-02-29T09:30:00Z");
	bad_time("2026-13-01T09:30:00Z");
	bad_time("2026-02-06T24:00:00Z");
	bad_time("2026-02-06T09:30:60Z");
	bad_time("2026-02-06T09:30:00.Z");
	bad_time("2026-02-06T09:30:00.1234567890Z");
	bad_time("2026-02-06T09:30:00+1:00");
	bad_time("0000-01-01T00:00:00+01:00");
	bad_time("yesterday");
	bad_time("");
}

Test(time, formats)
{
	char out[CB_TIME_MAX];

	cr_assert_eq(cb_time_format(out, 0, 0), 20);
	cr_assert_str_eq(out, "1970-01-01T00:00:00Z");
	cr_assert_eq(cb_time_format(out, 1770370200123456, 3), 24);
	cr_assert_str_eq(out, "2026-02-06T09:30:00.123Z");
	cr_assert_eq(cb_time_format(out, 1770370200123456, 6), 27);
	cr_assert_str_eq(out, "2026-02-06T09:30:00.123456Z");
	cr_assert_eq(cb_time_format(out, -100000, 3), 24);
	cr_assert_str_eq(out, "1969-12-31T23:59:59.900Z");
	cr_assert_eq(cb_time_format(out, INT64_C(253402300800) * 1000000, 0), -1, "year 10000");
}

Test(time, format_then_parse_round_trips)
{
	char out[CB_TIME_MAX], again[CB_TIME_MAX];
	const char *why;
	int64_t us, back;

	for (us = -86400000000LL * 800; us < 86400000000LL * 40000; us += 86399999937LL) {
		cr_assert_gt(cb_time_format(out, us, 6), 0);
		cr_assert(cb_time_parse(out, strlen(out), again, &back, &why), "%s: %s", out, why);
		cr_assert_eq(back, us, "%s", out);
		cr_assert_str_eq(again, out);
	}
}

Test(time, now_is_now)
{
	char out[CB_TIME_MAX];
	const char *why;
	int64_t us, before = cb_time_now_us();

	cb_time_now_iso(out);
	cr_assert_eq(strlen(out), CB_TIME_MS_LEN);
	cr_assert(cb_time_parse(out, strlen(out), NULL, &us, &why), "%s", why);
	cr_assert(us >= before / 1000 * 1000 && us <= cb_time_now_us(), "%s", out);
}
