/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pin.c - a set at a version the command line names (cli.h, struct
 * cli_pin): --set-version N or --as-of TIME, read from the service's
 * database (--db), where every published version is kept.  The catalogs
 * hold one version of each set; a version other than theirs is only in a
 * database.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../store/store.h"
#include "ident.h"
#include "parse.h"
#include "rfc3339.h"

int
cli_pin_arg(struct cli_pin *p, int k, const char *arg)
{
	uint64_t v;
	const char *why;

	switch (k) {
	case CLI_O_SET_VERSION:
		if (cb_parse_u64(arg, 1, INT32_MAX, &v) != CB_PARSE_OK) {
			cli_error("--set-version \"%s\": expected a version, a whole number from 1", arg);
			return -1;
		}
		p->version = (unsigned)v;
		return 1;
	case CLI_O_AS_OF:
		if (!cb_time_parse(arg, strlen(arg), NULL, &p->as_of_us, &why)) {
			cli_error("--as-of \"%s\": %s (an RFC 3339 date-time: 2026-02-06T09:30:00Z)", arg, why);
			return -1;
		}
		p->as_of = arg;
		return 1;
	case CLI_O_DB:
		p->db = arg;
		return 1;
	default:
		return 0;
	}
}

int
cli_life_arg(const char *opt, const char *arg, unsigned *flags, int64_t *at)
{
	const char *why;

	if (strcmp(opt, "mode") == 0) {
		if (strcmp(arg, "send") == 0)
			*flags &= ~CB_CHECK_ACCEPT;
		else if (strcmp(arg, "accept") == 0)
			*flags |= CB_CHECK_ACCEPT;
		else
			return cli_error("--mode \"%s\": expected send (a new record) or accept (an existing one)", arg);
		return EXIT_OK;
	}
	if (!cb_time_parse(arg, strlen(arg), NULL, at, &why))
		return cli_error("--%s \"%s\": %s (an RFC 3339 date-time: 2026-02-06T09:30:00Z)", opt, arg, why);
	return EXIT_OK;
}

int
cli_store_open(cb_store **out, const char *db)
{
	*out = NULL;
	/* a path (no scheme) that does not exist is a typo, not a new database */
	if (strstr(db, "://") == NULL && strncmp(db, "file:", 5) != 0 && strncmp(db, "sqlite:", 7) != 0 &&
	    access(db, F_OK) != 0)
		return cli_error("--db %s: no such database (the service's --db)", db);
	if (cb_store_open(out, db, 0) != CB_OK)
		return cli_error("%s", cb_errmsg());
	return EXIT_OK;
}

/* Load version @p's of @name from @st into c->file_set; EXIT_OK or EXIT_USAGE. */
static int
load_stored(struct cli *c, cb_store *st, const char *name, const struct cli_pin *p)
{
	cb_store_setver v;
	char origin[160];
	int rc;

	if (cb_store_set_pinned(st, name, (int)p->version, p->as_of_us, &v) != CB_OK)
		return cli_error("%s", cb_errmsg());
	(void)snprintf(origin, sizeof(origin), "%s v%d (%s)", name, v.version, p->db);
	cb_codeset_free(c->file_set);
	c->file_set = NULL;
	rc = cb_codeset_load_buffer(&c->file_set, v.body, v.body_len, origin);
	cb_store_setver_clear(&v);
	return rc == CB_OK ? EXIT_OK : cli_error("%s", cb_errmsg());
}

const cb_codeset *
cli_set_pinned(struct cli *c, const char *name, const struct cli_pin *p)
{
	const cb_codeset *cs;
	cb_store *st = NULL;
	int rc;

	if (p->version == 0 && p->as_of == NULL)
		return cli_set(c, name);
	if (p->version != 0 && p->as_of != NULL) {
		cli_error("give --set-version or --as-of, not both");
		return NULL;
	}
	if (p->db == NULL) {
		/* the catalogs hold one version: it can be named, no other */
		if ((cs = cli_set(c, name)) == NULL)
			return NULL;
		if (p->as_of == NULL && (unsigned)cb_codeset_version(cs) == p->version)
			return cs;
		cli_error("%s: the catalogs hold version %d; %s is in the service's database: give --db", name,
		    cb_codeset_version(cs), p->as_of != NULL ? "the version in force at a time" : "another version");
		return NULL;
	}
	if (!cb_set_name_check(name, strlen(name), NULL)) {
		cli_error("\"%s\" is not a set name (a version is read from the database by the set's name)", name);
		return NULL;
	}
	if (cli_store_open(&st, p->db) != EXIT_OK)
		return NULL;
	rc = load_stored(c, st, name, p);
	cb_store_close(st);
	return rc == EXIT_OK ? c->file_set : NULL;
}

/* The latest stored version of @name, else the catalogs' (NULL: neither). */
const cb_codeset *
cli_set_latest(struct cli *c, cb_store *st, const char *name)
{
	cb_store_setver v;

	if (cb_store_set_latest(st, name, &v) == CB_OK) {
		cb_codeset_free(c->file_set);
		c->file_set = NULL;
		if (cb_codeset_load_buffer(&c->file_set, v.body, v.body_len, name) != CB_OK)
			c->file_set = NULL;
		cb_store_setver_clear(&v);
		if (c->file_set != NULL)
			return c->file_set;
	}
	return cli_set(c, name);
}
