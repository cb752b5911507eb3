/* SPDX-License-Identifier: Apache-2.0 */
/*
 * h_console.c - the web console (docs/console.md): GET / is its page,
 * GET /console/{file} its scripts and styles, all embedded in the binary
 * at build time from web/ (embed_web.cmake), so the console works with no
 * network and no files beside the binary.  Both routes are open even with
 * --require-key-for-reads: the page asks for a key and sends it with its
 * API calls.
 *
 * Each file has a strong ETag (the SHA-256 of its bytes) and is sent with
 * Cache-Control: no-cache, so a browser revalidates it (a 304, no body)
 * and a new binary's files are seen at once.  The page forbids everything
 * it does not need (Content-Security-Policy): scripts and styles from this
 * server only, no inline script, API calls to this server only, no framing.
 */
#include "svc_int.h"

#include <string.h>

#include "console.h"

#define CSP "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " \
	"connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

const struct svc_asset *
svc_asset_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < svc_nassets; i++)
		if (strlen(svc_assets[i].name) == len && memcmp(svc_assets[i].name, name, len) == 0)
			return &svc_assets[i];
	return NULL;
}

static void
serve(struct svc_req *r, const struct svc_asset *a)
{
	svc_req_header(r, "ETag", "%s", a->etag);
	svc_req_header(r, "Cache-Control", "no-cache");
	svc_req_header(r, "X-Content-Type-Options", "nosniff");
	if (strncmp(a->ctype, "text/html", 9) == 0) {
		svc_req_header(r, "Content-Security-Policy", "%s", CSP);
		svc_req_header(r, "Referrer-Policy", "no-referrer");
	}
	if (svc_etag_match(r->if_none_match, a->etag)) {
		r->status = 304;
		return;
	}
	r->borrowed = (const char *)a->data;	/* static: no owner to release */
	r->borrowed_len = a->len;
	r->ctype = a->ctype;
	r->status = 200;
}

void
h_console(struct svc_req *r)
{
	const struct svc_asset *a = svc_asset_find("index.html", 10);

	if (a == NULL) {
		svc_problem(r, P_NOT_FOUND, "this build has no console (web/index.html was not embedded)");
		return;
	}
	serve(r, a);
}

void
h_console_asset(struct svc_req *r)
{
	size_t len;
	const char *name = svc_match_get(&r->m, "file", &len);
	const struct svc_asset *a = svc_asset_find(name, len);

	/* index.html is served at / only, so the page has one address */
	if (a == NULL || strcmp(a->name, "index.html") == 0) {
		svc_problem(r, P_NOT_FOUND, "the console has no file \"%.*s\"", (int)(len < 80 ? len : 80), name);
		return;
	}
	serve(r, a);
}
