/*
 * orders.c - orders as imported from the marketplace, their payments and
 * the refund rows of each refund (seed 003).  docs/internals/orders.md
 * explains the tables and the life of a refund.
 *
 * Two kinds of writer meet here.  Requests import orders and record
 * refunds (Pending); workers, possibly several processes on one database,
 * claim due refunds with a lease and move them on.  A claim is one UPDATE
 * inside BEGIN IMMEDIATE, so SQLite's write lock makes it exclusive; every
 * later transition names the lease owner in its WHERE clause, so a worker
 * whose lease was taken over changes nothing.  The step that matters most
 * is cb_store_pay_sending(): it is committed before the cancel leaves, so
 * after a crash the next worker knows a cancel may be out and asks the
 * marketplace before sending another.
 */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "arena.h"
#include "buf.h"

#define ORDER_COLS "seq, order_id, marketplace, shop, status, marketplace_status, currency," \
	" items_total, shipping_cost, total, refunded, shipping_refunded, created_at, updated_at"

const char *const store__ord_sql[SO_COUNT] = {
	[SO_FIND] = "SELECT " ORDER_COLS ", fp, money_fp FROM orders WHERE order_id = ?1",
	[SO_FIND_SEQ] = "SELECT " ORDER_COLS ", fp, money_fp FROM orders WHERE seq = ?1",
	[SO_INSERT] = "INSERT INTO orders (order_id, marketplace, shop, status, marketplace_status, currency,"
	    " items_total, shipping_cost, total, fp, money_fp, created_at, updated_at, request_id)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13)",
	[SO_UPDATE] = "UPDATE orders SET marketplace = ?2, shop = ?3, status = ?4, marketplace_status = ?5,"
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
	[SO_REFUND_STATE] = "SELECT COALESCE(SUM(status != 'Error'), 0),"
	    " COALESCE(SUM(status = 'Completed' AND by_marketplace = 1), 0),"
	    " MIN(CASE WHEN status != 'Error' THEN id END)"
	    " FROM order_payments WHERE order_seq = ?1 AND type = 'Refund'",
	[SO_LIST] = "SELECT * FROM (SELECT " ORDER_COLS ", (SELECT p.status FROM order_payments p"
	    " WHERE p.order_seq = o.seq AND p.type = 'Refund' ORDER BY p.id DESC LIMIT 1) AS refund_status"
	    " FROM orders o WHERE seq > ?1 AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR shop = ?4)"
	    " AND (?5 IS NULL OR marketplace_status = ?5))"
	    " WHERE (?6 IS NULL OR refund_status = ?6) ORDER BY seq LIMIT ?2",
	/* one statement: the lease is taken by whoever holds the write lock */
	[SO_CLAIM] = "UPDATE order_payments SET lease_owner = ?1, lease_expires_ms = ?2 WHERE id ="
	    " (SELECT id FROM order_payments WHERE type = 'Refund' AND by_marketplace = 1"
	    " AND status IN ('Pending', 'Processing') AND next_attempt_ms <= ?4"
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
	    " AND status IN ('Pending', 'Processing') ORDER BY id LIMIT 1",
	[SO_PAY_ROWS] = "SELECT row, kind, item_line, amount FROM refund_rows WHERE payment_id = ?1 ORDER BY row",
	[SO_BEGIN_READ] = "BEGIN",
};

struct cb_order_rec {
	cb_arena a;
	cb_order o;
};

/* ---- small helpers ---------------------------------------------------- */

static sqlite3_stmt *
stmt(cb_store *st, struct cb_conn *c, int so)
{
	return store__stmt(st, c, ST_ORD_FIRST + so);
}

static void
bind_str(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

/* Step a statement that returns no row; CB_OK or CB_EIO. */
static int
run(struct cb_conn *c, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s) == SQLITE_DONE ? CB_OK : store__fail(c->db, what);

	sqlite3_reset(s);
	return rc;
}

/* The refund rows of a payment follow it to @status (in the caller's transaction). */
static int
rows_status(cb_store *st, struct cb_conn *c, int64_t payment_id, cb_pay_status status,
    const char *what)
{
	sqlite3_stmt *s;

	if ((s = stmt(st, c, SO_ROWS_STATUS)) == NULL)
		return CB_EIO;
	sqlite3_bind_int64(s, 1, payment_id);
	bind_str(s, 2, cb_pay_status_name(status));
	return run(c, s, what);
}

/* "2026-02-06T09:30:00.123Z", as SQLite's strftime('%Y-%m-%dT%H:%M:%fZ'). */
static void
now_iso(char out[32])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	if (strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm) != 19)
		out[19] = '\0';
	(void)snprintf(out + 19, 32 - 19, ".%03dZ", (int)(ts.tv_nsec / 1000000) % 1000);
}

