/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sq_orders.c - orders, payments and refund rows on SQLite (tables orders,
 * order_items, order_payments, refund_rows; schema step 2).
 * docs/internals/orders.md explains the tables and the life of a refund.
 *
 * A claim is one UPDATE inside BEGIN IMMEDIATE, so SQLite's write lock
 * makes it exclusive; every later transition names the lease owner in its
 * WHERE clause, so a worker whose lease was taken over changes nothing.
 */
#include "sq_int.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"

#define ORDER_COLS "seq, order_id, marketplace, shop, status, marketplace_status, currency," \
	" items_total, shipping_cost, total, refunded, shipping_refunded, created_at, updated_at"

enum {
	SO_FIND = 0, SO_FIND_SEQ, SO_INSERT, SO_UPDATE, SO_ITEMS_DELETE, SO_ITEM_INSERT, SO_ITEMS_OF,
	SO_PAYS_DELETE_IMPORTED, SO_PAY_INSERT, SO_PAYS_OF, SO_ROWS_OF, SO_ROW_INSERT,
	SO_LIST, SO_CLAIM, SO_PAY_SENDING, SO_PAY_LATER, SO_PAY_FAIL, SO_ROWS_STATUS, SO_PAY_COMPLETE,
	SO_ORDER_REFUNDED, SO_ITEM_REFUNDED, SO_PAY_OF, SO_PAY_COUNTS, SO_ITEM_META, SO_ACTIVE_REFUND,
	SO_PAY_ROWS, SO_PAY_EXTEND, SO_IDEM_FIND, SO_IDEM_SET, SO_IDEM_GET,
	SO_COUNT
};

static const char *const sql[SO_COUNT] = {
	[SO_FIND] = "SELECT " ORDER_COLS ", fp, money_fp FROM orders WHERE order_id = ?1",
	[SO_FIND_SEQ] = "SELECT " ORDER_COLS ", fp, money_fp FROM orders WHERE seq = ?1",
	[SO_INSERT] = "INSERT INTO orders (order_id, marketplace, shop, status, marketplace_status, currency,"
	    " items_total, shipping_cost, total, fp, money_fp, created_at, updated_at, request_id, mkt_status_time)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, ?14)",
	/* an import's status older than the stored one's (a webhook, the
	 * order pull) does not replace it: the rule of H_ORDER_STATUS */
	[SO_UPDATE] = "UPDATE orders SET marketplace = ?2, shop = ?3,"
	    " status = CASE WHEN ?14 >= mkt_status_time THEN ?4 ELSE status END,"
	    " marketplace_status = CASE WHEN ?14 >= mkt_status_time THEN ?5 ELSE marketplace_status END,"
	    " mkt_status_time = MAX(mkt_status_time, ?14),"
	    " currency = ?6, items_total = ?7, shipping_cost = ?8, total = ?9, fp = ?10, money_fp = ?11,"
	    " updated_at = ?12, request_id = ?13 WHERE seq = ?1",
	[SO_ITEMS_DELETE] = "DELETE FROM order_items WHERE order_seq = ?1",
	[SO_ITEM_INSERT] = "INSERT INTO order_items (order_seq, line, sku, line_item_id, title, quantity,"
	    " unit_price, amount, payment_status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[SO_ITEMS_OF] = "SELECT line, sku, line_item_id, title, quantity, unit_price, amount, refunded,"
	    " payment_status FROM order_items WHERE order_seq = ?1 ORDER BY line",
	[SO_PAYS_DELETE_IMPORTED] = "DELETE FROM order_payments WHERE order_seq = ?1 AND type = 'Payment'",
	[SO_PAY_INSERT] = "INSERT INTO order_payments (order_seq, type, status, by_marketplace, amount, currency,"
	    " reason_key, transaction_id, created_at, updated_at, completed_at, request_id)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11)",
	[SO_PAYS_OF] = "SELECT id, type, status, by_marketplace, amount, currency, reason_key, reason_defaulted,"
	    " transaction_id, error_text, attempts, cancel_state, next_attempt_ms, lease_owner,"
	    " lease_expires_ms, last_error_code, last_error, market_request_id, created_at, updated_at,"
	    " completed_at, cancel_sent_at FROM order_payments WHERE order_seq = ?1 ORDER BY id",
	[SO_ROWS_OF] = "SELECT r.payment_id, r.row, r.sku, r.kind, r.item_line, r.amount, r.status"
	    " FROM refund_rows r JOIN order_payments p ON p.id = r.payment_id WHERE p.order_seq = ?1"
	    " ORDER BY r.payment_id, r.row",
	[SO_ROW_INSERT] = "INSERT INTO refund_rows (payment_id, row, sku, kind, item_line, amount, status)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'Pending')",
	[SO_LIST] = "SELECT * FROM (SELECT " ORDER_COLS ", (SELECT p.status FROM order_payments p"
	    " WHERE p.order_seq = o.seq AND p.type = 'Refund' ORDER BY p.id DESC LIMIT 1) AS refund_status"
	    " FROM orders o WHERE seq > ?1 AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR shop = ?4)"
	    " AND (?5 IS NULL OR marketplace_status = ?5))"
	    " WHERE (?6 IS NULL OR refund_status = ?6) ORDER BY seq LIMIT ?2",
	/* one statement: the lease is taken by whoever holds the write lock */
	[SO_CLAIM] = "UPDATE order_payments SET lease_owner = ?1, lease_expires_ms = ?2 WHERE id ="
	    " (SELECT id FROM order_payments WHERE type = 'Refund' AND by_marketplace = 1"
	    " AND status IN ('Pending', 'Processing', 'Unknown') AND next_attempt_ms <= ?4"
	    " AND (lease_owner IS NULL OR lease_expires_ms <= ?3) ORDER BY next_attempt_ms, id LIMIT 1)"
	    " RETURNING id, order_seq",
	[SO_PAY_SENDING] = "UPDATE order_payments SET status = 'Processing', cancel_state = 'sending',"
	    " attempts = attempts + 1, reason_key = ?3, reason_defaulted = ?4, lease_expires_ms = ?5,"
	    " cancel_sent_at = ?6, updated_at = ?6 WHERE id = ?1 AND lease_owner = ?2",
	[SO_PAY_LATER] = "UPDATE order_payments SET status = ?3, cancel_state = ?4, next_attempt_ms = ?5,"
	    " last_error_code = ?6, last_error = ?7, transaction_id = COALESCE(?8, transaction_id),"
	    " market_request_id = COALESCE(?9, market_request_id), lease_owner = NULL,"
	    " lease_expires_ms = 0, updated_at = ?10 WHERE id = ?1 AND lease_owner = ?2",
	[SO_PAY_FAIL] = "UPDATE order_payments SET status = 'Error', error_text = ?3,"
	    " last_error_code = COALESCE(?4, last_error_code),"
	    " last_error = CASE WHEN ?4 IS NULL THEN last_error ELSE ?3 END,"
	    " market_request_id = COALESCE(?5, market_request_id), reason_key = COALESCE(?6, reason_key),"
	    " reason_defaulted = ?7, cancel_state = CASE cancel_state WHEN 'none' THEN 'none' ELSE 'done' END,"
	    " lease_owner = NULL, lease_expires_ms = 0, updated_at = ?8, completed_at = ?8"
	    " WHERE id = ?1 AND lease_owner = ?2",
	[SO_ROWS_STATUS] = "UPDATE refund_rows SET status = ?2 WHERE payment_id = ?1",
	[SO_PAY_COMPLETE] = "UPDATE order_payments SET status = 'Completed', transaction_id = ?3,"
	    " market_request_id = COALESCE(?4, market_request_id), cancel_state = 'done', error_text = NULL,"
	    " lease_owner = NULL, lease_expires_ms = 0, updated_at = ?5, completed_at = ?5"
	    " WHERE id = ?1 AND lease_owner = ?2",
	[SO_ORDER_REFUNDED] = "UPDATE orders SET status = 'Cancelled', marketplace_status = 'CANCELLED',"
	    " refunded = refunded + ?2,"
	    " shipping_refunded = shipping_refunded + ?3, updated_at = ?4 WHERE seq = ?1",
	[SO_ITEM_REFUNDED] = "UPDATE order_items SET refunded = refunded + ?3, payment_status ="
	    " CASE WHEN refunded + ?3 >= amount THEN 'Refunded' ELSE 'Partially Refunded' END"
	    " WHERE order_seq = ?1 AND line = ?2",
	[SO_PAY_OF] = "SELECT order_seq, amount FROM order_payments WHERE id = ?1 AND lease_owner = ?2",
	[SO_PAY_COUNTS] = "SELECT type, status, COUNT(*) FROM order_payments GROUP BY type, status",
	[SO_ITEM_META] = "UPDATE order_items SET line_item_id = ?3, title = ?4, payment_status ="
	    " CASE WHEN refunded > 0 THEN payment_status ELSE ?5 END WHERE order_seq = ?1 AND line = ?2",
	[SO_ACTIVE_REFUND] = "SELECT id FROM order_payments WHERE order_seq = ?1 AND type = 'Refund'"
	    " AND status IN ('Pending', 'Processing', 'Unknown') ORDER BY id LIMIT 1",
	[SO_PAY_ROWS] = "SELECT row, kind, item_line, amount FROM refund_rows WHERE payment_id = ?1 ORDER BY row",
	/* a heartbeat never shortens a lease */
	[SO_PAY_EXTEND] = "UPDATE order_payments SET lease_expires_ms = MAX(lease_expires_ms, ?3)"
	    " WHERE id = ?1 AND lease_owner = ?2",
	[SO_IDEM_FIND] = "SELECT id, request_fp FROM order_payments WHERE idempotency_key = ?1",
	[SO_IDEM_SET] = "UPDATE order_payments SET idempotency_key = ?2, request_fp = ?3 WHERE id = ?1",
	[SO_IDEM_GET] = "SELECT id, order_seq, request_fp FROM order_payments WHERE idempotency_key = ?1",
};

