/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pg_schema.c - the PostgreSQL schema, in numbered steps, and the
 * migration runner.  Step N means here what it means on every backend
 * (store__schema_steps in ../schema.c): the same tables, columns and rules
 * as sqlite/sq_schema.c, written in PostgreSQL's terms:
 *
 *   - INTEGER is bigint, BLOB bytea (code-set bodies, canonical JSON, are
 *     text), times are RFC 3339 text as on SQLite;
 *   - the rules SQLite's triggers keep (append-only events, immutable
 *     versions, refunds kept) are triggers that raise restrict_violation
 *     (class 23: CB_ECONFLICT, as SQLITE_CONSTRAINT_TRIGGER is);
 *   - incidents and events are partitioned by month of occurred_at (its
 *     microseconds, occurred_us, are the partition key), with a default
 *     partition; the uniqueness of a record's id, which a partitioned
 *     table cannot enforce across partitions, is kept exactly by an
 *     unpartitioned key table (incident_ids, event_ids) holding each id
 *     and its fingerprint.  cb_ensure_month() creates a month's partition;
 *     pg_records.c calls it before a batch needs it.
 *
 * The runner applies the missing steps in one transaction under an
 * advisory lock, so that instances started together migrate once, and
 * records each in schema_migrations.  Never edit a released step; append
 * a new one, for every backend at once.
 */
#include "pg_int.h"

#include <stdio.h>
#include <string.h>

#define NOW_SQL "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* The columns of a kind of record, after its client fields. */
#define REC_TAIL \
	"  category    text NOT NULL," \
	"  set_version bigint NOT NULL," \
	"  fp          bytea NOT NULL," \
	"  request_id  text," \
	"  received_at text NOT NULL," \
	"  occurred_us bigint NOT NULL,"

/* A step is a few texts, run in order in the migration's transaction
 * (ISO C caps a string literal at 4095 bytes). */
#define STEP_PARTS 4

