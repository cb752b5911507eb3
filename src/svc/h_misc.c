/* SPDX-License-Identifier: Apache-2.0 */
/*
 * h_misc.c - the routes around the API: health, metrics, the OpenAPI
 * document, problem-type documentation, and the JSON Schemas of sets.
 */
#include "svc_int.h"

#include <stdlib.h>
#include <string.h>

#include "markets.h"

void
h_healthz(struct svc_req *r)
{
	struct svc_snap *snap = svc_req_snap(r);
	cb_jw w;

	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "status", "ok");
	cb_jw_kstr(&w, "version", cb_version());
	cb_jw_kint(&w, "code_sets", (long long)snap->n);
	cb_jw_kint(&w, "schema_version", cb_store_schema_version(r->svc->store));
	cb_jw_kfixed3(&w, "uptime_s", (double)(cb_time_mono_ns() - r->svc->started_ns) / 1e9);
	cb_jw_obj_end(&w);
	svc_req_header(r, "Cache-Control", "no-store");
	svc_json(r, 200);
}

void
h_metrics(struct svc_req *r)
{
	cb_buf_clear(&r->out);
	svc_metrics_render(r->svc, &r->out);
	r->ctype = "text/plain; version=0.0.4; charset=utf-8";
	r->status = 200;
}

void
h_openapi(struct svc_req *r)
{
	r->borrowed = (const char *)svc_openapi_json;
	r->borrowed_len = svc_openapi_json_len;
	r->ctype = "application/json";
	r->status = 200;
}

void
h_problem_doc(struct svc_req *r)
{
	size_t len;
	const char *name = svc_match_get(&r->m, "type", &len);
	enum svc_problem p = svc_problem_find(name, len);
	const struct svc_problem_info *pi;
	char type[64];
	cb_jw w;

	if (p == P_NONE) {
		svc_problem(r, P_NOT_FOUND, "no problem type \"%.*s\"", (int)(len < 64 ? len : 64), name);
		return;
	}
	pi = svc_problem_info(p);
	(void)snprintf(type, sizeof(type), "/problems/%s", pi->name);
	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "type", type);
	cb_jw_kstr(&w, "title", pi->title);
	cb_jw_kint(&w, "status", pi->status);
	cb_jw_kstr(&w, "description", pi->doc);
	cb_jw_obj_end(&w);
	svc_json(r, 200);
}

/* Weak comparison, as RFC 9110 13.1.2 asks for If-None-Match. */
int
svc_etag_match(const char *inm, const char *etag)
{
	size_t elen = strlen(etag);

	if (inm == NULL)
		return 0;
	while (*inm) {
		const char *start, *end;
		while (*inm == ' ' || *inm == '\t' || *inm == ',')
			inm++;
		if (*inm == '*')
			return 1;
		if (inm[0] == 'W' && inm[1] == '/')
			inm += 2;
		start = inm;
		if (*inm == '"') {
			end = strchr(inm + 1, '"');
			if (end == NULL)
				return 0;
			end++;
		} else
			end = inm + strcspn(inm, ", \t");
		if ((size_t)(end - start) == elen && memcmp(start, etag, elen) == 0)
			return 1;
		inm = end;
		if (end == start)
			break;
	}
	return 0;
}

void
h_schema(struct svc_req *r)
{
	size_t len;
	const char *name = svc_match_get(&r->m, "set", &len);
	struct svc_set *set;

	/* seed 002 publishes the outbound taxonomy's schema under this name */
	if (len == 11 && memcmp(name, "reason-code", 11) == 0) {
		name = "outbound";
		len = 8;
	}
	if ((set = svc_req_set_named(r, name, len)) == NULL)
		return;
	svc_req_header(r, "ETag", "%s", set->schema_etag);
	svc_req_header(r, "Cache-Control", "no-cache");
	if (svc_etag_match(r->if_none_match, set->schema_etag)) {
		svc_not_modified(r, set->schema_len);
		return;
	}
	atomic_fetch_add(&set->refs, 1);
	r->borrowed = set->schema;
	r->borrowed_len = set->schema_len;
	r->borrowed_owner = set;
	r->ctype = "application/schema+json";
	r->status = 200;
}

/*
 * Readiness, for load balancers: 503 while the instance should not take
 * traffic (a set it should serve is missing, the database cannot be read
 * or is failing writes, the sets served are behind the database's), with
 * the reasons; 200 otherwise, with what needs a person under "attention"
 * (struct svc_readiness says why that is not a 503).  /healthz stays a
 * liveness probe.
 */
