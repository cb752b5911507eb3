/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_validate.c - bulk validation of NDJSON lines (codebook/validate.h)
 * and the line framer under it (src/util/lines.c): every verdict, blocks
 * of lines (CR LF, blank lines, a BOM, a last line without newline), lines
 * split across reads of any size, very long lines, and out of memory.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "lines.h"
#include "alloc.h"
#include "cb_limits.h"

static cb_line_result r = CB_LINE_RESULT_INIT;

/* Validate one NUL-terminated line, with messages; the verdict is in r. */
static unsigned
judge(cb_validator *v, const char *line)
{
	int rc = cb_validator_line(v, line, strlen(line), CB_LINE_EXPLAIN, &r);

	cr_assert_eq(rc, CB_OK, "%s", cb_errmsg());
	return r.why;
}

static cb_validator *
validator(const cb_codeset *cs, const char *field, const cb_ctx_field *ctx, size_t nctx)
{
	cb_validator *v = NULL;
	int rc = cb_validator_new(&v, cs, field, ctx, nctx);

	cr_assert_eq(rc, CB_OK, "%s", cb_errmsg());
	return v;
}

Test(validate, valid_line_names_the_code_and_entry)
{
	cb_codeset *cs = load_bundled("outbound");
	cb_validator *v = validator(cs, NULL, NULL, 0);

	cr_assert_eq(judge(v, "{\"id\":1,\"reason_code\":\"FRAUD.CHARGEBACK\",\"reason\":\"x\"}"), CB_VALID);
	cr_assert(r.valid);
	cr_assert_eq(r.code_len, 16);
	cr_assert(memcmp(r.code, "FRAUD.CHARGEBACK", 16) == 0);
	cr_assert_not_null(r.entry);
	cr_assert_str_eq(cb_entry_code(r.entry), "FRAUD.CHARGEBACK");
	cr_assert_str_eq(cb_line_why_name(r.why), "valid");
	cb_validator_free(v);
	cb_codeset_free(cs);	/* the validator held its own reference */
}

Test(validate, not_json_in_every_way)
{
	static const char *const bad[] = {
		"{\"reason_code\":\"FRAUD.CHARGEBACK\"",        /* unterminated object */
		"{\"reason_code\":\"FRAUD.CHARGEBACK}",         /* unterminated string */
		"{\"reason_code\":\"FRAUD.CHARGEBACK\",}",      /* trailing comma */
		"{'reason_code':'FRAUD.CHARGEBACK'}",           /* single quotes */
		"{reason_code:\"FRAUD.CHARGEBACK\"}",           /* bare key */
		"{\"a\":01,\"reason_code\":\"FRAUD.CHARGEBACK\"}", /* leading zero */
		"{\"a\":NaN,\"reason_code\":\"FRAUD.CHARGEBACK\"}",
		"{\"a\":tru,\"reason_code\":\"FRAUD.CHARGEBACK\"}",
		"{\"a\":\"\\x\",\"reason_code\":\"FRAUD.CHARGEBACK\"}", /* bad escape */
		"{\"a\":\"\\ud800\",\"reason_code\":\"FRAUD.CHARGEBACK\"}", /* lone surrogate */
		"{\"a\":\"\t\",\"reason_code\":\"FRAUD.CHARGEBACK\"}", /* raw control character */
		"{\"a\":\"\xc3\x28\",\"reason_code\":\"FRAUD.CHARGEBACK\"}", /* invalid UTF-8 */
		"{\"a\":\"\xed\xa0\x80\",\"reason_code\":\"FRAUD.CHARGEBACK\"}", /* UTF-8 surrogate */
		"{\"reason_code\":\"FRAUD.CHARGEBACK\"} {}",     /* two values */
		"{\"reason_code\":\"FRAUD.CHARGEBACK\"} x",
		"event dropped: queue full",
		"\xef\xbb\xbf{\"reason_code\":\"FRAUD.CHARGEBACK\"}", /* a BOM is not JSON (only a stream may start with one) */
		"",
	};
	cb_codeset *cs = load_bundled("outbound");
	cb_validator *v = validator(cs, NULL, NULL, 0);
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(judge(v, bad[i]), CB_LINE_NOT_JSON, "line %zu: %s (%s)", i, bad[i],
		    cb_line_why_name(r.why));
		cr_assert(!r.valid);
		cr_assert_null(r.code);
		cr_assert(strstr(r.message, "invalid JSON") != NULL, "%s", r.message);
	}
	/* the message says where */
	judge(v, "{\"reason_code\":\"FRAUD.CHARGEBACK\",}");
	cr_assert_eq(r.offset, 34, "offset %zu: %s", r.offset, r.message);
	cr_assert(strstr(r.message, "at column 35") != NULL, "%s", r.message);
	judge(v, "{\"a\":\"\xc3\x28\",\"reason_code\":\"X.Y\"}");
	cr_assert_eq(r.offset, 6, "%s", r.message);
	cr_assert(strstr(r.message, "UTF-8") != NULL, "%s", r.message);
	cb_validator_free(v);
	cb_codeset_free(cs);
}

