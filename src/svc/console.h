/* SPDX-License-Identifier: Apache-2.0 */
/*
 * console.h - the web console (web/, docs/console.md): its files, embedded
 * at build time (embed_web.cmake), served by h_console.c; and CORS for the
 * API (cors.c): which other origins may call it (--cors-origin), the
 * preflight answer, and the headers a cross-origin response carries.
 */
#ifndef CB_SVC_CONSOLE_H
#define CB_SVC_CONSOLE_H

#include <stddef.h>

/* One embedded file of web/. */
struct svc_asset {
	const char          *name;    /* "index.html", "app.js" */
	const char          *ctype;
	const unsigned char *data;
	size_t               len;
	const char          *etag;    /* "\"sha256:...\"" of the bytes */
};

extern const struct svc_asset svc_assets[];
extern const size_t svc_nassets;

/* The embedded file called @name (length @len), or NULL. */
const struct svc_asset *svc_asset_find(const char *name, size_t len);

struct svc_req;

/* Headers every response to a request from an allowed origin carries
 * (Access-Control-Allow-Origin, -Expose-Headers), and Vary: Origin
 * whenever some origin is allowed.  Called for every response. */
void svc_cors_respond(struct svc_req *r);

/*
 * OPTIONS on a routed path: 204 with Allow (the methods of @allow, a mask
 * of 1 << M_*, and OPTIONS).  A CORS preflight (Origin and
 * Access-Control-Request-Method, @acrm) from an allowed origin for a
 * method the path takes also gets Access-Control-Allow-Methods, -Headers
 * and -Max-Age; from any other origin it gets none of them, which the
 * browser reads as a refusal.  Preflights never need a key.
 */
void svc_cors_options(struct svc_req *r, unsigned allow, const char *acrm);

#endif
