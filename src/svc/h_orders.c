/* SPDX-License-Identifier: Apache-2.0 */
/*
 * h_orders.c - orders and cancellations (seed 003): import an order as the
 * marketplace has it, read it with its items, payments and refund rows,
 * list orders, request a cancellation (a Pending refund that the worker
 * processes), and mirror the marketplace's reverse reasons as a new
 * version of tiktok-reverse-reason through the governance gate.
 *
 * Each handler is an adapter: it reads the request, calls the orders
 * domain (src/orders: the documents, the cancellation's rules, the sync)
 * and renders what came back as JSON or a problem.  The rules are the
 * domain's; what is HTTP (status codes, problem types, where in the body a
 * fault is, the governance gate of the sets served) is here.
 */
#include "svc_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cancel.h"
#include "cb_limits.h"
#include "doc.h"
#include "ident.h"
#include "items.h"
#include "order_rules.h"
#include "orders.h"
#include "sync.h"
#include "utf8.h"
#include "view.h"

/* ---- responses ------------------------------------------------------------ */

static int
by_offset(const void *a, const void *b)
{
	const cb_ofault *x = a, *y = b;

	return (x->offset > y->offset) - (x->offset < y->offset);
}

/* The problem a fault of the domain's documents is. */
static enum svc_problem
fault_problem(cb_ofault_class cls)
{
	switch (cls) {
	case CB_OFAULT_SYNTAX: return P_MALFORMED_JSON;
	case CB_OFAULT_SHAPE: return P_INVALID_REQUEST;
	case CB_OFAULT_VALUE:
	case CB_OFAULT_NONE:
		break;
	}
	return P_INVALID_ORDER;
}

/* One entry of a problem's "errors". */
static void
write_fault(cb_jw *w, const cb_ofault *f, const char *body, size_t len)
{
	unsigned line, col;

	cb_jw_obj_begin(w);
	cb_jw_kstr(w, "pointer", f->pointer);
	cb_jw_kstr(w, "problem", svc_problem_info(fault_problem(f->cls))->name);
	cb_jw_kstr(w, "message", f->message);
	if (f->offset >= 0 && body != NULL && (size_t)f->offset <= len) {
		cb_text_position(body, len, (size_t)f->offset, &line, &col);
		cb_jw_kint(w, "offset", f->offset);
		cb_jw_kint(w, "line", line);
		cb_jw_kint(w, "column", col);
	}
	cb_jw_obj_end(w);
}

/* Answer the faults of an order or refund document, in the order they
 * appear in it (the first one is named in "detail" and "pointer"); a
 * document unusable as a whole gets that one fault's problem. */
static void
respond_faults(struct svc_req *r, const cb_ofault *whole, cb_ofaults *e, const char *body, size_t len)
{
	enum svc_problem p = P_INVALID_ORDER;
	struct svc_fault f;
	size_t i;
	cb_jw w;

	if (whole->cls != CB_OFAULT_NONE) {
		memset(&f, 0, sizeof(f));
		svc_fault_set(&f, fault_problem(whole->cls), body, len, whole->offset, whole->pointer, "%s",
		    whole->message);
		svc_fault_respond(r, &f, 0);
		return;
	}
	qsort(e->v, e->n, sizeof(e->v[0]), by_offset);
	for (i = 0; i < e->n; i++)
		if (e->v[i].cls == CB_OFAULT_SHAPE)
			p = P_INVALID_REQUEST;
	if (e->total > 1)
		svc_problem_begin(r, &w, p, "%s (at %s; %zu faults in all, listed in errors)", e->v[0].message,
		    e->v[0].pointer[0] ? e->v[0].pointer : "the body", e->total);
	else
		svc_problem_begin(r, &w, p, "%s (at %s)", e->v[0].message, e->v[0].pointer[0] ? e->v[0].pointer :
		    "the body");
	cb_jw_kstr(&w, "pointer", e->v[0].pointer);
	cb_jw_kint(&w, "error_count", (long long)e->total);
	cb_jw_key(&w, "errors");
	cb_jw_arr_begin(&w);
	for (i = 0; i < e->n; i++)
		write_fault(&w, &e->v[i], body, len);
	cb_jw_arr_end(&w);
	svc_problem_end(r, &w);
}

static void
kstr_or_null(cb_jw *w, const char *k, const char *v)
{
	cb_jw_key(w, k);
	if (v == NULL)
		cb_jw_null(w);
	else
		cb_jw_str(w, v);
}

