/* SPDX-License-Identifier: Apache-2.0 */
/*
 * shops.c - marketplace clients of the shops the database holds
 * (shops.h).  The token hooks keep the row and the client in step: after
 * a refresh both tokens are written in one transaction; before one, a
 * newer token written by another worker is taken instead (a refresh token
 * is good once); a refresh that fails marks the shop as needing a person,
 * unless another worker refreshed meanwhile.
 */
#include "shops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "err.h"

struct cb_shop_link {
	cb_store *st;
	char      name[CB_SHOP_NAME_MAX + 1];
	int64_t   version;     /* token_version of the tokens the client holds */
};

static int
set_str(char **dst, const char *v)
{
	char *c = NULL;

	if (v != NULL && (c = cb__strdup(v)) == NULL)
		return CB_ENOMEM;
	if (*dst != NULL) {
		memset(*dst, 0, strlen(*dst));
		free(*dst);
	}
	*dst = c;
	return CB_OK;
}

int
cb_shop_config(cb_mkt_config **out, const cb_store_shop *s)
{
	cb_mkt_config *cfg = NULL;
	char origin[96];
	int rc;

	*out = NULL;
	(void)snprintf(origin, sizeof(origin), "shop %s (database)", s->name);
	if ((rc = cb_mkt_config_parse(&cfg, s->settings, strlen(s->settings), origin, NULL, NULL)) != CB_OK)
		return rc;
	if (set_str(&cfg->app_key, s->app_key) != CB_OK || set_str(&cfg->app_secret, s->app_secret) != CB_OK ||
	    set_str(&cfg->access_token, s->access_token) != CB_OK ||
	    set_str(&cfg->refresh_token, s->refresh_token) != CB_OK || set_str(&cfg->shop, s->name) != CB_OK) {
		cb_mkt_config_free(cfg);
		return cb__fail(CB_ENOMEM, "out of memory");
	}
	cfg->access_expires_at = s->access_expires_at;
	cfg->refresh_expires_at = s->refresh_expires_at;
	*out = cfg;
	return CB_OK;
}

/* ---- the hooks ------------------------------------------------------------ */

struct row {
	cb_mkt_config *cfg;      /* cb_shop_config() of it, when asked */
	int            rc;
	int64_t        version;
	cb_mkt_tokens  tok;
	char           attention[512];
	int            has_attention;
};

static int
read_row(void *arg, const cb_store_shop *s)
{
	struct row *r = arg;

	r->version = s->token_version;
	(void)snprintf(r->tok.access_token, sizeof(r->tok.access_token), "%s", s->access_token);
	(void)snprintf(r->tok.refresh_token, sizeof(r->tok.refresh_token), "%s", s->refresh_token ? s->refresh_token : "");
	r->tok.access_expires_at = s->access_expires_at;
	r->tok.refresh_expires_at = s->refresh_expires_at;
	r->has_attention = s->attention != NULL;
	(void)snprintf(r->attention, sizeof(r->attention), "%s", s->attention ? s->attention : "");
	if (r->cfg == NULL && r->rc == 1)
		r->rc = cb_shop_config(&r->cfg, s);
	return 0;
}

static int
hook_saved(void *arg, const cb_mkt_tokens *fresh)
{
	cb_shop_link *l = arg;
	cb_store_shop t;
	struct row r;
	int rc;

	memset(&t, 0, sizeof(t));
	t.access_token = fresh->access_token;
	t.access_expires_at = fresh->access_expires_at;
	t.refresh_token = fresh->refresh_token;
	t.refresh_expires_at = fresh->refresh_expires_at;
	/* the marketplace just answered these: they are the newest, whoever
	 * wrote since (their refresh token is spent by ours or the reverse) */
	if ((rc = cb_store_shop_tokens(l->st, l->name, -1, &t)) != CB_OK)
		return rc;
	memset(&r, 0, sizeof(r));
	if (cb_store_shop_get(l->st, l->name, read_row, &r) == CB_OK)
		l->version = r.version;
	memset(&r.tok, 0, sizeof(r.tok));
	return CB_OK;
}

