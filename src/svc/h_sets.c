/*
 * h_sets.c - the code-set routes: enumeration (list, whole set with ETag,
 * filtered codes, one code), checks, error explanations, publishing
 * through the governance gate, and the history of published versions.
 * JSON shapes of entries, checks and decisions come from src/view, so the
 * CLI's --json output and the API agree.
 */
#include "svc_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../shim/json_shim.h"
#include "cb_limits.h"
#include "items.h"
#include "view.h"

/* Parse a decimal in [lo, hi]; 0 on success. */
static int
parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9' || strlen(s) > 10)
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return (*end != '\0' || errno != 0 || *out < lo || *out > hi) ? -1 : 0;
}

static void bad_param(struct svc_req *r, const char *param, const char *choices, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
bad_param(struct svc_req *r, const char *param, const char *choices, const char *fmt, ...)
{
	cb_jw w;
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	svc_problem_begin(r, &w, P_INVALID_REQUEST, "%s%s%s", detail, choices ? " " : "", choices ? choices : "");
	cb_jw_kstr(&w, "parameter", param);
	svc_problem_end(r, &w);
}

void
h_sets_list(struct svc_req *r)
{
	struct svc_snap *snap = svc_req_snap(r);
	size_t i;
	cb_jw w;

	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_key(&w, "sets");
	cb_jw_arr_begin(&w);
	for (i = 0; i < snap->n; i++) {
		const cb_codeset *cs = snap->sets[i]->cs;
		char href[128];
		cb_jw_obj_begin(&w);
		cb_jw_kstr(&w, "name", cb_codeset_name(cs));
		cb_jw_kstr(&w, "title", cb_codeset_title(cs));
		cb_jw_kint(&w, "version", cb_codeset_version(cs));
		cb_jw_kint(&w, "entries", (long long)cb_codeset_entry_count(cs));
		cb_jw_kint(&w, "categories", (long long)cb_codeset_category_count(cs));
		cb_jw_kbool(&w, "mirror", cb_codeset_is_mirror(cs));
		cb_jw_kstr(&w, "etag", snap->sets[i]->etag);
		(void)snprintf(href, sizeof(href), "/v1/code-sets/%s", cb_codeset_name(cs));
		cb_jw_kstr(&w, "href", href);
		cb_jw_obj_end(&w);
	}
	cb_jw_arr_end(&w);
	cb_jw_obj_end(&w);
	svc_json(r, 200);
}

void
h_set_get(struct svc_req *r)
{
	struct svc_set *set = svc_req_set(r);

	if (set == NULL)
		return;
	svc_req_header(r, "ETag", "%s", set->etag);
	/* clients keep their copy and revalidate: a sync is a 304 when nothing changed */
	svc_req_header(r, "Cache-Control", "no-cache");
	if (svc_etag_match(r->if_none_match, set->etag)) {
		r->status = 304;
		return;
	}
	atomic_fetch_add(&set->refs, 1);
	r->borrowed = set->json;
	r->borrowed_len = set->json_len;
	r->borrowed_owner = set;
	r->ctype = "application/json";
	r->status = 200;
}

/* Context dimension=value pairs from query arguments "PREFIXdim" (or
 * every argument but @skip when @prefix is NULL), validated against @cs.
 * Returns the number of pairs, or -1 after writing a 400. */
static int
query_context(struct svc_req *r, const cb_codeset *cs, const char *prefix, const char *const *skip,
    cb_ctx *ctx, int *dims, int *vals)
{
	size_t i, j, k, plen = prefix ? strlen(prefix) : 0;
	int n = 0;

	for (i = 0; i < r->nargs; i++) {
		const char *key = r->args[i].k, *dim;
		char choices[1024];
		size_t o = 0;
		int skipped = 0;

		for (k = 0; skip && skip[k]; k++)
			if (strcmp(key, skip[k]) == 0)
				skipped = 1;
		if (skipped)
			continue;
		if (prefix != NULL && strncmp(key, prefix, plen) != 0) {
			bad_param(r, key, "(filters: category, status, context.DIMENSION)",
			    "unknown query parameter \"%.64s\"", key);
			return -1;
		}
		dim = key + plen;
		if (n == CB_SVC_MAX_CONTEXT) {
			bad_param(r, key, NULL, "more than %d context dimensions", CB_SVC_MAX_CONTEXT);
			return -1;
		}
		dims[n] = cb_codeset_dim_index(cs, dim, strlen(dim));
		if (dims[n] < 0) {
			o += (size_t)snprintf(choices, sizeof(choices), "(%s takes %s", cb_codeset_name(cs),
			    cb_codeset_dim_count(cs) ? "dimensions:" : "no context");
			for (j = 0; j < cb_codeset_dim_count(cs) && o < sizeof(choices); j++)
				o += (size_t)snprintf(choices + o, sizeof(choices) - o, " %s", cb_codeset_dim_name(cs, j));
			if (o < sizeof(choices))
				(void)snprintf(choices + o, sizeof(choices) - o, ")");
			bad_param(r, key, choices, "unknown context dimension \"%.64s\"", dim);
			return -1;
		}
		vals[n] = cb_codeset_dim_value_index(cs, (size_t)dims[n], r->args[i].v, strlen(r->args[i].v));
		if (vals[n] < 0) {
			o += (size_t)snprintf(choices, sizeof(choices), "(allowed:");
			for (j = 0; j < cb_codeset_dim_value_count(cs, (size_t)dims[n]) && o < sizeof(choices); j++)
				o += (size_t)snprintf(choices + o, sizeof(choices) - o, " %s",
				    cb_codeset_dim_value(cs, (size_t)dims[n], j));
			if (o < sizeof(choices))
				(void)snprintf(choices + o, sizeof(choices) - o, ")");
			bad_param(r, key, choices, "\"%.64s\" is not a value of %s", r->args[i].v, dim);
			return -1;
		}
		ctx[n] = cb_ctx_make(cb_codeset_dim_name(cs, (size_t)dims[n]), r->args[i].v);
		n++;
	}
	return n;
}

void
h_set_codes(struct svc_req *r)
{
	static const char *const own[] = { "category", "status", NULL };
	struct svc_set *set = svc_req_set(r);
	const cb_codeset *cs;
	const char *category, *status_s;
	cb_ctx ctx[CB_SVC_MAX_CONTEXT];
	int dims[CB_SVC_MAX_CONTEXT], vals[CB_SVC_MAX_CONTEXT], nctx, status = -1, j;
	size_t i, count = 0;
	cb_jw w;

	if (set == NULL)
		return;
	cs = set->cs;
	category = svc_req_arg(r, "category");
	status_s = svc_req_arg(r, "status");
	if (category != NULL && cb_codeset_category_index(cs, category, strlen(category)) < 0) {
		char choices[2048];
		size_t o = (size_t)snprintf(choices, sizeof(choices), "(categories:");
		for (i = 0; i < cb_codeset_category_count(cs) && o < sizeof(choices); i++)
			o += (size_t)snprintf(choices + o, sizeof(choices) - o, "%s %s", i ? "," : "",
			    cb_codeset_category_name(cs, i));
		if (o < sizeof(choices))
			(void)snprintf(choices + o, sizeof(choices) - o, ")");
		bad_param(r, "category", choices, "no category \"%.64s\" in this set", category);
		return;
	}
	if (status_s != NULL) {
		for (j = 0; j < 3; j++)
			if (strcmp(status_s, cb_status_name((cb_status)j)) == 0)
				status = j;
		if (status < 0) {
			bad_param(r, "status", "active, deprecated, retired", "status \"%.64s\" is not one of",
			    status_s);
			return;
		}
	}
	if ((nctx = query_context(r, cs, "context.", own, ctx, dims, vals)) < 0)
		return;
	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "set", cb_codeset_name(cs));
	cb_jw_kint(&w, "version", cb_codeset_version(cs));
	cb_jw_key(&w, "codes");
	cb_jw_arr_begin(&w);
	for (i = 0; i < cb_codeset_entry_count(cs); i++) {
		const cb_entry *e = cb_codeset_entry(cs, i);
		if (category != NULL && strcmp(cb_entry_category(e), category) != 0)
			continue;
		if (status >= 0 && (int)cb_entry_status(e) != status)
			continue;
		for (j = 0; j < nctx; j++)
			if (!cb_entry_admits(e, (size_t)dims[j], (size_t)vals[j]))
				break;
		if (j < nctx)
			continue;
		cb_view_entry(&w, e);
		count++;
	}
	cb_jw_arr_end(&w);
	cb_jw_kint(&w, "count", (long long)count);
	cb_jw_obj_end(&w);
	svc_json(r, 200);
}

