/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_reasons.c - the reverse reason of a cancellation (cb_reason_pick:
 * seed 003's defaults and the error texts) and the next version of the
 * mirrored set built from the marketplace's list (cb_reason_sync_build:
 * retired, added, revived, new statuses, new categories), checked with
 * cb_diff as the service's gate does.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "market/market.h"
#include "orders/orders.h"

static cb_codeset *rr;

static void
init(void)
{
	cr_assert_eq(cb_codeset_load_file(&rr, CB_SOURCE_DIR "/catalogs/tiktok-reverse-reason@GB.json"), CB_OK,
	    "%s", cb_errmsg());
}

static void
fini(void)
{
	cb_codeset_free(rr);
	rr = NULL;
}

TestSuite(pick, .init = init, .fini = fini);

static const char *
pick(cb_ord_status st, const char *value, const char *requested, int *defaulted, char *err, size_t n)
{
	const char *key = NULL;

	if (cb_reason_pick(rr, st, value, requested, &key, defaulted, err, n) != 0)
		return NULL;
	return key;
}

Test(pick, defaults_of_seed_003)
{
	char err[2048];
	int d;

	cr_assert_str_eq(pick(CB_ORD_READY, "200", NULL, &d, err, sizeof(err)), "seller_cancel_reason_out_of_stock_uk");
	cr_assert_eq(d, 1);
	/* the default is not available for unpaid orders: the unpaid "Out of stock" is */
	cr_assert_str_eq(pick(CB_ORD_INCOMPLETE, "0", NULL, &d, err, sizeof(err)),
	    "seller_cancel_unpaid_reason_out_of_stock_uk");
	cr_assert_eq(d, 1);
	cr_assert_str_eq(cb_reason_text(rr, "seller_cancel_unpaid_reason_out_of_stock_uk"), "Out of stock");
}

Test(pick, a_key_asked_for)
{
	char err[2048];
	int d;

	cr_assert_str_eq(pick(CB_ORD_READY, "200", "seller_cancel_paid_reason_address_not_deliver_uk", &d, err,
	    sizeof(err)), "seller_cancel_paid_reason_address_not_deliver_uk");
	cr_assert_eq(d, 0);
	cr_assert_null(pick(CB_ORD_INCOMPLETE, "0", "seller_cancel_reason_out_of_stock_uk", &d, err, sizeof(err)));
	cr_assert_str_eq(err, "Reason key \"seller_cancel_reason_out_of_stock_uk\" is not available for an "
	    "Incomplete order (order status 0). Keys available: seller_cancel_unpaid_reason_out_of_stock_uk, "
	    "seller_cancel_unpaid_reason_wrong_price_uk, "
	    "seller_cancel_unpaid_reason_buyer_hasnt_paid_within_time_allowed_uk, "
	    "seller_cancel_unpaid_reason_buyer_requested_cancellation_uk.");
	cr_assert_null(pick(CB_ORD_READY, "200", "nope_uk", &d, err, sizeof(err)));
	cr_assert(strncmp(err, "Reason key \"nope_uk\" is not a TikTok Shop reverse reason (tiktok-reverse-reason@GB v1).",
	    84) == 0, "%s", err);
	cr_assert_null(pick(CB_ORD_READY, "200", "NOPE", &d, err, sizeof(err)));	/* the format refuses it */
	cr_assert(strstr(err, "is not a TikTok Shop reverse reason") != NULL, "%s", err);
	/* a key that suits any status, but rejects a return: not a cancel reason */
	cr_assert_null(pick(CB_ORD_READY, "200", "reverse_reject_return_parcel_reason_5_uk", &d, err, sizeof(err)));
	cr_assert(strstr(err, "is a reject_return_parcel reason, not a seller's cancel reason") != NULL, "%s", err);
}

Test(pick, a_status_the_set_does_not_know)
{
	char err[2048];
	int d;

	cr_assert_null(pick(CB_ORD_READY, "111", NULL, &d, err, sizeof(err)));
	cr_assert(strstr(err, "No reverse reason is known for order status 111") != NULL, "%s", err);
	cr_assert(strstr(err, "knows 0, 200") != NULL, "%s", err);
}

/* ---- the sync -------------------------------------------------------------- */

static const char *s200[] = { "200" };
static const char *s0[] = { "0" };
static const char *s111[] = { "200", "111" };

static cb_mkt_reason
reason(const char *key, const char *text, const char *const *st, size_t n)
{
	cb_mkt_reason r = { key, text, st != NULL, st, n };

	return r;
}

/* The seed's list as the marketplace returns it, from the set itself. */
static size_t
seed_list(cb_mkt_reason *out, size_t max, const char *skip)
{
	size_t i, n = 0;

	for (i = 0; i < cb_codeset_entry_count(rr) && n < max; i++) {
		const cb_entry *e = cb_codeset_entry(rr, i);
		const char *code = cb_entry_code(e);
		int d = cb_codeset_dim_index(rr, "order_status", 12);
		if (skip != NULL && strcmp(code, skip) == 0)
			continue;
		if (cb_entry_restricts(e, (size_t)d))
			out[n++] = reason(code, cb_reason_text(rr, code), cb_entry_admits(e, (size_t)d, 0) ? s0 : s200, 1);
		else
			out[n++] = reason(code, cb_reason_text(rr, code), NULL, 0);
	}
	return n;
}

static int
has_finding(const cb_report *rep, const char *rule, const char *subject)
{
	size_t i;

	for (i = 0; i < cb_report_count(rep); i++) {
		const cb_finding *f = cb_report_get(rep, i);
		if (strcmp(f->rule, rule) == 0 && strcmp(f->subject, subject) == 0)
			return 1;
	}
	return 0;
}

