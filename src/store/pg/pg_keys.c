/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pg_keys.c - API keys on PostgreSQL (table api_keys): the public id, the
 * SHA-256 of the key, never the key (../keys.c makes and checks it).
 */
#include "pg_int.h"

#include <string.h>

#define NOW_SQL "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

enum { K_ADD, K_REVOKE, K_FIND, K_EACH, K_COUNT };

static const char *const sql[K_COUNT] = {
	[K_ADD] = "INSERT INTO api_keys (name, key_id, hash, created_at) VALUES ($1, $2, $3, " NOW_SQL ")",
	[K_REVOKE] = "UPDATE api_keys SET revoked_at = " NOW_SQL " WHERE name = $1 AND revoked_at IS NULL",
	[K_FIND] = "SELECT name, hash FROM api_keys WHERE key_id = $1 AND revoked_at IS NULL",
	[K_EACH] = ("SELECT name, key_id, created_at, revoked_at FROM api_keys"
	    " ORDER BY created_at COLLATE \"C\", name COLLATE \"C\""),
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
add_tx(struct pg_conn *c, void *arg)
{
	struct key *k = arg;
	struct pg_params p = { 0 };

	pg__p_text(&p, k->name);
	pg__p_text(&p, k->key_id);
	pg__p_bytea(&p, k->hash, 32);
	/* CB_ECONFLICT (unique_violation) when an active key has the name */
	return pg__run(c, sql[K_ADD], &p, "add key", NULL);
}

int
pg__key_add(void *be, const char *name, const char *key_id, const unsigned char hash[32])
{
	struct key k = { .name = name, .key_id = key_id, .hash = hash };

	return pg__write(be, "add key", add_tx, &k);
}

static int
revoke_tx(struct pg_conn *c, void *arg)
{
	struct key *k = arg;
	struct pg_params p = { 0 };
	int64_t changed = 0;
	int rc;

	pg__p_text(&p, k->name);
	if ((rc = pg__run(c, sql[K_REVOKE], &p, "revoke key", &changed)) != CB_OK)
		return rc;
	return changed == 0 ? CB_ENOTFOUND : CB_OK;
}

int
pg__key_revoke(void *be, const char *name)
{
	struct key k = { .name = name };

	return pg__write(be, "revoke key", revoke_tx, &k);
}

static int
find_tx(struct pg_conn *c, void *arg)
{
	struct key *k = arg;
	struct pg_params p = { 0 };
	const char *n;
	PGresult *r;
	size_t nl;
	int rc;

	pg__p_text(&p, k->key_id);
	if ((rc = pg__exec(c, sql[K_FIND], &p, "look up key", &r)) != CB_OK)
		return rc;
	rc = CB_ENOTFOUND;
	/* a hash this build did not write is no key */
	if (PQntuples(r) > 0 && pg__bytea(r, 0, 1, k->hash_out, 32)) {
		n = pg__val(r, 0, 0);
		nl = n ? strnlen(n, CB_KEY_NAME_MAX) : 0;
		memcpy(k->name_out, n ? n : "", nl);
		k->name_out[nl] = '\0';
		rc = CB_OK;
	}
	PQclear(r);
	return rc;
}

int
pg__key_find(void *be, const char *key_id, char name[CB_KEY_NAME_MAX + 1], unsigned char hash[32])
{
	struct key k = { .key_id = key_id, .name_out = name, .hash_out = hash };

	return pg__read(be, "look up key", PG_READ_PLAIN, find_tx, &k);
}

static int
each_tx(struct pg_conn *c, void *arg)
{
	struct key *k = arg;
	cb_store_key row;
	PGresult *r;
	int rc, i;

	if ((rc = pg__exec(c, sql[K_EACH], NULL, "list keys", &r)) != CB_OK)
		return rc;
	for (i = 0; i < PQntuples(r); i++) {
		row.name = pg__val(r, i, 0);
		row.key_id = pg__val(r, i, 1);
		row.created_at = pg__val(r, i, 2);
		row.revoked_at = pg__val(r, i, 3);
		if (k->fn(k->arg, &row) != 0)
			break;
	}
	PQclear(r);
	return CB_OK;
}

int
pg__key_each(void *be, cb_store_key_fn fn, void *arg)
{
	struct key k = { .fn = fn, .arg = arg };

	return pg__read(be, "list keys", PG_READ_PLAIN, each_tx, &k);
}
