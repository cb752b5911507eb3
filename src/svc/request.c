/* SPDX-License-Identifier: Apache-2.0 */
/*
 * request.c - what handlers use to read a request and write a response
 * (captures, query arguments, headers, JSON bodies, problem documents).
 * Nothing here touches libmicrohttpd: server.c fills struct svc_req and
 * turns what the handler left in it into a response.
 */
#include "svc_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct svc_snap *
svc_req_snap(struct svc_req *r)
{
	if (r->snap == NULL)
		r->snap = svc_snap_get(r->svc);
	return r->snap;
}

const char *
svc_req_capture(struct svc_req *r, const char *name, char *dst, size_t n)
{
	size_t len;
	const char *v = svc_match_get(&r->m, name, &len);

	if (v == NULL || len >= n)
		return NULL;
	memcpy(dst, v, len);
	dst[len] = '\0';
	return dst;
}

const char *
svc_req_arg(const struct svc_req *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nargs; i++)
		if (strcmp(r->args[i].k, name) == 0)
			return r->args[i].v;
	return NULL;
}

void
svc_req_header(struct svc_req *r, const char *k, const char *fmt, ...)
{
	va_list ap;

	if (r->nhdrs == SVC_MAX_HEADERS)
		return;
	r->hdrs[r->nhdrs].k = k;
	va_start(ap, fmt);
	(void)vsnprintf(r->hdrs[r->nhdrs].v, sizeof(r->hdrs[0].v), fmt, ap);
	va_end(ap);
	r->nhdrs++;
}

void
svc_json_begin(struct svc_req *r, cb_jw *w)
{
	cb_buf_clear(&r->out);
	cb_jw_init(w, &r->out, 0);
}

void
svc_json(struct svc_req *r, unsigned status)
{
	r->status = status;
	if (r->ctype == NULL)
		r->ctype = "application/json";
}

static void problem_vopen(struct svc_req *r, cb_jw *w, enum svc_problem p, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static void
problem_vopen(struct svc_req *r, cb_jw *w, enum svc_problem p, const char *fmt, va_list ap)
{
	char detail[1024];
	(void)vsnprintf(detail, sizeof(detail), fmt, ap);
	svc_json_begin(r, w);
	svc_problem_open(w, p, detail, r->path, r->request_id);
	r->problem = p;
}

void
svc_problem_begin(struct svc_req *r, cb_jw *w, enum svc_problem p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	problem_vopen(r, w, p, fmt, ap);
	va_end(ap);
}

void
svc_problem_end(struct svc_req *r, cb_jw *w)
{
	cb_jw_obj_end(w);
	r->status = svc_problem_info(r->problem)->status;
	r->ctype = "application/problem+json";
}

void
svc_problem(struct svc_req *r, enum svc_problem p, const char *fmt, ...)
{
	va_list ap;
	cb_jw w;

	va_start(ap, fmt);
	problem_vopen(r, &w, p, fmt, ap);
	va_end(ap);
	svc_problem_end(r, &w);
}

void
svc_problem_unknown_set(struct svc_req *r, const char *name, size_t len)
{
	struct svc_snap *snap = svc_req_snap(r);
	size_t i;
	cb_jw w;

	svc_problem_begin(r, &w, P_UNKNOWN_SET, "no code set \"%.*s\" is served", (int)(len < 80 ? len : 80),
	    name);
	cb_jw_key(&w, "sets");
	cb_jw_arr_begin(&w);
	for (i = 0; i < snap->n; i++)
		cb_jw_str(&w, cb_codeset_name(snap->sets[i]->cs));
	cb_jw_arr_end(&w);
	svc_problem_end(r, &w);
}

/*
 * The version a pinned request asks for (?version=N or ?as_of=TIME), in
 * place of @set, the one served: a stored version, loaded (and kept for
 * the next requests).  NULL after answering 404 (never published, nothing
 * in force then) or a storage problem.
 */
static struct svc_set *
pinned(struct svc_req *r, struct svc_set *set)
{
	const struct svc_qval *v = &r->q[SVC_Q_VERSION], *at = &r->q[SVC_Q_AS_OF];
	const char *name = cb_codeset_name(set->cs);
	int rc;

	if (v->s == NULL && at->s == NULL)
		return set;
	if (v->s != NULL && (int)v->u == cb_codeset_version(set->cs))
		return set;
	if ((rc = svc_registry_version(r->svc, name, v->s != NULL ? (int)v->u : 0, at->i, &r->pinned)) == CB_OK)
		return r->pinned;
	if (rc == CB_ENOTFOUND) {
		cb_jw w;
		svc_problem_begin(r, &w, P_NOT_FOUND, "%s", cb_errmsg());
		cb_jw_kstr(&w, "set", name);
		cb_jw_kint(&w, "current_version", cb_codeset_version(set->cs));
		svc_problem_end(r, &w);
	} else
		svc_problem(r, rc == CB_EUNAVAIL || rc == CB_EIO ? P_STORAGE_UNAVAILABLE : P_INTERNAL,
		    "version of %s: %s", name, cb_errmsg());
	return NULL;
}

struct svc_set *
svc_req_set(struct svc_req *r)
{
	size_t len;
	const char *name = svc_match_get(&r->m, "set", &len);

	return name != NULL ? svc_req_set_named(r, name, len) : NULL;
}

struct svc_set *
svc_req_set_named(struct svc_req *r, const char *name, size_t len)
{
	struct svc_set *set;

	if ((set = svc_snap_find(svc_req_snap(r), name, len)) == NULL) {
		svc_problem_unknown_set(r, name, len);
		return NULL;
	}
	if (r->route < 0 || !(svc_routes[r->route].flags & R_PINNED))
		return set;
	if ((set = pinned(r, set)) != NULL)
		svc_req_header(r, "Codebook-Set-Version", "%d", cb_codeset_version(set->cs));
	return set;
}

void
svc_store_problem(struct svc_req *r, int rc, const char *what)
{
	if (rc == CB_EUNKNOWN) {
		/* the connection is closed: whatever state it was in, the client
		 * starts its retry afresh (on PostgreSQL the server's own
		 * connection to the database is reset by the backend) */
		svc_req_header(r, "Connection", "close");
		svc_req_header(r, "Retry-After", "1");
		svc_problem(r, P_OUTCOME_UNKNOWN, "%s: %s", what, cb_errmsg());	/* the store says it all */
	} else if (rc == CB_EIO || rc == CB_EUNAVAIL) {
		/* full, read-only or locked: nothing was done, reads still work */
		svc_req_header(r, "Retry-After", "1");
		svc_problem(r, P_STORAGE_UNAVAILABLE, "%s: the database cannot take writes now (%s); retry with "
		    "the same ids", what, cb_errmsg());
	} else
		svc_problem(r, P_INTERNAL, "%s: %s", what, cb_errmsg());
}

void
svc_not_modified(struct svc_req *r, size_t len200)
{
	r->status = 304;
	r->len_if_200 = len200;
}
