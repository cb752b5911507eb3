/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server.c - libmicrohttpd glue: start-up in the order bind, open, load,
 * serve (and only then the "listening" line); the per-request state
 * machine (framing checks, route, authenticate, collect the body within
 * its limit, dispatch, respond); one JSON log line and the metrics of each
 * request; signals (SIGHUP reloads the catalogs, SIGTERM and SIGINT stop
 * gracefully).  docs/internals/svc.md has the design.
 *
 * Connections come from the front door (door.c), which accepts them,
 * reads the first request head strictly and keeps every connection's
 * limits and deadlines; libmicrohttpd gets each connection with
 * MHD_add_connection() and tells the door where its request stands (the
 * phase: head, body, work, sending) through the callbacks below.  Requests
 * after the first on a keep-alive connection reach libmicrohttpd directly,
 * so begin() checks again what it can see of their framing.
 *
 * Graceful stop: the door stops accepting, new requests on open
 * connections get 503 shutting-down, and the requests in flight are given
 * CB_SVC_SHUTDOWN_GRACE_MS to finish.  A write is committed before its
 * response is queued, so an acknowledged write is on disk whatever happens
 * next.
 */
#include "svc_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <limits.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "console.h"
#include "door.h"
#include "framing.h"
#include "orders.h"
#include "parse.h"

/* A body up to this many times the route's limit is read and dropped
 * before the 413, so that clients which send it whole see the answer. */
#define SVC_DRAIN_FACTOR 4

/* Per-connection memory of libmicrohttpd (headers, read and write
 * buffers).  It is cleared for every request, so its size is paid per
 * request (32 KiB cost 25,000 more instructions a request than 16 KiB,
 * measured with callgrind).  16 KiB holds a head of CB_SVC_MAX_HEAD (8 KiB,
 * 64 fields) with room to spare, so libmicrohttpd never refuses a first
 * request's head itself; the door refuses larger ones first. */
#define SVC_CONN_MEMORY (16u << 10)

static const svc_handler handlers[H_COUNT] = {
	[H_HEALTHZ] = h_healthz, [H_METRICS] = h_metrics, [H_OPENAPI] = h_openapi,
	[H_PROBLEM_DOC] = h_problem_doc, [H_SETS_LIST] = h_sets_list, [H_SET_GET] = h_set_get,
	[H_SET_PUT] = h_set_put, [H_SET_CODES] = h_set_codes, [H_SET_CODE] = h_set_code,
	[H_SET_CHECK] = h_set_check, [H_SET_VERSIONS] = h_set_versions,
	[H_SET_CHANGES] = h_set_changes,
	[H_SET_VERSION] = h_set_version, [H_SCHEMA] = h_schema, [H_ERROR_EXPLAIN] = h_error_explain,
	[H_INCIDENTS_POST] = h_incidents_post, [H_INCIDENTS_LIST] = h_incidents_list,
	[H_INCIDENTS_REPORT] = h_incidents_report, [H_EVENTS_POST] = h_events_post,
	[H_EVENTS_LIST] = h_events_list, [H_EVENTS_REPORT] = h_events_report,
	[H_ORDERS_POST] = h_orders_post, [H_ORDERS_LIST] = h_orders_list, [H_ORDER_GET] = h_order_get,
	[H_ORDER_CANCEL] = h_order_cancel, [H_REASONS_SYNC] = h_reasons_sync,
	[H_SHOPS_LIST] = h_shops_list, [H_SHOPS_POST] = h_shops_post, [H_SHOP_DELETE] = h_shop_delete,
	[H_SHOP_ROTATE] = h_shop_rotate,
	[H_READYZ] = h_readyz, [H_SET_COMPAT] = h_set_compat, [H_SET_OBSERVED] = h_set_observed,
	[H_CONSOLE] = h_console, [H_CONSOLE_ASSET] = h_console_asset, [H_SET_DIFF] = h_set_diff,
	[H_REFUND_OUTCOME] = h_refund_outcome,
	[H_WEBHOOK] = h_webhook,
	/* mappings between sets */
	[H_MAPPINGS_LIST] = h_mappings_list, [H_MAPPING_GET] = h_mapping_get,
	[H_MAPPING_TRANSLATE] = h_mapping_translate,
	/* usage evidence */
	[H_SET_USAGE] = h_set_usage,
};

/* The mappings between sets: the catalogs' mappings/ directory (none when
 * it is missing).  A mapping that does not parse stops the start, as a
 * catalog file that does not parse would go unserved: loudly. */
static int
load_mappings(struct svc *s)
{
	char dir[4096];

	if ((size_t)snprintf(dir, sizeof(dir), "%s/mappings", s->opts.catalogs ? s->opts.catalogs : "") >=
	    sizeof(dir))
		return CB_ETOOBIG;
	return cb_mappings_load_dir(&s->mappings, s->opts.catalogs ? dir : "");
}

/* What the server keeps per request beyond what handlers see. */
enum { ST_NEW = 0, ST_DEFERRED, ST_BEGUN };

struct conn_req {
	struct svc_req r;          /* first: handlers get &cr->r */
	uint64_t t0;
	int      stage;            /* ST_*: begin() and begin_body() ran */
	uint64_t clen;             /* the announced Content-Length (0 when none) */
	int      answered;         /* a response was queued */
	int      body_over;        /* the body passed its limit */
	size_t   max_body;         /* the route's limit, or the anonymous one */
	size_t   bytes_in, bytes_out;
	char     path[256];        /* for the log line */
	char     remote[64];
	int      args_over;        /* more query arguments than we keep */
	struct svc_conn *conn;     /* the door's record of the connection (may be NULL) */
	const char *bad_target;    /* the raw target has NUL, %00 or a broken escape: why */
};

