/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync.h - the reverse-reason sync: read the marketplace's reverse reason
 * list with a shop's credentials, build the next version of the mirror of
 * the shop's market (tiktok-reverse-reason@GB, markets.h) from it, and hand
 * that version to a publish callback.  A mirror follows its upstream: the
 * caller records what the marketplace says as the next version, with the
 * changes by rule name, and does not refuse it for breaking its users (the
 * refusing gate is for the sets codebook owns).  A sync of one market never
 * touches another's mirror.  Syncs are serialised, so each builds on the
 * version before.  The service (POST /v1/marketplaces/tiktok/reverse-
 * reasons/sync, and its schedule) supplies the sets it serves and its
 * publish; docs/orders.md ("Reverse reasons") shows a sync.
 */
#ifndef CB_ORDERS_SYNC_H
#define CB_ORDERS_SYNC_H

#include <stddef.h>

#include <codebook.h>

#include "markets.h"

/* What the caller's gate did with a version. */
typedef enum {
	CB_PUBLISH_CREATED = 0,  /* stored and served */
	CB_PUBLISH_UNCHANGED,    /* the same as the version served */
	CB_PUBLISH_REFUSED,      /* breaking: the report says why; nothing changed */
	CB_PUBLISH_STALE         /* another version was published meanwhile */
} cb_publish_outcome;

/* The set served now under @name: a new reference, or NULL (a market
 * synced for the first time). */
typedef cb_codeset *(*cb_sync_current_fn)(void *arg, const char *name);

/* Publish @cs (borrowed) through the gate.  CB_OK with *outcome, *report
 * (the diff, may stay NULL; the caller of cb_reasons_sync frees it through
 * cb_sync_result_clear) and *old_version (the version served before, 0 if
 * none); or a storage error with cb_errmsg() set. */
typedef int (*cb_sync_publish_fn)(void *arg, cb_codeset *cs, cb_publish_outcome *outcome,
    cb_report **report, int *old_version);

struct cb_store;

typedef struct {
	const char        *market_config;  /* the shops' file, after the database's shops; NULL: none */
	const char *const *market_env;     /* CB_TIKTOK_<KEY> overrides, NULL-terminated; NULL: none */
	const char        *shop;           /* the shop whose credentials read the list; NULL or "": the file's top */
	cb_sync_current_fn current;
	cb_sync_publish_fn publish;
	void              *arg;            /* passed to both */
	struct cb_store   *store;          /* the shops it holds come first (shops.h, cb_shop_open); error
	                                    * codes tiktok-shop-error does not hold are noted there as
	                                    * observed (NULL: neither) */
	const cb_codeset  *errors;         /* tiktok-shop-error, to tell them (NULL: nothing noted) */
} cb_sync_opts;

typedef enum {
	CB_SYNC_DONE = 0,        /* the list was mirrored: published, or nothing changed */
	CB_SYNC_NO_CONFIG,       /* no marketplace configuration at all */
	CB_SYNC_BAD_CONFIG,      /* the shop's configuration is missing or incomplete: why */
	CB_SYNC_MARKET_FAILED,   /* the marketplace did not give its list: market */
	CB_SYNC_UNMIRRORABLE,    /* the list cannot be held by the set (a key its format refuses): why */
	CB_SYNC_REFUSED,         /* the caller's publish refused the new version: report */
	CB_SYNC_STALE,           /* another version was published meanwhile */
	CB_SYNC_UNKNOWN_SHOP     /* the configuration is there, the named shop's section is not: why */
} cb_sync_outcome;

/* A failed marketplace call, as much of it as a caller shows (names, not
 * the client's types: the caller need not know the marketplace client). */
typedef struct {
	char        code[24];        /* the code to look up in tiktok-shop-error */
	const char *kind;            /* "timeout", "market", ... */
	const char *outcome;         /* "not-sent", "answered", "unknown" */
	char        message[512];
	char        request_id[128];
	int         http_status;     /* 0: no reply */
} cb_market_failure;

typedef struct {
	cb_sync_outcome   outcome;
	char              market[3];         /* the shop's market, when known */
	char              set[CB_SET_NAME_SIZE]; /* its mirror: tiktok-reverse-reason@GB */
	int               changed;           /* DONE: a new version is served */
	int               published;         /* DONE: the gate was asked (else nothing differed) */
	int               version;           /* DONE: the version built; REFUSED, STALE: the one proposed */
	int               previous_version;  /* served before (after the gate was asked) */
	size_t            nreasons;          /* reasons in the marketplace's list */
	char              request_id[128];   /* the marketplace's, of the list */
	cb_report        *report;            /* the gate's diff (published or refused), or NULL */
	cb_market_failure failure;           /* MARKET_FAILED */
	char              why[512];          /* BAD_CONFIG, UNMIRRORABLE */
} cb_sync_result;

/*
 * Sync the reverse reasons.  Returns CB_OK with out->outcome; or, when the
 * new version could not be built or stored, an error with cb_errmsg().
 * Free with cb_sync_result_clear() either way.
 */
int cb_reasons_sync(cb_sync_result *out, const cb_sync_opts *o);
void cb_sync_result_clear(cb_sync_result *r);

#endif
