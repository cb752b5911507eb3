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

#include "rfc3339.h"

void
cb_store_setver_clear(cb_store_setver *v)
{
	if (v == NULL)
		return;
	free(v->name);
	free(v->body);
	free(v->changes);
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
	rc = store__note(st, st->ops->set_put(st->be, name, version, body, len, etag, source, by ? by : ""));
	if (rc == CB_ECONFLICT)
		rc = cb__fail(CB_ECONFLICT, "version %d of code set \"%s\" is already published", version, name);
	return rc;
}

/* How many times a publish that lost a race is tried again: each retry
 * reads the version that won, so a second loss needs a third publisher. */
#define PUBLISH_TRIES 4

int
cb_store_set_publish(cb_store *st, const cb_store_setpub *p, cb_store_setpub_status *status)
{
	char etag[80];
	int rc = CB_ECONFLICT, i;

	if (st == NULL || p == NULL || status == NULL || p->name == NULL || p->body == NULL ||
	    p->source == NULL || p->len > (size_t)INT32_MAX || p->version < 1 ||
	    (p->reserved == NULL && p->nreserved > 0))
		return cb__fail(CB_EINVAL, "cb_store_set_publish: bad argument");
	STORE_NEED_OP(st, set_publish);
	cb_store_etag(etag, p->body, p->len);
	for (i = 0; i < PUBLISH_TRIES && rc == CB_ECONFLICT; i++)
		rc = store__note(st, st->ops->set_publish(st->be, p, etag, status));
	if (rc == CB_ECONFLICT)
		rc = cb__fail(CB_ECONFLICT, "code set \"%s\": other versions were published while this one "
		    "was judged, %d times; try again", p->name, PUBLISH_TRIES);
	return rc;
}

int
store__setpub_full(const cb_store_setpub *p, int64_t nstored,
    int (*is_stored)(void *arg, const char *name), void *arg)
{
	int64_t n = nstored;
	size_t i;
	int rc;

	if (p->max_sets == 0)
		return 0;
	for (i = 0; i < p->nreserved; i++) {
		if (strcmp(p->reserved[i], p->name) == 0)
			return 0;	/* a bundled set always has room */
		if ((rc = is_stored(arg, p->reserved[i])) < 0)
			return rc;
		if (rc == 0)
			n++;	/* its room is kept for it */
	}
	return n >= (int64_t)p->max_sets;
}

int
cb_store_set_watch(cb_store *st, int64_t *serial, unsigned timeout_ms)
{
	if (st == NULL || serial == NULL)
		return cb__fail(CB_EINVAL, "cb_store_set_watch: NULL argument");
	STORE_NEED_OP(st, set_watch);
	return st->ops->set_watch(st->be, serial, timeout_ms);
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

/* ---- drift seen in traffic -------------------------------------------- */

static int
obs_value_ok(const char *v, int may_be_null)
{
	if (v == NULL)
		return may_be_null;
	return v[0] != '\0' && strlen(v) <= CB_STORE_OBS_MAX;
}

int
cb_store_obs_note(cb_store *st, const char *set, const char *code, const char *seen_in,
    const char *request_id)
{
	char now[CB_TIME_MAX];

	if (st == NULL || !obs_value_ok(set, 0) || !obs_value_ok(code, 0) || !obs_value_ok(seen_in, 0) ||
	    (request_id != NULL && strlen(request_id) > CB_STORE_OBS_MAX))
		return cb__fail(CB_EINVAL, "cb_store_obs_note: a value is NULL, empty or longer than %d bytes",
		    CB_STORE_OBS_MAX);
	STORE_NEED_OP(st, obs_note);
	cb_time_now_iso(now);
	return store__note(st, st->ops->obs_note(st->be, set, code, seen_in,
	    request_id != NULL && request_id[0] != '\0' ? request_id : NULL, now));
}

int
cb_store_obs_list(cb_store *st, const char *set, unsigned limit, cb_store_obs_fn fn, void *arg)
{
	if (st == NULL || set == NULL || fn == NULL)
		return cb__fail(CB_EINVAL, "cb_store_obs_list: NULL argument");
	STORE_NEED_OP(st, obs_list);
	return st->ops->obs_list(st->be, set, limit ? limit : 1000, fn, arg);
}
