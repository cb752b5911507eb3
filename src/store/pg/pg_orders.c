/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pg_orders.c - orders, payments and refund rows on PostgreSQL (tables
 * orders, order_items, order_payments, refund_rows; schema step 2).
 * docs/internals/orders.md explains the tables and the life of a refund.
 *
 * Where SQLite's single writer serializes everything, PostgreSQL needs
 * the locks said out loud: an import and a refund request lock the order's
 * row (SELECT ... FOR UPDATE) before they judge it, so the guard and the
 * compare-and-swap on the order's money see what the write will change;
 * a claim takes the first due refund that no other claimer has locked
 * (FOR UPDATE SKIP LOCKED), so workers never wait on one another and never
 * share a refund; every later transition names the lease owner in its
 * WHERE clause, so a worker whose lease was taken over changes nothing.
 */
#include "pg_int.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"

#define ORDER_COLS "seq, order_id, marketplace, shop, status, marketplace_status, currency," \
	" items_total, shipping_cost, total, refunded, shipping_refunded, created_at, updated_at"

enum {
	SO_FIND = 0, SO_FIND_SEQ, SO_FIND_LOCK, SO_FIND_SEQ_LOCK, SO_INSERT, SO_UPDATE, SO_ITEMS_DELETE,
	SO_ITEM_INSERT, SO_ITEMS_OF, SO_PAYS_DELETE_IMPORTED, SO_PAY_INSERT, SO_PAYS_OF, SO_ROWS_OF,
	SO_ROW_INSERT, SO_LIST, SO_CLAIM, SO_PAY_SENDING, SO_PAY_LATER, SO_PAY_FAIL, SO_ROWS_STATUS,
	SO_PAY_COMPLETE, SO_ORDER_REFUNDED, SO_ITEM_REFUNDED, SO_PAY_OF, SO_PAY_COUNTS, SO_ITEM_META,
	SO_ACTIVE_REFUND, SO_PAY_ROWS, SO_LOCK, SO_LOCK_SHARED, SO_PAY_EXTEND, SO_IDEM_LOCK, SO_IDEM_FIND,
	SO_IDEM_SET, SO_IDEM_GET,
	SO_COUNT
};

