/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_nearmiss.c - issue 10: a suggestion for every near miss (a code in
 * the wrong case, a misspelt category, a bare code, a code not for the
 * context), and the search behind them agreeing with a plain edit
 * distance on generated sets of thousands of codes.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "util/buf.h"
#include "util/cb_limits.h"


static void
check(cb_check_result *r, const cb_codeset *cs, const char *code)
{
	*r = (cb_check_result)CB_CHECK_RESULT_INIT;
	cr_assert_eq(cb_check(r, cs, code, strlen(code), NULL, 0), CB_OK);
}

static const char *
message(const cb_check_result *r)
{
	static char m[CB_CHECK_MESSAGE_MAX];

	cr_assert_eq(cb_check_message(m, sizeof(m), r), CB_OK);
	return m;
}

Test(nearmiss, the_three_near_misses_of_issue_10)
{
	cb_codeset *qe = load_bundled("qe-reason"), *ob = load_bundled("outbound");
	cb_check_result r;

	check(&r, qe, "app_missed_webhook");
	cr_assert_eq(r.reason, CB_INVALID_FORMAT, "case is enforced in qe-reason");
	cr_assert_eq(r.nalts, 1);
	cr_assert_str_eq(cb_entry_code(r.alts[0]), "APP_MISSED_WEBHOOK");
	cr_assert(strstr(message(&r), "; did you mean APP_MISSED_WEBHOOK?") != NULL, "%s", message(&r));

	check(&r, ob, "FULFILMENT.SHORT_PICK");
	cr_assert_eq(r.reason, CB_UNKNOWN_CATEGORY);
	cr_assert_eq(r.nalts, 1);
	cr_assert_str_eq(cb_entry_code(r.alts[0]), "FULFILLMENT.SHORT_PICK");
	cr_assert(strstr(message(&r), "; did you mean FULFILLMENT.SHORT_PICK?") != NULL, "%s", message(&r));

	check(&r, ob, "SHORT_PICK");
	cr_assert_eq(r.reason, CB_INVALID_FORMAT);
	cr_assert_eq(r.nalts, 1);
	cr_assert_str_eq(cb_entry_code(r.alts[0]), "FULFILLMENT.SHORT_PICK");
	cr_assert_str_eq(message(&r), "\"SHORT_PICK\" is not a valid outbound code: expected CATEGORY.CODE: "
	    "there is no '.'; did you mean FULFILLMENT.SHORT_PICK?");
	check(&r, ob, "short_pick");
	cr_assert_str_eq(cb_entry_code(r.alts[0]), "FULFILLMENT.SHORT_PICK", "case-insensitively too");
	cb_codeset_free(qe);
	cb_codeset_free(ob);
}

Test(nearmiss, a_code_under_another_category_and_a_category_alone)
{
	cb_codeset *cs = load_text(J("{'name':'s','title':'S','version':1,"
	    "'format':{'charset':'A-Z_.','shape':'category.code'},"
	    "'categories':[{'name':'FULFILLMENT'},{'name':'FRAUD'},{'name':'RETURNS'}],"
	    "'entries':[{'code':'FULFILLMENT.DAMAGED'},{'code':'RETURNS.DAMAGED'},{'code':'FRAUD.CHARGEBACK'}]}"));
	cb_check_result r;

	/* the part after the category exists under two: both */
	check(&r, cs, "FRAUD.DAMAGED");
	cr_assert_eq(r.reason, CB_UNKNOWN_CODE);
	cr_assert_eq(r.nalts, 2);
	cr_assert_str_eq(cb_entry_code(r.alts[0]), "FULFILLMENT.DAMAGED");
	cr_assert_str_eq(cb_entry_code(r.alts[1]), "RETURNS.DAMAGED");
	check(&r, cs, "DAMAGED");
	cr_assert_eq(r.reason, CB_INVALID_FORMAT);
	cr_assert_eq(r.nalts, 2);
	/* a close code wins over the same part elsewhere */
	check(&r, cs, "FRAUD.CHARGEBAK");
	cr_assert_eq(r.nalts, 1);
	cr_assert_str_eq(cb_entry_code(r.alts[0]), "FRAUD.CHARGEBACK");
	/* nothing close: the category, when one is */
	check(&r, cs, "FULFILMENT.LOST");
	cr_assert_eq(r.reason, CB_UNKNOWN_CATEGORY);
	cr_assert_eq(r.nalts, 0);
	cr_assert(strstr(message(&r), "; did you mean category FULFILLMENT?") != NULL, "%s", message(&r));
	check(&r, cs, "PAYMENT.LOST");
	cr_assert(strstr(message(&r), "did you mean") == NULL, "%s", message(&r));
	cb_codeset_free(cs);
}

