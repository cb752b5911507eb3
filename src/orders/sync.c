/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync.c - the reverse-reason sync (sync.h): the marketplace's list in, the
 * next version of the shop's market's mirror out through the caller's
 * publish.  The next version is built twice: first with the current
 * version number, where equal bytes mean the list changed nothing and
 * nothing is published; then with the next number.  A market synced for
 * the first time starts from an empty mirror (cb_reason_set_empty) at
 * version 1.  One sync at a time (a mutex), so each builds on the version
 * before; the lock is taken after the shop's configuration is read and its
 * market known, and released on the one way out.
 */
#include "sync.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "err.h"
#include "market.h"
#include "markets.h"
#include "observe.h"
#include "orders.h"
#include "shops.h"

static pthread_mutex_t sync_mu = PTHREAD_MUTEX_INITIALIZER;

static int
any_shop(void *arg, const cb_store_shop *s)
{
	(void)s;
	*(int *)arg = 1;
	return 1;
}

/* Does the database hold any shop?  Without one and without a file, a
 * sync has no configuration at all. */
static int
shops_stored(cb_store *st)
{
	int any = 0;

	if (st != NULL)
		(void)cb_store_shop_each(st, any_shop, &any);
	return any;
}

void
cb_sync_result_clear(cb_sync_result *r)
{
	if (r == NULL)
		return;
	cb_report_free(r->report);
	memset(r, 0, sizeof(*r));
}

/* The client of the sync's shop, from the database or the file as the
 * worker finds it (cb_shop_open); NULL with out->outcome set. */
static cb_mkt *
sync_client(cb_sync_result *out, const cb_sync_opts *o, cb_shop_link **link)
{
	const char *shop = o->shop != NULL && o->shop[0] ? o->shop : NULL;
	cb_mkt *m = NULL;
	int rc;

	if ((rc = cb_shop_open(&m, link, o->store, o->market_config, o->market_env, shop)) == CB_OK)
		return m;
	/* a shop that neither the database nor the readable file has is the
	 * caller's mistake, not a configuration the server lacks */
	if (rc == CB_ENOTFOUND && o->market_config == NULL && (shop == NULL || !shops_stored(o->store)))
		out->outcome = CB_SYNC_NO_CONFIG;
	else if (rc == CB_ENOTFOUND && shop != NULL && (o->market_config == NULL ||
	    access(o->market_config, R_OK) == 0))
		out->outcome = CB_SYNC_UNKNOWN_SHOP;
	else
		out->outcome = CB_SYNC_BAD_CONFIG;
	(void)snprintf(out->why, sizeof(out->why), "%s", cb_errmsg());
	return NULL;
}

static void
market_failure(cb_market_failure *f, const cb_mkt_error *err)
{
	(void)snprintf(f->code, sizeof(f->code), "%s", err->error_code);
	f->kind = cb_mkt_kind_name(err->kind);
	f->outcome = cb_mkt_outcome_name(err->outcome);
	(void)snprintf(f->message, sizeof(f->message), "%s", err->message);
	(void)snprintf(f->request_id, sizeof(f->request_id), "%s", err->request_id);
	f->http_status = err->http_status;
}

/* Does @next hold exactly what @cur holds?  Compared as canonical JSON, as
 * the sets are served. */
static int
same_set(const cb_codeset *next, const cb_codeset *cur)
{
	char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	int same;

	same = cb_codeset_to_json(&a, &alen, next) == CB_OK && cb_codeset_to_json(&b, &blen, cur) == CB_OK &&
	    alen == blen && memcmp(a, b, alen) == 0;
	cb_free(a);
	cb_free(b);
	return same;
}

/* The next version of @cur from @rs, through the caller's publish; under
 * the lock.  @fresh: @cur is the empty mirror of a market synced for the
 * first time, whose first version is published whatever it holds. */
