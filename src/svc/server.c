/*
 * server.c - libmicrohttpd glue: start-up in the order bind, open, load,
 * serve; the per-request state machine (route, authenticate, collect the
 * body within its limit, dispatch, respond); one JSON log line and the
 * metrics of each request; signals (SIGHUP reloads the catalogs, SIGTERM
 * and SIGINT stop gracefully).  docs/internals/svc.md has the design.
 *
 * Graceful stop: the listening socket is closed (MHD_quiesce_daemon), new
 * requests on open connections get 503 shutting-down, and the requests in
 * flight are given CB_SVC_SHUTDOWN_GRACE_MS to finish.  A write is
 * committed before its response is queued, so an acknowledged write is on
 * disk whatever happens next.
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
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "console.h"
#include "orders.h"
#include "parse.h"

/* A body up to this many times the route's limit is read and dropped
 * before the 413, so that clients which send it whole see the answer. */
#define SVC_DRAIN_FACTOR 4

/* Per-connection memory of libmicrohttpd (headers, read and write
 * buffers).  It is cleared for every request, so its size is paid per
 * request: 16 KiB holds any sane request head (a larger one gets 431). */
#define SVC_CONN_MEMORY (16u << 10)

static const svc_handler handlers[H_COUNT] = {
	[H_HEALTHZ] = h_healthz, [H_METRICS] = h_metrics, [H_OPENAPI] = h_openapi,
	[H_PROBLEM_DOC] = h_problem_doc, [H_SETS_LIST] = h_sets_list, [H_SET_GET] = h_set_get,
	[H_SET_PUT] = h_set_put, [H_SET_CODES] = h_set_codes, [H_SET_CODE] = h_set_code,
	[H_SET_CHECK] = h_set_check, [H_SET_VERSIONS] = h_set_versions,
	[H_SET_VERSION] = h_set_version, [H_SCHEMA] = h_schema, [H_ERROR_EXPLAIN] = h_error_explain,
	[H_INCIDENTS_POST] = h_incidents_post, [H_INCIDENTS_LIST] = h_incidents_list,
	[H_INCIDENTS_REPORT] = h_incidents_report, [H_EVENTS_POST] = h_events_post,
	[H_EVENTS_LIST] = h_events_list, [H_EVENTS_REPORT] = h_events_report,
	[H_ORDERS_POST] = h_orders_post, [H_ORDERS_LIST] = h_orders_list, [H_ORDER_GET] = h_order_get,
	[H_ORDER_CANCEL] = h_order_cancel, [H_REASONS_SYNC] = h_reasons_sync,
	[H_READYZ] = h_readyz, [H_CONSOLE] = h_console, [H_CONSOLE_ASSET] = h_console_asset,
};

/* What the server keeps per request beyond what handlers see. */
struct conn_req {
	struct svc_req r;          /* first: handlers get &cr->r */
	uint64_t t0;
	int      answered;         /* a response was queued */
	int      body_over;        /* the body passed its limit */
	size_t   bytes_in, bytes_out;
	char     path[256];        /* for the log line */
	char     remote[64];
	int      args_over;        /* more query arguments than we keep */
};

