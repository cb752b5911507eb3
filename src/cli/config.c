/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.c - the settings of codebook serve and codebook worker (config.h),
 * one table of them, read from four places in order of precedence: the
 * defaults, a configuration file, the environment, the flags.  Each place
 * that gives a value has it checked the same way, with a message naming
 * the place ("--threads", "environment CODEBOOK_THREADS",
 * "codebook.conf:3: threads").  This file and main.c are the only ones
 * that read the environment; docs/configuration.md lists the settings.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

extern char **environ;

#define CFG_MAX_FILE (64u << 10)	/* a configuration file, bytes */

/* S_LIST: words separated by spaces or commas; a repeated flag adds to the
 * list (in a file or the environment, one value holds the whole list). */
enum stype { S_STR, S_UINT, S_DURATION, S_BOOL, S_LEVEL, S_LIST };

struct setting {
	const char *key;       /* the file key, and the flag (--KEY) */
	const char *env;       /* CODEBOOK_... */
	const char *old_env;   /* deprecated name still read when env is unset, or NULL */
	unsigned    cmds;      /* CFG_SERVE, CFG_WORKER */
	const char *wflag;     /* the worker's flag when it is not --KEY */
	char        sshort, wshort; /* short flags of serve and of worker */
	enum stype  type;
	unsigned    min, max;  /* S_UINT, S_DURATION (ms) */
	const char *dflt;      /* the default as a value; NULL: not set */
	const char *dflt_doc;  /* the default in words, when not a value */
	const char *doc;       /* what it is */
	size_t      off;       /* in struct cli_config */
};

