/* SPDX-License-Identifier: Apache-2.0 */
/*
 * usage.c - usage evidence (issue 13): the counts the service adds in
 * batches, checked here once for every backend.
 */
#include "store_int.h"

#include <string.h>

int
cb_store_usage_add(cb_store *st, const cb_store_usage *rows, size_t n)
{
	size_t i;

	if (st == NULL || (rows == NULL && n > 0) || n > CB_STORE_USAGE_BATCH)
		return cb__fail(CB_EINVAL, "cb_store_usage_add: NULL argument or more than %d rows",
		    CB_STORE_USAGE_BATCH);
	for (i = 0; i < n; i++) {
		const cb_store_usage *u = &rows[i];
		if (u->set == NULL || u->set[0] == '\0' || u->code == NULL || u->code[0] == '\0' || u->version < 1 ||
		    u->checked < 0 || u->stored < 0 || u->rejected < 0 || u->last_seen == NULL ||
		    strlen(u->code) > CB_STORE_OBS_MAX)
			return cb__fail(CB_EINVAL, "cb_store_usage_add: row %zu: a name, code, version, count or time "
			    "is missing or out of range", i);
	}
	if (n == 0)
		return CB_OK;
	STORE_NEED_OP(st, usage_add);
	return st->ops->usage_add(st->be, rows, n);
}

int
cb_store_usage_list(cb_store *st, const char *set, cb_store_usage_fn fn, void *arg)
{
	if (st == NULL || set == NULL || fn == NULL)
		return cb__fail(CB_EINVAL, "cb_store_usage_list: NULL argument");
	STORE_NEED_OP(st, usage_list);
	return st->ops->usage_list(st->be, set, fn, arg);
}
