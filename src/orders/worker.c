/* SPDX-License-Identifier: Apache-2.0 */
/*
 * worker.c - the cancellation worker, seed 003's "cron".  Each pass claims
 * the due refunds one at a time (a lease in the store, so several workers
 * can share a database and each refund is processed by exactly one) and
 * moves each one step on:
 *
 *   cancel_state none:    check the business rules (order status, full
 *                         refund, reason key); record "sending" durably;
 *                         send the cancel; record the outcome.
 *   cancel_state sending: a cancel may be out (a timeout, a crash): ask
 *                         the marketplace (cancellation search by order)
 *                         before anything else; send again only if it has
 *                         none.
 *   cancel_state pending: the current API accepted it as pending: search by
 *                         cancel_id until it succeeds or is refused.
 *
 * What a failure means comes from the tiktok-shop-error code set through
 * cb_decide(): retry later with backoff (the delay is stored as the next
 * attempt's time, so workers do not sleep on it), recheck first when the
 * outcome is unknown, or give up with the marketplace's message as the
 * payment's error text.  docs/internals/orders.md has the states.
 *
 * Heartbeats: the lease is short (15 s by default) and a thread of the
 * worker extends it every lease/3 while a refund is in hand, marketplace
 * calls included, however long they take.  So a worker that dies (kill -9,
 * a lost machine) gives its refund up within a lease, and a live one keeps
 * it: the next worker finds cancel_state "sending" and asks the
 * marketplace before it sends anything, so a cancel is never sent twice.
 */
#include "err.h"
#include "logger.h"
#include "rfc3339.h"
#include "budget.h"
#include "cancel.h"
#include "market.h"
#include "observe.h"
#include "outcome.h"
#include "orders.h"
#include "shops.h"
#include "markets.h"
#include "order_pull.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "jsonw.h"


#define DEFAULT_LEASE_MS   15000u    /* kept alive by heartbeats: how late a dead worker's refund is taken */
#define DEFAULT_PER_PASS   1000u
#define POLL_MS            1000u     /* how soon a pending cancel is searched again */
#define SHOP_WAIT_MS       10000u    /* a shop that needs attention: how soon its refunds are looked at again */
/* where a code was met, for the codes observed (observe.h) */
#define SEARCH_PATH         "POST /return_refund/202309/cancellations/search"
#define LEGACY_CANCEL_PATH  "/api/reverse/order/cancel"
#define CURRENT_CANCEL_PATH "/return_refund/202309/cancellations"
#define MAX_SHOPS          64
#define MAX_SETS           16        /* tiktok-shop-error and a mirror per market */

struct shop {
	char            name[72];
	cb_mkt         *m;
	cb_shop_budget *budget;   /* the client's gate: its address must not move */
	unsigned        deferred; /* refunds put back this pass for the budget (budget_defer) */
	cb_shop_link   *link;     /* a shop of the database (shops.h); NULL: of the configuration file */
};

struct cached_set {
	char        name[64];
	char        etag[80];
	cb_codeset *cs;
};

struct cb_worker {
	cb_worker_opts    o;
	char             *market_config;
	char             *catalogs;
	char              owner[128];
	struct shop       shops[MAX_SHOPS];
	size_t            nshops;
	struct cached_set sets[MAX_SETS];
	/* totals, read by the metrics of another thread */
	atomic_ulong      t_passes, t_claimed, t_completed, t_failed, t_retrying, t_waiting, t_sent,
	                  t_rechecks, t_lost, t_heartbeats;
	/* the heartbeat of the refund in hand (hb_*: guarded by hb_mu) */
	pthread_t         hb_thread;
	int               hb_running, hb_stop;
	pthread_mutex_t   hb_mu;
	pthread_cond_t    hb_cv;        /* on CLOCK_MONOTONIC */
	int64_t           hb_pid;       /* 0: no refund in hand */
	uint64_t          hb_next_ns;   /* monotonic time of the next extension */
};

/* ---- time and logs ------------------------------------------------------- */

static void log_begin(cb_log_line *l, cb_log_level lv, const char *msg);

#define now_ms cb_time_now_ms

/* A line of the worker's log: every line names its component. */
static void
log_begin(cb_log_line *l, cb_log_level lv, const char *msg)
{
	cb_log_begin(l, lv, msg);
	cb_jw_kstr(&l->w, "component", "worker");
}

static void
market_log(void *arg, const char *line)
{
	cb_log_line l;

	(void)arg;
	log_begin(&l, CB_LOG_DEBUG, "marketplace");
	cb_jw_kstr(&l.w, "detail", line);	/* already masked by cb_mkt_redact() */
	cb_log_end(&l);
}

/* ---- the worker ------------------------------------------------------------ */