static void
write_payment(cb_jw *w, const cb_order *o, const cb_ord_payment *p, const cb_codeset *rr)
{
	size_t i;
	char when[CB_TIME_MAX];

	cb_jw_obj_begin(w);
	cb_jw_kint(w, "id", p->id);
	cb_jw_kstr(w, "type", cb_pay_type_name(p->type));
	cb_jw_kstr(w, "status", cb_pay_status_name(p->status));
	cb_jw_kbool(w, "process_by_marketplace", p->by_marketplace);
	cb_jw_kint(w, "amount", p->amount);
	cb_jw_kstr(w, "currency", p->currency);
	if (p->type == CB_PAY_REFUND) {
		cb_jw_key(w, "reason");
		if (p->reason_key == NULL) {
			cb_jw_null(w);
		} else {
			const char *text = cb_reason_text(rr, p->reason_key);
			cb_jw_obj_begin(w);
			cb_jw_kstr(w, "key", p->reason_key);
			kstr_or_null(w, "text", text);
			cb_jw_kbool(w, "default", p->reason_defaulted);
			cb_jw_obj_end(w);
		}
	}
	kstr_or_null(w, "transaction_id", p->transaction_id);
	kstr_or_null(w, "error_text", p->error_text);
	if (p->type == CB_PAY_REFUND && p->by_marketplace) {
		cb_jw_kint(w, "attempts", p->attempts);
		cb_jw_kstr(w, "cancel_state", cb_cancel_state_name(p->cancel_state));
		if ((p->status == CB_PAY_PENDING || p->status == CB_PAY_PROCESSING || p->status == CB_PAY_UNKNOWN) &&
		    p->next_attempt_ms > 0 &&
		    cb_time_format(when, p->next_attempt_ms * 1000, 3) > 0)
			cb_jw_kstr(w, "next_attempt_at", when);
		if (p->last_error_code != NULL || p->last_error != NULL) {
			cb_jw_key(w, "last_error");
			cb_jw_obj_begin(w);
			kstr_or_null(w, "code", p->last_error_code);
			kstr_or_null(w, "message", p->last_error);
			cb_jw_obj_end(w);
		}
		kstr_or_null(w, "marketplace_request_id", p->market_request_id);
	}
	cb_jw_kstr(w, "created_at", p->created_at);
	cb_jw_kstr(w, "updated_at", p->updated_at);
	kstr_or_null(w, "completed_at", p->completed_at);
	if (p->type == CB_PAY_REFUND) {
		cb_jw_key(w, "refund_rows");
		cb_jw_arr_begin(w);
		for (i = 0; i < p->nrows; i++) {
			const cb_refund_row *row = &p->rows[i];
			cb_jw_obj_begin(w);
			cb_jw_kint(w, "row", row->row);
			kstr_or_null(w, "sku", row->sku);
			cb_jw_kstr(w, "type", cb_row_kind_name(row->kind));
			cb_jw_kint(w, "amount", row->amount);
			cb_jw_kstr(w, "status", cb_pay_status_name(row->status));
			cb_jw_obj_end(w);
		}
		cb_jw_arr_end(w);
	}
	(void)o;
	cb_jw_obj_end(w);
}

static void
write_order_head(cb_jw *w, const cb_order *o)
{
	char seg[3 * CB_ORD_MAX_ID + 1], href[sizeof(seg) + 16];

	cb_jw_kstr(w, "order_id", o->order_id);
	cb_jw_kstr(w, "marketplace", o->marketplace);
	cb_jw_kstr(w, "shop", o->shop);
	cb_jw_kstr(w, "status", cb_ord_status_name(o->status));
	kstr_or_null(w, "marketplace_status", o->marketplace_status);
	cb_jw_kstr(w, "currency", o->currency);
	cb_jw_kint(w, "minor_units", cb_currency_minor_units(o->currency, strlen(o->currency)));
	cb_jw_kint(w, "items_total", o->items_total);
	cb_jw_kint(w, "shipping_cost", o->shipping_cost);
	cb_jw_kint(w, "total", o->total);
	cb_jw_kint(w, "refunded", o->refunded);
	cb_jw_kint(w, "shipping_refunded", o->shipping_refunded);
	cb_jw_kstr(w, "created_at", o->created_at);
	cb_jw_kstr(w, "updated_at", o->updated_at);
	(void)cb_path_segment(seg, sizeof(seg), o->order_id, strlen(o->order_id));
	(void)snprintf(href, sizeof(href), "/v1/orders/%s", seg);
	cb_jw_kstr(w, "href", href);
}

