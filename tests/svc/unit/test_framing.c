/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_framing.c - the strict reader of request heads (framing.c), the
 * media-type test, and the rule for ids and the encoding of links (ids.c).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "svc/framing.h"
#include "util/ident.h"

static int
head(const char *s, struct svc_head *h)
{
	return svc_head_check(h, s, strlen(s));
}

Test(framing, good_heads)
{
	static const char *const good[] = {
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /v1/code-sets/outbound?x=1&y=%20 HTTP/1.1\r\nHost: localhost:8080\r\nAccept: */*\r\n\r\n",
		"POST /v1/events HTTP/1.1\r\nHost: [::1]:8080\r\nContent-Length: 0\r\n\r\n",
		"GET /healthz HTTP/1.0\r\n\r\n",
		"\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nX-Empty:\r\nX-Tab:\tv\t\r\n\r\n",
		"GET / HTTP/1.1\r\nhost: x\r\ncontent-length:  5 \r\n\r\nhello",
		"GET / HTTP/1.1\r\nHost: x\r\nX-Latin: caf\xc3\xa9\r\n\r\n",
	};
	struct svc_head h;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		cr_assert_eq(head(good[i], &h), SVC_HEAD_OK, "%zu: %s", i, h.detail);
	cr_assert_eq(head(good[7], &h), SVC_HEAD_OK);
	cr_assert(h.has_length);
	cr_assert_eq(h.content_length, 5);
	cr_assert_eq(h.len, strlen(good[7]) - 5, "the head ends before the body");
	cr_assert_eq(head(good[3], &h), SVC_HEAD_OK);
	cr_assert_eq(h.http_minor, 0);
	cr_assert_str_eq(h.method, "GET");
	cr_assert_str_eq(h.target, "/healthz");
}

struct bad {
	const char *head;
	enum svc_problem problem;
	const char *says;      /* in the detail */
};

#define NUL_HEAD "GET / HTTP/1.1\r\nHo\x00st: x\r\n\r\n"

Test(framing, bad_heads)
{
	static const struct bad bad[] = {
		{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", P_MALFORMED_REQUEST,
		  "more than once" },
		{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", P_MALFORMED_REQUEST,
		  "more than once" },
		{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", P_MALFORMED_REQUEST, "digits" },
		{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", P_MALFORMED_REQUEST, "digits" },
		{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n", P_MALFORMED_REQUEST, "digits" },
		{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n", P_MALFORMED_REQUEST, "empty" },
		{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551616\r\n\r\n", P_PAYLOAD_TOO_LARGE,
		  "larger" },
		{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", P_PAYLOAD_TOO_LARGE,
		  "larger" },
		{ "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", P_LENGTH_REQUIRED, "Content-Length" },
		{ "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
		  P_MALFORMED_REQUEST, "together" },
		{ "GET / HTTP/1.1\r\n\r\n", P_MALFORMED_REQUEST, "Host" },
		{ "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", P_MALFORMED_REQUEST, "Host" },
		{ "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", P_MALFORMED_REQUEST, "Host" },
		{ "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", P_MALFORMED_REQUEST, "obs-fold" },
		{ "GET / HTTP/1.1\r\nHost: x\r\nX-A : a\r\n\r\n", P_MALFORMED_REQUEST, "whitespace before" },
		{ "GET / HTTP/1.1\r\nHost: x\r\nX-A a\r\n\r\n", P_MALFORMED_REQUEST, "no colon" },
		{ "GET / HTTP/1.1\r\nHost: x\r\n: a\r\n\r\n", P_MALFORMED_REQUEST, "empty field name" },
		{ "GET / HTTP/1.1\nHost: x\n\n", P_MALFORMED_REQUEST, "bare LF" },
		{ "GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n", P_MALFORMED_REQUEST, "bare CR" },
		{ "GET / HTTP/1.1\r\nHost: x\r\nX: a\x01\r\n\r\n", P_MALFORMED_REQUEST, "control character" },
		{ "GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n", P_MALFORMED_REQUEST, "%00" },
		{ "GET /a?b=%00 HTTP/1.1\r\nHost: x\r\n\r\n", P_MALFORMED_REQUEST, "%00" },
		{ "GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n", P_MALFORMED_REQUEST, "hexadecimal" },
		{ "GET /a% HTTP/1.1\r\nHost: x\r\n\r\n", P_MALFORMED_REQUEST, "hexadecimal" },
		{ "GET /a#b HTTP/1.1\r\nHost: x\r\n\r\n", P_MALFORMED_REQUEST, "fragment" },
		{ "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n", P_MALFORMED_REQUEST, "percent-encoded" },
		{ "GET relative HTTP/1.1\r\nHost: x\r\n\r\n", P_MALFORMED_REQUEST, "starting with /" },
		{ "GET * HTTP/1.1\r\nHost: x\r\n\r\n", P_MALFORMED_REQUEST, "OPTIONS" },
		{ "GET / HTTP/2.0\r\nHost: x\r\n\r\n", P_HTTP_VERSION, "HTTP/2.0" },
		{ "GET / HTTP/0.9\r\nHost: x\r\n\r\n", P_HTTP_VERSION, "HTTP/0.9" },
		{ "GET / http/1.1\r\nHost: x\r\n\r\n", P_MALFORMED_REQUEST, "HTTP/1.1" },
		{ "GET /\r\n\r\n", P_MALFORMED_REQUEST, "no HTTP version" },
		{ "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", P_MALFORMED_REQUEST, "" },
		{ "GET / HTTP/1.1 \r\nHost: x\r\n\r\n", P_MALFORMED_REQUEST, "one space" },
		{ "G(T / HTTP/1.1\r\nHost: x\r\n\r\n", P_MALFORMED_REQUEST, "token" },
		{ " GET / HTTP/1.1\r\nHost: x\r\n\r\n", P_MALFORMED_REQUEST, "" },
	};
	struct svc_head h;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = strlen(bad[i].head);
		cr_assert_eq(svc_head_check(&h, bad[i].head, n), SVC_HEAD_BAD, "%zu: %s", i, bad[i].head);
		cr_assert_eq(h.problem, bad[i].problem, "%zu: %s gave %d (%s)", i, bad[i].head, h.problem, h.detail);
		cr_assert(strstr(h.detail, bad[i].says) != NULL, "%zu: \"%s\" lacks \"%s\"", i, h.detail, bad[i].says);
		cr_assert(strchr(h.target, '\r') == NULL && strchr(h.target, '\n') == NULL);
	}
	/* a NUL byte in a field name (the table's strings end at a NUL) */
	cr_assert_eq(svc_head_check(&h, NUL_HEAD, sizeof(NUL_HEAD) - 1), SVC_HEAD_BAD);
	cr_assert(strstr(h.detail, "NUL") != NULL, "%s", h.detail);
}

/* Every prefix of a good head asks for more; a fault shows as soon as it
 * is certain, without waiting for the end of the head. */
Test(framing, incremental)
{
	const char *good = "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	    "Content-Length: 2\r\n\r\n";
	struct svc_head h;
	size_t i, n = strlen(good);

	for (i = 0; i < n; i++)
		cr_assert_eq(svc_head_check(&h, good, i), SVC_HEAD_MORE, "prefix %zu: %s", i, h.detail);
	cr_assert_eq(svc_head_check(&h, good, n), SVC_HEAD_OK);
	cr_assert_eq(svc_head_check(&h, "GET / HTTP/1.1\r\nHost: x\r\n X", 29), SVC_HEAD_BAD, "obs-fold early");
	cr_assert_eq(svc_head_check(&h, "GET / HTTP/1.1\r\nHost: x\r\nX: a\nY", 32), SVC_HEAD_BAD, "bare LF early");
	cr_assert_eq(svc_head_check(&h, "G{T /", 5), SVC_HEAD_BAD, "bad method before the line ends");
	cr_assert_eq(svc_head_check(&h, "GET / HTTP/1.1\r", 15), SVC_HEAD_MORE);
}

Test(framing, limits)
{
	static char big[CB_SVC_MAX_HEAD + 64];
	struct svc_head h;
	int n;

	/* a target over the limit: 414 */
	n = snprintf(big, sizeof(big), "GET /%0*d HTTP/1.1\r\nHost: x\r\n\r\n", CB_SVC_MAX_TARGET, 7);
	cr_assert_eq(svc_head_check(&h, big, (size_t)n), SVC_HEAD_BAD);
	cr_assert_eq(h.problem, P_URI_TOO_LONG);
	cr_assert_eq(h.limit, CB_SVC_MAX_TARGET);
	/* a request line that never ends: 414 too, before the head limit */
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	cr_assert_eq(svc_head_check(&h, big, CB_SVC_MAX_TARGET + 40), SVC_HEAD_BAD);
	cr_assert_eq(h.problem, P_URI_TOO_LONG);
	/* a head over the limit: 431 */
	n = snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nHost: x\r\nX: ");
	memset(big + n, 'a', sizeof(big) - (size_t)n);
	cr_assert_eq(svc_head_check(&h, big, sizeof(big)), SVC_HEAD_BAD);
	cr_assert_eq(h.problem, P_HEADER_TOO_LARGE);
	cr_assert_eq(h.limit, CB_SVC_MAX_HEAD);
	/* too many fields: 431 */
	{
		char many[4096];
		size_t o = (size_t)snprintf(many, sizeof(many), "GET / HTTP/1.1\r\nHost: x\r\n");
		int i;
		for (i = 0; i < CB_SVC_MAX_HEADER_FIELDS; i++)
			o += (size_t)snprintf(many + o, sizeof(many) - o, "X%d: y\r\n", i);
		o += (size_t)snprintf(many + o, sizeof(many) - o, "\r\n");
		cr_assert_eq(svc_head_check(&h, many, o), SVC_HEAD_BAD);
		cr_assert_eq(h.problem, P_HEADER_TOO_LARGE);
	}
}

Test(framing, json_type)
{
	cr_assert(svc_is_json_type("application/json"));
	cr_assert(svc_is_json_type("Application/JSON"));
	cr_assert(svc_is_json_type("application/json; charset=utf-8"));
	cr_assert(svc_is_json_type("application/json;charset=\"UTF-8\""));
	cr_assert(svc_is_json_type("application/json ; foo=bar"));
	cr_assert_not(svc_is_json_type(NULL));
	cr_assert_not(svc_is_json_type(""));
	cr_assert_not(svc_is_json_type("application/x-www-form-urlencoded"));
	cr_assert_not(svc_is_json_type("text/plain"));
	cr_assert_not(svc_is_json_type("application/jsonp"));
	cr_assert_not(svc_is_json_type("application/json-patch+json"));
	cr_assert_not(svc_is_json_type("application/json; charset=latin1"));
	cr_assert_not(svc_is_json_type("application/json; charset"));
	cr_assert_not(svc_is_json_type("application/json, text/plain"));
	cr_assert_not(svc_is_json_type("application/json; a=\"unterminated"));
}

Test(ids, rule)
{
	char why[160];

	cr_assert(cb_id_check("ord-1", 5, 127, why, sizeof(why)));
	cr_assert(cb_id_check("576461413038785752", 18, 127, why, sizeof(why)));
	cr_assert(cb_id_check("a.b_c~d:e@f+g=h!i$j&k'l(m)n*o,p;q", 33, 127, why, sizeof(why)));
	cr_assert(cb_id_check("...", 3, 127, why, sizeof(why)));
	cr_assert_not(cb_id_check("", 0, 127, why, sizeof(why)));
	cr_assert(strstr(why, "empty") != NULL);
	cr_assert_not(cb_id_check("a/b", 3, 127, why, sizeof(why)));
	cr_assert(strstr(why, "'/'") != NULL, "%s", why);
	cr_assert_not(cb_id_check("a\x01", 2, 127, why, sizeof(why)));
	cr_assert(strstr(why, "0x01") != NULL, "%s", why);
	cr_assert_not(cb_id_check("a\0b", 3, 127, why, sizeof(why)));
	cr_assert_not(cb_id_check("a b", 3, 127, why, sizeof(why)));
	cr_assert_not(cb_id_check("a%2Fb", 5, 127, why, sizeof(why)));
	cr_assert_not(cb_id_check("a?b", 3, 127, why, sizeof(why)));
	cr_assert_not(cb_id_check("a#b", 3, 127, why, sizeof(why)));
	cr_assert_not(cb_id_check("caf\xc3\xa9", 5, 127, why, sizeof(why)));
	cr_assert_not(cb_id_check(".", 1, 127, why, sizeof(why)));
	cr_assert_not(cb_id_check("..", 2, 127, why, sizeof(why)));
	cr_assert_not(cb_id_check("abcd", 4, 3, why, sizeof(why)));
	cr_assert(strstr(why, "at most 3") != NULL, "%s", why);
}

Test(ids, path_segment)
{
	char out[64];

	cr_assert_eq(cb_path_segment(out, sizeof(out), "ord-1", 5), 5);
	cr_assert_str_eq(out, "ord-1");
	cr_assert_eq(cb_path_segment(out, sizeof(out), "a/b c%\xc3\xa9", 8), 18);
	cr_assert_str_eq(out, "a%2Fb%20c%25%C3%A9");
	cr_assert_eq(cb_path_segment(out, 4, "a/b", 3), -1, "does not fit");
	cr_assert_str_eq(out, "");
	cr_assert_eq(cb_path_segment(out, sizeof(out), "", 0), 0);
	cr_assert_str_eq(out, "");
}
