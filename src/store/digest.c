/* SPDX-License-Identifier: Apache-2.0 */
/*
 * digest.c - what every backend stores the same way: SHA-256 digests, the
 * strong ETag of a code-set version, and the fingerprints that tell a
 * replay from a change (records and orders).  Computed here, outside any
 * database, so that two backends (or two instances on one database) agree
 * byte for byte.
 */
#include "store_int.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>

#include "buf.h"

/* SHA-256, fetched once: OpenSSL 3 looks an algorithm up on every
 * implicit use, which cost more than hashing a record. */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void
fetch_sha256(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void
store__sha256(unsigned char out[32], const void *p, size_t len)
{
	unsigned int n = 32;

	if (EVP_Digest(p, len, out, &n, EVP_sha256(), NULL) != 1)
		memset(out, 0, 32);	/* cannot happen with the default provider */
}

void
cb_store_etag(char out[80], const void *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	size_t i, o;

	store__sha256(md, p, len);
	memcpy(out, "\"sha256:", 8);
	o = 8;
	for (i = 0; i < 32; i++) {
		out[o++] = hex[md[i] >> 4];
		out[o++] = hex[md[i] & 15];
	}
	out[o++] = '"';
	out[o] = '\0';
}

/* The fingerprint of one record: every client field, length-prefixed,
 * with absent and empty told apart. */
static int
rec_fp(EVP_MD_CTX *ctx, const cb_rec_desc *d, const cb_rec *r, unsigned char out[32])
{
	unsigned int n = 32;
	size_t i;

	if (EVP_DigestInit_ex(ctx, sha256_md, NULL) != 1)
		return CB_ERROR;
	for (i = 0; i < d->nfields; i++) {
		unsigned char hdr[9];
		uint64_t len = r->v[i] ? (uint64_t)r->len[i] : 0;
		size_t j;
		hdr[0] = r->v[i] != NULL;
		for (j = 0; j < 8; j++)
			hdr[1 + j] = (unsigned char)(len >> (8 * j));
		if (EVP_DigestUpdate(ctx, hdr, sizeof(hdr)) != 1 ||
		    (r->v[i] && EVP_DigestUpdate(ctx, r->v[i], r->len[i]) != 1))
			return CB_ERROR;
	}
	return EVP_DigestFinal_ex(ctx, out, &n) == 1 ? CB_OK : CB_ERROR;
}

int
store__rec_fps(const cb_rec_desc *d, const cb_rec *recs, size_t n, unsigned char (*out)[32])
{
	EVP_MD_CTX *ctx;
	size_t i;
	int rc = CB_OK;

	pthread_once(&sha256_once, fetch_sha256);
	if (sha256_md == NULL)
		return cb__fail(CB_ERROR, "OpenSSL has no SHA-256");
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	for (i = 0; i < n && rc == CB_OK; i++)
		if (rec_fp(ctx, d, &recs[i], out[i]) != CB_OK)
			rc = cb__fail(CB_ERROR, "fingerprint: digest failed");
	EVP_MD_CTX_free(ctx);
	return rc;
}

static void
fp_str(cb_buf *b, const char *s)
{
	uint32_t n = s ? (uint32_t)strlen(s) : 0;
	unsigned char hdr[5] = { s != NULL, (unsigned char)n, (unsigned char)(n >> 8),
		(unsigned char)(n >> 16), (unsigned char)(n >> 24) };

	cb_buf_add(b, hdr, sizeof(hdr));
	if (s != NULL)
		cb_buf_add(b, s, n);
}

static void
fp_int(cb_buf *b, int64_t v)
{
	unsigned char x[8];
	int i;

	for (i = 0; i < 8; i++)
		x[i] = (unsigned char)((uint64_t)v >> (8 * i));
	cb_buf_add(b, x, sizeof(x));
}

int
store__order_fps(const cb_order *o, unsigned char money[32], unsigned char all[32])
{
	cb_buf b = CB_BUF_INIT(64u << 20);
	size_t i;
	int rc = CB_OK;

	fp_str(&b, o->currency);
	fp_int(&b, o->shipping_cost);
	fp_int(&b, (int64_t)o->nitems);
	for (i = 0; i < o->nitems; i++) {
		fp_str(&b, o->items[i].sku);
		fp_int(&b, o->items[i].quantity);
		fp_int(&b, o->items[i].unit_price);
	}
	if (b.failed) {
		rc = cb__fail(CB_ENOMEM, "out of memory");
		goto out;
	}
	store__sha256(money, b.p, b.len);
	if (all == NULL)
		goto out;
	fp_str(&b, o->marketplace);
	fp_str(&b, o->shop);
	fp_int(&b, (int64_t)o->status);
	fp_str(&b, o->marketplace_status);
	for (i = 0; i < o->nitems; i++) {
		fp_str(&b, o->items[i].line_item_id);
		fp_str(&b, o->items[i].title);
	}
	fp_int(&b, (int64_t)o->npayments);
	for (i = 0; i < o->npayments; i++) {
		fp_int(&b, (int64_t)o->payments[i].status);
		fp_int(&b, o->payments[i].amount);
		fp_str(&b, o->payments[i].transaction_id);
	}
	if (b.failed)
		rc = cb__fail(CB_ENOMEM, "out of memory");
	else
		store__sha256(all, b.p, b.len);
out:
	cb_buf_reset(&b);
	return rc;
}
