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

#include "config.h"
#include "logger.h"
#include "svc.h"

static const char usage[] =
    "usage: codebook serve [--listen HOST:PORT] [--db PATH] [--catalogs DIR] [--threads N]\n"
    "                      [--require-key-for-reads] [--no-request-log] [--routes]\n"
    "                      [--market-config FILE] [--market-shop NAME] [--sync-interval DURATION]\n"
    "                      [--worker-interval DURATION] [--worker-lease DURATION] [--worker-verbose]\n"
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
    "  --no-request-log          no log line per request (start-up and errors are still logged)\n"
    "  --routes                  print the routes and exit\n"
    "  --market-config FILE      shops' marketplace configuration: an order's shop names its\n"
    "                            [shop NAME] section\n"
    "  --market-shop NAME        the shop whose credentials sync the reverse reasons\n"
    "                            (a sync request may name another)\n"
    "  --sync-interval DURATION  sync the reverse reasons of every market of the shops'\n"
    "                            configuration this often, give or take a tenth (default 1h;\n"
    "                            0: only on demand)\n"
    "  --worker-interval DURATION  pause between passes of the in-process cancellation\n"
    "                            worker (default 2s; 0 disables it: run codebook worker);\n"
    "                            it starts only with a marketplace configuration\n"
    "  --worker-lease DURATION   how long the worker holds a claimed refund (default 15s)\n"
    "  --worker-verbose          log each marketplace exchange (secrets masked; the log\n"
    "                            level is then debug unless --log-level says otherwise)\n"
    "  --log-level LEVEL         debug, info (default), warn, error or off\n"
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

int
cmd_serve(struct cli *c, int argc, char **argv)
{
	int routes = 0, rc;
	const struct cli_action actions[] = { { "routes", 0, &routes }, { NULL, 0, NULL } };
	struct cli_config cfg;
	cb_svc_opts o;

	if (cli_wants_help(argc, argv, usage))
		return EXIT_OK;
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
	o.worker_interval_ms = cfg.worker_interval_ms;
	o.worker_lease_ms = cfg.worker_lease_ms;
	o.worker_verbose = cfg.worker_verbose;
	o.market_config = cfg.market_config;
	o.market_env = cfg.market_env;
	o.market_shop = cfg.market_shop;
	o.sync_interval_ms = cfg.sync_interval_ms;
	o.max_connections = cfg.max_connections;
	o.max_per_client = cfg.max_per_client == 0 ? UINT_MAX : cfg.max_per_client;
	o.header_timeout_ms = cfg.header_timeout_ms;
	o.body_timeout_ms = cfg.body_timeout_ms;
	o.send_timeout_ms = cfg.send_timeout_ms;
	rc = cb_svc_run(&o) == 0 ? EXIT_OK : EXIT_REJECTED;
	cli_config_free(&cfg);
	return rc;
}
