/* SPDX-License-Identifier: Apache-2.0 */
/*
 * records.c - incident reasons (seed 000) and outbound events (seed 002).
 *
 * Both are the same thing to the store: a row of client fields keyed by a
 * client-chosen id, plus what the check found (category, set version),
 * described by one table (recdesc.c).  Idempotency: each row keeps a
 * fingerprint, the SHA-256 of its client fields, computed here for every
 * backend.  Inserting a row whose id exists compares fingerprints: equal is
 * a replay (nothing to do), different is a conflict, and one conflict
 * rolls the whole batch back.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "rfc3339.h"

int
cb_store_rec_insert(cb_store *st, cb_rec_kind k, const cb_rec *recs, size_t n,
    const char *request_id, cb_rec_status *status, size_t *nconflicts)
{
	const cb_rec_desc *d = cb_rec_describe(k);
	unsigned char (*fps)[32] = NULL;
	struct store_rec_batch b;
	char now[CB_TIME_MAX];
	size_t i, j;
	int rc;

	if (st == NULL || d == NULL || (recs == NULL && n > 0) || status == NULL || nconflicts == NULL)
		return cb__fail(CB_EINVAL, "cb_store_rec_insert: bad argument");
	*nconflicts = 0;
	for (i = 0; i < n; i++)
		for (j = 0; j < d->nfields; j++)
			if (recs[i].v[j] != NULL && recs[i].len[j] > (size_t)INT32_MAX)
				return cb__fail(CB_ETOOBIG, "%s field too long", d->name);
	if (n > 0 && (fps = cb__calloc(n, sizeof(*fps))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	if ((rc = store__rec_fps(d, recs, n, fps)) != CB_OK)
		goto out;
	cb_time_now_iso(now);	/* one time for the batch: it is one transaction */
	b = (struct store_rec_batch){ k, recs, (const unsigned char (*)[32])fps, n, request_id, now };
	rc = store__note(st, st->ops->rec_insert(st->be, &b, status, nconflicts));
out:
	free(fps);
	return rc;
}

int
cb_store_rec_list(cb_store *st, cb_rec_kind k, const cb_rec_filter *f, cb_rec_fn fn, void *arg)
{
	if (st == NULL || cb_rec_describe(k) == NULL || f == NULL || fn == NULL)
		return cb__fail(CB_EINVAL, "cb_store_rec_list: bad argument");
	return st->ops->rec_list(st->be, k, f, fn, arg);
}

int
cb_store_rec_report(cb_store *st, cb_rec_kind k, const char *group,
    const cb_rec_filter *f, cb_rec_group_fn fn, void *arg)
{
	const cb_rec_desc *d = cb_rec_describe(k);
	int g;

	if (st == NULL || d == NULL || group == NULL || f == NULL || fn == NULL)
		return cb__fail(CB_EINVAL, "cb_store_rec_report: bad argument");
	for (g = 0; g < 4 && d->group_by[g] != NULL; g++)
		if (strcmp(d->group_by[g], group) == 0)
			break;
	if (g == 4 || d->group_by[g] == NULL)
		return cb__fail(CB_EINVAL, "%s cannot be grouped by \"%s\"", d->plural, group);
	return st->ops->rec_report(st->be, k, g, f, fn, arg);
}

int
cb_store_rec_count(cb_store *st, cb_rec_kind k, int64_t *out)
{
	if (st == NULL || cb_rec_describe(k) == NULL || out == NULL)
		return cb__fail(CB_EINVAL, "cb_store_rec_count: bad argument");
	return st->ops->rec_count(st->be, k, out);
}