TestSuite(sync, .init = init, .fini = fini);

Test(sync, the_same_list_changes_nothing)
{
	cb_mkt_reason items[40];
	cb_mkt_reasons rs = { items, 0, "", NULL };
	cb_codeset *same = NULL;
	char *a = NULL, *b = NULL, why[256];
	size_t al, bl;

	rs.n = seed_list(items, 40, NULL);
	cr_assert_eq(rs.n, 21);
	cr_assert_eq(cb_reason_sync_build(&same, rr, &rs, 1, why, sizeof(why)), CB_OK, "%s", why);
	cr_assert_eq(cb_codeset_to_json(&a, &al, rr), CB_OK);
	cr_assert_eq(cb_codeset_to_json(&b, &bl, same), CB_OK);
	cr_assert_eq(al, bl);
	cr_assert_eq(memcmp(a, b, al), 0);
	cb_free(a);
	cb_free(b);
	cb_codeset_free(same);
}

Test(sync, dropped_keys_retire_new_keys_join)
{
	cb_mkt_reason items[40];
	cb_mkt_reasons rs = { items, 0, "", NULL };
	cb_codeset *next = NULL;
	cb_report *rep = NULL;
	const cb_entry *e;
	char why[256];
	int d;

	rs.n = seed_list(items, 40, "seller_cancel_reason_wrong_price_uk");
	items[rs.n++] = reason("seller_cancel_reason_damaged_uk", "Damaged", s111, 2);
	items[rs.n++] = reason("mystery_reason_uk", "Mystery", NULL, 0);
	items[rs.n++] = reason("seller_cancel_reason_damaged_uk", "Damaged again", s200, 1);	/* first wins */
	cr_assert_eq(cb_reason_sync_build(&next, rr, &rs, 2, why, sizeof(why)), CB_OK, "%s", why);
	cr_assert_eq(cb_codeset_version(next), 2);
	cr_assert_eq(cb_codeset_entry_count(next), 23);
	e = cb_codeset_find(next, "seller_cancel_reason_wrong_price_uk", 35);
	cr_assert_not_null(e);
	cr_assert_eq(cb_entry_status(e), CB_STATUS_RETIRED);
	e = cb_codeset_find(next, "seller_cancel_reason_damaged_uk", 31);
	cr_assert_not_null(e);
	cr_assert_str_eq(cb_entry_category(e), "seller_cancel");
	cr_assert_eq(cb_entry_since(e), 2);
	cr_assert_str_eq(cb_reason_text(next, "seller_cancel_reason_damaged_uk"), "Damaged");
	d = cb_codeset_dim_index(next, "order_status", 12);
	cr_assert_eq(cb_codeset_dim_value_count(next, (size_t)d), 3);
	cr_assert(cb_entry_admits(e, (size_t)d, 2));
	e = cb_codeset_find(next, "mystery_reason_uk", 17);
	cr_assert_str_eq(cb_entry_category(e), "other");
	cr_assert_eq(cb_diff(&rep, rr, next), CB_OK);
	cr_assert_not(cb_report_is_breaking(rep));
	cr_assert(has_finding(rep, "CODE_RETIRED", "seller_cancel_reason_wrong_price_uk"));
	cr_assert(has_finding(rep, "CODE_ADDED", "seller_cancel_reason_damaged_uk"));
	cr_assert(has_finding(rep, "CATEGORY_ADDED", "other"));
	cb_report_free(rep);
	cb_codeset_free(next);
}

Test(sync, a_narrowed_key_is_refused_by_the_gate)
{
	cb_mkt_reason items[40];
	cb_mkt_reasons rs = { items, 0, "", NULL };
	cb_codeset *next = NULL;
	cb_report *rep = NULL;
	char why[256];
	size_t i;

	rs.n = seed_list(items, 40, NULL);
	for (i = 0; i < rs.n; i++)
		if (strcmp(items[i].key, "reverse_reject_request_reason_1_uk") == 0)
			items[i] = reason(items[i].key, items[i].text, s0, 1);
	cr_assert_eq(cb_reason_sync_build(&next, rr, &rs, 2, why, sizeof(why)), CB_OK, "%s", why);
	cr_assert_eq(cb_diff(&rep, rr, next), CB_OK);
	cr_assert(cb_report_is_breaking(rep));
	cr_assert(has_finding(rep, "APPLIES_NO_NARROW", "reverse_reject_request_reason_1_uk"));
	cb_report_free(rep);
	cb_codeset_free(next);
}

Test(sync, a_key_the_format_refuses)
{
	cb_mkt_reason items[2];
	cb_mkt_reasons rs = { items, 1, "", NULL };
	cb_codeset *next = NULL;
	char why[256];

	items[0] = reason("Seller Cancel", "x", NULL, 0);
	cr_assert_eq(cb_reason_sync_build(&next, rr, &rs, 2, why, sizeof(why)), CB_EPARSE);
	cr_assert(strstr(why, "\"Seller Cancel\"") != NULL, "%s", why);
	cr_assert_null(next);
}

Test(sync, a_key_available_in_no_status)
{
	cb_mkt_reason items[40];
	cb_mkt_reasons rs = { items, 0, "", NULL };
	cb_codeset *next = NULL;
	char why[256];

	rs.n = seed_list(items, 40, NULL);
	items[rs.n++] = reason("seller_cancel_reason_nowhere_uk", "Nowhere", s0, 0);
	cr_assert_eq(cb_reason_sync_build(&next, rr, &rs, 2, why, sizeof(why)), CB_EPARSE);
	cr_assert(strstr(why, "\"seller_cancel_reason_nowhere_uk\" with an empty available_order_status_list") != NULL,
	    "%s", why);
	cr_assert_null(next);
}
