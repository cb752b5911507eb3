/*
 * route.h - the routing table of the HTTP service, as data, and the
 * matcher.  Pure: no HTTP library, no storage, so it is fuzzed
 * (fuzz/fuzz_http.c) and the OpenAPI test can list the routes
 * (codebook serve --routes).
 */
#ifndef CB_SVC_ROUTE_H
#define CB_SVC_ROUTE_H

#include <stddef.h>

#include "svc_limits.h"

enum svc_method { M_GET = 0, M_HEAD, M_POST, M_PUT, M_DELETE, M_PATCH, M_OPTIONS, M_OTHER, M_COUNT };

/* Handlers, by id: server.c maps them to functions. */
enum svc_handler_id {
	H_HEALTHZ = 0, H_METRICS, H_OPENAPI, H_PROBLEM_DOC,
	H_SETS_LIST, H_SET_GET, H_SET_PUT, H_SET_CODES, H_SET_CODE, H_SET_CHECK,
	H_SET_VERSIONS, H_SET_VERSION, H_SCHEMA, H_ERROR_EXPLAIN,
	H_INCIDENTS_POST, H_INCIDENTS_LIST, H_INCIDENTS_REPORT,
	H_EVENTS_POST, H_EVENTS_LIST, H_EVENTS_REPORT,
	H_ORDERS_POST, H_ORDERS_LIST, H_ORDER_GET, H_ORDER_CANCEL, H_REASONS_SYNC,
	H_READYZ,
	H_CONSOLE, H_CONSOLE_ASSET,
	H_COUNT
};

#define R_WRITE 0x1u  /* changes state: needs an API key */
#define R_OPEN  0x2u  /* never needs a key (probes, metrics, documentation) */
#define R_BODY  0x4u  /* takes a request body */
#define R_ANON_CAPPED 0x8u /* without an API key: CB_SVC_ANON_* limits (a small request could buy a
                              large answer) */

struct svc_route {
	enum svc_method method;
	const char     *pattern;   /* "/v1/code-sets/{set}/codes/{code}", "{set}.schema.json" */
	enum svc_handler_id handler;
	unsigned        flags;
	size_t          max_body;
	const char     *summary;
};

extern const struct svc_route svc_routes[];
extern const size_t svc_nroutes;

/* Captured path parameters: {name} = value (not NUL-terminated). */
struct svc_match {
	const char *name[CB_SVC_MAX_SEGMENTS];
	size_t      name_len[CB_SVC_MAX_SEGMENTS];
	const char *val[CB_SVC_MAX_SEGMENTS];
	size_t      val_len[CB_SVC_MAX_SEGMENTS];
	size_t      n;
};

/* "GET" -> M_GET ...; M_OTHER when unknown. */
enum svc_method svc_method_parse(const char *s);
const char *svc_method_name(enum svc_method m);

/*
 * Find the route for @method and @path (the path only, no query).
 * Returns its index, with the captures in @m; -1 when no route has that
 * path; -2 when routes have the path but not the method, with *allow set
 * to a bit mask of the methods they take (1 << M_GET ...).  HEAD matches
 * GET routes.
 */
int svc_route_match(const char *path, enum svc_method method, struct svc_match *m,
    unsigned *allow);

/* The capture called @name, or NULL (length in *len). */
const char *svc_match_get(const struct svc_match *m, const char *name, size_t *len);

#endif
