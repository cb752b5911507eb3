/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_framing.c - what the front door reads before anything else does:
 * the request head (svc_head_check), the media type of a body
 * (svc_is_json_type), ids and the percent-encoding of links (ids.c).  Input:
 * one mode byte, then the data.  Invariants: a head read as whole ends with
 * its blank line inside the input and every prefix of it asks for more or
 * is refused (never read as whole); a refusal names a problem and says why;
 * an id that passes is one path segment that encodes to itself; an encoded
 * segment has only pchar and %XX and decodes back to the input.
 *
 * It links the service's core (cb_svc_core), without libmicrohttpd.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc/framing.h"
#include "util/ident.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_head(const char *p, size_t n)
{
	struct svc_head h, h2;
	int rc = svc_head_check(&h, p, n);

	if (rc == SVC_HEAD_OK) {
		if (h.len < 4 || h.len > n || memcmp(p + h.len - 4, "\r\n\r\n", 4) != 0)
			abort();
		if (h.http_minor != 0 && h.http_minor != 1)
			abort();
		if (!h.has_length && h.content_length != 0)
			abort();
		/* the head alone reads the same; one byte less is never whole */
		if (svc_head_check(&h2, p, h.len) != SVC_HEAD_OK || h2.len != h.len)
			abort();
		if (svc_head_check(&h2, p, h.len - 1) == SVC_HEAD_OK)
			abort();
	} else if (rc == SVC_HEAD_BAD) {
		if (h.problem == P_NONE || h.detail[0] == '\0' || svc_problem_info(h.problem)->status < 400)
			abort();
	} else if (rc != SVC_HEAD_MORE || n >= CB_SVC_MAX_HEAD)
		abort();
	if (strlen(h.target) >= sizeof(h.target) || strlen(h.method) >= sizeof(h.method))
		abort();
}

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void
fuzz_ids(const char *p, size_t n)
{
	char why[160], enc[3 * 512 + 1], dec[512];
	size_t i, o = 0;
	int len;

	if (n > 512)
		n = 512;
	len = cb_path_segment(enc, sizeof(enc), p, n);
	if (len < 0 || (size_t)len != strlen(enc))
		abort();
	for (i = 0; i < (size_t)len; i++) {
		if (enc[i] == '%') {
			int a = hexval(enc[i + 1]), b = hexval(enc[i + 2]);
			if (a < 0 || b < 0)
				abort();
			dec[o++] = (char)(a * 16 + b);
			i += 2;
		} else {
			if ((unsigned char)enc[i] <= 0x20 || enc[i] == '/' || enc[i] == '?' || enc[i] == '#' ||
			    (unsigned char)enc[i] >= 0x7f)
				abort();
			dec[o++] = enc[i];
		}
	}
	if (o != n || memcmp(dec, p, n) != 0)
		abort();
	if (cb_id_check(p, n, 127, why, sizeof(why))) {
		if (n == 0 || n > 127 || (size_t)len != n || memchr(p, '/', n) != NULL)
			abort();
	} else if (why[0] == '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data + 1;
	size_t n = size - 1;

	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_head(p, n);
		break;
	case 1: {
		char *s = malloc(n + 1);
		if (s == NULL)
			return 0;
		memcpy(s, p, n);
		s[n] = '\0';
		(void)svc_is_json_type(s);
		free(s);
		break;
	}
	default:
		fuzz_ids(p, n);
	}
	return 0;
}
