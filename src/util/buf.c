/* SPDX-License-Identifier: Apache-2.0 */
/*
 * buf.c - capped growable buffer (see buf.h).
 */
#include "buf.h"
#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
cb_buf_init(cb_buf *b, size_t max)
{
	b->p = NULL;
	b->len = b->cap = 0;
	b->max = max;
	b->failed = b->nomem = 0;
}

int
cb_buf_grow(cb_buf *b, size_t extra)
{
	size_t need, ncap;
	char *np;

	if (b->failed)
		return -1;
	if (cb__size_add(&need, b->len, extra) != 0 || need > b->max ||
	    cb__size_add(&need, need, 1) != 0) {
		b->failed = 1;
		return -1;
	}
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need) {
		if (ncap > ((size_t)-1) / 2) {
			ncap = need;
			break;
		}
		ncap *= 2;
	}
	if ((np = cb__realloc(b->p, ncap)) == NULL) {
		b->failed = b->nomem = 1;
		return -1;
	}
	b->p = np;
	b->cap = ncap;
	return 0;
}

int
cb_buf_add(cb_buf *b, const void *d, size_t n)
{
	if (cb_buf_grow(b, n) != 0)
		return -1;
	if (n > 0)
		memcpy(b->p + b->len, d, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int
cb_buf_adds(cb_buf *b, const char *s)
{
	return cb_buf_add(b, s, strlen(s));
}

int
cb_buf_addc(cb_buf *b, char c)
{
	return cb_buf_add(b, &c, 1);
}

int
cb_buf_vprintf(cb_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		b->failed = 1;
		return -1;
	}
	if (cb_buf_grow(b, (size_t)n) != 0)
		return -1;
	(void)vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
cb_buf_printf(cb_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cb_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *
cb_buf_detach(cb_buf *b, size_t *len)
{
	char *p;

	if (b->failed) {
		cb_buf_reset(b);
		return NULL;
	}
	if (b->p == NULL) {
		if (cb_buf_grow(b, 0) != 0) {
			cb_buf_reset(b);
			return NULL;
		}
		b->p[0] = '\0';	/* grow does not write: "" for an empty buffer */
	}
	p = b->p;
	if (len != NULL)
		*len = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void
cb_buf_reset(cb_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->failed = b->nomem = 0;
}

void
cb_buf_clear(cb_buf *b)
{
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
	b->failed = b->nomem = 0;
}
