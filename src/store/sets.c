/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sets.c - published versions of code sets.  Each version is kept as the
 * canonical JSON of the set (cb_codeset_to_json), so its strong ETag is a
 * hash of exactly the bytes the service sends; it is computed here, the
 * same for every backend.  Versions are never updated or deleted (the
 * schema refuses it): history survives everything.
 */
#include "store_int.h"

#include <stdio.h>
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
store__setpub_decide(const cb_store_setpub *p, const cb_store_setver *latest, cb_store_setpub_status *status)
{
	int decision;

	if (p->gate != NULL)
		decision = p->gate(p->gate_arg, latest);
	else	/* no rule: anything new is published */
		decision = latest != NULL && latest->body_len == p->len && memcmp(latest->body, p->body, p->len) == 0 ?
		    CB_GATE_UNCHANGED : CB_GATE_PUBLISH;
	if (decision < 0)
		return decision;
	if (decision == CB_GATE_PUBLISH)
		return 1;
	*status = decision == CB_GATE_UNCHANGED ? CB_SETPUB_UNCHANGED : CB_SETPUB_REFUSED;
	return 0;
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

struct at_time {
	int64_t at_us;
	int     version, first;
	char    first_at[32];
};

static int
at_row(void *arg, const cb_store_setver *v)
{
	struct at_time *a = arg;
	const char *why;
	int64_t us;

	if (a->first == 0) {
		a->first = v->version;
		(void)snprintf(a->first_at, sizeof(a->first_at), "%s", v->published_at);
	}
	if (!cb_time_parse(v->published_at, strlen(v->published_at), NULL, &us, &why) || us > a->at_us)
		return 1;	/* oldest first: none after this one was in force then */
	a->version = v->version;
	return 0;
}

int
cb_store_set_in_force(cb_store *st, const char *name, int64_t at_us, int *version)
{
	struct at_time a = { at_us, 0, 0, "" };
	char at[CB_TIME_MAX];
	int rc;

	if ((rc = cb_store_set_versions(st, name, at_row, &a)) != CB_OK)
		return rc;
	if (a.version == 0) {
		(void)cb_time_format(at, at_us, at_us % 1000000 == 0 ? 0 : 6);
		if (a.first == 0)
			return cb__fail(CB_ENOTFOUND, "%s has no stored version", name);
		return cb__fail(CB_ENOTFOUND, "no version of %s was in force at %s: version %d was published at %s",
		    name, at, a.first, a.first_at);
	}
	*version = a.version;
	return CB_OK;
}

int
cb_store_set_pinned(cb_store *st, const char *name, int version, int64_t at_us, cb_store_setver *out)
{
	cb_store_setver latest;
	int rc;

	if (out == NULL)
		return cb__fail(CB_EINVAL, "cb_store_set_pinned: NULL argument");
	memset(out, 0, sizeof(*out));
	if (version == 0 && (rc = cb_store_set_in_force(st, name, at_us, &version)) != CB_OK)
		return rc;
	if ((rc = cb_store_set_get(st, name, version, out)) == CB_ENOTFOUND &&
	    cb_store_set_latest(st, name, &latest) == CB_OK) {
		rc = cb__fail(CB_ENOTFOUND, "version %d of %s was never published (the latest is %d)", version, name,
		    latest.version);
		cb_store_setver_clear(&latest);
	}
	return rc;
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
