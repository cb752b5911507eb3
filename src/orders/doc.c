/* SPDX-License-Identifier: Apache-2.0 */
/*
 * doc.c - the order import and the cancellation request, from JSON (doc.h).
 * Checking is complete before anything is stored: every fault is listed
 * with its RFC 6901 pointer and byte offset, and the caller stores only
 * when there is none.  Members are described by tables (name, kind,
 * required), so an unknown or repeated member, a wrong type and a missing
 * member are found the same way for each object.  docs/internals/orders.md
 * says why this is the domain's and not the service's.
 */
#include "doc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cb_limits.h"
#include "ident.h"
#include "orders_int.h"

/* ---- faults ------------------------------------------------------------ */

void
cb_ofault_add(cb_ofaults *e, cb_ofault_class cls, const char *ptr, long off, const char *fmt, ...)
{
	cb_ofault *x;
	va_list ap;

	e->total++;
	if (e->n == CB_ORD_MAX_FAULTS)
		return;
	x = &e->v[e->n++];
	x->cls = cls;
	x->offset = off;
	(void)snprintf(x->pointer, sizeof(x->pointer), "%s", ptr);
	va_start(ap, fmt);
	(void)vsnprintf(x->message, sizeof(x->message), fmt, ap);
	va_end(ap);
}

/* (our own member names and indexes fit; an unknown key may be cut) */
void
cb_ofault_ptr(char *out, size_t size, const char *base, const char *name)
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

