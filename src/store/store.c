/*
 * store.c - opening the database, schema migrations, the connection pool
 * and the statement cache.  docs/internals/store.md has the design.
 *
 * One writer connection and a few readers (WAL lets readers run beside the
 * writer).  Each connection has a mutex: SQLite connections are opened
 * without their own locking (SQLITE_OPEN_NOMUTEX) because a connection is
 * only ever used by the thread holding that mutex, which also keeps a
 * transaction from being interleaved with another thread's statements.
 */
#include "store_int.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "buf.h"

/*
 * Migrations, in order: migration i brings the schema from version i to
 * i + 1, and ends by setting PRAGMA user_version to i + 1 (a PRAGMA takes no
 * bound parameters, so the number is part of the text).  Never edit a
 * released step; append a new one.
 */
static const char *const migrations[] = {
	/* 1: code-set versions, API keys, incidents, events */
	"CREATE TABLE schema_migrations ("
	"  version    INTEGER PRIMARY KEY,"
	"  applied_at TEXT NOT NULL);"
	"CREATE TABLE code_set_versions ("
	"  name         TEXT NOT NULL,"
	"  version      INTEGER NOT NULL,"
	"  body         BLOB NOT NULL,"
	"  etag         TEXT NOT NULL,"
	"  published_at TEXT NOT NULL,"
	"  source       TEXT NOT NULL,"
	"  published_by TEXT NOT NULL,"
	"  PRIMARY KEY (name, version)) WITHOUT ROWID;"
	"CREATE TABLE api_keys ("
	"  name       TEXT NOT NULL,"
	"  key_id     TEXT NOT NULL UNIQUE,"
	"  hash       BLOB NOT NULL,"
	"  created_at TEXT NOT NULL,"
	"  revoked_at TEXT);"
	"CREATE UNIQUE INDEX api_keys_active_name ON api_keys(name) WHERE revoked_at IS NULL;"
	"CREATE TABLE incidents ("
	"  seq         INTEGER PRIMARY KEY,"
	"  incident_id TEXT NOT NULL UNIQUE,"
	"  order_id    TEXT NOT NULL,"
	"  rule        TEXT NOT NULL,"
	"  reason_code TEXT NOT NULL,"
	"  reason      TEXT,"
	"  shop_id     TEXT,"
	"  occurred_at TEXT NOT NULL,"
	"  category    TEXT NOT NULL,"
	"  set_version INTEGER NOT NULL,"
	"  fp          BLOB NOT NULL,"
	"  request_id  TEXT,"
	"  received_at TEXT NOT NULL,"
	"  occurred_us INTEGER NOT NULL);"
	"CREATE INDEX incidents_order ON incidents(order_id);"
	"CREATE TABLE events ("
	"  seq         INTEGER PRIMARY KEY,"
	"  event_id    TEXT NOT NULL UNIQUE,"
	"  service     TEXT NOT NULL,"
	"  entity      TEXT NOT NULL,"
	"  entity_id   TEXT NOT NULL,"
	"  from_state  TEXT,"
	"  to_state    TEXT NOT NULL,"
	"  reason_code TEXT NOT NULL,"
	"  reason      TEXT,"
	"  actor       TEXT NOT NULL,"
	"  occurred_at TEXT NOT NULL,"
	"  category    TEXT NOT NULL,"
	"  set_version INTEGER NOT NULL,"
	"  fp          BLOB NOT NULL,"
	"  request_id  TEXT,"
	"  received_at TEXT NOT NULL,"
	"  occurred_us INTEGER NOT NULL);"
	/* no index on entity: at ingest rates each batch would dirty a page of
	 * it per event (docs/internals/store.md); listing by entity scans */
	/* append-only: the database itself refuses to change or drop an event */
	"CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
	"  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"
	"CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
	"  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"
	"CREATE TRIGGER code_set_versions_no_update BEFORE UPDATE ON code_set_versions"
	"  BEGIN SELECT RAISE(ABORT, 'published versions are immutable'); END;"
	"CREATE TRIGGER code_set_versions_no_delete BEFORE DELETE ON code_set_versions"
	"  BEGIN SELECT RAISE(ABORT, 'published versions are kept forever'); END;"
	"PRAGMA user_version = 1;",
	/* 2: orders as imported from the marketplace, their payments and the
	 * refund rows of each refund (seed 003).  Money is integer minor units;
	 * the CHECKs hold the sums together even against a bug or a hand edit.
	 * Times in *_ms columns are Unix milliseconds (workers in several
	 * processes compare them); the others are RFC 3339 text. */
	"CREATE TABLE orders ("
	"  seq                INTEGER PRIMARY KEY,"
	"  order_id           TEXT NOT NULL UNIQUE,"
	"  marketplace        TEXT NOT NULL,"
	"  shop               TEXT NOT NULL,"
	"  status             TEXT NOT NULL CHECK (status IN ('Incomplete', 'Ready for Shipping',"
	"                       'Shipped', 'Delivered', 'Cancelled')),"
	"  marketplace_status TEXT,"
	"  currency           TEXT NOT NULL,"
	"  items_total        INTEGER NOT NULL CHECK (items_total >= 0),"
	"  shipping_cost      INTEGER NOT NULL CHECK (shipping_cost >= 0),"
	"  total              INTEGER NOT NULL CHECK (total = items_total + shipping_cost),"
	"  refunded           INTEGER NOT NULL DEFAULT 0 CHECK (refunded BETWEEN 0 AND total),"
	"  shipping_refunded  INTEGER NOT NULL DEFAULT 0 CHECK (shipping_refunded BETWEEN 0 AND shipping_cost),"
	"  fp                 BLOB NOT NULL,"
	"  money_fp           BLOB NOT NULL,"
	"  created_at         TEXT NOT NULL,"
	"  updated_at         TEXT NOT NULL,"
	"  request_id         TEXT);"
	"CREATE INDEX orders_status ON orders(status, seq);"
	"CREATE INDEX orders_shop ON orders(shop, seq);"
	"CREATE TABLE order_items ("
	"  order_seq      INTEGER NOT NULL REFERENCES orders(seq),"
	"  line           INTEGER NOT NULL,"
	"  sku            TEXT NOT NULL,"
	"  line_item_id   TEXT,"
	"  title          TEXT,"
	"  quantity       INTEGER NOT NULL CHECK (quantity > 0),"
	"  unit_price     INTEGER NOT NULL CHECK (unit_price >= 0),"
	"  amount         INTEGER NOT NULL CHECK (amount = quantity * unit_price),"
	"  refunded       INTEGER NOT NULL DEFAULT 0 CHECK (refunded BETWEEN 0 AND amount),"
	"  payment_status TEXT NOT NULL,"
	"  PRIMARY KEY (order_seq, line)) WITHOUT ROWID;"
	"CREATE TABLE order_payments ("
	"  id                INTEGER PRIMARY KEY,"
	"  order_seq         INTEGER NOT NULL REFERENCES orders(seq),"
	"  type              TEXT NOT NULL CHECK (type IN ('Payment', 'Refund')),"
	"  status            TEXT NOT NULL CHECK (status IN ('Pending', 'Processing', 'Completed', 'Error')),"
	"  by_marketplace    INTEGER NOT NULL CHECK (by_marketplace IN (0, 1)),"
	"  amount            INTEGER NOT NULL CHECK (amount > 0),"
	"  currency          TEXT NOT NULL,"
	"  reason_key        TEXT,"
	"  reason_defaulted  INTEGER NOT NULL DEFAULT 0,"
	"  transaction_id    TEXT,"
	"  error_text        TEXT,"
	"  attempts          INTEGER NOT NULL DEFAULT 0,"
	"  cancel_state      TEXT NOT NULL DEFAULT 'none'"
	"                      CHECK (cancel_state IN ('none', 'sending', 'pending', 'done')),"
	"  next_attempt_ms   INTEGER NOT NULL DEFAULT 0,"
	"  lease_owner       TEXT,"
	"  lease_expires_ms  INTEGER NOT NULL DEFAULT 0,"
	"  last_error_code   TEXT,"
	"  last_error        TEXT,"
	"  market_request_id TEXT,"
	"  created_at        TEXT NOT NULL,"
	"  updated_at        TEXT NOT NULL,"
	"  completed_at      TEXT,"
	"  cancel_sent_at    TEXT,"
	"  request_id        TEXT);"
	"CREATE INDEX order_payments_order ON order_payments(order_seq);"
	"CREATE INDEX order_payments_due ON order_payments(next_attempt_ms)"
	"  WHERE type = 'Refund' AND by_marketplace = 1 AND status IN ('Pending', 'Processing');"
	"CREATE TABLE refund_rows ("
	"  payment_id INTEGER NOT NULL REFERENCES order_payments(id),"
	"  row        INTEGER NOT NULL,"
	"  sku        TEXT,"
	"  kind       TEXT NOT NULL CHECK (kind IN ('item_cost', 'shipping_cost')),"
	"  item_line  INTEGER,"
	"  amount     INTEGER NOT NULL CHECK (amount > 0),"
	"  status     TEXT NOT NULL CHECK (status IN ('Pending', 'Completed', 'Error')),"
	"  PRIMARY KEY (payment_id, row)) WITHOUT ROWID;"
	/* refunds are financial records: kept for ever, like events */
	"CREATE TRIGGER refunds_no_delete BEFORE DELETE ON order_payments WHEN OLD.type = 'Refund'"
	"  BEGIN SELECT RAISE(ABORT, 'refunds are kept'); END;"
	"CREATE TRIGGER refund_rows_no_delete BEFORE DELETE ON refund_rows"
	"  BEGIN SELECT RAISE(ABORT, 'refund rows are kept'); END;"
	"CREATE TRIGGER orders_no_delete BEFORE DELETE ON orders"
	"  BEGIN SELECT RAISE(ABORT, 'orders are kept'); END;"
	"PRAGMA user_version = 2;",
};
#define NMIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))
_Static_assert(NMIGRATIONS == CB_STORE_SCHEMA_VERSION, "one migration per schema version");

