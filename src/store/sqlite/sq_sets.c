/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sq_sets.c - code-set versions on SQLite (table code_set_versions).
 */
#include "sq_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "rfc3339.h"

#define NOW_SQL "strftime('%Y-%m-%dT%H:%M:%fZ','now')"
#define COLS "name, version, body, etag, published_at, source, published_by, changes"

enum { S_LATEST, S_GET, S_PUT, S_VERSIONS, S_EACH_LATEST, S_NAMES, S_EXISTS, S_SERIAL, S_DATA_VERSION,
	S_COUNT };

static const char *const sql[S_COUNT] = {
	[S_LATEST] = "SELECT " COLS " FROM code_set_versions WHERE name = ?1 ORDER BY version DESC LIMIT 1",
	[S_GET] = "SELECT " COLS " FROM code_set_versions WHERE name = ?1 AND version = ?2",
	[S_PUT] = "INSERT INTO code_set_versions (" COLS ") VALUES (?1, ?2, ?3, ?4, " NOW_SQL ", ?5, ?6, ?7)",
	[S_VERSIONS] = "SELECT name, version, NULL, etag, published_at, source, published_by, changes"
	    " FROM code_set_versions WHERE name = ?1 ORDER BY version",
	[S_EACH_LATEST] = "SELECT v.name, v.version, v.body, v.etag, v.published_at, v.source,"
	    " v.published_by, v.changes FROM code_set_versions v JOIN (SELECT name, MAX(version) AS version"
	    " FROM code_set_versions GROUP BY name) m ON v.name = m.name AND v.version = m.version"
	    " ORDER BY v.name",
	[S_NAMES] = "SELECT COUNT(*) FROM (SELECT DISTINCT name FROM code_set_versions)",
	[S_EXISTS] = "SELECT 1 FROM code_set_versions WHERE name = ?1 LIMIT 1",
	/* versions are never updated or deleted: their count grows with every
	 * publish, which makes it the serial the followers compare */
	[S_SERIAL] = "SELECT COUNT(*) FROM code_set_versions",
	/* changes whenever another connection (of any process) commits */
	[S_DATA_VERSION] = "PRAGMA data_version",
};

static void
copy_text(char *dst, size_t size, sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	dst[0] = '\0';
	if (t != NULL) {
		size_t n = strnlen((const char *)t, size - 1);
		memcpy(dst, t, n);
		dst[n] = '\0';
	}
}