/* ---- request ids, auth ----------------------------------------------- */

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
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
	(void)snprintf(out, CB_SVC_REQUEST_ID_MAX + 1, "%016llx", (unsigned long long)mix64(
	    s->rid_seed + atomic_fetch_add(&s->rid_next, 1) * 0x9e3779b97f4a7c15ull));
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
	if (r->borrowed != NULL) {
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
	if (r->ctype != NULL && (cr->bytes_out > 0 || r->status != 304))
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

static int
is_json_type(const char *ct)
{
	size_t n;

	if (ct == NULL)
		return 1;	/* curl -d sends form type; a missing one we take as JSON */
	n = strcspn(ct, "; \t");
	return (n == 16 && strncasecmp(ct, "application/json", 16) == 0) ||
	    (n > 17 && strncasecmp(ct + n - 5, "+json", 5) == 0 && strncasecmp(ct, "application/", 12) == 0);
}

/* First call for a request: everything decided before the body arrives.
 * Returns 1 when a response was written (answer now). */
static int
begin(struct svc *s, struct conn_req *cr, struct MHD_Connection *conn, const char *url,
    const char *method)
{
	struct svc_req *r = &cr->r;
	const struct svc_route *rt;
	const union MHD_ConnectionInfo *ci;
	const char *cl, *ct;
	unsigned allow = 0;
	uint64_t clen = 0;
	int i;

	request_id(s, conn, r->request_id);
	(void)snprintf(cr->path, sizeof(cr->path), "%s", url);
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr != NULL) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
			    cr->remote, sizeof(cr->remote));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			    cr->remote, sizeof(cr->remote));
	}
	r->method = svc_method_parse(method);
	r->path = url;
	r->origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
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
	if (((rt->flags & R_WRITE) || (s->opts.require_key_for_reads && !(rt->flags & R_OPEN))) &&
	    authenticate(r, conn) != 0)
		return 1;
	if (rt->flags & R_BODY) {
		ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
		if (!is_json_type(ct) && strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
			svc_problem(r, P_NOT_ACCEPTABLE_MEDIA, "the body must be JSON (Content-Type: "
			    "application/json), not %.80s", ct);
			return 1;
		}
		cb_buf_init(&r->body, rt->max_body);
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		/* libmicrohttpd has already refused a Content-Length that is not a
		 * number; a value past 2^64 reads as the largest */
		if (cl != NULL && cb_parse_u64(cl, 0, UINT64_MAX, &clen) == CB_PARSE_RANGE)
			clen = UINT64_MAX;
		/* room for the announced body at once, rather than doubling up to it */
		if (cl != NULL && clen <= rt->max_body)
			(void)cb_buf_grow(&r->body, (size_t)clen);
		if (cl != NULL && clen > rt->max_body) {
			/* a body a little too large is read and dropped, so that the
			 * client, still sending, gets to read the 413; a huge one is
			 * cut off at once */
			if (clen / SVC_DRAIN_FACTOR <= rt->max_body) {
				cr->body_over = 1;
				return 0;
			}
			svc_req_header(r, "Connection", "close");
			svc_problem(r, P_PAYLOAD_TOO_LARGE, "the body has %.20s bytes; this route takes at most "
			    "%zu", cl, rt->max_body);
			return 1;
		}
	}
	return 0;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **req_cls)
{
	struct svc *s = cls;
	struct conn_req *cr = *req_cls;
	struct svc_req *r;

	(void)version;
	if (cr == NULL) {
		if ((cr = cb__calloc(1, sizeof(*cr))) == NULL)
			return MHD_NO;
		cr->t0 = cb_time_mono_ns();
		r = &cr->r;
		r->svc = s;
		r->route = -1;
		cb_buf_init(&r->out, 64u << 20);
		*req_cls = cr;
		atomic_fetch_add(&s->inflight, 1);
		if (begin(s, cr, conn, url, method))
			return respond(cr, conn);
		return MHD_YES;
	}
	r = &cr->r;
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
		if (cr->body_over && cr->bytes_in / SVC_DRAIN_FACTOR > svc_routes[r->route].max_body) {
			svc_req_header(r, "Connection", "close");
			svc_problem(r, P_PAYLOAD_TOO_LARGE, "the body is larger than this route takes (%zu bytes)",
			    svc_routes[r->route].max_body);
			return respond(cr, conn);
		}
		return MHD_YES;
	}
	if (cr->body_over) {
		svc_req_header(r, "Connection", "close");
		svc_problem(r, r->body.nomem ? P_INTERNAL : P_PAYLOAD_TOO_LARGE,
		    "the body is larger than this route takes (%zu bytes)", svc_routes[r->route].max_body);
		return respond(cr, conn);
	}
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
	ns = cb_time_mono_ns() - cr->t0;
	svc_metrics_request(s->metrics, cr->r.route, cr->r.status, ns);
	if (s->opts.log_requests)
		log_request(s, cr, ns, toe);
	svc_snap_put(cr->r.snap);
	svc_set_put(cr->r.borrowed_owner);
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
	size_t i;

	for (i = 0; i < svc_nroutes; i++)
		fprintf(fp, "%s %s\n", svc_method_name(svc_routes[i].method), svc_routes[i].pattern);
}