#define NOW_SQL "strftime('%Y-%m-%dT%H:%M:%fZ','now')"

static const char *const stmt_sql[ST_FIXED_COUNT] = {
	[ST_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SET_LATEST] = "SELECT name, version, body, etag, published_at, source, published_by"
	    " FROM code_set_versions WHERE name = ?1 ORDER BY version DESC LIMIT 1",
	[ST_SET_GET] = "SELECT name, version, body, etag, published_at, source, published_by"
	    " FROM code_set_versions WHERE name = ?1 AND version = ?2",
	[ST_SET_PUT] = "INSERT INTO code_set_versions"
	    " (name, version, body, etag, published_at, source, published_by)"
	    " VALUES (?1, ?2, ?3, ?4, " NOW_SQL ", ?5, ?6)",
	[ST_SET_VERSIONS] = "SELECT name, version, NULL, etag, published_at, source, published_by"
	    " FROM code_set_versions WHERE name = ?1 ORDER BY version",
	[ST_SET_EACH_LATEST] = "SELECT v.name, v.version, v.body, v.etag, v.published_at, v.source,"
	    " v.published_by FROM code_set_versions v JOIN (SELECT name, MAX(version) AS version"
	    " FROM code_set_versions GROUP BY name) m ON v.name = m.name AND v.version = m.version"
	    " ORDER BY v.name",
	[ST_KEY_ADD] = "INSERT INTO api_keys (name, key_id, hash, created_at)"
	    " VALUES (?1, ?2, ?3, " NOW_SQL ")",
	[ST_KEY_REVOKE] = "UPDATE api_keys SET revoked_at = " NOW_SQL
	    " WHERE name = ?1 AND revoked_at IS NULL",
	[ST_KEY_FIND] = "SELECT name, hash FROM api_keys WHERE key_id = ?1 AND revoked_at IS NULL",
	[ST_KEY_EACH] = "SELECT name, key_id, created_at, revoked_at FROM api_keys ORDER BY created_at, name",
};

