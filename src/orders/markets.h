/* SPDX-License-Identifier: Apache-2.0 */
/*
 * markets.h - which market a shop sells in, and the name of each market's
 * mirrored reverse-reason set.  A marketplace's reverse reasons differ by
 * market (TikTok Shop's seller_base_region: GB, US, VN), so each market
 * has a mirror of its own, named BASE@MARKET (tiktok-reverse-reason@GB),
 * with its own versions; an order is judged against the mirror of its
 * shop's market.  A shop's market is its configuration's "market" key,
 * else what the marketplace says of it (cb_mkt_shop_market), learned once
 * per shop and kept for the life of the process.  docs/orders.md
 * ("Markets") explains it.
 */
#ifndef CB_ORDERS_MARKETS_H
#define CB_ORDERS_MARKETS_H

#include <stddef.h>

#include "ident.h"
#include "market.h"

struct cb_store;

/* The base name of the reverse-reason mirrors. */
#define CB_REASON_SET_BASE "tiktok-reverse-reason"
/* The market of the bundled list (seed 003's UK keys). */
#define CB_REASON_BUNDLED_MARKET "GB"

/* Room for a set name and its NUL. */
#define CB_SET_NAME_SIZE (CB_SET_NAME_MAX + 1)

/* The base name of the mirrors of the current API's (202309) cancel
 * reasons, fed from configuration (current.c). */
#define CB_CANCEL_SET_BASE "tiktok-cancel-reason"

/* "tiktok-cancel-reason@GB" for @market into @out (current.c). */
void cb_cancel_set_name(char out[CB_SET_NAME_SIZE], const char *market);

/* The current name to send for @key in set @rr: @key itself when the set
 * holds it (or has no entry whose legacy_key is @key), else the code of
 * the entry whose attribute legacy_key is @key (current.c). */
struct cb_codeset;
const char *cb_cancel_reason_of(const struct cb_codeset *rr, const char *key);

/* "tiktok-reverse-reason@GB" for @market into @out (CB_SET_NAME_SIZE bytes). */
void cb_reason_set_name(char out[CB_SET_NAME_SIZE], const char *market);

/* The market of reverse-reason set @name ("GB" of tiktok-reverse-reason@GB)
 * into @out; 0, or -1 when @name is not a reverse-reason mirror. */
int cb_reason_set_market(char out[3], const char *name);

/*
 * The market of shop @shop, whose client is @m: the configuration's, the
 * one learned before in this process, or the marketplace's answer (one
 * call, then remembered).  CB_OK; CB_ENOTFOUND when the marketplace does
 * not say (cb_errmsg() explains); CB_ERROR with @err filled when its call
 * failed.
 */
int cb_shop_market(char out[3], cb_mkt *m, const char *shop, cb_mkt_error *err);

/*
 * The same without a client: the configured market of @shop (its row in
 * database @st when it holds it, else file @market_config with variables
 * @env, as cb_shop_open() finds shops), or the one learned in this process;
 * else, when @ask, a client is made and the marketplace asked.  CB_OK;
 * CB_ENOTFOUND when it is not known (and not asked), with the reason in
 * @why; another error when the configuration cannot be read.
 */
int cb_shop_market_find(char out[3], struct cb_store *st, const char *market_config, const char *const *env,
    const char *shop, int ask, char *why, size_t whylen);

/*
 * The order_status value of the reverse reasons that suit an order of
 * status @st (a cb_ord_status) in shop @shop (its row in @store, else its
 * section of @market_config): its configuration's
 * status_incomplete or status_ready_for_shipping, as the worker chooses the
 * keys in, into @out (@n bytes).  CB_OK; CB_ENOTFOUND when such an order
 * cannot be cancelled or the configuration gives no value; another error
 * when the configuration cannot be read.
 */
int cb_shop_reason_status(char *out, size_t n, struct cb_store *store, const char *market_config,
    const char *const *env, const char *shop, int st);

/* The shops of configuration file @market_config, in file order (as
 * cb_mkt_config_shop_names()). */
int cb_shop_names(char (*names)[65], size_t max, size_t *n, const char *market_config);

#endif
