/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store_pg.c - what only the PostgreSQL backend has (its SQLite
 * counterpart, with faults injected below SQLite, is test_store_tx.c):
 *
 *   - SQLSTATEs map to the error classes;
 *   - "outcome unknown" for real: the backend serving the store's
 *     connection is killed (pg_terminate_backend) while its COMMIT is held,
 *     once before the commit record (a deferred trigger waits on an
 *     advisory lock: nothing is stored) and once after it (the database
 *     waits for a synchronous standby that never comes: the write is
 *     stored).  Both answer CB_EUNKNOWN, and a retry with the same ids is
 *     safe either way;
 *   - a connection lost while idle is replaced without the caller seeing
 *     it; a lock held elsewhere past lock_timeout is CB_EUNAVAIL;
 *   - events are partitioned by month, with exact idempotency across
 *     months, and the default partition takes what has no month;
 *   - concurrency that SQLite's single writer never shows: claims skip
 *     the rows other claimers hold (FOR UPDATE SKIP LOCKED) and never share
 *     a refund; batches sharing ids neither deadlock nor double-insert;
 *     a listing never reads while a lower seq is still uncommitted;
 *     imports of one new order race safely.
 *
 * Registered for PostgreSQL only (tests/CMakeLists.txt).
 */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "helpers.h"
#include "orders/order_rules.h"
#include "store/pg/pg_int.h"
#include "rfc3339.h"
#include "store/store.h"

static const char *db;
static cb_store *st;

static void
setup(void)
{
	cr_assert(tb_pg(), "run with CB_TEST_BACKEND=pg (ctest: store/unit/pg/test_store_pg)");
	db = tb_fresh(NULL);
	cr_assert_eq(cb_store_open(&st, db, 0), CB_OK, "%s", cb_errmsg());
}

static void
teardown(void)
{
	cb_store_close(st);
	st = NULL;
	tb_drop();
}

TestSuite(pg, .init = setup, .fini = teardown, .timeout = 60);

Test(pg, sqlstates_map_to_classes)
{
	static const struct { const char *state; int lost, at_commit, want; } cases[] = {
		{ "23505", 0, 0, CB_ECONFLICT },	/* unique_violation */
		{ "23503", 0, 0, CB_ECONFLICT },	/* foreign_key_violation */
		{ "23514", 0, 0, CB_ECONFLICT },	/* check_violation */
		{ "23001", 0, 0, CB_ECONFLICT },	/* restrict_violation: our triggers */
		{ "40001", 0, 0, CB_EUNAVAIL },	/* serialization_failure */
		{ "40P01", 0, 0, CB_EUNAVAIL },	/* deadlock_detected */
		{ "55P03", 0, 0, CB_EUNAVAIL },	/* lock_not_available (lock_timeout) */
		{ "57P01", 0, 0, CB_EUNAVAIL },	/* admin_shutdown */
		{ "57014", 0, 0, CB_EUNAVAIL },	/* query_canceled */
		{ "08006", 0, 0, CB_EUNAVAIL },	/* connection_failure */
		{ "53300", 0, 0, CB_EUNAVAIL },	/* too_many_connections */
		{ "25006", 0, 0, CB_EUNAVAIL },	/* read_only_sql_transaction: a standby */
		{ NULL, 1, 0, CB_EUNAVAIL },	/* lost before COMMIT: rolled back */
		{ "53100", 0, 0, CB_EIO },	/* disk_full */
		{ "58030", 0, 0, CB_EIO },	/* io_error */
		{ "XX001", 0, 0, CB_EIO },	/* data_corrupted */
		{ "42P01", 0, 0, CB_EIO },	/* undefined_table: not a codebook database */
		{ "53200", 0, 0, CB_ENOMEM },
		{ "54000", 0, 0, CB_ETOOBIG },
		{ "22021", 0, 0, CB_EINVAL },	/* a byte sequence the encoding refuses */
		/* at COMMIT: an ERROR over a live connection was decided before
		 * the commit record (deferred constraint, serializability) */
		{ "23505", 0, 1, CB_ECONFLICT },
		{ "40001", 0, 1, CB_EUNAVAIL },
		/* anything else may have come after it */
		{ NULL, 1, 1, CB_EUNKNOWN },
		{ "57P01", 1, 1, CB_EUNKNOWN },
		{ "08006", 1, 1, CB_EUNKNOWN },
		{ "58030", 0, 1, CB_EUNKNOWN },
		{ "XX000", 0, 1, CB_EUNKNOWN },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(pg__class(cases[i].state, cases[i].lost, cases[i].at_commit), cases[i].want,
		    "%s (lost %d, at commit %d)", cases[i].state ? cases[i].state : "no answer", cases[i].lost,
		    cases[i].at_commit);
}

/* ---- killing the backend during COMMIT ------------------------------------ */

static PGconn *
connect_db(void)
{
	PGconn *c = PQconnectdb(db);

	cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
	return c;
}

static void
must(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);

	cr_assert(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql,
	    PQresultErrorMessage(r));
	PQclear(r);
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

struct killer {
	const char *wait_event;     /* what the COMMIT is waiting on */
	int         killed;
	char        why[256];
};

/* Find the backend of the test's database whose COMMIT waits on
 * k->wait_event, and terminate it.  After 10 s without one, terminate
 * every backend of the database, so that the test fails instead of
 * waiting for ever. */
static void *
kill_when_waiting(void *arg)
{
	struct killer *k = arg;
	const char *params[2] = { tb_pg_dbname(), k->wait_event };
	PGconn *c = PQconnectdb(tb_pg_admin_url());
	PGresult *r;
	int i;

	for (i = 0; i < 1000 && !k->killed && PQstatus(c) == CONNECTION_OK; i++) {
		r = PQexecParams(c, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1"
		    " AND wait_event = $2 AND query = 'COMMIT'", 2, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_TUPLES_OK)
			snprintf(k->why, sizeof(k->why), "%s", PQresultErrorMessage(r));
		else if (PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0)
			k->killed = 1;
		PQclear(r);
		if (!k->killed)
			sleep_ms(10);
	}
	if (!k->killed) {
		r = PQexecParams(c, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
		    1, NULL, params, NULL, NULL, 0);
		PQclear(r);
	}
	PQfinish(c);
	return NULL;
}

static cb_rec
ev(const char *id, const char *when, int64_t us)
{
	static const char *v[10] = { NULL, "SCM", "order", "1", NULL, "held", "FRAUD.CHARGEBACK", NULL, "u", NULL };
	cb_rec r;
	size_t i;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < 10; i++) {
		r.v[i] = i == 0 ? id : i == 9 ? when : v[i];
		r.len[i] = r.v[i] ? strlen(r.v[i]) : 0;
	}
	r.category = "FRAUD";
	r.set_version = 1;
	r.time_us = us;
	return r;
}