int
cb_worker_new(cb_worker **out, const cb_worker_opts *o)
{
	cb_worker *w;
	char host[64] = "host";
	uint32_t rnd = 0;

	if (out == NULL || o == NULL || o->store == NULL)
		return cb__fail(CB_EINVAL, "cb_worker_new: NULL argument");
	*out = NULL;
	if ((w = cb__calloc(1, sizeof(*w))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	w->o = *o;
	if ((o->market_config != NULL && (w->market_config = cb__strdup(o->market_config)) == NULL) ||
	    (o->catalogs != NULL && (w->catalogs = cb__strdup(o->catalogs)) == NULL)) {
		cb_worker_free(w);
		return cb__fail(CB_ENOMEM, "out of memory");
	}
	w->o.market_config = w->market_config;
	w->o.catalogs = w->catalogs;
	if (w->o.lease_ms == 0)
		w->o.lease_ms = DEFAULT_LEASE_MS;
	{
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&w->hb_cv, &ca);
		pthread_condattr_destroy(&ca);
		pthread_mutex_init(&w->hb_mu, NULL);
	}
	if (w->o.max_per_pass == 0)
		w->o.max_per_pass = DEFAULT_PER_PASS;
	(void)gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		rnd = (uint32_t)now_ms();
	(void)snprintf(w->owner, sizeof(w->owner), "%s:%ld:%08" PRIx32, host, (long)getpid(), rnd);
	*out = w;
	return CB_OK;
}

void
cb_worker_reload(cb_worker *w)
{
	size_t i;

	for (i = 0; i < w->nshops; i++) {
		cb_mkt_free(w->shops[i].m);
		free(w->shops[i].budget);
		cb_shop_link_free(w->shops[i].link);
	}
	w->nshops = 0;
	for (i = 0; i < MAX_SETS; i++) {
		cb_codeset_free(w->sets[i].cs);
		memset(&w->sets[i], 0, sizeof(w->sets[i]));
	}
}

static void heartbeat_stop(cb_worker *w);

void
cb_worker_free(cb_worker *w)
{
	if (w == NULL)
		return;
	heartbeat_stop(w);
	pthread_cond_destroy(&w->hb_cv);
	pthread_mutex_destroy(&w->hb_mu);
	cb_worker_reload(w);
	free(w->market_config);
	free(w->catalogs);
	free(w);
}

const char *
cb_worker_owner(const cb_worker *w)
{
	return w->owner;
}

void
cb_worker_totals(const cb_worker *w, cb_worker_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->passes = atomic_load(&w->t_passes);
	out->claimed = atomic_load(&w->t_claimed);
	out->completed = atomic_load(&w->t_completed);
	out->failed = atomic_load(&w->t_failed);
	out->retrying = atomic_load(&w->t_retrying);
	out->waiting = atomic_load(&w->t_waiting);
	out->cancels_sent = atomic_load(&w->t_sent);
	out->rechecks = atomic_load(&w->t_rechecks);
	out->lost = atomic_load(&w->t_lost);
}

/* The current version of set @name: the caller's source, else the latest
 * stored version, else the catalogs directory.  A new reference or NULL. */
static cb_codeset *
get_set(cb_worker *w, const char *name)
{
	struct cached_set *c = NULL;
	cb_store_setver v;
	cb_codeset *cs = NULL;
	char path[4096];
	size_t i;

	if (w->o.sets != NULL)
		return w->o.sets(w->o.sets_arg, name);
	for (i = 0; i < MAX_SETS && c == NULL; i++)
		if (strcmp(w->sets[i].name, name) == 0 || w->sets[i].name[0] == '\0')
			c = &w->sets[i];
	if (c == NULL)
		return NULL;
	if (cb_store_set_latest(w->o.store, name, &v) == CB_OK) {
		if (c->cs == NULL || strcmp(c->etag, v.etag) != 0) {
			if (cb_codeset_load_buffer(&cs, v.body, v.body_len, name) == CB_OK) {
				cb_codeset_free(c->cs);
				c->cs = cs;
				(void)snprintf(c->name, sizeof(c->name), "%s", name);
				(void)snprintf(c->etag, sizeof(c->etag), "%s", v.etag);
			}
		}
		cb_store_setver_clear(&v);
	} else if (c->cs == NULL && w->o.catalogs != NULL) {
		(void)snprintf(path, sizeof(path), "%s/%s.json", w->o.catalogs, name);
		if (cb_codeset_load_file(&cs, path) == CB_OK) {
			c->cs = cs;
			(void)snprintf(c->name, sizeof(c->name), "%s", name);
			c->etag[0] = '\0';
		}
	}
	return c->cs != NULL ? cb_codeset_ref(c->cs) : NULL;
}

/* Forget the client of shops[@i] (evicted, or its tokens rotated). */
static void
drop_client(cb_worker *w, size_t i)
{
	cb_mkt_free(w->shops[i].m);
	free(w->shops[i].budget);
	cb_shop_link_free(w->shops[i].link);
	memmove(&w->shops[i], &w->shops[i + 1], sizeof(w->shops[0]) * (w->nshops - i - 1));
	w->nshops--;
}

static int
keep_client(cb_worker *w, const char *name, cb_mkt *m, cb_shop_link *link, char *why, size_t whylen)
{
	cb_shop_budget *b;
	cb_budget_cfg bc;

	if ((b = cb__calloc(1, sizeof(*b))) == NULL) {
		cb_mkt_free(m);
		cb_shop_link_free(link);
		(void)snprintf(why, whylen, "out of memory");
		return -1;
	}
	bc = cb_budget_config(w->o.budget_rate, w->o.budget_burst);
	cb_budget_attach(b, m, w->o.store, name, &bc);
	if (w->o.verbose)
		cb_mkt_set_log(m, market_log, NULL);
	if (w->nshops == MAX_SHOPS)
		drop_client(w, 0);
	memset(&w->shops[w->nshops], 0, sizeof(w->shops[0]));
	(void)snprintf(w->shops[w->nshops].name, sizeof(w->shops[0].name), "%s", name);
	w->shops[w->nshops].budget = b;
	w->shops[w->nshops].link = link;
	w->shops[w->nshops++].m = m;
	return 0;
}

/* The client of shop @name, made on first use: from the database when it
 * holds the shop (made again when its tokens were rotated meanwhile; its
 * attention, if any, in @attention), else from the configuration file;
 * NULL with the reason in @why. */
static cb_mkt *
client(cb_worker *w, const char *name, char *attention, size_t alen, char *why, size_t whylen)
{
	cb_shop_link *link = NULL;
	cb_mkt *m = NULL;
	size_t i;
	int rc, stale;

	attention[0] = '\0';
	for (i = 0; i < w->nshops; i++)
		if (strcmp(w->shops[i].name, name) == 0) {
			if (w->shops[i].link == NULL ||
			    (cb_shop_check(w->shops[i].link, &stale, attention, alen) == CB_OK && !stale))
				return w->shops[i].m;
			drop_client(w, i);	/* rotated or removed: made again */
			break;
		}
	if ((rc = cb_shop_open(&m, &link, w->o.store, w->o.market_config, w->o.market_env, name)) != CB_OK) {
		if (rc == CB_ENOTFOUND && w->o.market_config == NULL)
			(void)snprintf(why, whylen, "no marketplace configuration: the database has no such shop and "
			    "the worker runs without --market-config FILE (or CODEBOOK_MARKET_CONFIG)");
		else
			(void)snprintf(why, whylen, "%s", cb_errmsg());
		return NULL;
	}
	if (link != NULL)
		(void)cb_shop_check(link, &stale, attention, alen);
	return keep_client(w, name, m, link, why, whylen) == 0 ? m : NULL;
}

/* ---- one refund ------------------------------------------------------------- */

struct job {
	cb_worker            *w;
	cb_worker_stats      *st;
	int64_t               pid;
	cb_order_rec         *rec;
	const cb_order       *o;
	const cb_ord_payment *p;
	cb_codeset           *rr, *errs;
	cb_mkt               *m;
	const char           *key;         /* the reason judged or sent */
	int                   defaulted;
};

static void
log_job(struct job *j, cb_log_level lv, const char *msg, const char *k1, const char *v1,
    const char *k2, const char *v2)
{
	cb_log_line l;

	log_begin(&l, lv, msg);
	cb_jw_kint(&l.w, "payment", j->pid);
	if (j->o != NULL) {
		cb_jw_kstr(&l.w, "order_id", j->o->order_id);
		cb_jw_kstr(&l.w, "shop", j->o->shop);
	}
	if (k1 != NULL && v1 != NULL)
		cb_jw_kstr(&l.w, k1, v1);
	if (k2 != NULL && v2 != NULL)
		cb_jw_kstr(&l.w, k2, v2);
	cb_jw_kstr(&l.w, "worker", j->w->owner);
	cb_log_end(&l);
}

/* A transition refused because another worker took the lease over: the
 * other worker carries on from what is stored. */
static int
transition_failed(struct job *j, int rc)
{
	if (rc == CB_ENOTFOUND) {
		j->st->lost++;
		log_job(j, CB_LOG_WARN, "lease lost: another worker took this refund over", "detail", cb_errmsg(), NULL,
		    NULL);
		return CB_OK;
	}
	log_job(j, CB_LOG_ERROR, "could not record the refund's progress", "error", cb_errmsg(), NULL, NULL);
	return rc;
}

static int
job_fail(struct job *j, const char *text, const char *code, const char *rid)
{
	int rc = cb_store_pay_fail(j->w->o.store, j->pid, j->w->owner, text, code, rid, j->key, j->defaulted);

	if (rc != CB_OK)
		return transition_failed(j, rc);
	j->st->failed++;
	log_job(j, CB_LOG_INFO, "refund failed", "error_text", text, "code", code);
	return CB_OK;
}

static int
job_complete(struct job *j, const char *txid, const char *rid)
{
	int rc = cb_store_pay_complete(j->w->o.store, j->pid, j->w->owner, txid, rid);

	if (rc != CB_OK)
		return transition_failed(j, rc);
	j->st->completed++;
	log_job(j, CB_LOG_INFO, "refund completed: order cancelled", "transaction_id", txid, "reason_key", j->key);
	return CB_OK;
}

static int
job_later(struct job *j, cb_pay_status status, cb_cancel_state cs, unsigned delay_ms, const char *code,
    const char *msg, const char *txid, const char *rid)
{
	/* at least a millisecond on: not due again within the pass that put it back */
	cb_pay_later l = { status, cs, now_ms() + (int64_t)(delay_ms > 0 ? delay_ms : 1), code, msg, txid, rid };
	char d[32];
	int rc = cb_store_pay_later(j->w->o.store, j->pid, j->w->owner, &l);

	if (rc != CB_OK)
		return transition_failed(j, rc);
	if (cs == CB_CANCEL_PENDING && code == NULL) {
		j->st->waiting++;
		log_job(j, CB_LOG_INFO, "cancel pending at the marketplace; searching again later", "cancel_id", txid,
		    NULL, NULL);
	} else {
		j->st->retrying++;
		(void)snprintf(d, sizeof(d), "%u", delay_ms);
		log_job(j, CB_LOG_INFO, cs == CB_CANCEL_SENDING ? "outcome unknown: will ask the marketplace before "
		    "any new attempt" : "will try again", "error", msg, "delay_ms", d);
	}
	return CB_OK;
}

/* The next check of an outcome not known yet (a pending cancel, or one
 * that may be out): later and later, and Unknown past the deadline
 * (outcome.c).  The clock starts when the cancel was sent. */
static int
check_later(struct job *j, cb_cancel_state cs, const char *code, const char *msg, const char *txid,
    const char *rid)
{
	const char *sent = j->p->cancel_sent_at, *why = NULL;
	int64_t since_us = 0;
	cb_pay_status st;
	unsigned delay;

	if (sent == NULL || !cb_time_parse(sent, strlen(sent), NULL, &since_us, &why))
		since_us = 0;
	delay = cb_outcome_next(since_us / 1000, now_ms(), j->w->o.outcome_deadline_ms, &st);
	if (st == CB_PAY_UNKNOWN && j->p->status != CB_PAY_UNKNOWN)
		log_job(j, CB_LOG_WARN, "outcome still unknown at its deadline: the refund is Unknown and needs "
		    "attention (checks go on)", "cancel_state", cb_cancel_state_name(cs), "error", msg);
	return job_later(j, st, cs, delay, code, msg, txid, rid);
}

/* The decision of the error set on failure @err after @attempt attempts. */
static void
decide(struct job *j, const cb_mkt_error *err, unsigned attempt, cb_decision *d, int *unknown)
{
	const char *outcome = NULL;

	if (attempt == 0)
		attempt = 1;
	memset(d, 0, sizeof(*d));
	d->version = CB_DECISION_VERSION;
	if (cb_decide(d, j->errs, err->error_code, strlen(err->error_code), NULL, 0, attempt, NULL) != CB_OK)
		d->action = CB_ACTION_FAIL;
	if (d->nentries > 0)
		outcome = cb_entry_attribute(d->entries[0], "outcome");
	*unknown = err->outcome == CB_MKT_UNKNOWN || (outcome != NULL && strcmp(outcome, "unknown") == 0);
}

/* A delay for asking again after a failed search (nothing is sent, so no
 * bound on attempts; the error policy's backoff, at most its maximum). */
static unsigned
recheck_delay(struct job *j, const cb_mkt_error *err)
{
	cb_decision d = CB_DECISION_INIT;
	cb_policy pol = CB_POLICY_INIT;
	int unknown;

	decide(j, err, (unsigned)(j->p->attempts > 0 ? j->p->attempts : 1), &d, &unknown);
	cb_codeset_policy(j->errs, &pol);
	return d.retry ? d.delay_ms : (pol.max_delay_ms ? pol.max_delay_ms : 60000);
}

/* What the marketplace knows of the cancels of this order (or of
 * @cancel_id): 1 with *found filled, 0 none, -1 the search failed. */
struct found {
	char                id[128];
	char                status[64];
	cb_mkt_cancel_state state;
	char                request_id[128];
};

static int
search(struct job *j, const char *cancel_id, struct found *f, cb_mkt_error *err)
{
	const char *oid = j->o->order_id;
	cb_mkt_cancel_query q = { NULL, 0, NULL, 0, NULL, 0, 50, NULL };
	cb_mkt_cancellations *res = NULL;
	const cb_mkt_cancellation *best = NULL;
	size_t i;

	if (cancel_id != NULL) {
		q.cancel_ids = &cancel_id;
		q.ncancel_ids = 1;
	} else {
		q.order_ids = &oid;
		q.norder_ids = 1;
	}
	j->st->rechecks++;
	if (cb_mkt_search_cancellations(&res, j->m, &q, err) != CB_OK) {
		cb_observe_error(j->w->o.store, j->errs, err, SEARCH_PATH);
		return -1;
	}
	for (i = 0; i < res->n; i++) {
		const cb_mkt_cancellation *c = &res->items[i];
		if (strcmp(c->order_id, oid) != 0 || (cancel_id != NULL && strcmp(c->cancel_id, cancel_id) != 0))
			continue;
		/* the reason the marketplace has on the order's cancellation */
		cb_observe_reason(j->w->o.store, j->rr, c->reason, SEARCH_PATH, res->request_id);
		/* the latest request wins: an earlier one may have been refused */
		if (best == NULL || c->create_time >= best->create_time)
			best = c;
	}
	if (best != NULL) {
		(void)snprintf(f->id, sizeof(f->id), "%s", best->cancel_id);
		(void)snprintf(f->status, sizeof(f->status), "%s", best->status);
		f->state = best->state;
		(void)snprintf(f->request_id, sizeof(f->request_id), "%s", res->request_id ? res->request_id : "");
	}
	cb_mkt_cancellations_free(res);
	return best != NULL;
}

/* Act on a cancellation the marketplace has for this order. */
static int
settle(struct job *j, const struct found *f)
{
	char text[512];

	switch (f->state) {
	case CB_MKT_CANCEL_DONE:
	case CB_MKT_CANCEL_SUCCESS:
	case CB_MKT_CANCEL_COMPLETE:
		return job_complete(j, f->id, f->request_id);
	case CB_MKT_CANCEL_REFUSED:
		(void)snprintf(text, sizeof(text), "TikTok Shop refused the cancellation (cancel_id %s, %s).", f->id,
		    f->status);
		return job_fail(j, text, f->status, f->request_id);
	case CB_MKT_CANCEL_PENDING:
	case CB_MKT_CANCEL_UNKNOWN:
		break;
	}
	return check_later(j, CB_CANCEL_PENDING, NULL, NULL, f->id, f->request_id);
}

/*
 * A worker that waited on one shop's budget would hold up every other
 * shop's refunds (they are claimed in due order, not by shop).  So when
 * the shop's next request would wait more than one interval, the refund
 * is put back for when the budget has room, the k-th one of the pass k
 * intervals later, and the worker takes the next refund.  0, or 1 after
 * putting it back (*rc).
 */
static int
budget_defer(struct job *j, int *rc)
{
	const cb_mkt_config *cfg = cb_mkt_config_get(j->m);
	struct shop *s = NULL;
	cb_pay_later l;
	cb_mkt_ep ep = CB_MKT_EP_SEARCH;
	int64_t wait, interval;
	size_t i;

	for (i = 0; i < j->w->nshops && s == NULL; i++)
		if (j->w->shops[i].m == j->m)
			s = &j->w->shops[i];
	if (s == NULL || s->budget == NULL)
		return 0;
	if (j->p->cancel_state == CB_CANCEL_NONE)
		ep = cfg->api == CB_MKT_API_LEGACY ? CB_MKT_EP_CANCEL_LEGACY : CB_MKT_EP_CANCEL;
	interval = 1000000 / s->budget->cfg.rate_mrps + 1;
	if ((wait = cb_budget_wait(s->budget, cb_mkt_endpoint_get(ep)->path)) <= interval)
		return 0;
	l = (cb_pay_later){ j->p->status, j->p->cancel_state, now_ms() + wait + (int64_t)s->deferred++ * interval,
		j->p->last_error_code, j->p->last_error, NULL, NULL };
	if ((*rc = cb_store_pay_later(j->w->o.store, j->pid, j->w->owner, &l)) != CB_OK)
		*rc = transition_failed(j, *rc);
	return 1;
}

/* Seed 003's rules (cancel.c), judged here and not at the API ("the
 * validation will be handled only in the cron"); 0, or 1 after failing
 * the refund. */
static int
validate(struct job *j, int *rc)
{
	char text[2048];

	if (cb_cancel_rules(&j->key, &j->defaulted, text, sizeof(text), j->o, j->p, j->rr,
	    cb_mkt_config_get(j->m)) == 0) {
		*rc = CB_OK;
		return 0;
	}
	*rc = job_fail(j, text, NULL, NULL);
	return 1;
}

/* "Already cancelled" (25001011): an earlier attempt landed, and its id
 * is in the search; if the marketplace lists none, the order was
 * cancelled otherwise (buyer, platform), and the refund fails with the
 * marketplace's own code and message.  The search has an error of its
 * own: it must not wipe the cancel's. */
static int
already_cancelled(struct job *j, const cb_mkt_error *err)
{
	cb_mkt_error serr;
	struct found f;
	char text[1024];
	int r;

	if ((r = search(j, NULL, &f, &serr)) > 0)
		return settle(j, &f);
	if (r < 0)
		return job_later(j, CB_PAY_PROCESSING, CB_CANCEL_SENDING, recheck_delay(j, &serr),
		    serr.error_code, serr.message, NULL, serr.request_id);
	(void)snprintf(text, sizeof(text), "%s (TikTok Shop error %s; it lists no cancellation of the order by "
	    "the seller)", err->message, err->error_code);
	return job_fail(j, text, err->error_code, err->request_id);
}

static int
send_cancel(struct job *j)
{
	const cb_mkt_config *cfg = cb_mkt_config_get(j->m);
	cb_policy pol = CB_POLICY_INIT;
	cb_mkt_cancel_result res;
	cb_mkt_error err;
	cb_decision d = CB_DECISION_INIT;
	char text[1024];
	unsigned attempt = (unsigned)j->p->attempts + 1;
	int rc, unknown;

	cb_codeset_policy(j->errs, &pol);
	if (pol.max_attempts > 0 && (unsigned)j->p->attempts >= pol.max_attempts) {
		(void)snprintf(text, sizeof(text), "TikTok Shop did not take the cancel after %d attempts: %s",
		    j->p->attempts, j->p->last_error ? j->p->last_error : "(no error recorded)");
		return job_fail(j, text, j->p->last_error_code, NULL);
	}
	/* durable before the request leaves: after a crash the next worker
	 * knows a cancel may be out, and asks before sending another.  The
	 * lease needs not cover the marketplace's timeout: the heartbeat keeps
	 * it while the call is out. */
	if ((rc = cb_store_pay_sending(j->w->o.store, j->pid, j->w->owner, j->key, j->defaulted,
	    now_ms() + (int64_t)j->w->o.lease_ms)) != CB_OK)
		return transition_failed(j, rc);
	j->st->cancels_sent++;
	log_job(j, CB_LOG_INFO, "sending the cancel", "reason_key", j->key, "api", cb_mkt_api_name(cfg->api));
	if (cb_mkt_cancel_order(&res, j->m, j->o->order_id, j->key, &err) == CB_OK) {
		switch (res.state) {
		case CB_MKT_CANCEL_DONE:
		case CB_MKT_CANCEL_SUCCESS:
		case CB_MKT_CANCEL_COMPLETE:
			return job_complete(j, res.id, res.request_id);
		case CB_MKT_CANCEL_REFUSED:
			(void)snprintf(text, sizeof(text), "TikTok Shop refused the cancellation (cancel_id %s, %s).",
			    res.id, res.status);
			return job_fail(j, text, res.status, res.request_id);
		default:
			return job_later(j, CB_PAY_PROCESSING, CB_CANCEL_PENDING, POLL_MS, NULL, NULL, res.id,
			    res.request_id);
		}
	}
	if (strcmp(err.error_code, CB_MKT_REFRESH_FAILED) == 0)	/* not sent: the shop needs a person */
		return job_later(j, CB_PAY_PENDING, CB_CANCEL_NONE, SHOP_WAIT_MS, err.error_code, err.message, NULL,
		    NULL);
	decide(j, &err, attempt, &d, &unknown);
	cb_observe_error(j->w->o.store, j->errs, &err, cfg->api == CB_MKT_API_LEGACY ?
	    "POST " LEGACY_CANCEL_PATH : "POST " CURRENT_CANCEL_PATH);
	if (err.kind == CB_MKT_E_LOCAL && err.outcome == CB_MKT_NOT_SENT)
		return job_fail(j, err.message, NULL, NULL);
	if (d.known && d.action == CB_ACTION_IGNORE)
		return already_cancelled(j, &err);
	if (unknown)
		return job_later(j, CB_PAY_PROCESSING, CB_CANCEL_SENDING, d.retry ? d.delay_ms : pol.base_delay_ms,
		    err.error_code, err.message, NULL, err.request_id);
	if (d.retry)
		return job_later(j, CB_PAY_PENDING, CB_CANCEL_NONE, d.delay_ms, err.error_code, err.message, NULL,
		    err.request_id);
	if (d.action == CB_ACTION_RETRY || d.action == CB_ACTION_RECHECK_RETRY) {
		(void)snprintf(text, sizeof(text), "%s (gave up after %u attempts)", err.message, attempt);
		return job_fail(j, text, err.error_code, err.request_id);
	}
	return job_fail(j, err.message, err.error_code, err.request_id);
}

/* A pending cancel (current API): ask by its cancel_id until it is settled. */
static int
step_pending(struct job *j)
{
	struct found f;
	cb_mkt_error err;
	int r = search(j, j->p->transaction_id, &f, &err);

	if (r > 0)
		return settle(j, &f);
	if (r == 0)	/* not listed (yet): keep the id, look again */
		return check_later(j, CB_CANCEL_PENDING, NULL, NULL, NULL, NULL);
	return check_later(j, CB_CANCEL_PENDING, err.error_code, err.message, NULL, err.request_id);
}

/* Before a cancel is sent: the order as the marketplace has it now, when
 * the local copy is old (order_pull.h), so that the rules judge an order
 * shipped meanwhile as shipped.  When the marketplace cannot say, the
 * local copy is judged (the marketplace still refuses a shipped order). */
static void
refresh(struct job *j)
{
	char why[768];
	size_t i;
	int r = cb_order_refresh(j->w->o.store, j->m, j->w->o.order_max_age_ms, now_ms(), &j->rec, why, sizeof(why));

	if (r < 0)
		log_job(j, CB_LOG_WARN, "the order's status could not be read from the marketplace: judged on the "
		    "local copy", "detail", why, NULL, NULL);
	if (r != 1)
		return;
	j->o = cb_order_rec_get(j->rec);
	for (i = 0; i < j->o->npayments; i++)
		if (j->o->payments[i].id == j->pid)
			j->p = &j->o->payments[i];
	j->key = j->p->reason_key;
	j->defaulted = j->p->reason_defaulted;
	log_job(j, CB_LOG_INFO, "the order's status changed on the marketplace", "marketplace_status",
	    j->o->marketplace_status, "status", cb_ord_status_name(j->o->status));
}

/* A cancel may be out: the marketplace says what became of it before
 * anything is sent again. */
static int
step_sending(struct job *j)
{
	struct found f;
	cb_mkt_error err;
	int r = search(j, NULL, &f, &err), rc;

	if (r > 0) {
		log_job(j, CB_LOG_INFO, "an earlier cancel landed", "cancel_id", f.id, "cancel_status", f.status);
		return settle(j, &f);
	}
	if (r < 0)
		return check_later(j, CB_CANCEL_SENDING, err.error_code, err.message, NULL, err.request_id);
	log_job(j, CB_LOG_INFO, "the earlier cancel did not land: sending again", NULL, NULL, NULL, NULL);
	refresh(j);
	if (validate(j, &rc) != 0)	/* the order may have changed meanwhile */
		return rc;
	return send_cancel(j);
}

/* Take the next step of the refund by where its cancel stands. */
static int
step(struct job *j)
{
	int rc;

	switch (j->p->cancel_state) {
	case CB_CANCEL_PENDING:
		return step_pending(j);
	case CB_CANCEL_SENDING:
		return step_sending(j);
	case CB_CANCEL_NONE:
		refresh(j);
		if (validate(j, &rc) != 0)
			return rc;
		return send_cancel(j);
	case CB_CANCEL_DONE:
	case CB_CANCEL_STATE_COUNT:
		break;
	}
	return job_fail(j, "The refund's cancel is recorded as done but the refund is still open.", NULL, NULL);
}

/* The mirror of the reverse reasons of the shop's market (markets.h):
 * 0, or 1 after putting the refund back (*rc): the market is not known
 * yet (the marketplace did not answer), or its mirror not synced yet. */
static int
prepare_reasons(cb_worker *w, struct job *j, int *rc)
{
	char market[3], name[CB_SET_NAME_SIZE], text[1200];
	cb_mkt_error err;
	int r;

	if ((r = cb_shop_market(market, j->m, j->o->shop, &err)) != CB_OK) {
		if (r == CB_ERROR)
			cb_observe_error(w->o.store, j->errs, &err, "GET /authorization/202309/shops");
		(void)snprintf(text, sizeof(text), "The market of shop \"%s\" is not known (%s): set market in its "
		    "configuration.", j->o->shop, r == CB_ERROR ? err.message : cb_errmsg());
		if (r != CB_ERROR && j->p->cancel_state == CB_CANCEL_NONE)
			*rc = job_fail(j, text, NULL, NULL);	/* the marketplace says it has no such shop */
		else
			*rc = job_later(j, j->p->status, j->p->cancel_state, 60000, r == CB_ERROR ? err.error_code :
			    "MARKET", text, NULL, r == CB_ERROR ? err.request_id : NULL);
		return 1;
	}
	/* a 202309 shop: its market's current reasons when configured (current.c) */
	cb_cancel_set_name(name, market);
	if (cb_mkt_config_get(j->m)->api == CB_MKT_API_CURRENT && (j->rr = get_set(w, name)) != NULL)
		return 0;
	cb_reason_set_name(name, market);
	if ((j->rr = get_set(w, name)) == NULL) {
		(void)snprintf(text, sizeof(text), "No reverse reasons are known for market %s (code set %s): sync "
		    "them with a shop of that market", market, name);
		*rc = job_later(j, j->p->status, j->p->cancel_state, 60000, "WORKER", text, NULL, NULL);
		return 1;
	}
	return 0;
}

/* What the job needs beyond the order: the shop's client, the error set
 * and the reverse reasons of the shop's market.  0, or 1 after putting
 * the refund back or failing it (*rc). */
static int
prepare(cb_worker *w, struct job *j, int *rc)
{
	char why[1024], text[1200], attention[512];
	cb_mkt_error err;

	if ((j->errs = get_set(w, CB_ERROR_SET)) == NULL) {
		(void)snprintf(text, sizeof(text), "the code set %s is not available to the worker", CB_ERROR_SET);
		*rc = job_later(j, j->p->status, j->p->cancel_state, 60000, "WORKER", text, NULL, NULL);
		return 1;
	}
	if ((j->m = client(w, j->o->shop, attention, sizeof(attention), why, sizeof(why))) == NULL) {
		(void)snprintf(text, sizeof(text), "No marketplace configuration for shop \"%s\": %s", j->o->shop, why);
		if (j->p->cancel_state == CB_CANCEL_NONE)
			*rc = job_fail(j, text, NULL, NULL);
		else	/* a cancel may be out: keep asking once the configuration is back */
			*rc = job_later(j, j->p->status, j->p->cancel_state, 60000, "CONFIG", text, NULL, NULL);
		return 1;
	}
	if (attention[0] != '\0') {	/* a failed refresh: nothing is sent until a person rotates the tokens */
		(void)snprintf(text, sizeof(text), "Shop \"%s\" needs attention: %s (codebook shops rotate %s)",
		    j->o->shop, attention, j->o->shop);
		*rc = job_later(j, j->p->status, j->p->cancel_state, SHOP_WAIT_MS, "SHOP_NEEDS_ATTENTION", text, NULL,
		    NULL);
		return 1;
	}
	if (cb_mkt_token_check(j->m, &err) != CB_OK) {	/* before an attempt is counted */
		*rc = job_later(j, j->p->status, j->p->cancel_state, SHOP_WAIT_MS, err.error_code, err.message, NULL,
		    NULL);
		return 1;
	}
	return prepare_reasons(w, j, rc);
}

static int
process(cb_worker *w, int64_t pid, int64_t seq, cb_worker_stats *st)
{
	struct job j;
	size_t i;
	int rc = CB_OK;

	memset(&j, 0, sizeof(j));
	j.w = w;
	j.st = st;
	j.pid = pid;
	if ((rc = cb_store_order_get(w->o.store, NULL, seq, &j.rec)) != CB_OK) {
		log_job(&j, CB_LOG_ERROR, "cannot read the refund's order", "error", cb_errmsg(), NULL, NULL);
		return rc;
	}
	j.o = cb_order_rec_get(j.rec);
	for (i = 0; i < j.o->npayments; i++)
		if (j.o->payments[i].id == pid)
			j.p = &j.o->payments[i];
	if (j.p == NULL || j.p->lease_owner == NULL || strcmp(j.p->lease_owner, w->owner) != 0) {
		st->lost++;
		goto out;
	}
	j.key = j.p->reason_key;
	j.defaulted = j.p->reason_defaulted;
	if (prepare(w, &j, &rc) == 0 && budget_defer(&j, &rc) == 0)
		rc = step(&j);
out:
	cb_codeset_free(j.rr);
	cb_codeset_free(j.errs);
	cb_order_rec_free(j.rec);
	return rc;
}

/* ---- heartbeats -------------------------------------------------------------- */

static uint64_t
hb_interval_ns(const cb_worker *w)
{
	return (uint64_t)(w->o.lease_ms / 3 ? w->o.lease_ms / 3 : 1) * 1000000u;
}

/* The heartbeat thread: while a refund is in hand, extend its lease to
 * now + lease every lease/3.  The store call is made without hb_mu held,
 * so a slow database never holds up the worker's own transitions. */
static void *
heartbeat_main(void *arg)
{
	cb_worker *w = arg;
	cb_log_line l;

	pthread_mutex_lock(&w->hb_mu);
	while (!w->hb_stop) {
		int64_t pid = w->hb_pid;
		uint64_t now = cb_time_mono_ns();
		int rc;

		if (pid == 0) {
			pthread_cond_wait(&w->hb_cv, &w->hb_mu);
			continue;
		}
		if (now < w->hb_next_ns) {
			struct timespec ts = { (time_t)(w->hb_next_ns / 1000000000u), (long)(w->hb_next_ns % 1000000000u) };
			(void)pthread_cond_timedwait(&w->hb_cv, &w->hb_mu, &ts);
			continue;	/* the refund in hand may have changed meanwhile */
		}
		w->hb_next_ns = now + hb_interval_ns(w);
		pthread_mutex_unlock(&w->hb_mu);
		rc = cb_store_pay_extend(w->o.store, pid, w->owner, now_ms() + (int64_t)w->o.lease_ms);
		if (rc == CB_OK)
			atomic_fetch_add(&w->t_heartbeats, 1);
		pthread_mutex_lock(&w->hb_mu);
		if (rc != CB_OK && pid == w->hb_pid) {
			/* lease lost: the job's next transition says so and stops; a
			 * database error: the next beat tries again, within the lease */
			log_begin(&l, CB_LOG_WARN, rc == CB_ENOTFOUND ? "heartbeat: the lease was taken over" :
			    "heartbeat: the lease could not be extended");
			cb_jw_kint(&l.w, "payment", pid);
			cb_jw_kstr(&l.w, "error", cb_errmsg());
			cb_log_end(&l);
		}
	}
	pthread_mutex_unlock(&w->hb_mu);
	return NULL;
}

/* Start beating for refund @pid (claimed now: its lease runs from now). */
static void
heartbeat_begin(cb_worker *w, int64_t pid)
{
	pthread_mutex_lock(&w->hb_mu);
	if (!w->hb_running && !w->hb_stop) {
		if (pthread_create(&w->hb_thread, NULL, heartbeat_main, w) == 0)
			w->hb_running = 1;
		else
			cb_log(CB_LOG_WARN, "worker: no heartbeat thread: a refund is kept for one lease only", NULL);
	}
	w->hb_pid = pid;
	w->hb_next_ns = cb_time_mono_ns() + hb_interval_ns(w);
	pthread_cond_signal(&w->hb_cv);
	pthread_mutex_unlock(&w->hb_mu);
}

static void
heartbeat_end(cb_worker *w)
{
	pthread_mutex_lock(&w->hb_mu);
	w->hb_pid = 0;
	pthread_mutex_unlock(&w->hb_mu);
}

static void
heartbeat_stop(cb_worker *w)
{
	int running;

	pthread_mutex_lock(&w->hb_mu);
	w->hb_stop = 1;
	w->hb_pid = 0;
	running = w->hb_running;
	w->hb_running = 0;
	pthread_cond_signal(&w->hb_cv);
	pthread_mutex_unlock(&w->hb_mu);
	if (running)
		pthread_join(w->hb_thread, NULL);
}

static void
add_stats(cb_worker *w, const cb_worker_stats *s)
{
	atomic_fetch_add(&w->t_passes, s->passes);
	atomic_fetch_add(&w->t_claimed, s->claimed);
	atomic_fetch_add(&w->t_completed, s->completed);
	atomic_fetch_add(&w->t_failed, s->failed);
	atomic_fetch_add(&w->t_retrying, s->retrying);
	atomic_fetch_add(&w->t_waiting, s->waiting);
	atomic_fetch_add(&w->t_sent, s->cancels_sent);
	atomic_fetch_add(&w->t_rechecks, s->rechecks);
	atomic_fetch_add(&w->t_lost, s->lost);
}

int
cb_worker_pass(cb_worker *w, const atomic_int *stop, cb_worker_stats *pass)
{
	cb_worker_stats st;
	int64_t pid, seq, start = now_ms();
	unsigned n;
	int rc = CB_OK;

	memset(&st, 0, sizeof(st));
	st.passes = 1;
	for (n = 0; n < w->nshops; n++)
		w->shops[n].deferred = 0;
	for (n = 0; n < w->o.max_per_pass && (stop == NULL || !atomic_load(stop)); n++) {
		rc = cb_store_pay_claim(w->o.store, w->owner, now_ms(), start, (int64_t)w->o.lease_ms, &pid, &seq);
		if (rc == CB_ENOTFOUND) {
			rc = CB_OK;
			break;
		}
		if (rc != CB_OK) {
			cb_log_line l;
			log_begin(&l, CB_LOG_ERROR, "cannot claim refunds");
			cb_jw_kstr(&l.w, "error", cb_errmsg());
			cb_log_end(&l);
			break;
		}
		st.claimed++;
		heartbeat_begin(w, pid);
		rc = process(w, pid, seq, &st);
		heartbeat_end(w);
		if (rc != CB_OK)
			break;	/* storage trouble: the lease expires and the refund is taken again */
	}
	add_stats(w, &st);
	if (pass != NULL)
		*pass = st;
	return rc;
}

void
cb_worker_run(cb_worker *w, unsigned interval_ms, const atomic_int *stop, atomic_int *reload)
{
	while (!atomic_load(stop)) {
		unsigned slept = 0;
		if (reload != NULL && atomic_exchange(reload, 0))
			cb_worker_reload(w);
		(void)cb_worker_pass(w, stop, NULL);
		while (slept < interval_ms && !atomic_load(stop) && (reload == NULL || !atomic_load(reload))) {
			unsigned step = interval_ms - slept < 100 ? interval_ms - slept : 100;
			struct timespec ts = { 0, (long)step * 1000000L };
			nanosleep(&ts, NULL);
			slept += step;
		}
	}
}
