/* SPDX-License-Identifier: Apache-2.0 */
/*
 * orddesc.c - the names of order, payment, refund-row and cancel states, as
 * data.  Kept apart from orders.c (no SQLite here) so that the validation
 * of order requests built on it can be fuzzed alone (fuzz/fuzz_orders.c).
 * The names are part of the API and of the database: never rename one.
 */
#include "store.h"

#include <string.h>

static const char *const ord_status[CB_ORD_STATUS_COUNT] = {
	[CB_ORD_INCOMPLETE] = "Incomplete",
	[CB_ORD_READY] = "Ready for Shipping",
	[CB_ORD_SHIPPED] = "Shipped",
	[CB_ORD_DELIVERED] = "Delivered",
	[CB_ORD_CANCELLED] = "Cancelled",
};

static const char *const pay_type[CB_PAY_TYPE_COUNT] = {
	[CB_PAY_PAYMENT] = "Payment",
	[CB_PAY_REFUND] = "Refund",
};

static const char *const pay_status[CB_PAY_STATUS_COUNT] = {
	[CB_PAY_PENDING] = "Pending",
	[CB_PAY_PROCESSING] = "Processing",
	[CB_PAY_COMPLETED] = "Completed",
	[CB_PAY_ERROR] = "Error",
	[CB_PAY_UNKNOWN] = "Unknown",
};

static const char *const row_kind[CB_ROW_KIND_COUNT] = {
	[CB_ROW_ITEM_COST] = "item_cost",
	[CB_ROW_SHIPPING_COST] = "shipping_cost",
};

static const char *const cancel_state[CB_CANCEL_STATE_COUNT] = {
	[CB_CANCEL_NONE] = "none",
	[CB_CANCEL_SENDING] = "sending",
	[CB_CANCEL_PENDING] = "pending",
	[CB_CANCEL_DONE] = "done",
};

static int
find(const char *const *names, int n, const char *s, size_t len)
{
	int i;

	for (i = 0; s != NULL && i < n; i++)
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
			return i;
	return -1;
}

static const char *
name(const char *const *names, int n, int v)
{
	return v >= 0 && v < n ? names[v] : "?";
}

/* The name and the parse function of one table (names as above). */
#define NAMED(type, prefix, table, count)                                  \
	const char *                                                       \
	prefix##_name(type v)                                              \
	{                                                                  \
		return name(table, count, (int)v);                         \
	}                                                                  \
	int                                                                \
	prefix##_parse(const char *s, size_t len)                          \
	{                                                                  \
		return find(table, count, s, len);                         \
	}

NAMED(cb_ord_status, cb_ord_status, ord_status, CB_ORD_STATUS_COUNT)
NAMED(cb_pay_type, cb_pay_type, pay_type, CB_PAY_TYPE_COUNT)
NAMED(cb_pay_status, cb_pay_status, pay_status, CB_PAY_STATUS_COUNT)
NAMED(cb_row_kind, cb_row_kind, row_kind, CB_ROW_KIND_COUNT)
NAMED(cb_cancel_state, cb_cancel_state, cancel_state, CB_CANCEL_STATE_COUNT)
