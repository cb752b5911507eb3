/* SPDX-License-Identifier: Apache-2.0 */
/*
 * framing.c - the strict reader of a request head (framing.h).
 *
 * One pass over the bytes received so far, with a cursor: the request line,
 * then one header line at a time.  A fault is reported as soon as it is
 * certain, so a client sending garbage is answered at once rather than when
 * its head would have ended; a head that is merely incomplete asks for more.
 * The rules are RFC 9112's, taken at their strictest where RFC 9112 lets a
 * server choose (bare LF, obs-fold, repeated Content-Length): the server
 * behind this reader (libmicrohttpd) is more lenient, and a request both
 * read the same way is the point.
 */
#include "framing.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* RFC 9110 token characters: the method and field names. */
static int
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int
is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int bad(struct svc_head *h, enum svc_problem p, size_t limit, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
bad(struct svc_head *h, enum svc_problem p, size_t limit, const char *fmt, ...)
{
	va_list ap;

	h->problem = p;
	h->limit = limit;
	va_start(ap, fmt);
	(void)vsnprintf(h->detail, sizeof(h->detail), fmt, ap);
	va_end(ap);
	return SVC_HEAD_BAD;
}

/* Copy @n bytes of @s into @dst (size @size) for a log line: visible ASCII
 * kept, anything else shown as '?'. */
static void
copy_shown(char *dst, size_t size, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i + 1 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		dst[i] = c > 0x20 && c < 0x7f ? (char)c : '?';
	}
	dst[i] = '\0';
}

/* The end of the line starting at @p[@pos]: the offset of its CR (followed
 * by LF) in *eol.  Returns 1 when found, 0 when the data ends first, -1
 * after a fault (a bare CR or LF, NUL or a control character other than
 * HTAB). */
static int
line_end(struct svc_head *h, const char *p, size_t n, size_t pos, size_t *eol, const char *what)
{
	size_t i;

	for (i = pos; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '\r') {
			if (i + 1 == n)
				return 0;
			if (p[i + 1] != '\n')
				return bad(h, P_MALFORMED_REQUEST, 0, "a bare CR in the %s: lines end with CRLF", what);
			*eol = i;
			return 1;
		}
		if (c == '\n')
			return bad(h, P_MALFORMED_REQUEST, 0, "a bare LF ends the %s: lines end with CRLF", what);
		if (c == '\0')
			return bad(h, P_MALFORMED_REQUEST, 0, "a NUL byte in the %s", what);
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return bad(h, P_MALFORMED_REQUEST, 0, "control character 0x%02x in the %s", c, what);
	}
	return 0;
}

static int
check_target(struct svc_head *h, const char *t, size_t n, const char *method)
{
	size_t i;

	if (n > CB_SVC_MAX_TARGET)
		return bad(h, P_URI_TOO_LONG, CB_SVC_MAX_TARGET, "the request target has %zu bytes; at most %d "
		    "are taken", n, CB_SVC_MAX_TARGET);
	if (n == 0)
		return bad(h, P_MALFORMED_REQUEST, 0, "the request target is empty");
	if (n == 1 && t[0] == '*') {
		if (strcmp(method, "OPTIONS") != 0)
			return bad(h, P_MALFORMED_REQUEST, 0, "the target * is for OPTIONS only");
		return 0;
	}
	if (t[0] != '/' && !(n > 7 && strncasecmp(t, "http://", 7) == 0) &&
	    !(n > 8 && strncasecmp(t, "https://", 8) == 0))
		return bad(h, P_MALFORMED_REQUEST, 0, "the request target must be a path starting with /");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];
		if (c <= 0x20 || c >= 0x7f)
			return bad(h, P_MALFORMED_REQUEST, 0, "byte 0x%02x at offset %zu of the target must be "
			    "percent-encoded", c, i);
		if (c == '#')
			return bad(h, P_MALFORMED_REQUEST, 0, "a fragment (#) is not part of a request target");
		if (c == '%') {
			if (i + 2 >= n || !is_hex((unsigned char)t[i + 1]) || !is_hex((unsigned char)t[i + 2]))
				return bad(h, P_MALFORMED_REQUEST, 0, "a %% at offset %zu of the target is not "
				    "followed by two hexadecimal digits", i);
			if (t[i + 1] == '0' && t[i + 2] == '0')
				return bad(h, P_MALFORMED_REQUEST, 0, "%%00 (an encoded NUL) at offset %zu of the target",
				    i);
		}
	}
	return 0;
}

