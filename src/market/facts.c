/* SPDX-License-Identifier: Apache-2.0 */
/*
 * facts.c - what the marketplace is, tabled once: its order statuses (name,
 * legacy number, what they are in codebook's terms and which reverse-reason
 * list value applies), the cancel statuses of its cancellation requests,
 * and its endpoints (path, method, how each is authenticated).  The client,
 * the orders domain and the simulator all read these tables; none keeps a
 * copy (docs/marketplace.md, "Order statuses" and "Operations").
 */
#include "market_int.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* order statuses (MARKETPLACE.md), in the order of their legacy numbers */

static const cb_mkt_status statuses[] = {
	{ "UNPAID", 100, CB_MKT_CLASS_INCOMPLETE },
	{ "ON_HOLD", 105, CB_MKT_CLASS_READY },
	{ "AWAITING_SHIPMENT", 111, CB_MKT_CLASS_READY },
	{ "AWAITING_COLLECTION", 112, CB_MKT_CLASS_SHIPPED },
	{ "PARTIALLY_SHIPPING", 114, CB_MKT_CLASS_SHIPPED },
	{ "IN_TRANSIT", 121, CB_MKT_CLASS_SHIPPED },
	{ "DELIVERED", 122, CB_MKT_CLASS_DELIVERED },
	{ "COMPLETED", 130, CB_MKT_CLASS_DELIVERED },
	{ "CANCELLED", 140, CB_MKT_CLASS_CANCELLED },
};
#define NSTATUSES (sizeof(statuses) / sizeof(statuses[0]))

const cb_mkt_status *
cb_mkt_status_at(size_t i)
{
	return i < NSTATUSES ? &statuses[i] : NULL;
}

size_t
cb_mkt_status_count(void)
{
	return NSTATUSES;
}

void
cb_mkt_status_names(char *out, size_t size)
{
	size_t i, o = 0;

	if (size == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < NSTATUSES && o < size; i++)
		o += (size_t)snprintf(out + o, size - o, "%s%s", i ? ", " : "", statuses[i].name);
}

const cb_mkt_status *
cb_mkt_status_find(const char *s, size_t len)
{
	char num[8];
	size_t i;

	for (i = 0; s != NULL && i < NSTATUSES; i++) {
		size_t nl = (size_t)snprintf(num, sizeof(num), "%d", statuses[i].legacy);
		if ((strlen(statuses[i].name) == len && memcmp(statuses[i].name, s, len) == 0) ||
		    (nl == len && memcmp(num, s, len) == 0))
			return &statuses[i];
	}
	return NULL;
}

const char *
cb_mkt_status_from_legacy(int legacy)
{
	size_t i;

	for (i = 0; i < NSTATUSES; i++)
		if (statuses[i].legacy == legacy)
			return statuses[i].name;
	return NULL;
}

int
cb_mkt_status_to_legacy(const char *status)
{
	const cb_mkt_status *st = status != NULL ? cb_mkt_status_find(status, strlen(status)) : NULL;

	/* by name only: a number is not a status name */
	return st != NULL && strcmp(st->name, status) == 0 ? st->legacy : -1;
}

const char *
cb_mkt_reason_status(const cb_mkt_config *cfg, cb_mkt_class cls)
{
	if (cfg == NULL)
		return NULL;
	switch (cls) {
	case CB_MKT_CLASS_INCOMPLETE: return cfg->status_incomplete;
	case CB_MKT_CLASS_READY: return cfg->status_ready_for_shipping;
	case CB_MKT_CLASS_SHIPPED:
	case CB_MKT_CLASS_DELIVERED:
	case CB_MKT_CLASS_CANCELLED:
		break;
	}
	return NULL;	/* the seller cannot cancel it: no reason applies */
}

/* ------------------------------------------------------------------ */
/* cancel statuses of the current API */

static const struct {
	const char         *name;
	cb_mkt_cancel_state state;
} cancel_states[] = {
	{ "CANCELLATION_REQUEST_PENDING", CB_MKT_CANCEL_PENDING },
	{ "CANCELLATION_REQUEST_SUCCESS", CB_MKT_CANCEL_SUCCESS },
	{ "CANCELLATION_REQUEST_CANCEL", CB_MKT_CANCEL_REFUSED },
	{ "CANCELLATION_REQUEST_COMPLETE", CB_MKT_CANCEL_COMPLETE },
};

cb_mkt_cancel_state
cb_mkt_cancel_state_parse(const char *status)
{
	size_t i;

	for (i = 0; status != NULL && i < sizeof(cancel_states) / sizeof(cancel_states[0]); i++)
		if (strcmp(status, cancel_states[i].name) == 0)
			return cancel_states[i].state;
	return CB_MKT_CANCEL_UNKNOWN;
}

const char *
cb_mkt_cancel_status(cb_mkt_cancel_state s)
{
	size_t i;

	for (i = 0; i < sizeof(cancel_states) / sizeof(cancel_states[0]); i++)
		if (cancel_states[i].state == s)
			return cancel_states[i].name;
	return NULL;
}

const char *
cb_mkt_cancel_state_name(cb_mkt_cancel_state s)
{
	static const char *const names[] = { "unknown", "done", "pending", "success", "refused", "complete" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

/* ------------------------------------------------------------------ */
/* endpoints */

static const cb_mkt_endpoint endpoints[CB_MKT_EP_COUNT] = {
	[CB_MKT_EP_REASONS] = { "/api/reverse/reverse_reason/list", "GET", 1, 0, 0 },
	[CB_MKT_EP_CANCEL_LEGACY] = { "/api/reverse/order/cancel", "POST", 1, 0, 1 },
	[CB_MKT_EP_CANCEL] = { "/return_refund/202309/cancellations", "POST", 0, 1, 1 },
	[CB_MKT_EP_SEARCH] = { "/return_refund/202309/cancellations/search", "POST", 0, 1, 0 },
	[CB_MKT_EP_ORDERS] = { "/order/202309/orders", "GET", 0, 1, 0 },
	[CB_MKT_EP_SHOPS] = { "/authorization/202309/shops", "GET", 0, 0, 0 },
};

const cb_mkt_endpoint *
cb_mkt_endpoint_get(cb_mkt_ep ep)
{
	return (unsigned)ep < CB_MKT_EP_COUNT ? &endpoints[ep] : NULL;
}
