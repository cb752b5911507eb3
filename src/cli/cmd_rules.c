/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_rules.c - codebook rules: the lint and governance rule table.
 */
#include "cli.h"

#include <stdio.h>

static const char rules_usage[] =
    "usage: codebook rules [--json]\n\n"
    "List the lint and governance rules with their severity.\n";

int
cmd_rules(struct cli *c, int argc, char **argv)
{
	size_t i, npos;
	int rc;

	if ((rc = cli_positionals(argc, argv, rules_usage, "rules", NULL, 0, 0, &npos)) != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	if (c->json) {
		cb_buf b = CB_BUF_INIT(1u << 20);
		cb_jw w;
		cb_jw_init(&w, &b, 1);
		cb_jw_arr_begin(&w);
		for (i = 0; i < cb_rule_count(); i++) {
			const cb_rule_info *r = cb_rule_get(i);
			cb_jw_obj_begin(&w);
			cb_jw_kstr(&w, "rule", r->name);
			cb_jw_kstr(&w, "severity", cb_severity_name(r->severity));
			cb_jw_kstr(&w, "summary", r->summary);
			cb_jw_obj_end(&w);
		}
		cb_jw_arr_end(&w);
		rc = cli_print_json(&b);
		cb_buf_reset(&b);
		return rc;
	}
	for (i = 0; i < cb_rule_count(); i++) {
		const cb_rule_info *r = cb_rule_get(i);
		printf("%-20s %-8s %s\n", r->name, cb_severity_name(r->severity), r->summary);
	}
	return EXIT_OK;
}
