/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_market_facts.c - the marketplace's facts, tabled once
 * (src/market/facts.c): statuses found by name or legacy number, what
 * each is in codebook's terms and which reverse-reason value applies to
 * it; cancel statuses both ways; endpoints and how each is sent.
 */
#include <criterion/criterion.h>
#include <string.h>

#include <codebook.h>

#include "market/market.h"

Test(facts, statuses_by_name_and_number)
{
	const cb_mkt_status *s;
	char names[256];

	cr_assert_not_null(s = cb_mkt_status_find("AWAITING_SHIPMENT", 17));
	cr_assert_eq(s->legacy, 111);
	cr_assert_eq(s->cls, CB_MKT_CLASS_READY);
	cr_assert_eq(cb_mkt_status_find("111", 3), s);
	cr_assert_null(cb_mkt_status_find("0111", 4));
	cr_assert_null(cb_mkt_status_find("SHIPPED", 7));
	cr_assert_eq(cb_mkt_status_find("ON_HOLD", 7)->cls, CB_MKT_CLASS_READY);
	cr_assert_eq(cb_mkt_status_find("COMPLETED", 9)->cls, CB_MKT_CLASS_DELIVERED);
	cr_assert_eq(cb_mkt_status_to_legacy("111"), -1);	/* a number is not a name */
	cr_assert_eq(cb_mkt_status_count(), 9);
	cb_mkt_status_names(names, sizeof(names));
	cr_assert_str_eq(names, "UNPAID, ON_HOLD, AWAITING_SHIPMENT, AWAITING_COLLECTION, PARTIALLY_SHIPPING, "
	    "IN_TRANSIT, DELIVERED, COMPLETED, CANCELLED");
	for (size_t i = 1; i < cb_mkt_status_count(); i++)
		cr_assert_lt(cb_mkt_status_at(i - 1)->legacy, cb_mkt_status_at(i)->legacy);
	cr_assert_null(cb_mkt_status_at(cb_mkt_status_count()));
}

Test(facts, the_reason_list_value_of_each_class)
{
	static const char *const noenv[] = { NULL };
	cb_mkt_config *cfg = NULL;

	cr_assert_eq(cb_mkt_config_parse(&cfg, "status_ready_for_shipping = 111\n", 31, "t", NULL, noenv), CB_OK,
	    "%s", cb_errmsg());
	cr_assert_str_eq(cb_mkt_reason_status(cfg, CB_MKT_CLASS_INCOMPLETE), "0");
	cr_assert_str_eq(cb_mkt_reason_status(cfg, CB_MKT_CLASS_READY), "111");
	cr_assert_null(cb_mkt_reason_status(cfg, CB_MKT_CLASS_SHIPPED));
	cr_assert_null(cb_mkt_reason_status(cfg, CB_MKT_CLASS_CANCELLED));
	cb_mkt_config_free(cfg);
}

Test(facts, cancel_statuses_both_ways)
{
	static const cb_mkt_cancel_state states[] = { CB_MKT_CANCEL_PENDING, CB_MKT_CANCEL_SUCCESS,
		CB_MKT_CANCEL_REFUSED, CB_MKT_CANCEL_COMPLETE };

	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		cr_assert_eq(cb_mkt_cancel_state_parse(cb_mkt_cancel_status(states[i])), states[i]);
	cr_assert_str_eq(cb_mkt_cancel_status(CB_MKT_CANCEL_REFUSED), "CANCELLATION_REQUEST_CANCEL");
	cr_assert_null(cb_mkt_cancel_status(CB_MKT_CANCEL_DONE));
}

Test(facts, endpoints)
{
	for (int i = 0; i < CB_MKT_EP_COUNT; i++) {
		const cb_mkt_endpoint *e = cb_mkt_endpoint_get((cb_mkt_ep)i);
		cr_assert_not_null(e);
		/* the legacy API is the one under /api/, and never scoped by shop_cipher */
		cr_assert_eq(e->legacy, strncmp(e->path, "/api/", 5) == 0, "%s", e->path);
		cr_assert(!(e->legacy && e->shop_scoped), "%s", e->path);
		/* only cancels are not idempotent */
		cr_assert_eq(e->once, i == CB_MKT_EP_CANCEL || i == CB_MKT_EP_CANCEL_LEGACY, "%s", e->path);
	}
	cr_assert_str_eq(cb_mkt_endpoint_get(CB_MKT_EP_SEARCH)->method, "POST");
	cr_assert_null(cb_mkt_endpoint_get(CB_MKT_EP_COUNT));
}
