/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pg_shops.c - marketplace shops on PostgreSQL (table shops; ../shops.c
 * checks what comes in).
 */
#include "pg_int.h"

#include <string.h>

#define COLS "name, settings, app_key, app_secret, access_token, access_expires_at, refresh_token," \
	" refresh_expires_at, token_version, attention, attention_at, created_at, updated_at"

enum { S_ADD, S_GET, S_REMOVE, S_TOKENS, S_ATTENTION, S_EXISTS, S_COUNT };

static const char *const sql[S_COUNT] = {
	[S_ADD] = ("INSERT INTO shops (" COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, NULL, NULL, $9, $9)"),
	[S_GET] = ("SELECT " COLS " FROM shops WHERE $1::text IS NULL OR name = $1 ORDER BY name COLLATE \"C\""),
	[S_REMOVE] = ("DELETE FROM shops WHERE name = $1"),
	[S_TOKENS] = ("UPDATE shops SET access_token = $3, access_expires_at = $4, refresh_token = COALESCE($5, refresh_token),"
	    " refresh_expires_at = CASE WHEN $5::text IS NULL THEN refresh_expires_at ELSE $6 END, app_secret = COALESCE($7, app_secret), token_version = token_version + 1,"
	    " attention = NULL, attention_at = NULL, updated_at = $8"
	    " WHERE name = $1 AND ($2 < 0 OR token_version = $2)"),
	[S_ATTENTION] = ("UPDATE shops SET attention = $2, attention_at = CASE WHEN $2::text IS NULL THEN NULL"
	    " ELSE COALESCE(attention_at, $3) END, updated_at = $3 WHERE name = $1"),
	[S_EXISTS] = ("SELECT 1 FROM shops WHERE name = $1"),
};

struct op {
	const char          *name, *text, *now;
	const cb_store_shop *s;
	int64_t              expect;
	cb_store_shop_fn     fn;
	void                *arg;
};

static int
add_tx(struct pg_conn *c, void *arg)
{
	struct op *o = arg;
	struct pg_params p = { 0 };

	pg__p_text(&p, o->s->name);
	pg__p_text(&p, o->s->settings);
	pg__p_text(&p, o->s->app_key);
	pg__p_text(&p, o->s->app_secret);
	pg__p_text(&p, o->s->access_token);
	pg__p_i64(&p, o->s->access_expires_at);
	pg__p_text(&p, o->s->refresh_token);
	pg__p_i64(&p, o->s->refresh_expires_at);
	pg__p_text(&p, o->now);
	/* CB_ECONFLICT (unique_violation) when the shop exists */
	return pg__run(c, sql[S_ADD], &p, "add shop", NULL);
}

int
pg__shop_add(void *be, const cb_store_shop *shop, const char *now)
{
	struct op o = { .s = shop, .now = now };

	return pg__write(be, "add shop", add_tx, &o);
}

static int
get_tx(struct pg_conn *c, void *arg)
{
	struct op *o = arg;
	struct pg_params p = { 0 };
	cb_store_shop row;
	PGresult *r;
	int rc, i, n;

	pg__p_text(&p, o->name);
	if ((rc = pg__exec(c, sql[S_GET], &p, "read shops", &r)) != CB_OK)
		return rc;
	n = PQntuples(r);
	for (i = 0; i < n; i++) {
		row.name = pg__val(r, i, 0);
		row.settings = pg__val(r, i, 1);
		row.app_key = pg__val(r, i, 2);
		row.app_secret = pg__val(r, i, 3);
		row.access_token = pg__val(r, i, 4);
		row.access_expires_at = pg__i64(r, i, 5);
		row.refresh_token = pg__val(r, i, 6);
		row.refresh_expires_at = pg__i64(r, i, 7);
		row.token_version = pg__i64(r, i, 8);
		row.attention = pg__val(r, i, 9);
		row.attention_at = pg__val(r, i, 10);
		row.created_at = pg__val(r, i, 11);
		row.updated_at = pg__val(r, i, 12);
		if (o->fn(o->arg, &row) != 0)
			break;
	}
	PQclear(r);
	return n == 0 && o->name != NULL ? CB_ENOTFOUND : CB_OK;
}

int
pg__shop_get(void *be, const char *name, cb_store_shop_fn fn, void *arg)
{
	struct op o = { .name = name, .fn = fn, .arg = arg };

	return pg__read(be, "read shops", PG_READ_PLAIN, get_tx, &o);
}

static int
change_tx(struct pg_conn *c, void *arg)
{
	struct op *o = arg;
	struct pg_params p = { 0 };
	int64_t changed = 0;
	PGresult *r;
	int rc, exists;

	pg__p_text(&p, o->name);
	if (o->s != NULL) {
		pg__p_i64(&p, o->expect);
		pg__p_text(&p, o->s->access_token);
		pg__p_i64(&p, o->s->access_expires_at);
		pg__p_text(&p, o->s->refresh_token);
		pg__p_i64(&p, o->s->refresh_expires_at);
		pg__p_text(&p, o->s->app_secret);
		pg__p_text(&p, o->now);
		rc = pg__run(c, sql[S_TOKENS], &p, "store shop tokens", &changed);
	} else if (o->now != NULL) {
		pg__p_text(&p, o->text);
		pg__p_text(&p, o->now);
		rc = pg__run(c, sql[S_ATTENTION], &p, "set shop attention", &changed);
	} else
		rc = pg__run(c, sql[S_REMOVE], &p, "remove shop", &changed);
	if (rc != CB_OK || changed > 0)
		return rc;
	if (o->s == NULL)
		return CB_ENOTFOUND;
	/* no row changed: no such shop, or its tokens moved on */
	memset(&p, 0, sizeof(p));
	pg__p_text(&p, o->name);
	if ((rc = pg__exec(c, sql[S_EXISTS], &p, "read shop", &r)) != CB_OK)
		return rc;
	exists = PQntuples(r) > 0;
	PQclear(r);
	return exists ? CB_ECONFLICT : CB_ENOTFOUND;
}

int
pg__shop_remove(void *be, const char *name)
{
	struct op o = { .name = name };

	return pg__write(be, "remove shop", change_tx, &o);
}

int
pg__shop_tokens(void *be, const char *name, int64_t expect, const cb_store_shop *t, const char *now)
{
	struct op o = { .name = name, .expect = expect, .s = t, .now = now };

	return pg__write(be, "store shop tokens", change_tx, &o);
}

int
pg__shop_attention(void *be, const char *name, const char *txt, const char *now)
{
	struct op o = { .name = name, .text = txt, .now = now };

	return pg__write(be, "set shop attention", change_tx, &o);
}