/* ---- request ids, auth ----------------------------------------------- */

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A fresh request id (out: CB_SVC_REQUEST_ID_MAX + 1 bytes). */
static void
new_request_id(struct svc *s, char *out)
{
	(void)snprintf(out, CB_SVC_REQUEST_ID_MAX + 1, "%016llx", (unsigned long long)mix64(
	    s->rid_seed + atomic_fetch_add(&s->rid_next, 1) * 0x9e3779b97f4a7c15ull));
}

static void
request_id(struct svc *s, struct MHD_Connection *conn, char *out)
{
	const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
	size_t i, n;

	if (h != NULL && (n = strlen(h)) > 0 && n <= CB_SVC_REQUEST_ID_MAX) {
		for (i = 0; i < n; i++) {
			char ch = h[i];
			if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
			    ch == '-' || ch == '_' || ch == '.' || ch == ':'))
				break;
		}
		if (i == n) {
			memcpy(out, h, n + 1);
			return;
		}
	}
	new_request_id(s, out);
}

/* 0 when the request may go on; else a problem was written. */
static int
authenticate(struct svc_req *r, struct MHD_Connection *conn)
{
	const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *tok;
	int rc;

	if (h == NULL) {
		svc_req_header(r, "WWW-Authenticate", "Bearer realm=\"codebook\"");
		svc_problem(r, P_UNAUTHORIZED, "this request needs an API key: send Authorization: Bearer KEY "
		    "(create one with: codebook keys add NAME)");
		return -1;
	}
	if (strncasecmp(h, "Bearer ", 7) != 0) {
		svc_req_header(r, "WWW-Authenticate", "Bearer realm=\"codebook\", error=\"invalid_request\"");
		svc_problem(r, P_UNAUTHORIZED, "the Authorization header must use the Bearer scheme: "
		    "Authorization: Bearer KEY");
		return -1;
	}
	for (tok = h + 7; *tok == ' '; tok++)
		;
	rc = cb_store_key_verify(r->svc->store, tok, strlen(tok), r->key_name);
	if (rc == CB_OK)
		return 0;
	if (rc == CB_ENOTFOUND) {
		svc_req_header(r, "WWW-Authenticate", "Bearer realm=\"codebook\", error=\"invalid_token\"");
		svc_problem(r, P_UNAUTHORIZED, "the API key is not valid: unknown, revoked or mistyped");
	} else
		svc_problem(r, P_INTERNAL, "the API key could not be checked (storage error)");
	return -1;
}

/* ---- responses ------------------------------------------------------- */

/* The body of a 304: none. */
static ssize_t
no_body(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)cls;
	(void)pos;
	(void)buf;
	(void)max;
	return MHD_CONTENT_READER_END_OF_STREAM;
}

static void
release_borrowed(void *cls)
{
	svc_set_put(cls);
}

static enum MHD_Result
respond(struct conn_req *cr, struct MHD_Connection *conn)
{
	struct svc_req *r = &cr->r;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t i;

	if (r->out.failed && r->borrowed == NULL) {
		cb_buf_reset(&r->out);
		svc_problem(r, P_INTERNAL, "the response could not be built (too large or out of memory)");
	}
	if (r->status == 0)
		svc_problem(r, P_INTERNAL, "the handler produced no response");
	if (r->anon && r->problem == P_NONE && r->borrowed == NULL && r->out.len > CB_SVC_ANON_MAX_RESPONSE) {
		size_t had = r->out.len;
		cb_jw w;
		svc_problem_begin(r, &w, P_RESPONSE_TOO_LARGE, "the answer would have %zu bytes; without an API key "
		    "at most %u are sent: check fewer codes at once, or send Authorization: Bearer KEY", had,
		    (unsigned)CB_SVC_ANON_MAX_RESPONSE);
		cb_jw_kint(&w, "limit", CB_SVC_ANON_MAX_RESPONSE);
		svc_problem_end(r, &w);
	}
	/* the door may have cut a client that stopped reading or sending */
	if (svc_conn_phase(cr->conn, SVC_PH_SEND, 1) != 0)
		return MHD_NO;
	if (r->anon) {
		/* what this request cost beyond a small one, against the client's
		 * budget: the body it sent (or announced, when it was refused
		 * unread) and the answer; single checks are free, large batches and
		 * large refused bodies are not */
		uint64_t in = cr->clen > cr->bytes_in ? cr->clen : cr->bytes_in;
		uint64_t cost = (in < (64u << 20) ? in : (64u << 20)) + (r->borrowed != NULL ? r->borrowed_len : r->out.len);
		if (cost > CB_SVC_ANON_FREE_BYTES)
			svc_door_charge(r->svc->door, cr->conn, (size_t)(cost - CB_SVC_ANON_FREE_BYTES));
	}
	if (r->status == 304) {
		resp = MHD_create_response_from_callback(r->len_if_200, 64, no_body, NULL, NULL);
		cr->bytes_out = 0;
	} else if (r->borrowed != NULL) {
		resp = MHD_create_response_from_buffer_with_free_callback_cls(r->borrowed_len,
		    (void *)(uintptr_t)r->borrowed, release_borrowed, r->borrowed_owner);
		if (resp != NULL)
			r->borrowed_owner = NULL;	/* the response releases it */
		cr->bytes_out = r->borrowed_len;
	} else {
		size_t len = r->out.len;
		char *p = len ? cb_buf_detach(&r->out, &len) : NULL;
		resp = p ? MHD_create_response_from_buffer(len, p, MHD_RESPMEM_MUST_FREE)
		    : MHD_create_response_from_buffer(0, (void *)(uintptr_t)"", MHD_RESPMEM_PERSISTENT);
		if (resp == NULL)
			free(p);
		cr->bytes_out = len;
	}
	if (resp == NULL)
		return MHD_NO;
	if (r->status != 304 && r->ctype != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->ctype);
	MHD_add_response_header(resp, "X-Request-Id", r->request_id);
	svc_cors_respond(r);
	for (i = 0; i < r->nhdrs; i++)
		MHD_add_response_header(resp, r->hdrs[i].k, r->hdrs[i].v);
	if (atomic_load(&r->svc->stopping))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(conn, r->status, resp);
	MHD_destroy_response(resp);
	cr->answered = 1;
	return ret;
}

