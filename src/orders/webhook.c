/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webhook.c - notifications the marketplace sends (webhook.h): the parser
 * of outside input, the signature check with the shop's app secret, and
 * what each notification changes.  What is done with each type is in
 * docs/marketplace.md ("Webhooks"); the design in docs/internals/orders.md.
 *
 * Applying never needs the order of arrival: an order status is written
 * only when the marketplace stamped it no earlier than the one stored (the
 * store judges it in the write's transaction), and a cancellation changes
 * only a refund that is still open, which it settles through the same
 * lease-guarded transitions as the worker after taking the lease over.
 */
#include "webhook.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "logger.h"
#include "market.h"
#include "rfc3339.h"
#include "shops.h"
#include "json_shim.h"
#include "cb_limits.h"

#define HOOK_LEASE_MS 60000	/* how long a notification holds a refund it settles */

static const char *const outcome_names[] = {
	"applied", "ignored", "duplicate", "malformed", "bad-signature", "stale", "no-secret"
};

const char *
cb_hook_outcome_name(cb_hook_outcome o)
{
	return (unsigned)o < sizeof(outcome_names) / sizeof(outcome_names[0]) ? outcome_names[o] : "unknown";
}

/* ---- reading ------------------------------------------------------------- */

struct rd {
	cb_json_doc *d;
	char        *why;
	size_t       whylen;
};

/* Printable ASCII without spaces: ids travel to the marketplace and into logs. */
static int
id_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/* Member @key of @obj as a string into @out (size @size); @id: an id.
 * 0; 1 when absent and not @required; -1 with @why. */
static int
get_str(struct rd *r, const cb_json_node *obj, const char *where, const char *key, char *out, size_t size,
    int required, int id)
{
	const cb_json_node *n = cb_json_get(r->d, obj, key);

	out[0] = '\0';
	if (n == NULL || n->type == CB_JSON_NULL) {
		if (!required)
			return 1;
		(void)snprintf(r->why, r->whylen, "%s%s is missing", where, key);
		return -1;
	}
	if (id && n->type == CB_JSON_NUMBER && n->is_int && n->i >= 0) {
		(void)snprintf(out, size, "%lld", (long long)n->i);
		return 0;
	}
	if (n->type != CB_JSON_STRING || n->str_len == 0 || n->str_len >= size || strlen(n->str) != n->str_len ||
	    (id && !id_ok(n->str, n->str_len))) {
		(void)snprintf(r->why, r->whylen, "%s%s: expected %s of 1 to %zu bytes", where, key,
		    id ? "an id (printable characters, no spaces)" : "a string", size - 1);
		return -1;
	}
	memcpy(out, n->str, n->str_len + 1);
	return 0;
}

static int
get_int(struct rd *r, const cb_json_node *obj, const char *where, const char *key, int64_t *out, int required)
{
	const cb_json_node *n = cb_json_get(r->d, obj, key);

	*out = 0;
	if (n == NULL && !required)
		return 1;
	if (n == NULL || n->type != CB_JSON_NUMBER || !n->is_int || n->i < 0) {
		(void)snprintf(r->why, r->whylen, "%s%s: expected a whole number of at least 0", where, key);
		return -1;
	}
	*out = n->i;
	return 0;
}

static int
parse_data(struct rd *r, cb_hook *h, const cb_json_node *data)
{
	if (h->type == CB_HOOK_ORDER_STATUS)
		return get_str(r, data, "data.", "order_id", h->order_id, sizeof(h->order_id), 1, 1) < 0 ||
		    get_str(r, data, "data.", "order_status", h->order_status, sizeof(h->order_status), 1, 1) < 0 ||
		    get_int(r, data, "data.", "update_time", &h->update_time, 0) < 0 ? -1 : 0;
	if (h->type == CB_HOOK_CANCELLATION)
		return get_str(r, data, "data.", "order_id", h->order_id, sizeof(h->order_id), 1, 1) < 0 ||
		    get_str(r, data, "data.", "cancellation_id", h->cancellation_id, sizeof(h->cancellation_id), 0,
		    1) < 0 ||
		    get_str(r, data, "data.", "cancellation_status", h->cancellation_status,
		    sizeof(h->cancellation_status), 1, 1) < 0 ||
		    get_str(r, data, "data.", "cancel_reason", h->cancel_reason, sizeof(h->cancel_reason), 0, 0) < 0 ||
		    get_str(r, data, "data.", "cancel_user", h->cancel_user, sizeof(h->cancel_user), 0, 1) < 0 ||
		    get_int(r, data, "data.", "update_time", &h->update_time, 0) < 0 ? -1 : 0;
	return 0;	/* a type codebook does not act on: stored as it came */
}

int
cb_hook_parse(cb_hook *out, const char *body, size_t len, char *why, size_t whylen)
{
	struct rd r = { NULL, why, whylen };
	cb_json_error jerr;
	const cb_json_node *root, *data;
	int rc = CB_EPARSE;

	memset(out, 0, sizeof(*out));
	if (whylen > 0)
		why[0] = '\0';
	if (body == NULL || len > CB_MKT_MAX_WEBHOOK_BODY) {
		(void)snprintf(why, whylen, "the body is empty or larger than %u bytes", CB_MKT_MAX_WEBHOOK_BODY);
		return CB_EPARSE;
	}
	if (cb_json_parse(&r.d, body, len, CB_MAX_JSON_DEPTH, &jerr) != 0) {
		(void)snprintf(why, whylen, "not JSON: %s at byte %zu", jerr.message, jerr.offset);
		goto out;
	}
	root = cb_json_root(r.d);
	if (root->type != CB_JSON_OBJECT) {
		(void)snprintf(why, whylen, "expected an object, found %s", cb_json_type_name(root->type));
		goto out;
	}
	if (get_int(&r, root, "", "type", &out->type, 1) < 0 ||
	    get_str(&r, root, "", "tts_notification_id", out->id, sizeof(out->id), 1, 1) < 0 ||
	    get_str(&r, root, "", "shop_id", out->shop_id, sizeof(out->shop_id), 1, 1) < 0 ||
	    get_int(&r, root, "", "timestamp", &out->timestamp, 1) < 0)
		goto out;
	data = cb_json_get(r.d, root, "data");
	if (data == NULL || data->type != CB_JSON_OBJECT) {
		(void)snprintf(why, whylen, "data: expected an object");
		goto out;
	}
	if (parse_data(&r, out, data) == 0)
		rc = CB_OK;
out:
	cb_json_free(r.d);
	return rc;
}

/* ---- the app secret (the seam to the shops' credentials) ----------------- */

/*
 * The app key and secret that sign shop @shop_id's notifications: those
 * of the database's shop whose shop_id or shop_cipher is @shop_id
 * (shops.h), else of the file's [shop NAME] section whose shop_id is
 * @shop_id, else the file's top.  The only place that reads credentials
 * for notifications.  0, or -1 when none is configured (@why says why).
 */
static int
hook_app_secret(const cb_hook_opts *o, const char *shop_id, cb_mkt_config **out, char *why, size_t whylen)
{
	char names[64][65];
	size_t n = 0, i;
	cb_mkt_config *cfg = NULL;
	int rc;

	*out = NULL;
	if (o->store != NULL && (rc = cb_shop_hook_config(&cfg, o->store, shop_id)) != CB_ENOTFOUND) {
		if (rc != CB_OK) {
			(void)snprintf(why, whylen, "the stored shops cannot be read: %s", cb_errmsg());
			return -1;
		}
	} else if (o->market_config == NULL) {
		(void)snprintf(why, whylen, "no shop of the database has shop_id or shop_cipher %s, and there is no "
		    "marketplace configuration (--market-config FILE): the notification cannot be checked", shop_id);
		return -1;
	} else if (cb_mkt_config_shop_names(names, 64, &n, o->market_config) != CB_OK)
		n = 0;
	for (i = 0; cfg == NULL && i < n; i++) {
		if (cb_mkt_config_load(&cfg, o->market_config, names[i], o->market_env) != CB_OK)
			continue;
		if (cfg->shop_id != NULL && strcmp(cfg->shop_id, shop_id) == 0)
			break;
		cb_mkt_config_free(cfg);
		cfg = NULL;
	}
	if (cfg == NULL && cb_mkt_config_load(&cfg, o->market_config, NULL, o->market_env) != CB_OK) {
		(void)snprintf(why, whylen, "the marketplace configuration cannot be read: %s", cb_errmsg());
		return -1;
	}
	if (cfg->app_key == NULL || cfg->app_secret == NULL) {
		(void)snprintf(why, whylen, "no app_key and app_secret are configured for shop %s", shop_id);
		cb_mkt_config_free(cfg);
		return -1;
	}
	*out = cfg;
	return 0;
}

/* ---- applying ------------------------------------------------------------ */

struct apply {
	const cb_hook_opts *o;
	const cb_hook      *h;
	cb_hook_result     *res;
	char                owner[CB_HOOK_ID_MAX + 16];
};

static void
note(struct apply *a, cb_hook_outcome oc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
note(struct apply *a, cb_hook_outcome oc, const char *fmt, ...)
{
	va_list ap;

	a->res->outcome = oc;
	va_start(ap, fmt);
	(void)vsnprintf(a->res->detail, sizeof(a->res->detail), fmt, ap);
	va_end(ap);
}

static int
is_open_refund(const cb_ord_payment *p)
{
	return p->type == CB_PAY_REFUND && p->by_marketplace &&
	    (p->status == CB_PAY_PENDING || p->status == CB_PAY_PROCESSING || p->status == CB_PAY_UNKNOWN);
}

/* Fail the open refunds of @o that sent no cancel (the order is cancelled
 * on the marketplace's side: there is nothing left to send); those whose
 * cancel may be out are left to the worker, whose search settles them.
 * The number failed, or a negative storage error. */
static int
fail_unsent(struct apply *a, const cb_order *o, const char *text)
{
	size_t i;
	int n = 0, rc;

	for (i = 0; i < o->npayments; i++) {
		const cb_ord_payment *p = &o->payments[i];
		if (!is_open_refund(p) || p->cancel_state != CB_CANCEL_NONE)
			continue;
		rc = cb_store_pay_seize(a->o->store, p->id, a->owner, cb_time_now_ms() + HOOK_LEASE_MS);
		if (rc == CB_OK)
			rc = cb_store_pay_fail(a->o->store, p->id, a->owner, text, "ORDER_CANCELLED", NULL, NULL,
			    p->reason_defaulted);
		if (rc == CB_ENOTFOUND)
			continue;	/* settled meanwhile */
		if (rc != CB_OK)
			return rc;
		n++;
	}
	return n;
}

/* The order is cancelled on the marketplace's side (@by says by whom):
 * Cancelled here (unless a newer status is stored), and then, only when it
 * is Cancelled here, its unsent refunds failed with @text. */
static int
order_cancelled(struct apply *a, const char *by, const char *text)
{
	cb_ord_mkt_status u = { CB_ORD_CANCELLED, "CANCELLED", a->h->update_time, cb_time_now_ms() };
	cb_order_rec *rec = NULL;
	int applied = 0, rc, n;

	if ((rc = cb_store_order_mkt_status(a->o->store, a->h->order_id, &u, &applied)) == CB_ENOTFOUND) {
		note(a, CB_HOOK_IGNORED, "no order %s in codebook", a->h->order_id);
		return CB_OK;
	}
	if (rc != CB_OK || (rc = cb_store_order_get(a->o->store, a->h->order_id, 0, &rec)) != CB_OK)
		return rc;
	if (cb_order_rec_get(rec)->status != CB_ORD_CANCELLED) {
		cb_order_rec_free(rec);
		note(a, CB_HOOK_IGNORED, "order %s: a newer status than this cancellation is stored", a->h->order_id);
		return CB_OK;
	}
	if ((n = fail_unsent(a, cb_order_rec_get(rec), text)) < 0) {
		cb_order_rec_free(rec);
		return n;
	}
	cb_order_rec_free(rec);
	if (!applied && n == 0)
		note(a, CB_HOOK_IGNORED, "order %s: a status at least as new is stored, or it is Cancelled already",
		    a->h->order_id);
	else
		note(a, CB_HOOK_APPLIED, "order %s cancelled on TikTok Shop by %s: Cancelled here; %d refund%s not "
		    "sent ended in Error", a->h->order_id, by, n, n == 1 ? "" : "s");
	return CB_OK;
}

static int
apply_order_status(struct apply *a)
{
	const cb_mkt_status *st = cb_mkt_status_find(a->h->order_status, strlen(a->h->order_status));
	cb_ord_mkt_status u;
	char text[512];
	int applied = 0, rc;

	if (st == NULL) {
		note(a, CB_HOOK_IGNORED, "order status %s is not one codebook knows", a->h->order_status);
		return CB_OK;
	}
	if (st->cls == CB_MKT_CLASS_CANCELLED) {
		(void)snprintf(text, sizeof(text), "TikTok Shop lists order %s as CANCELLED (a cancellation codebook "
		    "did not send): this refund was not sent.", a->h->order_id);
		return order_cancelled(a, "the marketplace", text);
	}
	u = (cb_ord_mkt_status){ (cb_ord_status)st->cls, st->name, a->h->update_time, cb_time_now_ms() };
	if ((rc = cb_store_order_mkt_status(a->o->store, a->h->order_id, &u, &applied)) == CB_ENOTFOUND) {
		note(a, CB_HOOK_IGNORED, "no order %s in codebook", a->h->order_id);
		return CB_OK;
	}
	if (rc != CB_OK)
		return rc;
	if (applied)
		note(a, CB_HOOK_APPLIED, "order %s: status %s (%s)", a->h->order_id, st->name,
		    cb_ord_status_name((cb_ord_status)st->cls));
	else
		note(a, CB_HOOK_IGNORED, "order %s: a status at least as new is stored, or it is Cancelled",
		    a->h->order_id);
	return CB_OK;
}

/* The open refund of @o whose cancel this cancellation is: its cancel_id,
 * or a cancel sent whose id is not known yet; NULL when none. */
static const cb_ord_payment *
our_refund(const cb_order *o, const char *cancellation_id)
{
	size_t i;

	for (i = 0; i < o->npayments; i++) {
		const cb_ord_payment *p = &o->payments[i];
		if (!is_open_refund(p) || p->cancel_state == CB_CANCEL_NONE)
			continue;
		if (p->transaction_id == NULL || cancellation_id[0] == '\0' ||
		    strcmp(p->transaction_id, cancellation_id) == 0)
			return p;
	}
	return NULL;
}

/* Settle our refund @p as the marketplace decided (@state). */
static int
settle_ours(struct apply *a, const cb_ord_payment *p, cb_mkt_cancel_state state)
{
	const char *cid = a->h->cancellation_id[0] ? a->h->cancellation_id : p->transaction_id;
	char text[512];
	int rc;

	if (state == CB_MKT_CANCEL_PENDING || cid == NULL) {
		note(a, CB_HOOK_IGNORED, "refund %lld: cancellation %s is %s; the worker keeps asking", (long long)p->id,
		    a->h->cancellation_id, a->h->cancellation_status);
		return CB_OK;
	}
	if ((rc = cb_store_pay_seize(a->o->store, p->id, a->owner, cb_time_now_ms() + HOOK_LEASE_MS)) == CB_OK) {
		if (state == CB_MKT_CANCEL_REFUSED) {
			(void)snprintf(text, sizeof(text), "TikTok Shop refused the cancellation (cancel_id %s, %s).", cid,
			    a->h->cancellation_status);
			rc = cb_store_pay_fail(a->o->store, p->id, a->owner, text, a->h->cancellation_status, NULL, NULL,
			    p->reason_defaulted);
		} else
			rc = cb_store_pay_complete(a->o->store, p->id, a->owner, cid, NULL);
	}
	if (rc == CB_ENOTFOUND) {
		note(a, CB_HOOK_IGNORED, "refund %lld was settled meanwhile", (long long)p->id);
		return CB_OK;
	}
	if (rc != CB_OK)
		return rc;
	note(a, CB_HOOK_APPLIED, "refund %lld %s: cancellation %s is %s", (long long)p->id,
	    state == CB_MKT_CANCEL_REFUSED ? "ended in Error" : "completed", cid, a->h->cancellation_status);
	return CB_OK;
}

static int
apply_cancellation(struct apply *a)
{
	cb_mkt_cancel_state state = cb_mkt_cancel_state_parse(a->h->cancellation_status);
	const cb_ord_payment *p;
	cb_order_rec *rec = NULL;
	char text[768], by[48];
	int rc;

	if (state == CB_MKT_CANCEL_UNKNOWN) {
		note(a, CB_HOOK_IGNORED, "cancellation status %s is not one codebook knows", a->h->cancellation_status);
		return CB_OK;
	}
	if ((rc = cb_store_order_get(a->o->store, a->h->order_id, 0, &rec)) == CB_ENOTFOUND) {
		note(a, CB_HOOK_IGNORED, "no order %s in codebook", a->h->order_id);
		return CB_OK;
	}
	if (rc != CB_OK)
		return rc;
	p = our_refund(cb_order_rec_get(rec), a->h->cancellation_id);
	if (p != NULL) {
		rc = settle_ours(a, p, state);
		cb_order_rec_free(rec);
		return rc;
	}
	cb_order_rec_free(rec);
	if (state != CB_MKT_CANCEL_SUCCESS && state != CB_MKT_CANCEL_COMPLETE) {
		note(a, CB_HOOK_IGNORED, "order %s: cancellation %s is %s; nothing to change", a->h->order_id,
		    a->h->cancellation_id, a->h->cancellation_status);
		return CB_OK;
	}
	(void)snprintf(by, sizeof(by), "%s", strcmp(a->h->cancel_user, "BUYER") == 0 ? "the buyer" :
	    strcmp(a->h->cancel_user, "SYSTEM") == 0 ? "the platform" : a->h->cancel_user[0] ? a->h->cancel_user :
	    "the marketplace");
	(void)snprintf(text, sizeof(text), "The order was cancelled on TikTok Shop by %s (cancellation %s%s%s), so "
	    "this refund was not sent.", by, a->h->cancellation_id[0] ? a->h->cancellation_id : "without an id",
	    a->h->cancel_reason[0] ? ", reason " : "", a->h->cancel_reason);
	return order_cancelled(a, by, text);
}

/* ---- receiving ------------------------------------------------------------ */

static void
hook_log(const cb_hook_result *res)
{
	cb_log_line l;

	cb_log_begin(&l, res->outcome <= CB_HOOK_DUPLICATE ? CB_LOG_INFO : CB_LOG_WARN, "marketplace notification");
	cb_jw_kstr(&l.w, "component", "webhooks");
	cb_jw_kstr(&l.w, "outcome", cb_hook_outcome_name(res->outcome));
	if (res->hook.id[0] != '\0') {
		cb_jw_kstr(&l.w, "notification_id", res->hook.id);
		cb_jw_kint(&l.w, "type", res->hook.type);
	}
	cb_jw_kstr(&l.w, "detail", res->detail);
	cb_log_end(&l);
}

/* Read and check: 0 to go on, 1 when @res says why not. */
static int
check(cb_hook_result *res, const cb_hook_opts *o, const char *authorization, const char *body, size_t len)
{
	cb_mkt_config *cfg = NULL;
	int ok;

	if (cb_hook_parse(&res->hook, body, len, res->detail, sizeof(res->detail)) != CB_OK) {
		res->outcome = CB_HOOK_MALFORMED;
		return 1;
	}
	if (hook_app_secret(o, res->hook.shop_id, &cfg, res->detail, sizeof(res->detail)) != 0) {
		res->outcome = CB_HOOK_NO_SECRET;
		return 1;
	}
	ok = cb_mkt_webhook_verify(cfg->app_key, cfg->app_secret, body, len, authorization);
	cb_mkt_config_free(cfg);
	if (!ok) {
		res->outcome = CB_HOOK_BAD_SIGNATURE;
		(void)snprintf(res->detail, sizeof(res->detail), "%s", authorization == NULL ? "no Authorization "
		    "header: a notification is signed (HMAC-SHA256 of app_key + body, keyed with the app secret)" :
		    "the Authorization header is not the notification's signature (HMAC-SHA256 of app_key + body, "
		    "keyed with the app secret)");
		return 1;
	}
	if (res->hook.timestamp + CB_HOOK_MAX_SKEW_S < o->now_s || res->hook.timestamp > o->now_s + CB_HOOK_MAX_SKEW_S) {
		res->outcome = CB_HOOK_STALE;
		(void)snprintf(res->detail, sizeof(res->detail), "timestamp %lld is more than %d seconds from now (%lld):"
		    " a replayed or delayed notification", (long long)res->hook.timestamp, CB_HOOK_MAX_SKEW_S,
		    (long long)o->now_s);
		return 1;
	}
	return 0;
}

int
cb_hook_receive(cb_hook_result *res, const cb_hook_opts *o, const char *authorization, const char *body,
    size_t len)
{
	struct apply a;
	cb_store_hook sh;
	int rc;

	if (res == NULL || o == NULL || o->store == NULL || (body == NULL && len > 0))
		return cb__fail(CB_EINVAL, "cb_hook_receive: NULL argument");
	memset(res, 0, sizeof(*res));
	if (check(res, o, authorization, body, len) != 0)
		goto done;
	if ((rc = cb_store_hook_seen(o->store, res->hook.id)) == CB_OK) {
		res->outcome = CB_HOOK_DUPLICATE;
		(void)snprintf(res->detail, sizeof(res->detail), "notification %s was received before", res->hook.id);
		goto done;
	}
	if (rc != CB_ENOTFOUND)
		return rc;
	memset(&a, 0, sizeof(a));
	a.o = o;
	a.h = &res->hook;
	a.res = res;
	(void)snprintf(a.owner, sizeof(a.owner), "webhook:%s", res->hook.id);
	if (res->hook.type == CB_HOOK_ORDER_STATUS)
		rc = apply_order_status(&a);
	else if (res->hook.type == CB_HOOK_CANCELLATION)
		rc = apply_cancellation(&a);
	else {
		note(&a, CB_HOOK_IGNORED, "type %lld is not one codebook acts on (1: order status, 11: cancellation)",
		    (long long)res->hook.type);
		rc = CB_OK;
	}
	if (rc != CB_OK)
		return rc;
	sh = (cb_store_hook){ res->hook.id, res->hook.type, res->hook.shop_id,
		res->hook.order_id[0] ? res->hook.order_id : NULL, res->hook.timestamp, body, len,
		res->outcome == CB_HOOK_APPLIED ? "applied" : "ignored", res->detail };
	if ((rc = cb_store_hook_put(o->store, &sh)) == CB_ECONFLICT) {
		res->outcome = CB_HOOK_DUPLICATE;	/* a concurrent delivery stored it first */
		(void)snprintf(res->detail, sizeof(res->detail), "notification %s was received before", res->hook.id);
	} else if (rc != CB_OK)
		return rc;
done:
	hook_log(res);
	return CB_OK;
}