/* ---- reading ---------------------------------------------------------- */

struct reader {
	cb_arena *a;
	int       nomem;
};

static const char *
col_str(struct reader *rd, sqlite3_stmt *s, int i)
{
	const char *t;
	char *copy;

	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return NULL;
	t = (const char *)sqlite3_column_text(s, i);
	if (t == NULL || (copy = cb_arena_strndup(rd->a, t, (size_t)sqlite3_column_bytes(s, i))) == NULL) {
		rd->nomem = 1;
		return "";
	}
	return copy;
}

static int
col_enum(sqlite3_stmt *s, int i, int (*parse)(const char *, size_t))
{
	const char *t = (const char *)sqlite3_column_text(s, i);
	int v = t ? parse(t, (size_t)sqlite3_column_bytes(s, i)) : -1;

	return v < 0 ? 0 : v;	/* the schema's CHECKs allow only known names */
}

static int
blob_eq(sqlite3_stmt *s, int col, const unsigned char h[32])
{
	return sqlite3_column_bytes(s, col) == 32 && memcmp(sqlite3_column_blob(s, col), h, 32) == 0;
}

/* The order columns (ORDER_COLS) of the current row. */
static void
read_order(struct reader *rd, sqlite3_stmt *s, cb_order *o)
{
	o->seq = sqlite3_column_int64(s, 0);
	o->order_id = col_str(rd, s, 1);
	o->marketplace = col_str(rd, s, 2);
	o->shop = col_str(rd, s, 3);
	o->status = (cb_ord_status)col_enum(s, 4, cb_ord_status_parse);
	o->marketplace_status = col_str(rd, s, 5);
	o->currency = col_str(rd, s, 6);
	o->items_total = sqlite3_column_int64(s, 7);
	o->shipping_cost = sqlite3_column_int64(s, 8);
	o->total = sqlite3_column_int64(s, 9);
	o->refunded = sqlite3_column_int64(s, 10);
	o->shipping_refunded = sqlite3_column_int64(s, 11);
	o->created_at = col_str(rd, s, 12);
	o->updated_at = col_str(rd, s, 13);
}