/* ---- the request state machine ---------------------------------------- */

static enum MHD_Result
collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct conn_req *cr = cls;

	(void)kind;
	if (cr->r.nargs == CB_SVC_MAX_QUERY_ARGS) {
		cr->args_over = 1;
		return MHD_NO;
	}
	cr->r.args[cr->r.nargs].k = key;
	cr->r.args[cr->r.nargs].v = value ? value : "";
	cr->r.nargs++;
	return MHD_YES;
}

struct hdr_count {
	unsigned length, te, host;
};

static enum MHD_Result
count_hdr(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct hdr_count *hc = cls;

	(void)kind;
	(void)value;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
		hc->length++;
	else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
		hc->te++;
	else if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0)
		hc->host++;
	return MHD_YES;
}

/* The framing rules the door applies to a connection's first request
 * (framing.c), for those libmicrohttpd leaves visible: later requests on a
 * keep-alive connection reach it without the door.  0, or 1 after a
 * problem (the connection is then closed: its framing is in doubt). */
static int
check_framing(struct conn_req *cr, struct MHD_Connection *conn, const char *version)
{
	struct svc_req *r = &cr->r;
	struct hdr_count hc = { 0, 0, 0 };
	const union MHD_ConnectionInfo *ci;
	enum svc_problem p = P_MALFORMED_REQUEST;
	const char *why = NULL;
	cb_jw w;

	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_hdr, &hc);
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	if (cr->bad_target != NULL)
		why = cr->bad_target;
	else if (hc.length > 1)
		why = "Content-Length is given more than once";
	else if (hc.te > 0 && hc.length > 0)
		why = "Content-Length and Transfer-Encoding together: the body's length would be ambiguous";
	else if (hc.te > 0) {
		p = P_LENGTH_REQUIRED;
		why = "send the body with a Content-Length (Transfer-Encoding is not taken)";
	} else if (hc.host > 1)
		why = "Host is given more than once";
	else if (hc.host == 0 && version != NULL && strcmp(version, MHD_HTTP_VERSION_1_1) == 0)
		why = "an HTTP/1.1 request must have a Host field";
	else if (ci != NULL && ci->header_size > CB_SVC_MAX_HEAD) {
		svc_req_header(r, "Connection", "close");
		svc_problem_begin(r, &w, P_HEADER_TOO_LARGE, "the request head has %zu bytes; at most %d are taken",
		    ci->header_size, CB_SVC_MAX_HEAD);
		cb_jw_kint(&w, "limit", CB_SVC_MAX_HEAD);
		svc_problem_end(r, &w);
		return 1;
	}
	if (why == NULL)
		return 0;
	svc_req_header(r, "Connection", "close");
	svc_problem(r, p, "%s", why);
	return 1;
}

/* 413 for a body over the request's limit (@cl: its announced length, or NULL). */
static void
too_large(struct conn_req *cr, const char *cl)
{
	struct svc_req *r = &cr->r;
	const char *anon = r->anon ? " without an API key (a key lifts the limit)" : "";
	cb_jw w;

	if (r->body.nomem) {
		svc_problem(r, P_INTERNAL, "out of memory while reading the body");
		return;
	}
	if (cl != NULL)
		svc_problem_begin(r, &w, P_PAYLOAD_TOO_LARGE, "the body has %.20s bytes; this route takes at most "
		    "%zu%s", cl, cr->max_body, anon);
	else
		svc_problem_begin(r, &w, P_PAYLOAD_TOO_LARGE, "the body is larger than this route takes (%zu "
		    "bytes%s)", cr->max_body, anon);
	cb_jw_kint(&w, "limit", (long long)cr->max_body);
	svc_problem_end(r, &w);
}

/* The door calls this when a waiting request may go on. */
static void
resume_request(void *arg)
{
	MHD_resume_connection(arg);
}

/* The client's address, for the log line ("" when unknown): the door's
 * record has it (libmicrohttpd sees only the door's socket pair). */
static void
remote_address(struct conn_req *cr, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;
	char *out = cr->remote;
	socklen_t size = (socklen_t)sizeof(cr->remote);

	if (cr->conn != NULL) {
		(void)snprintf(out, (size_t)size, "%s", svc_conn_remote(cr->conn));
		return;
	}
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, size);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, size);
}

/* First call for a request: everything decided before the body arrives.
 * Returns 1 when a response was written (answer now), 2 when the request
 * was made to wait (the connection is suspended until the door resumes
 * it), else 0 (then begin_body()). */
