/*
 * h_orders.c - orders and cancellations (seed 003): import an order as the
 * marketplace has it, read it with its items, payments and refund rows,
 * list orders, request a cancellation (a Pending refund that the worker
 * processes), and mirror the marketplace's reverse reasons as a new
 * version of tiktok-reverse-reason through the governance gate.
 *
 * Requests are checked for shape and money here (orders_parse.c): a body
 * that does not add up gets a problem and nothing is stored.  The business
 * rules of a cancellation are the worker's (src/orders), which records
 * their outcome on the payment, as the seed asks.
 */
#include "svc_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cb_limits.h"
#include "orders.h"
#include "orders_parse.h"
#include "query.h"
#include "utf8.h"
#include "view.h"

#define STALE_RETRIES 3

/* ---- responses ------------------------------------------------------------ */

static int
by_offset(const void *a, const void *b)
{
	const struct svc_oerr *x = a, *y = b;

	return (x->offset > y->offset) - (x->offset < y->offset);
}

/* Answer the faults of an order or refund body, in the order they appear
 * in it (the first one is named in "detail" and "pointer"). */
static void
respond_faults(struct svc_req *r, const struct svc_fault *f, struct svc_oerrs *e, const char *body,
    size_t len)
{
	enum svc_problem p = P_INVALID_ORDER;
	unsigned line, col;
	size_t i;
	cb_jw w;

	if (f->problem != P_NONE) {
		svc_fault_respond(r, f, 0);
		return;
	}
	qsort(e->v, e->n, sizeof(e->v[0]), by_offset);
	for (i = 0; i < e->n; i++)
		if (e->v[i].problem == P_INVALID_REQUEST)
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
	for (i = 0; i < e->n; i++) {
		cb_jw_obj_begin(&w);
		cb_jw_kstr(&w, "pointer", e->v[i].pointer);
		cb_jw_kstr(&w, "problem", svc_problem_info(e->v[i].problem)->name);
		cb_jw_kstr(&w, "message", e->v[i].message);
		if (e->v[i].offset >= 0 && body != NULL && (size_t)e->v[i].offset <= len) {
			cb_text_position(body, len, (size_t)e->v[i].offset, &line, &col);
			cb_jw_kint(&w, "offset", e->v[i].offset);
			cb_jw_kint(&w, "line", line);
			cb_jw_kint(&w, "column", col);
		}
		cb_jw_obj_end(&w);
	}
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
		if ((p->status == CB_PAY_PENDING || p->status == CB_PAY_PROCESSING) && p->next_attempt_ms > 0 &&
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
	char href[192];

	cb_jw_kstr(w, "order_id", o->order_id);
	cb_jw_kstr(w, "marketplace", o->marketplace);
	cb_jw_kstr(w, "shop", o->shop);
	cb_jw_kstr(w, "status", cb_ord_status_name(o->status));
	kstr_or_null(w, "marketplace_status", o->marketplace_status);
	cb_jw_kstr(w, "currency", o->currency);
	cb_jw_kint(w, "minor_units", svc_currency_minor_units(o->currency, strlen(o->currency)));
	cb_jw_kint(w, "items_total", o->items_total);
	cb_jw_kint(w, "shipping_cost", o->shipping_cost);
	cb_jw_kint(w, "total", o->total);
	cb_jw_kint(w, "refunded", o->refunded);
	cb_jw_kint(w, "shipping_refunded", o->shipping_refunded);
	cb_jw_kstr(w, "created_at", o->created_at);
	cb_jw_kstr(w, "updated_at", o->updated_at);
	(void)snprintf(href, sizeof(href), "/v1/orders/%s", o->order_id);
	cb_jw_kstr(w, "href", href);
}

static void
write_order(cb_jw *w, const cb_order *o, const cb_codeset *rr)
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
		cb_jw_obj_end(w);
	}
	cb_jw_obj_end(w);
}

/* The reverse-reason set served now (borrowed from the request's snapshot), or NULL. */
static const cb_codeset *
reason_set(struct svc_req *r)
{
	struct svc_set *set = svc_snap_find(svc_req_snap(r), CB_REASON_SET, strlen(CB_REASON_SET));

	return set != NULL ? set->cs : NULL;
}