Test(validate, not_object)
{
	static const char *const lines[] = { "[\"FRAUD.CHARGEBACK\"]", "\"FRAUD.CHARGEBACK\"", "42", "null",
		"true", "[]", "-1.5e3" };
	static const char *const what[] = { "an array", "a string", "a number", "null", "a boolean", "an array",
		"a number" };
	cb_codeset *cs = load_bundled("outbound");
	cb_validator *v = validator(cs, NULL, NULL, 0);
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		cr_assert_eq(judge(v, lines[i]), CB_LINE_NOT_OBJECT, "%s", lines[i]);
		cr_assert(strstr(r.message, what[i]) != NULL, "%s: %s", lines[i], r.message);
	}
	cb_validator_free(v);
	cb_codeset_free(cs);
}

Test(validate, missing_field_and_nested_paths)
{
	cb_codeset *cs = load_bundled("outbound");
	cb_validator *v = validator(cs, NULL, NULL, 0);
	cb_validator *nested = validator(cs, "event.meta.reason_code", NULL, 0);

	cr_assert_eq(judge(v, "{}"), CB_LINE_MISSING_FIELD);
	cr_assert_str_eq(r.field, "reason_code");
	cr_assert(strstr(r.message, "no field \"reason_code\"") != NULL, "%s", r.message);
	cr_assert_eq(judge(v, "{\"reasonCode\":\"FRAUD.CHARGEBACK\"}"), CB_LINE_MISSING_FIELD);
	cr_assert_eq(judge(v, "{\"x\":{\"reason_code\":\"FRAUD.CHARGEBACK\"}}"), CB_LINE_MISSING_FIELD);

	cr_assert_eq(judge(nested, "{\"event\":{\"meta\":{\"reason_code\":\"FRAUD.CHARGEBACK\"}}}"), CB_VALID);
	cr_assert_eq(judge(nested, "{\"event\":{\"meta\":{}}}"), CB_LINE_MISSING_FIELD);
	cr_assert_str_eq(r.field, "event.meta.reason_code");
	cr_assert_eq(judge(nested, "{\"event\":{\"meta\":\"FRAUD.CHARGEBACK\"}}"), CB_LINE_MISSING_FIELD);
	cr_assert_eq(judge(nested, "{\"event\":[{\"meta\":{\"reason_code\":\"FRAUD.CHARGEBACK\"}}]}"),
	    CB_LINE_MISSING_FIELD);
	cr_assert_eq(judge(nested, "{\"reason_code\":\"FRAUD.CHARGEBACK\"}"), CB_LINE_MISSING_FIELD);
	cb_validator_free(nested);
	cb_validator_free(v);
	cb_codeset_free(cs);
}

Test(validate, not_string)
{
	static const char *const lines[] = { "17", "null", "[\"FRAUD.CHARGEBACK\"]",
		"{\"code\":\"FRAUD.CHARGEBACK\"}", "true", "1.5" };
	cb_codeset *cs = load_bundled("outbound");
	cb_validator *v = validator(cs, NULL, NULL, 0);
	char line[128];
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		snprintf(line, sizeof(line), "{\"reason_code\":%s}", lines[i]);
		cr_assert_eq(judge(v, line), CB_LINE_NOT_STRING, "%s", line);
		cr_assert_str_eq(r.field, "reason_code");
		cr_assert_null(r.code);
		cr_assert(strstr(r.message, "not a string") != NULL, "%s", r.message);
	}
	cb_validator_free(v);
	cb_codeset_free(cs);
}

