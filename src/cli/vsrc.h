/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vsrc.h - where `codebook validate` reads from: a file, a pipe or standard
 * input, plain or gzip, read in blocks.
 */
#ifndef CB_CLI_VSRC_H
#define CB_CLI_VSRC_H

#include <stddef.h>
#include <stdint.h>

#include <zlib.h>

struct vsrc {
	const char    *name;      /* for messages: the path, or "<stdin>" */
	int            fd;
	int            own_fd;
	uint64_t       total;     /* bytes to read, when known (progress), else 0 */
	uint64_t       consumed;  /* bytes read from the file (compressed ones for gzip) */
	/* gzip */
	int            gz;
	int            z_ready;
	int            z_mid;     /* inside a gzip member */
	z_stream       z;
	unsigned char *zin;
	/* bytes read while sniffing the format, handed out first */
	unsigned char  pre[2];
	size_t         pre_len, pre_pos;
	char           err[256];  /* why a read failed */
};

/* Open @path ("-" for standard input).  EXIT_OK, or EXIT_USAGE after
 * printing why. */
int vsrc_open(struct vsrc *s, const char *path);

/* A cb_lines_read_fn over the stream: bytes read into @dst, 0 at the end,
 * -1 on error with s->err set. */
long vsrc_read(void *s, char *dst, size_t room);

void vsrc_close(struct vsrc *s);

#endif