#define F(m) offsetof(struct cli_config, m)
#define BOTH (CFG_SERVE | CFG_WORKER)
static const struct setting settings[] = {
	{ "listen", "CODEBOOK_LISTEN", NULL, CFG_SERVE, NULL, 'l', 0, S_STR, 0, 0, "127.0.0.1:8080", NULL,
	    "address to bind, HOST:PORT (port 0 picks a free one: the \"listening\" log line has the URL)", F(listen) },
	{ "db", "CODEBOOK_DB", NULL, BOTH, NULL, 0, 0, S_STR, 0, 0, "./var/codebook.db", NULL,
	    "the SQLite database (serve creates it when missing), or a PostgreSQL database: "
	    "postgresql://USER@HOST:PORT/DB", F(db) },
	{ "catalogs", "CODEBOOK_CATALOGS", NULL, BOTH, NULL, 0, 0, S_STR, 0, 0, NULL, "the bundled catalogs",
	    "directory of code-set files: serve passes them through the governance gate at start and on "
	    "SIGHUP; the worker reads sets not stored yet from it", F(catalogs) },
	{ "threads", "CODEBOOK_THREADS", NULL, CFG_SERVE, NULL, 0, 0, S_UINT, 1, 256, NULL,
	    "one per CPU but one, at least 1", "HTTP worker threads", F(threads) },
	{ "require-key-for-reads", "CODEBOOK_REQUIRE_KEY_FOR_READS", NULL, CFG_SERVE, NULL, 0, 0, S_BOOL, 0, 0,
	    "false", NULL, "reads need an API key too (writes always do)", F(require_key_for_reads) },
	{ "cors-origin", "CODEBOOK_CORS_ORIGIN", NULL, CFG_SERVE, NULL, 0, 0, S_LIST, 0, 0, NULL, "none",
	    "an origin (SCHEME://HOST[:PORT]) whose web pages may call the API (CORS); repeat the flag, or "
	    "separate them with spaces or commas, for several", F(cors_origin) },
	{ "no-request-log", "CODEBOOK_NO_REQUEST_LOG", NULL, CFG_SERVE, NULL, 0, 0, S_BOOL, 0, 0, "false", NULL,
	    "no log line per request (start-up and errors are still logged)", F(no_request_log) },
	{ "log-level", "CODEBOOK_LOG_LEVEL", NULL, BOTH, NULL, 0, 0, S_LEVEL, 0, 0, "info", NULL,
	    "debug, info, warn, error or off (worker-verbose makes the default debug)", F(log_level) },
	{ "market-config", "CODEBOOK_MARKET_CONFIG", "CB_TIKTOK_CONFIG", BOTH, NULL, 0, 0, S_STR, 0, 0, NULL,
	    NULL, "the shops' marketplace configuration (docs/marketplace.md); an order's shop names "
	    "its [shop NAME] section", F(market_config) },
	{ "market-shop", "CODEBOOK_MARKET_SHOP", "CB_TIKTOK_SHOP", CFG_SERVE, NULL, 0, 0, S_STR, 0, 0, NULL,
	    NULL, "the shop whose credentials sync the reverse reasons (a sync request may name "
	    "another)", F(market_shop) },
	{ "sync-interval", "CODEBOOK_SYNC_INTERVAL", NULL, CFG_SERVE, NULL, 0, 0, S_DURATION, 0, 604800000u, "1h",
	    NULL, "how often the reverse reasons of every market of the shops' configuration are synced "
	    "(give or take a tenth, at random; 0: only on demand)", F(sync_interval_ms) },
	{ "usage-flush-interval", "CODEBOOK_USAGE_FLUSH_INTERVAL", NULL, CFG_SERVE, NULL, 0, 0, S_DURATION, 0,
	    3600000u, "5s", NULL, "how often the codes' usage counts are added to the database (0: only when "
	    "the usage route is read and at shutdown)", F(usage_flush_ms) },
	{ "worker-interval", "CODEBOOK_WORKER_INTERVAL", NULL, BOTH, "interval", 0, 0, S_DURATION, 0, 86400000u,
	    "2s", NULL, "pause between the cancellation worker's passes (serve: 0 runs no worker in the "
	    "process)", F(worker_interval_ms) },
	{ "worker-lease", "CODEBOOK_WORKER_LEASE", NULL, BOTH, "lease", 0, 0, S_DURATION, 100, 86400000u, "15s",
	    NULL, "how long a claimed refund is the worker's without a heartbeat (extended every third of "
	    "it while the worker holds the refund)",
	    F(worker_lease_ms) },
	{ "order-max-age", "CODEBOOK_ORDER_MAX_AGE", NULL, BOTH, NULL, 0, 0, S_DURATION, 0, 604800000u, "5m", NULL,
	    "before a cancel, the worker reads the order from the marketplace (order detail) when its copy "
	    "is older than this (0: always)", F(order_max_age_ms) },
	{ "worker-max", "CODEBOOK_WORKER_MAX", NULL, CFG_WORKER, "max", 0, 0, S_UINT, 1, 1000000, "1000", NULL,
	    "refunds per pass", F(worker_max) },
	/* issue 12: the request budget of each shop (docs/orders.md, Request budgets) */
	{ "market-budget", "CODEBOOK_MARKET_BUDGET", NULL, BOTH, NULL, 0, 0, S_UINT, 1, 1000, "10", NULL,
	    "requests per second to the marketplace, per shop and endpoint family, shared by every worker "
	    "on the database (halved after a rate-limit error, back within a minute)", F(market_budget) },
	{ "market-burst", "CODEBOOK_MARKET_BURST", NULL, BOTH, NULL, 0, 0, S_UINT, 1, 1000, "5", NULL,
	    "requests a shop's budget lets go at once after a quiet spell", F(market_burst) },
	{ "outcome-deadline", "CODEBOOK_OUTCOME_DEADLINE", NULL, BOTH, NULL, 0, 0, S_DURATION, 1000, 2592000000u,
	    "6h", NULL, "how long the worker checks a cancel whose outcome is not known (later and later) before "
	    "the refund is Unknown, needs attention (checks go on, 15 min apart at most)", F(outcome_deadline_ms) },
	{ "worker-verbose", "CODEBOOK_WORKER_VERBOSE", NULL, BOTH, "verbose", 0, 'v', S_BOOL, 0, 0, "false", NULL,
	    "log each marketplace exchange (secrets masked)", F(worker_verbose) },
	/* hostile clients (docs/http.md, Timeouts and connection limits) */
	{ "max-connections", "CODEBOOK_MAX_CONNECTIONS", NULL, CFG_SERVE, NULL, 0, 0, S_UINT, 16, 1000000, "4096",
	    NULL, "client connections open at once, in all", F(max_connections) },
	{ "max-connections-per-client", "CODEBOOK_MAX_CONNECTIONS_PER_CLIENT", NULL, CFG_SERVE, NULL, 0, 0, S_UINT,
	    0, 1000000, "256", NULL, "client connections open at once from one IP address (0: no limit)",
	    F(max_per_client) },
	{ "header-timeout", "CODEBOOK_HEADER_TIMEOUT", NULL, CFG_SERVE, NULL, 0, 0, S_DURATION, 100, 3600000u,
	    "10s", NULL, "a request's head must have arrived this long after the connection opened or the "
	    "previous response was sent", F(header_timeout_ms) },
	{ "body-timeout", "CODEBOOK_BODY_TIMEOUT", NULL, CFG_SERVE, NULL, 0, 0, S_DURATION, 100, 3600000u, "30s",
	    NULL, "a request's body must have arrived this long after its head", F(body_timeout_ms) },
	{ "send-timeout", "CODEBOOK_SEND_TIMEOUT", NULL, CFG_SERVE, NULL, 0, 0, S_DURATION, 100, 3600000u, "60s",
	    NULL, "the client must have read a response this long after it was ready", F(send_timeout_ms) },
};
#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))
_Static_assert(NSETTINGS <= CFG_MAX_SETTINGS, "CFG_MAX_SETTINGS is too small");

