/* SPDX-License-Identifier: Apache-2.0 */
/*
 * orders_int.h - private to src/orders: how codebook's order statuses and
 * the marketplace's classes of status line up.
 */
#ifndef CB_ORDERS_INT_H
#define CB_ORDERS_INT_H

#include "../store/store.h"
#include "market.h"

/* src/market tables the marketplace's statuses by what they are in
 * codebook's terms; the two enumerations are numbered alike, so a status
 * converts both ways by value. */
_Static_assert((int)CB_MKT_CLASS_INCOMPLETE == (int)CB_ORD_INCOMPLETE &&
    (int)CB_MKT_CLASS_READY == (int)CB_ORD_READY && (int)CB_MKT_CLASS_SHIPPED == (int)CB_ORD_SHIPPED &&
    (int)CB_MKT_CLASS_DELIVERED == (int)CB_ORD_DELIVERED &&
    (int)CB_MKT_CLASS_CANCELLED == (int)CB_ORD_CANCELLED, "cb_mkt_class and cb_ord_status differ");

static inline cb_ord_status
cb_ord__status_of(cb_mkt_class cls)
{
	return (cb_ord_status)cls;
}

static inline cb_mkt_class
cb_ord__class_of(cb_ord_status st)
{
	return (cb_mkt_class)st;
}

#endif