static const char *const sql[SO_COUNT] = {
	[SO_FIND] = "SELECT " ORDER_COLS ", fp, money_fp FROM orders WHERE order_id = $1",
	[SO_FIND_SEQ] = "SELECT " ORDER_COLS ", fp, money_fp FROM orders WHERE seq = $1",
	[SO_FIND_LOCK] = "SELECT " ORDER_COLS ", fp, money_fp FROM orders WHERE order_id = $1 FOR UPDATE",
	[SO_FIND_SEQ_LOCK] = "SELECT " ORDER_COLS ", fp, money_fp FROM orders WHERE seq = $1 FOR UPDATE",
	/* a concurrent import of the same new order: nothing inserted, and
	 * the caller reads the winner's row */
	[SO_INSERT] = "INSERT INTO orders (order_id, marketplace, shop, status, marketplace_status, currency,"
	    " items_total, shipping_cost, total, fp, money_fp, created_at, updated_at, request_id, mkt_status_time)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14)"
	    " ON CONFLICT (order_id) DO NOTHING RETURNING seq",
	/* an import's status older than the stored one's (a webhook, the
	 * order pull) does not replace it: the rule of H_ORDER_STATUS */
	[SO_UPDATE] = "UPDATE orders SET marketplace = $2, shop = $3,"
	    " status = CASE WHEN $14::bigint >= mkt_status_time THEN $4 ELSE status END,"
	    " marketplace_status = CASE WHEN $14::bigint >= mkt_status_time THEN $5 ELSE marketplace_status END,"
	    " mkt_status_time = GREATEST(mkt_status_time, $14::bigint),"
	    " currency = $6, items_total = $7, shipping_cost = $8, total = $9, fp = $10, money_fp = $11,"
	    " updated_at = $12, request_id = $13 WHERE seq = $1",
	[SO_ITEMS_DELETE] = "DELETE FROM order_items WHERE order_seq = $1",
	[SO_ITEM_INSERT] = "INSERT INTO order_items (order_seq, line, sku, line_item_id, title, quantity,"
	    " unit_price, amount, payment_status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
	[SO_ITEMS_OF] = "SELECT line, sku, line_item_id, title, quantity, unit_price, amount, refunded,"
	    " payment_status FROM order_items WHERE order_seq = $1 ORDER BY line",
	[SO_PAYS_DELETE_IMPORTED] = "DELETE FROM order_payments WHERE order_seq = $1 AND type = 'Payment'",
	[SO_PAY_INSERT] = "INSERT INTO order_payments (order_seq, type, status, by_marketplace, amount, currency,"
	    " reason_key, transaction_id, created_at, updated_at, completed_at, request_id)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11) RETURNING id",
	[SO_PAYS_OF] = "SELECT id, type, status, by_marketplace, amount, currency, reason_key, reason_defaulted,"
	    " transaction_id, error_text, attempts, cancel_state, next_attempt_ms, lease_owner,"
	    " lease_expires_ms, last_error_code, last_error, market_request_id, created_at, updated_at,"
	    " completed_at, cancel_sent_at FROM order_payments WHERE order_seq = $1 ORDER BY id",
	[SO_ROWS_OF] = "SELECT r.payment_id, r.row, r.sku, r.kind, r.item_line, r.amount, r.status"
	    " FROM refund_rows r JOIN order_payments p ON p.id = r.payment_id WHERE p.order_seq = $1"
	    " ORDER BY r.payment_id, r.row",
	[SO_ROW_INSERT] = "INSERT INTO refund_rows (payment_id, row, sku, kind, item_line, amount, status)"
	    " VALUES ($1, $2, $3, $4, $5, $6, 'Pending')",
	[SO_LIST] = "SELECT * FROM (SELECT " ORDER_COLS ", (SELECT p.status FROM order_payments p"
	    " WHERE p.order_seq = o.seq AND p.type = 'Refund' ORDER BY p.id DESC LIMIT 1) AS refund_status"
	    " FROM orders o WHERE seq > $1 AND ($3::text IS NULL OR status = $3)"
	    " AND ($4::text IS NULL OR shop = $4) AND ($5::text IS NULL OR marketplace_status = $5)) l"
	    " WHERE ($6::text IS NULL OR refund_status = $6) ORDER BY seq LIMIT $2",
	/* the first due refund no other claimer holds; claimers skip one
	 * another's locked rows instead of queueing behind them */
	[SO_CLAIM] = "UPDATE order_payments SET lease_owner = $1, lease_expires_ms = $2 WHERE id ="
	    " (SELECT id FROM order_payments WHERE type = 'Refund' AND by_marketplace = 1"
	    " AND status IN ('Pending', 'Processing', 'Unknown') AND next_attempt_ms <= $4"
	    " AND (lease_owner IS NULL OR lease_expires_ms <= $3) ORDER BY next_attempt_ms, id LIMIT 1"
	    " FOR UPDATE SKIP LOCKED)"
	    " RETURNING id, order_seq",
	[SO_PAY_SENDING] = "UPDATE order_payments SET status = 'Processing', cancel_state = 'sending',"
	    " attempts = attempts + 1, reason_key = $3, reason_defaulted = $4, lease_expires_ms = $5,"
	    " cancel_sent_at = $6, updated_at = $6 WHERE id = $1 AND lease_owner = $2",
	[SO_PAY_LATER] = "UPDATE order_payments SET status = $3, cancel_state = $4, next_attempt_ms = $5,"
	    " last_error_code = $6, last_error = $7, transaction_id = COALESCE($8, transaction_id),"
	    " market_request_id = COALESCE($9, market_request_id), lease_owner = NULL,"
	    " lease_expires_ms = 0, updated_at = $10 WHERE id = $1 AND lease_owner = $2",
	[SO_PAY_FAIL] = "UPDATE order_payments SET status = 'Error', error_text = $3,"
	    " last_error_code = COALESCE($4, last_error_code),"
	    " last_error = CASE WHEN $4::text IS NULL THEN last_error ELSE $3 END,"
	    " market_request_id = COALESCE($5, market_request_id), reason_key = COALESCE($6, reason_key),"
	    " reason_defaulted = $7, cancel_state = CASE cancel_state WHEN 'none' THEN 'none' ELSE 'done' END,"
	    " lease_owner = NULL, lease_expires_ms = 0, updated_at = $8, completed_at = $8"
	    " WHERE id = $1 AND lease_owner = $2",
	[SO_ROWS_STATUS] = "UPDATE refund_rows SET status = $2 WHERE payment_id = $1",
	[SO_PAY_COMPLETE] = "UPDATE order_payments SET status = 'Completed', transaction_id = $3,"
	    " market_request_id = COALESCE($4, market_request_id), cancel_state = 'done', error_text = NULL,"
	    " lease_owner = NULL, lease_expires_ms = 0, updated_at = $5, completed_at = $5"
	    " WHERE id = $1 AND lease_owner = $2",
	[SO_ORDER_REFUNDED] = "UPDATE orders SET status = 'Cancelled', marketplace_status = 'CANCELLED',"
	    " refunded = refunded + $2, shipping_refunded = shipping_refunded + $3, updated_at = $4"
	    " WHERE seq = $1",
	[SO_ITEM_REFUNDED] = "UPDATE order_items SET refunded = refunded + $3, payment_status ="
	    " CASE WHEN refunded + $3 >= amount THEN 'Refunded' ELSE 'Partially Refunded' END"
	    " WHERE order_seq = $1 AND line = $2",
	/* the payment first, then its order: the order every writer locks them in */
	[SO_PAY_OF] = "SELECT order_seq, amount FROM order_payments WHERE id = $1 AND lease_owner = $2"
	    " FOR UPDATE",
	[SO_PAY_COUNTS] = "SELECT type, status, count(*) FROM order_payments GROUP BY type, status",
	[SO_ITEM_META] = "UPDATE order_items SET line_item_id = $3, title = $4, payment_status ="
	    " CASE WHEN refunded > 0 THEN payment_status ELSE $5 END WHERE order_seq = $1 AND line = $2",
	[SO_ACTIVE_REFUND] = "SELECT id FROM order_payments WHERE order_seq = $1 AND type = 'Refund'"
	    " AND status IN ('Pending', 'Processing', 'Unknown') ORDER BY id LIMIT 1",
	[SO_PAY_ROWS] = "SELECT row, kind, item_line, amount FROM refund_rows WHERE payment_id = $1 ORDER BY row",
	[SO_LOCK] = "SELECT pg_advisory_xact_lock($1::int4, $2::int4)",
	[SO_LOCK_SHARED] = "SELECT pg_advisory_xact_lock_shared($1::int4, $2::int4)",
	/* a heartbeat never shortens a lease */
	[SO_PAY_EXTEND] = "UPDATE order_payments SET lease_expires_ms = GREATEST(lease_expires_ms, $3)"
	    " WHERE id = $1 AND lease_owner = $2",
	/* requests with one idempotency key, one at a time: the second finds the first's refund */
	[SO_IDEM_LOCK] = "SELECT pg_advisory_xact_lock($1::int4, hashtext($2))",
	[SO_IDEM_FIND] = "SELECT id, request_fp FROM order_payments WHERE idempotency_key = $1",
	[SO_IDEM_SET] = "UPDATE order_payments SET idempotency_key = $2, request_fp = $3 WHERE id = $1",
	[SO_IDEM_GET] = "SELECT id, order_seq, request_fp FROM order_payments WHERE idempotency_key = $1",
};

/* ---- reading ---------------------------------------------------------- */

struct reader {
	cb_arena *a;
	int       nomem;
};