static void
write_suggestions(cb_jw *w, const cb_check_result *c)
{
	size_t i;

	cb_jw_key(w, "suggestions");
	cb_jw_arr_begin(w);
	for (i = 0; i < c->nalts; i++)
		cb_jw_strn(w, cb_entry_code(c->alts[i]), cb_entry_code_len(c->alts[i]));
	cb_jw_arr_end(w);
}

void
h_set_code(struct svc_req *r)
{
	struct svc_set *set = svc_req_set(r);
	const cb_entry *e;
	const char *code;
	size_t len;
	cb_jw w;

	if (set == NULL)
		return;
	code = svc_match_get(&r->m, "code", &len);
	if ((e = cb_codeset_find(set->cs, code, len)) == NULL) {
		cb_check_result c = CB_CHECK_RESULT_INIT;
		char msg[CB_CHECK_MESSAGE_MAX];
		cb_check(&c, set->cs, code, len, NULL, 0);
		(void)cb_check_message(msg, sizeof(msg), &c);
		svc_problem_begin(r, &w, P_UNKNOWN_CODE, "%s", msg);
		cb_jw_kstr(&w, "set", cb_codeset_name(set->cs));
		cb_jw_kint(&w, "version", cb_codeset_version(set->cs));
		cb_jw_kstrn(&w, "code", code, len);
		cb_jw_kstr(&w, "reason", cb_reason_name(c.reason));
		write_suggestions(&w, &c);
		svc_problem_end(r, &w);
		return;
	}
	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "set", cb_codeset_name(set->cs));
	cb_jw_kint(&w, "version", cb_codeset_version(set->cs));
	cb_jw_kstrn(&w, "code", code, len);
	cb_jw_key(&w, "entries");
	cb_jw_arr_begin(&w);
	for (; e != NULL; e = cb_entry_next_same(e))
		cb_view_entry(&w, e);
	cb_jw_arr_end(&w);
	cb_jw_obj_end(&w);
	svc_json(r, 200);
}

