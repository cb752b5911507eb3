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
#include "rfc3339.h"
#include "route.h"
#include "svc.h"
#include "svc_limits.h"

struct svc;


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
int svc_publish_set(struct svc *s, cb_codeset *cs, const char *source, const char *by,
    struct svc_pub *out);

/* The same, with the outcomes the marketplace sync knows: PUB_SKIPS and
 * PUB_TOO_HIGH are PUB_STALE, PUB_FULL an error. */
int svc_publish(struct svc *s, cb_codeset *cs, const char *source, const char *by,
    enum svc_publish_outcome *outcome, cb_report **report, int *old_version);

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

/* Readiness (GET /readyz): why the instance should not take traffic now
 * (n == 0: it is ready). */
#define SVC_READY_MAX_REASONS 12
struct svc_readiness {
	size_t n;
	struct { const char *check; char detail[320]; } reasons[SVC_READY_MAX_REASONS];
	size_t  code_sets, bundled_sets;
	int64_t db_serial, loaded_serial;
};
void svc_registry_ready(struct svc *s, struct svc_readiness *out);

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
	struct svc_metrics *metrics;
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
	/* the front door (door.c) and the HTTP layer it hands connections to */
	struct svc_door *door;
	void            *http;           /* server.c's daemon */
};

#define SVC_MAX_HEADERS 12   /* the console's pages: 5, and CORS: 3 */

struct svc_req {
	struct svc      *svc;
	enum svc_method  method;
	const char      *path;
	int              route;          /* index into svc_routes, -1 none */
	struct svc_match m;
	struct { const char *k, *v; } args[CB_SVC_MAX_QUERY_ARGS];
	size_t           nargs;
	const char      *if_none_match;
	const char      *idempotency_key;   /* the Idempotency-Key header, or NULL */
	const char      *origin;         /* the Origin header (CORS, cors.c), or NULL */
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

/* The set named by the {set} capture, or NULL after answering 404. */
struct svc_set *svc_req_set(struct svc_req *r);

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
void h_console(struct svc_req *r);
void h_console_asset(struct svc_req *r);

/* The OpenAPI document (generated from src/svc/openapi.json at build time). */
extern const unsigned char svc_openapi_json[];
extern const size_t svc_openapi_json_len;

#endif
