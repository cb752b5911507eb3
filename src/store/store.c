/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.c - the dispatcher: cb_store_open() parses the database name
 * (target.c), picks the backend that serves it and opens it; every other
 * public function (sets.c, keys.c, records.c, orders.c) checks its
 * arguments and calls st->ops.  docs/internals/store.md has the design.
 */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "rfc3339.h"

/* The backends of this build, by the kind of name that selects them. */
static const struct cb_store_ops *const backends[STORE_BE_COUNT] = {
	[STORE_BE_SQLITE] = &store__sqlite_ops,
	[STORE_BE_POSTGRES] = &store__pg_ops,
};

int
cb_store_open(cb_store **out, const char *db, unsigned nreaders)
{
	struct store_target *t = NULL;
	cb_store *st = NULL;
	int rc;

	if (out == NULL || db == NULL)
		return cb__fail(CB_EINVAL, "cb_store_open: NULL argument");
	*out = NULL;
	if ((t = cb__calloc(1, sizeof(*t))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	if ((rc = store__target_parse(t, db)) != CB_OK)
		goto out;
	if (backends[t->backend] == NULL) {
		rc = cb__fail(CB_EINVAL, "database \"%s\": this build of codebook has no backend for it",
		    t->shown);
		goto out;
	}
	if (nreaders > 64)
		nreaders = 64;
	if ((st = cb__calloc(1, sizeof(*st))) == NULL) {
		rc = cb__fail(CB_ENOMEM, "out of memory");
		goto out;
	}
	st->ops = backends[t->backend];
	if ((rc = st->ops->open(&st->be, t, nreaders, &st->schema)) != CB_OK) {
		free(st);
		goto out;
	}
	pthread_mutex_init(&st->health_mu, NULL);
	*out = st;
out:
	free(t);
	return rc;
}

void
cb_store_close(cb_store *st)
{
	if (st == NULL)
		return;
	st->ops->close(st->be);
	pthread_mutex_destroy(&st->health_mu);
	free(st);
}

int
cb_store_schema_version(const cb_store *st)
{
	return st ? st->schema : 0;
}

const char *
cb_store_backend(const cb_store *st)
{
	return st ? st->ops->name : "";
}

int
store__note(cb_store *st, int rc)
{
	cb_store_health *h = &st->health;

	if (rc != CB_EIO && rc != CB_EUNKNOWN && rc != CB_EUNAVAIL) {
		/* only a commit proves that writes work again: a refusal (conflict,
		 * nothing due, lease lost) may have written nothing at all, and
		 * CB_ENOMEM or CB_EINVAL say nothing of the database */
		if (rc != CB_OK)
			return rc;
		pthread_mutex_lock(&st->health_mu);
		h->last_ok_ms = cb_time_now_ms();
		h->fails_since_ok = 0;
		pthread_mutex_unlock(&st->health_mu);
		return rc;
	}
	pthread_mutex_lock(&st->health_mu);
	h->last_fail_ms = cb_time_now_ms();
	h->last_fail_rc = rc;
	h->fails_since_ok++;
	(void)snprintf(h->last_fail, sizeof(h->last_fail), "%s", cb_errmsg());
	pthread_mutex_unlock(&st->health_mu);
	return rc;
}

void
cb_store_health_get(cb_store *st, cb_store_health *out)
{
	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return;
	pthread_mutex_lock(&st->health_mu);
	*out = st->health;
	pthread_mutex_unlock(&st->health_mu);
}
