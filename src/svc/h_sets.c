/* SPDX-License-Identifier: Apache-2.0 */
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
#include "ident.h"
#include "items.h"
#include "parse.h"
#include "query.h"
#include "view.h"

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
		char seg[3 * 64 + 1], href[sizeof(seg) + 16];
		cb_jw_obj_begin(&w);
		cb_jw_kstr(&w, "name", cb_codeset_name(cs));
		cb_jw_kstr(&w, "title", cb_codeset_title(cs));
		cb_jw_kint(&w, "version", cb_codeset_version(cs));
		cb_jw_kint(&w, "entries", (long long)cb_codeset_entry_count(cs));
		cb_jw_kint(&w, "categories", (long long)cb_codeset_category_count(cs));
		cb_jw_kbool(&w, "mirror", cb_codeset_is_mirror(cs));
		cb_jw_kstr(&w, "etag", snap->sets[i]->etag);
		(void)cb_path_segment(seg, sizeof(seg), cb_codeset_name(cs), strlen(cb_codeset_name(cs)));
		(void)snprintf(href, sizeof(href), "/v1/code-sets/%s", seg);
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
	/* clients keep their copy and revalidate: a sync is a 304 when nothing
	 * changed; a version named by number never changes */
	svc_req_header(r, "Cache-Control", r->q[SVC_Q_VERSION].s != NULL ? "public, max-age=31536000, immutable" :
	    "no-cache");
	if (svc_etag_match(r->if_none_match, set->etag)) {
		svc_not_modified(r, set->json_len);
		return;
	}
	atomic_fetch_add(&set->refs, 1);
	r->borrowed = set->json;
	r->borrowed_len = set->json_len;
	r->borrowed_owner = set;
	r->ctype = "application/json";
	r->status = 200;
}

/* Context pairs read from query arguments: "context.DIM=VALUE" (with
 * @prefix "context.") or "DIM=VALUE" (no prefix), each checked against the
 * set's dimensions and values. */
struct qctx {
	const cb_codeset *cs;
	const char       *prefix;
	cb_ctx            ctx[CB_SVC_MAX_CONTEXT];
	int               dims[CB_SVC_MAX_CONTEXT], vals[CB_SVC_MAX_CONTEXT];
	size_t            n;
};

static int
query_context(void *arg, struct svc_req *r, const char *key, const char *value)
{
	struct qctx *q = arg;
	const cb_codeset *cs = q->cs;
	size_t j, o = 0, plen = q->prefix ? strlen(q->prefix) : 0;
	char choices[1024];
	const char *dim;
	int d, v;

	if (q->prefix != NULL && strncmp(key, q->prefix, plen) != 0)
		return 0;
	dim = key + plen;
	if (q->n == CB_SVC_MAX_CONTEXT) {
		svc_bad_param(r, key, "more than %d context dimensions", CB_SVC_MAX_CONTEXT);
		return -1;
	}
	if ((d = cb_codeset_dim_index(cs, dim, strlen(dim))) < 0) {
		for (j = 0; j < cb_codeset_dim_count(cs) && o < sizeof(choices); j++)
			o += (size_t)snprintf(choices + o, sizeof(choices) - o, " %s", cb_codeset_dim_name(cs, j));
		svc_bad_param(r, key, "unknown %s \"%.64s\" (%s takes %s%s)", q->prefix ? "context dimension" :
		    "query parameter or context dimension", dim, cb_codeset_name(cs),
		    j ? "dimensions:" : "no context", j ? choices : "");
		return -1;
	}
	if ((v = cb_codeset_dim_value_index(cs, (size_t)d, value, strlen(value))) < 0) {
		for (j = 0; j < cb_codeset_dim_value_count(cs, (size_t)d) && o < sizeof(choices); j++)
			o += (size_t)snprintf(choices + o, sizeof(choices) - o, " %s",
			    cb_codeset_dim_value(cs, (size_t)d, j));
		svc_bad_param(r, key, "\"%.64s\" is not a value of %s (allowed:%s)", value, dim, choices);
		return -1;
	}
	q->dims[q->n] = d;
	q->vals[q->n] = v;
	q->ctx[q->n++] = cb_ctx_make(cb_codeset_dim_name(cs, (size_t)d), value);
	return 1;
}

