/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registry.c - the code sets the service serves, and the governance gate
 * every new version passes: PUT /v1/code-sets/{set}, the catalogs
 * directory at start and on SIGHUP, the marketplace sync.
 *
 * The database is the one truth; every instance on it serves the same
 * versions (docs/internals/svc.md, "Several instances on one database"):
 * - A publish is a compare-and-swap in one write transaction
 *   (cb_store_set_publish): the gate below judges the proposed version
 *   against the latest version stored, read in the same transaction, and
 *   a version is exactly the previous plus one.  Two instances publishing
 *   at once cannot both pass against the same predecessor.
 * - A follower thread watches the serial of published versions
 *   (cb_store_set_watch) and loads whatever another instance published.
 *   Sets loaded from the database are served with their stored bytes, so
 *   their ETags are the same on every instance.
 * - The bundled sets (the catalog files found at start) have room kept
 *   for them under the set-count limit and are loaded first.
 *
 * Readers never see a half-loaded set: a set is loaded, serialised and
 * hashed completely before it is put in a new snapshot, and the snapshot
 * pointer is swapped under a mutex.  Requests take a reference to the
 * snapshot they started with, so an old set is freed only when its last
 * request is done.  A served set is only ever replaced by a higher
 * version, whichever of the publisher and the follower gets there first.
 */
#include "svc_int.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "ident.h"
#include "view.h"

/* How long the follower waits for a change before it looks again: it
 * bounds how late a stop or a kick is noticed, not how late a publish is
 * seen (the store's watch returns as soon as the serial moves). */
#define FOLLOW_WAIT_MS 250
/* After this long with the served sets behind the database's, or
 * without a good read of the serial, the instance is not ready. */
#define BEHIND_GRACE_MS 2000
#define WATCH_STALE_MS  5000
/* A write the database failed keeps the instance not ready this long,
 * unless a write succeeds meanwhile. */
#define WRITE_FAIL_MS   30000

void
svc_set_put(struct svc_set *set)
{
	if (set == NULL || atomic_fetch_sub(&set->refs, 1) != 1)
		return;
	svc_usage_retire(set->usage);	/* its counts wait for the next flush */
	cb_codeset_free(set->cs);
	cb_free(set->json);
	cb_free(set->schema);
	free(set);
}

/*
 * A served set for @cs (takes over the caller's reference to @cs).  @json
 * (length @len), when not NULL, is the set's stored canonical JSON, served
 * as is; else it is serialised here.
 */
