/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_serve.c - codebook serve: run the HTTP service (src/svc) with the
 * settings read from the flags, the environment and a configuration file
 * (config.c, docs/configuration.md).
 */
#include "cli.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "config.h"
#include "logger.h"
#include "svc.h"

static const char usage[] =
    "usage: codebook serve [--listen HOST:PORT] [--db PATH] [--catalogs DIR] [--threads N]\n"
    "                      [--require-key-for-reads] [--cors-origin ORIGIN]... [--no-request-log] [--routes]\n"
    "                      [--market-config FILE] [--market-shop NAME] [--sync-interval DURATION]\n"
    "                      [--usage-flush-interval DURATION]\n"
    "                      [--worker-interval DURATION] [--worker-lease DURATION] [--worker-verbose]\n"
    "                      [--market-budget N] [--market-burst N] [--outcome-deadline DURATION]\n"
    "                      [--order-max-age DURATION]\n"
    "                      [--log-level LEVEL] [--config FILE] [--print-config]\n"
    "                      [--max-connections N] [--max-connections-per-client N]\n"
    "                      [--header-timeout DURATION] [--body-timeout DURATION] [--send-timeout DURATION]\n\n"
    "Serve the code sets over HTTP (see docs/http.md): enumeration with ETags, checks,\n"
    "error explanations, publishing through the governance gate, incident reasons and\n"
    "outbound events, orders and their cancellations, stored in SQLite or PostgreSQL.\n\n"
    "  --listen HOST:PORT        address to bind (default 127.0.0.1:8080; port 0 picks a\n"
    "                            free one: the \"listening\" log line has the URL)\n"
    "  --db PATH                 SQLite database, created when missing (default ./var/codebook.db),\n"
    "                            or a PostgreSQL database: postgresql://USER@HOST:PORT/DB\n"
    "  --catalogs DIR            code-set files passed through the governance gate at start\n"
    "                            and on SIGHUP (default: the bundled catalogs)\n"
    "  --threads N               worker threads (default: one per CPU but one, at least 1)\n"
    "  --require-key-for-reads   reads need an API key too (writes always do)\n"
    "  --cors-origin ORIGIN      let web pages of ORIGIN (SCHEME://HOST[:PORT]) call the API\n"
    "                            (CORS; repeatable); none may by default\n"
    "  --no-request-log          no log line per request (start-up and errors are still logged)\n"
    "  --routes                  print the routes and exit\n"
    "  --market-config FILE      shops' marketplace configuration: an order's shop names its\n"
    "                            [shop NAME] section\n"
    "  --market-shop NAME        the shop whose credentials sync the reverse reasons\n"
    "                            (a sync request may name another)\n"
    "  --sync-interval DURATION  sync every market's reverse reasons this often, +-10%\n"
    "                            (default 1h; 0: only on demand)\n"
    "  --usage-flush-interval DURATION  add the codes' usage counts to the database this\n"
    "                            often (default 5s; 0: when the usage route is read and at exit)\n"
    "  --worker-interval DURATION  pause between the in-process worker's passes (default\n"
    "                            2s; 0: none, run codebook worker; needs --market-config)\n"
    "  --worker-lease DURATION   how long the worker holds a claimed refund (default 15s)\n"
    "  --order-max-age DURATION  the worker reads an order from the marketplace before a cancel\n"
    "                            when its copy is older than this (default 5m; 0: always)\n"
    "  --worker-verbose          log each marketplace exchange (secrets masked; the log\n"
    "                            level is then debug unless --log-level says otherwise)\n"
    "  --market-budget N         requests/s per shop and endpoint family (default 10)\n"
    "  --market-burst N          ... at once, after a quiet spell (default 5)\n"
    "  --outcome-deadline DURATION  how long a cancel's unknown outcome is checked before\n"
    "                            the refund is Unknown: needs attention (default 6h)\n"
    "  --log-level LEVEL         debug, info (default), warn, error or off\n";

