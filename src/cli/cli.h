/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli.h - shared state and helpers of the codebook command-line tool.
 * The CLI is a thin layer: parse arguments, call libcodebook, print.
 */
#ifndef CB_CLI_H
#define CB_CLI_H

#include <stdint.h>
#include <stdio.h>

#include <codebook.h>

#include "buf.h"
#include "jsonw.h"
#include "logger.h"

enum { EXIT_OK = 0, EXIT_REJECTED = 1, EXIT_USAGE = 2 };

#define CLI_MAX_CTX 16

struct cli {
	const char *catalogs;   /* resolved directory */
	const char *catalogs_from; /* "--catalogs", "CODEBOOK_CATALOGS" or NULL (the bundled default) */
	int         json;       /* --json given before the command */
	cb_catalog *cat;        /* loaded on first use */
	cb_codeset *file_set;   /* a set loaded from a path argument */
};

struct cli_ctx {
	cb_ctx pairs[CLI_MAX_CTX];
	size_t n;
};

/* Print "codebook: <msg>" to stderr; returns EXIT_USAGE. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The set named @name from the catalogs, or loaded from @name when it is a
 * path (contains '/' or ends in .json).  NULL after printing why. */
const cb_codeset *cli_set(struct cli *c, const char *name);

/*
 * A set pinned to a version (pin.c): --set-version N or --as-of TIME (the
 * version in force then), read from the database --db names (the
 * service's: every published version is kept there); without --db only
 * the catalogs' own version can be named.  The commands that read a set
 * (check, explain, show, validate, observed) take these options.
 */
struct cli_pin {
	const char *db;          /* --db, or NULL */
	const char *as_of;       /* --as-of, or NULL */
	unsigned    version;     /* --set-version, 0: not given */
	int64_t     as_of_us;
};
enum { CLI_O_SET_VERSION = 100, CLI_O_AS_OF, CLI_O_DB };
#define CLI_PIN_OPTS \
	{ "set-version", 0, 1, CLI_O_SET_VERSION }, { "as-of", 0, 1, CLI_O_AS_OF }, { "db", 0, 1, CLI_O_DB }
/* Take option @k (its value @arg) when it is one of CLI_PIN_OPTS: 1 taken,
 * 0 not one of them, -1 after printing a bad value. */
int cli_pin_arg(struct cli_pin *p, int k, const char *arg);
/* --mode send|accept (@opt "mode": CB_CHECK_ACCEPT into *flags) or --at TIME
 * (@opt "at": microseconds into *at), for checks of a code's life
 * (docs/cli.md).  EXIT_OK, or EXIT_USAGE after printing why. */
int cli_life_arg(const char *opt, const char *arg, unsigned *flags, int64_t *at);
/* The set @name, at the version @p names (none: as cli_set()).  NULL after
 * printing why (never published, nothing in force then, no database). */
const cb_codeset *cli_set_pinned(struct cli *c, const char *name, const struct cli_pin *p);
/* Open the database @db for reading what the service stored: a SQLite
 * file must exist (a mistyped path is not made into a new database).
 * EXIT_OK with *out, or EXIT_USAGE after printing why. */
struct cb_store;
int cli_store_open(struct cb_store **out, const char *db);
/* The latest version of @name stored in @st, else the catalogs' (NULL: neither, said on stderr). */
const cb_codeset *cli_set_latest(struct cli *c, struct cb_store *st, const char *name);

/* Parse "dim=value" into @ctx; EXIT_OK or EXIT_USAGE (printed). */
int cli_ctx_add(struct cli_ctx *ctx, const char *arg);

/* Resolve the pairs of @ctx to dimension and value indexes of @cs;
 * EXIT_OK or EXIT_USAGE after naming the bad pair and the choices. */
int cli_ctx_resolve(const cb_codeset *cs, const struct cli_ctx *ctx, int *dims, int *vals);

/* 1 when @path may be replaced by renaming a new file over it (absent, or a
 * regular file); 0 for a device or a pipe, which must be written in place:
 * renaming over /dev/null as root would replace the device with a file. */
int cli_replaceable(const char *path);

/* Write @b to stdout (or @path atomically); EXIT_OK or EXIT_USAGE. */
int cli_write(const cb_buf *b, const char *path);

/* Print a JSON document built in @b followed by a newline. */
int cli_print_json(cb_buf *b);

/* Text rendering helpers */
void cli_print_entry_line(FILE *fp, const cb_entry *e);
void cli_print_findings(FILE *fp, const cb_report *r);

