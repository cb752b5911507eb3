/* SPDX-License-Identifier: Apache-2.0 */
/*
 * shops.c - a shop's configuration split for the database: the settings
 * that are not secret, as the "key = value" lines cb_mkt_config_parse()
 * reads, and the credentials, which the store keeps in columns of their
 * own (so that `codebook shops list` and the API can show the one and
 * never the other).
 */
#include "market_int.h"

#include <stdio.h>
#include <string.h>

int
cb_mkt_config_settings(char *out, size_t size, const cb_mkt_config *cfg)
{
	const struct { const char *key, *value; } strs[] = {
		{ "base_url", cfg->base_url }, { "auth_url", cfg->auth_url }, { "shop_id", cfg->shop_id },
		{ "shop_cipher", cfg->shop_cipher }, { "market", cfg->market },
		{ "status_incomplete", cfg->status_incomplete },
		{ "status_ready_for_shipping", cfg->status_ready_for_shipping },
	};
	size_t i, o = 0;
	int n;

	if (out == NULL || size == 0 || cfg == NULL)
		return cb__fail(CB_EINVAL, "cb_mkt_config_settings: NULL argument");
	out[0] = '\0';
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		if (strs[i].value == NULL)
			continue;
		n = snprintf(out + o, size - o, "%s = %s\n", strs[i].key, strs[i].value);
		if (n < 0 || (size_t)n >= size - o)
			return cb__fail(CB_ETOOBIG, "shop settings: more than %zu bytes", size - 1);
		o += (size_t)n;
	}
	n = snprintf(out + o, size - o, "api = %s\ntimeout_ms = %u\nconnect_timeout_ms = %u\n"
	    "max_response_bytes = %zu\nrefresh_margin_s = %u\n", cb_mkt_api_name(cfg->api), cfg->timeout_ms,
	    cfg->connect_timeout_ms, cfg->max_response, cfg->refresh_margin_s);
	if (n < 0 || (size_t)n >= size - o)
		return cb__fail(CB_ETOOBIG, "shop settings: more than %zu bytes", size - 1);
	return CB_OK;
}