/* Each market's mirror: the age of its last good sync, failures since. */
static void
ready_markets(struct svc_req *r, cb_jw *w, const struct svc_readiness *rd)
{
	int64_t now = cb_time_now_ms();
	char name[CB_SET_NAME_SIZE];
	size_t i;

	cb_jw_key(w, "reverse_reasons");
	cb_jw_arr_begin(w);
	for (i = 0; i < rd->nmarkets; i++) {
		const struct svc_market *mk = &rd->markets[i];
		cb_reason_set_name(name, mk->market);
		cb_jw_obj_begin(w);
		cb_jw_kstr(w, "market", mk->market);
		cb_jw_kstr(w, "set", name);
		cb_jw_kint(w, "version", mk->version);
		if (mk->last_ok_ms)
			cb_jw_kfixed3(w, "last_good_sync_age_s", (double)(now - mk->last_ok_ms) / 1e3);
		else {
			cb_jw_key(w, "last_good_sync_age_s");
			cb_jw_null(w);
		}
		cb_jw_kint(w, "failures_since_ok", mk->fails_since_ok);
		cb_jw_kbool(w, "stale", svc_sync_stale(r->svc, mk, now));
		if (mk->fails_since_ok)
			cb_jw_kstr(w, "last_error", mk->last_error);
		cb_jw_obj_end(w);
	}
	cb_jw_arr_end(w);
	cb_jw_kint(w, "sync_interval_ms", r->svc->sync_running ? r->svc->opts.sync_interval_ms : 0);
}

/* Refunds whose cancel outcome is Unknown need a person (or a webhook):
 * a reason of their own, with the count (issue 12).  -1: not counted. */
static int64_t
ready_unknown_refunds(struct svc_req *r, struct svc_readiness *rd)
{
	int64_t counts[CB_PAY_TYPE_COUNT][CB_PAY_STATUS_COUNT], n;

	if (cb_store_pay_counts(r->svc->store, counts) != CB_OK)
		return -1;	/* the database reasons say why */
	if ((n = counts[CB_PAY_REFUND][CB_PAY_UNKNOWN]) > 0)
		svc_ready_note(rd->attention, &rd->nattention, "refunds", "%lld refund%s Unknown: the marketplace "
		    "did not say whether the order was cancelled before the outcome deadline; look on TikTok Shop "
		    "and POST /v1/orders/{id}/refunds/{payment}/outcome", (long long)n, n == 1 ? " is" : "s are");
	return n;
}

static void
ready_items(cb_jw *w, const char *key, const struct svc_ready_item *items, size_t n)
{
	size_t i;

	cb_jw_key(w, key);
	cb_jw_arr_begin(w);
	for (i = 0; i < n; i++) {
		cb_jw_obj_begin(w);
		cb_jw_kstr(w, "check", items[i].check);
		cb_jw_kstr(w, "detail", items[i].detail);
		cb_jw_obj_end(w);
	}
	cb_jw_arr_end(w);
}

void
h_readyz(struct svc_req *r)
{
	struct svc_readiness *rd = malloc(sizeof(*rd));	/* the markets make it large for a stack */
	int64_t unknown;
	cb_jw w;

	if (rd == NULL) {
		svc_problem(r, P_INTERNAL, "out of memory");
		return;
	}
	svc_registry_ready(r->svc, rd);
	unknown = ready_unknown_refunds(r, rd);
	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "status", rd->n == 0 ? "ready" : "degraded");
	ready_items(&w, "reasons", rd->reasons, rd->n);
	ready_items(&w, "attention", rd->attention, rd->nattention);
	cb_jw_kint(&w, "code_sets", (long long)rd->code_sets);
	cb_jw_kint(&w, "bundled_sets", (long long)rd->bundled_sets);
	cb_jw_kstr(&w, "backend", cb_store_backend(r->svc->store));
	cb_jw_kint(&w, "db_serial", rd->db_serial);
	cb_jw_kint(&w, "loaded_serial", rd->loaded_serial);
	if (unknown >= 0)
		cb_jw_kint(&w, "unknown_refunds", unknown);
	ready_markets(r, &w, rd);
	cb_jw_obj_end(&w);
	svc_req_header(r, "Cache-Control", "no-store");
	svc_json(r, rd->n == 0 ? 200 : 503);
	free(rd);
}
