/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_market_config.c - the marketplace configuration parser on arbitrary
 * bytes, with and without a shop section: a configuration or an error with
 * a message, never a crash or a leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "market/market.h"

#include <codebook.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const noenv[] = { NULL };
	static const char *const shops[] = { NULL, "uk", "us" };
	cb_mkt_config *cfg = NULL;
	size_t i;

	for (i = 0; i < sizeof(shops) / sizeof(shops[0]); i++) {
		if (cb_mkt_config_parse(&cfg, (const char *)data, size, "fuzz", shops[i], noenv) == CB_OK) {
			(void)cb_mkt_config_check(cfg);
			if (cfg->base_url != NULL && strncmp(cfg->base_url, "http", 4) != 0)
				abort();
			cb_mkt_config_free(cfg);
			cfg = NULL;
		} else if (cfg != NULL || cb_errmsg()[0] == '\0') {
			abort();
		}
	}
	return 0;
}
