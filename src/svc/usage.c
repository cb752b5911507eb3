/* SPDX-License-Identifier: Apache-2.0 */
/*
 * usage.c - usage evidence (issue 13; usage.h): the counters of each
 * served set version, their flush into the store in batches, and the
 * usage view.  The hot path (svc_usage_note, inline in usage.h) is three
 * relaxed atomic additions at most and a read of the last second; a flush
 * swaps each counter for zero, so a sighting counted during a flush lands
 * in this flush or the next, never in none.  A failed flush puts its
 * counts back.
 */
#include "svc_int.h"
#include "usage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "view.h"

#define USAGE_ROWS CB_STORE_USAGE_BATCH

int64_t
svc_usage_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return (int64_t)ts.tv_sec;
}

struct svc_usage *
svc_usage_new(struct svc_usage_sink *sink, cb_codeset *cs)
{
	struct svc_usage *u = cb__calloc(1, sizeof(*u));
	int max = cb_codeset_max_id(cs);

	if (u == NULL)
		return NULL;
	u->nslots = max > 0 ? (size_t)max + 1 : 1;
	if ((u->slots = cb__calloc(u->nslots, sizeof(*u->slots))) == NULL) {
		free(u);
		return NULL;
	}
	u->cs = cb_codeset_ref(cs);
	u->sink = sink;
	return u;
}

static void
usage_free(struct svc_usage *u)
{
	if (u == NULL)
		return;
	cb_codeset_free(u->cs);
	free(u->slots);
	free(u);
}

void
svc_usage_retire(struct svc_usage *u)
{
	if (u == NULL)
		return;
	pthread_mutex_lock(&u->sink->mu);
	u->next = u->sink->retired;
	u->sink->retired = u;
	pthread_mutex_unlock(&u->sink->mu);
}

void
svc_usage_sink_init(struct svc_usage_sink *k)
{
	memset(k, 0, sizeof(*k));
	pthread_mutex_init(&k->mu, NULL);
	pthread_mutex_init(&k->flush_mu, NULL);
	pthread_mutex_init(&k->wait_mu, NULL);
	pthread_cond_init(&k->wait_cv, NULL);
}

/* ---- the flush ----------------------------------------------------------- */

/* A batch of rows and, for each, the slot it came from (to put it back). */
struct batch {
	cb_store         *st;
	size_t            n;
	cb_store_usage    rows[USAGE_ROWS];
	char              times[USAGE_ROWS][CB_TIME_MAX];
	struct svc_usage_slot *from[USAGE_ROWS];
	int64_t           last_s[USAGE_ROWS];
	size_t            added;
};

static void
put_back(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		struct svc_usage_slot *sl = b->from[i];
		atomic_fetch_add_explicit(&sl->checked, (uint_fast64_t)b->rows[i].checked, memory_order_relaxed);
		atomic_fetch_add_explicit(&sl->stored, (uint_fast64_t)b->rows[i].stored, memory_order_relaxed);
		atomic_fetch_add_explicit(&sl->rejected, (uint_fast64_t)b->rows[i].rejected, memory_order_relaxed);
		if (atomic_load_explicit(&sl->last_s, memory_order_relaxed) < b->last_s[i])
			atomic_store_explicit(&sl->last_s, b->last_s[i], memory_order_relaxed);
	}
}

static int
write_batch(struct batch *b)
{
	int rc;

	if (b->n == 0)
		return CB_OK;
	if ((rc = cb_store_usage_add(b->st, b->rows, b->n)) != CB_OK)
		put_back(b);
	else
		b->added += b->n;
	b->n = 0;
	return rc;
}

/* Swap @u's counters for zero into @b (written when full). */
static int
collect(struct batch *b, struct svc_usage *u)
{
	size_t id;
	int rc;

	for (id = 1; id < u->nslots; id++) {
		struct svc_usage_slot *sl = &u->slots[id];
		const cb_entry *e;
		cb_store_usage *row;
		int64_t c, s, r, t;
		/* by the counters, not by last_s: a sighting racing this flush may
		 * have counted after last_s was taken */
		if (atomic_load_explicit(&sl->checked, memory_order_relaxed) == 0 &&
		    atomic_load_explicit(&sl->stored, memory_order_relaxed) == 0 &&
		    atomic_load_explicit(&sl->rejected, memory_order_relaxed) == 0)
			continue;	/* not seen since the last flush: the common case */
		c = (int64_t)atomic_exchange_explicit(&sl->checked, 0, memory_order_relaxed);
		s = (int64_t)atomic_exchange_explicit(&sl->stored, 0, memory_order_relaxed);
		r = (int64_t)atomic_exchange_explicit(&sl->rejected, 0, memory_order_relaxed);
		t = atomic_exchange_explicit(&sl->last_s, 0, memory_order_relaxed);
		if (t == 0)
			t = svc_usage_now();	/* counted, its second not yet written */
		if ((e = cb_codeset_find_id(u->cs, (int)id)) == NULL || (c == 0 && s == 0 && r == 0))
			continue;
		if (b->n == USAGE_ROWS && (rc = write_batch(b)) != CB_OK) {
			b->rows[0] = (cb_store_usage){ NULL, NULL, 0, c, s, r, NULL };
			b->from[0] = sl;
			b->last_s[0] = t;
			b->n = 1;
			put_back(b);	/* this one too; the rest stay in their slots */
			b->n = 0;
			return rc;
		}
		row = &b->rows[b->n];
		cb_time_format(b->times[b->n], t * 1000000, 0);
		*row = (cb_store_usage){ cb_codeset_name(u->cs), cb_entry_code(e), cb_codeset_version(u->cs), c, s, r,
			b->times[b->n] };
		b->from[b->n] = sl;
		b->last_s[b->n] = t;
		b->n++;
	}
	return CB_OK;
}

