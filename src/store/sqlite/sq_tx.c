/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sq_tx.c - the SQLite backend's machinery: connections, the statement
 * cache, the two transaction helpers every operation goes through, and the
 * mapping of SQLite's result codes to cb_err classes.
 * docs/internals/store.md has the design.
 *
 * One writer connection and a few readers (WAL lets readers run beside the
 * writer).  Each connection has a mutex: SQLite connections are opened
 * without their own locking (SQLITE_OPEN_NOMUTEX) because a connection is
 * only ever used by the thread holding that mutex, which also keeps a
 * transaction from being interleaved with another thread's statements.
 */
#include "sq_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "rfc3339.h"

static const char SQL_BEGIN_IMMEDIATE[] = "BEGIN IMMEDIATE";
static const char SQL_BEGIN[] = "BEGIN";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";

/* ---- errors ---------------------------------------------------------- */

int
sq__class(int rc, int at_commit)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return CB_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return CB_EUNAVAIL;	/* another writer holds the lock: nothing was done */
	case SQLITE_CONSTRAINT:
		return CB_ECONFLICT;
	case SQLITE_NOMEM:
		return CB_ENOMEM;
	case SQLITE_TOOBIG:
		return CB_ETOOBIG;
	case SQLITE_IOERR:
		/* a COMMIT that failed writing or syncing the journal may have
		 * left a complete transaction on disk: recovery would find it */
		return at_commit ? CB_EUNKNOWN : CB_EIO;
	default:
		/* SQLITE_FULL, READONLY, CORRUPT, CANTOPEN, NOTADB...: before the
		 * commit record is complete nothing is stored */
		return CB_EIO;
	}
}

static int
fail_as(struct sq_conn *c, int rc, int at_commit, const char *what)
{
	int cls = sq__class(rc, at_commit);
	const char *msg = c != NULL && c->db != NULL ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc);

	if (cls == CB_OK)
		cls = CB_EIO;	/* a step that should have been done gave a row */
	if (cls == CB_EUNKNOWN)
		return cb__fail(cls, "database: %s: the commit failed (%s): the change may or may not "
		    "be stored; retry with the same ids", what, msg);
	if (cls == CB_EUNAVAIL)
		return cb__fail(cls, "database: %s: the database is busy (%s): nothing was done, "
		    "try again later", what, msg);
	return cb__fail(cls, "database: %s: %s", what, msg);
}

int
sq__fail(struct sq_conn *c, int rc, const char *what)
{
	return fail_as(c, rc, 0, what);
}

/* ---- statements --------------------------------------------------------- */

int
sq__stmt(struct sq_conn *c, const char *sql, sqlite3_stmt **out)
{
	struct store_stmt *slot = store__stmts_find(&c->stmts, sql);
	sqlite3_stmt *s = NULL;
	int rc;

	*out = NULL;
	if (slot != NULL) {
		s = slot->handle;
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		*out = s;
		return CB_OK;
	}
	if ((rc = store__stmts_reserve(&c->stmts)) != CB_OK)
		return rc;
	if ((rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL)) != SQLITE_OK) {
		sqlite3_finalize(s);
		return sq__fail(c, rc, "prepare");
	}
	store__stmts_keep(&c->stmts, sql)->handle = s;
	*out = s;
	return CB_OK;
}

int
sq__run(struct sq_conn *c, sqlite3_stmt *s, const char *what)
{
	int step = sqlite3_step(s), rc;

	rc = step == SQLITE_DONE ? CB_OK : sq__fail(c, step, what);
	sqlite3_reset(s);
	return rc;
}

