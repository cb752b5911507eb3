/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_util.c - the helpers of src/util: the capped buffer, the JSON
 * writer, UTF-8 validation, text positions, the arena and the allocator's
 * fault injection.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "shim/json_shim.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/jsonw.h"
#include "util/utf8.h"


static void
reset_faults(void)
{
	cb_alloc_fail_after(-1);
}

/* ---- cb_buf ----------------------------------------------------------------- */

Test(buf, adds_up_to_the_cap)
{
	cb_buf b = CB_BUF_INIT(10);

	cr_assert_eq(cb_buf_adds(&b, "0123456789"), 0);
	cr_assert_eq(b.len, 10);
	cr_assert_str_eq(b.p, "0123456789");
	cr_assert_eq(b.failed, 0);
	cb_buf_reset(&b);
}

Test(buf, one_byte_past_the_cap_fails_without_nomem)
{
	cb_buf b = CB_BUF_INIT(10);

	cb_buf_adds(&b, "0123456789");
	cr_assert_eq(cb_buf_addc(&b, 'x'), -1);
	cr_assert_eq(b.failed, 1);
	cr_assert_eq(b.nomem, 0);
	cr_assert_eq(b.len, 10);
	cr_assert_str_eq(b.p, "0123456789");
	cb_buf_reset(&b);
}

Test(buf, failure_is_sticky)
{
	cb_buf b = CB_BUF_INIT(4);

	cr_assert_eq(cb_buf_adds(&b, "toolong"), -1);
	cr_assert_eq(cb_buf_adds(&b, "ok"), -1, "fits, but the buffer has failed");
	cr_assert_eq(cb_buf_printf(&b, "%d", 1), -1);
	cr_assert_eq(cb_buf_add(&b, "", 0), -1);
	cr_assert_eq(b.len, 0);
	cr_assert_null(cb_buf_detach(&b, NULL), "a failed buffer hands nothing over");
	cr_assert_null(b.p);
	cr_assert_eq(b.failed, 0, "detach resets");
	cr_assert_eq(cb_buf_adds(&b, "ok"), 0);
	cb_buf_reset(&b);
}

Test(buf, clear_forgets_the_failure_and_keeps_memory)
{
	cb_buf b = CB_BUF_INIT(8);
	char *p;

	cb_buf_adds(&b, "abc");
	p = b.p;
	cb_buf_adds(&b, "123456789");
	cr_assert(b.failed);
	cb_buf_clear(&b);
	cr_assert_eq(b.failed, 0);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(b.p, p);
	cr_assert_str_eq(b.p, "");
	cb_buf_reset(&b);
}

Test(buf, printf_respects_the_cap)
{
	cb_buf b = CB_BUF_INIT(5);

	cr_assert_eq(cb_buf_printf(&b, "%d-%s", 12, "ab"), 0);
	cr_assert_str_eq(b.p, "12-ab");
	cr_assert_eq(cb_buf_printf(&b, "%c", 'x'), -1);
	cr_assert_str_eq(b.p, "12-ab");
	cb_buf_reset(&b);
}

Test(buf, huge_sizes_do_not_wrap)
{
	cb_buf b = CB_BUF_INIT(SIZE_MAX);

	cb_buf_adds(&b, "x");
	cr_assert_eq(cb_buf_grow(&b, SIZE_MAX), -1);
	cr_assert_eq(cb_buf_grow(&b, SIZE_MAX - 1), -1);
	cr_assert(b.failed);
	cb_buf_reset(&b);
}

Test(buf, detach_hands_over_and_resets)
{
	cb_buf b = CB_BUF_INIT(100);
	size_t len = 99;
	char *s;

	s = cb_buf_detach(&b, &len);
	cr_assert_not_null(s, "an empty buffer gives \"\"");
	cr_assert_str_eq(s, "");
	cr_assert_eq(len, 0);
	cb_free(s);
	cb_buf_add(&b, "a\0b", 3);
	s = cb_buf_detach(&b, &len);
	cr_assert_eq(len, 3);
	cr_assert(memcmp(s, "a\0b", 4) == 0, "NUL-terminated after the data");
	cr_assert_null(b.p);
	cr_assert_eq(b.len, 0);
	cb_free(s);
}