static const struct {
	int         version;
	const char *sql[STEP_PARTS];
} steps[] = {
	{ 1, {
	/* code-set versions, API keys, incidents, events */
	"CREATE TABLE schema_migrations ("
	"  version    bigint PRIMARY KEY,"
	"  applied_at text NOT NULL);"
	"CREATE FUNCTION cb_refuse() RETURNS trigger LANGUAGE plpgsql AS $$"
	"  BEGIN RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation'; END $$;"
	"CREATE TABLE code_set_versions ("
	"  name         text NOT NULL,"
	"  version      bigint NOT NULL,"
	"  body         text NOT NULL,"
	"  etag         text NOT NULL,"
	"  published_at text NOT NULL,"
	"  source       text NOT NULL,"
	"  published_by text NOT NULL,"
	"  PRIMARY KEY (name, version));"
	"CREATE TRIGGER code_set_versions_no_update BEFORE UPDATE ON code_set_versions"
	"  FOR EACH ROW EXECUTE FUNCTION cb_refuse('published versions are immutable');"
	"CREATE TRIGGER code_set_versions_no_delete BEFORE DELETE ON code_set_versions"
	"  FOR EACH ROW EXECUTE FUNCTION cb_refuse('published versions are kept forever');"
	"CREATE TRIGGER code_set_versions_no_truncate BEFORE TRUNCATE ON code_set_versions"
	"  FOR EACH STATEMENT EXECUTE FUNCTION cb_refuse('published versions are kept forever');"
	/* every instance follows the versions: a publish notifies the
	 * listeners (cb_store_set_watch) when it commits, whoever wrote it */
	"CREATE FUNCTION cb_notify_sets() RETURNS trigger LANGUAGE plpgsql AS $$"
	"  BEGIN PERFORM pg_notify('codebook_sets', ''); RETURN NULL; END $$;"
	"CREATE TRIGGER code_set_versions_notify AFTER INSERT ON code_set_versions"
	"  FOR EACH STATEMENT EXECUTE FUNCTION cb_notify_sets();"
	"CREATE TABLE api_keys ("
	"  name       text NOT NULL,"
	"  key_id     text NOT NULL UNIQUE,"
	"  hash       bytea NOT NULL,"
	"  created_at text NOT NULL,"
	"  revoked_at text);"
	"CREATE UNIQUE INDEX api_keys_active_name ON api_keys(name) WHERE revoked_at IS NULL;",
	/* every id ever stored, with its fingerprint: exact idempotency across months */
	"CREATE TABLE incident_ids ("
	"  incident_id text PRIMARY KEY,"
	"  fp          bytea NOT NULL);"
	"CREATE SEQUENCE incidents_seq;"
	"CREATE TABLE incidents ("
	"  seq         bigint NOT NULL DEFAULT nextval('incidents_seq'),"
	"  incident_id text NOT NULL,"
	"  order_id    text NOT NULL,"
	"  rule        text NOT NULL,"
	"  reason_code text NOT NULL,"
	"  reason      text,"
	"  shop_id     text,"
	"  occurred_at text NOT NULL,"
	REC_TAIL
	"  PRIMARY KEY (seq, occurred_us)) PARTITION BY RANGE (occurred_us);"
	"ALTER SEQUENCE incidents_seq OWNED BY incidents.seq;"
	"CREATE TABLE incidents_default PARTITION OF incidents DEFAULT;"
	"CREATE INDEX incidents_order ON incidents(order_id);",
	"CREATE TABLE event_ids ("
	"  event_id text PRIMARY KEY,"
	"  fp       bytea NOT NULL);"
	"CREATE SEQUENCE events_seq;"
	"CREATE TABLE events ("
	"  seq         bigint NOT NULL DEFAULT nextval('events_seq'),"
	"  event_id    text NOT NULL,"
	"  service     text NOT NULL,"
	"  entity      text NOT NULL,"
	"  entity_id   text NOT NULL,"
	"  from_state  text,"
	"  to_state    text NOT NULL,"
	"  reason_code text NOT NULL,"
	"  reason      text,"
	"  actor       text NOT NULL,"
	"  occurred_at text NOT NULL,"
	REC_TAIL
	"  PRIMARY KEY (seq, occurred_us)) PARTITION BY RANGE (occurred_us);"
	"ALTER SEQUENCE events_seq OWNED BY events.seq;"
	"CREATE TABLE events_default PARTITION OF events DEFAULT;"
	/* no index on entity, as on SQLite (docs/internals/store.md) */
	/* append-only: the database itself refuses to change or drop an
	 * event, or the record of its id (triggers on a partitioned table are
	 * cloned onto every partition, present and future) */
	"CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
	"  FOR EACH ROW EXECUTE FUNCTION cb_refuse('events are append-only');"
	"CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
	"  FOR EACH ROW EXECUTE FUNCTION cb_refuse('events are append-only');"
	"CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events"
	"  FOR EACH STATEMENT EXECUTE FUNCTION cb_refuse('events are append-only');"
	"CREATE TRIGGER event_ids_no_change BEFORE UPDATE OR DELETE ON event_ids"
	"  FOR EACH ROW EXECUTE FUNCTION cb_refuse('events are append-only');"
	"CREATE TRIGGER event_ids_no_truncate BEFORE TRUNCATE ON event_ids"
	"  FOR EACH STATEMENT EXECUTE FUNCTION cb_refuse('events are append-only');",
	/*
	 * The partition of the month holding @t_us (microseconds since 1970,
	 * UTC) for @kind, created when missing: true when it was created.
	 * Rows of that month already in the default partition (written while
	 * the month had none) keep it from being created, since PostgreSQL
	 * would refuse: they stay there, found by every query.  The names and
	 * bounds are made here from numbers, quoted by format(); concurrent
	 * callers are serialized by an advisory lock.
	 */
	"CREATE FUNCTION cb_ensure_month(kind text, t_us bigint) RETURNS boolean LANGUAGE plpgsql AS $$"
	"DECLARE"
	"  m  timestamp := date_trunc('month', to_timestamp(t_us / 1000000.0) AT TIME ZONE 'UTC');"
	"  lo bigint := (extract(epoch FROM m AT TIME ZONE 'UTC') * 1000000)::bigint;"
	"  hi bigint := (extract(epoch FROM (m + interval '1 month') AT TIME ZONE 'UTC') * 1000000)::bigint;"
	"  part text := kind || '_' || to_char(m, 'YYYY_MM');"
	"  busy boolean;"
	"BEGIN"
	"  IF kind NOT IN ('incidents', 'events') THEN"
	"    RAISE EXCEPTION 'no partitioned table %', kind USING ERRCODE = 'invalid_parameter_value';"
	"  END IF;"
	"  PERFORM pg_advisory_xact_lock(25442, 2);"
	"  IF to_regclass(part) IS NOT NULL THEN RETURN false; END IF;"
	"  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE occurred_us >= $1 AND occurred_us < $2)',"
	"    kind || '_default') INTO busy USING lo, hi;"
	"  IF busy THEN RETURN false; END IF;"
	"  EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%s) TO (%s)', part, kind, lo, hi);"
	"  RETURN true;"
	"END $$;" } },
	{ 2, {
	/* orders as imported from the marketplace, their payments and the
	 * refund rows of each refund (seed 003), as on SQLite */
	"CREATE TABLE orders ("
	"  seq                bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  order_id           text NOT NULL UNIQUE,"
	"  marketplace        text NOT NULL,"
	"  shop               text NOT NULL,"
	"  status             text NOT NULL CHECK (status IN ('Incomplete', 'Ready for Shipping',"
	"                       'Shipped', 'Delivered', 'Cancelled')),"
	"  marketplace_status text,"
	"  currency           text NOT NULL,"
	"  items_total        bigint NOT NULL CHECK (items_total >= 0),"
	"  shipping_cost      bigint NOT NULL CHECK (shipping_cost >= 0),"
	"  total              bigint NOT NULL CHECK (total = items_total + shipping_cost),"
	"  refunded           bigint NOT NULL DEFAULT 0 CHECK (refunded BETWEEN 0 AND total),"
	"  shipping_refunded  bigint NOT NULL DEFAULT 0 CHECK (shipping_refunded BETWEEN 0 AND shipping_cost),"
	"  fp                 bytea NOT NULL,"
	"  money_fp           bytea NOT NULL,"
	"  created_at         text NOT NULL,"
	"  updated_at         text NOT NULL,"
	"  request_id         text);"
	"CREATE INDEX orders_status ON orders(status, seq);"
	"CREATE INDEX orders_shop ON orders(shop, seq);",
	"CREATE TABLE order_items ("
	"  order_seq      bigint NOT NULL REFERENCES orders(seq),"
	"  line           bigint NOT NULL,"
	"  sku            text NOT NULL,"
	"  line_item_id   text,"
	"  title          text,"
	"  quantity       bigint NOT NULL CHECK (quantity > 0),"
	"  unit_price     bigint NOT NULL CHECK (unit_price >= 0),"
	"  amount         bigint NOT NULL CHECK (amount = quantity * unit_price),"
	"  refunded       bigint NOT NULL DEFAULT 0 CHECK (refunded BETWEEN 0 AND amount),"
	"  payment_status text NOT NULL,"
	"  PRIMARY KEY (order_seq, line));"
	"CREATE TABLE order_payments ("
	"  id                bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  order_seq         bigint NOT NULL REFERENCES orders(seq),"
	"  type              text NOT NULL CHECK (type IN ('Payment', 'Refund')),"
	"  status            text NOT NULL CHECK (status IN ('Pending', 'Processing', 'Completed', 'Error')),"
	"  by_marketplace    bigint NOT NULL CHECK (by_marketplace IN (0, 1)),"
	"  amount            bigint NOT NULL CHECK (amount > 0),"
	"  currency          text NOT NULL,"
	"  reason_key        text,"
	"  reason_defaulted  bigint NOT NULL DEFAULT 0,"
	"  transaction_id    text,"
	"  error_text        text,"
	"  attempts          bigint NOT NULL DEFAULT 0,"
	"  cancel_state      text NOT NULL DEFAULT 'none'"
	"                      CHECK (cancel_state IN ('none', 'sending', 'pending', 'done')),"
	"  next_attempt_ms   bigint NOT NULL DEFAULT 0,"
	"  lease_owner       text,"
	"  lease_expires_ms  bigint NOT NULL DEFAULT 0,"
	"  last_error_code   text,"
	"  last_error        text,"
	"  market_request_id text,"
	"  created_at        text NOT NULL,"
	"  updated_at        text NOT NULL,"
	"  completed_at      text,"
	"  cancel_sent_at    text,"
	"  request_id        text);"
	"CREATE INDEX order_payments_order ON order_payments(order_seq);"
	"CREATE INDEX order_payments_due ON order_payments(next_attempt_ms, id)"
	"  WHERE type = 'Refund' AND by_marketplace = 1 AND status IN ('Pending', 'Processing');"
	"CREATE TABLE refund_rows ("
	"  payment_id bigint NOT NULL REFERENCES order_payments(id),"
	"  row        bigint NOT NULL,"
	"  sku        text,"
	"  kind       text NOT NULL CHECK (kind IN ('item_cost', 'shipping_cost')),"
	"  item_line  bigint,"
	"  amount     bigint NOT NULL CHECK (amount > 0),"
	"  status     text NOT NULL CHECK (status IN ('Pending', 'Completed', 'Error')),"
	"  PRIMARY KEY (payment_id, row));",
	/* refunds are financial records: kept for ever, like events */
	"CREATE TRIGGER refunds_no_delete BEFORE DELETE ON order_payments"
	"  FOR EACH ROW WHEN (OLD.type = 'Refund') EXECUTE FUNCTION cb_refuse('refunds are kept');"
	"CREATE TRIGGER refund_rows_no_delete BEFORE DELETE ON refund_rows"
	"  FOR EACH ROW EXECUTE FUNCTION cb_refuse('refund rows are kept');"
	"CREATE TRIGGER orders_no_delete BEFORE DELETE ON orders"
	"  FOR EACH ROW EXECUTE FUNCTION cb_refuse('orders are kept');"
	"CREATE TRIGGER orders_no_truncate BEFORE TRUNCATE ON orders"
	"  FOR EACH STATEMENT EXECUTE FUNCTION cb_refuse('orders are kept');"
	"CREATE TRIGGER refunds_no_truncate BEFORE TRUNCATE ON order_payments"
	"  FOR EACH STATEMENT EXECUTE FUNCTION cb_refuse('refunds are kept');"
	"CREATE TRIGGER refund_rows_no_truncate BEFORE TRUNCATE ON refund_rows"
	"  FOR EACH STATEMENT EXECUTE FUNCTION cb_refuse('refund rows are kept');" } },
	{ 3, {
	/* a cancellation request's Idempotency-Key and the fingerprint of the
	 * request, written in the transaction that records its refund: a retry
	 * after an unknown outcome finds it (unique across orders) */
	"ALTER TABLE order_payments ADD COLUMN idempotency_key text;"
	"ALTER TABLE order_payments ADD COLUMN request_fp bytea;"
	"CREATE UNIQUE INDEX order_payments_idempotency ON order_payments(idempotency_key)"
	"  WHERE idempotency_key IS NOT NULL;" } },
	{ 4, {
	/* issue 10: the changes each version made, as the gate listed them
	 * (a JSON array); the codes of a set met in marketplace traffic that
	 * the set did not hold, counted */
	"ALTER TABLE code_set_versions ADD COLUMN changes text;"
	"CREATE TABLE observed_codes ("
	"  set_name   text NOT NULL,"
	"  code       text NOT NULL,"
	"  seen_in    text NOT NULL,"
	"  count      bigint NOT NULL CHECK (count > 0),"
	"  first_seen text NOT NULL,"
	"  last_seen  text NOT NULL,"
	"  request_id text,"
	"  PRIMARY KEY (set_name, code));" } },
	{ 5, {
	/* issue 12: the request budget of each shop and endpoint family, as
	 * the next send time it reserves (src/store/budget.c) */
	"CREATE TABLE shop_budgets ("
	"  shop       text NOT NULL,"
	"  family     text NOT NULL,"
	"  tat_us     bigint NOT NULL,"
	"  rate_mrps  bigint NOT NULL DEFAULT 0,"
	"  rate_at_ms bigint NOT NULL DEFAULT 0,"
	"  slowdowns  bigint NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (shop, family));"
	/* a refund whose outcome checks ran past their deadline is Unknown
	 * (needs attention) */
	"ALTER TABLE order_payments DROP CONSTRAINT order_payments_status_check;"
	"ALTER TABLE order_payments ADD CONSTRAINT order_payments_status_check"
	"  CHECK (status IN ('Pending', 'Processing', 'Completed', 'Error', 'Unknown'));"
	"DROP INDEX order_payments_due;"
	"CREATE INDEX order_payments_due ON order_payments(next_attempt_ms, id)"
	"  WHERE type = 'Refund' AND by_marketplace = 1 AND status IN ('Pending', 'Processing', 'Unknown');" } },
	{ 6, {
	/* issue 12: each marketplace notification once (its id is the
	 * marketplace's), with what was done; the marketplace's time of the
	 * order's status stored (an older one never overwrites it) and when
	 * codebook last checked it (the worker's order pull) */
	"CREATE TABLE webhook_notifications ("
	"  notification_id text PRIMARY KEY,"
	"  type            bigint NOT NULL,"
	"  shop_id         text NOT NULL,"
	"  order_id        text,"
	"  sent_at         bigint NOT NULL,"
	"  received_at     text NOT NULL,"
	"  outcome         text NOT NULL CHECK (outcome IN ('applied', 'ignored')),"
	"  detail          text NOT NULL,"
	"  body            text NOT NULL);"
	"ALTER TABLE orders ADD COLUMN mkt_status_time bigint NOT NULL DEFAULT 0;"
	"ALTER TABLE orders ADD COLUMN status_checked_ms bigint NOT NULL DEFAULT 0;" } },
	{ 7, {
	/* issue 12: marketplace shops, their credentials and tokens (kept in
	 * clear: the marketplace needs them so; docs/marketplace.md) and
	 * whether one needs a person (a failed token refresh) */
	"CREATE TABLE shops ("
	"  name               text PRIMARY KEY,"
	"  settings           text NOT NULL,"
	"  app_key            text NOT NULL,"
	"  app_secret         text NOT NULL,"
	"  access_token       text NOT NULL,"
	"  access_expires_at  bigint NOT NULL,"
	"  refresh_token      text,"
	"  refresh_expires_at bigint NOT NULL,"
	"  token_version      bigint NOT NULL,"
	"  attention          text,"
	"  attention_at       text,"
	"  created_at         text NOT NULL,"
	"  updated_at         text NOT NULL);" } },
	{ 8, {
	/* issue 13: usage evidence, one row per set, code and version; the
	 * service adds its counts in batches (never overwrites) */
	"CREATE TABLE code_usage ("
	"  set_name  text NOT NULL,"
	"  code      text NOT NULL,"
	"  version   integer NOT NULL CHECK (version > 0),"
	"  checked   bigint NOT NULL CHECK (checked >= 0),"
	"  stored    bigint NOT NULL CHECK (stored >= 0),"
	"  rejected  bigint NOT NULL CHECK (rejected >= 0),"
	"  last_seen text NOT NULL,"
	"  PRIMARY KEY (set_name, code, version));" } },
};
#define NSTEPS (sizeof(steps) / sizeof(steps[0]))
_Static_assert(NSTEPS == CB_STORE_SCHEMA_VERSION, "one PostgreSQL step per schema version");
_Static_assert(PG_LOCK_NS == 25442 && PG_LOCK_PARTITION == 2, "cb_ensure_month() takes this advisory lock");

