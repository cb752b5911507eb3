/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics.c - Prometheus counters: requests by route and status, a
 * latency histogram per route, and checks by set and result.  Plain
 * relaxed atomics in fixed arrays: a request costs a few increments and
 * never takes a lock (only the first check of a new set name does).
 */
#include "svc_int.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "door.h"
#include "budget.h"
#include "orders.h"

#define NSTATUS 500   /* 100 .. 599 */
static const double buckets[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
	0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5 };
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))

struct route_metrics {
	atomic_ulong status[NSTATUS];
	atomic_ulong bucket[NBUCKETS + 1];   /* the last is +Inf */
	atomic_ulong sum_ns;
	atomic_ulong count;
};

struct svc_metrics {
	struct route_metrics *routes;       /* svc_nroutes + 1: the last is "unmatched" */
	pthread_mutex_t slot_mu;
	char           *slot_name[CB_SVC_MAX_SETS];
	atomic_int      nslots;
	atomic_ulong    checks[CB_SVC_MAX_SETS][CB_REASON_COUNT];
};

int
svc_metrics_new(struct svc_metrics **out)
{
	struct svc_metrics *m;

	if ((m = cb__calloc(1, sizeof(*m))) == NULL ||
	    (m->routes = cb__calloc(svc_nroutes + 1, sizeof(*m->routes))) == NULL) {
		free(m);
		return CB_ENOMEM;
	}
	pthread_mutex_init(&m->slot_mu, NULL);
	*out = m;
	return CB_OK;
}

void
svc_metrics_free(struct svc_metrics *m)
{
	int i;

	if (m == NULL)
		return;
	for (i = 0; i < atomic_load(&m->nslots); i++)
		free(m->slot_name[i]);
	pthread_mutex_destroy(&m->slot_mu);
	free(m->routes);
	free(m);
}