Test(validate, check_reasons_as_check_gives_them)
{
	cb_codeset *cs = load_bundled("outbound");
	cb_validator *v = validator(cs, NULL, NULL, 0);

	cr_assert_eq(judge(v, "{\"reason_code\":\"FRAUD CHARGEBACK\"}"), CB_INVALID_FORMAT);
	cr_assert_eq(r.offset, 5);	/* in the code, as cb_check_result.error_offset */
	cr_assert(strstr(r.message, "not allowed") != NULL, "%s", r.message);
	cr_assert_eq(judge(v, "{\"reason_code\":\"\"}"), CB_INVALID_FORMAT);
	cr_assert_eq(judge(v, "{\"reason_code\":\"FRAUD.CHARGEBAK\"}"), CB_UNKNOWN_CODE);
	cr_assert(strstr(r.message, "did you mean FRAUD.CHARGEBACK") != NULL, "%s", r.message);
	cr_assert_eq(r.code_len, 15);
	cr_assert_eq(judge(v, "{\"reason_code\":\"PAYMENT.REFUND\"}"), CB_UNKNOWN_CATEGORY);
	cr_assert_str_eq(cb_line_why_name(r.why), "unknown-category");
	/* escapes are undone before the check */
	cr_assert_eq(judge(v, "{\"reason_code\":\"FRAUD\\u002eCHARGEBACK\"}"), CB_VALID);
	/* where a key occurs twice, the last one counts, as in JSON.parse */
	cr_assert_eq(judge(v, "{\"reason_code\":\"NOPE.X\",\"reason_code\":\"FRAUD.CHARGEBACK\"}"), CB_VALID);
	cr_assert_eq(judge(v, "{\"reason_code\":\"FRAUD.CHARGEBACK\",\"reason_code\":\"NOPE.X\"}"),
	    CB_UNKNOWN_CATEGORY);
	cb_validator_free(v);
	cb_codeset_free(cs);
}

Test(validate, utf8_in_other_fields_is_fine)
{
	cb_codeset *cs = load_bundled("outbound");
	cb_validator *v = validator(cs, NULL, NULL, 0);

	cr_assert_eq(judge(v, "{\"reason\":\"café 日本の倉庫 😀 \\\"q\\\" \\u00e9\\n\",\"reason_code\":\"FRAUD.CHARGEBACK\"}"),
	    CB_VALID, "%s", r.message);
	cr_assert_eq(judge(v, "{\"reason_code\":\"FRAUD.CHARGEBACKé\"}"), CB_INVALID_FORMAT);
	cr_assert(strstr(r.message, "0xc3") != NULL, "%s", r.message);
	cb_validator_free(v);
	cb_codeset_free(cs);
}

Test(validate, context_from_fields)
{
	cb_codeset *qe = load_bundled("qe-reason");
	cb_codeset *tt = load_bundled("tiktok-reverse-reason@GB");
	cb_ctx_field rule = { "rule", "rule" }, status = { "order_status", "order.status" };
	cb_validator *v = validator(qe, NULL, &rule, 1);
	cb_validator *w = validator(tt, "key", &status, 1);
	int i;

	/* repeated, to go through the cache of verdicts as well */
	for (i = 0; i < 3; i++) {
		cr_assert_eq(judge(v, "{\"reason_code\":\"APP_MISSED_WEBHOOK\",\"rule\":\"R1\"}"), CB_VALID);
		cr_assert_eq(judge(v, "{\"reason_code\":\"APP_MISSED_WEBHOOK\",\"rule\":\"A3\"}"), CB_NOT_APPLICABLE);
		cr_assert(strstr(r.message, "does not suit") != NULL, "%s", r.message);
		cr_assert_eq(judge(v, "{\"reason_code\":\"APP_MISSED_WEBHOOK\",\"rule\":\"X9\"}"), CB_UNKNOWN_CONTEXT);
		cr_assert_eq(judge(v, "{\"reason_code\":\"APP_MISSED_WEBHOOK\"}"), CB_LINE_MISSING_FIELD);
		cr_assert_str_eq(r.field, "rule");
		cr_assert(strstr(r.message, "context field") != NULL, "%s", r.message);
		cr_assert_eq(judge(v, "{\"reason_code\":\"APP_MISSED_WEBHOOK\",\"rule\":[\"R1\"]}"), CB_LINE_NOT_STRING);
		cr_assert_str_eq(r.field, "rule");
		cr_assert(strstr(r.message, "or an integer") != NULL, "%s", r.message);
		/* an integer context value stands for its decimal text */
		cr_assert_eq(judge(w, "{\"key\":\"seller_cancel_reason_out_of_stock_uk\",\"order\":{\"status\":200}}"),
		    CB_VALID, "%s", r.message);
		cr_assert_eq(judge(w, "{\"key\":\"seller_cancel_reason_out_of_stock_uk\",\"order\":{\"status\":\"200\"}}"),
		    CB_VALID);
		cr_assert_eq(judge(w, "{\"key\":\"seller_cancel_reason_out_of_stock_uk\",\"order\":{\"status\":0}}"),
		    CB_NOT_APPLICABLE);
		cr_assert_eq(judge(w, "{\"key\":\"seller_cancel_reason_out_of_stock_uk\",\"order\":{\"status\":-7}}"),
		    CB_UNKNOWN_CONTEXT);
		cr_assert_eq(judge(w, "{\"key\":\"seller_cancel_reason_out_of_stock_uk\",\"order\":{\"status\":2.5}}"),
		    CB_LINE_NOT_STRING);
	}
	cb_validator_free(v);
	cb_validator_free(w);
	cb_codeset_free(qe);
	cb_codeset_free(tt);
}

