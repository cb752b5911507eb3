/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_observed.c - codebook observed SET: the codes the marketplace client
 * met in traffic that SET did not hold (an error code in a reply, a reason
 * on an order's cancellation), as the service and the worker noted them
 * in the database: how often, when first and last, where, an example
 * request id, and whether the set holds them now.  Those it still does not
 * hold are candidates for its next version; codebook lint --db reports
 * them beside a file's findings (docs/orders.md, "Drift seen in traffic").
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "../store/store.h"
#include "parse.h"

static const char usage[] =
    "usage: codebook observed SET [--db PATH] [--limit N] [--json]\n\n"
    "List the codes of SET met in marketplace traffic that the set did not hold\n"
    "(noted by codebook serve and codebook worker in their database: --db, default\n"
    "./var/codebook.db): how often, first and last seen, where, a request id, and\n"
    "whether the set's latest version holds them now. Those it does not hold are\n"
    "candidates for its next version. Exit 1 when there are candidates, else 0.\n";

struct obs {
	const cb_codeset *cs;
	cb_jw            *w;
	int               json;
	size_t            n, candidates;
};

static int
row(void *arg, const cb_store_obs *o)
{
	struct obs *ob = arg;
	int held = ob->cs != NULL && cb_codeset_find(ob->cs, o->code, strlen(o->code)) != NULL;

	ob->n++;
	ob->candidates += !held;
	if (ob->json) {
		cb_jw_obj_begin(ob->w);
		cb_jw_kstr(ob->w, "code", o->code);
		cb_jw_kint(ob->w, "count", o->count);
		cb_jw_kstr(ob->w, "first_seen", o->first_seen);
		cb_jw_kstr(ob->w, "last_seen", o->last_seen);
		cb_jw_kstr(ob->w, "seen_in", o->seen_in);
		cb_jw_kstr(ob->w, "request_id", o->request_id);
		cb_jw_kbool(ob->w, "in_set", held);
		cb_jw_obj_end(ob->w);
		return 0;
	}
	printf("%s: seen %lld time%s, %s to %s, last in %s%s%s%s: %s\n", o->code, (long long)o->count,
	    o->count == 1 ? "" : "s", o->first_seen, o->last_seen, o->seen_in, o->request_id ? " (request " : "",
	    o->request_id ? o->request_id : "", o->request_id ? ")" : "",
	    held ? "in the set now" : "a candidate for the next version");
	return 0;
}

int
cmd_observed(struct cli *c, int argc, char **argv)
{
	enum { O_JSON = 1, O_LIMIT };
	static const struct cli_opt opts[] = {
		{ "json", 0, 0, O_JSON }, { "limit", 0, 1, O_LIMIT }, { "db", 0, 1, CLI_O_DB }, { NULL, 0, 0, 0 } };
	struct cli_args a = CLI_ARGS_INIT(argc, argv);
	const char *arg, *name = NULL, *db = "./var/codebook.db";
	cb_buf b = CB_BUF_INIT((size_t)1 << 24);
	unsigned limit = 1000;
	cb_store *st = NULL;
	struct obs ob;
	cb_jw w;
	int k, rc;

	if (cli_wants_help(argc, argv, usage))
		return EXIT_OK;
	while ((k = cli_next(&a, opts, &arg)) != CLI_END) {
		switch (k) {
		case CLI_BAD: return EXIT_USAGE;
		case O_JSON: c->json = 1; break;
		case O_LIMIT:
			if ((rc = cli_opt_uint("limit", arg, 1, 100000, &limit)) != EXIT_OK)
				return rc;
			break;
		case CLI_O_DB: db = arg; break;
		default:
			if (name != NULL)
				return cli_error("observed: unexpected argument \"%s\" (one SET; see --help)", arg);
			name = arg;
		}
	}
	if (name == NULL)
		return cli_error("observed: usage: codebook observed SET [--db PATH] (see --help)");
	if ((rc = cli_store_open(&st, db)) != EXIT_OK)
		return rc;
	memset(&ob, 0, sizeof(ob));
	ob.cs = cli_set_latest(c, st, name);
	ob.json = c->json;
	ob.w = &w;
	cb_jw_init(&w, &b, 1);
	if (c->json) {
		cb_jw_obj_begin(&w);
		cb_jw_kstr(&w, "set", name);
		if (ob.cs != NULL)
			cb_jw_kint(&w, "version", cb_codeset_version(ob.cs));
		cb_jw_key(&w, "observed");
		cb_jw_arr_begin(&w);
	}
	rc = cb_store_obs_list(st, name, limit, row, &ob) == CB_OK ? EXIT_OK : cli_error("%s", cb_errmsg());
	cb_store_close(st);
	if (rc == EXIT_OK && c->json) {
		cb_jw_arr_end(&w);
		cb_jw_kint(&w, "count", (long long)ob.n);
		cb_jw_kint(&w, "candidates", (long long)ob.candidates);
		cb_jw_obj_end(&w);
		rc = cli_print_json(&b);
	} else if (rc == EXIT_OK)
		printf("%s%s: %zu code%s met in marketplace traffic, %zu not in the set\n", name,
		    ob.cs != NULL ? "" : " (not in the catalogs)", ob.n, ob.n == 1 ? "" : "s", ob.candidates);
	cb_buf_reset(&b);
	if (rc == EXIT_OK && ob.candidates > 0)
		rc = EXIT_REJECTED;
	return rc;
}
