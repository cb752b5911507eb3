/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store_drift.c - what issue 10 added to the store, on each backend
 * (backend.h): the changes kept with each published version, the codes
 * observed in marketplace traffic (counted, first and last seen, the last
 * request id; listed per set), and the scan of the open refunds that the
 * dry run of a reverse-reason set judges again.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "orders/order_rules.h"
#include "store/store.h"

static cb_store *st;

static void
setup(void)
{
	cr_assert_eq(cb_store_open(&st, tb_fresh("d.db"), 2), CB_OK, "%s", cb_errmsg());
}

static void
teardown(void)
{
	cb_store_close(st);
	st = NULL;
	tb_drop();
}

TestSuite(drift, .init = setup, .fini = teardown);

/* ---- the changes of a version ---------------------------------------------- */

static char *gate_changes;

static int
gate_with_changes(void *arg, const cb_store_setver *latest)
{
	(void)arg;
	(void)latest;
	return CB_GATE_PUBLISH;
}

static cb_store_setpub_status
publish(int version, const char *body, char *changes)
{
	cb_store_setpub p;
	cb_store_setpub_status status;

	memset(&p, 0, sizeof(p));
	p.name = "m@GB";
	p.version = version;
	p.body = body;
	p.len = strlen(body);
	p.source = "marketplace";
	p.by = "schedule";
	p.gate = gate_with_changes;
	gate_changes = changes;
	p.changes = changes != NULL ? &gate_changes : NULL;
	cr_assert_eq(cb_store_set_publish(st, &p, &status), CB_OK, "%s", cb_errmsg());
	return status;
}

struct vers { int n; char changes[4][256]; int null[4]; };

static int
vrow(void *arg, const cb_store_setver *v)
{
	struct vers *vs = arg;

	cr_assert_null(v->body);
	vs->null[vs->n] = v->changes == NULL;
	(void)snprintf(vs->changes[vs->n], sizeof(vs->changes[0]), "%s", v->changes ? v->changes : "");
	vs->n++;
	return 0;
}

Test(drift, a_version_keeps_its_changes)
{
	char ch[] = "[{\"rule\":\"APPLIES_NO_NARROW\",\"severity\":\"breaking\",\"subject\":\"k\"}]";
	cb_store_setver v;
	struct vers vs;

	cr_assert_eq(publish(1, "{\"v\":1}", NULL), CB_SETPUB_CREATED);
	cr_assert_eq(publish(2, "{\"v\":2}", ch), CB_SETPUB_CREATED);
	cr_assert_eq(cb_store_set_latest(st, "m@GB", &v), CB_OK);
	cr_assert_str_eq(v.changes, ch);
	cr_assert_str_eq(v.source, "marketplace");
	cb_store_setver_clear(&v);
	cr_assert_null(v.changes);
	cr_assert_eq(cb_store_set_get(st, "m@GB", 1, &v), CB_OK);
	cr_assert_null(v.changes);
	cb_store_setver_clear(&v);
	memset(&vs, 0, sizeof(vs));
	cr_assert_eq(cb_store_set_versions(st, "m@GB", vrow, &vs), CB_OK);
	cr_assert_eq(vs.n, 2);
	cr_assert(vs.null[0]);
	cr_assert_str_eq(vs.changes[1], ch);
	/* a version put without the gate keeps none */
	cr_assert_eq(cb_store_set_put(st, "m@GB", 3, "{\"v\":3}", 7, "api", "ci"), CB_OK);
	cr_assert_eq(cb_store_set_latest(st, "m@GB", &v), CB_OK);
	cr_assert_null(v.changes);
	cb_store_setver_clear(&v);
}

/* ---- observed codes ---------------------------------------------------------- */

struct seen { int n; cb_store_obs o[8]; char code[8][64], rid[8][64], first[8][40], last[8][40], in[8][96]; };

static int
orow(void *arg, const cb_store_obs *o)
{
	struct seen *s = arg;

	s->o[s->n] = *o;
	(void)snprintf(s->code[s->n], 64, "%s", o->code);
	(void)snprintf(s->rid[s->n], 64, "%s", o->request_id ? o->request_id : "(null)");
	(void)snprintf(s->first[s->n], 40, "%s", o->first_seen);
	(void)snprintf(s->last[s->n], 40, "%s", o->last_seen);
	(void)snprintf(s->in[s->n], 96, "%s", o->seen_in);
	s->n++;
	return s->n == 8;
}

Test(drift, observed_codes_are_counted_per_set)
{
	struct seen s;

	cr_assert_eq(cb_store_obs_note(st, "tiktok-shop-error", "99999123", "POST /api/reverse/order/cancel",
	    "rid-1"), CB_OK, "%s", cb_errmsg());
	usleep(2000);
	cr_assert_eq(cb_store_obs_note(st, "tiktok-shop-error", "99999123", "POST /return_refund/202309/cancellations",
	    "rid-2"), CB_OK);
	/* a sighting without a request id keeps the last one known */
	cr_assert_eq(cb_store_obs_note(st, "tiktok-shop-error", "99999123", "POST /return_refund/202309/cancellations",
	    NULL), CB_OK);
	cr_assert_eq(cb_store_obs_note(st, "tiktok-shop-error", "10000001", "GET /authorization/202309/shops", ""),
	    CB_OK);
	cr_assert_eq(cb_store_obs_note(st, "tiktok-reverse-reason@VN", "buyer_moved_vn", "search", "rid-3"), CB_OK);

	memset(&s, 0, sizeof(s));
	cr_assert_eq(cb_store_obs_list(st, "tiktok-shop-error", 0, orow, &s), CB_OK);
	cr_assert_eq(s.n, 2);
	cr_assert_str_eq(s.code[0], "10000001");	/* by code */
	cr_assert_eq(s.o[0].count, 1);
	cr_assert_str_eq(s.rid[0], "(null)");
	cr_assert_str_eq(s.code[1], "99999123");
	cr_assert_eq(s.o[1].count, 3);
	cr_assert_str_eq(s.rid[1], "rid-2");
	cr_assert_str_eq(s.in[1], "POST /return_refund/202309/cancellations");
	cr_assert(strcmp(s.first[1], s.last[1]) < 0, "%s %s", s.first[1], s.last[1]);
	/* the limit, and another set's rows */
	memset(&s, 0, sizeof(s));
	cr_assert_eq(cb_store_obs_list(st, "tiktok-shop-error", 1, orow, &s), CB_OK);
	cr_assert_eq(s.n, 1);
	memset(&s, 0, sizeof(s));
	cr_assert_eq(cb_store_obs_list(st, "tiktok-reverse-reason@VN", 0, orow, &s), CB_OK);
	cr_assert_eq(s.n, 1);
	cr_assert_str_eq(s.code[0], "buyer_moved_vn");
	memset(&s, 0, sizeof(s));
	cr_assert_eq(cb_store_obs_list(st, "outbound", 0, orow, &s), CB_OK);
	cr_assert_eq(s.n, 0);
}