void
cb_ofault_ptr_index(char *out, size_t size, const char *base, size_t i)
{
	char num[24];

	(void)snprintf(num, sizeof(num), "%zu", i);
	cb_ofault_ptr(out, size, base, num);
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
members(cb_ofaults *e, const cb_json_doc *d, const cb_json_node *obj, const char *ptr,
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
		cb_ofault_ptr(p, sizeof(p), ptr, n->key);
		for (i = 0; i < ntab && strcmp(tab[i].name, n->key) != 0; i++)
			;
		if (i == ntab) {
			cb_ofault_add(e, CB_OFAULT_SHAPE, p, n->key_offset, "unknown member \"%.64s\" (members: %s)",
			    n->key, names);
			continue;
		}
		if (out[i] != NULL) {
			cb_ofault_add(e, CB_OFAULT_SHAPE, p, n->key_offset, "member \"%s\" appears twice", n->key);
			continue;
		}
		if (!kind_ok(tab[i].kind, n)) {
			cb_ofault_add(e, CB_OFAULT_SHAPE, p, n->offset, "%s must be %s, not %s", n->key,
			    kind_name(tab[i].kind), cb_json_type_name(n->type));
			out[i] = NULL;
			continue;
		}
		out[i] = n;
	}
	for (i = 0; i < ntab; i++)
		if (tab[i].required && out[i] == NULL && cb_json_get(d, obj, tab[i].name) == NULL) {
			cb_ofault_ptr(p, sizeof(p), ptr, tab[i].name);
			cb_ofault_add(e, CB_OFAULT_SHAPE, p, obj->offset, "%s is required", tab[i].name);
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
int_in(cb_ofaults *e, const cb_json_node *n, const char *ptr, const char *what, int64_t min,
    int64_t max, int64_t *out)
{
	if (!n->is_int) {
		if (n->d != n->d || n->d > 9.2e18 || n->d < -9.2e18)
			cb_ofault_add(e, CB_OFAULT_VALUE, ptr, n->offset, "%s is out of range (at most %lld)", what, (long long)max);
		else
			cb_ofault_add(e, CB_OFAULT_VALUE, ptr, n->offset, "%s must be a whole number%s, not %g", what,
			    min == 0 && max == CB_ORD_MAX_AMOUNT ? " of minor units (pence for GBP: 1999 is 19.99)" : "",
			    n->d);
		return 0;
	}
	if (n->i < min) {
		cb_ofault_add(e, CB_OFAULT_VALUE, ptr, n->offset, "%s must not be %s (got %lld)", what,
		    min == 0 ? "negative" : min == 1 ? "negative or zero" : "this small", (long long)n->i);
		return 0;
	}
	if (n->i > max) {
		cb_ofault_add(e, CB_OFAULT_VALUE, ptr, n->offset, "%s is too large: %lld (at most %lld)", what,
		    (long long)n->i, (long long)max);
		return 0;
	}
	*out = n->i;
	return 1;
}

static void
body_fault(cb_ofault *f, cb_ofault_class cls, long off, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
body_fault(cb_ofault *f, cb_ofault_class cls, long off, const char *fmt, ...)
{
	va_list ap;

	f->cls = cls;
	f->offset = off;
	f->pointer[0] = '\0';
	va_start(ap, fmt);
	(void)vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
}

/* Parse @text as a JSON object; NULL (with @f set, or *nomem) otherwise. */
static const cb_json_node *
parse_object(cb_json_doc **doc, cb_ofault *f, const char *text, size_t len, int empty_ok, int *nomem)
{
	cb_json_error jerr;
	const cb_json_node *root;
	int rc;

	*nomem = 0;
	f->offset = -1;
	if (len == 0 && empty_ok)
		text = "{}", len = 2;
	if (len == 0) {
		body_fault(f, CB_OFAULT_SYNTAX, 0, "the body is empty; expected a JSON object");
		return NULL;
	}
	memset(&jerr, 0, sizeof(jerr));
	rc = cb_json_parse(doc, text, len, CB_MAX_JSON_DEPTH, &jerr);
	if (rc == CB_ENOMEM) {
		*nomem = 1;
		return NULL;
	}
	if (rc != CB_OK) {
		body_fault(f, CB_OFAULT_SYNTAX, rc == CB_ETOOBIG ? 0 : (long)jerr.offset, "%s",
		    rc == CB_ETOOBIG ? "the document nests too deeply" : jerr.message);
		return NULL;
	}
	root = cb_json_root(*doc);
	if (root->type != CB_JSON_OBJECT) {
		body_fault(f, CB_OFAULT_SHAPE, (long)root->offset, "the body must be a JSON object, not %s",
		    cb_json_type_name(root->type));
		return NULL;
	}
	return root;
}

/* ---- orders -------------------------------------------------------------- */

enum { OM_ORDER_ID = 0, OM_MARKETPLACE, OM_SHOP, OM_STATUS, OM_MSTATUS, OM_CURRENCY, OM_ITEMS,
	OM_SHIPPING, OM_TOTAL, OM_PAYMENTS, OM_MTIME, OM_COUNT };
static const struct member order_members[OM_COUNT] = {
	{ "order_id", K_STRING, 1 }, { "marketplace", K_STRING, 0 }, { "shop", K_STRING, 1 },
	{ "status", K_STRING, 0 }, { "marketplace_status", K_STRING_OR_INT, 0 },
	{ "currency", K_STRING, 1 }, { "items", K_ARRAY, 1 }, { "shipping_cost", K_INT, 0 },
	{ "total", K_INT, 0 }, { "payments", K_ARRAY, 0 }, { "marketplace_update_time", K_INT, 0 },
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
	uint32_t i;

	if (n->str_len == 0 || n->str_len > 64)
		return 0;
	for (i = 0; i < n->str_len; i++) {
		char ch = n->str[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '_' || ch == '.' || ch == '-'))
			return 0;
	}
	return 1;
}

static void
parse_items(cb_order_doc *b, const cb_json_node *arr)
{
	cb_ofaults *e = &b->faults;
	const cb_json_node *it, *m[IM_COUNT];
	char ptr[96], fp[96];
	size_t i, j;

	if (arr->nchildren == 0) {
		cb_ofault_add(e, CB_OFAULT_VALUE, "/items", arr->offset, "an order has at least one item");
		return;
	}
	if (arr->nchildren > CB_ORD_MAX_ITEMS) {
		cb_ofault_add(e, CB_OFAULT_VALUE, "/items", arr->offset, "an order has at most %d items, not %u",
		    CB_ORD_MAX_ITEMS, arr->nchildren);
		return;
	}
	for (i = 0, it = cb_json_child(b->doc, arr); it != NULL; it = cb_json_next(b->doc, it), i++) {
		cb_ord_item *x = &b->o.items[i];
		cb_ofault_ptr_index(ptr, sizeof(ptr), "/items", i);
		x->line = (int)i + 1;
		if (it->type != CB_JSON_OBJECT) {
			cb_ofault_add(e, CB_OFAULT_SHAPE, ptr, it->offset, "an item must be an object, not %s",
			    cb_json_type_name(it->type));
			continue;
		}
		members(e, b->doc, it, ptr, item_members, IM_COUNT, m);
		if (m[IM_SKU] != NULL) {
			cb_ofault_ptr(fp, sizeof(fp), ptr, "sku");
			if (!id_ok(m[IM_SKU], CB_ORD_MAX_ID, 0))
				cb_ofault_add(e, CB_OFAULT_VALUE, fp, m[IM_SKU]->offset, "sku must be 1 to %d printable "
				    "characters without spaces", CB_ORD_MAX_ID);
			else {
				x->sku = m[IM_SKU]->str;
				for (j = 0; j < i; j++)
					if (b->o.items[j].sku != NULL && strcmp(b->o.items[j].sku, x->sku) == 0) {
						cb_ofault_add(e, CB_OFAULT_VALUE, fp, m[IM_SKU]->offset, "SKU %s is also item %zu: "
						    "one line per SKU (add up the quantities)", x->sku, j);
						break;
					}
			}
		}
		if (m[IM_QUANTITY] != NULL) {
			cb_ofault_ptr(fp, sizeof(fp), ptr, "quantity");
			(void)int_in(e, m[IM_QUANTITY], fp, "quantity", 1, CB_ORD_MAX_QUANTITY, &x->quantity);
		}
		if (m[IM_UNIT_PRICE] != NULL) {
			cb_ofault_ptr(fp, sizeof(fp), ptr, "unit_price");
			(void)int_in(e, m[IM_UNIT_PRICE], fp, "unit_price", 0, CB_ORD_MAX_AMOUNT, &x->unit_price);
		}
		if (m[IM_LINE_ITEM_ID] != NULL) {
			cb_ofault_ptr(fp, sizeof(fp), ptr, "line_item_id");
			if (!id_ok(m[IM_LINE_ITEM_ID], CB_ORD_MAX_ID, 0))
				cb_ofault_add(e, CB_OFAULT_VALUE, fp, m[IM_LINE_ITEM_ID]->offset, "line_item_id must be 1 to "
				    "%d printable characters without spaces", CB_ORD_MAX_ID);
			else
				x->line_item_id = m[IM_LINE_ITEM_ID]->str;
		}
		if (m[IM_TITLE] != NULL) {
			cb_ofault_ptr(fp, sizeof(fp), ptr, "title");
			if (!text_ok(m[IM_TITLE], CB_ORD_MAX_TITLE))
				cb_ofault_add(e, CB_OFAULT_VALUE, fp, m[IM_TITLE]->offset, "title must be 1 to %d bytes of "
				    "text without control characters", CB_ORD_MAX_TITLE);
			else
				x->title = m[IM_TITLE]->str;
		}
		if (x->quantity > 0 && x->unit_price > CB_ORD_MAX_AMOUNT / x->quantity) {
			cb_ofault_ptr(fp, sizeof(fp), ptr, "unit_price");
			cb_ofault_add(e, CB_OFAULT_VALUE, fp, m[IM_UNIT_PRICE]->offset, "quantity %lld x unit_price %lld is "
			    "more than %lld", (long long)x->quantity, (long long)x->unit_price,
			    (long long)CB_ORD_MAX_AMOUNT);
		}
		x->amount = x->quantity * x->unit_price;
	}
	b->o.nitems = i;
}

static void
parse_payments(cb_order_doc *b, const cb_json_node *arr)
{
	cb_ofaults *e = &b->faults;
	const cb_json_node *it, *m[PM_COUNT];
	char ptr[96], fp[96];
	size_t i;
	int v;

	if (arr->nchildren > CB_ORD_MAX_PAYMENTS) {
		cb_ofault_add(e, CB_OFAULT_VALUE, "/payments", arr->offset, "an order has at most %d imported payments",
		    CB_ORD_MAX_PAYMENTS);
		return;
	}
	for (i = 0, it = cb_json_child(b->doc, arr); it != NULL; it = cb_json_next(b->doc, it), i++) {
		cb_ord_payment *p = &b->o.payments[i];
		cb_ofault_ptr_index(ptr, sizeof(ptr), "/payments", i);
		p->type = CB_PAY_PAYMENT;
		p->status = CB_PAY_COMPLETED;
		if (it->type != CB_JSON_OBJECT) {
			cb_ofault_add(e, CB_OFAULT_SHAPE, ptr, it->offset, "a payment must be an object, not %s",
			    cb_json_type_name(it->type));
			continue;
		}
		members(e, b->doc, it, ptr, payment_members, PM_COUNT, m);
		if (m[PM_TYPE] != NULL) {
			cb_ofault_ptr(fp, sizeof(fp), ptr, "type");
			v = cb_pay_type_parse(m[PM_TYPE]->str, m[PM_TYPE]->str_len);
			if (v == CB_PAY_REFUND)
				cb_ofault_add(e, CB_OFAULT_VALUE, fp, m[PM_TYPE]->offset, "refunds are not imported: request one "
				    "with POST /v1/orders/{id}/cancellations");
			else if (v < 0)
				cb_ofault_add(e, CB_OFAULT_VALUE, fp, m[PM_TYPE]->offset, "type \"%.40s\" is not Payment",
				    m[PM_TYPE]->str);
		}
		if (m[PM_STATUS] != NULL) {
			cb_ofault_ptr(fp, sizeof(fp), ptr, "status");
			/* Unknown is the worker's verdict on a refund, never imported */
			if ((v = cb_pay_status_parse(m[PM_STATUS]->str, m[PM_STATUS]->str_len)) < 0 || v == CB_PAY_UNKNOWN)
				cb_ofault_add(e, CB_OFAULT_VALUE, fp, m[PM_STATUS]->offset, "status \"%.40s\" is not one of "
				    "Pending, Processing, Completed, Error", m[PM_STATUS]->str);
			else
				p->status = (cb_pay_status)v;
		}
		if (m[PM_AMOUNT] != NULL) {
			cb_ofault_ptr(fp, sizeof(fp), ptr, "amount");
			(void)int_in(e, m[PM_AMOUNT], fp, "amount", 1, CB_ORD_MAX_AMOUNT, &p->amount);
		}
		if (m[PM_TRANSACTION_ID] != NULL) {
			cb_ofault_ptr(fp, sizeof(fp), ptr, "transaction_id");
			if (!id_ok(m[PM_TRANSACTION_ID], CB_ORD_MAX_ID, 0))
				cb_ofault_add(e, CB_OFAULT_VALUE, fp, m[PM_TRANSACTION_ID]->offset, "transaction_id must be 1 "
				    "to %d printable characters without spaces", CB_ORD_MAX_ID);
			else
				p->transaction_id = m[PM_TRANSACTION_ID]->str;
		}
	}
	b->o.npayments = i;
}

/* order_id, marketplace and shop. */
static void
order_ids(cb_order_doc *b, const cb_json_node *const *m)
{
	cb_ofaults *e = &b->faults;

	b->o.marketplace = "tiktok";
	if (m[OM_ORDER_ID] != NULL) {
		/* it names the order's URL, /v1/orders/{id}: an id (ident.h), and
		 * no comma (ids travel comma-separated to the marketplace) */
		char why[160];
		if (!cb_id_check(m[OM_ORDER_ID]->str, m[OM_ORDER_ID]->str_len, CB_ORD_MAX_ID, why, sizeof(why)))
			cb_ofault_add(e, CB_OFAULT_VALUE, "/order_id", m[OM_ORDER_ID]->offset, "order_id %s", why);
		else if (memchr(m[OM_ORDER_ID]->str, ',', m[OM_ORDER_ID]->str_len) != NULL)
			cb_ofault_add(e, CB_OFAULT_VALUE, "/order_id", m[OM_ORDER_ID]->offset, "order_id has a comma "
			    "(order ids travel comma-separated to the marketplace)");
		else
			b->o.order_id = m[OM_ORDER_ID]->str;
	}
	if (m[OM_MARKETPLACE] != NULL && strcmp(m[OM_MARKETPLACE]->str, "tiktok") != 0)
		cb_ofault_add(e, CB_OFAULT_VALUE, "/marketplace", m[OM_MARKETPLACE]->offset, "marketplace \"%.40s\" is "
		    "not supported (only \"tiktok\")", m[OM_MARKETPLACE]->str);
	if (m[OM_SHOP] != NULL) {
		if (!shop_ok(m[OM_SHOP]))
			cb_ofault_add(e, CB_OFAULT_VALUE, "/shop", m[OM_SHOP]->offset, "shop must name a [shop NAME] "
			    "section of the marketplace configuration: 1 to 64 of A-Z a-z 0-9 _ . -");
		else
			b->o.shop = m[OM_SHOP]->str;
	}
}

/* marketplace_status: codebook's status it implies (with its name in
 * *mname), or -1 when absent or unknown (a fault). */
static int
order_market_status(cb_order_doc *b, const cb_json_node *n, const char **mname)
{
	char num[24], names[256];
	const char *s;
	size_t sl;
	int ms;

	if (n == NULL)
		return -1;
	s = n->str;
	sl = n->str_len;
	if (n->type == CB_JSON_NUMBER) {
		(void)snprintf(num, sizeof(num), "%lld", n->is_int ? (long long)n->i : -1LL);
		s = num;
		sl = strlen(num);
	}
	if ((ms = cb_order_market_status(s, sl, mname)) < 0) {
		cb_mkt_status_names(names, sizeof(names));
		cb_ofault_add(&b->faults, CB_OFAULT_VALUE, "/marketplace_status", n->offset, "marketplace_status "
		    "\"%.40s\" is not a TikTok Shop order status (%s, or the legacy %d ... %d)", s, names,
		    cb_mkt_status_at(0)->legacy, cb_mkt_status_at(cb_mkt_status_count() - 1)->legacy);
	} else
		b->o.marketplace_status = *mname;
	return ms;
}

/* status, or the status marketplace_status implies. */
static void
order_status(cb_order_doc *b, const cb_json_node *root, const cb_json_node *const *m)
{
	cb_ofaults *e = &b->faults;
	const char *mname = NULL;
	int v, ms = order_market_status(b, m[OM_MSTATUS], &mname);

	b->o.status = CB_ORD_STATUS_COUNT;
	if (m[OM_STATUS] != NULL) {
		if ((v = cb_ord_status_parse(m[OM_STATUS]->str, m[OM_STATUS]->str_len)) < 0)
			cb_ofault_add(e, CB_OFAULT_VALUE, "/status", m[OM_STATUS]->offset, "status \"%.40s\" is not one of "
			    "Incomplete, Ready for Shipping, Shipped, Delivered, Cancelled", m[OM_STATUS]->str);
		else if (ms >= 0 && v != ms)
			cb_ofault_add(e, CB_OFAULT_VALUE, "/status", m[OM_STATUS]->offset, "status %s does not match "
			    "marketplace_status %s, which is %s", cb_ord_status_name((cb_ord_status)v), mname,
			    cb_ord_status_name((cb_ord_status)ms));
		else
			b->o.status = (cb_ord_status)v;
	} else if (ms >= 0) {
		b->o.status = (cb_ord_status)ms;
	} else if (cb_json_get(b->doc, root, "status") == NULL && m[OM_MSTATUS] == NULL &&
	    cb_json_get(b->doc, root, "marketplace_status") == NULL) {
		cb_ofault_add(e, CB_OFAULT_SHAPE, "/status", root->offset, "status is required (Incomplete, Ready for "
		    "Shipping, Shipped, Delivered, Cancelled), or marketplace_status to derive it from");
	}
}

/* currency, shipping_cost and total as sent. */
static void
order_money(cb_order_doc *b, const cb_json_node *const *m)
{
	cb_ofaults *e = &b->faults;

	if (m[OM_CURRENCY] != NULL) {
		if (cb_currency_minor_units(m[OM_CURRENCY]->str, m[OM_CURRENCY]->str_len) < 0)
			cb_ofault_add(e, CB_OFAULT_VALUE, "/currency", m[OM_CURRENCY]->offset, "currency \"%.16s\" is not an "
			    "ISO 4217 currency code (GBP, EUR, USD ...)", m[OM_CURRENCY]->str);
		else
			b->o.currency = m[OM_CURRENCY]->str;
	}
	if (m[OM_SHIPPING] != NULL)
		(void)int_in(e, m[OM_SHIPPING], "/shipping_cost", "shipping_cost", 0, CB_ORD_MAX_AMOUNT,
		    &b->o.shipping_cost);
	if (m[OM_TOTAL] != NULL && int_in(e, m[OM_TOTAL], "/total", "total", 0, CB_ORD_MAX_AMOUNT, &b->total))
		b->has_total = 1;
	/* the marketplace's update_time of marketplace_status: orders its
	 * status against webhooks and the order pull (Unix seconds, to 9999) */
	if (m[OM_MTIME] != NULL)
		(void)int_in(e, m[OM_MTIME], "/marketplace_update_time", "marketplace_update_time", 1,
		    INT64_C(253402300799), &b->o.mkt_status_time);
}

/* items and payments; CB_OK or CB_ENOMEM. */
static int
order_lists(cb_order_doc *b, const cb_json_node *const *m)
{
	const cb_json_node *items = m[OM_ITEMS], *pays = m[OM_PAYMENTS];

	if (items != NULL && items->nchildren > 0 && items->nchildren <= CB_ORD_MAX_ITEMS &&
	    (b->o.items = cb__calloc(items->nchildren, sizeof(*b->o.items))) == NULL)
		return CB_ENOMEM;
	if (items != NULL)
		parse_items(b, items);
	if (pays != NULL && pays->nchildren > 0 && pays->nchildren <= CB_ORD_MAX_PAYMENTS &&
	    (b->o.payments = cb__calloc(pays->nchildren, sizeof(*b->o.payments))) == NULL)
		return CB_ENOMEM;
	if (pays != NULL)
		parse_payments(b, pays);
	return CB_OK;
}

/* The sums, once every value is known good: every term is at most
 * CB_ORD_MAX_AMOUNT, so they cannot overflow. */
static void
order_sums(cb_order_doc *b, const cb_json_node *const *m)
{
	cb_ofaults *e = &b->faults;
	int64_t sum = 0, paid = 0;
	size_t i;

	for (i = 0; i < b->o.nitems; i++)
		sum += b->o.items[i].amount;
	b->o.items_total = sum;
	b->o.total = sum + b->o.shipping_cost;
	if (b->o.total > CB_ORD_MAX_AMOUNT)
		cb_ofault_add(e, CB_OFAULT_VALUE, "/items", m[OM_ITEMS]->offset, "the order's total %lld is more than "
		    "%lld", (long long)b->o.total, (long long)CB_ORD_MAX_AMOUNT);
	if (b->has_total && b->total != b->o.total)
		cb_ofault_add(e, CB_OFAULT_VALUE, "/total", m[OM_TOTAL]->offset, "total %lld does not add up: the items "
		    "come to %lld and shipping_cost to %lld, together %lld", (long long)b->total,
		    (long long)sum, (long long)b->o.shipping_cost, (long long)b->o.total);
	for (i = 0; i < b->o.npayments; i++)
		if (b->o.payments[i].status != CB_PAY_ERROR)
			paid += b->o.payments[i].amount;
	if (paid > b->o.total)
		cb_ofault_add(e, CB_OFAULT_VALUE, "/payments", m[OM_PAYMENTS]->offset, "the payments come to %lld, more "
		    "than the order's total %lld", (long long)paid, (long long)b->o.total);
}

int
cb_order_doc_parse(cb_order_doc *b, const char *text, size_t len)
{
	const cb_json_node *root, *m[OM_COUNT];
	int nomem;

	memset(b, 0, sizeof(*b));
	if ((root = parse_object(&b->doc, &b->body, text, len, 0, &nomem)) == NULL)
		return nomem ? CB_ENOMEM : CB_OK;
	members(&b->faults, b->doc, root, "", order_members, OM_COUNT, m);
	order_ids(b, m);
	order_status(b, root, m);
	order_money(b, m);
	if (order_lists(b, m) != CB_OK)
		return CB_ENOMEM;
	if (b->faults.total == 0)
		order_sums(b, m);
	return CB_OK;
}

void
cb_order_doc_free(cb_order_doc *b)
{
	if (b == NULL)
		return;
	free(b->o.items);
	free(b->o.payments);
	cb_json_free(b->doc);
	memset(b, 0, sizeof(*b));
}

int
cb_order_market_status(const char *s, size_t len, const char **name)
{
	const cb_mkt_status *st = cb_mkt_status_find(s, len);

	if (st == NULL)
		return -1;
	if (name != NULL)
		*name = st->name;
	return (int)cb_ord__status_of(st->cls);
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

/* reason_key, amount and currency as sent. */
static void
cancel_head(cb_cancel_doc *b, const cb_json_node *const *m)
{
	cb_cancel_req *q = &b->req;
	cb_ofaults *e = &b->faults;

	if (m[CM_REASON_KEY] != NULL && m[CM_REASON_KEY]->type == CB_JSON_STRING) {
		if (!id_ok(m[CM_REASON_KEY], 255, 0))
			cb_ofault_add(e, CB_OFAULT_VALUE, "/reason_key", m[CM_REASON_KEY]->offset, "reason_key must be a "
			    "reverse reason key: 1 to 255 printable characters without spaces (or null for the "
			    "default)");
		else
			q->reason_key = m[CM_REASON_KEY]->str;
	}
	if (m[CM_AMOUNT] != NULL && int_in(e, m[CM_AMOUNT], "/amount", "amount", 1, CB_ORD_MAX_AMOUNT, &q->amount)) {
		q->has_amount = 1;
		q->amount_offset = m[CM_AMOUNT]->offset;
	}
	if (m[CM_CURRENCY] != NULL) {
		q->currency_offset = m[CM_CURRENCY]->offset;
		if (cb_currency_minor_units(m[CM_CURRENCY]->str, m[CM_CURRENCY]->str_len) < 0)
			cb_ofault_add(e, CB_OFAULT_VALUE, "/currency", m[CM_CURRENCY]->offset, "currency \"%.16s\" is not an "
			    "ISO 4217 currency code (GBP, EUR, USD ...)", m[CM_CURRENCY]->str);
		else
			q->currency = m[CM_CURRENCY]->str;
	}
}

/* One refund row, @it, the @i-th. */
static void
cancel_row(cb_cancel_doc *b, const cb_json_node *it, size_t i)
{
	cb_refund_row *r = &b->req.rows[i];
	cb_ofaults *e = &b->faults;
	const cb_json_node *rm[RM_COUNT];
	char ptr[96], fp[96];
	int v;

	cb_ofault_ptr_index(ptr, sizeof(ptr), "/refund_rows", i);
	r->row = (int)i + 1;
	b->req.row_offset[i] = it->offset;
	if (it->type != CB_JSON_OBJECT) {
		cb_ofault_add(e, CB_OFAULT_SHAPE, ptr, it->offset, "a refund row must be an object, not %s",
		    cb_json_type_name(it->type));
		return;
	}
	members(e, b->doc, it, ptr, row_members, RM_COUNT, rm);
	if (rm[RM_TYPE] != NULL) {
		cb_ofault_ptr(fp, sizeof(fp), ptr, "type");
		if ((v = cb_row_kind_parse(rm[RM_TYPE]->str, rm[RM_TYPE]->str_len)) < 0)
			cb_ofault_add(e, CB_OFAULT_VALUE, fp, rm[RM_TYPE]->offset, "type \"%.40s\" is not item_cost or "
			    "shipping_cost", rm[RM_TYPE]->str);
		else
			r->kind = (cb_row_kind)v;
	}
	if (rm[RM_SKU] != NULL) {
		cb_ofault_ptr(fp, sizeof(fp), ptr, "sku");
		if (!id_ok(rm[RM_SKU], CB_ORD_MAX_ID, 0))
			cb_ofault_add(e, CB_OFAULT_VALUE, fp, rm[RM_SKU]->offset, "sku must be 1 to %d printable "
			    "characters without spaces", CB_ORD_MAX_ID);
		else
			r->sku = rm[RM_SKU]->str;
	} else if (rm[RM_TYPE] != NULL && r->kind == CB_ROW_ITEM_COST && cb_json_get(b->doc, it, "sku") == NULL) {
		cb_ofault_ptr(fp, sizeof(fp), ptr, "sku");
		cb_ofault_add(e, CB_OFAULT_SHAPE, fp, it->offset, "an item_cost row needs the sku of the item");
	}
	if (rm[RM_AMOUNT] != NULL) {
		cb_ofault_ptr(fp, sizeof(fp), ptr, "amount");
		(void)int_in(e, rm[RM_AMOUNT], fp, "amount", 1, CB_ORD_MAX_AMOUNT, &r->amount);
	}
}

int
cb_cancel_doc_parse(cb_cancel_doc *b, const char *text, size_t len)
{
	const cb_json_node *root, *m[CM_COUNT], *rows, *it;
	cb_cancel_req *q = &b->req;
	size_t i;
	int nomem;

	memset(b, 0, sizeof(*b));
	if ((root = parse_object(&b->doc, &b->body, text, len, 1, &nomem)) == NULL)
		return nomem ? CB_ENOMEM : CB_OK;
	members(&b->faults, b->doc, root, "", cancel_members, CM_COUNT, m);
	cancel_head(b, m);
	if ((rows = m[CM_ROWS]) == NULL)
		return CB_OK;
	q->has_rows = 1;
	q->rows_offset = rows->offset;
	if (rows->nchildren == 0 || rows->nchildren > CB_ORD_MAX_REFUND_ROWS) {
		cb_ofault_add(&b->faults, CB_OFAULT_VALUE, "/refund_rows", rows->offset, "refund_rows holds 1 to %d "
		    "rows (leave it out to refund the whole order)", CB_ORD_MAX_REFUND_ROWS);
		return CB_OK;
	}
	if ((q->rows = cb__calloc(rows->nchildren, sizeof(*q->rows))) == NULL ||
	    (q->row_offset = cb__calloc(rows->nchildren, sizeof(*q->row_offset))) == NULL)
		return CB_ENOMEM;
	for (i = 0, it = cb_json_child(b->doc, rows); it != NULL; it = cb_json_next(b->doc, it), i++)
		cancel_row(b, it, i);
	q->nrows = i;
	return CB_OK;
}

void
cb_cancel_doc_free(cb_cancel_doc *b)
{
	if (b == NULL)
		return;
	free(b->req.rows);
	free(b->req.row_offset);
	cb_json_free(b->doc);
	memset(b, 0, sizeof(*b));
}