static int
begin(struct svc *s, struct conn_req *cr, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version)
{
	struct svc_req *r = &cr->r;
	const struct svc_route *rt;
	const char *cl;
	unsigned allow = 0;
	int i;

	request_id(s, conn, r->request_id);
	(void)snprintf(cr->path, sizeof(cr->path), "%s", url);
	remote_address(cr, conn);
	r->method = svc_method_parse(method);
	r->path = url;
	r->origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
	if (check_framing(cr, conn, version) != 0)
		return 1;
	if (atomic_load(&s->stopping)) {
		svc_problem(r, P_SHUTTING_DOWN, "the server is shutting down; retry shortly");
		return 1;
	}
	r->route = svc_route_match(url, r->method, &r->m, &allow);
	if (r->route == -1) {
		svc_problem(r, P_NOT_FOUND, "no route %s %.200s (see /openapi.json)", method, url);
		return 1;
	}
	if (r->route == -2) {
		char list[96] = "";
		size_t o = 0;
		r->route = -1;
		if (r->method == M_OPTIONS) {	/* CORS preflights among them (cors.c) */
			svc_cors_options(r, allow, MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
			    "Access-Control-Request-Method"));
			return 1;
		}
		for (i = 0; i < M_OTHER && o < sizeof(list); i++)
			if (allow & (1u << i))
				o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", o ? ", " : "",
				    svc_method_name((enum svc_method)i));
		svc_req_header(r, "Allow", "%s", list);
		svc_problem(r, P_METHOD_NOT_ALLOWED, "%s is not allowed on %.200s (allowed: %s)", method, url,
		    list);
		return 1;
	}
	rt = &svc_routes[r->route];
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_arg, cr);
	if (cr->args_over) {
		svc_problem(r, P_INVALID_REQUEST, "more than %d query parameters", CB_SVC_MAX_QUERY_ARGS);
		return 1;
	}
	r->if_none_match = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	r->idempotency_key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Idempotency-Key");
	r->authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	/* a key is needed for writes (and reads when so configured); on a route
	 * whose limits a key lifts, one that is offered is checked too */
	if (((rt->flags & (R_WRITE | R_KEY)) || (s->opts.require_key_for_reads && !(rt->flags & R_OPEN)) ||
	    ((rt->flags & R_ANON_CAPPED) && MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION) != NULL)) && authenticate(r, conn) != 0)
		return 1;
	r->anon = (rt->flags & R_ANON_CAPPED) && r->key_name[0] == '\0';
	cr->max_body = r->anon && rt->max_body > CB_SVC_ANON_MAX_BODY ? CB_SVC_ANON_MAX_BODY : rt->max_body;
	cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	/* the door (or libmicrohttpd, on a later request) has refused a
	 * Content-Length that is not a number; a value past 2^64 reads as the
	 * largest */
	if (cl != NULL && cb_parse_u64(cl, 0, UINT64_MAX, &cr->clen) == CB_PARSE_RANGE)
		cr->clen = UINT64_MAX;
	/* a client without a key that has used up its budget waits (suspended)
	 * before anything else is done for it, refusals included: a closed loop
	 * of requests is slowed down to the budget, whatever it asks */
	if (r->anon && !atomic_load(&s->stopping)) {
		unsigned wait = svc_door_owed(s->door, cr->conn);
		if (wait > 0 && svc_door_defer(s->door, wait, resume_request, conn) == 0) {
			(void)svc_conn_phase(cr->conn, SVC_PH_WORK, 1);
			MHD_suspend_connection(conn);
			return 2;
		}
	}
	return 0;
}

/* The rest of the first call, once a waiting request is let through:
 * the body's type and length.  Returns 1 when a response was written. */
static int
begin_body(struct conn_req *cr, struct MHD_Connection *conn)
{
	struct svc_req *r = &cr->r;
	const struct svc_route *rt = &svc_routes[r->route];
	const char *cl, *ct;
	uint64_t clen = cr->clen;

	if (rt->flags & R_BODY) {
		cb_buf_init(&r->body, cr->max_body);
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
		if (cl != NULL && clen > 0 && !svc_is_json_type(ct)) {
			/* the body is not read: the connection cannot be reused */
			svc_req_header(r, "Connection", "close");
			svc_problem(r, P_NOT_ACCEPTABLE_MEDIA, "the body must be JSON, sent as Content-Type: "
			    "application/json, not %.80s", ct != NULL ? ct : "without a Content-Type");
			return 1;
		}
		/* room for the announced body at once, rather than doubling up to it */
		if (cl != NULL && clen <= cr->max_body)
			(void)cb_buf_grow(&r->body, (size_t)clen);
		if (cl != NULL && clen > cr->max_body) {
			/* a body a little too large is read and dropped, so that the
			 * client, still sending, gets to read the 413; a huge one is
			 * cut off at once */
			if (clen / SVC_DRAIN_FACTOR <= cr->max_body) {
				cr->body_over = 1;
				return 0;
			}
			svc_req_header(r, "Connection", "close");
			too_large(cr, cl);
			return 1;
		}
	}
	return 0;
}

static struct svc_conn *
conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci != NULL ? ci->socket_context : NULL;
}

static struct conn_req *
new_request(struct svc *s, struct MHD_Connection *conn)
{
	struct conn_req *cr;

	if ((cr = cb__calloc(1, sizeof(*cr))) == NULL)
		return NULL;
	cr->t0 = cb_time_mono_ns();
	cr->r.svc = s;
	cr->r.route = -1;
	cb_buf_init(&cr->r.out, 64u << 20);
	cr->conn = conn_of(conn);
	atomic_fetch_add(&s->inflight, 1);
	return cr;
}

/* The raw request target, before libmicrohttpd decodes it: a %00 would
 * cut the path short once decoded ("/v1/code-sets/outbound%00x" read as
 * "/v1/code-sets/outbound"). */
static const char *
target_fault(const char *uri)
{
	size_t i;

	for (i = 0; uri[i] != '\0'; i++) {
		unsigned char c = (unsigned char)uri[i];
		if (c <= 0x20 || c >= 0x7f)
			return "the request target has a control character, a space or a byte that must be "
			    "percent-encoded";
		if (c == '%') {
			if (!isxdigit((unsigned char)uri[i + 1]) || !isxdigit((unsigned char)uri[i + 2]))
				return "a % in the request target is not followed by two hexadecimal digits";
			if (uri[i + 1] == '0' && uri[i + 2] == '0')
				return "%00 (an encoded NUL) in the request target";
		}
	}
	return NULL;
}

/* The request line has been read (the rest of the head may not have). */
static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct conn_req *cr = new_request(cls, conn);

	if (cr == NULL)
		return NULL;
	(void)svc_conn_phase(cr->conn, SVC_PH_LINE, 0);
	cr->bad_target = target_fault(uri);
	return cr;
}