static void
fp_str(cb_buf *b, const char *s)
{
	uint32_t n = s ? (uint32_t)strlen(s) : 0;
	unsigned char hdr[5] = { s != NULL, (unsigned char)n, (unsigned char)(n >> 8),
		(unsigned char)(n >> 16), (unsigned char)(n >> 24) };

	cb_buf_add(b, hdr, sizeof(hdr));
	if (s != NULL)
		cb_buf_add(b, s, n);
}

static void
fp_int(cb_buf *b, int64_t v)
{
	unsigned char x[8];
	int i;

	for (i = 0; i < 8; i++)
		x[i] = (unsigned char)((uint64_t)v >> (8 * i));
	cb_buf_add(b, x, sizeof(x));
}

/* Fingerprints: the money of an order (what refunds depend on), and all
 * that an import says (to tell a replay from a change). */
static int
fingerprints(const cb_order *o, unsigned char money[32], unsigned char all[32])
{
	cb_buf b = CB_BUF_INIT(64u << 20);
	size_t i;
	int rc = CB_OK;

	fp_str(&b, o->currency);
	fp_int(&b, o->shipping_cost);
	fp_int(&b, (int64_t)o->nitems);
	for (i = 0; i < o->nitems; i++) {
		fp_str(&b, o->items[i].sku);
		fp_int(&b, o->items[i].quantity);
		fp_int(&b, o->items[i].unit_price);
	}
	if (b.failed) {
		rc = cb__fail(CB_ENOMEM, "out of memory");
		goto out;
	}
	store__sha256(money, b.p, b.len);
	if (all == NULL)
		goto out;
	fp_str(&b, o->marketplace);
	fp_str(&b, o->shop);
	fp_int(&b, (int64_t)o->status);
	fp_str(&b, o->marketplace_status);
	for (i = 0; i < o->nitems; i++) {
		fp_str(&b, o->items[i].line_item_id);
		fp_str(&b, o->items[i].title);
	}
	fp_int(&b, (int64_t)o->npayments);
	for (i = 0; i < o->npayments; i++) {
		fp_int(&b, (int64_t)o->payments[i].status);
		fp_int(&b, o->payments[i].amount);
		fp_str(&b, o->payments[i].transaction_id);
	}
	if (b.failed)
		rc = cb__fail(CB_ENOMEM, "out of memory");
	else
		store__sha256(all, b.p, b.len);
out:
	cb_buf_reset(&b);
	return rc;
}

void
cb_store_order_money_fp(const cb_order *o, unsigned char out[32])
{
	if (fingerprints(o, out, NULL) != CB_OK)
		memset(out, 0, 32);
}

static int
blob_eq(sqlite3_stmt *s, int col, const unsigned char h[32])
{
	return sqlite3_column_bytes(s, col) == 32 && memcmp(sqlite3_column_blob(s, col), h, 32) == 0;
}

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
count_rows(struct cb_conn *c, sqlite3_stmt *s, size_t *n)
{
	int step;

	*n = 0;
	while ((step = sqlite3_step(s)) == SQLITE_ROW)
		(*n)++;
	sqlite3_reset(s);
	return step == SQLITE_DONE ? CB_OK : store__fail(c->db, "read order");
}

