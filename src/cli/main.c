/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c - codebook, the command-line face of libcodebook.
 *
 *   codebook [--catalogs DIR] [--json] COMMAND [ARGS]
 *
 * Exit status: 0 ok, 1 rejected / invalid / breaking, 2 usage or I/O error.
 */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ident.h"

static const struct {
	const char *name;
	cli_cmd_fn  fn;
	const char *summary;
} commands[] = {
	{ "list",    cmd_list,    "list the code sets" },
	{ "show",    cmd_show,    "show a set's entries, filtered by category or context" },
	{ "check",   cmd_check,   "check codes against a set (and a context)" },
	{ "explain", cmd_explain, "explain an error code and decide whether to retry" },
	{ "lint",    cmd_lint,    "report every problem in code-set files" },
	{ "diff",    cmd_diff,    "governance: may NEW replace OLD? (exit 1 if breaking)" },
	{ "export",  cmd_export,  "render a set as JSON Schema, Markdown, C header, CSV or JSON" },
	{ "rules",   cmd_rules,   "list the lint and governance rules" },
	{ "validate", cmd_validate, "check every line of an NDJSON stream (file, stdin, gzip)" },
	{ "serve",   cmd_serve,   "run the HTTP service (enumeration, checks, publishing, incidents, events)" },
	{ "keys",    cmd_keys,    "manage the HTTP service's API keys (add, list, revoke)" },
	{ "shops",   cmd_shops,   "manage marketplace shops and their tokens (add, list, rotate, remove)" },
	{ "tiktok",  cmd_tiktok,  "call TikTok Shop: reverse reasons, cancel, cancellations, orders" },
	{ "worker",  cmd_worker,  "process pending order cancellations against the marketplace" },
	{ "observed", cmd_observed, "codes met in marketplace traffic that a set does not hold" },
	{ "translate", cmd_translate, "translate a code into another set's codes through a mapping" },
	{ "usage",   cmd_usage,   "how often each code was checked, stored and rejected; who sends deprecated ones" },
};

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: codebook [--catalogs DIR] [--json] COMMAND [ARGS]\n\n"
	    "codebook %s: the reason-code authority.\n\ncommands:\n", cb_version());
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(fp, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(fp, "\nCatalogs: --catalogs DIR, else $CODEBOOK_CATALOGS, else the bundled ones.\n"
	    "Run 'codebook COMMAND --help' for a command's options.\n"
	    "Exit status: 0 ok, 1 rejected/invalid/breaking, 2 usage or I/O error.\n");
}

int
cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("codebook: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

static int
is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The bundled catalogs: next to the binary (build tree and relocated
 * installs: BIN/../share/codebook/catalogs), else the configured prefix. */
static const char *
default_catalogs(void)
{
	static char path[PATH_MAX + 64];
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/../share/codebook/catalogs", exe);
			if (is_dir(path))
				return path;
		}
	}
	return CB_DATADIR "/catalogs";
}

const cb_codeset *
cli_set(struct cli *c, const char *name)
{
	size_t len = strlen(name), i;
	const cb_codeset *cs;

	if (strchr(name, '/') != NULL || (len > 5 && strcmp(name + len - 5, ".json") == 0)) {
		cb_codeset_free(c->file_set);
		c->file_set = NULL;
		if (cb_codeset_load_file(&c->file_set, name) != CB_OK) {
			cli_error("%s", cb_errmsg());
			return NULL;
		}
		return c->file_set;
	}
	/* one set: read its file alone rather than the whole directory */
	if (cb_set_name_check(name, len, NULL)) {
		char path[PATH_MAX];
		int rc;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s.json", c->catalogs, name) < sizeof(path)) {
			cb_codeset_free(c->file_set);
			c->file_set = NULL;
			rc = cb_codeset_load_file(&c->file_set, path);
			if (rc == CB_OK && strcmp(cb_codeset_name(c->file_set), name) == 0)
				return c->file_set;
			if (rc == CB_OK) {
				cli_error("%s: holds set \"%s\"; name the file %s.json or fix \"name\"", path,
				    cb_codeset_name(c->file_set), cb_codeset_name(c->file_set));
				return NULL;
			}
			if (rc != CB_ENOTFOUND) {
				cli_error("%s", cb_errmsg());
				return NULL;
			}
		}
	}
	if (c->cat == NULL && cb_catalog_load_dir(&c->cat, c->catalogs) != CB_OK) {
		cli_error("%s", cb_errmsg());
		return NULL;
	}
	if ((cs = cb_catalog_find(c->cat, name)) != NULL)
		return cs;
	fprintf(stderr, "codebook: no code set \"%s\" in %s (sets:", name, c->catalogs);
	for (i = 0; i < cb_catalog_count(c->cat); i++)
		fprintf(stderr, " %s", cb_codeset_name(cb_catalog_get(c->cat, i)));
	fprintf(stderr, ")\n");
	return NULL;
}

