/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_lint.c - codebook lint FILE...: every problem of code-set files, and
 * with --db the codes met in marketplace traffic that a file's set does
 * not hold (candidates for its next version, cmd_observed.c).
 */
#include "cli.h"

#include <string.h>

#include "../store/store.h"
#include "view.h"

static const char usage[] =
    "usage: codebook lint FILE... [--db PATH] [--json]\n\n"
    "Report every problem of the code-set files: JSON syntax, structure, undeclared\n"
    "categories or context values, codes failing the set's format, duplicates, rows\n"
    "without a code, codes whose entries disagree on handling. A mapping file\n"
    "(docs/mappings.md) is checked against its sets (a set file given on the same\n"
    "command line, else the catalogs'): a source code without a link in a complete\n"
    "mapping, a target unknown or retired. Each finding names its\n"
    "file:line:column and rule. With --db (the service's database), the codes of each\n"
    "file's set met in marketplace traffic that the file does not hold are reported as\n"
    "OBSERVED_CODE (info): candidates for the next version (codebook observed).\n"
    "Exit 1 when a file has errors (warnings and candidates alone exit 0).\n";

struct cand {
	const cb_codeset *cs;
	const char       *file;
	cb_jw            *w;
	int               json;
	size_t            n;
};

static int
cand_row(void *arg, const cb_store_obs *o)
{
	struct cand *c = arg;

	if (cb_codeset_find(c->cs, o->code, strlen(o->code)) != NULL)
		return 0;	/* the file holds it: no longer a candidate */
	c->n++;
	if (c->json) {
		cb_jw_obj_begin(c->w);
		cb_jw_kstr(c->w, "rule", "OBSERVED_CODE");
		cb_jw_kstr(c->w, "severity", "info");
		cb_jw_kstr(c->w, "subject", o->code);
		cb_jw_kint(c->w, "count", o->count);
		cb_jw_kstr(c->w, "first_seen", o->first_seen);
		cb_jw_kstr(c->w, "last_seen", o->last_seen);
		cb_jw_kstr(c->w, "seen_in", o->seen_in);
		cb_jw_kstr(c->w, "request_id", o->request_id);
		cb_jw_obj_end(c->w);
	} else
		printf("%s: info: OBSERVED_CODE: %s was met %lld time%s in marketplace traffic (last %s, in %s) and %s "
		    "does not hold it: a candidate for the next version\n", c->file, o->code, (long long)o->count,
		    o->count == 1 ? "" : "s", o->last_seen, o->seen_in, cb_codeset_name(c->cs));
	return 0;
}

/* The observed codes of @file's set that it does not hold; how many. */
static size_t
candidates(cb_store *st, const char *file, cb_jw *w, int json)
{
	struct cand c = { NULL, file, w, json, 0 };
	cb_codeset *cs = NULL;

	if (json) {
		cb_jw_key(w, "observed");
		cb_jw_arr_begin(w);
	}
	if (cb_codeset_load_file(&cs, file) == CB_OK) {	/* a file with errors has no set to compare */
		c.cs = cs;
		if (cb_store_obs_list(st, cb_codeset_name(cs), 0, cand_row, &c) != CB_OK)
			cli_error("%s: observed codes: %s", file, cb_errmsg());
	}
	if (json)
		cb_jw_arr_end(w);
	cb_codeset_free(cs);
	return c.n;
}

/* Where a mapping's sets come from: a set file given on the same command
 * line (the version under review), else the catalogs. */
struct lookup {
	struct cli  *c;
	cb_codeset **files;
	size_t       n;
};

static const cb_codeset *
find_set(void *arg, const char *name)
{
	struct lookup *l = arg;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->files[i] != NULL && strcmp(cb_codeset_name(l->files[i]), name) == 0)
			return l->files[i];
	if (l->c->cat == NULL && cb_catalog_load_dir(&l->c->cat, l->c->catalogs) != CB_OK)
		return NULL;
	return cb_catalog_find(l->c->cat, name);
}

/* The sets under review, for the mappings among the files (NULL: not a set). */
static void
load_sets(const char *const *files, size_t n, cb_codeset **sets)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (cb_codeset_load_file(&sets[i], files[i]) != CB_OK)
			sets[i] = NULL;
}

