/*
 * sq_sets.c - code-set versions on SQLite (table code_set_versions).
 */
#include "sq_int.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"

#define NOW_SQL "strftime('%Y-%m-%dT%H:%M:%fZ','now')"
#define COLS "name, version, body, etag, published_at, source, published_by"

enum { S_LATEST, S_GET, S_PUT, S_VERSIONS, S_EACH_LATEST, S_COUNT };

static const char *const sql[S_COUNT] = {
	[S_LATEST] = "SELECT " COLS " FROM code_set_versions WHERE name = ?1 ORDER BY version DESC LIMIT 1",
	[S_GET] = "SELECT " COLS " FROM code_set_versions WHERE name = ?1 AND version = ?2",
	[S_PUT] = "INSERT INTO code_set_versions (" COLS ") VALUES (?1, ?2, ?3, ?4, " NOW_SQL ", ?5, ?6)",
	[S_VERSIONS] = "SELECT name, version, NULL, etag, published_at, source, published_by"
	    " FROM code_set_versions WHERE name = ?1 ORDER BY version",
	[S_EACH_LATEST] = "SELECT v.name, v.version, v.body, v.etag, v.published_at, v.source,"
	    " v.published_by FROM code_set_versions v JOIN (SELECT name, MAX(version) AS version"
	    " FROM code_set_versions GROUP BY name) m ON v.name = m.name AND v.version = m.version"
	    " ORDER BY v.name",
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
