/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_check.c - codebook check: is this code valid (in this context)?
 */
#include "cli.h"

#include <string.h>

#include "view.h"

static const char usage[] =
    "usage: codebook check SET CODE... [--context DIM=VALUE]... [--json]\n"
    "                      [--set-version N | --as-of TIME] [--db PATH]\n\n"
    "Check each CODE against SET (a catalog name or a file) in the given context.\n"
    "--set-version N checks against that published version, --as-of TIME against the\n"
    "version in force then, both read from the service's database (--db).\n"
    "Prints valid, deprecated (a warning) or the reason of the rejection:\n"
    "invalid-format, unknown-code, unknown-category, not-applicable, unknown-context,\n"
    "retired. Exit status 0 when every code is accepted, 1 otherwise, 2 on usage errors.\n";

int
cmd_check(struct cli *c, int argc, char **argv)
{
	enum { O_JSON = 1, O_CTX };
	static const struct cli_opt opts[] = {
		{ "json", 0, 0, O_JSON }, { "context", 'c', 1, O_CTX }, CLI_PIN_OPTS, { NULL, 0, 0, 0 } };
	struct cli_args a = CLI_ARGS_INIT(argc, argv);
	struct cli_ctx ctx = { .n = 0 };
	struct cli_pin pin = { NULL, NULL, 0, 0 };
	const char *arg, *setname = NULL, *codes[256];
	const cb_codeset *cs;
	size_t ncodes = 0, i;
	int k, rc = EXIT_OK;
	cb_buf b = CB_BUF_INIT((size_t)1 << 24);
	cb_jw w;

	if (cli_wants_help(argc, argv, usage))
		return EXIT_OK;
	while ((k = cli_next(&a, opts, &arg)) != CLI_END) {
		switch (k) {
		case CLI_BAD: return EXIT_USAGE;
		case O_JSON: c->json = 1; break;
		case O_CTX:
			if ((rc = cli_ctx_add(&ctx, arg)) != EXIT_OK)
				return rc;
			break;
		case CLI_O_SET_VERSION:
		case CLI_O_AS_OF:
		case CLI_O_DB:
			if (cli_pin_arg(&pin, k, arg) < 0)
				return EXIT_USAGE;
			break;
		default:
			if (setname == NULL)
				setname = arg;
			else if (ncodes < sizeof(codes) / sizeof(codes[0]))
				codes[ncodes++] = arg;
			else
				return cli_error("check takes at most %zu codes at once; use codebook validate for streams",
				    sizeof(codes) / sizeof(codes[0]));
		}
	}
	if (setname == NULL || ncodes == 0)
		return cli_error("check: usage: codebook check SET CODE... (see --help)");
	if ((cs = cli_set_pinned(c, setname, &pin)) == NULL)
		return EXIT_USAGE;
	cb_jw_init(&w, &b, 1);
	if (c->json && ncodes > 1)
		cb_jw_arr_begin(&w);
	for (i = 0; i < ncodes; i++) {
		cb_check_result r = CB_CHECK_RESULT_INIT;
		char msg[CB_CHECK_MESSAGE_MAX];
		cb_check(&r, cs, codes[i], strlen(codes[i]), ctx.pairs, ctx.n);
		if (!r.accepted)
			rc = EXIT_REJECTED;
		if (c->json) {
			cb_view_check(&w, &r, codes[i], strlen(codes[i]), ctx.pairs, ctx.n);
			continue;
		}
		(void)cb_check_message(msg, sizeof(msg), &r);
		if (r.reason == CB_VALID)
			printf("valid: %s\n", msg);
		else if (r.accepted)
			printf("warning: %s: %s\n", cb_reason_name(r.reason), msg);
		else
			printf("rejected: %s: %s\n", cb_reason_name(r.reason), msg);
	}
	if (c->json) {
		if (ncodes > 1)
			cb_jw_arr_end(&w);
		if (cli_print_json(&b) != EXIT_OK)
			rc = EXIT_USAGE;
	}
	cb_buf_reset(&b);
	return rc;
}