void
svc_fault_respond(struct svc_req *r, const struct svc_fault *f, size_t limit)
{
	cb_jw w;

	svc_problem_begin(r, &w, f->problem, "%s", f->detail);
	if (f->pointer[0] || f->problem == P_INVALID_REQUEST)
		cb_jw_kstr(&w, "pointer", f->pointer);
	if (f->offset >= 0) {
		cb_jw_kint(&w, "offset", f->offset);
		cb_jw_kint(&w, "line", f->line);
		cb_jw_kint(&w, "column", f->column);
	}
	if (f->problem == P_BATCH_TOO_LARGE)
		cb_jw_kint(&w, "limit", (long long)limit);
	svc_problem_end(r, &w);
}

void
h_set_check(struct svc_req *r)
{
	struct svc_set *set = svc_req_set(r);
	struct svc_checks c;
	cb_check_result res = CB_CHECK_RESULT_INIT;
	size_t i, accepted = 0;
	cb_jw w;

	if (set == NULL)
		return;
	if (svc_checks_parse(&c, r->body.p, r->body.len) != CB_OK) {
		svc_problem(r, P_INTERNAL, "out of memory");
		goto out;
	}
	if (c.fault.problem != P_NONE) {
		svc_fault_respond(r, &c.fault, CB_SVC_MAX_BATCH);
		goto out;
	}
	svc_json_begin(r, &w);
	if (!c.batch) {
		const struct svc_check_item *it = &c.items[0];
		cb_check(&res, set->cs, it->code, it->code_len, it->ctx, it->nctx);
		svc_metrics_check(r->svc->metrics, set->mslot, res.reason);
		cb_view_check(&w, &res, it->code, it->code_len, it->ctx, it->nctx);
		svc_json(r, 200);
		goto out;
	}
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "set", cb_codeset_name(set->cs));
	cb_jw_kint(&w, "version", cb_codeset_version(set->cs));
	cb_jw_key(&w, "results");
	cb_jw_arr_begin(&w);
	for (i = 0; i < c.n; i++) {
		const struct svc_check_item *it = &c.items[i];
		cb_check(&res, set->cs, it->code, it->code_len, it->ctx, it->nctx);
		svc_metrics_check(r->svc->metrics, set->mslot, res.reason);
		accepted += res.accepted != 0;
		cb_view_check(&w, &res, it->code, it->code_len, it->ctx, it->nctx);
	}
	cb_jw_arr_end(&w);
	cb_jw_kint(&w, "count", (long long)c.n);
	cb_jw_kint(&w, "accepted", (long long)accepted);
	cb_jw_kint(&w, "rejected", (long long)(c.n - accepted));
	cb_jw_obj_end(&w);
	svc_json(r, 200);
