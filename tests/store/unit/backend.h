/* SPDX-License-Identifier: Apache-2.0 */
/*
 * backend.h - the database a store unit test runs on.  Every store test
 * runs once per backend (tests/CMakeLists.txt registers it twice):
 * CB_TEST_BACKEND=sqlite (the default) or pg.  On PostgreSQL each test
 * gets a database of its own in the cluster that ctest's fixture started
 * (its URL in the file CB_TEST_PG_STATE names, or in CB_TEST_PG_URL).
 */
#ifndef CB_TEST_STORE_BACKEND_H
#define CB_TEST_STORE_BACKEND_H

#include <stdint.h>

/* Non-zero when the tests run on PostgreSQL. */
int tb_pg(void);
/* "sqlite" or "postgresql", as cb_store_backend() says it. */
const char *tb_name(void);

/* A fresh, empty database for the current test: its --db value (valid
 * until tb_drop()).  @suffix: a SQLite file name or URI query ("t.db",
 * NULL for the default), ignored on PostgreSQL. */
const char *tb_fresh(const char *suffix);
/* The directory of the SQLite file (a temporary one; also made on
 * PostgreSQL, for files a test writes). */
const char *tb_dir(void);
/* Remove what tb_fresh() made. */
void tb_drop(void);

/* Run @sql on the current database, outside the store: 0 when it
 * succeeded, else non-zero (the message in tb_error()). */
int tb_exec(const char *sql);
const char *tb_error(void);
/* The first column of the first row of @sql, as an integer; the test
 * fails when the query does. */
int64_t tb_int(const char *sql);
/* The same as text, in a static buffer (NULL for SQL NULL). */
const char *tb_text(const char *sql);

/* PostgreSQL: the URL of the cluster's maintenance database, and the name
 * of the current test's database. */
const char *tb_pg_admin_url(void);
const char *tb_pg_dbname(void);

#endif
