/* SPDX-License-Identifier: Apache-2.0 */
/*
 * target.c - which database a --db value names.  A file path, sqlite:PATH
 * or a file: URI is SQLite; postgresql:// and postgres:// URLs are
 * PostgreSQL.  Anything else that looks like a URL (a scheme and a colon)
 * is refused with the reason, never taken for a file path: before this, a
 * mistyped URL silently became a SQLite file in a folder named after the
 * scheme.  docs/internals/store.md lists the forms.
 *
 * A URL may carry a password: every message shows the name with the
 * password masked (struct store_target.shown).
 */
#include "store_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define PG_FORM "postgresql://[USER[:PASSWORD]@]HOST[:PORT]/DBNAME"

/* Copy @db into @out with the password of a URL's user info and any
 * password= query parameter replaced by "***". */
static void
mask(char *out, size_t size, const char *db)
{
	const char *p = db, *auth = strstr(db, "://"), *at = NULL, *colon = NULL, *end;
	size_t o = 0;

#define PUT(ch) do { if (o + 1 < size) out[o++] = (ch); } while (0)
	if (auth != NULL) {
		auth += 3;
		end = auth + strcspn(auth, "/?#");
		for (p = auth; p < end; p++)
			if (*p == '@')
				at = p;
		for (p = auth; at != NULL && p < at; p++)
			if (*p == ':') {
				colon = p;
				break;
			}
	}
	for (p = db; *p != '\0'; p++) {
		if (colon != NULL && p == colon + 1) {
			PUT('*'); PUT('*'); PUT('*');
			p = at - 1;
			continue;
		}
		if (strncmp(p, "password=", 9) == 0 && p > db && (p[-1] == '?' || p[-1] == '&')) {
			const char *q = p + 9;
			while (*p != '\0' && p < q)
				PUT(*p++);
			PUT('*'); PUT('*'); PUT('*');
			while (*p != '\0' && *p != '&' && *p != '#')
				p++;
			p--;
			continue;
		}
		PUT(*p);
	}
	out[o < size ? o : size - 1] = '\0';
#undef PUT
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* The path of a sqlite: or file: name, after the scheme: an optional
 * "//" authority that must be empty or localhost, then the path; for a
 * file: URI the path stops at ? or # and is percent-decoded. */
static int
take_path(struct store_target *t, const char *rest, int is_uri)
{
	size_t n, o = 0, i;

	if (rest[0] == '/' && rest[1] == '/') {
		const char *slash = strchr(rest + 2, '/');
		size_t alen = slash ? (size_t)(slash - rest - 2) : strlen(rest + 2);
		if (!(alen == 0 || (alen == 9 && strncasecmp(rest + 2, "localhost", 9) == 0)) || slash == NULL)
			return cb__fail(CB_EINVAL, "database \"%s\": a SQLite database is a local file: "
			    "write sqlite:PATH or file:///ABSOLUTE/PATH, with no host", t->shown);
		rest = slash;
	}
	n = is_uri ? strcspn(rest, "?#") : strlen(rest);
	if (n == 0)
		return cb__fail(CB_EINVAL, "database \"%s\": no file path after the scheme "
		    "(write sqlite:PATH or file:PATH)", t->shown);
	for (i = 0; i < n; i++) {
		int ch = (unsigned char)rest[i];
		if (is_uri && ch == '%' && i + 2 < n && hexval(rest[i + 1]) >= 0 && hexval(rest[i + 2]) >= 0) {
			ch = hexval(rest[i + 1]) * 16 + hexval(rest[i + 2]);
			i += 2;
		}
		if (ch == '\0' || o + 1 >= sizeof(t->path))
			return cb__fail(CB_EINVAL, "database \"%s\": the file path is %s", t->shown,
			    ch == '\0' ? "not valid (%00)" : "too long");
		t->path[o++] = (char)ch;
	}
	t->path[o] = '\0';
	return CB_OK;
}

void
cb_store_db_shown(char *out, size_t size, const char *db)
{
	if (out == NULL || size == 0)
		return;
	mask(out, size, db ? db : "");
}

int
store__target_parse(struct store_target *t, const char *db)
{
	size_t slen = 0;

	memset(t, 0, sizeof(*t));
	if (db == NULL || db[0] == '\0')
		return cb__fail(CB_EINVAL, "no database given: name a SQLite file (a path) or a "
		    "PostgreSQL URL (" PG_FORM ")");
	mask(t->shown, sizeof(t->shown), db);
	/* a scheme (RFC 3986): a letter, then letters, digits, + - . up to ':' */
	if (isalpha((unsigned char)db[0]))
		for (slen = 1; isalnum((unsigned char)db[slen]) || db[slen] == '+' || db[slen] == '-' ||
		    db[slen] == '.'; slen++)
			;
	if (slen == 0 || db[slen] != ':') {
		if (strlen(db) >= sizeof(t->path))
			return cb__fail(CB_EINVAL, "database path too long (%zu bytes, at most %d)",
			    strlen(db), STORE_PATH_MAX - 1);
		memcpy(t->path, db, strlen(db) + 1);
		t->backend = STORE_BE_SQLITE;
		t->conn = t->path;
		return CB_OK;
	}
	if (slen == 6 && strncasecmp(db, "sqlite", 6) == 0) {
		t->backend = STORE_BE_SQLITE;
		t->conn = t->path;
		return take_path(t, db + 7, 0);
	}
	if (slen == 4 && strncasecmp(db, "file", 4) == 0) {
		t->backend = STORE_BE_SQLITE;
		t->conn = db;	/* SQLite reads the URI itself: query parameters and all */
		t->uri = 1;
		return take_path(t, db + 5, 1);
	}
	if ((slen == 10 && strncasecmp(db, "postgresql", 10) == 0) ||
	    (slen == 8 && strncasecmp(db, "postgres", 8) == 0)) {
		if (strncmp(db + slen, "://", 3) != 0)
			return cb__fail(CB_EINVAL, "database \"%s\": not a PostgreSQL URL: expected "
			    PG_FORM, t->shown);
		t->backend = STORE_BE_POSTGRES;
		t->conn = db;
		return CB_OK;
	}
	return cb__fail(CB_EINVAL, "database \"%s\": unsupported scheme \"%.*s:\": name a SQLite "
	    "file (a path, sqlite:PATH or file:PATH) or a PostgreSQL URL (" PG_FORM "); a file whose "
	    "name has a colon is written ./NAME", t->shown, (int)(slen > 32 ? 32 : slen), db);
}