static const char SQL_LOCK[] = "SELECT pg_advisory_xact_lock($1::int4, $2::int4)";
static const char SQL_HAS_TABLE[] = "SELECT to_regclass('schema_migrations') IS NOT NULL";
static const char SQL_VERSION[] = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
static const char SQL_RECORD[] = "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, " NOW_SQL ")";

/* A step: several statements, no parameters (the simple query protocol). */
static int
run_step(struct pg_conn *c, int version)
{
	PGresult *res;
	const char *msg;
	size_t i;
	int rc = CB_OK;

	for (i = 0; i < STEP_PARTS && steps[version - 1].sql[i] != NULL && rc == CB_OK; i++) {
		res = PQexec(c->pc, steps[version - 1].sql[i]);
		if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
			msg = res ? PQresultErrorMessage(res) : PQerrorMessage(c->pc);
			rc = cb__fail(pg__class(res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL,
			    PQstatus(c->pc) != CONNECTION_OK, 0), "database: migrate to version %d: %.*s", version,
			    (int)strcspn(msg, "\n"), msg);
		}
		PQclear(res);
	}
	return rc;
}

static int
migrate_tx(struct pg_conn *c, void *arg)
{
	int *schema = arg, v = 0, rc;
	struct pg_params p = { 0 };
	PGresult *res;

	/* instances started together: one migrates, the others wait and see it done */
	pg__p_i64(&p, PG_LOCK_NS);
	pg__p_i64(&p, PG_LOCK_MIGRATE);
	if ((rc = pg__run(c, SQL_LOCK, &p, "migrate", NULL)) != CB_OK ||
	    (rc = pg__exec(c, SQL_HAS_TABLE, NULL, "migrate", &res)) != CB_OK)
		return rc;
	if (strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
		PQclear(res);
		if ((rc = pg__exec(c, SQL_VERSION, NULL, "read schema version", &res)) != CB_OK)
			return rc;
		v = (int)pg__i64(res, 0, 0);
	}
	PQclear(res);
	if (v > (int)NSTEPS)
		return cb__fail(CB_EINVAL, "database schema version %d is newer than this codebook's (%d): "
		    "upgrade codebook", v, (int)NSTEPS);
	for (; v < (int)NSTEPS; v++) {
		if ((rc = run_step(c, v + 1)) != CB_OK)
			return rc;
		memset(&p, 0, sizeof(p));
		pg__p_i64(&p, steps[v].version);
		if ((rc = pg__run(c, SQL_RECORD, &p, "record migration", NULL)) != CB_OK)
			return rc;
	}
	*schema = v;
	return CB_OK;
}

int
pg__migrate(struct pg_conn *c, int *schema)
{
	PGresult *res;
	int rc;

	if ((rc = pg__run(c, "BEGIN", NULL, "migrate", NULL)) != CB_OK)
		return rc;
	if ((rc = migrate_tx(c, schema)) == CB_OK) {
		if ((rc = pg__exec(c, "COMMIT", NULL, "migrate: commit", &res)) == CB_OK) {
			if (strcmp(PQcmdStatus(res), "COMMIT") != 0)
				rc = cb__fail(CB_EIO, "database: migrate: the transaction was rolled back");
			PQclear(res);
		}
		return rc;
	}
	res = PQexec(c->pc, "ROLLBACK");
	PQclear(res);
	return rc;
}
