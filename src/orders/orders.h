/* SPDX-License-Identifier: Apache-2.0 */
/*
 * orders.h - seller cancellations of marketplace orders (seed 003): the
 * worker (the "cron") that takes Pending refunds, checks them, calls the
 * marketplace's cancel and records the outcome; the choice and check of
 * the reverse reason; and the next version of the mirrored reverse-reason
 * set.  The documents the domain reads are in doc.h, the rules of a
 * cancellation in cancel.h, the sync in sync.h.  Built on the store
 * (src/store), the marketplace client (src/market) and libcodebook; it
 * knows nothing of HTTP, and its callers need not know the marketplace
 * client.  docs/orders.md describes the flow, docs/internals/orders.md the
 * design.
 */
#ifndef CB_ORDERS_H
#define CB_ORDERS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <codebook.h>

#include "../store/store.h"
#include "markets.h"

struct cb_mkt_reasons;

/* ---- the reverse reason of a cancellation ---------------------------- */

/* The category of the reasons a seller cancels with (the others reject
 * returns, parcels and buyers' cancellation requests).  The mirrored sets
 * of reverse reasons, one per market, are named in markets.h. */
#define CB_REASON_CATEGORY   "seller_cancel"
#define CB_REASON_DEFAULT    "seller_cancel_reason_out_of_stock_uk"
#define CB_REASON_DEFAULT_TEXT "Out of stock"
#define CB_ERROR_SET         "tiktok-shop-error"

/*
 * The reason to send for cancelling an order in codebook status @st,
 * whose marketplace reason-list status is @status_value ("0", "200"):
 * @requested checked with cb_check() in context order_status=@status_value
 * and required to be a seller-cancel reason; with no @requested, the
 * default (CB_REASON_DEFAULT, or where that is not available the "Out of
 * stock" seller-cancel reason that is).
 *
 * @param[out] key       on 0: the key to send (borrowed from @rr or @requested).
 * @param[out] defaulted on 0: 1 when the default was chosen.
 * @return 0, or 1 with the text the user is shown in @err (which names the
 *         keys that are available).
 */
int cb_reason_pick(const cb_codeset *rr, cb_ord_status st, const char *status_value,
    const char *requested, const char **key, int *defaulted, char *err, size_t errlen);

/* The display text of reason @key in @rr ("Out of stock"), or NULL. */
const char *cb_reason_text(const cb_codeset *rr, const char *key);

/*
 * A new version @version of the mirrored reverse-reason set, from @cur and
 * the list the marketplace returned: keys it returns are active (their
 * display text and available statuses as it says), keys it no longer
 * returns are retired, never deleted; new keys are added with a category
 * read from their prefix.  Status values the list uses that @cur does not
 * declare are added to the order_status dimension.
 *
 * @param[out] out a new set (cb_codeset_free()).
 * @return CB_OK; CB_EPARSE with @why naming the key the set cannot hold
 *         (a key its format refuses); CB_ENOMEM.
 */
int cb_reason_sync_build(cb_codeset **out, const cb_codeset *cur, const struct cb_mkt_reasons *rs,
    int version, char *why, size_t whylen);

/*
 * The mirror of market @market before its first sync: its name
 * (tiktok-reverse-reason@VN), title, format and categories, no entries,
 * version 1.  cb_reason_sync_build() on it with version 1 makes the
 * market's first version.
 * @return CB_OK; CB_EINVAL for a market that is not two letters A-Z; CB_ENOMEM.
 */
int cb_reason_set_empty(cb_codeset **out, const char *market);

/* ---- the worker ----------------------------------------------------------- */

typedef struct cb_worker cb_worker;

/* The current version of code set @name: a new reference, or NULL. */
typedef cb_codeset *(*cb_worker_set_fn)(void *arg, const char *name);

typedef struct {
	cb_store        *store;
	const char      *market_config;  /* file of shop sections; NULL: none (refunds fail, or wait if a cancel may be out) */
	const char *const *market_env;   /* CB_TIKTOK_<KEY> overrides of every shop, NULL-terminated; NULL: none */
	const char      *catalogs;       /* sets not stored yet come from here (NULL: none) */
	cb_worker_set_fn sets;           /* NULL: the latest stored version, else @catalogs */
	void            *sets_arg;
	unsigned         lease_ms;       /* 0: 15000; extended every lease/3 while a refund is in hand */
	unsigned         max_per_pass;   /* 0: 1000 */
	int              verbose;        /* log each marketplace exchange (secrets masked) */
	unsigned         budget_rate;    /* requests/s per shop and endpoint family (0: budget.h's default) */
	unsigned         budget_burst;   /* requests at once (0: budget.h's default) */
	unsigned         outcome_deadline_ms; /* checks of an unknown outcome stop: Unknown (0: outcome.h's default) */
	unsigned         order_max_age_ms; /* an order's copy older than this is read from the marketplace
	                                  * before a cancel (order_pull.h); 0: always */
} cb_worker_opts;

/* Counters (since the worker started, or of one pass). */
typedef struct {
	unsigned long passes;
	unsigned long claimed;       /* refunds taken */
	unsigned long completed;     /* refunds Completed */
	unsigned long failed;        /* refunds set to Error */
	unsigned long retrying;      /* put back to be tried again later */
	unsigned long waiting;       /* accepted by the marketplace, pending its decision */
	unsigned long cancels_sent;  /* cancel requests sent */
	unsigned long rechecks;      /* marketplace asked whether an earlier cancel landed */
	unsigned long lost;          /* lease lost to another worker mid-way */
} cb_worker_stats;

/**
 * A worker over @p o->store (which must outlive it).  Its lease owner id is
 * "host:pid:random".  CB_OK, CB_EINVAL, CB_ENOMEM.
 */
int cb_worker_new(cb_worker **out, const cb_worker_opts *o);
void cb_worker_free(cb_worker *w);
const char *cb_worker_owner(const cb_worker *w);

/**
 * One pass: claim and process due refunds until none is due, @p stop is
 * set, or max_per_pass were taken.  @p pass (may be NULL) gets this pass's
 * counts.  CB_OK, or the storage error that ended the pass.
 */
int cb_worker_pass(cb_worker *w, const atomic_int *stop, cb_worker_stats *pass);

/**
 * Passes every @p interval_ms until @p stop is set (checked every 100 ms).
 * When @p reload (may be NULL) is set, it is cleared and cb_worker_reload()
 * runs before the next pass (SIGHUP: the configuration file changed).
 */
void cb_worker_run(cb_worker *w, unsigned interval_ms, const atomic_int *stop, atomic_int *reload);

/** Totals since the worker was made (safe to read from another thread). */
void cb_worker_totals(const cb_worker *w, cb_worker_stats *out);

/** Forget cached shop clients and code sets (the configuration file or
 * the catalogs changed).  Only between passes. */
void cb_worker_reload(cb_worker *w);

#endif
