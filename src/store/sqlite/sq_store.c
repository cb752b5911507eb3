/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sq_store.c - the SQLite backend: one database file in WAL mode, opened
 * as one writer connection and a few readers, and the operations table
 * that the dispatcher (../store.c) calls.  The operations themselves live
 * in the module files (sq_sets.c, sq_keys.c, sq_records.c, sq_orders.c),
 * each over the transaction helpers of sq_tx.c.
 */
#include "sq_int.h"

#include <stdlib.h>

#include "alloc.h"
#ifdef CB_FAULT_INJECTION
#include "logger.h"
#include "sq_fault.h"
#endif

static void
sq_close(void *be)
{
	struct sq_store *st = be;
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nconns; i++) {
		sq__conn_close(&st->conns[i]);
		pthread_mutex_destroy(&st->conns[i].mu);
	}
	if (st->watch.db != NULL)
		sq__conn_close(&st->watch);
	pthread_mutex_destroy(&st->watch.mu);
	free(st->conn_copy);
	free(st->conns);
	free(st);
}

static int
sq_open(void **out, const struct store_target *t, unsigned nreaders, int *schema)
{
	struct sq_store *st;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = sq__rec_prepare()) != CB_OK)
		return rc;
	/* SQLite's memory, page caches above all, is bounded for the whole
	 * process, whatever the number of connections (one per server thread):
	 * past the limit SQLite recycles clean cache pages before it allocates */
	(void)sqlite3_soft_heap_limit64(SQ_HEAP_LIMIT);
#ifdef CB_FAULT_INJECTION
	if ((rc = sq__fault_from_uri(t->conn)) < 0)
		return cb__fail(CB_ERROR, "database %s: bad cbfault_ctl, or the fault-injecting VFS cannot be "
		    "registered", t->shown);
	if (rc == 1)
		cb_log(CB_LOG_WARN, "test build: SQLite faults are injected as cbfault_ctl says", t->shown);
#endif
	if ((st = cb__calloc(1, sizeof(*st))) == NULL ||
	    (st->conns = cb__calloc((size_t)nreaders + 1, sizeof(*st->conns))) == NULL) {
		free(st);
		return cb__fail(CB_ENOMEM, "out of memory");
	}
	for (i = 0; i <= nreaders; i++)
		pthread_mutex_init(&st->conns[i].mu, NULL);
	st->nconns = (size_t)nreaders + 1;
	pthread_mutex_init(&st->watch.mu, NULL);
	st->target = *t;
	if (t->conn == t->path)
		st->target.conn = st->target.path;
	else if ((st->conn_copy = cb__strdup(t->conn)) == NULL) {
		rc = cb__fail(CB_ENOMEM, "out of memory");
		goto fail;
	} else
		st->target.conn = st->conn_copy;
	if ((rc = sq__conn_open(&st->conns[0], t, 1)) != CB_OK ||
	    (rc = sq__migrate(st->conns[0].db, schema)) != CB_OK)
		goto fail;
	for (i = 1; i < st->nconns; i++)
		if ((rc = sq__conn_open(&st->conns[i], t, 0)) != CB_OK)
			goto fail;
	*out = st;
	return CB_OK;
fail:
	sq_close(st);
	return rc;
}

const struct cb_store_ops store__sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.set_get = sq__set_get,
	.set_put = sq__set_put,
	.set_publish = sq__set_publish,
	.set_watch = sq__set_watch,
	.set_versions = sq__set_versions,
	.set_each_latest = sq__set_each_latest,
	.shop_add = sq__shop_add,
	.shop_get = sq__shop_get,
	.shop_remove = sq__shop_remove,
	.shop_tokens = sq__shop_tokens,
	.shop_attention = sq__shop_attention,
	.key_add = sq__key_add,
	.key_revoke = sq__key_revoke,
	.key_find = sq__key_find,
	.key_each = sq__key_each,
	.rec_insert = sq__rec_insert,
	.rec_list = sq__rec_list,
	.rec_report = sq__rec_report,
	.rec_count = sq__rec_count,
	.order_put = sq__order_put,
	.order_get = sq__order_get,
	.order_list = sq__order_list,
	.refund_create = sq__refund_create,
	.refund_by_key = sq__refund_by_key,
	.pay_claim = sq__pay_claim,
	.pay_sending = sq__pay_sending,
	.pay_extend = sq__pay_extend,
	.pay_later = sq__pay_later,
	.pay_fail = sq__pay_fail,
	.pay_complete = sq__pay_complete,
	.pay_counts = sq__pay_counts,
	.obs_note = sq__obs_note,
	.obs_list = sq__obs_list,
	.usage_add = sq__usage_add,
	.usage_list = sq__usage_list,
	.refund_open_each = sq__refund_open_each,
	.budget_update = sq__budget_update,
	.budget_each = sq__budget_each,
	.budget_get = sq__budget_get,
	.pay_take = sq__pay_take,
	.hook_seen = sq__hook_seen,
	.hook_put = sq__hook_put,
	.order_mkt_status = sq__order_mkt_status,
	.order_checked = sq__order_checked,
	.pay_seize = sq__pay_seize,
};
