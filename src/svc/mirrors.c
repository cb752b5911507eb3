/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mirrors.c - the reverse-reason mirrors of the markets, kept up to date: a
 * sync on demand (POST /v1/marketplaces/tiktok/reverse-reasons/sync,
 * h_orders.c) and on a schedule, a thread that syncs every market of the
 * shops (the database's, then the file's) every --sync-interval (with jitter, so instances
 * sharing a database do not ask the marketplace at the same moment).  Both
 * go through svc_sync_run(): the orders domain builds the next version of
 * the shop's market's mirror, which is published in follow mode (the
 * mirror records what its upstream says; breaking changes are listed, not
 * refused).  Each market's state (the last good sync, failures since) is
 * kept for /metrics and /readyz.  docs/orders.md ("Reverse reasons").
 */
#include "svc_int.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "markets.h"
#include "orders.h"
#include "shops.h"

/* A market whose last good sync is older than this many intervals, and
 * whose last attempt failed, makes the instance not ready. */
#define STALE_INTERVALS 3

struct sync_arg {
	struct svc *s;
	const char *by;
};

/* The sync's view of the sets served: the latest, not a request's snapshot. */
static cb_codeset *
sync_current(void *arg, const char *name)
{
	struct sync_arg *a = arg;
	struct svc_snap *now = svc_snap_get(a->s);
	struct svc_set *set = svc_snap_find(now, name, strlen(name));
	cb_codeset *cs = set != NULL ? cb_codeset_ref(set->cs) : NULL;

	svc_snap_put(now);
	return cs;
}

/* The sync's publish: the mirror follows its upstream (SVC_PUB_FOLLOW). */
static int
sync_publish(void *arg, cb_codeset *cs, cb_publish_outcome *outcome, cb_report **report, int *old_version)
{
	static const cb_publish_outcome map[] = {
		[PUB_CREATED] = CB_PUBLISH_CREATED, [PUB_UNCHANGED] = CB_PUBLISH_UNCHANGED,
		[PUB_REFUSED] = CB_PUBLISH_REFUSED, [PUB_STALE] = CB_PUBLISH_STALE,
	};
	struct sync_arg *a = arg;
	enum svc_publish_outcome o;
	int rc = svc_publish(a->s, cs, "marketplace", a->by, &o, report, old_version);

	if (rc == CB_OK)
		*outcome = map[o];
	return rc;
}

/* The state of market @market, made on first use; NULL when the table is
 * full.  Called with sync_mu held. */
static struct svc_market *
market_slot(struct svc *s, const char *market)
{
	size_t i;

	for (i = 0; i < s->nmarkets; i++)
		if (strcmp(s->markets[i].market, market) == 0)
			return &s->markets[i];
	if (s->nmarkets == SVC_MAX_MARKETS)
		return NULL;
	memset(&s->markets[s->nmarkets], 0, sizeof(s->markets[0]));
	memcpy(s->markets[s->nmarkets].market, market, 3);
	return &s->markets[s->nmarkets++];
}

/* Note what a sync of a market did, for /metrics and /readyz. */
static void
note(struct svc *s, const cb_sync_result *res, int rc)
{
	struct svc_market *mk;
	int ok = rc == CB_OK && res->outcome == CB_SYNC_DONE;

	if (res->market[0] == '\0')
		return;	/* its market is not known: nothing to note it under */
	pthread_mutex_lock(&s->sync_mu);
	if ((mk = market_slot(s, res->market)) != NULL) {
		if (ok) {
			mk->last_ok_ms = cb_time_now_ms();
			mk->version = res->version;
			mk->fails_since_ok = 0;
			mk->changed += res->changed != 0;
			mk->unchanged += res->changed == 0;
		} else {
			mk->last_fail_ms = cb_time_now_ms();
			mk->fails_since_ok++;
			mk->failures++;
			(void)snprintf(mk->last_error, sizeof(mk->last_error), "%.200s", rc != CB_OK ? cb_errmsg() :
			    res->outcome == CB_SYNC_MARKET_FAILED ? res->failure.message : res->why);
		}
	}
	pthread_mutex_unlock(&s->sync_mu);
}

int
svc_sync_run(struct svc *s, const char *shop, const char *by, cb_sync_result *res)
{
	struct svc_snap *snap = svc_snap_get(s);
	struct svc_set *es = svc_snap_find(snap, CB_ERROR_SET, strlen(CB_ERROR_SET));
	struct sync_arg a = { s, by };
	cb_sync_opts o;
	int rc;

	memset(&o, 0, sizeof(o));
	o.market_config = s->opts.market_config;
	o.market_env = s->opts.market_env;
	o.shop = shop;
	o.current = sync_current;
	o.publish = sync_publish;
	o.arg = &a;
	o.store = s->store;
	o.errors = es != NULL ? es->cs : NULL;
	rc = cb_reasons_sync(res, &o);
	svc_snap_put(snap);
	note(s, res, rc);
	return rc;
}

/* ---- the schedule -------------------------------------------------------- */

/* Sleep @ms, waking every 100 ms to see whether the thread must stop;
 * 1 when it must. */