/* Option ids: settings are 1..NSETTINGS, then these, then the actions. */
enum { O_CONFIG = NSETTINGS + 1, O_PRINT, O_ACTION };

/* One place values come from: a value (or NULL) per setting. */
struct layer {
	const char *val[NSETTINGS];
	char        where[NSETTINGS][288];   /* for messages and --print-config */
};

static const char *
cmd_name(unsigned cmd)
{
	return cmd == CFG_SERVE ? "serve" : "worker";
}

/* The flag of setting @s in command @cmd, without "--". */
static const char *
flag_name(const struct setting *s, unsigned cmd)
{
	return cmd == CFG_WORKER && s->wflag != NULL ? s->wflag : s->key;
}

/* An environment variable of @envp; an empty one counts as unset. */
static const char *
env_get(const char *const *envp, const char *name)
{
	size_t n = strlen(name), i;

	for (i = 0; envp != NULL && envp[i] != NULL; i++)
		if (strncmp(envp[i], name, n) == 0 && envp[i][n] == '=')
			return envp[i][n + 1] != '\0' ? envp[i] + n + 1 : NULL;
	return NULL;
}

static int
parse_bool(const char *what, const char *v, int *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" }, *const no[] = { "0", "false", "no", "off" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcmp(v, yes[i]) == 0 || strcmp(v, no[i]) == 0) {
			*out = strcmp(v, yes[i]) == 0;
			return EXIT_OK;
		}
	}
	return cli_error("%s \"%s\": expected true or false (or 1, 0, yes, no, on, off)", what, v);
}