Test(validate, verdicts_without_explain_match_with_explain)
{
	/* the hot path (cache, no message) and the explained path agree */
	static const char *const lines[] = {
		"{\"reason_code\":\"FRAUD.CHARGEBACK\"}", "{\"reason_code\":\"FRAUD CHARGEBACK\"}",
		"{\"reason_code\":\"FRAUD.CHARGEBAK\"}", "{\"reason_code\":\"PAYMENT.X\"}", "{\"reason_code\":1}",
		"{}", "[]", "{", "{\"reason_code\":\"FRAUD.CHARGEBACK\"}",
	};
	cb_codeset *cs = load_bundled("outbound");
	cb_validator *v = validator(cs, NULL, NULL, 0);
	cb_line_result fast = CB_LINE_RESULT_INIT;
	size_t i;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
			cr_assert_eq(cb_validator_line(v, lines[i], strlen(lines[i]), 0, &fast), CB_OK);
			cr_assert_str_eq(fast.message, "");
			judge(v, lines[i]);
			cr_assert_eq(fast.why, r.why, "%s", lines[i]);
			cr_assert_eq(fast.valid, r.valid, "%s", lines[i]);
			if (r.why == CB_INVALID_FORMAT)
				cr_assert_eq(fast.offset, r.offset);
		}
	}
	cb_validator_free(v);
	cb_codeset_free(cs);
}

Test(validate, deprecated_and_retired)
{
	cb_codeset *warn = load_text(MINI_SET("", "{\"code\":\"NEW\",\"status\":\"active\"},"
	    "{\"code\":\"OLD\",\"status\":\"deprecated\",\"deprecated_since\":1,\"replaced_by\":\"NEW\"}"));
	cb_codeset *reject = load_text(MINI_SET("\"deprecated\":\"reject\",", "{\"code\":\"NEW\",\"status\":\"active\"},"
	    "{\"code\":\"OLD\",\"status\":\"deprecated\",\"deprecated_since\":1,\"replaced_by\":\"NEW\"}"));
	cb_validator *v = validator(warn, "c", NULL, 0), *w = validator(reject, "c", NULL, 0);

	cr_assert_eq(judge(v, "{\"c\":\"OLD\"}"), CB_DEPRECATED);
	cr_assert(r.valid, "accepted with a warning");
	cr_assert_eq(judge(w, "{\"c\":\"OLD\"}"), CB_DEPRECATED);
	cr_assert(!r.valid, "rejected by this set");
	cr_assert(strstr(r.message, "use NEW instead") != NULL, "%s", r.message);
	cb_validator_free(v);
	cb_validator_free(w);
	cb_codeset_free(warn);
	cb_codeset_free(reject);
}

/* An event nested @depth levels deep in all (the object itself is 1). */
static char *
nested(int depth)
{
	size_t cap = 64 + 2 * (size_t)depth, k;
	char *s = malloc(cap);
	int i;

	cr_assert_not_null(s);
	k = (size_t)snprintf(s, cap, "{\"reason_code\":\"FRAUD.CHARGEBACK\",\"x\":");
	for (i = 1; i < depth; i++)
		s[k++] = '[';
	for (i = 1; i < depth; i++)
		s[k++] = ']';
	s[k++] = '}';
	s[k] = '\0';
	return s;
}

