/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_explain.c - codebook explain SET CODE: what an error code means in
 * context, and whether to retry.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "view.h"

static const char usage[] =
    "usage: codebook explain SET CODE [--context DIM=VALUE]... [--attempt N] [--seed S] [--json]\n"
    "                        [--set-version N | --as-of TIME] [--db PATH]\n\n"
    "Explain error CODE of SET (e.g. ttls-error) in the given context: every matching\n"
    "entry, then the error policy's decision for attempt N (default 1): retry,\n"
    "recheck-then-retry, fail, ignore (not an error) or ambiguous (entries disagree:\n"
    "at most one retry), with the backoff delay. --seed makes the jitter reproducible.\n"
    "--set-version N explains with that published version, --as-of TIME with the\n"
    "version in force then, read from the service's database (--db).\n"
    "Exit 0 when the code is known in that context, 1 otherwise.\n";

/* splitmix64: a seeded generator for reproducible jitter */
static uint64_t
seeded(void *state)
{
	uint64_t *s = state, z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void
print_json(const cb_decision *d, const char *code, const struct cli_ctx *ctx, int *rc)
{
	cb_buf b = CB_BUF_INIT((size_t)1 << 24);
	cb_jw w;

	cb_jw_init(&w, &b, 1);
	cb_jw_obj_begin(&w);
	cb_jw_key(&w, "check");
	cb_view_check(&w, &d->check, code, strlen(code), ctx->pairs, ctx->n);
	cb_jw_key(&w, "decision");
	cb_view_decision(&w, d);
	cb_jw_obj_end(&w);
	if (cli_print_json(&b) != EXIT_OK)
		*rc = EXIT_USAGE;
	cb_buf_reset(&b);
}

static void
print_text(const cb_decision *d, const cb_codeset *cs, const char *code)
{
	char msg[CB_CHECK_MESSAGE_MAX];
	size_t i;

	if (!d->known) {
		(void)cb_check_message(msg, sizeof(msg), &d->check);
		printf("unknown: %s: %s\n", cb_reason_name(d->check.reason), msg);
		printf("decision: %s, no retry\n", cb_action_name(d->action));
		return;
	}
	printf("%s in %s v%d: %zu matching entr%s\n", code, cb_codeset_name(cs), cb_codeset_version(cs),
	    d->nentries_total, d->nentries_total == 1 ? "y" : "ies");
	for (i = 0; i < d->nentries; i++) {
		const cb_entry *e = d->entries[i];
		const char *group = cb_entry_attribute(e, "source_group");
		cli_print_entry_line(stdout, e);
		if (cb_entry_http_status(e))
			printf("      HTTP %d", cb_entry_http_status(e));
		if (cb_entry_not_an_error(e))
			printf("%snot an error", cb_entry_http_status(e) ? ", " : "      ");
		if (cb_entry_http_status(e) || cb_entry_not_an_error(e))
			putchar('\n');
		if (group != NULL)
			printf("      handling: %s\n", group);
	}
	if (d->nentries_total > d->nentries)
		printf("  ... and %zu more\n", d->nentries_total - d->nentries);
	printf("decision: %s%s: %s\n", cb_action_name(d->action), d->retry ? " (retry)" : "", d->message);
}

int
cmd_explain(struct cli *c, int argc, char **argv)
{
	enum { O_CTX = 1, O_ATTEMPT, O_SEED };
	static const struct cli_opt opts[] = {
		{ "context", 'c', 1, O_CTX }, { "attempt", 0, 1, O_ATTEMPT }, { "seed", 0, 1, O_SEED },
		CLI_PIN_OPTS, { NULL, 0, 0, 0 } };
	struct cli_args a = CLI_ARGS_INIT(argc, argv);
	struct cli_ctx ctx = { .n = 0 };
	struct cli_pin pin = { NULL, NULL, 0, 0 };
	const char *arg, *pos[2];
	uint64_t attempt = 1, seed = 0, state;
	cb_rng rng = { seeded, &state };
	int k, rc = EXIT_OK, have_seed = 0;
	const cb_codeset *cs;
	cb_decision d = CB_DECISION_INIT;
	size_t npos = 0;

	if (cli_wants_help(argc, argv, usage))
		return EXIT_OK;
	while (rc == EXIT_OK && (k = cli_next(&a, opts, &arg)) != CLI_END) {
		if (k == CLI_BAD)
			rc = EXIT_USAGE;
		else if (k == O_CTX)
			rc = cli_ctx_add(&ctx, arg);
		else if (k == O_ATTEMPT)
			rc = cli_opt_u64("attempt", arg, 1, 1000, &attempt);
		else if (k == O_SEED && (rc = cli_opt_u64("seed", arg, 0, UINT64_MAX, &seed)) == EXIT_OK)
			have_seed = 1;
		else if (k == CLI_O_SET_VERSION || k == CLI_O_AS_OF || k == CLI_O_DB)
			rc = cli_pin_arg(&pin, k, arg) < 0 ? EXIT_USAGE : EXIT_OK;
		else if (k == CLI_POS && npos < 2)
			pos[npos++] = arg;
		else if (k == CLI_POS)
			rc = cli_error("explain takes SET and one CODE, got \"%s\" too", arg);
	}
	if (rc != EXIT_OK)
		return rc;
	if (npos < 2)
		return cli_error("explain: usage: codebook explain SET CODE (see --help)");
	if ((cs = cli_set_pinned(c, pos[0], &pin)) == NULL)
		return EXIT_USAGE;
	state = seed;
	if (cb_decide(&d, cs, pos[1], strlen(pos[1]), ctx.pairs, ctx.n, (unsigned)attempt,
	    have_seed ? &rng : NULL) != CB_OK)
		return cli_error("%s", cb_errmsg());
	rc = d.known ? EXIT_OK : EXIT_REJECTED;
	if (c->json)
		print_json(&d, pos[1], &ctx, &rc);
	else
		print_text(&d, cs, pos[1]);
	return rc;
}