out:
	svc_checks_free(&c);
}

void
h_error_explain(struct svc_req *r)
{
	static const char *const own[] = { "attempt", NULL };
	struct svc_set *set = svc_req_set(r);
	cb_ctx ctx[CB_SVC_MAX_CONTEXT];
	int dims[CB_SVC_MAX_CONTEXT], vals[CB_SVC_MAX_CONTEXT], nctx;
	const char *code, *attempt_s;
	unsigned long attempt = 1;
	cb_decision d = CB_DECISION_INIT;
	size_t len;
	cb_jw w;

	if (set == NULL)
		return;
	code = svc_match_get(&r->m, "code", &len);
	if ((attempt_s = svc_req_arg(r, "attempt")) != NULL && parse_uint(attempt_s, 1, 1000, &attempt) != 0) {
		bad_param(r, "attempt", NULL, "attempt \"%.32s\" must be a whole number from 1 (the first "
		    "call) to 1000", attempt_s);
		return;
	}
	if ((nctx = query_context(r, set->cs, NULL, own, ctx, dims, vals)) < 0)
		return;
	if (cb_decide(&d, set->cs, code, len, ctx, (size_t)nctx, (unsigned)attempt, NULL) != CB_OK) {
		svc_problem(r, P_INTERNAL, "%s", cb_errmsg());
		return;
	}
	svc_metrics_check(r->svc->metrics, set->mslot, d.check.reason);
	if (!d.known) {
		char msg[CB_CHECK_MESSAGE_MAX];
		(void)cb_check_message(msg, sizeof(msg), &d.check);
		svc_problem_begin(r, &w, P_UNKNOWN_CODE, "%s", msg);
		cb_jw_kstr(&w, "set", cb_codeset_name(set->cs));
		cb_jw_kstrn(&w, "code", code, len);
		cb_jw_kstr(&w, "reason", cb_reason_name(d.check.reason));
		write_suggestions(&w, &d.check);
		cb_jw_key(&w, "decision");
		cb_view_decision(&w, &d);
		svc_problem_end(r, &w);
		return;
	}
	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_key(&w, "check");
	cb_view_check(&w, &d.check, code, len, ctx, (size_t)nctx);
	cb_jw_key(&w, "decision");
	cb_view_decision(&w, &d);
	cb_jw_obj_end(&w);
	svc_json(r, 200);
}

/* ---- publishing and history ------------------------------------------- */

static int
valid_set_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_' || s[i] == '.'))
			return 0;
	return 1;
}

