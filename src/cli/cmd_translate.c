/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_translate.c - codebook translate MAPPING CODE: the codes of another
 * set that a code stands for, from a mapping document (docs/mappings.md),
 * and codebook translate --list: the mappings of the catalogs.  Mappings
 * live in the catalogs' mappings/ directory; MAPPING may also be a file.
 */
#include "cli.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "view.h"

static const char usage[] =
    "usage: codebook translate MAPPING CODE [--json]\n"
    "       codebook translate --list [--json]\n\n"
    "Translate CODE of the mapping's source set into the codes of its target set:\n"
    "each match with its equivalence (equal, narrower, broader: the source code\n"
    "compared with the target; unmatched: no target stands for it) and its basis\n"
    "(a seed the link follows, or judgement: codebook's own). MAPPING is a mapping\n"
    "of the catalogs' mappings/ directory, or a file. --list lists the mappings.\n"
    "Exit 0 when a target matches, 1 when the code is unmatched or not mapped.\n";

/* The mappings of the catalogs (loaded once). */
static int
load_all(struct cli *c, cb_mappings **out)
{
	char dir[PATH_MAX];

	if ((size_t)snprintf(dir, sizeof(dir), "%s/mappings", c->catalogs) >= sizeof(dir))
		return cli_error("%s/mappings: path too long", c->catalogs);
	if (cb_mappings_load_dir(out, dir) != CB_OK)
		return cli_error("%s", cb_errmsg());
	return EXIT_OK;
}

static int
list(struct cli *c)
{
	cb_mappings *ms = NULL;
	size_t i;
	int rc;

	if ((rc = load_all(c, &ms)) != EXIT_OK)
		return rc;
	if (c->json) {
		cb_buf b = CB_BUF_INIT(1u << 24);
		cb_jw w;
		cb_jw_init(&w, &b, 1);
		cb_jw_arr_begin(&w);
		for (i = 0; i < cb_mappings_count(ms); i++)
			cb_view_mapping(&w, cb_mappings_get(ms, i), 0);
		cb_jw_arr_end(&w);
		rc = cli_print_json(&b);
		cb_buf_reset(&b);
	}
	for (i = 0; !c->json && i < cb_mappings_count(ms); i++) {
		const cb_mapping *m = cb_mappings_get(ms, i);
		printf("%s: %s -> %s, %zu links%s\n  %s\n", cb_mapping_name(m), cb_mapping_source_set(m),
		    cb_mapping_target_set(m), cb_mapping_link_count(m), cb_mapping_complete(m) ? ", complete" : "",
		    cb_mapping_title(m));
	}
	cb_mappings_free(ms);
	return rc;
}

static void
print_text(const cb_mapping *m, const char *code, size_t first, size_t n)
{
	size_t i;

	if (n == 0) {
		printf("%s %s: not mapped (%s has no link for it)\n", cb_mapping_source_set(m), code, cb_mapping_name(m));
		return;
	}
	printf("%s %s -> %s:\n", cb_mapping_source_set(m), code, cb_mapping_target_set(m));
	for (i = first; i < first + n; i++) {
		const cb_mapping_link *l = cb_mapping_link_get(m, i);
		if (l->to != NULL)
			printf("  %-9s %s (basis: %s)\n", cb_equivalence_name(l->equivalence), l->to, l->basis);
		else
			printf("  unmatched: no %s code (basis: %s)\n", cb_mapping_target_set(m), l->basis);
		if (l->comment[0] != '\0')
			printf("            %s\n", l->comment);
	}
}

/* The mapping's source set from the catalogs, quietly (NULL: not there). */
static const cb_codeset *
source_set(struct cli *c, const cb_mapping *m)
{
	if (c->cat == NULL && cb_catalog_load_dir(&c->cat, c->catalogs) != CB_OK)
		return NULL;
	return cb_catalog_find(c->cat, cb_mapping_source_set(m));
}

static int
translate(struct cli *c, const char *name, const char *code)
{
	size_t len = strlen(name), first, n, i;
	cb_mappings *ms = NULL;
	cb_mapping *file = NULL;
	const cb_mapping *m;
	int rc = EXIT_REJECTED;

	if (strchr(name, '/') != NULL || (len > 5 && strcmp(name + len - 5, ".json") == 0)) {
		if (cb_mapping_load_file(&file, name) != CB_OK)
			return cli_error("%s", cb_errmsg());
		m = file;
	} else {
		if ((rc = load_all(c, &ms)) != EXIT_OK)
			return rc;
		if ((m = cb_mappings_find(ms, name, len)) == NULL) {
			rc = cli_error("no mapping \"%s\" in %s/mappings (codebook translate --list)", name, c->catalogs);
			cb_mappings_free(ms);
			return rc;
		}
	}
	n = cb_mapping_translate(m, code, strlen(code), &first);
	for (rc = EXIT_REJECTED, i = first; i < first + n; i++)
		if (cb_mapping_link_get(m, i)->to != NULL)
			rc = EXIT_OK;
	if (c->json) {
		cb_buf b = CB_BUF_INIT(1u << 20);
		cb_jw w;
		cb_jw_init(&w, &b, 1);
		cb_view_translation(&w, m, code, strlen(code), source_set(c, m));
		if (cli_print_json(&b) != EXIT_OK)
			rc = EXIT_USAGE;
		cb_buf_reset(&b);
	} else {
		print_text(m, code, first, n);
	}
	cb_mapping_free(file);
	cb_mappings_free(ms);
	return rc;
}

int
cmd_translate(struct cli *c, int argc, char **argv)
{
	const char *pos[2];
	size_t npos;
	int rc;

	if (argc >= 2 && strcmp(argv[1], "--list") == 0) {
		if ((rc = cli_positionals(argc - 1, argv + 1, usage, "translate --list", pos, 0, 0, &npos)) != EXIT_OK)
			return rc < 0 ? EXIT_OK : rc;
		return list(c);
	}
	if ((rc = cli_positionals(argc, argv, usage, "translate", pos, 2, 2, &npos)) != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	return translate(c, pos[0], pos[1]);
}