static int
nap(struct svc *s, uint64_t ms)
{
	while (ms > 0 && !atomic_load(&s->sync_stop)) {
		uint64_t step = ms < 100 ? ms : 100;
		struct timespec ts = { 0, (long)step * 1000000L };
		nanosleep(&ts, NULL);
		ms -= step;
	}
	return atomic_load(&s->sync_stop);
}

/* The interval with up to a tenth of it added or taken at random. */
static uint64_t
jittered(uint64_t interval_ms)
{
	uint32_t r = 0;
	uint64_t span = interval_ms / 5;

	if (span == 0 || getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return interval_ms;
	return interval_ms - interval_ms / 10 + (uint64_t)r % (span + 1);
}

static void
log_sync(const char *shop, const cb_sync_result *res, int rc)
{
	cb_log_line l;
	int ok = rc == CB_OK && res->outcome == CB_SYNC_DONE;

	cb_log_begin(&l, ok ? CB_LOG_INFO : CB_LOG_WARN, ok ? (res->changed ? "scheduled sync: a new version of "
	    "the market's reverse reasons" : "scheduled sync: the market's reverse reasons are unchanged") :
	    "scheduled sync failed; the market's mirror is unchanged");
	cb_jw_kstr(&l.w, "shop", shop);
	if (res->market[0])
		cb_jw_kstr(&l.w, "market", res->market);
	if (res->set[0])
		cb_jw_kstr(&l.w, "set", res->set);
	if (ok)
		cb_jw_kint(&l.w, "version", res->version);
	else
		cb_jw_kstr(&l.w, "error", rc != CB_OK ? cb_errmsg() : res->outcome == CB_SYNC_MARKET_FAILED ?
		    res->failure.message : res->why);
	cb_log_end(&l);
}

/* One round: each market of the shops (the database's, then the file's)
 * synced once, with the first shop of that market. */
static void
sync_round(struct svc *s)
{
	char shops[SVC_MAX_MARKETS * 4][65], done[SVC_MAX_MARKETS][3], market[3], why[512];
	size_t n = 0, ndone = 0, i, j;
	cb_sync_result res;
	int rc;

	if (cb_shop_names_all(shops, SVC_MAX_MARKETS * 4, &n, s->store, s->opts.market_config) != CB_OK) {
		cb_log(CB_LOG_WARN, "scheduled sync: the shops cannot be read", cb_errmsg());
		return;
	}
	for (i = 0; i < n && ndone < SVC_MAX_MARKETS && !atomic_load(&s->sync_stop); i++) {
		if (cb_shop_market_find(market, s->store, s->opts.market_config, s->opts.market_env, shops[i], 1, why,
		    sizeof(why)) != CB_OK) {
			cb_log(CB_LOG_WARN, "scheduled sync: a shop's market is not known; it is not synced", why);
			continue;
		}
		for (j = 0; j < ndone && strcmp(done[j], market) != 0; j++)
			;
		if (j < ndone)
			continue;	/* its market was synced with another shop */
		memcpy(done[ndone++], market, 3);
		rc = svc_sync_run(s, shops[i], "schedule", &res);
		log_sync(shops[i], &res, rc);
		cb_sync_result_clear(&res);
	}
}

static void *
sync_main(void *arg)
{
	struct svc *s = arg;

	/* a first round soon after start, so that a new instance's mirrors are
	 * fresh; then every interval, jittered */
	if (nap(s, jittered(s->opts.sync_interval_ms) / 20 + 1000))
		return NULL;
	do
		sync_round(s);
	while (!nap(s, jittered(s->opts.sync_interval_ms)));
	return NULL;
}

int
svc_sync_start(struct svc *s)
{
	pthread_mutex_init(&s->sync_mu, NULL);
	atomic_init(&s->sync_stop, 0);
	s->sync_started_ms = cb_time_now_ms();
	/* without a file the database's shops may still name markets: each
	 * round reads them again */
	if (s->opts.sync_interval_ms == 0)
		return CB_OK;
	if (pthread_create(&s->sync_thread, NULL, sync_main, s) != 0)
		return cb__fail(CB_ERROR, "cannot start the thread of the scheduled syncs");
	s->sync_running = 1;
	return CB_OK;
}

void
svc_sync_stop(struct svc *s)
{
	if (s->sync_running) {
		atomic_store(&s->sync_stop, 1);
		pthread_join(s->sync_thread, NULL);
		s->sync_running = 0;
	}
}

void
svc_sync_markets(struct svc *s, struct svc_market *out, size_t *n)
{
	pthread_mutex_lock(&s->sync_mu);
	memcpy(out, s->markets, s->nmarkets * sizeof(*out));
	*n = s->nmarkets;
	pthread_mutex_unlock(&s->sync_mu);
}

int
svc_sync_stale(const struct svc *s, const struct svc_market *mk, int64_t now_ms)
{
	int64_t since = mk->last_ok_ms ? mk->last_ok_ms : s->sync_started_ms;

	return s->opts.sync_interval_ms > 0 && mk->fails_since_ok > 0 &&
	    now_ms - since > (int64_t)STALE_INTERVALS * s->opts.sync_interval_ms;
}
