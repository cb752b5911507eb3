/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webhook.c - the signature of the notifications the marketplace sends
 * (MARKETPLACE.md, docs/marketplace.md): the header Authorization holds
 * the lowercase hex HMAC-SHA256, keyed with the app secret, of the app key
 * followed by the raw body.  The check compares in constant time
 * (CRYPTO_memcmp), so a forger learns nothing from how long a refusal took.
 */
#include "market_int.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

int
cb_mkt_webhook_sign(char out[CB_MKT_SIGN_HEX + 1], const char *app_key, const char *secret, const char *body,
    size_t len)
{
	cb_buf b = CB_BUF_INIT(CB_MKT_MAX_WEBHOOK_BODY + 4096);
	size_t klen, slen;
	int rc;

	if (out == NULL || app_key == NULL || secret == NULL || (body == NULL && len > 0))
		return cb__fail(CB_EINVAL, "cb_mkt_webhook_sign: NULL argument");
	out[0] = '\0';
	klen = strlen(app_key);
	slen = strlen(secret);
	if (len > CB_MKT_MAX_WEBHOOK_BODY || klen > 4096 || slen > (size_t)INT32_MAX)
		return cb__fail(CB_ETOOBIG, "cb_mkt_webhook_sign: body larger than %u bytes", CB_MKT_MAX_WEBHOOK_BODY);
	cb_buf_add(&b, app_key, klen);
	if (len > 0)
		cb_buf_add(&b, body, len);
	if (b.failed) {
		rc = cb__fail(CB_ENOMEM, "cb_mkt_webhook_sign: out of memory");
		goto out;
	}
	rc = cb_mkt__hmac_hex(out, secret, slen, b.p, b.len, "cb_mkt_webhook_sign");
out:
	cb_buf_reset(&b);
	return rc;
}

int
cb_mkt_webhook_verify(const char *app_key, const char *secret, const char *body, size_t len,
    const char *authorization)
{
	char want[CB_MKT_SIGN_HEX + 1];
	int ok;

	if (authorization == NULL || strlen(authorization) != CB_MKT_SIGN_HEX)
		return 0;	/* the length of a signature is no secret */
	if (cb_mkt_webhook_sign(want, app_key, secret, body, len) != CB_OK)
		return 0;
	ok = CRYPTO_memcmp(want, authorization, CB_MKT_SIGN_HEX) == 0;
	cb_mkt__wipe(want, sizeof(want));
	return ok;
}