Test(validate, too_long_and_too_deep)
{
	cb_codeset *cs = load_bundled("outbound");
	cb_validator *v = validator(cs, NULL, NULL, 0);
	size_t n = (size_t)CB_MAX_EVENT_BYTES + 1;
	char *big = malloc(n), *ok, *deep;

	cr_assert_not_null(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	cr_assert_eq(cb_validator_line(v, big, n, CB_LINE_EXPLAIN, &r), CB_OK);
	cr_assert_eq(r.why, CB_LINE_TOO_LONG);
	cr_assert(strstr(r.message, "longer than the limit") != NULL, "%s", r.message);
	free(big);

	ok = nested(CB_MAX_EVENT_DEPTH);
	deep = nested(CB_MAX_EVENT_DEPTH + 1);
	cr_assert_eq(judge(v, ok), CB_VALID, "%s: %s", cb_line_why_name(r.why), r.message);
	cr_assert_eq(judge(v, deep), CB_LINE_TOO_DEEP, "%s: %s", cb_line_why_name(r.why), r.message);
	cr_assert(strstr(r.message, "too deep") != NULL, "%s", r.message);
	free(ok);
	free(deep);
	cb_validator_free(v);
	cb_codeset_free(cs);
}

Test(validate, bad_options)
{
	cb_codeset *qe = load_bundled("qe-reason");
	cb_ctx_field bad = { "country", "country" }, twice[2] = { { "rule", "a" }, { "rule", "b" } };
	cb_validator *v = NULL;

	cr_assert_eq(cb_validator_new(&v, qe, "a..b", NULL, 0), CB_EINVAL);
	cr_assert(strstr(cb_errmsg(), "empty key") != NULL, "%s", cb_errmsg());
	cr_assert_eq(cb_validator_new(&v, qe, "", NULL, 0), CB_EINVAL);
	cr_assert_eq(cb_validator_new(&v, qe, "a.", NULL, 0), CB_EINVAL);
	cr_assert_eq(cb_validator_new(&v, qe, NULL, &bad, 1), CB_ENOTFOUND);
	cr_assert(strstr(cb_errmsg(), "no context dimension \"country\"") != NULL, "%s", cb_errmsg());
	cr_assert(strstr(cb_errmsg(), "rule") != NULL, "%s", cb_errmsg());
	cr_assert_eq(cb_validator_new(&v, qe, NULL, twice, 2), CB_EINVAL);
	cr_assert_eq(cb_validator_new(&v, qe, "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q", NULL, 0), CB_ETOOBIG);
	cr_assert_null(v);
	cr_assert_eq(cb_validator_line(NULL, "{}", 2, 0, &r), CB_EINVAL);
	cb_codeset_free(qe);
}

Test(validate, out_of_memory_fails_cleanly)
{
	cb_codeset *cs = load_bundled("outbound");
	long i;

	for (i = 0;; i++) {
		cb_validator *v = NULL;
		int rc;
		cb_alloc_fail_after(i);
		rc = cb_validator_new(&v, cs, "a.reason_code", NULL, 0);
		if (rc == CB_OK)
			rc = cb_validator_line(v, "{\"a\":{\"reason_code\":\"FRAUD.CHARGEBACK\"}}", 40, 0, &r);
		cb_alloc_fail_after(-1);
		cb_validator_free(v);
		if (rc == CB_OK) {
			cr_assert_eq(r.why, CB_VALID);
			break;
		}
		cr_assert_eq(rc, CB_ENOMEM, "step %ld: %d %s", i, rc, cb_errmsg());
	}
	cb_codeset_free(cs);
}

/* ---- blocks of lines ---- */

struct seen {
	uint64_t line[64];
	unsigned why[64];
	size_t   n;
};

static int
collect(void *payload, uint64_t line, size_t off, size_t len, const cb_line_result *res)
{
	struct seen *s = payload;

	(void)off;
	(void)len;
	if (s->n < 64) {
		s->line[s->n] = line;
		s->why[s->n] = res->why;
		s->n++;
	}
	return 0;
}

static const char stream[] =
    "\xef\xbb\xbf{\"reason_code\":\"FRAUD.CHARGEBACK\"}\r\n"   /* 1: BOM, CR LF */
    "\n"                                                      /* 2: blank */
    " \t \r\n"                                                /* 3: blank */
    "{\"reason_code\":\"FRAUD.X\"}\n"                         /* 4: unknown-code */
    "{\"reason\":\"日本\",\"reason_code\":\"SYSTEM.USECASE\"}\n" /* 5 */
    "nope\r\n"                                                /* 6: not-json */
    "{\"reason_code\":\"FRAUD.CHARGEBACK\"}";                 /* 7: no newline at the end */

Test(validate, block_of_lines)
{
	cb_codeset *cs = load_bundled("outbound");
	cb_validator *v = validator(cs, NULL, NULL, 0);
	cb_validate_counts c;
	struct seen s;

	c = (cb_validate_counts)CB_VALIDATE_COUNTS_INIT;
	memset(&s, 0, sizeof(s));
	/* not padded: the validator copies the lines near the end */
	cr_assert_eq(cb_validator_block(v, stream, sizeof(stream) - 1, CB_BLOCK_FIRST, &c, collect, &s), CB_OK);
	cr_assert_eq(c.physical, 7);
	cr_assert_eq(c.lines, 5, "blank lines are skipped and not counted");
	cr_assert_eq(c.valid, 3);
	cr_assert_eq(c.by_why[CB_VALID], 3);
	cr_assert_eq(c.by_why[CB_UNKNOWN_CODE], 1);
	cr_assert_eq(c.by_why[CB_LINE_NOT_JSON], 1);
	cr_assert_eq(s.n, 2);
	cr_assert_eq(s.line[0], 3);
	cr_assert_eq(s.why[0], CB_UNKNOWN_CODE);
	cr_assert_eq(s.line[1], 5);
	cr_assert_eq(s.why[1], CB_LINE_NOT_JSON);

	/* without CB_BLOCK_FIRST the BOM is not skipped: the first line is not JSON */
	c = (cb_validate_counts)CB_VALIDATE_COUNTS_INIT;
	cr_assert_eq(cb_validator_block(v, stream, sizeof(stream) - 1, 0, &c, NULL, NULL), CB_OK);
	cr_assert_eq(c.by_why[CB_LINE_NOT_JSON], 2);

	/* counters add up across blocks */
	cr_assert_eq(cb_validator_block(v, "{}\n", 3, 0, &c, NULL, NULL), CB_OK);
	cr_assert_eq(c.physical, 8);
	cr_assert_eq(c.lines, 6);
	c = (cb_validate_counts)CB_VALIDATE_COUNTS_INIT;
	cr_assert_eq(cb_validator_block(v, "", 0, CB_BLOCK_FIRST, &c, NULL, NULL), CB_OK);
	cr_assert_eq(c.physical, 0);
	cb_validator_free(v);
	cb_codeset_free(cs);
}

static int
stop_at_first(void *payload, uint64_t line, size_t off, size_t len, const cb_line_result *res)
{
	(void)payload;
	(void)line;
	(void)off;
	(void)len;
	(void)res;
	return 42;
}

Test(validate, callback_stops_the_block)
{
	cb_codeset *cs = load_bundled("outbound");
	cb_validator *v = validator(cs, NULL, NULL, 0);
	cb_validate_counts c;

	c = (cb_validate_counts)CB_VALIDATE_COUNTS_INIT;
	cr_assert_eq(cb_validator_block(v, stream, sizeof(stream) - 1, CB_BLOCK_FIRST, &c, stop_at_first, NULL), 42);
	cr_assert_eq(c.physical, 4);
	cb_validator_free(v);
	cb_codeset_free(cs);
}

/* Each line of @text judged alone (no window), the way a block counts them. */
static void
alone(cb_validator *v, const char *text, size_t n, cb_validate_counts *c)
{
	const char *p = text, *end = text + n;

	*c = (cb_validate_counts)CB_VALIDATE_COUNTS_INIT;
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end, *k;
		c->physical++;
		if (e > p && e[-1] == '\r')
			e--;
		for (k = p; k < e && (*k == ' ' || *k == '\t' || *k == '\r'); k++)
			;
		if (k < e) {
			cr_assert_eq(cb_validator_line(v, p, (size_t)(e - p), 0, &r), CB_OK);
			c->lines++;
			c->valid += (uint64_t)r.valid;
			c->by_why[r.why]++;
		}
		p = nl ? nl + 1 : end;
	}
}