void
sq__bind_str(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

/* ---- the pool ---------------------------------------------------------- */

/* Take a connection: the writer for @write, else a free reader (blocks
 * until one is free). */
static struct sq_conn *
acquire(struct sq_store *st, int write)
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

static void
release(struct sq_conn *c)
{
	sqlite3_stmt *s = NULL;

	/* a statement left mid-step would hold a read transaction open */
	while ((s = sqlite3_next_stmt(c->db, s)) != NULL)
		if (sqlite3_stmt_busy(s))
			sqlite3_reset(s);
	pthread_mutex_unlock(&c->mu);
}

/* ---- transactions ------------------------------------------------------- */

/* Step one of the fixed statements (BEGIN, COMMIT...). */
static int
step_fixed(struct sq_conn *c, const char *sql, int at_commit, const char *what)
{
	sqlite3_stmt *s;
	int rc, step;

	if ((rc = sq__stmt(c, sql, &s)) != CB_OK)
		return rc;
	step = sqlite3_step(s);
	rc = step == SQLITE_DONE ? CB_OK : fail_as(c, step, at_commit, what);
	sqlite3_reset(s);
	return rc;
}

static void
rollback(struct sq_conn *c)
{
	sqlite3_stmt *s;

	if (sqlite3_get_autocommit(c->db))
		return;	/* SQLite already rolled back (e.g. after SQLITE_FULL) */
	if (sq__stmt(c, SQL_ROLLBACK, &s) == CB_OK) {
		(void)sqlite3_step(s);
		sqlite3_reset(s);
	}
}

int
sq__write(struct sq_store *st, const char *what, sq_fn fn, void *arg)
{
	struct sq_conn *c = acquire(st, 1);
	int rc;

	if ((rc = step_fixed(c, SQL_BEGIN_IMMEDIATE, 0, what)) != CB_OK)
		goto out;
	if ((rc = fn(c, arg)) == CB_OK)
		rc = step_fixed(c, SQL_COMMIT, 1, what);
	else if (rc == SQ_ROLLBACK)
		rc = CB_OK;
	rollback(c);	/* after a failure, or after a COMMIT that did not end the transaction */
out:
	release(c);
	return rc;
}

int
sq__read(struct sq_store *st, const char *what, int snapshot, sq_fn fn, void *arg)
{
	struct sq_conn *c = acquire(st, 0);
	int rc;

	if (snapshot && (rc = step_fixed(c, SQL_BEGIN, 0, what)) != CB_OK)
		goto out;
	rc = fn(c, arg);
	if (rc > 0)
		rc = CB_OK;
	if (snapshot)
		rollback(c);	/* a read transaction: nothing to commit */
out:
	release(c);
	return rc;
}

/* ---- connections -------------------------------------------------------- */

int
sq__exec(sqlite3 *db, const char *sql, const char *what)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	if (rc == SQLITE_OK)
		return CB_OK;
	rc = cb__fail(sq__class(rc, 0), "database: %s: %s", what, msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return rc;
}

/* mkdir -p of the database's directory: the default ./var/codebook.db
 * must work on a fresh checkout. */
static int
ensure_parent_dir(const char *path)
{
	char dir[STORE_PATH_MAX];
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

/* A new database file is made 0600 before SQLite opens it: it holds API key
 * digests and business records, and SQLite would create it 0644 (its -wal
 * and -shm files take the database file's mode). */
static int
ensure_private_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd >= 0) {
		close(fd);
		return CB_OK;
	}
	if (errno == EEXIST)
		return CB_OK;
	return cb__fail(CB_EIO, "create %s: %s", path, strerror(errno));
}

int
sq__conn_open(struct sq_conn *c, const struct store_target *t, int create)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0) |
	    (t->uri ? SQLITE_OPEN_URI : 0);
	sqlite3_int64 timeout_ms;
	uint64_t deadline;
	int rc;

	if (create && t->path[0] != '\0' && ((rc = ensure_parent_dir(t->path)) != CB_OK ||
	    (rc = ensure_private_file(t->path)) != CB_OK))
		return rc;
	if ((rc = sqlite3_open_v2(t->conn, &c->db, flags, NULL)) != SQLITE_OK) {
		rc = cb__fail(rc == SQLITE_NOMEM || c->db == NULL ? CB_ENOMEM : CB_EIO, "database %s: %s",
		    t->shown, c->db ? sqlite3_errmsg(c->db) : "out of memory");
		sqlite3_close(c->db);
		c->db = NULL;
		return rc;
	}
	sqlite3_extended_result_codes(c->db, 1);
	/* another process (codebook keys, a second instance) may hold the
	 * write lock briefly; file: URIs may say how long to wait for it */
	timeout_ms = sqlite3_uri_int64(sqlite3_db_filename(c->db, "main"), "busy_timeout", 5000);
	sqlite3_busy_timeout(c->db, (int)timeout_ms);
	/* acknowledged means on disk: FULL syncs the WAL at every commit */
	/* rarer checkpoints: the WAL is copied back less often; the page cache
	 * is SQ_CACHE_KIB (sq_int.h) */
	/* Instances started together on a fresh file race to turn on WAL:
	 * SQLite answers BUSY at once, without waiting, to a connection that
	 * holds a shared lock and needs more while another does the same (a
	 * deadlock otherwise), so the wait is here. */
	deadline = cb_time_mono_ns() + (uint64_t)timeout_ms * 1000000u;
	while ((rc = sq__exec(c->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
	    " PRAGMA cache_size = -" SQ_STR(SQ_CACHE_KIB) "; PRAGMA wal_autocheckpoint = 16384;"
	    " PRAGMA temp_store = MEMORY; PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF",
	    t->shown)) == CB_EUNAVAIL &&
	    cb_time_mono_ns() < deadline) {
		struct timespec ts = { 0, (long)(5 + (cb_time_mono_ns() >> 10) % 20) * 1000000L };
		nanosleep(&ts, NULL);
	}
	return rc;
}

void
sq__conn_close(struct sq_conn *c)
{
	size_t i;

	for (i = 0; i < c->stmts.n; i++)
		sqlite3_finalize(c->stmts.slot[i].handle);
	store__stmts_clear(&c->stmts);
	sqlite3_close(c->db);
	c->db = NULL;
}