Test(buf, grows_past_many_doublings)
{
	cb_buf b = CB_BUF_INIT(1 << 20);
	size_t i;

	for (i = 0; i < 100000; i++)
		cr_assert_eq(cb_buf_addc(&b, (char)('a' + i % 26)), 0);
	cr_assert_eq(b.len, 100000);
	cr_assert_geq(b.cap, 100001);
	cr_assert_eq(b.p[99999], 'a' + 99999 % 26);
	cr_assert_eq(b.p[100000], '\0');
	cb_buf_reset(&b);
}

Test(buf, out_of_memory_sets_nomem, .fini = reset_faults)
{
	cb_buf b = CB_BUF_INIT(100);

	cb_alloc_fail_after(0);
	cr_assert_eq(cb_buf_adds(&b, "x"), -1);
	cb_alloc_fail_after(-1);
	cr_assert(b.failed);
	cr_assert(b.nomem);
	cb_buf_reset(&b);
	cr_assert_eq(b.nomem, 0);
}

/* ---- cb_jw ------------------------------------------------------------------ */

/* @s (length @n) as a JSON string literal. */
static char *
escaped(const char *s, size_t n)
{
	cb_buf b = CB_BUF_INIT(1 << 16);

	cr_assert_eq(cb_json_escape(&b, s, n), 0);
	return cb_buf_detach(&b, NULL);
}

static void
expect_escape(const char *s, size_t n, const char *want)
{
	char *got = escaped(s, n);

	cr_assert_str_eq(got, want);
	cb_free(got);
}

Test(jsonw, escapes_quotes_and_backslashes)
{
	expect_escape("say \"hi\" \\o/", 12, "\"say \\\"hi\\\" \\\\o/\"");
}