static void
fatal(const char *msg)
{
	cb_log(CB_LOG_ERROR, msg, cb_errmsg());
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
	sigset_t set;
	int fd = -1, family = AF_INET, sig, rc = 1;
	unsigned threads;
	uint64_t deadline;
	long cpus;

	memset(&s, 0, sizeof(s));
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

	/* acquire: the socket first (it may need privileges), then storage */
	if (bind_listen(opts->listen, &fd, &family, s.url, sizeof(s.url)) != CB_OK) {
		fatal("cannot listen");
		goto out;
	}
	/* first line: the address, so that a test or a supervisor that asked
	 * for port 0 learns the real one (connections queue until we serve) */
	{
		cb_log_line l;
		cb_log_begin(&l, CB_LOG_INFO, "listening");
		cb_jw_kstr(&l.w, "url", s.url);
		cb_jw_kint(&l.w, "pid", getpid());
		cb_log_end(&l);
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
	svc_registry_sync_catalogs(&s);

	/* the workers inherit this mask: only the main thread takes signals */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (svc_registry_follow(&s) != CB_OK) {
		fatal("cannot follow the database");
		goto out;
	}

	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
	    MHD_USE_TURBO | (family == AF_INET6 ? MHD_USE_IPv6 : 0),
	    0, NULL, NULL, on_request, &s,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_THREAD_POOL_SIZE, threads,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CB_SVC_CONN_TIMEOUT,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)CB_SVC_MAX_CONNECTIONS,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SVC_CONN_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, &s,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, &s,
	    MHD_OPTION_END);
	if (d == NULL) {
		cb__fail(CB_ERROR, "libmicrohttpd could not start on %s", s.url);
		fatal("cannot start the HTTP server");
		goto out;
	}
	fd = -1;	/* the daemon owns it now */
	if (worker_start(&s) != CB_OK) {
		fatal("cannot start the cancellation worker");
		goto out;
	}
	{
		cb_log_line l;
		cb_log_begin(&l, CB_LOG_INFO, "ready");
		cb_jw_kstr(&l.w, "url", s.url);
		cb_jw_kstr(&l.w, "db", opts->db_path);
		cb_jw_kstr(&l.w, "catalogs", opts->catalogs ? opts->catalogs : "");
		cb_jw_kint(&l.w, "threads", threads);
		cb_jw_kint(&l.w, "pid", getpid());
		cb_jw_kbool(&l.w, "require_key_for_reads", opts->require_key_for_reads);
		cb_jw_kint(&l.w, "worker_interval_ms", opts->worker_interval_ms);
		if (s.worker != NULL)
			cb_jw_kstr(&l.w, "worker", cb_worker_owner(s.worker));
		cb_jw_kbool(&l.w, "market_config", opts->market_config != NULL);
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
	{
		MHD_socket lfd = MHD_quiesce_daemon(d);
		if (lfd != MHD_INVALID_SOCKET)
			close(lfd);
	}
	deadline = cb_time_mono_ns() + (uint64_t)CB_SVC_SHUTDOWN_GRACE_MS * 1000000u;
	while (atomic_load(&s.inflight) > 0 && cb_time_mono_ns() < deadline) {
		struct timespec ts = { 0, 5 * 1000000 };
		nanosleep(&ts, NULL);
	}
	if (atomic_load(&s.inflight) > 0)
		cb_log(CB_LOG_WARN, "requests still in flight after the grace period are cut off", NULL);
	MHD_stop_daemon(d);
	d = NULL;
	worker_stop(&s);
	rc = 0;
	cb_log_flush();
	cb_log(CB_LOG_INFO, "stopped", NULL);
out:
	if (d != NULL)
		MHD_stop_daemon(d);
	worker_stop(&s);
	if (fd >= 0)
		close(fd);
	cb_log_flush();
	svc_registry_free(&s);
	cb_store_close(s.store);
	svc_metrics_free(s.metrics);
	pthread_mutex_destroy(&s.snap_mu);
	pthread_mutex_destroy(&s.publish_mu);
	return rc;
}
