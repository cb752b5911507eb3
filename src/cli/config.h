/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.h - the settings of `codebook serve` and `codebook worker`, read
 * once, here, at the edge: flags win over CODEBOOK_* environment variables,
 * which win over a configuration file (--config FILE or CODEBOOK_CONFIG:
 * "key = value" lines whose keys are the flag names), which wins over the
 * defaults.  The result is a struct handed down to the service and the
 * worker (cb_svc_opts, cb_worker_opts); nothing below the CLI reads the
 * environment.  One table in config.c holds every setting; it also writes
 * the table of docs/configuration.md, which a test compares.
 */
#ifndef CB_CLI_CONFIG_H
#define CB_CLI_CONFIG_H

#include <stdio.h>

#include "cli.h"

/* The commands that take settings. */
enum { CFG_SERVE = 1u, CFG_WORKER = 2u };

#define CFG_MAX_SETTINGS 32

struct cli_config {
	unsigned    cmd;                   /* CFG_SERVE or CFG_WORKER */
	/* the settings (docs/configuration.md) */
	const char *listen, *db, *catalogs;
	unsigned    threads;               /* 0: one per CPU but one */
	int         require_key_for_reads, no_request_log;
	const char *cors_origin;           /* origins, separated by spaces or commas; NULL: none */
	cb_log_level log_level;            /* applied by cli_config_read() */
	const char *market_config, *market_shop;   /* NULL: not set */
	unsigned    worker_interval_ms, worker_lease_ms, worker_max;
	unsigned    order_max_age_ms;
	unsigned    sync_interval_ms;      /* 0: syncs only on demand */
	unsigned    usage_flush_ms;        /* 0: usage counts stored only on demand and at shutdown */
	int         worker_verbose;
	unsigned    market_budget, market_burst;   /* requests/s and burst per shop and family */
	unsigned    outcome_deadline_ms;           /* unknown outcomes: checks until Unknown */
	unsigned    max_connections, max_per_client;   /* 0 per client: no limit */
	unsigned    header_timeout_ms, body_timeout_ms, send_timeout_ms;
	int         print;                 /* --print-config */
	/* the CB_TIKTOK_<KEY> variables (a shop's keys overridden), NULL-terminated */
	const char **market_env;
	/* each setting's value as given, and where it came from (--print-config) */
	const char *value[CFG_MAX_SETTINGS];
	char        source[CFG_MAX_SETTINGS][288];
	char       *file_text;             /* the file's values point into it */
	char       *joined[CFG_MAX_SETTINGS]; /* a list flag given several times, joined */
};

/* A flag of a command that is not a setting (--routes, --once). */
struct cli_action {
	const char *name;
	char        shortc;
	int        *flag;                  /* set to 1 when given */
};

/*
 * Read the settings of command @cmd: its arguments @argv (@actions, ending
 * with a NULL name, are its other flags), the environment and the
 * configuration file.  The log level is applied.  EXIT_OK, or EXIT_USAGE
 * after printing what is wrong (a file's fault as FILE:LINE naming the
 * key).  Free with cli_config_free() either way.
 */
int cli_config_read(struct cli_config *cfg, unsigned cmd, const struct cli *c, int argc, char **argv,
    const struct cli_action *actions);
/* As cli_config_read() from environment @envp (NULL-terminated "NAME=value"). */
int cli_config_read_env(struct cli_config *cfg, unsigned cmd, const struct cli *c, int argc, char **argv,
    const struct cli_action *actions, const char *const *envp);
void cli_config_free(struct cli_config *cfg);

/* --print-config: every setting of the command as a "key = value" line,
 * with where its value came from. */
void cli_config_print(const struct cli_config *cfg, FILE *fp);

/* The table of docs/configuration.md (Markdown), from the settings' table. */
void cli_config_doc_table(cb_buf *b);

/* For `codebook tiktok`: the marketplace configuration file and shop from
 * the environment (CODEBOOK_MARKET_CONFIG, else the deprecated
 * CB_TIKTOK_CONFIG; likewise the shop), and the CB_TIKTOK_<KEY> variables.
 * @config and @shop are left alone when already set (by a flag).
 * EXIT_OK or EXIT_USAGE (out of memory); free *env with free(). */
int cli_market_env(const char **config, const char **shop, const char ***env);

#endif
