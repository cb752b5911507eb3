/* SPDX-License-Identifier: Apache-2.0 */
/*
 * backend.c - the database a store unit test runs on (backend.h).
 */
#include "backend.h"

#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64], path[256], url[512], admin[512], dbname[64], err[512], text[4096];
static unsigned made;

int
tb_pg(void)
{
	const char *b = getenv("CB_TEST_BACKEND");

	return b != NULL && (strcmp(b, "pg") == 0 || strcmp(b, "postgresql") == 0);
}

const char *
tb_name(void)
{
	return tb_pg() ? "postgresql" : "sqlite";
}

const char *
tb_pg_admin_url(void)
{
	const char *u = getenv("CB_TEST_PG_URL"), *state = getenv("CB_TEST_PG_STATE");
	FILE *f;

	if (admin[0] != '\0')
		return admin;
	if (u != NULL && u[0] != '\0')
		snprintf(admin, sizeof(admin), "%s", u);
	else if (state != NULL && (f = fopen(state, "r")) != NULL) {
		if (fgets(admin, sizeof(admin), f) == NULL)
			admin[0] = '\0';
		admin[strcspn(admin, "\n")] = '\0';
		fclose(f);
	}
	cr_assert(admin[0] != '\0', "CB_TEST_BACKEND=pg but no cluster: set CB_TEST_PG_URL, or run through "
	    "ctest, whose fixture pg/start writes %s", state ? state : "CB_TEST_PG_STATE");
	return admin;
}

const char *
tb_pg_dbname(void)
{
	return dbname;
}

static int
pg_admin_exec(const char *sql)
{
	PGconn *c = PQconnectdb(tb_pg_admin_url());
	PGresult *r;
	int rc = 1;

	if (PQstatus(c) == CONNECTION_OK) {
		r = PQexec(c, sql);
		rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : 1;
		if (rc != 0)
			snprintf(err, sizeof(err), "%s", PQresultErrorMessage(r));
		PQclear(r);
	} else
		snprintf(err, sizeof(err), "%s", PQerrorMessage(c));
	PQfinish(c);
	return rc;
}

const char *
tb_fresh(const char *suffix)
{
	char sql[128];
	const char *a, *slash;

	snprintf(dir, sizeof(dir), "/tmp/cb-store-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, suffix ? suffix : "t.db");
	if (!tb_pg())
		return path;
	/* the maintenance database's URL with another database name */
	a = tb_pg_admin_url();
	snprintf(dbname, sizeof(dbname), "cbt_%ld_%u", (long)getpid(), made++);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", dbname);
	cr_assert_eq(pg_admin_exec(sql), 0, "%s: %s", sql, err);
	slash = strrchr(a, '/');
	cr_assert_not_null(slash);
	snprintf(url, sizeof(url), "%.*s/%s", (int)(slash - a), a, dbname);
	return url;
}

const char *
tb_dir(void)
{
	return dir;
}

void
tb_drop(void)
{
	char cmd[128];

	if (tb_pg() && dbname[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
		cr_assert_eq(pg_admin_exec(cmd), 0, "%s: %s", cmd, err);
		dbname[0] = '\0';
	}
	if (dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		cr_assert_eq(system(cmd), 0);
		dir[0] = '\0';
	}
}

const char *
tb_error(void)
{
	return err;
}

/* Run @sql; the first value of the first row into text[] (when @want). */
static int
query(const char *sql, int want, int *isnull)
{
	int rc = 1;

	*isnull = 1;
	err[0] = '\0';
	if (tb_pg()) {
		PGconn *c = PQconnectdb(url);
		PGresult *r = NULL;

		if (PQstatus(c) != CONNECTION_OK)
			snprintf(err, sizeof(err), "%s", PQerrorMessage(c));
		else {
			r = PQexec(c, sql);
			if (PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK) {
				rc = 0;
				if (want && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)) {
					snprintf(text, sizeof(text), "%s", PQgetvalue(r, 0, 0));
					*isnull = 0;
				}
			} else
				snprintf(err, sizeof(err), "%s", PQresultErrorMessage(r));
		}
		PQclear(r);
		PQfinish(c);
		return rc;
	}
	{
		sqlite3 *db = NULL;
		sqlite3_stmt *s = NULL;
		int step;

		if (sqlite3_open(path, &db) != SQLITE_OK || sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
			snprintf(err, sizeof(err), "%s", sqlite3_errmsg(db));
		} else {
			while ((step = sqlite3_step(s)) == SQLITE_ROW) {
				if (*isnull && want && sqlite3_column_type(s, 0) != SQLITE_NULL) {
					snprintf(text, sizeof(text), "%s", (const char *)sqlite3_column_text(s, 0));
					*isnull = 0;
				}
			}
			if (step == SQLITE_DONE)
				rc = 0;
			else
				snprintf(err, sizeof(err), "%s", sqlite3_errmsg(db));
		}
		sqlite3_finalize(s);
		sqlite3_close(db);
		return rc;
	}
}

int
tb_exec(const char *sql)
{
	int isnull;

	return query(sql, 0, &isnull);
}

const char *
tb_text(const char *sql)
{
	int isnull;

	cr_assert_eq(query(sql, 1, &isnull), 0, "%s: %s", sql, err);
	return isnull ? NULL : text;
}

int64_t
tb_int(const char *sql)
{
	const char *t = tb_text(sql);
	char *end;
	long long v;

	cr_assert_not_null(t, "%s: no value", sql);
	v = strtoll(t, &end, 10);
	cr_assert(*end == '\0', "%s: not an integer: %s", sql, t);
	return (int64_t)v;
}
