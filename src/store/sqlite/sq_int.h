/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sq_int.h - private to the SQLite backend (src/store/sqlite): the
 * connection pool, the statement cache, the transaction helpers and the
 * mapping of SQLite's errors to cb_err classes (sq_tx.c), and the
 * operations of each module (sq_sets.c, sq_keys.c, sq_records.c,
 * sq_orders.c) that sq_store.c puts in the operations table.
 *
 * Each module keeps the SQL it needs in a table of its own; a connection
 * prepares a statement the first time its text is asked for (the cache is
 * keyed by the address of the text), so nothing here knows any module's
 * statements.
 */
#ifndef CB_SQ_INT_H
#define CB_SQ_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "../store_int.h"
#include "../stmts.h"

/* Page cache per connection (PRAGMA cache_size, KiB): it holds the pages an
 * ingest batch keeps coming back to (the right edges of the events table
 * and its id index, their parents) many times over; more only costs
 * memory (docs/http.md, "Ingest and memory").  The process's SQLite heap
 * is capped at SQ_HEAP_LIMIT bytes (soft: clean pages are recycled). */
#define SQ_CACHE_KIB   8192
#define SQ_STR_(x)     #x
#define SQ_STR(x)      SQ_STR_(x)
#define SQ_HEAP_LIMIT  (16 << 20)

struct sq_conn {
	sqlite3        *db;
	struct store_stmts stmts;   /* sqlite3_stmt handles */
	pthread_mutex_t mu;
};

struct sq_store {
	struct sq_conn *conns;      /* [0] writes; the rest read */
	size_t          nconns;
	/* the follower's connection (cb_store_set_watch), opened on first use:
	 * PRAGMA data_version counts other connections' commits on it alone */
	struct sq_conn  watch;
	struct store_target target;    /* to open it (conn points into it or at conn_copy) */
	char           *conn_copy;
	int64_t         watch_dv;      /* data_version when the serial was last read */
	int64_t         watch_serial;
};

/* ---- sq_tx.c ------------------------------------------------------------ */

/*
 * The body of a transaction, run with connection @c held.  It returns
 * CB_OK (commit), SQ_ROLLBACK (roll back, and the helper returns CB_OK: a
 * decision, such as a refused import, with nothing to write), or a
 * negative cb_err (roll back and return it).
 */
typedef int (*sq_fn)(struct sq_conn *c, void *arg);
#define SQ_ROLLBACK 1

/*
 * Run @fn in one write transaction: take the writer, BEGIN IMMEDIATE, run,
 * COMMIT or ROLLBACK, release.  Errors are classed (sq__class): a busy
 * database is CB_EUNAVAIL, a constraint CB_ECONFLICT, a failure before the
 * commit CB_EIO (nothing stored), an I/O error of the COMMIT itself
 * CB_EUNKNOWN (the write may have reached the disk).  @what names the
 * operation in messages.
 */
int sq__write(struct sq_store *st, const char *what, sq_fn fn, void *arg);

/*
 * Run @fn on a reader connection.  @snapshot: inside one read transaction,
 * so that several statements see one moment.  @fn returns CB_OK, a
 * positive value (stopped early: CB_OK is returned) or a negative cb_err.
 */
int sq__read(struct sq_store *st, const char *what, int snapshot, sq_fn fn, void *arg);

/* The cached statement for @sql (a module's constant text) on @c, reset
 * and unbound, into *out.  CB_OK or the classed failure to prepare it. */
int sq__stmt(struct sq_conn *c, const char *sql, sqlite3_stmt **out);

/* Record SQLite result @rc (a failed step or prepare) as the thread's
 * message, naming @what, and return its class. */
int sq__fail(struct sq_conn *c, int rc, const char *what);

/* The cb_err class of SQLite result @rc; @at_commit: returned by COMMIT. */
int sq__class(int rc, int at_commit);

/* Step @s, which returns no row, and reset it: CB_OK or sq__fail. */
int sq__run(struct sq_conn *c, sqlite3_stmt *s, const char *what);

/* sqlite3_exec() of fixed SQL (pragmas, migrations), failures classed. */
int sq__exec(sqlite3 *db, const char *sql, const char *what);

/* Bind NULL or the text @v. */
void sq__bind_str(sqlite3_stmt *s, int i, const char *v);

/* Open connection @c on @t; @create on the writer only. */
int sq__conn_open(struct sq_conn *c, const struct store_target *t, int create);
void sq__conn_close(struct sq_conn *c);

/* ---- sq_schema.c -------------------------------------------------------- */

/* Bring the schema of @db up to CB_STORE_SCHEMA_VERSION, a transaction per
 * step; *schema is the version reached. */
int sq__migrate(sqlite3 *db, int *schema);

/* ---- the modules' operations (see struct cb_store_ops) -------------------- */

