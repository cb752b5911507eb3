/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svc_int.h - private to src/svc: the server's state, a request as the
 * handlers see it, the code-set registry, logging and metrics.  Handlers
 * never touch libmicrohttpd: server.c collects what they need (path
 * captures, query arguments, a few headers, the body) into struct svc_req
 * and turns what they produce (status, headers, body) into a response.
 */
#ifndef CB_SVC_INT_H
#define CB_SVC_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <codebook.h>

#include "err.h"
#include "../store/store.h"
#include "buf.h"
#include "jsonw.h"
#include "logger.h"
#include "problem.h"
#include "query.h"
#include "rfc3339.h"
#include "route.h"
#include "svc.h"
#include "svc_limits.h"
#include "sync.h"
#include "usage.h"

struct svc;

#define SVC_PIN_CACHE 8	/* stored versions kept loaded for pinned requests */

/* ---- the code-set registry (registry.c) ------------------------------- */

/* A set as served: the loaded set and its canonical bytes, precomputed. */
struct svc_set {
	atomic_int  refs;
	cb_codeset *cs;
	char       *json;            /* cb_codeset_to_json: GET /v1/code-sets/{set} */
	size_t      json_len;
	char        etag[80];
	char       *schema;          /* cb_export(JSONSCHEMA): GET /schemas/{set}.schema.json */
	size_t      schema_len;
	char        schema_etag[80];
	int         mslot;           /* metrics slot of the set's name */
	struct svc_usage *usage;     /* usage evidence of this version (usage.c); NULL: not counted */
};

/* Every set served at one moment.  Immutable once published; requests
 * hold a reference, so a publish never changes what a request sees. */
struct svc_snap {
	atomic_int      refs;
	size_t          n;
	struct svc_set *sets[CB_SVC_MAX_SETS];   /* by name */
};

struct svc_snap *svc_snap_get(struct svc *s);          /* +1 reference */
void svc_snap_put(struct svc_snap *snap);              /* NULL is a no-op */
struct svc_set *svc_snap_find(const struct svc_snap *snap, const char *name, size_t len);
void svc_set_put(struct svc_set *set);

enum svc_publish_outcome {
	PUB_CREATED = 0,     /* stored as version latest + 1 (or the first version) */
	PUB_UNCHANGED,       /* the latest stored version is exactly this */
	PUB_REFUSED,         /* breaking changes: report */
	PUB_STALE,           /* not above the latest stored version (published elsewhere, or a replay
	                      * with other content) */
	PUB_SKIPS,           /* above latest + 1: a version is exactly the previous plus one */
	PUB_FULL,            /* a new set, and CB_SVC_MAX_SETS are stored (room kept for the bundled) */
	PUB_TOO_HIGH         /* a version above CB_SVC_MAX_SET_VERSION */
};

/* What a publish did.  Free with svc_pub_clear(). */
struct svc_pub {
	enum svc_publish_outcome outcome;
	cb_report *report;        /* the diff against the latest stored version, or NULL */
	int        current_version;  /* the latest stored version it was judged against (0: none) */
	int        expected_version; /* the version a publish must have now (0: any) */
	char       etag[80];         /* of the proposed version (the ETag it is served with) */
};
void svc_pub_clear(struct svc_pub *p);

/*
 * The governance gate, for PUT, catalog files and the marketplace sync:
 * one compare-and-swap in the database (cb_store_set_publish): @cs is
 * judged against the latest version *stored*, read in the same write
 * transaction, so that several instances on one database judge alike and
 * a concurrent publish is refused (PUB_STALE).  Everything that can fail
 * is done before the write (serialising, the schema export, the limits).
 * A published version is served here at once and by every other instance
 * within a second (the follower).  Returns CB_OK with @out, or a storage
 * error (CB_EUNKNOWN: the commit failed, the version may be stored).
 */
