/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_show.c - codebook show: a set's entries, filtered.
 */
#include "cli.h"

#include <string.h>

#include "view.h"

static const char usage[] =
    "usage: codebook show SET [--category C] [--status S] [--context DIM=VALUE]... [--json]\n"
    "                     [--set-version N | --as-of TIME] [--db PATH]\n\n"
    "Show the entries of SET (a catalog name or a file). Filters: --category keeps one\n"
    "category; --status keeps active, deprecated or retired entries; --context keeps the\n"
    "entries that suit the context (repeatable). --set-version N shows that published\n"
    "version, --as-of TIME the version in force then, from the service's database (--db).\n";

/* Does @e pass the filters?  Context pairs were validated beforehand. */
static int
keep(const cb_entry *e, const char *category, int status, const int *dims, const int *vals, size_t n)
{
	size_t i;

	if (category != NULL && strcmp(cb_entry_category(e), category) != 0)
		return 0;
	if (status >= 0 && (int)cb_entry_status(e) != status)
		return 0;
	for (i = 0; i < n; i++)
		if (!cb_entry_admits(e, (size_t)dims[i], (size_t)vals[i]))
			return 0;
	return 1;
}

/* Does @cs declare @category?  Else say which it does. */
static int
has_category(const cb_codeset *cs, const char *category)
{
	size_t i;

	if (cb_codeset_category_index(cs, category, strlen(category)) >= 0)
		return 1;
	fprintf(stderr, "codebook: %s has no category \"%s\" (categories:", cb_codeset_name(cs), category);
	for (i = 0; i < cb_codeset_category_count(cs); i++)
		fprintf(stderr, "%s %s", i ? "," : "", cb_codeset_category_name(cs, i));
	fprintf(stderr, ")\n");
	return 0;
}

/* The status --status names; -1 after saying it is none. */
static int
status_arg(const char *arg)
{
	int status;

	for (status = 0; status < 3; status++)
		if (strcmp(arg, cb_status_name((cb_status)status)) == 0)
			return status;
	cli_error("--status \"%s\": expected active, deprecated or retired", arg);
	return -1;
}

int
cmd_show(struct cli *c, int argc, char **argv)
{
	enum { O_JSON = 1, O_CAT, O_STATUS, O_CTX };
	static const struct cli_opt opts[] = {
		{ "json", 0, 0, O_JSON }, { "category", 0, 1, O_CAT }, { "status", 0, 1, O_STATUS },
		{ "context", 'c', 1, O_CTX }, CLI_PIN_OPTS, { NULL, 0, 0, 0 } };
	struct cli_args a = CLI_ARGS_INIT(argc, argv);
	struct cli_ctx ctx = { .n = 0 };
	struct cli_pin pin = { NULL, NULL, 0, 0 };
	const char *arg, *setname = NULL, *category = NULL;
	const cb_codeset *cs;
	int dims[CLI_MAX_CTX], vals[CLI_MAX_CTX], status = -1, k, rc;
	size_t i, shown = 0;

	if (cli_wants_help(argc, argv, usage))
		return EXIT_OK;
	while ((k = cli_next(&a, opts, &arg)) != CLI_END) {
		switch (k) {
		case CLI_BAD: return EXIT_USAGE;
		case O_JSON: c->json = 1; break;
		case O_CAT: category = arg; break;
		case O_STATUS:
			if ((status = status_arg(arg)) < 0)
				return EXIT_USAGE;
			break;
		case CLI_O_SET_VERSION:
		case CLI_O_AS_OF:
		case CLI_O_DB:
			if (cli_pin_arg(&pin, k, arg) < 0)
				return EXIT_USAGE;
			break;
		case O_CTX:
			if ((rc = cli_ctx_add(&ctx, arg)) != EXIT_OK)
				return rc;
			break;
		default:
			if (setname != NULL)
				return cli_error("show takes one SET, got \"%s\" too", arg);
			setname = arg;
		}
	}
	if (setname == NULL)
		return cli_error("show: missing SET (see codebook list)");
	if ((cs = cli_set_pinned(c, setname, &pin)) == NULL)
		return EXIT_USAGE;
	if (category != NULL && !has_category(cs, category))
		return EXIT_USAGE;
	if ((rc = cli_ctx_resolve(cs, &ctx, dims, vals)) != EXIT_OK)
		return rc;
	if (c->json) {
		cb_buf b = CB_BUF_INIT((size_t)1 << 28);
		cb_jw w;
		cb_jw_init(&w, &b, 1);
		cb_jw_obj_begin(&w);
		cb_view_set_meta(&w, cs);
		cb_jw_key(&w, "entries");
		cb_jw_arr_begin(&w);
		for (i = 0; i < cb_codeset_entry_count(cs); i++) {
			const cb_entry *e = cb_codeset_entry(cs, i);
			if (keep(e, category, status, dims, vals, ctx.n))
				cb_view_entry(&w, e);
		}
		cb_jw_arr_end(&w);
		cb_jw_obj_end(&w);
		rc = cli_print_json(&b);
		cb_buf_reset(&b);
		return rc;
	}
	printf("%s (%s) version %d\n", cb_codeset_title(cs), cb_codeset_name(cs), cb_codeset_version(cs));
	for (i = 0; i < cb_codeset_entry_count(cs); i++) {
		const cb_entry *e = cb_codeset_entry(cs, i);
		if (!keep(e, category, status, dims, vals, ctx.n))
			continue;
		cli_print_entry_line(stdout, e);
		shown++;
	}
	printf("%zu of %zu entries\n", shown, cb_codeset_entry_count(cs));
	return EXIT_OK;
}