Test(nearmiss, no_alts_skips_the_search_but_the_message_has_it)
{
	cb_codeset *cs = load_bundled("qe-reason");
	cb_check_result r = CB_CHECK_RESULT_INIT;

	cr_assert_eq(cb_check_ex(&r, cs, "app_missed_webhook", 18, NULL, 0, CB_CHECK_NO_ALTS), CB_OK);
	cr_assert_eq(r.reason, CB_INVALID_FORMAT);
	cr_assert_eq(r.nalts, 0);
	cr_assert(strstr(message(&r), "did you mean APP_MISSED_WEBHOOK?") != NULL, "%s", message(&r));
	cb_codeset_free(cs);
}

/* Issue 10: a code that does not suit the context names the suitable code
 * nearest to it first, wherever it is in the set; the others follow in
 * their usual order. */
Test(nearmiss, not_applicable_names_the_nearest_suitable_code_first)
{
	cb_codeset *cs = load_text(J("{'name':'s','title':'S','version':1,"
	    "'format':{'charset':'A-Z_','shape':'plain'},'contexts':{'st':{'values':['a','b']}},"
	    "'entries':[{'code':'OUT_OF_STOCK','applies':{'st':['a']}},{'code':'WRONG_PRICE','applies':{'st':['b']}},"
	    "{'code':'BUYER_ASKED','applies':{'st':['b']}},{'code':'OUT_OF_STOCK_PAID','applies':{'st':['b']}},"
	    "{'code':'OTHER'}]}"));
	cb_check_result r = CB_CHECK_RESULT_INIT;
	cb_ctx b = cb_ctx_make("st", "b");

	cr_assert_eq(cb_check(&r, cs, "OUT_OF_STOCK", 12, &b, 1), CB_OK);
	cr_assert_eq(r.reason, CB_NOT_APPLICABLE);
	cr_assert_eq(r.nalts, 4);
	cr_assert_str_eq(cb_entry_code(r.alts[0]), "OUT_OF_STOCK_PAID");
	cr_assert_str_eq(cb_entry_code(r.alts[1]), "WRONG_PRICE");
	cr_assert_str_eq(cb_entry_code(r.alts[2]), "BUYER_ASKED");
	cr_assert_str_eq(cb_entry_code(r.alts[3]), "OTHER");
	cr_assert(strstr(message(&r), "Codes for st=b: OUT_OF_STOCK_PAID (the nearest), WRONG_PRICE, BUYER_ASKED "
	    "(1 more suit any st)") != NULL, "%s", message(&r));
	cb_codeset_free(cs);
}

