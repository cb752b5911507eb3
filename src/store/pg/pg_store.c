/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pg_store.c - the PostgreSQL backend: a pool of libpq connections to the
 * database a postgresql:// URL names, and the operations table that the
 * dispatcher (../store.c) calls.  The operations live in the module files
 * (pg_sets.c, pg_keys.c, pg_records.c, pg_orders.c), each over the
 * transaction helpers of pg_tx.c.
 */
#include "pg_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

static void
pg_close(void *be)
{
	struct pg_store *st = be;
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nconns; i++) {
		pg__conn_close(&st->conns[i]);
		pthread_mutex_destroy(&st->conns[i].mu);
	}
	pg__conn_close(&st->watch);
	pthread_mutex_destroy(&st->watch.mu);
	pthread_mutex_destroy(&st->known_mu);
	free(st->conns);
	free(st->url);
	free(st);
}

static int
pg_open(void **out, const struct store_target *t, unsigned nreaders, int *schema)
{
	struct pg_store *st;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = pg__rec_prepare()) != CB_OK)
		return rc;
	if ((st = cb__calloc(1, sizeof(*st))) == NULL ||
	    (st->conns = cb__calloc((size_t)nreaders + 1, sizeof(*st->conns))) == NULL ||
	    (st->url = cb__strdup(t->conn)) == NULL) {
		if (st != NULL)
			free(st->conns);
		free(st);
		return cb__fail(CB_ENOMEM, "out of memory");
	}
	memcpy(st->shown, t->shown, sizeof(st->shown));
	/* libpq knows its schemes in lower case only */
	for (i = 0; st->url[i] != '\0' && st->url[i] != ':'; i++)
		st->url[i] = (char)tolower((unsigned char)st->url[i]);
	pthread_mutex_init(&st->known_mu, NULL);
	pthread_mutex_init(&st->watch.mu, NULL);
	st->watch.st = st;
	/* as many connections as SQLite's writer and readers: one per thread
	 * that may use the store at a time */
	for (i = 0; i <= nreaders; i++) {
		pthread_mutex_init(&st->conns[i].mu, NULL);
		st->conns[i].st = st;
	}
	st->nconns = (size_t)nreaders + 1;
	if ((rc = pg__conn_open(&st->conns[0], st)) != CB_OK ||
	    (rc = pg__migrate(&st->conns[0], schema)) != CB_OK)
		goto fail;
	/* this month's and the next: made ahead of the first batch; a failure
	 * (a read-only standby, a lock held too long) waits for that batch */
	(void)pg__rec_partitions_now(st);
	for (i = 1; i < st->nconns; i++)
		if ((rc = pg__conn_open(&st->conns[i], st)) != CB_OK)
			goto fail;
	*out = st;
	return CB_OK;
fail:
	pg_close(st);
	return rc;
}

const struct cb_store_ops store__pg_ops = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.set_get = pg__set_get,
	.set_put = pg__set_put,
	.set_publish = pg__set_publish,
	.set_watch = pg__set_watch,
	.set_versions = pg__set_versions,
	.set_each_latest = pg__set_each_latest,
	.shop_add = pg__shop_add,
	.shop_get = pg__shop_get,
	.shop_remove = pg__shop_remove,
	.shop_tokens = pg__shop_tokens,
	.shop_attention = pg__shop_attention,
	.key_add = pg__key_add,
	.key_revoke = pg__key_revoke,
	.key_find = pg__key_find,
	.key_each = pg__key_each,
	.rec_insert = pg__rec_insert,
	.rec_list = pg__rec_list,
	.rec_report = pg__rec_report,
	.rec_count = pg__rec_count,
	.order_put = pg__order_put,
	.order_get = pg__order_get,
	.order_list = pg__order_list,
	.refund_create = pg__refund_create,
	.refund_by_key = pg__refund_by_key,
	.pay_claim = pg__pay_claim,
	.pay_sending = pg__pay_sending,
	.pay_extend = pg__pay_extend,
	.pay_later = pg__pay_later,
	.pay_fail = pg__pay_fail,
	.pay_complete = pg__pay_complete,
	.pay_counts = pg__pay_counts,
	.obs_note = pg__obs_note,
	.usage_add = pg__usage_add,
	.usage_list = pg__usage_list,
	.obs_list = pg__obs_list,
	.refund_open_each = pg__refund_open_each,
	.budget_update = pg__budget_update,
	.budget_each = pg__budget_each,
	.budget_get = pg__budget_get,
	.pay_take = pg__pay_take,
	.hook_seen = pg__hook_seen,
	.hook_put = pg__hook_put,
	.order_mkt_status = pg__order_mkt_status,
	.order_checked = pg__order_checked,
	.pay_seize = pg__pay_seize,
};