int sq__set_get(void *be, const char *name, int version, int latest, cb_store_setver *out);
int sq__set_put(void *be, const char *name, int version, const char *body, size_t len,
    const char *etag, const char *source, const char *by);
int sq__set_publish(void *be, const cb_store_setpub *p, const char *etag, cb_store_setpub_status *status);
int sq__set_watch(void *be, int64_t *serial, unsigned timeout_ms);
int sq__set_versions(void *be, const char *name, cb_store_setver_fn fn, void *arg);
int sq__set_each_latest(void *be, cb_store_setver_fn fn, void *arg);

/* shops (sq_shops.c) */
int sq__shop_add(void *be, const cb_store_shop *s, const char *now);
int sq__shop_get(void *be, const char *name, cb_store_shop_fn fn, void *arg);
int sq__shop_remove(void *be, const char *name);
int sq__shop_tokens(void *be, const char *name, int64_t expect, const cb_store_shop *t, const char *now);
int sq__shop_attention(void *be, const char *name, const char *text, const char *now);
int sq__key_add(void *be, const char *name, const char *key_id, const unsigned char hash[32]);
int sq__key_revoke(void *be, const char *name);
int sq__key_find(void *be, const char *key_id, char name[CB_KEY_NAME_MAX + 1], unsigned char hash[32]);
int sq__key_each(void *be, cb_store_key_fn fn, void *arg);

int sq__rec_prepare(void);
int sq__rec_insert(void *be, const struct store_rec_batch *b, cb_rec_status *status, size_t *nconflicts);
int sq__rec_list(void *be, cb_rec_kind k, const cb_rec_filter *f, cb_rec_fn fn, void *arg);
int sq__rec_report(void *be, cb_rec_kind k, int group, const cb_rec_filter *f, cb_rec_group_fn fn,
    void *arg);
int sq__rec_count(void *be, cb_rec_kind k, int64_t *out);

int sq__order_put(void *be, const struct store_order_put *p, cb_ord_put_status *status,
    char *why, size_t whylen);
int sq__order_get(void *be, const char *order_id, int64_t seq, cb_order_rec *rec);
int sq__order_list(void *be, const cb_ord_filter *f, cb_ord_fn fn, void *arg);
int sq__refund_create(void *be, const struct store_refund *r, cb_refund_put_status *status,
    int64_t *payment_id);
int sq__refund_by_key(void *be, const char *key, int64_t *payment_id, int64_t *order_seq,
    unsigned char fp[32]);
int sq__pay_claim(void *be, const char *owner, int64_t now_ms, int64_t due_ms, int64_t lease_ms,
    int64_t *payment_id, int64_t *order_seq);
int sq__pay_sending(void *be, int64_t payment_id, const char *owner, const char *reason_key,
    int defaulted, int64_t lease_until_ms, const char *now);
int sq__pay_extend(void *be, int64_t payment_id, const char *owner, int64_t lease_until_ms);
int sq__pay_later(void *be, int64_t payment_id, const char *owner, const cb_pay_later *l,
    const char *now);
int sq__pay_fail(void *be, int64_t payment_id, const char *owner, const char *error_text,
    const char *error_code, const char *market_request_id, const char *reason_key, int defaulted,
    const char *now);
int sq__pay_complete(void *be, int64_t payment_id, const char *owner, const char *transaction_id,
    const char *market_request_id, const char *now);
int sq__pay_counts(void *be, int64_t counts[CB_PAY_TYPE_COUNT][CB_PAY_STATUS_COUNT]);

int sq__obs_note(void *be, const char *set, const char *code, const char *seen_in, const char *request_id,
    const char *now);
int sq__obs_list(void *be, const char *set, unsigned limit, cb_store_obs_fn fn, void *arg);
int sq__usage_add(void *be, const cb_store_usage *rows, size_t n);
int sq__usage_list(void *be, const char *set, cb_store_usage_fn fn, void *arg);
int sq__refund_open_each(void *be, unsigned limit, cb_store_open_refund_fn fn, void *arg);
int sq__budget_update(void *be, const char *shop, const char *family,
    void (*step)(void *arg, struct store_budget_row *row), void *arg);
int sq__pay_take(void *be, int64_t payment_id, const char *owner, int64_t now_ms, int64_t lease_ms);
int sq__budget_get(void *be, const char *shop, const char *family, struct store_budget_row *row, int *found);
int sq__budget_each(void *be, int (*fn)(void *arg, const char *shop, const char *family,
    const struct store_budget_row *row), void *arg);

int sq__hook_seen(void *be, const char *id);
int sq__hook_put(void *be, const cb_store_hook *h, const char *now);
int sq__order_mkt_status(void *be, const char *order_id, const cb_ord_mkt_status *u, const char *now,
    int *applied);
int sq__order_checked(void *be, int64_t seq, int64_t *checked_ms, int64_t *mkt_time);
int sq__pay_seize(void *be, int64_t payment_id, const char *owner, int64_t lease_until_ms);

#endif
