/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webhooks.c - the simulator's notifications (docs/marketplace.md,
 * "Webhooks"): when an order's status or a cancellation changes, a
 * notification signed as TikTok Shop signs them (Authorization: hex
 * HMAC-SHA256 of app_key + body, keyed with the app secret) is queued and
 * a thread of its own POSTs it to the configured URL, retrying a delivery
 * that is not answered 2xx a few times, as the marketplace does.  Nothing
 * is sent until a URL is configured (POST /__admin/webhooks).
 *
 * Admin routes: GET|POST /__admin/webhooks (the URL, the counts),
 * POST /__admin/order-status (change an order's status, with or without a
 * notification: "ship it behind codebook's back"), POST
 * /__admin/buyer-cancel (the buyer or the platform cancels an order).
 */
#include "sim.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "alloc.h"
#include "cb_limits.h"
#include "shim/json_shim.h"

#define HOOK_QUEUE_MAX 10000
#define HOOK_TRIES     3
#define HOOK_URL_MAX   512

struct sim_hooks {
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	pthread_t       thread;
	int             running, stop;
	char            url[HOOK_URL_MAX];
	char          **queue;          /* bodies, FIFO */
	size_t          head, n, cap;
	unsigned long   queued, delivered, failed;
	long            last_status;
	char           *app_key, *secret;
	char            shop_id[SIM_ID_MAX];
	uint64_t        seq;            /* notification ids: apart from the simulator's own ids,
	                                 * which stay as they were without notifications */
};

/* Is a URL configured?  Nothing is built otherwise. */
static int
hooks_on(struct sim *s)
{
	int on;

	if (s->hooks == NULL)
		return 0;
	pthread_mutex_lock(&s->hooks->mu);
	on = s->hooks->url[0] != '\0';
	pthread_mutex_unlock(&s->hooks->mu);
	return on;
}

/* ---- the sender ------------------------------------------------------------ */

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* POST @body to @url, signed; the HTTP status (0: no answer). */
static long
deliver(struct sim_hooks *h, const char *url, const char *body)
{
	char sig[CB_MKT_SIGN_HEX + 1], auth[CB_MKT_SIGN_HEX + 32];
	struct curl_slist *hdrs = NULL;
	CURL *c;
	long status = 0;

	if (cb_mkt_webhook_sign(sig, h->app_key, h->secret, body, strlen(body)) != 0 || (c = curl_easy_init()) == NULL)
		return 0;
	(void)snprintf(auth, sizeof(auth), "Authorization: %s", sig);
	hdrs = curl_slist_append(hdrs, auth);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return status;
}

