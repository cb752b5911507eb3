/* SPDX-License-Identifier: Apache-2.0 */
/*
 * route.h - the routing table of the HTTP service, as data, and the
 * matcher.  Pure: no HTTP library, no storage, so it is fuzzed
 * (fuzz/fuzz_http.c) and the OpenAPI test can list the routes
 * (codebook serve --routes).
 *
 * Each route names the query parameters it takes (a table; none when
 * NULL), and the server checks every request's query against it before
 * the handler runs: an unknown parameter is a 400 on every route, so a
 * new route cannot forget to refuse one.
 */
#ifndef CB_SVC_ROUTE_H
#define CB_SVC_ROUTE_H

#include <stddef.h>
#include <stdint.h>

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
	H_SET_COMPAT, H_SET_OBSERVED, H_SET_DIFF,
	H_REFUND_OUTCOME,
	H_WEBHOOK,
	H_SET_CHANGES,                  /* the life of a code (issue 13) */
	H_SHOPS_LIST, H_SHOPS_POST, H_SHOP_DELETE, H_SHOP_ROTATE,
	/* mappings between sets (h_mappings.c) */
	H_MAPPINGS_LIST, H_MAPPING_GET, H_MAPPING_TRANSLATE,
	/* usage evidence (usage.c) */
	H_SET_USAGE,
	H_COUNT
};

#define R_WRITE 0x1u  /* changes state: needs an API key */
#define R_OPEN  0x2u  /* never needs a key (probes, metrics, documentation) */
#define R_BODY  0x4u  /* takes a request body */
#define R_ANON_CAPPED 0x8u /* without an API key: CB_SVC_ANON_* limits (a small request could buy a
                              large answer) */
#define R_KEY   0x20u  /* needs an API key even to read (shops: credentials live there) */
#define R_PINNED 0x10u /* reads a set: its query's first two parameters are version and as_of, which
                          choose the version answered from (svc_req_set) */

/* ---- query parameters ----------------------------------------------- */

enum svc_qkind {
	SQ_STR = 0,   /* text, at most CB_SVC_MAX_QUERY_VALUE bytes */
	SQ_UINT,      /* a whole number in [min, max] */
	SQ_CURSOR,    /* a next_cursor from an earlier page */
	SQ_TIME,      /* an RFC 3339 date-time, to microseconds since 1970 */
	SQ_BOOL       /* true or false */
};

struct svc_qparam {
	const char     *name;
	enum svc_qkind  kind;
	uint64_t        min, max;    /* SQ_UINT */
	const char     *hint;        /* SQ_UINT: what the range means ("a page holds"), or NULL */
};

/* What a route does with parameters its table does not name. */
enum svc_qother {
	SQO_NONE = 0,   /* refused: 400 */
	SQO_CONTEXT,    /* "context.DIMENSION=VALUE" kept for the handler (the set's dimensions); others refused */
	SQO_DIMENSION   /* every other one is a DIMENSION=VALUE for the handler to check against the set */
};

struct svc_qspec {
	const struct svc_qparam *p;
	size_t                   n;
	enum svc_qother          other;
};

/* The first two parameters of every R_PINNED route. */
enum { SVC_Q_VERSION = 0, SVC_Q_AS_OF = 1 };

/* The rows of a paged listing, for the end of a table. */
#define SVC_Q_PAGE \
	{ "limit", SQ_UINT, 1, CB_SVC_MAX_PAGE, "a page holds" }, \
	{ "cursor", SQ_CURSOR, 0, 0, NULL }

struct svc_route {
	enum svc_method method;
	const char     *pattern;   /* "/v1/code-sets/{set}/codes/{code}", "{set}.schema.json" */
	enum svc_handler_id handler;
	unsigned        flags;
	size_t          max_body;
	const char     *summary;
	const struct svc_qspec *query;   /* the parameters it takes; NULL: none */
};

/* The query tables of the record routes, by kind (route.c): the fields a
 * listing filters on, as the store's record descriptors say (a unit test
 * holds them to cb_rec_describe()), then category, since, until, and the
 * page (listings) or group_by (reports). */
extern const struct svc_qspec svc_q_incidents_list, svc_q_incidents_report, svc_q_events_list,
    svc_q_events_report;

/* "?a&b&context.DIMENSION" of @q into @out (for --routes and messages). */
void svc_qspec_names(const struct svc_qspec *q, char *out, size_t size);

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
