/* SPDX-License-Identifier: Apache-2.0 */
/*
 * h_compat.c - the dry run of a publish and its impact
 * (POST /v1/code-sets/{set}/compatibility, and PUT .../{set}?dry_run=true,
 * which answers the same): the governance gate's verdict on a proposed
 * version against the latest stored one, without storing anything, and
 * what it would change for what is stored: how many incidents and events
 * (those checked against the set) and how many open refunds (for a
 * market's reverse-reason mirror) would get another verdict under it,
 * with up to ten examples of each.  Records are counted by a grouping in
 * the database (reason code and context: one scan, no row leaves it) and
 * only the groups whose verdict changes are listed for examples.  Also
 * GET /v1/code-sets/{set}/observed, the codes met in marketplace traffic
 * that the set does not hold.  docs/http.md ("Dry run and impact").
 */
#include "svc_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../shim/json_shim.h"
#include "alloc.h"
#include "cb_limits.h"
#include "impact.h"
#include "items.h"
#include "markets.h"
#include "view.h"

#define MAX_GROUPS 100000	/* (code, context) groups judged per kind, at most */

/* ---- records ---------------------------------------------------------------- */

struct group {
	char   *key, *code;
	int64_t count;
};

struct groups {
	struct group *v;
	size_t        n, cap;
	int           nomem, truncated;
};

static int
group_row(void *arg, const char *key, const char *code, const char *category, int64_t count)
{
	struct groups *g = arg;
	struct group *x;

	(void)category;
	if (g->n == MAX_GROUPS) {
		g->truncated = 1;
		return 1;
	}
	if (g->n == g->cap) {
		size_t ncap = g->cap ? g->cap * 2 : 64;
		struct group *nv = cb__reallocarray(g->v, ncap, sizeof(*nv));
		if (nv == NULL) {
			g->nomem = 1;
			return 1;
		}
		g->v = nv;
		g->cap = ncap;
	}
	x = &g->v[g->n];
	x->key = cb__strdup(key ? key : "");
	x->code = cb__strdup(code ? code : "");
	x->count = count;
	g->n++;
	if (x->key == NULL || x->code == NULL) {
		g->nomem = 1;
		return 1;
	}
	return 0;
}

static void
groups_free(struct groups *g)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		free(g->v[i].key);
		free(g->v[i].code);
	}
	free(g->v);
}

/* The verdict on @code (in context @dim=@value when @dim) under @cs. */
static void
verdict(cb_check_result *res, const cb_codeset *cs, const char *code, const char *dim, const char *value)
{
	cb_ctx ctx;

	if (dim != NULL)
		ctx = cb_ctx_make(dim, value);
	cb_check(res, cs, code, strlen(code), dim != NULL ? &ctx : NULL, dim != NULL ? 1 : 0);
}

static void
write_verdict(cb_jw *w, const char *key, const cb_check_result *res)
{
	cb_jw_key(w, key);
	cb_jw_obj_begin(w);
	cb_jw_kbool(w, "valid", res->accepted);
	cb_jw_kstr(w, "reason", cb_reason_name(res->reason));
	cb_jw_obj_end(w);
}

struct examples {
	cb_jw                 *w;
	const cb_rec_desc     *d;
	const cb_check_result *before, *after;
	size_t                 n;
};

static int
example_row(void *arg, const cb_rec *rec)
{
	struct examples *ex = arg;
	int ti = cb_rec_field_index(ex->d, "occurred_at"), ci = cb_rec_field_index(ex->d, "reason_code");
	int xi = ex->d->context_dim != NULL ? cb_rec_field_index(ex->d, ex->d->context_dim) : -1;

	cb_jw_obj_begin(ex->w);
	cb_jw_kstrn(ex->w, ex->d->fields[0], rec->v[0], rec->len[0]);
	cb_jw_kstrn(ex->w, "reason_code", rec->v[ci], rec->len[ci]);
	if (xi >= 0 && rec->v[xi] != NULL)
		cb_jw_kstrn(ex->w, ex->d->context_dim, rec->v[xi], rec->len[xi]);
	if (ti >= 0 && rec->v[ti] != NULL)
		cb_jw_kstrn(ex->w, "occurred_at", rec->v[ti], rec->len[ti]);
	cb_jw_kint(ex->w, "set_version", rec->set_version);
	write_verdict(ex->w, "now", ex->before);
	write_verdict(ex->w, "proposed", ex->after);
	cb_jw_obj_end(ex->w);
	ex->n++;
	return 0;
}

/* The examples of group @g (at most @room rows). */
static int
group_examples(struct svc_req *r, cb_jw *w, cb_rec_kind k, const struct group *g, size_t room,
    const cb_check_result *before, const cb_check_result *after, size_t *n)
{
	const cb_rec_desc *d = cb_rec_describe(k);
	struct examples ex = { w, d, before, after, 0 };
	cb_rec_filter f;
	int ci = cb_rec_field_index(d, "reason_code");

	memset(&f, 0, sizeof(f));
	f.eq[ci] = g->code;
	if (d->context_dim != NULL)
		f.eq[cb_rec_field_index(d, d->context_dim)] = g->key;
	f.limit = (unsigned)room;
	if (cb_store_rec_list(r->svc->store, k, &f, example_row, &ex) != CB_OK)
		return -1;
	*n += ex.n;
	return 0;
}

