/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_market_envelope.c - the marketplace's replies on arbitrary bytes:
 * the envelope parser and, on what it accepts, every operation's data
 * parser must return a result or an error with a reason, never crash,
 * leak or read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "market/market_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cb_mkt_envelope env;
	cb_mkt_reasons *r = NULL;
	cb_mkt_cancellations *c = NULL;
	cb_mkt_orders *o = NULL;
	cb_mkt_cancel_result res;
	char why[256];
	size_t i;

	if (cb_mkt__envelope_parse(&env, (const char *)data, size, why, sizeof(why)) != CB_OK) {
		if (why[0] == '\0')
			abort();	/* every refusal says why */
		return 0;
	}
	if (cb_mkt__parse_reasons(&r, &env, why, sizeof(why)) == CB_OK) {
		for (i = 0; i < r->n; i++)
			if (r->items[i].key[0] == '\0' || (r->items[i].nstatuses > 0 && r->items[i].statuses == NULL))
				abort();
		cb_mkt_reasons_free(r);
	}
	(void)cb_mkt__parse_cancel_legacy(&res, &env, why, sizeof(why));
	if (cb_mkt__parse_cancel_current(&res, &env, why, sizeof(why)) == CB_OK &&
	    (res.id[0] == '\0' || strlen(res.status) >= sizeof(res.status)))
		abort();
	if (cb_mkt__parse_cancellations(&c, &env, why, sizeof(why)) == CB_OK)
		cb_mkt_cancellations_free(c);
	if (cb_mkt__parse_orders(&o, &env, why, sizeof(why)) == CB_OK) {
		for (i = 0; i < o->n; i++)
			if (cb_mkt_orders_find(o, o->items[i].id) == NULL)
				abort();
		cb_mkt_orders_free(o);
	}
	cb_mkt__envelope_free(&env);
	return 0;
}