static void
write_order(cb_jw *w, const cb_order *o, const cb_codeset *rr, const char *status_value)
{
	size_t i;

	cb_jw_obj_begin(w);
	write_order_head(w, o);
	cb_jw_key(w, "items");
	cb_jw_arr_begin(w);
	for (i = 0; i < o->nitems; i++) {
		const cb_ord_item *it = &o->items[i];
		cb_jw_obj_begin(w);
		cb_jw_kint(w, "line", it->line);
		cb_jw_kstr(w, "sku", it->sku);
		kstr_or_null(w, "line_item_id", it->line_item_id);
		kstr_or_null(w, "title", it->title);
		cb_jw_kint(w, "quantity", it->quantity);
		cb_jw_kint(w, "unit_price", it->unit_price);
		cb_jw_kint(w, "amount", it->amount);
		cb_jw_kint(w, "refunded", it->refunded);
		cb_jw_kstr(w, "payment_status", it->payment_status);
		cb_jw_obj_end(w);
	}
	cb_jw_arr_end(w);
	cb_jw_key(w, "payments");
	cb_jw_arr_begin(w);
	for (i = 0; i < o->npayments; i++)
		write_payment(w, o, &o->payments[i], rr);
	cb_jw_arr_end(w);
	if (rr != NULL) {
		cb_jw_key(w, "reasons_from");
		cb_jw_obj_begin(w);
		cb_jw_kstr(w, "set", cb_codeset_name(rr));
		cb_jw_kint(w, "version", cb_codeset_version(rr));
		if (status_value != NULL) {
			/* the context its keys are chosen in (the console's picker) */
			cb_jw_key(w, "context");
			cb_jw_obj_begin(w);
			cb_jw_kstr(w, "order_status", status_value);
			cb_jw_obj_end(w);
		}
		cb_jw_obj_end(w);
	}
	cb_jw_obj_end(w);
}

/* The reverse-reason mirror of the market of @o's shop served now
 * (borrowed from the request's snapshot), or NULL when the market is not
 * known or its mirror not synced.  A shop without a market in the
 * configuration is asked of the marketplace once per process. */
static const cb_codeset *
reason_set(struct svc_req *r, const cb_order *o)
{
	char market[3], name[CB_SET_NAME_SIZE], why[256];
	struct svc_set *set;

	if (cb_shop_market_find(market, r->svc->store, r->svc->opts.market_config, r->svc->opts.market_env, o->shop, 1, why,
	    sizeof(why)) != CB_OK)
		return NULL;
	cb_reason_set_name(name, market);
	set = svc_snap_find(svc_req_snap(r), name, strlen(name));
	return set != NULL ? set->cs : NULL;
}

/* An order as GET answers it, with the reverse reasons of its shop's market. */
static void
write_order_reasons(struct svc_req *r, cb_jw *w, const cb_order *o)
{
	const cb_codeset *rr = reason_set(r, o);
	char value[64];

	/* the context its keys are chosen in, while it can be cancelled */
	write_order(w, o, rr, rr != NULL && cb_shop_reason_status(value, sizeof(value), r->svc->store, r->svc->opts.market_config,
	    r->svc->opts.market_env, o->shop, (int)o->status) == CB_OK ? value : NULL);
}

/* The {id} capture; NULL after a 404 when it cannot be an order id. */
static const char *
order_id_arg(struct svc_req *r, char *buf, size_t n)
{
	size_t len;
	const char *v = svc_match_get(&r->m, "id", &len);

	if (v == NULL || len >= n || len > CB_ORD_MAX_ID) {
		svc_problem(r, P_NOT_FOUND, "no order with an id of %zu bytes (order ids have at most %d)", len,
		    CB_ORD_MAX_ID);
		return NULL;
	}
	memcpy(buf, v, len);
	buf[len] = '\0';
	return buf;
}

static void
order_not_found(struct svc_req *r, const char *id)
{
	cb_jw w;

	svc_problem_begin(r, &w, P_NOT_FOUND, "no order %.128s: import it first with POST /v1/orders", id);
	cb_jw_kstr(&w, "order_id", id);
	svc_problem_end(r, &w);
}

/* ---- POST /v1/orders ----------------------------------------------------- */

/* An update whose status the store did not take (older than what a
 * webhook or the order pull stored): "status_kept" says so, the order
 * shows the status kept. */
static void
status_kept(cb_jw *w, const cb_order *in, const cb_order *o, cb_ord_put_status st)
{
	if (st != CB_ORD_UPDATED || (o->status == in->status && (in->marketplace_status == NULL ||
	    (o->marketplace_status != NULL && strcmp(o->marketplace_status, in->marketplace_status) == 0))))
		return;
	cb_jw_key(w, "status_kept");
	cb_jw_obj_begin(w);
	cb_jw_kstr(w, "status", cb_ord_status_name(o->status));
	if (o->marketplace_status != NULL)
		cb_jw_kstr(w, "marketplace_status", o->marketplace_status);
	cb_jw_kstr(w, "detail", in->mkt_status_time > 0 ? "the import's marketplace_update_time is older than "
	    "the marketplace's status stored from a webhook or an order read; the rest of the import is stored" :
	    "the import has no marketplace_update_time, and the stored status came from the marketplace with "
	    "its time (a webhook or an order read); the rest of the import is stored");
	cb_jw_obj_end(w);
}

