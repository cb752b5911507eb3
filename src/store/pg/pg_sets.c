/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pg_sets.c - code-set versions on PostgreSQL (table code_set_versions).
 * Names sort as bytes (COLLATE "C"), as on SQLite, whatever the
 * database's collation.
 */
#include "pg_int.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "rfc3339.h"

#define NOW_SQL "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
#define COLS "name, version, body, etag, published_at, source, published_by, changes"

enum { S_LATEST, S_GET, S_PUT, S_VERSIONS, S_EACH_LATEST, S_LOCK_NAME, S_LOCK_NEW, S_NAMES, S_EXISTS,
	S_LISTEN, S_SERIAL, S_COUNT };

static const char *const sql[S_COUNT] = {
	[S_LATEST] = "SELECT " COLS " FROM code_set_versions WHERE name = $1 ORDER BY version DESC LIMIT 1",
	[S_GET] = "SELECT " COLS " FROM code_set_versions WHERE name = $1 AND version = $2",
	[S_PUT] = "INSERT INTO code_set_versions (" COLS ") VALUES ($1, $2, $3, $4, " NOW_SQL ", $5, $6, $7)",
	[S_VERSIONS] = "SELECT name, version, NULL, etag, published_at, source, published_by, changes"
	    " FROM code_set_versions WHERE name = $1 ORDER BY version",
	[S_EACH_LATEST] = "SELECT DISTINCT ON (name COLLATE \"C\") " COLS " FROM code_set_versions"
	    " ORDER BY name COLLATE \"C\", version DESC",
	/* publishes of one set one at a time, across every process */
	[S_LOCK_NAME] = "SELECT pg_advisory_xact_lock($1::int4, hashtext($2))",
	/* and of new sets, while the sets are counted */
	[S_LOCK_NEW] = "SELECT pg_advisory_xact_lock($1::int4, $2::int4)",
	[S_NAMES] = "SELECT count(DISTINCT name) FROM code_set_versions",
	[S_EXISTS] = "SELECT EXISTS (SELECT 1 FROM code_set_versions WHERE name = $1)",
	/* code_set_versions_notify (pg_schema.c) sends it at every publish's commit */
	[S_LISTEN] = "LISTEN codebook_sets",
	/* versions are never updated or deleted: their count grows with every
	 * publish, which makes it the serial the followers compare */
	[S_SERIAL] = "SELECT count(*) FROM code_set_versions",
};

static void
copy_text(char *dst, size_t size, const char *t)
{
	size_t n = t ? strnlen(t, size - 1) : 0;

	if (n > 0)
		memcpy(dst, t, n);
	dst[n] = '\0';
}

/* Fill @v from row @row of @r (columns as COLS). */
static int
read_row(cb_store_setver *v, const PGresult *r, int row)
{
	const char *name = pg__val(r, row, 0), *body = pg__val(r, row, 2);

	memset(v, 0, sizeof(*v));
	if ((v->name = cb__strdup(name ? name : "")) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	v->version = (int)pg__i64(r, row, 1);
	if (body != NULL) {
		size_t n = (size_t)PQgetlength(r, row, 2);
		if ((v->body = cb__malloc(n + 1)) == NULL) {
			cb_store_setver_clear(v);
			return cb__fail(CB_ENOMEM, "out of memory");
		}
		memcpy(v->body, body, n);
		v->body[n] = '\0';
		v->body_len = n;
	}
	copy_text(v->etag, sizeof(v->etag), pg__val(r, row, 3));
	copy_text(v->published_at, sizeof(v->published_at), pg__val(r, row, 4));
	copy_text(v->source, sizeof(v->source), pg__val(r, row, 5));
	copy_text(v->published_by, sizeof(v->published_by), pg__val(r, row, 6));
	if (pg__val(r, row, 7) != NULL && (v->changes = cb__strdup(pg__val(r, row, 7))) == NULL) {
		cb_store_setver_clear(v);
		return cb__fail(CB_ENOMEM, "out of memory");
	}
	return CB_OK;
}

struct get { const char *name; int version, latest; cb_store_setver *out; };

static int
get_tx(struct pg_conn *c, void *arg)
{
	struct get *g = arg;
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, g->name);
	if (!g->latest)
		pg__p_i64(&p, g->version);
	if ((rc = pg__exec(c, sql[g->latest ? S_LATEST : S_GET], &p, "read code set", &r)) != CB_OK)
		return rc;
	rc = PQntuples(r) > 0 ? read_row(g->out, r, 0) : CB_ENOTFOUND;
	PQclear(r);
	return rc;
}

