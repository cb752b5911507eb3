/*
 * cmd_lint.c - codebook lint FILE...: every problem of code-set files.
 */
#include "cli.h"

#include <string.h>

#include "view.h"

static const char usage[] =
    "usage: codebook lint FILE... [--json]\n\n"
    "Report every problem of the code-set files: JSON syntax, structure, undeclared\n"
    "categories or context values, codes failing the set's format, duplicates, rows\n"
    "without a code, codes whose entries disagree on handling. Each finding names its\n"
    "file:line:column and rule. Exit 1 when a file has errors (warnings alone exit 0).\n";

int
cmd_lint(struct cli *c, int argc, char **argv)
{
	const char *files[1024];
	size_t nfiles, i, errors = 0, warnings = 0;
	int rc;
	cb_buf b = CB_BUF_INIT((size_t)1 << 26);
	cb_jw w;

	if ((rc = cli_positionals(argc, argv, usage, "lint", files, 1, sizeof(files) / sizeof(files[0]),
	    &nfiles)) != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	cb_jw_init(&w, &b, 1);
	if (c->json)
		cb_jw_arr_begin(&w);
	for (i = 0; i < nfiles; i++) {
		cb_report *r = NULL;
		size_t e, wn;
		if (cb_lint_file(&r, files[i]) != CB_OK) {
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
		if (c->json) {
			cb_jw_obj_begin(&w);
			cb_jw_kstr(&w, "file", files[i]);
			cb_jw_kint(&w, "errors", (long long)e);
			cb_jw_kint(&w, "warnings", (long long)wn);
			cb_jw_key(&w, "findings");
			cb_view_findings(&w, r);
			cb_jw_obj_end(&w);
		} else {
			cli_print_findings(stdout, r);
		}
		cb_report_free(r);
	}
	if (c->json) {
		cb_jw_arr_end(&w);
		if (cli_print_json(&b) != EXIT_OK)
			rc = EXIT_USAGE;
	} else {
		printf("%zu error%s, %zu warning%s in %zu file%s\n", errors, errors == 1 ? "" : "s",
		    warnings, warnings == 1 ? "" : "s", nfiles, nfiles == 1 ? "" : "s");
	}
	cb_buf_reset(&b);
	return rc;
}
