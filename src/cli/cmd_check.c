/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_check.c - codebook check: is this code valid (in this context)?
 */
#include "cli.h"

#include <string.h>

#include "rfc3339.h"
#include "view.h"

static const char usage[] =
    "usage: codebook check SET CODE... [--context DIM=VALUE]... [--json]\n"
    "                      [--mode send|accept] [--at TIME]\n"
    "                      [--set-version N | --as-of TIME] [--db PATH]\n\n"
    "Check each CODE against SET (a catalog name or a file) in the given context.\n"
    "--set-version N checks against that published version, --as-of TIME against the\n"
    "version in force then, both read from the service's database (--db).\n"
    "The codes' valid_from and valid_to are checked at --at TIME, else at --as-of\n"
    "TIME, else now. --mode says what the code is for: sending it in a new record\n"
    "(send, the default) or accepting it on an existing one (accept).\n"
    "Prints valid, deprecated (a warning) or the reason of the rejection:\n"
    "invalid-format, unknown-code, unknown-category, not-applicable, unknown-context,\n"
    "retired, not-yet-valid, expired, wrong-mode. Exit status 0 when every code is\n"
    "accepted, 1 otherwise, 2 on usage errors.\n";

/* "valid: ...", "warning: deprecated: ...", "rejected: expired: ..." */
static void
print_verdict(const cb_check_result *r)
{
	char msg[CB_CHECK_MESSAGE_MAX];

	(void)cb_check_message(msg, sizeof(msg), r);
	if (r->reason == CB_VALID)
		printf("valid: %s\n", msg);
	else if (r->accepted)
		printf("warning: %s: %s\n", cb_reason_name(r->reason), msg);
	else
		printf("rejected: %s: %s\n", cb_reason_name(r->reason), msg);
}

int
cmd_check(struct cli *c, int argc, char **argv)
{
	enum { O_JSON = 1, O_CTX, O_MODE, O_AT };
	static const struct cli_opt opts[] = {
		{ "json", 0, 0, O_JSON }, { "context", 'c', 1, O_CTX }, { "mode", 0, 1, O_MODE },
		{ "at", 0, 1, O_AT }, CLI_PIN_OPTS, { NULL, 0, 0, 0 } };
	unsigned flags = 0;
	int64_t at = CB_CHECK_NO_TIME;
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
		case O_MODE:
		case O_AT:
			if (cli_life_arg(k == O_MODE ? "mode" : "at", arg, &flags, &at) != EXIT_OK)
				return EXIT_USAGE;
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
	if (at == CB_CHECK_NO_TIME)
		at = pin.as_of != NULL ? pin.as_of_us : cb_time_now_us();
	cb_jw_init(&w, &b, 1);
	if (c->json && ncodes > 1)
		cb_jw_arr_begin(&w);
	for (i = 0; i < ncodes; i++) {
		cb_check_result r = CB_CHECK_RESULT_INIT;
		cb_check_at(&r, cs, codes[i], strlen(codes[i]), ctx.pairs, ctx.n, flags, at);
		if (!r.accepted)
			rc = EXIT_REJECTED;
		if (c->json) {
			cb_view_check(&w, &r, codes[i], strlen(codes[i]), ctx.pairs, ctx.n);
			continue;
		}
		print_verdict(&r);
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