void
h_orders_post(struct svc_req *r)
{
	cb_order_doc b;
	cb_ord_put_status st;
	cb_order_rec *rec = NULL;
	char why[512];
	cb_jw w;
	int rc;

	if ((rc = cb_order_doc_parse(&b, r->body.p, r->body.len)) != CB_OK) {
		svc_problem(r, P_INTERNAL, "out of memory");
		goto out;
	}
	if (CB_DOC_FAILED(&b)) {
		respond_faults(r, &b.body, &b.faults, r->body.p, r->body.len);
		goto out;
	}
	if ((rc = cb_store_order_put(r->svc->store, &b.o, cb_order_rules_import_guard, NULL, r->request_id, &st,
	    why, sizeof(why))) != CB_OK) {
		svc_store_problem(r, rc, rc == CB_EUNKNOWN ? "the order" : "nothing was stored");
		goto out;
	}
	if (st == CB_ORD_FROZEN) {
		svc_problem_begin(r, &w, P_ORDER_CONFLICT, "%s; nothing was stored", why);
		cb_jw_kstr(&w, "order_id", b.o.order_id);
		svc_problem_end(r, &w);
		goto out;
	}
	if (cb_store_order_get(r->svc->store, b.o.order_id, 0, &rec) != CB_OK) {
		svc_problem(r, P_INTERNAL, "stored, but could not be read back: %s", cb_errmsg());
		goto out;
	}
	{
		char seg[3 * CB_ORD_MAX_ID + 1];
		(void)cb_path_segment(seg, sizeof(seg), b.o.order_id, strlen(b.o.order_id));
		svc_req_header(r, "Location", "/v1/orders/%s", seg);
	}
	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "result", st == CB_ORD_CREATED ? "created" : st == CB_ORD_UPDATED ? "updated" : "unchanged");
	status_kept(&w, &b.o, cb_order_rec_get(rec), st);
	cb_jw_key(&w, "order");
	write_order_reasons(r, &w, cb_order_rec_get(rec));
	cb_jw_obj_end(&w);
	svc_json(r, st == CB_ORD_CREATED ? 201 : 200);
out:
	cb_order_rec_free(rec);
	cb_order_doc_free(&b);
}

/* ---- GET /v1/orders/{id} --------------------------------------------------- */

void
h_order_get(struct svc_req *r)
{
	char idbuf[CB_ORD_MAX_ID + 1];
	const char *id = order_id_arg(r, idbuf, sizeof(idbuf));
	cb_order_rec *rec = NULL;
	cb_jw w;
	int rc;

	if (id == NULL)
		return;
	if ((rc = cb_store_order_get(r->svc->store, id, 0, &rec)) == CB_ENOTFOUND) {
		order_not_found(r, id);
		return;
	}
	if (rc != CB_OK) {
		svc_problem(r, P_INTERNAL, "%s", cb_errmsg());
		return;
	}
	svc_req_header(r, "Cache-Control", "no-store");
	svc_json_begin(r, &w);
	write_order_reasons(r, &w, cb_order_rec_get(rec));
	svc_json(r, 200);
	cb_order_rec_free(rec);
}

/* ---- GET /v1/orders -------------------------------------------------------- */

/* The most rows a listing filtered by market reads in one request: the
 * orders of other markets are skipped there, so a page may hold fewer than
 * its limit, and next_cursor goes on from the last row read. */
#define LIST_SCAN_MAX 5000u
#define LIST_BATCH    500u
#define LIST_SHOPS    16

struct list_ctx {
	cb_jw          *w;
	struct svc_req *r;
	const char     *market;      /* ?market=, or NULL */
	unsigned        want, n, scanned, batch;
	int64_t         last_seq;    /* the last row listed */
	int64_t         scan_seq;    /* the last row read */
	int             more;
	/* the market of each shop met, learned once per request ("" when not known) */
	struct { char shop[65]; char market[3]; } shops[LIST_SHOPS];
	size_t          nshops;
	char            spare[3];
};

/* The market of @shop from its configuration (or learned before in this
 * process): the marketplace is not asked for a listing; "" when not known. */
static const char *
shop_market(struct list_ctx *lc, const char *shop)
{
	char why[160], *out = lc->spare;
	size_t i;

	for (i = 0; i < lc->nshops; i++)
		if (strcmp(lc->shops[i].shop, shop) == 0)
			return lc->shops[i].market;
	if (lc->nshops < LIST_SHOPS && strlen(shop) < sizeof(lc->shops[0].shop)) {
		memcpy(lc->shops[lc->nshops].shop, shop, strlen(shop) + 1);
		out = lc->shops[lc->nshops++].market;
	}
	/* called while the listing reads the store: asking the store again
	 * from inside its callback would wait on itself, so only the file's
	 * market (or the one learned) is shown here */
	if (cb_shop_market_find(out, NULL, lc->r->svc->opts.market_config, lc->r->svc->opts.market_env, shop, 0, why,
	    sizeof(why)) != CB_OK)
		out[0] = '\0';
	return out;
}

