/* SPDX-License-Identifier: Apache-2.0 */
/*
 * usage.h - usage evidence (issue 13): per served set version, how often
 * each code was checked, stored and rejected, and when last seen.  The
 * request threads count in memory with relaxed atomic additions (no lock
 * on the check path); svc_usage_flush() adds the counts to the store in
 * batches (an upsert that adds, so instances sum up), from a thread every
 * few seconds, before the usage route answers, and at shutdown.
 */
#ifndef CB_SVC_USAGE_H
#define CB_SVC_USAGE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <codebook.h>

#include "jsonw.h"
#include "../store/store.h"

/* One code's counters (indexed by the code's id). */
struct svc_usage_slot {
	atomic_uint_fast64_t checked, stored, rejected;
	atomic_int_fast64_t  last_s;      /* Unix seconds; 0: not since the last flush */
};

struct svc_usage_sink;

/* The counters of one served set version. */
struct svc_usage {
	cb_codeset            *cs;        /* a reference: id -> code at flush */
	size_t                 nslots;    /* max id + 1 */
	struct svc_usage_slot *slots;
	struct svc_usage_sink *sink;
	struct svc_usage      *next;      /* in the sink's retired list */
};

/* Where retired counters wait for the next flush, and the flusher. */
struct svc_usage_sink {
	pthread_mutex_t   mu;             /* guards retired */
	struct svc_usage *retired;
	pthread_mutex_t   flush_mu;       /* one flush at a time */
	pthread_mutex_t   wait_mu;
	pthread_cond_t    wait_cv;
	int               stop;           /* under wait_mu */
	pthread_t         thread;
	int               running;
	uint64_t          flushes, rows, failures;
};

enum svc_usage_what { SVC_USAGE_CHECKED = 0, SVC_USAGE_STORED, SVC_USAGE_REJECTED };

/* Counters for @cs (a new reference is taken), or NULL when out of memory
 * (the set is then served without counting). */
struct svc_usage *svc_usage_new(struct svc_usage_sink *sink, cb_codeset *cs);
/* The set is no longer served: its counters wait for the next flush. */
void svc_usage_retire(struct svc_usage *u);

/* The hot path: one sighting of entry @e's code (NULL: an unknown code,
 * not counted). */
static inline void
svc_usage_note(struct svc_usage *u, const cb_entry *e, enum svc_usage_what what, int64_t now_s)
{
	struct svc_usage_slot *sl;
	int id;

	if (u == NULL || e == NULL || (id = cb_entry_id(e)) <= 0 || (size_t)id >= u->nslots)
		return;
	sl = &u->slots[id];
	if (what == SVC_USAGE_STORED)
		atomic_fetch_add_explicit(&sl->stored, 1, memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&sl->checked, 1, memory_order_relaxed);
	if (what == SVC_USAGE_REJECTED)
		atomic_fetch_add_explicit(&sl->rejected, 1, memory_order_relaxed);
	/* most sightings fall in a second already noted: read before writing */
	if (atomic_load_explicit(&sl->last_s, memory_order_relaxed) < now_s)
		atomic_store_explicit(&sl->last_s, now_s, memory_order_relaxed);
}

/* Seconds now, from the coarse clock (cheap). */
int64_t svc_usage_now(void);

void svc_usage_sink_init(struct svc_usage_sink *k);
/* Start the flusher: every @interval_ms, svc_usage_flush(). */
struct svc;
int  svc_usage_start(struct svc *s, unsigned interval_ms);
/* Flush now (the served sets, pinned versions and the retired counters).
 * CB_OK, or the store's error (the counts are kept for the next flush). */
int  svc_usage_flush(struct svc *s);
/* Stop the flusher and flush (requests have ended). */
void svc_usage_stop(struct svc *s);
/* After the served sets were dropped: store what they counted last, free
 * the sink (before the store closes). */
void svc_usage_free(struct svc *s);

/* The usage view of set @cs (its codes, used or not, with counts per
 * version, and the senders of its deprecated codes per service), read
 * from @st: the body of GET /v1/code-sets/{set}/usage and of
 * `codebook usage --json`. */
int  svc_usage_json(cb_jw *w, cb_store *st, const cb_codeset *cs);

#endif
