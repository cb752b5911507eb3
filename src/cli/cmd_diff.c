/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_diff.c - codebook diff OLD NEW: the governance gate.
 */
#include "cli.h"

#include <limits.h>
#include <stdio.h>

#include <string.h>

#include "view.h"

/* the change feed's formats, beside the gate's (cli.h) */
enum { CLI_FEED_TEXT = 100, CLI_FEED_JSON };

static const char usage[] =
    "usage: codebook diff OLD NEW [--format text|json|github] [--feed] [--at TIME]\n"
    "       codebook diff --against REV [FILE...] [--format text|json|github]\n\n"
    "Compare NEW with the published OLD version of a code set (files or catalog names)\n"
    "and list every change under its rule: breaking (CODE_NO_DELETE, CODE_SAME_CATEGORY,\n"
    "APPLIES_NO_NARROW, CATEGORY_NO_DELETE, FORMAT_KEEPS_CODES, VERSION_INCREASES, ...),\n"
    "warning (DESCRIPTION_CHANGED, CATEGORY_ADDED, ...) or info (CODE_ADDED, ...).\n"
    "With --against REV, each FILE is compared with the same file at the git revision REV\n"
    "(default: every code-set file that changed since REV; a deleted one is breaking).\n"
    "--format github prints GitHub Actions annotations. Exit 1 when a change is breaking.\n"
    "--feed prints the change feed instead: one line per changed code (added, deprecated,\n"
    "retired, revived, text-changed, applicability-changed, dates-changed, usage-changed),\n"
    "as GET /v1/code-sets/{set}/changes answers it (JSON with --format json).\n"
    "--at TIME judges the deprecation window at TIME (RFC 3339) instead of now.\n"
    "'codebook rules' lists the rules.\n";

static void
print_json(const cb_report *r, const cb_codeset *old, const cb_codeset *new_, int breaking, int *rc)
{
	cb_buf b = CB_BUF_INIT((size_t)1 << 26);
	cb_jw w;

	cb_jw_init(&w, &b, 1);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "set", cb_codeset_name(new_));
	cb_jw_kint(&w, "old_version", cb_codeset_version(old));
	cb_jw_kint(&w, "new_version", cb_codeset_version(new_));
	cb_jw_kbool(&w, "breaking", breaking);
	cb_jw_key(&w, "findings");
	cb_view_findings(&w, r);
	cb_jw_obj_end(&w);
	if (cli_print_json(&b) != EXIT_OK)
		*rc = EXIT_USAGE;
	cb_buf_reset(&b);
}

static void
print_text(const cb_report *r, const cb_codeset *old, const cb_codeset *new_, int breaking)
{
	size_t i, nw = cb_report_count_severity(r, CB_SEV_WARNING);

	for (i = 0; i < cb_report_count(r); i++) {
		const cb_finding *f = cb_report_get(r, i);
		printf("%s: %s: %s\n", cb_severity_name(f->severity), f->rule, f->message);
	}
	printf("%s v%d -> v%d: %zu breaking, %zu warning%s, %zu info: %s\n", cb_codeset_name(new_),
	    cb_codeset_version(old), cb_codeset_version(new_), cb_report_count_severity(r, CB_SEV_BREAKING),
	    nw, nw == 1 ? "" : "s", cb_report_count_severity(r, CB_SEV_INFO), breaking ? "refused" : "allowed");
}

/* The change feed from @old to @new_: a line per changed code, or the
 * JSON of the service's changes route. */
static int
print_feed(const cb_report *r, const cb_codeset *old, const cb_codeset *new_, int fmt)
{
	cb_buf b = CB_BUF_INIT((size_t)1 << 26);
	size_t i;
	cb_jw w;
	int rc = EXIT_OK;

	if (fmt != CLI_GATE_JSON) {
		for (i = 0; i < cb_report_count(r); i++) {
			const cb_finding *f = cb_report_get(r, i);
			const char *change = cb_change_of_rule(f->rule);
			const cb_entry *e = cb_codeset_find(new_, f->subject, strlen(f->subject));
			if (change != NULL && e != NULL)
				printf("v%d %s %s (id %d): %s\n", cb_codeset_version(new_), change, f->subject,
				    cb_entry_id(e), f->message);
		}
		return EXIT_OK;
	}
	cb_jw_init(&w, &b, 1);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "set", cb_codeset_name(new_));
	cb_jw_kint(&w, "since", cb_codeset_version(old));
	cb_jw_kint(&w, "version", cb_codeset_version(new_));
	cb_jw_key(&w, "changes");
	cb_jw_arr_begin(&w);
	i = cb_view_changes(&w, r, new_);
	cb_jw_arr_end(&w);
	cb_jw_kint(&w, "count", (long long)i);
	cb_jw_obj_end(&w);
	rc = cli_print_json(&b);
	cb_buf_reset(&b);
	return rc;
}

/* The other set of a mapping, from the catalogs (quietly: NULL when not there). */
static const cb_codeset *
catalog_set(void *arg, const char *name)
{
	struct cli *c = arg;

	if (c->cat == NULL && cb_catalog_load_dir(&c->cat, c->catalogs) != CB_OK)
		return NULL;
	return cb_catalog_find(c->cat, name);
}

/* MAPPING_KEEPS_COMPLETE, as the service's gate judges it: the complete
 * mappings of the catalogs' mappings/ directory against @new_. */
static int
mapping_gate(struct cli *c, const cb_codeset *new_, cb_report **r)
{
	char dir[PATH_MAX];
	cb_mappings *ms = NULL;
	int rc;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/mappings", c->catalogs) >= sizeof(dir))
		return cli_error("%s/mappings: path too long", c->catalogs);
	if (cb_mappings_load_dir(&ms, dir) != CB_OK)
		return cli_error("%s", cb_errmsg());
	rc = cb_mappings_gate(r, ms, new_, catalog_set, c);
	cb_mappings_free(ms);
	return rc == CB_OK ? EXIT_OK : cli_error("%s", cb_errmsg());
}

