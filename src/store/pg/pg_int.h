/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pg_int.h - private to the PostgreSQL backend (src/store/pg): the
 * connection pool, the statement cache, bound parameters, the transaction
 * helpers and the mapping of SQLSTATEs to cb_err classes (pg_tx.c), the
 * migrations (pg_schema.c), and the operations of each module (pg_sets.c,
 * pg_keys.c, pg_records.c, pg_orders.c) that pg_store.c puts in the
 * operations table.  docs/internals/store.md has the design.
 *
 * As on SQLite, each module keeps its SQL in a table of its own; a
 * connection prepares a statement the first time its text is asked for
 * (keyed by the address of the text).  Values only ever reach the server
 * as bound parameters.
 */
#ifndef CB_PG_INT_H
#define CB_PG_INT_H

#include <libpq-fe.h>
#include <pthread.h>

#include "../store_int.h"
#include "../stmts.h"
#include "buf.h"

/* Type OIDs of the parameters we bind (pg_type.dat; stable since 7.x). */
#define PG_OID_BYTEA   17
#define PG_OID_INT8    20
#define PG_OID_TEXT    25
#define PG_OID_BYTEA_ARRAY 1001
#define PG_OID_TEXT_ARRAY  1009
#define PG_OID_INT8_ARRAY  1016

/* The first key of every advisory lock codebook takes ("cb"), and the
 * second, by purpose. */
#define PG_LOCK_NS        0x6362
#define PG_LOCK_MIGRATE   1
#define PG_LOCK_PARTITION 2
#define PG_LOCK_SEQ0      10     /* + the record kind: writers share it, a listing takes it alone */
#define PG_LOCK_ORDERS    20     /* the same for orders */
#define PG_LOCK_NEW_SET   30     /* a publish that adds a set: the count of sets */
/* First keys of locks whose second is a hash (hashtext()) of a name. */
#define PG_LOCK_NS_SET    0x6363 /* a set's name: its publishes one at a time */
#define PG_LOCK_NS_IDEM   0x6364 /* an idempotency key: its requests one at a time */

struct pg_conn {
	PGconn         *pc;
	struct store_stmts stmts;   /* ids: prepared as "cb<id>" */
	unsigned        next_id;
	int             first;      /* no statement yet since this connection was taken */
	pthread_mutex_t mu;
	struct pg_store *st;
};

/* Months known to have a partition, per record kind (a small set). */
#define PG_KNOWN_MONTHS 256

struct pg_store {
	struct pg_conn *conns;
	size_t          nconns;
	/* the follower's connection (cb_store_set_watch): LISTENs for the
	 * notification every publish sends; opened on first use */
	struct pg_conn  watch;
	int64_t         watch_serial;
	char           *url;        /* as given to cb_store_open() */
	char            shown[512]; /* for messages, password masked */
	pthread_mutex_t known_mu;
	int32_t         known[CB_REC_KIND_COUNT][PG_KNOWN_MONTHS];
	size_t          nknown[CB_REC_KIND_COUNT];
};

/* ---- parameters (pg_tx.c) ------------------------------------------------ */

#define PG_MAXP 24

/* The parameters of one statement, every one with its type, so that a
 * statement is prepared with the types it will always get. */
struct pg_params {
	int         n;
	const char *v[PG_MAXP];
	int         len[PG_MAXP];
	int         fmt[PG_MAXP];    /* 1: binary */
	Oid         type[PG_MAXP];
	char        num[PG_MAXP][8]; /* int8 values, network order */
};

void pg__p_text(struct pg_params *p, const char *s);             /* NULL: SQL NULL */
void pg__p_textn(struct pg_params *p, const char *s, size_t len);
void pg__p_i64(struct pg_params *p, int64_t v);
void pg__p_bytea(struct pg_params *p, const void *b, size_t len);
void pg__p_raw(struct pg_params *p, const void *b, size_t len, Oid type); /* binary */

/* A one-dimensional array in PostgreSQL's binary form, built in a cb_buf. */
struct pg_array {
	cb_buf  b;
	Oid     elem;
	int32_t n;
	int     hasnull;
};

void pg__arr_init(struct pg_array *a, Oid elem);
void pg__arr_add(struct pg_array *a, const void *p, size_t len);  /* p NULL: NULL */
void pg__arr_add_i64(struct pg_array *a, int64_t v);
/* Finish the header; CB_OK or CB_ENOMEM (the buffer failed). */
int  pg__arr_done(struct pg_array *a);
void pg__arr_free(struct pg_array *a);