static int
list_row(void *arg, const cb_order *o)
{
	struct list_ctx *lc = arg;
	const char *market = shop_market(lc, o->shop);

	lc->scanned++;
	if (lc->market != NULL && strcmp(market, lc->market) != 0) {
		lc->scan_seq = o->seq;
		return 0;
	}
	if (lc->n == lc->want) {
		lc->more = 1;
		return 1;
	}
	cb_jw_obj_begin(lc->w);
	write_order_head(lc->w, o);
	kstr_or_null(lc->w, "refund_status", o->refund_status);
	kstr_or_null(lc->w, "market", market[0] ? market : NULL);
	cb_jw_obj_end(lc->w);
	lc->last_seq = lc->scan_seq = o->seq;
	lc->n++;
	return 0;
}

/* The rows of @f into lc (the store's batches, while a market filter skips
 * rows and the scan has room); 0, or -1 after a 500. */
static int
list_rows(struct svc_req *r, cb_ord_filter *f, struct list_ctx *lc)
{
	unsigned total = 0;

	for (;;) {
		lc->scanned = 0;
		if (cb_store_order_list(r->svc->store, f, list_row, lc) != CB_OK) {
			svc_problem(r, P_INTERNAL, "%s", cb_errmsg());
			return -1;
		}
		total += lc->scanned;
		if (lc->more || lc->market == NULL || lc->scanned < f->limit)
			return 0;	/* a page, or the end */
		if (total >= LIST_SCAN_MAX) {
			lc->more = 1;	/* go on from the last row read */
			lc->last_seq = lc->scan_seq;
			return 0;
		}
		f->after_seq = lc->scan_seq;
	}
}

