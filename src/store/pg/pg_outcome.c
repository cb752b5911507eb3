/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pg_outcome.c - the lease of one named refund on PostgreSQL (issue 12),
 * as sq_outcome.c on SQLite: an outcome observed outside the worker
 * settles the refund through the worker's lease-guarded transitions.
 */
#include "pg_int.h"

static const char sql_take[] =
    "UPDATE order_payments SET lease_owner = $2, lease_expires_ms = $3 + $4"
    " WHERE id = $1 AND type = 'Refund' AND status IN ('Pending', 'Processing', 'Unknown')"
    " AND (lease_owner IS NULL OR lease_expires_ms <= $3)";

struct take { int64_t id; const char *owner; int64_t now_ms, lease_ms; };

static int
take_tx(struct pg_conn *c, void *arg)
{
	struct take *t = arg;
	struct pg_params p = { 0 };
	int64_t changed = 0;
	int rc;

	pg__p_i64(&p, t->id);
	pg__p_text(&p, t->owner);
	pg__p_i64(&p, t->now_ms);
	pg__p_i64(&p, t->lease_ms);
	if ((rc = pg__run(c, sql_take, &p, "take a refund's lease", &changed)) != CB_OK)
		return rc;
	return changed == 0 ? CB_ENOTFOUND : CB_OK;
}

int
pg__pay_take(void *be, int64_t payment_id, const char *owner, int64_t now_ms, int64_t lease_ms)
{
	struct take t = { payment_id, owner, now_ms, lease_ms };

	return pg__write(be, "take a refund's lease", take_tx, &t);
}