/* ---- results --------------------------------------------------------------- */

/* The text of a value, or NULL for SQL NULL. */
const char *pg__val(const PGresult *r, int row, int col);
/* A bigint value; 0 for NULL. */
int64_t pg__i64(const PGresult *r, int row, int col);
/* A bytea value of exactly @n bytes into @out: 1, else 0. */
int pg__bytea(const PGresult *r, int row, int col, unsigned char *out, size_t n);
/* Whether the bytea value equals the 32 bytes at @h. */
int pg__bytea_eq(const PGresult *r, int row, int col, const unsigned char h[32]);

/* ---- statements and transactions (pg_tx.c) ------------------------------ */

/*
 * Run @sql (a module's constant text; prepared on @c the first time) with
 * @p (NULL: none).  On CB_OK *out (may be NULL: discarded) holds the
 * result, to PQclear().  Failures are classed (pg__class) and recorded,
 * naming @what.  The first statement on a connection that has gone stale
 * (the server restarted, a proxy timed it out) is retried once on a new
 * connection: nothing had been sent on the old one.
 */
int pg__exec(struct pg_conn *c, const char *sql, const struct pg_params *p, const char *what,
    PGresult **out);
/* pg__exec for a statement without rows; *changed (may be NULL): rows affected. */
int pg__run(struct pg_conn *c, const char *sql, const struct pg_params *p, const char *what,
    int64_t *changed);

/*
 * The body of a transaction, run with connection @c held.  It returns
 * CB_OK (commit), PG_ROLLBACK (roll back, and the helper returns CB_OK: a
 * decision with nothing to write), or a negative cb_err (roll back and
 * return it).
 */
typedef int (*pg_fn)(struct pg_conn *c, void *arg);
#define PG_ROLLBACK 1

/*
 * Run @fn in one write transaction (READ COMMITTED; the bodies take the
 * row locks they need): take a connection, BEGIN, run, COMMIT or ROLLBACK,
 * release.  A COMMIT that does not answer (the connection is lost, the
 * server is shut down or the backend killed) is CB_EUNKNOWN: the commit
 * record may have been written.
 */
int pg__write(struct pg_store *st, const char *what, pg_fn fn, void *arg);
/* How pg__read() runs its statements. */
enum {
	PG_READ_PLAIN = 0,     /* each on its own (autocommit) */
	PG_READ_SNAPSHOT,      /* in one REPEATABLE READ READ ONLY transaction: one moment for all */
	PG_READ_LOCKED         /* in one READ COMMITTED READ ONLY transaction: a lock taken by the
	                        * first statement is held while the next ones take their snapshots */
};

/* Run @fn on a connection, as @mode says.  A positive return of @fn is a
 * stop: CB_OK. */
int pg__read(struct pg_store *st, const char *what, int mode, pg_fn fn, void *arg);

/*
 * The cb_err class of a failure: @sqlstate of the error (NULL when libpq
 * reported no result, e.g. a lost connection), @lost: the connection is
 * gone, @at_commit: the failure answered a COMMIT.
 */
int pg__class(const char *sqlstate, int lost, int at_commit);

/* Connect @c to @st->url and set the session up; CB_OK or classed. */
int pg__conn_open(struct pg_conn *c, struct pg_store *st);
void pg__conn_close(struct pg_conn *c);

/* ---- pg_schema.c ------------------------------------------------------- */

/* Bring the schema up to CB_STORE_SCHEMA_VERSION in one transaction,
 * serialized across processes by an advisory lock. */
int pg__migrate(struct pg_conn *c, int *schema);

/* ---- the modules' operations (see struct cb_store_ops) ------------------ */

int pg__set_get(void *be, const char *name, int version, int latest, cb_store_setver *out);
int pg__set_put(void *be, const char *name, int version, const char *body, size_t len,
    const char *etag, const char *source, const char *by);
int pg__set_publish(void *be, const cb_store_setpub *p, const char *etag, cb_store_setpub_status *status);
int pg__set_watch(void *be, int64_t *serial, unsigned timeout_ms);
int pg__set_versions(void *be, const char *name, cb_store_setver_fn fn, void *arg);
int pg__set_each_latest(void *be, cb_store_setver_fn fn, void *arg);

