/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store_tx.c - the SQLite backend's transaction helper and its error
 * classes, proven with faults injected below SQLite (the "cbfault" VFS of
 * src/store/sqlite/sq_fault.c): a sync that fails during COMMIT is
 * CB_EUNKNOWN, and a copy of the files taken at that moment (what a crash
 * would leave) does hold the transaction; a write or a read that fails
 * before the commit is CB_EIO and nothing is stored, even after a crash; a
 * database locked by another process is CB_EUNAVAIL.  After each, the
 * store goes on working, and a retry with the same ids is safe.
 */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sq_fault.h"
#include "store/sqlite/sq_int.h"
#include "store/store.h"

static char dir[] = "/tmp/cb-sttx-XXXXXX";
static char path[128], uri[192];
static cb_store *st;

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.db", dir);
	snprintf(uri, sizeof(uri), "file:%s?vfs=cbfault&busy_timeout=50", path);
	cr_assert_eq(sq__fault_register(), CB_OK);
	cr_assert_eq(cb_store_open(&st, uri, 1), CB_OK, "%s", cb_errmsg());
}

static void
teardown(void)
{
	char cmd[300];

	sq__fault_disarm();
	cb_store_close(st);
	st = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
	memcpy(dir, "/tmp/cb-sttx-XXXXXX", sizeof(dir));
}

TestSuite(tx, .init = setup, .fini = teardown);