/*
 * The records of kind @k checked against this set that would get another
 * verdict under @next: {"checked", "records", "groups", "examples"}.
 * 0, or -1 after a storage failure (cb_errmsg()).
 */
static int
impact_records(struct svc_req *r, cb_jw *w, cb_rec_kind k, const cb_codeset *cur, const cb_codeset *next)
{
	const cb_rec_desc *d = cb_rec_describe(k);
	const char *dim = d->context_dim;
	struct groups g;
	cb_rec_filter f;
	int64_t records = 0, scanned = 0;
	size_t i, nex = 0, changed = 0;
	int rc = 0;

	cb_jw_key(w, d->plural);
	cb_jw_obj_begin(w);
	cb_jw_kbool(w, "checked", cur != NULL && strcmp(d->code_set, cb_codeset_name(next)) == 0);
	if (cur == NULL || strcmp(d->code_set, cb_codeset_name(next)) != 0) {
		cb_jw_kint(w, "records", 0);
		cb_jw_key(w, "examples");
		cb_jw_arr_begin(w);
		cb_jw_arr_end(w);
		cb_jw_obj_end(w);
		return 0;
	}
	memset(&g, 0, sizeof(g));
	memset(&f, 0, sizeof(f));
	if (cb_store_rec_report(r->svc->store, k, dim != NULL ? dim : "reason_code", &f, group_row, &g) != CB_OK ||
	    g.nomem) {
		groups_free(&g);
		return -1;
	}
	cb_jw_key(w, "examples");
	cb_jw_arr_begin(w);
	for (i = 0; i < g.n && rc == 0; i++) {
		cb_check_result before = CB_CHECK_RESULT_INIT, after = CB_CHECK_RESULT_INIT;
		scanned += g.v[i].count;
		verdict(&before, cur, g.v[i].code, dim, g.v[i].key);
		verdict(&after, next, g.v[i].code, dim, g.v[i].key);
		if (before.accepted == after.accepted && before.reason == after.reason)
			continue;
		records += g.v[i].count;
		changed++;
		if (nex < CB_IMPACT_EXAMPLES)
			rc = group_examples(r, w, k, &g.v[i], CB_IMPACT_EXAMPLES - nex, &before, &after, &nex);
	}
	cb_jw_arr_end(w);
	cb_jw_kint(w, "records", records);
	cb_jw_kint(w, "groups", (long long)changed);
	cb_jw_kint(w, "scanned", scanned);
	cb_jw_kbool(w, "truncated", g.truncated);
	cb_jw_obj_end(w);
	groups_free(&g);
	return rc;
}

static void
impact_refunds(cb_jw *w, const cb_refund_impact *im, int checked)
{
	size_t i;

	cb_jw_key(w, "refunds");
	cb_jw_obj_begin(w);
	cb_jw_kbool(w, "checked", checked);
	cb_jw_kint(w, "open", (long long)im->open);
	cb_jw_kint(w, "records", (long long)im->changed);
	cb_jw_kint(w, "unknown_market", (long long)im->unknown_market);
	cb_jw_kbool(w, "truncated", im->truncated);
	cb_jw_key(w, "examples");
	cb_jw_arr_begin(w);
	for (i = 0; i < im->nexamples; i++) {
		const cb_refund_change *e = &im->examples[i];
		cb_jw_obj_begin(w);
		cb_jw_kint(w, "payment_id", e->payment_id);
		cb_jw_kstr(w, "order_id", e->order_id);
		cb_jw_kstr(w, "shop", e->shop);
		cb_jw_kstr(w, "order_status", cb_ord_status_name(e->order_status));
		cb_jw_key(w, "now");
		if (e->before[0])
			cb_jw_str(w, e->before);
		else
			cb_jw_null(w);
		cb_jw_key(w, "proposed");
		if (e->after[0])
			cb_jw_str(w, e->after);
		else
			cb_jw_null(w);
		if (e->after_text[0])
			cb_jw_kstr(w, "proposed_error", e->after_text);
		cb_jw_obj_end(w);
	}
	cb_jw_arr_end(w);
	cb_jw_obj_end(w);
}

/* ---- the verdict ---------------------------------------------------------------- */

static const char *
verdict_name(enum svc_publish_outcome o)
{
	switch (o) {
	case PUB_CREATED: return "publishable";
	case PUB_UNCHANGED: return "unchanged";
	case PUB_REFUSED: return "refused";
	case PUB_STALE:
	case PUB_SKIPS: return "version-conflict";
	case PUB_FULL:
	case PUB_TOO_HIGH: return "limit-exceeded";
	}
	return "refused";
}

