/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pg_tx.c - the PostgreSQL backend's machinery: connections (one per
 * thread at a time, re-established after a loss), the per-connection cache
 * of prepared statements, bound parameters and binary arrays, the two
 * transaction helpers every operation goes through, and the mapping of
 * SQLSTATEs to cb_err classes.  docs/internals/store.md has the design.
 *
 * Every connection can write: PostgreSQL serializes what must be (row
 * locks, unique indexes, the advisory locks some operations take), so the
 * pool is N interchangeable connections, each behind a mutex, like the
 * SQLite backend's readers.
 */
#include "pg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "logger.h"
#include "parse.h"

static const char SQL_BEGIN_WRITE[] = "BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE";
static const char SQL_BEGIN_SNAPSHOT[] = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
static const char SQL_BEGIN_LOCKED[] = "BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";

/* ---- parameters ------------------------------------------------------------ */

static void
put(struct pg_params *p, const char *v, size_t len, int fmt, Oid type)
{
	if (p->n >= PG_MAXP || len > (size_t)INT32_MAX) {
		p->n = PG_MAXP + 1;	/* refused by pg__exec: a bug, not input */
		return;
	}
	p->v[p->n] = v;
	p->len[p->n] = (int)len;
	p->fmt[p->n] = fmt;
	p->type[p->n] = type;
	p->n++;
}

void
pg__p_text(struct pg_params *p, const char *s)
{
	put(p, s, s ? strlen(s) : 0, 1, PG_OID_TEXT);
}

void
pg__p_textn(struct pg_params *p, const char *s, size_t len)
{
	put(p, s, s ? len : 0, 1, PG_OID_TEXT);
}

static void
be64(unsigned char *out, int64_t v)
{
	uint64_t u = (uint64_t)v;
	int i;

	for (i = 7; i >= 0; i--) {
		out[i] = (unsigned char)(u & 0xff);
		u >>= 8;
	}
}

void
pg__p_i64(struct pg_params *p, int64_t v)
{
	if (p->n < PG_MAXP)
		be64((unsigned char *)p->num[p->n], v);
	put(p, p->n < PG_MAXP ? p->num[p->n] : NULL, 8, 1, PG_OID_INT8);
}

void
pg__p_bytea(struct pg_params *p, const void *b, size_t len)
{
	put(p, b, len, 1, PG_OID_BYTEA);
}

void
pg__p_raw(struct pg_params *p, const void *b, size_t len, Oid type)
{
	put(p, b, len, 1, type);
}

/* ---- binary arrays ----------------------------------------------------------- */

#define ARR_HEADER 20	/* ndim, flags, element type, length, lower bound */
#define ARR_MAX ((size_t)1 << 30)

static void
be32(unsigned char *out, uint32_t v)
{
	out[0] = (unsigned char)(v >> 24);
	out[1] = (unsigned char)(v >> 16);
	out[2] = (unsigned char)(v >> 8);
	out[3] = (unsigned char)v;
}

void
pg__arr_init(struct pg_array *a, Oid elem)
{
	static const char zero[ARR_HEADER];

	cb_buf_init(&a->b, ARR_MAX);
	a->elem = elem;
	a->n = 0;
	a->hasnull = 0;
	cb_buf_add(&a->b, zero, sizeof(zero));
}

void
pg__arr_add(struct pg_array *a, const void *p, size_t len)
{
	unsigned char l[4];

	if (p == NULL || len > (size_t)INT32_MAX) {
		be32(l, UINT32_MAX);	/* -1: NULL */
		a->hasnull = 1;
		cb_buf_add(&a->b, l, 4);
	} else {
		be32(l, (uint32_t)len);
		cb_buf_add(&a->b, l, 4);
		if (len > 0)
			cb_buf_add(&a->b, p, len);
	}
	a->n++;
}

void
pg__arr_add_i64(struct pg_array *a, int64_t v)
{
	unsigned char b[8];

	be64(b, v);
	pg__arr_add(a, b, 8);
}

