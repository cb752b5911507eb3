/* SPDX-License-Identifier: Apache-2.0 */
/*
 * recdesc.c - the two kinds of record, as data: their fields, which are
 * required or nullable, which can filter a listing and how reports group
 * them.  Kept apart from records.c (no SQLite here) so that the request
 * validation built on it can be fuzzed alone.
 */
#include "store.h"

#include <string.h>

#define B(i) (1u << (i))

static const cb_rec_desc descs[CB_REC_KIND_COUNT] = {
	[CB_REC_INCIDENT] = {
		.name = "incident", .plural = "incidents",
		.code_set = "qe-reason", .context_dim = "rule",
		.nfields = 7,
		.fields = { "incident_id", "order_id", "rule", "reason_code", "reason",
		    "shop_id", "occurred_at" },
		.required = B(0) | B(1) | B(2) | B(3) | B(6),
		.nullable = B(4) | B(5),
		.filters = B(1) | B(2) | B(3) | B(5),
		.group_by = { "reason_code", "rule", "category", NULL },
	},
	[CB_REC_EVENT] = {
		.name = "event", .plural = "events",
		.code_set = "outbound", .context_dim = NULL,
		.nfields = 10,
		.fields = { "event_id", "service", "entity", "entity_id", "from_state",
		    "to_state", "reason_code", "reason", "actor", "occurred_at" },
		.required = B(0) | B(1) | B(2) | B(3) | B(5) | B(6) | B(8) | B(9),
		.nullable = B(4) | B(7),
		.filters = B(1) | B(2) | B(3) | B(5) | B(6) | B(8),
		.group_by = { "reason_code", "service", "category", NULL },
	},
};

const cb_rec_desc *
cb_rec_describe(cb_rec_kind k)
{
	return (unsigned)k < CB_REC_KIND_COUNT ? &descs[k] : NULL;
}

int
cb_rec_field_index(const cb_rec_desc *d, const char *name)
{
	size_t i;

	for (i = 0; d != NULL && name != NULL && i < d->nfields; i++)
		if (strcmp(d->fields[i], name) == 0)
			return (int)i;
	return -1;
}