static void *
sender(void *arg)
{
	struct sim_hooks *h = arg;
	char url[HOOK_URL_MAX], *body;
	long status = 0;
	int i;

	pthread_mutex_lock(&h->mu);
	while (!h->stop) {
		if (h->n == 0) {
			pthread_cond_wait(&h->cv, &h->mu);
			continue;
		}
		body = h->queue[h->head];
		h->head = (h->head + 1) % h->cap;
		h->n--;
		(void)snprintf(url, sizeof(url), "%s", h->url);
		pthread_mutex_unlock(&h->mu);
		for (i = 0; i < HOOK_TRIES && url[0] != '\0'; i++) {
			if ((status = deliver(h, url, body)) >= 200 && status < 300)
				break;
			nanosleep(&(struct timespec){ 0, 200000000L }, NULL);
		}
		free(body);
		pthread_mutex_lock(&h->mu);
		h->last_status = status;
		if (status >= 200 && status < 300)
			h->delivered++;
		else
			h->failed++;
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

int
sim_hooks_start(struct sim *s)
{
	struct sim_hooks *h;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (h = cb__calloc(1, sizeof(*h))) == NULL)
		return -1;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	h->app_key = cb__strdup(s->cfg->app_key);
	h->secret = cb__strdup(s->cfg->app_secret);
	(void)snprintf(h->shop_id, sizeof(h->shop_id), "%s", s->cfg->shop_id != NULL ? s->cfg->shop_id :
	    "7494049642642441621");
	if (h->app_key == NULL || h->secret == NULL || pthread_create(&h->thread, NULL, sender, h) != 0) {
		free(h->app_key);
		free(h->secret);
		free(h);
		return -1;
	}
	h->running = 1;
	s->hooks = h;
	return 0;
}

void
sim_hooks_stop(struct sim *s)
{
	struct sim_hooks *h = s->hooks;

	if (h == NULL)
		return;
	pthread_mutex_lock(&h->mu);
	h->stop = 1;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	if (h->running)
		pthread_join(h->thread, NULL);
	while (h->n > 0) {
		free(h->queue[h->head]);
		h->head = (h->head + 1) % h->cap;
		h->n--;
	}
	free(h->queue);
	free(h->app_key);
	free(h->secret);
	free(h);
	s->hooks = NULL;
}

/* Queue @body (taken over); dropped when no URL is configured or the queue is full. */
static void
enqueue(struct sim_hooks *h, char *body)
{
	pthread_mutex_lock(&h->mu);
	if (h->url[0] == '\0' || h->n == HOOK_QUEUE_MAX) {
		pthread_mutex_unlock(&h->mu);
		free(body);
		return;
	}
	if (h->n == h->cap) {
		size_t ncap = h->cap ? h->cap * 2 : 64, i;
		char **nq = cb__reallocarray(NULL, ncap, sizeof(*nq));
		if (nq == NULL) {
			pthread_mutex_unlock(&h->mu);
			free(body);
			return;
		}
		for (i = 0; i < h->n; i++)
			nq[i] = h->queue[(h->head + i) % h->cap];
		free(h->queue);
		h->queue = nq;
		h->cap = ncap;
		h->head = 0;
	}
	h->queue[(h->head + h->n) % h->cap] = body;
	h->n++;
	h->queued++;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

/* The envelope of a notification of @type; the caller writes data's members. */
static void
hook_begin(struct sim *s, cb_jw *w, cb_buf *b, int type, int64_t now)
{
	char id[48];

	(void)snprintf(id, sizeof(id), "7%018" PRIu64, ++s->hooks->seq);
	cb_jw_init(w, b, 0);
	cb_jw_obj_begin(w);
	cb_jw_kint(w, "type", type);
	cb_jw_kstr(w, "tts_notification_id", id);
	cb_jw_kstr(w, "shop_id", s->hooks->shop_id);
	cb_jw_kint(w, "timestamp", now);
	cb_jw_key(w, "data");
	cb_jw_obj_begin(w);
}

static void
hook_end(struct sim *s, cb_jw *w, cb_buf *b)
{
	cb_jw_obj_end(w);
	cb_jw_obj_end(w);
	if (b->failed || cb_buf_addc(b, '\0') != 0) {
		cb_buf_reset(b);
		return;
	}
	enqueue(s->hooks, cb_buf_detach(b, NULL));
}

void
sim_hook_order(struct sim *s, const struct sim_order *o, int64_t now)
{
	cb_buf b = CB_BUF_INIT(64u << 10);
	cb_jw w;

	if (!hooks_on(s))
		return;
	hook_begin(s, &w, &b, 1, now);
	cb_jw_kstr(&w, "order_id", o->id);
	cb_jw_kstr(&w, "order_status", o->status);
	cb_jw_kint(&w, "update_time", o->update_time);
	hook_end(s, &w, &b);
}

void
sim_hook_cancel(struct sim *s, const struct sim_cancel *c, const char *user, int64_t now)
{
	cb_buf b = CB_BUF_INIT(64u << 10);
	cb_jw w;

	if (!hooks_on(s))
		return;
	hook_begin(s, &w, &b, 11, now);
	cb_jw_kstr(&w, "order_id", c->order_id);
	cb_jw_kstr(&w, "cancellation_id", c->cancel_id);
	cb_jw_kstr(&w, "cancellation_status", cb_mkt_cancel_status(c->state));
	cb_jw_kstr(&w, "cancel_reason", c->reason);
	cb_jw_kstr(&w, "cancel_user", user);
	cb_jw_kint(&w, "update_time", c->update_time);
	hook_end(s, &w, &b);
}

/* ---- admin ------------------------------------------------------------------ */

static void
reply(cb_buf *out, int *status, int code, const char *error)
{
	cb_jw w;

	cb_buf_clear(out);
	*status = code;
	cb_jw_init(&w, out, 0);
	cb_jw_obj_begin(&w);
	cb_jw_kbool(&w, "ok", error == NULL);
	if (error != NULL)
		cb_jw_kstr(&w, "error", error);
	cb_jw_obj_end(&w);
}

/* String member @key of the body's object, or NULL. */
static const char *
member(cb_json_doc *d, const char *key, size_t max)
{
	const cb_json_node *n = d ? cb_json_get(d, cb_json_root(d), key) : NULL;

	return n != NULL && n->type == CB_JSON_STRING && n->str_len > 0 && n->str_len <= max &&
	    strlen(n->str) == n->str_len ? n->str : NULL;
}

static void
admin_webhooks(struct sim *s, int post, cb_json_doc *d, cb_buf *out, int *status)
{
	struct sim_hooks *h = s->hooks;
	const char *url;
	cb_jw w;

	if (post) {
		url = member(d, "url", HOOK_URL_MAX - 1);
		if (url == NULL || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
			reply(out, status, 400, "expected {\"url\": \"http://HOST:PORT/PATH\"}");
			return;
		}
	}
	pthread_mutex_lock(&h->mu);
	if (post)
		(void)snprintf(h->url, sizeof(h->url), "%s", url);
	cb_buf_clear(out);
	*status = 200;
	cb_jw_init(&w, out, 0);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "url", h->url);
	cb_jw_kint(&w, "queued", (long long)h->queued);
	cb_jw_kint(&w, "waiting", (long long)h->n);
	cb_jw_kint(&w, "delivered", (long long)h->delivered);
	cb_jw_kint(&w, "failed", (long long)h->failed);
	cb_jw_kint(&w, "last_status", h->last_status);
	cb_jw_obj_end(&w);
	pthread_mutex_unlock(&h->mu);
}

/* {"order_id", "status", "notify": true}: the order's status changes on the
 * marketplace (shipped, delivered ...), notified or not. */
static void
admin_order_status(struct sim *s, cb_json_doc *d, int64_t now, cb_buf *out, int *status)
{
	const char *oid = member(d, "order_id", SIM_ID_MAX - 1), *st = member(d, "status", SIM_STATUS_MAX - 1);
	const cb_json_node *n = d ? cb_json_get(d, cb_json_root(d), "notify") : NULL;
	struct sim_order *o;

	if (oid == NULL || st == NULL || cb_mkt_status_find(st, strlen(st)) == NULL ||
	    (n != NULL && n->type != CB_JSON_BOOL)) {
		reply(out, status, 400, "expected {\"order_id\": ID, \"status\": AWAITING_SHIPMENT|IN_TRANSIT|..., "
		    "\"notify\": true|false}");
		return;
	}
	if ((o = sim_order_find(s, oid)) == NULL) {
		reply(out, status, 404, "no such order");
		return;
	}
	(void)snprintf(o->status, sizeof(o->status), "%s", st);
	o->update_time = now;
	if (n == NULL || n->b)
		sim_hook_order(s, o, now);
	reply(out, status, 200, NULL);
}

/* {"order_id", "cancel_reason", "cancel_user": "BUYER"|"SYSTEM"}: the buyer
 * or the platform cancels the order; notified. */
static void
admin_buyer_cancel(struct sim *s, cb_json_doc *d, int64_t now, cb_buf *out, int *status)
{
	const char *oid = member(d, "order_id", SIM_ID_MAX - 1), *why = member(d, "cancel_reason", 255);
	const char *user = member(d, "cancel_user", 16);
	struct sim_order *o;
	struct sim_cancel *x;

	if (oid == NULL || (user != NULL && strcmp(user, "BUYER") != 0 && strcmp(user, "SYSTEM") != 0)) {
		reply(out, status, 400, "expected {\"order_id\": ID, \"cancel_reason\": TEXT, \"cancel_user\": "
		    "\"BUYER\"|\"SYSTEM\"}");
		return;
	}
	if ((o = sim_order_find(s, oid)) == NULL) {
		reply(out, status, 404, "no such order");
		return;
	}
	if ((x = sim_cancel_add(s, o->id, CB_MKT_CANCEL_COMPLETE, why ? why : "buyer_cancel", 0, now)) == NULL) {
		reply(out, status, 500, "out of memory");
		return;
	}
	sim_order_cancelled(o, now);
	sim_hook_cancel(s, x, user ? user : "BUYER", now);
	sim_hook_order(s, o, now);
	reply(out, status, 200, NULL);
}

int
sim_hooks_admin(struct sim *s, const char *sub, const char *method, const char *body, size_t len, int64_t now,
    cb_buf *out, int *status)
{
	int post = strcmp(method, "POST") == 0, get = strcmp(method, "GET") == 0;
	cb_json_doc *d = NULL;
	cb_json_error jerr;

	if (!((strcmp(sub, "/webhooks") == 0 && (get || post)) || (strcmp(sub, "/order-status") == 0 && post) ||
	    (strcmp(sub, "/buyer-cancel") == 0 && post)))
		return 0;
	if (s->hooks == NULL) {
		reply(out, status, 503, "the notification sender did not start");
		return 1;
	}
	if (post && (cb_json_parse(&d, body, len, CB_MAX_JSON_DEPTH, &jerr) != 0 ||
	    cb_json_root(d)->type != CB_JSON_OBJECT)) {
		reply(out, status, 400, "expected a JSON object");
		cb_json_free(d);
		return 1;
	}
	if (strcmp(sub, "/webhooks") == 0)
		admin_webhooks(s, post, d, out, status);
	else if (strcmp(sub, "/order-status") == 0)
		admin_order_status(s, d, now, out, status);
	else
		admin_buyer_cancel(s, d, now, out, status);
	cb_json_free(d);
	return 1;
}
