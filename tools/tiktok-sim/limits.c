/* SPDX-License-Identifier: Apache-2.0 */
/*
 * limits.c - what makes the simulator behave like a busy marketplace
 * (issue 12): a rate limit per shop and endpoint family (a bucket of
 * @rate tokens refilled at @rate per second; a request without a token is
 * refused with the marketplace's code 36009002, "too many requests", HTTP
 * 429), a latency added to every reply (a mean with +-50% jitter), and
 * orders whose outcome check (the cancellation search naming them) keeps
 * failing with 36009003 until told otherwise.  Set by --rate-limit and
 * --latency-ms, or at run time by POST /__admin/limits.  The callers hold
 * s->mu, except for sim_latency_ms().
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "cb_limits.h"
#include "market_int.h"

#define CODE_RATE_LIMIT 36009002
#define CODE_INTERNAL   36009003

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct sim_bucket *
bucket(struct sim_limits *l, const char *shop, const char *family)
{
	struct sim_bucket *b;
	size_t i;

	for (i = 0; i < l->nbuckets; i++)
		if (strcmp(l->buckets[i].shop, shop) == 0 && strcmp(l->buckets[i].family, family) == 0)
			return &l->buckets[i];
	if (l->nbuckets == SIM_MAX_BUCKETS)
		return NULL;	/* more shops than a test uses: not limited */
	b = &l->buckets[l->nbuckets++];
	memset(b, 0, sizeof(*b));
	(void)snprintf(b->shop, sizeof(b->shop), "%s", shop);
	(void)snprintf(b->family, sizeof(b->family), "%s", family);
	b->tokens_milli = (int64_t)l->rate * 1000;
	b->last_us = mono_us();
	return b;
}

/* 1 when the request of @shop to @path is over the limit. */
static int
over_limit(struct sim_limits *l, const char *shop, const char *path)
{
	char family[64];
	struct sim_bucket *b;
	int64_t now = mono_us(), cap = (int64_t)l->rate * 1000;

	if (l->rate == 0)
		return 0;
	cb_mkt_path_family(path, family, sizeof(family));
	if ((b = bucket(l, shop, family)) == NULL)
		return 0;
	/* rate tokens per second, in thousandths of a token */
	b->tokens_milli += (now - b->last_us) * (int64_t)l->rate / 1000;
	if (b->tokens_milli > cap)
		b->tokens_milli = cap;
	b->last_us = now;
	if (b->tokens_milli < 1000) {
		b->refused++;
		l->refused++;
		return 1;
	}
	b->tokens_milli -= 1000;
	return 0;
}

static int
failing(const struct sim_limits *l, const char *order_id)
{
	size_t i;

	for (i = 0; i < l->nfailing; i++)
		if (strcmp(l->failing[i], order_id) == 0)
			return 1;
	return 0;
}

/* Does the search in @body name a failing order (by order_ids, or by the
 * cancel_ids of its cancellations)? */
static int
search_fails(struct sim *s, const char *body, size_t len)
{
	cb_json_doc *d = NULL;
	cb_json_error jerr;
	const cb_json_node *a, *n;
	const struct sim_cancel *x;
	int hit = 0;

	if (s->limits.nfailing == 0 || cb_json_parse(&d, body, len, CB_MAX_JSON_DEPTH, &jerr) != 0)
		return 0;
	if ((a = cb_json_get(d, cb_json_root(d), "order_ids")) != NULL && a->type == CB_JSON_ARRAY)
		for (n = cb_json_child(d, a); n != NULL && !hit; n = cb_json_next(d, n))
			hit = n->type == CB_JSON_STRING && failing(&s->limits, n->str);
	if ((a = cb_json_get(d, cb_json_root(d), "cancel_ids")) != NULL && a->type == CB_JSON_ARRAY)
		for (n = cb_json_child(d, a); n != NULL && !hit; n = cb_json_next(d, n))
			hit = n->type == CB_JSON_STRING && (x = sim_cancel_find(s, n->str)) != NULL &&
			    failing(&s->limits, x->order_id);
	cb_json_free(d);
	return hit;
}

int
sim_limits_refuse(struct sim *s, const char *shop, const cb_mkt_endpoint *e, const char *body, size_t len,
    int *http, int64_t *code, const char **msg)
{
	if (over_limit(&s->limits, shop != NULL ? shop : "-", e->path)) {
		*http = 429;
		*code = CODE_RATE_LIMIT;
		*msg = "Too many requests: the shop's rate limit for this API was exceeded";
		return 1;
	}
	if (strcmp(e->path, cb_mkt_endpoint_get(CB_MKT_EP_SEARCH)->path) == 0 && search_fails(s, body, len)) {
		s->limits.failed_checks++;
		*http = 500;
		*code = CODE_INTERNAL;
		*msg = "Internal error, please try again later";
		return 1;
	}
	return 0;
}