int
pg__arr_done(struct pg_array *a)
{
	unsigned char *h;

	if (a->b.failed)
		return cb__fail(a->b.nomem ? CB_ENOMEM : CB_ETOOBIG, "database: a batch too large to send");
	h = (unsigned char *)a->b.p;
	be32(h, 1);
	be32(h + 4, (uint32_t)a->hasnull);
	be32(h + 8, a->elem);
	be32(h + 12, (uint32_t)a->n);
	be32(h + 16, 1);
	return CB_OK;
}

void
pg__arr_free(struct pg_array *a)
{
	cb_buf_reset(&a->b);
}

/* ---- results ------------------------------------------------------------------ */

const char *
pg__val(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

int64_t
pg__i64(const PGresult *r, int row, int col)
{
	const char *v = pg__val(r, row, col);
	int64_t out = 0;

	if (v == NULL || cb_parse_i64(v, INT64_MIN, INT64_MAX, &out) != CB_PARSE_OK)
		return 0;
	return out;
}

static int
hex(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int
pg__bytea(const PGresult *r, int row, int col, unsigned char *out, size_t n)
{
	const char *v = pg__val(r, row, col);
	size_t i;

	/* text output of bytea: "\x" and two hex digits a byte (bytea_output
	 * = hex, the default since 9.0; the session sets it) */
	if (v == NULL || v[0] != '\\' || v[1] != 'x' || strlen(v + 2) != 2 * n)
		return 0;
	for (i = 0; i < n; i++) {
		int hi = hex(v[2 + 2 * i]), lo = hex(v[3 + 2 * i]);
		if (hi < 0 || lo < 0)
			return 0;
		out[i] = (unsigned char)(hi * 16 + lo);
	}
	return 1;
}

int
pg__bytea_eq(const PGresult *r, int row, int col, const unsigned char h[32])
{
	unsigned char b[32];

	return pg__bytea(r, row, col, b, 32) && memcmp(b, h, 32) == 0;
}

/* ---- errors -------------------------------------------------------------------- */

int
pg__class(const char *s, int lost, int at_commit)
{
	if (at_commit) {
		/* An ERROR answering COMMIT over a live connection comes from the
		 * checks PostgreSQL makes before it writes the commit record
		 * (deferred constraints, serializability): the transaction was
		 * rolled back.  Anything else (no answer, the connection gone, a
		 * FATAL because the backend was terminated or the server shut
		 * down) may come after the commit record reached the disk. */
		if (lost || s == NULL || !(strncmp(s, "23", 2) == 0 || strncmp(s, "40", 2) == 0))
			return CB_EUNKNOWN;
	}
	if (lost || s == NULL || strlen(s) != 5)
		return CB_EUNAVAIL;	/* before COMMIT: the server rolls back */
	if (strncmp(s, "23", 2) == 0)
		return CB_ECONFLICT;	/* integrity constraint violation */
	if (strncmp(s, "40", 2) == 0 || strncmp(s, "08", 2) == 0 || strcmp(s, "55P03") == 0 ||
	    strcmp(s, "55006") == 0 || strncmp(s, "57", 2) == 0 || strcmp(s, "53300") == 0 ||
	    strcmp(s, "25006") == 0)
		return CB_EUNAVAIL;	/* serialization, deadlock, lock timeout, shutdown, a standby */
	if (strcmp(s, "53200") == 0)
		return CB_ENOMEM;
	if (strncmp(s, "54", 2) == 0)
		return CB_ETOOBIG;	/* program limit exceeded */
	if (strncmp(s, "22", 2) == 0)
		return CB_EINVAL;	/* data exception: a value the column cannot take */
	return CB_EIO;	/* disk full (53100), I/O (58030), corruption (XX001), not ours (42P01)... */
}

/* The server's or libpq's message for a failure, without its newline. */
static void
message(char *out, size_t size, const struct pg_conn *c, const PGresult *res)
{
	const char *m = res != NULL ? PQresultErrorMessage(res) : NULL;
	size_t n;

	if (m == NULL || m[0] == '\0')
		m = c->pc != NULL ? PQerrorMessage(c->pc) : "no connection";
	if (m == NULL || m[0] == '\0')
		m = "no answer from the server";
	n = strcspn(m, "\n");
	if (n >= size)
		n = size - 1;
	memcpy(out, m, n);
	out[n] = '\0';
}

static int
is_lost(const struct pg_conn *c, const PGresult *res)
{
	const char *sev = res != NULL ? PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED) : NULL;

	return c->pc == NULL || PQstatus(c->pc) != CONNECTION_OK ||
	    (sev != NULL && (strcmp(sev, "FATAL") == 0 || strcmp(sev, "PANIC") == 0));
}

static int
fail_res(struct pg_conn *c, const PGresult *res, int at_commit, const char *what)
{
	const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	int lost = is_lost(c, res), cls = pg__class(state, lost, at_commit);
	char msg[512];

	message(msg, sizeof(msg), c, res);
	if (cls == CB_EUNKNOWN)
		return cb__fail(cls, "database: %s: the commit got no answer (%s%s%s): the change may or "
		    "may not be stored; retry with the same ids", what, state ? state : "", state ? " " : "", msg);
	if (cls == CB_EUNAVAIL)
		return cb__fail(cls, "database: %s: the database is busy or unreachable (%s%s%s): nothing "
		    "was done, try again later", what, state ? state : "", state ? " " : "", msg);
	return cb__fail(cls, "database: %s: %s%s%s", what, state ? state : "", state ? " " : "", msg);
}

/* ---- statements ------------------------------------------------------------- */

/* The name @sql is prepared under on @c, preparing it the first time. */
static int
prepared(struct pg_conn *c, const char *sql, const struct pg_params *p, const char *what, char name[16])
{
	struct store_stmt *slot = store__stmts_find(&c->stmts, sql);
	PGresult *res;
	int rc;

	if (slot != NULL) {
		snprintf(name, 16, "cb%u", slot->id);
		return CB_OK;
	}
	if ((rc = store__stmts_reserve(&c->stmts)) != CB_OK)
		return rc;
	snprintf(name, 16, "cb%u", c->next_id);
	res = PQprepare(c->pc, name, sql, p ? p->n : 0, p ? p->type : NULL);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = fail_res(c, res, 0, what);
		PQclear(res);
		return rc;
	}
	PQclear(res);
	store__stmts_keep(&c->stmts, sql)->id = c->next_id++;
	return CB_OK;
}

