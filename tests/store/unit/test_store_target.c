/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store_target.c - which database a --db value names (src/store/
 * target.c): paths, sqlite:PATH and file: URIs select SQLite; postgresql://
 * and postgres:// URLs PostgreSQL (an unreachable server is CB_EUNAVAIL,
 * with the password masked); any other scheme, or a PostgreSQL scheme
 * without "//", is an error that quotes the value with its password
 * masked, and never becomes a SQLite file in a folder named after the
 * scheme.  Run once per backend (backend.h): on PostgreSQL, a real URL
 * opens the PostgreSQL backend.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "store/store.h"
#include "store/store_int.h"

static const struct {
	const char *db;
	int         backend, uri;
	const char *path;           /* SQLite: the file */
} good[] = {
	{ "var/codebook.db", STORE_BE_SQLITE, 0, "var/codebook.db" },
	{ "/srv/codebook.db", STORE_BE_SQLITE, 0, "/srv/codebook.db" },
	{ "./data:2026.db", STORE_BE_SQLITE, 0, "./data:2026.db" },
	{ "sqlite:var/x.db", STORE_BE_SQLITE, 0, "var/x.db" },
	{ "SQLite:/abs/x.db", STORE_BE_SQLITE, 0, "/abs/x.db" },
	{ "sqlite:///abs/x.db", STORE_BE_SQLITE, 0, "/abs/x.db" },
	{ "sqlite://localhost/abs/x.db", STORE_BE_SQLITE, 0, "/abs/x.db" },
	{ "file:var/x.db?busy_timeout=100", STORE_BE_SQLITE, 1, "var/x.db" },
	{ "file:///tmp/a%20b.db#frag", STORE_BE_SQLITE, 1, "/tmp/a b.db" },
	{ "postgresql://codebook@db.internal:5432/codebook", STORE_BE_POSTGRES, 0, NULL },
	{ "postgres://db/codebook", STORE_BE_POSTGRES, 0, NULL },
	{ "PostgreSQL://", STORE_BE_POSTGRES, 0, NULL },
};

Test(target, paths_and_supported_urls)
{
	struct store_target t;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cr_assert_eq(store__target_parse(&t, good[i].db), CB_OK, "%s: %s", good[i].db, cb_errmsg());
		cr_assert_eq((int)t.backend, good[i].backend, "%s", good[i].db);
		cr_assert_eq(t.uri, good[i].uri, "%s", good[i].db);
		if (good[i].path != NULL)
			cr_assert_str_eq(t.path, good[i].path, "%s", good[i].db);
		if (t.uri || t.backend == STORE_BE_POSTGRES)
			cr_assert_str_eq(t.conn, good[i].db, "URLs reach the backend whole");
	}
}

static const struct {
	const char *db, *says;
} bad[] = {
	{ "", "no database given" },
	{ "mysql://x", "unsupported scheme \"mysql:\"" },
	{ "data:2026/x.db", "written ./NAME" },
	{ "postgresql:", "not a PostgreSQL URL" },
	{ "postgresql:codebook", "expected postgresql://" },
	{ "postgres:/db", "not a PostgreSQL URL" },
	{ "sqlite:", "no file path" },
	{ "sqlite://host/x.db", "no host" },
	{ "file:", "no file path" },
	{ "file:?mode=ro", "no file path" },
	{ "file://elsewhere/x.db", "no host" },
};

Test(target, anything_else_is_a_clear_error)
{
	struct store_target t;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(store__target_parse(&t, bad[i].db), CB_EINVAL, "%s", bad[i].db);
		cr_assert(strstr(cb_errmsg(), bad[i].says) != NULL, "%s: %s", bad[i].db, cb_errmsg());
		if (bad[i].db[0] != '\0')
			cr_assert(strstr(cb_errmsg(), bad[i].db) != NULL, "the message quotes %s: %s", bad[i].db,
			    cb_errmsg());
	}
}

Test(target, passwords_are_masked)
{
	struct store_target t;

	cr_assert_eq(store__target_parse(&t, "postgresql://cb:s3cret@db:5432/codebook"), CB_OK);
	cr_assert_str_eq(t.shown, "postgresql://cb:***@db:5432/codebook");
	cr_assert_eq(store__target_parse(&t, "postgres://db/codebook?user=cb&password=s3cret&sslmode=require"),
	    CB_OK);
	cr_assert_str_eq(t.shown, "postgres://db/codebook?user=cb&password=***&sslmode=require");
	{
		char shown[128];
		cb_store_db_shown(shown, sizeof(shown), "postgresql://cb:s3cret@db:5432/codebook?sslmode=require");
		cr_assert_str_eq(shown, "postgresql://cb:***@db:5432/codebook?sslmode=require");
		cb_store_db_shown(shown, sizeof(shown), "var/codebook.db");
		cr_assert_str_eq(shown, "var/codebook.db");
	}
	cr_assert_eq(store__target_parse(&t, "mysql://root:s3cret@db/x"), CB_EINVAL);
	cr_assert(strstr(cb_errmsg(), "s3cret") == NULL, "%s", cb_errmsg());
	cr_assert(strstr(cb_errmsg(), "mysql://root:***@db/x") != NULL, "%s", cb_errmsg());
}