void
h_orders_list(struct svc_req *r)
{
	/* the route's table (route.c) */
	enum { Q_STATUS, Q_SHOP, Q_MSTATUS, Q_RSTATUS, Q_MARKET, Q_LIMIT, Q_CURSOR };
	const struct svc_qval *q = r->q;
	cb_ord_filter f;
	struct list_ctx lc;
	cb_jw w;

	memset(&f, 0, sizeof(f));
	f.limit = CB_SVC_DEFAULT_PAGE;
	if ((f.status = q[Q_STATUS].s) != NULL && cb_ord_status_parse(f.status, strlen(f.status)) < 0) {
		svc_bad_param(r, "status", "status=%.40s: one of Incomplete, Ready for Shipping, Shipped, "
		    "Delivered, Cancelled", f.status);
		return;
	}
	f.shop = q[Q_SHOP].s;
	if (q[Q_MSTATUS].s != NULL &&
	    cb_order_market_status(q[Q_MSTATUS].s, strlen(q[Q_MSTATUS].s), &f.marketplace_status) < 0) {
		svc_bad_param(r, "marketplace_status", "marketplace_status=%.40s: not a TikTok Shop order status",
		    q[Q_MSTATUS].s);
		return;
	}
	if ((f.refund_status = q[Q_RSTATUS].s) != NULL &&
	    cb_pay_status_parse(f.refund_status, strlen(f.refund_status)) < 0) {
		svc_bad_param(r, "refund_status", "refund_status=%.40s: one of Pending, Processing, Completed, "
		    "Error, Unknown", f.refund_status);
		return;
	}
	if (q[Q_MARKET].s != NULL &&
	    (strlen(q[Q_MARKET].s) != 2 || strspn(q[Q_MARKET].s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 2)) {
		svc_bad_param(r, "market", "market=%.40s: a market is two capital letters (GB, VN)", q[Q_MARKET].s);
		return;
	}
	if (q[Q_LIMIT].s != NULL)
		f.limit = (unsigned)q[Q_LIMIT].u;
	f.after_seq = q[Q_CURSOR].i;
	memset(&lc, 0, sizeof(lc));
	lc.w = &w;
	lc.r = r;
	lc.market = q[Q_MARKET].s;
	lc.want = f.limit;
	/* one more row tells whether there is a next page; by market, batches */
	f.limit = lc.market != NULL && f.limit < LIST_BATCH ? LIST_BATCH : f.limit + 1;
	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_key(&w, "items");
	cb_jw_arr_begin(&w);
	if (list_rows(r, &f, &lc) != 0)
		return;
	cb_jw_arr_end(&w);
	cb_jw_kint(&w, "count", lc.n);
	cb_jw_key(&w, "next_cursor");
	if (lc.more) {
		char cur[24];
		(void)snprintf(cur, sizeof(cur), "%lld", (long long)lc.last_seq);
		cb_jw_str(&w, cur);
	} else
		cb_jw_null(&w);
	cb_jw_obj_end(&w);
	svc_json(r, 200);
}

/* ---- POST /v1/orders/{id}/cancellations ------------------------------------- */

/* 202: the Pending refund just recorded, read back with its order. */
static void
respond_accepted(struct svc_req *r, const char *id, int64_t pid)
{
	cb_order_rec *rec = NULL;
	const cb_order *o;
	size_t i;
	cb_jw w;

	if (cb_store_order_get(r->svc->store, id, 0, &rec) != CB_OK) {
		svc_problem(r, P_INTERNAL, "stored, but could not be read back: %s", cb_errmsg());
		return;
	}
	o = cb_order_rec_get(rec);
	{
		char seg[3 * CB_ORD_MAX_ID + 1];
		(void)cb_path_segment(seg, sizeof(seg), id, strlen(id));
		svc_req_header(r, "Location", "/v1/orders/%s", seg);
	}
	svc_json_begin(r, &w);
	for (i = 0; i < o->npayments; i++)
		if (o->payments[i].id == pid) {
			cb_jw_obj_begin(&w);
			cb_jw_kstr(&w, "order_id", id);
			cb_jw_key(&w, "payment");
			write_payment(&w, o, &o->payments[i], reason_set(r, o));
			cb_jw_kstr(&w, "note", "The worker checks the cancellation (order status, full refund, reason "
			    "key) and sends it to the marketplace; GET the order for the outcome.");
			cb_jw_obj_end(&w);
		}
	svc_json(r, 202);
	cb_order_rec_free(rec);
}

static void
respond_cancel(struct svc_req *r, const char *id, cb_creq_result *res, cb_ofault *none)
{
	cb_jw w;

	switch (res->outcome) {
	case CB_CREQ_ACCEPTED:
		respond_accepted(r, id, res->payment_id);
		break;
	case CB_CREQ_NO_ORDER:
		order_not_found(r, id);
		break;
	case CB_CREQ_REFUSED:
		respond_faults(r, none, &res->faults, r->body.p, r->body.len);
		break;
	case CB_CREQ_STALE:
		svc_problem(r, P_ORDER_CONFLICT, "order %s kept changing while the refund was checked; retry", id);
		break;
	case CB_CREQ_BUSY:
		svc_problem_begin(r, &w, P_ORDER_CONFLICT, "a cancellation of order %s is already in progress "
		    "(payment %lld); nothing was stored", id, (long long)res->payment_id);
		cb_jw_kstr(&w, "order_id", id);
		cb_jw_kint(&w, "payment_id", res->payment_id);
		svc_problem_end(r, &w);
		break;
	case CB_CREQ_REPLAYED:
		/* the first answer again: the refund that request made, as it is now */
		svc_req_header(r, "Idempotent-Replayed", "true");
		respond_accepted(r, id, res->payment_id);
		break;
	case CB_CREQ_KEY_REUSED:
		svc_problem_begin(r, &w, P_IDEMPOTENCY_CONFLICT, "Idempotency-Key %s was sent with another "
		    "request (payment %lld): a key names one request, its order and body byte for byte; nothing "
		    "was stored", r->idempotency_key, (long long)res->payment_id);
		cb_jw_kstr(&w, "idempotency_key", r->idempotency_key);
		cb_jw_kint(&w, "payment_id", res->payment_id);
		svc_problem_end(r, &w);
		break;
	}
}

/* The Idempotency-Key header: 1 to CB_IDEM_KEY_MAX visible ASCII
 * characters; its fingerprint covers the order and the body as sent.
 * 0, or -1 after a problem. */
static int
idem_of(struct svc_req *r, const char *id, cb_creq_idem *idem)
{
	const char *k = r->idempotency_key;
	unsigned char *buf;
	size_t n, i, idlen = strlen(id);

	memset(idem, 0, sizeof(*idem));
	if (k == NULL)
		return 0;
	n = strlen(k);
	for (i = 0; i < n && k[i] > ' ' && k[i] < 127; i++)
		;
	if (n == 0 || n > CB_IDEM_KEY_MAX || i < n) {
		svc_problem(r, P_INVALID_REQUEST, "Idempotency-Key must be 1 to %d visible ASCII characters "
		    "(a UUID is a good one)", CB_IDEM_KEY_MAX);
		return -1;
	}
	if ((buf = cb__malloc(idlen + 1 + r->body.len + 1)) == NULL) {
		svc_problem(r, P_INTERNAL, "out of memory");
		return -1;
	}
	memcpy(buf, id, idlen);
	buf[idlen] = '\n';
	if (r->body.len > 0)
		memcpy(buf + idlen + 1, r->body.p, r->body.len);
	cb_store_fingerprint(idem->fp, buf, idlen + 1 + r->body.len);
	free(buf);
	idem->key = k;
	return 0;
}

void
h_order_cancel(struct svc_req *r)
{
	char idbuf[CB_ORD_MAX_ID + 1];
	const char *id = order_id_arg(r, idbuf, sizeof(idbuf));
	cb_cancel_doc b;
	cb_creq_result *res = NULL;
	cb_creq_idem idem;
	int rc;

	if (id == NULL || idem_of(r, id, &idem) != 0)
		return;
	if (cb_cancel_doc_parse(&b, r->body.p, r->body.len) != CB_OK) {
		svc_problem(r, P_INTERNAL, "out of memory");
		goto out;
	}
	if (CB_DOC_FAILED(&b)) {
		respond_faults(r, &b.body, &b.faults, r->body.p, r->body.len);
		goto out;
	}
	if ((res = cb__calloc(1, sizeof(*res))) == NULL) {
		svc_problem(r, P_INTERNAL, "out of memory");
		goto out;
	}
	if ((rc = cb_cancel_request(res, r->svc->store, id, &b.req, r->request_id, &idem)) != CB_OK)
		svc_store_problem(r, rc, rc == CB_EUNKNOWN ? "the cancellation" : "nothing was stored");
	else
		respond_cancel(r, id, res, &b.body);
out:
	free(res);
	cb_cancel_doc_free(&b);
}

/* ---- POST /v1/marketplaces/tiktok/reverse-reasons/sync ------------------------ */

/* A [shop NAME] section's name: 1 to 64 of A-Z a-z 0-9 _ . - (so no NUL). */
static int
shop_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return 0;
	return 1;
}

