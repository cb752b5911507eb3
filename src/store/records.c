/*
 * records.c - incident reasons (seed 000) and outbound events (seed 002).
 *
 * Both are the same thing to the store: a row of client fields keyed by a
 * client-chosen id, plus what the check found (category, set version).  So
 * both are described by one table (recdesc.c) and handled by one set of
 * functions; their SQL is composed once at open time from the constant
 * column names of that table.  Values only ever reach SQLite as bound
 * parameters.
 *
 * Idempotency: each row keeps a fingerprint, the SHA-256 of its client
 * fields.  Inserting a row whose id exists compares fingerprints: equal is
 * a replay (nothing to do), different is a conflict, and one conflict rolls
 * the whole batch back.
 */
#include "store_int.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "buf.h"

#define B(i) (1u << (i))

/* Parameter numbers of the filter clause shared by list and report. */
enum { P_AFTER = 1, P_LIMIT = 2, P_CATEGORY = 3, P_SINCE = 4, P_UNTIL = 5, P_FIELD0 = 10 };

static void
add_where(cb_buf *b, const cb_rec_desc *d)
{
	size_t i;

	cb_buf_printf(b, " WHERE seq > ?%d AND (?%d IS NULL OR category = ?%d)"
	    " AND (?%d IS NULL OR occurred_us >= ?%d) AND (?%d IS NULL OR occurred_us < ?%d)",
	    P_AFTER, P_CATEGORY, P_CATEGORY, P_SINCE, P_SINCE, P_UNTIL, P_UNTIL);
	for (i = 0; i < d->nfields; i++)
		if (d->filters & B(i))
			cb_buf_printf(b, " AND (?%zu IS NULL OR %s = ?%zu)",
			    P_FIELD0 + i, d->fields[i], P_FIELD0 + i);
}

/* Compose the statements of every kind from the descriptor table: the
 * names are constants of this file, never input. */
int
store__rec_prepare_sql(cb_store *st)
{
	size_t k, i, g;

	for (k = 0; k < CB_REC_KIND_COUNT; k++) {
		const cb_rec_desc *d = cb_rec_describe((cb_rec_kind)k);
		cb_buf b[RS_PER_KIND];

		for (i = 0; i < RS_PER_KIND; i++)
			cb_buf_init(&b[i], 1 << 16);
		cb_buf_printf(&b[RS_INSERT], "INSERT INTO %s (", d->plural);
		for (i = 0; i < d->nfields; i++)
			cb_buf_printf(&b[RS_INSERT], "%s, ", d->fields[i]);
		cb_buf_adds(&b[RS_INSERT], "category, set_version, fp, request_id, received_at, occurred_us)"
		    " VALUES (");
		for (i = 0; i < d->nfields + 4; i++)
			cb_buf_printf(&b[RS_INSERT], "?%zu, ", i + 1);
		cb_buf_printf(&b[RS_INSERT], "?%zu, ?%zu) ON CONFLICT (%s) DO NOTHING", d->nfields + 5,
		    d->nfields + 6, d->fields[0]);

		cb_buf_printf(&b[RS_FP], "SELECT fp FROM %s WHERE %s = ?1", d->plural, d->fields[0]);

		cb_buf_adds(&b[RS_LIST], "SELECT seq");
		for (i = 0; i < d->nfields; i++)
			cb_buf_printf(&b[RS_LIST], ", %s", d->fields[i]);
		cb_buf_printf(&b[RS_LIST], ", category, set_version, received_at FROM %s", d->plural);
		add_where(&b[RS_LIST], d);
		cb_buf_printf(&b[RS_LIST], " ORDER BY seq LIMIT ?%d", P_LIMIT);

		cb_buf_printf(&b[RS_COUNT], "SELECT COUNT(*) FROM %s", d->plural);

		for (g = 0; g < 4 && d->group_by[g] != NULL; g++) {
			cb_buf *r = &b[RS_REPORT0 + g];
			cb_buf_printf(r, "SELECT %s, reason_code, MAX(category), COUNT(*) FROM %s",
			    d->group_by[g], d->plural);
			add_where(r, d);
			cb_buf_printf(r, " GROUP BY %s, reason_code ORDER BY %s, reason_code",
			    d->group_by[g], d->group_by[g]);
		}
		for (i = 0; i < RS_PER_KIND; i++) {
			if (b[i].len == 0)
				continue;
			if ((st->rec_sql[k][i] = cb_buf_detach(&b[i], NULL)) == NULL) {
				for (; i < RS_PER_KIND; i++)
					cb_buf_reset(&b[i]);
				return cb__fail(CB_ENOMEM, "out of memory");
			}
		}
	}
	return CB_OK;
}

static int
stmt_id(cb_rec_kind k, int which)
{
	return ST_FIXED_COUNT + (int)k * RS_PER_KIND + which;
}

/* SHA-256, fetched once: OpenSSL 3 looks an algorithm up on every
 * implicit use, which cost more than hashing a record. */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void
