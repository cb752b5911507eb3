/* SPDX-License-Identifier: Apache-2.0 */
/*
 * doc.h - the two documents the orders domain takes from outside: an order
 * as the marketplace has it (what POST /v1/orders imports) and a
 * cancellation request (POST /v1/orders/{id}/cancellations).  JSON in; a
 * cb_order (or the request) out, or every fault with its RFC 6901 pointer
 * and byte offset.  No storage, no HTTP: which problem a fault becomes is
 * the service's business (src/svc/h_orders.c).  Fuzzed by fuzz/fuzz_orders.c.
 *
 * Money is a JSON integer of minor units of the order's ISO 4217 currency
 * (pence for GBP); a fraction, a negative amount, a number past
 * CB_ORD_MAX_AMOUNT or a total that does not add up is a fault.  The
 * business rules of a cancellation are not checked here (cancel.h).
 */
#ifndef CB_ORDERS_DOC_H
#define CB_ORDERS_DOC_H

#include <stddef.h>
#include <stdint.h>

#include "../store/store.h"
#include "json_shim.h"
#include "orders_limits.h"

/* What kind of fault: the document is not JSON (or not an object), it has
 * the wrong shape (members, types), or a value is wrong (money, ids). */
typedef enum {
	CB_OFAULT_NONE = 0,
	CB_OFAULT_SYNTAX,   /* not JSON, nested too deeply, empty */
	CB_OFAULT_SHAPE,    /* unknown, repeated, missing or mistyped member; not an object */
	CB_OFAULT_VALUE     /* a value the domain refuses */
} cb_ofault_class;

/* One fault: what kind, where, and what. */
typedef struct {
	cb_ofault_class cls;
	char            pointer[96];   /* RFC 6901; "" for the document itself */
	char            message[400];
	long            offset;        /* byte offset in the document, -1 if none */
} cb_ofault;

/* The faults of a document, in the order they were found. */
typedef struct {
	cb_ofault v[CB_ORD_MAX_FAULTS];
	size_t    n;                   /* kept */
	size_t    total;               /* found */
} cb_ofaults;

/* An order import. */
typedef struct {
	cb_json_doc *doc;              /* the strings of o point into it */
	cb_order     o;                /* when there is no fault: the order as imported */
	int          has_total;
	int64_t      total;            /* as sent */
	cb_ofault    body;             /* body.cls != NONE: the document as a whole is unusable */
	cb_ofaults   faults;
} cb_order_doc;

/*
 * Parse and check an order import.  CB_OK, with d->body.cls == CB_OFAULT_NONE
 * and d->faults.total == 0 when the order is usable, faults otherwise;
 * CB_ENOMEM.  Free with cb_order_doc_free() in every case.
 */
int cb_order_doc_parse(cb_order_doc *d, const char *text, size_t len);
void cb_order_doc_free(cb_order_doc *d);

/* A cancellation request as sent. */
typedef struct {
	const char    *reason_key;     /* NULL: the worker picks the default */
	int            has_rows;
	cb_refund_row *rows;           /* as sent (item_line is filled by cb_cancel_check) */
	size_t         nrows;
	int            has_amount;
	int64_t        amount;
	const char    *currency;       /* or NULL */
	long           rows_offset, amount_offset, currency_offset;
	long          *row_offset;     /* per row */
} cb_cancel_req;

typedef struct {
	cb_json_doc  *doc;
	cb_cancel_req req;
	cb_ofault     body;
	cb_ofaults    faults;
} cb_cancel_doc;

/* Parse a cancellation request (an empty document is {}: the whole order,
 * the default reason).  Conventions as cb_order_doc_parse(). */
int cb_cancel_doc_parse(cb_cancel_doc *d, const char *text, size_t len);
void cb_cancel_doc_free(cb_cancel_doc *d);

/* 1 when the document had a fault of any kind. */
#define CB_DOC_FAILED(d) ((d)->body.cls != CB_OFAULT_NONE || (d)->faults.total > 0)

/* Record a fault (counted always, kept while there is room). */
void cb_ofault_add(cb_ofaults *e, cb_ofault_class cls, const char *pointer, long offset,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* "@base/@name" into @out, @name escaped as RFC 6901 says, cut to fit. */
void cb_ofault_ptr(char *out, size_t size, const char *base, const char *name);
/* "@base/@i". */
void cb_ofault_ptr_index(char *out, size_t size, const char *base, size_t i);

/* Minor units of ISO 4217 currency @code (2 for GBP, 0 for JPY), or -1
 * when it is not an active currency code. */
int cb_currency_minor_units(const char *code, size_t len);

/* codebook's status of a TikTok Shop order status ("AWAITING_SHIPMENT", or
 * the legacy number "111"), with the status's name in *name; -1 if unknown. */
int cb_order_market_status(const char *s, size_t len, const char **name);

#endif
