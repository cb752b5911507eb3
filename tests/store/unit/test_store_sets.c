/*
 * test_store.c - the SQLite store: migrations, code-set versions, API
 * keys, and records (idempotency, conflicts roll the batch back, filters,
 * paging, reports).
 */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

static char dir[] = "/tmp/cb-store-XXXXXX";
static char path[256];
static cb_store *st;

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub/test.db", dir);
	cr_assert_eq(cb_store_open(&st, path, 2), CB_OK, "%s", cb_errmsg());
}

static void
teardown(void)
{
	char cmd[300];

	cb_store_close(st);
	st = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
	memcpy(dir, "/tmp/cb-store-XXXXXX", sizeof(dir));
}

TestSuite(store, .init = setup, .fini = teardown);

Test(store, migrates_once_and_reopens)
{
	cr_assert_eq(cb_store_schema_version(st), CB_STORE_SCHEMA_VERSION);
	cb_store_close(st);
	cr_assert_eq(cb_store_open(&st, path, 0), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_store_schema_version(st), CB_STORE_SCHEMA_VERSION);
}

Test(store, refuses_a_newer_schema)
{
	sqlite3 *db;

	cb_store_close(st);
	st = NULL;
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	cr_assert_eq(cb_store_open(&st, path, 0), CB_EINVAL);
	cr_assert(strstr(cb_errmsg(), "newer") != NULL, "%s", cb_errmsg());
}

Test(store, set_versions)
{
	cb_store_setver v;

	cr_assert_eq(cb_store_set_latest(st, "s", &v), CB_ENOTFOUND);
	cr_assert_eq(cb_store_set_put(st, "s", 1, "{\"v\":1}", 7, "catalog", "s.json"), CB_OK);
	cr_assert_eq(cb_store_set_put(st, "s", 2, "{\"v\":2}", 7, "api", "ci"), CB_OK);
	cr_assert_eq(cb_store_set_put(st, "s", 2, "{\"v\":3}", 7, "api", "ci"), CB_ECONFLICT);
	cr_assert(strstr(cb_errmsg(), "already published") != NULL, "%s", cb_errmsg());
	cr_assert_eq(cb_store_set_latest(st, "s", &v), CB_OK);
	cr_assert_eq(v.version, 2);
	cr_assert_str_eq(v.body, "{\"v\":2}");
	cr_assert_str_eq(v.source, "api");
	cr_assert_str_eq(v.published_by, "ci");
	cr_assert_eq(strncmp(v.etag, "\"sha256:", 8), 0);
	cb_store_setver_clear(&v);
	cr_assert_eq(cb_store_set_get(st, "s", 1, &v), CB_OK);
	cr_assert_str_eq(v.body, "{\"v\":1}");
	cb_store_setver_clear(&v);
	cr_assert_eq(cb_store_set_get(st, "s", 7, &v), CB_ENOTFOUND);
}

static int
count_row(void *arg, const cb_store_setver *v)
{
	(void)v;
	(*(int *)arg)++;
	return 0;
}