static int
hook_latest(void *arg, cb_mkt_tokens *out)
{
	cb_shop_link *l = arg;
	struct row r;
	int taken = 0;

	memset(&r, 0, sizeof(r));
	if (cb_store_shop_get(l->st, l->name, read_row, &r) == CB_OK && r.version != l->version) {
		*out = r.tok;
		l->version = r.version;
		taken = 1;
	}
	memset(&r.tok, 0, sizeof(r.tok));
	return taken;
}

static void
hook_failed(void *arg, const cb_mkt_error *err)
{
	cb_shop_link *l = arg;
	struct row r;

	memset(&r, 0, sizeof(r));
	/* another worker refreshed meanwhile: its tokens are fine, ours are spent */
	if (cb_store_shop_get(l->st, l->name, read_row, &r) == CB_OK && r.version != l->version)
		return;
	(void)cb_store_shop_attention(l->st, l->name, err->message);
}

/* ---- clients ---------------------------------------------------------------- */

int
cb_shop_client(cb_mkt **m, cb_shop_link **link, cb_store *st, const char *name)
{
	cb_mkt_token_hooks h = { hook_saved, hook_latest, hook_failed, NULL };
	cb_shop_link *l = NULL;
	struct row r;
	int rc;

	*m = NULL;
	*link = NULL;
	memset(&r, 0, sizeof(r));
	r.rc = 1;	/* make the configuration */
	if ((rc = cb_store_shop_get(st, name, read_row, &r)) != CB_OK)
		goto out;
	if ((rc = r.rc) != CB_OK)
		goto out;
	if ((l = cb__calloc(1, sizeof(*l))) == NULL) {
		rc = cb__fail(CB_ENOMEM, "out of memory");
		goto out;
	}
	l->st = st;
	(void)snprintf(l->name, sizeof(l->name), "%s", name);
	l->version = r.version;
	if ((rc = cb_mkt_new(m, r.cfg)) != CB_OK)
		goto out;
	h.arg = l;
	cb_mkt_set_token_hooks(*m, &h);
	*link = l;
	l = NULL;
out:
	free(l);
	cb_mkt_config_free(r.cfg);
	memset(&r.tok, 0, sizeof(r.tok));
	return rc;
}

int
cb_shop_check(cb_shop_link *l, int *stale, char *attention, size_t size)
{
	struct row r;
	int rc;

	memset(&r, 0, sizeof(r));
	*stale = 0;
	if (size > 0)
		attention[0] = '\0';
	if ((rc = cb_store_shop_get(l->st, l->name, read_row, &r)) != CB_OK)
		return rc;
	*stale = r.version != l->version;
	if (r.has_attention)
		(void)snprintf(attention, size, "%s", r.attention);
	memset(&r.tok, 0, sizeof(r.tok));
	return CB_OK;
}

void
cb_shop_link_free(cb_shop_link *l)
{
	free(l);
}

int
cb_shop_open(cb_mkt **m, cb_shop_link **link, cb_store *st, const char *market_config,
    const char *const *env, const char *name)
{
	cb_mkt_config *cfg = NULL;
	int rc, named = name != NULL && name[0] != '\0';

	*m = NULL;
	*link = NULL;
	if (st != NULL && named && (rc = cb_shop_client(m, link, st, name)) != CB_ENOTFOUND)
		return rc;
	if (market_config == NULL)
		return named ? cb__fail(CB_ENOTFOUND, "the database has no shop \"%s\" and there is no marketplace "
		    "configuration file", name) : cb__fail(CB_ENOTFOUND, "no marketplace configuration file");
	if ((rc = cb_mkt_config_load(&cfg, market_config, named ? name : NULL, env)) == CB_OK)
		rc = cb_mkt_new(m, cfg);
	cb_mkt_config_free(cfg);
	return rc;
}

