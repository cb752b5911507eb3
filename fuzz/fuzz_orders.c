/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_orders.c - the parsers of outside input for orders (seed 003): the
 * bodies of POST /v1/orders and POST /v1/orders/{id}/cancellations (with
 * the refund rows checked against an order), and the next version of the
 * mirrored reverse-reason set built from a marketplace list.  Input: one
 * mode byte, then the data.  Invariants: an accepted order adds up and is
 * within the limits; an accepted refund has rows that add up to its amount
 * and stay within what the order has; a rejected one names a fault; a
 * built set keeps every code of the one before.
 *
 * It links the orders domain (cb_orders), which owns these documents.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <codebook.h>

#include "market/market.h"
#include "orders/cancel.h"
#include "orders/doc.h"
#include "orders/orders.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cb_codeset *reasons;

static void
fuzz_order(const char *p, size_t n)
{
	cb_order_doc b;
	int64_t sum = 0;
	size_t i;

	if (cb_order_doc_parse(&b, p, n) != CB_OK) {
		cb_order_doc_free(&b);
		return;
	}
	if (!CB_DOC_FAILED(&b)) {
		if (b.o.order_id == NULL || b.o.shop == NULL || b.o.currency == NULL || b.o.nitems == 0 ||
		    b.o.status >= CB_ORD_STATUS_COUNT)
			abort();
		for (i = 0; i < b.o.nitems; i++) {
			if (b.o.items[i].sku == NULL || b.o.items[i].quantity < 1 || b.o.items[i].unit_price < 0 ||
			    b.o.items[i].amount != b.o.items[i].quantity * b.o.items[i].unit_price)
				abort();
			sum += b.o.items[i].amount;
		}
		if (sum != b.o.items_total || b.o.total != sum + b.o.shipping_cost || b.o.total > CB_ORD_MAX_AMOUNT ||
		    (b.has_total && b.total != b.o.total))
			abort();
	} else if (b.body.cls == CB_OFAULT_NONE && (b.faults.n == 0 || b.faults.v[0].message[0] == '\0'))
		abort();
	cb_order_doc_free(&b);
}

static void
fuzz_refund(const char *p, size_t n)
{
	static cb_ord_item items[2] = {
		{ 1, "TSHIRT-M", NULL, NULL, 2, 1000, 2000, 500, "Partially Refunded" },
		{ 2, "MUG", NULL, NULL, 1, 499, 499, 0, "Paid" },
	};
	cb_order o;
	cb_cancel_doc b;
	cb_refund_plan plan;
	int64_t sum = 0, per[2] = { 0, 0 }, ship = 0;
	size_t i;

	memset(&o, 0, sizeof(o));
	o.order_id = "576461413038785752";
	o.currency = "GBP";
	o.items = items;
	o.nitems = 2;
	o.shipping_cost = 399;
	o.total = 2898;
	o.refunded = 500;
	memset(&plan, 0, sizeof(plan));
	if (cb_cancel_doc_parse(&b, p, n) != CB_OK || CB_DOC_FAILED(&b) ||
	    cb_cancel_check(&plan, &b.faults, &b.req, &o) != CB_OK || b.faults.total > 0) {
		cb_refund_plan_free(&plan);
		cb_cancel_doc_free(&b);
		return;
	}
	for (i = 0; i < plan.nrows; i++) {
		const cb_refund_row *r = &plan.rows[i];
		if (r->amount <= 0)
			abort();
		sum += r->amount;
		if (r->kind == CB_ROW_SHIPPING_COST)
			ship += r->amount;
		else if (r->item_line < 1 || r->item_line > 2)
			abort();
		else
			per[r->item_line - 1] += r->amount;
	}
	if (sum != plan.amount || sum <= 0 || ship > 399 || per[0] > 1500 || per[1] > 499)
		abort();
	cb_refund_plan_free(&plan);
	cb_cancel_doc_free(&b);
}

/* Lines "key<TAB>text<TAB>status,status" (no third field: no list). */
static void
fuzz_sync(const char *p, size_t n)
{
	cb_mkt_reason items[64];
	const char *st[64][4];
	char *copy, *line, *next, *f2, *f3, *s;
	cb_mkt_reasons rs = { items, 0, "", NULL };
	cb_codeset *next_set = NULL;
	char why[256];
	size_t i, k;

	if ((copy = malloc(n + 1)) == NULL)
		return;
	memcpy(copy, p, n);
	copy[n] = '\0';
	for (line = copy; line != NULL && rs.n < 64; line = next) {
		cb_mkt_reason *r = &items[rs.n];
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		memset(r, 0, sizeof(*r));
		f2 = strchr(line, '\t');
		if (f2 != NULL)
			*f2++ = '\0';
		f3 = f2 ? strchr(f2, '\t') : NULL;
		if (f3 != NULL)
			*f3++ = '\0';
		if (line[0] == '\0')
			continue;
		r->key = line;
		r->text = f2 ? f2 : "";
		r->statuses = st[rs.n];
		if (f3 != NULL) {
			r->has_statuses = 1;
			for (s = f3; s != NULL && r->nstatuses < 4; s = f2) {
				if ((f2 = strchr(s, ',')) != NULL)
					*f2++ = '\0';
				if (*s != '\0')
					st[rs.n][r->nstatuses++] = s;
			}
		}
		rs.n++;
	}
	if (cb_reason_sync_build(&next_set, reasons, &rs, 2, why, sizeof(why)) == CB_OK) {
		if (cb_codeset_version(next_set) != 2)
			abort();
		for (i = 0; i < cb_codeset_entry_count(reasons); i++) {
			const cb_entry *e = cb_codeset_entry(reasons, i);
			if (cb_codeset_find(next_set, cb_entry_code(e), cb_entry_code_len(e)) == NULL)
				abort();	/* a mirror never deletes */
		}
		for (k = 0; k < rs.n; k++)
			if (cb_codeset_find(next_set, items[k].key, strlen(items[k].key)) == NULL)
				abort();
	}
	cb_codeset_free(next_set);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data + 1;

	if (reasons == NULL) {
		const char *dir = getenv("CB_CATALOGS");
		char path[4096];
		(void)snprintf(path, sizeof(path), "%s/tiktok-reverse-reason@GB.json", dir ? dir : CB_FUZZ_CATALOGS);
		if (cb_codeset_load_file(&reasons, path) != CB_OK) {
			fprintf(stderr, "fuzz_orders: %s\n", cb_errmsg());
			abort();
		}
	}
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0: fuzz_order(p, size - 1); break;
	case 1: fuzz_refund(p, size - 1); break;
	default: fuzz_sync(p, size - 1); break;
	}
	return 0;
}