/* Fill @v from the current row (columns as COLS). */
static int
read_row(cb_store_setver *v, sqlite3_stmt *s)
{
	const char *name = (const char *)sqlite3_column_text(s, 0);

	memset(v, 0, sizeof(*v));
	if ((v->name = cb__strdup(name ? name : "")) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	v->version = sqlite3_column_int(s, 1);
	if (sqlite3_column_type(s, 2) != SQLITE_NULL) {
		const void *b = sqlite3_column_blob(s, 2);
		size_t n = (size_t)sqlite3_column_bytes(s, 2);
		if ((v->body = cb__malloc(n + 1)) == NULL) {
			cb_store_setver_clear(v);
			return cb__fail(CB_ENOMEM, "out of memory");
		}
		if (n > 0)
			memcpy(v->body, b, n);
		v->body[n] = '\0';
		v->body_len = n;
	}
	copy_text(v->etag, sizeof(v->etag), s, 3);
	copy_text(v->published_at, sizeof(v->published_at), s, 4);
	copy_text(v->source, sizeof(v->source), s, 5);
	copy_text(v->published_by, sizeof(v->published_by), s, 6);
	if (sqlite3_column_type(s, 7) != SQLITE_NULL &&
	    (v->changes = cb__strdup((const char *)sqlite3_column_text(s, 7))) == NULL) {
		cb_store_setver_clear(v);
		return cb__fail(CB_ENOMEM, "out of memory");
	}
	return CB_OK;
}

struct get { const char *name; int version, latest; cb_store_setver *out; };

static int
get_tx(struct sq_conn *c, void *arg)
{
	struct get *g = arg;
	sqlite3_stmt *s;
	int rc, step;

	if ((rc = sq__stmt(c, sql[g->latest ? S_LATEST : S_GET], &s)) != CB_OK)
		return rc;
	sqlite3_bind_text(s, 1, g->name, -1, SQLITE_STATIC);
	if (!g->latest)
		sqlite3_bind_int(s, 2, g->version);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		return read_row(g->out, s);
	return step == SQLITE_DONE ? CB_ENOTFOUND : sq__fail(c, step, "read code set");
}

int
sq__set_get(void *be, const char *name, int version, int latest, cb_store_setver *out)
{
	struct get g = { name, version, latest, out };

	return sq__read(be, "read code set", 0, get_tx, &g);
}

struct put { const char *name; int version; const char *body; size_t len; const char *etag, *source, *by; };

static int
put_tx(struct sq_conn *c, void *arg)
{
	struct put *p = arg;
	sqlite3_stmt *s;
	int rc, step;

	if ((rc = sq__stmt(c, sql[S_PUT], &s)) != CB_OK)
		return rc;
	sqlite3_bind_text(s, 1, p->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, p->version);
	sqlite3_bind_blob(s, 3, p->body, (int)p->len, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, p->etag, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, p->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, p->by, -1, SQLITE_STATIC);
	sqlite3_bind_null(s, 7);
	if ((step = sqlite3_step(s)) == SQLITE_CONSTRAINT_PRIMARYKEY)
		return CB_ECONFLICT;	/* the dispatcher names the version */
	return step == SQLITE_DONE ? CB_OK : sq__fail(c, step, "store code set");
}

int
sq__set_put(void *be, const char *name, int version, const char *body, size_t len,
    const char *etag, const char *source, const char *by)
{
	struct put p = { name, version, body, len, etag, source, by };

	return sq__write(be, "store code set", put_tx, &p);
}

/* ---- publishing: read, judge and write in one transaction -------------- */

struct publish {
	const cb_store_setpub  *p;
	const char             *etag;
	cb_store_setpub_status *status;
};

/* One integer from a statement that returns one row (reset afterwards, so
 * that no read transaction stays open). */
static int
one_int(struct sq_conn *c, sqlite3_stmt *s, int64_t *out, const char *what)
{
	int step = sqlite3_step(s), rc = CB_OK;

	if (step == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	else if (step == SQLITE_DONE)
		*out = 0;
	else
		rc = sq__fail(c, step, what);
	sqlite3_reset(s);
	return rc;
}

static int
is_stored(void *arg, const char *name)
{
	struct sq_conn *c = arg;
	sqlite3_stmt *s;
	int64_t n = 0;
	int rc;

	if ((rc = sq__stmt(c, sql[S_EXISTS], &s)) != CB_OK)
		return rc;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if ((rc = one_int(c, s, &n, "count code sets")) != CB_OK)
		return rc;
	return n != 0;
}

static int
publish_tx(struct sq_conn *c, void *arg)
{
	struct publish *pub = arg;
	const cb_store_setpub *p = pub->p;
	cb_store_setver latest;
	sqlite3_stmt *s;
	int64_t nsets = 0;
	int rc, step, have = 0;

	memset(&latest, 0, sizeof(latest));
	if ((rc = sq__stmt(c, sql[S_LATEST], &s)) != CB_OK)
		return rc;
	sqlite3_bind_text(s, 1, p->name, -1, SQLITE_STATIC);
	if ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if ((rc = read_row(&latest, s)) != CB_OK)
			return rc;
		have = 1;
	} else if (step != SQLITE_DONE)
		return sq__fail(c, step, "read code set");
	sqlite3_reset(s);
	if (!have && p->max_sets > 0) {
		if ((rc = sq__stmt(c, sql[S_NAMES], &s)) != CB_OK ||
		    (rc = one_int(c, s, &nsets, "count code sets")) != CB_OK)
			goto out;
		if ((rc = store__setpub_full(p, nsets, is_stored, c)) < 0)
			goto out;
		if (rc == 1) {
			*pub->status = CB_SETPUB_FULL;
			rc = SQ_ROLLBACK;
			goto out;
		}
	}
	if ((rc = store__setpub_decide(p, have ? &latest : NULL, pub->status)) <= 0) {
		if (rc == 0)
			rc = SQ_ROLLBACK;
		goto out;
	}
	if ((rc = sq__stmt(c, sql[S_PUT], &s)) != CB_OK)
		goto out;
	sqlite3_bind_text(s, 1, p->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, p->version);
	sqlite3_bind_blob(s, 3, p->body, (int)p->len, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, pub->etag, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, p->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, p->by ? p->by : "", -1, SQLITE_STATIC);
	sq__bind_str(s, 7, p->changes != NULL ? *p->changes : NULL);
	if ((step = sqlite3_step(s)) == SQLITE_CONSTRAINT_PRIMARYKEY)
		rc = CB_ECONFLICT;	/* a gate let an existing version through: judged again */
	else
		rc = step == SQLITE_DONE ? CB_OK : sq__fail(c, step, "store code set");
	sqlite3_reset(s);
	if (rc == CB_OK)
		*pub->status = CB_SETPUB_CREATED;
out:
	cb_store_setver_clear(&latest);
	return rc;
}

int
sq__set_publish(void *be, const cb_store_setpub *p, const char *etag, cb_store_setpub_status *status)
{
	struct publish pub = { p, etag, status };

	return sq__write(be, "publish code set", publish_tx, &pub);
}

/* ---- following: the serial of published versions ---------------------- */

#define WATCH_POLL_MS 50	/* a publish elsewhere is seen within this, plus a reload */

int
sq__set_watch(void *be, int64_t *serial, unsigned timeout_ms)
{
	struct sq_store *st = be;
	struct sq_conn *c = &st->watch;
	uint64_t deadline = cb_time_mono_ns() + (uint64_t)timeout_ms * 1000000u;
	sqlite3_stmt *s;
	int64_t dv = 0;
	int rc = CB_OK;

	pthread_mutex_lock(&c->mu);
	if (c->db == NULL) {
		if ((rc = sq__conn_open(c, &st->target, 0)) != CB_OK) {
			sq__conn_close(c);
			rc = cb__fail(CB_EUNAVAIL, "%s", cb_errmsg());
			goto out;
		}
		st->watch_dv = -1;
	}
	for (;;) {
		if ((rc = sq__stmt(c, sql[S_DATA_VERSION], &s)) != CB_OK ||
		    (rc = one_int(c, s, &dv, "watch code sets")) != CB_OK)
			break;
		if (dv != st->watch_dv) {
			if ((rc = sq__stmt(c, sql[S_SERIAL], &s)) != CB_OK ||
			    (rc = one_int(c, s, &st->watch_serial, "watch code sets")) != CB_OK)
				break;
			st->watch_dv = dv;
		}
		if (*serial != st->watch_serial) {
			*serial = st->watch_serial;
			break;
		}
		{
			uint64_t now = cb_time_mono_ns(), left;
			struct timespec ts;
			if (now >= deadline)
				break;
			left = deadline - now;
			if (left > (uint64_t)WATCH_POLL_MS * 1000000u)
				left = (uint64_t)WATCH_POLL_MS * 1000000u;
			ts.tv_sec = (time_t)(left / 1000000000u);
			ts.tv_nsec = (long)(left % 1000000000u);
			nanosleep(&ts, NULL);
		}
	}
	if (rc == CB_EIO)
		rc = cb__fail(CB_EUNAVAIL, "%s", cb_errmsg());
out:
	pthread_mutex_unlock(&c->mu);
	return rc;
}

struct each { const char *name; cb_store_setver_fn fn; void *arg; };

static int
each_tx(struct sq_conn *c, void *arg)
{
	struct each *e = arg;
	cb_store_setver v;
	sqlite3_stmt *s;
	int rc, step;

	if ((rc = sq__stmt(c, sql[e->name ? S_VERSIONS : S_EACH_LATEST], &s)) != CB_OK)
		return rc;
	if (e->name != NULL)
		sqlite3_bind_text(s, 1, e->name, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if ((rc = read_row(&v, s)) != CB_OK)
			return rc;
		rc = e->fn(e->arg, &v);
		cb_store_setver_clear(&v);
		if (rc != 0)
			return SQ_ROLLBACK;
	}
	return step == SQLITE_DONE ? CB_OK : sq__fail(c, step, "list code sets");
}

int
sq__set_versions(void *be, const char *name, cb_store_setver_fn fn, void *arg)
{
	struct each e = { name, fn, arg };

	return sq__read(be, "list code sets", 0, each_tx, &e);
}

int
sq__set_each_latest(void *be, cb_store_setver_fn fn, void *arg)
{
	struct each e = { NULL, fn, arg };

	return sq__read(be, "list code sets", 0, each_tx, &e);
}