int
pg__set_get(void *be, const char *name, int version, int latest, cb_store_setver *out)
{
	struct get g = { name, version, latest, out };

	return pg__read(be, "read code set", PG_READ_PLAIN, get_tx, &g);
}

struct put { const char *name; int version; const char *body; size_t len; const char *etag, *source, *by; };

static int
put_tx(struct pg_conn *c, void *arg)
{
	struct put *x = arg;
	struct pg_params p = { 0 };

	pg__p_text(&p, x->name);
	pg__p_i64(&p, x->version);
	pg__p_textn(&p, x->body, x->len);
	pg__p_text(&p, x->etag);
	pg__p_text(&p, x->source);
	pg__p_text(&p, x->by);
	pg__p_text(&p, NULL);
	return pg__run(c, sql[S_PUT], &p, "store code set", NULL);
}

int
pg__set_put(void *be, const char *name, int version, const char *body, size_t len,
    const char *etag, const char *source, const char *by)
{
	struct put x = { name, version, body, len, etag, source, by };

	/* CB_ECONFLICT (unique_violation) when the version exists: the
	 * dispatcher names it */
	return pg__write(be, "store code set", put_tx, &x);
}

struct each { const char *name; cb_store_setver_fn fn; void *arg; };

static int
each_tx(struct pg_conn *c, void *arg)
{
	struct each *e = arg;
	struct pg_params p = { 0 };
	cb_store_setver v;
	PGresult *r;
	int rc, i, stop = 0;

	if (e->name != NULL)
		pg__p_text(&p, e->name);
	if ((rc = pg__exec(c, sql[e->name ? S_VERSIONS : S_EACH_LATEST], e->name ? &p : NULL,
	    "list code sets", &r)) != CB_OK)
		return rc;
	for (i = 0; i < PQntuples(r) && !stop; i++) {
		if ((rc = read_row(&v, r, i)) != CB_OK)
			break;
		stop = e->fn(e->arg, &v) != 0;
		cb_store_setver_clear(&v);
	}
	PQclear(r);
	return rc;
}

int
pg__set_versions(void *be, const char *name, cb_store_setver_fn fn, void *arg)
{
	struct each e = { name, fn, arg };

	return pg__read(be, "list code sets", PG_READ_PLAIN, each_tx, &e);
}

int
pg__set_each_latest(void *be, cb_store_setver_fn fn, void *arg)
{
	struct each e = { NULL, fn, arg };

	return pg__read(be, "list code sets", PG_READ_PLAIN, each_tx, &e);
}

/* ---- publishing: read, judge and write in one transaction -------------- */

struct publish {
	const cb_store_setpub  *p;
	const char             *etag;
	cb_store_setpub_status *status;
};

static int
is_stored(void *arg, const char *name)
{
	struct pg_conn *c = arg;
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, name);
	if ((rc = pg__exec(c, sql[S_EXISTS], &p, "count code sets", &r)) != CB_OK)
		return rc;
	rc = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return rc;
}

