/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sq_schema.c - the SQLite schema, in numbered steps, and the migration
 * runner.  Step N takes the schema from version N - 1 to N and means on
 * SQLite what it means on every backend (store__schema_steps in
 * ../schema.c); each ends by setting PRAGMA user_version to N (a PRAGMA
 * takes no bound parameters, so the number is part of the text), and the
 * runner records it in schema_migrations.  Never edit a released step;
 * append a new one, for every backend at once.
 */
#include "sq_int.h"

#define NOW_SQL "strftime('%Y-%m-%dT%H:%M:%fZ','now')"

static const struct {
	int         version;
	const char *sql;
} steps[] = {
	{ 1,
	  /* code-set versions, API keys, incidents, events */
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
	"PRAGMA user_version = 1;" },
	{ 2,
	/* orders as imported from the marketplace, their payments and the
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
	"PRAGMA user_version = 2;" },
	{ 3,
	/* a cancellation request's Idempotency-Key and the fingerprint of the
	 * request, written in the transaction that records its refund: a retry
	 * after an unknown outcome finds it (unique across orders) */
	"ALTER TABLE order_payments ADD COLUMN idempotency_key TEXT;"
	"ALTER TABLE order_payments ADD COLUMN request_fp BLOB;"
	"CREATE UNIQUE INDEX order_payments_idempotency ON order_payments(idempotency_key)"
	"  WHERE idempotency_key IS NOT NULL;"
	"PRAGMA user_version = 3;" },
	{ 4,
	/* issue 10: the changes each version made, as the gate listed them
	 * (a JSON array); the codes of a set met in marketplace traffic that
	 * the set did not hold, counted */
	"ALTER TABLE code_set_versions ADD COLUMN changes TEXT;"
	"CREATE TABLE observed_codes ("
	"  set_name   TEXT NOT NULL,"
	"  code       TEXT NOT NULL,"
	"  seen_in    TEXT NOT NULL,"
	"  count      INTEGER NOT NULL CHECK (count > 0),"
	"  first_seen TEXT NOT NULL,"
	"  last_seen  TEXT NOT NULL,"
	"  request_id TEXT,"
	"  PRIMARY KEY (set_name, code)) WITHOUT ROWID;"
	"PRAGMA user_version = 4;" },
	{ 5,
	/* issue 12: the request budget of each shop and endpoint family, as
	 * the next send time it reserves (src/store/budget.c) */
	"CREATE TABLE shop_budgets ("
	"  shop       TEXT NOT NULL,"
	"  family     TEXT NOT NULL,"
	"  tat_us     INTEGER NOT NULL,"
	"  rate_mrps  INTEGER NOT NULL DEFAULT 0,"
	"  rate_at_ms INTEGER NOT NULL DEFAULT 0,"
	"  slowdowns  INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (shop, family)) WITHOUT ROWID;"
	/* a refund whose outcome checks ran past their deadline is Unknown
	 * (needs attention): the status CHECK widened in place, as SQLite's
	 * documentation allows for a constraint every row already meets (no
	 * rebuild of a table that refund_rows references); RESET makes this
	 * connection read the new schema at once */
	"PRAGMA writable_schema = ON;"
	"UPDATE sqlite_schema SET sql = replace(sql,"
	"  'status            TEXT NOT NULL CHECK (status IN (''Pending'', ''Processing'', ''Completed'', ''Error''))',"
	"  'status            TEXT NOT NULL CHECK (status IN (''Pending'', ''Processing'', ''Completed'', ''Error'','"
	"  || ' ''Unknown''))')"
	"  WHERE type = 'table' AND name = 'order_payments';"
	"PRAGMA writable_schema = RESET;"
	"DROP INDEX order_payments_due;"
	"CREATE INDEX order_payments_due ON order_payments(next_attempt_ms)"
	"  WHERE type = 'Refund' AND by_marketplace = 1 AND status IN ('Pending', 'Processing', 'Unknown');"
	"PRAGMA user_version = 5;" },
	{ 6,
	/* issue 12: each marketplace notification once (its id is the
	 * marketplace's), with what was done; the marketplace's time of the
	 * order's status stored (an older one never overwrites it) and when
	 * codebook last checked it (the worker's order pull) */
	"CREATE TABLE webhook_notifications ("
	"  notification_id TEXT PRIMARY KEY,"
	"  type            INTEGER NOT NULL,"
	"  shop_id         TEXT NOT NULL,"
	"  order_id        TEXT,"
	"  sent_at         INTEGER NOT NULL,"
	"  received_at     TEXT NOT NULL,"
	"  outcome         TEXT NOT NULL CHECK (outcome IN ('applied', 'ignored')),"
	"  detail          TEXT NOT NULL,"
	"  body            TEXT NOT NULL) WITHOUT ROWID;"
	"ALTER TABLE orders ADD COLUMN mkt_status_time INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE orders ADD COLUMN status_checked_ms INTEGER NOT NULL DEFAULT 0;"
	"PRAGMA user_version = 6;" },
	{ 7,
	/* issue 12: marketplace shops, their credentials and tokens (kept in
	 * clear: the marketplace needs them so; docs/marketplace.md) and
	 * whether one needs a person (a failed token refresh) */
	"CREATE TABLE shops ("
	"  name               TEXT PRIMARY KEY,"
	"  settings           TEXT NOT NULL,"
	"  app_key            TEXT NOT NULL,"
	"  app_secret         TEXT NOT NULL,"
	"  access_token       TEXT NOT NULL,"
	"  access_expires_at  INTEGER NOT NULL,"
	"  refresh_token      TEXT,"
	"  refresh_expires_at INTEGER NOT NULL,"
	"  token_version      INTEGER NOT NULL,"
	"  attention          TEXT,"
	"  attention_at       TEXT,"
	"  created_at         TEXT NOT NULL,"
	"  updated_at         TEXT NOT NULL) WITHOUT ROWID;"
	"PRAGMA user_version = 7;" },
	{ 8,
	/* issue 13: usage evidence, one row per set, code and version; the
	 * service adds its counts in batches (never overwrites) */
	"CREATE TABLE code_usage ("
	"  set_name  TEXT NOT NULL,"
	"  code      TEXT NOT NULL,"
	"  version   INTEGER NOT NULL CHECK (version > 0),"
	"  checked   INTEGER NOT NULL CHECK (checked >= 0),"
	"  stored    INTEGER NOT NULL CHECK (stored >= 0),"
	"  rejected  INTEGER NOT NULL CHECK (rejected >= 0),"
	"  last_seen TEXT NOT NULL,"
	"  PRIMARY KEY (set_name, code, version)) WITHOUT ROWID;"
	"PRAGMA user_version = 8;" },
};
#define NSTEPS (sizeof(steps) / sizeof(steps[0]))
_Static_assert(NSTEPS == CB_STORE_SCHEMA_VERSION, "one SQLite step per schema version");