Test(tx, sqlite_results_map_to_classes)
{
	static const struct { int rc, at_commit, want; } cases[] = {
		{ SQLITE_DONE, 0, CB_OK },
		{ SQLITE_BUSY, 0, CB_EUNAVAIL },
		{ SQLITE_BUSY_SNAPSHOT, 0, CB_EUNAVAIL },
		{ SQLITE_BUSY, 1, CB_EUNAVAIL },	/* COMMIT did not happen: known */
		{ SQLITE_LOCKED, 0, CB_EUNAVAIL },
		{ SQLITE_CONSTRAINT_UNIQUE, 0, CB_ECONFLICT },
		{ SQLITE_CONSTRAINT_TRIGGER, 0, CB_ECONFLICT },
		{ SQLITE_FULL, 0, CB_EIO },
		{ SQLITE_FULL, 1, CB_EIO },	/* the commit record was not written */
		{ SQLITE_READONLY, 0, CB_EIO },
		{ SQLITE_IOERR_READ, 0, CB_EIO },
		{ SQLITE_IOERR_WRITE, 0, CB_EIO },
		{ SQLITE_IOERR_WRITE, 1, CB_EUNKNOWN },
		{ SQLITE_IOERR_FSYNC, 1, CB_EUNKNOWN },
		{ SQLITE_CORRUPT, 0, CB_EIO },
		{ SQLITE_NOMEM, 0, CB_ENOMEM },
		{ SQLITE_TOOBIG, 0, CB_ETOOBIG },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(sq__class(cases[i].rc, cases[i].at_commit), cases[i].want,
		    "%s (at commit: %d)", sqlite3_errstr(cases[i].rc), cases[i].at_commit);
}

/* The versions of set "s" a crash would leave: copies of the database and
 * its WAL, opened afresh (SQLite recovers the WAL as after a crash). */
static int
versions_after_crash(void)
{
	char cmd[1024], copy[64];
	sqlite3 *db;
	sqlite3_stmt *s;
	int n;

	snprintf(copy, sizeof(copy), "%s/crash", dir);
	snprintf(cmd, sizeof(cmd), "rm -rf %s && mkdir %s && cp %s %s/t.db && cp %s-wal %s/t.db-wal",
	    copy, copy, path, copy, path, copy);
	cr_assert_eq(system(cmd), 0);
	snprintf(copy, sizeof(copy), "%s/crash/t.db", dir);
	cr_assert_eq(sqlite3_open(copy, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM code_set_versions WHERE name = 's'", -1, &s,
	    NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

static int
latest(void)
{
	cb_store_setver v;
	int n;

	cr_assert_eq(cb_store_set_latest(st, "s", &v), CB_OK, "%s", cb_errmsg());
	n = v.version;
	cb_store_setver_clear(&v);
	return n;
}

Test(tx, a_sync_failing_during_commit_is_outcome_unknown)
{
	cr_assert_eq(cb_store_set_put(st, "s", 1, "{\"v\":1}", 7, "api", "t"), CB_OK);
	sq__fault_arm(SQ_FAULT_SYNC, 0, 1, SQLITE_IOERR_FSYNC, 0);
	cr_assert_eq(cb_store_set_put(st, "s", 2, "{\"v\":2}", 7, "api", "t"), CB_EUNKNOWN, "%s", cb_errmsg());
	cr_assert_eq(sq__fault_hits(), 1);
	cr_assert(strstr(cb_errmsg(), "may or may not be stored") != NULL, "%s", cb_errmsg());
	/* and it is unknown indeed: this process does not see version 2, but
	 * the WAL holds it, whole, and a crash now would publish it */
	cr_assert_eq(latest(), 1);
	cr_assert_eq(versions_after_crash(), 2, "the failed commit reached the WAL");
	/* the retry with the same ids settles it */
	cr_assert_eq(cb_store_set_put(st, "s", 2, "{\"v\":2}", 7, "api", "t"), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(latest(), 2);
}

Test(tx, a_write_failing_before_the_commit_record_stores_nothing)
{
	cr_assert_eq(cb_store_set_put(st, "s", 1, "{\"v\":1}", 7, "api", "t"), CB_OK);
	sq__fault_arm(SQ_FAULT_WRITE, 0, 1, SQLITE_FULL, 0);
	cr_assert_eq(cb_store_set_put(st, "s", 2, "{\"v\":2}", 7, "api", "t"), CB_EIO, "%s", cb_errmsg());
	cr_assert_eq(sq__fault_hits(), 1);
	cr_assert_eq(latest(), 1);
	cr_assert_eq(versions_after_crash(), 1, "nothing stored, even after a crash");
	cr_assert_eq(cb_store_set_put(st, "s", 2, "{\"v\":2}", 7, "api", "t"), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(latest(), 2);
}

Test(tx, a_read_failing_inside_the_transaction_is_eio)
{
	cb_store_close(st);	/* fresh connections: their page caches are empty */
	cr_assert_eq(cb_store_open(&st, uri, 1), CB_OK, "%s", cb_errmsg());
	sq__fault_arm(SQ_FAULT_READ, 0, 1, SQLITE_IOERR_READ, 0);
	cr_assert_eq(cb_store_set_put(st, "s", 1, "{\"v\":1}", 7, "api", "t"), CB_EIO, "%s", cb_errmsg());
	cr_assert_eq(sq__fault_hits(), 1);
	sq__fault_disarm();
	cr_assert_eq(versions_after_crash(), 0);
	cr_assert_eq(cb_store_set_put(st, "s", 1, "{\"v\":1}", 7, "api", "t"), CB_OK, "%s", cb_errmsg());
}

static cb_rec
event(const char *id)
{
	const char *v[10] = { id, "SCM", "order", "1", NULL, "held", "FRAUD.CHARGEBACK", NULL, "u",
	    "2026-02-06T09:30:00Z" };
	cb_rec r;
	size_t i;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < 10; i++) {
		r.v[i] = v[i];
		r.len[i] = v[i] ? strlen(v[i]) : 0;
	}
	r.category = "FRAUD";
	r.set_version = 1;
	return r;
}

Test(tx, a_batch_that_fails_stores_none_of_its_records)
{
	cb_rec recs[3] = { event("e1"), event("e2"), event("e3") };
	cb_rec_status status[3];
	size_t nconf;
	int64_t n;

	sq__fault_arm(SQ_FAULT_WRITE, 0, 1, SQLITE_FULL, 0);
	cr_assert_eq(cb_store_rec_insert(st, CB_REC_EVENT, recs, 3, NULL, status, &nconf), CB_EIO);
	cr_assert_eq(cb_store_rec_count(st, CB_REC_EVENT, &n), CB_OK);
	cr_assert_eq(n, 0);
	sq__fault_arm(SQ_FAULT_SYNC, 0, 1, SQLITE_IOERR_FSYNC, 0);
	cr_assert_eq(cb_store_rec_insert(st, CB_REC_EVENT, recs, 3, NULL, status, &nconf), CB_EUNKNOWN);
	/* the retry: each record is created, or found unchanged, never twice */
	cr_assert_eq(cb_store_rec_insert(st, CB_REC_EVENT, recs, 3, NULL, status, &nconf), CB_OK);
	cr_assert_eq(nconf, 0);
	cr_assert_eq(cb_store_rec_count(st, CB_REC_EVENT, &n), CB_OK);
	cr_assert_eq(n, 3);
}

Test(tx, a_database_locked_elsewhere_is_unavailable)
{
	char secret[CB_KEY_SECRET_LEN + 1];
	sqlite3 *other;

	cr_assert_eq(sqlite3_open(path, &other), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	cr_assert_eq(cb_store_set_put(st, "s", 1, "{}", 2, "api", "t"), CB_EUNAVAIL, "%s", cb_errmsg());
	cr_assert(strstr(cb_errmsg(), "busy") != NULL, "%s", cb_errmsg());
	cr_assert_eq(cb_store_key_add(st, "ci", secret), CB_EUNAVAIL);
	/* reads go on beside the writer (WAL) */
	cr_assert_eq(cb_store_set_latest(st, "s", &(cb_store_setver){ 0 }), CB_ENOTFOUND);
	cr_assert_eq(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	cr_assert_eq(cb_store_set_put(st, "s", 1, "{}", 2, "api", "t"), CB_OK, "%s", cb_errmsg());
}
