/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arena.h - a bump allocator for the strings and arrays of one object
 * (a loaded code set): everything is freed at once.
 */
#ifndef CB_UTIL_ARENA_H
#define CB_UTIL_ARENA_H

#include <stddef.h>

typedef struct cb_arena_block cb_arena_block;

typedef struct cb_arena {
	cb_arena_block *head;
	size_t          used;   /* bytes used in head */
	size_t          size;   /* capacity of head */
} cb_arena;

#define CB_ARENA_INIT { NULL, 0, 0 }

/* Allocate @n bytes aligned for any type; NULL on overflow or no memory. */
void *cb_arena_alloc(cb_arena *a, size_t n);
/* Zeroed array of @nmemb * @size bytes; NULL on overflow or no memory. */
void *cb_arena_calloc(cb_arena *a, size_t nmemb, size_t size);
/* Copy of s[0..n) with a terminating NUL. */
char *cb_arena_strndup(cb_arena *a, const char *s, size_t n);
void  cb_arena_free(cb_arena *a);

#endif
