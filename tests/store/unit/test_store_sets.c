/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store_sets.c - the store on each backend (backend.h): migrations,
 * code-set versions, API keys, and records (idempotency, conflicts roll
 * the batch back, filters, paging, reports).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "store/store.h"
#include "store/store_int.h"

static const char *db;
static cb_store *st;

static void
setup(void)
{
	db = tb_fresh("sub/test.db");
	cr_assert_eq(cb_store_open(&st, db, 2), CB_OK, "%s", cb_errmsg());
	cr_assert_str_eq(cb_store_backend(st), tb_name());
}

static void
teardown(void)
{
	cb_store_close(st);
	st = NULL;
	tb_drop();
}

TestSuite(store, .init = setup, .fini = teardown);

Test(store, migrates_once_and_reopens)
{
	cr_assert_eq(cb_store_schema_version(st), CB_STORE_SCHEMA_VERSION);
	cb_store_close(st);
	cr_assert_eq(cb_store_open(&st, db, 0), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_store_schema_version(st), CB_STORE_SCHEMA_VERSION);
	/* each step recorded once */
	cr_assert_eq(tb_int("SELECT COUNT(*) FROM schema_migrations"), CB_STORE_SCHEMA_VERSION);
	cr_assert_eq(tb_int("SELECT MAX(version) FROM schema_migrations"), CB_STORE_SCHEMA_VERSION);
}

Test(store, refuses_a_newer_schema)
{
	cb_store_close(st);
	st = NULL;
	cr_assert_eq(tb_exec(tb_pg() ? "INSERT INTO schema_migrations VALUES (99, 'later')" :
	    "PRAGMA user_version = 99"), 0, "%s", tb_error());
	cr_assert_eq(cb_store_open(&st, db, 0), CB_EINVAL);
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

static int
collect_names(void *arg, const cb_store_setver *v)
{
	char *out = arg;
	size_t n = strlen(out);

	snprintf(out + n, 64 - n, "%s ", v->name);
	return 0;
}

Test(store, published_versions_are_immutable)
{
	int n = 0;

	cr_assert_eq(cb_store_set_put(st, "s", 1, "{}", 2, "catalog", ""), CB_OK);
	cr_assert_neq(tb_exec("DELETE FROM code_set_versions"), 0);
	cr_assert(strstr(tb_error(), "kept forever") != NULL, "%s", tb_error());
	cr_assert_neq(tb_exec("UPDATE code_set_versions SET body = 'x'"), 0);
	cr_assert(strstr(tb_error(), "immutable") != NULL, "%s", tb_error());
	cr_assert_eq(cb_store_set_versions(st, "s", count_row, &n), CB_OK);
	cr_assert_eq(n, 1);
}

Test(store, events_are_append_only)
{
	cr_assert_eq(tb_exec("DELETE FROM events"), 0, "nothing to delete yet: %s", tb_error());
	cr_assert_eq(tb_exec("INSERT INTO events (event_id, service, entity, entity_id, to_state, reason_code,"
	    " actor, occurred_at, category, set_version, fp, received_at, occurred_us) VALUES ('x', 's', 'e',"
	    " '1', 't', 'R', 'a', '2026-02-06T09:30:00Z', 'C', 1, 'f', '2026', 1770370200000000)"), 0, "%s",
	    tb_error());
	cr_assert_neq(tb_exec("DELETE FROM events"), 0);
	cr_assert(strstr(tb_error(), "append-only") != NULL, "%s", tb_error());
	cr_assert_neq(tb_exec("UPDATE events SET actor = 'b'"), 0);
	cr_assert_eq(tb_int("SELECT COUNT(*) FROM events WHERE actor = 'a'"), 1);
}

Test(store, set_names_sort_as_bytes)
{
	static const char *const names[] = { "b", "B", "a-z", "a_z", "a", "\xc3\xa9" };
	char out[64] = "";
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		cr_assert_eq(cb_store_set_put(st, names[i], 1, "{}", 2, "api", "t"), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_store_set_each_latest(st, collect_names, out), CB_OK);
	cr_assert_str_eq(out, "B a a-z a_z b \xc3\xa9 ");
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
	char secret[CB_KEY_SECRET_LEN + 1], want[65];
	unsigned char h[32];
	size_t i;

	cr_assert_eq(cb_store_key_add(st, "ci", secret), CB_OK);
	cr_assert_eq(tb_int("SELECT length(hash) FROM api_keys"), 32);
	cr_assert_eq(tb_int("SELECT length(key_id) FROM api_keys"), 12);
	/* the stored hash is the SHA-256 of the whole key, and no column holds the key */
	store__sha256(h, secret, strlen(secret));
	for (i = 0; i < 32; i++)
		snprintf(want + 2 * i, 3, "%02x", h[i]);
	cr_assert_str_eq(tb_text(tb_pg() ? "SELECT encode(hash, 'hex') FROM api_keys" :
	    "SELECT lower(hex(hash)) FROM api_keys"), want);
	cr_assert(strstr(tb_text("SELECT name || key_id || created_at FROM api_keys"), secret + 16) == NULL);
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