static int
read_items(cb_store *st, struct cb_conn *c, struct reader *rd, cb_order *o)
{
	sqlite3_stmt *s = stmt(st, c, SO_ITEMS_OF);
	size_t i = 0;
	int rc, step;

	if (s == NULL)
		return CB_EIO;
	sqlite3_bind_int64(s, 1, o->seq);
	if ((rc = count_rows(c, s, &o->nitems)) != CB_OK)
		return rc;
	if (o->nitems > 0 && (o->items = cb_arena_calloc(rd->a, o->nitems, sizeof(*o->items))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	while (i < o->nitems && (step = sqlite3_step(s)) == SQLITE_ROW) {
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

static int
read_payments(cb_store *st, struct cb_conn *c, struct reader *rd, cb_order *o)
{
	sqlite3_stmt *s = stmt(st, c, SO_PAYS_OF);
	size_t i = 0, nrows = 0, r, p;
	cb_refund_row *rows = NULL;
	int64_t *owner = NULL;
	int rc, step;

	if (s == NULL)
		return CB_EIO;
	sqlite3_bind_int64(s, 1, o->seq);
	if ((rc = count_rows(c, s, &o->npayments)) != CB_OK)
		return rc;
	if (o->npayments > 0 && (o->payments = cb_arena_calloc(rd->a, o->npayments, sizeof(*o->payments))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	while (i < o->npayments && (step = sqlite3_step(s)) == SQLITE_ROW) {
		cb_ord_payment *py = &o->payments[i++];
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
	sqlite3_reset(s);
	o->npayments = i;

	if ((s = stmt(st, c, SO_ROWS_OF)) == NULL)
		return CB_EIO;
	sqlite3_bind_int64(s, 1, o->seq);
	if ((rc = count_rows(c, s, &nrows)) != CB_OK)
		return rc;
	if (nrows == 0)
		return CB_OK;
	if ((rows = cb_arena_calloc(rd->a, nrows, sizeof(*rows))) == NULL ||
	    (owner = cb__calloc(nrows, sizeof(*owner))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	for (r = 0; r < nrows && (step = sqlite3_step(s)) == SQLITE_ROW; r++) {
		owner[r] = sqlite3_column_int64(s, 0);
		rows[r].row = sqlite3_column_int(s, 1);
		rows[r].sku = col_str(rd, s, 2);
		rows[r].kind = (cb_row_kind)col_enum(s, 3, cb_row_kind_parse);
		rows[r].item_line = sqlite3_column_int(s, 4);
		rows[r].amount = sqlite3_column_int64(s, 5);
		rows[r].status = (cb_pay_status)col_enum(s, 6, cb_pay_status_parse);
	}
	sqlite3_reset(s);
	nrows = r;
	/* both are in payment id order: hand each payment its run of rows */
	for (p = 0, r = 0; p < o->npayments; p++) {
		while (r < nrows && owner[r] < o->payments[p].id)
			r++;
		o->payments[p].rows = rows + r;
		while (r < nrows && owner[r] == o->payments[p].id) {
			o->payments[p].nrows++;
			r++;
		}
	}
	free(owner);
	return CB_OK;
}

int
cb_store_order_get(cb_store *st, const char *order_id, int64_t seq, cb_order_rec **out)
{
	struct cb_conn *c;
	cb_order_rec *rec;
	struct reader rd;
	sqlite3_stmt *s;
	int rc, step, in_tx = 0;

	if (st == NULL || out == NULL)
		return cb__fail(CB_EINVAL, "cb_store_order_get: NULL argument");
	*out = NULL;
	if ((rec = cb__calloc(1, sizeof(*rec))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	rd.a = &rec->a;
	rd.nomem = 0;
	c = store__acquire(st, 0);
	/* one read transaction: the order, its items and payments as of one moment */
	if ((s = stmt(st, c, SO_BEGIN_READ)) == NULL || (rc = run(c, s, "begin")) != CB_OK) {
		rc = CB_EIO;
		goto out;
	}
	in_tx = 1;
	if ((s = stmt(st, c, order_id ? SO_FIND : SO_FIND_SEQ)) == NULL) {
		rc = CB_EIO;
		goto out;
	}
	if (order_id != NULL)
		bind_str(s, 1, order_id);
	else
		sqlite3_bind_int64(s, 1, seq);
	step = sqlite3_step(s);
	if (step == SQLITE_DONE) {
		sqlite3_reset(s);
		rc = order_id ? cb__fail(CB_ENOTFOUND, "no order %.128s", order_id)
		    : cb__fail(CB_ENOTFOUND, "no order #%lld", (long long)seq);
		goto out;
	}
	if (step != SQLITE_ROW) {
		rc = store__fail(c->db, "read order");
		goto out;
	}
	read_order(&rd, s, &rec->o);
	sqlite3_reset(s);
	if ((rc = read_items(st, c, &rd, &rec->o)) != CB_OK || (rc = read_payments(st, c, &rd, &rec->o)) != CB_OK)
		goto out;
	if (rd.nomem)
		rc = cb__fail(CB_ENOMEM, "out of memory");
out:
	if (in_tx && (s = store__stmt(st, c, ST_COMMIT)) != NULL) {
		(void)sqlite3_step(s);
		sqlite3_reset(s);
	}
	store__release(c);
	if (rc != CB_OK) {
		cb_order_rec_free(rec);
		return rc;
	}
	*out = rec;
	return CB_OK;
}

const cb_order *
cb_order_rec_get(const cb_order_rec *r)
{
	return r != NULL ? &r->o : NULL;
}

void
cb_order_rec_free(cb_order_rec *r)
{
	if (r == NULL)
		return;
	cb_arena_free(&r->a);
	free(r);
}

int
cb_store_order_list(cb_store *st, const cb_ord_filter *f, cb_ord_fn fn, void *arg)
{
	struct cb_conn *c;
	sqlite3_stmt *s;
	cb_arena a = CB_ARENA_INIT;
	struct reader rd = { &a, 0 };
	cb_order o;
	int rc = CB_OK, step;

	if (st == NULL || f == NULL || fn == NULL)
		return cb__fail(CB_EINVAL, "cb_store_order_list: NULL argument");
	c = store__acquire(st, 0);
	if ((s = stmt(st, c, SO_LIST)) == NULL) {
		rc = CB_EIO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, f->after_seq);
	sqlite3_bind_int64(s, 2, f->limit);
	bind_str(s, 3, f->status);
	bind_str(s, 4, f->shop);
	bind_str(s, 5, f->marketplace_status);
	bind_str(s, 6, f->refund_status);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&o, 0, sizeof(o));
		read_order(&rd, s, &o);
		o.refund_status = col_str(&rd, s, 14);
		if (rd.nomem) {
			rc = cb__fail(CB_ENOMEM, "out of memory");
			goto out;
		}
		step = fn(arg, &o);
		cb_arena_free(&a);
		if (step != 0)
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = store__fail(c->db, "list orders");
out:
	if (s != NULL)
		sqlite3_reset(s);
	cb_arena_free(&a);
	store__release(c);
	return rc;
}

/* ---- import ------------------------------------------------------------ */

static int
insert_items(cb_store *st, struct cb_conn *c, int64_t seq, const cb_order *in)
{
	sqlite3_stmt *s = stmt(st, c, SO_ITEM_INSERT);
	const char *ps = in->status == CB_ORD_INCOMPLETE ? "Unpaid" : "Paid";
	size_t i;
	int rc;

	if (s == NULL)
		return CB_EIO;
	for (i = 0; i < in->nitems; i++) {
		const cb_ord_item *it = &in->items[i];
		sqlite3_bind_int64(s, 1, seq);
		sqlite3_bind_int(s, 2, (int)i + 1);
		bind_str(s, 3, it->sku);
		bind_str(s, 4, it->line_item_id);
		bind_str(s, 5, it->title);
		sqlite3_bind_int64(s, 6, it->quantity);
		sqlite3_bind_int64(s, 7, it->unit_price);
		sqlite3_bind_int64(s, 8, it->quantity * it->unit_price);
		bind_str(s, 9, ps);
		if ((rc = run(c, s, "store order item")) != CB_OK)
			return rc;
	}
	return CB_OK;
}

static int
update_item_meta(cb_store *st, struct cb_conn *c, int64_t seq, const cb_order *in)
{
	sqlite3_stmt *s = stmt(st, c, SO_ITEM_META);
	size_t i;
	int rc;

	if (s == NULL)
		return CB_EIO;
	for (i = 0; i < in->nitems; i++) {
		sqlite3_bind_int64(s, 1, seq);
		sqlite3_bind_int(s, 2, (int)i + 1);
		bind_str(s, 3, in->items[i].line_item_id);
		bind_str(s, 4, in->items[i].title);
		bind_str(s, 5, in->status == CB_ORD_INCOMPLETE ? "Unpaid" : "Paid");
		if ((rc = run(c, s, "update order item")) != CB_OK)
			return rc;
	}
	return CB_OK;
}

static int
insert_imported_payments(cb_store *st, struct cb_conn *c, int64_t seq, const cb_order *in,
    const char *now, const char *request_id)
{
	sqlite3_stmt *s = stmt(st, c, SO_PAY_INSERT);
	size_t i;
	int rc;

	if (s == NULL)
		return CB_EIO;
	for (i = 0; i < in->npayments; i++) {
		const cb_ord_payment *p = &in->payments[i];
		sqlite3_bind_int64(s, 1, seq);
		bind_str(s, 2, cb_pay_type_name(CB_PAY_PAYMENT));
		bind_str(s, 3, cb_pay_status_name(p->status));
		sqlite3_bind_int(s, 4, 0);
		sqlite3_bind_int64(s, 5, p->amount);
		bind_str(s, 6, in->currency);
		sqlite3_bind_null(s, 7);
		bind_str(s, 8, p->transaction_id);
		bind_str(s, 9, now);
		bind_str(s, 10, p->status == CB_PAY_COMPLETED ? now : NULL);
		bind_str(s, 11, request_id);
		if ((rc = run(c, s, "store payment")) != CB_OK)
			return rc;
	}
	return CB_OK;
}

/* Bind the imported columns of SO_INSERT / SO_UPDATE (same numbering from ?2). */
static void
bind_order(sqlite3_stmt *s, const cb_order *in, int64_t items_total, const unsigned char fp[32],
    const unsigned char money[32])
{
	bind_str(s, 2, in->marketplace);
	bind_str(s, 3, in->shop);
	bind_str(s, 4, cb_ord_status_name(in->status));
	bind_str(s, 5, in->marketplace_status);
	bind_str(s, 6, in->currency);
	sqlite3_bind_int64(s, 7, items_total);
	sqlite3_bind_int64(s, 8, in->shipping_cost);
	sqlite3_bind_int64(s, 9, items_total + in->shipping_cost);
	sqlite3_bind_blob(s, 10, fp, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 11, money, 32, SQLITE_STATIC);
}

int
cb_store_order_put(cb_store *st, const cb_order *in, const char *request_id,
    cb_ord_put_status *status, char *why, size_t whylen)
{
	unsigned char fp[32], money[32];
	struct cb_conn *c = NULL;
	sqlite3_stmt *s;
	char now[32];
	int64_t seq, items_total = 0, active = 0, cancelled = 0, first_refund = 0;
	size_t i;
	int rc, step, same_money, in_tx = 0;

	if (st == NULL || in == NULL || status == NULL || in->order_id == NULL || in->shop == NULL ||
	    in->currency == NULL || (in->items == NULL && in->nitems > 0) ||
	    (in->payments == NULL && in->npayments > 0))
		return cb__fail(CB_EINVAL, "cb_store_order_put: bad argument");
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	for (i = 0; i < in->nitems; i++)
		items_total += in->items[i].quantity * in->items[i].unit_price;	/* bounded by the parser */
	if ((rc = fingerprints(in, money, fp)) != CB_OK)
		return rc;
	now_iso(now);
	c = store__acquire(st, 1);
	if ((rc = store__begin(st, c)) != CB_OK)
		goto out;
	in_tx = 1;
	if ((s = stmt(st, c, SO_FIND)) == NULL) {
		rc = CB_EIO;
		goto out;
	}
	bind_str(s, 1, in->order_id);
	step = sqlite3_step(s);
	if (step == SQLITE_DONE) {
		sqlite3_reset(s);
		if ((s = stmt(st, c, SO_INSERT)) == NULL) {
			rc = CB_EIO;
			goto out;
		}
		bind_str(s, 1, in->order_id);
		bind_order(s, in, items_total, fp, money);
		bind_str(s, 12, now);
		bind_str(s, 13, request_id);
		if ((rc = run(c, s, "store order")) != CB_OK)
			goto out;
		seq = sqlite3_last_insert_rowid(c->db);
		if ((rc = insert_items(st, c, seq, in)) != CB_OK ||
		    (rc = insert_imported_payments(st, c, seq, in, now, request_id)) != CB_OK)
			goto out;
		*status = CB_ORD_CREATED;
		goto commit;
	}
	if (step != SQLITE_ROW) {
		rc = store__fail(c->db, "read order");
		goto out;
	}
	seq = sqlite3_column_int64(s, 0);
	if (blob_eq(s, 14, fp)) {
		sqlite3_reset(s);
		*status = CB_ORD_UNCHANGED;
		rc = CB_OK;
		goto out;	/* nothing to write: the rollback ends the transaction */
	}
	same_money = blob_eq(s, 15, money);
	sqlite3_reset(s);
	if ((s = stmt(st, c, SO_REFUND_STATE)) == NULL) {
		rc = CB_EIO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, seq);
	if (sqlite3_step(s) != SQLITE_ROW) {
		rc = store__fail(c->db, "read refunds");
		goto out;
	}
	active = sqlite3_column_int64(s, 0);
	cancelled = sqlite3_column_int64(s, 1);
	first_refund = sqlite3_column_int64(s, 2);
	sqlite3_reset(s);
	if (active > 0 && !same_money) {
		*status = CB_ORD_FROZEN;
		(void)snprintf(why, whylen, "order %.128s has a refund (payment %lld): its currency, items and "
		    "shipping cost can no longer change", in->order_id, (long long)first_refund);
		rc = CB_OK;
		goto out;
	}
	if (cancelled > 0 && in->status != CB_ORD_CANCELLED) {
		*status = CB_ORD_FROZEN;
		(void)snprintf(why, whylen, "order %.128s was cancelled through codebook: its status stays "
		    "Cancelled, not %s", in->order_id, cb_ord_status_name(in->status));
		rc = CB_OK;
		goto out;
	}
	if ((s = stmt(st, c, SO_UPDATE)) == NULL) {
		rc = CB_EIO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, seq);
	bind_order(s, in, items_total, fp, money);
	bind_str(s, 12, now);
	bind_str(s, 13, request_id);
	if ((rc = run(c, s, "update order")) != CB_OK)
		goto out;
	if (same_money)
		rc = update_item_meta(st, c, seq, in);
	else if ((s = stmt(st, c, SO_ITEMS_DELETE)) == NULL)
		rc = CB_EIO;
	else {
		sqlite3_bind_int64(s, 1, seq);
		if ((rc = run(c, s, "replace order items")) == CB_OK)
			rc = insert_items(st, c, seq, in);
	}
	if (rc != CB_OK)
		goto out;
	if ((s = stmt(st, c, SO_PAYS_DELETE_IMPORTED)) == NULL) {
		rc = CB_EIO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, seq);
	if ((rc = run(c, s, "replace payments")) != CB_OK ||
	    (rc = insert_imported_payments(st, c, seq, in, now, request_id)) != CB_OK)
		goto out;
	*status = CB_ORD_UPDATED;
commit:
	in_tx = 0;
	rc = store__commit(st, c);
out:
	if (in_tx)
		store__rollback(st, c);
	store__release(c);
	return rc;
}

/* ---- refunds ----------------------------------------------------------- */

int
cb_store_refund_create(cb_store *st, int64_t seq, const unsigned char money_fp[32],
    int64_t amount, const char *currency, const char *reason_key,
    const cb_refund_row *rows, size_t nrows, const char *request_id,
    cb_refund_put_status *status, int64_t *payment_id)
{
	struct cb_conn *c;
	sqlite3_stmt *s;
	char now[32];
	int64_t pid;
	size_t i;
	int rc, step, in_tx = 0;

	if (st == NULL || money_fp == NULL || currency == NULL || (rows == NULL && nrows > 0) ||
	    status == NULL || payment_id == NULL || amount <= 0)
		return cb__fail(CB_EINVAL, "cb_store_refund_create: bad argument");
	*payment_id = 0;
	now_iso(now);
	c = store__acquire(st, 1);
	if ((rc = store__begin(st, c)) != CB_OK)
		goto out;
	in_tx = 1;
	if ((s = stmt(st, c, SO_FIND_SEQ)) == NULL) {
		rc = CB_EIO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, seq);
	step = sqlite3_step(s);
	if (step != SQLITE_ROW) {
		rc = step == SQLITE_DONE ? cb__fail(CB_ENOTFOUND, "no order #%lld", (long long)seq)
		    : store__fail(c->db, "read order");
		goto out;
	}
	if (!blob_eq(s, 15, money_fp)) {
		sqlite3_reset(s);
		*status = CB_REFUND_STALE;
		rc = CB_OK;
		goto out;
	}
	sqlite3_reset(s);
	if ((s = stmt(st, c, SO_ACTIVE_REFUND)) == NULL) {
		rc = CB_EIO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, seq);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		*payment_id = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		*status = CB_REFUND_BUSY;
		rc = CB_OK;
		goto out;
	}
	sqlite3_reset(s);
	if (step != SQLITE_DONE) {
		rc = store__fail(c->db, "read refunds");
		goto out;
	}
	if ((s = stmt(st, c, SO_PAY_INSERT)) == NULL) {
		rc = CB_EIO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, seq);
	bind_str(s, 2, cb_pay_type_name(CB_PAY_REFUND));
	bind_str(s, 3, cb_pay_status_name(CB_PAY_PENDING));
	sqlite3_bind_int(s, 4, 1);
	sqlite3_bind_int64(s, 5, amount);
	bind_str(s, 6, currency);
	bind_str(s, 7, reason_key);
	sqlite3_bind_null(s, 8);
	bind_str(s, 9, now);
	sqlite3_bind_null(s, 10);
	bind_str(s, 11, request_id);
	if ((rc = run(c, s, "store refund")) != CB_OK)
		goto out;
	pid = sqlite3_last_insert_rowid(c->db);
	if ((s = stmt(st, c, SO_ROW_INSERT)) == NULL) {
		rc = CB_EIO;
		goto out;
	}
	for (i = 0; i < nrows; i++) {
		sqlite3_bind_int64(s, 1, pid);
		sqlite3_bind_int(s, 2, (int)i + 1);
		bind_str(s, 3, rows[i].sku);
		bind_str(s, 4, cb_row_kind_name(rows[i].kind));
		if (rows[i].kind == CB_ROW_ITEM_COST)
			sqlite3_bind_int(s, 5, rows[i].item_line);
		else
			sqlite3_bind_null(s, 5);
		sqlite3_bind_int64(s, 6, rows[i].amount);
		if ((rc = run(c, s, "store refund row")) != CB_OK)
			goto out;
	}
	*payment_id = pid;
	*status = CB_REFUND_CREATED;
	in_tx = 0;
	rc = store__commit(st, c);
out:
	if (in_tx)
		store__rollback(st, c);
	store__release(c);
	return rc;
}

/* ---- the worker's transitions ------------------------------------------- */

int
cb_store_pay_claim(cb_store *st, const char *owner, int64_t now_ms, int64_t due_ms, int64_t lease_ms,
    int64_t *payment_id, int64_t *order_seq)
{
	struct cb_conn *c;
	sqlite3_stmt *s;
	int rc, step, in_tx = 0;

	if (st == NULL || owner == NULL || payment_id == NULL || order_seq == NULL || lease_ms <= 0)
		return cb__fail(CB_EINVAL, "cb_store_pay_claim: bad argument");
	c = store__acquire(st, 1);
	if ((rc = store__begin(st, c)) != CB_OK)
		goto out;
	in_tx = 1;
	if ((s = stmt(st, c, SO_CLAIM)) == NULL) {
		rc = CB_EIO;
		goto out;
	}
	bind_str(s, 1, owner);
	sqlite3_bind_int64(s, 2, now_ms + lease_ms);
	sqlite3_bind_int64(s, 3, now_ms);
	sqlite3_bind_int64(s, 4, due_ms);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		*payment_id = sqlite3_column_int64(s, 0);
		*order_seq = sqlite3_column_int64(s, 1);
		step = sqlite3_step(s);
	} else if (step == SQLITE_DONE) {
		sqlite3_reset(s);
		rc = cb__fail(CB_ENOTFOUND, "no refund is due");
		goto out;
	}
	sqlite3_reset(s);
	if (step != SQLITE_DONE) {
		rc = store__fail(c->db, "claim a refund");
		goto out;
	}
	in_tx = 0;
	rc = store__commit(st, c);
out:
	if (in_tx)
		store__rollback(st, c);
	store__release(c);
	return rc;
}

/* Run one guarded UPDATE in its own transaction; CB_ENOTFOUND when the
 * lease is no longer @owner's. */
static int
guarded(struct cb_conn *c, sqlite3_stmt *s, int64_t payment_id, const char *what)
{
	int rc;

	if ((rc = run(c, s, what)) != CB_OK)
		return rc;
	if (sqlite3_changes(c->db) == 0)
		return cb__fail(CB_ENOTFOUND, "payment %lld: lease lost (another worker took it over)",
		    (long long)payment_id);
	return CB_OK;
}

int
cb_store_pay_sending(cb_store *st, int64_t payment_id, const char *owner,
    const char *reason_key, int defaulted, int64_t lease_until_ms)
{
	struct cb_conn *c;
	sqlite3_stmt *s;
	char now[32];
	int rc;

	if (st == NULL || owner == NULL || reason_key == NULL)
		return cb__fail(CB_EINVAL, "cb_store_pay_sending: NULL argument");
	now_iso(now);
	c = store__acquire(st, 1);
	if ((rc = store__begin(st, c)) != CB_OK)
		goto out;
	if ((s = stmt(st, c, SO_PAY_SENDING)) == NULL) {
		rc = CB_EIO;
		store__rollback(st, c);
		goto out;
	}
	sqlite3_bind_int64(s, 1, payment_id);
	bind_str(s, 2, owner);
	bind_str(s, 3, reason_key);
	sqlite3_bind_int(s, 4, defaulted != 0);
	sqlite3_bind_int64(s, 5, lease_until_ms);
	bind_str(s, 6, now);
	if ((rc = guarded(c, s, payment_id, "record the cancel")) != CB_OK) {
		store__rollback(st, c);
		goto out;
	}
	rc = store__commit(st, c);
out:
	store__release(c);
	return rc;
}

int
cb_store_pay_later(cb_store *st, int64_t payment_id, const char *owner, const cb_pay_later *l)
{
	struct cb_conn *c;
	sqlite3_stmt *s;
	char now[32];
	int rc;

	if (st == NULL || owner == NULL || l == NULL)
		return cb__fail(CB_EINVAL, "cb_store_pay_later: NULL argument");
	now_iso(now);
	c = store__acquire(st, 1);
	if ((rc = store__begin(st, c)) != CB_OK)
		goto out;
	if ((s = stmt(st, c, SO_PAY_LATER)) == NULL) {
		rc = CB_EIO;
		store__rollback(st, c);
		goto out;
	}
	sqlite3_bind_int64(s, 1, payment_id);
	bind_str(s, 2, owner);
	bind_str(s, 3, cb_pay_status_name(l->status));
	bind_str(s, 4, cb_cancel_state_name(l->cancel_state));
	sqlite3_bind_int64(s, 5, l->next_attempt_ms);
	bind_str(s, 6, l->last_error_code);
	bind_str(s, 7, l->last_error);
	bind_str(s, 8, l->transaction_id);
	bind_str(s, 9, l->market_request_id);
	bind_str(s, 10, now);
	if ((rc = guarded(c, s, payment_id, "reschedule the refund")) != CB_OK) {
		store__rollback(st, c);
		goto out;
	}
	rc = store__commit(st, c);
out:
	store__release(c);
	return rc;
}

int
cb_store_pay_fail(cb_store *st, int64_t payment_id, const char *owner,
    const char *error_text, const char *error_code, const char *market_request_id,
    const char *reason_key, int defaulted)
{
	struct cb_conn *c;
	sqlite3_stmt *s;
	char now[32];
	int rc, in_tx = 0;

	if (st == NULL || owner == NULL || error_text == NULL)
		return cb__fail(CB_EINVAL, "cb_store_pay_fail: NULL argument");
	now_iso(now);
	c = store__acquire(st, 1);
	if ((rc = store__begin(st, c)) != CB_OK)
		goto out;
	in_tx = 1;
	if ((s = stmt(st, c, SO_PAY_FAIL)) == NULL) {
		rc = CB_EIO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, payment_id);
	bind_str(s, 2, owner);
	bind_str(s, 3, error_text);
	bind_str(s, 4, error_code);
	bind_str(s, 5, market_request_id);
	bind_str(s, 6, reason_key);
	sqlite3_bind_int(s, 7, defaulted != 0);
	bind_str(s, 8, now);
	if ((rc = guarded(c, s, payment_id, "record the error")) != CB_OK)
		goto out;
	if ((rc = rows_status(st, c, payment_id, CB_PAY_ERROR, "record the error")) != CB_OK)
		goto out;
	in_tx = 0;
	rc = store__commit(st, c);
out:
	if (in_tx)
		store__rollback(st, c);
	store__release(c);
	return rc;
}

int
cb_store_pay_complete(cb_store *st, int64_t payment_id, const char *owner,
    const char *transaction_id, const char *market_request_id)
{
	struct cb_conn *c;
	sqlite3_stmt *s, *item;
	char now[32];
	int64_t seq, amount, shipping = 0;
	int rc, step, in_tx = 0;

	if (st == NULL || owner == NULL || transaction_id == NULL)
		return cb__fail(CB_EINVAL, "cb_store_pay_complete: NULL argument");
	now_iso(now);
	c = store__acquire(st, 1);
	if ((rc = store__begin(st, c)) != CB_OK)
		goto out;
	in_tx = 1;
	if ((s = stmt(st, c, SO_PAY_OF)) == NULL) {
		rc = CB_EIO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, payment_id);
	bind_str(s, 2, owner);
	step = sqlite3_step(s);
	if (step != SQLITE_ROW) {
		sqlite3_reset(s);
		rc = step == SQLITE_DONE ? cb__fail(CB_ENOTFOUND, "payment %lld: lease lost (another worker "
		    "took it over)", (long long)payment_id) : store__fail(c->db, "read the refund");
		goto out;
	}
	seq = sqlite3_column_int64(s, 0);
	amount = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	/* the items first, from the refund rows */
	if ((s = stmt(st, c, SO_PAY_ROWS)) == NULL || (item = stmt(st, c, SO_ITEM_REFUNDED)) == NULL) {
		rc = CB_EIO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, payment_id);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(s, 1);
		if (kind != NULL && strcmp(kind, cb_row_kind_name(CB_ROW_SHIPPING_COST)) == 0) {
			shipping += sqlite3_column_int64(s, 3);
			continue;
		}
		sqlite3_bind_int64(item, 1, seq);
		sqlite3_bind_int(item, 2, sqlite3_column_int(s, 2));
		sqlite3_bind_int64(item, 3, sqlite3_column_int64(s, 3));
		if ((rc = run(c, item, "refund an order item")) != CB_OK) {
			sqlite3_reset(s);
			goto out;
		}
	}
	sqlite3_reset(s);
	if (step != SQLITE_DONE) {
		rc = store__fail(c->db, "read refund rows");
		goto out;
	}
	if ((s = stmt(st, c, SO_ORDER_REFUNDED)) == NULL) {
		rc = CB_EIO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, seq);
	sqlite3_bind_int64(s, 2, amount);
	sqlite3_bind_int64(s, 3, shipping);
	bind_str(s, 4, now);
	if ((rc = run(c, s, "cancel the order")) != CB_OK)
		goto out;
	if ((s = stmt(st, c, SO_PAY_COMPLETE)) == NULL) {
		rc = CB_EIO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, payment_id);
	bind_str(s, 2, owner);
	bind_str(s, 3, transaction_id);
	bind_str(s, 4, market_request_id);
	bind_str(s, 5, now);
	if ((rc = guarded(c, s, payment_id, "complete the refund")) != CB_OK)
		goto out;
	if ((rc = rows_status(st, c, payment_id, CB_PAY_COMPLETED, "complete the refund rows")) != CB_OK)
		goto out;
	in_tx = 0;
	rc = store__commit(st, c);
out:
	if (in_tx)
		store__rollback(st, c);
	store__release(c);
	return rc;
}

int
cb_store_pay_counts(cb_store *st, int64_t counts[CB_PAY_TYPE_COUNT][CB_PAY_STATUS_COUNT])
{
	struct cb_conn *c;
	sqlite3_stmt *s;
	int rc = CB_OK, step;

	if (st == NULL || counts == NULL)
		return cb__fail(CB_EINVAL, "cb_store_pay_counts: NULL argument");
	memset(counts, 0, sizeof(int64_t) * CB_PAY_TYPE_COUNT * CB_PAY_STATUS_COUNT);
	c = store__acquire(st, 0);
	if ((s = stmt(st, c, SO_PAY_COUNTS)) == NULL) {
		rc = CB_EIO;
		goto out;
	}
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		int t = col_enum(s, 0, cb_pay_type_parse), v = col_enum(s, 1, cb_pay_status_parse);
		counts[t][v] = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	if (step != SQLITE_DONE)
		rc = store__fail(c->db, "count payments");
out:
	store__release(c);
	return rc;
}