int
store__fail(sqlite3 *db, const char *what)
{
	return cb__fail(CB_EIO, "database: %s: %s", what, db ? sqlite3_errmsg(db) : "no connection");
}

void
store__sha256(unsigned char out[32], const void *p, size_t len)
{
	unsigned int n = 32;

	if (EVP_Digest(p, len, out, &n, EVP_sha256(), NULL) != 1)
		memset(out, 0, 32);	/* cannot happen with the default provider */
}

void
cb_store_etag(char out[80], const void *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	size_t i, o = 0;

	store__sha256(md, p, len);
	memcpy(out, "\"sha256:", 8);
	o = 8;
	for (i = 0; i < 32; i++) {
		out[o++] = hex[md[i] >> 4];
		out[o++] = hex[md[i] & 15];
	}
	out[o++] = '"';
	out[o] = '\0';
}

sqlite3_stmt *
store__stmt(cb_store *st, struct cb_conn *c, int id)
{
	const char *sql;

	if (c->stmts[id] != NULL) {
		sqlite3_reset(c->stmts[id]);
		sqlite3_clear_bindings(c->stmts[id]);
		return c->stmts[id];
	}
	sql = id < ST_FIXED_COUNT ? stmt_sql[id] : id >= ST_ORD_FIRST ? store__ord_sql[id - ST_ORD_FIRST]
	    : st->rec_sql[(id - ST_FIXED_COUNT) / RS_PER_KIND][(id - ST_FIXED_COUNT) % RS_PER_KIND];
	if (sql == NULL) {
		cb__fail(CB_EINVAL, "database: no statement %d", id);
		return NULL;
	}
	if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->stmts[id], NULL) != SQLITE_OK) {
		store__fail(c->db, "prepare");
		c->stmts[id] = NULL;
	}
	return c->stmts[id];
}