static void
findings(cb_jw *w, const char *key, const cb_report *rep, int breaking)
{
	size_t i;

	cb_jw_key(w, key);
	cb_jw_arr_begin(w);
	for (i = 0; rep != NULL && i < cb_report_count(rep); i++) {
		const cb_finding *f = cb_report_get(rep, i);
		if ((f->severity == CB_SEV_BREAKING) != breaking)
			continue;
		cb_jw_obj_begin(w);
		cb_jw_kstr(w, "rule", f->rule);
		cb_jw_kstr(w, "severity", cb_severity_name(f->severity));
		cb_jw_kstr(w, "subject", f->subject);
		cb_jw_kstr(w, "message", f->message);
		cb_jw_obj_end(w);
	}
	cb_jw_arr_end(w);
}

void
h_set_put(struct svc_req *r)
{
	char name[80];
	cb_codeset *cs = NULL;
	cb_report *rep = NULL;
	cb_json_doc *doc = NULL;
	cb_json_error jerr;
	struct svc_fault f;
	enum svc_publish_outcome outcome;
	int old_version, rc;
	size_t nlen;
	const char *np = svc_match_get(&r->m, "set", &nlen);
	cb_jw w;

	if (!valid_set_name(np, nlen)) {
		svc_problem(r, P_INVALID_REQUEST, "set names are 1 to 64 of a-z 0-9 - _ .");
		return;
	}
	memcpy(name, np, nlen);
	name[nlen] = '\0';
	/* JSON first, so that a syntax error is a 400 with its position */
	memset(&jerr, 0, sizeof(jerr));
	rc = r->body.len ? cb_json_parse(&doc, r->body.p, r->body.len, CB_MAX_JSON_DEPTH, &jerr) : CB_EPARSE;
	cb_json_free(doc);
	if (rc == CB_ENOMEM) {
		svc_problem(r, P_INTERNAL, "out of memory");
		return;
	}
	if (rc != CB_OK) {
		memset(&f, 0, sizeof(f));
		svc_fault_set(&f, P_MALFORMED_JSON, r->body.p, r->body.len, r->body.len ? (long)jerr.offset : 0,
		    NULL, "%s", r->body.len ? (rc == CB_ETOOBIG ? "the document nests too deeply" : jerr.message)
		    : "the request body is empty; expected a code-set document");
		svc_fault_respond(r, &f, 0);
		return;
	}
	if (cb_codeset_load_buffer(&cs, r->body.p, r->body.len, "request body") != CB_OK) {
		svc_problem(r, P_INVALID_CODE_SET, "%s", cb_errmsg());
		return;
	}
	if (strcmp(cb_codeset_name(cs), name) != 0) {
		svc_problem(r, P_INVALID_CODE_SET, "the body holds set \"%s\" but the URL names \"%s\"",
		    cb_codeset_name(cs), name);
		goto out;
	}
	if (svc_publish(r->svc, cs, "api", r->key_name, &outcome, &rep, &old_version) != CB_OK) {
		svc_problem(r, P_INTERNAL, "the new version could not be stored: %s", cb_errmsg());
		goto out;
	}
	switch (outcome) {
	case PUB_REFUSED:
		svc_problem_begin(r, &w, P_GOVERNANCE, "version %d of %s breaks its users (%zu breaking "
		    "change%s); version %d is still served", cb_codeset_version(cs), name,
		    cb_report_count_severity(rep, CB_SEV_BREAKING),
		    cb_report_count_severity(rep, CB_SEV_BREAKING) == 1 ? "" : "s", old_version);
		cb_jw_kstr(&w, "set", name);
		cb_jw_kint(&w, "current_version", old_version);
		cb_jw_kint(&w, "proposed_version", cb_codeset_version(cs));
		findings(&w, "violations", rep, 1);
		findings(&w, "warnings", rep, 0);
		svc_problem_end(r, &w);
		break;
	case PUB_STALE:
		svc_problem(r, P_VERSION_CONFLICT, "version %d of %s is already published with other content",
		    cb_codeset_version(cs), name);
		break;
	case PUB_UNCHANGED:
	case PUB_CREATED: {
		struct svc_snap *snap = svc_snap_get(r->svc);
		struct svc_set *set = svc_snap_find(snap, name, nlen);
		if (set != NULL)
			svc_req_header(r, "ETag", "%s", set->etag);
		svc_req_header(r, "Location", "/v1/code-sets/%s/versions/%d", name, cb_codeset_version(cs));
		svc_json_begin(r, &w);
		cb_jw_obj_begin(&w);
		cb_jw_kstr(&w, "set", name);
		cb_jw_kint(&w, "version", cb_codeset_version(cs));
		cb_jw_kbool(&w, "published", outcome == PUB_CREATED);
		if (old_version && outcome == PUB_CREATED)
			cb_jw_kint(&w, "previous_version", old_version);
		if (set != NULL)
			cb_jw_kstr(&w, "etag", set->etag);
		findings(&w, "warnings", rep, 0);
		cb_jw_obj_end(&w);
		svc_snap_put(snap);
		svc_json(r, outcome == PUB_CREATED ? 201 : 200);
		break;
	}
	}
out:
	cb_report_free(rep);
	cb_codeset_free(cs);
}

