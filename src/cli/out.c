/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out.c - text output shared by the subcommands.
 */
#include "cli.h"

#include <string.h>

void
cli_print_entry_line(FILE *fp, const cb_entry *e)
{
	const cb_codeset *cs = cb_entry_set(e);
	size_t d, v, k;

	fprintf(fp, "  %-40s", cb_entry_code(e) ? cb_entry_code(e) : "(no code)");
	if (cb_entry_category(e)[0])
		fprintf(fp, "  [%s]", cb_entry_category(e));
	for (d = 0; d < cb_codeset_dim_count(cs); d++) {
		if (!cb_entry_restricts(e, d))
			continue;
		fprintf(fp, "  %s=", cb_codeset_dim_name(cs, d));
		for (v = k = 0; v < cb_codeset_dim_value_count(cs, d); v++)
			if (cb_entry_admits(e, d, v))
				fprintf(fp, "%s%s", k++ ? "/" : "", cb_codeset_dim_value(cs, d, v));
	}
	if (cb_entry_handling(e)[0])
		fprintf(fp, "  handling=%s", cb_action_name(cb_entry_action(e)));
	if (cb_entry_status(e) != CB_STATUS_ACTIVE)
		fprintf(fp, "  (%s%s%s)", cb_status_name(cb_entry_status(e)),
		    cb_entry_replaced_by(e)[0] ? ", use " : "", cb_entry_replaced_by(e));
	fputc('\n', fp);
	if (cb_entry_description(e)[0]) {
		const char *p = cb_entry_description(e);
		fputs("      ", fp);
		for (; *p; p++) {
			fputc(*p, fp);
			if (*p == '\n')
				fputs("      ", fp);
		}
		fputc('\n', fp);
	}
}

void
cli_print_findings(FILE *fp, const cb_report *r)
{
	size_t i;

	for (i = 0; i < cb_report_count(r); i++) {
		const cb_finding *f = cb_report_get(r, i);
		if (f->file[0] && f->line)
			fprintf(fp, "%s:%u:%u: ", f->file, f->line, f->column);
		else if (f->file[0])
			fprintf(fp, "%s: ", f->file);
		fprintf(fp, "%s: %s: %s\n", cb_severity_name(f->severity), f->rule, f->message);
	}
}

int
cli_ctx_resolve(const cb_codeset *cs, const struct cli_ctx *ctx, int *dims, int *vals)
{
	size_t i, j;

	for (i = 0; i < ctx->n; i++) {
		const cb_ctx *p = &ctx->pairs[i];
		dims[i] = cb_codeset_dim_index(cs, p->dim, p->dim_len);
		if (dims[i] < 0) {
			fprintf(stderr, "codebook: %s has no context dimension \"%.*s\"", cb_codeset_name(cs),
			    (int)p->dim_len, p->dim);
			for (j = 0; j < cb_codeset_dim_count(cs); j++)
				fprintf(stderr, "%s%s", j ? ", " : " (dimensions: ", cb_codeset_dim_name(cs, j));
			fprintf(stderr, "%s\n", cb_codeset_dim_count(cs) ? ")" : "; it takes no context");
			return EXIT_USAGE;
		}
		vals[i] = cb_codeset_dim_value_index(cs, (size_t)dims[i], p->value, p->value_len);
		if (vals[i] < 0) {
			fprintf(stderr, "codebook: \"%.*s\" is not a value of %s (allowed:", (int)p->value_len,
			    p->value, cb_codeset_dim_name(cs, (size_t)dims[i]));
			for (j = 0; j < cb_codeset_dim_value_count(cs, (size_t)dims[i]); j++)
				fprintf(stderr, "%s %s", j ? "," : "", cb_codeset_dim_value(cs, (size_t)dims[i], j));
			fprintf(stderr, ")\n");
			return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}
