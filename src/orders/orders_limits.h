/* SPDX-License-Identifier: Apache-2.0 */
/*
 * orders_limits.h - every limit on an order or a cancellation request that
 * comes from outside (an import, a request body).  They can be overridden
 * at build time (-DCB_ORD_MAX_...); the sums they bound must stay far from
 * INT64_MAX, which the checks at the end make sure of.
 */
#ifndef CB_ORDERS_LIMITS_H
#define CB_ORDERS_LIMITS_H

#ifndef CB_ORD_MAX_ITEMS
# define CB_ORD_MAX_ITEMS        1000        /* items of one order */
#endif
#ifndef CB_ORD_MAX_PAYMENTS
# define CB_ORD_MAX_PAYMENTS     100         /* imported payments of one order */
#endif
#ifndef CB_ORD_MAX_REFUND_ROWS
# define CB_ORD_MAX_REFUND_ROWS  1000        /* refund rows of one cancellation */
#endif
#ifndef CB_ORD_MAX_AMOUNT
# define CB_ORD_MAX_AMOUNT       1000000000000LL /* minor units in one amount or total (10^12) */
#endif
#ifndef CB_ORD_MAX_QUANTITY
# define CB_ORD_MAX_QUANTITY     1000000     /* units of one item */
#endif
#ifndef CB_ORD_MAX_ID
# define CB_ORD_MAX_ID           127         /* bytes in an order id, SKU, line item or transaction id */
#endif
#ifndef CB_ORD_MAX_TITLE
# define CB_ORD_MAX_TITLE        512         /* bytes in an item's title */
#endif
#define CB_ORD_MAX_FAULTS        50          /* faults kept for one document (the count is exact) */

#if CB_ORD_MAX_AMOUNT > 1000000000000000LL || CB_ORD_MAX_QUANTITY > 1000000000
# error "order limits are unreasonably large (sums must stay far from INT64_MAX)"
#endif

#endif
