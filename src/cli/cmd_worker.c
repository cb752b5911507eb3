/* SPDX-License-Identifier: Apache-2.0 */
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

#include "config.h"
#include "logger.h"
#include "orders.h"

static const char usage[] =
    "usage: codebook worker [--db PATH] [--market-config FILE] [--once] [--interval DURATION]\n"
    "                       [--lease DURATION] [--max N] [--order-max-age DURATION] [-v]\n"
    "                       [--log-level LEVEL]\n"
    "                       [--market-budget N] [--market-burst N] [--outcome-deadline DURATION]\n"
    "                       [--catalogs DIR] [--config FILE] [--print-config]\n\n"
    "Process the refunds waiting for the marketplace (seed 003's cron): check each\n"
    "Pending refund (order status, full refund, reason key), send the cancel, record\n"
    "the outcome; retry by the tiktok-shop-error policy; never send a cancel twice.\n"
    "Several workers (and codebook serve's own) may share one database.\n\n"
    "  --db PATH               SQLite database (default ./var/codebook.db), or a PostgreSQL\n"
    "                          database: postgresql://USER@HOST:PORT/DB\n"
    "  --market-config FILE    shops' marketplace configuration: an order's shop names its\n"
    "                          [shop NAME] section\n"
    "  --once                  one pass, print its counts as JSON, exit\n"
    "  --interval DURATION     pause between passes (default 2s; 500ms, 0.2, 1m)\n"
    "  --lease DURATION        how long a claimed refund is the worker's (default 15s;\n"
    "                          extended every third of it while the worker holds it)\n"
    "  --max N                 refunds per pass (default 1000)\n"
    "  --order-max-age DURATION  read the order from the marketplace before a cancel when its\n"
    "                          copy is older than this (default 5m; 0: always)\n"
    "  -v, --verbose           log each marketplace exchange (secrets masked; the log level\n"
    "                          is then debug unless --log-level says otherwise)\n"
    "  --market-budget N       requests/s to the marketplace per shop and endpoint family,\n"
    "                          shared by every worker on the database (default 10)\n"
    "  --market-burst N        requests a shop's budget lets go at once (default 5)\n"
    "  --outcome-deadline DURATION  how long a cancel's unknown outcome is checked before\n"
    "                          the refund is Unknown: needs attention (default 6h)\n"
    "  --log-level LEVEL       debug, info (default), warn, error or off\n"
    "  --catalogs DIR          sets not stored in the database yet (default: the bundled ones)\n"
    "  --config FILE           a configuration file: KEY = VALUE lines (default $CODEBOOK_CONFIG)\n"
    "  --print-config          print the settings in effect, and where each came from, and exit\n\n"
    "Every setting has a CODEBOOK_* variable too (CODEBOOK_DB, CODEBOOK_WORKER_INTERVAL ...):\n"
    "flags win over the environment, which wins over the file (docs/configuration.md).\n"
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

static void
on_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Passes until a signal stops them, with a log line before and after. */
static void
run(cb_worker *w, const struct cli_config *cfg)
{
	cb_worker_stats st;
	cb_log_line l;
	char shown[512];

	cb_log_begin(&l, CB_LOG_INFO, "worker started");
	cb_jw_kstr(&l.w, "component", "worker");
	cb_jw_kstr(&l.w, "worker", cb_worker_owner(w));
	cb_store_db_shown(shown, sizeof(shown), cfg->db);	/* never a URL's password */
	cb_jw_kstr(&l.w, "db", shown);
	cb_jw_kint(&l.w, "interval_ms", cfg->worker_interval_ms);
	cb_jw_kint(&l.w, "pid", (long long)getpid());
	cb_log_end(&l);
	cb_worker_run(w, cfg->worker_interval_ms, &stop_flag, &reload_flag);
	cb_worker_totals(w, &st);
	cb_log_begin(&l, CB_LOG_INFO, "worker stopped");
	cb_jw_kstr(&l.w, "component", "worker");
	cb_jw_kint(&l.w, "passes", (long long)st.passes);
	cb_jw_kint(&l.w, "completed", (long long)st.completed);
	cb_jw_kint(&l.w, "failed", (long long)st.failed);
	cb_jw_kint(&l.w, "cancels_sent", (long long)st.cancels_sent);
	cb_log_end(&l);
}

/* The worker over the database of @cfg; EXIT_* */
static int
work(const struct cli_config *cfg, int once)
{
	cb_worker_opts wo;
	cb_worker_stats st;
	cb_store *store = NULL;
	cb_worker *w = NULL;
	int rc = EXIT_OK;

	/* a SQLite file must exist (serve creates it); a URL names a database
	 * whose server says whether it exists */
	if (strspn(cfg->db, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") == 0 ||
	    cfg->db[strspn(cfg->db, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.")] != ':') {
		if (access(cfg->db, F_OK) != 0)
			return cli_error("%s: no such database (codebook serve --db %s creates it)", cfg->db, cfg->db);
	}
	if (cb_store_open(&store, cfg->db, 1) != CB_OK)
		return cli_error("%s", cb_errmsg());
	memset(&wo, 0, sizeof(wo));
	wo.store = store;
	wo.market_config = cfg->market_config;
	wo.market_env = cfg->market_env;
	wo.catalogs = cfg->catalogs;
	wo.lease_ms = cfg->worker_lease_ms;
	wo.budget_rate = cfg->market_budget;
	wo.budget_burst = cfg->market_burst;
	wo.outcome_deadline_ms = cfg->outcome_deadline_ms;
	wo.order_max_age_ms = cfg->order_max_age_ms;
	wo.max_per_pass = cfg->worker_max;
	wo.verbose = cfg->worker_verbose;
	if (cb_worker_new(&w, &wo) != CB_OK) {
		rc = cli_error("%s", cb_errmsg());
		goto out;
	}
	on_signals();
	if (once) {
		rc = cb_worker_pass(w, &stop_flag, &st) == CB_OK ? EXIT_OK : EXIT_REJECTED;
		print_stats(&st);
	} else
		run(w, cfg);
out:
	cb_worker_free(w);
	cb_store_close(store);
	return rc;
}

int
cmd_worker(struct cli *c, int argc, char **argv)
{
	int once = 0, rc;
	const struct cli_action actions[] = { { "once", 0, &once }, { NULL, 0, NULL } };
	struct cli_config cfg;

	if (cli_wants_help(argc, argv, usage))
		return EXIT_OK;
	if ((rc = cli_config_read(&cfg, CFG_WORKER, c, argc, argv, actions)) == EXIT_OK) {
		if (cfg.print)
			cli_config_print(&cfg, stdout);
		else
			rc = work(&cfg, once);
	}
	cli_config_free(&cfg);
	return rc;
}
