/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svc.h - `codebook serve`: the HTTP service (libmicrohttpd) over the
 * store (SQLite).  The CLI reads the configuration (flags, environment,
 * file: src/cli/config.c) and calls cb_svc_run() with it; nothing below
 * reads the environment.  docs/http.md describes the routes,
 * docs/configuration.md the settings.
 */
#ifndef CB_SVC_H
#define CB_SVC_H

#include <stdio.h>

typedef struct {
	const char *listen;      /* "127.0.0.1:8080"; port 0 picks a free one */
	const char *db_path;     /* "./var/codebook.db" */
	const char *catalogs;    /* directory of NAME.json files */
	unsigned    threads;     /* worker threads; 0 = CPUs - 1, at least 1 */
	int         require_key_for_reads;
	int         log_requests;   /* one JSON line per request (default 1) */
	const char *const *cors_origins; /* --cors-origin: origins whose pages may call the API, each
	                                  * checked with cb_svc_origin_check(), NULL-terminated; NULL: none */
	/* orders and cancellations (seed 003) */
	unsigned    worker_interval_ms; /* the in-process cancellation worker's pause; 0: no worker */
	unsigned    worker_lease_ms;    /* 0: the worker's default */
	unsigned    budget_rate, budget_burst; /* a shop's request budget (0: the defaults) */
	unsigned    outcome_deadline_ms; /* unknown cancel outcomes: checks until Unknown (0: default) */
	unsigned    order_max_age_ms;   /* the worker's order pull (orders.h); 0: always */
	int         worker_verbose;     /* log each marketplace exchange (secrets masked) */
	const char *market_config;      /* shops' marketplace configuration file; NULL: none */
	const char *const *market_env;  /* CB_TIKTOK_<KEY> overrides, NULL-terminated; NULL: none */
	const char *market_shop;        /* the shop whose credentials sync the reverse reasons; NULL: none */
	unsigned    sync_interval_ms;   /* every market's reverse reasons synced this often (jittered); 0: never */
	unsigned    usage_flush_ms;     /* usage counts stored this often; 0: at the usage route and shutdown only */
	/* hostile clients (docs/http.md, Timeouts and connection limits); 0: the default
	 * (CB_SVC_DEFAULT_* in svc_limits.h) */
	unsigned    max_connections;    /* open connections in all */
	unsigned    max_per_client;     /* from one IP address (UINT_MAX: no limit) */
	unsigned    header_timeout_ms;  /* the request head, from connect or the previous response */
	unsigned    body_timeout_ms;    /* the request body, from the end of the head */
	unsigned    send_timeout_ms;    /* the client reading the response */
} cb_svc_opts;

/*
 * Bind, open the store, load and gate the catalogs, then serve until
 * SIGTERM or SIGINT (graceful: requests in flight finish).  SIGHUP reloads
 * the catalogs through the governance gate.  Once requests are served, a
 * JSON log line "listening" on standard error gives the URL actually
 * bound ("url"); nothing claims to listen before that.
 * Returns 0 after a clean shutdown, 1 when the server could not start
 * (the reason was logged).
 */
int cb_svc_run(const cb_svc_opts *opts);

/* The most origins --cors-origin may name, and the longest one (bytes). */
#define CB_SVC_MAX_CORS_ORIGINS 32
#define CB_SVC_MAX_ORIGIN       200

/* CB_OK when @origin may be given to --cors-origin (SCHEME://HOST[:PORT],
 * as browsers send it); else CB_EINVAL, cb_errmsg() saying why. */
int cb_svc_origin_check(const char *origin);

/* Print "METHOD PATTERN" for every route, one a line, followed by
 * " ?a&b&context.DIMENSION" for a route that takes query parameters (for
 * tests/docs). */
void cb_svc_print_routes(FILE *fp);

#endif
