/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alloc.c - allocation wrappers with optional fault injection.
 */
#include "alloc.h"

#include <stdlib.h>
#include <string.h>

static long fail_after = -1;

void
cb_alloc_fail_after(long n)
{
	fail_after = n;
}

/* Returns 1 when this allocation must fail (fault injection). */
static int
should_fail(void)
{
	if (fail_after < 0)
		return 0;
	if (fail_after == 0)
		return 1;
	fail_after--;
	return 0;
}

void *
cb__malloc(size_t n)
{
	if (should_fail())
		return NULL;
	return malloc(n == 0 ? 1 : n);
}

void *
cb__calloc(size_t n, size_t size)
{
	if (should_fail())
		return NULL;
	if (n == 0 || size == 0)
		n = size = 1;
	return calloc(n, size);
}

void *
cb__realloc(void *p, size_t n)
{
	if (should_fail())
		return NULL;
	return realloc(p, n == 0 ? 1 : n);
}

void *
cb__reallocarray(void *p, size_t nmemb, size_t size)
{
	size_t total;

	if (cb__size_mul(&total, nmemb, size) != 0)
		return NULL;
	return cb__realloc(p, total);
}

char *
cb__strndup(const char *s, size_t n)
{
	char *d;
	size_t total;

	if (cb__size_add(&total, n, 1) != 0)
		return NULL;
	if ((d = cb__malloc(total)) == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *
cb__strdup(const char *s)
{
	return cb__strndup(s, strlen(s));
}