/* The "shop" member of an optional body {"shop": NAME}; 0, or -1 after a problem. */
static int
sync_shop(struct svc_req *r, char *shop, size_t n)
{
	cb_json_doc *d = NULL;
	cb_json_error jerr;
	const cb_json_node *root, *c;
	struct svc_fault f;
	int rc = -1;

	shop[0] = '\0';
	if (r->body.len == 0)
		return 0;
	memset(&jerr, 0, sizeof(jerr));
	if (cb_json_parse(&d, r->body.p, r->body.len, CB_MAX_JSON_DEPTH, &jerr) != CB_OK) {
		memset(&f, 0, sizeof(f));
		svc_fault_set(&f, P_MALFORMED_JSON, r->body.p, r->body.len, (long)jerr.offset, NULL, "%s", jerr.message);
		svc_fault_respond(r, &f, 0);
		goto out;
	}
	root = cb_json_root(d);
	if (root->type != CB_JSON_OBJECT) {
		svc_problem(r, P_INVALID_REQUEST, "the body is optional; when given it is {\"shop\": NAME}");
		goto out;
	}
	for (c = cb_json_child(d, root); c != NULL; c = cb_json_next(d, c)) {
		if (strcmp(c->key, "shop") != 0) {
			svc_problem(r, P_INVALID_REQUEST, "unknown member \"%.64s\" (members: shop)", c->key);
			goto out;
		}
		if (c->type != CB_JSON_STRING) {
			svc_problem(r, P_INVALID_REQUEST, "shop must be the name of a [shop NAME] section");
			goto out;
		}
		if (!shop_name_ok(c->str, c->str_len) || c->str_len >= n) {
			/* a NUL would cut the name short: another shop, or none */
			cb_jw w;
			svc_problem_begin(r, &w, P_INVALID_INPUT, "shop must name a [shop NAME] section: 1 to 64 of "
			    "A-Z a-z 0-9 _ . -%s", memchr(c->str, '\0', c->str_len) ? " (it has a NUL character)" : "");
			cb_jw_kstr(&w, "pointer", "/shop");
			svc_problem_end(r, &w);
			goto out;
		}
		memcpy(shop, c->str, c->str_len + 1);
	}
	rc = 0;
out:
	cb_json_free(d);
	return rc;
}

static void
sync_market_problem(struct svc_req *r, const cb_market_failure *f, const char *shop)
{
	struct svc_set *es = svc_snap_find(svc_req_snap(r), CB_ERROR_SET, strlen(CB_ERROR_SET));
	cb_decision d = CB_DECISION_INIT;
	cb_jw w;

	svc_problem_begin(r, &w, P_MARKETPLACE_ERROR, "the marketplace's reverse reason list could not be read "
	    "(%s: %s); the mirrored set is unchanged", f->code[0] ? f->code : f->kind, f->message);
	cb_jw_kstr(&w, "shop", shop);
	cb_jw_key(&w, "marketplace");
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "code", f->code);
	cb_jw_kstr(&w, "kind", f->kind);
	cb_jw_kstr(&w, "message", f->message);
	cb_jw_kstr(&w, "request_id", f->request_id);
	cb_jw_kint(&w, "http_status", f->http_status);
	cb_jw_kstr(&w, "outcome", f->outcome);
	cb_jw_obj_end(&w);
	if (es != NULL && f->code[0] != '\0' &&
	    cb_decide(&d, es->cs, f->code, strlen(f->code), NULL, 0, 1, NULL) == CB_OK) {
		cb_jw_key(&w, "decision");
		cb_view_decision(&w, &d);
	}
	svc_problem_end(r, &w);
}