static int
step_done(cb_store *st, struct cb_conn *c, int id, const char *what)
{
	sqlite3_stmt *s = store__stmt(st, c, id);

	if (s == NULL)
		return CB_EIO;
	if (sqlite3_step(s) != SQLITE_DONE)
		return store__fail(c->db, what);
	sqlite3_reset(s);
	return CB_OK;
}

int
store__begin(cb_store *st, struct cb_conn *c)
{
	return step_done(st, c, ST_BEGIN_IMMEDIATE, "begin");
}

int
store__commit(cb_store *st, struct cb_conn *c)
{
	int rc = step_done(st, c, ST_COMMIT, "commit");

	if (rc != CB_OK)
		store__rollback(st, c);
	return rc;
}

void
store__rollback(cb_store *st, struct cb_conn *c)
{
	sqlite3_stmt *s;

	if (sqlite3_get_autocommit(c->db))
		return;	/* SQLite already rolled back (e.g. after SQLITE_FULL) */
	if ((s = store__stmt(st, c, ST_ROLLBACK)) != NULL) {
		(void)sqlite3_step(s);
		sqlite3_reset(s);
	}
}

struct cb_conn *
store__acquire(cb_store *st, int write)
{
	static _Thread_local unsigned spread;
	size_t i, n;

	if (write || st->nconns == 1) {
		pthread_mutex_lock(&st->conns[0].mu);
		return &st->conns[0];
	}
	n = st->nconns - 1;
	for (i = 0; i < n; i++)
		if (pthread_mutex_trylock(&st->conns[1 + i].mu) == 0)
			return &st->conns[1 + i];
	i = 1 + (spread++ % n);
	pthread_mutex_lock(&st->conns[i].mu);
	return &st->conns[i];
}

void
store__release(struct cb_conn *c)
{
	if (c == NULL)
		return;
	/* a statement left mid-step would hold a read transaction open */
	for (size_t i = 0; i < ST_COUNT; i++)
		if (c->stmts[i] != NULL && sqlite3_stmt_busy(c->stmts[i]))
			sqlite3_reset(c->stmts[i]);
	pthread_mutex_unlock(&c->mu);
}

static int
exec(sqlite3 *db, const char *sql, const char *what)
{
	char *msg = NULL;
	int rc;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return CB_OK;
	rc = cb__fail(CB_EIO, "database: %s: %s", what, msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return rc;
}

static int
user_version(sqlite3 *db, int *out)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return store__fail(db, "read schema version");
	if (sqlite3_step(s) == SQLITE_ROW) {
		*out = sqlite3_column_int(s, 0);
		rc = CB_OK;
	} else
		rc = store__fail(db, "read schema version");
	sqlite3_finalize(s);
	return rc;
}

/* Bring the schema up to date, one transaction per step, so that a crash
 * mid-migration leaves the previous version intact. */
