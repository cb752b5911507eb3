/* SPDX-License-Identifier: Apache-2.0 */
/*
 * error.c - the public face of the per-thread error message (src/util/err.c
 * keeps it: every module records failures there), error names, the
 * version, and the message builder used by checks and reports.
 */
#include "codeset_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
cb_errmsg(void)
{
	return cb__errmsg();
}

const char *
cb_strerror(int err)
{
	static const char *const names[] = {
		"CB_OK", "CB_ERROR", "CB_ENOMEM", "CB_EINVAL", "CB_ENOTFOUND",
		"CB_ETOOBIG", "CB_EPARSE", "CB_EIO", "CB_ECONFLICT", "CB_EUNAVAIL", "CB_EUNKNOWN"
	};

	if (err <= 0 && err >= CB_ERR_LAST)
		return names[-err];
	return "CB_UNKNOWN";
}

void
cb_free(void *p)
{
	free(p);
}

const char *
cb_version(void)
{
	return CB_VERSION_STRING;
}

unsigned
cb_version_number(void)
{
	return CB_VERSION_NUMBER;
}

/* Within a major version the API only grows: a program built against
 * major.minor runs on major.minor and every later minor. */
int
cb_version_check(unsigned major, unsigned minor)
{
	return major == CB_VERSION_MAJOR && minor <= CB_VERSION_MINOR;
}

void
cb__msg_init(cb_msg *m, char *dst, size_t size)
{
	m->m_p = dst;
	m->m_size = size;
	m->m_len = 0;
	if (size > 0)
		dst[0] = '\0';
}

void
cb__msg_add(cb_msg *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (m->m_len + 1 >= m->m_size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(m->m_p + m->m_len, m->m_size - m->m_len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= m->m_size - m->m_len) {
		/* truncated: end with an ellipsis so the reader knows */
		m->m_len = m->m_size - 1;
		if (m->m_size > 4)
			memcpy(m->m_p + m->m_size - 4, "...", 4);
		return;
	}
	m->m_len += (size_t)n;
}

char *
cb__quote(char *dst, size_t size, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	if (size == 0)
		return dst;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (o + 8 >= size) {
			if (size >= 4) {
				o = o + 4 < size ? o : size - 4;
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			dst[o++] = (char)c;
		} else if (c >= 0x80) {
			dst[o++] = (char)c;	/* UTF-8 passes; invalid bytes are escaped by JSON writers */
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
	return dst;
}