static int
user_version(sqlite3 *db, int *out)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL)) != SQLITE_OK)
		return cb__fail(sq__class(rc, 0), "database: read schema version: %s", sqlite3_errmsg(db));
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*out = sqlite3_column_int(s, 0);
		rc = CB_OK;
	} else
		rc = cb__fail(sq__class(rc, 0), "database: read schema version: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	return rc;
}

/* Bring the schema up to date in one transaction, so that a crash
 * mid-migration leaves the previous version intact. */
int
sq__migrate(sqlite3 *db, int *schema)
{
	sqlite3_stmt *s = NULL;
	int v, now, rc;

	if ((rc = sq__exec(db, "BEGIN IMMEDIATE", "migrate")) != CB_OK)
		return rc;
	if ((rc = user_version(db, &v)) != CB_OK)
		goto fail;
	if (v > (int)NSTEPS) {
		rc = cb__fail(CB_EINVAL, "database schema version %d is newer than this codebook's (%d): "
		    "upgrade codebook", v, (int)NSTEPS);
		goto fail;
	}
	for (; v < (int)NSTEPS; v++) {
		if ((rc = sq__exec(db, steps[v].sql, "migrate")) != CB_OK)
			goto fail;
		if ((rc = sqlite3_prepare_v2(db, "INSERT INTO schema_migrations (version, applied_at)"
		    " VALUES (?1, " NOW_SQL ")", -1, &s, NULL)) != SQLITE_OK ||
		    (rc = sqlite3_bind_int(s, 1, steps[v].version)) != SQLITE_OK ||
		    (rc = sqlite3_step(s)) != SQLITE_DONE) {
			rc = cb__fail(sq__class(rc, 0), "database: record migration %d: %s", steps[v].version,
			    sqlite3_errmsg(db));
			goto fail;
		}
		sqlite3_finalize(s);
		s = NULL;
		if ((rc = user_version(db, &now)) != CB_OK)
			goto fail;
		if (now != steps[v].version) {
			rc = cb__fail(CB_ERROR, "migration %d left the schema at version %d", steps[v].version, now);
			goto fail;
		}
	}
	if ((rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK) {
		rc = cb__fail(sq__class(rc, 1), "database: migrate: commit: %s", sqlite3_errmsg(db));
		goto fail;
	}
	*schema = v;
	return CB_OK;
fail:
	sqlite3_finalize(s);
	if (!sqlite3_get_autocommit(db))
		(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}