Test(jsonw, escapes_control_characters)
{
	expect_escape("\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"");
	expect_escape("\x01\x1f", 2, "\"\\u0001\\u001f\"");
	expect_escape("a\0b", 3, "\"a\\u0000b\"");
	expect_escape("\x7f", 1, "\"\x7f\"");	/* DEL needs no escape */
	expect_escape("/", 1, "\"/\"");
}

Test(jsonw, keeps_valid_utf8)
{
	expect_escape("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
}

Test(jsonw, replaces_invalid_utf8_bytewise)
{
	expect_escape("a\xff" "b", 3, "\"a\\ufffdb\"");
	expect_escape("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");		/* overlong '/' */
	expect_escape("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");	/* surrogate */
	expect_escape("\xe2\x82", 2, "\"\\ufffd\\ufffd\"");		/* truncated */
	expect_escape("\x80" "x", 2, "\"\\ufffdx\"");			/* lone continuation */
}

Test(jsonw, escaped_output_is_valid_json)
{
	static const char nasty[] = "\"\\\x01\xff\xc3\xa9\n\xed\xa0\x80\0end";
	char *s = escaped(nasty, sizeof(nasty) - 1);
	cb_json_doc *doc = NULL;
	cb_json_error err;

	cr_assert_eq(cb_json_parse(&doc, s, strlen(s), 8, &err), 0, "%s: %s", s, err.message);
	cr_assert_eq(cb_json_root(doc)->type, CB_JSON_STRING);
	cr_assert(memcmp(cb_json_root(doc)->str, "\"\\\x01\xef\xbf\xbd\xc3\xa9\n", 9) == 0);
	cb_json_free(doc);
	cb_free(s);
}

Test(jsonw, compact_nesting)
{
	cb_buf b = CB_BUF_INIT(4096);
	cb_jw w;

	cb_jw_init(&w, &b, 0);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "a", "x");
	cb_jw_key(&w, "b");
	cb_jw_arr_begin(&w);
	cb_jw_int(&w, -1);
	cb_jw_uint(&w, 18446744073709551615ull);
	cb_jw_bool(&w, 1);
	cb_jw_null(&w);
	cb_jw_str(&w, NULL);
	cb_jw_obj_begin(&w);
	cb_jw_obj_end(&w);
	cb_jw_arr_begin(&w);
	cb_jw_arr_end(&w);
	cb_jw_arr_end(&w);
	cb_jw_kint(&w, "c", 7);
	cb_jw_kbool(&w, "d", 0);
	cb_jw_kstrn(&w, "e", "xyz", 2);
	cb_jw_key(&w, "f");
	cb_jw_raw(&w, "[1,2]", 5);
	cb_jw_obj_end(&w);
	cr_assert_eq(b.failed, 0);
	cr_assert_str_eq(b.p, "{\"a\":\"x\",\"b\":[-1,18446744073709551615,true,null,null,{},[]],"
	    "\"c\":7,\"d\":false,\"e\":\"xy\",\"f\":[1,2]}");
	cb_buf_reset(&b);
}

Test(jsonw, pretty_nesting)
{
	cb_buf b = CB_BUF_INIT(4096);
	cb_jw w;

	cb_jw_init(&w, &b, 1);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "a", "x");
	cb_jw_key(&w, "b");
	cb_jw_arr_begin(&w);
	cb_jw_int(&w, 1);
	cb_jw_obj_begin(&w);
	cb_jw_obj_end(&w);
	cb_jw_arr_end(&w);
	cb_jw_key(&w, "c");
	cb_jw_arr_begin(&w);
	cb_jw_arr_end(&w);
	cb_jw_obj_end(&w);
	cr_assert_str_eq(b.p, "{\n  \"a\": \"x\",\n  \"b\": [\n    1,\n    {}\n  ],\n  \"c\": []\n}");
	cb_buf_reset(&b);
}

Test(jsonw, doubles_and_non_finite_numbers)
{
	cb_buf b = CB_BUF_INIT(4096);
	cb_jw w;

	cb_jw_init(&w, &b, 0);
	cb_jw_arr_begin(&w);
	cb_jw_double(&w, 0.5);
	cb_jw_double(&w, NAN);
	cb_jw_double(&w, INFINITY);
	cb_jw_double(&w, 1e300);
	cb_jw_arr_end(&w);
	cr_assert_str_eq(b.p, "[0.5,null,null,1.0000000000000001e+300]");
	cb_buf_reset(&b);
}

Test(jsonw, keys_are_escaped)
{
	cb_buf b = CB_BUF_INIT(4096);
	cb_jw w;

	cb_jw_init(&w, &b, 0);
	cb_jw_obj_begin(&w);
	cb_jw_keyn(&w, "a\"b\n", 4);
	cb_jw_int(&w, 1);
	cb_jw_obj_end(&w);
	cr_assert_str_eq(b.p, "{\"a\\\"b\\n\":1}");
	cb_buf_reset(&b);
}

Test(jsonw, nesting_past_the_limit_fails_the_buffer)
{
	cb_buf b = CB_BUF_INIT(4096);
	cb_jw w;
	int i;

	cb_jw_init(&w, &b, 0);
	for (i = 0; i < CB_JW_MAX_DEPTH; i++)
		cb_jw_arr_begin(&w);
	cr_assert_eq(b.failed, 0);
	cb_jw_arr_begin(&w);
	cr_assert_eq(b.failed, 1);
	cb_buf_reset(&b);
}

