/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_export.c - codebook export SET --format F [-o FILE].
 */
#include "cli.h"

static const char usage[] =
    "usage: codebook export SET --format jsonschema|markdown|c-header|csv|json [-o FILE]\n\n"
    "Render SET for other tools:\n"
    "  jsonschema  JSON Schema 2020-12 for the code string (enum of accepted codes + pattern)\n"
    "  markdown    tables per category, like the source documents\n"
    "  c-header    an enum and a string table\n"
    "  csv         one row per entry (RFC 4180)\n"
    "  json        the code-set file format, canonical\n"
    "Writes to standard output, or to FILE (atomically) with -o.\n";

int
cmd_export(struct cli *c, int argc, char **argv)
{
	enum { O_FORMAT = 1, O_OUT };
	static const struct cli_opt opts[] = {
		{ "format", 'f', 1, O_FORMAT }, { "output", 'o', 1, O_OUT }, { NULL, 0, 0, 0 } };
	struct cli_args a = CLI_ARGS_INIT(argc, argv);
	const char *arg, *setname = NULL, *format = NULL, *outpath = NULL;
	const cb_codeset *cs;
	cb_export_format fmt;
	cb_buf b = CB_BUF_INIT(0);
	char *doc = NULL;
	size_t len = 0;
	int k, rc;

	if (cli_wants_help(argc, argv, usage))
		return EXIT_OK;
	while ((k = cli_next(&a, opts, &arg)) != CLI_END) {
		switch (k) {
		case CLI_BAD: return EXIT_USAGE;
		case O_FORMAT: format = arg; break;
		case O_OUT: outpath = arg; break;
		default:
			if (setname != NULL)
				return cli_error("export takes one SET, got \"%s\" too", arg);
			setname = arg;
		}
	}
	if (setname == NULL)
		return cli_error("export: missing SET (see --help)");
	if (format == NULL)
		return cli_error("export: missing --format (jsonschema, markdown, c-header, csv, json)");
	if (cb_export_format_parse(&fmt, format) != CB_OK)
		return cli_error("%s", cb_errmsg());
	if ((cs = cli_set(c, setname)) == NULL)
		return EXIT_USAGE;
	if (cb_export(&doc, &len, cs, fmt) != CB_OK)
		return cli_error("%s", cb_errmsg());
	b.p = doc;
	b.len = b.cap = b.max = len;
	rc = cli_write(&b, outpath);
	cb_free(doc);
	return rc;
}