#define FEB_2026 1770370200000000	/* 2026-02-06T09:30:00Z */

static int
insert(const cb_rec *recs, size_t n, cb_rec_status *status)
{
	size_t nconf = 0;
	int rc = cb_store_rec_insert(st, CB_REC_EVENT, recs, n, NULL, status, &nconf);

	cr_assert_eq(nconf, 0);
	return rc;
}

Test(pg, killed_in_commit_before_the_commit_record_is_unknown_and_stored_nothing)
{
	cb_rec recs[2] = { ev("k1", "2026-02-06T09:30:00Z", FEB_2026), ev("k2", "2026-02-06T09:30:00Z", FEB_2026) };
	cb_rec_status status[2];
	struct killer k = { "advisory", 0, "" };
	PGconn *holder = connect_db();
	pthread_t t;

	/* COMMIT runs the deferred trigger, which waits for the lock the test holds */
	cr_assert_eq(tb_exec("CREATE FUNCTION hold_commit() RETURNS trigger LANGUAGE plpgsql AS"
	    " $$ BEGIN PERFORM pg_advisory_xact_lock(4242); RETURN NULL; END $$"), 0, "%s", tb_error());
	cr_assert_eq(tb_exec("CREATE CONSTRAINT TRIGGER hold_commit AFTER INSERT ON event_ids DEFERRABLE"
	    " INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION hold_commit()"), 0, "%s", tb_error());
	must(holder, "SELECT pg_advisory_lock(4242)");
	/* the month's partition exists before: the batch's transaction is the only commit */
	cr_assert_eq(tb_exec("SELECT cb_ensure_month('events', 1770370200000000)"), 0, "%s", tb_error());
	cr_assert_eq(pthread_create(&t, NULL, kill_when_waiting, &k), 0);
	cr_assert_eq(insert(recs, 2, status), CB_EUNKNOWN, "%s", cb_errmsg());
	pthread_join(t, NULL);
	cr_assert(k.killed, "the COMMIT was never seen waiting: %s", k.why);
	cr_assert(strstr(cb_errmsg(), "may or may not be stored") != NULL, "%s", cb_errmsg());
	must(holder, "SELECT pg_advisory_unlock(4242)");
	PQfinish(holder);
	/* the backend died before its commit record: nothing is there */
	cr_assert_eq(tb_int("SELECT count(*) FROM events"), 0);
	cr_assert_eq(tb_int("SELECT count(*) FROM event_ids"), 0);
	/* the retry with the same ids, on a new connection: stored once */
	cr_assert_eq(insert(recs, 2, status), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(status[0], CB_REC_CREATED);
	cr_assert_eq(status[1], CB_REC_CREATED);
	cr_assert_eq(tb_int("SELECT count(*) FROM events"), 2);
}

Test(pg, killed_in_commit_after_the_commit_record_is_unknown_and_stored)
{
	/* 1990: no month partition to make, only the batch's transaction commits */
	cb_rec recs[2] = { ev("k1", "1990-01-01T00:00:00Z", 631152000000000),
		ev("k2", "1990-01-01T00:00:00Z", 631152000000000) };
	cb_rec_status status[2];
	struct killer k = { "SyncRep", 0, "" };
	char url[600];
	pthread_t t;

	/* The fixture's cluster names a synchronous standby that never comes.
	 * A session with synchronous_commit = on writes and flushes its commit
	 * record, then waits for that standby: the backend is killed there. */
	cr_assert_str_eq(tb_text("SHOW synchronous_standby_names"), "cb_test_no_standby",
	    "the cluster is not the fixture's (tests/support/pgserver.py FIXTURE_SETTINGS)");
	cb_store_close(st);
	snprintf(url, sizeof(url), "%s?options=-c%%20synchronous_commit%%3Don", db);
	cr_assert_eq(cb_store_open(&st, url, 0), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(pthread_create(&t, NULL, kill_when_waiting, &k), 0);
	cr_assert_eq(insert(recs, 2, status), CB_EUNKNOWN, "%s", cb_errmsg());
	pthread_join(t, NULL);
	cr_assert(k.killed, "the COMMIT was never seen waiting: %s", k.why);
	cr_assert(strstr(cb_errmsg(), "may or may not be stored") != NULL, "%s", cb_errmsg());
	/* the answer never came, yet the batch is stored */
	cr_assert_eq(tb_int("SELECT count(*) FROM events"), 2);
	cb_store_close(st);
	cr_assert_eq(cb_store_open(&st, db, 0), CB_OK, "%s", cb_errmsg());
	/* the retry with the same ids is a replay: nothing twice */
	cr_assert_eq(insert(recs, 2, status), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(status[0], CB_REC_UNCHANGED);
	cr_assert_eq(status[1], CB_REC_UNCHANGED);
	cr_assert_eq(tb_int("SELECT count(*) FROM events"), 2);
}

Test(pg, a_connection_lost_while_idle_is_replaced)
{
	char secret[CB_KEY_SECRET_LEN + 1], name[CB_KEY_NAME_MAX + 1], sql[200];
	cb_store_setver v;

	cr_assert_eq(cb_store_key_add(st, "ci", secret), CB_OK, "%s", cb_errmsg());
	/* the server drops every connection of the store (a restart, a proxy's idle timeout) */
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s'"
	    " AND pid <> pg_backend_pid()", tb_pg_dbname());
	cr_assert_eq(tb_exec(sql), 0, "%s", tb_error());
	sleep_ms(100);
	cr_assert_eq(cb_store_key_verify(st, secret, strlen(secret), name), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(tb_exec(sql), 0, "%s", tb_error());
	sleep_ms(100);
	cr_assert_eq(cb_store_set_put(st, "s", 1, "{}", 2, "api", "t"), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_store_set_latest(st, "s", &v), CB_OK);
	cb_store_setver_clear(&v);
}

Test(pg, a_lock_held_elsewhere_is_unavailable)
{
	PGconn *other = connect_db();
	char url[600];
	cb_store_setver v;

	cb_store_close(st);
	snprintf(url, sizeof(url), "%s?options=-c%%20lock_timeout%%3D100", db);
	cr_assert_eq(cb_store_open(&st, url, 1), CB_OK, "%s", cb_errmsg());
	must(other, "BEGIN");
	must(other, "LOCK TABLE code_set_versions IN EXCLUSIVE MODE");
	cr_assert_eq(cb_store_set_put(st, "s", 1, "{}", 2, "api", "t"), CB_EUNAVAIL, "%s", cb_errmsg());
	cr_assert(strstr(cb_errmsg(), "busy") != NULL, "%s", cb_errmsg());
	cr_assert(strstr(cb_errmsg(), "55P03") != NULL, "%s", cb_errmsg());
	/* reads go on beside it */
	cr_assert_eq(cb_store_set_latest(st, "s", &v), CB_ENOTFOUND);
	must(other, "ROLLBACK");
	PQfinish(other);
	cr_assert_eq(cb_store_set_put(st, "s", 1, "{}", 2, "api", "t"), CB_OK, "%s", cb_errmsg());
}

Test(pg, a_failure_before_commit_stores_nothing_of_the_batch)
{
	cb_rec recs[3] = { ev("f1", "2026-02-06T09:30:00Z", FEB_2026), ev("f2", "2026-02-06T09:30:00Z", FEB_2026),
		ev("f3", "2026-02-06T09:30:00Z", FEB_2026) };
	cb_rec_status status[3];

	/* the rows' insert fails as a full disk would (after the ids went in) */
	cr_assert_eq(tb_exec("CREATE FUNCTION fill_up() RETURNS trigger LANGUAGE plpgsql AS"
	    " $$ BEGIN RAISE EXCEPTION 'no space left' USING ERRCODE = 'disk_full'; END $$"), 0, "%s", tb_error());
	cr_assert_eq(tb_exec("CREATE TRIGGER fill_up BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION fill_up()"),
	    0, "%s", tb_error());
	cr_assert_eq(insert(recs, 3, status), CB_EIO, "%s", cb_errmsg());
	cr_assert(strstr(cb_errmsg(), "53100") != NULL, "%s", cb_errmsg());
	cr_assert_eq(tb_int("SELECT count(*) FROM event_ids"), 0, "the ids were rolled back with the rows");
	cr_assert_eq(tb_exec("DROP TRIGGER fill_up ON events"), 0, "%s", tb_error());
	cr_assert_eq(insert(recs, 3, status), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(status[2], CB_REC_CREATED);
	cr_assert_eq(tb_int("SELECT count(*) FROM events"), 3);
}

/* ---- partitions ---------------------------------------------------------- */

static const char *
partition_of(const char *id)
{
	static char sql[160];

	snprintf(sql, sizeof(sql), "SELECT tableoid::regclass::text FROM events WHERE event_id = '%s'", id);
	return tb_text(sql);
}

Test(pg, events_go_to_the_partition_of_their_month)
{
	cb_rec recs[4] = {
		ev("m1", "2026-02-06T09:30:00Z", FEB_2026),
		ev("m2", "2026-03-31T23:59:59.999999Z", 1775001599999999),
		ev("m3", "2026-04-01T00:00:00Z", 1775001600000000),
		ev("m4", "1990-01-01T00:00:00Z", 631152000000000),	/* beyond the window: default */
	};
	cb_rec_status status[4];
	cb_rec again;
	size_t nconf;

	cr_assert_eq(insert(recs, 4, status), CB_OK, "%s", cb_errmsg());
	cr_assert_str_eq(partition_of("m1"), "events_2026_02");
	cr_assert_str_eq(partition_of("m2"), "events_2026_03");
	cr_assert_str_eq(partition_of("m3"), "events_2026_04");
	cr_assert_str_eq(partition_of("m4"), "events_default");
	cr_assert_eq(tb_int("SELECT count(*) FROM events_2026_03"), 1);
	/* one id across months: the key table keeps it unique; the same id
	 * in another month is another record, a conflict, and nothing is stored */
	again = ev("m1", "2026-05-06T09:30:00Z", 1778059800000000);
	cr_assert_eq(cb_store_rec_insert(st, CB_REC_EVENT, &again, 1, NULL, status, &nconf), CB_OK);
	cr_assert_eq(nconf, 1);
	cr_assert_eq(status[0], CB_REC_CONFLICT);
	cr_assert_eq(tb_int("SELECT count(*) FROM events WHERE event_id = 'm1'"), 1);
	/* its month's partition was made before the transaction, and stays empty */
	cr_assert_eq(tb_int("SELECT count(*) FROM events_2026_05"), 0);
	cr_assert_eq(insert(recs, 4, status), CB_OK);
	cr_assert_eq(status[3], CB_REC_UNCHANGED);
	/* a month whose rows already sit in the default partition gets no
	 * partition of its own (PostgreSQL would refuse): they stay found */
	cr_assert_str_eq(tb_text("SELECT cb_ensure_month('events', 631152000000000)::text"), "false");
	cr_assert_null(tb_text("SELECT to_regclass('events_1990_01')::text"));
	cr_assert_str_eq(tb_text("SELECT cb_ensure_month('events', 631152000000000 - 86400000000)::text"), "true");
	cr_assert_str_eq(tb_text("SELECT to_regclass('events_1989_12')::text"), "events_1989_12");
	cr_assert_eq(tb_int("SELECT count(*) FROM events"), 4);
}

/* ---- concurrency ------------------------------------------------------------ */

static cb_ord_item items[1];
static cb_order in;

static int64_t
order_with_refund(const char *oid)
{
	cb_order_rec *rec;
	unsigned char fp[32];
	cb_refund_row row = { 1, "SKU", CB_ROW_ITEM_COST, 1, 1000, CB_PAY_PENDING };
	cb_refund_put_status s;
	cb_ord_put_status ps;
	char why[128];
	int64_t pid;

	items[0] = (cb_ord_item){ 1, "SKU", NULL, NULL, 1, 1000, 1000, 0, NULL };
	memset(&in, 0, sizeof(in));
	in.order_id = oid;
	in.marketplace = "tiktok";
	in.shop = "uk-legacy";
	in.status = CB_ORD_READY;
	in.currency = "GBP";
	in.items = items;
	in.nitems = 1;
	cr_assert_eq(cb_store_order_put(st, &in, cb_order_rules_import_guard, NULL, NULL, &ps, why, sizeof(why)),
	    CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_store_order_get(st, oid, 0, &rec), CB_OK);
	cb_store_order_money_fp(cb_order_rec_get(rec), fp);
	cr_assert_eq(cb_store_refund_create(st, cb_order_rec_get(rec)->seq, fp, 1000, "GBP", NULL, &row, 1, NULL,
	    NULL, NULL, &s, &pid), CB_OK, "%s", cb_errmsg());
	cb_order_rec_free(rec);
	return pid;
}

Test(pg, a_claim_skips_the_refund_another_claimer_holds)
{
	char oid[32], sql[128];
	int64_t first, second, got, seq;
	PGconn *other = connect_db();

	snprintf(oid, sizeof(oid), "576461413038785001");
	first = order_with_refund(oid);
	snprintf(oid, sizeof(oid), "576461413038785002");
	second = order_with_refund(oid);
	/* another claimer is inside its claim of the first due refund */
	must(other, "BEGIN");
	snprintf(sql, sizeof(sql), "SELECT id FROM order_payments WHERE id = %lld FOR UPDATE", (long long)first);
	must(other, sql);
	cr_assert_eq(cb_store_pay_claim(st, "A", 1000, 1000, 5000, &got, &seq), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(got, second, "the locked row is skipped, not waited for");
	cr_assert_eq(cb_store_pay_claim(st, "A", 1000, 1000, 5000, &got, &seq), CB_ENOTFOUND);
	must(other, "ROLLBACK");
	PQfinish(other);
	cr_assert_eq(cb_store_pay_claim(st, "A", 1000, 1000, 5000, &got, &seq), CB_OK);
	cr_assert_eq(got, first);
}

#define NREFUNDS 120
#define NCLAIMERS 6

struct claimer {
	cb_store *store;
	char      owner[16];
	int64_t   got[NREFUNDS];
	size_t    n;
	int       rc;
};

static void *
claim_all(void *arg)
{
	struct claimer *c = arg;
	int64_t id, seq;
	int rc;

	while ((rc = cb_store_pay_claim(c->store, c->owner, 1000, 1000, 600000, &id, &seq)) == CB_OK) {
		if (c->n < NREFUNDS)
			c->got[c->n] = id;
		c->n++;
		/* and the transition a worker makes next, under its lease */
		if ((rc = cb_store_pay_sending(c->store, id, c->owner, "k", 0, 700000)) != CB_OK)
			break;
	}
	c->rc = rc == CB_ENOTFOUND ? CB_OK : rc;
	return NULL;
}

Test(pg, concurrent_claimers_never_share_a_refund)
{
	static struct claimer cl[NCLAIMERS];
	pthread_t t[NCLAIMERS];
	unsigned char seen[NREFUNDS * 2 + 8] = { 0 };
	char oid[32];
	size_t i, j, total = 0;
	int64_t min = INT64_MAX;

	for (i = 0; i < NREFUNDS; i++) {
		snprintf(oid, sizeof(oid), "5764614130%08zu", i);
		int64_t pid = order_with_refund(oid);
		if (pid < min)
			min = pid;
	}
	/* each claimer its own store, as separate worker processes have */
	for (i = 0; i < NCLAIMERS; i++) {
		memset(&cl[i], 0, sizeof(cl[i]));
		snprintf(cl[i].owner, sizeof(cl[i].owner), "w%zu", i);
		cr_assert_eq(cb_store_open(&cl[i].store, db, 0), CB_OK, "%s", cb_errmsg());
	}
	for (i = 0; i < NCLAIMERS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, claim_all, &cl[i]), 0);
	for (i = 0; i < NCLAIMERS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < NCLAIMERS; i++) {
		cr_assert_eq(cl[i].rc, CB_OK, "claimer %zu: %d", i, cl[i].rc);
		for (j = 0; j < cl[i].n; j++) {
			size_t k = (size_t)(cl[i].got[j] - min);
			cr_assert(k < sizeof(seen), "payment %lld", (long long)cl[i].got[j]);
			cr_assert_eq(seen[k], 0, "payment %lld claimed twice", (long long)cl[i].got[j]);
			seen[k] = 1;
		}
		total += cl[i].n;
		cb_store_close(cl[i].store);
	}
	cr_assert_eq(total, NREFUNDS);
	cr_assert_eq(tb_int("SELECT count(*) FROM order_payments WHERE status = 'Processing' AND attempts = 1"),
	    NREFUNDS);
}

struct batch {
	cb_rec        recs[64];
	cb_rec_status status[64];
	size_t        n, nconf;
	int           rc;
	cb_store     *store;
};

static void *
insert_batch(void *arg)
{
	struct batch *b = arg;

	b->rc = cb_store_rec_insert(b->store, CB_REC_EVENT, b->recs, b->n, NULL, b->status, &b->nconf);
	return NULL;
}

Test(pg, batches_sharing_ids_neither_deadlock_nor_insert_twice)
{
	static struct batch b[2];
	static char ids[64][16];
	pthread_t t[2];
	size_t i, j, created = 0;
	int round;

	for (i = 0; i < 64; i++)
		snprintf(ids[i], sizeof(ids[i]), "s%02zu", i);
	for (round = 0; round < 5; round++) {
		char sql[64];
		for (j = 0; j < 2; j++) {
			memset(&b[j], 0, sizeof(b[j]));
			b[j].n = 48;
			cr_assert_eq(cb_store_open(&b[j].store, db, 0), CB_OK, "%s", cb_errmsg());
			/* the first from 0 up, the second from 63 down: 32 ids in common */
			for (i = 0; i < b[j].n; i++)
				b[j].recs[i] = ev(ids[j == 0 ? i : 63 - i], "2026-02-06T09:30:00Z", FEB_2026);
		}
		for (j = 0; j < 2; j++)
			cr_assert_eq(pthread_create(&t[j], NULL, insert_batch, &b[j]), 0);
		for (j = 0; j < 2; j++) {
			pthread_join(t[j], NULL);
			cr_assert_eq(b[j].rc, CB_OK, "round %d, batch %zu: %s", round, j, cb_errmsg());
			cr_assert_eq(b[j].nconf, 0);
			cb_store_close(b[j].store);
		}
		created = 0;
		for (j = 0; j < 2; j++)
			for (i = 0; i < b[j].n; i++)
				created += b[j].status[i] == CB_REC_CREATED;
		if (round == 0)
			cr_assert_eq(created, 64, "each id created by exactly one of the two");
		else
			cr_assert_eq(created, 0);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM events");
		cr_assert_eq(tb_int(sql), 64);
	}
}

static int
collect_ids(void *arg, const cb_rec *r)
{
	char *out = arg;
	size_t n = strlen(out);

	snprintf(out + n, 64 - n, "%s ", r->v[0]);
	return 0;
}

struct lister {
	char ids[64];
	int  rc, done;
};

static void *
list_events(void *arg)
{
	struct lister *l = arg;
	cb_rec_filter f;

	memset(&f, 0, sizeof(f));
	f.limit = 10;
	l->ids[0] = '\0';
	l->rc = cb_store_rec_list(st, CB_REC_EVENT, &f, collect_ids, l->ids);
	l->done = 1;
	return NULL;
}

Test(pg, a_listing_never_reads_while_a_lower_seq_is_uncommitted)
{
	static struct batch a, b;
	static struct lister l;
	PGconn *holder = connect_db();
	pthread_t ta, tb, tl;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&l, 0, sizeof(l));
	a.n = b.n = 1;
	a.recs[0] = ev("a", "2026-02-06T09:30:00Z", FEB_2026);
	b.recs[0] = ev("b", "2026-02-06T09:30:00Z", FEB_2026);
	cr_assert_eq(cb_store_open(&a.store, db, 0), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_store_open(&b.store, db, 0), CB_OK, "%s", cb_errmsg());
	/* A's COMMIT is held (a deferred trigger waits for a lock the test holds) */
	cr_assert_eq(tb_exec("CREATE FUNCTION hold_commit() RETURNS trigger LANGUAGE plpgsql AS"
	    " $$ BEGIN IF NEW.event_id = 'a' THEN PERFORM pg_advisory_xact_lock(4243); END IF; RETURN NULL; END $$"),
	    0, "%s", tb_error());
	cr_assert_eq(tb_exec("CREATE CONSTRAINT TRIGGER hold_commit AFTER INSERT ON event_ids DEFERRABLE"
	    " INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION hold_commit()"), 0, "%s", tb_error());
	cr_assert_eq(tb_exec("SELECT cb_ensure_month('events', 1770370200000000)"), 0, "%s", tb_error());
	must(holder, "SELECT pg_advisory_lock(4243)");
	cr_assert_eq(pthread_create(&ta, NULL, insert_batch, &a), 0);
	sleep_ms(300);
	/* B, started later, draws a higher seq and commits first: batches do
	 * not wait for one another */
	cr_assert_eq(pthread_create(&tb, NULL, insert_batch, &b), 0);
	pthread_join(tb, NULL);
	cr_assert_eq(b.rc, CB_OK, "%d", b.rc);
	cr_assert_eq(tb_int("SELECT count(*) FROM events"), 1, "B is committed, A is not");
	/* a client paging by seq now would see B and page past A: the listing
	 * waits for A to end */
	cr_assert_eq(pthread_create(&tl, NULL, list_events, &l), 0);
	sleep_ms(300);
	cr_assert_eq(l.done, 0, "the listing read while A was uncommitted: %s", l.ids);
	must(holder, "SELECT pg_advisory_unlock(4243)");
	pthread_join(ta, NULL);
	pthread_join(tl, NULL);
	PQfinish(holder);
	cr_assert_eq(a.rc, CB_OK);
	cr_assert_eq(l.rc, CB_OK, "%s", cb_errmsg());
	cr_assert_str_eq(l.ids, "a b ", "in seq order, A included");
	cr_assert_eq(tb_int("SELECT ((SELECT seq FROM events WHERE event_id = 'a') <"
	    " (SELECT seq FROM events WHERE event_id = 'b'))::int"), 1);
	cb_store_close(a.store);
	cb_store_close(b.store);
}

struct importer {
	cb_store         *store;
	cb_order          o;
	cb_ord_put_status s;
	int               rc;
};

static void *
import(void *arg)
{
	struct importer *x = arg;
	char why[128];

	x->rc = cb_store_order_put(x->store, &x->o, cb_order_rules_import_guard, NULL, NULL, &x->s, why, sizeof(why));
	return NULL;
}

Test(pg, imports_of_one_new_order_race_safely)
{
	static struct importer x[4];
	pthread_t t[4];
	char oid[32];
	int round, i, created;

	items[0] = (cb_ord_item){ 1, "SKU", NULL, NULL, 1, 1000, 1000, 0, NULL };
	for (i = 0; i < 4; i++)
		cr_assert_eq(cb_store_open(&x[i].store, db, 0), CB_OK, "%s", cb_errmsg());
	for (round = 0; round < 20; round++) {
		snprintf(oid, sizeof(oid), "57646141303878%04d", round);
		for (i = 0; i < 4; i++) {
			memset(&x[i].o, 0, sizeof(x[i].o));
			x[i].o.order_id = oid;
			x[i].o.marketplace = "tiktok";
			x[i].o.shop = "uk-legacy";
			x[i].o.status = CB_ORD_READY;
			x[i].o.currency = "GBP";
			x[i].o.items = items;
			x[i].o.nitems = 1;
			cr_assert_eq(pthread_create(&t[i], NULL, import, &x[i]), 0);
		}
		created = 0;
		for (i = 0; i < 4; i++) {
			pthread_join(t[i], NULL);
			cr_assert_eq(x[i].rc, CB_OK, "round %d: %s", round, cb_errmsg());
			cr_assert(x[i].s == CB_ORD_CREATED || x[i].s == CB_ORD_UNCHANGED);
			created += x[i].s == CB_ORD_CREATED;
		}
		cr_assert_eq(created, 1, "round %d", round);
	}
	for (i = 0; i < 4; i++)
		cb_store_close(x[i].store);
	cr_assert_eq(tb_int("SELECT count(*) FROM orders"), 20);
	cr_assert_eq(tb_int("SELECT count(*) FROM order_items"), 20);
}

Test(pg, nothing_leaks)
{
	cb_rec recs[2] = { ev("l1", "2026-02-06T09:30:00Z", FEB_2026), ev("l1", "2026-02-06T09:30:00Z", FEB_2026) };
	cb_rec_status status[2];
	cb_order_rec *rec;
	cb_store_setver v;
	char sql[200], ids[64] = "";
	cb_rec_filter f;
	cb_store *other;

	cr_assert_eq(cb_store_open(&other, db, 2), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_store_set_put(other, "s", 1, "{}", 2, "api", "t"), CB_OK);
	cr_assert_eq(cb_store_set_latest(other, "s", &v), CB_OK);
	cb_store_setver_clear(&v);
	cr_assert_eq(cb_store_rec_insert(other, CB_REC_EVENT, recs, 2, "r", status, &(size_t){ 0 }), CB_OK);
	cr_assert_eq(cb_store_rec_insert(other, CB_REC_EVENT, recs, 2, "r", status, &(size_t){ 0 }), CB_OK);
	memset(&f, 0, sizeof(f));
	f.limit = 5;
	cr_assert_eq(cb_store_rec_list(other, CB_REC_EVENT, &f, collect_ids, ids), CB_OK);
	order_with_refund("576461413038789999");
	cr_assert_eq(cb_store_order_get(other, "576461413038789999", 0, &rec), CB_OK);
	cb_order_rec_free(rec);
	/* connections lost and made again */
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s'"
	    " AND pid <> pg_backend_pid()", tb_pg_dbname());
	cr_assert_eq(tb_exec(sql), 0, "%s", tb_error());
	sleep_ms(100);
	cr_assert_eq(cb_store_set_latest(other, "s", &v), CB_OK, "%s", cb_errmsg());
	cb_store_setver_clear(&v);
	cb_store_close(other);
	cb_store_close(st);
	st = NULL;
	no_leaks();
}

struct keyed {
	cb_store            *store;
	int64_t              seq, pid;
	unsigned char        money[32], fp[32];
	cb_refund_put_status s;
	int                  rc;
};

static void *
refund_with_key(void *arg)
{
	struct keyed *k = arg;
	cb_refund_row row = { 1, "SKU", CB_ROW_ITEM_COST, 1, 1000, CB_PAY_PENDING };

	k->rc = cb_store_refund_create(k->store, k->seq, k->money, 1000, "GBP", NULL, &row, 1, NULL, "key-7f3a",
	    k->fp, &k->s, &k->pid);
	return NULL;
}

Test(pg, requests_racing_with_one_idempotency_key_make_one_refund)
{
	static struct keyed k[4];
	cb_ord_put_status ps;
	cb_order_rec *rec;
	pthread_t t[4];
	char why[128];
	int i, created = 0, replayed = 0;

	items[0] = (cb_ord_item){ 1, "SKU", NULL, NULL, 1, 1000, 1000, 0, NULL };
	memset(&in, 0, sizeof(in));
	in.order_id = "576461413038787777";
	in.marketplace = "tiktok";
	in.shop = "uk-legacy";
	in.status = CB_ORD_READY;
	in.currency = "GBP";
	in.items = items;
	in.nitems = 1;
	cr_assert_eq(cb_store_order_put(st, &in, NULL, NULL, NULL, &ps, why, sizeof(why)), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_store_order_get(st, in.order_id, 0, &rec), CB_OK);
	for (i = 0; i < 4; i++) {
		memset(&k[i], 0, sizeof(k[i]));
		k[i].seq = cb_order_rec_get(rec)->seq;
		cb_store_order_money_fp(cb_order_rec_get(rec), k[i].money);
		cb_store_fingerprint(k[i].fp, "the same request", 16);
		cr_assert_eq(cb_store_open(&k[i].store, db, 0), CB_OK, "%s", cb_errmsg());
	}
	cb_order_rec_free(rec);
	for (i = 0; i < 4; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, refund_with_key, &k[i]), 0);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		cr_assert_eq(k[i].rc, CB_OK, "%d", k[i].rc);
		created += k[i].s == CB_REFUND_CREATED;
		replayed += k[i].s == CB_REFUND_REPLAYED;
		cr_assert_eq(k[i].pid, k[0].pid, "every request answered with the one refund");
		cb_store_close(k[i].store);
	}
	cr_assert_eq(created, 1);
	cr_assert_eq(replayed, 3, "the others replay it (not busy: the key is judged first)");
	cr_assert_eq(tb_int("SELECT count(*) FROM order_payments WHERE type = 'Refund'"), 1);
}