fetch_sha256(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* The fingerprint of a record: every client field, length-prefixed, with
 * absent and empty told apart. */
static int
fingerprint(EVP_MD_CTX *ctx, const EVP_MD *md, const cb_rec_desc *d, const cb_rec *r,
    unsigned char out[32])
{
	unsigned int n = 32;
	size_t i;

	if (EVP_DigestInit_ex(ctx, md, NULL) != 1)
		return CB_ERROR;
	for (i = 0; i < d->nfields; i++) {
		unsigned char hdr[9];
		uint64_t len = r->v[i] ? (uint64_t)r->len[i] : 0;
		size_t j;
		hdr[0] = r->v[i] != NULL;
		for (j = 0; j < 8; j++)
			hdr[1 + j] = (unsigned char)(len >> (8 * j));
		if (EVP_DigestUpdate(ctx, hdr, sizeof(hdr)) != 1 ||
		    (r->v[i] && EVP_DigestUpdate(ctx, r->v[i], r->len[i]) != 1))
			return CB_ERROR;
	}
	return EVP_DigestFinal_ex(ctx, out, &n) == 1 ? CB_OK : CB_ERROR;
}

/* "2026-02-06T09:30:00.123Z", as SQLite's strftime('%Y-%m-%dT%H:%M:%fZ'). */
static void
now_iso(char out[32])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	if (strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm) != 19)
		out[19] = '\0';
	(void)snprintf(out + 19, 32 - 19, ".%03dZ", (int)(ts.tv_nsec / 1000000) % 1000);
}

static void
bind_text(sqlite3_stmt *s, int i, const char *v, size_t len)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, (int)len, SQLITE_STATIC);
}

int
cb_store_rec_insert(cb_store *st, cb_rec_kind k, const cb_rec *recs, size_t n,
    const char *request_id, cb_rec_status *status, size_t *nconflicts)
{
	const cb_rec_desc *d = cb_rec_describe(k);
	struct cb_conn *c = NULL;
	EVP_MD_CTX *ctx = NULL;
	sqlite3_stmt *ins, *fp;
	unsigned char h[32];
	char now[32];
	size_t i, j, conflicts = 0;
	int rc, step, in_tx = 0;

	if (st == NULL || d == NULL || (recs == NULL && n > 0) || status == NULL || nconflicts == NULL)
		return cb__fail(CB_EINVAL, "cb_store_rec_insert: bad argument");
	*nconflicts = 0;
	for (i = 0; i < n; i++)
		for (j = 0; j < d->nfields; j++)
			if (recs[i].v[j] != NULL && recs[i].len[j] > (size_t)INT32_MAX)
				return cb__fail(CB_ETOOBIG, "%s field too long", d->name);
	pthread_once(&sha256_once, fetch_sha256);
	if (sha256_md == NULL)
		return cb__fail(CB_ERROR, "OpenSSL has no SHA-256");
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	now_iso(now);	/* one time for the batch: it is one transaction */
	c = store__acquire(st, 1);
	if ((rc = store__begin(st, c)) != CB_OK)
		goto out;
	in_tx = 1;
	if ((ins = store__stmt(st, c, stmt_id(k, RS_INSERT))) == NULL ||
	    (fp = store__stmt(st, c, stmt_id(k, RS_FP))) == NULL) {
		rc = CB_EIO;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const cb_rec *r = &recs[i];
		int p = (int)d->nfields;

		if (fingerprint(ctx, sha256_md, d, r, h) != CB_OK) {
			rc = cb__fail(CB_ERROR, "fingerprint: digest failed");
			goto out;
		}
		sqlite3_reset(ins);
		for (j = 0; j < d->nfields; j++)
			bind_text(ins, (int)j + 1, r->v[j], r->len[j]);
		sqlite3_bind_text(ins, p + 1, r->category ? r->category : "", -1, SQLITE_STATIC);
		sqlite3_bind_int(ins, p + 2, r->set_version);
		sqlite3_bind_blob(ins, p + 3, h, sizeof(h), SQLITE_STATIC);
		bind_text(ins, p + 4, request_id, request_id ? strlen(request_id) : 0);
		sqlite3_bind_text(ins, p + 5, now, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, p + 6, r->time_us);
		if ((step = sqlite3_step(ins)) != SQLITE_DONE) {
			rc = store__fail(c->db, "insert");
			goto out;
		}
		if (sqlite3_changes(c->db) == 1) {
			status[i] = CB_REC_CREATED;
			continue;
		}
		/* the id exists (stored before, or earlier in this batch) */
		sqlite3_reset(fp);
		bind_text(fp, 1, r->v[0], r->len[0]);
		if (sqlite3_step(fp) != SQLITE_ROW) {
			rc = store__fail(c->db, "read fingerprint");
			goto out;
		}
		if (sqlite3_column_bytes(fp, 0) == (int)sizeof(h) &&
		    memcmp(sqlite3_column_blob(fp, 0), h, sizeof(h)) == 0)
			status[i] = CB_REC_UNCHANGED;
		else {
			status[i] = CB_REC_CONFLICT;
			conflicts++;
		}
		sqlite3_reset(fp);
	}
	sqlite3_reset(ins);
	if (conflicts > 0) {
		*nconflicts = conflicts;
		rc = CB_OK;
		goto out;	/* rolls back: all or nothing */
	}
	in_tx = 0;
	rc = store__commit(st, c);
out:
	if (in_tx)
		store__rollback(st, c);
	store__release(c);
	EVP_MD_CTX_free(ctx);
	return rc;
}