static int
row_config(void *arg, const cb_store_shop *s)
{
	cb_mkt_config **cfg = arg;

	return cb_shop_config(cfg, s) == CB_OK ? 0 : 1;
}

int
cb_shop_config_find(cb_mkt_config **out, cb_store *st, const char *market_config,
    const char *const *env, const char *name)
{
	int rc, named = name != NULL && name[0] != '\0';

	*out = NULL;
	if (st != NULL && named && (rc = cb_store_shop_get(st, name, row_config, out)) != CB_ENOTFOUND) {
		if (rc == CB_OK && *out == NULL)
			rc = cb__fail(CB_EINVAL, "the stored settings of shop \"%s\" cannot be read", name);
		return rc;
	}
	if (market_config == NULL)
		return cb__fail(CB_ENOTFOUND, "the database has no shop \"%s\" and there is no marketplace "
		    "configuration file", named ? name : "");
	return cb_mkt_config_load(out, market_config, named ? name : NULL, env);
}

struct names {
	char  (*names)[65];
	size_t max, n;
};

static int
add_name(void *arg, const cb_store_shop *s)
{
	struct names *x = arg;

	if (x->n < x->max && strlen(s->name) < 65)
		(void)snprintf(x->names[x->n++], 65, "%s", s->name);
	return 0;
}

int
cb_shop_names_all(char (*names)[65], size_t max, size_t *n, cb_store *st, const char *market_config)
{
	char file[64][65];
	struct names x = { names, max, 0 };
	size_t nfile = 0, i, j;
	int rc;

	*n = 0;
	if (st != NULL && (rc = cb_store_shop_each(st, add_name, &x)) != CB_OK)
		return rc;
	if (market_config != NULL && (rc = cb_mkt_config_shop_names(file, 64, &nfile, market_config)) != CB_OK)
		return rc;
	for (i = 0; i < nfile && x.n < max; i++) {
		for (j = 0; j < x.n && strcmp(names[j], file[i]) != 0; j++)
			;
		if (j == x.n)	/* the database's row wins over the section */
			memcpy(names[x.n++], file[i], 65);
	}
	*n = x.n;
	return CB_OK;
}

struct hook_find {
	const char    *id;
	cb_mkt_config *cfg;
	int            rc;
};

static int
hook_match(void *arg, const cb_store_shop *s)
{
	struct hook_find *f = arg;
	cb_mkt_config *cfg = NULL;

	if (cb_shop_config(&cfg, s) != CB_OK)
		return 0;	/* a row that cannot be read signs nothing */
	if ((cfg->shop_id != NULL && strcmp(cfg->shop_id, f->id) == 0) ||
	    (cfg->shop_cipher != NULL && strcmp(cfg->shop_cipher, f->id) == 0)) {
		f->cfg = cfg;
		f->rc = CB_OK;
		return 1;	/* found: stop */
	}
	cb_mkt_config_free(cfg);
	return 0;
}

int
cb_shop_hook_config(cb_mkt_config **out, cb_store *st, const char *id)
{
	struct hook_find f = { id, NULL, CB_ENOTFOUND };
	int rc;

	*out = NULL;
	if ((rc = cb_store_shop_each(st, hook_match, &f)) != CB_OK && f.cfg == NULL)
		return rc;
	if (f.cfg == NULL)
		return cb__fail(CB_ENOTFOUND, "no stored shop has shop_id or shop_cipher %s", id);
	*out = f.cfg;
	return CB_OK;
}

static int
count_attention(void *arg, const cb_store_shop *s)
{
	long *n = arg;

	if (s->attention != NULL)
		(*n)++;
	return 0;
}

long
cb_shops_needing_attention(cb_store *st)
{
	long n = 0;

	return cb_store_shop_each(st, count_attention, &n) == CB_OK ? n : -1;
}

/* ---- what may be shown -------------------------------------------------------- */