Test(validate, windows_of_lines_judge_as_lines_alone)
{
	/* lines that would fool a parser of several lines at once: two values on
	 * a line, values over two lines, brackets left open or closed early */
	static const char tricky[] =
	    "{\"reason_code\":\"FRAUD.CHARGEBACK\"}\n"
	    "{\"reason_code\":\"FRAUD.CHARGEBACK\"}{\"reason_code\":\"FRAUD.CHARGEBACK\"}\n"
	    "{\"reason_code\":\"FRAUD.CHARGEBACK\"} {}\n"
	    "{\"reason_code\":\n"
	    "\"FRAUD.CHARGEBACK\"}\n"
	    "[[[\n"
	    "]]]\n"
	    "{\"a\":[\n"
	    "1]}\n"
	    "}}}}\n"
	    "{\"reason_code\":\"FRAUD.CHARGEBACK\",\n"
	    "\"x\":1}\n"
	    "\"FRAUD.CHARGEBACK\"\n"
	    "12 34\n"
	    "{\"reason_code\":\"FRAUD.CHARGEBACK\"}\r\n"
	    "{\"s\":\"unterminated}\n"
	    "{\"reason_code\":\"FRAUD.CHARGEBACK\"}\n"
	    ",\n"
	    "{\"reason_code\":\"SYSTEM.USECASE\"},\n"
	    "{\"reason_code\":\"SYSTEM.USECASE\"}\n"
	    "[\n"
	    "{\"reason_code\":\"SYSTEM.USECASE\"}\n";
	cb_codeset *cs = load_bundled("outbound");
	cb_validator *v = validator(cs, NULL, NULL, 0);
	cb_validate_counts blk, one;
	char *pad = malloc(sizeof(tricky) + CB_VALIDATE_PADDING);
	size_t cut;

	cr_assert_not_null(pad);
	/* every prefix, padded and bare, so that windows start and end everywhere */
	for (cut = 0; cut < sizeof(tricky); cut++) {
		int padded;
		for (padded = 0; padded < 2; padded++) {
			memcpy(pad, tricky, cut);
			memset(pad + cut, padded ? '[' : ' ', CB_VALIDATE_PADDING);
			blk = (cb_validate_counts)CB_VALIDATE_COUNTS_INIT;
			cr_assert_eq(cb_validator_block(v, pad, cut, padded ? CB_LINE_PADDED : 0, &blk, NULL, NULL), CB_OK);
			alone(v, pad, cut, &one);
			cr_assert_eq(blk.physical, one.physical, "cut %zu", cut);
			cr_assert_eq(blk.lines, one.lines, "cut %zu", cut);
			cr_assert_eq(blk.valid, one.valid, "cut %zu", cut);
			cr_assert(memcmp(blk.by_why, one.by_why, sizeof(one.by_why)) == 0, "cut %zu", cut);
		}
	}
	blk = (cb_validate_counts)CB_VALIDATE_COUNTS_INIT;
	cb_validator_block(v, tricky, sizeof(tricky) - 1, 0, &blk, NULL, NULL);
	cr_assert_eq(blk.valid, 5, "valid lines: %llu", (unsigned long long)blk.valid);
	free(pad);
	cb_validator_free(v);
	cb_codeset_free(cs);
}

