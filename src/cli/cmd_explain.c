/*
 * cmd_explain.c - codebook explain SET CODE: what an error code means in
 * context, and whether to retry.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "view.h"

static const char usage[] =
    "usage: codebook explain SET CODE [--context DIM=VALUE]... [--attempt N] [--seed S] [--json]\n\n"
    "Explain error CODE of SET (e.g. ttls-error) in the given context: every matching\n"
    "entry, then the error policy's decision for attempt N (default 1): retry,\n"
    "recheck-then-retry, fail, ignore (not an error) or ambiguous (entries disagree:\n"
    "at most one retry), with the backoff delay. --seed makes the jitter reproducible.\n"
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

int
cmd_explain(struct cli *c, int argc, char **argv)
{
	enum { O_JSON = 1, O_CTX, O_ATTEMPT, O_SEED };
	static const struct cli_opt opts[] = {
		{ "json", 0, 0, O_JSON }, { "context", 'c', 1, O_CTX },
		{ "attempt", 0, 1, O_ATTEMPT }, { "seed", 0, 1, O_SEED }, { NULL, 0, 0, 0 } };
	struct cli_args a = CLI_ARGS_INIT(argc, argv);
	struct cli_ctx ctx = { .n = 0 };
	const char *arg, *setname = NULL, *code = NULL;
	uint64_t attempt = 1, seed = 0;
	uint64_t state;
	cb_rng rng = { seeded, &state };
	int k, rc, have_seed = 0;
	const cb_codeset *cs;
	cb_decision d = CB_DECISION_INIT;
	size_t i;

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
		case O_ATTEMPT:
			if ((rc = cli_opt_u64("attempt", arg, 1, 1000, &attempt)) != EXIT_OK)
				return rc;
			break;
		case O_SEED:
			if ((rc = cli_opt_u64("seed", arg, 0, UINT64_MAX, &seed)) != EXIT_OK)
				return rc;
			have_seed = 1;
			break;
		default:
			if (setname == NULL)
				setname = arg;
			else if (code == NULL)
				code = arg;
			else
				return cli_error("explain takes SET and one CODE, got \"%s\" too", arg);
		}
	}
	if (setname == NULL || code == NULL)
		return cli_error("explain: usage: codebook explain SET CODE (see --help)");
	if ((cs = cli_set(c, setname)) == NULL)
		return EXIT_USAGE;
	state = seed;
	if (cb_decide(&d, cs, code, strlen(code), ctx.pairs, ctx.n, (unsigned)attempt,
	    have_seed ? &rng : NULL) != CB_OK)
		return cli_error("%s", cb_errmsg());
	rc = d.known ? EXIT_OK : EXIT_REJECTED;
	if (c->json) {
		cb_buf b = CB_BUF_INIT((size_t)1 << 24);
		cb_jw w;
		cb_jw_init(&w, &b, 1);
		cb_jw_obj_begin(&w);
		cb_jw_key(&w, "check");
		cb_view_check(&w, &d.check, code, strlen(code), ctx.pairs, ctx.n);
		cb_jw_key(&w, "decision");
		cb_view_decision(&w, &d);
		cb_jw_obj_end(&w);
		if (cli_print_json(&b) != EXIT_OK)
			rc = EXIT_USAGE;
		cb_buf_reset(&b);
		return rc;
	}
	if (!d.known) {
		char msg[CB_CHECK_MESSAGE_MAX];
		(void)cb_check_message(msg, sizeof(msg), &d.check);
		printf("unknown: %s: %s\n", cb_reason_name(d.check.reason), msg);
		printf("decision: %s, no retry\n", cb_action_name(d.action));
		return rc;
	}
	printf("%s in %s v%d: %zu matching entr%s\n", code, cb_codeset_name(cs), cb_codeset_version(cs),
	    d.nentries_total, d.nentries_total == 1 ? "y" : "ies");
	for (i = 0; i < d.nentries; i++) {
		const cb_entry *e = d.entries[i];
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
	if (d.nentries_total > d.nentries)
		printf("  ... and %zu more\n", d.nentries_total - d.nentries);
	printf("decision: %s%s: %s\n", cb_action_name(d.action),
	    d.retry ? " (retry)" : "", d.message);
	return rc;
}