static void
forget_statements(struct pg_conn *c)
{
	store__stmts_clear(&c->stmts);
	c->next_id = 0;
}

static int
exec_once(struct pg_conn *c, const char *sql, const struct pg_params *p, const char *what,
    PGresult **out, int at_commit)
{
	char name[16];
	PGresult *res;
	ExecStatusType status;
	int rc;

	if ((rc = prepared(c, sql, p, what, name)) != CB_OK)
		return rc;
	res = PQexecPrepared(c->pc, name, p ? p->n : 0, p ? p->v : NULL, p ? p->len : NULL,
	    p ? p->fmt : NULL, 0);
	status = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
		rc = fail_res(c, res, at_commit, what);
		PQclear(res);
		return rc;
	}
	if (out != NULL)
		*out = res;
	else
		PQclear(res);
	return CB_OK;
}

static int reconnect(struct pg_conn *c);

static int
exec_as(struct pg_conn *c, const char *sql, const struct pg_params *p, const char *what,
    PGresult **out, int at_commit)
{
	int first = c->first, rc;

	if (out != NULL)
		*out = NULL;
	if (p != NULL && p->n > PG_MAXP)
		return cb__fail(CB_EINVAL, "database: %s: too many parameters", what);
	c->first = 0;
	rc = exec_once(c, sql, p, what, out, at_commit);
	/* a connection that died while idle: nothing was sent on it yet, so
	 * the first statement may go again on a new one */
	if (rc == CB_EUNAVAIL && first && !at_commit && PQstatus(c->pc) != CONNECTION_OK &&
	    reconnect(c) == CB_OK)
		rc = exec_once(c, sql, p, what, out, at_commit);
	return rc;
}