static void
bind_filter(sqlite3_stmt *s, const cb_rec_desc *d, const cb_rec_filter *f)
{
	size_t i;

	sqlite3_bind_int64(s, P_AFTER, f->after_seq);
	sqlite3_bind_int64(s, P_LIMIT, f->limit);
	bind_text(s, P_CATEGORY, f->category, f->category ? strlen(f->category) : 0);
	if (f->has_since)
		sqlite3_bind_int64(s, P_SINCE, f->since_us);
	else
		sqlite3_bind_null(s, P_SINCE);
	if (f->has_until)
		sqlite3_bind_int64(s, P_UNTIL, f->until_us);
	else
		sqlite3_bind_null(s, P_UNTIL);
	for (i = 0; i < d->nfields; i++)
		if (d->filters & B(i))
			bind_text(s, (int)(P_FIELD0 + i), f->eq[i], f->eq[i] ? strlen(f->eq[i]) : 0);
}

int
cb_store_rec_list(cb_store *st, cb_rec_kind k, const cb_rec_filter *f, cb_rec_fn fn, void *arg)
{
	const cb_rec_desc *d = cb_rec_describe(k);
	struct cb_conn *c;
	sqlite3_stmt *s;
	cb_rec r;
	size_t i;
	int rc = CB_OK, step;

	if (st == NULL || d == NULL || f == NULL || fn == NULL)
		return cb__fail(CB_EINVAL, "cb_store_rec_list: bad argument");
	c = store__acquire(st, 0);
	if ((s = store__stmt(st, c, stmt_id(k, RS_LIST))) == NULL) {
		rc = CB_EIO;
		goto out;
	}
	bind_filter(s, d, f);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.seq = sqlite3_column_int64(s, 0);
		for (i = 0; i < d->nfields; i++) {
			r.v[i] = (const char *)sqlite3_column_text(s, (int)i + 1);
			r.len[i] = (size_t)sqlite3_column_bytes(s, (int)i + 1);
		}
		r.category = (const char *)sqlite3_column_text(s, (int)d->nfields + 1);
		r.set_version = sqlite3_column_int(s, (int)d->nfields + 2);
		r.received_at = (const char *)sqlite3_column_text(s, (int)d->nfields + 3);
		if (fn(arg, &r) != 0)
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = store__fail(c->db, "list");
out:
	store__release(c);
	return rc;
}

int
cb_store_rec_report(cb_store *st, cb_rec_kind k, const char *group,
    const cb_rec_filter *f, cb_rec_group_fn fn, void *arg)
{
	const cb_rec_desc *d = cb_rec_describe(k);
	struct cb_conn *c;
	sqlite3_stmt *s;
	int rc = CB_OK, step, g;

	if (st == NULL || d == NULL || group == NULL || f == NULL || fn == NULL)
		return cb__fail(CB_EINVAL, "cb_store_rec_report: bad argument");
	for (g = 0; g < 4 && d->group_by[g] != NULL; g++)
		if (strcmp(d->group_by[g], group) == 0)
			break;
	if (g == 4 || d->group_by[g] == NULL)
		return cb__fail(CB_EINVAL, "%s cannot be grouped by \"%s\"", d->plural, group);
	c = store__acquire(st, 0);
	if ((s = store__stmt(st, c, stmt_id(k, RS_REPORT0 + g))) == NULL) {
		rc = CB_EIO;
		goto out;
	}
	bind_filter(s, d, f);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(s, 0);
		if (fn(arg, key ? key : "", (const char *)sqlite3_column_text(s, 1),
		    (const char *)sqlite3_column_text(s, 2), sqlite3_column_int64(s, 3)) != 0)
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = store__fail(c->db, "report");
out:
	store__release(c);
	return rc;
}

int
cb_store_rec_count(cb_store *st, cb_rec_kind k, int64_t *out)
{
	struct cb_conn *c;
	sqlite3_stmt *s;
	int rc;

	if (st == NULL || cb_rec_describe(k) == NULL || out == NULL)
		return cb__fail(CB_EINVAL, "cb_store_rec_count: bad argument");
	c = store__acquire(st, 0);
	if ((s = store__stmt(st, c, stmt_id(k, RS_COUNT))) == NULL)
		rc = CB_EIO;
	else if (sqlite3_step(s) == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
		rc = CB_OK;
	} else
		rc = store__fail(c->db, "count");
	store__release(c);
	return rc;
}
