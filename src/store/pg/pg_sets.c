/*
 * pg_sets.c - code-set versions on PostgreSQL (table code_set_versions).
 * Names sort as bytes (COLLATE "C"), as on SQLite, whatever the
 * database's collation.
 */
#include "pg_int.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"

#define NOW_SQL "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
#define COLS "name, version, body, etag, published_at, source, published_by"

enum { S_LATEST, S_GET, S_PUT, S_VERSIONS, S_EACH_LATEST, S_COUNT };

static const char *const sql[S_COUNT] = {
	[S_LATEST] = "SELECT " COLS " FROM code_set_versions WHERE name = $1 ORDER BY version DESC LIMIT 1",
	[S_GET] = "SELECT " COLS " FROM code_set_versions WHERE name = $1 AND version = $2",
	[S_PUT] = "INSERT INTO code_set_versions (" COLS ") VALUES ($1, $2, $3, $4, " NOW_SQL ", $5, $6)",
	[S_VERSIONS] = "SELECT name, version, NULL, etag, published_at, source, published_by"
	    " FROM code_set_versions WHERE name = $1 ORDER BY version",
	[S_EACH_LATEST] = "SELECT DISTINCT ON (name COLLATE \"C\") " COLS " FROM code_set_versions"
	    " ORDER BY name COLLATE \"C\", version DESC",
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
