/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sq_outcome.c - the lease of one named refund on SQLite (issue 12): an
 * outcome observed outside the worker (a webhook, a person who looked on
 * the marketplace) settles the refund through the worker's own
 * lease-guarded transitions, after taking its lease as a worker would.
 */
#include "sq_int.h"

static const char sql_take[] =
    "UPDATE order_payments SET lease_owner = ?2, lease_expires_ms = ?3 + ?4"
    " WHERE id = ?1 AND type = 'Refund' AND status IN ('Pending', 'Processing', 'Unknown')"
    " AND (lease_owner IS NULL OR lease_expires_ms <= ?3)";

struct take { int64_t id; const char *owner; int64_t now_ms, lease_ms; };

static int
take_tx(struct sq_conn *c, void *arg)
{
	struct take *t = arg;
	sqlite3_stmt *s;
	int rc;

	if ((rc = sq__stmt(c, sql_take, &s)) != CB_OK)
		return rc;
	sqlite3_bind_int64(s, 1, t->id);
	sqlite3_bind_text(s, 2, t->owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, t->now_ms);
	sqlite3_bind_int64(s, 4, t->lease_ms);
	if ((rc = sq__run(c, s, "take a refund's lease")) != CB_OK)
		return rc;
	return sqlite3_changes(c->db) == 0 ? CB_ENOTFOUND : CB_OK;
}

int
sq__pay_take(void *be, int64_t payment_id, const char *owner, int64_t now_ms, int64_t lease_ms)
{
	struct take t = { payment_id, owner, now_ms, lease_ms };

	return sq__write(be, "take a refund's lease", take_tx, &t);
}
