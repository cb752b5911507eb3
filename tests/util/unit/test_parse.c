/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_parse.c - bounded numbers and durations: what strtoul(3) lets
 * through (signs, spaces, base prefixes, overflow, trailing bytes) is
 * refused, and a range error is told apart from a malformed number.
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "util/parse.h"

Test(parse, u64_accepts_plain_decimals)
{
	uint64_t v;

	cr_assert_eq(cb_parse_u64("0", 0, 10, &v), CB_PARSE_OK);
	cr_assert_eq(v, 0);
	cr_assert_eq(cb_parse_u64("007", 0, 10, &v), CB_PARSE_OK);
	cr_assert_eq(v, 7);
	cr_assert_eq(cb_parse_u64("18446744073709551615", 0, UINT64_MAX, &v), CB_PARSE_OK);
	cr_assert_eq(v, UINT64_MAX);
}

Test(parse, u64_refuses_what_strtoul_takes)
{
	static const char *const bad[] = { "", " 1", "1 ", "+1", "-1", "0x10", "1e3", "1.0", "12abc", "abc" };
	uint64_t v = 42;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(cb_parse_u64(bad[i], 0, UINT64_MAX, &v), CB_PARSE_BAD, "\"%s\"", bad[i]);
	cr_assert_eq(cb_parse_u64(NULL, 0, 1, &v), CB_PARSE_BAD);
	cr_assert_eq(v, 42, "untouched on failure");
}

Test(parse, u64_range)
{
	uint64_t v;

	cr_assert_eq(cb_parse_u64("18446744073709551616", 0, UINT64_MAX, &v), CB_PARSE_RANGE);
	cr_assert_eq(cb_parse_u64("99999999999999999999999", 0, UINT64_MAX, &v), CB_PARSE_RANGE);
	cr_assert_eq(cb_parse_u64("999999999999999999999x", 0, UINT64_MAX, &v), CB_PARSE_BAD);
	cr_assert_eq(cb_parse_u64("0", 1, 500, &v), CB_PARSE_RANGE);
	cr_assert_eq(cb_parse_u64("501", 1, 500, &v), CB_PARSE_RANGE);
	cr_assert_eq(cb_parse_u64n("123456", 3, 0, 1000, &v), CB_PARSE_OK);
	cr_assert_eq(v, 123);
}

Test(parse, i64)
{
	int64_t v;

	cr_assert_eq(cb_parse_i64("-9223372036854775808", INT64_MIN, INT64_MAX, &v), CB_PARSE_OK);
	cr_assert_eq(v, INT64_MIN);
	cr_assert_eq(cb_parse_i64("9223372036854775807", INT64_MIN, INT64_MAX, &v), CB_PARSE_OK);
	cr_assert_eq(v, INT64_MAX);
	cr_assert_eq(cb_parse_i64("9223372036854775808", INT64_MIN, INT64_MAX, &v), CB_PARSE_RANGE);
	cr_assert_eq(cb_parse_i64("-9223372036854775809", INT64_MIN, INT64_MAX, &v), CB_PARSE_RANGE);
	cr_assert_eq(cb_parse_i64("-5", 0, 10, &v), CB_PARSE_RANGE);
	cr_assert_eq(cb_parse_i64("--5", -10, 10, &v), CB_PARSE_BAD);
	cr_assert_eq(cb_parse_i64("-", -10, 10, &v), CB_PARSE_BAD);
}

Test(parse, cursor_moves_only_on_success)
{
	const char *s = "123,456", *p = s;
	uint64_t v;

	cr_assert_eq(cb_str_number(&p, 1000, &v), CB_PARSE_OK);
	cr_assert_eq(v, 123);
	cr_assert_eq(p, s + 3);
	cr_assert_eq(cb_str_number(&p, 1000, &v), CB_PARSE_BAD);
	cr_assert_eq(p, s + 3);
	p = s + 4;
	cr_assert_eq(cb_str_number(&p, 455, &v), CB_PARSE_RANGE);
	cr_assert_eq(p, s + 4);
}

Test(parse, durations)
{
	static const struct { const char *in; uint64_t ms; } ok[] = {
		{ "0", 0 }, { "2", 2000 }, { "2s", 2000 }, { "500ms", 500 }, { "0.2", 200 },
		{ "1.5m", 90000 }, { "1h", 3600000 }, { "0.0005s", 0 }, { "86400s", 86400000 },
	};
	static const char *const bad[] = { "", "s", "1x", "1 s", "-1s", ".5s", "1.s", "1sec", "1..2" };
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cr_assert_eq(cb_parse_duration_ms(ok[i].in, 86400000, &v), CB_PARSE_OK, "%s", ok[i].in);
		cr_assert_eq(v, ok[i].ms, "%s: %llu", ok[i].in, (unsigned long long)v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(cb_parse_duration_ms(bad[i], 86400000, &v), CB_PARSE_BAD, "\"%s\"", bad[i]);
	cr_assert_eq(cb_parse_duration_ms("25h", 86400000, &v), CB_PARSE_RANGE);
	cr_assert_eq(cb_parse_duration_ms("99999999999999999999h", 86400000, &v), CB_PARSE_RANGE);
}
