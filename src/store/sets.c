/*
 * sets.c - published versions of code sets.  Each version is kept as the
 * canonical JSON of the set (cb_codeset_to_json), so its strong ETag is a
 * hash of exactly the bytes the service sends; it is computed here, the
 * same for every backend.  Versions are never updated or deleted (the
 * schema refuses it): history survives everything.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

void
cb_store_setver_clear(cb_store_setver *v)
{
	if (v == NULL)
		return;
	free(v->name);
	free(v->body);
	memset(v, 0, sizeof(*v));
}

static int
not_found(int rc, const char *name)
{
	return rc == CB_ENOTFOUND ? cb__fail(CB_ENOTFOUND, "no stored version of code set \"%s\"", name) : rc;
}

int
cb_store_set_latest(cb_store *st, const char *name, cb_store_setver *out)
{
	if (st == NULL || name == NULL || out == NULL)
		return cb__fail(CB_EINVAL, "cb_store_set_latest: NULL argument");
	memset(out, 0, sizeof(*out));
	return not_found(st->ops->set_get(st->be, name, 0, 1, out), name);
}

int
cb_store_set_get(cb_store *st, const char *name, int version, cb_store_setver *out)
{
	if (st == NULL || name == NULL || out == NULL)
		return cb__fail(CB_EINVAL, "cb_store_set_get: NULL argument");
	memset(out, 0, sizeof(*out));
	return not_found(st->ops->set_get(st->be, name, version, 0, out), name);
}

int
cb_store_set_put(cb_store *st, const char *name, int version,
    const char *body, size_t len, const char *source, const char *by)
{
	char etag[80];
	int rc;

	if (st == NULL || name == NULL || body == NULL || source == NULL || len > (size_t)INT32_MAX)
		return cb__fail(CB_EINVAL, "cb_store_set_put: bad argument");
	cb_store_etag(etag, body, len);
	rc = st->ops->set_put(st->be, name, version, body, len, etag, source, by ? by : "");
	if (rc == CB_ECONFLICT)
		rc = cb__fail(CB_ECONFLICT, "version %d of code set \"%s\" is already published", version, name);
	return rc;
}

int
cb_store_set_versions(cb_store *st, const char *name, cb_store_setver_fn fn, void *arg)
{
	if (st == NULL || name == NULL || fn == NULL)
		return cb__fail(CB_EINVAL, "cb_store_set_versions: NULL argument");
	return st->ops->set_versions(st->be, name, fn, arg);
}

int
cb_store_set_each_latest(cb_store *st, cb_store_setver_fn fn, void *arg)
{
	if (st == NULL || fn == NULL)
		return cb__fail(CB_EINVAL, "cb_store_set_each_latest: NULL argument");
	return st->ops->set_each_latest(st->be, fn, arg);
}
