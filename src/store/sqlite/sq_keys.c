/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sq_keys.c - API keys on SQLite (table api_keys): the public id, the
 * SHA-256 of the key, never the key (../keys.c makes and checks it).
 */
#include "sq_int.h"

#include <string.h>

#define NOW_SQL "strftime('%Y-%m-%dT%H:%M:%fZ','now')"

enum { K_ADD, K_REVOKE, K_FIND, K_EACH, K_COUNT };

static const char *const sql[K_COUNT] = {
	[K_ADD] = "INSERT INTO api_keys (name, key_id, hash, created_at) VALUES (?1, ?2, ?3, " NOW_SQL ")",
	[K_REVOKE] = "UPDATE api_keys SET revoked_at = " NOW_SQL " WHERE name = ?1 AND revoked_at IS NULL",
	[K_FIND] = "SELECT name, hash FROM api_keys WHERE key_id = ?1 AND revoked_at IS NULL",
	[K_EACH] = "SELECT name, key_id, created_at, revoked_at FROM api_keys ORDER BY created_at, name",
};

struct key {
	const char          *name, *key_id;
	const unsigned char *hash;
	char                *name_out;
	unsigned char       *hash_out;
	cb_store_key_fn      fn;
	void                *arg;
};

static int
add_tx(struct sq_conn *c, void *arg)
{
	struct key *k = arg;
	sqlite3_stmt *s;
	int rc, step;

	if ((rc = sq__stmt(c, sql[K_ADD], &s)) != CB_OK)
		return rc;
	sqlite3_bind_text(s, 1, k->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, k->key_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, k->hash, 32, SQLITE_STATIC);
	if (((step = sqlite3_step(s)) & 0xff) == SQLITE_CONSTRAINT)
		return CB_ECONFLICT;	/* the dispatcher names the key */
	return step == SQLITE_DONE ? CB_OK : sq__fail(c, step, "add key");
}

int
sq__key_add(void *be, const char *name, const char *key_id, const unsigned char hash[32])
{
	struct key k = { .name = name, .key_id = key_id, .hash = hash };

	return sq__write(be, "add key", add_tx, &k);
}

static int
revoke_tx(struct sq_conn *c, void *arg)
{
	struct key *k = arg;
	sqlite3_stmt *s;
	int rc;

	if ((rc = sq__stmt(c, sql[K_REVOKE], &s)) != CB_OK)
		return rc;
	sqlite3_bind_text(s, 1, k->name, -1, SQLITE_STATIC);
	if ((rc = sq__run(c, s, "revoke key")) != CB_OK)
		return rc;
	return sqlite3_changes(c->db) == 0 ? CB_ENOTFOUND : CB_OK;
}

int
sq__key_revoke(void *be, const char *name)
{
	struct key k = { .name = name };

	return sq__write(be, "revoke key", revoke_tx, &k);
}

static int
find_tx(struct sq_conn *c, void *arg)
{
	struct key *k = arg;
	sqlite3_stmt *s;
	const char *n;
	size_t nl;
	int rc, step;

	if ((rc = sq__stmt(c, sql[K_FIND], &s)) != CB_OK)
		return rc;
	sqlite3_bind_text(s, 1, k->key_id, -1, SQLITE_STATIC);
	if ((step = sqlite3_step(s)) != SQLITE_ROW)
		return step == SQLITE_DONE ? CB_ENOTFOUND : sq__fail(c, step, "look up key");
	if (sqlite3_column_bytes(s, 1) != 32)
		return CB_ENOTFOUND;	/* not a hash this build wrote */
	memcpy(k->hash_out, sqlite3_column_blob(s, 1), 32);
	n = (const char *)sqlite3_column_text(s, 0);
	nl = n ? strnlen(n, CB_KEY_NAME_MAX) : 0;
	memcpy(k->name_out, n ? n : "", nl);
	k->name_out[nl] = '\0';
	return CB_OK;
}

int
sq__key_find(void *be, const char *key_id, char name[CB_KEY_NAME_MAX + 1], unsigned char hash[32])
{
	struct key k = { .key_id = key_id, .name_out = name, .hash_out = hash };

	return sq__read(be, "look up key", 0, find_tx, &k);
}

static int
each_tx(struct sq_conn *c, void *arg)
{
	struct key *k = arg;
	cb_store_key row;
	sqlite3_stmt *s;
	int rc, step;

	if ((rc = sq__stmt(c, sql[K_EACH], &s)) != CB_OK)
		return rc;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		row.name = (const char *)sqlite3_column_text(s, 0);
		row.key_id = (const char *)sqlite3_column_text(s, 1);
		row.created_at = (const char *)sqlite3_column_text(s, 2);
		row.revoked_at = (const char *)sqlite3_column_text(s, 3);
		if (k->fn(k->arg, &row) != 0)
			return SQ_ROLLBACK;
	}
	return step == SQLITE_DONE ? CB_OK : sq__fail(c, step, "list keys");
}

int
sq__key_each(void *be, cb_store_key_fn fn, void *arg)
{
	struct key k = { .fn = fn, .arg = arg };

	return sq__read(be, "list keys", 0, each_tx, &k);
}
