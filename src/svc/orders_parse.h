/*
 * orders_parse.h - validation of the bodies of POST /v1/orders and POST
 * /v1/orders/{id}/cancellations.  Pure: JSON in, a cb_order (or refund
 * rows) or a list of faults out, each with its RFC 6901 pointer; no
 * storage, no HTTP.  Fuzzed by fuzz/fuzz_orders.c.
 *
 * Money is a JSON integer of minor units of the order's ISO 4217 currency
 * (pence for GBP); a fraction, a negative amount, a number past
 * CB_SVC_MAX_AMOUNT or a total that does not add up is a fault.  Business
 * rules (may this order be cancelled, is the refund the whole order, is
 * the reason key available) are not checked here: the worker checks them
 * and records the outcome on the payment (seed 003).
 */
#ifndef CB_SVC_ORDERS_PARSE_H
#define CB_SVC_ORDERS_PARSE_H

#include "items.h"

/* One fault: which problem it belongs to (invalid-request for shape,
 * invalid-order for values), where, and what. */
struct svc_oerr {
	enum svc_problem problem;
	char  pointer[96];
	char  message[400];
	long  offset;             /* byte offset in the body, -1 if none */
};

struct svc_oerrs {
	struct svc_oerr v[CB_SVC_MAX_ORDER_ERRORS];
	size_t n;                 /* kept */
	size_t total;             /* found */
};

struct svc_order_body {
	cb_json_doc    *doc;      /* the strings of o point into it */
	cb_order        o;        /* on success: the order as imported */
	int             has_total;
	int64_t         total;    /* as sent */
	struct svc_fault fault;   /* malformed JSON / not an object (the whole body) */
	struct svc_oerrs errs;
};

/*
 * Parse and check an order import.  CB_OK with b->fault.problem == P_NONE
 * and b->errs.n == 0 when the order is usable; CB_OK with a fault or
 * errors otherwise; CB_ENOMEM.  Free with svc_order_body_free().
 */
int svc_order_parse(struct svc_order_body *b, const char *body, size_t len);
void svc_order_body_free(struct svc_order_body *b);

struct svc_refund_body {
	cb_json_doc   *doc;
	const char    *reason_key;   /* NULL: the worker picks the default */
	int            has_rows;
	cb_refund_row *rows;
	size_t         nrows;
	int            has_amount;
	int64_t        amount;       /* as sent; after svc_refund_check, the refund's amount */
	const char    *currency;     /* as sent, or NULL */
	long           rows_offset;  /* byte offsets of fields, for svc_refund_check's faults */
	long          *row_offset;   /* per row (nrows) */
	long           amount_offset, currency_offset;
	struct svc_fault fault;
	struct svc_oerrs errs;
};

/* Parse a cancellation request (an empty body is {}: the whole order,
 * default reason).  Conventions as svc_order_parse(). */
int svc_refund_parse(struct svc_refund_body *b, const char *body, size_t len);

/*
 * Check the parsed refund against order @o: each item_cost row names a SKU
 * of the order (its line is filled in), no item or the shipping is refunded
 * beyond what is left of it, the rows add up to "amount" when it is given,
 * "currency" is the order's.  Without rows, the rows are the whole order
 * (what is left of each item, then of the shipping).  Sets b->amount.
 * Faults go to b->errs; CB_ENOMEM otherwise CB_OK.
 */
int svc_refund_check(struct svc_refund_body *b, const cb_order *o);
void svc_refund_body_free(struct svc_refund_body *b);

/* Minor units of ISO 4217 currency @code (2 for GBP, 0 for JPY), or -1
 * when it is not an active currency code. */
int svc_currency_minor_units(const char *code, size_t len);

/* codebook's status of a TikTok Shop order status ("AWAITING_SHIPMENT", or a
 * legacy number "111"), with the current name in *name; -1 if unknown. */
int svc_market_status(const char *s, size_t len, const char **name);

#endif
