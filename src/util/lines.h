/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lines.h - cut a byte stream into blocks of whole lines.
 *
 * The bytes come from a callback, so this module does no I/O of its own and
 * tests can feed it any way they like (one byte at a time, say).  A line
 * that straddles two reads is carried into the next block; a line longer
 * than the block grows the block, up to a cap; a line longer than the cap is
 * handed over cut short, as a block of its own (its rest is discarded), so
 * that the consumer can report it and go on.  Each block is followed by
 * readable padding, for parsers that read past the end (simdjson).
 */
#ifndef CB_UTIL_LINES_H
#define CB_UTIL_LINES_H

#include <stddef.h>
#include <stdint.h>

/* Read up to @room bytes into @dst: the count, 0 at the end, < 0 on error. */
typedef long (*cb_lines_read_fn)(void *ctx, char *dst, size_t room);

typedef struct {
	char    *lc_carry;      /* the start of a line begun in the previous block */
	size_t   lc_carry_len, lc_carry_cap;
	size_t   lc_block;      /* bytes read per block */
	size_t   lc_max_line;   /* longer lines are cut to lc_max_line + 1 bytes */
	size_t   lc_pad;        /* readable bytes after each block */
	int      lc_eof;
	int      lc_skipping;   /* discarding the rest of a line that was cut */
	uint64_t lc_blocks;     /* blocks handed out */
	uint64_t lc_bytes;      /* bytes read */
} cb_lines;

typedef struct {
	char    *data;   /* data[0..len): whole lines; data[len..len + pad): readable */
	size_t   len;
	size_t   cap;
	int      first;  /* the first block of the stream */
	int      cut;    /* one line longer than the cap, cut short */
} cb_lines_block;

/* Cannot fail.  @block > 0; @max_line >= 1. */
void cb_lines_init(cb_lines *lc, size_t block, size_t max_line, size_t pad);
void cb_lines_free(cb_lines *lc);

/*
 * Fill @b (which may hold memory from an earlier call; it is reused) with
 * the next block.  Returns 1 with a block, 0 at the end of the stream,
 * -1 when @rd failed (it says why), -2 when memory ran out.
 */
int cb_lines_next(cb_lines *lc, cb_lines_block *b, cb_lines_read_fn rd, void *ctx);

void cb_lines_block_free(cb_lines_block *b);

#endif
