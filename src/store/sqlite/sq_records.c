/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sq_records.c - incidents and events on SQLite (tables incidents and
 * events).  Their SQL is composed once per process from the constant names
 * of the descriptor table (../recdesc.c); values only ever reach SQLite as
 * bound parameters.  The fingerprints come from the dispatcher.
 */
#include "sq_int.h"

#include <string.h>

#include "buf.h"

#define B(i) (1u << (i))

/* Per kind of record: insert, fingerprint lookup, list, count, and one
 * report statement per grouping. */
enum { RS_INSERT = 0, RS_FP, RS_LIST, RS_COUNT, RS_REPORT0, RS_PER_KIND = RS_REPORT0 + 4 };

/* Parameter numbers of the filter clause shared by list and report. */
enum { P_AFTER = 1, P_LIMIT = 2, P_CATEGORY = 3, P_SINCE = 4, P_UNTIL = 5, P_FIELD0 = 10 };

static char *rec_sql[CB_REC_KIND_COUNT][RS_PER_KIND];
static int compose_rc = CB_ERROR;
static pthread_once_t compose_once = PTHREAD_ONCE_INIT;

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
 * names are constants, never input.  Kept for the life of the process. */
static void
compose(void)
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
			if ((rec_sql[k][i] = cb_buf_detach(&b[i], NULL)) == NULL) {
				for (; i < RS_PER_KIND; i++)
					cb_buf_reset(&b[i]);
				return;	/* compose_rc stays an error */
			}
		}
	}
	compose_rc = CB_OK;
}

int
sq__rec_prepare(void)
{
	pthread_once(&compose_once, compose);
	return compose_rc == CB_OK ? CB_OK : cb__fail(CB_ENOMEM, "out of memory (record statements)");
}

static void
bind_text(sqlite3_stmt *s, int i, const char *v, size_t len)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, (int)len, SQLITE_STATIC);
}

struct insert {
	const struct store_rec_batch *b;
	cb_rec_status                *status;
	size_t                       *nconflicts;
};

static int
insert_tx(struct sq_conn *c, void *arg)
{
	struct insert *x = arg;
	const struct store_rec_batch *b = x->b;
	const cb_rec_desc *d = cb_rec_describe(b->kind);
	sqlite3_stmt *ins, *fp;
	size_t i, j, conflicts = 0;
	int rc, step, p = (int)d->nfields;

	if ((rc = sq__stmt(c, rec_sql[b->kind][RS_INSERT], &ins)) != CB_OK ||
	    (rc = sq__stmt(c, rec_sql[b->kind][RS_FP], &fp)) != CB_OK)
		return rc;
	for (i = 0; i < b->n; i++) {
		const cb_rec *r = &b->recs[i];

		sqlite3_reset(ins);
		for (j = 0; j < d->nfields; j++)
			bind_text(ins, (int)j + 1, r->v[j], r->len[j]);
		sqlite3_bind_text(ins, p + 1, r->category ? r->category : "", -1, SQLITE_STATIC);
		sqlite3_bind_int(ins, p + 2, r->set_version);
		sqlite3_bind_blob(ins, p + 3, b->fps[i], 32, SQLITE_STATIC);
		bind_text(ins, p + 4, b->request_id, b->request_id ? strlen(b->request_id) : 0);
		sqlite3_bind_text(ins, p + 5, b->now, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, p + 6, r->time_us);
		if ((step = sqlite3_step(ins)) != SQLITE_DONE)
			return sq__fail(c, step, "insert");
		if (sqlite3_changes(c->db) == 1) {
			x->status[i] = CB_REC_CREATED;
			continue;
		}
		/* the id exists (stored before, or earlier in this batch) */
		sqlite3_reset(fp);
		bind_text(fp, 1, r->v[0], r->len[0]);
		if ((step = sqlite3_step(fp)) != SQLITE_ROW)
			return sq__fail(c, step, "read fingerprint");
		if (sqlite3_column_bytes(fp, 0) == 32 && memcmp(sqlite3_column_blob(fp, 0), b->fps[i], 32) == 0)
			x->status[i] = CB_REC_UNCHANGED;
		else {
			x->status[i] = CB_REC_CONFLICT;
			conflicts++;
		}
		sqlite3_reset(fp);
	}
	sqlite3_reset(ins);
	*x->nconflicts = conflicts;
	return conflicts > 0 ? SQ_ROLLBACK : CB_OK;	/* all or nothing */
}

int
sq__rec_insert(void *be, const struct store_rec_batch *b, cb_rec_status *status, size_t *nconflicts)
{
	struct insert x = { b, status, nconflicts };

	return sq__write(be, "insert", insert_tx, &x);
}

struct query {
	cb_rec_kind          k;
	int                  group;
	const cb_rec_filter *f;
	cb_rec_fn            fn;
	cb_rec_group_fn      gfn;
	void                *arg;
	int64_t             *count;
};

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

static int
list_tx(struct sq_conn *c, void *arg)
{
	struct query *q = arg;
	const cb_rec_desc *d = cb_rec_describe(q->k);
	sqlite3_stmt *s;
	cb_rec r;
	size_t i;
	int rc, step;

	if ((rc = sq__stmt(c, rec_sql[q->k][RS_LIST], &s)) != CB_OK)
		return rc;
	bind_filter(s, d, q->f);
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
		if (q->fn(q->arg, &r) != 0)
			return SQ_ROLLBACK;
	}
	return step == SQLITE_DONE ? CB_OK : sq__fail(c, step, "list");
}

int
sq__rec_list(void *be, cb_rec_kind k, const cb_rec_filter *f, cb_rec_fn fn, void *arg)
{
	struct query q = { .k = k, .f = f, .fn = fn, .arg = arg };

	return sq__read(be, "list", 0, list_tx, &q);
}

static int
report_tx(struct sq_conn *c, void *arg)
{
	struct query *q = arg;
	sqlite3_stmt *s;
	int rc, step;

	if ((rc = sq__stmt(c, rec_sql[q->k][RS_REPORT0 + q->group], &s)) != CB_OK)
		return rc;
	bind_filter(s, cb_rec_describe(q->k), q->f);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(s, 0);
		if (q->gfn(q->arg, key ? key : "", (const char *)sqlite3_column_text(s, 1),
		    (const char *)sqlite3_column_text(s, 2), sqlite3_column_int64(s, 3)) != 0)
			return SQ_ROLLBACK;
	}
	return step == SQLITE_DONE ? CB_OK : sq__fail(c, step, "report");
}

int
sq__rec_report(void *be, cb_rec_kind k, int group, const cb_rec_filter *f, cb_rec_group_fn fn,
    void *arg)
{
	struct query q = { .k = k, .group = group, .f = f, .gfn = fn, .arg = arg };

	return sq__read(be, "report", 0, report_tx, &q);
}

static int
count_tx(struct sq_conn *c, void *arg)
{
	struct query *q = arg;
	sqlite3_stmt *s;
	int rc, step;

	if ((rc = sq__stmt(c, rec_sql[q->k][RS_COUNT], &s)) != CB_OK)
		return rc;
	if ((step = sqlite3_step(s)) != SQLITE_ROW)
		return sq__fail(c, step, "count");
	*q->count = sqlite3_column_int64(s, 0);
	return CB_OK;
}

int
sq__rec_count(void *be, cb_rec_kind k, int64_t *out)
{
	struct query q = { .k = k, .count = out };

	return sq__read(be, "count", 0, count_tx, &q);
}
