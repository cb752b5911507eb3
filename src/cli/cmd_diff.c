/*
 * cmd_diff.c - codebook diff OLD NEW: the governance gate.
 */
#include "cli.h"

#include "view.h"

static const char usage[] =
    "usage: codebook diff OLD NEW [--json]\n\n"
    "Compare NEW with the published OLD version of a code set (files or catalog names)\n"
    "and list every change under its rule: breaking (CODE_NO_DELETE, CODE_SAME_CATEGORY,\n"
    "APPLIES_NO_NARROW, CATEGORY_NO_DELETE, FORMAT_KEEPS_CODES, VERSION_INCREASES, ...),\n"
    "warning (DESCRIPTION_CHANGED, CATEGORY_ADDED, ...) or info (CODE_ADDED, ...).\n"
    "Exit 1 when a change is breaking. 'codebook rules' lists the rules.\n";

int
cmd_diff(struct cli *c, int argc, char **argv)
{
	const char *names[2];
	cb_codeset *sets[2] = { NULL, NULL };
	cb_report *r = NULL;
	size_t n, i;
	int rc;

	if ((rc = cli_positionals(argc, argv, usage, "diff", names, 2, 2, &n)) != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	for (i = 0; i < 2; i++) {
		const cb_codeset *cs = cli_set(c, names[i]);
		if (cs == NULL) {
			rc = EXIT_USAGE;
			goto out;
		}
		sets[i] = cb_codeset_ref((cb_codeset *)(uintptr_t)cs);
	}
	if (cb_diff(&r, sets[0], sets[1]) != CB_OK) {
		rc = cli_error("%s", cb_errmsg());
		goto out;
	}
	rc = cb_report_is_breaking(r) ? EXIT_REJECTED : EXIT_OK;
	if (c->json) {
		cb_buf b = CB_BUF_INIT((size_t)1 << 26);
		cb_jw w;
		cb_jw_init(&w, &b, 1);
		cb_jw_obj_begin(&w);
		cb_jw_kstr(&w, "set", cb_codeset_name(sets[1]));
		cb_jw_kint(&w, "old_version", cb_codeset_version(sets[0]));
		cb_jw_kint(&w, "new_version", cb_codeset_version(sets[1]));
		cb_jw_kbool(&w, "breaking", rc == EXIT_REJECTED);
		cb_jw_key(&w, "findings");
		cb_view_findings(&w, r);
		cb_jw_obj_end(&w);
		if (cli_print_json(&b) != EXIT_OK)
			rc = EXIT_USAGE;
		cb_buf_reset(&b);
	} else {
		for (i = 0; i < cb_report_count(r); i++) {
			const cb_finding *f = cb_report_get(r, i);
			printf("%s: %s: %s\n", cb_severity_name(f->severity), f->rule, f->message);
		}
		printf("%s v%d -> v%d: %zu breaking, %zu warning%s, %zu info: %s\n",
		    cb_codeset_name(sets[1]), cb_codeset_version(sets[0]), cb_codeset_version(sets[1]),
		    cb_report_count_severity(r, CB_SEV_BREAKING),
		    cb_report_count_severity(r, CB_SEV_WARNING),
		    cb_report_count_severity(r, CB_SEV_WARNING) == 1 ? "" : "s",
		    cb_report_count_severity(r, CB_SEV_INFO),
		    rc == EXIT_REJECTED ? "refused" : "allowed");
	}
out:
	cb_report_free(r);
	cb_codeset_free(sets[0]);
	cb_codeset_free(sets[1]);
	return rc;
}