enum svc_pub_mode {
	SVC_PUB_GATE = 0,   /* the refusing gate: PUT, catalog files (the sets codebook owns) */
	SVC_PUB_FOLLOW,     /* a mirror's sync: breaking changes are recorded, not refused */
	SVC_PUB_DRY_RUN     /* the gate's verdict and findings, nothing stored (compatibility) */
};
int svc_publish_set(struct svc *s, cb_codeset *cs, const char *source, const char *by,
    enum svc_pub_mode mode, struct svc_pub *out);

/* The marketplace sync's publish (SVC_PUB_FOLLOW), with the outcomes the
 * sync knows: PUB_SKIPS and PUB_TOO_HIGH are PUB_STALE, PUB_FULL an error. */
int svc_publish(struct svc *s, cb_codeset *cs, const char *source, const char *by,
    enum svc_publish_outcome *outcome, cb_report **report, int *old_version);

/*
 * A stored version of set @name as a set to serve (a new reference, to
 * svc_set_put()): version @version, or when @version is 0 the version in
 * force at @at_us (microseconds since 1970: the latest published at or
 * before it).  Versions never change, so the last few loaded are kept.
 * CB_ENOTFOUND when there is none (cb_errmsg() says which versions there
 * are); a storage error otherwise.
 */
int svc_registry_version(struct svc *s, const char *name, int version, int64_t at_us, struct svc_set **out);

/*
 * Start-up, in order: svc_registry_load() (the bundled names found in the
 * catalogs directory get room kept for them and are loaded first, then the
 * other stored sets), svc_registry_sync_catalogs() (each catalog file
 * through the gate; again on SIGHUP), svc_registry_follow() (the thread
 * that loads what other instances publish).  svc_registry_kick() makes the
 * follower reload now (SIGHUP).  svc_registry_free() stops it.
 */
int svc_registry_load(struct svc *s);
void svc_registry_sync_catalogs(struct svc *s);
int svc_registry_follow(struct svc *s);
void svc_registry_kick(struct svc *s);
void svc_registry_free(struct svc *s);


/* ---- the markets' reverse-reason mirrors (mirrors.c) ------------------ */

#define SVC_MAX_MARKETS 64

/* What the syncs of one market did (this instance's, on demand or scheduled). */
struct svc_market {
	char          market[3];
	int64_t       last_ok_ms;       /* Unix ms of the last good sync; 0: none yet */
	int64_t       last_fail_ms;     /* of the last failed one; 0: none */
	unsigned      fails_since_ok;
	unsigned long failures, changed, unchanged;   /* since start */
	int           version;          /* the mirror's version after the last good sync */
	char          last_error[256];
};

/* Sync the reverse reasons with shop @shop's credentials (""/NULL: the
 * file's top), published in follow mode by @by; the market's state noted.
 * As cb_reasons_sync(). */
int svc_sync_run(struct svc *s, const char *shop, const char *by, cb_sync_result *res);
/* Start the scheduled syncs (opts.sync_interval_ms; none when 0 or without
 * a marketplace configuration), and stop them. */
int svc_sync_start(struct svc *s);
void svc_sync_stop(struct svc *s);
/* A copy of every market's state (at most SVC_MAX_MARKETS). */
void svc_sync_markets(struct svc *s, struct svc_market *out, size_t *n);
/* Is @mk's mirror stale: scheduled syncs have failed since its last good
 * one, which is older than 3 intervals (or none since start)? */
int svc_sync_stale(const struct svc *s, const struct svc_market *mk, int64_t now_ms);

/* Readiness (GET /readyz): why the instance should not take traffic now
 * (n == 0: it is ready), and the state of each market's mirror. */
#define SVC_READY_MAX_REASONS 12
struct svc_ready_item { const char *check; char detail[512]; };

/* reasons: the instance should not take traffic (503).  attention: the
 * shared state needs a person (a market's stale mirror, Unknown refunds,
 * a shop's credentials), which every instance sees alike: reported with
 * 200, since a 503 would take every instance out of the balancer at once
 * and stop the code checks that do not depend on it. */