/* Check value @v of setting @s (named @what in messages) and store it. */
static int
set_value(struct cli_config *cfg, const struct setting *s, const char *v, const char *what)
{
	void *field = (char *)cfg + s->off;
	uint64_t u;

	switch (s->type) {
	case S_STR:
	case S_LIST:
		*(const char **)field = v;
		return EXIT_OK;
	case S_UINT:
		if (cli_value_u64(what, v, s->min, s->max, &u) != EXIT_OK)
			return EXIT_USAGE;
		*(unsigned *)field = (unsigned)u;
		return EXIT_OK;
	case S_DURATION:
		return cli_value_duration_ms(what, v, s->min, s->max, (unsigned *)field);
	case S_BOOL:
		return parse_bool(what, v, (int *)field);
	case S_LEVEL:
		return cli_value_log_level(what, v, (cb_log_level *)field);
	}
	return EXIT_USAGE;
}

/* ---- the flags ------------------------------------------------------------ */

/* The option table of @cmd: its settings, --config, --print-config, @actions. */
static size_t
flag_table(struct cli_opt *opts, size_t max, unsigned cmd, const struct cli_action *actions)
{
	size_t i, n = 0;

	for (i = 0; i < NSETTINGS && n + 1 < max; i++)
		if (settings[i].cmds & cmd)
			opts[n++] = (struct cli_opt){ flag_name(&settings[i], cmd),
				cmd == CFG_WORKER ? settings[i].wshort : settings[i].sshort,
				settings[i].type != S_BOOL, (int)i + 1 };
	if (n + 3 < max) {
		opts[n++] = (struct cli_opt){ "config", 0, 1, O_CONFIG };
		opts[n++] = (struct cli_opt){ "print-config", 0, 0, O_PRINT };
	}
	for (i = 0; actions != NULL && actions[i].name != NULL && n + 1 < max; i++)
		opts[n++] = (struct cli_opt){ actions[i].name, actions[i].shortc, 0, O_ACTION + (int)i };
	opts[n] = (struct cli_opt){ NULL, 0, 0, 0 };
	return n;
}

/* The flags of @argv into layer @fl (the last of a repeated flag wins). */
static int
read_flags(struct cli_config *cfg, struct layer *fl, const char **file, unsigned cmd, int argc, char **argv,
    const struct cli_action *actions)
{
	struct cli_opt opts[NSETTINGS + 16];
	struct cli_args a = CLI_ARGS_INIT(argc, argv);
	const char *arg;
	int k;

	flag_table(opts, sizeof(opts) / sizeof(opts[0]), cmd, actions);
	while ((k = cli_next(&a, opts, &arg)) != CLI_END) {
		if (k == CLI_BAD)
			return EXIT_USAGE;
		if (k == CLI_POS)
			return cli_error("%s takes no arguments, got \"%s\" (see --help)", cmd_name(cmd), arg);
		if (k == O_CONFIG)
			*file = arg;
		else if (k == O_PRINT)
			cfg->print = 1;
		else if (k >= O_ACTION)
			*actions[k - O_ACTION].flag = 1;
		else if (settings[k - 1].type == S_LIST && fl->val[k - 1] != NULL) {
			/* the flag again: one more item of the list */
			size_t n = strlen(fl->val[k - 1]) + strlen(arg) + 2;
			char *j = cb__malloc(n);
			if (j == NULL)
				return cli_error("out of memory");
			(void)snprintf(j, n, "%s %s", fl->val[k - 1], arg);
			free(cfg->joined[k - 1]);
			fl->val[k - 1] = cfg->joined[k - 1] = j;
		} else {
			fl->val[k - 1] = arg != NULL ? arg : "true";
			(void)snprintf(fl->where[k - 1], sizeof(fl->where[0]), "--%s", flag_name(&settings[k - 1], cmd));
		}
	}
	return EXIT_OK;
}

/* ---- the file --------------------------------------------------------------- */

static char *
trim(char *s, char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	*end = '\0';
	return s;
}

static const struct setting *
find_key(const char *key)
{
	size_t i;

	for (i = 0; i < NSETTINGS; i++)
		if (strcmp(settings[i].key, key) == 0)
			return &settings[i];
	return NULL;
}

