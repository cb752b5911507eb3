/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_validate_line.c - the NDJSON line validator and the line framer on
 * arbitrary bytes.  Input: one control byte (the set and the work-unit size
 * of the framer), then the stream.  Checks that the fast verdict (cache, no
 * message) equals the explained one, that verdicts are consistent, that a
 * block (parsed in windows of lines) judges each line as it would be judged
 * alone, and that framing the stream in small reads changes nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <codebook.h>

#include "lines.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cb_catalog *cat;
static cb_validator *plain, *ctxv;

struct feed {
	const uint8_t *p;
	size_t         n, at, step;
};

static long
feed_read(void *ctx, char *dst, size_t room)
{
	struct feed *f = ctx;
	size_t k = f->n - f->at;

	if (k > room)
		k = room;
	if (k > f->step)
		k = f->step;
	memcpy(dst, f->p + f->at, k);
	f->at += k;
	return (long)k;
}

static void
setup(void)
{
	const char *dir = getenv("CB_CATALOGS");
	const cb_codeset *out, *qe;
	cb_ctx_field rule = { "rule", "rule" };

	if (cb_catalog_load_dir(&cat, dir ? dir : CB_FUZZ_CATALOGS) != CB_OK ||
	    (out = cb_catalog_find(cat, "outbound")) == NULL || (qe = cb_catalog_find(cat, "qe-reason")) == NULL ||
	    cb_validator_new(&plain, out, "reason_code", NULL, 0) != CB_OK ||
	    cb_validator_new(&ctxv, qe, "reason_code", &rule, 1) != CB_OK) {
		fprintf(stderr, "fuzz_validate_line: %s\n", cb_errmsg());
		abort();
	}
}

static void
check_line(cb_validator *v, const char *line, size_t len)
{
	cb_line_result fast = CB_LINE_RESULT_INIT, slow = CB_LINE_RESULT_INIT;
	unsigned why;
	int valid;

	if (cb_validator_line(v, line, len, 0, &fast) != CB_OK)
		abort();
	why = fast.why;
	valid = fast.valid;
	if (why >= CB_LINE_WHY_MAX || strcmp(cb_line_why_name(why), "?") == 0 ||
	    (valid && why != CB_VALID && why != CB_DEPRECATED))
		abort();
	if ((why == CB_VALID) != (valid && fast.entry != NULL && cb_entry_status(fast.entry) == CB_STATUS_ACTIVE))
		abort();
	if (why < CB_REASON_COUNT && fast.code == NULL)
		abort();	/* the check ran on a code */
	if (cb_validator_line(v, line, len, CB_LINE_EXPLAIN, &slow) != CB_OK)
		abort();
	if (slow.why != why || slow.valid != valid || (why != CB_VALID && slow.message[0] == '\0'))
		abort();
	if (why == CB_INVALID_FORMAT && slow.offset > slow.code_len)
		abort();
}

/* Each line judged alone (no window of lines), counted as a block counts. */
static void
alone(cb_validator *v, const char *p, size_t n, cb_validate_counts *c)
{
	const char *end = p + n;
	cb_line_result r = CB_LINE_RESULT_INIT;

	memset(c, 0, sizeof(*c));
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
			if (cb_validator_line(v, p, (size_t)(e - p), 0, &r) != CB_OK)
				abort();
			c->lines++;
			c->valid += (uint64_t)r.valid;
			c->by_why[r.why]++;
		}
		p = nl ? nl + 1 : end;
	}
}

struct tally {
	uint64_t lines[8];
	size_t   n;
};

static int
note(void *payload, uint64_t line, size_t off, size_t len, const cb_line_result *r)
{
	struct tally *t = payload;

	(void)off;
	(void)len;
	(void)r;
	if (t->n < 8)
		t->lines[t->n] = line;
	t->n++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cb_validator *v;
	cb_validate_counts whole, framed;
	struct tally tw, tf;
	struct feed f;
	cb_lines lc;
	cb_lines_block b;
	uint64_t base = 0;
	int got;

	if (cat == NULL)
		setup();
	if (size < 1)
		return 0;
	v = (data[0] & 1) ? ctxv : plain;
	data++;
	size--;

	/* the whole input as one line, and as a block of lines */
	check_line(v, (const char *)data, size);
	memset(&whole, 0, sizeof(whole));
	whole.version = CB_VALIDATE_COUNTS_VERSION;
	memset(&tw, 0, sizeof(tw));
	if (cb_validator_block(v, (const char *)data, size, CB_BLOCK_FIRST, &whole, note, &tw) != CB_OK)
		abort();
	if (whole.lines > whole.physical || whole.valid > whole.lines || tw.n != whole.lines - whole.valid)
		abort();
	/* a block is parsed in windows of lines: each verdict must be the line's own */
	{
		cb_validate_counts one;
		alone(v, (const char *)data, size, &one);
		if (one.physical != whole.physical || one.lines != whole.lines || one.valid != whole.valid ||
		    memcmp(one.by_why, whole.by_why, sizeof(one.by_why)) != 0)
			abort();
	}

	/* framed in small reads and small blocks: the same lines, the same verdicts */
	f.p = data;
	f.n = size;
	f.at = 0;
	f.step = 1 + (data[-1] >> 5);
	memset(&framed, 0, sizeof(framed));
	framed.version = CB_VALIDATE_COUNTS_VERSION;
	memset(&tf, 0, sizeof(tf));
	memset(&b, 0, sizeof(b));
	cb_lines_init(&lc, 1 + ((data[-1] >> 1) & 15), 1 << 20, CB_VALIDATE_PADDING);
	while ((got = cb_lines_next(&lc, &b, feed_read, &f)) == 1) {
		struct tally part;
		uint64_t before = framed.physical;
		size_t i;
		memset(&part, 0, sizeof(part));
		if (cb_validator_block(v, b.data, b.len, CB_LINE_PADDED | (b.first ? CB_BLOCK_FIRST : 0),
		    &framed, note, &part) != CB_OK)
			abort();
		for (i = 0; i < part.n && i < 8; i++) {
			if (tf.n < 8)
				tf.lines[tf.n] = base + part.lines[i];
			tf.n++;
		}
		tf.n += part.n > 8 ? part.n - 8 : 0;
		base += framed.physical - before;
	}
	if (got != 0 || lc.lc_bytes != size)
		abort();
	if (framed.physical != whole.physical || framed.lines != whole.lines || framed.valid != whole.valid ||
	    memcmp(framed.by_why, whole.by_why, sizeof(whole.by_why)) != 0 || tf.n != tw.n)
		abort();
	if (memcmp(tf.lines, tw.lines, sizeof(tw.lines[0]) * (tw.n < 8 ? tw.n : 8)) != 0)
		abort();
	cb_lines_block_free(&b);
	cb_lines_free(&lc);
	return 0;
}