static int
set_new(struct svc *s, cb_codeset *cs, const char *json, size_t len, struct svc_set **out)
{
	struct svc_set *set;
	int rc = CB_OK;

	*out = NULL;
	if ((set = cb__calloc(1, sizeof(*set))) == NULL) {
		cb_codeset_free(cs);
		return cb__fail(CB_ENOMEM, "out of memory");
	}
	atomic_init(&set->refs, 1);
	set->cs = cs;
	if (json != NULL) {
		if ((set->json = cb__malloc(len + 1)) == NULL)
			rc = cb__fail(CB_ENOMEM, "out of memory");
		else {
			memcpy(set->json, json, len);
			set->json[len] = '\0';
			set->json_len = len;
		}
	} else
		rc = cb_codeset_to_json(&set->json, &set->json_len, cs);
	if (rc != CB_OK || (rc = cb_export(&set->schema, &set->schema_len, cs, CB_EXPORT_JSONSCHEMA)) != CB_OK) {
		svc_set_put(set);
		return rc;
	}
	cb_store_etag(set->etag, set->json, set->json_len);
	cb_store_etag(set->schema_etag, set->schema, set->schema_len);
	set->mslot = svc_metrics_slot(s->metrics, cb_codeset_name(cs));
	set->usage = svc_usage_new(&s->usage, cs);
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

/*
 * Serve @set (the new snapshot takes the caller's reference) in place of
 * the set of the same name, unless that one is already as recent: the
 * publisher and the follower may both bring the same version, in either
 * order.  CB_ETOOBIG when CB_SVC_MAX_SETS are served and @set is new.
 */
static int
snap_replace(struct svc *s, struct svc_set *set)
{
	struct svc_snap *old, *snap;
	struct svc_set *cur;
	const char *name = cb_codeset_name(set->cs);
	size_t i, j = 0;
	int placed = 0;

	pthread_mutex_lock(&s->snap_mu);
	old = s->snap;
	cur = old != NULL ? svc_snap_find(old, name, strlen(name)) : NULL;
	if (cur != NULL && cb_codeset_version(cur->cs) >= cb_codeset_version(set->cs)) {
		pthread_mutex_unlock(&s->snap_mu);
		svc_set_put(set);
		return CB_OK;
	}
	if (old != NULL && old->n == CB_SVC_MAX_SETS && cur == NULL) {
		pthread_mutex_unlock(&s->snap_mu);
		svc_set_put(set);
		return cb__fail(CB_ETOOBIG, "more than %d code sets", CB_SVC_MAX_SETS);
	}
	if ((snap = cb__calloc(1, sizeof(*snap))) == NULL) {
		pthread_mutex_unlock(&s->snap_mu);
		svc_set_put(set);
		return cb__fail(CB_ENOMEM, "out of memory");
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
	s->snap = snap;
	pthread_mutex_unlock(&s->snap_mu);
	svc_snap_put(old);
	return CB_OK;
}

/* ---- the gate ----------------------------------------------------------- */

void
svc_pub_clear(struct svc_pub *p)
{
	cb_report_free(p->report);
	memset(p, 0, sizeof(*p));
}

/* When each version of a set was published, for the deprecation window
 * of a code whose entry gives no deprecated_at (read before the publish's
 * transaction: a published version's time never changes). */
#define SVC_HIST_MAX 4096
struct svc_hist {
	int     *versions;
	int64_t *at;
	size_t   n;
};

struct gate {
	const cb_codeset      *cs;      /* proposed */
	const struct svc_set  *set;     /* proposed, serialised */
	const struct svc_snap *snap;    /* served when the publish began: parsed sets to reuse */
	const cb_mappings     *maps;    /* the mappings the gate keeps complete */
	enum svc_pub_mode      mode;
	struct svc_pub        *out;
	char                  *changes; /* the report as kept with the version (JSON), or NULL */
	struct svc_hist        hist;
};

static int
hist_row(void *arg, const cb_store_setver *v)
{
	struct svc_hist *h = arg;
	const char *why;
	int64_t us;

	if (h->n < SVC_HIST_MAX && cb_time_parse(v->published_at, strlen(v->published_at), NULL, &us, &why)) {
		h->versions[h->n] = v->version;
		h->at[h->n++] = us;
	}
	return 0;
}

/* The history of set @name, when the proposed version has a deprecation
 * window to enforce.  CB_OK (an empty history when none is needed). */
static int
hist_load(struct svc *s, const cb_codeset *cs, struct svc_hist *h)
{
	memset(h, 0, sizeof(*h));
	if (cb_codeset_deprecation_window_days(cs) == 0)
		return CB_OK;
	h->versions = cb__calloc(SVC_HIST_MAX, sizeof(*h->versions));
	h->at = cb__calloc(SVC_HIST_MAX, sizeof(*h->at));
	if (h->versions == NULL || h->at == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	return cb_store_set_versions(s->store, cb_codeset_name(cs), hist_row, h);
}

static void
hist_free(struct svc_hist *h)
{
	free(h->versions);
	free(h->at);
	memset(h, 0, sizeof(*h));
}

static int
hist_published_at(void *arg, int v, int64_t *us)
{
	const struct svc_hist *h = arg;
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->versions[i] == v) {
			*us = h->at[i];
			return 0;
		}
	return -1;
}

/* The changes of @r as the version keeps them: [{rule, severity, subject}]. */
static char *
changes_json(const cb_report *r)
{
	cb_buf b = CB_BUF_INIT(1u << 20);
	size_t i;
	cb_jw w;

	if (r == NULL || cb_report_count(r) == 0)
		return NULL;
	cb_jw_init(&w, &b, 0);
	cb_jw_arr_begin(&w);
	for (i = 0; i < cb_report_count(r); i++) {
		const cb_finding *f = cb_report_get(r, i);
		cb_jw_obj_begin(&w);
		cb_jw_kstr(&w, "rule", f->rule);
		cb_jw_kstr(&w, "severity", cb_severity_name(f->severity));
		cb_jw_kstr(&w, "subject", f->subject);
		cb_jw_obj_end(&w);
	}
	cb_jw_arr_end(&w);
	if (b.failed || cb_buf_addc(&b, '\0') != 0) {
		cb_buf_reset(&b);
		return NULL;	/* too many to keep: the version is stored without its list */
	}
	return b.p;
}

/*
 * Judge the proposed version against @latest (NULL: none stored), as the
 * gate does in the publish's transaction and the dry run does outside
 * one: fills g->out (outcome, report, versions) and g->changes.  Returns
 * CB_GATE_*, or a negative cb_err.  A mirror's sync (SVC_PUB_FOLLOW) is
 * judged but never refused for breaking changes: the mirror follows its
 * upstream, and the findings are what it records.
 */
/* A served set by name, for the mapping gate: the other set of a mapping. */
static const cb_codeset *
snap_lookup(void *arg, const char *name)
{
	const struct svc_set *set = svc_snap_find(arg, name, strlen(name));

	return set ? set->cs : NULL;
}

static int
judge(struct gate *g, const cb_store_setver *latest)
{
	struct svc_pub *o = g->out;
	const char *name = cb_codeset_name(g->cs);
	const struct svc_set *served;
	cb_codeset *old = NULL;
	int v = cb_codeset_version(g->cs), rc;

	cb_report_free(o->report);
	o->report = NULL;
	cb_free(g->changes);
	g->changes = NULL;
	o->current_version = latest ? latest->version : 0;
	/* a set stored at INT_MAX (before versions were checked) has no next */
	o->expected_version = latest ? latest->version + (latest->version < INT_MAX) : 0;
	if (latest == NULL) {
		/* a new set may start anywhere below the ceiling, so that it always
		 * has room for successors (each exactly the previous plus one) */
		o->outcome = v > CB_SVC_MAX_SET_VERSION ? PUB_TOO_HIGH : PUB_CREATED;
		return o->outcome == PUB_CREATED ? CB_GATE_PUBLISH : CB_GATE_REFUSE;
	}
	if (latest->body_len == g->set->json_len && memcmp(latest->body, g->set->json, latest->body_len) == 0) {
		o->outcome = PUB_UNCHANGED;
		return CB_GATE_UNCHANGED;
	}
	if (v <= latest->version) {
		o->outcome = PUB_STALE;
		return CB_GATE_REFUSE;
	}
	if (v != latest->version + 1) {
		o->outcome = PUB_SKIPS;
		return CB_GATE_REFUSE;
	}
	/* the latest is most often the set served: parsed already */
	served = svc_snap_find(g->snap, name, strlen(name));
	if (served != NULL && strcmp(served->etag, latest->etag) == 0)
		old = cb_codeset_ref(served->cs);
	else {
		char origin[128];
		(void)snprintf(origin, sizeof(origin), "stored %s version %d", name, latest->version);
		if ((rc = cb_codeset_load_buffer(&old, latest->body, latest->body_len, origin)) != CB_OK)
			return rc;
	}
	{
		cb_diff_opts opts = CB_DIFF_OPTS_INIT;
		opts.published_at = hist_published_at;
		opts.arg = &g->hist;
		rc = cb_diff_ex(&o->report, old, g->cs, &opts);
	}
	cb_codeset_free(old);
	/* MAPPING_KEEPS_COMPLETE: the complete mappings of this set, against it.
	 * Not for a mirror's sync: it follows its upstream, and a new upstream
	 * key is for the mapping to catch up with, not a change to refuse */
	if (rc == CB_OK && g->mode != SVC_PUB_FOLLOW)
		rc = cb_mappings_gate(&o->report, g->maps, g->cs, snap_lookup, (void *)(uintptr_t)g->snap);
	if (rc != CB_OK)
		return rc;
	if (cb_report_is_breaking(o->report) && g->mode != SVC_PUB_FOLLOW) {
		o->outcome = PUB_REFUSED;
		return CB_GATE_REFUSE;
	}
	g->changes = changes_json(o->report);
	o->outcome = PUB_CREATED;
	return CB_GATE_PUBLISH;
}

static int snap_full_for(struct svc *s, const char *name);

/*
 * A dry run: what the publish would do, judged against the latest stored
 * version as the gate judges it, and the set-count limit for a new set,
 * without writing anything.  Another publish may come first: the answer
 * is true of the moment it was made.
 */
static int
dry_run(struct svc *s, struct gate *g, const cb_store_setpub *p)
{
	cb_store_setver latest;
	int rc, decision;

	if ((rc = cb_store_set_latest(s->store, p->name, &latest)) != CB_OK && rc != CB_ENOTFOUND)
		return rc;
	decision = judge(g, rc == CB_OK ? &latest : NULL);
	if (decision >= 0 && rc == CB_ENOTFOUND && g->out->outcome == PUB_CREATED &&
	    snap_full_for(s, p->name))
		g->out->outcome = PUB_FULL;
	cb_store_setver_clear(&latest);
	return decision < 0 ? decision : CB_OK;
}

/*
 * The governance gate, run by the store inside the publish's write
 * transaction with the latest stored version (cb_store_set_gate).  It may
 * run again when a publish elsewhere won a race, so it starts afresh.
 */
static int
gate(void *arg, const cb_store_setver *latest)
{
	return judge(arg, latest);
}

int
svc_publish_set(struct svc *s, cb_codeset *cs, const char *source, const char *by, enum svc_pub_mode mode,
    struct svc_pub *out)
{
	struct svc_set *set = NULL;
	struct svc_snap *snap = NULL;
	struct gate g;
	cb_store_setpub p;
	cb_store_setpub_status st;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&g, 0, sizeof(g));
	pthread_mutex_lock(&s->publish_mu);
	/* everything that can fail is done before the write: a version that is
	 * stored can always be served */
	if ((rc = set_new(s, cb_codeset_ref(cs), NULL, 0, &set)) != CB_OK)
		goto out;
	memcpy(out->etag, set->etag, sizeof(out->etag));
	snap = svc_snap_get(s);
	g = (struct gate){ cs, set, snap, s->mappings, mode, out, NULL, { NULL, NULL, 0 } };
	if ((rc = hist_load(s, cs, &g.hist)) != CB_OK)
		goto out;
	memset(&p, 0, sizeof(p));
	p.name = cb_codeset_name(cs);
	p.version = cb_codeset_version(cs);
	p.body = set->json;
	p.len = set->json_len;
	p.source = source;
	p.by = by;
	p.max_sets = CB_SVC_MAX_SETS;
	p.reserved = (const char *const *)s->reserved;
	p.nreserved = s->nreserved;
	p.gate = gate;
	p.gate_arg = &g;
	p.changes = &g.changes;
	if (mode == SVC_PUB_DRY_RUN) {
		rc = dry_run(s, &g, &p);
		goto out;
	}
	if ((rc = cb_store_set_publish(s->store, &p, &st)) != CB_OK)
		goto out;
	switch (st) {
	case CB_SETPUB_FULL:
		out->outcome = PUB_FULL;
		break;
	case CB_SETPUB_REFUSED:
		break;	/* the gate said why */
	case CB_SETPUB_CREATED:
	case CB_SETPUB_UNCHANGED:
		/* serve it now (an unchanged one too: this instance may have been
		 * behind); the follower would bring it within a second anyway */
		rc = snap_replace(s, set);
		set = NULL;
		if (rc != CB_OK) {
			cb_log_line l;
			cb_log_begin(&l, CB_LOG_ERROR, "code set stored but not served");
			cb_jw_kstr(&l.w, "set", p.name);
			cb_jw_kint(&l.w, "version", p.version);
			cb_jw_kstr(&l.w, "error", cb_errmsg());
			cb_log_end(&l);
			atomic_store(&s->follow_kick, 1);
			rc = CB_OK;
		}
		break;
	}
out:
	pthread_mutex_unlock(&s->publish_mu);
	cb_free(g.changes);
	hist_free(&g.hist);
	svc_snap_put(snap);
	svc_set_put(set);
	if (rc != CB_OK)
		svc_pub_clear(out);
	return rc;
}

int
svc_publish(struct svc *s, cb_codeset *cs, const char *source, const char *by,
    enum svc_publish_outcome *outcome, cb_report **report, int *old_version)
{
	struct svc_pub p;
	int rc;

	*report = NULL;
	*old_version = 0;
	if ((rc = svc_publish_set(s, cs, source, by, SVC_PUB_FOLLOW, &p)) != CB_OK)
		return rc;
	if (p.outcome == PUB_FULL) {
		svc_pub_clear(&p);
		return cb__fail(CB_ETOOBIG, "more than %d code sets", CB_SVC_MAX_SETS);
	}
	*outcome = p.outcome == PUB_SKIPS || p.outcome == PUB_TOO_HIGH ? PUB_STALE : p.outcome;
	*report = p.report;
	*old_version = p.current_version;
	return CB_OK;
}

/* ---- loading from the database ----------------------------------------- */

static int
is_reserved(const struct svc *s, const char *name)
{
	size_t lo = 0, hi = s->nreserved;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->reserved[mid], name);
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Would a new set @name find no room under CB_SVC_MAX_SETS?  As the
 * store counts (stored names, plus the bundled ones not stored), from the
 * sets served: for the dry run, which writes nothing. */
static int
snap_full_for(struct svc *s, const char *name)
{
	struct svc_snap *snap;
	size_t i, n;

	if (is_reserved(s, name))
		return 0;
	snap = svc_snap_get(s);
	n = snap->n;
	for (i = 0; i < s->nreserved; i++)
		if (svc_snap_find(snap, s->reserved[i], strlen(s->reserved[i])) == NULL)
			n++;
	svc_snap_put(snap);
	return n >= CB_SVC_MAX_SETS;
}

struct load {
	struct svc *s;
	int         pass;        /* 0: the bundled sets, 1: the others, -1: both (the follower) */
	size_t      nfailed;
	char        failed[4][72];
	size_t      nfull;
};

/* Load one stored version unless it is served already. */
static int
load_row(void *arg, const cb_store_setver *v)
{
	struct load *ld = arg;
	struct svc *s = ld->s;
	struct svc_snap *snap;
	struct svc_set *cur, *set;
	cb_codeset *cs = NULL;
	char origin[128];
	int served_v = 0, same = 0, rc;
	cb_log_line l;

	if (ld->pass >= 0 && is_reserved(s, v->name) != (ld->pass == 0))
		return 0;
	snap = svc_snap_get(s);
	if ((cur = svc_snap_find(snap, v->name, strlen(v->name))) != NULL) {
		served_v = cb_codeset_version(cur->cs);
		same = strcmp(cur->etag, v->etag) == 0;
	}
	svc_snap_put(snap);
	if (same || served_v >= v->version)
		return 0;
	(void)snprintf(origin, sizeof(origin), "stored %s version %d", v->name, v->version);
	if ((rc = cb_codeset_load_buffer(&cs, v->body, v->body_len, origin)) == CB_OK &&
	    (rc = set_new(s, cs, v->body, v->body_len, &set)) == CB_OK)
		rc = snap_replace(s, set);
	if (rc == CB_OK)
		return 0;
	if (rc == CB_ETOOBIG && cur == NULL) {
		/* a database filled before the set-count limit was checked */
		if (ld->nfull++ == 0) {
			cb_log_begin(&l, CB_LOG_WARN, "stored code sets beyond the limit are not served");
			cb_jw_kstr(&l.w, "set", v->name);
			cb_jw_kint(&l.w, "limit", CB_SVC_MAX_SETS);
			cb_log_end(&l);
		}
		return 0;
	}
	if (ld->nfailed < sizeof(ld->failed) / sizeof(ld->failed[0]))
		(void)snprintf(ld->failed[ld->nfailed], sizeof(ld->failed[0]), "%s v%d", v->name, v->version);
	ld->nfailed++;
	cb_log_begin(&l, CB_LOG_ERROR, "stored code set cannot be loaded; not served");
	cb_jw_kstr(&l.w, "set", v->name);
	cb_jw_kint(&l.w, "version", v->version);
	cb_jw_kstr(&l.w, "error", cb_errmsg());
	cb_log_end(&l);
	return 0;
}

/* Note what a load could not serve, for /readyz. */
static void
note_load(struct svc *s, const struct load *ld)
{
	size_t i, n = ld->nfailed < 4 ? ld->nfailed : 4;

	pthread_mutex_lock(&s->ready_mu);
	for (i = 0; i < n; i++)
		memcpy(s->unloaded[i], ld->failed[i], sizeof(s->unloaded[i]));
	s->nunloaded = ld->nfailed;
	pthread_mutex_unlock(&s->ready_mu);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The catalog files of @dir (NAME.json), sorted, into @names (at most
 * CB_SVC_MAX_SETS); *n their number.  -1 when @dir cannot be read. */
static int
list_catalogs(const char *dir, char **names, size_t *n)
{
	struct dirent *de;
	DIR *dp;

	*n = 0;
	if ((dp = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL && *n < CB_SVC_MAX_SETS) {
		size_t len = strlen(de->d_name);
		if (len <= 5 || de->d_name[0] == '.' || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		if ((names[*n] = cb__strdup(de->d_name)) != NULL)
			(*n)++;
	}
	closedir(dp);
	qsort(names, *n, sizeof(names[0]), by_name);
	return 0;
}

/* The bundled sets: the names of the catalog files there are at start. */
static int
reserve(struct svc *s)
{
	char *files[CB_SVC_MAX_SETS];
	size_t n = 0, i;
	int rc = CB_OK;

	if (s->opts.catalogs == NULL || list_catalogs(s->opts.catalogs, files, &n) != 0)
		return CB_OK;	/* sync_catalogs says why */
	if ((s->reserved = cb__calloc(n + 1, sizeof(*s->reserved))) == NULL)
		rc = cb__fail(CB_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		size_t len = strlen(files[i]) - 5;
		if (rc == CB_OK && cb_set_name_check(files[i], len, NULL)) {
			files[i][len] = '\0';
			s->reserved[s->nreserved++] = files[i];
		} else
			free(files[i]);
	}
	return rc;
}

int
svc_registry_load(struct svc *s)
{
	struct svc_snap *empty;
	struct load ld;
	int rc;

	atomic_init(&s->follow_stop, 0);
	atomic_init(&s->follow_kick, 0);
	if ((empty = cb__calloc(1, sizeof(*empty))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	atomic_init(&empty->refs, 1);
	pthread_mutex_init(&s->ready_mu, NULL);	/* destroyed by svc_registry_free when snap is set */
	pthread_mutex_init(&s->pin_mu, NULL);
	s->snap = empty;
	if ((rc = reserve(s)) != CB_OK)
		return rc;
	/* the serial first: whatever is published during the load is seen by
	 * the follower afterwards */
	s->db_serial = s->loaded_serial = -1;
	if ((rc = cb_store_set_watch(s->store, &s->db_serial, 0)) != CB_OK)
		return rc;
	s->loaded_serial = s->db_serial;
	s->watch_ok_ms = cb_time_now_ms();
	/* the bundled sets first, so that the others can never crowd them out */
	memset(&ld, 0, sizeof(ld));
	ld.s = s;
	if ((rc = cb_store_set_each_latest(s->store, load_row, &ld)) != CB_OK)
		return rc;
	ld.pass = 1;
	if ((rc = cb_store_set_each_latest(s->store, load_row, &ld)) != CB_OK)
		return rc;
	note_load(s, &ld);
	return CB_OK;
}

/* ---- the follower ------------------------------------------------------- */

static void *
follow_main(void *arg)
{
	struct svc *s = arg;
	int64_t serial, loaded;
	cb_log_line l;
	int rc, failing = 0;

	pthread_mutex_lock(&s->ready_mu);
	serial = s->db_serial;
	loaded = s->loaded_serial;
	pthread_mutex_unlock(&s->ready_mu);
	while (!atomic_load(&s->follow_stop)) {
		int64_t seen = serial;
		struct load ld;

		rc = cb_store_set_watch(s->store, &seen, FOLLOW_WAIT_MS);
		pthread_mutex_lock(&s->ready_mu);
		if (rc == CB_OK) {
			s->watch_ok_ms = cb_time_now_ms();
			s->db_serial = seen;
		} else {
			s->watch_fail_ms = cb_time_now_ms();
			(void)snprintf(s->watch_error, sizeof(s->watch_error), "%s", cb_errmsg());
		}
		pthread_mutex_unlock(&s->ready_mu);
		if (rc != CB_OK) {
			struct timespec ts = { 0, FOLLOW_WAIT_MS * 1000000L };
			if (!failing++) {
				cb_log_begin(&l, CB_LOG_ERROR, "cannot follow the database: code sets published "
				    "elsewhere are not loaded until it answers");
				cb_jw_kstr(&l.w, "error", cb_errmsg());
				cb_log_end(&l);
			}
			nanosleep(&ts, NULL);
			continue;
		}
		if (failing) {
			cb_log(CB_LOG_INFO, "following the database again", NULL);
			failing = 0;
		}
		serial = seen;
		if (seen == loaded && !atomic_exchange(&s->follow_kick, 0))
			goto note;
		memset(&ld, 0, sizeof(ld));
		ld.s = s;
		ld.pass = -1;
		/* a set that fails to load is reported once, and tried again at
		 * the next publish or SIGHUP; a failed read is tried again now */
		if (cb_store_set_each_latest(s->store, load_row, &ld) != CB_OK) {
			cb_log_begin(&l, CB_LOG_ERROR, "cannot read the published code sets");
			cb_jw_kstr(&l.w, "error", cb_errmsg());
			cb_log_end(&l);
			goto note;
		}
		note_load(s, &ld);
		loaded = seen;
note:
		pthread_mutex_lock(&s->ready_mu);
		s->loaded_serial = loaded;
		if (s->db_serial == loaded)
			s->behind_since_ns = 0;
		else if (s->behind_since_ns == 0)
			s->behind_since_ns = cb_time_mono_ns();
		pthread_mutex_unlock(&s->ready_mu);
	}
	return NULL;
}

int
svc_registry_follow(struct svc *s)
{
	if (pthread_create(&s->follow_thread, NULL, follow_main, s) != 0)
		return cb__fail(CB_ERROR, "cannot start the thread that follows the database");
	s->follow_running = 1;
	return CB_OK;
}

void
svc_registry_kick(struct svc *s)
{
	atomic_store(&s->follow_kick, 1);
}

/* ---- readiness ------------------------------------------------------------ */

void
svc_ready_note(struct svc_ready_item *items, size_t *n, const char *check, const char *fmt, ...)
{
	va_list ap;

	if (*n == SVC_READY_MAX_REASONS)
		return;
	items[*n].check = check;
	va_start(ap, fmt);
	(void)vsnprintf(items[*n].detail, sizeof(items[0].detail), fmt, ap);
	va_end(ap);
	(*n)++;
}

#define reason(rd, ...) svc_ready_note((rd)->reasons, &(rd)->n, __VA_ARGS__)
#define attention(rd, ...) svc_ready_note((rd)->attention, &(rd)->nattention, __VA_ARGS__)

void
svc_registry_ready(struct svc *s, struct svc_readiness *rd)
{
	struct svc_snap *snap = svc_snap_get(s);
	cb_store_health h;
	int64_t now = cb_time_now_ms(), watch_ok, watch_fail;
	uint64_t behind;
	size_t i, nunloaded;
	char unloaded[4][72], werr[256];

	memset(rd, 0, sizeof(*rd));
	pthread_mutex_lock(&s->ready_mu);
	rd->db_serial = s->db_serial;
	rd->loaded_serial = s->loaded_serial;
	behind = s->behind_since_ns;
	watch_ok = s->watch_ok_ms;
	watch_fail = s->watch_fail_ms;
	memcpy(werr, s->watch_error, sizeof(werr));
	nunloaded = s->nunloaded;
	memcpy(unloaded, s->unloaded, sizeof(unloaded));
	pthread_mutex_unlock(&s->ready_mu);
	cb_store_health_get(s->store, &h);

	for (i = 0; i < s->nreserved; i++)
		if (svc_snap_find(snap, s->reserved[i], strlen(s->reserved[i])) == NULL)
			reason(rd, "code-sets", "the bundled code set %s (catalogs/%s.json) is not served",
			    s->reserved[i], s->reserved[i]);
	for (i = 0; i < nunloaded && i < 4; i++)
		reason(rd, "code-sets", "the stored code set %s cannot be loaded (see the log)", unloaded[i]);
	if (watch_fail > watch_ok)
		reason(rd, "database", "the database cannot be read: %s", werr);
	else if (now - watch_ok > WATCH_STALE_MS)
		reason(rd, "database", "no answer from the database for %.1f s", (double)(now - watch_ok) / 1e3);
	if (h.fails_since_ok > 0 && h.last_fail_ms >= h.last_ok_ms && now - h.last_fail_ms < WRITE_FAIL_MS)
		reason(rd, "database-writes", "the last %u write%s failed, the last %.1f s ago: %s",
		    h.fails_since_ok, h.fails_since_ok == 1 ? "" : "s", (double)(now - h.last_fail_ms) / 1e3,
		    h.last_fail);
	if (behind != 0 && cb_time_mono_ns() - behind > (uint64_t)BEHIND_GRACE_MS * 1000000u)
		reason(rd, "catalog", "the code sets served are behind the database's for %.1f s",
		    (double)(cb_time_mono_ns() - behind) / 1e9);
	svc_sync_markets(s, rd->markets, &rd->nmarkets);
	for (i = 0; i < rd->nmarkets; i++)
		if (svc_sync_stale(s, &rd->markets[i], now))
			attention(rd, "reverse-reasons", "the reverse reasons of market %s were last synced %s; the %u "
			    "syncs since failed: %s", rd->markets[i].market, rd->markets[i].last_ok_ms ? "long ago" :
			    "never", rd->markets[i].fails_since_ok, rd->markets[i].last_error);
	rd->code_sets = snap->n;
	rd->bundled_sets = s->nreserved;
	svc_snap_put(snap);
}

/* ---- catalog files ---------------------------------------------------------- */

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

/*
 * Pass one catalog file through the gate and log the outcome.  Instances
 * started together on one database each pass the same files: the first
 * stores a version, the others find it stored (unchanged, said quietly).
 */
static void
log_stale(struct svc *s, cb_log_line *l, cb_codeset *cs, const char *stem, int v, int current)
{
	cb_store_setver older;

	memset(&older, 0, sizeof(older));
	if (v < current) {
		/* an older file is expected after publishing through the API; it
		 * is only worth a warning when it is not one of the stored versions */
		char *json = NULL;
		size_t len = 0;
		int same = cb_store_set_get(s->store, stem, v, &older) == CB_OK &&
		    cb_codeset_to_json(&json, &len, cs) == CB_OK && len == older.body_len &&
		    memcmp(json, older.body, len) == 0;
		cb_free(json);
		cb_log_begin(l, same ? CB_LOG_INFO : CB_LOG_WARN, same ?
		    "catalog file is an older published version; serving the latest" :
		    "catalog file refused: its version is older than the published one and differs "
		    "from what was published under it");
	} else
		cb_log_begin(l, CB_LOG_WARN, "catalog file refused: that version is already published "
		    "with other content");
	cb_store_setver_clear(&older);
}

/* The log line of a catalog file's publish, by outcome; 0 when there is
 * nothing to say (the file equals the stored version). */
static int
log_outcome(struct svc *s, cb_log_line *l, const struct svc_pub *pub, cb_codeset *cs, const char *path,
    const char *stem)
{
	int v = cb_codeset_version(cs);

	switch (pub->outcome) {
	case PUB_UNCHANGED:
		return 0;
	case PUB_CREATED:
		cb_log_begin(l, CB_LOG_INFO, pub->current_version ? "catalog file published as a new version" :
		    "catalog file published");
		cb_jw_kint(&l->w, "version", v);
		if (pub->current_version)
			cb_jw_kint(&l->w, "previous_version", pub->current_version);
		break;
	case PUB_REFUSED:
		cb_log_begin(l, CB_LOG_WARN, "catalog file refused by the governance gate: breaking "
		    "changes; the stored version is still served");
		cb_jw_kint(&l->w, "file_version", v);
		cb_jw_kint(&l->w, "serving_version", pub->current_version);
		log_violations(&l->w, pub->report);
		break;
	case PUB_STALE:
		log_stale(s, l, cs, stem, v, pub->current_version);
		cb_jw_kint(&l->w, "file_version", v);
		cb_jw_kint(&l->w, "serving_version", pub->current_version);
		break;
	case PUB_SKIPS:
		cb_log_begin(l, CB_LOG_WARN, "catalog file refused: a new version is exactly the published "
		    "one plus one");
		cb_jw_kint(&l->w, "file_version", v);
		cb_jw_kint(&l->w, "expected_version", pub->expected_version);
		break;
	case PUB_FULL:
	case PUB_TOO_HIGH:
		cb_log_begin(l, CB_LOG_WARN, pub->outcome == PUB_FULL ? "catalog file refused: too many code "
		    "sets" : "catalog file refused: its version is above the limit");
		cb_jw_kint(&l->w, "limit", pub->outcome == PUB_FULL ? CB_SVC_MAX_SETS : CB_SVC_MAX_SET_VERSION);
		break;
	}
	cb_jw_kstr(&l->w, "file", path);
	cb_jw_kstr(&l->w, "set", stem);
	return 1;
}

static void
sync_file(struct svc *s, const char *dir, const char *file)
{
	char path[4096], stem[256];
	cb_codeset *cs = NULL;
	struct svc_pub pub;
	size_t flen = strlen(file);
	int rc;
	cb_log_line l;

	memset(&pub, 0, sizeof(pub));
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path) || flen - 5 >= sizeof(stem))
		return;
	memcpy(stem, file, flen - 5);
	stem[flen - 5] = '\0';
	if (cb_codeset_load_file(&cs, path) != CB_OK) {
		cb_log_begin(&l, CB_LOG_WARN, "catalog file refused: not a valid code set; the stored version "
		    "(if any) is still served");
		cb_jw_kstr(&l.w, "file", path);
		cb_jw_kstr(&l.w, "error", cb_errmsg());
		cb_log_end(&l);
	} else if (strcmp(cb_codeset_name(cs), stem) != 0) {
		cb_log_begin(&l, CB_LOG_WARN, "catalog file refused: its name differs from the set it holds");
		cb_jw_kstr(&l.w, "file", path);
		cb_jw_kstr(&l.w, "set", cb_codeset_name(cs));
		cb_log_end(&l);
	} else if ((rc = svc_publish_set(s, cs, "catalog", file, SVC_PUB_GATE, &pub)) != CB_OK) {
		cb_log_begin(&l, CB_LOG_ERROR, rc == CB_EUNKNOWN ? "catalog file: the commit failed; it may "
		    "or may not be published (it is tried again at the next start or SIGHUP)" :
		    "catalog file not published: storage failed");
		cb_jw_kstr(&l.w, "file", path);
		cb_jw_kstr(&l.w, "error", cb_errmsg());
		cb_log_end(&l);
	} else if (log_outcome(s, &l, &pub, cs, path, stem))
		cb_log_end(&l);
	svc_pub_clear(&pub);
	cb_codeset_free(cs);
}

void
svc_registry_sync_catalogs(struct svc *s)
{
	const char *dir = s->opts.catalogs;
	char *names[CB_SVC_MAX_SETS];
	size_t n = 0, i;

	if (dir == NULL)
		return;
	if (list_catalogs(dir, names, &n) != 0) {
		char why[256];
		(void)snprintf(why, sizeof(why), "%s: %s", dir, strerror(errno));
		cb_log(CB_LOG_WARN, "catalogs directory cannot be read; serving the stored sets", why);
		return;
	}
	for (i = 0; i < n; i++) {
		sync_file(s, dir, names[i]);
		free(names[i]);
	}
}

void
svc_registry_free(struct svc *s)
{
	size_t i;

	if (s->follow_running) {
		atomic_store(&s->follow_stop, 1);
		pthread_join(s->follow_thread, NULL);
		s->follow_running = 0;
	}
	if (s->snap == NULL)
		return;	/* never loaded */
	svc_snap_put(s->snap);
	s->snap = NULL;
	for (i = 0; i < s->nreserved; i++)
		free(s->reserved[i]);
	free(s->reserved);
	s->reserved = NULL;
	s->nreserved = 0;
	for (i = 0; i < SVC_PIN_CACHE; i++) {
		svc_set_put(s->pins[i]);
		s->pins[i] = NULL;
	}
	pthread_mutex_destroy(&s->ready_mu);
	pthread_mutex_destroy(&s->pin_mu);
}

/* ---- pinned versions ---------------------------------------------------------- */

/* The cached version @version of @name (+1 reference), or NULL. */
static struct svc_set *
pin_find(struct svc *s, const char *name, int version)
{
	struct svc_set *set = NULL;
	size_t i;

	pthread_mutex_lock(&s->pin_mu);
	for (i = 0; i < SVC_PIN_CACHE && set == NULL; i++)
		if (s->pins[i] != NULL && cb_codeset_version(s->pins[i]->cs) == version &&
		    strcmp(cb_codeset_name(s->pins[i]->cs), name) == 0) {
			set = s->pins[i];
			atomic_fetch_add(&set->refs, 1);
			s->pin_used[i] = ++s->pin_tick;
		}
	pthread_mutex_unlock(&s->pin_mu);
	return set;
}

/* Keep @set (the cache takes a reference of its own) in place of the
 * least recently used. */
static void
pin_keep(struct svc *s, struct svc_set *set)
{
	struct svc_set *old;
	size_t i, lru = 0;

	pthread_mutex_lock(&s->pin_mu);
	for (i = 0; i < SVC_PIN_CACHE && s->pins[lru] != NULL; i++)
		if (s->pins[i] == NULL || s->pin_used[i] < s->pin_used[lru])
			lru = i;
	old = s->pins[lru];
	atomic_fetch_add(&set->refs, 1);
	s->pins[lru] = set;
	s->pin_used[lru] = ++s->pin_tick;
	pthread_mutex_unlock(&s->pin_mu);
	svc_set_put(old);
}

int
svc_registry_version(struct svc *s, const char *name, int version, int64_t at_us, struct svc_set **out)
{
	cb_store_setver v;
	cb_codeset *cs = NULL;
	char origin[128];
	int rc;

	*out = NULL;
	if (version == 0 && (rc = cb_store_set_in_force(s->store, name, at_us, &version)) != CB_OK)
		return rc;
	if ((*out = pin_find(s, name, version)) != NULL)
		return CB_OK;
	if ((rc = cb_store_set_pinned(s->store, name, version, 0, &v)) != CB_OK)
		return rc;
	(void)snprintf(origin, sizeof(origin), "stored %s version %d", name, version);
	if ((rc = cb_codeset_load_buffer(&cs, v.body, v.body_len, origin)) == CB_OK &&
	    (rc = set_new(s, cs, v.body, v.body_len, out)) == CB_OK)
		pin_keep(s, *out);
	cb_store_setver_clear(&v);
	return rc;
}