/* One line "key = value" (blank and # lines were skipped) into @fl. */
static int
file_line(struct layer *fl, char *line, const char *where, unsigned cmd, unsigned *seen_line, unsigned lineno)
{
	char *eq = strchr(line, '='), *key, *val, keys[512];
	const struct setting *s;
	size_t i, o = 0, idx;

	if (eq == NULL)
		return cli_error("%s: expected KEY = VALUE or a # comment", where);
	key = trim(line, eq);
	val = trim(eq + 1, eq + 1 + strlen(eq + 1));
	if ((s = find_key(key)) == NULL) {
		for (i = 0; i < NSETTINGS && o < sizeof(keys); i++)
			o += (size_t)snprintf(keys + o, sizeof(keys) - o, "%s%s", i ? ", " : "", settings[i].key);
		return cli_error("%s: unknown key \"%.64s\" (keys: %s)", where, key, keys);
	}
	idx = (size_t)(s - settings);
	if (seen_line[idx] != 0)
		return cli_error("%s: %s is set twice (first on line %u)", where, key, seen_line[idx]);
	seen_line[idx] = lineno;
	if (!(s->cmds & cmd) || val[0] == '\0')
		return EXIT_OK;	/* another command's setting, or an empty value: not set */
	fl->val[idx] = val;
	(void)snprintf(fl->where[idx], sizeof(fl->where[0]), "%s: %s", where, key);
	return EXIT_OK;
}

