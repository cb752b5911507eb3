/*
 * orders_parse.c - validation of order imports and cancellation requests
 * (orders_parse.h).  As in items.c, validation is complete before anything
 * is stored: every fault is listed with its RFC 6901 pointer and byte
 * offset, and the caller stores only when there is none.  Members are
 * described by tables (name, required, kind), so an unknown or repeated
 * member, a wrong type and a missing member are found the same way for
 * each object.
 */
#include "orders_parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cb_limits.h"
#include "ids.h"

/* ISO 4217 codes in use, with their minor units (from Debian's iso-codes
 * list; precious metals, bond units, XTS and XXX left out: they are not
 * money an order is paid in). */
static const struct { char code[4]; int minor; } currencies[] = {
	{ "AED", 2 }, { "AFN", 2 }, { "ALL", 2 }, { "AMD", 2 }, { "ANG", 2 }, { "AOA", 2 },
	{ "ARS", 2 }, { "AUD", 2 }, { "AWG", 2 }, { "AZN", 2 }, { "BAM", 2 }, { "BBD", 2 },
	{ "BDT", 2 }, { "BGN", 2 }, { "BHD", 3 }, { "BIF", 0 }, { "BMD", 2 }, { "BND", 2 },
	{ "BOB", 2 }, { "BOV", 2 }, { "BRL", 2 }, { "BSD", 2 }, { "BTN", 2 }, { "BWP", 2 },
	{ "BYN", 2 }, { "BZD", 2 }, { "CAD", 2 }, { "CDF", 2 }, { "CHE", 2 }, { "CHF", 2 },
	{ "CHW", 2 }, { "CLF", 4 }, { "CLP", 0 }, { "CNY", 2 }, { "COP", 2 }, { "COU", 2 },
	{ "CRC", 2 }, { "CUC", 2 }, { "CUP", 2 }, { "CVE", 2 }, { "CZK", 2 }, { "DJF", 0 },
	{ "DKK", 2 }, { "DOP", 2 }, { "DZD", 2 }, { "EGP", 2 }, { "ERN", 2 }, { "ETB", 2 },
	{ "EUR", 2 }, { "FJD", 2 }, { "FKP", 2 }, { "GBP", 2 }, { "GEL", 2 }, { "GHS", 2 },
	{ "GIP", 2 }, { "GMD", 2 }, { "GNF", 0 }, { "GTQ", 2 }, { "GYD", 2 }, { "HKD", 2 },
	{ "HNL", 2 }, { "HRK", 2 }, { "HTG", 2 }, { "HUF", 2 }, { "IDR", 2 }, { "ILS", 2 },
	{ "INR", 2 }, { "IQD", 3 }, { "IRR", 2 }, { "ISK", 0 }, { "JMD", 2 }, { "JOD", 3 },
	{ "JPY", 0 }, { "KES", 2 }, { "KGS", 2 }, { "KHR", 2 }, { "KMF", 0 }, { "KPW", 2 },
	{ "KRW", 0 }, { "KWD", 3 }, { "KYD", 2 }, { "KZT", 2 }, { "LAK", 2 }, { "LBP", 2 },
	{ "LKR", 2 }, { "LRD", 2 }, { "LSL", 2 }, { "LYD", 3 }, { "MAD", 2 }, { "MDL", 2 },
	{ "MGA", 2 }, { "MKD", 2 }, { "MMK", 2 }, { "MNT", 2 }, { "MOP", 2 }, { "MRU", 2 },
	{ "MUR", 2 }, { "MVR", 2 }, { "MWK", 2 }, { "MXN", 2 }, { "MXV", 2 }, { "MYR", 2 },
	{ "MZN", 2 }, { "NAD", 2 }, { "NGN", 2 }, { "NIO", 2 }, { "NOK", 2 }, { "NPR", 2 },
	{ "NZD", 2 }, { "OMR", 3 }, { "PAB", 2 }, { "PEN", 2 }, { "PGK", 2 }, { "PHP", 2 },
	{ "PKR", 2 }, { "PLN", 2 }, { "PYG", 0 }, { "QAR", 2 }, { "RON", 2 }, { "RSD", 2 },
	{ "RUB", 2 }, { "RWF", 0 }, { "SAR", 2 }, { "SBD", 2 }, { "SCR", 2 }, { "SDG", 2 },
	{ "SEK", 2 }, { "SGD", 2 }, { "SHP", 2 }, { "SLE", 2 }, { "SLL", 2 }, { "SOS", 2 },
	{ "SRD", 2 }, { "SSP", 2 }, { "STN", 2 }, { "SVC", 2 }, { "SYP", 2 }, { "SZL", 2 },
	{ "THB", 2 }, { "TJS", 2 }, { "TMT", 2 }, { "TND", 3 }, { "TOP", 2 }, { "TRY", 2 },
	{ "TTD", 2 }, { "TWD", 2 }, { "TZS", 2 }, { "UAH", 2 }, { "UGX", 0 }, { "USD", 2 },
	{ "USN", 2 }, { "UYI", 0 }, { "UYU", 2 }, { "UYW", 4 }, { "UZS", 2 }, { "VED", 2 },
	{ "VES", 2 }, { "VND", 0 }, { "VUV", 0 }, { "WST", 2 }, { "XAF", 0 }, { "XCD", 2 },
	{ "XOF", 0 }, { "XPF", 0 }, { "YER", 2 }, { "ZAR", 2 }, { "ZMW", 2 }, { "ZWL", 2 },
};