int
cli_ctx_add(struct cli_ctx *ctx, const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg)
		return cli_error("--context expects DIMENSION=VALUE, got \"%s\"", arg);
	if (ctx->n == CLI_MAX_CTX)
		return cli_error("too many --context options (at most %d)", CLI_MAX_CTX);
	ctx->pairs[ctx->n].dim = arg;
	ctx->pairs[ctx->n].dim_len = (size_t)(eq - arg);
	ctx->pairs[ctx->n].value = eq + 1;
	ctx->pairs[ctx->n].value_len = strlen(eq + 1);
	ctx->n++;
	return EXIT_OK;
}

int
cli_replaceable(const char *path)
{
	struct stat st;

	return stat(path, &st) != 0 || S_ISREG(st.st_mode);
}

int
cli_write(const cb_buf *b, const char *path)
{
	char tmp[PATH_MAX];
	FILE *fp;

	if (b->failed)
		return cli_error("output too large or out of memory");
	if (path == NULL || strcmp(path, "-") == 0) {
		if (b->len > 0 && fwrite(b->p, 1, b->len, stdout) != b->len)
			return cli_error("write to standard output: %s", strerror(errno));
		return fflush(stdout) == 0 ? EXIT_OK : cli_error("write: %s", strerror(errno));
	}
	if (!cli_replaceable(path)) {
		/* a device or a pipe (-o /dev/null): written in place, never replaced */
		if ((fp = fopen(path, "wb")) == NULL)
			return cli_error("%s: %s", path, strerror(errno));
		if ((b->len > 0 && fwrite(b->p, 1, b->len, fp) != b->len) || fclose(fp) != 0)
			return cli_error("%s: %s", path, strerror(errno));
		return EXIT_OK;
	}
	/* write beside the target, then rename: readers never see half a file */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= sizeof(tmp))
		return cli_error("%s: path too long", path);
	if ((fp = fopen(tmp, "wb")) == NULL)
		return cli_error("%s: %s", tmp, strerror(errno));
	if ((b->len > 0 && fwrite(b->p, 1, b->len, fp) != b->len) || fflush(fp) != 0 ||
	    fsync(fileno(fp)) != 0) {
		int e = errno;
		fclose(fp);
		unlink(tmp);
		return cli_error("%s: %s", tmp, strerror(e));
	}
	if (fclose(fp) != 0 || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		return cli_error("%s: %s", path, strerror(e));
	}
	return EXIT_OK;
}

int
cli_print_json(cb_buf *b)
{
	cb_buf_addc(b, '\n');
	return cli_write(b, NULL);
}

/*
 * --json anywhere among a command's arguments (before "--") means the same
 * as before the command, so `codebook keys list --json` and `codebook
 * --json keys list` agree: take it out of @argv and return the new count.
 */
static int
take_json(struct cli *c, int argc, char **argv)
{
	int i, o = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				argv[o++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--json") == 0)
			c->json = 1;
		else
			argv[o++] = argv[i];
	}
	argv[o] = NULL;
	return o;
}

int
main(int argc, char **argv)
{
	struct cli c;
	const char *env;
	size_t i;
	int argi = 1, rc;

	memset(&c, 0, sizeof(c));
	c.catalogs = (env = getenv("CODEBOOK_CATALOGS")) != NULL && *env ? env : NULL;
	c.catalogs_from = c.catalogs != NULL ? "CODEBOOK_CATALOGS" : NULL;
	while (argi < argc && argv[argi][0] == '-') {
		const char *a = argv[argi];
		if (strcmp(a, "--catalogs") == 0 && argi + 1 < argc) {
			c.catalogs = argv[argi + 1];
			c.catalogs_from = "--catalogs";
			argi += 2;
		} else if (strncmp(a, "--catalogs=", 11) == 0) {
			c.catalogs = a + 11;
			c.catalogs_from = "--catalogs";
			argi++;
		} else if (strcmp(a, "--json") == 0) {
			c.json = 1;
			argi++;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return EXIT_OK;
		} else if (strcmp(a, "--version") == 0) {
			printf("codebook %s\n", cb_version());
			return EXIT_OK;
		} else {
			usage(stderr);
			return cli_error("unknown option \"%s\"", a);
		}
	}
	if (argi >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (c.catalogs == NULL)
		c.catalogs = default_catalogs();
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, argv[argi]) == 0)
			break;
	if (i == sizeof(commands) / sizeof(commands[0])) {
		usage(stderr);
		return cli_error("unknown command \"%s\"", argv[argi]);
	}
	argc = argi + take_json(&c, argc - argi, argv + argi);
	rc = commands[i].fn(&c, argc - argi, argv + argi);
	cb_catalog_free(c.cat);
	cb_codeset_free(c.file_set);
	return rc;
}