static const char *
col_str(struct reader *rd, const PGresult *r, int row, int i)
{
	const char *t = pg__val(r, row, i);
	char *copy;

	if (t == NULL)
		return NULL;
	if ((copy = cb_arena_strndup(rd->a, t, (size_t)PQgetlength(r, row, i))) == NULL) {
		rd->nomem = 1;
		return "";
	}
	return copy;
}

static int
col_enum(const PGresult *r, int row, int i, int (*parse)(const char *, size_t))
{
	const char *t = pg__val(r, row, i);
	int v = t ? parse(t, (size_t)PQgetlength(r, row, i)) : -1;

	return v < 0 ? 0 : v;	/* the schema's CHECKs allow only known names */
}

/* The order columns (ORDER_COLS) of row @row. */
static void
read_order(struct reader *rd, const PGresult *r, int row, cb_order *o)
{
	o->seq = pg__i64(r, row, 0);
	o->order_id = col_str(rd, r, row, 1);
	o->marketplace = col_str(rd, r, row, 2);
	o->shop = col_str(rd, r, row, 3);
	o->status = (cb_ord_status)col_enum(r, row, 4, cb_ord_status_parse);
	o->marketplace_status = col_str(rd, r, row, 5);
	o->currency = col_str(rd, r, row, 6);
	o->items_total = pg__i64(r, row, 7);
	o->shipping_cost = pg__i64(r, row, 8);
	o->total = pg__i64(r, row, 9);
	o->refunded = pg__i64(r, row, 10);
	o->shipping_refunded = pg__i64(r, row, 11);
	o->created_at = col_str(rd, r, row, 12);
	o->updated_at = col_str(rd, r, row, 13);
}

/* The rows of @what for order @seq, into *out (to PQclear). */
static int
rows_of(struct pg_conn *c, int which, int64_t seq, PGresult **out)
{
	struct pg_params p = { 0 };

	pg__p_i64(&p, seq);
	return pg__exec(c, sql[which], &p, "read order", out);
}