static int
request_line(struct svc_head *h, const char *p, size_t n)
{
	const char *sp1, *sp2;
	size_t mlen, tlen, vlen;

	sp1 = memchr(p, ' ', n);
	if (sp1 == NULL || sp1 == p)
		return bad(h, P_MALFORMED_REQUEST, 0, "the request line must be METHOD SP TARGET SP HTTP/1.1");
	mlen = (size_t)(sp1 - p);
	copy_shown(h->method, sizeof(h->method), p, mlen);
	sp2 = memchr(sp1 + 1, ' ', n - mlen - 1);
	tlen = sp2 ? (size_t)(sp2 - sp1 - 1) : n - mlen - 1;
	copy_shown(h->target, sizeof(h->target), sp1 + 1, tlen);
	if (mlen >= sizeof(h->method))
		return bad(h, P_MALFORMED_REQUEST, 0, "the method has %zu characters; methods are short", mlen);
	for (size_t i = 0; i < mlen; i++)
		if (!is_tchar((unsigned char)p[i]))
			return bad(h, P_MALFORMED_REQUEST, 0, "the method has a character a token cannot have");
	if (sp2 == NULL)
		return bad(h, P_MALFORMED_REQUEST, 0, "the request line has no HTTP version "
		    "(METHOD SP TARGET SP HTTP/1.1; HTTP/0.9 is not spoken)");
	if (check_target(h, sp1 + 1, tlen, h->method) != 0)
		return SVC_HEAD_BAD;
	vlen = n - (size_t)(sp2 + 1 - p);
	if (vlen == 8 && memcmp(sp2 + 1, "HTTP/1.", 7) == 0 && (sp2[8] == '1' || sp2[8] == '0')) {
		h->http_minor = sp2[8] - '0';
		return 0;
	}
	if (vlen == 8 && memcmp(sp2 + 1, "HTTP/", 5) == 0 && sp2[6] >= '0' && sp2[6] <= '9' && sp2[7] == '.' &&
	    sp2[8] >= '0' && sp2[8] <= '9')
		return bad(h, P_HTTP_VERSION, 0, "HTTP/%c.%c is not spoken here: send HTTP/1.1", sp2[6], sp2[8]);
	return bad(h, P_MALFORMED_REQUEST, 0, "the request line must end with SP HTTP/1.1 (one space "
	    "between its three parts)");
}

/* The value of a Host field: uri-host [":" port], without anything that
 * RFC 3986 does not allow there (it may be empty). */
static int
host_ok(const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~!$&'()*+,;=:[]%", c) != NULL) || c == '\0')
			return 0;
	}
	return 1;
}

struct fields {
	unsigned nfields, nlength, nhost, nte;
	uint64_t length;
	int      length_big;   /* more digits than any limit */
};

static int
field(struct svc_head *h, struct fields *f, const char *p, size_t n, unsigned lineno)
{
	const char *colon = memchr(p, ':', n), *v, *e;
	size_t nlen, i;

	if (p[0] == ' ' || p[0] == '\t')
		return bad(h, P_MALFORMED_REQUEST, 0, "header line %u starts with whitespace: a field folded "
		    "over lines (obs-fold) is not taken", lineno);
	if (colon == NULL)
		return bad(h, P_MALFORMED_REQUEST, 0, "header line %u has no colon", lineno);
	nlen = (size_t)(colon - p);
	if (nlen == 0)
		return bad(h, P_MALFORMED_REQUEST, 0, "header line %u has an empty field name", lineno);
	for (i = 0; i < nlen; i++)
		if (!is_tchar((unsigned char)p[i]))
			return bad(h, P_MALFORMED_REQUEST, 0, "the name of header line %u has %s", lineno,
			    p[i] == ' ' || p[i] == '\t' ? "whitespace before its colon" : "a character a token cannot have");
	if (++f->nfields > CB_SVC_MAX_HEADER_FIELDS)
		return bad(h, P_HEADER_TOO_LARGE, CB_SVC_MAX_HEADER_FIELDS, "more than %d header fields",
		    CB_SVC_MAX_HEADER_FIELDS);
	v = colon + 1;
	e = p + n;
	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (nlen == 14 && strncasecmp(p, "Content-Length", 14) == 0) {
		uint64_t x = 0;
		if (++f->nlength > 1)
			return bad(h, P_MALFORMED_REQUEST, 0, "Content-Length is given more than once");
		if (v == e)
			return bad(h, P_MALFORMED_REQUEST, 0, "Content-Length is empty");
		for (const char *c = v; c < e; c++) {
			if (*c < '0' || *c > '9')
				return bad(h, P_MALFORMED_REQUEST, 0, "Content-Length must be a number of bytes "
				    "(digits only)");
			if (x > (UINT64_MAX - 9) / 10)
				f->length_big = 1;
			else
				x = x * 10 + (uint64_t)(*c - '0');
		}
		f->length = x;
	} else if (nlen == 17 && strncasecmp(p, "Transfer-Encoding", 17) == 0) {
		f->nte++;
	} else if (nlen == 4 && strncasecmp(p, "Host", 4) == 0) {
		if (++f->nhost > 1)
			return bad(h, P_MALFORMED_REQUEST, 0, "Host is given more than once");
		if (!host_ok(v, (size_t)(e - v)))
			return bad(h, P_MALFORMED_REQUEST, 0, "the Host field is not a host name or address");
	}
	return 0;
}