void
svc_metrics_request(struct svc_metrics *m, int route, unsigned status, uint64_t ns)
{
	struct route_metrics *rm = &m->routes[route >= 0 && (size_t)route < svc_nroutes ?
	    (size_t)route : svc_nroutes];
	double secs = (double)ns / 1e9;
	size_t b;

	if (status >= 100 && status < 100 + NSTATUS)
		atomic_fetch_add_explicit(&rm->status[status - 100], 1, memory_order_relaxed);
	for (b = 0; b < NBUCKETS && secs > buckets[b]; b++)
		;
	atomic_fetch_add_explicit(&rm->bucket[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&rm->sum_ns, ns, memory_order_relaxed);
	atomic_fetch_add_explicit(&rm->count, 1, memory_order_relaxed);
}

int
svc_metrics_slot(struct svc_metrics *m, const char *name)
{
	int i, n, slot = -1;

	pthread_mutex_lock(&m->slot_mu);
	n = atomic_load(&m->nslots);
	for (i = 0; i < n; i++)
		if (strcmp(m->slot_name[i], name) == 0)
			slot = i;
	if (slot < 0 && n < CB_SVC_MAX_SETS && (m->slot_name[n] = cb__strdup(name)) != NULL) {
		slot = n;
		atomic_store(&m->nslots, n + 1);
	}
	pthread_mutex_unlock(&m->slot_mu);
	return slot;
}

void
svc_metrics_check(struct svc_metrics *m, int slot, cb_reason reason)
{
	if (slot >= 0 && slot < CB_SVC_MAX_SETS && (unsigned)reason < CB_REASON_COUNT)
		atomic_fetch_add_explicit(&m->checks[slot][reason], 1, memory_order_relaxed);
}

/* A label value in the text format: backslash, quote and newline escaped
 * (set names come from files and requests). */
static const char *
label_value(const char *s, char *buf, size_t n)
{
	size_t o = 0;

	for (; *s && o + 3 < n; s++) {
		if (*s == '\\' || *s == '"' || *s == '\n') {
			buf[o++] = '\\';
			buf[o++] = *s == '\n' ? 'n' : *s;
		} else
			buf[o++] = *s;
	}
	buf[o] = '\0';
	return buf;
}

static const char *
route_label(size_t i, char *buf, size_t n)
{
	if (i >= svc_nroutes)
		return "unmatched";
	(void)snprintf(buf, n, "%s %s", svc_method_name(svc_routes[i].method), svc_routes[i].pattern);
	return buf;
}

/* The request budget of each shop and family, as every worker on the
 * database shares it (issue 12): the rate in force, and the rate-limit
 * errors that halved it. */
struct budget_out { cb_buf *b; int any, slowdowns; };

/* One metric family per pass over the rows: a family's lines stay together. */
static int
budget_row(void *arg, const cb_store_budget *r)
{
	struct budget_out *o = arg;
	char shop[160], family[160];

	if (!o->any) {
		cb_buf_adds(o->b, o->slowdowns ?
		    "# HELP codebook_shop_budget_slowdowns_total Rate-limit errors that halved a shop's budget, by "
		    "endpoint family (all workers).\n# TYPE codebook_shop_budget_slowdowns_total counter\n" :
		    "# HELP codebook_shop_budget_rate Requests per second a shop's budget allows now, by endpoint "
		    "family (below the setting after rate-limit errors).\n# TYPE codebook_shop_budget_rate gauge\n");
		o->any = 1;
	}
	label_value(r->shop, shop, sizeof(shop));
	label_value(r->family, family, sizeof(family));
	if (o->slowdowns)
		cb_buf_printf(o->b, "codebook_shop_budget_slowdowns_total{shop=\"%s\",family=\"%s\"} %lld\n", shop,
		    family, (long long)r->slowdowns);
	else
		cb_buf_printf(o->b, "codebook_shop_budget_rate{shop=\"%s\",family=\"%s\"} %.3f\n", shop, family,
		    (double)r->rate_mrps / 1000.0);
	return 0;
}

static void
budget_metrics(struct svc *s, cb_buf *b)
{
	cb_budget_cfg cfg = cb_budget_config(s->opts.budget_rate, s->opts.budget_burst);
	struct budget_out o = { b, 0, 0 };
	int64_t now = cb_time_now_ms();

	if (cb_store_budget_each(s->store, &cfg, now, budget_row, &o) != CB_OK || !o.any)
		return;
	o = (struct budget_out){ b, 0, 1 };
	(void)cb_store_budget_each(s->store, &cfg, now, budget_row, &o);
}

/* Order payments by type and status (read from the store: other workers
 * share the database), and the in-process worker's counters. */
static void
orders_metrics(struct svc *s, cb_buf *b)
{
	int64_t counts[CB_PAY_TYPE_COUNT][CB_PAY_STATUS_COUNT];
	cb_worker_stats ws;
	int t, v;

	if (cb_store_pay_counts(s->store, counts) == CB_OK) {
		cb_buf_adds(b, "# HELP codebook_order_payments Order payments by type and status (all workers).\n"
		    "# TYPE codebook_order_payments gauge\n");
		for (t = 0; t < CB_PAY_TYPE_COUNT; t++)
			for (v = 0; v < CB_PAY_STATUS_COUNT; v++)
				cb_buf_printf(b, "codebook_order_payments{type=\"%s\",status=\"%s\"} %lld\n",
				    cb_pay_type_name((cb_pay_type)t), cb_pay_status_name((cb_pay_status)v),
				    (long long)counts[t][v]);
	}
	if (s->worker == NULL)
		return;
	cb_worker_totals(s->worker, &ws);
	cb_buf_adds(b, "# HELP codebook_worker_passes_total Passes of the in-process cancellation worker.\n"
	    "# TYPE codebook_worker_passes_total counter\n");
	cb_buf_printf(b, "codebook_worker_passes_total %lu\n", ws.passes);
	cb_buf_adds(b, "# HELP codebook_worker_refunds_total Refunds the in-process worker handled, by outcome "
	    "(completed, failed: Error, retrying: tried again later, waiting: pending at the marketplace, lost: "
	    "another worker took the lease over).\n# TYPE codebook_worker_refunds_total counter\n");
	cb_buf_printf(b, "codebook_worker_refunds_total{outcome=\"completed\"} %lu\n", ws.completed);
	cb_buf_printf(b, "codebook_worker_refunds_total{outcome=\"failed\"} %lu\n", ws.failed);
	cb_buf_printf(b, "codebook_worker_refunds_total{outcome=\"retrying\"} %lu\n", ws.retrying);
	cb_buf_printf(b, "codebook_worker_refunds_total{outcome=\"waiting\"} %lu\n", ws.waiting);
	cb_buf_printf(b, "codebook_worker_refunds_total{outcome=\"lost\"} %lu\n", ws.lost);
	cb_buf_adds(b, "# HELP codebook_worker_marketplace_calls_total Marketplace calls of the in-process worker: "
	    "cancels sent, and searches asking what became of one.\n"
	    "# TYPE codebook_worker_marketplace_calls_total counter\n");
	cb_buf_printf(b, "codebook_worker_marketplace_calls_total{call=\"cancel\"} %lu\n", ws.cancels_sent);
	cb_buf_printf(b, "codebook_worker_marketplace_calls_total{call=\"search\"} %lu\n", ws.rechecks);
}

/* Each market's reverse-reason syncs (mirrors.c): the age of the last
 * good one, and the outcomes. */
static void
mirrors_metrics(struct svc *s, cb_buf *b)
{
	struct svc_market *mk = malloc(sizeof(*mk) * SVC_MAX_MARKETS);
	int64_t now = cb_time_now_ms();
	size_t i, n = 0;

	if (mk == NULL)
		return;
	svc_sync_markets(s, mk, &n);
	cb_buf_adds(b, "# HELP codebook_reverse_reason_sync_age_seconds Seconds since the last good sync of the "
	    "market's reverse reasons (by this instance; absent until one).\n"
	    "# TYPE codebook_reverse_reason_sync_age_seconds gauge\n");
	for (i = 0; i < n; i++)
		if (mk[i].last_ok_ms)
			cb_buf_printf(b, "codebook_reverse_reason_sync_age_seconds{market=\"%s\"} %.3f\n", mk[i].market,
			    (double)(now - mk[i].last_ok_ms) / 1e3);
	cb_buf_adds(b, "# HELP codebook_reverse_reason_syncs_total Syncs of the market's reverse reasons by "
	    "result (changed: a new version; unchanged; failed).\n"
	    "# TYPE codebook_reverse_reason_syncs_total counter\n");
	for (i = 0; i < n; i++) {
		cb_buf_printf(b, "codebook_reverse_reason_syncs_total{market=\"%s\",result=\"changed\"} %lu\n",
		    mk[i].market, mk[i].changed);
		cb_buf_printf(b, "codebook_reverse_reason_syncs_total{market=\"%s\",result=\"unchanged\"} %lu\n",
		    mk[i].market, mk[i].unchanged);
		cb_buf_printf(b, "codebook_reverse_reason_syncs_total{market=\"%s\",result=\"failed\"} %lu\n",
		    mk[i].market, mk[i].failures);
	}
	cb_buf_adds(b, "# HELP codebook_reverse_reason_sync_failures_total Failed syncs of the market's reverse "
	    "reasons since its last good one.\n# TYPE codebook_reverse_reason_sync_failures_total gauge\n");
	for (i = 0; i < n; i++)
		cb_buf_printf(b, "codebook_reverse_reason_sync_failures_total{market=\"%s\"} %u\n", mk[i].market,
		    mk[i].fails_since_ok);
	free(mk);
}

void
svc_metrics_render(struct svc *s, cb_buf *b)
{
	struct svc_metrics *m = s->metrics;
	struct svc_snap *snap;
	char label[160];
	size_t i, j;
	int slot, nslots;

	cb_buf_adds(b, "# HELP codebook_build_info Version of the running codebook.\n"
	    "# TYPE codebook_build_info gauge\n");
	cb_buf_printf(b, "codebook_build_info{version=\"%s\"} 1\n", cb_version());
	cb_buf_adds(b, "# HELP codebook_uptime_seconds Seconds since the server started.\n"
	    "# TYPE codebook_uptime_seconds gauge\n");
	cb_buf_printf(b, "codebook_uptime_seconds %.3f\n", (double)(cb_time_mono_ns() - s->started_ns) / 1e9);
	cb_buf_adds(b, "# HELP codebook_http_requests_in_flight Requests being handled.\n"
	    "# TYPE codebook_http_requests_in_flight gauge\n");
	cb_buf_printf(b, "codebook_http_requests_in_flight %ld\n", atomic_load(&s->inflight));
	cb_buf_adds(b, "# HELP codebook_http_connections_open Client connections open (waiting for their first "
	    "request head, or handed to the HTTP layer).\n# TYPE codebook_http_connections_open gauge\n");
	cb_buf_printf(b, "codebook_http_connections_open %u\n", svc_door_open_connections(s->door));

	cb_buf_adds(b, "# HELP codebook_http_requests_total HTTP requests by route and status.\n"
	    "# TYPE codebook_http_requests_total counter\n");
	for (i = 0; i <= svc_nroutes; i++)
		for (j = 0; j < NSTATUS; j++) {
			unsigned long v = atomic_load_explicit(&m->routes[i].status[j], memory_order_relaxed);
			if (v > 0)
				cb_buf_printf(b, "codebook_http_requests_total{route=\"%s\",status=\"%zu\"} %lu\n",
				    route_label(i, label, sizeof(label)), j + 100, v);
		}
	cb_buf_adds(b, "# HELP codebook_http_request_duration_seconds Time from the first byte of "
	    "the request to the response, by route.\n"
	    "# TYPE codebook_http_request_duration_seconds histogram\n");
	for (i = 0; i <= svc_nroutes; i++) {
		struct route_metrics *rm = &m->routes[i];
		unsigned long cum = 0, count = atomic_load(&rm->count);
		if (count == 0)
			continue;
		route_label(i, label, sizeof(label));
		for (j = 0; j <= NBUCKETS; j++) {
			cum += atomic_load_explicit(&rm->bucket[j], memory_order_relaxed);
			if (j < NBUCKETS)
				cb_buf_printf(b, "codebook_http_request_duration_seconds_bucket{route=\"%s\","
				    "le=\"%g\"} %lu\n", label, buckets[j], cum);
			else
				cb_buf_printf(b, "codebook_http_request_duration_seconds_bucket{route=\"%s\","
				    "le=\"+Inf\"} %lu\n", label, cum);
		}
		cb_buf_printf(b, "codebook_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", label,
		    (double)atomic_load(&rm->sum_ns) / 1e9);
		cb_buf_printf(b, "codebook_http_request_duration_seconds_count{route=\"%s\"} %lu\n", label, cum);
	}
	cb_buf_adds(b, "# HELP codebook_checks_total Codes checked (check route, incidents, events) by "
	    "set and result.\n# TYPE codebook_checks_total counter\n");
	nslots = atomic_load(&m->nslots);
	for (slot = 0; slot < nslots; slot++)
		for (j = 0; j < CB_REASON_COUNT; j++) {
			unsigned long v = atomic_load_explicit(&m->checks[slot][j], memory_order_relaxed);
			if (v > 0)
				cb_buf_printf(b, "codebook_checks_total{set=\"%s\",result=\"%s\"} %lu\n",
				    label_value(m->slot_name[slot], label, sizeof(label)), cb_reason_name((cb_reason)j), v);
		}
	orders_metrics(s, b);
	budget_metrics(s, b);
	mirrors_metrics(s, b);
	svc_webhook_metrics(b);
	cb_buf_adds(b, "# HELP codebook_code_set_version Version of each code set served.\n"
	    "# TYPE codebook_code_set_version gauge\n");
	snap = svc_snap_get(s);
	for (i = 0; i < snap->n; i++)
		cb_buf_printf(b, "codebook_code_set_version{set=\"%s\"} %d\n",
		    label_value(cb_codeset_name(snap->sets[i]->cs), label, sizeof(label)),
		    cb_codeset_version(snap->sets[i]->cs));
	svc_snap_put(snap);
}