static int
read_items(struct pg_conn *c, struct reader *rd, cb_order *o)
{
	PGresult *r;
	int rc, i, n;

	if ((rc = rows_of(c, SO_ITEMS_OF, o->seq, &r)) != CB_OK)
		return rc;
	n = PQntuples(r);
	if (n > 0 && (o->items = cb_arena_calloc(rd->a, (size_t)n, sizeof(*o->items))) == NULL) {
		PQclear(r);
		return cb__fail(CB_ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		cb_ord_item *it = &o->items[i];
		it->line = (int)pg__i64(r, i, 0);
		it->sku = col_str(rd, r, i, 1);
		it->line_item_id = col_str(rd, r, i, 2);
		it->title = col_str(rd, r, i, 3);
		it->quantity = pg__i64(r, i, 4);
		it->unit_price = pg__i64(r, i, 5);
		it->amount = pg__i64(r, i, 6);
		it->refunded = pg__i64(r, i, 7);
		it->payment_status = col_str(rd, r, i, 8);
	}
	o->nitems = (size_t)n;
	PQclear(r);
	return CB_OK;
}

static void
read_payment(struct reader *rd, const PGresult *r, int row, cb_ord_payment *py)
{
	py->id = pg__i64(r, row, 0);
	py->type = (cb_pay_type)col_enum(r, row, 1, cb_pay_type_parse);
	py->status = (cb_pay_status)col_enum(r, row, 2, cb_pay_status_parse);
	py->by_marketplace = (int)pg__i64(r, row, 3);
	py->amount = pg__i64(r, row, 4);
	py->currency = col_str(rd, r, row, 5);
	py->reason_key = col_str(rd, r, row, 6);
	py->reason_defaulted = (int)pg__i64(r, row, 7);
	py->transaction_id = col_str(rd, r, row, 8);
	py->error_text = col_str(rd, r, row, 9);
	py->attempts = (int)pg__i64(r, row, 10);
	py->cancel_state = (cb_cancel_state)col_enum(r, row, 11, cb_cancel_state_parse);
	py->next_attempt_ms = pg__i64(r, row, 12);
	py->lease_owner = col_str(rd, r, row, 13);
	py->lease_expires_ms = pg__i64(r, row, 14);
	py->last_error_code = col_str(rd, r, row, 15);
	py->last_error = col_str(rd, r, row, 16);
	py->market_request_id = col_str(rd, r, row, 17);
	py->created_at = col_str(rd, r, row, 18);
	py->updated_at = col_str(rd, r, row, 19);
	py->completed_at = col_str(rd, r, row, 20);
	py->cancel_sent_at = col_str(rd, r, row, 21);
}

static int
read_rows(struct pg_conn *c, struct reader *rd, cb_order *o)
{
	cb_refund_row *rows = NULL;
	int64_t *owner = NULL;
	PGresult *r;
	int rc, i, n;

	if ((rc = rows_of(c, SO_ROWS_OF, o->seq, &r)) != CB_OK)
		return rc;
	if ((n = PQntuples(r)) == 0) {
		PQclear(r);
		return CB_OK;
	}
	if ((rows = cb_arena_calloc(rd->a, (size_t)n, sizeof(*rows))) == NULL ||
	    (owner = cb__calloc((size_t)n, sizeof(*owner))) == NULL) {
		PQclear(r);
		return cb__fail(CB_ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		owner[i] = pg__i64(r, i, 0);
		rows[i].row = (int)pg__i64(r, i, 1);
		rows[i].sku = col_str(rd, r, i, 2);
		rows[i].kind = (cb_row_kind)col_enum(r, i, 3, cb_row_kind_parse);
		rows[i].item_line = (int)pg__i64(r, i, 4);
		rows[i].amount = pg__i64(r, i, 5);
		rows[i].status = (cb_pay_status)col_enum(r, i, 6, cb_pay_status_parse);
	}
	PQclear(r);
	store__order_attach_rows(o, rows, owner, (size_t)n);
	free(owner);
	return CB_OK;
}

static int
read_payments(struct pg_conn *c, struct reader *rd, cb_order *o)
{
	PGresult *r;
	int rc, i, n;

	if ((rc = rows_of(c, SO_PAYS_OF, o->seq, &r)) != CB_OK)
		return rc;
	n = PQntuples(r);
	if (n > 0 && (o->payments = cb_arena_calloc(rd->a, (size_t)n, sizeof(*o->payments))) == NULL) {
		PQclear(r);
		return cb__fail(CB_ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++)
		read_payment(rd, r, i, &o->payments[i]);
	o->npayments = (size_t)n;
	PQclear(r);
	return read_rows(c, rd, o);
}

/* The whole order from row 0 of @r (SO_FIND...): the order, then its
 * items, payments and refund rows. */
static int
read_whole(struct pg_conn *c, struct reader *rd, const PGresult *r, cb_order *o)
{
	int rc;

	memset(o, 0, sizeof(*o));
	read_order(rd, r, 0, o);
	if ((rc = read_items(c, rd, o)) != CB_OK || (rc = read_payments(c, rd, o)) != CB_OK)
		return rc;
	return rd->nomem ? cb__fail(CB_ENOMEM, "out of memory") : CB_OK;
}

/* The order's row (by @order_id, or @seq when it is NULL), locked when
 * @lock, into *out: CB_OK, CB_ENOTFOUND (*out NULL), or the failure. */
static int
find_order(struct pg_conn *c, const char *order_id, int64_t seq, int lock, PGresult **out)
{
	struct pg_params p = { 0 };
	int rc;

	if (order_id != NULL)
		pg__p_text(&p, order_id);
	else
		pg__p_i64(&p, seq);
	rc = pg__exec(c, sql[order_id ? (lock ? SO_FIND_LOCK : SO_FIND) : (lock ? SO_FIND_SEQ_LOCK : SO_FIND_SEQ)],
	    &p, "read order", out);
	if (rc == CB_OK && PQntuples(*out) == 0) {
		PQclear(*out);
		*out = NULL;
		return CB_ENOTFOUND;
	}
	return rc;
}

struct get { const char *order_id; int64_t seq; cb_order_rec *rec; };

static int
get_tx(struct pg_conn *c, void *arg)
{
	struct get *g = arg;
	struct reader rd = { &g->rec->a, 0 };
	PGresult *r;
	int rc;

	if ((rc = find_order(c, g->order_id, g->seq, 0, &r)) != CB_OK)
		return rc;
	rc = read_whole(c, &rd, r, &g->rec->o);
	PQclear(r);
	return rc;
}

int
pg__order_get(void *be, const char *order_id, int64_t seq, cb_order_rec *rec)
{
	struct get g = { order_id, seq, rec };

	/* one snapshot: the order, its items and payments as of one moment */
	return pg__read(be, "read order", PG_READ_SNAPSHOT, get_tx, &g);
}

/* For clients paging with ?after=: an import that creates an order holds
 * the lock shared from before it draws the seq to its end, and a listing
 * takes it alone, so it never reads while a lower seq is uncommitted. */
static int
lock_seq_order(struct pg_conn *c, int shared)
{
	struct pg_params p = { 0 };

	pg__p_i64(&p, PG_LOCK_NS);
	pg__p_i64(&p, PG_LOCK_ORDERS);
	return pg__run(c, sql[shared ? SO_LOCK_SHARED : SO_LOCK], &p, shared ? "store order" : "list orders", NULL);
}

struct list { const cb_ord_filter *f; cb_ord_fn fn; void *arg; };

static int
list_tx(struct pg_conn *c, void *arg)
{
	struct list *l = arg;
	struct pg_params p = { 0 };
	cb_arena a = CB_ARENA_INIT;
	struct reader rd = { &a, 0 };
	PGresult *r;
	cb_order o;
	int rc, i;

	/* alone: no import is between drawing an order's seq and its end */
	if ((rc = lock_seq_order(c, 0)) != CB_OK)
		return rc;
	pg__p_i64(&p, l->f->after_seq);
	pg__p_i64(&p, l->f->limit);
	pg__p_text(&p, l->f->status);
	pg__p_text(&p, l->f->shop);
	pg__p_text(&p, l->f->marketplace_status);
	pg__p_text(&p, l->f->refund_status);
	if ((rc = pg__exec(c, sql[SO_LIST], &p, "list orders", &r)) != CB_OK)
		return rc;
	for (i = 0; i < PQntuples(r); i++) {
		memset(&o, 0, sizeof(o));
		read_order(&rd, r, i, &o);
		o.refund_status = col_str(&rd, r, i, 14);
		if (rd.nomem) {
			rc = cb__fail(CB_ENOMEM, "out of memory");
			break;
		}
		rc = l->fn(l->arg, &o);
		cb_arena_free(&a);
		if (rc != 0) {
			rc = CB_OK;
			break;
		}
	}
	cb_arena_free(&a);
	PQclear(r);
	return rc;
}

int
pg__order_list(void *be, const cb_ord_filter *f, cb_ord_fn fn, void *arg)
{
	struct list l = { f, fn, arg };

	return pg__read(be, "list orders", PG_READ_LOCKED, list_tx, &l);
}

/* ---- import ------------------------------------------------------------ */

static const char *
item_payment_status(const cb_order *in)
{
	return in->status == CB_ORD_INCOMPLETE ? "Unpaid" : "Paid";
}

static int
insert_items(struct pg_conn *c, int64_t seq, const cb_order *in)
{
	struct pg_params p;
	size_t i;
	int rc;

	for (i = 0; i < in->nitems; i++) {
		const cb_ord_item *it = &in->items[i];
		memset(&p, 0, sizeof(p));
		pg__p_i64(&p, seq);
		pg__p_i64(&p, (int64_t)i + 1);
		pg__p_text(&p, it->sku);
		pg__p_text(&p, it->line_item_id);
		pg__p_text(&p, it->title);
		pg__p_i64(&p, it->quantity);
		pg__p_i64(&p, it->unit_price);
		pg__p_i64(&p, it->quantity * it->unit_price);
		pg__p_text(&p, item_payment_status(in));
		if ((rc = pg__run(c, sql[SO_ITEM_INSERT], &p, "store order item", NULL)) != CB_OK)
			return rc;
	}
	return CB_OK;
}

static int
update_item_meta(struct pg_conn *c, int64_t seq, const cb_order *in)
{
	struct pg_params p;
	size_t i;
	int rc;

	for (i = 0; i < in->nitems; i++) {
		memset(&p, 0, sizeof(p));
		pg__p_i64(&p, seq);
		pg__p_i64(&p, (int64_t)i + 1);
		pg__p_text(&p, in->items[i].line_item_id);
		pg__p_text(&p, in->items[i].title);
		pg__p_text(&p, item_payment_status(in));
		if ((rc = pg__run(c, sql[SO_ITEM_META], &p, "update order item", NULL)) != CB_OK)
			return rc;
	}
	return CB_OK;
}

static int
insert_imported_payments(struct pg_conn *c, int64_t seq, const struct store_order_put *x)
{
	struct pg_params p;
	size_t i;
	int rc;

	for (i = 0; i < x->in->npayments; i++) {
		const cb_ord_payment *py = &x->in->payments[i];
		memset(&p, 0, sizeof(p));
		pg__p_i64(&p, seq);
		pg__p_text(&p, cb_pay_type_name(CB_PAY_PAYMENT));
		pg__p_text(&p, cb_pay_status_name(py->status));
		pg__p_i64(&p, 0);
		pg__p_i64(&p, py->amount);
		pg__p_text(&p, x->in->currency);
		pg__p_text(&p, NULL);
		pg__p_text(&p, py->transaction_id);
		pg__p_text(&p, x->now);
		pg__p_text(&p, py->status == CB_PAY_COMPLETED ? x->now : NULL);
		pg__p_text(&p, x->request_id);
		if ((rc = pg__run(c, sql[SO_PAY_INSERT], &p, "store payment", NULL)) != CB_OK)
			return rc;
	}
	return CB_OK;
}

/* Bind the columns of SO_INSERT / SO_UPDATE after the first. */
static void
bind_order(struct pg_params *p, const struct store_order_put *x)
{
	const cb_order *in = x->in;

	pg__p_text(p, in->marketplace);
	pg__p_text(p, in->shop);
	pg__p_text(p, cb_ord_status_name(in->status));
	pg__p_text(p, in->marketplace_status);
	pg__p_text(p, in->currency);
	pg__p_i64(p, x->items_total);
	pg__p_i64(p, in->shipping_cost);
	pg__p_i64(p, x->items_total + in->shipping_cost);
	pg__p_bytea(p, x->fp, 32);
	pg__p_bytea(p, x->money, 32);
	pg__p_text(p, x->now);
	pg__p_text(p, x->request_id);
	pg__p_i64(p, in->mkt_status_time);
}

struct put {
	const struct store_order_put *p;
	cb_ord_put_status            *status;
	char                         *why;
	size_t                        whylen;
};


/* Create the order; *raced when another transaction created it first
 * (nothing done here: the caller reads it and goes on as an update). */
static int
create_order(struct pg_conn *c, struct put *x, int *raced)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int64_t seq;
	int rc;

	*raced = 0;
	if (x->p->guard != NULL) {
		if ((rc = x->p->guard(x->p->guard_arg, NULL, x->p->in, x->why, x->whylen)) < 0)
			return rc;
		if (rc == CB_GUARD_REFUSE) {
			*x->status = CB_ORD_FROZEN;
			return PG_ROLLBACK;
		}
	}
	if ((rc = lock_seq_order(c, 1)) != CB_OK)
		return rc;
	pg__p_text(&p, x->p->in->order_id);
	bind_order(&p, x->p);
	if ((rc = pg__exec(c, sql[SO_INSERT], &p, "store order", &r)) != CB_OK)
		return rc;
	if (PQntuples(r) == 0) {
		PQclear(r);
		*raced = 1;
		return CB_OK;
	}
	seq = pg__i64(r, 0, 0);
	PQclear(r);
	if ((rc = insert_items(c, seq, x->p->in)) != CB_OK ||
	    (rc = insert_imported_payments(c, seq, x->p)) != CB_OK)
		return rc;
	*x->status = CB_ORD_CREATED;
	return CB_OK;
}

/* Ask the guard about an import of the stored order in @r. */
static int
ask_guard(struct pg_conn *c, struct put *x, const PGresult *r)
{
	cb_arena a = CB_ARENA_INIT;
	struct reader rd = { &a, 0 };
	cb_order stored;
	int rc;

	if ((rc = read_whole(c, &rd, r, &stored)) == CB_OK)
		rc = x->p->guard(x->p->guard_arg, &stored, x->p->in, x->why, x->whylen);
	cb_arena_free(&a);
	return rc;
}

static int
update_order(struct pg_conn *c, struct put *x, const PGresult *r)
{
	struct pg_params p = { 0 };
	int64_t seq = pg__i64(r, 0, 0);
	int rc, same_money;

	if (pg__bytea_eq(r, 0, 14, x->p->fp)) {
		*x->status = CB_ORD_UNCHANGED;
		return PG_ROLLBACK;	/* nothing to write */
	}
	same_money = pg__bytea_eq(r, 0, 15, x->p->money);
	if (x->p->guard != NULL) {
		if ((rc = ask_guard(c, x, r)) < 0)
			return rc;
		if (rc == CB_GUARD_REFUSE) {
			*x->status = CB_ORD_FROZEN;
			return PG_ROLLBACK;
		}
	}
	pg__p_i64(&p, seq);
	bind_order(&p, x->p);
	if ((rc = pg__run(c, sql[SO_UPDATE], &p, "update order", NULL)) != CB_OK)
		return rc;
	memset(&p, 0, sizeof(p));
	pg__p_i64(&p, seq);
	if (same_money)
		rc = update_item_meta(c, seq, x->p->in);
	else if ((rc = pg__run(c, sql[SO_ITEMS_DELETE], &p, "replace order items", NULL)) == CB_OK)
		rc = insert_items(c, seq, x->p->in);
	if (rc != CB_OK ||
	    (rc = pg__run(c, sql[SO_PAYS_DELETE_IMPORTED], &p, "replace payments", NULL)) != CB_OK ||
	    (rc = insert_imported_payments(c, seq, x->p)) != CB_OK)
		return rc;
	*x->status = CB_ORD_UPDATED;
	return CB_OK;
}

static int
put_tx(struct pg_conn *c, void *arg)
{
	struct put *x = arg;
	PGresult *r = NULL;
	int rc, raced = 0, tries;

	for (tries = 0; tries < 2; tries++) {
		/* the row locked: the guard judges what the update will replace */
		if ((rc = find_order(c, x->p->in->order_id, 0, 1, &r)) == CB_ENOTFOUND) {
			if ((rc = create_order(c, x, &raced)) != CB_OK || !raced)
				return rc;
			continue;	/* created meanwhile by another import: read it, locked */
		}
		if (rc != CB_OK)
			return rc;
		rc = update_order(c, x, r);
		PQclear(r);
		return rc;
	}
	return cb__fail(CB_EUNAVAIL, "database: store order: the order was created and is gone");
}

int
pg__order_put(void *be, const struct store_order_put *p, cb_ord_put_status *status,
    char *why, size_t whylen)
{
	struct put x = { p, status, why, whylen };

	return pg__write(be, "store order", put_tx, &x);
}

/* ---- refunds ----------------------------------------------------------- */

struct refund { const struct store_refund *r; cb_refund_put_status *status; int64_t *payment_id; };

static int
insert_refund_rows(struct pg_conn *c, int64_t pid, const struct store_refund *r)
{
	struct pg_params p;
	size_t i;
	int rc;

	for (i = 0; i < r->nrows; i++) {
		memset(&p, 0, sizeof(p));
		pg__p_i64(&p, pid);
		pg__p_i64(&p, (int64_t)i + 1);
		pg__p_text(&p, r->rows[i].sku);
		pg__p_text(&p, cb_row_kind_name(r->rows[i].kind));
		if (r->rows[i].kind == CB_ROW_ITEM_COST)
			pg__p_i64(&p, r->rows[i].item_line);
		else
			pg__p_raw(&p, NULL, 0, PG_OID_INT8);
		pg__p_i64(&p, r->rows[i].amount);
		if ((rc = pg__run(c, sql[SO_ROW_INSERT], &p, "store refund row", NULL)) != CB_OK)
			return rc;
	}
	return CB_OK;
}

/* A request with an Idempotency-Key that was seen before: its refund, as
 * a replay or as the key reused with another request (PG_ROLLBACK), or
 * CB_OK when the key is new. */
static int
refund_replay(struct pg_conn *c, struct refund *x)
{
	const struct store_refund *r = x->r;
	struct pg_params p = { 0 };
	PGresult *res;
	int rc;

	pg__p_text(&p, r->idem_key);
	if ((rc = pg__exec(c, sql[SO_IDEM_FIND], &p, "read refunds", &res)) != CB_OK)
		return rc;
	if (PQntuples(res) > 0) {
		*x->payment_id = pg__i64(res, 0, 0);
		*x->status = pg__bytea_eq(res, 0, 1, r->idem_fp) ? CB_REFUND_REPLAYED : CB_REFUND_KEY_REUSED;
		rc = PG_ROLLBACK;
	}
	PQclear(res);
	return rc;
}

/* The Pending refund, its rows and its idempotency key; *pid its id. */
static int
refund_insert(struct pg_conn *c, const struct store_refund *r, int64_t *pid)
{
	struct pg_params p = { 0 };
	PGresult *res;
	int rc;

	pg__p_i64(&p, r->seq);
	pg__p_text(&p, cb_pay_type_name(CB_PAY_REFUND));
	pg__p_text(&p, cb_pay_status_name(CB_PAY_PENDING));
	pg__p_i64(&p, 1);
	pg__p_i64(&p, r->amount);
	pg__p_text(&p, r->currency);
	pg__p_text(&p, r->reason_key);
	pg__p_text(&p, NULL);
	pg__p_text(&p, r->now);
	pg__p_text(&p, NULL);
	pg__p_text(&p, r->request_id);
	if ((rc = pg__exec(c, sql[SO_PAY_INSERT], &p, "store refund", &res)) != CB_OK)
		return rc;
	*pid = pg__i64(res, 0, 0);
	PQclear(res);
	if ((rc = insert_refund_rows(c, *pid, r)) != CB_OK || r->idem_key == NULL)
		return rc;
	memset(&p, 0, sizeof(p));
	pg__p_i64(&p, *pid);
	pg__p_text(&p, r->idem_key);
	pg__p_bytea(&p, r->idem_fp, 32);
	return pg__run(c, sql[SO_IDEM_SET], &p, "store refund", NULL);
}

static int
refund_tx(struct pg_conn *c, void *arg)
{
	struct refund *x = arg;
	const struct store_refund *r = x->r;
	struct pg_params p = { 0 };
	PGresult *res;
	int64_t pid;
	int rc, stale;

	/* the key first (the one lock every request with it takes first),
	 * then the order: two requests for one order are judged one after the
	 * other */
	if (r->idem_key != NULL) {
		pg__p_i64(&p, PG_LOCK_NS_IDEM);
		pg__p_text(&p, r->idem_key);
		if ((rc = pg__run(c, sql[SO_IDEM_LOCK], &p, "store refund", NULL)) != CB_OK)
			return rc;
		memset(&p, 0, sizeof(p));
	}
	if ((rc = find_order(c, NULL, r->seq, 1, &res)) != CB_OK)
		return rc;
	stale = !pg__bytea_eq(res, 0, 15, r->money_fp);
	PQclear(res);
	/* a replay must find its refund even when that is what keeps the
	 * order busy, or has changed its money */
	if (r->idem_key != NULL && (rc = refund_replay(c, x)) != CB_OK)
		return rc;
	if (stale) {
		*x->status = CB_REFUND_STALE;	/* the compare-and-swap on the order's money */
		return PG_ROLLBACK;
	}
	pg__p_i64(&p, r->seq);
	if ((rc = pg__exec(c, sql[SO_ACTIVE_REFUND], &p, "read refunds", &res)) != CB_OK)
		return rc;
	if (PQntuples(res) > 0) {
		*x->payment_id = pg__i64(res, 0, 0);
		*x->status = CB_REFUND_BUSY;
		PQclear(res);
		return PG_ROLLBACK;
	}
	PQclear(res);
	if ((rc = refund_insert(c, r, &pid)) != CB_OK)
		return rc;
	*x->payment_id = pid;
	*x->status = CB_REFUND_CREATED;
	return CB_OK;
}

struct by_key { const char *key; int64_t *payment_id, *order_seq; unsigned char *fp; };

static int
by_key_tx(struct pg_conn *c, void *arg)
{
	struct by_key *k = arg;
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, k->key);
	if ((rc = pg__exec(c, sql[SO_IDEM_GET], &p, "read refunds", &r)) != CB_OK)
		return rc;
	if (PQntuples(r) == 0)
		rc = CB_ENOTFOUND;
	else {
		*k->payment_id = pg__i64(r, 0, 0);
		*k->order_seq = pg__i64(r, 0, 1);
		if (!pg__bytea(r, 0, 2, k->fp, 32))
			memset(k->fp, 0, 32);
	}
	PQclear(r);
	return rc;
}

int
pg__refund_by_key(void *be, const char *key, int64_t *payment_id, int64_t *order_seq, unsigned char fp[32])
{
	struct by_key k = { key, payment_id, order_seq, fp };

	return pg__read(be, "read refunds", PG_READ_PLAIN, by_key_tx, &k);
}

int
pg__refund_create(void *be, const struct store_refund *r, cb_refund_put_status *status,
    int64_t *payment_id)
{
	struct refund x = { r, status, payment_id };

	return pg__write(be, "store refund", refund_tx, &x);
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
claim_tx(struct pg_conn *c, void *arg)
{
	struct pay *x = arg;
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, x->owner);
	pg__p_i64(&p, x->now_ms + x->lease_ms);
	pg__p_i64(&p, x->now_ms);
	pg__p_i64(&p, x->due_ms);
	if ((rc = pg__exec(c, sql[SO_CLAIM], &p, "claim a refund", &r)) != CB_OK)
		return rc;
	if (PQntuples(r) == 0)
		rc = CB_ENOTFOUND;
	else {
		*x->payment_id = pg__i64(r, 0, 0);
		*x->order_seq = pg__i64(r, 0, 1);
	}
	PQclear(r);
	return rc;
}

int
pg__pay_claim(void *be, const char *owner, int64_t now_ms, int64_t due_ms, int64_t lease_ms,
    int64_t *payment_id, int64_t *order_seq)
{
	struct pay x = { .owner = owner, .now_ms = now_ms, .due_ms = due_ms, .lease_ms = lease_ms,
		.payment_id = payment_id, .order_seq = order_seq };

	return pg__write(be, "claim a refund", claim_tx, &x);
}

/* Run a lease-guarded UPDATE: CB_ENOTFOUND when the lease is no longer
 * the owner's. */
static int
guarded(struct pg_conn *c, int which, const struct pg_params *p, const char *what)
{
	int64_t changed = 0;
	int rc;

	if ((rc = pg__run(c, sql[which], p, what, &changed)) != CB_OK)
		return rc;
	return changed == 0 ? CB_ENOTFOUND : CB_OK;
}

/* The refund rows of a payment follow it to @status (in the caller's transaction). */
static int
rows_status(struct pg_conn *c, int64_t payment_id, cb_pay_status status, const char *what)
{
	struct pg_params p = { 0 };

	pg__p_i64(&p, payment_id);
	pg__p_text(&p, cb_pay_status_name(status));
	return pg__run(c, sql[SO_ROWS_STATUS], &p, what, NULL);
}

static int
sending_tx(struct pg_conn *c, void *arg)
{
	struct pay *x = arg;
	struct pg_params p = { 0 };

	pg__p_i64(&p, x->id);
	pg__p_text(&p, x->owner);
	pg__p_text(&p, x->reason_key);
	pg__p_i64(&p, x->defaulted);
	pg__p_i64(&p, x->lease_until_ms);
	pg__p_text(&p, x->now);
	return guarded(c, SO_PAY_SENDING, &p, "record the cancel");
}

int
pg__pay_sending(void *be, int64_t payment_id, const char *owner, const char *reason_key,
    int defaulted, int64_t lease_until_ms, const char *now)
{
	struct pay x = { .id = payment_id, .owner = owner, .now = now, .reason_key = reason_key,
		.defaulted = defaulted, .lease_until_ms = lease_until_ms };

	return pg__write(be, "record the cancel", sending_tx, &x);
}

static int
extend_tx(struct pg_conn *c, void *arg)
{
	struct pay *x = arg;
	struct pg_params p = { 0 };

	pg__p_i64(&p, x->id);
	pg__p_text(&p, x->owner);
	pg__p_i64(&p, x->lease_until_ms);
	return guarded(c, SO_PAY_EXTEND, &p, "extend the lease");
}

int
pg__pay_extend(void *be, int64_t payment_id, const char *owner, int64_t lease_until_ms)
{
	struct pay x = { .id = payment_id, .owner = owner, .lease_until_ms = lease_until_ms };

	return pg__write(be, "extend the lease", extend_tx, &x);
}

static int
later_tx(struct pg_conn *c, void *arg)
{
	struct pay *x = arg;
	const cb_pay_later *l = x->later;
	struct pg_params p = { 0 };

	pg__p_i64(&p, x->id);
	pg__p_text(&p, x->owner);
	pg__p_text(&p, cb_pay_status_name(l->status));
	pg__p_text(&p, cb_cancel_state_name(l->cancel_state));
	pg__p_i64(&p, l->next_attempt_ms);
	pg__p_text(&p, l->last_error_code);
	pg__p_text(&p, l->last_error);
	pg__p_text(&p, l->transaction_id);
	pg__p_text(&p, l->market_request_id);
	pg__p_text(&p, x->now);
	return guarded(c, SO_PAY_LATER, &p, "reschedule the refund");
}

int
pg__pay_later(void *be, int64_t payment_id, const char *owner, const cb_pay_later *l, const char *now)
{
	struct pay x = { .id = payment_id, .owner = owner, .now = now, .later = l };

	return pg__write(be, "reschedule the refund", later_tx, &x);
}

static int
fail_tx(struct pg_conn *c, void *arg)
{
	struct pay *x = arg;
	struct pg_params p = { 0 };
	int rc;

	pg__p_i64(&p, x->id);
	pg__p_text(&p, x->owner);
	pg__p_text(&p, x->error_text);
	pg__p_text(&p, x->error_code);
	pg__p_text(&p, x->market_request_id);
	pg__p_text(&p, x->reason_key);
	pg__p_i64(&p, x->defaulted);
	pg__p_text(&p, x->now);
	if ((rc = guarded(c, SO_PAY_FAIL, &p, "record the error")) != CB_OK)
		return rc;
	return rows_status(c, x->id, CB_PAY_ERROR, "record the error");
}

int
pg__pay_fail(void *be, int64_t payment_id, const char *owner, const char *error_text,
    const char *error_code, const char *market_request_id, const char *reason_key, int defaulted,
    const char *now)
{
	struct pay x = { .id = payment_id, .owner = owner, .now = now, .error_text = error_text,
		.error_code = error_code, .market_request_id = market_request_id, .reason_key = reason_key,
		.defaulted = defaulted };

	return pg__write(be, "record the error", fail_tx, &x);
}

/* Raise the order's items by the refund rows of payment @x->id; the
 * shipping refunded into *shipping. */
static int
refund_items(struct pg_conn *c, struct pay *x, int64_t seq, int64_t *shipping)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc, i;

	pg__p_i64(&p, x->id);
	if ((rc = pg__exec(c, sql[SO_PAY_ROWS], &p, "read refund rows", &r)) != CB_OK)
		return rc;
	for (i = 0; i < PQntuples(r) && rc == CB_OK; i++) {
		const char *kind = pg__val(r, i, 1);
		if (kind != NULL && strcmp(kind, cb_row_kind_name(CB_ROW_SHIPPING_COST)) == 0) {
			*shipping += pg__i64(r, i, 3);
			continue;
		}
		memset(&p, 0, sizeof(p));
		pg__p_i64(&p, seq);
		pg__p_i64(&p, pg__i64(r, i, 2));
		pg__p_i64(&p, pg__i64(r, i, 3));
		rc = pg__run(c, sql[SO_ITEM_REFUNDED], &p, "refund an order item", NULL);
	}
	PQclear(r);
	return rc;
}