/* libmicrohttpd has a connection the door handed over, or is closing one. */
static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct svc *s = cls;
	const union MHD_ConnectionInfo *ci;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_context = ci != NULL ? svc_door_adopt(s->door, ci->connect_fd) : NULL;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		svc_door_release(s->door, *socket_context);
		*socket_context = NULL;
	}
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **req_cls)
{
	struct svc *s = cls;
	struct conn_req *cr = *req_cls;
	struct svc_req *r;

	if (cr == NULL) {
		if ((cr = new_request(s, conn)) == NULL)
			return MHD_NO;
		*req_cls = cr;
	}
	r = &cr->r;
	if (cr->stage == ST_NEW) {
		int rc;
		/* the head is in: from here the body's deadline runs */
		if (svc_conn_phase(cr->conn, SVC_PH_BODY, 1) != 0)
			return MHD_NO;
		if ((rc = begin(s, cr, conn, url, method, version)) == 2) {
			cr->stage = ST_DEFERRED;
			return MHD_YES;	/* waiting: resume_request() brings it back here */
		}
		cr->stage = ST_BEGUN;
		if (rc == 1 || begin_body(cr, conn))
			return respond(cr, conn);
		return MHD_YES;
	}
	if (cr->stage == ST_DEFERRED) {
		/* let through after its wait: the body's deadline starts now */
		cr->stage = ST_BEGUN;
		if (svc_conn_phase(cr->conn, SVC_PH_BODY, 1) != 0)
			return MHD_NO;
		if (begin_body(cr, conn)) {
			*upload_data_size = 0;	/* the connection closes: its body is not read */
			return respond(cr, conn);
		}
	}
	if (cr->answered) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;
		cr->bytes_in += n;
		*upload_data_size = 0;
		if (r->route < 0 || !(svc_routes[r->route].flags & R_BODY))
			return MHD_YES;
		if (!cr->body_over && cb_buf_add(&r->body, upload_data, n) != 0)
			cr->body_over = 1;
		if (cr->body_over && cr->bytes_in / SVC_DRAIN_FACTOR > cr->max_body) {
			svc_req_header(r, "Connection", "close");
			too_large(cr, NULL);
			return respond(cr, conn);
		}
		return MHD_YES;
	}
	if (cr->body_over) {
		svc_req_header(r, "Connection", "close");
		too_large(cr, NULL);
		return respond(cr, conn);
	}
	/* a call without data before the whole body has come is not the last
	 * one (libmicrohttpd makes such a call when a waiting request resumes) */
	if ((svc_routes[r->route].flags & R_BODY) && cr->bytes_in < cr->clen)
		return MHD_YES;
	(void)svc_conn_phase(cr->conn, SVC_PH_WORK, 1);
	/* every route's query is read against its table first: an unknown
	 * parameter is a 400 wherever it is sent (route.h) */
	if (svc_query_route(r) == 0)
		handlers[svc_routes[r->route].handler](r);
	return respond(cr, conn);
}

static void
log_request(struct svc *s, struct conn_req *cr, uint64_t ns, enum MHD_RequestTerminationCode toe)
{
	struct svc_req *r = &cr->r;
	char route[160];
	cb_log_line l;

	(void)s;
	if (!cb_log_enabled(r->status >= 500 ? CB_LOG_ERROR : CB_LOG_INFO))
		return;
	if (r->route >= 0)
		(void)snprintf(route, sizeof(route), "%s %s", svc_method_name(svc_routes[r->route].method),
		    svc_routes[r->route].pattern);
	cb_log_begin(&l, r->status >= 500 ? CB_LOG_ERROR : CB_LOG_INFO, "request");
	cb_jw_kstr(&l.w, "request_id", r->request_id);
	cb_jw_kstr(&l.w, "method", svc_method_name(r->method));
	cb_jw_kstr(&l.w, "path", cr->path);
	if (r->route >= 0)
		cb_jw_kstr(&l.w, "route", route);
	cb_jw_kint(&l.w, "status", r->status);
	cb_jw_kfixed3(&l.w, "duration_ms", (double)ns / 1e6);
	cb_jw_kint(&l.w, "bytes_in", (long long)cr->bytes_in);
	cb_jw_kint(&l.w, "bytes_out", (long long)cr->bytes_out);
	if (cr->remote[0])
		cb_jw_kstr(&l.w, "remote", cr->remote);
	if (r->key_name[0])
		cb_jw_kstr(&l.w, "key", r->key_name);
	if (r->problem != P_NONE)
		cb_jw_kstr(&l.w, "problem", svc_problem_info(r->problem)->name);
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		cb_jw_kstr(&l.w, "aborted", toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? "timeout" :
		    toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT ? "client closed the connection" :
		    toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN ? "server shut down" : "error");
	cb_log_end_buffered(&l);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **req_cls, enum MHD_RequestTerminationCode toe)
{
	struct svc *s = cls;
	struct conn_req *cr = *req_cls;
	uint64_t ns;

	(void)conn;
	if (cr == NULL)
		return;
	/* the next request's head must come within the header timeout */
	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		(void)svc_conn_phase(cr->conn, SVC_PH_IDLE, 1);
	ns = cb_time_mono_ns() - cr->t0;
	svc_metrics_request(s->metrics, cr->r.route, cr->r.status, ns);
	if (s->opts.log_requests)
		log_request(s, cr, ns, toe);
	svc_snap_put(cr->r.snap);
	svc_set_put(cr->r.borrowed_owner);
	svc_set_put(cr->r.pinned);
	cb_buf_reset(&cr->r.body);
	cb_buf_reset(&cr->r.out);
	free(cr);
	*req_cls = NULL;
	atomic_fetch_sub(&s->inflight, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	cb_log(CB_LOG_WARN, "http", msg);
}

/* ---- start-up --------------------------------------------------------- */

static int
bind_listen(const char *spec, int *fd_out, int *family, char *url, size_t urlsize)
{
	char host[256], port[16], shown[INET6_ADDRSTRLEN];
	const char *colon = strrchr(spec, ':');
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = -1, one = 1, rc, flags;
	size_t hl;

	if (colon == NULL || colon == spec || strlen(colon + 1) == 0 || strlen(colon + 1) >= sizeof(port))
		return cb__fail(CB_EINVAL, "--listen %s: expected HOST:PORT, e.g. 127.0.0.1:8080", spec);
	hl = (size_t)(colon - spec);
	if (spec[0] == '[' && hl >= 2 && spec[hl - 1] == ']') {
		spec++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return cb__fail(CB_EINVAL, "--listen %s: host too long", spec);
	memcpy(host, spec, hl);
	host[hl] = '\0';
	memcpy(port, colon + 1, strlen(colon + 1) + 1);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0)
		return cb__fail(CB_EINVAL, "--listen %s: %s", spec, gai_strerror(rc));
	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
	    (flags = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
		rc = cb__fail(CB_EIO, "listen on %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return rc;
	}
	*family = ai->ai_family;
	freeaddrinfo(ai);
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)&ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, shown, sizeof(shown));
		(void)snprintf(url, urlsize, "http://[%s]:%u", shown, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const void *)&ss;
		inet_ntop(AF_INET, &s4->sin_addr, shown, sizeof(shown));
		(void)snprintf(url, urlsize, "http://%s:%u", shown, ntohs(s4->sin_port));
	}
	*fd_out = fd;
	return CB_OK;
}

