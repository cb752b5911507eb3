/* SPDX-License-Identifier: Apache-2.0 */
/*
 * buf.h - a growable byte buffer with a hard cap.  Used wherever output
 * or outside data is collected; adding past the cap fails with -1 and sets
 * the sticky error flag, so a sequence of adds can be checked once.
 */
#ifndef CB_UTIL_BUF_H
#define CB_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct cb_buf {
	char   *p;       /* NUL-terminated when non-NULL */
	size_t  len;
	size_t  cap;
	size_t  max;     /* hard cap on len */
	int     failed;  /* sticky: an add failed (cap or memory) */
	int     nomem;   /* the failure was out of memory, not the cap */
} cb_buf;

#define CB_BUF_INIT(max) { NULL, 0, 0, (max), 0, 0 }

void cb_buf_init(cb_buf *b, size_t max);          /* cannot fail */
int  cb_buf_add(cb_buf *b, const void *d, size_t n);
int  cb_buf_adds(cb_buf *b, const char *s);
int  cb_buf_addc(cb_buf *b, char c);
int  cb_buf_printf(cb_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int  cb_buf_vprintf(cb_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
int  cb_buf_grow(cb_buf *b, size_t extra);        /* room for extra more bytes */
/* Hand the contents over (never NULL on success: "" for an empty buffer);
 * the buffer is reset.  NULL if the buffer failed or memory ran out. */
char *cb_buf_detach(cb_buf *b, size_t *len);
void cb_buf_reset(cb_buf *b);                     /* frees; reusable */
void cb_buf_clear(cb_buf *b);                     /* len = 0, keeps memory */

#endif
