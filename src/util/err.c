/* SPDX-License-Identifier: Apache-2.0 */
/*
 * err.c - the per-thread error message (see err.h).  One buffer per
 * thread, overwritten by the next failure: a message is meaningful right
 * after a call returned a negative code, as libgit2 and SQLite do it.
 */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char errbuf[1024] = "no error";

int
cb__fail(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	return code;
}

int
cb__fail_errno(int code, const char *fmt, ...)
{
	int saved = errno;
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	n = strlen(errbuf);
	if (n < sizeof(errbuf))
		(void)snprintf(errbuf + n, sizeof(errbuf) - n, ": %s", strerror(saved));
	return code;
}

const char *
cb__errmsg(void)
{
	return errbuf;
}
