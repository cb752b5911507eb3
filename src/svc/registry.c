/*
 * registry.c - the code sets the service serves, and the governance gate
 * every new version passes: PUT /v1/code-sets/{set}, the catalogs
 * directory at start, and again on SIGHUP.
 *
 * Readers never see a half-loaded set: a set is loaded, serialised and
 * hashed completely before it is put in a new snapshot, and the snapshot
 * pointer is swapped under a mutex held for a few instructions.  Requests
 * take a reference to the snapshot they started with, so an old set is
 * freed only when its last request is done.  Publishes are serialised
 * (publish_mu) so that each one is compared with the version it replaces.
 * A version is stored (committed) before it is served: what clients see
 * is always in the database.
 */
#include "svc_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "view.h"

void
svc_set_put(struct svc_set *set)
{
	if (set == NULL || atomic_fetch_sub(&set->refs, 1) != 1)
		return;
	cb_codeset_free(set->cs);
	cb_free(set->json);
	cb_free(set->schema);
	free(set);
}

/* A served set for @cs (takes over the caller's reference to @cs). */
static int
set_new(struct svc *s, cb_codeset *cs, struct svc_set **out)
{
	struct svc_set *set;
	int rc;

	*out = NULL;
	if ((set = cb__calloc(1, sizeof(*set))) == NULL) {
		cb_codeset_free(cs);
		return CB_ENOMEM;
	}
	atomic_init(&set->refs, 1);
	set->cs = cs;
	if ((rc = cb_codeset_to_json(&set->json, &set->json_len, cs)) != CB_OK ||
	    (rc = cb_export(&set->schema, &set->schema_len, cs, CB_EXPORT_JSONSCHEMA)) != CB_OK) {
		svc_set_put(set);
		return rc;
	}
	cb_store_etag(set->etag, set->json, set->json_len);
	cb_store_etag(set->schema_etag, set->schema, set->schema_len);
	set->mslot = svc_metrics_slot(s->metrics, cb_codeset_name(cs));
	*out = set;
	return CB_OK;
}

struct svc_snap *
svc_snap_get(struct svc *s)
{
	struct svc_snap *snap;

	pthread_mutex_lock(&s->snap_mu);
	snap = s->snap;
	atomic_fetch_add(&snap->refs, 1);
	pthread_mutex_unlock(&s->snap_mu);
	return snap;
}

void
svc_snap_put(struct svc_snap *snap)
{
	size_t i;

	if (snap == NULL || atomic_fetch_sub(&snap->refs, 1) != 1)
		return;
	for (i = 0; i < snap->n; i++)
		svc_set_put(snap->sets[i]);
	free(snap);
}