int
pg__exec(struct pg_conn *c, const char *sql, const struct pg_params *p, const char *what, PGresult **out)
{
	return exec_as(c, sql, p, what, out, 0);
}

int
pg__run(struct pg_conn *c, const char *sql, const struct pg_params *p, const char *what, int64_t *changed)
{
	PGresult *res;
	int rc;

	if ((rc = exec_as(c, sql, p, what, &res, 0)) != CB_OK)
		return rc;
	if (changed != NULL) {
		const char *t = PQcmdTuples(res);
		uint64_t n = 0;
		*changed = t != NULL && t[0] != '\0' && cb_parse_u64(t, 0, INT64_MAX, &n) == CB_PARSE_OK ?
		    (int64_t)n : 0;
	}
	PQclear(res);
	return CB_OK;
}

/* ---- connections --------------------------------------------------------- */

/* Fixed SQL without parameters, on a connection being set up. */
static int
setup_exec(struct pg_conn *c, const char *sql, PGresult **out)
{
	PGresult *res = PQexec(c->pc, sql);
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	int rc;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		rc = fail_res(c, res, 0, "set up the connection");
		PQclear(res);
		return rc;
	}
	if (out != NULL)
		*out = res;
	else
		PQclear(res);
	return CB_OK;
}

/* The server's notices and warnings, as log lines (libpq would print
 * them raw on standard error, between the JSON lines). */
static void
on_notice(void *arg, const PGresult *res)
{
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	(void)arg;
	cb_log(sev != NULL && strcmp(sev, "WARNING") == 0 ? CB_LOG_WARN : CB_LOG_DEBUG, "database notice",
	    m ? m : "");
}