static int
sync_publish(cb_sync_result *out, const cb_sync_opts *o, const cb_codeset *cur, const cb_mkt_reasons *rs,
    int fresh)
{
	cb_codeset *next = NULL;
	cb_publish_outcome pub;
	int version = fresh ? 0 : cb_codeset_version(cur), rc;

	/* the same version number first: equal bytes mean nothing changed */
	if (cb_reason_sync_build(&next, cur, rs, fresh ? 1 : version, out->why, sizeof(out->why)) != CB_OK) {
		out->outcome = CB_SYNC_UNMIRRORABLE;
		return CB_OK;
	}
	if (!fresh && same_set(next, cur)) {
		cb_codeset_free(next);
		out->outcome = CB_SYNC_DONE;
		out->version = version;
		return CB_OK;
	}
	if (!fresh) {
		cb_codeset_free(next);
		next = NULL;
		if (cb_reason_sync_build(&next, cur, rs, version + 1, out->why, sizeof(out->why)) != CB_OK)
			return cb__fail(CB_ERROR, "%s", out->why);
	}
	rc = o->publish(o->arg, next, &pub, &out->report, &out->previous_version);
	cb_codeset_free(next);
	if (rc != CB_OK)
		return rc;
	out->version = version + 1;
	out->published = 1;
	out->outcome = pub == CB_PUBLISH_REFUSED ? CB_SYNC_REFUSED : pub == CB_PUBLISH_STALE ? CB_SYNC_STALE
	    : CB_SYNC_DONE;
	out->changed = pub == CB_PUBLISH_CREATED;
	return CB_OK;
}

/* A failed marketplace call: its error code noted as observed when the
 * error set does not hold it. */
static void
sync_failed(cb_sync_result *out, const cb_sync_opts *o, const cb_mkt_error *err, const char *where)
{
	out->outcome = CB_SYNC_MARKET_FAILED;
	market_failure(&out->failure, err);
	cb_observe_error(o->store, o->errors, err, where);
}

/* The market of the sync's shop, and the name of its mirror; 0, or -1
 * with out->outcome set. */
static int
sync_market(cb_sync_result *out, const cb_sync_opts *o, cb_mkt *m)
{
	cb_mkt_error err;
	int rc;

	if ((rc = cb_shop_market(out->market, m, o->shop != NULL && o->shop[0] ? o->shop : NULL, &err)) == CB_OK) {
		cb_reason_set_name(out->set, out->market);
		return 0;
	}
	if (rc == CB_ERROR && err.kind != CB_MKT_E_LOCAL)
		sync_failed(out, o, &err, "GET /authorization/202309/shops (the shop's market)");
	else {
		out->outcome = CB_SYNC_BAD_CONFIG;
		(void)snprintf(out->why, sizeof(out->why), "the shop's market is not known: %.400s",
		    rc == CB_ERROR ? err.message : cb_errmsg());
	}
	return -1;
}

int
cb_reasons_sync(cb_sync_result *out, const cb_sync_opts *o)
{
	cb_mkt_reasons *rs = NULL;
	cb_codeset *cur = NULL;
	cb_shop_link *link = NULL;
	cb_mkt_error err;
	cb_mkt *m;
	int rc = CB_OK, fresh = 0;

	memset(out, 0, sizeof(*out));
	if ((m = sync_client(out, o, &link)) == NULL)
		return CB_OK;
	if (sync_market(out, o, m) != 0) {
		cb_mkt_free(m);
		cb_shop_link_free(link);
		return CB_OK;
	}
	pthread_mutex_lock(&sync_mu);
	if (cb_mkt_reverse_reasons(&rs, m, 0, 0, &err) != CB_OK) {
		sync_failed(out, o, &err, "GET /api/reverse/reverse_reason/list");
		goto out;
	}
	out->nreasons = rs->n;
	(void)snprintf(out->request_id, sizeof(out->request_id), "%s", rs->request_id ? rs->request_id : "");
	/* the set served now: a sync that finished while this one waited for
	 * the lock is built upon, not overwritten; none yet: the market's first */
	if ((cur = o->current(o->arg, out->set)) == NULL) {
		if ((rc = cb_reason_set_empty(&cur, out->market)) != CB_OK)
			goto out;
		fresh = 1;
	}
	rc = sync_publish(out, o, cur, rs, fresh);
out:
	pthread_mutex_unlock(&sync_mu);
	cb_codeset_free(cur);
	cb_mkt_reasons_free(rs);
	cb_mkt_free(m);
	cb_shop_link_free(link);
	return rc;
}