/* ---- the line framer ---- */

struct feed {
	const char *p;
	size_t      n, at, step;
	int         fail_at;   /* fail when at reaches it; -1 never */
};

static long
feed_read(void *ctx, char *dst, size_t room)
{
	struct feed *f = ctx;
	size_t k = f->n - f->at;

	if (f->fail_at >= 0 && f->at >= (size_t)f->fail_at)
		return -1;
	if (k > room)
		k = room;
	if (k > f->step)
		k = f->step;
	memcpy(dst, f->p + f->at, k);
	f->at += k;
	return (long)k;
}

/* Frame @text with @block/@step/@max and validate every block: the verdicts
 * and counts must equal those of the text validated in one piece. */
static void
frame_and_check(cb_validator *v, const char *text, size_t n, size_t block, size_t step, size_t max,
    cb_validate_counts *out, struct seen *s)
{
	struct feed f = { text, n, 0, step, -1 };
	cb_lines lc;
	cb_lines_block b = { 0 };
	uint64_t base = 0;
	int got;

	*out = (cb_validate_counts)CB_VALIDATE_COUNTS_INIT;
	memset(s, 0, sizeof(*s));
	cb_lines_init(&lc, block, max, CB_VALIDATE_PADDING);
	while ((got = cb_lines_next(&lc, &b, feed_read, &f)) == 1) {
		struct seen part;
		uint64_t before = out->physical;
		size_t i;
		memset(&part, 0, sizeof(part));
		cr_assert(b.len > 0);
		cr_assert(b.first == (base == 0 && before == 0));
		cr_assert_eq(cb_validator_block(v, b.data, b.len, CB_LINE_PADDED | (b.first ? CB_BLOCK_FIRST : 0),
		    out, collect, &part), CB_OK);
		for (i = 0; i < part.n && s->n < 64; i++) {
			s->line[s->n] = base + part.line[i];
			s->why[s->n++] = part.why[i];
		}
		base += out->physical - before;
	}
	cr_assert_eq(got, 0);
	cr_assert_eq(lc.lc_bytes, n);
	cb_lines_block_free(&b);
	cb_lines_free(&lc);
}