struct svc_set *
svc_snap_find(const struct svc_snap *snap, const char *name, size_t len)
{
	size_t lo = 0, hi = snap->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *n = cb_codeset_name(snap->sets[mid]->cs);
		size_t nl = strlen(n);
		int c = memcmp(n, name, nl < len ? nl : len);
		if (c == 0)
			c = nl < len ? -1 : nl > len;
		if (c == 0)
			return snap->sets[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Serve @set (the new snapshot takes the caller's reference) in place of
 * the set of the same name.  Caller holds publish_mu (or is alone). */
static int
snap_replace(struct svc *s, struct svc_set *set)
{
	struct svc_snap *old = s->snap, *snap;
	const char *name = cb_codeset_name(set->cs);
	size_t i, j = 0;
	int placed = 0;

	if (old != NULL && old->n == CB_SVC_MAX_SETS && svc_snap_find(old, name, strlen(name)) == NULL) {
		svc_set_put(set);
		return cb__fail(CB_ETOOBIG, "more than %d code sets", CB_SVC_MAX_SETS);
	}
	if ((snap = cb__calloc(1, sizeof(*snap))) == NULL) {
		svc_set_put(set);
		return CB_ENOMEM;
	}
	atomic_init(&snap->refs, 1);
	for (i = 0; old != NULL && i < old->n; i++) {
		int c = strcmp(cb_codeset_name(old->sets[i]->cs), name);
		if (c == 0)
			continue;
		if (c > 0 && !placed) {
			snap->sets[j++] = set;
			placed = 1;
		}
		atomic_fetch_add(&old->sets[i]->refs, 1);
		snap->sets[j++] = old->sets[i];
	}
	if (!placed)
		snap->sets[j++] = set;
	snap->n = j;
	pthread_mutex_lock(&s->snap_mu);
	s->snap = snap;
	pthread_mutex_unlock(&s->snap_mu);
	svc_snap_put(old);
	return CB_OK;
}

int
svc_publish(struct svc *s, cb_codeset *cs, const char *source, const char *by,
    enum svc_publish_outcome *outcome, cb_report **report, int *old_version)
{
	const char *name = cb_codeset_name(cs);
	struct svc_set *cur, *set = NULL;
	char *json = NULL;
	size_t json_len = 0;
	int rc;

	*report = NULL;
	*old_version = 0;
	pthread_mutex_lock(&s->publish_mu);
	cur = s->snap ? svc_snap_find(s->snap, name, strlen(name)) : NULL;
	if (cur != NULL)
		*old_version = cb_codeset_version(cur->cs);
	if ((rc = cb_codeset_to_json(&json, &json_len, cs)) != CB_OK)
		goto out;
	if (cur != NULL && json_len == cur->json_len && memcmp(json, cur->json, json_len) == 0) {
		*outcome = PUB_UNCHANGED;
		goto out;
	}
	if (cur != NULL) {
		if ((rc = cb_diff(report, cur->cs, cs)) != CB_OK)
			goto out;
		if (cb_report_is_breaking(*report)) {
			*outcome = PUB_REFUSED;
			goto out;
		}
	}
	rc = cb_store_set_put(s->store, name, cb_codeset_version(cs), json, json_len, source, by);
	if (rc == CB_ECONFLICT) {
		*outcome = PUB_STALE;
		rc = CB_OK;
		goto out;
	}
	if (rc != CB_OK)
		goto out;
	if ((rc = set_new(s, cb_codeset_ref(cs), &set)) != CB_OK || (rc = snap_replace(s, set)) != CB_OK)
		goto out;	/* stored but not swapped in: served after a restart */
	*outcome = PUB_CREATED;
out:
	pthread_mutex_unlock(&s->publish_mu);
	cb_free(json);
	return rc;
}

static int
load_stored(void *arg, const cb_store_setver *v)
{
	struct svc *s = arg;
	cb_codeset *cs = NULL;
	struct svc_set *set;
	char origin[128];
	cb_log_line l;

	(void)snprintf(origin, sizeof(origin), "stored %s version %d", v->name, v->version);
	if (cb_codeset_load_buffer(&cs, v->body, v->body_len, origin) != CB_OK ||
	    set_new(s, cs, &set) != CB_OK || snap_replace(s, set) != CB_OK) {
		cb_log_begin(&l, CB_LOG_ERROR, "stored code set cannot be loaded; not served");
		cb_jw_kstr(&l.w, "set", v->name);
		cb_jw_kint(&l.w, "version", v->version);
		cb_jw_kstr(&l.w, "error", cb_errmsg());
		cb_log_end(&l);
	}
	return 0;
}

int
svc_registry_load(struct svc *s)
{
	struct svc_snap *empty;

	if ((empty = cb__calloc(1, sizeof(*empty))) == NULL)
		return CB_ENOMEM;
	atomic_init(&empty->refs, 1);
	s->snap = empty;
	return cb_store_set_each_latest(s->store, load_stored, s);
}

static void
log_violations(cb_jw *w, const cb_report *r)
{
	size_t i;

	cb_jw_key(w, "violations");
	cb_jw_arr_begin(w);
	for (i = 0; r != NULL && i < cb_report_count(r); i++) {
		const cb_finding *f = cb_report_get(r, i);
		if (f->severity != CB_SEV_BREAKING)
			continue;
		cb_jw_obj_begin(w);
		cb_jw_kstr(w, "rule", f->rule);
		cb_jw_kstr(w, "subject", f->subject);
		cb_jw_kstr(w, "message", f->message);
		cb_jw_obj_end(w);
	}
	cb_jw_arr_end(w);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Pass one catalog file through the gate and log the outcome. */
static void
sync_file(struct svc *s, const char *dir, const char *file)
{
	char path[4096], stem[256];
	cb_codeset *cs = NULL;
	cb_report *rep = NULL;
	enum svc_publish_outcome outcome;
	cb_store_setver older;
	struct svc_set *cur;
	int old_version = 0, rc;
	size_t flen = strlen(file);
	cb_log_line l;

	memset(&older, 0, sizeof(older));
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path) || flen - 5 >= sizeof(stem))
		return;
	memcpy(stem, file, flen - 5);
	stem[flen - 5] = '\0';
	if (cb_codeset_load_file(&cs, path) != CB_OK) {
		cb_log_begin(&l, CB_LOG_WARN, "catalog file refused: not a valid code set; the stored version "
		    "(if any) is still served");
		cb_jw_kstr(&l.w, "file", path);
		cb_jw_kstr(&l.w, "error", cb_errmsg());
		goto out;
	}
	if (strcmp(cb_codeset_name(cs), stem) != 0) {
		cb_log_begin(&l, CB_LOG_WARN, "catalog file refused: its name differs from the set it holds");
		cb_jw_kstr(&l.w, "file", path);
		cb_jw_kstr(&l.w, "set", cb_codeset_name(cs));
		goto out;
	}
	pthread_mutex_lock(&s->publish_mu);
	cur = svc_snap_find(s->snap, stem, strlen(stem));
	old_version = cur ? cb_codeset_version(cur->cs) : 0;
	pthread_mutex_unlock(&s->publish_mu);
	if (cur != NULL && cb_codeset_version(cs) < old_version) {
		/* an older file is expected after publishing through the API; it is
		 * only worth a warning when it is not one of the stored versions */
		char *json = NULL;
		size_t len = 0;
		int same = cb_store_set_get(s->store, stem, cb_codeset_version(cs), &older) == CB_OK &&
		    cb_codeset_to_json(&json, &len, cs) == CB_OK && len == older.body_len &&
		    memcmp(json, older.body, len) == 0;
		cb_free(json);
		cb_log_begin(&l, same ? CB_LOG_INFO : CB_LOG_WARN, same ?
		    "catalog file is an older published version; serving the latest" :
		    "catalog file refused: its version is older than the published one and differs "
		    "from what was published under it");
		cb_jw_kstr(&l.w, "file", path);
		cb_jw_kstr(&l.w, "set", stem);
		cb_jw_kint(&l.w, "file_version", cb_codeset_version(cs));
		cb_jw_kint(&l.w, "serving_version", old_version);
		goto out;
	}
	rc = svc_publish(s, cs, "catalog", file, &outcome, &rep, &old_version);
	if (rc != CB_OK) {
		cb_log_begin(&l, CB_LOG_ERROR, "catalog file not published: storage failed");
		cb_jw_kstr(&l.w, "file", path);
		cb_jw_kstr(&l.w, "error", cb_errmsg());
		goto out;
	}
	switch (outcome) {
	case PUB_CREATED:
		cb_log_begin(&l, CB_LOG_INFO, old_version ? "catalog file published as a new version" :
		    "catalog file published");
		cb_jw_kstr(&l.w, "file", path);
		cb_jw_kstr(&l.w, "set", stem);
		cb_jw_kint(&l.w, "version", cb_codeset_version(cs));
		if (old_version)
			cb_jw_kint(&l.w, "previous_version", old_version);
		break;
	case PUB_UNCHANGED:
		goto out_quiet;
	case PUB_REFUSED:
		cb_log_begin(&l, CB_LOG_WARN, "catalog file refused by the governance gate: breaking "
		    "changes; the stored version is still served");
		cb_jw_kstr(&l.w, "file", path);
		cb_jw_kstr(&l.w, "set", stem);
		cb_jw_kint(&l.w, "file_version", cb_codeset_version(cs));
		cb_jw_kint(&l.w, "serving_version", old_version);
		log_violations(&l.w, rep);
		break;
	case PUB_STALE:
		cb_log_begin(&l, CB_LOG_WARN, "catalog file refused: that version is already published "
		    "with other content");
		cb_jw_kstr(&l.w, "file", path);
		cb_jw_kint(&l.w, "file_version", cb_codeset_version(cs));
		break;
	}
out:
	cb_log_end(&l);
out_quiet:
	cb_store_setver_clear(&older);
	cb_report_free(rep);
	cb_codeset_free(cs);
}

void
svc_registry_sync_catalogs(struct svc *s)
{
	const char *dir = s->opts.catalogs;
	char *names[CB_SVC_MAX_SETS];
	size_t n = 0, i;
	struct dirent *de;
	DIR *dp;

	if (dir == NULL)
		return;
	if ((dp = opendir(dir)) == NULL) {
		char why[256];
		(void)snprintf(why, sizeof(why), "%s: %s", dir, strerror(errno));
		cb_log(CB_LOG_WARN, "catalogs directory cannot be read; serving the stored sets", why);
		return;
	}
	while ((de = readdir(dp)) != NULL && n < CB_SVC_MAX_SETS) {
		size_t len = strlen(de->d_name);
		if (len <= 5 || de->d_name[0] == '.' || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		if ((names[n] = cb__strdup(de->d_name)) != NULL)
			n++;
	}
	closedir(dp);
	qsort(names, n, sizeof(names[0]), by_name);
	for (i = 0; i < n; i++) {
		sync_file(s, dir, names[i]);
		free(names[i]);
	}
}

void
svc_registry_free(struct svc *s)
{
	svc_snap_put(s->snap);
	s->snap = NULL;
}
