/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sq_shops.c - marketplace shops on SQLite (table shops; ../shops.c
 * checks what comes in).
 */
#include "sq_int.h"

#include <string.h>

#define COLS "name, settings, app_key, app_secret, access_token, access_expires_at, refresh_token," \
	" refresh_expires_at, token_version, attention, attention_at, created_at, updated_at"

enum { S_ADD, S_GET, S_REMOVE, S_TOKENS, S_ATTENTION, S_COUNT };

static const char *const sql[S_COUNT] = {
	[S_ADD] = ("INSERT INTO shops (" COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, NULL, NULL, ?9, ?9)"),
	[S_GET] = ("SELECT " COLS " FROM shops WHERE ?1 IS NULL OR name = ?1 ORDER BY name"),
	[S_REMOVE] = ("DELETE FROM shops WHERE name = ?1"),
	[S_TOKENS] = ("UPDATE shops SET access_token = ?3, access_expires_at = ?4, refresh_token = COALESCE(?5, refresh_token),"
	    " refresh_expires_at = CASE WHEN ?5 IS NULL THEN refresh_expires_at ELSE ?6 END, app_secret = COALESCE(?7, app_secret), token_version = token_version + 1,"
	    " attention = NULL, attention_at = NULL, updated_at = ?8"
	    " WHERE name = ?1 AND (?2 < 0 OR token_version = ?2)"),
	[S_ATTENTION] = ("UPDATE shops SET attention = ?2, attention_at = CASE WHEN ?2 IS NULL THEN NULL"
	    " ELSE COALESCE(attention_at, ?3) END, updated_at = ?3 WHERE name = ?1"),
};

struct op {
	const char          *name, *text, *now;
	const cb_store_shop *s;
	int64_t              expect;
	cb_store_shop_fn     fn;
	void                *arg;
};

static void
text(sqlite3_stmt *s, int i, const char *v)
{
	if (v != NULL)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static int
add_tx(struct sq_conn *c, void *arg)
{
	struct op *o = arg;
	sqlite3_stmt *s;
	int rc, step;

	if ((rc = sq__stmt(c, sql[S_ADD], &s)) != CB_OK)
		return rc;
	text(s, 1, o->s->name);
	text(s, 2, o->s->settings);
	text(s, 3, o->s->app_key);
	text(s, 4, o->s->app_secret);
	text(s, 5, o->s->access_token);
	sqlite3_bind_int64(s, 6, o->s->access_expires_at);
	text(s, 7, o->s->refresh_token);
	sqlite3_bind_int64(s, 8, o->s->refresh_expires_at);
	text(s, 9, o->now);
	if (((step = sqlite3_step(s)) & 0xff) == SQLITE_CONSTRAINT)
		return CB_ECONFLICT;
	return step == SQLITE_DONE ? CB_OK : sq__fail(c, step, "add shop");
}

int
sq__shop_add(void *be, const cb_store_shop *shop, const char *now)
{
	struct op o = { .s = shop, .now = now };

	return sq__write(be, "add shop", add_tx, &o);
}

static int
get_tx(struct sq_conn *c, void *arg)
{
	struct op *o = arg;
	cb_store_shop row;
	sqlite3_stmt *s;
	int rc, step, n = 0;

	if ((rc = sq__stmt(c, sql[S_GET], &s)) != CB_OK)
		return rc;
	text(s, 1, o->name);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		n++;
		row.name = (const char *)sqlite3_column_text(s, 0);
		row.settings = (const char *)sqlite3_column_text(s, 1);
		row.app_key = (const char *)sqlite3_column_text(s, 2);
		row.app_secret = (const char *)sqlite3_column_text(s, 3);
		row.access_token = (const char *)sqlite3_column_text(s, 4);
		row.access_expires_at = sqlite3_column_int64(s, 5);
		row.refresh_token = (const char *)sqlite3_column_text(s, 6);
		row.refresh_expires_at = sqlite3_column_int64(s, 7);
		row.token_version = sqlite3_column_int64(s, 8);
		row.attention = (const char *)sqlite3_column_text(s, 9);
		row.attention_at = (const char *)sqlite3_column_text(s, 10);
		row.created_at = (const char *)sqlite3_column_text(s, 11);
		row.updated_at = (const char *)sqlite3_column_text(s, 12);
		if (o->fn(o->arg, &row) != 0)
			return SQ_ROLLBACK;
	}
	if (step != SQLITE_DONE)
		return sq__fail(c, step, "read shops");
	return n == 0 && o->name != NULL ? CB_ENOTFOUND : CB_OK;
}

int
sq__shop_get(void *be, const char *name, cb_store_shop_fn fn, void *arg)
{
	struct op o = { .name = name, .fn = fn, .arg = arg };

	return sq__read(be, "read shops", 0, get_tx, &o);
}

static int
change_tx(struct sq_conn *c, void *arg)
{
	struct op *o = arg;
	sqlite3_stmt *s, *g;
	int rc, step;

	if (o->s != NULL) {
		if ((rc = sq__stmt(c, sql[S_TOKENS], &s)) != CB_OK)
			return rc;
		text(s, 1, o->name);
		sqlite3_bind_int64(s, 2, o->expect);
		text(s, 3, o->s->access_token);
		sqlite3_bind_int64(s, 4, o->s->access_expires_at);
		text(s, 5, o->s->refresh_token);
		sqlite3_bind_int64(s, 6, o->s->refresh_expires_at);
		text(s, 7, o->s->app_secret);
		text(s, 8, o->now);
	} else if (o->now != NULL) {
		if ((rc = sq__stmt(c, sql[S_ATTENTION], &s)) != CB_OK)
			return rc;
		text(s, 1, o->name);
		text(s, 2, o->text);
		text(s, 3, o->now);
	} else {
		if ((rc = sq__stmt(c, sql[S_REMOVE], &s)) != CB_OK)
			return rc;
		text(s, 1, o->name);
	}
	if ((rc = sq__run(c, s, "change shop")) != CB_OK)
		return rc;
	if (sqlite3_changes(c->db) > 0)
		return CB_OK;
	if (o->s == NULL)
		return CB_ENOTFOUND;
	/* no row changed: no such shop, or its tokens moved on */
	if ((rc = sq__stmt(c, sql[S_GET], &g)) != CB_OK)
		return rc;
	text(g, 1, o->name);
	step = sqlite3_step(g);
	return step == SQLITE_ROW ? CB_ECONFLICT : step == SQLITE_DONE ? CB_ENOTFOUND : sq__fail(c, step, "read shop");
}

int
sq__shop_remove(void *be, const char *name)
{
	struct op o = { .name = name };

	return sq__write(be, "remove shop", change_tx, &o);
}

int
sq__shop_tokens(void *be, const char *name, int64_t expect, const cb_store_shop *t, const char *now)
{
	struct op o = { .name = name, .expect = expect, .s = t, .now = now };

	return sq__write(be, "store shop tokens", change_tx, &o);
}

int
sq__shop_attention(void *be, const char *name, const char *txt, const char *now)
{
	struct op o = { .name = name, .text = txt, .now = now };

	return sq__write(be, "set shop attention", change_tx, &o);
}
