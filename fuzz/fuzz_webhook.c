/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_webhook.c - the parser of the notifications TikTok Shop sends
 * (src/orders/webhook.c, cb_hook_parse) and the check of their signature.
 * Input: the body as received.  Invariants: an accepted notification has
 * an id of printable characters without spaces, a shop id, and for types
 * 1 and 11 an order id and a status; a refused one says why; the signature
 * of the body verifies, and one changed digit does not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "market/market.h"
#include "orders/webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
printable_id(const char *s)
{
	size_t i, n = strlen(s);

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return n > 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	char why[256], sig[CB_MKT_SIGN_HEX + 1];
	cb_hook h;

	if (cb_hook_parse(&h, p, size, why, sizeof(why)) == 0) {
		if (!printable_id(h.id) || !printable_id(h.shop_id) || h.timestamp < 0)
			abort();
		if ((h.type == CB_HOOK_ORDER_STATUS || h.type == CB_HOOK_CANCELLATION) && !printable_id(h.order_id))
			abort();
		if (h.type == CB_HOOK_ORDER_STATUS && !printable_id(h.order_status))
			abort();
		if (h.type == CB_HOOK_CANCELLATION && !printable_id(h.cancellation_status))
			abort();
	} else if (why[0] == '\0')
		abort();
	if (size <= CB_MKT_MAX_WEBHOOK_BODY && cb_mkt_webhook_sign(sig, "68xu9ks5p4i8", "e59af819cc", p, size) == 0) {
		if (!cb_mkt_webhook_verify("68xu9ks5p4i8", "e59af819cc", p, size, sig))
			abort();
		sig[size % CB_MKT_SIGN_HEX] = sig[size % CB_MKT_SIGN_HEX] == '0' ? '1' : '0';
		if (cb_mkt_webhook_verify("68xu9ks5p4i8", "e59af819cc", p, size, sig))
			abort();
	}
	return 0;
}