/* Read configuration file @path into @fl; its text is kept in cfg->file_text. */
static int
read_file(struct cli_config *cfg, struct layer *fl, const char *path, unsigned cmd)
{
	unsigned seen_line[NSETTINGS] = { 0 }, lineno = 0;
	char where[200], *p, *nl;
	FILE *fp;
	size_t n;

	if ((fp = fopen(path, "rb")) == NULL)
		return cli_error("configuration file %s: %s", path, strerror(errno));
	if ((cfg->file_text = cb__malloc(CFG_MAX_FILE + 1)) == NULL) {
		fclose(fp);
		return cli_error("out of memory");
	}
	n = fread(cfg->file_text, 1, CFG_MAX_FILE + 1, fp);
	if (ferror(fp) || n > CFG_MAX_FILE) {
		fclose(fp);
		return cli_error("configuration file %s: unreadable, or larger than %u bytes", path, CFG_MAX_FILE);
	}
	fclose(fp);
	cfg->file_text[n] = '\0';
	if (memchr(cfg->file_text, '\0', n) != NULL)
		return cli_error("configuration file %s: contains a NUL byte", path);
	for (p = cfg->file_text; *p != '\0'; p = nl) {
		char *line;
		if ((nl = strchr(p, '\n')) != NULL)
			*nl++ = '\0';
		else
			nl = p + strlen(p);
		lineno++;
		line = trim(p, p + strlen(p));
		if (line[0] == '\0' || line[0] == '#')
			continue;
		(void)snprintf(where, sizeof(where), "%s:%u", path, lineno);
		if (file_line(fl, line, where, cmd, seen_line, lineno) != EXIT_OK)
			return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* ---- the environment ------------------------------------------------------- */

static void
read_env(struct layer *el, const char *const *envp, unsigned cmd)
{
	const char *v;
	size_t i;

	for (i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];
		if (!(s->cmds & cmd))
			continue;
		if ((v = env_get(envp, s->env)) != NULL)
			(void)snprintf(el->where[i], sizeof(el->where[0]), "environment %s", s->env);
		else if (s->old_env != NULL && (v = env_get(envp, s->old_env)) != NULL)
			(void)snprintf(el->where[i], sizeof(el->where[0]), "environment %s (deprecated: use %s)",
			    s->old_env, s->env);
		el->val[i] = v;
	}
}

/* The CB_TIKTOK_* variables: a shop's keys overridden (docs/marketplace.md). */
static int
market_env(const char ***out, const char *const *envp)
{
	size_t i, n = 0;

	for (i = 0; envp != NULL && envp[i] != NULL; i++)
		n += strncmp(envp[i], "CB_TIKTOK_", 10) == 0;
	if ((*out = cb__calloc(n + 1, sizeof(**out))) == NULL)
		return cli_error("out of memory");
	for (i = 0, n = 0; envp != NULL && envp[i] != NULL; i++)
		if (strncmp(envp[i], "CB_TIKTOK_", 10) == 0)
			(*out)[n++] = envp[i];
	return EXIT_OK;
}

/* ---- all of it --------------------------------------------------------------- */

/* The defaults: the table's, and the catalogs main.c resolved. */
static void
read_defaults(struct layer *dl, struct layer *fl, const struct cli *c)
{
	size_t i;

	for (i = 0; i < NSETTINGS; i++) {
		dl->val[i] = settings[i].dflt;
		(void)snprintf(dl->where[i], sizeof(dl->where[0]), "default");
		if (strcmp(settings[i].key, "catalogs") != 0)
			continue;
		if (c->catalogs_from == NULL) {
			dl->val[i] = c->catalogs;
			(void)snprintf(dl->where[i], sizeof(dl->where[0]), "default: %s", settings[i].dflt_doc);
		} else if (strcmp(c->catalogs_from, "--catalogs") == 0 && fl->val[i] == NULL) {
			/* codebook --catalogs DIR serve: a flag, before the command's own */
			fl->val[i] = c->catalogs;
			(void)snprintf(fl->where[i], sizeof(fl->where[0]), "codebook --catalogs");
		}
	}
}

/* Apply the layers in order of precedence; each value is checked. */
static int
apply(struct cli_config *cfg, struct layer *const *layers, size_t nlayers)
{
	size_t i, k;

	for (k = 0; k < nlayers; k++)
		for (i = 0; i < NSETTINGS; i++) {
			if (!(settings[i].cmds & cfg->cmd) || layers[k]->val[i] == NULL)
				continue;
			if (set_value(cfg, &settings[i], layers[k]->val[i], layers[k]->where[i]) != EXIT_OK)
				return EXIT_USAGE;
			cfg->value[i] = layers[k]->val[i];
			(void)snprintf(cfg->source[i], sizeof(cfg->source[0]), "%s", layers[k]->where[i]);
		}
	return EXIT_OK;
}

int
cli_config_read_env(struct cli_config *cfg, unsigned cmd, const struct cli *c, int argc, char **argv,
    const struct cli_action *actions, const char *const *envp)
{
	struct layer *l;
	const char *file = NULL;
	size_t i;
	int rc = EXIT_USAGE;

	memset(cfg, 0, sizeof(*cfg));
	cfg->cmd = cmd;
	if ((l = cb__calloc(4, sizeof(*l))) == NULL)
		return cli_error("out of memory");
	/* the flags first: --config names the file */
	if (read_flags(cfg, &l[3], &file, cmd, argc, argv, actions) != EXIT_OK)
		goto out;
	if (file == NULL)
		file = env_get(envp, "CODEBOOK_CONFIG");
	read_defaults(&l[0], &l[3], c);
	if (file != NULL && read_file(cfg, &l[1], file, cmd) != EXIT_OK)
		goto out;
	read_env(&l[2], envp, cmd);
	{
		struct layer *order[4] = { &l[0], &l[1], &l[2], &l[3] };
		if (apply(cfg, order, 4) != EXIT_OK || market_env(&cfg->market_env, envp) != EXIT_OK)
			goto out;
	}
	/* verbose means debug, unless a level was asked for */
	i = (size_t)(find_key("log-level") - settings);
	if (cfg->worker_verbose && strcmp(cfg->source[i], "default") == 0) {
		cfg->log_level = CB_LOG_DEBUG;
		cfg->value[i] = "debug";
		(void)snprintf(cfg->source[i], sizeof(cfg->source[0]), "default with worker-verbose");
	}
	cb_log_set_level(cfg->log_level);
	rc = EXIT_OK;
out:
	free(l);
	return rc;
}

int
cli_config_read(struct cli_config *cfg, unsigned cmd, const struct cli *c, int argc, char **argv,
    const struct cli_action *actions)
{
	return cli_config_read_env(cfg, cmd, c, argc, argv, actions, (const char *const *)environ);
}

void
cli_config_free(struct cli_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	free(cfg->market_env);
	free(cfg->file_text);
	for (i = 0; i < CFG_MAX_SETTINGS; i++) {
		free(cfg->joined[i]);
		cfg->joined[i] = NULL;
	}
	cfg->market_env = NULL;
	cfg->file_text = NULL;
}

void
cli_config_print(const struct cli_config *cfg, FILE *fp)
{
	size_t i;

	fprintf(fp, "# codebook %s: the settings in effect (flags, then environment, then file, then "
	    "defaults)\n", cmd_name(cfg->cmd));
	for (i = 0; i < NSETTINGS; i++) {
		if (!(settings[i].cmds & cfg->cmd))
			continue;
		if (cfg->value[i] == NULL)
			fprintf(fp, "%s =  # not set%s%s\n", settings[i].key, settings[i].dflt_doc ? ": " : "",
			    settings[i].dflt_doc ? settings[i].dflt_doc : "");
		else
			fprintf(fp, "%s = %s  # %s\n", settings[i].key, cfg->value[i], cfg->source[i]);
	}
}

int
cli_market_env(const char **config, const char **shop, const char ***env)
{
	const char *const *envp = (const char *const *)environ;
	const struct setting *mc = find_key("market-config"), *ms = find_key("market-shop");

	if (*config == NULL && (*config = env_get(envp, mc->env)) == NULL)
		*config = env_get(envp, mc->old_env);
	if (*shop == NULL && (*shop = env_get(envp, ms->env)) == NULL)
		*shop = env_get(envp, ms->old_env);
	return market_env(env, envp);
}

/* ---- the documentation's table -------------------------------------------- */

/* The flags of @s in the commands that take it: "`--db`", or
 * "`--worker-interval` (serve), `--interval` (worker)". */
static void
doc_flags(cb_buf *b, const struct setting *s)
{
	static const unsigned cmds[] = { CFG_SERVE, CFG_WORKER };
	int alike = s->wflag == NULL && s->sshort == s->wshort;
	size_t i, n = 0;

	for (i = 0; i < 2; i++) {
		char sh = cmds[i] == CFG_SERVE ? s->sshort : s->wshort;
		if (!(s->cmds & cmds[i]) || (alike && n > 0))
			continue;
		cb_buf_printf(b, "%s`--%s`", n++ ? ", " : "", flag_name(s, cmds[i]));
		if (sh != 0)
			cb_buf_printf(b, " or `-%c`", sh);
		if (s->cmds == BOTH && !alike)
			cb_buf_printf(b, " (%s)", cmd_name(cmds[i]));
	}
}

void
cli_config_doc_table(cb_buf *b)
{
	size_t i;

	cb_buf_adds(b, "| Key (file) | Commands | Flag | Environment | Default | What it is |\n");
	cb_buf_adds(b, "|---|---|---|---|---|---|\n");
	for (i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];
		cb_buf_printf(b, "| `%s` | %s | ", s->key, s->cmds == BOTH ? "serve, worker" : cmd_name(s->cmds));
		doc_flags(b, s);
		cb_buf_printf(b, " | `%s`", s->env);
		if (s->old_env != NULL)
			cb_buf_printf(b, " (deprecated: `%s`)", s->old_env);
		if (s->dflt != NULL && s->dflt_doc == NULL)
			cb_buf_printf(b, " | `%s` | %s |\n", s->dflt, s->doc);
		else
			cb_buf_printf(b, " | %s | %s |\n", s->dflt_doc ? s->dflt_doc : "not set", s->doc);
	}
}