Test(nearmiss, the_nearest_beyond_the_first_twelve_takes_the_last_place)
{
	cb_buf b = CB_BUF_INIT(1 << 16);
	cb_check_result r = CB_CHECK_RESULT_INIT;
	cb_ctx ctx = cb_ctx_make("st", "b");
	cb_codeset *cs;
	char *json;
	int i;

	cb_buf_adds(&b, "{\"name\":\"s\",\"title\":\"S\",\"version\":1,\"format\":{\"charset\":\"A-Z0-9_\",\"shape\":\"plain\"},"
	    "\"contexts\":{\"st\":{\"values\":[\"a\",\"b\"]}},\"entries\":[{\"code\":\"LOST_PARCEL\",\"applies\":{\"st\":[\"a\"]}}");
	for (i = 0; i < 20; i++)
		cb_buf_printf(&b, ",{\"code\":\"UNRELATED_%02d\",\"applies\":{\"st\":[\"b\"]}}", i);
	cb_buf_adds(&b, ",{\"code\":\"LOST_PARCELS\",\"applies\":{\"st\":[\"b\"]}}]}");
	json = cb_buf_detach(&b, NULL);
	cs = load_text(json);
	cr_assert_eq(cb_check(&r, cs, "LOST_PARCEL", 11, &ctx, 1), CB_OK);
	cr_assert_eq(r.nalts_total, 21);
	cr_assert_eq(r.nalts, CB_CHECK_MAX_ALTS);
	cr_assert_str_eq(cb_entry_code(r.alts[0]), "LOST_PARCELS");
	cr_assert_str_eq(cb_entry_code(r.alts[1]), "UNRELATED_00");
	cr_assert_str_eq(cb_entry_code(r.alts[CB_CHECK_MAX_ALTS - 1]), "UNRELATED_10");
	free(json);
	cb_codeset_free(cs);
}

/* ---- the search against a plain edit distance ------------------------------------ */

