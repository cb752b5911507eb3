/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pg_records.c - incidents and events on PostgreSQL.  Their SQL is
 * composed once per process from the constant names of the descriptor
 * table (../recdesc.c); values only ever reach the server as bound
 * parameters, a batch as binary arrays (one statement for its ids, one for
 * its rows, whatever its size).
 *
 * The tables are partitioned by month (pg_schema.c).  A batch:
 *   1. before its transaction, the partitions of its months are made to
 *      exist (cb_ensure_month(), remembered per process), so that no row
 *      lands in the default partition for want of one;
 *   2. in one transaction: the ids go into the key table (incident_ids,
 *      event_ids), sorted so that two batches sharing ids lock them in the
 *      same order; an id already there is a replay (same fingerprint) or
 *      a conflict, and any conflict rolls the batch back, as on SQLite;
 *   3. first of all, the transaction takes the kind's advisory lock in
 *      shared mode, which batches hold side by side until they end; a
 *      listing takes it alone before it reads, so that it never looks while
 *      a batch that drew its seqs is still uncommitted: a client paging
 *      with ?after= never skips a row committed late with a lower seq,
 *      which concurrent writers would otherwise allow.  SQLite needs none
 *      of this: its one writer commits in seq order.
 */
#include "pg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"

#define B(i) (1u << (i))

enum {
	RS_KEYS_NEW = 0, RS_KEYS, RS_KEYS_FP, RS_INSERT, RS_LIST, RS_COUNT, RS_REPORT0,
	RS_PER_KIND = RS_REPORT0 + 4
};

/* Parameters of the filter clause shared by list and report. */
enum { P_AFTER = 1, P_LIMIT = 2, P_CATEGORY = 3, P_SINCE = 4, P_UNTIL = 5, P_FIELD0 = 6 };

static const char SQL_SHARE[] = "SELECT pg_advisory_xact_lock_shared($1::int4, $2::int4)";
static const char SQL_ALONE[] = "SELECT pg_advisory_xact_lock($1::int4, $2::int4)";
static const char SQL_ENSURE[] = "SELECT cb_ensure_month($1, $2)";

static char *rec_sql[CB_REC_KIND_COUNT][RS_PER_KIND];
static int compose_rc = CB_ERROR;
static pthread_once_t compose_once = PTHREAD_ONCE_INIT;

static void
add_where(cb_buf *b, const cb_rec_desc *d)
{
	size_t i;

	cb_buf_printf(b, " WHERE seq > $%d AND ($%d::text IS NULL OR category = $%d)"
	    " AND ($%d::int8 IS NULL OR occurred_us >= $%d) AND ($%d::int8 IS NULL OR occurred_us < $%d)",
	    P_AFTER, P_CATEGORY, P_CATEGORY, P_SINCE, P_SINCE, P_UNTIL, P_UNTIL);
	for (i = 0; i < d->nfields; i++)
		if (d->filters & B(i))
			cb_buf_printf(b, " AND ($%zu::text IS NULL OR %s = $%zu)",
			    P_FIELD0 + i, d->fields[i], P_FIELD0 + i);
}

/* Compose the statements of every kind from the descriptor table: the
 * names are constants, never input.  Kept for the life of the process. */