/* Count the rows @s yields (then reset it). */
static int
count_rows(struct sq_conn *c, sqlite3_stmt *s, size_t *n)
{
	int step;

	*n = 0;
	while ((step = sqlite3_step(s)) == SQLITE_ROW)
		(*n)++;
	sqlite3_reset(s);
	return step == SQLITE_DONE ? CB_OK : sq__fail(c, step, "read order");
}

static int
read_items(struct sq_conn *c, struct reader *rd, cb_order *o)
{
	sqlite3_stmt *s;
	size_t i = 0;
	int rc;

	if ((rc = sq__stmt(c, sql[SO_ITEMS_OF], &s)) != CB_OK)
		return rc;
	sqlite3_bind_int64(s, 1, o->seq);
	if ((rc = count_rows(c, s, &o->nitems)) != CB_OK)
		return rc;
	if (o->nitems > 0 && (o->items = cb_arena_calloc(rd->a, o->nitems, sizeof(*o->items))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	while (i < o->nitems && sqlite3_step(s) == SQLITE_ROW) {
		cb_ord_item *it = &o->items[i++];
		it->line = sqlite3_column_int(s, 0);
		it->sku = col_str(rd, s, 1);
		it->line_item_id = col_str(rd, s, 2);
		it->title = col_str(rd, s, 3);
		it->quantity = sqlite3_column_int64(s, 4);
		it->unit_price = sqlite3_column_int64(s, 5);
		it->amount = sqlite3_column_int64(s, 6);
		it->refunded = sqlite3_column_int64(s, 7);
		it->payment_status = col_str(rd, s, 8);
	}
	sqlite3_reset(s);
	o->nitems = i;
	return CB_OK;
}

static void
read_payment(struct reader *rd, sqlite3_stmt *s, cb_ord_payment *py)
{
	py->id = sqlite3_column_int64(s, 0);
	py->type = (cb_pay_type)col_enum(s, 1, cb_pay_type_parse);
	py->status = (cb_pay_status)col_enum(s, 2, cb_pay_status_parse);
	py->by_marketplace = sqlite3_column_int(s, 3);
	py->amount = sqlite3_column_int64(s, 4);
	py->currency = col_str(rd, s, 5);
	py->reason_key = col_str(rd, s, 6);
	py->reason_defaulted = sqlite3_column_int(s, 7);
	py->transaction_id = col_str(rd, s, 8);
	py->error_text = col_str(rd, s, 9);
	py->attempts = sqlite3_column_int(s, 10);
	py->cancel_state = (cb_cancel_state)col_enum(s, 11, cb_cancel_state_parse);
	py->next_attempt_ms = sqlite3_column_int64(s, 12);
	py->lease_owner = col_str(rd, s, 13);
	py->lease_expires_ms = sqlite3_column_int64(s, 14);
	py->last_error_code = col_str(rd, s, 15);
	py->last_error = col_str(rd, s, 16);
	py->market_request_id = col_str(rd, s, 17);
	py->created_at = col_str(rd, s, 18);
	py->updated_at = col_str(rd, s, 19);
	py->completed_at = col_str(rd, s, 20);
	py->cancel_sent_at = col_str(rd, s, 21);
}

static int
read_rows(struct sq_conn *c, struct reader *rd, cb_order *o)
{
	cb_refund_row *rows = NULL;
	int64_t *owner = NULL;
	sqlite3_stmt *s;
	size_t nrows, r;
	int rc;

	if ((rc = sq__stmt(c, sql[SO_ROWS_OF], &s)) != CB_OK)
		return rc;
	sqlite3_bind_int64(s, 1, o->seq);
	if ((rc = count_rows(c, s, &nrows)) != CB_OK || nrows == 0)
		return rc;
	if ((rows = cb_arena_calloc(rd->a, nrows, sizeof(*rows))) == NULL ||
	    (owner = cb__calloc(nrows, sizeof(*owner))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	for (r = 0; r < nrows && sqlite3_step(s) == SQLITE_ROW; r++) {
		owner[r] = sqlite3_column_int64(s, 0);
		rows[r].row = sqlite3_column_int(s, 1);
		rows[r].sku = col_str(rd, s, 2);
		rows[r].kind = (cb_row_kind)col_enum(s, 3, cb_row_kind_parse);
		rows[r].item_line = sqlite3_column_int(s, 4);
		rows[r].amount = sqlite3_column_int64(s, 5);
		rows[r].status = (cb_pay_status)col_enum(s, 6, cb_pay_status_parse);
	}
	sqlite3_reset(s);
	store__order_attach_rows(o, rows, owner, r);
	free(owner);
	return CB_OK;
}

static int
read_payments(struct sq_conn *c, struct reader *rd, cb_order *o)
{
	sqlite3_stmt *s;
	size_t i = 0;
	int rc;

	if ((rc = sq__stmt(c, sql[SO_PAYS_OF], &s)) != CB_OK)
		return rc;
	sqlite3_bind_int64(s, 1, o->seq);
	if ((rc = count_rows(c, s, &o->npayments)) != CB_OK)
		return rc;
	if (o->npayments > 0 && (o->payments = cb_arena_calloc(rd->a, o->npayments, sizeof(*o->payments))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	while (i < o->npayments && sqlite3_step(s) == SQLITE_ROW)
		read_payment(rd, s, &o->payments[i++]);
	sqlite3_reset(s);
	o->npayments = i;
	return read_rows(c, rd, o);
}

/* The whole order from its current row in @s (SO_FIND or SO_FIND_SEQ):
 * the order, then its items, payments and refund rows. */
static int
read_whole(struct sq_conn *c, struct reader *rd, sqlite3_stmt *s, cb_order *o)
{
	int rc;

	memset(o, 0, sizeof(*o));
	read_order(rd, s, o);
	sqlite3_reset(s);
	if ((rc = read_items(c, rd, o)) != CB_OK || (rc = read_payments(c, rd, o)) != CB_OK)
		return rc;
	return rd->nomem ? cb__fail(CB_ENOMEM, "out of memory") : CB_OK;
}

/* Position @s on the order (by @order_id, or @seq when it is NULL):
 * CB_OK on its row, CB_ENOTFOUND, or the failure. */
static int
find_order(struct sq_conn *c, const char *order_id, int64_t seq, sqlite3_stmt **s)
{
	int rc, step;

	if ((rc = sq__stmt(c, sql[order_id ? SO_FIND : SO_FIND_SEQ], s)) != CB_OK)
		return rc;
	if (order_id != NULL)
		sq__bind_str(*s, 1, order_id);
	else
		sqlite3_bind_int64(*s, 1, seq);
	if ((step = sqlite3_step(*s)) == SQLITE_ROW)
		return CB_OK;
	return step == SQLITE_DONE ? CB_ENOTFOUND : sq__fail(c, step, "read order");
}

struct get { const char *order_id; int64_t seq; cb_order_rec *rec; };

static int
get_tx(struct sq_conn *c, void *arg)
{
	struct get *g = arg;
	struct reader rd = { &g->rec->a, 0 };
	sqlite3_stmt *s;
	int rc;

	if ((rc = find_order(c, g->order_id, g->seq, &s)) != CB_OK)
		return rc;
	return read_whole(c, &rd, s, &g->rec->o);
}

int
sq__order_get(void *be, const char *order_id, int64_t seq, cb_order_rec *rec)
{
	struct get g = { order_id, seq, rec };

	/* one read transaction: the order, its items and payments as of one moment */
	return sq__read(be, "read order", 1, get_tx, &g);
}

struct list { const cb_ord_filter *f; cb_ord_fn fn; void *arg; };

static int
list_tx(struct sq_conn *c, void *arg)
{
	struct list *l = arg;
	cb_arena a = CB_ARENA_INIT;
	struct reader rd = { &a, 0 };
	sqlite3_stmt *s;
	cb_order o;
	int rc, step;

	if ((rc = sq__stmt(c, sql[SO_LIST], &s)) != CB_OK)
		return rc;
	sqlite3_bind_int64(s, 1, l->f->after_seq);
	sqlite3_bind_int64(s, 2, l->f->limit);
	sq__bind_str(s, 3, l->f->status);
	sq__bind_str(s, 4, l->f->shop);
	sq__bind_str(s, 5, l->f->marketplace_status);
	sq__bind_str(s, 6, l->f->refund_status);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&o, 0, sizeof(o));
		read_order(&rd, s, &o);
		o.refund_status = col_str(&rd, s, 14);
		if (rd.nomem) {
			cb_arena_free(&a);
			return cb__fail(CB_ENOMEM, "out of memory");
		}
		rc = l->fn(l->arg, &o);
		cb_arena_free(&a);
		if (rc != 0)
			return SQ_ROLLBACK;
	}
	return step == SQLITE_DONE ? CB_OK : sq__fail(c, step, "list orders");
}

int
sq__order_list(void *be, const cb_ord_filter *f, cb_ord_fn fn, void *arg)
{
	struct list l = { f, fn, arg };

	return sq__read(be, "list orders", 0, list_tx, &l);
}

/* ---- import ------------------------------------------------------------ */

static const char *
item_payment_status(const cb_order *in)
{
	return in->status == CB_ORD_INCOMPLETE ? "Unpaid" : "Paid";
}

static int
insert_items(struct sq_conn *c, int64_t seq, const cb_order *in)
{
	sqlite3_stmt *s;
	size_t i;
	int rc;

	if ((rc = sq__stmt(c, sql[SO_ITEM_INSERT], &s)) != CB_OK)
		return rc;
	for (i = 0; i < in->nitems; i++) {
		const cb_ord_item *it = &in->items[i];
		sqlite3_bind_int64(s, 1, seq);
		sqlite3_bind_int(s, 2, (int)i + 1);
		sq__bind_str(s, 3, it->sku);
		sq__bind_str(s, 4, it->line_item_id);
		sq__bind_str(s, 5, it->title);
		sqlite3_bind_int64(s, 6, it->quantity);
		sqlite3_bind_int64(s, 7, it->unit_price);
		sqlite3_bind_int64(s, 8, it->quantity * it->unit_price);
		sq__bind_str(s, 9, item_payment_status(in));
		if ((rc = sq__run(c, s, "store order item")) != CB_OK)
			return rc;
	}
	return CB_OK;
}

static int
update_item_meta(struct sq_conn *c, int64_t seq, const cb_order *in)
{
	sqlite3_stmt *s;
	size_t i;
	int rc;

	if ((rc = sq__stmt(c, sql[SO_ITEM_META], &s)) != CB_OK)
		return rc;
	for (i = 0; i < in->nitems; i++) {
		sqlite3_bind_int64(s, 1, seq);
		sqlite3_bind_int(s, 2, (int)i + 1);
		sq__bind_str(s, 3, in->items[i].line_item_id);
		sq__bind_str(s, 4, in->items[i].title);
		sq__bind_str(s, 5, item_payment_status(in));
		if ((rc = sq__run(c, s, "update order item")) != CB_OK)
			return rc;
	}
	return CB_OK;
}

static int
insert_imported_payments(struct sq_conn *c, int64_t seq, const struct store_order_put *p)
{
	sqlite3_stmt *s;
	size_t i;
	int rc;

	if ((rc = sq__stmt(c, sql[SO_PAY_INSERT], &s)) != CB_OK)
		return rc;
	for (i = 0; i < p->in->npayments; i++) {
		const cb_ord_payment *py = &p->in->payments[i];
		sqlite3_bind_int64(s, 1, seq);
		sq__bind_str(s, 2, cb_pay_type_name(CB_PAY_PAYMENT));
		sq__bind_str(s, 3, cb_pay_status_name(py->status));
		sqlite3_bind_int(s, 4, 0);
		sqlite3_bind_int64(s, 5, py->amount);
		sq__bind_str(s, 6, p->in->currency);
		sqlite3_bind_null(s, 7);
		sq__bind_str(s, 8, py->transaction_id);
		sq__bind_str(s, 9, p->now);
		sq__bind_str(s, 10, py->status == CB_PAY_COMPLETED ? p->now : NULL);
		sq__bind_str(s, 11, p->request_id);
		if ((rc = sq__run(c, s, "store payment")) != CB_OK)
			return rc;
	}
	return CB_OK;
}

/* Bind the imported columns of SO_INSERT / SO_UPDATE (same numbering from ?2). */
static void
bind_order(sqlite3_stmt *s, const struct store_order_put *p)
{
	const cb_order *in = p->in;

	sq__bind_str(s, 2, in->marketplace);
	sq__bind_str(s, 3, in->shop);
	sq__bind_str(s, 4, cb_ord_status_name(in->status));
	sq__bind_str(s, 5, in->marketplace_status);
	sq__bind_str(s, 6, in->currency);
	sqlite3_bind_int64(s, 7, p->items_total);
	sqlite3_bind_int64(s, 8, in->shipping_cost);
	sqlite3_bind_int64(s, 9, p->items_total + in->shipping_cost);
	sqlite3_bind_blob(s, 10, p->fp, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 11, p->money, 32, SQLITE_STATIC);
	sq__bind_str(s, 12, p->now);
	sq__bind_str(s, 13, p->request_id);
	sqlite3_bind_int64(s, 14, in->mkt_status_time);
}

struct put {
	const struct store_order_put *p;
	cb_ord_put_status            *status;
	char                         *why;
	size_t                        whylen;
};

static int
create_order(struct sq_conn *c, struct put *x)
{
	sqlite3_stmt *s;
	int64_t seq;
	int rc;

	if (x->p->guard != NULL) {
		if ((rc = x->p->guard(x->p->guard_arg, NULL, x->p->in, x->why, x->whylen)) < 0)
			return rc;
		if (rc == CB_GUARD_REFUSE) {
			*x->status = CB_ORD_FROZEN;
			return SQ_ROLLBACK;
		}
	}
	if ((rc = sq__stmt(c, sql[SO_INSERT], &s)) != CB_OK)
		return rc;
	sq__bind_str(s, 1, x->p->in->order_id);
	bind_order(s, x->p);
	if ((rc = sq__run(c, s, "store order")) != CB_OK)
		return rc;
	seq = sqlite3_last_insert_rowid(c->db);
	if ((rc = insert_items(c, seq, x->p->in)) != CB_OK ||
	    (rc = insert_imported_payments(c, seq, x->p)) != CB_OK)
		return rc;
	*x->status = CB_ORD_CREATED;
	return CB_OK;
}

/* Ask the guard about an import of the stored order on @s's row. */
static int
ask_guard(struct sq_conn *c, struct put *x, sqlite3_stmt *s)
{
	cb_arena a = CB_ARENA_INIT;
	struct reader rd = { &a, 0 };
	cb_order stored;
	int rc;

	if ((rc = read_whole(c, &rd, s, &stored)) == CB_OK)
		rc = x->p->guard(x->p->guard_arg, &stored, x->p->in, x->why, x->whylen);
	cb_arena_free(&a);
	return rc;
}

static int
put_tx(struct sq_conn *c, void *arg)
{
	struct put *x = arg;
	sqlite3_stmt *s;
	int64_t seq;
	int rc, same_money;

	if ((rc = find_order(c, x->p->in->order_id, 0, &s)) == CB_ENOTFOUND)
		return create_order(c, x);
	if (rc != CB_OK)
		return rc;
	seq = sqlite3_column_int64(s, 0);
	if (blob_eq(s, 14, x->p->fp)) {
		*x->status = CB_ORD_UNCHANGED;
		return SQ_ROLLBACK;	/* nothing to write */
	}
	same_money = blob_eq(s, 15, x->p->money);
	if (x->p->guard != NULL) {
		if ((rc = ask_guard(c, x, s)) < 0)
			return rc;
		if (rc == CB_GUARD_REFUSE) {
			*x->status = CB_ORD_FROZEN;
			return SQ_ROLLBACK;
		}
	}
	sqlite3_reset(s);
	if ((rc = sq__stmt(c, sql[SO_UPDATE], &s)) != CB_OK)
		return rc;
	sqlite3_bind_int64(s, 1, seq);
	bind_order(s, x->p);
	if ((rc = sq__run(c, s, "update order")) != CB_OK)
		return rc;
	if (same_money)
		rc = update_item_meta(c, seq, x->p->in);
	else if ((rc = sq__stmt(c, sql[SO_ITEMS_DELETE], &s)) == CB_OK) {
		sqlite3_bind_int64(s, 1, seq);
		if ((rc = sq__run(c, s, "replace order items")) == CB_OK)
			rc = insert_items(c, seq, x->p->in);
	}
	if (rc != CB_OK || (rc = sq__stmt(c, sql[SO_PAYS_DELETE_IMPORTED], &s)) != CB_OK)
		return rc;
	sqlite3_bind_int64(s, 1, seq);
	if ((rc = sq__run(c, s, "replace payments")) != CB_OK ||
	    (rc = insert_imported_payments(c, seq, x->p)) != CB_OK)
		return rc;
	*x->status = CB_ORD_UPDATED;
	return CB_OK;
}

int
sq__order_put(void *be, const struct store_order_put *p, cb_ord_put_status *status,
    char *why, size_t whylen)
{
	struct put x = { p, status, why, whylen };

	return sq__write(be, "store order", put_tx, &x);
}

/* ---- refunds ----------------------------------------------------------- */

struct refund { const struct store_refund *r; cb_refund_put_status *status; int64_t *payment_id; };

static int
insert_refund_rows(struct sq_conn *c, int64_t pid, const struct store_refund *r)
{
	sqlite3_stmt *s;
	size_t i;
	int rc;

	if ((rc = sq__stmt(c, sql[SO_ROW_INSERT], &s)) != CB_OK)
		return rc;
	for (i = 0; i < r->nrows; i++) {
		sqlite3_bind_int64(s, 1, pid);
		sqlite3_bind_int(s, 2, (int)i + 1);
		sq__bind_str(s, 3, r->rows[i].sku);
		sq__bind_str(s, 4, cb_row_kind_name(r->rows[i].kind));
		if (r->rows[i].kind == CB_ROW_ITEM_COST)
			sqlite3_bind_int(s, 5, r->rows[i].item_line);
		else
			sqlite3_bind_null(s, 5);
		sqlite3_bind_int64(s, 6, r->rows[i].amount);
		if ((rc = sq__run(c, s, "store refund row")) != CB_OK)
			return rc;
	}
	return CB_OK;
}

static int
refund_tx(struct sq_conn *c, void *arg)
{
	struct refund *x = arg;
	const struct store_refund *r = x->r;
	sqlite3_stmt *s;
	int64_t pid;
	int rc, step;

	if ((rc = find_order(c, NULL, r->seq, &s)) != CB_OK)
		return rc;
	if (r->idem_key != NULL) {
		/* first: a replay must find its refund even when that is what
		 * keeps the order busy, or has changed its money */
		sqlite3_stmt *k;
		if ((rc = sq__stmt(c, sql[SO_IDEM_FIND], &k)) != CB_OK)
			return rc;
		sq__bind_str(k, 1, r->idem_key);
		if ((step = sqlite3_step(k)) == SQLITE_ROW) {
			*x->payment_id = sqlite3_column_int64(k, 0);
			*x->status = blob_eq(k, 1, r->idem_fp) ? CB_REFUND_REPLAYED : CB_REFUND_KEY_REUSED;
			return SQ_ROLLBACK;
		}
		if (step != SQLITE_DONE)
			return sq__fail(c, step, "read refunds");
	}
	if (!blob_eq(s, 15, r->money_fp)) {
		*x->status = CB_REFUND_STALE;	/* the compare-and-swap on the order's money */
		return SQ_ROLLBACK;
	}
	if ((rc = sq__stmt(c, sql[SO_ACTIVE_REFUND], &s)) != CB_OK)
		return rc;
	sqlite3_bind_int64(s, 1, r->seq);
	if ((step = sqlite3_step(s)) == SQLITE_ROW) {
		*x->payment_id = sqlite3_column_int64(s, 0);
		*x->status = CB_REFUND_BUSY;
		return SQ_ROLLBACK;
	}
	if (step != SQLITE_DONE)
		return sq__fail(c, step, "read refunds");
	if ((rc = sq__stmt(c, sql[SO_PAY_INSERT], &s)) != CB_OK)
		return rc;
	sqlite3_bind_int64(s, 1, r->seq);
	sq__bind_str(s, 2, cb_pay_type_name(CB_PAY_REFUND));
	sq__bind_str(s, 3, cb_pay_status_name(CB_PAY_PENDING));
	sqlite3_bind_int(s, 4, 1);
	sqlite3_bind_int64(s, 5, r->amount);
	sq__bind_str(s, 6, r->currency);
	sq__bind_str(s, 7, r->reason_key);
	sqlite3_bind_null(s, 8);
	sq__bind_str(s, 9, r->now);
	sqlite3_bind_null(s, 10);
	sq__bind_str(s, 11, r->request_id);
	if ((rc = sq__run(c, s, "store refund")) != CB_OK)
		return rc;
	pid = sqlite3_last_insert_rowid(c->db);
	if ((rc = insert_refund_rows(c, pid, r)) != CB_OK)
		return rc;
	if (r->idem_key != NULL) {
		if ((rc = sq__stmt(c, sql[SO_IDEM_SET], &s)) != CB_OK)
			return rc;
		sqlite3_bind_int64(s, 1, pid);
		sq__bind_str(s, 2, r->idem_key);
		sqlite3_bind_blob(s, 3, r->idem_fp, 32, SQLITE_STATIC);
		if ((rc = sq__run(c, s, "store refund")) != CB_OK)
			return rc;
	}
	*x->payment_id = pid;
	*x->status = CB_REFUND_CREATED;
	return CB_OK;
}

int
sq__refund_create(void *be, const struct store_refund *r, cb_refund_put_status *status,
    int64_t *payment_id)
{
	struct refund x = { r, status, payment_id };

	return sq__write(be, "store refund", refund_tx, &x);
}

struct by_key { const char *key; int64_t *payment_id, *order_seq; unsigned char *fp; };

static int
by_key_tx(struct sq_conn *c, void *arg)
{
	struct by_key *k = arg;
	sqlite3_stmt *s;
	int rc, step;

	if ((rc = sq__stmt(c, sql[SO_IDEM_GET], &s)) != CB_OK)
		return rc;
	sq__bind_str(s, 1, k->key);
	if ((step = sqlite3_step(s)) == SQLITE_DONE)
		return CB_ENOTFOUND;
	if (step != SQLITE_ROW)
		return sq__fail(c, step, "read refunds");
	*k->payment_id = sqlite3_column_int64(s, 0);
	*k->order_seq = sqlite3_column_int64(s, 1);
	memset(k->fp, 0, 32);
	if (sqlite3_column_bytes(s, 2) == 32)
		memcpy(k->fp, sqlite3_column_blob(s, 2), 32);
	return CB_OK;
}

int
sq__refund_by_key(void *be, const char *key, int64_t *payment_id, int64_t *order_seq, unsigned char fp[32])
{
	struct by_key k = { key, payment_id, order_seq, fp };

	return sq__read(be, "read refunds", 0, by_key_tx, &k);
}

/* ---- the worker's transitions ------------------------------------------- */

/* The arguments of every transition, by name. */
struct pay {
	int64_t             id;
	const char         *owner, *now;
	/* claim */
	int64_t             now_ms, due_ms, lease_ms, *payment_id, *order_seq;
	/* sending */
	const char         *reason_key;
	int                 defaulted;
	int64_t             lease_until_ms;
	/* later */
	const cb_pay_later *later;
	/* fail, complete */
	const char         *error_text, *error_code, *market_request_id, *transaction_id;
	int64_t           (*counts)[CB_PAY_STATUS_COUNT];
};

static int
claim_tx(struct sq_conn *c, void *arg)
{
	struct pay *p = arg;
	sqlite3_stmt *s;
	int rc, step;

	if ((rc = sq__stmt(c, sql[SO_CLAIM], &s)) != CB_OK)
		return rc;
	sq__bind_str(s, 1, p->owner);
	sqlite3_bind_int64(s, 2, p->now_ms + p->lease_ms);
	sqlite3_bind_int64(s, 3, p->now_ms);
	sqlite3_bind_int64(s, 4, p->due_ms);
	if ((step = sqlite3_step(s)) == SQLITE_DONE)
		return CB_ENOTFOUND;
	if (step == SQLITE_ROW) {
		*p->payment_id = sqlite3_column_int64(s, 0);
		*p->order_seq = sqlite3_column_int64(s, 1);
		step = sqlite3_step(s);
	}
	return step == SQLITE_DONE ? CB_OK : sq__fail(c, step, "claim a refund");
}

int
sq__pay_claim(void *be, const char *owner, int64_t now_ms, int64_t due_ms, int64_t lease_ms,
    int64_t *payment_id, int64_t *order_seq)
{
	struct pay p = { .owner = owner, .now_ms = now_ms, .due_ms = due_ms, .lease_ms = lease_ms,
		.payment_id = payment_id, .order_seq = order_seq };

	return sq__write(be, "claim a refund", claim_tx, &p);
}

/* Run a lease-guarded UPDATE: CB_ENOTFOUND when the lease is no longer
 * the owner's. */
static int
guarded(struct sq_conn *c, sqlite3_stmt *s, const char *what)
{
	int rc;

	if ((rc = sq__run(c, s, what)) != CB_OK)
		return rc;
	return sqlite3_changes(c->db) == 0 ? CB_ENOTFOUND : CB_OK;
}

/* The refund rows of a payment follow it to @status (in the caller's transaction). */
static int
rows_status(struct sq_conn *c, int64_t payment_id, cb_pay_status status, const char *what)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = sq__stmt(c, sql[SO_ROWS_STATUS], &s)) != CB_OK)
		return rc;
	sqlite3_bind_int64(s, 1, payment_id);
	sq__bind_str(s, 2, cb_pay_status_name(status));
	return sq__run(c, s, what);
}

static int
sending_tx(struct sq_conn *c, void *arg)
{
	struct pay *p = arg;
	sqlite3_stmt *s;
	int rc;

	if ((rc = sq__stmt(c, sql[SO_PAY_SENDING], &s)) != CB_OK)
		return rc;
	sqlite3_bind_int64(s, 1, p->id);
	sq__bind_str(s, 2, p->owner);
	sq__bind_str(s, 3, p->reason_key);
	sqlite3_bind_int(s, 4, p->defaulted);
	sqlite3_bind_int64(s, 5, p->lease_until_ms);
	sq__bind_str(s, 6, p->now);
	return guarded(c, s, "record the cancel");
}

int
sq__pay_sending(void *be, int64_t payment_id, const char *owner, const char *reason_key,
    int defaulted, int64_t lease_until_ms, const char *now)
{
	struct pay p = { .id = payment_id, .owner = owner, .now = now, .reason_key = reason_key,
		.defaulted = defaulted, .lease_until_ms = lease_until_ms };

	return sq__write(be, "record the cancel", sending_tx, &p);
}

static int
extend_tx(struct sq_conn *c, void *arg)
{
	struct pay *p = arg;
	sqlite3_stmt *s;
	int rc;

	if ((rc = sq__stmt(c, sql[SO_PAY_EXTEND], &s)) != CB_OK)
		return rc;
	sqlite3_bind_int64(s, 1, p->id);
	sq__bind_str(s, 2, p->owner);
	sqlite3_bind_int64(s, 3, p->lease_until_ms);
	return guarded(c, s, "extend the lease");
}

int
sq__pay_extend(void *be, int64_t payment_id, const char *owner, int64_t lease_until_ms)
{
	struct pay p = { .id = payment_id, .owner = owner, .lease_until_ms = lease_until_ms };

	return sq__write(be, "extend the lease", extend_tx, &p);
}

static int
later_tx(struct sq_conn *c, void *arg)
{
	struct pay *p = arg;
	const cb_pay_later *l = p->later;
	sqlite3_stmt *s;
	int rc;

	if ((rc = sq__stmt(c, sql[SO_PAY_LATER], &s)) != CB_OK)
		return rc;
	sqlite3_bind_int64(s, 1, p->id);
	sq__bind_str(s, 2, p->owner);
	sq__bind_str(s, 3, cb_pay_status_name(l->status));
	sq__bind_str(s, 4, cb_cancel_state_name(l->cancel_state));
	sqlite3_bind_int64(s, 5, l->next_attempt_ms);
	sq__bind_str(s, 6, l->last_error_code);
	sq__bind_str(s, 7, l->last_error);
	sq__bind_str(s, 8, l->transaction_id);
	sq__bind_str(s, 9, l->market_request_id);
	sq__bind_str(s, 10, p->now);
	return guarded(c, s, "reschedule the refund");
}

int
sq__pay_later(void *be, int64_t payment_id, const char *owner, const cb_pay_later *l, const char *now)
{
	struct pay p = { .id = payment_id, .owner = owner, .now = now, .later = l };

	return sq__write(be, "reschedule the refund", later_tx, &p);
}

static int
fail_tx(struct sq_conn *c, void *arg)
{
	struct pay *p = arg;
	sqlite3_stmt *s;
	int rc;

	if ((rc = sq__stmt(c, sql[SO_PAY_FAIL], &s)) != CB_OK)
		return rc;
	sqlite3_bind_int64(s, 1, p->id);
	sq__bind_str(s, 2, p->owner);
	sq__bind_str(s, 3, p->error_text);
	sq__bind_str(s, 4, p->error_code);
	sq__bind_str(s, 5, p->market_request_id);
	sq__bind_str(s, 6, p->reason_key);
	sqlite3_bind_int(s, 7, p->defaulted);
	sq__bind_str(s, 8, p->now);
	if ((rc = guarded(c, s, "record the error")) != CB_OK)
		return rc;
	return rows_status(c, p->id, CB_PAY_ERROR, "record the error");
}

int
sq__pay_fail(void *be, int64_t payment_id, const char *owner, const char *error_text,
    const char *error_code, const char *market_request_id, const char *reason_key, int defaulted,
    const char *now)
{
	struct pay p = { .id = payment_id, .owner = owner, .now = now, .error_text = error_text,
		.error_code = error_code, .market_request_id = market_request_id, .reason_key = reason_key,
		.defaulted = defaulted };

	return sq__write(be, "record the error", fail_tx, &p);
}

/* Raise the order's items by the refund rows of payment @p->id; the
 * shipping refunded into *shipping. */
static int
refund_items(struct sq_conn *c, struct pay *p, int64_t seq, int64_t *shipping)
{
	sqlite3_stmt *s, *item;
	int rc, step;

	if ((rc = sq__stmt(c, sql[SO_PAY_ROWS], &s)) != CB_OK || (rc = sq__stmt(c, sql[SO_ITEM_REFUNDED], &item)) != CB_OK)
		return rc;
	sqlite3_bind_int64(s, 1, p->id);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(s, 1);
		if (kind != NULL && strcmp(kind, cb_row_kind_name(CB_ROW_SHIPPING_COST)) == 0) {
			*shipping += sqlite3_column_int64(s, 3);
			continue;
		}
		sqlite3_bind_int64(item, 1, seq);
		sqlite3_bind_int(item, 2, sqlite3_column_int(s, 2));
		sqlite3_bind_int64(item, 3, sqlite3_column_int64(s, 3));
		if ((rc = sq__run(c, item, "refund an order item")) != CB_OK)
			return rc;
	}
	return step == SQLITE_DONE ? CB_OK : sq__fail(c, step, "read refund rows");
}

