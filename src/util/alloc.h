/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alloc.h - the one allocator wrapper.  Every allocation in libcodebook
 * goes through it, so tests can make the n-th allocation fail
 * (cb_alloc_fail_after) and check that each error path stays consistent.
 */
#ifndef CB_UTIL_ALLOC_H
#define CB_UTIL_ALLOC_H

#include <stddef.h>

__attribute__((malloc, alloc_size(1))) void *cb__malloc(size_t n);
__attribute__((malloc, alloc_size(1, 2))) void *cb__calloc(size_t n, size_t size);
void *cb__realloc(void *p, size_t n);
/* NULL when nmemb * size overflows */
void *cb__reallocarray(void *p, size_t nmemb, size_t size);
char *cb__strndup(const char *s, size_t n);
char *cb__strdup(const char *s);

/* Fault injection for tests: fail every allocation after @n more succeed;
 * -1 turns it off.  Counting is per process and not thread-safe. */
void cb_alloc_fail_after(long n);

static inline int
cb__size_add(size_t *out, size_t a, size_t b)
{
	return __builtin_add_overflow(a, b, out) ? -1 : 0;
}

static inline int
cb__size_mul(size_t *out, size_t a, size_t b)
{
	return __builtin_mul_overflow(a, b, out) ? -1 : 0;
}

#endif
