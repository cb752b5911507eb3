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

const char *
cb_ord_status_name(cb_ord_status s)
{
	return name(ord_status, CB_ORD_STATUS_COUNT, (int)s);
}

int
cb_ord_status_parse(const char *s, size_t len)
{
	return find(ord_status, CB_ORD_STATUS_COUNT, s, len);
}

const char *
cb_pay_type_name(cb_pay_type t)
{
	return name(pay_type, CB_PAY_TYPE_COUNT, (int)t);
}

int
cb_pay_type_parse(const char *s, size_t len)
{
	return find(pay_type, CB_PAY_TYPE_COUNT, s, len);
}

const char *
cb_pay_status_name(cb_pay_status s)
{
	return name(pay_status, CB_PAY_STATUS_COUNT, (int)s);
}

int
cb_pay_status_parse(const char *s, size_t len)
{
	return find(pay_status, CB_PAY_STATUS_COUNT, s, len);
}

const char *
cb_row_kind_name(cb_row_kind k)
{
	return name(row_kind, CB_ROW_KIND_COUNT, (int)k);
}

int
cb_row_kind_parse(const char *s, size_t len)
{
	return find(row_kind, CB_ROW_KIND_COUNT, s, len);
}

const char *
cb_cancel_state_name(cb_cancel_state s)
{
	return name(cancel_state, CB_CANCEL_STATE_COUNT, (int)s);
}

int
cb_cancel_state_parse(const char *s, size_t len)
{
	return find(cancel_state, CB_CANCEL_STATE_COUNT, s, len);
}