static int
complete_tx(struct sq_conn *c, void *arg)
{
	struct pay *p = arg;
	sqlite3_stmt *s;
	int64_t seq, amount, shipping = 0;
	int rc, step;

	if ((rc = sq__stmt(c, sql[SO_PAY_OF], &s)) != CB_OK)
		return rc;
	sqlite3_bind_int64(s, 1, p->id);
	sq__bind_str(s, 2, p->owner);
	if ((step = sqlite3_step(s)) != SQLITE_ROW)
		return step == SQLITE_DONE ? CB_ENOTFOUND : sq__fail(c, step, "read the refund");
	seq = sqlite3_column_int64(s, 0);
	amount = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	/* the items first, from the refund rows */
	if ((rc = refund_items(c, p, seq, &shipping)) != CB_OK ||
	    (rc = sq__stmt(c, sql[SO_ORDER_REFUNDED], &s)) != CB_OK)
		return rc;
	sqlite3_bind_int64(s, 1, seq);
	sqlite3_bind_int64(s, 2, amount);
	sqlite3_bind_int64(s, 3, shipping);
	sq__bind_str(s, 4, p->now);
	if ((rc = sq__run(c, s, "cancel the order")) != CB_OK ||
	    (rc = sq__stmt(c, sql[SO_PAY_COMPLETE], &s)) != CB_OK)
		return rc;
	sqlite3_bind_int64(s, 1, p->id);
	sq__bind_str(s, 2, p->owner);
	sq__bind_str(s, 3, p->transaction_id);
	sq__bind_str(s, 4, p->market_request_id);
	sq__bind_str(s, 5, p->now);
	if ((rc = guarded(c, s, "complete the refund")) != CB_OK)
		return rc;
	return rows_status(c, p->id, CB_PAY_COMPLETED, "complete the refund rows");
}

int
sq__pay_complete(void *be, int64_t payment_id, const char *owner, const char *transaction_id,
    const char *market_request_id, const char *now)
{
	struct pay p = { .id = payment_id, .owner = owner, .now = now, .transaction_id = transaction_id,
		.market_request_id = market_request_id };

	return sq__write(be, "complete the refund", complete_tx, &p);
}

static int
counts_tx(struct sq_conn *c, void *arg)
{
	struct pay *p = arg;
	sqlite3_stmt *s;
	int rc, step;

	if ((rc = sq__stmt(c, sql[SO_PAY_COUNTS], &s)) != CB_OK)
		return rc;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		int t = col_enum(s, 0, cb_pay_type_parse), v = col_enum(s, 1, cb_pay_status_parse);
		p->counts[t][v] = sqlite3_column_int64(s, 2);
	}
	return step == SQLITE_DONE ? CB_OK : sq__fail(c, step, "count payments");
}

int
sq__pay_counts(void *be, int64_t counts[CB_PAY_TYPE_COUNT][CB_PAY_STATUS_COUNT])
{
	struct pay p = { .counts = counts };

	return sq__read(be, "count payments", 0, counts_tx, &p);
}
