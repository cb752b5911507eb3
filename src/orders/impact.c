/* SPDX-License-Identifier: Apache-2.0 */
/*
 * impact.c - which open refunds a new version of a reverse-reason mirror
 * would have the worker judge otherwise (impact.h).  The open refunds are
 * read first (one scan through the index of due refunds), then judged
 * outside the store's call: the shops' configurations are read, and the
 * store's callbacks must not do that work while a connection is held.
 */
#include "impact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "err.h"
#include "market.h"
#include "markets.h"
#include "orders.h"
#include "orders_int.h"
#include "shops.h"

#define MAX_SHOPS 64

struct open_ref {
	int64_t       id;
	char          order_id[128], shop[65], key[128];
	cb_ord_status st;
	int           has_key, defaulted;
};

struct collect {
	struct open_ref *v;
	size_t           n, cap;
	int              nomem, truncated;
};

static int
collect_row(void *arg, const cb_store_open_refund *r)
{
	struct collect *c = arg;
	struct open_ref *x;

	if (c->n == CB_IMPACT_MAX_REFUNDS) {
		c->truncated = 1;
		return 1;
	}
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 256;
		struct open_ref *nv = cb__reallocarray(c->v, ncap, sizeof(*nv));
		if (nv == NULL) {
			c->nomem = 1;
			return 1;
		}
		c->v = nv;
		c->cap = ncap;
	}
	x = &c->v[c->n++];
	memset(x, 0, sizeof(*x));
	x->id = r->payment_id;
	(void)snprintf(x->order_id, sizeof(x->order_id), "%s", r->order_id);
	(void)snprintf(x->shop, sizeof(x->shop), "%s", r->shop);
	x->st = r->order_status;
	x->has_key = r->reason_key != NULL;
	(void)snprintf(x->key, sizeof(x->key), "%s", r->reason_key ? r->reason_key : "");
	x->defaulted = r->reason_defaulted;
	return 0;
}

/* A shop, read once per dry run: its market and status values. */
struct shop {
	char           name[65];
	char           market[3];
	cb_mkt_config *cfg;      /* NULL: its configuration could not be read */
};

static struct shop *
shop_of(struct shop *shops, size_t *nshops, const char *name, cb_store *st, const char *config,
    const char *const *env)
{
	struct shop *sh;
	char why[256];
	size_t i;

	for (i = 0; i < *nshops; i++)
		if (strcmp(shops[i].name, name) == 0)
			return &shops[i];
	if (*nshops == MAX_SHOPS)
		return NULL;
	sh = &shops[(*nshops)++];
	memset(sh, 0, sizeof(*sh));
	(void)snprintf(sh->name, sizeof(sh->name), "%s", name);
	if (cb_shop_config_find(&sh->cfg, st, config, env, name) == CB_OK &&
	    cb_shop_market_find(sh->market, st, config, env, name, 0, why, sizeof(why)) != CB_OK)
		sh->market[0] = '\0';
	return sh;
}

/* The key the worker would send for @x under @rr, into @key ("" when it
 * fails, with the text in @text). */
static void
judge(const cb_codeset *rr, const struct open_ref *x, const char *value, char *key, size_t keylen,
    char *text, size_t textlen)
{
	const char *k = NULL;
	int defaulted;

	key[0] = text[0] = '\0';
	if (rr == NULL) {
		(void)snprintf(text, textlen, "no reverse reasons are known for the shop's market");
		return;
	}
	if (cb_reason_pick(rr, x->st, value, x->has_key && !x->defaulted ? x->key : NULL, &k, &defaulted, text,
	    textlen) == 0)
		(void)snprintf(key, keylen, "%s", k);
}

static void
judge_all(cb_refund_impact *out, const struct collect *c, const char *market, cb_store *st, const char *config,
    const char *const *env, const cb_codeset *cur, const cb_codeset *next)
{
	struct shop *shops = cb__calloc(MAX_SHOPS, sizeof(*shops));
	size_t i, nshops = 0;

	if (shops == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		const struct open_ref *x = &c->v[i];
		struct shop *sh = shop_of(shops, &nshops, x->shop, st, config, env);
		const char *value;
		char before[128], after[128], tb[512], ta[512];

		if (sh == NULL || sh->cfg == NULL || sh->market[0] == '\0') {
			out->unknown_market++;
			continue;
		}
		if (strcmp(sh->market, market) != 0)
			continue;
		out->open++;
		if ((value = cb_mkt_reason_status(sh->cfg, cb_ord__class_of(x->st))) == NULL)
			continue;	/* not cancellable in its status: the same failure under either */
		judge(cur, x, value, before, sizeof(before), tb, sizeof(tb));
		judge(next, x, value, after, sizeof(after), ta, sizeof(ta));
		if (strcmp(before, after) == 0)
			continue;
		out->changed++;
		if (out->nexamples < CB_IMPACT_EXAMPLES) {
			cb_refund_change *e = &out->examples[out->nexamples++];
			e->payment_id = x->id;
			(void)snprintf(e->order_id, sizeof(e->order_id), "%s", x->order_id);
			(void)snprintf(e->shop, sizeof(e->shop), "%s", x->shop);
			e->order_status = x->st;
			(void)snprintf(e->before, sizeof(e->before), "%s", before);
			(void)snprintf(e->after, sizeof(e->after), "%s", after);
			(void)snprintf(e->after_text, sizeof(e->after_text), "%s", ta);
		}
	}
	for (i = 0; i < nshops; i++)
		cb_mkt_config_free(shops[i].cfg);
	free(shops);
}

int
cb_refund_impact_of(cb_refund_impact *out, cb_store *st, const char *market_config, const char *const *env,
    const cb_codeset *cur, const cb_codeset *next)
{
	struct collect c;
	char market[3];
	int rc;

	memset(out, 0, sizeof(*out));
	if (cb_reason_set_market(market, cb_codeset_name(next)) != 0)
		return CB_OK;	/* not a reverse-reason mirror: no refund depends on it */
	memset(&c, 0, sizeof(c));
	if ((rc = cb_store_refund_open_each(st, CB_IMPACT_MAX_REFUNDS + 1, collect_row, &c)) == CB_OK && c.nomem)
		rc = cb__fail(CB_ENOMEM, "out of memory");
	if (rc == CB_OK) {
		out->truncated = c.truncated;
		judge_all(out, &c, market, st, market_config, env, cur, next);
	}
	free(c.v);
	return rc;
}