/* The sets served now and the pinned versions, each with a reference. */
static size_t
live_sets(struct svc *s, struct svc_set **out, size_t max)
{
	struct svc_snap *snap = svc_snap_get(s);
	size_t n = 0, i;

	for (i = 0; snap != NULL && i < snap->n && n < max; i++) {
		atomic_fetch_add(&snap->sets[i]->refs, 1);
		out[n++] = snap->sets[i];
	}
	svc_snap_put(snap);
	pthread_mutex_lock(&s->pin_mu);
	for (i = 0; i < SVC_PIN_CACHE && n < max; i++)
		if (s->pins[i] != NULL) {
			atomic_fetch_add(&s->pins[i]->refs, 1);
			out[n++] = s->pins[i];
		}
	pthread_mutex_unlock(&s->pin_mu);
	return n;
}

/* The retired counters, flushed and freed; those that fail go back. */
static int
flush_retired(struct svc_usage_sink *k, struct batch *b)
{
	struct svc_usage *list, *u, *keep = NULL;
	int rc = CB_OK;

	pthread_mutex_lock(&k->mu);
	list = k->retired;
	k->retired = NULL;
	pthread_mutex_unlock(&k->mu);
	while ((u = list) != NULL) {
		list = u->next;
		if (rc == CB_OK)
			rc = collect(b, u);
		if (rc == CB_OK)
			rc = write_batch(b);	/* before u's slots go */
		if (rc == CB_OK) {
			usage_free(u);
		} else {
			u->next = keep;
			keep = u;
		}
	}
	while ((u = keep) != NULL) {
		keep = u->next;
		svc_usage_retire(u);
	}
	return rc;
}

