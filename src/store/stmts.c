/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stmts.c - the per-connection cache of prepared statements (stmts.h),
 * shared by the SQLite and PostgreSQL backends.
 */
#include "stmts.h"

#include <stdint.h>
#include <stdlib.h>

#include "codebook.h"
#include "err.h"
#include "alloc.h"

#define SLOTS_MIN 64
#define SLOTS_MAX 4096	/* far beyond the statements of every module together */

static struct store_stmt *
probe(struct store_stmt *slot, size_t n, const char *sql)
{
	uint64_t h = (uint64_t)(uintptr_t)sql * UINT64_C(0x9E3779B97F4A7C15);
	size_t i;

	for (i = (size_t)(h >> 40) & (n - 1); slot[i].sql != NULL && slot[i].sql != sql; i = (i + 1) & (n - 1))
		;
	return &slot[i];
}

struct store_stmt *
store__stmts_find(const struct store_stmts *t, const char *sql)
{
	struct store_stmt *s;

	if (t->n == 0)
		return NULL;
	s = probe(t->slot, t->n, sql);
	return s->sql != NULL ? s : NULL;
}

static int
grow(struct store_stmts *t)
{
	size_t n = t->n ? t->n * 2 : SLOTS_MIN, i;
	struct store_stmt *s;

	if (n > SLOTS_MAX)
		return cb__fail(CB_ETOOBIG, "database: more than %d statements on one connection", SLOTS_MAX / 2);
	if ((s = cb__calloc(n, sizeof(*s))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	for (i = 0; i < t->n; i++)
		if (t->slot[i].sql != NULL)
			*probe(s, n, t->slot[i].sql) = t->slot[i];
	free(t->slot);
	t->slot = s;
	t->n = n;
	return CB_OK;
}

int
store__stmts_reserve(struct store_stmts *t)
{
	return 2 * (t->used + 1) > t->n ? grow(t) : CB_OK;
}

struct store_stmt *
store__stmts_keep(struct store_stmts *t, const char *sql)
{
	struct store_stmt *s = probe(t->slot, t->n, sql);

	s->sql = sql;
	t->used++;
	return s;
}

void
store__stmts_clear(struct store_stmts *t)
{
	free(t->slot);
	t->slot = NULL;
	t->n = t->used = 0;
}