Test(pg, the_follower_hears_publishes_and_comes_back_after_a_lost_connection)
{
	cb_store_setpub p;
	cb_store_setpub_status s;
	char sql[200];
	int64_t serial = -1, before;
	int rc, i;

	memset(&p, 0, sizeof(p));
	p.name = "s";
	p.body = "{}";
	p.len = 2;
	p.source = "api";
	cr_assert_eq(cb_store_set_watch(st, &serial, 0), CB_OK, "%s", cb_errmsg());
	before = serial;
	/* the listening connection is cut: the next wait says so or sees through it */
	snprintf(sql, sizeof(sql), "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
	    " WHERE datname = '%s' AND pid <> pg_backend_pid()", tb_pg_dbname());
	cr_assert_geq(tb_int(sql), 2, "the pool's connection and the follower's");
	p.version = 1;
	cr_assert_eq(tb_exec("SELECT pg_sleep(0.1)"), 0);
	cr_assert_eq(cb_store_set_publish(st, &p, &s), CB_OK, "%s", cb_errmsg());
	/* within two waits the change is seen (the first may report the loss) */
	for (i = 0; i < 2 && serial == before; i++) {
		rc = cb_store_set_watch(st, &serial, 2000);
		cr_assert(rc == CB_OK || rc == CB_EUNAVAIL, "%d", rc);
	}
	cr_assert_neq(serial, before, "the publish made while the follower was cut off is seen");
	before = serial;
	/* and it listens again: a publish from another handle ends a long wait early */
	{
		cb_store *other;
		uint64_t t0;
		cr_assert_eq(cb_store_open(&other, db, 0), CB_OK, "%s", cb_errmsg());
		p.version = 2;
		p.body = "{\"v\":2}";
		p.len = strlen(p.body);
		cr_assert_eq(cb_store_set_publish(other, &p, &s), CB_OK, "%s", cb_errmsg());
		t0 = cb_time_mono_ns();
		cr_assert_eq(cb_store_set_watch(st, &serial, 10000), CB_OK, "%s", cb_errmsg());
		cr_assert_neq(serial, before);
		cr_assert_lt(cb_time_mono_ns() - t0, 2000000000u);
		cb_store_close(other);
	}
}