/* Does @hay hold @needle, ASCII letters compared without case? */
static int
contains_ci(const char *hay, const char *needle)
{
	size_t i, n = strlen(needle);

	for (; hay != NULL && *hay != '\0'; hay++) {
		for (i = 0; i < n && hay[i] != '\0'; i++) {
			unsigned char a = (unsigned char)hay[i], b = (unsigned char)needle[i];
			if ((a | (a >= 'A' && a <= 'Z' ? 0x20 : 0)) != (b | (b >= 'A' && b <= 'Z' ? 0x20 : 0)))
				break;
		}
		if (i == n)
			return 1;
	}
	return n == 0;
}

/* The set as its document has it, but its entries: what a page of codes
 * needs to show its set and offer its filters (categories, contexts). */
static void
write_head(cb_jw *w, const cb_codeset *cs)
{
	cb_jw_kstr(w, "title", cb_codeset_title(cs));
	cb_jw_kstr(w, "description", cb_codeset_description(cs));
	cb_jw_kbool(w, "mirror", cb_codeset_is_mirror(cs));
	cb_jw_kstr(w, "deprecated", cb_codeset_rejects_deprecated(cs) ? "reject" : "warn");
	cb_view_set_categories(w, cs);
	cb_view_set_contexts(w, cs, 0);
}

/* The filters of GET .../codes, checked against the set. */
struct code_filter {
	const char        *category;   /* NULL: any */
	int                status;     /* cb_status, or -1: any */
	const char        *text;       /* q, or NULL */
	const struct qctx *qc;         /* context.DIM=VALUE pairs */
};

/* category and status of @q into @f; 0, or -1 after a 400 naming what is allowed. */
static int
read_code_filter(struct svc_req *r, const cb_codeset *cs, const char *category, const char *status,
    struct code_filter *f)
{
	size_t i, o = 0;
	int j;

	f->category = category;
	f->status = -1;
	if (category != NULL && cb_codeset_category_index(cs, category, strlen(category)) < 0) {
		char choices[2048];
		for (i = 0; i < cb_codeset_category_count(cs) && o < sizeof(choices); i++)
			o += (size_t)snprintf(choices + o, sizeof(choices) - o, "%s %s", i ? "," : "",
			    cb_codeset_category_name(cs, i));
		svc_bad_param(r, "category", "no category \"%.64s\" in this set (categories:%s)", category, choices);
		return -1;
	}
	if (status == NULL)
		return 0;
	for (j = 0; j < 3; j++)
		if (strcmp(status, cb_status_name((cb_status)j)) == 0)
			f->status = j;
	if (f->status < 0) {
		svc_bad_param(r, "status", "status \"%.64s\" is not one of active, deprecated, retired", status);
		return -1;
	}
	return 0;
}

static int
code_passes(const cb_entry *e, const struct code_filter *f)
{
	size_t j;

	if (f->category != NULL && strcmp(cb_entry_category(e), f->category) != 0)
		return 0;
	if (f->status >= 0 && (int)cb_entry_status(e) != f->status)
		return 0;
	for (j = 0; j < f->qc->n; j++)
		if (!cb_entry_admits(e, (size_t)f->qc->dims[j], (size_t)f->qc->vals[j]))
			return 0;
	return f->text == NULL || contains_ci(cb_entry_code(e), f->text) ||
	    contains_ci(cb_entry_description(e), f->text) ||
	    contains_ci(cb_entry_attribute(e, "display_text"), f->text);
}

/* The context pairs of the query (r->qother) checked against @cs into
 * @qc; 0, or -1 after a 400. */
