/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lines.c - cut a byte stream into blocks of whole lines (lines.h).
 *
 * Used by `codebook validate` for pipes and gzip input, where blocks are
 * filled by read() or inflate() and handed to worker threads.  Each block
 * is separate memory, so a worker may read one while the next is filled;
 * the partial line at the end of a block is copied into the next (a few
 * hundred bytes per block of megabytes).
 */
#include "lines.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"

void
cb_lines_init(cb_lines *lc, size_t block, size_t max_line, size_t pad)
{
	memset(lc, 0, sizeof(*lc));
	lc->lc_block = block > 0 ? block : 1;
	lc->lc_max_line = max_line > 0 ? max_line : 1;
	lc->lc_pad = pad;
}

void
cb_lines_free(cb_lines *lc)
{
	free(lc->lc_carry);
	lc->lc_carry = NULL;
	lc->lc_carry_len = lc->lc_carry_cap = 0;
}

void
cb_lines_block_free(cb_lines_block *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* Room for @n bytes plus the padding in @b. */
static int
reserve(const cb_lines *lc, cb_lines_block *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (cb__size_add(&need, n, lc->lc_pad) != 0)
		return -2;
	if (need <= b->cap)
		return 0;
	cap = b->cap > 0 ? b->cap : 4096;
	while (cap < need)
		if (cb__size_mul(&cap, cap, 2) != 0)
			return -2;
	if ((p = cb__realloc(b->data, cap)) == NULL)
		return -2;
	b->data = p;
	b->cap = cap;
	return 0;
}

/* Keep data[from..n) for the next block. */
static int
carry(cb_lines *lc, const char *from, size_t n)
{
	if (n > lc->lc_carry_cap) {
		char *p = cb__realloc(lc->lc_carry, n);
		if (p == NULL)
			return -2;
		lc->lc_carry = p;
		lc->lc_carry_cap = n;
	}
	if (n > 0)
		memcpy(lc->lc_carry, from, n);
	lc->lc_carry_len = n;
	return 0;
}

/* Read into data[*n..want); in skipping mode, drop bytes up to a newline. */
static int
fill(cb_lines *lc, cb_lines_block *b, size_t *n, size_t want, cb_lines_read_fn rd, void *ctx)
{
	while (!lc->lc_eof && *n < want) {
		long got = rd(ctx, b->data + *n, want - *n);
		size_t g;
		if (got < 0)
			return -1;
		if (got == 0) {
			lc->lc_eof = 1;
			break;
		}
		g = (size_t)got;
		if (g > want - *n)
			return -1;	/* the callback overran its room */
		lc->lc_bytes += g;
		if (lc->lc_skipping) {
			char *nl = memchr(b->data + *n, '\n', g);
			if (nl == NULL)
				continue;
			lc->lc_skipping = 0;
			g -= (size_t)(nl + 1 - (b->data + *n));
			memmove(b->data + *n, nl + 1, g);
		}
		*n += g;
	}
	return 0;
}

int
cb_lines_next(cb_lines *lc, cb_lines_block *b, cb_lines_read_fn rd, void *ctx)
{
	size_t n, want = lc->lc_block, cut = lc->lc_max_line + 1;
	char *last;
	int rc;

	b->len = 0;
	b->cut = 0;
	b->first = lc->lc_blocks == 0;
	if (want < lc->lc_carry_len)
		want = lc->lc_carry_len;
	if ((rc = reserve(lc, b, want)) != 0)
		return rc;
	n = lc->lc_carry_len;
	if (n > 0)
		memcpy(b->data, lc->lc_carry, n);
	lc->lc_carry_len = 0;
	for (;;) {
		if ((rc = fill(lc, b, &n, want, rd, ctx)) != 0)
			return rc;
		if (lc->lc_eof) {
			if (n == 0)
				return 0;
			b->len = n;	/* the last line may lack its newline */
			break;
		}
		last = n > 0 ? memrchr(b->data, '\n', n) : NULL;
		if (last != NULL) {
			b->len = (size_t)(last + 1 - b->data);
			if ((rc = carry(lc, last + 1, n - b->len)) != 0)
				return rc;
			break;
		}
		if (n >= cut) {
			/* one line longer than the cap: hand over its start, drop the rest */
			b->len = cut;
			b->cut = 1;
			lc->lc_skipping = 1;
			break;
		}
		/* a line longer than the block: read on, in a larger block */
		if (cb__size_mul(&want, want, 2) != 0)
			return -2;
		if (want > cut)
			want = cut;
		if ((rc = reserve(lc, b, want)) != 0)
			return rc;
	}
	memset(b->data + b->len, ' ', lc->lc_pad);
	lc->lc_blocks++;
	return 1;
}
