/* SPDX-License-Identifier: Apache-2.0 */
/*
 * route.c - the routing table (every route of the service, one line each)
 * and a segment-by-segment matcher.  A pattern segment is a literal or a
 * capture "{name}", optionally followed by a literal suffix
 * ("{set}.schema.json").  The OpenAPI document (openapi.json) describes
 * exactly these routes; tests/svc/e2e/test_openapi.py holds both to it.
 */
#include "route.h"

/* a notification's body: CB_MKT_MAX_WEBHOOK_BODY of src/market (not included here) */
#define WEBHOOK_MAX_BODY (64u << 10)

#include <stdio.h>
#include <string.h>

#define MB (1u << 20)

/* ---- the query parameters of each route ------------------------------ */

#define Q(...) { __VA_ARGS__ }
#define SPEC(name, other, ...) \
	static const struct svc_qparam name##_p[] = { __VA_ARGS__ }; \
	static const struct svc_qspec name = { name##_p, sizeof(name##_p) / sizeof(name##_p[0]), other }
#define PINNED_P { "version", SQ_UINT, 1, 2147483647u, "a published version:" }, \
	{ "as_of", SQ_TIME, 0, 0, NULL }

SPEC(q_pinned, SQO_NONE, PINNED_P);
SPEC(q_codes, SQO_CONTEXT, PINNED_P, Q("category", SQ_STR, 0, 0, NULL), Q("status", SQ_STR, 0, 0, NULL),
    Q("q", SQ_STR, 0, 0, NULL), SVC_Q_PAGE);
SPEC(q_explain, SQO_DIMENSION, PINNED_P,
    Q("attempt", SQ_UINT, 1, 1000, "attempts count from 1 (the first call):"));
SPEC(q_put, SQO_NONE, Q("dry_run", SQ_BOOL, 0, 0, NULL));
SPEC(q_diff, SQO_NONE, Q("from", SQ_UINT, 1, 2147483647u, "a published version:"),
    Q("to", SQ_UINT, 1, 2147483647u, "a published version:"));
SPEC(q_observed, SQO_NONE, Q("limit", SQ_UINT, 1, 1000, "a listing holds"));
/* mappings between sets */
SPEC(q_translate, SQO_NONE, Q("code", SQ_STR, 0, 0, NULL));
SPEC(q_orders, SQO_NONE, Q("status", SQ_STR, 0, 0, NULL), Q("shop", SQ_STR, 0, 0, NULL),
    Q("marketplace_status", SQ_STR, 0, 0, NULL), Q("refund_status", SQ_STR, 0, 0, NULL),
    Q("market", SQ_STR, 0, 0, NULL), SVC_Q_PAGE);

#define REC_COMMON Q("category", SQ_STR, 0, 0, NULL), Q("since", SQ_TIME, 0, 0, NULL), \
	Q("until", SQ_TIME, 0, 0, NULL)
#define INCIDENT_FILTERS Q("order_id", SQ_STR, 0, 0, NULL), Q("rule", SQ_STR, 0, 0, NULL), \
	Q("reason_code", SQ_STR, 0, 0, NULL), Q("shop_id", SQ_STR, 0, 0, NULL)
#define EVENT_FILTERS Q("service", SQ_STR, 0, 0, NULL), Q("entity", SQ_STR, 0, 0, NULL), \
	Q("entity_id", SQ_STR, 0, 0, NULL), Q("to_state", SQ_STR, 0, 0, NULL), \
	Q("reason_code", SQ_STR, 0, 0, NULL), Q("actor", SQ_STR, 0, 0, NULL)
static const struct svc_qparam q_incl_p[] = { INCIDENT_FILTERS, REC_COMMON, SVC_Q_PAGE };
static const struct svc_qparam q_incr_p[] = { INCIDENT_FILTERS, REC_COMMON, Q("group_by", SQ_STR, 0, 0, NULL) };
static const struct svc_qparam q_evl_p[] = { EVENT_FILTERS, REC_COMMON, SVC_Q_PAGE };
static const struct svc_qparam q_evr_p[] = { EVENT_FILTERS, REC_COMMON, Q("group_by", SQ_STR, 0, 0, NULL) };
_Static_assert(sizeof(q_evl_p) / sizeof(q_evl_p[0]) <= SVC_MAX_QPARAMS &&
    sizeof(q_incl_p) / sizeof(q_incl_p[0]) <= SVC_MAX_QPARAMS, "SVC_MAX_QPARAMS is too small");
const struct svc_qspec svc_q_incidents_list = { q_incl_p, sizeof(q_incl_p) / sizeof(q_incl_p[0]), SQO_NONE };
const struct svc_qspec svc_q_incidents_report = { q_incr_p, sizeof(q_incr_p) / sizeof(q_incr_p[0]), SQO_NONE };
const struct svc_qspec svc_q_events_list = { q_evl_p, sizeof(q_evl_p) / sizeof(q_evl_p[0]), SQO_NONE };
const struct svc_qspec svc_q_events_report = { q_evr_p, sizeof(q_evr_p) / sizeof(q_evr_p[0]), SQO_NONE };

/* ---- the life of a code (issue 13): a check's mode and time, the change feed ---- */

SPEC(q_check, SQO_NONE, PINNED_P, Q("mode", SQ_STR, 0, 0, NULL), Q("at", SQ_TIME, 0, 0, NULL));
SPEC(q_changes, SQO_NONE, Q("since", SQ_UINT, 1, 2147483647u, "a published version:"));

/* ---- the routes -------------------------------------------------------- */

const struct svc_route svc_routes[] = {
	{ M_GET,  "/healthz",            H_HEALTHZ,       R_OPEN, 0, "liveness: the process answers", NULL },
	{ M_GET,  "/readyz",             H_READYZ,        R_OPEN, 0, "readiness: sets, database, catalog", NULL },
	{ M_GET,  "/metrics",            H_METRICS,       R_OPEN, 0, "Prometheus metrics", NULL },
	{ M_GET,  "/openapi.json",       H_OPENAPI,       R_OPEN, 0, "this API's OpenAPI 3.1 document", NULL },
	{ M_GET,  "/problems/{type}",    H_PROBLEM_DOC,   R_OPEN, 0, "what a problem type means", NULL },
	{ M_GET,  "/v1/code-sets",       H_SETS_LIST,     0, 0, "the code sets served", NULL },
	{ M_GET,  "/v1/code-sets/{set}", H_SET_GET,       R_PINNED, 0, "a whole set (ETag, If-None-Match)",
	  &q_pinned },
	{ M_PUT,  "/v1/code-sets/{set}", H_SET_PUT,       R_WRITE | R_BODY, CB_SVC_MAX_CODESET_BODY,
	  "publish a new version through the governance gate", &q_put },
	{ M_GET,  "/v1/code-sets/{set}/codes",        H_SET_CODES, R_PINNED, 0, "entries, filtered", &q_codes },
	{ M_GET,  "/v1/code-sets/{set}/codes/{code}", H_SET_CODE,  R_PINNED, 0, "one code's entries", &q_pinned },
	{ M_POST, "/v1/code-sets/{set}/check",        H_SET_CHECK, R_BODY | R_ANON_CAPPED | R_PINNED,
	  CB_SVC_MAX_BODY, "check one code or a batch", &q_check },
	{ M_POST, "/v1/code-sets/{set}/compatibility", H_SET_COMPAT, R_WRITE | R_BODY, CB_SVC_MAX_CODESET_BODY,
	  "the gate's verdict on a proposed version and its impact; nothing is stored", NULL },
	{ M_GET,  "/v1/code-sets/{set}/observed",     H_SET_OBSERVED, 0, 0,
	  "codes met in marketplace traffic that the set does not hold", &q_observed },
	{ M_GET,  "/v1/code-sets/{set}/versions",           H_SET_VERSIONS, 0, 0, "published versions", NULL },
	{ M_GET,  "/v1/code-sets/{set}/diff",               H_SET_DIFF,     0, 0,
	  "the changes between two published versions, by the gate's rules", &q_diff },
	{ M_GET,  "/v1/code-sets/{set}/versions/{version}", H_SET_VERSION,  0, 0, "one published version", NULL },
	/* the life of a code (issue 13) */
	{ M_GET,  "/v1/code-sets/{set}/changes",            H_SET_CHANGES,  0, 0,
	  "per-code changes since a version (ETag, If-None-Match)", &q_changes },
	{ M_GET,  "/schemas/{set}.schema.json",       H_SCHEMA,        R_PINNED, 0, "JSON Schema of a set's codes",
	  &q_pinned },
	{ M_GET,  "/v1/errors/{set}/{code}",          H_ERROR_EXPLAIN, R_PINNED, 0, "explain an error code; retry?",
	  &q_explain },
	{ M_POST, "/v1/incidents",         H_INCIDENTS_POST,   R_WRITE | R_BODY, CB_SVC_MAX_BODY,
	  "record incident reasons", NULL },
	{ M_GET,  "/v1/incidents",         H_INCIDENTS_LIST,   0, 0, "incident reasons, filtered and paged",
	  &svc_q_incidents_list },
	{ M_GET,  "/v1/reports/incidents", H_INCIDENTS_REPORT, 0, 0, "incident reasons, counted",
	  &svc_q_incidents_report },
	{ M_POST, "/v1/events",            H_EVENTS_POST,      R_WRITE | R_BODY, CB_SVC_MAX_BODY,
	  "record outbound events", NULL },
	{ M_GET,  "/v1/events",            H_EVENTS_LIST,      0, 0, "events, filtered and paged", &svc_q_events_list },
	{ M_GET,  "/v1/reports/events",    H_EVENTS_REPORT,    0, 0, "events, counted", &svc_q_events_report },
	{ M_POST, "/v1/orders",            H_ORDERS_POST,      R_WRITE | R_BODY, CB_SVC_MAX_BODY,
	  "create or update an order as imported from the marketplace", NULL },
	{ M_GET,  "/v1/orders",            H_ORDERS_LIST,      0, 0, "orders, filtered and paged", &q_orders },
	{ M_GET,  "/v1/orders/{id}",       H_ORDER_GET,        0, 0, "an order: items, payments, refund rows", NULL },
	{ M_POST, "/v1/orders/{id}/cancellations", H_ORDER_CANCEL, R_WRITE | R_BODY, CB_SVC_MAX_BODY,
	  "request a seller cancellation: a Pending refund for the worker", NULL },
	{ M_POST, "/v1/orders/{id}/refunds/{payment}/outcome", H_REFUND_OUTCOME, R_WRITE | R_BODY, 4096,
	  "say what became of a refund whose outcome is Unknown, after looking on the marketplace", NULL },
	{ M_POST, "/v1/marketplaces/tiktok/reverse-reasons/sync", H_REASONS_SYNC, R_WRITE | R_BODY, 4096,
	  "mirror a market's reverse reasons as a new version of tiktok-reverse-reason@MARKET", NULL },
	/* no API key: the notification's signature is its credential (h_webhooks.c) */
	{ M_POST, "/v1/marketplaces/tiktok/webhooks", H_WEBHOOK, R_OPEN | R_BODY, WEBHOOK_MAX_BODY,
	  "a TikTok Shop notification (signed): order status and cancellation changes", NULL },
	{ M_GET,  "/v1/shops",               H_SHOPS_LIST,  R_KEY, 0, "marketplace shops: settings, token expiries, "
	  "state (never a secret)", NULL },
	{ M_POST, "/v1/shops",               H_SHOPS_POST,  R_WRITE | R_BODY, 16384, "add a shop with its credentials",
	  NULL },
	{ M_DELETE, "/v1/shops/{name}",      H_SHOP_DELETE, R_KEY, 0, "remove a shop (no body: a key, as a write)", NULL },
	{ M_POST, "/v1/shops/{name}/rotate", H_SHOP_ROTATE, R_WRITE | R_BODY, 4096,
	  "replace a shop's tokens; clears its needs-attention state", NULL },
	/* the web console (docs/console.md): open, so that it can ask for a key */
	{ M_GET,  "/",                     H_CONSOLE,          R_OPEN, 0, "the web console", NULL },
	{ M_GET,  "/console/{file}",       H_CONSOLE_ASSET,    R_OPEN, 0, "the console's scripts and styles", NULL },
	/* mappings between sets (h_mappings.c) */
	{ M_GET,  "/v1/mappings",        H_MAPPINGS_LIST, 0, 0, "the mappings between sets", NULL },
	{ M_GET,  "/v1/mappings/{name}", H_MAPPING_GET,   0, 0, "a mapping and its links", NULL },
	{ M_GET,  "/v1/mappings/{name}/translate", H_MAPPING_TRANSLATE, 0, 0,
	  "a code of the source set in the target set's codes", &q_translate },
	/* usage evidence (usage.c) */
	{ M_GET,  "/v1/code-sets/{set}/usage", H_SET_USAGE, 0, 0,
	  "how often each code was checked, stored and rejected; who sends deprecated codes", NULL },
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

void
svc_qspec_names(const struct svc_qspec *q, char *out, size_t size)
{
	size_t i, o = 0;

	if (size == 0)
		return;
	out[0] = '\0';
	for (i = 0; q != NULL && i < q->n && o < size; i++)
		o += (size_t)snprintf(out + o, size - o, "%s%s", i ? "&" : "?", q->p[i].name);
	if (q != NULL && q->other != SQO_NONE && o < size)
		(void)snprintf(out + o, size - o, "%s%s", o ? "&" : "?", q->other == SQO_CONTEXT ? "context.DIMENSION" :
		    "DIMENSION");
}
