/* SPDX-License-Identifier: Apache-2.0 */
/*
 * shops.h - shops whose credentials live in the database (issue 12):
 * a marketplace client made from a shop's row, whose refreshed tokens are
 * stored back in one transaction and whose failed refresh marks the shop
 * as needing attention, for the worker, `codebook shops` and the service.
 * docs/marketplace.md ("Shops and tokens").
 */
#ifndef CB_ORDERS_SHOPS_H
#define CB_ORDERS_SHOPS_H

#include <stddef.h>
#include <stdint.h>

#include "jsonw.h"
#include "market.h"
#include "../store/store.h"

/* A client's tie to its shop's row: who it writes tokens back to. */
typedef struct cb_shop_link cb_shop_link;

/* The configuration of stored shop @s: its settings parsed as the file's
 * lines are, its credentials and tokens added.  CB_OK or an error naming
 * the shop (never a value). */
int cb_shop_config(cb_mkt_config **out, const cb_store_shop *s);

/*
 * The client of shop @name as the database holds it, with the token hooks
 * set (market.h): a refresh is stored, the tokens another process stored
 * are taken, a failed refresh sets the shop's attention.  Free the link
 * after the client.  CB_OK; CB_ENOTFOUND when the database has no such
 * shop (cb_errmsg() says so); another error.
 */
int cb_shop_client(cb_mkt **m, cb_shop_link **link, cb_store *st, const char *name);

/* The shop as stored now: *stale = 1 when its tokens changed in a way the
 * client did not see (rotated by a person); its attention into @attention
 * ("" when fine).  CB_OK; CB_ENOTFOUND when the shop was removed. */
int cb_shop_check(cb_shop_link *l, int *stale, char *attention, size_t size);

void cb_shop_link_free(cb_shop_link *l);

/*
 * The client of shop @name wherever it is kept, the one lookup of the
 * worker, the reason sync and `codebook tiktok`: the database's row when
 * @st (may be NULL) holds it (*link set, as cb_shop_client()), else the
 * [shop NAME] section of file @market_config with variables @env (*link
 * NULL); an empty or NULL @name is the file's top.  CB_OK; CB_ENOTFOUND
 * when neither has the shop (or there is no file); another error.
 */
int cb_shop_open(cb_mkt **m, cb_shop_link **link, cb_store *st, const char *market_config,
    const char *const *env, const char *name);

/* The configuration of shop @name as cb_shop_open() finds it (the
 * database's row, else the file's section), without a client.  CB_OK;
 * CB_ENOTFOUND; another error. */
int cb_shop_config_find(cb_mkt_config **out, cb_store *st, const char *market_config,
    const char *const *env, const char *name);

/* The shops known: the database's by name, then the file's (file order)
 * that the database does not hold; at most @max into @names.  CB_OK (a
 * NULL @st or @market_config adds nothing); an error when either cannot
 * be read. */
int cb_shop_names_all(char (*names)[65], size_t max, size_t *n, cb_store *st, const char *market_config);

/* The app key and secret that sign the notifications of shop @id (a
 * notification's shop_id): those of the stored shop whose shop_id or
 * shop_cipher is @id, into a configuration (*out).  CB_OK; CB_ENOTFOUND
 * when no stored shop has it; another error. */
int cb_shop_hook_config(cb_mkt_config **out, cb_store *st, const char *id);

/* How many stored shops need attention (a failed refresh), for /readyz and
 * /metrics; -1 when the database cannot say. */
long cb_shops_needing_attention(cb_store *st);

/* Shop @s as the CLI and the API show it: name, api, market, app_key,
 * shop_cipher, the tokens' expiries, token_version, state ("ok" or
 * "needs-attention") and why; never a secret. */
void cb_shop_json(cb_jw *w, const cb_store_shop *s);

/* The row to store for shop @name of configuration @cfg (checked as a
 * client would be): @settings (size @size) receives its settings text;
 * @s borrows from @cfg.  CB_OK, CB_EINVAL, CB_ETOOBIG. */
int cb_shop_from_config(cb_store_shop *s, char *settings, size_t size, const char *name,
    const cb_mkt_config *cfg);

/* A shop read from configuration text ("key = value" lines: the keys of
 * the file; the API's bodies), checked as the worker would read it; with
 * @tokens_only, only the tokens and app_secret (access_token required). */
typedef struct cb_shop_input cb_shop_input;
int cb_shop_input_parse(cb_shop_input **out, const char *name, const char *text, size_t len,
    const char *origin, int tokens_only);
/* The row to store (borrowed from @in). */
const cb_store_shop *cb_shop_input_row(const cb_shop_input *in);
void cb_shop_input_free(cb_shop_input *in);

#endif