/* The {id} capture; NULL after a 404 when it cannot be an order id. */
static const char *
order_id_arg(struct svc_req *r, char *buf, size_t n)
{
	size_t len;
	const char *v = svc_match_get(&r->m, "id", &len);

	if (v == NULL || len >= n || len > CB_SVC_MAX_ID) {
		svc_problem(r, P_NOT_FOUND, "no order with an id of %zu bytes (order ids have at most %d)", len,
		    CB_SVC_MAX_ID);
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

void
h_orders_post(struct svc_req *r)
{
	struct svc_order_body b;
	cb_ord_put_status st;
	cb_order_rec *rec = NULL;
	char why[512];
	cb_jw w;
	int rc;

	if ((rc = svc_order_parse(&b, r->body.p, r->body.len)) != CB_OK) {
		svc_problem(r, P_INTERNAL, "out of memory");
		goto out;
	}
	if (b.fault.problem != P_NONE || b.errs.total > 0) {
		respond_faults(r, &b.fault, &b.errs, r->body.p, r->body.len);
		goto out;
	}
	if (cb_store_order_put(r->svc->store, &b.o, r->request_id, &st, why, sizeof(why)) != CB_OK) {
		svc_problem(r, P_INTERNAL, "nothing was stored: %s", cb_errmsg());
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
	svc_req_header(r, "Location", "/v1/orders/%s", b.o.order_id);
	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "result", st == CB_ORD_CREATED ? "created" : st == CB_ORD_UPDATED ? "updated" : "unchanged");
	cb_jw_key(&w, "order");
	write_order(&w, cb_order_rec_get(rec), reason_set(r));
	cb_jw_obj_end(&w);
	svc_json(r, st == CB_ORD_CREATED ? 201 : 200);
out:
	cb_order_rec_free(rec);
	svc_order_body_free(&b);
}

/* ---- GET /v1/orders/{id} --------------------------------------------------- */

void
h_order_get(struct svc_req *r)
{
	char idbuf[CB_SVC_MAX_ID + 1];
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
	write_order(&w, cb_order_rec_get(rec), reason_set(r));
	svc_json(r, 200);
	cb_order_rec_free(rec);
}

/* ---- GET /v1/orders -------------------------------------------------------- */

struct list_ctx {
	cb_jw *w;
	unsigned want, n;
	int64_t last_seq;
	int more;
};

static int
list_row(void *arg, const cb_order *o)
{
	struct list_ctx *lc = arg;

	if (lc->n == lc->want) {
		lc->more = 1;
		return 1;
	}
	cb_jw_obj_begin(lc->w);
	write_order_head(lc->w, o);
	kstr_or_null(lc->w, "refund_status", o->refund_status);
	cb_jw_obj_end(lc->w);
	lc->last_seq = o->seq;
	lc->n++;
	return 0;
}

void
h_orders_list(struct svc_req *r)
{
	static const struct svc_qparam spec[] = {
		{ "status", SQ_STR, 0, 0, NULL }, { "shop", SQ_STR, 0, 0, NULL },
		{ "marketplace_status", SQ_STR, 0, 0, NULL }, { "refund_status", SQ_STR, 0, 0, NULL },
		SVC_Q_PAGE,
	};
	enum { Q_STATUS, Q_SHOP, Q_MSTATUS, Q_RSTATUS, Q_LIMIT, Q_CURSOR, Q_N };
	struct svc_qval q[Q_N];
	cb_ord_filter f;
	struct list_ctx lc;
	cb_jw w;

	memset(&f, 0, sizeof(f));
	f.limit = CB_SVC_DEFAULT_PAGE;
	if (svc_query(r, spec, Q_N, q, NULL, NULL, NULL) != 0)
		return;
	if ((f.status = q[Q_STATUS].s) != NULL && cb_ord_status_parse(f.status, strlen(f.status)) < 0) {
		svc_bad_param(r, "status", "status=%.40s: one of Incomplete, Ready for Shipping, Shipped, "
		    "Delivered, Cancelled", f.status);
		return;
	}
	f.shop = q[Q_SHOP].s;
	if (q[Q_MSTATUS].s != NULL &&
	    svc_market_status(q[Q_MSTATUS].s, strlen(q[Q_MSTATUS].s), &f.marketplace_status) < 0) {
		svc_bad_param(r, "marketplace_status", "marketplace_status=%.40s: not a TikTok Shop order status",
		    q[Q_MSTATUS].s);
		return;
	}
	if ((f.refund_status = q[Q_RSTATUS].s) != NULL &&
	    cb_pay_status_parse(f.refund_status, strlen(f.refund_status)) < 0) {
		svc_bad_param(r, "refund_status", "refund_status=%.40s: one of Pending, Processing, Completed, "
		    "Error", f.refund_status);
		return;
	}
	if (q[Q_LIMIT].s != NULL)
		f.limit = (unsigned)q[Q_LIMIT].u;
	f.after_seq = q[Q_CURSOR].i;
	memset(&lc, 0, sizeof(lc));
	lc.w = &w;
	lc.want = f.limit;
	f.limit++;	/* one more row tells whether there is a next page */
	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_key(&w, "items");
	cb_jw_arr_begin(&w);
	if (cb_store_order_list(r->svc->store, &f, list_row, &lc) != CB_OK) {
		svc_problem(r, P_INTERNAL, "%s", cb_errmsg());
		return;
	}
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

void
h_order_cancel(struct svc_req *r)
{
	char idbuf[CB_SVC_MAX_ID + 1];
	const char *id = order_id_arg(r, idbuf, sizeof(idbuf));
	struct svc_refund_body b;
	cb_refund_put_status st = CB_REFUND_STALE;
	cb_order_rec *rec = NULL;
	const cb_order *o;
	unsigned char money[32];
	int64_t pid = 0;
	size_t i;
	int rc, tries;
	cb_jw w;

	if (id == NULL)
		return;
	if (svc_refund_parse(&b, r->body.p, r->body.len) != CB_OK) {
		svc_problem(r, P_INTERNAL, "out of memory");
		goto out;
	}
	if (b.fault.problem != P_NONE || b.errs.total > 0) {
		respond_faults(r, &b.fault, &b.errs, r->body.p, r->body.len);
		goto out;
	}
	/* the refund is checked against the order as read, and stored only if
	 * the order's money is still what was read (else read and check again) */
	for (tries = 0; tries < STALE_RETRIES && st == CB_REFUND_STALE; tries++) {
		cb_order_rec_free(rec);
		rec = NULL;
		if ((rc = cb_store_order_get(r->svc->store, id, 0, &rec)) == CB_ENOTFOUND) {
			order_not_found(r, id);
			goto out;
		}
		if (rc != CB_OK) {
			svc_problem(r, P_INTERNAL, "%s", cb_errmsg());
			goto out;
		}
		o = cb_order_rec_get(rec);
		if (tries > 0) {	/* the rows made from the order last time go */
			struct svc_refund_body again;
			svc_refund_body_free(&b);
			if (svc_refund_parse(&again, r->body.p, r->body.len) != CB_OK) {
				svc_problem(r, P_INTERNAL, "out of memory");
				goto out;
			}
			b = again;
		}
		if (svc_refund_check(&b, o) != CB_OK) {
			svc_problem(r, P_INTERNAL, "out of memory");
			goto out;
		}
		if (b.errs.total > 0) {
			respond_faults(r, &b.fault, &b.errs, r->body.p, r->body.len);
			goto out;
		}
		cb_store_order_money_fp(o, money);
		if (cb_store_refund_create(r->svc->store, o->seq, money, b.amount, o->currency, b.reason_key, b.rows,
		    b.nrows, r->request_id, &st, &pid) != CB_OK) {
			svc_problem(r, P_INTERNAL, "nothing was stored: %s", cb_errmsg());
			goto out;
		}
	}
	if (st == CB_REFUND_STALE) {
		svc_problem(r, P_ORDER_CONFLICT, "order %s kept changing while the refund was checked; retry", id);
		goto out;
	}
	if (st == CB_REFUND_BUSY) {
		svc_problem_begin(r, &w, P_ORDER_CONFLICT, "a cancellation of order %s is already in progress "
		    "(payment %lld); nothing was stored", id, (long long)pid);
		cb_jw_kstr(&w, "order_id", id);
		cb_jw_kint(&w, "payment_id", pid);
		svc_problem_end(r, &w);
		goto out;
	}
	cb_order_rec_free(rec);
	rec = NULL;
	if (cb_store_order_get(r->svc->store, id, 0, &rec) != CB_OK) {
		svc_problem(r, P_INTERNAL, "stored, but could not be read back: %s", cb_errmsg());
		goto out;
	}
	o = cb_order_rec_get(rec);
	svc_req_header(r, "Location", "/v1/orders/%s", id);
	svc_json_begin(r, &w);
	for (i = 0; i < o->npayments; i++)
		if (o->payments[i].id == pid) {
			cb_jw_obj_begin(&w);
			cb_jw_kstr(&w, "order_id", id);
			cb_jw_key(&w, "payment");
			write_payment(&w, o, &o->payments[i], reason_set(r));
			cb_jw_kstr(&w, "note", "The worker checks the cancellation (order status, full refund, reason "
			    "key) and sends it to the marketplace; GET the order for the outcome.");
			cb_jw_obj_end(&w);
		}
	svc_json(r, 202);
out:
	cb_order_rec_free(rec);
	svc_refund_body_free(&b);
}

/* ---- POST /v1/marketplaces/tiktok/reverse-reasons/sync ------------------------ */

static pthread_mutex_t sync_mu = PTHREAD_MUTEX_INITIALIZER;

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
		if (c->type != CB_JSON_STRING || c->str_len == 0 || c->str_len >= n) {
			svc_problem(r, P_INVALID_REQUEST, "shop must be the name of a [shop NAME] section");
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
market_problem(struct svc_req *r, const cb_mkt_error *err, const char *shop)
{
	struct svc_set *es = svc_snap_find(svc_req_snap(r), CB_ERROR_SET, strlen(CB_ERROR_SET));
	cb_decision d = CB_DECISION_INIT;
	cb_jw w;

	svc_problem_begin(r, &w, P_MARKETPLACE_ERROR, "the marketplace's reverse reason list could not be read "
	    "(%s: %s); the mirrored set is unchanged", err->error_code[0] ? err->error_code : cb_mkt_kind_name(err->kind),
	    err->message);
	cb_jw_kstr(&w, "shop", shop);
	cb_jw_key(&w, "marketplace");
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "code", err->error_code);
	cb_jw_kstr(&w, "kind", cb_mkt_kind_name(err->kind));
	cb_jw_kstr(&w, "message", err->message);
	cb_jw_kstr(&w, "request_id", err->request_id);
	cb_jw_kint(&w, "http_status", err->http_status);
	cb_jw_kstr(&w, "outcome", cb_mkt_outcome_name(err->outcome));
	cb_jw_obj_end(&w);
	if (es != NULL && err->error_code[0] != '\0' &&
	    cb_decide(&d, es->cs, err->error_code, strlen(err->error_code), NULL, 0, 1, NULL) == CB_OK) {
		cb_jw_key(&w, "decision");
		cb_view_decision(&w, &d);
	}
	svc_problem_end(r, &w);
}

void
h_reasons_sync(struct svc_req *r)
{
	const char *path = r->svc->opts.market_config;
	char shop[80];
	cb_mkt_config *cfg = NULL;
	cb_mkt *m = NULL;
	cb_mkt_reasons *rs = NULL;
	cb_mkt_error err;
	cb_codeset *next = NULL, *same = NULL;
	cb_report *rep = NULL;
	char *a = NULL, why[512];
	size_t alen = 0;
	struct svc_set *cur;
	enum svc_publish_outcome outcome;
	int old_version = 0, version, changed;
	cb_jw w;

	if (sync_shop(r, shop, sizeof(shop)) != 0)
		return;
	if (shop[0] == '\0' && r->svc->opts.market_shop != NULL)
		(void)snprintf(shop, sizeof(shop), "%s", r->svc->opts.market_shop);
	if (path == NULL && (path = getenv("CB_TIKTOK_CONFIG")) != NULL && path[0] == '\0')
		path = NULL;
	if (path == NULL) {
		svc_problem(r, P_MARKETPLACE_UNCONFIGURED, "the server runs without a marketplace configuration: "
		    "start it with --market-config FILE (or CB_TIKTOK_CONFIG)");
		return;
	}
	if (cb_mkt_config_load(&cfg, path, shop[0] ? shop : NULL, NULL) != CB_OK || cb_mkt_new(&m, cfg) != CB_OK) {
		svc_problem_begin(r, &w, P_MARKETPLACE_UNCONFIGURED, "%s%s%s", cb_errmsg(), shop[0] ? "" :
		    " (name the shop whose credentials read the list: {\"shop\": NAME}, or serve --market-shop NAME)", "");
		cb_jw_kstr(&w, "shop", shop);
		svc_problem_end(r, &w);
		goto out;
	}
	pthread_mutex_lock(&sync_mu);	/* one sync at a time: each builds on the version before */
	if (cb_mkt_reverse_reasons(&rs, m, 0, 0, &err) != CB_OK) {
		pthread_mutex_unlock(&sync_mu);
		market_problem(r, &err, shop);
		goto out;
	}
	cur = svc_snap_find(svc_req_snap(r), CB_REASON_SET, strlen(CB_REASON_SET));
	if (cur == NULL) {
		pthread_mutex_unlock(&sync_mu);
		svc_problem(r, P_INTERNAL, "the code set %s is not served: add catalogs/%s.json", CB_REASON_SET,
		    CB_REASON_SET);
		goto out;
	}
	/* the snapshot of this request may predate a sync that finished while
	 * this one waited for the lock: build on the set served now */
	{
		struct svc_snap *now = svc_snap_get(r->svc);
		struct svc_set *latest = svc_snap_find(now, CB_REASON_SET, strlen(CB_REASON_SET));
		if (latest != NULL && latest != cur) {
			svc_snap_put(r->snap);
			r->snap = now;
			cur = latest;
		} else
			svc_snap_put(now);
	}
	version = cb_codeset_version(cur->cs);
	/* the same version number first: equal bytes mean nothing changed */
	if (cb_reason_sync_build(&same, cur->cs, rs, version, why, sizeof(why)) != CB_OK) {
		pthread_mutex_unlock(&sync_mu);
		svc_problem_begin(r, &w, P_MARKETPLACE_ERROR, "the marketplace's list cannot be mirrored: %s", why);
		cb_jw_kstr(&w, "shop", shop);
		svc_problem_end(r, &w);
		goto out;
	}
	changed = cb_codeset_to_json(&a, &alen, same) != CB_OK || alen != cur->json_len ||
	    memcmp(a, cur->json, alen) != 0;
	if (!changed) {
		pthread_mutex_unlock(&sync_mu);
		svc_json_begin(r, &w);
		cb_jw_obj_begin(&w);
		cb_jw_kstr(&w, "set", CB_REASON_SET);
		cb_jw_kbool(&w, "changed", 0);
		cb_jw_kint(&w, "version", version);
		cb_jw_kint(&w, "reasons", (long long)rs->n);
		cb_jw_kstr(&w, "shop", shop);
		cb_jw_kstr(&w, "marketplace_request_id", rs->request_id ? rs->request_id : "");
		cb_jw_key(&w, "findings");
		cb_jw_arr_begin(&w);
		cb_jw_arr_end(&w);
		cb_jw_obj_end(&w);
		svc_json(r, 200);
		goto out;
	}
	if (cb_reason_sync_build(&next, cur->cs, rs, version + 1, why, sizeof(why)) != CB_OK ||
	    svc_publish(r->svc, next, "marketplace", r->key_name, &outcome, &rep, &old_version) != CB_OK) {
		pthread_mutex_unlock(&sync_mu);
		svc_problem(r, P_INTERNAL, "the new version could not be stored: %s", next ? cb_errmsg() : why);
		goto out;
	}
	pthread_mutex_unlock(&sync_mu);
	if (outcome == PUB_REFUSED) {
		svc_problem_begin(r, &w, P_GOVERNANCE, "the marketplace's list would break %s (%zu breaking "
		    "change%s); version %d is still served", CB_REASON_SET,
		    cb_report_count_severity(rep, CB_SEV_BREAKING),
		    cb_report_count_severity(rep, CB_SEV_BREAKING) == 1 ? "" : "s", old_version);
		cb_jw_kstr(&w, "set", CB_REASON_SET);
		cb_jw_kint(&w, "current_version", old_version);
		cb_jw_kint(&w, "proposed_version", version + 1);
		cb_jw_key(&w, "violations");
		cb_view_findings(&w, rep);
		svc_problem_end(r, &w);
		goto out;
	}
	if (outcome == PUB_STALE) {
		svc_problem(r, P_VERSION_CONFLICT, "version %d of %s was published concurrently; sync again",
		    version + 1, CB_REASON_SET);
		goto out;
	}
	svc_req_header(r, "Location", "/v1/code-sets/%s/versions/%d", CB_REASON_SET, version + 1);
	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "set", CB_REASON_SET);
	cb_jw_kbool(&w, "changed", outcome == PUB_CREATED);
	cb_jw_kint(&w, "previous_version", old_version);
	cb_jw_kint(&w, "version", version + 1);
	cb_jw_kint(&w, "reasons", (long long)rs->n);
	cb_jw_kstr(&w, "shop", shop);
	cb_jw_kstr(&w, "marketplace_request_id", rs->request_id ? rs->request_id : "");
	cb_jw_key(&w, "findings");
	cb_view_findings(&w, rep);
	cb_jw_obj_end(&w);
	svc_json(r, outcome == PUB_CREATED ? 201 : 200);
out:
	cb_free(a);
	cb_report_free(rep);
	cb_codeset_free(same);
	cb_codeset_free(next);
	cb_mkt_reasons_free(rs);
	cb_mkt_free(m);
	cb_mkt_config_free(cfg);
}
