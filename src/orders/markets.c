/* SPDX-License-Identifier: Apache-2.0 */
/*
 * markets.c - shops' markets and the names of the per-market mirrors
 * (markets.h).  What the marketplace says of a shop's market is kept in a
 * small table for the life of the process, so the worker, the sync and
 * the service's views ask once per shop.
 */
#include "markets.h"
#include "shops.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <codebook.h>

#include "err.h"
#include "market.h"
#include "orders_int.h"

#define MAX_LEARNED 256

static pthread_mutex_t learned_mu = PTHREAD_MUTEX_INITIALIZER;
static struct { char shop[65]; char market[3]; } learned[MAX_LEARNED];
static size_t nlearned;

void
cb_reason_set_name(char out[CB_SET_NAME_SIZE], const char *market)
{
	(void)snprintf(out, CB_SET_NAME_SIZE, "%s@%.2s", CB_REASON_SET_BASE, market);
}

int
cb_reason_set_market(char out[3], const char *name)
{
	size_t b, n = strlen(CB_REASON_SET_BASE);

	if (!cb_set_name_check(name, strlen(name), &b) || b != n || name[b] != '@' ||
	    memcmp(name, CB_REASON_SET_BASE, n) != 0)
		return -1;
	memcpy(out, name + b + 1, 2);
	out[2] = '\0';
	return 0;
}

static int
learned_get(char out[3], const char *shop)
{
	size_t i;
	int found = 0;

	pthread_mutex_lock(&learned_mu);
	for (i = 0; i < nlearned && !found; i++)
		if (strcmp(learned[i].shop, shop) == 0) {
			memcpy(out, learned[i].market, 3);
			found = 1;
		}
	pthread_mutex_unlock(&learned_mu);
	return found;
}

/* Remember @market for @shop; the oldest is forgotten when the table is full. */
static void
learned_put(const char *shop, const char *market)
{
	size_t i;

	if (strlen(shop) >= sizeof(learned[0].shop))
		return;
	pthread_mutex_lock(&learned_mu);
	for (i = 0; i < nlearned && strcmp(learned[i].shop, shop) != 0; i++)
		;
	if (i == nlearned) {
		if (nlearned == MAX_LEARNED) {
			memmove(&learned[0], &learned[1], sizeof(learned[0]) * (MAX_LEARNED - 1));
			i = --nlearned;
		}
		nlearned++;
	}
	(void)snprintf(learned[i].shop, sizeof(learned[i].shop), "%s", shop);
	memcpy(learned[i].market, market, 3);
	pthread_mutex_unlock(&learned_mu);
}

int
cb_shop_market(char out[3], cb_mkt *m, const char *shop, cb_mkt_error *err)
{
	const cb_mkt_config *cfg = cb_mkt_config_get(m);
	int rc;

	if (cfg->market != NULL) {
		memcpy(out, cfg->market, 3);
		return CB_OK;
	}
	if (shop != NULL && learned_get(out, shop))
		return CB_OK;
	if ((rc = cb_mkt_shop_market(out, m, err)) == CB_OK && shop != NULL)
		learned_put(shop, out);
	return rc;
}

int
cb_shop_market_find(char out[3], cb_store *st, const char *market_config, const char *const *env,
    const char *shop, int ask, char *why, size_t whylen)
{
	cb_mkt_config *cfg = NULL;
	cb_shop_link *link = NULL;
	cb_mkt_error err;
	cb_mkt *m = NULL;
	int rc;

	out[0] = '\0';
	why[0] = '\0';
	if (market_config == NULL && st == NULL) {
		(void)snprintf(why, whylen, "no marketplace configuration");
		return cb__fail(CB_ENOTFOUND, "%s", why);
	}
	if ((rc = cb_shop_config_find(&cfg, st, market_config, env, shop)) != CB_OK) {
		(void)snprintf(why, whylen, "%s", cb_errmsg());
		return rc;
	}
	if (cfg->market != NULL) {
		memcpy(out, cfg->market, 3);
		rc = CB_OK;
	} else if (learned_get(out, shop))
		rc = CB_OK;
	else if (!ask) {
		(void)snprintf(why, whylen, "the configuration of shop %s has no market, and the marketplace was "
		    "not asked yet", shop);
		rc = cb__fail(CB_ENOTFOUND, "%s", why);
	} else if ((rc = cb_shop_open(&m, &link, st, market_config, env, shop)) == CB_OK &&
	    (rc = cb_shop_market(out, m, shop, &err)) != CB_OK)
		(void)snprintf(why, whylen, "%s", rc == CB_ERROR ? err.message : cb_errmsg());
	else if (rc != CB_OK)
		(void)snprintf(why, whylen, "%s", cb_errmsg());
	cb_mkt_free(m);
	cb_shop_link_free(link);
	cb_mkt_config_free(cfg);
	return rc;
}

int
cb_shop_names(char (*names)[65], size_t max, size_t *n, const char *market_config)
{
	return cb_mkt_config_shop_names(names, max, n, market_config);
}

int
cb_shop_reason_status(char *out, size_t n, cb_store *store, const char *market_config,
    const char *const *env, const char *shop, int st)
{
	cb_mkt_config *cfg = NULL;
	const char *v;
	int rc;

	out[0] = '\0';
	if (st != (int)CB_ORD_READY && st != (int)CB_ORD_INCOMPLETE)
		return cb__fail(CB_ENOTFOUND, "only Ready for Shipping and Incomplete orders can be cancelled");
	if (market_config == NULL && store == NULL)
		return cb__fail(CB_ENOTFOUND, "no marketplace configuration");
	if ((rc = cb_shop_config_find(&cfg, store, market_config, env, shop)) != CB_OK)
		return rc;
	v = cb_mkt_reason_status(cfg, cb_ord__class_of((cb_ord_status)st));
	if (v == NULL || strlen(v) >= n)
		rc = cb__fail(CB_ENOTFOUND, "the configuration of shop %s gives no reverse reason status for %s "
		    "orders", shop, cb_ord_status_name((cb_ord_status)st));
	else
		memcpy(out, v, strlen(v) + 1);
	cb_mkt_config_free(cfg);
	return rc;
}