/* Lint @file: a mapping against its sets, else a code-set file. */
static int
lint_one(struct lookup *l, const char *file, cb_report **r)
{
	int is_mapping = 0;

	if (cb_mapping_lint_file(r, file, find_set, l, &is_mapping) != CB_OK)
		return -1;
	if (is_mapping)
		return CB_OK;
	return cb_lint_file(r, file);
}

/* Print @file's findings (and with a database its candidates); how many
 * candidates. */
static size_t
emit(struct cli *c, cb_jw *w, cb_store *st, const char *file, const cb_report *r)
{
	size_t ncand = 0;

	if (!c->json) {
		cli_print_findings(stdout, r);
		return st != NULL ? candidates(st, file, NULL, 0) : 0;
	}
	cb_jw_obj_begin(w);
	cb_jw_kstr(w, "file", file);
	cb_jw_kint(w, "errors", (long long)cb_report_count_severity(r, CB_SEV_ERROR));
	cb_jw_kint(w, "warnings", (long long)cb_report_count_severity(r, CB_SEV_WARNING));
	cb_jw_key(w, "findings");
	cb_view_findings(w, r);
	if (st != NULL)
		ncand = candidates(st, file, w, 1);
	cb_jw_obj_end(w);
	return ncand;
}

int
cmd_lint(struct cli *c, int argc, char **argv)
{
	enum { O_JSON = 1 };
	static const struct cli_opt opts[] = { { "json", 0, 0, O_JSON }, { "db", 0, 1, CLI_O_DB }, { NULL, 0, 0, 0 } };
	struct cli_args a = CLI_ARGS_INIT(argc, argv);
	const char *files[1024], *arg, *db = NULL;
	cb_codeset *sets[1024] = { NULL };
	struct lookup lk = { c, sets, 0 };
	size_t nfiles = 0, i, errors = 0, warnings = 0, ncand = 0;
	cb_store *st = NULL;
	int rc = EXIT_OK, k;
	cb_buf b = CB_BUF_INIT((size_t)1 << 26);
	cb_jw w;

	if (cli_wants_help(argc, argv, usage))
		return EXIT_OK;
	while ((k = cli_next(&a, opts, &arg)) != CLI_END) {
		switch (k) {
		case CLI_BAD: return EXIT_USAGE;
		case O_JSON: c->json = 1; break;
		case CLI_O_DB: db = arg; break;
		default:
			if (nfiles == sizeof(files) / sizeof(files[0]))
				return cli_error("lint: at most %zu files at once", nfiles);
			files[nfiles++] = arg;
		}
	}
	if (nfiles == 0)
		return cli_error("lint: usage: codebook lint FILE... (see --help)");
	lk.n = nfiles;
	if (db != NULL && (rc = cli_store_open(&st, db)) != EXIT_OK)
		return rc;
	cb_jw_init(&w, &b, 1);
	if (c->json)
		cb_jw_arr_begin(&w);
	load_sets(files, nfiles, sets);
	for (i = 0; i < nfiles; i++) {
		cb_report *r = NULL;
		size_t e, wn;
		if (lint_one(&lk, files[i], &r) != CB_OK) {
			cli_error("%s", cb_errmsg());
			rc = EXIT_USAGE;
			continue;
		}
		e = cb_report_count_severity(r, CB_SEV_ERROR);
		wn = cb_report_count_severity(r, CB_SEV_WARNING);
		errors += e;
		warnings += wn;
		if (e > 0 && rc == EXIT_OK)
			rc = EXIT_REJECTED;
		ncand += emit(c, &w, st, files[i], r);
		cb_report_free(r);
	}
	cb_store_close(st);
	for (i = 0; i < nfiles; i++)	/* the sets under review */
		cb_codeset_free(sets[i]);
	if (c->json) {
		cb_jw_arr_end(&w);
		if (cli_print_json(&b) != EXIT_OK)
			rc = EXIT_USAGE;
	} else {
		printf("%zu error%s, %zu warning%s in %zu file%s", errors, errors == 1 ? "" : "s",
		    warnings, warnings == 1 ? "" : "s", nfiles, nfiles == 1 ? "" : "s");
		if (db != NULL)
			printf("; %zu observed code%s to consider", ncand, ncand == 1 ? "" : "s");
		printf("\n");
	}
	cb_buf_reset(&b);
	return rc;
}