int
svc_usage_flush(struct svc *s)
{
	struct svc_set *sets[CB_SVC_MAX_SETS + SVC_PIN_CACHE];
	struct svc_usage_sink *k = &s->usage;
	struct batch *b;
	size_t n, i;
	int rc = CB_OK;

	if ((b = cb__malloc(sizeof(*b))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	b->st = s->store;
	b->n = b->added = 0;
	pthread_mutex_lock(&k->flush_mu);
	n = live_sets(s, sets, sizeof(sets) / sizeof(sets[0]));
	for (i = 0; i < n; i++) {
		if (rc == CB_OK && sets[i]->usage != NULL)
			rc = collect(b, sets[i]->usage);
		svc_set_put(sets[i]);
	}
	if (rc == CB_OK)
		rc = write_batch(b);
	if (rc == CB_OK)
		rc = flush_retired(k, b);
	k->flushes++;
	k->rows += b->added;
	k->failures += rc != CB_OK;
	pthread_mutex_unlock(&k->flush_mu);
	free(b);
	return rc;
}

/* ---- the flusher ----------------------------------------------------------- */

struct flusher { struct svc *s; unsigned interval_ms; };
static struct flusher the_flusher;	/* one service per process */

static void *
flusher_main(void *arg)
{
	struct flusher *f = arg;
	struct svc_usage_sink *k = &f->s->usage;
	struct timespec until;
	int stop = 0;

	while (!stop) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += f->interval_ms / 1000;
		until.tv_nsec += (long)(f->interval_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&k->wait_mu);
		while (!k->stop && pthread_cond_timedwait(&k->wait_cv, &k->wait_mu, &until) == 0)
			;
		stop = k->stop;
		pthread_mutex_unlock(&k->wait_mu);
		if (!stop && svc_usage_flush(f->s) != CB_OK)
			cb_log(CB_LOG_WARN, "usage counts not stored; kept for the next flush", cb_errmsg());
	}
	return NULL;
}

int
svc_usage_start(struct svc *s, unsigned interval_ms)
{
	the_flusher = (struct flusher){ s, interval_ms ? interval_ms : 1000 };
	if (pthread_create(&s->usage.thread, NULL, flusher_main, &the_flusher) != 0)
		return cb__fail(CB_ERROR, "cannot start the usage flusher");
	s->usage.running = 1;
	return CB_OK;
}

void
svc_usage_stop(struct svc *s)
{
	struct svc_usage_sink *k = &s->usage;

	if (k->running) {
		pthread_mutex_lock(&k->wait_mu);
		k->stop = 1;
		pthread_cond_signal(&k->wait_cv);
		pthread_mutex_unlock(&k->wait_mu);
		pthread_join(k->thread, NULL);
		k->running = 0;
	}
	if (s->store != NULL && svc_usage_flush(s) != CB_OK)
		cb_log(CB_LOG_ERROR, "usage counts not stored at shutdown", cb_errmsg());
}

void
svc_usage_free(struct svc *s)
{
	struct svc_usage_sink *k = &s->usage;
	struct batch *b = cb__malloc(sizeof(*b));

	/* the sets dropped since the last flush (requests have ended: their
	 * counters hold what the last requests added) */
	if (b != NULL && s->store != NULL) {
		b->st = s->store;
		b->n = b->added = 0;
		if (flush_retired(k, b) != CB_OK)
			cb_log(CB_LOG_ERROR, "usage counts lost at shutdown", cb_errmsg());
	}
	free(b);
	while (k->retired != NULL) {	/* what could not be stored */
		struct svc_usage *u = k->retired;
		k->retired = u->next;
		usage_free(u);
	}
	pthread_mutex_destroy(&k->mu);
	pthread_mutex_destroy(&k->flush_mu);
	pthread_mutex_destroy(&k->wait_mu);
	pthread_cond_destroy(&k->wait_cv);
}

/* ---- the view -------------------------------------------------------------- */

/* The stored rows of one set, by code then version (a copy). */
struct urow { char *code; int version; int64_t checked, stored, rejected; char last_seen[CB_TIME_MAX]; };
struct urows { struct urow *v; size_t n, cap; int nomem; };

static int
urow_add(void *arg, const cb_store_usage *u)
{
	struct urows *a = arg;
	struct urow *r;

	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 64;
		struct urow *nv = ncap > 1000000 ? NULL : cb__reallocarray(a->v, ncap, sizeof(*nv));
		if (nv == NULL) {
			a->nomem = 1;
			return 1;
		}
		a->v = nv;
		a->cap = ncap;
	}
	r = &a->v[a->n];
	if ((r->code = cb__strdup(u->code)) == NULL) {
		a->nomem = 1;
		return 1;
	}
	r->version = u->version;
	r->checked = u->checked;
	r->stored = u->stored;
	r->rejected = u->rejected;
	snprintf(r->last_seen, sizeof(r->last_seen), "%s", u->last_seen ? u->last_seen : "");
	a->n++;
	return 0;
}

static void
urows_free(struct urows *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i].code);
	free(a->v);
}

/* One code: totals, then a row per version. */
static void
view_code(cb_jw *w, const cb_entry *e, const struct urow *rows, size_t n)
{
	int64_t c = 0, s = 0, r = 0;
	const char *last = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		c += rows[i].checked;
		s += rows[i].stored;
		r += rows[i].rejected;
		if (last == NULL || strcmp(rows[i].last_seen, last) > 0)
			last = rows[i].last_seen;
	}
	cb_jw_obj_begin(w);
	cb_jw_kstr(w, "code", cb_entry_code(e));
	cb_jw_kstr(w, "status", cb_status_name(cb_entry_status(e)));
	cb_jw_kint(w, "checked", c);
	cb_jw_kint(w, "stored", s);
	cb_jw_kint(w, "rejected", r);
	cb_jw_kstr(w, "last_seen", last);	/* null: never used */
	cb_jw_key(w, "versions");
	cb_jw_arr_begin(w);
	for (i = 0; i < n; i++) {
		cb_jw_obj_begin(w);
		cb_jw_kint(w, "version", rows[i].version);
		cb_jw_kint(w, "checked", rows[i].checked);
		cb_jw_kint(w, "stored", rows[i].stored);
		cb_jw_kint(w, "rejected", rows[i].rejected);
		cb_jw_kstr(w, "last_seen", rows[i].last_seen);
		cb_jw_obj_end(w);
	}
	cb_jw_arr_end(w);
	cb_jw_obj_end(w);
}

/* The first stored row of @code (rows sorted by code in byte order), and
 * how many there are. */
