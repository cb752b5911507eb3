/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_usage.c - codebook usage SET: how often each code of SET was checked,
 * stored and rejected by the service, when last, per version, the codes
 * never used, and who still sends the deprecated ones (read from the
 * service's database; the service adds its counts every few seconds and
 * at shutdown).  The view is the service's (svc_usage_json), so that the
 * CLI and GET /v1/code-sets/{set}/usage agree; text is drawn from it.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "../shim/json_shim.h"
#include "../store/store.h"
#include "../svc/usage.h"

static const char usage[] =
    "usage: codebook usage SET [--db PATH] [--unused] [--json]\n\n"
    "Show how often each code of SET was checked, stored (in an incident or event)\n"
    "and rejected by codebook serve, and when it was last seen, from the service's\n"
    "database (--db, default ./var/codebook.db); codes never used show \"never\".\n"
    "Then, for each deprecated code, the services whose events still carry it.\n"
    "--unused lists only the codes never used. The set is its latest stored version,\n"
    "else the catalogs'. Exit 0.\n";

static const char *
str(const cb_json_doc *d, const cb_json_node *o, const char *k)
{
	const cb_json_node *n = cb_json_get(d, o, k);

	return n != NULL && n->type == CB_JSON_STRING ? n->str : NULL;
}

static long long
num(const cb_json_doc *d, const cb_json_node *o, const char *k)
{
	const cb_json_node *n = cb_json_get(d, o, k);

	return n != NULL && n->type == CB_JSON_NUMBER ? (long long)n->i : 0;
}

static void
print_text(const cb_json_doc *d, int only_unused)
{
	const cb_json_node *root = cb_json_root(d), *c, *s;

	printf("%-40s %-10s %8s %8s %8s  %s\n", "CODE", "STATUS", "CHECKED", "STORED", "REJECTED", "LAST SEEN");
	for (c = cb_json_child(d, cb_json_get(d, root, "codes")); c != NULL; c = cb_json_next(d, c)) {
		const char *last = str(d, c, "last_seen");
		if (only_unused && last != NULL)
			continue;
		printf("%-40s %-10s %8lld %8lld %8lld  %s\n", str(d, c, "code"), str(d, c, "status"), num(d, c, "checked"),
		    num(d, c, "stored"), num(d, c, "rejected"), last ? last : "never");
	}
	printf("%lld codes, %lld never used\n", num(d, root, "code_count"), num(d, root, "unused"));
	for (c = cb_json_child(d, cb_json_get(d, root, "deprecated")); c != NULL; c = cb_json_next(d, c)) {
		printf("deprecated %s: ", str(d, c, "code"));
		if (num(d, c, "count") == 0)
			printf("no event carries it\n");
		for (s = cb_json_child(d, cb_json_get(d, c, "senders")); s != NULL; s = cb_json_next(d, s))
			printf("%s%s %lld", s == cb_json_child(d, cb_json_get(d, c, "senders")) ? "still sent by " : ", ",
			    str(d, s, "service"), num(d, s, "count"));
		if (num(d, c, "count") > 0)
			printf("\n");
	}
}

static int
show(struct cli *c, cb_store *st, const char *name, int only_unused)
{
	cb_buf b = CB_BUF_INIT((size_t)1 << 26);
	const cb_codeset *cs = cli_set_latest(c, st, name);
	cb_json_doc *doc = NULL;
	cb_json_error jerr;
	int rc = EXIT_OK;
	cb_jw w;

	if (cs == NULL)
		return EXIT_USAGE;
	cb_jw_init(&w, &b, c->json);
	if (svc_usage_json(&w, st, cs) != CB_OK || b.failed)
		rc = cli_error("%s: usage: %s", name, b.failed ? "too large" : cb_errmsg());
	else if (c->json)
		rc = cli_print_json(&b);
	else if (cb_json_parse(&doc, b.p, b.len, 16, &jerr) != 0)
		rc = cli_error("%s: usage: %s", name, jerr.message);
	else
		print_text(doc, only_unused);
	cb_json_free(doc);
	cb_buf_reset(&b);
	return rc;
}

int
cmd_usage(struct cli *c, int argc, char **argv)
{
	enum { O_JSON = 1, O_UNUSED };
	static const struct cli_opt opts[] = {
		{ "json", 0, 0, O_JSON }, { "unused", 0, 0, O_UNUSED }, { "db", 0, 1, CLI_O_DB }, { NULL, 0, 0, 0 } };
	struct cli_args a = CLI_ARGS_INIT(argc, argv);
	const char *arg, *name = NULL, *db = "./var/codebook.db";
	cb_store *st = NULL;
	int k, rc, only_unused = 0;

	if (cli_wants_help(argc, argv, usage))
		return EXIT_OK;
	while ((k = cli_next(&a, opts, &arg)) != CLI_END) {
		switch (k) {
		case CLI_BAD: return EXIT_USAGE;
		case O_JSON: c->json = 1; break;
		case O_UNUSED: only_unused = 1; break;
		case CLI_O_DB: db = arg; break;
		default:
			if (name != NULL)
				return cli_error("usage: unexpected argument \"%s\" (one SET; see --help)", arg);
			name = arg;
		}
	}
	if (name == NULL)
		return cli_error("usage: missing argument SET; %.*s", (int)strcspn(usage, "\n"), usage);
	if ((rc = cli_store_open(&st, db)) != EXIT_OK)
		return rc;
	rc = show(c, st, name, only_unused);
	cb_store_close(st);
	return rc;
}