int
svc_currency_minor_units(const char *code, size_t len)
{
	size_t lo = 0, hi = sizeof(currencies) / sizeof(currencies[0]);

	if (code == NULL || len != 3)
		return -1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(currencies[mid].code, code, 3);
		if (c == 0)
			return currencies[mid].minor;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* TikTok Shop's order statuses (MARKETPLACE.md), with their legacy numbers
 * and what they are in codebook's terms. */
static const struct { const char *name; const char *legacy; cb_ord_status status; } market_statuses[] = {
	{ "UNPAID", "100", CB_ORD_INCOMPLETE },
	{ "ON_HOLD", "105", CB_ORD_READY },
	{ "AWAITING_SHIPMENT", "111", CB_ORD_READY },
	{ "AWAITING_COLLECTION", "112", CB_ORD_SHIPPED },
	{ "PARTIALLY_SHIPPING", "114", CB_ORD_SHIPPED },
	{ "IN_TRANSIT", "121", CB_ORD_SHIPPED },
	{ "DELIVERED", "122", CB_ORD_DELIVERED },
	{ "COMPLETED", "130", CB_ORD_DELIVERED },
	{ "CANCELLED", "140", CB_ORD_CANCELLED },
};

int
svc_market_status(const char *s, size_t len, const char **name)
{
	size_t i;

	for (i = 0; s != NULL && i < sizeof(market_statuses) / sizeof(market_statuses[0]); i++)
		if ((strlen(market_statuses[i].name) == len && memcmp(market_statuses[i].name, s, len) == 0) ||
		    (strlen(market_statuses[i].legacy) == len && memcmp(market_statuses[i].legacy, s, len) == 0)) {
			if (name != NULL)
				*name = market_statuses[i].name;
			return (int)market_statuses[i].status;
		}
	return -1;
}

/* ---- faults ------------------------------------------------------------ */

static void oerr(struct svc_oerrs *e, enum svc_problem p, const char *ptr, long off, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
oerr(struct svc_oerrs *e, enum svc_problem p, const char *ptr, long off, const char *fmt, ...)
{
	struct svc_oerr *x;
	va_list ap;

	e->total++;
	if (e->n == CB_SVC_MAX_ORDER_ERRORS)
		return;
	x = &e->v[e->n++];
	x->problem = p;
	x->offset = off;
	(void)snprintf(x->pointer, sizeof(x->pointer), "%s", ptr);
	va_start(ap, fmt);
	(void)vsnprintf(x->message, sizeof(x->message), fmt, ap);
	va_end(ap);
}

/* "@base/@name" into @out, @name escaped as RFC 6901 says, cut to fit (our
 * own member names and indexes fit; an unknown key may be cut). */
static void
ptr_join(char *out, size_t size, const char *base, const char *name)
{
	size_t o = 0, i;

	for (i = 0; base[i] != '\0' && o + 1 < size; i++)
		out[o++] = base[i];
	if (o + 1 < size)
		out[o++] = '/';
	for (i = 0; name[i] != '\0' && o + 3 < size; i++) {
		if (name[i] == '~' || name[i] == '/') {	/* RFC 6901 escapes */
			out[o++] = '~';
			out[o++] = name[i] == '~' ? '0' : '1';
		} else
			out[o++] = name[i];
	}
	out[o] = '\0';
}

static void
ptr_index(char *out, size_t size, const char *base, size_t i)
{
	char num[24];

	(void)snprintf(num, sizeof(num), "%zu", i);
	ptr_join(out, size, base, num);
}

/* ---- members by table ---------------------------------------------------- */

enum kind { K_STRING, K_INT, K_ARRAY, K_OBJECT, K_STRING_OR_INT, K_STRING_OR_NULL };

struct member {
	const char *name;
	enum kind   kind;
	int         required;
};

static const char *
kind_name(enum kind k)
{
	static const char *const names[] = { "a string", "an integer", "an array", "an object",
		"a string or an integer", "a string or null" };

	return names[k];
}

static int
kind_ok(enum kind k, const cb_json_node *n)
{
	switch (k) {
	case K_STRING: return n->type == CB_JSON_STRING;
	case K_INT: return n->type == CB_JSON_NUMBER;	/* integrality is checked with the range */
	case K_ARRAY: return n->type == CB_JSON_ARRAY;
	case K_OBJECT: return n->type == CB_JSON_OBJECT;
	case K_STRING_OR_INT: return n->type == CB_JSON_STRING || n->type == CB_JSON_NUMBER;
	case K_STRING_OR_NULL: return n->type == CB_JSON_STRING || n->type == CB_JSON_NULL;
	}
	return 0;
}

/* Sort the members of object @obj into @out (by the table's order), and
 * report unknown, repeated, missing and mistyped members.  A member whose
 * type is wrong is left NULL so later checks skip it. */
static void
members(struct svc_oerrs *e, const cb_json_doc *d, const cb_json_node *obj, const char *ptr,
    const struct member *tab, size_t ntab, const cb_json_node **out)
{
	const cb_json_node *n;
	char p[96], names[256];
	size_t i, o = 0;

	for (i = 0; i < ntab; i++) {
		out[i] = NULL;
		o += (size_t)snprintf(names + o, o < sizeof(names) ? sizeof(names) - o : 0, "%s%s", i ? ", " : "",
		    tab[i].name);
	}
	for (n = cb_json_child(d, obj); n != NULL; n = cb_json_next(d, n)) {
		ptr_join(p, sizeof(p), ptr, n->key);
		for (i = 0; i < ntab && strcmp(tab[i].name, n->key) != 0; i++)
			;
		if (i == ntab) {
			oerr(e, P_INVALID_REQUEST, p, n->key_offset, "unknown member \"%.64s\" (members: %s)",
			    n->key, names);
			continue;
		}
		if (out[i] != NULL) {
			oerr(e, P_INVALID_REQUEST, p, n->key_offset, "member \"%s\" appears twice", n->key);
			continue;
		}
		if (!kind_ok(tab[i].kind, n)) {
			oerr(e, P_INVALID_REQUEST, p, n->offset, "%s must be %s, not %s", n->key,
			    kind_name(tab[i].kind), cb_json_type_name(n->type));
			out[i] = NULL;
			continue;
		}
		out[i] = n;
	}
	for (i = 0; i < ntab; i++)
		if (tab[i].required && out[i] == NULL && cb_json_get(d, obj, tab[i].name) == NULL) {
			ptr_join(p, sizeof(p), ptr, tab[i].name);
			oerr(e, P_INVALID_REQUEST, p, obj->offset, "%s is required", tab[i].name);
		}
}

/* An identifier: 1..@max bytes of printable ASCII, no spaces (and no
 * commas: order ids travel comma-separated to the marketplace).  1 when ok. */
static int
id_ok(const cb_json_node *n, size_t max, int no_comma)
{
	uint32_t i;

	if (n->str_len == 0 || n->str_len > max)
		return 0;
	for (i = 0; i < n->str_len; i++) {
		unsigned char ch = (unsigned char)n->str[i];
		if (ch <= 0x20 || ch >= 0x7f || (no_comma && ch == ','))
			return 0;
	}
	return 1;
}

/* Text: 1..@max bytes without control characters (UTF-8 was checked by
 * the parser). */
static int
text_ok(const cb_json_node *n, size_t max)
{
	uint32_t i;

	if (n->str_len == 0 || n->str_len > max)
		return 0;
	for (i = 0; i < n->str_len; i++)
		if ((unsigned char)n->str[i] < 0x20 || n->str[i] == 0x7f)
			return 0;
	return 1;
}

/* A whole number of minor units in [@min, @max] (or a count); 1 when ok,
 * else a fault naming @what. */
static int
int_in(struct svc_oerrs *e, const cb_json_node *n, const char *ptr, const char *what, int64_t min,
    int64_t max, int64_t *out)
{
	if (!n->is_int) {
		if (n->d != n->d || n->d > 9.2e18 || n->d < -9.2e18)
			oerr(e, P_INVALID_ORDER, ptr, n->offset, "%s is out of range (at most %lld)", what, (long long)max);
		else
			oerr(e, P_INVALID_ORDER, ptr, n->offset, "%s must be a whole number%s, not %g", what,
			    min == 0 && max == CB_SVC_MAX_AMOUNT ? " of minor units (pence for GBP: 1999 is 19.99)" : "",
			    n->d);
		return 0;
	}
	if (n->i < min) {
		oerr(e, P_INVALID_ORDER, ptr, n->offset, "%s must not be %s (got %lld)", what,
		    min == 0 ? "negative" : min == 1 ? "negative or zero" : "this small", (long long)n->i);
		return 0;
	}
	if (n->i > max) {
		oerr(e, P_INVALID_ORDER, ptr, n->offset, "%s is too large: %lld (at most %lld)", what,
		    (long long)n->i, (long long)max);
		return 0;
	}
	*out = n->i;
	return 1;
}

/* Parse the body as a JSON object; NULL (with b's fault set) otherwise. */
static const cb_json_node *
parse_object(cb_json_doc **doc, struct svc_fault *f, const char *body, size_t len, int empty_ok, int *nomem)
{
	cb_json_error jerr;
	const cb_json_node *root;
	int rc;

	*nomem = 0;
	if (len == 0 && empty_ok)
		body = "{}", len = 2;
	if (len == 0) {
		svc_fault_set(f, P_MALFORMED_JSON, body, len, 0, NULL, "the request body is empty; expected a "
		    "JSON object");
		return NULL;
	}
	memset(&jerr, 0, sizeof(jerr));
	rc = cb_json_parse(doc, body, len, CB_MAX_JSON_DEPTH, &jerr);
	if (rc == CB_ENOMEM) {
		*nomem = 1;
		return NULL;
	}
	if (rc != CB_OK) {
		svc_fault_set(f, P_MALFORMED_JSON, body, len, rc == CB_ETOOBIG ? 0 : (long)jerr.offset, NULL, "%s",
		    rc == CB_ETOOBIG ? "the document nests too deeply" : jerr.message);
		return NULL;
	}
	root = cb_json_root(*doc);
	if (root->type != CB_JSON_OBJECT) {
		svc_fault_set(f, P_INVALID_REQUEST, body, len, (long)root->offset, "", "the body must be a JSON "
		    "object, not %s", cb_json_type_name(root->type));
		return NULL;
	}
	return root;
}

/* ---- orders -------------------------------------------------------------- */

enum { OM_ORDER_ID = 0, OM_MARKETPLACE, OM_SHOP, OM_STATUS, OM_MSTATUS, OM_CURRENCY, OM_ITEMS,
	OM_SHIPPING, OM_TOTAL, OM_PAYMENTS, OM_COUNT };
static const struct member order_members[OM_COUNT] = {
	{ "order_id", K_STRING, 1 }, { "marketplace", K_STRING, 0 }, { "shop", K_STRING, 1 },
	{ "status", K_STRING, 0 }, { "marketplace_status", K_STRING_OR_INT, 0 },
	{ "currency", K_STRING, 1 }, { "items", K_ARRAY, 1 }, { "shipping_cost", K_INT, 0 },
	{ "total", K_INT, 0 }, { "payments", K_ARRAY, 0 },
};

enum { IM_SKU = 0, IM_QUANTITY, IM_UNIT_PRICE, IM_LINE_ITEM_ID, IM_TITLE, IM_COUNT };
static const struct member item_members[IM_COUNT] = {
	{ "sku", K_STRING, 1 }, { "quantity", K_INT, 1 }, { "unit_price", K_INT, 1 },
	{ "line_item_id", K_STRING, 0 }, { "title", K_STRING, 0 },
};

enum { PM_TYPE = 0, PM_STATUS, PM_AMOUNT, PM_TRANSACTION_ID, PM_COUNT };
static const struct member payment_members[PM_COUNT] = {
	{ "type", K_STRING, 0 }, { "status", K_STRING, 0 }, { "amount", K_INT, 1 },
	{ "transaction_id", K_STRING, 0 },
};

static int
shop_ok(const cb_json_node *n)
{
	return svc_shop_name_ok(n->str, n->str_len);
}

static void
parse_items(struct svc_order_body *b, const cb_json_node *arr)
{
	struct svc_oerrs *e = &b->errs;
	const cb_json_node *it, *m[IM_COUNT];
	char ptr[96], fp[96];
	size_t i, j;

	if (arr->nchildren == 0) {
		oerr(e, P_INVALID_ORDER, "/items", arr->offset, "an order has at least one item");
		return;
	}
	if (arr->nchildren > CB_SVC_MAX_ORDER_ITEMS) {
		oerr(e, P_INVALID_ORDER, "/items", arr->offset, "an order has at most %d items, not %u",
		    CB_SVC_MAX_ORDER_ITEMS, arr->nchildren);
		return;
	}
	for (i = 0, it = cb_json_child(b->doc, arr); it != NULL; it = cb_json_next(b->doc, it), i++) {
		cb_ord_item *x = &b->o.items[i];
		ptr_index(ptr, sizeof(ptr), "/items", i);
		x->line = (int)i + 1;
		if (it->type != CB_JSON_OBJECT) {
			oerr(e, P_INVALID_REQUEST, ptr, it->offset, "an item must be an object, not %s",
			    cb_json_type_name(it->type));
			continue;
		}
		members(e, b->doc, it, ptr, item_members, IM_COUNT, m);
		if (m[IM_SKU] != NULL) {
			ptr_join(fp, sizeof(fp), ptr, "sku");
			if (!id_ok(m[IM_SKU], CB_SVC_MAX_ID, 0))
				oerr(e, P_INVALID_ORDER, fp, m[IM_SKU]->offset, "sku must be 1 to %d printable "
				    "characters without spaces", CB_SVC_MAX_ID);
			else {
				x->sku = m[IM_SKU]->str;
				for (j = 0; j < i; j++)
					if (b->o.items[j].sku != NULL && strcmp(b->o.items[j].sku, x->sku) == 0) {
						oerr(e, P_INVALID_ORDER, fp, m[IM_SKU]->offset, "SKU %s is also item %zu: "
						    "one line per SKU (add up the quantities)", x->sku, j);
						break;
					}
			}
		}
		if (m[IM_QUANTITY] != NULL) {
			ptr_join(fp, sizeof(fp), ptr, "quantity");
			(void)int_in(e, m[IM_QUANTITY], fp, "quantity", 1, CB_SVC_MAX_QUANTITY, &x->quantity);
		}
		if (m[IM_UNIT_PRICE] != NULL) {
			ptr_join(fp, sizeof(fp), ptr, "unit_price");
			(void)int_in(e, m[IM_UNIT_PRICE], fp, "unit_price", 0, CB_SVC_MAX_AMOUNT, &x->unit_price);
		}
		if (m[IM_LINE_ITEM_ID] != NULL) {
			ptr_join(fp, sizeof(fp), ptr, "line_item_id");
			if (!id_ok(m[IM_LINE_ITEM_ID], CB_SVC_MAX_ID, 0))
				oerr(e, P_INVALID_ORDER, fp, m[IM_LINE_ITEM_ID]->offset, "line_item_id must be 1 to "
				    "%d printable characters without spaces", CB_SVC_MAX_ID);
			else
				x->line_item_id = m[IM_LINE_ITEM_ID]->str;
		}
		if (m[IM_TITLE] != NULL) {
			ptr_join(fp, sizeof(fp), ptr, "title");
			if (!text_ok(m[IM_TITLE], CB_SVC_MAX_TITLE))
				oerr(e, P_INVALID_ORDER, fp, m[IM_TITLE]->offset, "title must be 1 to %d bytes of "
				    "text without control characters", CB_SVC_MAX_TITLE);
			else
				x->title = m[IM_TITLE]->str;
		}
		if (x->quantity > 0 && x->unit_price > CB_SVC_MAX_AMOUNT / x->quantity) {
			ptr_join(fp, sizeof(fp), ptr, "unit_price");
			oerr(e, P_INVALID_ORDER, fp, m[IM_UNIT_PRICE]->offset, "quantity %lld x unit_price %lld is "
			    "more than %lld", (long long)x->quantity, (long long)x->unit_price,
			    (long long)CB_SVC_MAX_AMOUNT);
		}
		x->amount = x->quantity * x->unit_price;
	}
	b->o.nitems = i;
}

static void
parse_payments(struct svc_order_body *b, const cb_json_node *arr)
{
	struct svc_oerrs *e = &b->errs;
	const cb_json_node *it, *m[PM_COUNT];
	char ptr[96], fp[96];
	size_t i;
	int v;

	if (arr->nchildren > CB_SVC_MAX_ORDER_PAYMENTS) {
		oerr(e, P_INVALID_ORDER, "/payments", arr->offset, "an order has at most %d imported payments",
		    CB_SVC_MAX_ORDER_PAYMENTS);
		return;
	}
	for (i = 0, it = cb_json_child(b->doc, arr); it != NULL; it = cb_json_next(b->doc, it), i++) {
		cb_ord_payment *p = &b->o.payments[i];
		ptr_index(ptr, sizeof(ptr), "/payments", i);
		p->type = CB_PAY_PAYMENT;
		p->status = CB_PAY_COMPLETED;
		if (it->type != CB_JSON_OBJECT) {
			oerr(e, P_INVALID_REQUEST, ptr, it->offset, "a payment must be an object, not %s",
			    cb_json_type_name(it->type));
			continue;
		}
		members(e, b->doc, it, ptr, payment_members, PM_COUNT, m);
		if (m[PM_TYPE] != NULL) {
			ptr_join(fp, sizeof(fp), ptr, "type");
			v = cb_pay_type_parse(m[PM_TYPE]->str, m[PM_TYPE]->str_len);
			if (v == CB_PAY_REFUND)
				oerr(e, P_INVALID_ORDER, fp, m[PM_TYPE]->offset, "refunds are not imported: request one "
				    "with POST /v1/orders/{id}/cancellations");
			else if (v < 0)
				oerr(e, P_INVALID_ORDER, fp, m[PM_TYPE]->offset, "type \"%.40s\" is not Payment",
				    m[PM_TYPE]->str);
		}
		if (m[PM_STATUS] != NULL) {
			ptr_join(fp, sizeof(fp), ptr, "status");
			if ((v = cb_pay_status_parse(m[PM_STATUS]->str, m[PM_STATUS]->str_len)) < 0)
				oerr(e, P_INVALID_ORDER, fp, m[PM_STATUS]->offset, "status \"%.40s\" is not one of "
				    "Pending, Processing, Completed, Error", m[PM_STATUS]->str);
			else
				p->status = (cb_pay_status)v;
		}
		if (m[PM_AMOUNT] != NULL) {
			ptr_join(fp, sizeof(fp), ptr, "amount");
			(void)int_in(e, m[PM_AMOUNT], fp, "amount", 1, CB_SVC_MAX_AMOUNT, &p->amount);
		}
		if (m[PM_TRANSACTION_ID] != NULL) {
			ptr_join(fp, sizeof(fp), ptr, "transaction_id");
			if (!id_ok(m[PM_TRANSACTION_ID], CB_SVC_MAX_ID, 0))
				oerr(e, P_INVALID_ORDER, fp, m[PM_TRANSACTION_ID]->offset, "transaction_id must be 1 "
				    "to %d printable characters without spaces", CB_SVC_MAX_ID);
			else
				p->transaction_id = m[PM_TRANSACTION_ID]->str;
		}
	}
	b->o.npayments = i;
}

int
svc_order_parse(struct svc_order_body *b, const char *body, size_t len)
{
	struct svc_oerrs *e = &b->errs;
	const cb_json_node *root, *m[OM_COUNT];
	const char *mname = NULL;
	int64_t sum = 0, paid = 0;
	int nomem, v, ms = -1;
	size_t i;

	memset(b, 0, sizeof(*b));
	b->fault.offset = -1;
	if ((root = parse_object(&b->doc, &b->fault, body, len, 0, &nomem)) == NULL)
		return nomem ? CB_ENOMEM : CB_OK;
	members(e, b->doc, root, "", order_members, OM_COUNT, m);
	b->o.marketplace = "tiktok";
	b->o.status = CB_ORD_STATUS_COUNT;
	if (m[OM_ORDER_ID] != NULL) {
		/* it names the order's URL, /v1/orders/{id}: the rule of ids.h, and
		 * no comma (ids travel comma-separated to the marketplace) */
		char why[160];
		if (!svc_id_check(m[OM_ORDER_ID]->str, m[OM_ORDER_ID]->str_len, CB_SVC_MAX_ID, why, sizeof(why)))
			oerr(e, P_INVALID_ORDER, "/order_id", m[OM_ORDER_ID]->offset, "order_id %s", why);
		else if (memchr(m[OM_ORDER_ID]->str, ',', m[OM_ORDER_ID]->str_len) != NULL)
			oerr(e, P_INVALID_ORDER, "/order_id", m[OM_ORDER_ID]->offset, "order_id has a comma (order ids "
			    "travel comma-separated to the marketplace)");
		else
			b->o.order_id = m[OM_ORDER_ID]->str;
	}
	if (m[OM_MARKETPLACE] != NULL && strcmp(m[OM_MARKETPLACE]->str, "tiktok") != 0)
		oerr(e, P_INVALID_ORDER, "/marketplace", m[OM_MARKETPLACE]->offset, "marketplace \"%.40s\" is "
		    "not supported (only \"tiktok\")", m[OM_MARKETPLACE]->str);
	if (m[OM_SHOP] != NULL) {
		if (!shop_ok(m[OM_SHOP]))
			oerr(e, P_INVALID_ORDER, "/shop", m[OM_SHOP]->offset, "shop must name a [shop NAME] "
			    "section of the marketplace configuration: 1 to 64 of A-Z a-z 0-9 _ . -");
		else
			b->o.shop = m[OM_SHOP]->str;
	}
	if (m[OM_MSTATUS] != NULL) {
		char num[24];
		const char *s = m[OM_MSTATUS]->str;
		size_t sl = m[OM_MSTATUS]->str_len;
		if (m[OM_MSTATUS]->type == CB_JSON_NUMBER) {
			(void)snprintf(num, sizeof(num), "%lld", m[OM_MSTATUS]->is_int ? (long long)m[OM_MSTATUS]->i : -1LL);
			s = num;
			sl = strlen(num);
		}
		if ((ms = svc_market_status(s, sl, &mname)) < 0)
			oerr(e, P_INVALID_ORDER, "/marketplace_status", m[OM_MSTATUS]->offset, "marketplace_status "
			    "\"%.40s\" is not a TikTok Shop order status (UNPAID, ON_HOLD, AWAITING_SHIPMENT, "
			    "AWAITING_COLLECTION, PARTIALLY_SHIPPING, IN_TRANSIT, DELIVERED, COMPLETED, CANCELLED, "
			    "or the legacy 100 ... 140)", s);
		else
			b->o.marketplace_status = mname;
	}
	if (m[OM_STATUS] != NULL) {
		if ((v = cb_ord_status_parse(m[OM_STATUS]->str, m[OM_STATUS]->str_len)) < 0)
			oerr(e, P_INVALID_ORDER, "/status", m[OM_STATUS]->offset, "status \"%.40s\" is not one of "
			    "Incomplete, Ready for Shipping, Shipped, Delivered, Cancelled", m[OM_STATUS]->str);
		else if (ms >= 0 && v != ms)
			oerr(e, P_INVALID_ORDER, "/status", m[OM_STATUS]->offset, "status %s does not match "
			    "marketplace_status %s, which is %s", cb_ord_status_name((cb_ord_status)v), mname,
			    cb_ord_status_name((cb_ord_status)ms));
		else
			b->o.status = (cb_ord_status)v;
	} else if (ms >= 0) {
		b->o.status = (cb_ord_status)ms;
	} else if (cb_json_get(b->doc, root, "status") == NULL && m[OM_MSTATUS] == NULL &&
	    cb_json_get(b->doc, root, "marketplace_status") == NULL) {
		oerr(e, P_INVALID_REQUEST, "/status", root->offset, "status is required (Incomplete, Ready for "
		    "Shipping, Shipped, Delivered, Cancelled), or marketplace_status to derive it from");
	}
	if (m[OM_CURRENCY] != NULL) {
		if (svc_currency_minor_units(m[OM_CURRENCY]->str, m[OM_CURRENCY]->str_len) < 0)
			oerr(e, P_INVALID_ORDER, "/currency", m[OM_CURRENCY]->offset, "currency \"%.16s\" is not an "
			    "ISO 4217 currency code (GBP, EUR, USD ...)", m[OM_CURRENCY]->str);
		else
			b->o.currency = m[OM_CURRENCY]->str;
	}
	if (m[OM_SHIPPING] != NULL)
		(void)int_in(e, m[OM_SHIPPING], "/shipping_cost", "shipping_cost", 0, CB_SVC_MAX_AMOUNT,
		    &b->o.shipping_cost);
	if (m[OM_TOTAL] != NULL && int_in(e, m[OM_TOTAL], "/total", "total", 0, CB_SVC_MAX_AMOUNT, &b->total))
		b->has_total = 1;
	if (m[OM_ITEMS] != NULL && m[OM_ITEMS]->nchildren <= CB_SVC_MAX_ORDER_ITEMS) {
		if (m[OM_ITEMS]->nchildren > 0 &&
		    (b->o.items = cb__calloc(m[OM_ITEMS]->nchildren, sizeof(*b->o.items))) == NULL)
			return CB_ENOMEM;
	}
	if (m[OM_ITEMS] != NULL)
		parse_items(b, m[OM_ITEMS]);
	if (m[OM_PAYMENTS] != NULL && m[OM_PAYMENTS]->nchildren > 0 &&
	    m[OM_PAYMENTS]->nchildren <= CB_SVC_MAX_ORDER_PAYMENTS &&
	    (b->o.payments = cb__calloc(m[OM_PAYMENTS]->nchildren, sizeof(*b->o.payments))) == NULL)
		return CB_ENOMEM;
	if (m[OM_PAYMENTS] != NULL)
		parse_payments(b, m[OM_PAYMENTS]);
	if (e->total > 0)
		return CB_OK;
	/* the sums: every term is at most CB_SVC_MAX_AMOUNT, so they cannot overflow */
	for (i = 0; i < b->o.nitems; i++)
		sum += b->o.items[i].amount;
	b->o.items_total = sum;
	b->o.total = sum + b->o.shipping_cost;
	if (b->o.total > CB_SVC_MAX_AMOUNT)
		oerr(e, P_INVALID_ORDER, "/items", m[OM_ITEMS]->offset, "the order's total %lld is more than "
		    "%lld", (long long)b->o.total, (long long)CB_SVC_MAX_AMOUNT);
	if (b->has_total && b->total != b->o.total)
		oerr(e, P_INVALID_ORDER, "/total", m[OM_TOTAL]->offset, "total %lld does not add up: the items "
		    "come to %lld and shipping_cost to %lld, together %lld", (long long)b->total,
		    (long long)sum, (long long)b->o.shipping_cost, (long long)b->o.total);
	for (i = 0; i < b->o.npayments; i++)
		if (b->o.payments[i].status != CB_PAY_ERROR)
			paid += b->o.payments[i].amount;
	if (paid > b->o.total)
		oerr(e, P_INVALID_ORDER, "/payments", m[OM_PAYMENTS]->offset, "the payments come to %lld, more "
		    "than the order's total %lld", (long long)paid, (long long)b->o.total);
	return CB_OK;
}

void
svc_order_body_free(struct svc_order_body *b)
{
	if (b == NULL)
		return;
	free(b->o.items);
	free(b->o.payments);
	cb_json_free(b->doc);
	memset(b, 0, sizeof(*b));
}

/* ---- cancellations ---------------------------------------------------------- */

enum { CM_REASON_KEY = 0, CM_ROWS, CM_AMOUNT, CM_CURRENCY, CM_COUNT };
static const struct member cancel_members[CM_COUNT] = {
	{ "reason_key", K_STRING_OR_NULL, 0 }, { "refund_rows", K_ARRAY, 0 }, { "amount", K_INT, 0 },
	{ "currency", K_STRING, 0 },
};

enum { RM_SKU = 0, RM_TYPE, RM_AMOUNT, RM_COUNT };
static const struct member row_members[RM_COUNT] = {
	{ "sku", K_STRING, 0 }, { "type", K_STRING, 1 }, { "amount", K_INT, 1 },
};

int
svc_refund_parse(struct svc_refund_body *b, const char *body, size_t len)
{
	struct svc_oerrs *e = &b->errs;
	const cb_json_node *root, *m[CM_COUNT], *it, *rm[RM_COUNT];
	char ptr[96], fp[96];
	size_t i;
	int nomem, v;

	memset(b, 0, sizeof(*b));
	b->fault.offset = -1;
	b->amount_offset = b->currency_offset = b->rows_offset = 0;
	if ((root = parse_object(&b->doc, &b->fault, body, len, 1, &nomem)) == NULL)
		return nomem ? CB_ENOMEM : CB_OK;
	members(e, b->doc, root, "", cancel_members, CM_COUNT, m);
	if (m[CM_REASON_KEY] != NULL && m[CM_REASON_KEY]->type == CB_JSON_STRING) {
		if (!id_ok(m[CM_REASON_KEY], 255, 0))
			oerr(e, P_INVALID_ORDER, "/reason_key", m[CM_REASON_KEY]->offset, "reason_key must be a "
			    "reverse reason key: 1 to 255 printable characters without spaces (or null for the "
			    "default)");
		else
			b->reason_key = m[CM_REASON_KEY]->str;
	}
	if (m[CM_AMOUNT] != NULL && int_in(e, m[CM_AMOUNT], "/amount", "amount", 1, CB_SVC_MAX_AMOUNT, &b->amount)) {
		b->has_amount = 1;
		b->amount_offset = m[CM_AMOUNT]->offset;
	}
	if (m[CM_CURRENCY] != NULL) {
		b->currency_offset = m[CM_CURRENCY]->offset;
		if (svc_currency_minor_units(m[CM_CURRENCY]->str, m[CM_CURRENCY]->str_len) < 0)
			oerr(e, P_INVALID_ORDER, "/currency", m[CM_CURRENCY]->offset, "currency \"%.16s\" is not an "
			    "ISO 4217 currency code (GBP, EUR, USD ...)", m[CM_CURRENCY]->str);
		else
			b->currency = m[CM_CURRENCY]->str;
	}
	if (m[CM_ROWS] == NULL)
		return CB_OK;
	b->has_rows = 1;
	b->rows_offset = m[CM_ROWS]->offset;
	if (m[CM_ROWS]->nchildren == 0 || m[CM_ROWS]->nchildren > CB_SVC_MAX_REFUND_ROWS) {
		oerr(e, P_INVALID_ORDER, "/refund_rows", m[CM_ROWS]->offset, "refund_rows holds 1 to %d rows (leave "
		    "it out to refund the whole order)", CB_SVC_MAX_REFUND_ROWS);
		return CB_OK;
	}
	if ((b->rows = cb__calloc(m[CM_ROWS]->nchildren, sizeof(*b->rows))) == NULL ||
	    (b->row_offset = cb__calloc(m[CM_ROWS]->nchildren, sizeof(*b->row_offset))) == NULL)
		return CB_ENOMEM;
	for (i = 0, it = cb_json_child(b->doc, m[CM_ROWS]); it != NULL; it = cb_json_next(b->doc, it), i++) {
		cb_refund_row *r = &b->rows[i];
		ptr_index(ptr, sizeof(ptr), "/refund_rows", i);
		r->row = (int)i + 1;
		b->row_offset[i] = it->offset;
		if (it->type != CB_JSON_OBJECT) {
			oerr(e, P_INVALID_REQUEST, ptr, it->offset, "a refund row must be an object, not %s",
			    cb_json_type_name(it->type));
			continue;
		}
		members(e, b->doc, it, ptr, row_members, RM_COUNT, rm);
		if (rm[RM_TYPE] != NULL) {
			ptr_join(fp, sizeof(fp), ptr, "type");
			if ((v = cb_row_kind_parse(rm[RM_TYPE]->str, rm[RM_TYPE]->str_len)) < 0)
				oerr(e, P_INVALID_ORDER, fp, rm[RM_TYPE]->offset, "type \"%.40s\" is not item_cost or "
				    "shipping_cost", rm[RM_TYPE]->str);
			else
				r->kind = (cb_row_kind)v;
		}
		if (rm[RM_SKU] != NULL) {
			ptr_join(fp, sizeof(fp), ptr, "sku");
			if (!id_ok(rm[RM_SKU], CB_SVC_MAX_ID, 0))
				oerr(e, P_INVALID_ORDER, fp, rm[RM_SKU]->offset, "sku must be 1 to %d printable "
				    "characters without spaces", CB_SVC_MAX_ID);
			else
				r->sku = rm[RM_SKU]->str;
		} else if (rm[RM_TYPE] != NULL && r->kind == CB_ROW_ITEM_COST &&
		    cb_json_get(b->doc, it, "sku") == NULL) {
			ptr_join(fp, sizeof(fp), ptr, "sku");
			oerr(e, P_INVALID_REQUEST, fp, it->offset, "an item_cost row needs the sku of the item");
		}
		if (rm[RM_AMOUNT] != NULL) {
			ptr_join(fp, sizeof(fp), ptr, "amount");
			(void)int_in(e, rm[RM_AMOUNT], fp, "amount", 1, CB_SVC_MAX_AMOUNT, &r->amount);
		}
	}
	b->nrows = i;
	return CB_OK;
}

/* The item of @o with SKU @sku, or NULL. */
static const cb_ord_item *
item_of(const cb_order *o, const char *sku)
{
	size_t i;

	for (i = 0; sku != NULL && i < o->nitems; i++)
		if (strcmp(o->items[i].sku, sku) == 0)
			return &o->items[i];
	return NULL;
}

int
svc_refund_check(struct svc_refund_body *b, const cb_order *o)
{
	struct svc_oerrs *e = &b->errs;
	int64_t *per_item = NULL, shipping = 0, sum = 0;
	char ptr[96], skus[256];
	size_t i, k, n = 0;
	int rc = CB_OK;

	if (b->currency != NULL && strcmp(b->currency, o->currency) != 0)
		oerr(e, P_INVALID_ORDER, "/currency", b->currency_offset, "currency %s is not the order's (%s)",
		    b->currency, o->currency);
	if (!b->has_rows) {
		/* the whole order: what is left of each item, then of the shipping */
		if ((b->rows = cb__calloc(o->nitems + 1, sizeof(*b->rows))) == NULL)
			return CB_ENOMEM;
		for (i = 0; i < o->nitems; i++)
			if (o->items[i].amount > o->items[i].refunded) {
				b->rows[n] = (cb_refund_row){ (int)n + 1, o->items[i].sku, CB_ROW_ITEM_COST,
					o->items[i].line, o->items[i].amount - o->items[i].refunded, CB_PAY_PENDING };
				sum += b->rows[n++].amount;
			}
		if (o->shipping_cost > o->shipping_refunded) {
			b->rows[n] = (cb_refund_row){ (int)n + 1, NULL, CB_ROW_SHIPPING_COST, 0,
				o->shipping_cost - o->shipping_refunded, CB_PAY_PENDING };
			sum += b->rows[n++].amount;
		}
		b->nrows = n;
		if (n == 0)
			oerr(e, P_INVALID_ORDER, "", -1, "order %s has nothing left to refund (total %lld, refunded "
			    "%lld)", o->order_id, (long long)o->total, (long long)o->refunded);
		goto amount;
	}
	if ((per_item = cb__calloc(o->nitems + 1, sizeof(*per_item))) == NULL)
		return CB_ENOMEM;
	for (i = 0, k = 0; i < o->nitems && k < sizeof(skus); i++)
		k += (size_t)snprintf(skus + k, sizeof(skus) - k, "%s%s", i ? ", " : "", o->items[i].sku);
	for (i = 0; i < b->nrows; i++) {
		cb_refund_row *r = &b->rows[i];
		const cb_ord_item *it = item_of(o, r->sku);
		ptr_index(ptr, sizeof(ptr), "/refund_rows", i);
		if (r->sku != NULL && it == NULL) {
			char sp[96];
			ptr_join(sp, sizeof(sp), ptr, "sku");
			oerr(e, P_INVALID_ORDER, sp, b->row_offset[i], "order %s has no item with SKU %s (its SKUs: %s)",
			    o->order_id, r->sku, skus);
			continue;
		}
		if (r->amount <= 0)
			continue;	/* reported by the parser */
		sum += r->amount;
		if (r->kind == CB_ROW_SHIPPING_COST) {
			shipping += r->amount;
			r->item_line = 0;
			continue;
		}
		if (it == NULL)
			continue;
		r->item_line = it->line;
		per_item[it - o->items] += r->amount;
	}
	for (i = 0; i < o->nitems; i++)
		if (per_item[i] > o->items[i].amount - o->items[i].refunded)
			oerr(e, P_INVALID_ORDER, "/refund_rows", b->rows_offset, "the rows refund %lld of SKU %s, "
			    "more than is left of it: %lld (%lld x %lld, %lld refunded)", (long long)per_item[i],
			    o->items[i].sku, (long long)(o->items[i].amount - o->items[i].refunded),
			    (long long)o->items[i].quantity, (long long)o->items[i].unit_price,
			    (long long)o->items[i].refunded);
	if (shipping > o->shipping_cost - o->shipping_refunded)
		oerr(e, P_INVALID_ORDER, "/refund_rows", b->rows_offset, "the rows refund %lld of shipping, more "
		    "than is left of it: %lld (shipping_cost %lld, %lld refunded)", (long long)shipping,
		    (long long)(o->shipping_cost - o->shipping_refunded), (long long)o->shipping_cost,
		    (long long)o->shipping_refunded);
amount:
	if (b->has_amount && e->total == 0 && b->amount != sum)
		oerr(e, P_INVALID_ORDER, "/amount", b->amount_offset, "amount %lld does not add up: the refund "
		    "rows come to %lld", (long long)b->amount, (long long)sum);
	b->amount = sum;
	free(per_item);
	return rc;
}

void
svc_refund_body_free(struct svc_refund_body *b)
{
	if (b == NULL)
		return;
	free(b->rows);
	free(b->row_offset);
	cb_json_free(b->doc);
	memset(b, 0, sizeof(*b));
}
