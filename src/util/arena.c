/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arena.c - bump allocator (see arena.h).
 */
#include "arena.h"
#include "alloc.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

struct cb_arena_block {
	cb_arena_block *next;
	alignas(max_align_t) unsigned char data[];
};

#define BLOCK_SIZE (32u << 10)

void *
cb_arena_alloc(cb_arena *a, size_t n)
{
	const size_t align = alignof(max_align_t);
	size_t rounded, bsize, total;
	cb_arena_block *b;
	void *p;

	if (cb__size_add(&rounded, n, align - 1) != 0)
		return NULL;
	rounded &= ~(align - 1);
	if (a->head == NULL || a->size - a->used < rounded) {
		bsize = rounded > BLOCK_SIZE ? rounded : BLOCK_SIZE;
		if (cb__size_add(&total, sizeof(*b), bsize) != 0 ||
		    (b = cb__malloc(total)) == NULL)
			return NULL;
		b->next = a->head;
		a->head = b;
		a->used = 0;
		a->size = bsize;
	}
	p = a->head->data + a->used;
	a->used += rounded;
	return p;
}

void *
cb_arena_calloc(cb_arena *a, size_t nmemb, size_t size)
{
	size_t total;
	void *p;

	if (cb__size_mul(&total, nmemb, size) != 0)
		return NULL;
	if ((p = cb_arena_alloc(a, total)) != NULL)
		memset(p, 0, total);
	return p;
}

char *
cb_arena_strndup(cb_arena *a, const char *s, size_t n)
{
	size_t total;
	char *d;

	if (cb__size_add(&total, n, 1) != 0 || (d = cb_arena_alloc(a, total)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void
cb_arena_free(cb_arena *a)
{
	cb_arena_block *b, *next;

	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
	a->used = a->size = 0;
}
