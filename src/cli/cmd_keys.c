/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_keys.c - codebook keys: the API keys of the HTTP service.  A key is
 * printed once, when it is made; the database keeps only its hash.
 */
#include "cli.h"

#include <string.h>

#include "store.h"

static const char usage[] =
    "usage: codebook keys add NAME [--db PATH]\n"
    "       codebook keys list [--db PATH] [--json]\n"
    "       codebook keys revoke NAME [--db PATH]\n\n"
    "API keys for the requests of `codebook serve` that change state (publishing,\n"
    "incidents, events). `add` prints the new key once on standard output: keep it; only\n"
    "its SHA-256 is stored. The server sees new and revoked keys at once.\n"
    "Default database: ./var/codebook.db (created when missing); --db also takes a\n"
    "PostgreSQL database: postgresql://USER@HOST:PORT/DB.\n";

static int
print_key(void *arg, const cb_store_key *k)
{
	(void)arg;
	printf("%-24s cbk_%s...  created %s%s%s\n", k->name, k->key_id, k->created_at,
	    k->revoked_at ? "  revoked " : "", k->revoked_at ? k->revoked_at : "");
	return 0;
}

static int
json_key(void *arg, const cb_store_key *k)
{
	cb_jw *w = arg;

	cb_jw_obj_begin(w);
	cb_jw_kstr(w, "name", k->name);
	cb_jw_kstr(w, "key_id", k->key_id);
	cb_jw_kstr(w, "created_at", k->created_at);
	cb_jw_kstr(w, "revoked_at", k->revoked_at);
	cb_jw_obj_end(w);
	return 0;
}

/* keys list: a table, or with --json an array of {name, key_id, created_at,
 * revoked_at} (never a secret: only hashes are stored). */
static int
list_keys(struct cli *c, cb_store *st)
{
	cb_buf b = CB_BUF_INIT(1u << 24);
	cb_jw w;
	int rc;

	if (!c->json)
		return cb_store_key_each(st, print_key, NULL) == CB_OK ? EXIT_OK : cli_error("%s", cb_errmsg());
	cb_jw_init(&w, &b, 1);
	cb_jw_arr_begin(&w);
	rc = cb_store_key_each(st, json_key, &w);
	cb_jw_arr_end(&w);
	rc = rc == CB_OK ? cli_print_json(&b) : cli_error("%s", cb_errmsg());
	cb_buf_reset(&b);
	return rc;
}


int
cmd_keys(struct cli *c, int argc, char **argv)
{
	enum { O_DB = 1 };
	static const struct cli_opt opts[] = { { "db", 0, 1, O_DB }, { NULL, 0, 0, 0 } };
	struct cli_args a = CLI_ARGS_INIT(argc, argv);
	const char *arg, *db = "./var/codebook.db", *verb = NULL, *name = NULL;
	char secret[CB_KEY_SECRET_LEN + 1];
	cb_store *st = NULL;
	int k, rc = EXIT_OK;

	if (cli_wants_help(argc, argv, usage))
		return EXIT_OK;
	while ((k = cli_next(&a, opts, &arg)) != CLI_END) {
		switch (k) {
		case CLI_BAD: return EXIT_USAGE;
		case O_DB: db = arg; break;
		default:
			if (verb == NULL)
				verb = arg;
			else if (name == NULL)
				name = arg;
			else
				return cli_error("keys: unexpected argument \"%s\" (see --help)", arg);
		}
	}
	if (verb == NULL || (strcmp(verb, "list") != 0 && name == NULL) ||
	    (strcmp(verb, "add") != 0 && strcmp(verb, "list") != 0 && strcmp(verb, "revoke") != 0))
		return cli_error("keys: usage: codebook keys add|list|revoke [NAME] [--db PATH]");
	if (strcmp(verb, "list") == 0 && name != NULL)
		return cli_error("keys list takes no NAME");
	if (cb_store_open(&st, db, 0) != CB_OK)
		return cli_error("%s", cb_errmsg());
	if (strcmp(verb, "add") == 0) {
		if (cb_store_key_add(st, name, secret) != CB_OK)
			rc = cli_error("%s", cb_errmsg());
		else {
			printf("%s\n", secret);
			fflush(stdout);
			char shown[512];
			cb_store_db_shown(shown, sizeof(shown), db);	/* never a URL's password */
			fprintf(stderr, "codebook: key \"%s\" added to %s; it is shown only this once.\n"
			    "Use it as: Authorization: Bearer %.8s...\n", name, shown, secret);
			memset(secret, 0, sizeof(secret));
		}
	} else if (strcmp(verb, "revoke") == 0) {
		if (cb_store_key_revoke(st, name) != CB_OK)
			rc = cli_error("%s", cb_errmsg());
		else
			fprintf(stderr, "codebook: key \"%s\" revoked\n", name);
	} else
		rc = list_keys(c, st);
	cb_store_close(st);
	return rc;
}