static size_t
rows_of(const struct urows *a, const char *code, size_t *first)
{
	size_t lo = 0, hi = a->n, n = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(a->v[mid].code, code) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo + n < a->n && strcmp(a->v[lo + n].code, code) == 0)
		n++;
	*first = lo;
	return n;
}

struct senders { cb_jw *w; int64_t total; };

static int
sender_row(void *arg, const char *key, const char *code, const char *category, int64_t count)
{
	struct senders *sd = arg;

	(void)code;
	(void)category;
	cb_jw_obj_begin(sd->w);
	cb_jw_kstr(sd->w, "service", key);
	cb_jw_kint(sd->w, "count", count);
	cb_jw_obj_end(sd->w);
	sd->total += count;
	return 0;
}

/* Who still sends deprecated code @code: the records of the kinds checked
 * against @set that carry a service field, counted per service. */
static int
view_senders(cb_jw *w, cb_store *st, const char *set, const char *code)
{
	struct senders sd = { w, 0 };
	int k, idx, rc;

	cb_jw_obj_begin(w);
	cb_jw_kstr(w, "code", code);
	cb_jw_key(w, "senders");
	cb_jw_arr_begin(w);
	for (k = 0; k < CB_REC_KIND_COUNT; k++) {
		const cb_rec_desc *d = cb_rec_describe((cb_rec_kind)k);
		cb_rec_filter f;
		if (strcmp(d->code_set, set) != 0 || cb_rec_field_index(d, "service") < 0 ||
		    (idx = cb_rec_field_index(d, "reason_code")) < 0)
			continue;
		memset(&f, 0, sizeof(f));
		f.eq[idx] = code;
		if ((rc = cb_store_rec_report(st, (cb_rec_kind)k, "service", &f, sender_row, &sd)) != CB_OK)
			return rc;
	}
	cb_jw_arr_end(w);
	cb_jw_kint(w, "count", sd.total);
	cb_jw_obj_end(w);
	return CB_OK;
}

int
svc_usage_json(cb_jw *w, cb_store *st, const cb_codeset *cs)
{
	struct urows a = { NULL, 0, 0, 0 };
	size_t i, n = cb_codeset_entry_count(cs), first, nr, used = 0, codes = 0;
	const char *name = cb_codeset_name(cs);
	int rc;

	if ((rc = cb_store_usage_list(st, name, urow_add, &a)) != CB_OK || a.nomem) {
		urows_free(&a);
		return rc != CB_OK ? rc : cb__fail(CB_ENOMEM, "out of memory");
	}
	cb_jw_obj_begin(w);
	cb_jw_kstr(w, "set", name);
	cb_jw_kint(w, "version", cb_codeset_version(cs));
	cb_jw_key(w, "codes");
	cb_jw_arr_begin(w);
	for (i = 0; i < n; i++) {
		const cb_entry *e = cb_codeset_entry(cs, i);
		const char *code = cb_entry_code(e);
		if (code == NULL || code[0] == '\0' || cb_codeset_find(cs, code, strlen(code)) != e)
			continue;	/* rows without a code; each code once */
		nr = rows_of(&a, code, &first);
		codes++;
		used += nr > 0;
		view_code(w, e, nr > 0 ? a.v + first : NULL, nr);	/* no rows yet: a.v is NULL */
	}
	cb_jw_arr_end(w);
	cb_jw_kint(w, "code_count", (long long)codes);
	cb_jw_kint(w, "unused", (long long)(codes - used));
	cb_jw_key(w, "deprecated");
	cb_jw_arr_begin(w);
	for (i = 0; i < n && rc == CB_OK; i++) {
		const cb_entry *e = cb_codeset_entry(cs, i);
		const char *code = cb_entry_code(e);
		if (code != NULL && code[0] != '\0' && cb_entry_status(e) == CB_STATUS_DEPRECATED &&
		    cb_codeset_find(cs, code, strlen(code)) == e)
			rc = view_senders(w, st, name, code);
	}
	cb_jw_arr_end(w);
	cb_jw_obj_end(w);
	urows_free(&a);
	return rc;
}

/* GET /v1/code-sets/{set}/usage: this instance's counts are flushed first,
 * so that the answer includes them. */
void
h_set_usage(struct svc_req *r)
{
	struct svc_set *set = svc_req_set(r);
	cb_jw w;

	if (set == NULL)
		return;
	if (svc_usage_flush(r->svc) != CB_OK) {
		svc_store_problem(r, CB_EIO, "the usage counts");
		return;
	}
	svc_json_begin(r, &w);
	if (svc_usage_json(&w, r->svc->store, set->cs) != CB_OK) {
		svc_problem(r, P_INTERNAL, "%s", cb_errmsg());
		return;
	}
	svc_req_header(r, "Codebook-Set-Version", "%d", cb_codeset_version(set->cs));
	svc_json(r, 200);
}