/* Diff @old against @new_ and print the findings in @fmt; @file names NEW
 * in annotations.  EXIT_OK, EXIT_REJECTED (breaking) or EXIT_USAGE. */
static int
diff_sets(struct cli *c, const cb_codeset *old, const cb_codeset *new_, const char *file, int fmt, int64_t at)
{
	cb_diff_opts opts = CB_DIFF_OPTS_INIT;
	cb_report *r = NULL;
	int rc;

	opts.now_us = at;
	if (cb_diff_ex(&r, old, new_, &opts) != CB_OK)
		return cli_error("%s", cb_errmsg());
	if ((rc = mapping_gate(c, new_, &r)) != EXIT_OK) {
		cb_report_free(r);
		return rc;
	}
	rc = cb_report_is_breaking(r) ? EXIT_REJECTED : EXIT_OK;
	if (fmt == CLI_FEED_TEXT || fmt == CLI_FEED_JSON) {
		if (print_feed(r, old, new_, fmt == CLI_FEED_JSON || c->json ? CLI_GATE_JSON : CLI_GATE_TEXT) != EXIT_OK)
			rc = EXIT_USAGE;
	} else if (fmt == CLI_GATE_GITHUB)
		cli_gate_print_github(r, file);
	else if (fmt == CLI_GATE_JSON || c->json)
		print_json(r, old, new_, rc == EXIT_REJECTED, &rc);
	else
		print_text(r, old, new_, rc == EXIT_REJECTED);
	cb_report_free(r);
	return rc;
}

/* 1 when @a and @b serialise to the same bytes (no change at all). */
static int
same_set(const cb_codeset *a, const cb_codeset *b)
{
	char *ja = NULL, *jb = NULL;
	size_t la = 0, lb = 0;
	int same = cb_codeset_to_json(&ja, &la, a) == CB_OK && cb_codeset_to_json(&jb, &lb, b) == CB_OK &&
	    la == lb && memcmp(ja, jb, la) == 0;

	cb_free(ja);
	cb_free(jb);
	return same;
}

int
cli_diff_sets(struct cli *c, const cb_codeset *old, const char *newfile, int fmt)
{
	cb_codeset *new_ = NULL;
	int rc = EXIT_OK;

	if (cb_codeset_load_file(&new_, newfile) != CB_OK)
		return cli_error("%s", cb_errmsg());
	/* a file the revision already had, unchanged, is not a new version */
	if (!same_set(old, new_))
		rc = diff_sets(c, old, new_, newfile, fmt, 0);
	cb_codeset_free(new_);
	return rc;
}

int
cmd_diff(struct cli *c, int argc, char **argv)
{
	static const struct cli_opt opts[] = { { "against", 0, 1, 1 }, { "format", 0, 1, 2 }, { "feed", 0, 0, 3 },
		{ "at", 0, 1, 4 }, { NULL, 0, 0, 0 } };
	unsigned ignored = 0;
	int64_t at = 0;
	static const char *const fmts[] = { [CLI_GATE_TEXT] = "text", [CLI_GATE_JSON] = "json",
		[CLI_GATE_GITHUB] = "github" };
	struct cli_args a = CLI_ARGS_INIT(argc, argv);
	const char *names[1024], *arg, *rev = NULL;
	cb_codeset *sets[2] = { NULL, NULL };
	size_t n = 0, i;
	int k, rc = EXIT_OK, fmt = c->json ? CLI_GATE_JSON : CLI_GATE_TEXT, feed = 0;

	if (cli_wants_help(argc, argv, usage))
		return EXIT_OK;
	while ((k = cli_next(&a, opts, &arg)) != CLI_END) {
		if (k == CLI_BAD)
			return EXIT_USAGE;
		if (k == 1)
			rev = arg;
		else if (k == 3)
			feed = 1;
		else if (k == 4 && cli_life_arg("at", arg, &ignored, &at) != EXIT_OK)
			return EXIT_USAGE;
		else if (k == 2) {
			for (fmt = 0; fmt < 3 && strcmp(arg, fmts[fmt]) != 0; fmt++)
				;
			if (fmt == 3)
				return cli_error("--format expects text, json or github, got \"%s\"", arg);
		} else if (k == 4)
			continue;
		else if (n < sizeof(names) / sizeof(names[0]))
			names[n++] = arg;
		else
			return cli_error("diff: at most %zu files at once", sizeof(names) / sizeof(names[0]));
	}
	if (rev != NULL && feed)
		return cli_error("diff: --feed compares OLD and NEW, not --against a revision");
	if (rev != NULL)
		return cli_gate(c, rev, names, n, fmt);
	if (feed && fmt == CLI_GATE_GITHUB)
		return cli_error("diff: --feed prints text or json, not github annotations");
	if (feed)
		fmt = fmt == CLI_GATE_JSON ? CLI_FEED_JSON : CLI_FEED_TEXT;
	if (n != 2)
		return cli_error("diff: expected OLD and NEW (or --against REV); usage: codebook diff OLD NEW");
	for (i = 0; i < 2; i++) {
		const cb_codeset *cs = cli_set(c, names[i]);
		if (cs == NULL) {
			rc = EXIT_USAGE;
			goto out;
		}
		sets[i] = cb_codeset_ref((cb_codeset *)(uintptr_t)cs);
	}
	rc = diff_sets(c, sets[0], sets[1], names[1], fmt, at);
out:
	cb_codeset_free(sets[0]);
	cb_codeset_free(sets[1]);
	return rc;
}