void
cb_svc_print_routes(FILE *fp)
{
	char q[512];
	size_t i;

	/* METHOD PATTERN, then the query parameters the route takes, if any */
	for (i = 0; i < svc_nroutes; i++) {
		svc_qspec_names(svc_routes[i].query, q, sizeof(q));
		fprintf(fp, "%s %s%s%s\n", svc_method_name(svc_routes[i].method), svc_routes[i].pattern, q[0] ? " " : "",
		    q);
	}
}

static void
fatal(const char *msg)
{
	cb_log(CB_LOG_ERROR, msg, cb_errmsg());
}

/* ---- the front door's callbacks ---------------------------------------------- */

static int
door_hand_off(void *arg, int fd, const struct sockaddr *sa, socklen_t salen)
{
	struct svc *s = arg;

	return MHD_add_connection(s->http, fd, sa, salen) == MHD_YES ? 0 : -1;
}

static void
door_request_id(void *arg, char out[CB_SVC_REQUEST_ID_MAX + 1])
{
	new_request_id(arg, out);
}

/* A request the door answered itself: the same log line and metrics as
 * any other. */
static void
door_refused(void *arg, const struct svc_refusal *rf)
{
	struct svc *s = arg;
	cb_log_line l;
	int lvl = rf->status >= 500 ? CB_LOG_ERROR : CB_LOG_INFO;

	svc_metrics_request(s->metrics, -1, rf->status, rf->ns);
	if (!s->opts.log_requests || !cb_log_enabled(lvl))
		return;
	cb_log_begin(&l, lvl, "request");
	cb_jw_kstr(&l.w, "request_id", rf->request_id);
	if (rf->method[0])
		cb_jw_kstr(&l.w, "method", rf->method);
	if (rf->target[0])
		cb_jw_kstr(&l.w, "path", rf->target);
	cb_jw_kint(&l.w, "status", rf->status);
	cb_jw_kfixed3(&l.w, "duration_ms", (double)rf->ns / 1e6);
	cb_jw_kint(&l.w, "bytes_in", (long long)rf->bytes_in);
	cb_jw_kint(&l.w, "bytes_out", (long long)rf->bytes_out);
	cb_jw_kstr(&l.w, "remote", rf->remote);
	cb_jw_kstr(&l.w, "problem", svc_problem_info(rf->problem)->name);
	cb_jw_kstr(&l.w, "detail", rf->detail);
	cb_jw_kstr(&l.w, "by", "door");
	cb_log_end_buffered(&l);
}

/* Room for the connections asked for: the soft descriptor limit raised to
 * the hard one, and the connection limit lowered (with a warning) when
 * even that is too small.  Returns the limit to use. */
static unsigned
fit_connections(unsigned want)
{
	struct rlimit rl;
	/* a connection holds three: the client's socket and the door's pair */
	rlim_t need = (rlim_t)want * CB_SVC_FDS_PER_CONNECTION + CB_SVC_FD_RESERVE;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return want;
	if (rl.rlim_cur < need && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		unsigned fit = rl.rlim_cur > CB_SVC_FD_RESERVE + CB_SVC_FDS_PER_CONNECTION * CB_SVC_MIN_CONNECTIONS ?
		    (unsigned)((rl.rlim_cur - CB_SVC_FD_RESERVE) / CB_SVC_FDS_PER_CONNECTION) : CB_SVC_MIN_CONNECTIONS;
		char msg[160];
		(void)snprintf(msg, sizeof(msg), "the descriptor limit (%llu) holds %u connections, not %u: "
		    "raise it (ulimit -n, LimitNOFILE=)", (unsigned long long)rl.rlim_cur, fit, want);
		cb_log(CB_LOG_WARN, msg, NULL);
		return fit;
	}
	return want;
}

/* ---- the in-process cancellation worker --------------------------------- */

/* The worker reads the sets the server serves, so a sync or a publish is
 * seen by its next refund. */
static cb_codeset *
worker_set(void *arg, const char *name)
{
	struct svc *s = arg;
	struct svc_snap *snap = svc_snap_get(s);
	struct svc_set *set = svc_snap_find(snap, name, strlen(name));
	cb_codeset *cs = set != NULL ? cb_codeset_ref(set->cs) : NULL;

	svc_snap_put(snap);
	return cs;
}