static int
publish_tx(struct pg_conn *c, void *arg)
{
	struct publish *pub = arg;
	const cb_store_setpub *p = pub->p;
	struct pg_params q = { 0 };
	cb_store_setver latest;
	PGresult *r = NULL;
	int rc, have = 0;

	memset(&latest, 0, sizeof(latest));
	/* SQLite's single writer does this for free: here the publishes of
	 * the set wait for each other, so the gate judges what is latest */
	pg__p_i64(&q, PG_LOCK_NS_SET);
	pg__p_text(&q, p->name);
	if ((rc = pg__run(c, sql[S_LOCK_NAME], &q, "publish code set", NULL)) != CB_OK)
		return rc;
	memset(&q, 0, sizeof(q));
	pg__p_text(&q, p->name);
	if ((rc = pg__exec(c, sql[S_LATEST], &q, "read code set", &r)) != CB_OK)
		return rc;
	if (PQntuples(r) > 0) {
		if ((rc = read_row(&latest, r, 0)) != CB_OK)
			goto out;
		have = 1;
	}
	PQclear(r);
	r = NULL;
	if (!have && p->max_sets > 0) {
		memset(&q, 0, sizeof(q));
		pg__p_i64(&q, PG_LOCK_NS);
		pg__p_i64(&q, PG_LOCK_NEW_SET);
		if ((rc = pg__run(c, sql[S_LOCK_NEW], &q, "publish code set", NULL)) != CB_OK ||
		    (rc = pg__exec(c, sql[S_NAMES], NULL, "count code sets", &r)) != CB_OK)
			goto out;
		if ((rc = store__setpub_full(p, pg__i64(r, 0, 0), is_stored, c)) < 0)
			goto out;
		if (rc == 1) {
			*pub->status = CB_SETPUB_FULL;
			rc = PG_ROLLBACK;
			goto out;
		}
	}
	if ((rc = store__setpub_decide(p, have ? &latest : NULL, pub->status)) <= 0) {
		if (rc == 0)
			rc = PG_ROLLBACK;
		goto out;
	}
	memset(&q, 0, sizeof(q));
	pg__p_text(&q, p->name);
	pg__p_i64(&q, p->version);
	pg__p_textn(&q, p->body, p->len);
	pg__p_text(&q, pub->etag);
	pg__p_text(&q, p->source);
	pg__p_text(&q, p->by ? p->by : "");
	pg__p_text(&q, p->changes != NULL ? *p->changes : NULL);
	/* CB_ECONFLICT when a gate let an existing version through (or a
	 * set_put took it meanwhile): the dispatcher judges it again */
	if ((rc = pg__run(c, sql[S_PUT], &q, "publish code set", NULL)) == CB_OK)
		*pub->status = CB_SETPUB_CREATED;
out:
	PQclear(r);
	cb_store_setver_clear(&latest);
	return rc;
}

int
pg__set_publish(void *be, const cb_store_setpub *p, const char *etag, cb_store_setpub_status *status)
{
	struct publish pub = { p, etag, status };

	return pg__write(be, "publish code set", publish_tx, &pub);
}

/* ---- following: LISTEN for publishes, the count of versions as serial --- */

static int
watch_fail(struct pg_conn *c, int rc)
{
	pg__conn_close(c);	/* the next call connects and listens again */
	return rc == CB_EUNAVAIL ? rc : cb__fail(CB_EUNAVAIL, "%s", cb_errmsg());
}

int
pg__set_watch(void *be, int64_t *serial, unsigned timeout_ms)
{
	struct pg_store *st = be;
	struct pg_conn *c = &st->watch;
	uint64_t deadline = cb_time_mono_ns() + (uint64_t)timeout_ms * 1000000u;
	PGnotify *n;
	PGresult *r;
	int rc = CB_OK, stale = 0;

	pthread_mutex_lock(&c->mu);
	if (c->pc == NULL || PQstatus(c->pc) != CONNECTION_OK) {
		pg__conn_close(c);
		if ((rc = pg__conn_open(c, st)) != CB_OK || (rc = pg__run(c, sql[S_LISTEN], NULL, "watch code sets",
		    NULL)) != CB_OK) {
			rc = watch_fail(c, rc);
			goto out;
		}
		stale = 1;	/* whatever was published while no one listened */
	}
	for (;;) {
		if (stale) {
			if ((rc = pg__exec(c, sql[S_SERIAL], NULL, "watch code sets", &r)) != CB_OK) {
				rc = watch_fail(c, rc);
				break;
			}
			st->watch_serial = pg__i64(r, 0, 0);
			PQclear(r);
			stale = 0;
		}
		if (*serial != st->watch_serial) {
			*serial = st->watch_serial;
			break;
		}
		{
			uint64_t now = cb_time_mono_ns();
			struct pollfd pfd = { PQsocket(c->pc), POLLIN, 0 };
			if (now >= deadline)
				break;
			if (poll(&pfd, 1, (int)((deadline - now) / 1000000u) + 1) < 0 && errno != EINTR) {
				rc = watch_fail(c, cb__fail_errno(CB_EUNAVAIL, "database: watch code sets: poll"));
				break;
			}
		}
		if (PQconsumeInput(c->pc) == 0) {
			rc = watch_fail(c, cb__fail(CB_EUNAVAIL, "database: watch code sets: %s",
			    PQerrorMessage(c->pc)));
			break;
		}
		while ((n = PQnotifies(c->pc)) != NULL) {
			PQfreemem(n);
			stale = 1;
		}
	}
out:
	pthread_mutex_unlock(&c->mu);
	return rc;
}
