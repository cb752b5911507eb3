/*
 * cmd_worker.c - codebook worker: the cancellation worker (src/orders) on
 * its own, beside or instead of the one `codebook serve` runs.  Any number
 * may run against one database: refunds are claimed with a lease.  The
 * code sets come from the database (the versions the service published),
 * else from the catalogs.  docs/orders.md describes it.
 */
#include "cli.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logger.h"
#include "orders.h"

static const char usage[] =
    "usage: codebook worker [--db PATH] [--market-config FILE] [--once] [--interval DURATION]\n"
    "                       [--lease DURATION] [--max N] [-v] [--log-level LEVEL]\n\n"
    "Process the refunds waiting for the marketplace (seed 003's cron): check each\n"
    "Pending refund (order status, full refund, reason key), send the cancel, record\n"
    "the outcome; retry by the tiktok-shop-error policy; never send a cancel twice.\n"
    "Several workers (and codebook serve's own) may share one database.\n\n"
    "  --db PATH               SQLite database (default ./var/codebook.db), or a PostgreSQL\n"
    "                          database: postgresql://USER@HOST:PORT/DB\n"
    "  --market-config FILE    shops' marketplace configuration (default $CB_TIKTOK_CONFIG);\n"
    "                          an order's shop names its [shop NAME] section\n"
    "  --once                  one pass, print its counts as JSON, exit\n"
    "  --interval DURATION     pause between passes (default 2s; 500ms, 0.2, 1m)\n"
    "  --lease DURATION        how long a claimed refund is the worker's (default 60s;\n"
    "                          raised to cover the marketplace's timeout)\n"
    "  --max N                 refunds per pass (default 1000)\n"
    "  -v, --verbose           log each marketplace exchange (secrets masked; implies\n"
    "                          --log-level debug)\n"
    "  --log-level LEVEL       debug, info (default), warn, error or off\n\n"
    "Logs are JSON lines on standard error. SIGTERM or SIGINT stop after the refund in\n"
    "hand; SIGHUP re-reads the marketplace configuration.\n";

static atomic_int stop_flag;
static atomic_int reload_flag;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		atomic_store(&reload_flag, 1);
	else
		atomic_store(&stop_flag, 1);
}

static void
print_stats(const cb_worker_stats *s)
{
	cb_buf b = CB_BUF_INIT(4096);
	cb_jw w;

	cb_jw_init(&w, &b, 0);
	cb_jw_obj_begin(&w);
	cb_jw_kint(&w, "claimed", (long long)s->claimed);
	cb_jw_kint(&w, "completed", (long long)s->completed);
	cb_jw_kint(&w, "failed", (long long)s->failed);
	cb_jw_kint(&w, "retrying", (long long)s->retrying);
	cb_jw_kint(&w, "waiting", (long long)s->waiting);
	cb_jw_kint(&w, "cancels_sent", (long long)s->cancels_sent);
	cb_jw_kint(&w, "rechecks", (long long)s->rechecks);
	cb_jw_kint(&w, "lost", (long long)s->lost);
	cb_jw_obj_end(&w);
	(void)cli_print_json(&b);
	cb_buf_reset(&b);
}

int
cmd_worker(struct cli *c, int argc, char **argv)
{
	enum { O_DB = 1, O_CONFIG, O_ONCE, O_INTERVAL, O_LEASE, O_MAX, O_VERBOSE, O_LOGLEVEL };
	static const struct cli_opt opts[] = {
		{ "db", 0, 1, O_DB }, { "market-config", 0, 1, O_CONFIG }, { "once", 0, 0, O_ONCE },
		{ "interval", 0, 1, O_INTERVAL }, { "lease", 0, 1, O_LEASE }, { "max", 0, 1, O_MAX },
		{ "verbose", 'v', 0, O_VERBOSE }, { "log-level", 0, 1, O_LOGLEVEL }, { NULL, 0, 0, 0 } };
	struct cli_args a = CLI_ARGS_INIT(argc, argv);
	cb_worker_opts wo;
	cb_worker_stats st;
	struct sigaction sa;
	cb_store *store = NULL;
	cb_worker *w = NULL;
	const char *db = "./var/codebook.db", *arg;
	unsigned interval = 2000, lease = 0;
	int k, once = 0, rc = EXIT_USAGE;

	if (cli_wants_help(argc, argv, usage))
		return EXIT_OK;
	memset(&wo, 0, sizeof(wo));
	while ((k = cli_next(&a, opts, &arg)) != CLI_END) {
		switch (k) {
		case CLI_BAD: return EXIT_USAGE;
		case O_DB: db = arg; break;
		case O_CONFIG: wo.market_config = arg; break;
		case O_ONCE: once = 1; break;
		case O_INTERVAL:
			if (cli_opt_duration_ms("interval", arg, 0, 86400000u, &interval) != EXIT_OK)
				return EXIT_USAGE;
			break;
		case O_LEASE:
			if (cli_opt_duration_ms("lease", arg, 100, 86400000u, &lease) != EXIT_OK)
				return EXIT_USAGE;
			break;
		case O_MAX:
			if (cli_opt_uint("max", arg, 1, 1000000, &wo.max_per_pass) != EXIT_OK)
				return EXIT_USAGE;
			break;
		case O_LOGLEVEL:
			if (cli_opt_log_level(arg) != EXIT_OK)
				return EXIT_USAGE;
			break;
		case O_VERBOSE:
			wo.verbose = 1;
			cb_log_set_level(CB_LOG_DEBUG);
			break;
		default:
			return cli_error("worker takes no arguments, got \"%s\" (see --help)", arg);
		}
	}
	/* a SQLite file must exist (serve creates it); a URL names a database
	 * whose server says whether it exists */
	if (strspn(db, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") == 0 ||
	    db[strspn(db, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.")] != ':') {
		if (access(db, F_OK) != 0)
			return cli_error("%s: no such database (codebook serve --db %s creates it)", db, db);
	}
	if (cb_store_open(&store, db, 1) != CB_OK)
		return cli_error("%s", cb_errmsg());
	wo.store = store;
	wo.catalogs = c->catalogs;
	wo.lease_ms = lease;
	if (cb_worker_new(&w, &wo) != CB_OK) {
		rc = cli_error("%s", cb_errmsg());
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (once) {
		rc = cb_worker_pass(w, &stop_flag, &st) == CB_OK ? EXIT_OK : EXIT_REJECTED;
		print_stats(&st);
		goto out;
	}
	{
		cb_log_line l;
		cb_log_begin(&l, CB_LOG_INFO, "worker started");
		cb_jw_kstr(&l.w, "component", "worker");
		cb_jw_kstr(&l.w, "worker", cb_worker_owner(w));
		cb_jw_kstr(&l.w, "db", db);
		cb_jw_kint(&l.w, "interval_ms", interval);
		cb_jw_kint(&l.w, "pid", (long long)getpid());
		cb_log_end(&l);
	}
	cb_worker_run(w, interval, &stop_flag, &reload_flag);
	cb_worker_totals(w, &st);
	{
		cb_log_line l;
		cb_log_begin(&l, CB_LOG_INFO, "worker stopped");
		cb_jw_kstr(&l.w, "component", "worker");
		cb_jw_kint(&l.w, "passes", (long long)st.passes);
		cb_jw_kint(&l.w, "completed", (long long)st.completed);
		cb_jw_kint(&l.w, "failed", (long long)st.failed);
		cb_jw_kint(&l.w, "cancels_sent", (long long)st.cancels_sent);
		cb_log_end(&l);
	}
	rc = EXIT_OK;
out:
	cb_worker_free(w);
	cb_store_close(store);
	return rc;
}