Test(lines, split_across_reads_of_every_size)
{
	cb_codeset *cs = load_bundled("outbound");
	cb_validator *v = validator(cs, NULL, NULL, 0);
	cb_validate_counts whole, framed;
	struct seen ws, fs;
	size_t block, step, i;

	whole = (cb_validate_counts)CB_VALIDATE_COUNTS_INIT;
	memset(&ws, 0, sizeof(ws));
	cb_validator_block(v, stream, sizeof(stream) - 1, CB_BLOCK_FIRST, &whole, collect, &ws);
	for (block = 1; block <= 80; block += (block < 12 ? 1 : 17)) {
		for (step = 1; step <= 9; step += 4) {
			frame_and_check(v, stream, sizeof(stream) - 1, block, step, 1 << 20, &framed, &fs);
			cr_assert_eq(framed.physical, whole.physical, "block %zu step %zu", block, step);
			cr_assert_eq(framed.lines, whole.lines, "block %zu step %zu", block, step);
			cr_assert_eq(framed.valid, whole.valid, "block %zu step %zu", block, step);
			cr_assert_eq(fs.n, ws.n);
			for (i = 0; i < fs.n; i++) {
				cr_assert_eq(fs.line[i], ws.line[i], "block %zu step %zu", block, step);
				cr_assert_eq(fs.why[i], ws.why[i]);
			}
		}
	}
	cb_validator_free(v);
	cb_codeset_free(cs);
}

Test(lines, very_long_lines_grow_the_block_or_are_cut)
{
	cb_codeset *cs = load_bundled("outbound");
	cb_validator *v = validator(cs, NULL, NULL, 0);
	size_t pad = 5000, n, k;
	char *text = malloc(3 * pad + 512);
	cb_validate_counts c;
	struct seen s;

	cr_assert_not_null(text);
	/* line 1: a valid event with 5000 bytes of free text; line 2: invalid;
	 * line 3: 5000 bytes of garbage; line 4: valid, without newline */
	n = (size_t)snprintf(text, 32, "{\"reason\":\"");
	memset(text + n, 'x', pad);
	n += pad;
	n += (size_t)snprintf(text + n, 128, "\",\"reason_code\":\"FRAUD.CHARGEBACK\"}\n{\"reason_code\":7}\n");
	memset(text + n, 'y', pad);
	n += pad;
	text[n++] = '\n';
	k = (size_t)snprintf(text + n, 128, "{\"reason_code\":\"SYSTEM.USECASE\"}");
	n += k;

	/* blocks of 64 bytes grow to hold the long lines */
	frame_and_check(v, text, n, 64, 100, 1 << 20, &c, &s);
	cr_assert_eq(c.physical, 4);
	cr_assert_eq(c.valid, 2);
	cr_assert_eq(s.n, 2);
	cr_assert_eq(s.line[0], 1);
	cr_assert_eq(s.why[0], CB_LINE_NOT_STRING);
	cr_assert_eq(s.line[1], 2);
	cr_assert_eq(s.why[1], CB_LINE_NOT_JSON);

	/* a cap of 1000 bytes: the long lines are cut (then reported by the
	 * consumer); the lines after them keep their numbers */
	frame_and_check(v, text, n, 64, 37, 1000, &c, &s);
	cr_assert_eq(c.physical, 4);
	cr_assert_eq(c.valid, 1);
	cr_assert_eq(s.n, 3);
	cr_assert_eq(s.line[0], 0);
	cr_assert_eq(s.why[0], CB_LINE_NOT_JSON);	/* cut short */
	cr_assert_eq(s.line[1], 1);
	cr_assert_eq(s.line[2], 2);
	free(text);
	cb_validator_free(v);
	cb_codeset_free(cs);
}

Test(lines, read_errors_and_empty_input)
{
	struct feed f = { "{}\n{}\n", 6, 0, 1, 4 };
	cb_lines lc;
	cb_lines_block b = { 0 };

	cb_lines_init(&lc, 2, 100, 64);
	cr_assert_eq(cb_lines_next(&lc, &b, feed_read, &f), 1);
	cr_assert_eq(b.len, 3);
	cr_assert_eq(cb_lines_next(&lc, &b, feed_read, &f), -1);
	cb_lines_free(&lc);

	f.n = 0;
	f.at = 0;
	f.fail_at = -1;
	cb_lines_init(&lc, 2, 100, 64);
	cr_assert_eq(cb_lines_next(&lc, &b, feed_read, &f), 0);
	cb_lines_free(&lc);
	cb_lines_block_free(&b);
}