Test(drift, observed_values_are_checked)
{
	char big[CB_STORE_OBS_MAX + 2];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cr_assert_eq(cb_store_obs_note(st, "s", "", "here", NULL), CB_EINVAL);
	cr_assert_eq(cb_store_obs_note(st, "s", NULL, "here", NULL), CB_EINVAL);
	cr_assert_eq(cb_store_obs_note(st, "s", big, "here", NULL), CB_EINVAL);
	cr_assert_eq(cb_store_obs_note(st, "s", "c", "here", big), CB_EINVAL);
	cr_assert_eq(tb_int("SELECT COUNT(*) FROM observed_codes"), 0);
}

/* ---- open refunds -------------------------------------------------------------- */

static void
order_with_refund(const char *id, const char *shop, cb_ord_status status, const char *key, int64_t *pid)
{
	cb_ord_item item = { 1, "SKU", NULL, NULL, 1, 1000, 1000, 0, NULL };
	cb_refund_row row = { 1, "SKU", CB_ROW_ITEM_COST, 1, 1000, CB_PAY_PENDING };
	cb_order in;
	const cb_order *o;
	cb_order_rec *rec;
	cb_ord_put_status ps;
	cb_refund_put_status rs;
	unsigned char fp[32];
	char why[256];

	memset(&in, 0, sizeof(in));
	in.order_id = id;
	in.marketplace = "tiktok";
	in.shop = shop;
	in.status = status;
	in.currency = "GBP";
	in.items = &item;
	in.nitems = 1;
	cr_assert_eq(cb_store_order_put(st, &in, cb_order_rules_import_guard, NULL, "r", &ps, why, sizeof(why)),
	    CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_store_order_get(st, id, 0, &rec), CB_OK);
	o = cb_order_rec_get(rec);
	cb_store_order_money_fp(o, fp);
	cr_assert_eq(cb_store_refund_create(st, o->seq, fp, 1000, "GBP", key, &row, 1, "r", NULL, NULL, &rs, pid),
	    CB_OK, "%s", cb_errmsg());
	cr_assert_eq(rs, CB_REFUND_CREATED);
	cb_order_rec_free(rec);
}

struct opens { int n; int64_t pid[8]; char order[8][32], shop[8][32], key[8][64]; cb_ord_status st[8]; };

static int
open_row(void *arg, const cb_store_open_refund *r)
{
	struct opens *o = arg;

	o->pid[o->n] = r->payment_id;
	(void)snprintf(o->order[o->n], 32, "%s", r->order_id);
	(void)snprintf(o->shop[o->n], 32, "%s", r->shop);
	(void)snprintf(o->key[o->n], 64, "%s", r->reason_key ? r->reason_key : "(default)");
	o->st[o->n] = r->order_status;
	o->n++;
	return 0;
}

Test(drift, open_refunds_are_listed)
{
	struct opens o;
	int64_t p1, p2, p3, pid, seq;

	order_with_refund("o-1", "uk-legacy", CB_ORD_READY, "seller_cancel_reason_out_of_stock_uk", &p1);
	order_with_refund("o-2", "vn-current", CB_ORD_INCOMPLETE, NULL, &p2);
	order_with_refund("o-3", "uk-legacy", CB_ORD_READY, "k3", &p3);
	/* a completed refund is no longer open */
	cr_assert_eq(cb_store_pay_claim(st, "w", 1000, 1000, 60000, &pid, &seq), CB_OK);
	cr_assert_eq(pid, p1);
	cr_assert_eq(cb_store_pay_complete(st, pid, "w", "tx", "rid"), CB_OK);
	memset(&o, 0, sizeof(o));
	cr_assert_eq(cb_store_refund_open_each(st, 0, open_row, &o), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(o.n, 2);
	cr_assert_eq(o.pid[0], p2);
	cr_assert_str_eq(o.order[0], "o-2");
	cr_assert_str_eq(o.shop[0], "vn-current");
	cr_assert_str_eq(o.key[0], "(default)");
	cr_assert_eq(o.st[0], CB_ORD_INCOMPLETE);
	cr_assert_eq(o.pid[1], p3);
	cr_assert_str_eq(o.key[1], "k3");
	cr_assert_eq(o.st[1], CB_ORD_READY);
	memset(&o, 0, sizeof(o));
	cr_assert_eq(cb_store_refund_open_each(st, 1, open_row, &o), CB_OK);
	cr_assert_eq(o.n, 1);
}
