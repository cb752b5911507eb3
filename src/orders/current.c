/* SPDX-License-Identifier: Apache-2.0 */
/*
 * current.c - the cancel reasons of the current API (202309).  Its reason
 * names differ from the legacy keys and by market (MARKETPLACE.md), and
 * no public endpoint lists a seller's cancel reasons, so each market's
 * names are a mirror fed from configuration: the code set
 * tiktok-cancel-reason@MARKET, published like any set (a catalog file, or
 * PUT /v1/code-sets/...), with the legacy mirror's shape (category
 * seller_cancel, the order_status dimension) and, on each entry, the
 * attribute legacy_key naming the legacy key it replaces.  A shop on the
 * current API is judged against it and sends its names; a request that
 * names a legacy key is read as the current name that replaces it.
 */
#include "markets.h"

#include <stdio.h>
#include <string.h>

#include <codebook.h>

void
cb_cancel_set_name(char out[CB_SET_NAME_SIZE], const char *market)
{
	(void)snprintf(out, CB_SET_NAME_SIZE, "%s@%.2s", CB_CANCEL_SET_BASE, market);
}

const char *
cb_cancel_reason_of(const cb_codeset *rr, const char *key)
{
	const char *legacy;
	size_t i;

	if (rr == NULL || key == NULL || cb_codeset_find(rr, key, strlen(key)) != NULL)
		return key;
	for (i = 0; i < cb_codeset_entry_count(rr); i++) {
		const cb_entry *e = cb_codeset_entry(rr, i);
		if ((legacy = cb_entry_attribute(e, "legacy_key")) != NULL && strcmp(legacy, key) == 0 &&
		    cb_entry_code(e) != NULL)
			return cb_entry_code(e);
	}
	return key;
}
