/*
 * cmd_serve.c - codebook serve: run the HTTP service (src/svc).
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "logger.h"
#include "svc.h"

static const char usage[] =
    "usage: codebook serve [--listen HOST:PORT] [--db PATH] [--catalogs DIR] [--threads N]\n"
    "                      [--require-key-for-reads] [--no-request-log] [--routes]\n"
    "                      [--market-config FILE] [--market-shop NAME]\n"
    "                      [--worker-interval DURATION] [--worker-lease DURATION] [--worker-verbose]\n"
    "                      [--log-level LEVEL]\n\n"
    "Serve the code sets over HTTP (see docs/http.md): enumeration with ETags, checks,\n"
    "error explanations, publishing through the governance gate, incident reasons and\n"
    "outbound events, orders and their cancellations, stored in SQLite or PostgreSQL.\n\n"
    "  --listen HOST:PORT        address to bind (default 127.0.0.1:8080; port 0 picks a\n"
    "                            free one: the first log line has the URL)\n"
    "  --db PATH                 SQLite database, created when missing (default ./var/codebook.db),\n"
    "                            or a PostgreSQL database: postgresql://USER@HOST:PORT/DB\n"
    "  --catalogs DIR            code-set files passed through the governance gate at start\n"
    "                            and on SIGHUP (default: the bundled catalogs)\n"
    "  --threads N               worker threads (default: one per CPU but one, at least 1)\n"
    "  --require-key-for-reads   reads need an API key too (writes always do)\n"
    "  --no-request-log          no log line per request (start-up and errors are still logged)\n"
    "  --routes                  print the routes and exit\n"
    "  --market-config FILE      shops' marketplace configuration (default $CB_TIKTOK_CONFIG):\n"
    "                            an order's shop names its [shop NAME] section\n"
    "  --market-shop NAME        the shop whose credentials sync the reverse reasons\n"
    "                            (default $CB_TIKTOK_SHOP; a sync request may name another)\n"
    "  --worker-interval DURATION  pause between passes of the in-process cancellation\n"
    "                            worker (default 2s; 0 disables it: run codebook worker);\n"
    "                            it starts only with a marketplace configuration\n"
    "  --worker-lease DURATION   how long the worker holds a claimed refund (default 60s)\n"
    "  --worker-verbose          log each marketplace exchange (secrets masked; implies\n"
    "                            --log-level debug)\n"
    "  --log-level LEVEL         debug, info (default), warn, error or off\n\n"
    "Logs are JSON lines on standard error. SIGHUP reloads the catalogs (and the worker's\n"
    "marketplace configuration); SIGTERM or SIGINT stop after the requests in flight and the\n"
    "refund in hand. API keys: codebook keys add NAME.\n";

int
cmd_serve(struct cli *c, int argc, char **argv)
{
	enum { O_LISTEN = 1, O_DB, O_CATALOGS, O_THREADS, O_REQKEY, O_NOLOG, O_ROUTES, O_MCONFIG, O_MSHOP,
		O_WINTERVAL, O_WLEASE, O_WVERBOSE, O_LOGLEVEL };
	static const struct cli_opt opts[] = {
		{ "listen", 'l', 1, O_LISTEN }, { "db", 0, 1, O_DB }, { "catalogs", 0, 1, O_CATALOGS },
		{ "threads", 0, 1, O_THREADS }, { "require-key-for-reads", 0, 0, O_REQKEY },
		{ "no-request-log", 0, 0, O_NOLOG }, { "routes", 0, 0, O_ROUTES },
		{ "market-config", 0, 1, O_MCONFIG }, { "market-shop", 0, 1, O_MSHOP },
		{ "worker-interval", 0, 1, O_WINTERVAL }, { "worker-lease", 0, 1, O_WLEASE },
		{ "worker-verbose", 0, 0, O_WVERBOSE }, { "log-level", 0, 1, O_LOGLEVEL }, { NULL, 0, 0, 0 } };
	struct cli_args a = CLI_ARGS_INIT(argc, argv);
	cb_svc_opts o;
	const char *arg;
	int k;

	if (cli_wants_help(argc, argv, usage))
		return EXIT_OK;
	memset(&o, 0, sizeof(o));
	o.listen = "127.0.0.1:8080";
	o.db_path = "./var/codebook.db";
	o.log_requests = 1;
	o.worker_interval_ms = 2000;
	if ((arg = getenv("CB_TIKTOK_SHOP")) != NULL && *arg)
		o.market_shop = arg;
	o.catalogs = c->catalogs;
	while ((k = cli_next(&a, opts, &arg)) != CLI_END) {
		switch (k) {
		case CLI_BAD: return EXIT_USAGE;
		case O_LISTEN: o.listen = arg; break;
		case O_DB: o.db_path = arg; break;
		case O_CATALOGS: o.catalogs = arg; break;
		case O_THREADS:
			if (cli_opt_uint("threads", arg, 1, 256, &o.threads) != EXIT_OK)
				return EXIT_USAGE;
			break;
		case O_REQKEY: o.require_key_for_reads = 1; break;
		case O_NOLOG: o.log_requests = 0; break;
		case O_MCONFIG: o.market_config = arg; break;
		case O_MSHOP: o.market_shop = arg; break;
		case O_WINTERVAL:
			if (cli_opt_duration_ms("worker-interval", arg, 0, 86400000u, &o.worker_interval_ms) != EXIT_OK)
				return EXIT_USAGE;
			break;
		case O_WLEASE:
			if (cli_opt_duration_ms("worker-lease", arg, 100, 86400000u, &o.worker_lease_ms) != EXIT_OK)
				return EXIT_USAGE;
			break;
		case O_WVERBOSE:
			o.worker_verbose = 1;
			cb_log_set_level(CB_LOG_DEBUG);
			break;
		case O_LOGLEVEL:
			if (cli_opt_log_level(arg) != EXIT_OK)
				return EXIT_USAGE;
			break;
		case O_ROUTES:
			cb_svc_print_routes(stdout);
			return EXIT_OK;
		default:
			return cli_error("serve takes no arguments, got \"%s\" (see --help)", arg);
		}
	}
	return cb_svc_run(&o) == 0 ? EXIT_OK : EXIT_REJECTED;
}