static void
compose(void)
{
	size_t k, i, g, np;

	for (k = 0; k < CB_REC_KIND_COUNT; k++) {
		const cb_rec_desc *d = cb_rec_describe((cb_rec_kind)k);
		cb_buf b[RS_PER_KIND];

		for (i = 0; i < RS_PER_KIND; i++)
			cb_buf_init(&b[i], 1 << 16);
		/* new ids only (a plain insert: a quarter of the cost of ON CONFLICT) */
		cb_buf_printf(&b[RS_KEYS_NEW], "INSERT INTO %s_ids (%s, fp) SELECT u.id, u.fp"
		    " FROM unnest($1::text[], $2::bytea[]) AS u(id, fp) ORDER BY u.id COLLATE \"C\"",
		    d->name, d->fields[0]);
		cb_buf_printf(&b[RS_KEYS], "INSERT INTO %s_ids (%s, fp) SELECT u.id, u.fp"
		    " FROM unnest($1::text[], $2::bytea[]) AS u(id, fp) ORDER BY u.id COLLATE \"C\""
		    " ON CONFLICT DO NOTHING RETURNING %s", d->name, d->fields[0], d->fields[0]);
		cb_buf_printf(&b[RS_KEYS_FP], "SELECT %s, fp FROM %s_ids WHERE %s = ANY($1::text[])",
		    d->fields[0], d->name, d->fields[0]);

		/* one array per column, unnested side by side, in batch order (the
		 * seqs too: drawn as the rows come) */
		cb_buf_printf(&b[RS_INSERT], "INSERT INTO %s (", d->plural);
		for (i = 0; i < d->nfields; i++)
			cb_buf_printf(&b[RS_INSERT], "%s, ", d->fields[i]);
		cb_buf_adds(&b[RS_INSERT], "category, set_version, fp, occurred_us, request_id, received_at) SELECT ");
		np = d->nfields;
		for (i = 0; i < d->nfields; i++)
			cb_buf_printf(&b[RS_INSERT], "u.c%zu, ", i);
		cb_buf_printf(&b[RS_INSERT], "u.cat, u.sv, u.fp, u.us, $%zu, $%zu FROM unnest(", np + 5, np + 6);
		for (i = 0; i < d->nfields; i++)
			cb_buf_printf(&b[RS_INSERT], "$%zu::text[], ", i + 1);
		cb_buf_printf(&b[RS_INSERT], "$%zu::text[], $%zu::int8[], $%zu::bytea[], $%zu::int8[])"
		    " WITH ORDINALITY AS u(", np + 1, np + 2, np + 3, np + 4);
		for (i = 0; i < d->nfields; i++)
			cb_buf_printf(&b[RS_INSERT], "c%zu, ", i);
		cb_buf_adds(&b[RS_INSERT], "cat, sv, fp, us, ord) ORDER BY u.ord");

		cb_buf_adds(&b[RS_LIST], "SELECT seq");
		for (i = 0; i < d->nfields; i++)
			cb_buf_printf(&b[RS_LIST], ", %s", d->fields[i]);
		cb_buf_printf(&b[RS_LIST], ", category, set_version, received_at FROM %s", d->plural);
		add_where(&b[RS_LIST], d);
		cb_buf_printf(&b[RS_LIST], " ORDER BY seq LIMIT $%d", P_LIMIT);

		cb_buf_printf(&b[RS_COUNT], "SELECT count(*) FROM %s", d->plural);

		/* byte order and NULLs first, as SQLite sorts */
		for (g = 0; g < 4 && d->group_by[g] != NULL; g++) {
			cb_buf *r = &b[RS_REPORT0 + g];
			cb_buf_printf(r, "SELECT %s, reason_code, MAX(category COLLATE \"C\"), count(*) FROM %s",
			    d->group_by[g], d->plural);
			add_where(r, d);
			cb_buf_printf(r, " GROUP BY %s, reason_code"
			    " ORDER BY %s COLLATE \"C\" NULLS FIRST, reason_code COLLATE \"C\"",
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
pg__rec_prepare(void)
{
	pthread_once(&compose_once, compose);
	return compose_rc == CB_OK ? CB_OK : cb__fail(CB_ENOMEM, "out of memory (record statements)");
}

/* ---- partitions ---------------------------------------------------------- */

/* Months since 1970-01 of @us (UTC), rounding toward the past. */
static int32_t
month_of(int64_t us)
{
	int64_t s = us / 1000000 - (us % 1000000 < 0 ? 1 : 0);
	time_t t = (time_t)s;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		return INT32_MIN;
	return (int32_t)((tm.tm_year - 70) * 12 + tm.tm_mon);
}

/* Microseconds at the start of month @m (months since 1970-01). */
static int64_t
month_start(int32_t m)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 70 + (m >= 0 ? m / 12 : -((-m + 11) / 12));
	tm.tm_mon = m - (tm.tm_year - 70) * 12;
	tm.tm_mday = 1;
	return (int64_t)timegm(&tm) * 1000000;
}

/* Partitions are made on demand for months from 20 years back to one
 * ahead: rows further off (a clock gone wrong, a typo in a year) go to the
 * default partition rather than each making a table. */
#define PAST_MONTHS   240
#define FUTURE_MONTHS 12

static int
known(struct pg_store *st, cb_rec_kind k, int32_t m, int add)
{
	size_t i;
	int found = 0;

	pthread_mutex_lock(&st->known_mu);
	for (i = 0; i < st->nknown[k] && !found; i++)
		found = st->known[k][i] == m;
	if (!found && add && st->nknown[k] < PG_KNOWN_MONTHS)
		st->known[k][st->nknown[k]++] = m;
	pthread_mutex_unlock(&st->known_mu);
	return found;
}

struct ensure { struct pg_store *st; cb_rec_kind k; const int32_t *months; size_t n; };

static int
ensure_tx(struct pg_conn *c, void *arg)
{
	struct ensure *e = arg;
	struct pg_params p;
	size_t i;
	int rc;

	/* each in a transaction of its own (autocommit): DDL, quickly done */
	for (i = 0; i < e->n; i++) {
		memset(&p, 0, sizeof(p));
		pg__p_text(&p, cb_rec_describe(e->k)->plural);
		pg__p_i64(&p, month_start(e->months[i]));
		if ((rc = pg__run(c, SQL_ENSURE, &p, "create a partition", NULL)) != CB_OK)
			return rc;
		known(e->st, e->k, e->months[i], 1);
	}
	return CB_OK;
}

/* The partitions of the months of @b that are not known to exist. */
static int
ensure_partitions(struct pg_store *st, const struct store_rec_batch *b)
{
	int32_t want[16], now = month_of((int64_t)time(NULL) * 1000000), m;
	size_t i, j, n = 0;
	struct ensure e;

	for (i = 0; i < b->n && n < sizeof(want) / sizeof(want[0]); i++) {
		m = month_of(b->recs[i].time_us);
		if (m == INT32_MIN || m < now - PAST_MONTHS || m > now + FUTURE_MONTHS || known(st, b->kind, m, 0))
			continue;
		for (j = 0; j < n && want[j] != m; j++)
			;
		if (j == n)
			want[n++] = m;
	}
	if (n == 0)
		return CB_OK;
	e = (struct ensure){ st, b->kind, want, n };
	return pg__read(st, "create a partition", PG_READ_PLAIN, ensure_tx, &e);
}

int
pg__rec_partitions_now(struct pg_store *st)
{
	int32_t now = month_of((int64_t)time(NULL) * 1000000), months[2] = { now, now + 1 };
	struct ensure e;
	size_t k;
	int rc = CB_OK;

	for (k = 0; k < CB_REC_KIND_COUNT && rc == CB_OK; k++) {
		e = (struct ensure){ st, (cb_rec_kind)k, months, 2 };
		rc = pg__read(st, "create a partition", PG_READ_PLAIN, ensure_tx, &e);
	}
	return rc;
}

/* ---- insert ---------------------------------------------------------------- */

/* Ids of a batch, hashed: the first record of each id. */
struct ids {
	size_t       *slot;      /* record index + 1; 0 empty */
	size_t        mask;
	const cb_rec *recs;
};

static size_t
hash_id(const char *s, size_t len)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * UINT64_C(0x100000001b3);
	return (size_t)h;
}

/* The first record with id @s, or (when @add) @add_i once recorded; SIZE_MAX if none. */
static size_t
ids_find(struct ids *x, const char *s, size_t len, size_t add_i, int add)
{
	size_t i;

	for (i = hash_id(s, len) & x->mask; x->slot[i] != 0; i = (i + 1) & x->mask) {
		const cb_rec *r = &x->recs[x->slot[i] - 1];
		if (r->len[0] == len && memcmp(r->v[0], s, len) == 0)
			return x->slot[i] - 1;
	}
	if (!add)
		return SIZE_MAX;
	x->slot[i] = add_i + 1;
	return add_i;
}

struct insert {
	struct pg_store              *st;
	int                           fast;      /* assume every id is new (insert_new_keys) */
	const struct store_rec_batch *b;
	cb_rec_status                *status;
	size_t                       *nconflicts;
	/* per record: the first of its id; whether that one is new; the stored fingerprint */
	size_t                       *first;
	unsigned char                *isnew;
	unsigned char               (*stored)[32];
	struct ids                    ids;
};

/* The common case: every id of the batch is new.  Insert them all with a
 * plain INSERT; one that exists fails it (CB_ECONFLICT, unique_violation),
 * and the caller runs the batch again the careful way. */
static int
insert_new_keys(struct pg_conn *c, struct insert *x, size_t *nnew)
{
	const struct store_rec_batch *b = x->b;
	struct pg_array ids, fps;
	struct pg_params p = { 0 };
	size_t i;
	int rc;

	*nnew = 0;
	pg__arr_init(&ids, PG_OID_TEXT);
	pg__arr_init(&fps, PG_OID_BYTEA);
	for (i = 0; i < b->n; i++)
		if (x->first[i] == i) {
			pg__arr_add(&ids, b->recs[i].v[0], b->recs[i].len[0]);
			pg__arr_add(&fps, b->fps[i], 32);
			x->isnew[i] = 1;
			(*nnew)++;
		}
	if ((rc = pg__arr_done(&ids)) == CB_OK && (rc = pg__arr_done(&fps)) == CB_OK) {
		pg__p_raw(&p, ids.b.p, ids.b.len, PG_OID_TEXT_ARRAY);
		pg__p_raw(&p, fps.b.p, fps.b.len, PG_OID_BYTEA_ARRAY);
		rc = pg__run(c, rec_sql[b->kind][RS_KEYS_NEW], &p, "insert", NULL);
	}
	pg__arr_free(&ids);
	pg__arr_free(&fps);
	return rc;
}

/* Send the ids of the batch (first occurrences) to the key table; mark
 * the new ones, and fetch the fingerprints of the others. */
static int
insert_keys(struct pg_conn *c, struct insert *x, size_t *nnew)
{
	const struct store_rec_batch *b = x->b;
	struct pg_array ids, fps;
	struct pg_params p = { 0 };
	PGresult *r = NULL;
	size_t i, nuniq = 0;
	int rc, row;

	*nnew = 0;
	pg__arr_init(&ids, PG_OID_TEXT);
	pg__arr_init(&fps, PG_OID_BYTEA);
	for (i = 0; i < b->n; i++)
		if (x->first[i] == i) {
			pg__arr_add(&ids, b->recs[i].v[0], b->recs[i].len[0]);
			pg__arr_add(&fps, b->fps[i], 32);
			nuniq++;
		}
	if ((rc = pg__arr_done(&ids)) != CB_OK || (rc = pg__arr_done(&fps)) != CB_OK)
		goto out;
	pg__p_raw(&p, ids.b.p, ids.b.len, PG_OID_TEXT_ARRAY);
	pg__p_raw(&p, fps.b.p, fps.b.len, PG_OID_BYTEA_ARRAY);
	if ((rc = pg__exec(c, rec_sql[b->kind][RS_KEYS], &p, "insert", &r)) != CB_OK)
		goto out;
	for (row = 0; row < PQntuples(r); row++) {
		i = ids_find(&x->ids, PQgetvalue(r, row, 0), (size_t)PQgetlength(r, row, 0), 0, 0);
		if (i != SIZE_MAX && !x->isnew[i]) {
			x->isnew[i] = 1;
			(*nnew)++;
		}
	}
	PQclear(r);
	r = NULL;
	if (*nnew == nuniq)
		goto out;
	/* the ids that were there: their fingerprints */
	pg__arr_free(&ids);
	pg__arr_init(&ids, PG_OID_TEXT);
	for (i = 0; i < b->n; i++)
		if (x->first[i] == i && !x->isnew[i])
			pg__arr_add(&ids, b->recs[i].v[0], b->recs[i].len[0]);
	if ((rc = pg__arr_done(&ids)) != CB_OK)
		goto out;
	memset(&p, 0, sizeof(p));
	pg__p_raw(&p, ids.b.p, ids.b.len, PG_OID_TEXT_ARRAY);
	if ((rc = pg__exec(c, rec_sql[b->kind][RS_KEYS_FP], &p, "read fingerprints", &r)) != CB_OK)
		goto out;
	for (row = 0; row < PQntuples(r); row++) {
		i = ids_find(&x->ids, PQgetvalue(r, row, 0), (size_t)PQgetlength(r, row, 0), 0, 0);
		if (i != SIZE_MAX && !pg__bytea(r, row, 1, x->stored[i], 32))
			memset(x->stored[i], 0, 32);	/* not a fingerprint: compares unequal */
	}
out:
	PQclear(r);
	pg__arr_free(&ids);
	pg__arr_free(&fps);
	return rc;
}

/* Insert the new records, in batch order. */
static int
insert_rows(struct pg_conn *c, struct insert *x)
{
	const struct store_rec_batch *b = x->b;
	const cb_rec_desc *d = cb_rec_describe(b->kind);
	struct pg_array col[CB_REC_MAX_FIELDS + 4];
	struct pg_params p = { 0 };
	size_t i, j, ncol = d->nfields + 4;
	int rc = CB_OK;

	for (j = 0; j < d->nfields; j++)
		pg__arr_init(&col[j], PG_OID_TEXT);
	pg__arr_init(&col[d->nfields], PG_OID_TEXT);
	pg__arr_init(&col[d->nfields + 1], PG_OID_INT8);
	pg__arr_init(&col[d->nfields + 2], PG_OID_BYTEA);
	pg__arr_init(&col[d->nfields + 3], PG_OID_INT8);
	for (i = 0; i < b->n; i++) {
		const cb_rec *r = &b->recs[i];
		if (x->first[i] != i || !x->isnew[i])
			continue;
		for (j = 0; j < d->nfields; j++)
			pg__arr_add(&col[j], r->v[j], r->len[j]);
		pg__arr_add(&col[d->nfields], r->category ? r->category : "", r->category ? strlen(r->category) : 0);
		pg__arr_add_i64(&col[d->nfields + 1], r->set_version);
		pg__arr_add(&col[d->nfields + 2], b->fps[i], 32);
		pg__arr_add_i64(&col[d->nfields + 3], r->time_us);
	}
	for (j = 0; j < ncol && rc == CB_OK; j++)
		if ((rc = pg__arr_done(&col[j])) == CB_OK)
			pg__p_raw(&p, col[j].b.p, col[j].b.len, j < d->nfields || j == d->nfields ? PG_OID_TEXT_ARRAY :
			    j == d->nfields + 2 ? PG_OID_BYTEA_ARRAY : PG_OID_INT8_ARRAY);
	pg__p_text(&p, b->request_id);
	pg__p_text(&p, b->now);
	if (rc == CB_OK)
		rc = pg__run(c, rec_sql[b->kind][RS_INSERT], &p, "insert", NULL);
	for (j = 0; j < ncol; j++)
		pg__arr_free(&col[j]);
	return rc;
}

static int
insert_tx(struct pg_conn *c, void *arg)
{
	struct insert *x = arg;
	const struct store_rec_batch *b = x->b;
	struct pg_params p = { 0 };
	size_t i, nnew, conflicts = 0;
	int rc;

	/* before any seq is drawn: a listing waits for the batch to end */
	pg__p_i64(&p, PG_LOCK_NS);
	pg__p_i64(&p, PG_LOCK_SEQ0 + (int64_t)b->kind);
	if ((rc = pg__run(c, SQL_SHARE, &p, "insert", NULL)) != CB_OK)
		return rc;
	memset(x->isnew, 0, b->n);
	if ((rc = (x->fast ? insert_new_keys : insert_keys)(c, x, &nnew)) != CB_OK)
		return rc;
	for (i = 0; i < b->n; i++) {
		size_t f = x->first[i];
		/* an id stored before, or earlier in this batch: compare with what is stored */
		const unsigned char *fp = x->isnew[f] ? b->fps[f] : x->stored[f];
		if (i == f && x->isnew[i])
			x->status[i] = CB_REC_CREATED;
		else if (memcmp(fp, b->fps[i], 32) == 0)
			x->status[i] = CB_REC_UNCHANGED;
		else {
			x->status[i] = CB_REC_CONFLICT;
			conflicts++;
		}
	}
	*x->nconflicts = conflicts;
	if (conflicts > 0 || nnew == 0)
		return PG_ROLLBACK;	/* all or nothing; or nothing to write */
	return insert_rows(c, x);
}

int
pg__rec_insert(void *be, const struct store_rec_batch *b, cb_rec_status *status, size_t *nconflicts)
{
	struct pg_store *st = be;
	struct insert x = { st, 1, b, status, nconflicts, NULL, NULL, NULL, { NULL, 0, b->recs } };
	size_t i, nslots = 16;
	int rc;

	*nconflicts = 0;
	if (b->n == 0)
		return CB_OK;
	while (nslots < 2 * b->n)
		nslots *= 2;
	if ((x.first = cb__calloc(b->n, sizeof(*x.first))) == NULL ||
	    (x.isnew = cb__calloc(b->n, 1)) == NULL ||
	    (x.stored = cb__calloc(b->n, sizeof(*x.stored))) == NULL ||
	    (x.ids.slot = cb__calloc(nslots, sizeof(*x.ids.slot))) == NULL) {
		rc = cb__fail(CB_ENOMEM, "out of memory");
		goto out;
	}
	x.ids.mask = nslots - 1;
	for (i = 0; i < b->n; i++) {
		x.first[i] = ids_find(&x.ids, b->recs[i].v[0] ? b->recs[i].v[0] : "", b->recs[i].len[0], i, 1);
		/* an id twice with two contents: judged against what is stored */
		if (x.first[i] != i && memcmp(b->fps[i], b->fps[x.first[i]], 32) != 0)
			x.fast = 0;
	}
	/* a failure here is no reason to refuse the batch: its rows then go
	 * to the default partition */
	(void)ensure_partitions(st, b);
	rc = pg__write(st, "insert", insert_tx, &x);
	if (rc == CB_ECONFLICT && x.fast) {
		/* an id was there already (a replay): again, comparing fingerprints */
		x.fast = 0;
		rc = pg__write(st, "insert", insert_tx, &x);
	}
out:
	free(x.first);
	free(x.isnew);
	free(x.stored);
	free(x.ids.slot);
	return rc;
}

/* ---- queries ---------------------------------------------------------------- */

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
bind_filter(struct pg_params *p, const cb_rec_desc *d, const cb_rec_filter *f)
{
	size_t i;

	pg__p_i64(p, f->after_seq);
	pg__p_i64(p, f->limit);
	pg__p_text(p, f->category);
	if (f->has_since)
		pg__p_i64(p, f->since_us);
	else
		pg__p_raw(p, NULL, 0, PG_OID_INT8);
	if (f->has_until)
		pg__p_i64(p, f->until_us);
	else
		pg__p_raw(p, NULL, 0, PG_OID_INT8);
	for (i = 0; i < d->nfields; i++)
		pg__p_text(p, (d->filters & B(i)) ? f->eq[i] : NULL);
}

static int
list_tx(struct pg_conn *c, void *arg)
{
	struct query *q = arg;
	const cb_rec_desc *d = cb_rec_describe(q->k);
	struct pg_params p = { 0 }, lock = { 0 };
	PGresult *res;
	cb_rec r;
	size_t i;
	int rc, row;

	/* alone: no batch is between drawing its seqs and its end */
	pg__p_i64(&lock, PG_LOCK_NS);
	pg__p_i64(&lock, PG_LOCK_SEQ0 + (int64_t)q->k);
	if ((rc = pg__run(c, SQL_ALONE, &lock, "list", NULL)) != CB_OK)
		return rc;
	bind_filter(&p, d, q->f);
	if ((rc = pg__exec(c, rec_sql[q->k][RS_LIST], &p, "list", &res)) != CB_OK)
		return rc;
	for (row = 0; row < PQntuples(res); row++) {
		memset(&r, 0, sizeof(r));
		r.seq = pg__i64(res, row, 0);
		for (i = 0; i < d->nfields; i++) {
			r.v[i] = pg__val(res, row, (int)i + 1);
			r.len[i] = (size_t)PQgetlength(res, row, (int)i + 1);
		}
		r.category = pg__val(res, row, (int)d->nfields + 1);
		r.set_version = (int)pg__i64(res, row, (int)d->nfields + 2);
		r.received_at = pg__val(res, row, (int)d->nfields + 3);
		if (q->fn(q->arg, &r) != 0)
			break;
	}
	PQclear(res);
	return CB_OK;
}

int
pg__rec_list(void *be, cb_rec_kind k, const cb_rec_filter *f, cb_rec_fn fn, void *arg)
{
	struct query q = { .k = k, .f = f, .fn = fn, .arg = arg };

	return pg__read(be, "list", PG_READ_LOCKED, list_tx, &q);
}

static int
report_tx(struct pg_conn *c, void *arg)
{
	struct query *q = arg;
	struct pg_params p = { 0 };
	PGresult *res;
	int rc, row;

	bind_filter(&p, cb_rec_describe(q->k), q->f);
	if ((rc = pg__exec(c, rec_sql[q->k][RS_REPORT0 + q->group], &p, "report", &res)) != CB_OK)
		return rc;
	for (row = 0; row < PQntuples(res); row++) {
		const char *key = pg__val(res, row, 0);
		if (q->gfn(q->arg, key ? key : "", pg__val(res, row, 1), pg__val(res, row, 2),
		    pg__i64(res, row, 3)) != 0)
			break;
	}
	PQclear(res);
	return CB_OK;
}

int
pg__rec_report(void *be, cb_rec_kind k, int group, const cb_rec_filter *f, cb_rec_group_fn fn,
    void *arg)
{
	struct query q = { .k = k, .group = group, .f = f, .gfn = fn, .arg = arg };

	return pg__read(be, "report", PG_READ_PLAIN, report_tx, &q);
}

static int
count_tx(struct pg_conn *c, void *arg)
{
	struct query *q = arg;
	PGresult *res;
	int rc;

	if ((rc = pg__exec(c, rec_sql[q->k][RS_COUNT], NULL, "count", &res)) != CB_OK)
		return rc;
	*q->count = pg__i64(res, 0, 0);
	PQclear(res);
	return CB_OK;
}

int
pg__rec_count(void *be, cb_rec_kind k, int64_t *out)
{
	struct query q = { .k = k, .count = out };

	return pg__read(be, "count", PG_READ_PLAIN, count_tx, &q);
}
