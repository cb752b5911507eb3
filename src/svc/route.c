/*
 * route.c - the routing table (every route of the service, one line each)
 * and a segment-by-segment matcher.  A pattern segment is a literal or a
 * capture "{name}", optionally followed by a literal suffix
 * ("{set}.schema.json").  The OpenAPI document (openapi.json) describes
 * exactly these routes; tests/svc/e2e/test_openapi.py holds both to it.
 */
#include "route.h"

#include <string.h>

#define MB (1u << 20)

const struct svc_route svc_routes[] = {
	{ M_GET,  "/healthz",            H_HEALTHZ,       R_OPEN, 0, "liveness: the process answers" },
	{ M_GET,  "/readyz",             H_READYZ,        R_OPEN, 0, "readiness: sets, database, catalog" },
	{ M_GET,  "/metrics",            H_METRICS,       R_OPEN, 0, "Prometheus metrics" },
	{ M_GET,  "/openapi.json",       H_OPENAPI,       R_OPEN, 0, "this API's OpenAPI 3.1 document" },
	{ M_GET,  "/problems/{type}",    H_PROBLEM_DOC,   R_OPEN, 0, "what a problem type means" },
	{ M_GET,  "/v1/code-sets",       H_SETS_LIST,     0, 0, "the code sets served" },
	{ M_GET,  "/v1/code-sets/{set}", H_SET_GET,       0, 0, "a whole set (ETag, If-None-Match)" },
	{ M_PUT,  "/v1/code-sets/{set}", H_SET_PUT,       R_WRITE | R_BODY, CB_SVC_MAX_CODESET_BODY,
	  "publish a new version through the governance gate" },
	{ M_GET,  "/v1/code-sets/{set}/codes",        H_SET_CODES, 0, 0, "entries, filtered" },
	{ M_GET,  "/v1/code-sets/{set}/codes/{code}", H_SET_CODE,  0, 0, "one code's entries" },
	{ M_POST, "/v1/code-sets/{set}/check",        H_SET_CHECK, R_BODY | R_ANON_CAPPED, CB_SVC_MAX_BODY,
	  "check one code or a batch" },
	{ M_GET,  "/v1/code-sets/{set}/versions",           H_SET_VERSIONS, 0, 0, "published versions" },
	{ M_GET,  "/v1/code-sets/{set}/versions/{version}", H_SET_VERSION,  0, 0, "one published version" },
	{ M_GET,  "/schemas/{set}.schema.json",       H_SCHEMA,        0, 0, "JSON Schema of a set's codes" },
	{ M_GET,  "/v1/errors/{set}/{code}",          H_ERROR_EXPLAIN, 0, 0, "explain an error code; retry?" },
	{ M_POST, "/v1/incidents",         H_INCIDENTS_POST,   R_WRITE | R_BODY, CB_SVC_MAX_BODY,
	  "record incident reasons" },
	{ M_GET,  "/v1/incidents",         H_INCIDENTS_LIST,   0, 0, "incident reasons, filtered and paged" },
	{ M_GET,  "/v1/reports/incidents", H_INCIDENTS_REPORT, 0, 0, "incident reasons, counted" },
	{ M_POST, "/v1/events",            H_EVENTS_POST,      R_WRITE | R_BODY, CB_SVC_MAX_BODY,
	  "record outbound events" },
	{ M_GET,  "/v1/events",            H_EVENTS_LIST,      0, 0, "events, filtered and paged" },
	{ M_GET,  "/v1/reports/events",    H_EVENTS_REPORT,    0, 0, "events, counted" },
	{ M_POST, "/v1/orders",            H_ORDERS_POST,      R_WRITE | R_BODY, CB_SVC_MAX_BODY,
	  "create or update an order as imported from the marketplace" },
	{ M_GET,  "/v1/orders",            H_ORDERS_LIST,      0, 0, "orders, filtered and paged" },
	{ M_GET,  "/v1/orders/{id}",       H_ORDER_GET,        0, 0, "an order: items, payments, refund rows" },
	{ M_POST, "/v1/orders/{id}/cancellations", H_ORDER_CANCEL, R_WRITE | R_BODY, CB_SVC_MAX_BODY,
	  "request a seller cancellation: a Pending refund for the worker" },
	{ M_POST, "/v1/marketplaces/tiktok/reverse-reasons/sync", H_REASONS_SYNC, R_WRITE | R_BODY, 4096,
	  "mirror the marketplace's reverse reasons as a new version of tiktok-reverse-reason" },
	/* the web console (docs/console.md): open, so that it can ask for a key */
	{ M_GET,  "/",                     H_CONSOLE,          R_OPEN, 0, "the web console" },
	{ M_GET,  "/console/{file}",       H_CONSOLE_ASSET,    R_OPEN, 0, "the console's scripts and styles" },
};
const size_t svc_nroutes = sizeof(svc_routes) / sizeof(svc_routes[0]);