Test(jsonw, closing_more_than_opened_fails_the_buffer)
{
	cb_buf b = CB_BUF_INIT(4096);
	cb_jw w;

	cb_jw_init(&w, &b, 0);
	cb_jw_arr_begin(&w);
	cb_jw_arr_end(&w);
	cr_assert_eq(b.failed, 0);
	cb_jw_obj_end(&w);
	cr_assert_eq(b.failed, 1);
	cb_buf_reset(&b);
}

Test(jsonw, output_over_the_cap_fails)
{
	cb_buf b = CB_BUF_INIT(8);
	cb_jw w;

	cb_jw_init(&w, &b, 0);
	cb_jw_str(&w, "0123456789");
	cr_assert(b.failed);
	cr_assert_null(cb_buf_detach(&b, NULL));
}

/* ---- UTF-8 ------------------------------------------------------------------ */

Test(utf8, boundaries_of_each_length_are_valid)
{
	static const char *const ok[] = {
		"\x7f", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80",
		"\xef\xbf\xbf", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf",
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		cr_assert(cb_utf8_valid(ok[i], strlen(ok[i])), "case %zu", i);
	cr_assert(cb_utf8_valid("", 0));
	cr_assert(cb_utf8_valid("a\0b", 3), "NUL is valid UTF-8");
}

Test(utf8, invalid_sequences)
{
	static const char *const bad[] = {
		"\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xc2", "\xc2\x41", "\xe0\x80\x80",
		"\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf", "\xe2\x82", "\xf0\x8f\xbf\xbf",
		"\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf8\x88\x80\x80\x80", "\xfe", "\xff",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_not(cb_utf8_valid(bad[i], strlen(bad[i])), "case %zu", i);
		cr_assert_eq(cb_utf8_valid_prefix(bad[i], strlen(bad[i]), 0), 0, "case %zu", i);
	}
}

Test(utf8, valid_prefix_stops_at_the_fault_or_the_count)
{
	static const char s[] = "ab\xc3\xa9\xff" "cd";

	cr_assert_eq(cb_utf8_valid_prefix(s, sizeof(s) - 1, 0), 4);
	cr_assert_eq(cb_utf8_valid_prefix(s, sizeof(s) - 1, 1), 1);
	cr_assert_eq(cb_utf8_valid_prefix(s, sizeof(s) - 1, 3), 4, "the 3rd character is two bytes");
	cr_assert_eq(cb_utf8_valid_prefix(s, 3, 0), 2, "a sequence cut by the length is invalid");
}

/* ---- text positions ----------------------------------------------------------- */

static void
expect_position(const char *s, size_t off, unsigned line, unsigned col)
{
	unsigned l = 0, c = 0;

	cb_text_position(s, strlen(s), off, &l, &c);
	cr_assert_eq(l, line, "offset %zu: line %u, want %u", off, l, line);
	cr_assert_eq(c, col, "offset %zu: column %u, want %u", off, c, col);
}

Test(position, lines_and_columns_are_one_based)
{
	const char *s = "ab\ncd\n\nxy";

	expect_position(s, 0, 1, 1);
	expect_position(s, 1, 1, 2);
	expect_position(s, 2, 1, 3);	/* the newline itself */
	expect_position(s, 3, 2, 1);
	expect_position(s, 6, 3, 1);
	expect_position(s, 7, 4, 1);
	expect_position(s, 8, 4, 2);
}

Test(position, columns_count_characters)
{
	const char *s = "\xc3\xa9\xe2\x82\xac" "x";	/* é € x */

	expect_position(s, 2, 1, 2);
	expect_position(s, 5, 1, 3);
}

Test(position, offset_past_the_end_is_the_end)
{
	expect_position("ab\nc", 100, 2, 2);
	expect_position("", 0, 1, 1);
}

Test(position, crlf_counts_one_line)
{
	expect_position("a\r\nb", 3, 2, 1);
}

/* ---- arena -------------------------------------------------------------------- */

Test(arena, allocations_are_aligned_and_distinct)
{
	cb_arena a = CB_ARENA_INIT;
	char *p[100];
	size_t i;

	for (i = 0; i < 100; i++) {
		p[i] = cb_arena_alloc(&a, i + 1);
		cr_assert_not_null(p[i]);
		cr_assert_eq((uintptr_t)p[i] % alignof(max_align_t), 0);
		memset(p[i], (int)i, i + 1);
	}
	for (i = 0; i < 100; i++)
		cr_assert_eq((unsigned char)p[i][i], (unsigned char)i, "block %zu overwritten", i);
	cb_arena_free(&a);
}

Test(arena, large_and_many_allocations_span_blocks)
{
	cb_arena a = CB_ARENA_INIT;
	char *big = cb_arena_alloc(&a, 1 << 20), *small;
	size_t i;

	cr_assert_not_null(big);
	memset(big, 'x', 1 << 20);
	for (i = 0; i < 10000; i++) {
		small = cb_arena_alloc(&a, 24);
		cr_assert_not_null(small);
		memset(small, 'y', 24);
	}
	cr_assert_eq(big[(1 << 20) - 1], 'x');
	cb_arena_free(&a);
	cr_assert_null(a.head);
	cr_assert_not_null(cb_arena_alloc(&a, 8), "usable after free");
	cb_arena_free(&a);
}

Test(arena, calloc_zeroes_and_checks_overflow)
{
	cb_arena a = CB_ARENA_INIT;
	unsigned char *p = cb_arena_calloc(&a, 100, 3);
	size_t i;

	cr_assert_not_null(p);
	for (i = 0; i < 300; i++)
		cr_assert_eq(p[i], 0);
	cr_assert_null(cb_arena_calloc(&a, SIZE_MAX / 2, 3));
	cr_assert_null(cb_arena_alloc(&a, SIZE_MAX));
	cr_assert_null(cb_arena_alloc(&a, SIZE_MAX - 8));
	cb_arena_free(&a);
}

Test(arena, strndup_copies_and_terminates)
{
	cb_arena a = CB_ARENA_INIT;
	char *s = cb_arena_strndup(&a, "hello world", 5);
	char *e = cb_arena_strndup(&a, NULL, 0);

	cr_assert_str_eq(s, "hello");
	cr_assert_not_null(e);
	cr_assert_str_eq(e, "");
	cb_arena_free(&a);
}

Test(arena, out_of_memory_returns_null, .fini = reset_faults)
{
	cb_arena a = CB_ARENA_INIT;

	cb_alloc_fail_after(0);
	cr_assert_null(cb_arena_alloc(&a, 8));
	cb_alloc_fail_after(-1);
	cr_assert_not_null(cb_arena_alloc(&a, 8));
	cb_arena_free(&a);
}

/* ---- allocator ------------------------------------------------------------------ */

Test(alloc, fail_after_counts_successes, .fini = reset_faults)
{
	void *a, *b, *c;

	cb_alloc_fail_after(2);
	a = cb__malloc(1);
	b = cb__calloc(1, 1);
	c = cb__malloc(1);
	cr_assert_not_null(a);
	cr_assert_not_null(b);
	cr_assert_null(c);
	cr_assert_null(cb__realloc(NULL, 4), "failing stays on");
	cb_alloc_fail_after(-1);
	c = cb__malloc(1);
	cr_assert_not_null(c);
	free(a);
	free(b);
	free(c);
}

Test(alloc, overflowing_sizes_are_refused)
{
	cr_assert_null(cb__reallocarray(NULL, SIZE_MAX / 2, 3));
	cr_assert_null(cb__strndup("x", SIZE_MAX));
}

Test(alloc, zero_sizes_give_usable_pointers)
{
	void *a = cb__malloc(0), *b = cb__calloc(0, 8);
	char *s = cb__strdup("abc");

	cr_assert_not_null(a);
	cr_assert_not_null(b);
	cr_assert_str_eq(s, "abc");
	free(a);
	free(b);
	free(s);
}