struct versions_ctx {
	cb_jw *w;
	size_t n;
};

static int
version_row(void *arg, const cb_store_setver *v)
{
	struct versions_ctx *vc = arg;
	char href[160];

	cb_jw_obj_begin(vc->w);
	cb_jw_kint(vc->w, "version", v->version);
	cb_jw_kstr(vc->w, "etag", v->etag);
	cb_jw_kstr(vc->w, "published_at", v->published_at);
	cb_jw_kstr(vc->w, "source", v->source);
	cb_jw_kstr(vc->w, "published_by", v->published_by);
	(void)snprintf(href, sizeof(href), "/v1/code-sets/%s/versions/%d", v->name, v->version);
	cb_jw_kstr(vc->w, "href", href);
	cb_jw_obj_end(vc->w);
	vc->n++;
	return 0;
}

void
h_set_versions(struct svc_req *r)
{
	struct svc_set *set = svc_req_set(r);
	struct versions_ctx vc;
	const char *name;
	cb_jw w;

	if (set == NULL)
		return;
	name = cb_codeset_name(set->cs);
	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "set", name);
	cb_jw_kint(&w, "current_version", cb_codeset_version(set->cs));
	cb_jw_key(&w, "versions");
	cb_jw_arr_begin(&w);
	vc.w = &w;
	vc.n = 0;
	if (cb_store_set_versions(r->svc->store, name, version_row, &vc) != CB_OK) {
		svc_problem(r, P_INTERNAL, "%s", cb_errmsg());
		return;
	}
	cb_jw_arr_end(&w);
	cb_jw_obj_end(&w);
	svc_json(r, 200);
}

void
h_set_version(struct svc_req *r)
{
	struct svc_set *set = svc_req_set(r);
	cb_store_setver v;
	char vs[16];
	unsigned long n;
	int rc;

	if (set == NULL)
		return;
	if (svc_req_capture(r, "version", vs, sizeof(vs)) == NULL || parse_uint(vs, 1, 2147483647ul, &n) != 0) {
		svc_problem(r, P_INVALID_REQUEST, "a version is a whole number from 1");
		return;
	}
	rc = cb_store_set_get(r->svc->store, cb_codeset_name(set->cs), (int)n, &v);
	if (rc == CB_ENOTFOUND) {
		svc_problem(r, P_NOT_FOUND, "version %lu of %s was never published (the latest is %d)", n,
		    cb_codeset_name(set->cs), cb_codeset_version(set->cs));
		return;
	}
	if (rc != CB_OK) {
		svc_problem(r, P_INTERNAL, "%s", cb_errmsg());
		return;
	}
	svc_req_header(r, "ETag", "%s", v.etag);
	/* a published version never changes */
	svc_req_header(r, "Cache-Control", "public, max-age=31536000, immutable");
	if (svc_etag_match(r->if_none_match, v.etag))
		r->status = 304;
	else {
		cb_buf_clear(&r->out);
		cb_buf_add(&r->out, v.body, v.body_len);
		r->ctype = "application/json";
		r->status = 200;
	}
	cb_store_setver_clear(&v);
}