static int
complete_tx(struct pg_conn *c, void *arg)
{
	struct pay *x = arg;
	struct pg_params p = { 0 };
	PGresult *r;
	int64_t seq, amount, shipping = 0;
	int rc;

	pg__p_i64(&p, x->id);
	pg__p_text(&p, x->owner);
	if ((rc = pg__exec(c, sql[SO_PAY_OF], &p, "read the refund", &r)) != CB_OK)
		return rc;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return CB_ENOTFOUND;	/* the lease is someone else's */
	}
	seq = pg__i64(r, 0, 0);
	amount = pg__i64(r, 0, 1);
	PQclear(r);
	/* the items first, from the refund rows */
	if ((rc = refund_items(c, x, seq, &shipping)) != CB_OK)
		return rc;
	memset(&p, 0, sizeof(p));
	pg__p_i64(&p, seq);
	pg__p_i64(&p, amount);
	pg__p_i64(&p, shipping);
	pg__p_text(&p, x->now);
	if ((rc = pg__run(c, sql[SO_ORDER_REFUNDED], &p, "cancel the order", NULL)) != CB_OK)
		return rc;
	memset(&p, 0, sizeof(p));
	pg__p_i64(&p, x->id);
	pg__p_text(&p, x->owner);
	pg__p_text(&p, x->transaction_id);
	pg__p_text(&p, x->market_request_id);
	pg__p_text(&p, x->now);
	if ((rc = guarded(c, SO_PAY_COMPLETE, &p, "complete the refund")) != CB_OK)
		return rc;
	return rows_status(c, x->id, CB_PAY_COMPLETED, "complete the refund rows");
}

int
pg__pay_complete(void *be, int64_t payment_id, const char *owner, const char *transaction_id,
    const char *market_request_id, const char *now)
{
	struct pay x = { .id = payment_id, .owner = owner, .now = now, .transaction_id = transaction_id,
		.market_request_id = market_request_id };

	return pg__write(be, "complete the refund", complete_tx, &x);
}

static int
counts_tx(struct pg_conn *c, void *arg)
{
	struct pay *x = arg;
	PGresult *r;
	int rc, i;

	if ((rc = pg__exec(c, sql[SO_PAY_COUNTS], NULL, "count payments", &r)) != CB_OK)
		return rc;
	for (i = 0; i < PQntuples(r); i++) {
		int t = col_enum(r, i, 0, cb_pay_type_parse), v = col_enum(r, i, 1, cb_pay_status_parse);
		x->counts[t][v] = pg__i64(r, i, 2);
	}
	PQclear(r);
	return CB_OK;
}

int
pg__pay_counts(void *be, int64_t counts[CB_PAY_TYPE_COUNT][CB_PAY_STATUS_COUNT])
{
	struct pay x = { .counts = counts };

	return pg__read(be, "count payments", PG_READ_PLAIN, counts_tx, &x);
}
