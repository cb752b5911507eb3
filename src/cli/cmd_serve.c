/*
 * cmd_serve.c - codebook serve: run the HTTP service (src/svc).
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "svc.h"

static const char usage[] =
    "usage: codebook serve [--listen HOST:PORT] [--db PATH] [--catalogs DIR] [--threads N]\n"
    "                      [--require-key-for-reads] [--no-request-log] [--routes]\n\n"
    "Serve the code sets over HTTP (see docs/http.md): enumeration with ETags, checks,\n"
    "error explanations, publishing through the governance gate, incident reasons and\n"
    "outbound events, stored in SQLite.\n\n"
    "  --listen HOST:PORT        address to bind (default 127.0.0.1:8080; port 0 picks a\n"
    "                            free one: the first log line has the URL)\n"
    "  --db PATH                 SQLite database, created when missing (default ./var/codebook.db)\n"
    "  --catalogs DIR            code-set files passed through the governance gate at start\n"
    "                            and on SIGHUP (default: the bundled catalogs)\n"
    "  --threads N               worker threads (default: one per CPU but one, at least 1)\n"
    "  --require-key-for-reads   reads need an API key too (writes always do)\n"
    "  --no-request-log          no log line per request (start-up and errors are still logged)\n"
    "  --routes                  print the routes and exit\n\n"
    "Logs are JSON lines on standard error. SIGHUP reloads the catalogs; SIGTERM or SIGINT\n"
    "stop after the requests in flight. API keys: codebook keys add NAME.\n";

int
cmd_serve(struct cli *c, int argc, char **argv)
{
	enum { O_LISTEN = 1, O_DB, O_CATALOGS, O_THREADS, O_REQKEY, O_NOLOG, O_ROUTES };
	static const struct cli_opt opts[] = {
		{ "listen", 'l', 1, O_LISTEN }, { "db", 0, 1, O_DB }, { "catalogs", 0, 1, O_CATALOGS },
		{ "threads", 0, 1, O_THREADS }, { "require-key-for-reads", 0, 0, O_REQKEY },
		{ "no-request-log", 0, 0, O_NOLOG }, { "routes", 0, 0, O_ROUTES }, { NULL, 0, 0, 0 } };
	struct cli_args a = CLI_ARGS_INIT(argc, argv);
	cb_svc_opts o = { "127.0.0.1:8080", "./var/codebook.db", NULL, 0, 0, 1 };
	const char *arg;
	unsigned long n;
	char *end;
	int k;

	if (cli_wants_help(argc, argv, usage))
		return EXIT_OK;
	o.catalogs = c->catalogs;
	while ((k = cli_next(&a, opts, &arg)) != CLI_END) {
		switch (k) {
		case CLI_BAD: return EXIT_USAGE;
		case O_LISTEN: o.listen = arg; break;
		case O_DB: o.db_path = arg; break;
		case O_CATALOGS: o.catalogs = arg; break;
		case O_THREADS:
			errno = 0;
			n = strtoul(arg, &end, 10);
			if (arg[0] < '0' || arg[0] > '9' || *end || errno || n < 1 || n > 256)
				return cli_error("--threads \"%s\": expected 1 to 256", arg);
			o.threads = (unsigned)n;
			break;
		case O_REQKEY: o.require_key_for_reads = 1; break;
		case O_NOLOG: o.log_requests = 0; break;
		case O_ROUTES:
			cb_svc_print_routes(stdout);
			return EXIT_OK;
		default:
			return cli_error("serve takes no arguments, got \"%s\" (see --help)", arg);
		}
	}
	return cb_svc_run(&o) == 0 ? EXIT_OK : EXIT_REJECTED;
}