struct svc_readiness {
	size_t n, nattention;
	struct svc_ready_item reasons[SVC_READY_MAX_REASONS];
	struct svc_ready_item attention[SVC_READY_MAX_REASONS];
	size_t  code_sets, bundled_sets;
	int64_t db_serial, loaded_serial;
	struct svc_market markets[SVC_MAX_MARKETS];
	size_t  nmarkets;
};
void svc_registry_ready(struct svc *s, struct svc_readiness *out);
/* Adds one item to a readiness list of SVC_READY_MAX_REASONS (beyond: dropped). */
void svc_ready_note(struct svc_ready_item *items, size_t *n, const char *check, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- metrics (metrics.c) --------------------------------------------- */

struct svc_metrics;
int  svc_metrics_new(struct svc_metrics **out);
void svc_metrics_free(struct svc_metrics *m);
/* @route: index into svc_routes, or -1 for requests that matched none. */
void svc_metrics_request(struct svc_metrics *m, int route, unsigned status, uint64_t ns);
/* A slot for the checks of set @name (stable for the process), or -1. */
int  svc_metrics_slot(struct svc_metrics *m, const char *name);
void svc_metrics_check(struct svc_metrics *m, int slot, cb_reason reason);
void svc_metrics_render(struct svc *s, cb_buf *b);

/* ---- the server ------------------------------------------------------- */

struct svc {
	cb_svc_opts      opts;
	cb_store        *store;
	pthread_mutex_t  snap_mu;        /* guards snap (the pointer only) */
	struct svc_snap *snap;
	pthread_mutex_t  publish_mu;     /* one publish at a time in this process */
	/* the registry's view of the database (registry.c) */
	char           **reserved;       /* the bundled sets: catalog file names at start, sorted */
	size_t           nreserved;
	pthread_t        follow_thread;
	int              follow_running;
	atomic_int       follow_stop;
	atomic_int       follow_kick;    /* reload now (SIGHUP, a swap that failed) */
	pthread_mutex_t  ready_mu;       /* guards the follower's state below */
	int64_t          db_serial;      /* the serial of published versions last read */
	int64_t          loaded_serial;  /* the serial the served sets were loaded at */
	uint64_t         behind_since_ns;/* mono time db_serial first differed from loaded_serial; 0 */
	int64_t          watch_ok_ms, watch_fail_ms;
	char             watch_error[256];
	char             unloaded[4][72];/* stored sets that could not be loaded (the first few) */
	size_t           nunloaded;
	/* stored versions loaded for ?version= and ?as_of= (registry.c), the
	 * least recently used replaced */
	pthread_mutex_t  pin_mu;
	struct svc_set  *pins[SVC_PIN_CACHE];
	uint64_t         pin_used[SVC_PIN_CACHE];
	uint64_t         pin_tick;
	struct svc_metrics *metrics;
	/* the mappings between sets: the catalogs' mappings/ files, loaded at
	 * start and never changed (h_mappings.c, the gate in registry.c) */
	cb_mappings     *mappings;
	/* usage evidence: the retired counters and the flusher (usage.c) */
	struct svc_usage_sink usage;
	atomic_int       stopping;
	atomic_long      inflight;
	uint64_t         rid_seed;
	atomic_ullong    rid_next;
	char             url[96];
	uint64_t         started_ns;
	/* the in-process cancellation worker (src/orders), when enabled */
	struct cb_worker *worker;
	pthread_t        worker_thread;
	int              worker_running;
	atomic_int       worker_stop;
	atomic_int       worker_reload;  /* SIGHUP: the worker re-reads the shops' configuration */
	/* the markets' mirrors (mirrors.c): scheduled syncs and each market's state */
	pthread_t        sync_thread;
	int              sync_running;
	atomic_int       sync_stop;
	pthread_mutex_t  sync_mu;        /* guards markets */
	struct svc_market markets[SVC_MAX_MARKETS];
	size_t           nmarkets;
	int64_t          sync_started_ms;
	/* the front door (door.c) and the HTTP layer it hands connections to */
	struct svc_door *door;
	void            *http;           /* server.c's daemon */
};

#define SVC_MAX_HEADERS 12   /* the console's pages: 5, CORS: 3, a pinned set's version */

struct svc_req {
	struct svc      *svc;
	enum svc_method  method;
	const char      *path;
	int              route;          /* index into svc_routes, -1 none */
	struct svc_match m;
	struct { const char *k, *v; } args[CB_SVC_MAX_QUERY_ARGS];
	size_t           nargs;
	/* the query read against the route's table (query.h): its parameters
	 * in the table's order, and those left to the handler (contexts) */
	struct svc_qval  q[SVC_MAX_QPARAMS];
	struct { const char *k, *v; } qother[CB_SVC_MAX_QUERY_ARGS];
	size_t           nqother;
	struct svc_set  *pinned;         /* a stored version loaded for ?version= / ?as_of= (released at
	                                  * the end) */
	const char      *if_none_match;
	const char      *idempotency_key;   /* the Idempotency-Key header, or NULL */
	const char      *origin;         /* the Origin header (CORS, cors.c), or NULL */
	const char      *authorization;     /* the Authorization header, or NULL (webhooks: the signature) */
	char             request_id[CB_SVC_REQUEST_ID_MAX + 1];
	char             key_name[CB_KEY_NAME_MAX + 1];
	cb_buf           body;
	struct svc_snap *snap;           /* taken on first use, released at the end */
	/* the response */
	unsigned         status;
	cb_buf           out;
	const char      *ctype;
	struct { const char *k; char v[160]; } hdrs[SVC_MAX_HEADERS];
	size_t           nhdrs;
	/* a body borrowed from a set (no copy): released with the response */
	const char      *borrowed;
	size_t           borrowed_len;
	struct svc_set  *borrowed_owner;
	enum svc_problem problem;        /* for the log line */
	size_t           len_if_200;     /* a 304: the length the 200 would have had */
	int              anon;           /* no API key on an R_ANON_CAPPED route: CB_SVC_ANON_* apply */
};

/* The snapshot of the sets for this request (taken once). */
struct svc_snap *svc_req_snap(struct svc_req *r);
/* The path capture @name as a NUL-terminated copy into @dst (size @n);
 * NULL if absent or too long. */
const char *svc_req_capture(struct svc_req *r, const char *name, char *dst, size_t n);
/* Query argument @name, or NULL. */
const char *svc_req_arg(const struct svc_req *r, const char *name);
void svc_req_header(struct svc_req *r, const char *k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* 304 Not Modified for a representation of @len200 bytes: the response
 * carries that length, as the 200 would (RFC 9110 8.6), not 0. */
void svc_not_modified(struct svc_req *r, size_t len200);

/* Respond with a JSON document built in r->out. */
void svc_json(struct svc_req *r, unsigned status);
/* A writer on r->out (compact). */
void svc_json_begin(struct svc_req *r, cb_jw *w);

/* Problem responses: svc_problem writes a whole one; svc_problem_begin
 * leaves it open for extension members (then svc_problem_end). */
void svc_problem(struct svc_req *r, enum svc_problem p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void svc_problem_begin(struct svc_req *r, cb_jw *w, enum svc_problem p, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void svc_problem_end(struct svc_req *r, cb_jw *w);
/* 404 unknown-set, listing the sets served. */
void svc_problem_unknown_set(struct svc_req *r, const char *name, size_t len);

/*
 * Answer a failed write (@rc from the store; @what names it for the detail:
 * "nothing was stored", "the batch"): CB_EUNKNOWN (the commit itself
 * failed: it may be stored) is 503 outcome-unknown with Connection: close,
 * telling the client to retry with the same ids; CB_EIO and CB_EUNAVAIL
 * (disk full, read-only, locked: nothing was done) are 503
 * storage-unavailable with Retry-After; anything else is 500.
 */
void svc_store_problem(struct svc_req *r, int rc, const char *what);

/*
 * The set named by the {set} capture, or NULL after answering 404.  On an
 * R_PINNED route, the version its ?version= or ?as_of= names (a stored
 * version, held until the request ends), and a Codebook-Set-Version
 * header naming the version answered from.
 */
struct svc_set *svc_req_set(struct svc_req *r);
/* The same for set @name (@len bytes). */
struct svc_set *svc_req_set_named(struct svc_req *r, const char *name, size_t len);

/* Answer a request-level fault of body parsing (items.h) as a problem;
 * @limit is reported for batch-too-large. */
struct svc_fault;
void svc_fault_respond(struct svc_req *r, const struct svc_fault *f, size_t limit);

/* Does If-None-Match @inm (a list of entity tags, or "*") match @etag? */
int svc_etag_match(const char *inm, const char *etag);

/* Handlers (h_*.c). */
typedef void (*svc_handler)(struct svc_req *r);
void h_healthz(struct svc_req *r);
void h_readyz(struct svc_req *r);
void h_metrics(struct svc_req *r);
void h_openapi(struct svc_req *r);
void h_problem_doc(struct svc_req *r);
void h_sets_list(struct svc_req *r);
void h_set_get(struct svc_req *r);
void h_set_put(struct svc_req *r);
void h_set_codes(struct svc_req *r);
void h_set_code(struct svc_req *r);
void h_set_check(struct svc_req *r);
void h_set_versions(struct svc_req *r);
void h_set_changes(struct svc_req *r);	/* h_changes.c */
void h_set_version(struct svc_req *r);
void h_schema(struct svc_req *r);
void h_error_explain(struct svc_req *r);
void h_incidents_post(struct svc_req *r);
void h_incidents_list(struct svc_req *r);
void h_incidents_report(struct svc_req *r);
void h_events_post(struct svc_req *r);
void h_events_list(struct svc_req *r);
void h_events_report(struct svc_req *r);
void h_orders_post(struct svc_req *r);
void h_orders_list(struct svc_req *r);
void h_order_get(struct svc_req *r);
void h_order_cancel(struct svc_req *r);
void h_reasons_sync(struct svc_req *r);
void h_refund_outcome(struct svc_req *r);   /* h_outcome.c */
/* h_shops.c */
void h_shops_list(struct svc_req *r);
void h_shops_post(struct svc_req *r);
void h_shop_delete(struct svc_req *r);
void h_shop_rotate(struct svc_req *r);
/* The shops' state in /metrics and /readyz (h_shops.c). */
void svc_shops_metrics(struct svc *s, cb_buf *b);
void svc_shops_ready(struct svc_req *r, cb_jw *w);
/* Each shop that needs attention as a readiness "attention" item (check "shops"). */
struct svc_readiness;
void svc_shops_attention(struct svc_req *r, struct svc_readiness *rd);
void h_console(struct svc_req *r);
void h_console_asset(struct svc_req *r);
void h_set_diff(struct svc_req *r);

void h_set_compat(struct svc_req *r);
void h_set_observed(struct svc_req *r);
void h_webhook(struct svc_req *r);
/* codebook_webhooks_total{outcome}: the notifications received (h_webhooks.c). */
void svc_webhook_metrics(cb_buf *b);
/* mappings between sets (h_mappings.c) */
void h_mappings_list(struct svc_req *r);
void h_mapping_get(struct svc_req *r);
void h_mapping_translate(struct svc_req *r);
/* usage evidence (usage.c) */
void h_set_usage(struct svc_req *r);

/* The proposed version in the body of a PUT or compatibility request, for
 * the set the URL names: 0 with *out (cb_codeset_free()), or -1 after a
 * 400 or 422. */
int svc_req_proposed(struct svc_req *r, cb_codeset **out);
/* Answer the dry run of publishing @cs (borrowed): the gate's verdict
 * against the latest stored version, its findings and impact (h_compat.c). */
void svc_dry_run(struct svc_req *r, cb_codeset *cs);

/* The OpenAPI document (generated from src/svc/openapi.json at build time). */
extern const unsigned char svc_openapi_json[];
extern const size_t svc_openapi_json_len;

#endif
