/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_list.c - codebook list: the code sets of the catalog.
 */
#include "cli.h"

#include "view.h"

static const char usage[] =
    "usage: codebook list [--json]\n\n"
    "List the code sets in the catalog directory with version, entry count and title.\n";

int
cmd_list(struct cli *c, int argc, char **argv)
{
	size_t i, npos;
	int rc;

	if ((rc = cli_positionals(argc, argv, usage, "list", NULL, 0, 0, &npos)) != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	if (cb_catalog_load_dir(&c->cat, c->catalogs) != CB_OK)
		return cli_error("%s", cb_errmsg());
	if (c->json) {
		cb_buf b = CB_BUF_INIT(1u << 24);
		cb_jw w;
		cb_jw_init(&w, &b, 1);
		cb_jw_obj_begin(&w);
		cb_jw_kstr(&w, "catalogs", c->catalogs);
		cb_jw_key(&w, "sets");
		cb_jw_arr_begin(&w);
		for (i = 0; i < cb_catalog_count(c->cat); i++)
			cb_view_set_summary(&w, cb_catalog_get(c->cat, i));
		cb_jw_arr_end(&w);
		cb_jw_obj_end(&w);
		rc = cli_print_json(&b);
		cb_buf_reset(&b);
		return rc;
	}
	printf("%-24s %7s %7s  %s\n", "SET", "VERSION", "ENTRIES", "TITLE");
	for (i = 0; i < cb_catalog_count(c->cat); i++) {
		const cb_codeset *cs = cb_catalog_get(c->cat, i);
		printf("%-24s %7d %7zu  %s\n", cb_codeset_name(cs), cb_codeset_version(cs),
		    cb_codeset_entry_count(cs), cb_codeset_title(cs));
	}
	return EXIT_OK;
}
