/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_shops.c - codebook shops: the marketplace shops whose credentials
 * the database keeps (issue 12).  Secrets come in through the environment
 * or the shop configuration file, never the command line (which any user
 * of the machine can read in the process list), and are never printed.
 */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "market.h"
#include "shops.h"
#include "store.h"

static const char usage[] =
    "usage: codebook shops add NAME [--from-config FILE] [--db PATH]\n"
    "       codebook shops list [--db PATH] [--json]\n"
    "       codebook shops rotate NAME [--refresh] [--db PATH]\n"
    "       codebook shops remove NAME [--db PATH]\n\n"
    "The marketplace shops whose credentials and tokens live in the database; the worker\n"
    "uses a shop from the database before the configuration file's section of the same name.\n"
    "`add` reads the shop's configuration as the worker reads the file: the section\n"
    "[shop NAME] of --from-config FILE (and its top), then the CB_TIKTOK_<KEY> variables\n"
    "(CB_TIKTOK_APP_SECRET, CB_TIKTOK_ACCESS_TOKEN, CB_TIKTOK_REFRESH_TOKEN, ...).\n"
    "`rotate` stores new tokens from CB_TIKTOK_ACCESS_TOKEN, CB_TIKTOK_REFRESH_TOKEN,\n"
    "CB_TIKTOK_ACCESS_TOKEN_EXPIRES_AT, CB_TIKTOK_REFRESH_TOKEN_EXPIRES_AT (and\n"
    "CB_TIKTOK_APP_SECRET if set), or with --refresh asks the marketplace for new ones with\n"
    "the stored refresh token; either clears the shop's needs-attention state.\n"
    "Secrets are never printed; `list` shows expiries and state only.\n";

static int
print_shop(void *arg, const cb_store_shop *s)
{
	cb_mkt_config *cfg = NULL;

	(void)arg;
	(void)cb_shop_config(&cfg, s);
	printf("%-20s %-7s %-2s  access expires %-10" PRId64 "  refresh expires %-10" PRId64 "  %s%s%s\n", s->name,
	    cfg ? cb_mkt_api_name(cfg->api) : "unset", cfg && cfg->market ? cfg->market : "--", s->access_expires_at,
	    s->refresh_expires_at, s->attention ? "needs-attention: " : "ok", s->attention ? s->attention : "", "");
	cb_mkt_config_free(cfg);
	return 0;
}

static int
json_shop(void *arg, const cb_store_shop *s)
{
	cb_shop_json(arg, s);
	return 0;
}

static int
list_shops(struct cli *c, cb_store *st)
{
	cb_buf b = CB_BUF_INIT(1u << 24);
	cb_jw w;
	int rc;

	if (!c->json)
		return cb_store_shop_each(st, print_shop, NULL) == CB_OK ? EXIT_OK : cli_error("%s", cb_errmsg());
	cb_jw_init(&w, &b, 1);
	cb_jw_arr_begin(&w);
	rc = cb_store_shop_each(st, json_shop, &w);
	cb_jw_arr_end(&w);
	rc = rc == CB_OK ? cli_print_json(&b) : cli_error("%s", cb_errmsg());
	cb_buf_reset(&b);
	return rc;
}

static int
add_shop(cb_store *st, const char *name, const char *file)
{
	const char *shop = NULL, **env = NULL;
	cb_mkt_config *cfg = NULL;
	char settings[CB_SHOP_SETTINGS_MAX + 1];
	cb_store_shop s;
	int rc = EXIT_OK;

	if (cli_market_env(&file, &shop, &env) != EXIT_OK)
		return EXIT_USAGE;
	if (cb_mkt_config_load(&cfg, file, file != NULL ? name : NULL, env) != CB_OK ||
	    cb_shop_from_config(&s, settings, sizeof(settings), name, cfg) != CB_OK ||
	    cb_store_shop_add(st, &s) != CB_OK)
		rc = cli_error("shops add %s: %s", name, cb_errmsg());
	else
		fprintf(stderr, "codebook: shop \"%s\" added (%s API%s%s)\n", name, cb_mkt_api_name(cfg->api),
		    cfg->refresh_token ? ", refresh token" : ", no refresh token: the access token is not renewed",
		    file ? "" : "; from the environment");
	cb_mkt_config_free(cfg);
	free(env);
	return rc;
}

