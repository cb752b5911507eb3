/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vsrc.c - the input of `codebook validate`: a file or standard input, read
 * in blocks through vsrc_read(), which inflates gzip transparently
 * (concatenated members too, as gzip(1) writes them).  The format is
 * recognised by its first two bytes, not the name.
 *
 * Files are read, not mapped.  Reading into a few reused blocks was faster
 * for one worker (the blocks are still in cache when it parses them; a
 * mapped file is first touched by the worker itself) and no slower for two,
 * and a file that shrinks while it is read cannot kill the process with
 * SIGBUS, as it can with a mapping.  Files larger than memory stream.
 */
#include "cli.h"
#include "vsrc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZIN_SIZE (256u << 10)

static ssize_t
read_full(int fd, unsigned char *dst, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, dst + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

int
vsrc_open(struct vsrc *s, const char *path)
{
	struct stat st;
	unsigned char magic[2];
	ssize_t n;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (strcmp(path, "-") == 0) {
		s->name = "<stdin>";
		s->fd = STDIN_FILENO;
	} else {
		s->name = path;
		if ((s->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return cli_error("%s: %s", path, strerror(errno));
		s->own_fd = 1;
	}
	if (fstat(s->fd, &st) != 0)
		return cli_error("%s: %s", s->name, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return cli_error("%s: is a directory", s->name);
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		s->total = (uint64_t)st.st_size;
		(void)posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
		n = pread(s->fd, magic, 2, lseek(s->fd, 0, SEEK_CUR));
		s->gz = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
	} else {
		/* a larger pipe buffer: fewer, larger reads (best effort) */
		if (S_ISFIFO(st.st_mode))
			(void)fcntl(s->fd, F_SETPIPE_SZ, 1 << 20);
		/* sniff the first two bytes, then hand them out first */
		if ((n = read_full(s->fd, s->pre, 2)) < 0)
			return cli_error("%s: %s", s->name, strerror(errno));
		s->pre_len = (size_t)n;
		s->gz = n == 2 && s->pre[0] == 0x1f && s->pre[1] == 0x8b;
	}
	if (s->gz) {
		if ((s->zin = malloc(ZIN_SIZE)) == NULL)
			return cli_error("out of memory");
		if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK)
			return cli_error("%s: cannot start zlib", s->name);
		s->z_ready = 1;
	}
	return EXIT_OK;
}

/* Bytes of the file itself: the sniffed ones first. */
static long
raw_read(struct vsrc *s, unsigned char *dst, size_t room)
{
	ssize_t r;

	if (s->pre_pos < s->pre_len) {
		size_t k = s->pre_len - s->pre_pos;
		if (k > room)
			k = room;
		memcpy(dst, s->pre + s->pre_pos, k);
		s->pre_pos += k;
		s->consumed += k;
		return (long)k;
	}
	if (room > (size_t)LONG_MAX)
		room = (size_t)LONG_MAX;
	do
		r = read(s->fd, dst, room);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		snprintf(s->err, sizeof(s->err), "%s: %s", s->name, strerror(errno));
		return -1;
	}
	s->consumed += (uint64_t)r;
	return (long)r;
}

long
vsrc_read(void *ctx, char *dst, size_t room)
{
	struct vsrc *s = ctx;
	uInt avail;

	if (!s->gz)
		return raw_read(s, (unsigned char *)dst, room);
	avail = room > UINT_MAX ? UINT_MAX : (uInt)room;
	s->z.next_out = (Bytef *)dst;
	s->z.avail_out = avail;
	while (s->z.avail_out == avail) {
		int rc;
		if (s->z.avail_in == 0) {
			long n = raw_read(s, s->zin, ZIN_SIZE);
			if (n < 0)
				return -1;
			if (n == 0) {
				if (s->z_mid) {
					snprintf(s->err, sizeof(s->err), "%s: the gzip data ends early (truncated file?)",
					    s->name);
					return -1;
				}
				return 0;
			}
			s->z.next_in = s->zin;
			s->z.avail_in = (uInt)n;
		}
		rc = inflate(&s->z, Z_NO_FLUSH);
		if (rc == Z_STREAM_END) {
			/* another member may follow, as `cat a.gz b.gz` makes */
			s->z_mid = 0;
			if (inflateReset(&s->z) != Z_OK) {
				snprintf(s->err, sizeof(s->err), "%s: zlib reset failed", s->name);
				return -1;
			}
			continue;
		}
		if (rc == Z_BUF_ERROR && s->z.avail_in == 0)
			continue;
		if (rc != Z_OK) {
			snprintf(s->err, sizeof(s->err), "%s: invalid gzip data at compressed byte %llu: %s",
			    s->name, (unsigned long long)(s->consumed - s->z.avail_in),
			    s->z.msg ? s->z.msg : "zlib error");
			return -1;
		}
		s->z_mid = 1;
	}
	return (long)(avail - s->z.avail_out);
}

void
vsrc_close(struct vsrc *s)
{
	if (s->z_ready)
		inflateEnd(&s->z);
	free(s->zin);
	if (s->own_fd && s->fd >= 0)
		close(s->fd);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}