int
pg__conn_open(struct pg_conn *c, struct pg_store *st)
{
	/* the URL comes last: whatever it says overrides these defaults */
	static const char *const keys[] = { "connect_timeout", "fallback_application_name", "dbname", NULL };
	const char *vals[] = { "10", "codebook", st->url, NULL };
	PGresult *res = NULL;
	char msg[512];
	int rc;

	c->st = st;
	forget_statements(c);
	if ((c->pc = PQconnectdbParams(keys, vals, 1)) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	if (PQstatus(c->pc) != CONNECTION_OK) {
		message(msg, sizeof(msg), c, NULL);
		rc = cb__fail(CB_EUNAVAIL, "database \"%s\": cannot connect: %s", st->shown, msg);
		goto fail;
	}
	PQsetNoticeReceiver(c->pc, on_notice, NULL);
	if (PQserverVersion(c->pc) < 130000) {
		rc = cb__fail(CB_EINVAL, "database \"%s\": PostgreSQL %d.%d is too old: codebook needs 13 or "
		    "later (partitioned tables with row triggers)", st->shown, PQserverVersion(c->pc) / 10000,
		    PQserverVersion(c->pc) % 10000);
		goto fail;
	}
	if (PQsetClientEncoding(c->pc, "UTF8") != 0) {
		message(msg, sizeof(msg), c, NULL);
		rc = cb__fail(CB_EIO, "database \"%s\": cannot use UTF-8: %s", st->shown, msg);
		goto fail;
	}
	/* Acknowledged means durable: a server or role configured with
	 * synchronous_commit = off is overridden for our sessions (local,
	 * on, remote_write, remote_apply all wait for the local flush).  A
	 * write waits at most 5 s for a lock held elsewhere, as on SQLite,
	 * unless the URL set lock_timeout (options=-c lock_timeout=...). */
	if ((rc = setup_exec(c, "SELECT current_setting('synchronous_commit'), current_setting('lock_timeout')",
	    &res)) != CB_OK)
		goto fail;
	if (strcmp(PQgetvalue(res, 0, 0), "off") == 0 && (rc = setup_exec(c, "SET synchronous_commit = on",
	    NULL)) != CB_OK)
		goto fail;
	if (strcmp(PQgetvalue(res, 0, 1), "0") == 0 && (rc = setup_exec(c, "SET lock_timeout = '5s'",
	    NULL)) != CB_OK)
		goto fail;
	if ((rc = setup_exec(c, "SET bytea_output = 'hex'", NULL)) != CB_OK)
		goto fail;
	PQclear(res);
	return CB_OK;
fail:
	PQclear(res);
	PQfinish(c->pc);
	c->pc = NULL;
	return rc;
}

void
pg__conn_close(struct pg_conn *c)
{
	forget_statements(c);
	PQfinish(c->pc);
	c->pc = NULL;
}

static int
reconnect(struct pg_conn *c)
{
	pg__conn_close(c);
	return pg__conn_open(c, c->st);
}

/* ---- the pool ----------------------------------------------------------- */

/* Take a free connection (block when none is), connected. */
static int
acquire(struct pg_store *st, struct pg_conn **out)
{
	static _Thread_local unsigned spread;
	struct pg_conn *c = NULL;
	size_t i;
	int rc;

	*out = NULL;
	for (i = 0; i < st->nconns && c == NULL; i++)
		if (pthread_mutex_trylock(&st->conns[i].mu) == 0)
			c = &st->conns[i];
	if (c == NULL) {
		c = &st->conns[spread++ % st->nconns];
		pthread_mutex_lock(&c->mu);
	}
	if ((c->pc == NULL || PQstatus(c->pc) != CONNECTION_OK) && (rc = reconnect(c)) != CB_OK) {
		pthread_mutex_unlock(&c->mu);
		return rc;
	}
	c->first = 1;
	*out = c;
	return CB_OK;
}

static void
rollback(struct pg_conn *c)
{
	PGresult *res;

	if (c->pc == NULL || PQstatus(c->pc) != CONNECTION_OK ||
	    PQtransactionStatus(c->pc) == PQTRANS_IDLE)
		return;
	res = PQexec(c->pc, SQL_ROLLBACK);
	PQclear(res);
}

static void
release(struct pg_conn *c)
{
	rollback(c);	/* never leave a transaction open on a pooled connection */
	pthread_mutex_unlock(&c->mu);
}

/* ---- transactions ---------------------------------------------------------- */

static int
commit(struct pg_conn *c, const char *what)
{
	PGresult *res;
	int rc;

	if ((rc = exec_as(c, SQL_COMMIT, NULL, what, &res, 1)) != CB_OK)
		return rc;
	/* COMMIT of a transaction that had failed answers ROLLBACK */
	if (strcmp(PQcmdStatus(res), "COMMIT") != 0)
		rc = cb__fail(CB_EIO, "database: %s: the transaction was rolled back", what);
	PQclear(res);
	return rc;
}

int
pg__write(struct pg_store *st, const char *what, pg_fn fn, void *arg)
{
	struct pg_conn *c;
	int rc;

	if ((rc = acquire(st, &c)) != CB_OK)
		return rc;
	if ((rc = pg__run(c, SQL_BEGIN_WRITE, NULL, what, NULL)) != CB_OK)
		goto out;
	if ((rc = fn(c, arg)) == CB_OK)
		rc = commit(c, what);
	else if (rc == PG_ROLLBACK)
		rc = CB_OK;
out:
	release(c);
	return rc;
}

int
pg__read(struct pg_store *st, const char *what, int mode, pg_fn fn, void *arg)
{
	struct pg_conn *c;
	int rc;

	if ((rc = acquire(st, &c)) != CB_OK)
		return rc;
	if (mode != PG_READ_PLAIN && (rc = pg__run(c, mode == PG_READ_SNAPSHOT ? SQL_BEGIN_SNAPSHOT :
	    SQL_BEGIN_LOCKED, NULL, what, NULL)) != CB_OK)
		goto out;
	rc = fn(c, arg);
	if (rc > 0)
		rc = CB_OK;
out:
	release(c);	/* ends the read transaction */
	return rc;
}
