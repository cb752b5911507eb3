/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sign.c - the marketplace's request signature (see market.h and
 * docs/marketplace.md): HMAC-SHA256 over secret + path + sorted key/value
 * pairs + body + secret.  The string being signed holds the secret, so it
 * is wiped before it is freed.
 */
#include "market_int.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

void
cb_mkt__wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		OPENSSL_cleanse(p, n);
}

void
cb_mkt__copy(char *dst, size_t size, const char *s)
{
	size_t n;

	if (size == 0)
		return;
	n = s != NULL ? strlen(s) : 0;
	if (n >= size)
		n = size - 1;
	if (n > 0)
		memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Parameters that never enter the signature. */
static int
excluded(const cb_mkt_param *p)
{
	return strcmp(p->key, "sign") == 0 || strcmp(p->key, "access_token") == 0 ||
	    p->value == NULL || p->value[0] == '\0';
}

static int
by_key(const void *a, const void *b)
{
	const cb_mkt_param *x = *(const cb_mkt_param *const *)a;
	const cb_mkt_param *y = *(const cb_mkt_param *const *)b;

	/* strcmp compares as unsigned char: plain byte order, not locale order */
	return strcmp(x->key, y->key);
}

int
cb_mkt__hmac_hex(char out[CB_MKT_SIGN_HEX + 1], const char *secret, size_t slen, const void *msg, size_t len,
    const char *fn)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t i;

	out[0] = '\0';
	if (slen > (size_t)INT32_MAX ||
	    HMAC(EVP_sha256(), secret, (int)slen, (const unsigned char *)(msg != NULL ? msg : ""), len, md,
	    &mdlen) == NULL || mdlen * 2 != CB_MKT_SIGN_HEX) {
		cb_mkt__wipe(md, sizeof(md));
		return cb__fail(CB_ERROR, "%s: HMAC-SHA256 failed", fn);
	}
	for (i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[2 * mdlen] = '\0';
	cb_mkt__wipe(md, sizeof(md));
	return CB_OK;
}

int
cb_mkt_sign(char out[CB_MKT_SIGN_HEX + 1], const char *secret, const char *path,
    const cb_mkt_param *params, size_t nparams, const char *body, size_t body_len)
{
	const cb_mkt_param *sorted[CB_MAX_MARKET_PARAMS];
	cb_buf b = CB_BUF_INIT(CB_MAX_MARKET_REQUEST + 8192);
	size_t i, n = 0, slen, need;
	int rc, ok;

	if (out == NULL || secret == NULL || path == NULL || (params == NULL && nparams > 0) ||
	    (body == NULL && body_len > 0))
		return cb__fail(CB_EINVAL, "cb_mkt_sign: NULL argument");
	out[0] = '\0';
	if (nparams > CB_MAX_MARKET_PARAMS)
		return cb__fail(CB_ETOOBIG, "cb_mkt_sign: %zu parameters (max %d)",
		    nparams, CB_MAX_MARKET_PARAMS);
	for (i = 0; i < nparams; i++) {
		if (params[i].key == NULL || params[i].key[0] == '\0')
			return cb__fail(CB_EINVAL, "cb_mkt_sign: parameter %zu has no key", i);
		if (!excluded(&params[i]))
			sorted[n++] = &params[i];
	}
	qsort(sorted, n, sizeof(sorted[0]), by_key);

	/* one allocation of the final size: a realloc would leave copies of
	 * the secret in freed memory that the wipe below cannot reach */
	slen = strlen(secret);
	need = strlen(path);
	ok = cb__size_add(&need, need, slen) == 0 && cb__size_add(&need, need, slen) == 0 &&
	    cb__size_add(&need, need, body_len) == 0;
	for (i = 0; i < n && ok; i++)
		ok = cb__size_add(&need, need, strlen(sorted[i]->key)) == 0 &&
		    cb__size_add(&need, need, strlen(sorted[i]->value)) == 0;
	if (!ok || cb_buf_grow(&b, need) != 0) {
		rc = b.nomem ? cb__fail(CB_ENOMEM, "cb_mkt_sign: out of memory")
		    : cb__fail(CB_ETOOBIG, "cb_mkt_sign: request larger than %u bytes",
			CB_MAX_MARKET_REQUEST);
		goto out;
	}
	cb_buf_add(&b, secret, slen);
	cb_buf_adds(&b, path);
	for (i = 0; i < n; i++) {
		cb_buf_adds(&b, sorted[i]->key);
		cb_buf_adds(&b, sorted[i]->value);
	}
	if (body != NULL)
		cb_buf_add(&b, body, body_len);
	cb_buf_add(&b, secret, slen);
	if (b.failed) {
		rc = b.nomem ? cb__fail(CB_ENOMEM, "cb_mkt_sign: out of memory")
		    : cb__fail(CB_ETOOBIG, "cb_mkt_sign: request larger than %u bytes",
			CB_MAX_MARKET_REQUEST);
		goto out;
	}
	rc = cb_mkt__hmac_hex(out, secret, slen, b.p, b.len, "cb_mkt_sign");
out:
	cb_mkt__wipe(b.p, b.cap);
	cb_buf_reset(&b);
	return rc;
}
