/* SPDX-License-Identifier: Apache-2.0 */
/*
 * schema.c - the schema versions every backend carries.  Version N means
 * the same tables, columns and rules on every backend: each backend keeps
 * its own SQL for step N in one numbered table (sqlite/sq_schema.c, later
 * pg/), records every step it applied in a table schema_migrations
 * (version, applied_at), and refuses a database whose version is newer
 * than CB_STORE_SCHEMA_VERSION.  A released step is never edited: a change
 * is a new step, written for every backend at once.
 */
#include "store_int.h"

const char *const store__schema_steps[CB_STORE_SCHEMA_VERSION] = {
	/* 1 */ "code-set versions, API keys, incidents, events",
	/* 2 */ "orders, their payments and the refund rows of each refund (seed 003)",
	/* 3 */ "idempotency keys of cancellation requests, kept with the refund they made (issue 9)",
	/* 4 */ ("the changes of each code-set version; codes seen in marketplace traffic that their set "
	    "does not hold (issue 10)"),
	/* 5 */ "the request budget of each shop and endpoint family; refund status Unknown (issue 12)",
	/* 6 */ "marketplace notifications (webhooks), each stored once; the marketplace's time of an "
	    "order's status and when it was last checked (issue 12)",
	/* 7 */ "marketplace shops: credentials, tokens and their expiry, attention (issue 12)",
	/* 8 */ ("usage evidence: how often each code of a set version was checked, stored and rejected "
	    "(issue 13)"),
};