/* rotate --refresh: a client of the stored shop, refreshed now (the hook stores the answer). */
static int
refresh_shop(cb_store *st, const char *name)
{
	cb_shop_link *link = NULL;
	cb_mkt_error err;
	cb_mkt *m = NULL;
	int rc = EXIT_OK;

	if (cb_shop_client(&m, &link, st, name) != CB_OK)
		rc = cli_error("shops rotate %s: %s", name, cb_errmsg());
	else if (cb_mkt_refresh_token(m, &err) != CB_OK)
		rc = cli_error("shops rotate %s: %s", name, err.message);
	else if (cb_store_shop_attention(st, name, NULL) != CB_OK)
		rc = cli_error("shops rotate %s: %s", name, cb_errmsg());
	else
		fprintf(stderr, "codebook: shop \"%s\": tokens refreshed; access token expires at %" PRId64 "\n", name,
		    cb_mkt_config_get(m)->access_expires_at);
	cb_mkt_free(m);
	cb_shop_link_free(link);
	return rc;
}

static int
rotate_shop(cb_store *st, const char *name, int refresh)
{
	const char *file = NULL, *shop = NULL, **env = NULL;
	cb_mkt_config *cfg = NULL;
	cb_store_shop t;
	int rc = EXIT_OK;

	if (refresh)
		return refresh_shop(st, name);
	if (cli_market_env(&file, &shop, &env) != EXIT_OK)
		return EXIT_USAGE;
	if (cb_mkt_config_parse(&cfg, NULL, 0, "environment", NULL, env) != CB_OK)
		rc = cli_error("shops rotate %s: %s", name, cb_errmsg());
	else if (cfg->access_token == NULL)
		rc = cli_error("shops rotate %s: set CB_TIKTOK_ACCESS_TOKEN (and CB_TIKTOK_REFRESH_TOKEN, the "
		    "expiries) in the environment, or use --refresh", name);
	else {
		memset(&t, 0, sizeof(t));
		t.app_secret = cfg->app_secret;
		t.access_token = cfg->access_token;
		t.access_expires_at = cfg->access_expires_at;
		t.refresh_token = cfg->refresh_token;
		t.refresh_expires_at = cfg->refresh_expires_at;
		if (cb_store_shop_tokens(st, name, -1, &t) != CB_OK)
			rc = cli_error("shops rotate %s: %s", name, cb_errmsg());
		else
			fprintf(stderr, "codebook: shop \"%s\": tokens replaced\n", name);
	}
	cb_mkt_config_free(cfg);
	free(env);
	return rc;
}

int
cmd_shops(struct cli *c, int argc, char **argv)
{
	enum { O_DB = 1, O_FROM, O_REFRESH };
	static const struct cli_opt opts[] = { { "db", 0, 1, O_DB }, { "from-config", 0, 1, O_FROM },
		{ "refresh", 0, 0, O_REFRESH }, { NULL, 0, 0, 0 } };
	struct cli_args a = CLI_ARGS_INIT(argc, argv);
	const char *arg, *db = "./var/codebook.db", *verb = NULL, *name = NULL, *from = NULL;
	cb_store *st = NULL;
	int k, rc, refresh = 0;

	if (cli_wants_help(argc, argv, usage))
		return EXIT_OK;
	while ((k = cli_next(&a, opts, &arg)) != CLI_END) {
		switch (k) {
		case CLI_BAD: return EXIT_USAGE;
		case O_DB: db = arg; break;
		case O_FROM: from = arg; break;
		case O_REFRESH: refresh = 1; break;
		default:
			if (verb == NULL)
				verb = arg;
			else if (name == NULL)
				name = arg;
			else
				return cli_error("shops: unexpected argument \"%s\" (see --help)", arg);
		}
	}
	if (verb == NULL || (strcmp(verb, "add") != 0 && strcmp(verb, "list") != 0 && strcmp(verb, "rotate") != 0 &&
	    strcmp(verb, "remove") != 0) || (strcmp(verb, "list") != 0) != (name != NULL))
		return cli_error("shops: usage: codebook shops add|list|rotate|remove [NAME] [--db PATH] (see --help)");
	if ((from != NULL && strcmp(verb, "add") != 0) || (refresh && strcmp(verb, "rotate") != 0))
		return cli_error("shops: --from-config goes with add, --refresh with rotate");
	if (cb_store_open(&st, db, 0) != CB_OK)
		return cli_error("%s", cb_errmsg());
	if (strcmp(verb, "add") == 0)
		rc = add_shop(st, name, from);
	else if (strcmp(verb, "rotate") == 0)
		rc = rotate_shop(st, name, refresh);
	else if (strcmp(verb, "remove") == 0) {
		rc = cb_store_shop_remove(st, name) == CB_OK ? EXIT_OK : cli_error("%s", cb_errmsg());
		if (rc == EXIT_OK)
			fprintf(stderr, "codebook: shop \"%s\" removed\n", name);
	} else
		rc = list_shops(c, st);
	cb_store_close(st);
	return rc;
}