/* shops (pg_shops.c) */
int pg__shop_add(void *be, const cb_store_shop *s, const char *now);
int pg__shop_get(void *be, const char *name, cb_store_shop_fn fn, void *arg);
int pg__shop_remove(void *be, const char *name);
int pg__shop_tokens(void *be, const char *name, int64_t expect, const cb_store_shop *t, const char *now);
int pg__shop_attention(void *be, const char *name, const char *text, const char *now);
int pg__key_add(void *be, const char *name, const char *key_id, const unsigned char hash[32]);
int pg__key_revoke(void *be, const char *name);
int pg__key_find(void *be, const char *key_id, char name[CB_KEY_NAME_MAX + 1], unsigned char hash[32]);
int pg__key_each(void *be, cb_store_key_fn fn, void *arg);

int pg__rec_prepare(void);
/* Make sure the months around now have partitions (at open). */
int pg__rec_partitions_now(struct pg_store *st);
int pg__rec_insert(void *be, const struct store_rec_batch *b, cb_rec_status *status, size_t *nconflicts);
int pg__rec_list(void *be, cb_rec_kind k, const cb_rec_filter *f, cb_rec_fn fn, void *arg);
int pg__rec_report(void *be, cb_rec_kind k, int group, const cb_rec_filter *f, cb_rec_group_fn fn,
    void *arg);
int pg__rec_count(void *be, cb_rec_kind k, int64_t *out);

int pg__order_put(void *be, const struct store_order_put *p, cb_ord_put_status *status,
    char *why, size_t whylen);
int pg__order_get(void *be, const char *order_id, int64_t seq, cb_order_rec *rec);
int pg__order_list(void *be, const cb_ord_filter *f, cb_ord_fn fn, void *arg);
int pg__refund_create(void *be, const struct store_refund *r, cb_refund_put_status *status,
    int64_t *payment_id);
int pg__refund_by_key(void *be, const char *key, int64_t *payment_id, int64_t *order_seq,
    unsigned char fp[32]);
int pg__pay_extend(void *be, int64_t payment_id, const char *owner, int64_t lease_until_ms);
int pg__pay_claim(void *be, const char *owner, int64_t now_ms, int64_t due_ms, int64_t lease_ms,
    int64_t *payment_id, int64_t *order_seq);
int pg__pay_sending(void *be, int64_t payment_id, const char *owner, const char *reason_key,
    int defaulted, int64_t lease_until_ms, const char *now);
int pg__pay_later(void *be, int64_t payment_id, const char *owner, const cb_pay_later *l,
    const char *now);
int pg__pay_fail(void *be, int64_t payment_id, const char *owner, const char *error_text,
    const char *error_code, const char *market_request_id, const char *reason_key, int defaulted,
    const char *now);
int pg__pay_complete(void *be, int64_t payment_id, const char *owner, const char *transaction_id,
    const char *market_request_id, const char *now);
int pg__pay_counts(void *be, int64_t counts[CB_PAY_TYPE_COUNT][CB_PAY_STATUS_COUNT]);

int pg__obs_note(void *be, const char *set, const char *code, const char *seen_in, const char *request_id,
    const char *now);
int pg__obs_list(void *be, const char *set, unsigned limit, cb_store_obs_fn fn, void *arg);
int pg__usage_add(void *be, const cb_store_usage *rows, size_t n);
int pg__usage_list(void *be, const char *set, cb_store_usage_fn fn, void *arg);
int pg__refund_open_each(void *be, unsigned limit, cb_store_open_refund_fn fn, void *arg);
int pg__budget_update(void *be, const char *shop, const char *family,
    void (*step)(void *arg, struct store_budget_row *row), void *arg);
int pg__pay_take(void *be, int64_t payment_id, const char *owner, int64_t now_ms, int64_t lease_ms);
int pg__budget_get(void *be, const char *shop, const char *family, struct store_budget_row *row, int *found);
int pg__budget_each(void *be, int (*fn)(void *arg, const char *shop, const char *family,
    const struct store_budget_row *row), void *arg);

int pg__hook_seen(void *be, const char *id);
int pg__hook_put(void *be, const cb_store_hook *h, const char *now);
int pg__order_mkt_status(void *be, const char *order_id, const cb_ord_mkt_status *u, const char *now,
    int *applied);
int pg__order_checked(void *be, int64_t seq, int64_t *checked_ms, int64_t *mkt_time);
int pg__pay_seize(void *be, int64_t payment_id, const char *owner, int64_t lease_until_ms);

#endif