/* The entries of the current directory besides . and .. */
static int
entries(void)
{
	DIR *d = opendir(".");
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

Test(target, open_refuses_without_creating_anything)
{
	static const char *const refused[] = { "postgresql:", "postgresql:x/y.db", "mysql://x", "nosuch:x.db" };
	char dir[] = "/tmp/cb-sttarget-XXXXXX", cwd[512], cmd[64];
	cb_store *st = NULL;
	cb_store_setver v;
	size_t i;

	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(chdir(dir), 0);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		cr_assert_eq(cb_store_open(&st, refused[i], 0), CB_EINVAL, "%s", refused[i]);
		cr_assert_null(st);
		cr_assert_eq(entries(), 0, "%s left a file or folder behind", refused[i]);
	}
	/* a PostgreSQL server that is not there: unavailable, nothing made
	 * here, the message names the database without its password */
	cr_assert_eq(cb_store_open(&st, "postgresql://cb:s3cret@127.0.0.1:1/codebook?connect_timeout=2", 0),
	    CB_EUNAVAIL);
	cr_assert_null(st);
	cr_assert(strstr(cb_errmsg(), "\"postgresql://cb:***@127.0.0.1:1/codebook?connect_timeout=2\"") != NULL,
	    "%s", cb_errmsg());
	cr_assert(strstr(cb_errmsg(), "s3cret") == NULL, "%s", cb_errmsg());
	cr_assert(strstr(cb_errmsg(), "cannot connect") != NULL, "%s", cb_errmsg());
	cr_assert_eq(entries(), 0);
	/* the SQLite forms name the same file */
	cr_assert_eq(cb_store_open(&st, "sqlite:sub/x.db", 0), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_store_set_put(st, "s", 1, "{}", 2, "api", "t"), CB_OK);
	cr_assert_str_eq(cb_store_backend(st), "sqlite");
	cb_store_close(st);
	cr_assert_eq(cb_store_open(&st, "file:sub/x.db?mode=rw", 0), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_store_set_get(st, "s", 1, &v), CB_OK);
	cb_store_setver_clear(&v);
	cb_store_close(st);
	cr_assert_eq(cb_store_open(&st, "./sub/x.db", 0), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_store_set_put(st, "s", 1, "{}", 2, "api", "t"), CB_ECONFLICT);
	cb_store_close(st);
	cr_assert_eq(chdir(cwd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

Test(target, a_postgresql_url_opens_the_postgresql_backend)
{
	static const char *const schemes[] = { "postgresql://", "postgres://", "PostgreSQL://" };
	char alt[600];
	const char *db;
	cb_store *st = NULL;
	cb_store_setver v;
	size_t i;

	if (!tb_pg())
		cr_skip_test("PostgreSQL only (runs as store/unit/pg/test_store_target)");
	db = tb_fresh(NULL);
	cr_assert_eq(strncmp(db, "postgresql://", 13), 0, "%s", db);
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		snprintf(alt, sizeof(alt), "%s%s", schemes[i], db + 13);
		cr_assert_eq(cb_store_open(&st, alt, 1), CB_OK, "%s: %s", alt, cb_errmsg());
		cr_assert_str_eq(cb_store_backend(st), "postgresql");
		cr_assert_eq(cb_store_schema_version(st), CB_STORE_SCHEMA_VERSION);
		cr_assert_eq(cb_store_set_put(st, "s", (int)i + 1, "{}", 2, "api", "t"), CB_OK, "%s", cb_errmsg());
		cb_store_close(st);
	}
	cr_assert_eq(cb_store_open(&st, db, 0), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_store_set_latest(st, "s", &v), CB_OK);
	cr_assert_eq(v.version, 3, "the three spellings name one database");
	cb_store_setver_clear(&v);
	cb_store_close(st);
	/* a database that does not exist: the server says so, nothing is created */
	snprintf(alt, sizeof(alt), "%s_missing", db);
	cr_assert_eq(cb_store_open(&st, alt, 0), CB_EUNAVAIL);
	cr_assert(strstr(cb_errmsg(), "does not exist") != NULL, "%s", cb_errmsg());
	tb_drop();
}