static int
migrate(sqlite3 *db, int *schema)
{
	int v, now, rc;
	sqlite3_stmt *s = NULL;

	if ((rc = exec(db, "BEGIN IMMEDIATE", "migrate")) != CB_OK)
		return rc;
	if ((rc = user_version(db, &v)) != CB_OK)
		goto fail;
	if (v > (int)NMIGRATIONS) {
		rc = cb__fail(CB_EINVAL, "database schema version %d is newer than this codebook's (%d): "
		    "upgrade codebook", v, (int)NMIGRATIONS);
		goto fail;
	}
	for (; v < (int)NMIGRATIONS; v++) {
		if ((rc = exec(db, migrations[v], "migrate")) != CB_OK)
			goto fail;
		if (sqlite3_prepare_v2(db, "INSERT INTO schema_migrations (version, applied_at)"
		    " VALUES (?1, " NOW_SQL ")", -1, &s, NULL) != SQLITE_OK ||
		    sqlite3_bind_int(s, 1, v + 1) != SQLITE_OK || sqlite3_step(s) != SQLITE_DONE) {
			rc = store__fail(db, "record migration");
			goto fail;
		}
		sqlite3_finalize(s);
		s = NULL;
		if ((rc = user_version(db, &now)) != CB_OK)
			goto fail;
		if (now != v + 1) {
			rc = cb__fail(CB_ERROR, "migration %d left the schema at version %d", v + 1, now);
			goto fail;
		}
	}
	if ((rc = exec(db, "COMMIT", "migrate")) != CB_OK)
		goto fail;
	*schema = v;
	return CB_OK;
fail:
	sqlite3_finalize(s);
	(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static int
open_conn(struct cb_conn *c, const char *path, int create)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);

	if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK) {
		int rc = cb__fail(CB_EIO, "database %s: %s", path,
		    c->db ? sqlite3_errmsg(c->db) : "out of memory");
		sqlite3_close(c->db);
		c->db = NULL;
		return rc;
	}
	sqlite3_extended_result_codes(c->db, 1);
	/* another process (codebook keys) may hold the write lock briefly */
	sqlite3_busy_timeout(c->db, 5000);
	/* acknowledged means on disk: FULL syncs the WAL at every commit */
	/* a larger page cache and rarer checkpoints: a 1,000-event batch
	 * rewrites fewer pages and the WAL is copied back less often */
	return exec(c->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
	    " PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 16384; PRAGMA temp_store = MEMORY;"
	    " PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF", path);
}

/* mkdir -p of the database's directory: the default ./var/codebook.db
 * must work on a fresh checkout. */
static int
ensure_parent_dir(const char *path)
{
	char dir[4096];
	size_t i, n = strlen(path);

	if (n >= sizeof(dir))
		return cb__fail(CB_EINVAL, "database path too long");
	memcpy(dir, path, n + 1);
	for (i = 1; i < n; i++) {
		if (dir[i] != '/')
			continue;
		dir[i] = '\0';
		if (mkdir(dir, 0750) != 0 && errno != EEXIST)
			return cb__fail(CB_EIO, "create %s: %s", dir, strerror(errno));
		dir[i] = '/';
	}
	return CB_OK;
}

int
cb_store_open(cb_store **out, const char *path, unsigned nreaders)
{
	cb_store *st = NULL;
	size_t i;
	int rc;

	if (out == NULL || path == NULL)
		return cb__fail(CB_EINVAL, "cb_store_open: NULL argument");
	*out = NULL;
	if ((rc = ensure_parent_dir(path)) != CB_OK)
		return rc;
	if (nreaders > 64)
		nreaders = 64;
	if ((st = cb__calloc(1, sizeof(*st))) == NULL ||
	    (st->conns = cb__calloc((size_t)nreaders + 1, sizeof(*st->conns))) == NULL) {
		free(st);
		return cb__fail(CB_ENOMEM, "out of memory");
	}
	for (i = 0; i <= nreaders; i++)
		pthread_mutex_init(&st->conns[i].mu, NULL);
	st->nconns = (size_t)nreaders + 1;
	if ((rc = open_conn(&st->conns[0], path, 1)) != CB_OK)
		goto fail;
	if ((rc = migrate(st->conns[0].db, &st->schema)) != CB_OK)
		goto fail;
	for (i = 1; i < st->nconns; i++)
		if ((rc = open_conn(&st->conns[i], path, 0)) != CB_OK)
			goto fail;
	if ((rc = store__rec_prepare_sql(st)) != CB_OK)
		goto fail;
	*out = st;
	return CB_OK;
fail:
	cb_store_close(st);
	return rc;
}

void
cb_store_close(cb_store *st)
{
	size_t i, j;

	if (st == NULL)
		return;
	for (i = 0; i < st->nconns; i++) {
		for (j = 0; j < ST_COUNT; j++)
			sqlite3_finalize(st->conns[i].stmts[j]);
		sqlite3_close(st->conns[i].db);
		pthread_mutex_destroy(&st->conns[i].mu);
	}
	for (i = 0; i < CB_REC_KIND_COUNT; i++)
		for (j = 0; j < RS_PER_KIND; j++)
			free(st->rec_sql[i][j]);
	free(st->conns);
	free(st);
}

int
cb_store_schema_version(const cb_store *st)
{
	return st ? st->schema : 0;
}
