/* SPDX-License-Identifier: Apache-2.0 */
/*
 * framing.h - the strict reader of an HTTP/1.1 request head (RFC 9112),
 * run on the bytes a client has sent before anything else reads them.
 * Pure: no sockets, no HTTP library; fuzzed by fuzz/fuzz_framing.c.
 *
 * It refuses what libmicrohttpd would answer with its own HTML page, and
 * what two HTTP parsers may read differently (the ground of request
 * smuggling): a Content-Length given twice or not a number, Content-Length
 * with Transfer-Encoding, a header folded over lines (obs-fold), bare CR or
 * LF line ends, whitespace before a field's colon, NUL and other control
 * characters, %00 or a broken %-escape in the target, HTTP/1.1 without
 * exactly one Host.  docs/http.md (Framing) lists the rules.
 */
#ifndef CB_SVC_FRAMING_H
#define CB_SVC_FRAMING_H

#include <stddef.h>
#include <stdint.h>

#include "problem.h"
#include "svc_limits.h"

enum svc_head_status {
	SVC_HEAD_BAD = -1,   /* refuse: h->problem, h->detail */
	SVC_HEAD_MORE = 0,   /* no fault yet, the head is not complete */
	SVC_HEAD_OK = 1      /* a whole, well-formed head of h->len bytes */
};

struct svc_head {
	/* SVC_HEAD_OK */
	size_t   len;             /* bytes of the head, its blank line included */
	int      has_length;      /* a Content-Length was given */
	uint64_t content_length;
	int      http_minor;      /* HTTP/1.0 or HTTP/1.1 */
	/* SVC_HEAD_BAD */
	enum svc_problem problem; /* malformed-request, uri-too-long, header-too-large,
	                             payload-too-large, length-required, http-version-not-supported */
	size_t   limit;           /* the limit passed, for the too-large problems; else 0 */
	char     detail[224];
	/* as much of the request line as was read, for the log and "instance" */
	char     method[16];
	char     target[160];     /* truncated; never holds control characters */
};

/*
 * Read the request head at the start of @p (@n bytes, as received so far:
 * it need not be complete, and may be followed by the body).  Returns
 * SVC_HEAD_OK with h->len and the body's framing, SVC_HEAD_MORE when every
 * byte so far is acceptable but the head has not ended (call again with
 * more), or SVC_HEAD_BAD as soon as a fault is certain, with the problem to
 * answer.  A head that has not ended within CB_SVC_MAX_HEAD bytes is
 * refused.  @h is cleared first.
 */
int svc_head_check(struct svc_head *h, const char *p, size_t n);

/* Is @ct an application/json media type (parameters allowed, any case)?
 * A charset parameter other than utf-8 is not. */
int svc_is_json_type(const char *ct);

#endif