/* Answer the dry run of @cs: the verdict, the findings, the impact. */
static void
respond_dry_run(struct svc_req *r, const cb_codeset *cs, const struct svc_pub *pub)
{
	struct svc_set *cur = svc_snap_find(svc_req_snap(r), cb_codeset_name(cs), strlen(cb_codeset_name(cs)));
	const cb_codeset *old = cur != NULL ? cur->cs : NULL;
	cb_refund_impact im;
	cb_jw w;
	int rc;

	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "set", cb_codeset_name(cs));
	cb_jw_kint(&w, "current_version", pub->current_version);
	cb_jw_kint(&w, "proposed_version", cb_codeset_version(cs));
	if (pub->expected_version)
		cb_jw_kint(&w, "expected_version", pub->expected_version);
	cb_jw_kstr(&w, "verdict", verdict_name(pub->outcome));
	cb_jw_kbool(&w, "publishable", pub->outcome == PUB_CREATED);
	cb_jw_kint(&w, "breaking", (long long)cb_report_count_severity(pub->report, CB_SEV_BREAKING));
	cb_jw_key(&w, "findings");
	if (pub->report != NULL)
		cb_view_findings(&w, pub->report);
	else {
		cb_jw_arr_begin(&w);
		cb_jw_arr_end(&w);
	}
	cb_jw_kbool(&w, "stored", 0);
	cb_jw_key(&w, "impact");
	cb_jw_obj_begin(&w);
	if (impact_records(r, &w, CB_REC_INCIDENT, old, cs) != 0 || impact_records(r, &w, CB_REC_EVENT, old, cs) != 0 ||
	    (rc = cb_refund_impact_of(&im, r->svc->store, r->svc->opts.market_config, r->svc->opts.market_env, old,
	    cs)) != CB_OK) {
		svc_store_problem(r, CB_EIO, "the impact could not be read");
		return;
	}
	{
		char market[3];
		impact_refunds(&w, &im, cb_reason_set_market(market, cb_codeset_name(cs)) == 0);
	}
	cb_jw_obj_end(&w);
	cb_jw_obj_end(&w);
	svc_json(r, 200);
}

void
svc_dry_run(struct svc_req *r, cb_codeset *cs)
{
	struct svc_pub pub;
	int rc;

	if ((rc = svc_publish_set(r->svc, cs, "api", r->key_name, SVC_PUB_DRY_RUN, &pub)) != CB_OK) {
		svc_problem(r, rc == CB_EUNAVAIL || rc == CB_EIO ? P_STORAGE_UNAVAILABLE : P_INTERNAL,
		    "the latest version could not be read: %s", cb_errmsg());
		return;
	}
	respond_dry_run(r, cs, &pub);
	svc_pub_clear(&pub);
}

void
h_set_compat(struct svc_req *r)
{
	cb_codeset *cs = NULL;

	if (svc_req_proposed(r, &cs) == 0) {
		svc_dry_run(r, cs);
		cb_codeset_free(cs);
	}
}

/* ---- observed codes ----------------------------------------------------------- */

struct obs_ctx {
	cb_jw            *w;
	const cb_codeset *cs;
	size_t            n, held;
};

static int
obs_row(void *arg, const cb_store_obs *o)
{
	struct obs_ctx *c = arg;
	int held = cb_codeset_find(c->cs, o->code, strlen(o->code)) != NULL;

	cb_jw_obj_begin(c->w);
	cb_jw_kstr(c->w, "code", o->code);
	cb_jw_kint(c->w, "count", o->count);
	cb_jw_kstr(c->w, "first_seen", o->first_seen);
	cb_jw_kstr(c->w, "last_seen", o->last_seen);
	cb_jw_kstr(c->w, "seen_in", o->seen_in);
	cb_jw_key(c->w, "request_id");
	if (o->request_id != NULL)
		cb_jw_str(c->w, o->request_id);
	else
		cb_jw_null(c->w);
	/* a later version may hold it: then it is no longer a candidate */
	cb_jw_kbool(c->w, "in_set", held);
	cb_jw_obj_end(c->w);
	c->n++;
	c->held += held;
	return 0;
}

void
h_set_observed(struct svc_req *r)
{
	struct svc_set *set = svc_req_set(r);
	struct obs_ctx c;
	unsigned limit = r->q[0].s != NULL ? (unsigned)r->q[0].u : 1000;
	cb_jw w;

	if (set == NULL)
		return;
	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "set", cb_codeset_name(set->cs));
	cb_jw_kint(&w, "version", cb_codeset_version(set->cs));
	cb_jw_key(&w, "observed");
	cb_jw_arr_begin(&w);
	c = (struct obs_ctx){ &w, set->cs, 0, 0 };
	if (cb_store_obs_list(r->svc->store, cb_codeset_name(set->cs), limit, obs_row, &c) != CB_OK) {
		svc_problem(r, P_INTERNAL, "%s", cb_errmsg());
		return;
	}
	cb_jw_arr_end(&w);
	cb_jw_kint(&w, "count", (long long)c.n);
	cb_jw_kint(&w, "candidates", (long long)(c.n - c.held));
	cb_jw_obj_end(&w);
	svc_req_header(r, "Codebook-Set-Version", "%d", cb_codeset_version(set->cs));
	svc_json(r, 200);
}