/* 200 or 201: what the sync did. */
static void
sync_respond_done(struct svc_req *r, const cb_sync_result *res, const char *shop)
{
	cb_jw w;

	if (res->published) {
		char seg[3 * CB_SET_NAME_SIZE];
		(void)cb_path_segment(seg, sizeof(seg), res->set, strlen(res->set));
		svc_req_header(r, "Location", "/v1/code-sets/%s/versions/%d", seg, res->version);
	}
	svc_req_header(r, "Codebook-Set-Version", "%d", res->version);
	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "set", res->set);
	cb_jw_kstr(&w, "market", res->market);
	cb_jw_kbool(&w, "changed", res->changed);
	if (res->published)
		cb_jw_kint(&w, "previous_version", res->previous_version);
	cb_jw_kint(&w, "version", res->version);
	cb_jw_kint(&w, "reasons", (long long)res->nreasons);
	cb_jw_kstr(&w, "shop", shop);
	cb_jw_kstr(&w, "marketplace_request_id", res->request_id);
	cb_jw_key(&w, "findings");
	if (res->published)
		cb_view_findings(&w, res->report);
	else {
		cb_jw_arr_begin(&w);
		cb_jw_arr_end(&w);
	}
	cb_jw_obj_end(&w);
	svc_json(r, res->changed ? 201 : 200);
}

static void
sync_respond_refused(struct svc_req *r, const cb_sync_result *res)
{
	size_t nb = cb_report_count_severity(res->report, CB_SEV_BREAKING);
	cb_jw w;

	svc_problem_begin(r, &w, P_GOVERNANCE, "the marketplace's list would break %s (%zu breaking "
	    "change%s); version %d is still served", res->set, nb, nb == 1 ? "" : "s", res->previous_version);
	cb_jw_kstr(&w, "set", res->set);
	cb_jw_kint(&w, "current_version", res->previous_version);
	cb_jw_kint(&w, "proposed_version", res->version);
	cb_jw_key(&w, "violations");
	cb_view_findings(&w, res->report);
	svc_problem_end(r, &w);
}

static void
sync_respond(struct svc_req *r, const cb_sync_result *res, const char *shop, int shop_named)
{
	cb_jw w;

	switch (res->outcome) {
	case CB_SYNC_DONE:
		sync_respond_done(r, res, shop);
		break;
	case CB_SYNC_NO_CONFIG:
		svc_problem(r, P_MARKETPLACE_UNCONFIGURED, "the server runs without a marketplace configuration: "
		    "start it with --market-config FILE (or CODEBOOK_MARKET_CONFIG)");
		break;
	case CB_SYNC_BAD_CONFIG:
		svc_problem_begin(r, &w, P_MARKETPLACE_UNCONFIGURED, "%s%s", res->why, shop_named ? "" :
		    " (name the shop whose credentials read the list: {\"shop\": NAME}, or serve --market-shop NAME)");
		cb_jw_kstr(&w, "shop", shop);
		svc_problem_end(r, &w);
		break;
	case CB_SYNC_MARKET_FAILED:
		sync_market_problem(r, &res->failure, shop);
		break;
	case CB_SYNC_UNMIRRORABLE:
		svc_problem_begin(r, &w, P_MARKETPLACE_ERROR, "the marketplace's list cannot be mirrored: %s", res->why);
		cb_jw_kstr(&w, "shop", shop);
		svc_problem_end(r, &w);
		break;
	case CB_SYNC_REFUSED:
		sync_respond_refused(r, res);
		break;
	case CB_SYNC_STALE:
		svc_problem(r, P_VERSION_CONFLICT, "version %d of %s was published concurrently; sync again",
		    res->version, res->set);
		break;
	case CB_SYNC_UNKNOWN_SHOP:
		svc_problem_begin(r, &w, P_UNKNOWN_SHOP, "%s", res->why);
		cb_jw_kstr(&w, "shop", shop);
		svc_problem_end(r, &w);
		break;
	}
}

void
h_reasons_sync(struct svc_req *r)
{
	cb_sync_result res;
	char shop[80];
	int rc;

	if (sync_shop(r, shop, sizeof(shop)) != 0)
		return;
	if (shop[0] == '\0' && r->svc->opts.market_shop != NULL)
		(void)snprintf(shop, sizeof(shop), "%s", r->svc->opts.market_shop);
	if ((rc = svc_sync_run(r->svc, shop, r->key_name, &res)) != CB_OK)
		svc_store_problem(r, rc, rc == CB_EUNKNOWN ? "the new version" : "the new version could not be stored");
	else
		sync_respond(r, &res, shop, shop[0] != '\0');
	cb_sync_result_clear(&res);
}