static const char *const method_names[M_COUNT] = {
	"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "OTHER"
};

enum svc_method
svc_method_parse(const char *s)
{
	int i;

	for (i = 0; s != NULL && i < M_OTHER; i++)
		if (strcmp(s, method_names[i]) == 0)
			return (enum svc_method)i;
	return M_OTHER;
}

const char *
svc_method_name(enum svc_method m)
{
	return (unsigned)m < M_COUNT ? method_names[m] : "OTHER";
}

/* Next segment of @p (after a '/'): start and length; NULL at the end. */
static const char *
segment(const char **p, size_t *len)
{
	const char *s = *p, *e;

	if (*s != '/')
		return NULL;
	s++;
	e = strchr(s, '/');
	*len = e ? (size_t)(e - s) : strlen(s);
	*p = s + *len;
	return s;
}

/* Match one path segment against one pattern segment. */
static int
match_segment(const char *pat, size_t plen, const char *seg, size_t slen, struct svc_match *m)
{
	const char *close, *suffix;
	size_t slen_suffix, vlen;

	if (plen == 0 || pat[0] != '{')
		return plen == slen && memcmp(pat, seg, slen) == 0;
	close = memchr(pat, '}', plen);
	if (close == NULL)
		return 0;
	suffix = close + 1;
	slen_suffix = plen - (size_t)(suffix - pat);
	if (slen <= slen_suffix || memcmp(seg + slen - slen_suffix, suffix, slen_suffix) != 0)
		return 0;	/* a capture is never empty */
	vlen = slen - slen_suffix;
	if (m->n == CB_SVC_MAX_SEGMENTS)
		return 0;
	m->name[m->n] = pat + 1;
	m->name_len[m->n] = (size_t)(close - pat - 1);
	m->val[m->n] = seg;
	m->val_len[m->n] = vlen;
	m->n++;
	return 1;
}

static int
match_path(const char *pattern, const char *path, struct svc_match *m)
{
	const char *pp = pattern, *sp = path, *ps, *ss;
	size_t pl, sl;

	m->n = 0;
	for (;;) {
		ps = segment(&pp, &pl);
		ss = segment(&sp, &sl);
		if (ps == NULL || ss == NULL)
			return ps == NULL && ss == NULL && *pp == '\0' && *sp == '\0';
		if (!match_segment(ps, pl, ss, sl, m))
			return 0;
	}
}

int
svc_route_match(const char *path, enum svc_method method, struct svc_match *m, unsigned *allow)
{
	struct svc_match tmp;
	size_t i;
	int found_path = 0;

	*allow = 0;
	if (path == NULL || path[0] != '/')
		return -1;
	if (method == M_HEAD)
		method = M_GET;
	for (i = 0; i < svc_nroutes; i++) {
		if (!match_path(svc_routes[i].pattern, path, &tmp))
			continue;
		if (svc_routes[i].method == method) {
			*m = tmp;
			return (int)i;
		}
		found_path = 1;
		*allow |= 1u << svc_routes[i].method;
		if (svc_routes[i].method == M_GET)
			*allow |= 1u << M_HEAD;
	}
	return found_path ? -2 : -1;
}

const char *
svc_match_get(const struct svc_match *m, const char *name, size_t *len)
{
	size_t i, n = strlen(name);

	for (i = 0; i < m->n; i++)
		if (m->name_len[i] == n && memcmp(m->name[i], name, n) == 0) {
			*len = m->val_len[i];
			return m->val[i];
		}
	*len = 0;
	return NULL;
}