/* The help goes on here: one literal would pass the 4095 bytes C17 promises. */
static const char usage_more[] =
    "  --config FILE             a configuration file: KEY = VALUE lines, the keys being the\n"
    "                            flags' names (default $CODEBOOK_CONFIG)\n"
    "  --print-config            print the settings in effect, and where each came from, and exit\n"
    "  --max-connections N       client connections open at once, in all (default 4096)\n"
    "  --max-connections-per-client N  ... from one IP address (default 256; 0: no limit)\n"
    "  --header-timeout DURATION a request's head must arrive within this of the connection\n"
    "                            opening or the previous response (default 10s)\n"
    "  --body-timeout DURATION   its body, after the head (default 30s)\n"
    "  --send-timeout DURATION   the client must have read the response (default 60s)\n\n"
    "Every flag has a CODEBOOK_* variable too (CODEBOOK_LISTEN, CODEBOOK_DB ...): flags win\n"
    "over the environment, which wins over the file (docs/configuration.md).\n"
    "Logs are JSON lines on standard error. SIGHUP reloads the catalogs (and the worker's\n"
    "marketplace configuration); SIGTERM or SIGINT stop after the requests in flight and the\n"
    "refund in hand. API keys: codebook keys add NAME.\n";

/*
 * The origins of --cors-origin ("a b,c": spaces or commas between them),
 * each checked, into @out (NULL-terminated; the words are cut in place in
 * @text, a copy).  EXIT_OK or EXIT_USAGE after saying which is wrong.
 */
static int
cors_origins(char *text, const char **out, size_t max)
{
	size_t n = 0;
	char *p = text, *w;

	for (;;) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		w = p;
		while (*p != '\0' && *p != ' ' && *p != ',' && *p != '\t')
			p++;
		if (*p != '\0')
			*p++ = '\0';
		if (n + 1 == max)
			return cli_error("--cors-origin: more than %d origins", (int)max - 1);
		if (cb_svc_origin_check(w) != CB_OK)
			return cli_error("--cors-origin: %s", cb_errmsg());
		out[n++] = w;
	}
	out[n] = NULL;
	return EXIT_OK;
}

int
cmd_serve(struct cli *c, int argc, char **argv)
{
	int routes = 0, rc;
	const struct cli_action actions[] = { { "routes", 0, &routes }, { NULL, 0, NULL } };
	struct cli_config cfg;
	cb_svc_opts o;
	const char *origins[CB_SVC_MAX_CORS_ORIGINS + 1];
	char *origin_text = NULL;

	if (cli_wants_help(argc, argv, usage)) {
		fputs(usage_more, stdout);
		return EXIT_OK;
	}
	if (cli_config_read(&cfg, CFG_SERVE, c, argc, argv, actions) != EXIT_OK) {
		cli_config_free(&cfg);
		return EXIT_USAGE;
	}
	if (routes || cfg.print) {
		if (routes)
			cb_svc_print_routes(stdout);
		else
			cli_config_print(&cfg, stdout);
		cli_config_free(&cfg);
		return EXIT_OK;
	}
	memset(&o, 0, sizeof(o));
	o.listen = cfg.listen;
	o.db_path = cfg.db;
	o.catalogs = cfg.catalogs;
	o.threads = cfg.threads;
	o.require_key_for_reads = cfg.require_key_for_reads;
	o.log_requests = !cfg.no_request_log;
	if (cfg.cors_origin != NULL) {
		if ((origin_text = cb__strdup(cfg.cors_origin)) == NULL ||
		    cors_origins(origin_text, origins, CB_SVC_MAX_CORS_ORIGINS + 1) != EXIT_OK) {
			if (origin_text == NULL)
				cli_error("out of memory");
			free(origin_text);
			cli_config_free(&cfg);
			return EXIT_USAGE;
		}
		o.cors_origins = origins;
	}
	o.worker_interval_ms = cfg.worker_interval_ms;
	o.worker_lease_ms = cfg.worker_lease_ms;
	o.budget_rate = cfg.market_budget;
	o.budget_burst = cfg.market_burst;
	o.outcome_deadline_ms = cfg.outcome_deadline_ms;
	o.order_max_age_ms = cfg.order_max_age_ms;
	o.worker_verbose = cfg.worker_verbose;
	o.market_config = cfg.market_config;
	o.market_env = cfg.market_env;
	o.market_shop = cfg.market_shop;
	o.sync_interval_ms = cfg.sync_interval_ms;
	o.usage_flush_ms = cfg.usage_flush_ms;
	o.max_connections = cfg.max_connections;
	o.max_per_client = cfg.max_per_client == 0 ? UINT_MAX : cfg.max_per_client;
	o.header_timeout_ms = cfg.header_timeout_ms;
	o.body_timeout_ms = cfg.body_timeout_ms;
	o.send_timeout_ms = cfg.send_timeout_ms;
	rc = cb_svc_run(&o) == 0 ? EXIT_OK : EXIT_REJECTED;
	free(origin_text);
	cli_config_free(&cfg);
	return rc;
}
