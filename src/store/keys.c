/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keys.c - API keys.  A key is "cbk_" + 52 hex digits of randomness; the
 * first 12 digits are its public id (the row is found by it), and only the
 * SHA-256 of the whole key is stored.  The secret is made, hashed and
 * compared here, the same for every backend: it never reaches one.  It is
 * shown once, when the key is created, and wiped from memory after use.
 * Hashes are compared with CRYPTO_memcmp so the time taken says nothing
 * about how much of a guess was right.
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
	char key_id[KEY_ID_LEN + 1];
	size_t i;
	int rc;

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
	memcpy(key_id, secret + KEY_PREFIX_LEN, KEY_ID_LEN);
	key_id[KEY_ID_LEN] = '\0';
	rc = store__note(st, st->ops->key_add(st->be, name, key_id, hash));
	if (rc == CB_ECONFLICT)
		rc = cb__fail(CB_ECONFLICT, "there is already an active key named \"%s\" "
		    "(revoke it first, or choose another name)", name);
	if (rc != CB_OK)
		OPENSSL_cleanse(secret, CB_KEY_SECRET_LEN + 1);
	return rc;
}

int
cb_store_key_revoke(cb_store *st, const char *name)
{
	int rc;

	if (st == NULL || name == NULL)
		return cb__fail(CB_EINVAL, "cb_store_key_revoke: NULL argument");
	if ((rc = store__note(st, st->ops->key_revoke(st->be, name))) == CB_ENOTFOUND)
		rc = cb__fail(CB_ENOTFOUND, "no active key named \"%s\"", name);
	return rc;
}

int
cb_store_key_verify(cb_store *st, const char *secret, size_t len, char name[CB_KEY_NAME_MAX + 1])
{
	unsigned char hash[32], stored[32];
	char key_id[KEY_ID_LEN + 1];
	int rc;

	if (st == NULL || secret == NULL || name == NULL)
		return cb__fail(CB_EINVAL, "cb_store_key_verify: NULL argument");
	name[0] = '\0';
	if (len != CB_KEY_SECRET_LEN || memcmp(secret, KEY_PREFIX, KEY_PREFIX_LEN) != 0)
		return cb__fail(CB_ENOTFOUND, "not a codebook API key");
	store__sha256(hash, secret, len);
	memcpy(key_id, secret + KEY_PREFIX_LEN, KEY_ID_LEN);
	key_id[KEY_ID_LEN] = '\0';
	rc = st->ops->key_find(st->be, key_id, name, stored);
	if (rc == CB_OK && CRYPTO_memcmp(stored, hash, sizeof(hash)) != 0)
		rc = CB_ENOTFOUND;
	if (rc == CB_ENOTFOUND) {
		name[0] = '\0';
		rc = cb__fail(CB_ENOTFOUND, "unknown or revoked API key");
	}
	return rc;
}

int
cb_store_key_each(cb_store *st, cb_store_key_fn fn, void *arg)
{
	if (st == NULL || fn == NULL)
		return cb__fail(CB_EINVAL, "cb_store_key_each: NULL argument");
	return st->ops->key_each(st->be, fn, arg);
}