Test(store, published_versions_are_immutable)
{
	sqlite3 *db;
	int n = 0;

	cr_assert_eq(cb_store_set_put(st, "s", 1, "{}", 2, "catalog", ""), CB_OK);
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_neq(sqlite3_exec(db, "DELETE FROM code_set_versions", NULL, NULL, NULL), SQLITE_OK);
	cr_assert_neq(sqlite3_exec(db, "UPDATE code_set_versions SET body = 'x'", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	cr_assert_eq(cb_store_set_versions(st, "s", count_row, &n), CB_OK);
	cr_assert_eq(n, 1);
}

Test(store, keys)
{
	char secret[CB_KEY_SECRET_LEN + 1], other[CB_KEY_SECRET_LEN + 1], name[CB_KEY_NAME_MAX + 1];

	cr_assert_eq(cb_store_key_add(st, "ci", secret), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(strlen(secret), CB_KEY_SECRET_LEN);
	cr_assert_eq(strncmp(secret, "cbk_", 4), 0);
	cr_assert_eq(cb_store_key_verify(st, secret, strlen(secret), name), CB_OK);
	cr_assert_str_eq(name, "ci");
	/* one changed character, a truncated key, garbage */
	memcpy(other, secret, sizeof(other));
	other[30] = other[30] == 'a' ? 'b' : 'a';
	cr_assert_eq(cb_store_key_verify(st, other, strlen(other), name), CB_ENOTFOUND);
	cr_assert_eq(cb_store_key_verify(st, secret, 20, name), CB_ENOTFOUND);
	cr_assert_eq(cb_store_key_verify(st, "Bearer", 6, name), CB_ENOTFOUND);
	/* names are unique among active keys, and checked */
	cr_assert_eq(cb_store_key_add(st, "ci", other), CB_ECONFLICT);
	cr_assert(strstr(cb_errmsg(), "already an active key") != NULL, "%s", cb_errmsg());
	cr_assert_eq(cb_store_key_add(st, "bad name", other), CB_EINVAL);
	cr_assert_eq(cb_store_key_revoke(st, "ci"), CB_OK);
	cr_assert_eq(cb_store_key_verify(st, secret, strlen(secret), name), CB_ENOTFOUND);
	cr_assert_eq(cb_store_key_revoke(st, "ci"), CB_ENOTFOUND);
	cr_assert_eq(cb_store_key_add(st, "ci", other), CB_OK);	/* the name is free again */
}

Test(store, only_the_hash_is_stored)
{
	char secret[CB_KEY_SECRET_LEN + 1];
	sqlite3 *db;
	sqlite3_stmt *s;

	cr_assert_eq(cb_store_key_add(st, "ci", secret), CB_OK);
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, "SELECT hash, key_id FROM api_keys", -1, &s, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
	cr_assert_eq(sqlite3_column_bytes(s, 0), 32);
	cr_assert_eq(strlen((const char *)sqlite3_column_text(s, 1)), 12);
	cr_assert(memmem(sqlite3_column_blob(s, 0), 32, secret + 16, 8) == NULL);
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static cb_rec
ev(const char *id, const char *service, const char *code, const char *actor)
{
	cb_rec r;
	const char *v[10] = { id, service, "order", "1", NULL, "held", code, NULL, actor,
	    "2026-02-06T09:30:00Z" };
	size_t i;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < 10; i++) {
		r.v[i] = v[i];
		r.len[i] = v[i] ? strlen(v[i]) : 0;
	}
	r.category = "FRAUD";
	r.set_version = 1;
	r.time_us = 1770370200000000;	/* 2026-02-06T09:30:00Z */
	return r;
}

/* Append to a 256- or 512-byte buffer of the test. */
static void
append(char *out, size_t size, const char *s)
{
	size_t n = strlen(out);

	snprintf(out + n, size - n, "%s", s);
}

static int
collect_ids(void *arg, const cb_rec *r)
{
	append(arg, 256, r->v[0]);
	append(arg, 256, " ");
	return 0;
}

Test(store, records_idempotent_and_all_or_nothing)
{
	cb_rec recs[3] = { ev("e1", "SCM", "FRAUD.CHARGEBACK", "u"), ev("e2", "CRM", "FRAUD.VELOCITY", "u"),
		ev("e3", "SCM", "FRAUD.CHARGEBACK", "u") };
	cb_rec_status status[3];
	cb_rec_filter f;
	size_t nconf;
	int64_t n;
	char ids[256] = "";

	cr_assert_eq(cb_store_rec_insert(st, CB_REC_EVENT, recs, 2, "rid", status, &nconf), CB_OK);
	cr_assert_eq(nconf, 0);
	cr_assert_eq(status[0], CB_REC_CREATED);
	cr_assert_eq(status[1], CB_REC_CREATED);
	/* the same again: unchanged */
	cr_assert_eq(cb_store_rec_insert(st, CB_REC_EVENT, recs, 2, "rid", status, &nconf), CB_OK);
	cr_assert_eq(status[0], CB_REC_UNCHANGED);
	/* a new one plus a changed one: nothing stored */
	recs[1] = ev("e2", "CRM", "FRAUD.VELOCITY", "someone else");
	recs[0] = recs[2];
	cr_assert_eq(cb_store_rec_insert(st, CB_REC_EVENT, recs, 2, "rid", status, &nconf), CB_OK);
	cr_assert_eq(nconf, 1);
	cr_assert_eq(status[1], CB_REC_CONFLICT);
	cr_assert_eq(cb_store_rec_count(st, CB_REC_EVENT, &n), CB_OK);
	cr_assert_eq(n, 2, "the batch with a conflict must roll back");
	/* filters and paging */
	memset(&f, 0, sizeof(f));
	f.limit = 10;
	f.eq[1] = "SCM";
	cr_assert_eq(cb_store_rec_list(st, CB_REC_EVENT, &f, collect_ids, ids), CB_OK);
	cr_assert_str_eq(ids, "e1 ");
	memset(&f, 0, sizeof(f));
	f.limit = 1;
	f.after_seq = 1;
	ids[0] = '\0';
	cr_assert_eq(cb_store_rec_list(st, CB_REC_EVENT, &f, collect_ids, ids), CB_OK);
	cr_assert_str_eq(ids, "e2 ");
	memset(&f, 0, sizeof(f));
	f.has_since = 1;
	f.since_us = 1770422400000000;	/* 2026-02-07T00:00:00Z */
	f.limit = 10;
	ids[0] = '\0';
	cr_assert_eq(cb_store_rec_list(st, CB_REC_EVENT, &f, collect_ids, ids), CB_OK);
	cr_assert_str_eq(ids, "");
}

static int
group_row(void *arg, const char *key, const char *code, const char *category, int64_t count)
{
	char *out = arg, line[128];

	snprintf(line, sizeof(line), "%s/%s/%s=%lld;", key, code, category, (long long)count);
	append(out, 512, line);
	return 0;
}

Test(store, reports_group)
{
	cb_rec recs[3] = { ev("e1", "SCM", "FRAUD.CHARGEBACK", "u"), ev("e2", "CRM", "FRAUD.VELOCITY", "u"),
		ev("e3", "SCM", "FRAUD.CHARGEBACK", "u") };
	cb_rec_status status[3];
	cb_rec_filter f;
	size_t nconf;
	char out[512] = "";

	cr_assert_eq(cb_store_rec_insert(st, CB_REC_EVENT, recs, 3, NULL, status, &nconf), CB_OK);
	memset(&f, 0, sizeof(f));
	cr_assert_eq(cb_store_rec_report(st, CB_REC_EVENT, "service", &f, group_row, out), CB_OK);
	cr_assert_str_eq(out, "CRM/FRAUD.VELOCITY/FRAUD=1;SCM/FRAUD.CHARGEBACK/FRAUD=2;");
	cr_assert_eq(cb_store_rec_report(st, CB_REC_EVENT, "shop_id", &f, group_row, out), CB_EINVAL);
}