void
cb_shop_json(cb_jw *w, const cb_store_shop *s)
{
	cb_mkt_config *cfg = NULL;

	(void)cb_shop_config(&cfg, s);
	cb_jw_obj_begin(w);
	cb_jw_kstr(w, "name", s->name);
	cb_jw_kstr(w, "api", cfg ? cb_mkt_api_name(cfg->api) : "unset");
	cb_jw_kstr(w, "market", cfg ? cfg->market : NULL);
	cb_jw_kstr(w, "app_key", s->app_key);
	cb_jw_kstr(w, "shop_cipher", cfg ? cfg->shop_cipher : NULL);
	cb_jw_kint(w, "access_token_expires_at", s->access_expires_at);
	cb_jw_kint(w, "refresh_token_expires_at", s->refresh_expires_at);
	cb_jw_kbool(w, "has_refresh_token", s->refresh_token != NULL);
	cb_jw_kint(w, "token_version", s->token_version);
	cb_jw_kstr(w, "state", s->attention ? "needs-attention" : "ok");
	cb_jw_kstr(w, "attention", s->attention);
	cb_jw_kstr(w, "attention_at", s->attention_at);
	cb_jw_kstr(w, "created_at", s->created_at);
	cb_jw_kstr(w, "updated_at", s->updated_at);
	cb_jw_obj_end(w);
	cb_mkt_config_free(cfg);
}

int
cb_shop_from_config(cb_store_shop *s, char *settings, size_t size, const char *name, const cb_mkt_config *cfg)
{
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = cb_mkt_config_check(cfg)) != CB_OK || (rc = cb_mkt_config_settings(settings, size, cfg)) != CB_OK)
		return rc;
	s->name = name;
	s->settings = settings;
	s->app_key = cfg->app_key;
	s->app_secret = cfg->app_secret;
	s->access_token = cfg->access_token;
	s->access_expires_at = cfg->access_expires_at;
	s->refresh_token = cfg->refresh_token;
	s->refresh_expires_at = cfg->refresh_expires_at;
	return CB_OK;
}

/* ---- a shop from configuration text (the API's bodies) ------------------------ */

struct cb_shop_input {
	cb_mkt_config *cfg;
	cb_store_shop  row;
	char           name[CB_SHOP_NAME_MAX + 1];
	char           settings[CB_SHOP_SETTINGS_MAX + 1];
};

int
cb_shop_input_parse(cb_shop_input **out, const char *name, const char *text, size_t len, const char *origin,
    int tokens_only)
{
	cb_shop_input *in;
	int rc;

	*out = NULL;
	if ((in = cb__calloc(1, sizeof(*in))) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	(void)snprintf(in->name, sizeof(in->name), "%s", name ? name : "");
	if ((rc = cb_mkt_config_parse(&in->cfg, text, len, origin, NULL, NULL)) != CB_OK)
		goto fail;
	if (!tokens_only)
		rc = cb_shop_from_config(&in->row, in->settings, sizeof(in->settings), in->name, in->cfg);
	else if (in->cfg->access_token == NULL)
		rc = cb__fail(CB_EINVAL, "%s: access_token is required", origin);
	else {
		in->row.app_secret = in->cfg->app_secret;
		in->row.access_token = in->cfg->access_token;
		in->row.access_expires_at = in->cfg->access_expires_at;
		in->row.refresh_token = in->cfg->refresh_token;
		in->row.refresh_expires_at = in->cfg->refresh_expires_at;
	}
	if (rc == CB_OK) {
		*out = in;
		return CB_OK;
	}
fail:
	cb_shop_input_free(in);
	return rc;
}

const cb_store_shop *
cb_shop_input_row(const cb_shop_input *in)
{
	return &in->row;
}

void
cb_shop_input_free(cb_shop_input *in)
{
	if (in == NULL)
		return;
	cb_mkt_config_free(in->cfg);
	free(in);
}
