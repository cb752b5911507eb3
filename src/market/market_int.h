/* SPDX-License-Identifier: Apache-2.0 */
/*
 * market_int.h - private to src/market (and its tests and fuzz target):
 * the response envelope and the parsers of each operation's data, kept
 * apart from the transport so they can be tested and fuzzed on bytes.
 */
#ifndef CB_MARKET_INT_H
#define CB_MARKET_INT_H

#include "market.h"

#include <codebook.h>

/* Market failures are reported through the one per-thread message
 * (err.h), so cb_errmsg() explains them like any other failure. */
#include "alloc.h"
#include "arena.h"
#include "buf.h"
#include "cb_limits.h"
#include "err.h"
#include "json_shim.h"

/* A parsed envelope {code, message, request_id, data}. */
typedef struct {
	cb_json_doc        *doc;
	int64_t             code;
	const char         *message;     /* "" when absent */
	const char         *request_id;  /* "" when absent */
	const cb_json_node *data;        /* NULL when absent or null */
} cb_mkt_envelope;

/*
 * Parse @body as an envelope.  Returns CB_OK; else CB_EPARSE (not JSON,
 * not an object, code missing or not an integer, message or request_id
 * not a string, data neither an object nor null) or CB_ETOOBIG, with the
 * reason and byte offset in @why.  Free with cb_mkt__envelope_free().
 */
int cb_mkt__envelope_parse(cb_mkt_envelope *out, const char *body, size_t len,
    char *why, size_t whylen);
void cb_mkt__envelope_free(cb_mkt_envelope *env);

/*
 * Parsers of a successful envelope's data, one per operation.  Each
 * returns CB_OK with a new result, or CB_EPARSE / CB_ETOOBIG / CB_ENOMEM
 * with the field at fault named in @why ("data.reverse_reason_list[3]
 * .reverse_reason_key: expected a string").
 */
int cb_mkt__parse_reasons(cb_mkt_reasons **out, const cb_mkt_envelope *env,
    char *why, size_t whylen);
int cb_mkt__parse_cancel_legacy(cb_mkt_cancel_result *out, const cb_mkt_envelope *env,
    char *why, size_t whylen);
int cb_mkt__parse_cancel_current(cb_mkt_cancel_result *out, const cb_mkt_envelope *env,
    char *why, size_t whylen);
int cb_mkt__parse_cancellations(cb_mkt_cancellations **out, const cb_mkt_envelope *env,
    char *why, size_t whylen);
int cb_mkt__parse_orders(cb_mkt_orders **out, const cb_mkt_envelope *env,
    char *why, size_t whylen);
int cb_mkt__parse_shops(cb_mkt_shops **out, const cb_mkt_envelope *env,
    char *why, size_t whylen);

/* The client's parts that token.c uses (client.c). */
cb_mkt_config *cb_mkt__cfg(const cb_mkt *m);
int64_t cb_mkt__now(const cb_mkt *m);
const cb_mkt_token_hooks *cb_mkt__hooks(const cb_mkt *m);
void cb_mkt__logf(cb_mkt *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An unsigned GET of @base @path?params (the auth host's token calls),
 * classified like every call; CB_OK with the envelope in @env. */
int cb_mkt__auth_get(cb_mkt *m, const char *op, const char *base, const char *path,
    const cb_mkt_param *params, size_t nparams, cb_mkt_envelope *env, cb_mkt_error *err);
/* After 105002: take the tokens another process stored, or refresh (token.c). */
int cb_mkt__token_renew(cb_mkt *m, cb_mkt_error *err);

/* A deep copy of @cfg (free with cb_mkt_config_free); NULL when out of memory. */
cb_mkt_config *cb_mkt__config_dup(const cb_mkt_config *cfg);

/* Copy @s into @dst (size @size), truncating; always NUL-terminates. */
void cb_mkt__copy(char *dst, size_t size, const char *s);

/* Overwrite @n bytes of @p in a way the compiler keeps. */
void cb_mkt__wipe(void *p, size_t n);
/* The lowercase hex HMAC-SHA256 of @msg keyed with @secret into @out (its
 * digest wiped after); CB_ERROR naming @fn when OpenSSL fails. */
int cb_mkt__hmac_hex(char out[CB_MKT_SIGN_HEX + 1], const char *secret, size_t slen, const void *msg, size_t len,
    const char *fn);

#endif
