/*
 * keys.c - API keys.  A key is "cbk_" + 52 hex digits of randomness; the
 * first 12 digits are its public id (the row is found by it), and only the
 * SHA-256 of the whole key is stored.  The secret is shown once, when the
 * key is created, and wiped from memory here after use.  Hashes are
 * compared with CRYPTO_memcmp so the time taken says nothing about how
 * much of a guess was right.
 */
#include "store_int.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <string.h>
#include <sys/random.h>

#define KEY_PREFIX    "cbk_"
#define KEY_PREFIX_LEN 4
#define KEY_ID_LEN    12
#define KEY_RANDOM    26   /* bytes: 52 hex digits, 208 bits */
_Static_assert(KEY_PREFIX_LEN + 2 * KEY_RANDOM == CB_KEY_SECRET_LEN, "key length");

static int
valid_name(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > CB_KEY_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = name[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '_' || ch == '.' || ch == '-'))
			return 0;
	}
	return 1;
}

static int
fill_random(unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return cb__fail(CB_EIO, "getrandom: %s", strerror(errno));
		}
		p += got;
		n -= (size_t)got;
	}
	return CB_OK;
}

int
cb_store_key_add(cb_store *st, const char *name, char secret[CB_KEY_SECRET_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[KEY_RANDOM], hash[32];
	struct cb_conn *c = NULL;
	sqlite3_stmt *s;
	size_t i;
	int rc, step;

	if (st == NULL || name == NULL || secret == NULL)
		return cb__fail(CB_EINVAL, "cb_store_key_add: NULL argument");
	if (!valid_name(name))
		return cb__fail(CB_EINVAL, "key name \"%.80s\": use 1 to %d of A-Z a-z 0-9 _ . -",
		    name, CB_KEY_NAME_MAX);
	if ((rc = fill_random(raw, sizeof(raw))) != CB_OK)
		return rc;
	memcpy(secret, KEY_PREFIX, KEY_PREFIX_LEN);
	for (i = 0; i < KEY_RANDOM; i++) {
		secret[KEY_PREFIX_LEN + 2 * i] = hex[raw[i] >> 4];
		secret[KEY_PREFIX_LEN + 2 * i + 1] = hex[raw[i] & 15];
	}
	secret[CB_KEY_SECRET_LEN] = '\0';
	OPENSSL_cleanse(raw, sizeof(raw));
	store__sha256(hash, secret, CB_KEY_SECRET_LEN);

	c = store__acquire(st, 1);
	if ((rc = store__begin(st, c)) != CB_OK)
		goto out;
	if ((s = store__stmt(st, c, ST_KEY_ADD)) == NULL) {
		rc = CB_EIO;
		store__rollback(st, c);
		goto out;
	}
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, secret + KEY_PREFIX_LEN, KEY_ID_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, hash, sizeof(hash), SQLITE_STATIC);
	step = sqlite3_step(s);
	sqlite3_reset(s);
	if ((step & 0xff) == SQLITE_CONSTRAINT) {
		rc = cb__fail(CB_EINVAL, "there is already an active key named \"%s\" "
		    "(revoke it first, or choose another name)", name);
		store__rollback(st, c);
		goto out;
	}
	if (step != SQLITE_DONE) {
		rc = store__fail(c->db, "add key");
		store__rollback(st, c);
		goto out;
	}
	rc = store__commit(st, c);
out:
	store__release(c);
	if (rc != CB_OK)
		OPENSSL_cleanse(secret, CB_KEY_SECRET_LEN + 1);
	return rc;
}

int
cb_store_key_revoke(cb_store *st, const char *name)
{
	struct cb_conn *c;
	sqlite3_stmt *s;
	int rc;

	if (st == NULL || name == NULL)
		return cb__fail(CB_EINVAL, "cb_store_key_revoke: NULL argument");
	c = store__acquire(st, 1);
	if ((rc = store__begin(st, c)) != CB_OK)
		goto out;
	if ((s = store__stmt(st, c, ST_KEY_REVOKE)) == NULL) {
		rc = CB_EIO;
		store__rollback(st, c);
		goto out;
	}
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = store__fail(c->db, "revoke key");
		store__rollback(st, c);
		goto out;
	}
	if (sqlite3_changes(c->db) == 0) {
		rc = cb__fail(CB_ENOTFOUND, "no active key named \"%s\"", name);
		store__rollback(st, c);
		goto out;
	}
	rc = store__commit(st, c);
out:
	store__release(c);
	return rc;
}

int
cb_store_key_verify(cb_store *st, const char *secret, size_t len, char name[CB_KEY_NAME_MAX + 1])
{
	unsigned char hash[32];
	struct cb_conn *c;
	sqlite3_stmt *s;
	int rc, step;

	if (st == NULL || secret == NULL || name == NULL)
		return cb__fail(CB_EINVAL, "cb_store_key_verify: NULL argument");
	name[0] = '\0';
	if (len != CB_KEY_SECRET_LEN || memcmp(secret, KEY_PREFIX, KEY_PREFIX_LEN) != 0)
		return cb__fail(CB_ENOTFOUND, "not a codebook API key");
	store__sha256(hash, secret, len);
	c = store__acquire(st, 0);
	if ((s = store__stmt(st, c, ST_KEY_FIND)) == NULL) {
		rc = CB_EIO;
		goto out;
	}
	sqlite3_bind_text(s, 1, secret + KEY_PREFIX_LEN, KEY_ID_LEN, SQLITE_STATIC);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW && sqlite3_column_bytes(s, 1) == (int)sizeof(hash) &&
	    CRYPTO_memcmp(sqlite3_column_blob(s, 1), hash, sizeof(hash)) == 0) {
		const char *n = (const char *)sqlite3_column_text(s, 0);
		size_t nl = n ? strnlen(n, CB_KEY_NAME_MAX) : 0;
		memcpy(name, n ? n : "", nl);
		name[nl] = '\0';
		rc = CB_OK;
	} else if (step == SQLITE_ROW || step == SQLITE_DONE)
		rc = cb__fail(CB_ENOTFOUND, "unknown or revoked API key");
	else
		rc = store__fail(c->db, "look up key");
out:
	store__release(c);
	return rc;
}

int
cb_store_key_each(cb_store *st, cb_store_key_fn fn, void *arg)
{
	struct cb_conn *c;
	sqlite3_stmt *s;
	cb_store_key k;
	int rc = CB_OK, step;

	if (st == NULL || fn == NULL)
		return cb__fail(CB_EINVAL, "cb_store_key_each: NULL argument");
	c = store__acquire(st, 0);
	if ((s = store__stmt(st, c, ST_KEY_EACH)) == NULL) {
		rc = CB_EIO;
		goto out;
	}
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		k.name = (const char *)sqlite3_column_text(s, 0);
		k.key_id = (const char *)sqlite3_column_text(s, 1);
		k.created_at = (const char *)sqlite3_column_text(s, 2);
		k.revoked_at = (const char *)sqlite3_column_text(s, 3);
		if (fn(arg, &k) != 0)
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = store__fail(c->db, "list keys");
out:
	store__release(c);
	return rc;
}