static int
fold_c(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static unsigned
osa(const char *a, size_t na, const char *b, size_t nb)
{
	static unsigned d[300][300];
	size_t i, j;

	for (i = 0; i <= na; i++)
		d[i][0] = (unsigned)i;
	for (j = 0; j <= nb; j++)
		d[0][j] = (unsigned)j;
	for (i = 1; i <= na; i++) {
		for (j = 1; j <= nb; j++) {
			unsigned v = d[i - 1][j] + 1, c = fold_c(a[i - 1]) != fold_c(b[j - 1]);
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + c < v)
				v = d[i - 1][j - 1] + c;
			if (i > 1 && j > 1 && fold_c(a[i - 1]) == fold_c(b[j - 2]) &&
			    fold_c(a[i - 2]) == fold_c(b[j - 1]) && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[na][nb];
}

/* The nearest codes within the limit, entry order among equals; five. */
static size_t
reference(const cb_codeset *cs, const char *q, size_t len, const cb_entry **out)
{
	unsigned limit = len <= 4 ? 1 : len <= 12 ? 2 : 3, best = limit + 1;
	size_t i, n = 0;

	for (i = 0; i < cb_codeset_entry_count(cs); i++) {
		const cb_entry *e = cb_codeset_entry(cs, i);
		unsigned d;
		if (cb_entry_code(e) == NULL || cb_entry_status(e) == CB_STATUS_RETIRED ||
		    cb_codeset_find(cs, cb_entry_code(e), cb_entry_code_len(e)) != e)
			continue;
		d = osa(q, len, cb_entry_code(e), cb_entry_code_len(e));
		if (d > limit || d > best)
			continue;
		if (d < best) {
			best = d;
			n = 0;
		}
		if (n < 5)
			out[n++] = e;
	}
	return n;
}

static unsigned long rnd_state = 88172645463325252ull;

static unsigned
rnd(unsigned n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (unsigned)(rnd_state % n);
}

/* A set of @n codes like those of a large taxonomy: CATEGORY.WORD_WORD from
 * small alphabets, so that many codes are near each other. */
static cb_codeset *
generated(size_t n, int upper_only)
{
	static const char *const syl[] = { "ba", "co", "da", "fe", "go", "hi", "ka", "lo", "me", "ni", "po", "ri" };
	cb_buf b = CB_BUF_INIT((size_t)64 << 20);
	cb_codeset *cs;
	char *json;
	size_t i, k, w;

	cb_buf_adds(&b, "{\"name\":\"g\",\"title\":\"G\",\"version\":1,\"format\":{\"charset\":\"A-Za-z0-9_.\","
	    "\"shape\":\"category.code\"},\"categories\":[");
	for (i = 0; i < 8; i++)
		cb_buf_printf(&b, "%s{\"name\":\"C%s%s\"}", i ? "," : "", syl[i], syl[i + 1]);
	cb_buf_adds(&b, "],\"entries\":[");
	for (i = 0; i < n; i++) {
		char code[64];
		size_t at = (size_t)snprintf(code, sizeof(code), "C%s%s.", syl[i % 8], syl[i % 8 + 1]);
		for (w = 0; w < 2 + i % 2; w++) {
			for (k = 0; k < 2; k++)
				at += (size_t)snprintf(code + at, sizeof(code) - at, "%s", syl[rnd(12)]);
			if (w < 1 + i % 2)
				code[at++] = '_';
		}
		at += (size_t)snprintf(code + at, sizeof(code) - at, "%zu", i);
		for (k = (size_t)(strchr(code, '.') - code) + 1; k < at && !upper_only; k++)	/* some differ in case */
			if (rnd(16) == 0)
				code[k] = (char)(code[k] >= 'a' && code[k] <= 'z' ? code[k] - 32 : code[k]);
		cb_buf_printf(&b, "%s{\"code\":\"%s\"%s}", i ? "," : "", code, i % 97 == 0 ? ",\"status\":\"retired\"" : "");
	}
	cb_buf_adds(&b, "],\"mirror\":true}");
	json = cb_buf_detach(&b, NULL);
	cs = load_text(json);
	free(json);
	return cs;
}

static void
agree_on_near_misses(const cb_codeset *cs, size_t tries)
{
	static const char al[] = "abcdefghiklmnoprABC_.0123456789";
	size_t t, compared = 0, n = cb_codeset_entry_count(cs);

	for (t = 0; t < tries; t++) {
		const char *code = cb_entry_code(cb_codeset_entry(cs, rnd((unsigned)n)));
		const cb_entry *want[5];
		char q[300];
		size_t len = strlen(code), k, x, edits = 1 + rnd(3);
		cb_check_result r = CB_CHECK_RESULT_INIT;
		memcpy(q, code, len);
		for (x = 0; x < edits; x++) {
			size_t p = rnd((unsigned)len);
			switch (rnd(4)) {
			case 0: if (len > 1) { memmove(q + p, q + p + 1, len - p - 1); len--; } break;
			case 1: memmove(q + p + 1, q + p, len - p); q[p] = al[rnd(sizeof(al) - 1)]; len++; break;
			case 2: q[p] = al[rnd(sizeof(al) - 1)]; break;
			default: if (p + 1 < len) { char c = q[p]; q[p] = q[p + 1]; q[p + 1] = c; } break;
			}
		}
		cr_assert_eq(cb_check(&r, cs, q, len, NULL, 0), CB_OK);
		if (r.reason != CB_UNKNOWN_CODE)
			continue;
		k = reference(cs, q, len, want);
		compared++;
		cr_assert_eq(r.nalts, k, "%.*s: %zu suggestions, want %zu (%s)", (int)len, q, r.nalts, k, k ? cb_entry_code(want[0]) : "");
		for (x = 0; x < k; x++)
			cr_assert_eq(r.alts[x], want[x], "%.*s: suggestion %zu is %s, want %s", (int)len, q, x,
			    cb_entry_code(r.alts[x]), cb_entry_code(want[x]));
	}
	cr_assert_gt(compared, tries / 4, "only %zu of %zu near misses compared", compared, tries);
}

Test(nearmiss, the_search_agrees_with_a_plain_edit_distance_on_a_large_set, .timeout = 120)
{
	cb_codeset *cs = generated(6000, 0);

	agree_on_near_misses(cs, 400);
	cb_codeset_free(cs);
}

Test(nearmiss, short_and_long_queries_and_bytes_no_code_has)
{
	cb_codeset *cs = generated(500, 1);
	char q[CB_MAX_CODE_LEN + 1];
	cb_check_result r;

	check(&r, cs, "X");
	check(&r, cs, "");
	memset(q, 'a', sizeof(q) - 1);
	q[sizeof(q) - 1] = '\0';
	check(&r, cs, q);
	cr_assert_eq(r.nalts, 0);
	r = (cb_check_result)CB_CHECK_RESULT_INIT;
	cr_assert_eq(cb_check(&r, cs, "Cbaco.\0\0\xff", 9, NULL, 0), CB_OK);
	cr_assert_eq(r.reason, CB_INVALID_FORMAT);
	cb_codeset_free(cs);
}
