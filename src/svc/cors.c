/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cors.c - Cross-Origin Resource Sharing for the API.  Nothing is allowed
 * cross-origin unless the server was started with --cors-origin ORIGIN
 * (repeatable): then a browser page on one of those origins may call any
 * route, reads and writes alike, with the headers the API takes
 * (Authorization, Content-Type, Idempotency-Key, If-None-Match,
 * X-Request-Id) and may read the headers it answers with.
 *
 * Credentials (cookies, HTTP authentication) are never allowed: the API
 * uses bearer keys, which a page must hold and send itself, so no ambient
 * credential of the browser can be used by another site (no CSRF), and
 * Access-Control-Allow-Credentials is never sent.  Origins are compared
 * whole (scheme, host and port), case-insensitively, never by pattern.
 */
#include "svc_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "console.h"

#define ALLOW_HEADERS  "Authorization, Content-Type, Idempotency-Key, If-None-Match, X-Request-Id"
#define EXPOSE_HEADERS "ETag, Location, Retry-After, X-Request-Id, Idempotent-Replayed, WWW-Authenticate"
/* how long a browser may keep a preflight's answer, in seconds */
#define PREFLIGHT_MAX_AGE 600

static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int
cb_svc_origin_check(const char *o)
{
	const char *p = o, *host, *colon;
	size_t len;
	unsigned long port = 0;

	if (o == NULL || (len = strlen(o)) == 0)
		return cb__fail(CB_EINVAL, "an origin is empty");
	if (len > CB_SVC_MAX_ORIGIN)
		return cb__fail(CB_EINVAL, "an origin is longer than %d bytes", CB_SVC_MAX_ORIGIN);
	if (strcmp(o, "*") == 0 || strcasecmp(o, "null") == 0)
		return cb__fail(CB_EINVAL, "\"%s\" is not allowed: name each origin, as SCHEME://HOST[:PORT]", o);
	if (!is_alpha(*p))
		goto shape;
	while (is_alpha(*p) || is_digit(*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	if (strncmp(p, "://", 3) != 0)
		goto shape;
	host = p += 3;
	if (*p == '[') {	/* an IPv6 literal */
		while (*p != '\0' && *p != ']' && (is_digit(*p) || strchr("abcdefABCDEF:.", *p) != NULL))
			p++;
		if (*p++ != ']' || p - host < 4)
			goto shape;
	} else {
		while (is_alpha(*p) || is_digit(*p) || *p == '-' || *p == '.')
			p++;
		if (p == host)
			goto shape;
	}
	colon = p;
	if (*p == ':') {
		for (p++; is_digit(*p) && port <= 65535; p++)
			port = port * 10 + (unsigned long)(*p - '0');
		if (p == colon + 1 || port == 0 || port > 65535)
			goto shape;
	}
	if (*p == '/' && p[1] == '\0')
		return cb__fail(CB_EINVAL, "%s: an origin has no path, not even \"/\" (browsers send "
		    "SCHEME://HOST[:PORT])", o);
	if (*p != '\0')
		goto shape;
	if ((port == 80 && strncasecmp(o, "http://", 7) == 0) || (port == 443 && strncasecmp(o, "https://", 8) == 0))
		return cb__fail(CB_EINVAL, "%s: leave out the scheme's default port, as browsers do (%.*s)", o,
		    (int)(colon - o), o);
	return CB_OK;
shape:
	return cb__fail(CB_EINVAL, "%.*s is not an origin: expected SCHEME://HOST[:PORT], such as "
	    "https://ops.example.com or http://127.0.0.1:3000", CB_SVC_MAX_ORIGIN, o);
}

/* Is @origin one of those the server was started with? */
static int
allowed(const struct svc *s, const char *origin)
{
	const char *const *o = s->opts.cors_origins;

	if (origin == NULL || o == NULL)
		return 0;
	for (; *o != NULL; o++)
		if (strcasecmp(*o, origin) == 0)
			return 1;
	return 0;
}

void
svc_cors_respond(struct svc_req *r)
{
	const struct svc *s = r->svc;

	if (s->opts.cors_origins == NULL || s->opts.cors_origins[0] == NULL)
		return;	/* every answer is the same whatever the origin */
	svc_req_header(r, "Vary", "Origin");
	if (!allowed(s, r->origin))
		return;
	svc_req_header(r, "Access-Control-Allow-Origin", "%s", r->origin);
	svc_req_header(r, "Access-Control-Expose-Headers", "%s", EXPOSE_HEADERS);
}

void
svc_cors_options(struct svc_req *r, unsigned allow, const char *acrm)
{
	char list[96];
	size_t o = 0;
	int i;
	enum svc_method m;

	allow |= 1u << M_OPTIONS;
	if (allow & (1u << M_GET))
		allow |= 1u << M_HEAD;
	list[0] = '\0';
	for (i = 0; i < M_OTHER && o < sizeof(list); i++)
		if (allow & (1u << i))
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", o ? ", " : "",
			    svc_method_name((enum svc_method)i));
	svc_req_header(r, "Allow", "%s", list);
	r->status = 204;
	m = acrm != NULL ? svc_method_parse(acrm) : M_OTHER;
	/* the answer to a preflight from any other origin, or for a method the
	 * path does not take, carries no Access-Control-Allow-*: refused */
	if (m == M_OTHER || !(allow & (1u << m)) || !allowed(r->svc, r->origin))
		return;
	svc_req_header(r, "Access-Control-Allow-Methods", "%s", list);
	svc_req_header(r, "Access-Control-Allow-Headers", "%s", ALLOW_HEADERS);
	svc_req_header(r, "Access-Control-Max-Age", "%d", PREFLIGHT_MAX_AGE);
}