static int
read_context(struct svc_req *r, const cb_codeset *cs, const char *prefix, struct qctx *qc)
{
	size_t i;

	memset(qc, 0, sizeof(*qc));
	qc->cs = cs;
	qc->prefix = prefix;
	for (i = 0; i < r->nqother; i++)
		if (query_context(qc, r, r->qother[i].k, r->qother[i].v) < 0)
			return -1;
	return 0;
}

/* The route's own parameters follow version and as_of. */
enum { QC_CATEGORY = 2, QC_STATUS, QC_TEXT, QC_LIMIT, QC_CURSOR };
enum { QE_ATTEMPT = 2 };

/*
 * GET /v1/code-sets/{set}/codes: the entries that pass the filters, in the
 * set's order.  With limit, a page of them: "total" counts every match and
 * "next_cursor" (the index of the entry to go on from) gives the next page,
 * so a set of any size is read page by page (the console's tables), and the
 * set's head comes along (title, categories, contexts: what the filters
 * take).  q matches the code, the description or the display text,
 * without case.
 */
void
h_set_codes(struct svc_req *r)
{
	struct svc_set *set = svc_req_set(r);
	const struct svc_qval *q = r->q;
	struct code_filter f;
	struct qctx qc;
	const cb_codeset *cs;
	size_t i, count = 0, total = 0, next = 0, limit;
	cb_jw w;

	if (set == NULL)
		return;
	cs = set->cs;
	if (read_context(r, cs, "context.", &qc) != 0 ||
	    read_code_filter(r, cs, q[QC_CATEGORY].s, q[QC_STATUS].s, &f) != 0)
		return;
	f.text = q[QC_TEXT].s;
	f.qc = &qc;
	limit = q[QC_LIMIT].s != NULL ? (size_t)q[QC_LIMIT].u : SIZE_MAX;
	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "set", cb_codeset_name(cs));
	cb_jw_kint(&w, "version", cb_codeset_version(cs));
	if (q[QC_LIMIT].s != NULL)
		write_head(&w, cs);
	cb_jw_key(&w, "codes");
	cb_jw_arr_begin(&w);
	for (i = 0; i < cb_codeset_entry_count(cs); i++) {
		const cb_entry *e = cb_codeset_entry(cs, i);
		if (!code_passes(e, &f))
			continue;
		total++;
		if ((int64_t)i < q[QC_CURSOR].i)
			continue;
		if (count == limit) {
			if (next == 0)
				next = i;
			continue;	/* counted for "total" only */
		}
		cb_view_entry(&w, e);
		count++;
	}
	cb_jw_arr_end(&w);
	cb_jw_kint(&w, "count", (long long)count);
	if (q[QC_LIMIT].s != NULL) {
		char cur[24];
		cb_jw_kint(&w, "total", (long long)total);
		cb_jw_key(&w, "next_cursor");
		if (next != 0) {
			(void)snprintf(cur, sizeof(cur), "%zu", next);
			cb_jw_str(&w, cur);
		} else
			cb_jw_null(&w);
	}
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

/* The parameters of the check route after version and as_of. */
enum { QK_MODE = 2, QK_AT };

/* A check's mode (?mode=send|accept) as CB_CHECK_* flags and its time:
 * ?at=, else the as_of the version is pinned at, else now.  Returns 0, or
 * -1 after a 400. */
static int
check_life(struct svc_req *r, unsigned *flags, int64_t *at)
{
	const char *mode = r->q[QK_MODE].s;

	*flags = 0;
	if (mode != NULL && strcmp(mode, "accept") == 0)
		*flags = CB_CHECK_ACCEPT;
	else if (mode != NULL && strcmp(mode, "send") != 0) {
		svc_bad_param(r, "mode", "mode=%.20s: expected send (a new record) or accept (an existing one)", mode);
		return -1;
	}
	*at = r->q[QK_AT].s != NULL ? r->q[QK_AT].i : r->q[1].s != NULL ? r->q[1].i : cb_time_now_us();
	return 0;
}

