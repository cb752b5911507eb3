/*
 * sets.c - published versions of code sets.  Each version is kept as the
 * canonical JSON of the set (cb_codeset_to_json), so its strong ETag is a
 * hash of exactly the bytes the service sends.  Rows are never updated or
 * deleted (triggers in the schema refuse it): history survives everything.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"

void
cb_store_setver_clear(cb_store_setver *v)
{
	if (v == NULL)
		return;
	free(v->name);
	free(v->body);
	memset(v, 0, sizeof(*v));
}

static void
copy_text(char *dst, size_t size, sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	dst[0] = '\0';
	if (t != NULL) {
		size_t n = strnlen((const char *)t, size - 1);
		memcpy(dst, t, n);
		dst[n] = '\0';
	}
}

/* Fill @v from the current row (columns as in the ST_SET_* statements). */
static int
read_row(cb_store_setver *v, sqlite3_stmt *s, int with_body)
{
	const char *name = (const char *)sqlite3_column_text(s, 0);

	memset(v, 0, sizeof(*v));
	if ((v->name = cb__strdup(name ? name : "")) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	v->version = sqlite3_column_int(s, 1);
	if (with_body && sqlite3_column_type(s, 2) != SQLITE_NULL) {
		const void *b = sqlite3_column_blob(s, 2);
		size_t n = (size_t)sqlite3_column_bytes(s, 2);
		if ((v->body = cb__malloc(n + 1)) == NULL) {
			cb_store_setver_clear(v);
			return cb__fail(CB_ENOMEM, "out of memory");
		}
		if (n > 0)
			memcpy(v->body, b, n);
		v->body[n] = '\0';
		v->body_len = n;
	}
	copy_text(v->etag, sizeof(v->etag), s, 3);
	copy_text(v->published_at, sizeof(v->published_at), s, 4);
	copy_text(v->source, sizeof(v->source), s, 5);
	copy_text(v->published_by, sizeof(v->published_by), s, 6);
	return CB_OK;
}

static int
get_one(cb_store *st, int id, const char *name, int version, cb_store_setver *out)
{
	struct cb_conn *c = store__acquire(st, 0);
	sqlite3_stmt *s;
	int rc, step;

	memset(out, 0, sizeof(*out));
	if ((s = store__stmt(st, c, id)) == NULL) {
		rc = CB_EIO;
		goto out;
	}
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (id == ST_SET_GET)
		sqlite3_bind_int(s, 2, version);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		rc = read_row(out, s, 1);
	else if (step == SQLITE_DONE)
		rc = cb__fail(CB_ENOTFOUND, "no stored version of code set \"%s\"", name);
	else
		rc = store__fail(c->db, "read code set");
out:
	store__release(c);
	return rc;
}

int
cb_store_set_latest(cb_store *st, const char *name, cb_store_setver *out)
{
	if (st == NULL || name == NULL || out == NULL)
		return cb__fail(CB_EINVAL, "cb_store_set_latest: NULL argument");
	return get_one(st, ST_SET_LATEST, name, 0, out);
}

int
cb_store_set_get(cb_store *st, const char *name, int version, cb_store_setver *out)
{
	if (st == NULL || name == NULL || out == NULL)
		return cb__fail(CB_EINVAL, "cb_store_set_get: NULL argument");
	return get_one(st, ST_SET_GET, name, version, out);
}

int
cb_store_set_put(cb_store *st, const char *name, int version,
    const char *body, size_t len, const char *source, const char *by)
{
	struct cb_conn *c;
	sqlite3_stmt *s;
	char etag[80];
	int rc, step;

	if (st == NULL || name == NULL || body == NULL || source == NULL || len > (size_t)INT32_MAX)
		return cb__fail(CB_EINVAL, "cb_store_set_put: bad argument");
	cb_store_etag(etag, body, len);
	c = store__acquire(st, 1);
	if ((rc = store__begin(st, c)) != CB_OK)
		goto out;
	if ((s = store__stmt(st, c, ST_SET_PUT)) == NULL) {
		rc = CB_EIO;
		store__rollback(st, c);
		goto out;
	}
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, version);
	sqlite3_bind_blob(s, 3, body, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, etag, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, by ? by : "", -1, SQLITE_STATIC);
	step = sqlite3_step(s);
	sqlite3_reset(s);
	if (step == SQLITE_CONSTRAINT_PRIMARYKEY) {
		rc = cb__fail(CB_EINVAL, "version %d of code set \"%s\" is already published", version, name);
		store__rollback(st, c);
		goto out;
	}
	if (step != SQLITE_DONE) {
		rc = store__fail(c->db, "store code set");
		store__rollback(st, c);
		goto out;
	}
	rc = store__commit(st, c);
out:
	store__release(c);
	return rc;
}

static int
each(cb_store *st, int id, const char *name, int with_body, cb_store_setver_fn fn, void *arg)
{
	struct cb_conn *c = store__acquire(st, 0);
	cb_store_setver v;
	sqlite3_stmt *s;
	int rc = CB_OK, step;

	if ((s = store__stmt(st, c, id)) == NULL) {
		rc = CB_EIO;
		goto out;
	}
	if (name != NULL)
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if ((rc = read_row(&v, s, with_body)) != CB_OK)
			goto out;
		step = fn(arg, &v);
		cb_store_setver_clear(&v);
		if (step != 0)
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = store__fail(c->db, "list code sets");
out:
	store__release(c);
	return rc;
}

int
cb_store_set_versions(cb_store *st, const char *name, cb_store_setver_fn fn, void *arg)
{
	if (st == NULL || name == NULL || fn == NULL)
		return cb__fail(CB_EINVAL, "cb_store_set_versions: NULL argument");
	return each(st, ST_SET_VERSIONS, name, 0, fn, arg);
}

int
cb_store_set_each_latest(cb_store *st, cb_store_setver_fn fn, void *arg)
{
	if (st == NULL || fn == NULL)
		return cb__fail(CB_EINVAL, "cb_store_set_each_latest: NULL argument");
	return each(st, ST_SET_EACH_LATEST, NULL, 1, fn, arg);
}