static void *
worker_main(void *arg)
{
	struct svc *s = arg;

	cb_worker_run(s->worker, s->opts.worker_interval_ms, &s->worker_stop, &s->worker_reload);
	return NULL;
}

static int
worker_start(struct svc *s)
{
	cb_worker_opts wo;

	if (s->opts.worker_interval_ms == 0)
		return CB_OK;
	if (s->opts.market_config == NULL) {
		/* without shops there is nothing to cancel with: leave refunds Pending
		 * rather than fail them for a missing flag */
		cb_log(CB_LOG_WARN, "worker not started: no marketplace configuration (--market-config or "
		    "CODEBOOK_MARKET_CONFIG); cancellations stay Pending until a worker with one runs", NULL);
		return CB_OK;
	}
	memset(&wo, 0, sizeof(wo));
	wo.store = s->store;
	wo.market_config = s->opts.market_config;
	wo.market_env = s->opts.market_env;
	wo.sets = worker_set;
	wo.sets_arg = s;
	wo.lease_ms = s->opts.worker_lease_ms;
	wo.budget_rate = s->opts.budget_rate;
	wo.budget_burst = s->opts.budget_burst;
	wo.outcome_deadline_ms = s->opts.outcome_deadline_ms;
	wo.order_max_age_ms = s->opts.order_max_age_ms;
	wo.verbose = s->opts.worker_verbose;
	if (cb_worker_new(&s->worker, &wo) != CB_OK)
		return CB_ENOMEM;
	atomic_init(&s->worker_stop, 0);
	atomic_init(&s->worker_reload, 0);
	if (pthread_create(&s->worker_thread, NULL, worker_main, s) != 0) {
		cb_worker_free(s->worker);
		s->worker = NULL;
		return cb__fail(CB_ERROR, "cannot start the worker thread");
	}
	s->worker_running = 1;
	return CB_OK;
}

/* Stop after the refund in hand (at most one marketplace call). */
static void
worker_stop(struct svc *s)
{
	if (s->worker_running) {
		atomic_store(&s->worker_stop, 1);
		pthread_join(s->worker_thread, NULL);
		s->worker_running = 0;
	}
	cb_worker_free(s->worker);
	s->worker = NULL;
}