void
h_set_check(struct svc_req *r)
{
	struct svc_set *set = svc_req_set(r);
	struct svc_checks c;
	cb_check_result res = CB_CHECK_RESULT_INIT;
	size_t i, accepted = 0;
	unsigned flags;
	int64_t at;
	int64_t now;
	cb_jw w;

	if (set == NULL || check_life(r, &flags, &at) != 0)
		return;
	now = svc_usage_now();
	if (svc_checks_parse(&c, r->body.p, r->body.len, r->anon ? CB_SVC_ANON_MAX_CHECK_ITEMS :
	    CB_SVC_MAX_BATCH) != CB_OK) {
		svc_problem(r, P_INTERNAL, "out of memory");
		goto out;
	}
	if (c.fault.problem != P_NONE) {
		svc_fault_respond(r, &c.fault, r->anon ? CB_SVC_ANON_MAX_CHECK_ITEMS : CB_SVC_MAX_BATCH);
		goto out;
	}
	svc_json_begin(r, &w);
	if (!c.batch) {
		const struct svc_check_item *it = &c.items[0];
		cb_check_at(&res, set->cs, it->code, it->code_len, it->ctx, it->nctx, flags, at);
		svc_metrics_check(r->svc->metrics, set->mslot, res.reason);
		svc_usage_note(set->usage, res.entry, res.accepted ? SVC_USAGE_CHECKED : SVC_USAGE_REJECTED, now);
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
		cb_check_at(&res, set->cs, it->code, it->code_len, it->ctx, it->nctx, flags, at);
		svc_metrics_check(r->svc->metrics, set->mslot, res.reason);
		svc_usage_note(set->usage, res.entry, res.accepted ? SVC_USAGE_CHECKED : SVC_USAGE_REJECTED, now);
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
	struct svc_set *set = svc_req_set(r);
	struct qctx qc;
	const char *code;
	unsigned attempt = 1;
	cb_decision d = CB_DECISION_INIT;
	size_t len;
	cb_jw w;

	if (set == NULL)
		return;
	code = svc_match_get(&r->m, "code", &len);
	if (read_context(r, set->cs, NULL, &qc) != 0)
		return;
	if (r->q[QE_ATTEMPT].s != NULL)
		attempt = (unsigned)r->q[QE_ATTEMPT].u;
	if (cb_decide(&d, set->cs, code, len, qc.ctx, qc.n, attempt, NULL) != CB_OK) {
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
	cb_view_check(&w, &d.check, code, len, qc.ctx, qc.n);
	cb_jw_key(&w, "decision");
	cb_view_decision(&w, &d);
	cb_jw_obj_end(&w);
	svc_json(r, 200);
}

/* ---- publishing and history ------------------------------------------- */

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

/* Answer what a publish of version @v of set @name did. */
static void
respond_publish(struct svc_req *r, const char *name, int v, const struct svc_pub *pub)
{
	cb_jw w;

	switch (pub->outcome) {
	case PUB_REFUSED:
		svc_problem_begin(r, &w, P_GOVERNANCE, "version %d of %s breaks its users (%zu breaking "
		    "change%s); version %d is still served", v, name,
		    cb_report_count_severity(pub->report, CB_SEV_BREAKING),
		    cb_report_count_severity(pub->report, CB_SEV_BREAKING) == 1 ? "" : "s", pub->current_version);
		cb_jw_kstr(&w, "set", name);
		cb_jw_kint(&w, "current_version", pub->current_version);
		cb_jw_kint(&w, "proposed_version", v);
		findings(&w, "violations", pub->report, 1);
		findings(&w, "warnings", pub->report, 0);
		svc_problem_end(r, &w);
		break;
	case PUB_STALE:
	case PUB_SKIPS:
		if (pub->outcome == PUB_SKIPS)
			svc_problem_begin(r, &w, P_VERSION_CONFLICT, "version %d of %s skips versions: the latest is "
			    "%d, so the next must be %d", v, name, pub->current_version, pub->expected_version);
		else if (v == pub->current_version)
			svc_problem_begin(r, &w, P_VERSION_CONFLICT, "version %d of %s is already published with "
			    "other content; the next version is %d", v, name, pub->expected_version);
		else
			svc_problem_begin(r, &w, P_VERSION_CONFLICT, "version %d of %s is not above the latest "
			    "published version %d; the next version is %d", v, name, pub->current_version,
			    pub->expected_version);
		cb_jw_kstr(&w, "set", name);
		cb_jw_kint(&w, "current_version", pub->current_version);
		cb_jw_kint(&w, "proposed_version", v);
		cb_jw_kint(&w, "expected_version", pub->expected_version);
		svc_problem_end(r, &w);
		break;
	case PUB_FULL:
		svc_problem_begin(r, &w, P_LIMIT_EXCEEDED, "%s would be code set number %d; at most %d are "
		    "kept (room is kept for the bundled ones): nothing was stored", name, CB_SVC_MAX_SETS + 1,
		    CB_SVC_MAX_SETS);
		cb_jw_kstr(&w, "limit", "code_sets");
		cb_jw_kint(&w, "max", CB_SVC_MAX_SETS);
		svc_problem_end(r, &w);
		break;
	case PUB_TOO_HIGH:
		svc_problem_begin(r, &w, P_LIMIT_EXCEEDED, "a new set starts at version %d at most (each next "
		    "version is the previous plus one), not %d: nothing was stored", CB_SVC_MAX_SET_VERSION, v);
		cb_jw_kstr(&w, "limit", "set_version");
		cb_jw_kint(&w, "max", CB_SVC_MAX_SET_VERSION);
		svc_problem_end(r, &w);
		break;
	case PUB_UNCHANGED:
	case PUB_CREATED: {
		const char *etag = pub->etag;
		char seg[3 * 64 + 1];
		svc_req_header(r, "ETag", "%s", etag);
		(void)cb_path_segment(seg, sizeof(seg), name, strlen(name));
		svc_req_header(r, "Location", "/v1/code-sets/%s/versions/%d", seg, v);
		svc_json_begin(r, &w);
		cb_jw_obj_begin(&w);
		cb_jw_kstr(&w, "set", name);
		cb_jw_kint(&w, "version", v);
		cb_jw_kbool(&w, "published", pub->outcome == PUB_CREATED);
		if (pub->current_version && pub->outcome == PUB_CREATED)
			cb_jw_kint(&w, "previous_version", pub->current_version);
		cb_jw_kstr(&w, "etag", etag);
		findings(&w, "warnings", pub->report, 0);
		cb_jw_obj_end(&w);
		svc_json(r, pub->outcome == PUB_CREATED ? 201 : 200);
		break;
	}
	}
}

int
svc_req_proposed(struct svc_req *r, cb_codeset **out)
{
	char name[CB_SET_NAME_MAX + 1];
	cb_codeset *cs = NULL;
	cb_json_doc *doc = NULL;
	cb_json_error jerr;
	struct svc_fault f;
	int rc;
	size_t nlen;
	const char *np = svc_match_get(&r->m, "set", &nlen);

	*out = NULL;
	if (!cb_set_name_check(np, nlen, NULL)) {
		svc_problem(r, P_INVALID_REQUEST, "a set name is 1 to 63 of a-z 0-9 - (not starting with -), "
		    "optionally followed by @ and a market code of two letters A-Z: tiktok-reverse-reason@GB");
		return -1;
	}
	memcpy(name, np, nlen);
	name[nlen] = '\0';
	/* JSON first, so that a syntax error is a 400 with its position */
	memset(&jerr, 0, sizeof(jerr));
	rc = r->body.len ? cb_json_parse(&doc, r->body.p, r->body.len, CB_MAX_JSON_DEPTH, &jerr) : CB_EPARSE;
	cb_json_free(doc);
	if (rc == CB_ENOMEM) {
		svc_problem(r, P_INTERNAL, "out of memory");
		return -1;
	}
	if (rc != CB_OK) {
		memset(&f, 0, sizeof(f));
		svc_fault_set(&f, P_MALFORMED_JSON, r->body.p, r->body.len, r->body.len ? (long)jerr.offset : 0,
		    NULL, "%s", r->body.len ? (rc == CB_ETOOBIG ? "the document nests too deeply" : jerr.message)
		    : "the request body is empty; expected a code-set document");
		svc_fault_respond(r, &f, 0);
		return -1;
	}
	if (cb_codeset_load_buffer(&cs, r->body.p, r->body.len, "request body") != CB_OK) {
		svc_problem(r, P_INVALID_CODE_SET, "%s", cb_errmsg());
		return -1;
	}
	if (strcmp(cb_codeset_name(cs), name) != 0) {
		svc_problem(r, P_INVALID_CODE_SET, "the body holds set \"%s\" but the URL names \"%s\"",
		    cb_codeset_name(cs), name);
		cb_codeset_free(cs);
		return -1;
	}
	*out = cs;
	return 0;
}

/* The route's own parameter (route.c). */
enum { QP_DRY_RUN = 0 };

void
h_set_put(struct svc_req *r)
{
	cb_codeset *cs = NULL;
	struct svc_pub pub;
	int rc, v;

	memset(&pub, 0, sizeof(pub));
	if (svc_req_proposed(r, &cs) != 0)
		return;
	/* ?dry_run=true: the compatibility route's answer, nothing stored */
	if (r->q[QP_DRY_RUN].s != NULL && r->q[QP_DRY_RUN].u) {
		svc_dry_run(r, cs);
		goto out;
	}
	v = cb_codeset_version(cs);
	if ((rc = svc_publish_set(r->svc, cs, "api", r->key_name, SVC_PUB_GATE, &pub)) != CB_OK) {
		svc_store_problem(r, rc, rc == CB_EUNKNOWN ? "the new version" : "the new version could not be stored");
		goto out;
	}
	respond_publish(r, cb_codeset_name(cs), v, &pub);
out:
	svc_pub_clear(&pub);
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
	char seg[3 * 64 + 1], href[sizeof(seg) + 32];

	cb_jw_obj_begin(vc->w);
	cb_jw_kint(vc->w, "version", v->version);
	cb_jw_kstr(vc->w, "etag", v->etag);
	cb_jw_kstr(vc->w, "published_at", v->published_at);
	cb_jw_kstr(vc->w, "source", v->source);
	cb_jw_kstr(vc->w, "published_by", v->published_by);
	/* the changes from the version before, as the gate listed them (kept
	 * since schema 4; earlier versions have none) */
	cb_jw_key(vc->w, "changes");
	if (v->changes != NULL)
		cb_jw_raw(vc->w, v->changes, strlen(v->changes));
	else {
		cb_jw_arr_begin(vc->w);
		cb_jw_arr_end(vc->w);
	}
	(void)cb_path_segment(seg, sizeof(seg), v->name, strlen(v->name));
	(void)snprintf(href, sizeof(href), "/v1/code-sets/%s/versions/%d", seg, v->version);
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
	uint64_t n;
	int rc;

	if (set == NULL)
		return;
	if (svc_req_capture(r, "version", vs, sizeof(vs)) == NULL || cb_parse_u64(vs, 1, INT32_MAX, &n) != 0) {
		svc_problem(r, P_INVALID_REQUEST, "a version is a whole number from 1");
		return;
	}
	rc = cb_store_set_get(r->svc->store, cb_codeset_name(set->cs), (int)n, &v);
	if (rc == CB_ENOTFOUND) {
		svc_problem(r, P_NOT_FOUND, "version %llu of %s was never published (the latest is %d)",
		    (unsigned long long)n,
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
		svc_not_modified(r, v.body_len);
	else {
		cb_buf_clear(&r->out);
		cb_buf_add(&r->out, v.body, v.body_len);
		r->ctype = "application/json";
		r->status = 200;
	}
	cb_store_setver_clear(&v);
}