typedef int (*cli_cmd_fn)(struct cli *c, int argc, char **argv);
int cmd_list(struct cli *c, int argc, char **argv);
int cmd_show(struct cli *c, int argc, char **argv);
int cmd_check(struct cli *c, int argc, char **argv);
int cmd_lint(struct cli *c, int argc, char **argv);
int cmd_diff(struct cli *c, int argc, char **argv);
int cmd_export(struct cli *c, int argc, char **argv);
int cmd_explain(struct cli *c, int argc, char **argv);
int cmd_rules(struct cli *c, int argc, char **argv);
int cmd_validate(struct cli *c, int argc, char **argv);
int cmd_serve(struct cli *c, int argc, char **argv);    /* src/cli/cmd_serve.c, over src/svc */
int cmd_keys(struct cli *c, int argc, char **argv);     /* src/cli/cmd_keys.c, over src/store */
int cmd_shops(struct cli *c, int argc, char **argv);    /* src/cli/cmd_shops.c, over src/orders */
int cmd_tiktok(struct cli *c, int argc, char **argv);   /* src/cli/cmd_tiktok.c, over src/market */
int cmd_worker(struct cli *c, int argc, char **argv);   /* src/cli/cmd_worker.c, over src/orders */
int cmd_observed(struct cli *c, int argc, char **argv); /* src/cli/cmd_observed.c, over src/store */
int cmd_translate(struct cli *c, int argc, char **argv);
int cmd_usage(struct cli *c, int argc, char **argv);     /* src/cli/cmd_usage.c, over src/svc's view */

/* Option values (args.c): a whole number or a duration ("2s", "500ms",
 * "0.2", "1m") within bounds; EXIT_OK, or EXIT_USAGE after naming --@opt,
 * the value and the range. */
int cli_opt_u64(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out);
int cli_opt_uint(const char *opt, const char *arg, unsigned min, unsigned max, unsigned *out);
int cli_opt_duration_ms(const char *opt, const char *arg, unsigned min_ms, unsigned max_ms, unsigned *out);
/* --log-level LEVEL: sets the level of the log lines (util/logger.h). */
int cli_opt_log_level(const char *arg);
/* The same checks for a value from anywhere (a flag, the environment, a
 * configuration file): @what names it in the message ("--threads",
 * "environment CODEBOOK_THREADS", "codebook.conf:3: threads"). */
int cli_value_u64(const char *what, const char *arg, uint64_t min, uint64_t max, uint64_t *out);
int cli_value_duration_ms(const char *what, const char *arg, unsigned min_ms, unsigned max_ms, unsigned *out);
int cli_value_log_level(const char *what, const char *arg, cb_log_level *out);

/*
 * A command whose arguments are only positionals (--json is taken by main):
 * between @min and @max of them into @out, *n set.  EXIT_OK; -1 after
 * printing --help (the command returns EXIT_OK); EXIT_USAGE after naming
 * the problem.
 */
int cli_positionals(int argc, char **argv, const char *usage, const char *cmd, const char **out,
    size_t min, size_t max, size_t *n);

/* The governance gate in CI (gate.c, cmd_diff.c): output formats, the
 * diff of an old set with a file, GitHub annotations of a report, and
 * `diff --against REV [FILE...]`. */
enum { CLI_GATE_TEXT = 0, CLI_GATE_JSON, CLI_GATE_GITHUB };
int cli_diff_sets(struct cli *c, const cb_codeset *old, const char *newfile, int fmt);
void cli_gate_print_github(const cb_report *r, const char *file);
int cli_gate(struct cli *c, const char *rev, const char *const *files, size_t nfiles, int fmt);

/* 1 when argv holds -h/--help for the subcommand (then usage was printed). */
int cli_wants_help(int argc, char **argv, const char *usage);

/* Options of a subcommand.  Arguments that look like negative numbers
 * ("-9990001", an error code) are positional, not options. */
struct cli_opt {
	const char *name;     /* long name without "--" */
	char        shortc;   /* 0 if none */
	int         has_arg;
	int         id;       /* > 0 */
};
struct cli_args {
	int    argc;
	char **argv;
	int    i;
	int    only_pos;      /* after "--" */
};
#define CLI_ARGS_INIT(argc, argv) { (argc), (argv), 1, 0 }
enum { CLI_END = -1, CLI_BAD = -2, CLI_POS = 0 };
/* Next argument: an option id with its value in *arg, CLI_POS with the
 * positional in *arg, CLI_END, or CLI_BAD after printing the problem. */
int cli_next(struct cli_args *a, const struct cli_opt *opts, const char **arg);

#endif