int
cb_svc_run(const cb_svc_opts *opts)
{
	struct svc s;
	struct MHD_Daemon *d = NULL;
	struct svc_door_opts dopts;
	sigset_t set;
	int fd = -1, family = AF_INET, sig, rc = 1;
	unsigned threads, maxconn;
	uint64_t deadline;
	long cpus;

	memset(&s, 0, sizeof(s));
	svc_usage_sink_init(&s.usage);
	s.opts = *opts;
	s.started_ns = cb_time_mono_ns();
	pthread_mutex_init(&s.snap_mu, NULL);
	pthread_mutex_init(&s.publish_mu, NULL);
	if (getrandom(&s.rid_seed, sizeof(s.rid_seed), 0) != (ssize_t)sizeof(s.rid_seed))
		s.rid_seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	/* one worker per CPU but one: the kernel's network and disk work, SQLite's
	 * fsyncs and checkpoints, and whatever shares the machine need a CPU too.
	 * On 2 CPUs with the load generator on the same machine, 2 workers gave
	 * a p99 of 6-13 ms on the check route, 1 worker 2-3 ms at the same
	 * throughput (docs/http.md, Benchmark). */
	threads = opts->threads ? opts->threads : (unsigned)(cpus > 2 ? cpus - 1 : 1);

	maxconn = fit_connections(opts->max_connections ? opts->max_connections : CB_SVC_DEFAULT_MAX_CONNECTIONS);

	/* acquire: the socket first (it may need privileges), then storage; the
	 * socket queues connections until the door serves them */
	if (bind_listen(opts->listen, &fd, &family, s.url, sizeof(s.url)) != CB_OK) {
		fatal("cannot listen");
		goto out;
	}
	if (svc_metrics_new(&s.metrics) != CB_OK) {
		fatal("out of memory");
		goto out;
	}
	if (cb_store_open(&s.store, opts->db_path, threads) != CB_OK) {
		fatal("cannot open the database");
		goto out;
	}
	if (svc_registry_load(&s) != CB_OK) {
		fatal("cannot load the stored code sets");
		goto out;
	}
	if (load_mappings(&s) != CB_OK) {
		fatal("cannot load the mappings");
		goto out;
	}
	svc_registry_sync_catalogs(&s);

	/* the workers inherit this mask: only the main thread takes signals */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* after the mask: a signal must never land on the flusher */
	if (opts->usage_flush_ms > 0 && svc_usage_start(&s, opts->usage_flush_ms) != CB_OK) {
		fatal("cannot start the usage flusher");
		goto out;
	}
	if (svc_registry_follow(&s) != CB_OK) {
		fatal("cannot follow the database");
		goto out;
	}

	/* libmicrohttpd listens on nothing: the door hands it the connections
	 * whose first head it has read and passed; the door keeps the limits,
	 * so libmicrohttpd's own never bind */
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
	    MHD_USE_TURBO | MHD_USE_NO_LISTEN_SOCKET | MHD_ALLOW_SUSPEND_RESUME |
	    (family == AF_INET6 ? MHD_USE_IPv6 : 0),
	    0, NULL, NULL, on_request, &s,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, &s,
	    MHD_OPTION_THREAD_POOL_SIZE, threads,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CB_SVC_CONN_TIMEOUT,
	    MHD_OPTION_CONNECTION_LIMIT, maxconn + CB_SVC_MIN_CONNECTIONS,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SVC_CONN_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, &s,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, &s,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, &s,
	    MHD_OPTION_END);
	if (d == NULL) {
		cb__fail(CB_ERROR, "libmicrohttpd could not start on %s", s.url);
		fatal("cannot start the HTTP server");
		goto out;
	}
	s.http = d;
	if (worker_start(&s) != CB_OK) {
		fatal("cannot start the cancellation worker");
		goto out;
	}
	if (svc_sync_start(&s) != CB_OK) {
		fatal("cannot start the scheduled syncs");
		goto out;
	}
	memset(&dopts, 0, sizeof(dopts));
	dopts.listen_fd = fd;
	dopts.max_connections = maxconn;
	dopts.max_per_client = opts->max_per_client == UINT_MAX ? 0 :
	    opts->max_per_client ? opts->max_per_client : CB_SVC_DEFAULT_MAX_PER_CLIENT;
	dopts.header_timeout_ms = opts->header_timeout_ms ? opts->header_timeout_ms : CB_SVC_DEFAULT_HEADER_TIMEOUT_MS;
	dopts.body_timeout_ms = opts->body_timeout_ms ? opts->body_timeout_ms : CB_SVC_DEFAULT_BODY_TIMEOUT_MS;
	dopts.send_timeout_ms = opts->send_timeout_ms ? opts->send_timeout_ms : CB_SVC_DEFAULT_SEND_TIMEOUT_MS;
	dopts.hand_off = door_hand_off;
	dopts.refused = door_refused;
	dopts.request_id = door_request_id;
	dopts.arg = &s;
	if (svc_door_start(&s.door, &dopts) != CB_OK) {
		fatal("cannot start accepting connections");
		goto out;
	}
	fd = -1;	/* the door owns it now */
	/* only now: the address, so that a test or a supervisor that asked for
	 * port 0 learns the real one, and nothing claims to listen before
	 * requests are served */
	{
		cb_log_line l;
		cb_log_begin(&l, CB_LOG_INFO, "listening");
		cb_jw_kstr(&l.w, "url", s.url);
		cb_jw_kint(&l.w, "pid", getpid());
		cb_log_end(&l);
	}
	{
		cb_log_line l;
		cb_log_begin(&l, CB_LOG_INFO, "ready");
		cb_jw_kstr(&l.w, "url", s.url);
		char shown[512];
		cb_store_db_shown(shown, sizeof(shown), opts->db_path);	/* never a URL's password */
		cb_jw_kstr(&l.w, "db", shown);
		cb_jw_kstr(&l.w, "catalogs", opts->catalogs ? opts->catalogs : "");
		cb_jw_kint(&l.w, "threads", threads);
		cb_jw_kint(&l.w, "pid", getpid());
		cb_jw_kbool(&l.w, "require_key_for_reads", opts->require_key_for_reads);
		cb_jw_kint(&l.w, "worker_interval_ms", opts->worker_interval_ms);
		if (s.worker != NULL)
			cb_jw_kstr(&l.w, "worker", cb_worker_owner(s.worker));
		cb_jw_kbool(&l.w, "market_config", opts->market_config != NULL);
		cb_jw_kint(&l.w, "sync_interval_ms", s.sync_running ? opts->sync_interval_ms : 0);
		cb_jw_kint(&l.w, "max_connections", dopts.max_connections);
		cb_jw_kint(&l.w, "max_connections_per_client", dopts.max_per_client);
		cb_jw_kint(&l.w, "header_timeout_ms", dopts.header_timeout_ms);
		cb_jw_kint(&l.w, "body_timeout_ms", dopts.body_timeout_ms);
		cb_jw_kint(&l.w, "send_timeout_ms", dopts.send_timeout_ms);
		cb_log_end(&l);
	}

	for (;;) {
		struct timespec tick = { 0, CB_LOG_FLUSH_MS * 1000000L };
		if ((sig = sigtimedwait(&set, NULL, &tick)) < 0) {
			cb_log_flush();	/* timeout (EAGAIN) or EINTR */
			continue;
		}
		if (sig == SIGHUP) {
			cb_log(CB_LOG_INFO, "SIGHUP: reloading the catalogs through the governance gate",
			    opts->catalogs);
			svc_registry_sync_catalogs(&s);
			svc_registry_kick(&s);	/* and whatever the database holds */
			atomic_store(&s.worker_reload, 1);	/* and the shops' configuration */
			continue;
		}
		break;
	}

	cb_log(CB_LOG_INFO, "stopping: finishing the requests in flight", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	atomic_store(&s.stopping, 1);
	svc_door_quiesce(s.door);
	deadline = cb_time_mono_ns() + (uint64_t)CB_SVC_SHUTDOWN_GRACE_MS * 1000000u;
	while (atomic_load(&s.inflight) > 0 && cb_time_mono_ns() < deadline) {
		struct timespec ts = { 0, 5 * 1000000 };
		nanosleep(&ts, NULL);
	}
	if (atomic_load(&s.inflight) > 0)
		cb_log(CB_LOG_WARN, "requests still in flight after the grace period are cut off", NULL);
	MHD_stop_daemon(d);
	d = NULL;
	svc_door_free(s.door);
	s.door = NULL;
	svc_sync_stop(&s);
	worker_stop(&s);
	svc_usage_stop(&s);
	rc = 0;
	cb_log_flush();
	cb_log(CB_LOG_INFO, "stopped", NULL);
out:
	svc_door_quiesce(s.door);
	if (d != NULL)
		MHD_stop_daemon(d);
	svc_door_free(s.door);
	svc_sync_stop(&s);
	worker_stop(&s);
	if (fd >= 0)
		close(fd);
	cb_log_flush();
	svc_registry_free(&s);
	svc_usage_free(&s);
	cb_mappings_free(s.mappings);
	cb_store_close(s.store);
	svc_metrics_free(s.metrics);
	pthread_mutex_destroy(&s.snap_mu);
	pthread_mutex_destroy(&s.publish_mu);
	if (s.sync_started_ms != 0)
		pthread_mutex_destroy(&s.sync_mu);
	return rc;
}