unsigned
sim_latency_ms(struct sim *s)
{
	unsigned mean, r = 0;

	pthread_mutex_lock(&s->mu);
	mean = s->limits.latency_ms;
	pthread_mutex_unlock(&s->mu);
	if (mean == 0)
		return 0;
	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (unsigned)mono_us();
	return mean / 2 + r % (mean + 1);	/* mean +- 50%, uniform */
}

/* {"rate": N, "latency_ms": N, "fail_checks": [ORDER...], "pass_checks": [ORDER...]} */
static int
apply(struct sim *s, const char *body, size_t len, const char **why)
{
	cb_json_doc *d = NULL;
	cb_json_error jerr;
	const cb_json_node *r, *lat, *fc, *pc, *n;
	struct sim_limits *l = &s->limits;
	size_t i;
	int rc = -1;

	*why = "expected {\"rate\": 0..100000, \"latency_ms\": 0..60000, \"fail_checks\": [ORDER_ID ...], "
	    "\"pass_checks\": [ORDER_ID ...]}";
	if (cb_json_parse(&d, body, len, CB_MAX_JSON_DEPTH, &jerr) != 0 || cb_json_root(d)->type != CB_JSON_OBJECT)
		goto out;
	r = cb_json_get(d, cb_json_root(d), "rate");
	lat = cb_json_get(d, cb_json_root(d), "latency_ms");
	fc = cb_json_get(d, cb_json_root(d), "fail_checks");
	pc = cb_json_get(d, cb_json_root(d), "pass_checks");
	if ((r != NULL && (r->type != CB_JSON_NUMBER || !r->is_int || r->i < 0 || r->i > 100000)) ||
	    (lat != NULL && (lat->type != CB_JSON_NUMBER || !lat->is_int || lat->i < 0 || lat->i > 60000)) ||
	    (fc != NULL && fc->type != CB_JSON_ARRAY) || (pc != NULL && pc->type != CB_JSON_ARRAY))
		goto out;
	for (n = fc ? cb_json_child(d, fc) : NULL; n != NULL; n = cb_json_next(d, n)) {
		if (n->type != CB_JSON_STRING || n->str_len == 0 || n->str_len >= SIM_ID_MAX ||
		    l->nfailing == SIM_MAX_FAILING) {
			*why = "fail_checks: order ids (strings of 1 to 127 bytes), at most 64 in all";
			goto out;
		}
		if (!failing(l, n->str))
			(void)snprintf(l->failing[l->nfailing++], SIM_ID_MAX, "%s", n->str);
	}
	for (n = pc ? cb_json_child(d, pc) : NULL; n != NULL; n = cb_json_next(d, n))
		for (i = 0; n->type == CB_JSON_STRING && i < l->nfailing; i++)
			if (strcmp(l->failing[i], n->str) == 0) {
				memmove(l->failing[i], l->failing[i + 1], (l->nfailing - i - 1) * SIM_ID_MAX);
				l->nfailing--;
				break;
			}
	if (r != NULL) {
		l->rate = (unsigned)r->i;
		l->nbuckets = 0;	/* full buckets at the new rate */
	}
	if (lat != NULL)
		l->latency_ms = (unsigned)lat->i;
	rc = 0;
out:
	cb_json_free(d);
	return rc;
}

int
sim_limits_admin(struct sim *s, int post, const char *body, size_t len, cb_buf *out)
{
	const char *why;
	size_t i;
	cb_jw w;

	cb_buf_clear(out);
	cb_jw_init(&w, out, 0);
	cb_jw_obj_begin(&w);
	if (post && apply(s, body, len, &why) != 0) {
		cb_jw_kbool(&w, "ok", 0);
		cb_jw_kstr(&w, "error", why);
		cb_jw_obj_end(&w);
		return 400;
	}
	cb_jw_kint(&w, "rate", s->limits.rate);
	cb_jw_kint(&w, "latency_ms", s->limits.latency_ms);
	cb_jw_kint(&w, "rate_limited", (long long)s->limits.refused);
	cb_jw_kint(&w, "failed_checks", (long long)s->limits.failed_checks);
	cb_jw_key(&w, "fail_checks");
	cb_jw_arr_begin(&w);
	for (i = 0; i < s->limits.nfailing; i++)
		cb_jw_str(&w, s->limits.failing[i]);
	cb_jw_arr_end(&w);
	cb_jw_obj_end(&w);
	return 200;
}