static int
head_end(struct svc_head *h, struct fields *f)
{
	if (f->nte > 0 && f->nlength > 0)
		return bad(h, P_MALFORMED_REQUEST, 0, "Content-Length and Transfer-Encoding together: the "
		    "body's length would be ambiguous");
	if (f->nte > 0)
		return bad(h, P_LENGTH_REQUIRED, 0, "send the body with a Content-Length (Transfer-Encoding is "
		    "not taken)");
	if (h->http_minor == 1 && f->nhost == 0)
		return bad(h, P_MALFORMED_REQUEST, 0, "an HTTP/1.1 request must have a Host field");
	if (f->length_big || f->length > CB_SVC_MAX_CONTENT_LENGTH)
		return bad(h, P_PAYLOAD_TOO_LARGE, CB_SVC_MAX_CONTENT_LENGTH, "Content-Length is larger than "
		    "any route takes (%u bytes)", (unsigned)CB_SVC_MAX_CONTENT_LENGTH);
	h->has_length = f->nlength > 0;
	h->content_length = f->length;
	return SVC_HEAD_OK;
}

int
svc_head_check(struct svc_head *h, const char *p, size_t n)
{
	struct fields f;
	size_t pos = 0, eol, limit = n < CB_SVC_MAX_HEAD ? n : CB_SVC_MAX_HEAD;
	unsigned lineno = 0;
	int rc;

	memset(h, 0, sizeof(*h));
	memset(&f, 0, sizeof(f));
	/* RFC 9112 2.2: empty lines before the request line are ignored */
	while (pos + 1 < limit && p[pos] == '\r' && p[pos + 1] == '\n')
		pos += 2;
	rc = line_end(h, p, limit, pos, &eol, "request line");
	if (rc < 0)
		return SVC_HEAD_BAD;
	if (rc == 0) {
		/* the request line so far: a fault in it need not wait for its end */
		const char *sp = memchr(p + pos, ' ', limit - pos);
		if (sp != NULL) {
			size_t m = (size_t)(sp - p - (ptrdiff_t)pos);
			for (size_t i = 0; i < m; i++)
				if (!is_tchar((unsigned char)p[pos + i]))
					return bad(h, P_MALFORMED_REQUEST, 0, "the method has a character a token "
					    "cannot have");
		}
		if (limit - pos > CB_SVC_MAX_TARGET + 32)
			return bad(h, P_URI_TOO_LONG, CB_SVC_MAX_TARGET, "the request line is longer than %d bytes "
			    "and has not ended", CB_SVC_MAX_TARGET + 32);
		if (n >= CB_SVC_MAX_HEAD)
			return bad(h, P_HEADER_TOO_LARGE, CB_SVC_MAX_HEAD, "the request head is larger than %d bytes",
			    CB_SVC_MAX_HEAD);
		return SVC_HEAD_MORE;
	}
	if (request_line(h, p + pos, eol - pos) != 0)
		return SVC_HEAD_BAD;
	pos = eol + 2;
	for (;;) {
		if (pos + 1 < limit && p[pos] == '\r' && p[pos + 1] == '\n') {
			h->len = pos + 2;
			return head_end(h, &f);
		}
		rc = line_end(h, p, limit, pos, &eol, "header");
		if (rc < 0)
			return SVC_HEAD_BAD;
		if (rc == 0)
			break;
		lineno++;
		if (field(h, &f, p + pos, eol - pos, lineno) != 0)
			return SVC_HEAD_BAD;
		pos = eol + 2;
	}
	/* the partial last line: obs-fold and a bad name show before it ends */
	if (pos < limit && (p[pos] == ' ' || p[pos] == '\t'))
		return bad(h, P_MALFORMED_REQUEST, 0, "header line %u starts with whitespace: a field folded "
		    "over lines (obs-fold) is not taken", lineno + 1);
	if (n >= CB_SVC_MAX_HEAD)
		return bad(h, P_HEADER_TOO_LARGE, CB_SVC_MAX_HEAD, "the request head is larger than %d bytes",
		    CB_SVC_MAX_HEAD);
	return SVC_HEAD_MORE;
}

/* ---- media types ---------------------------------------------------------- */

static const char *
skip_ows(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

int
svc_is_json_type(const char *ct)
{
	const char *s;

	if (ct == NULL)
		return 0;
	s = skip_ows(ct);
	if (strncasecmp(s, "application/json", 16) != 0)
		return 0;
	s = skip_ows(s + 16);
	while (*s == ';') {
		const char *name, *val;
		size_t nlen, vlen;
		int quoted = 0;

		s = skip_ows(s + 1);
		for (name = s; is_tchar((unsigned char)*s); s++)
			;
		nlen = (size_t)(s - name);
		if (nlen == 0 || *s != '=')
			return 0;
		s++;
		if (*s == '"') {
			quoted = 1;
			s++;
		}
		for (val = s; *s != '\0' && (quoted ? *s != '"' : is_tchar((unsigned char)*s)); s++)
			if ((unsigned char)*s < 0x20 || *s == '\\')
				return 0;
		vlen = (size_t)(s - val);
		if (quoted) {
			if (*s != '"')
				return 0;
			s++;
		} else if (vlen == 0)
			return 0;
		if (nlen == 7 && strncasecmp(name, "charset", 7) == 0 &&
		    !((vlen == 5 && strncasecmp(val, "utf-8", 5) == 0) || (vlen == 4 && strncasecmp(val, "utf8", 4) == 0)))
			return 0;
		s = skip_ows(s);
	}
	return *s == '\0';
}
