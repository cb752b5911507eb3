/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stmts.h - private to src/store: the cache of prepared statements that
 * each backend keeps per connection.  Its key is the address of a module's
 * SQL text (every statement is a static string), so a look-up hashes a
 * pointer and never compares text.  The value is the backend's handle: a
 * sqlite3_stmt, or the number PostgreSQL prepared the statement under.
 */
#ifndef CB_STORE_STMTS_H
#define CB_STORE_STMTS_H

#include <stddef.h>

struct store_stmt {
	const char *sql;        /* NULL: a free slot */
	void       *handle;     /* sqlite3_stmt * */
	unsigned    id;         /* PostgreSQL: prepared as "cb<id>" */
};

struct store_stmts {
	struct store_stmt *slot;    /* open addressing, a power of two */
	size_t             n, used;
};

/* The cached statement for @sql, or NULL. */
struct store_stmt *store__stmts_find(const struct store_stmts *t, const char *sql);

/*
 * Room for one more statement: grows the table when it is half full, so
 * that store__stmts_keep() cannot fail once the statement is prepared.
 * CB_ETOOBIG past 2048 statements, which only a bug reaches.
 */
int store__stmts_reserve(struct store_stmts *t);

/* After store__stmts_reserve(): @sql's slot, taken; the caller sets its handle or id. */
struct store_stmt *store__stmts_keep(struct store_stmts *t, const char *sql);

/* The caller released every handle first. */
void store__stmts_clear(struct store_stmts *t);

#endif
