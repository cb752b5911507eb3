/*
 * store_int.h - private to src/store: the connection pool and the table
 * of prepared statements shared by store.c, sets.c, keys.c and records.c.
 */
#ifndef CB_STORE_INT_H
#define CB_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "err.h"
#include "store.h"

/* Statements with fixed text, prepared once per connection (see stmt_sql
 * in store.c).  Record statements are composed per kind (records.c). */
enum {
	ST_BEGIN_IMMEDIATE = 0,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SET_LATEST,
	ST_SET_GET,
	ST_SET_PUT,
	ST_SET_VERSIONS,
	ST_SET_EACH_LATEST,
	ST_KEY_ADD,
	ST_KEY_REVOKE,
	ST_KEY_FIND,
	ST_KEY_EACH,
	ST_FIXED_COUNT
};

/* Per kind of record: insert, fingerprint lookup, list, count, and one
 * report statement per grouping. */
enum { RS_INSERT = 0, RS_FP, RS_LIST, RS_COUNT, RS_REPORT0, RS_PER_KIND = RS_REPORT0 + 4 };

/* Statements of orders, payments and refund rows (orders.c), after the
 * record statements. */
#define ST_ORD_FIRST (ST_FIXED_COUNT + CB_REC_KIND_COUNT * RS_PER_KIND)
enum {
	SO_FIND = 0, SO_FIND_SEQ, SO_INSERT, SO_UPDATE, SO_ITEMS_DELETE, SO_ITEM_INSERT, SO_ITEMS_OF,
	SO_PAYS_DELETE_IMPORTED, SO_PAY_INSERT, SO_PAYS_OF, SO_ROWS_OF, SO_ROW_INSERT, SO_REFUND_STATE,
	SO_LIST, SO_CLAIM, SO_PAY_SENDING, SO_PAY_LATER, SO_PAY_FAIL, SO_ROWS_STATUS, SO_PAY_COMPLETE,
	SO_ORDER_REFUNDED, SO_ITEM_REFUNDED, SO_PAY_OF, SO_PAY_COUNTS, SO_ITEM_META, SO_ACTIVE_REFUND,
	SO_PAY_ROWS, SO_BEGIN_READ,
	SO_COUNT
};
#define ST_COUNT (ST_ORD_FIRST + SO_COUNT)

/* The SQL of statement ST_ORD_FIRST + i (orders.c). */
extern const char *const store__ord_sql[SO_COUNT];

struct cb_conn {
	sqlite3         *db;
	sqlite3_stmt    *stmts[ST_COUNT];
	pthread_mutex_t  mu;
};

struct cb_store {
	struct cb_conn *conns;    /* [0] writes; the rest read */
	size_t          nconns;
	int             schema;
	char           *rec_sql[CB_REC_KIND_COUNT][RS_PER_KIND];
};

/* Take a connection: the writer for @write, else a free reader.  Always
 * succeeds (blocks until one is free); release with store__release. */
struct cb_conn *store__acquire(cb_store *st, int write);
void store__release(struct cb_conn *c);

/* The prepared statement @id of @c, reset and unbound; NULL after
 * recording the error. */
sqlite3_stmt *store__stmt(cb_store *st, struct cb_conn *c, int id);

/* Record a SQLite failure as the thread's message; returns CB_EIO. */
int store__fail(sqlite3 *db, const char *what);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK on @c. */
int store__begin(cb_store *st, struct cb_conn *c);
int store__commit(cb_store *st, struct cb_conn *c);
void store__rollback(cb_store *st, struct cb_conn *c);

/* Compose the record statements (records.c). */
int store__rec_prepare_sql(cb_store *st);


/* SHA-256 of @len bytes. */
void store__sha256(unsigned char out[32], const void *p, size_t len);

#endif
