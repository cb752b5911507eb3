/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client.c - the marketplace operations over libcurl.  Each call builds
 * its query (app_key, a fresh timestamp, the shop, the signature), sends
 * it once, and classifies what came back: a typed result, the
 * marketplace's error (code, message, request_id), or a transport failure
 * with what it says about the request's effect (cb_mkt_outcome), so the
 * caller can look the failure up in the tiktok-shop-error code set.
 *
 * The only repeat is the marketplace's own advice for a timestamp fault:
 * 36009004 naming the timestamp means the request was refused unread, so
 * it is re-stamped, re-signed and sent once more.
 */
#include "market_int.h"

#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "ident.h"
#include "jsonw.h"

#define CODE_BAD_REQUEST 36009004	/* one code for many request faults, the timestamp among them */
#define MAX_CALL_PARAMS  8		/* query parameters of one operation, before auth ones */

struct cb_mkt {
	cb_mkt_config  *cfg;
	CURL           *curl;
	cb_buf          resp;
	cb_mkt_log_fn   log;
	void           *log_payload;
	cb_mkt_clock_fn clock;
	void           *clock_payload;
	cb_mkt_gate_fn  gate;           /* a shop's request budget (src/orders/budget.c), or NULL */
	void           *gate_payload;
	char            curl_err[CURL_ERROR_SIZE];
	char            market[3];      /* the shop's market, once learned ("" until then) */
};

/* One operation's request.  How it is sent (method, path, where the
 * shop and the token go, whether it may ride a reused connection) is the
 * endpoint's, from the one table in facts.c. */
struct call {
	const char            *op;      /* for messages: "cancel order 578..." */
	const cb_mkt_endpoint *ep;
	cb_mkt_param           params[MAX_CALL_PARAMS];
	size_t                 nparams;
	const char            *body;
	size_t                 body_len;
};

/* POST, or GET: the only two methods the marketplace's operations use. */
#define POST(c) (strcmp((c)->ep->method, "POST") == 0)

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_OK;

static void
init_curl(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

const char *
cb_mkt_kind_name(cb_mkt_kind k)
{
	static const char *const names[] = {
		"none", "market", "timeout", "connect", "dropped", "http", "malformed", "too-big", "local"
	};

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "unknown";
}

const char *
cb_mkt_outcome_name(cb_mkt_outcome o)
{
	static const char *const names[] = { "not-sent", "answered", "unknown" };

	return (unsigned)o < sizeof(names) / sizeof(names[0]) ? names[o] : "unknown";
}

/* ------------------------------------------------------------------ */
/* handle */

int
cb_mkt_new(cb_mkt **out, const cb_mkt_config *cfg)
{
	cb_mkt *m = NULL;
	int rc;

	if (out == NULL)
		return cb__fail(CB_EINVAL, "cb_mkt_new: NULL argument");
	*out = NULL;
	if ((rc = cb_mkt_config_check(cfg)) != CB_OK)
		return rc;
	(void)pthread_once(&curl_once, init_curl);
	if (curl_init_rc != CURLE_OK)
		return cb__fail(CB_ERROR, "libcurl: %s", curl_easy_strerror(curl_init_rc));
	if ((m = cb__calloc(1, sizeof(*m))) == NULL || (m->cfg = cb_mkt__config_dup(cfg)) == NULL) {
		rc = cb__fail(CB_ENOMEM, "out of memory");
		goto out;
	}
	if ((m->curl = curl_easy_init()) == NULL) {
		rc = cb__fail(CB_ERROR, "libcurl: curl_easy_init failed");
		goto out;
	}
	cb_buf_init(&m->resp, m->cfg->max_response);
	*out = m;
	m = NULL;
	rc = CB_OK;
out:
	cb_mkt_free(m);
	return rc;
}

void
cb_mkt_free(cb_mkt *m)
{
	if (m == NULL)
		return;
	if (m->curl != NULL)
		curl_easy_cleanup(m->curl);
	cb_buf_reset(&m->resp);
	cb_mkt_config_free(m->cfg);
	free(m);
}

const cb_mkt_config *
cb_mkt_config_get(const cb_mkt *m)
{
	return m != NULL ? m->cfg : NULL;
}

void
cb_mkt_set_log(cb_mkt *m, cb_mkt_log_fn fn, void *payload)
{
	m->log = fn;
	m->log_payload = payload;
}

void
cb_mkt_set_gate(cb_mkt *m, cb_mkt_gate_fn fn, void *payload)
{
	m->gate = fn;
	m->gate_payload = payload;
}

void
cb_mkt_set_clock(cb_mkt *m, cb_mkt_clock_fn fn, void *payload)
{
	m->clock = fn;
	m->clock_payload = payload;
}

/* ------------------------------------------------------------------ */
/* redacting log */

void
cb_mkt_redact(const cb_mkt *m, char *out, size_t size, const char *text)
{
	static const char param[] = "access_token=";
	const char *secrets[2] = { NULL, NULL };
	size_t o = 0, k, sl;

	if (size == 0)
		return;
	if (m != NULL) {
		secrets[0] = m->cfg->app_secret;
		secrets[1] = m->cfg->access_token;
	}
	while (*text != '\0' && o + 1 < size) {
		const char *mask = NULL;
		size_t skip = 0;

		for (k = 0; k < 2 && mask == NULL; k++) {
			if (secrets[k] == NULL || (sl = strlen(secrets[k])) == 0)
				continue;
			if (strncmp(text, secrets[k], sl) == 0) {
				mask = "***";
				skip = sl;
			}
		}
		if (mask == NULL && strncmp(text, param, sizeof(param) - 1) == 0) {
			mask = "access_token=***";
			skip = sizeof(param) - 1;
			while (text[skip] != '\0' && text[skip] != '&' && text[skip] != ' ')
				skip++;
		}
		if (mask != NULL) {
			for (k = 0; mask[k] != '\0' && o + 1 < size; k++)
				out[o++] = mask[k];
			text += skip;
		} else {
			out[o++] = *text++;
		}
	}
	out[o] = '\0';
}

static void
mlog(cb_mkt *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
mlog(cb_mkt *m, const char *fmt, ...)
{
	char raw[2048], safe[2048];
	va_list ap;

	if (m->log == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	cb_mkt_redact(m, safe, sizeof(safe), raw);
	cb_mkt__wipe(raw, sizeof(raw));
	m->log(m->log_payload, safe);
}

/* ------------------------------------------------------------------ */
/* errors */

static int
set_err(cb_mkt_error *err, cb_mkt_kind kind, cb_mkt_outcome outcome, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
set_err(cb_mkt_error *err, cb_mkt_kind kind, cb_mkt_outcome outcome, const char *code,
    const char *fmt, ...)
{
	va_list ap;

	err->kind = kind;
	err->outcome = outcome;
	cb_mkt__copy(err->error_code, sizeof(err->error_code), code);
	va_start(ap, fmt);
	(void)vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return kind == CB_MKT_E_LOCAL ? CB_EINVAL : CB_ERROR;
}

/* Record the failure as this thread's message too, and return @rc. */
static int
report(const struct call *c, const cb_mkt_error *err, int rc)
{
	if (err->kind == CB_MKT_E_MARKET)
		return cb__fail(rc, "%s: marketplace error %s: %s%s%s%s", c->op, err->error_code,
		    err->message, err->request_id[0] ? " (request_id " : "",
		    err->request_id[0] ? err->request_id : "", err->request_id[0] ? ")" : "");
	return cb__fail(rc, "%s: %s (%s; outcome %s)", c->op, err->message,
	    cb_mkt_kind_name(err->kind), cb_mkt_outcome_name(err->outcome));
}

/* ------------------------------------------------------------------ */
/* one HTTP exchange */

static size_t
on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	cb_buf *b = userp;
	size_t n;

	if (cb__size_mul(&n, size, nmemb) != 0 || cb_buf_add(b, data, n) != 0)
		return 0;	/* curl stops with CURLE_WRITE_ERROR */
	return n;
}

static int64_t
now_s(cb_mkt *m)
{
	return m->clock != NULL ? m->clock(m->clock_payload) : (int64_t)time(NULL);
}

/* Build the query string of @c with auth parameters and the signature
 * into @url (base + path + query). */
static int
build_url(cb_mkt *m, const struct call *c, cb_buf *url, cb_mkt_error *err)
{
	cb_mkt_param p[MAX_CALL_PARAMS + 6];
	char ts[32], sign[CB_MKT_SIGN_HEX + 1];
	const cb_mkt_config *cfg = m->cfg;
	int legacy = c->ep->legacy;
	size_t n = 0, i;
	char sep;
	int rc;

	for (i = 0; i < c->nparams; i++)
		p[n++] = c->params[i];
	snprintf(ts, sizeof(ts), "%" PRId64, now_s(m));
	p[n++] = (cb_mkt_param){ "app_key", cfg->app_key };
	p[n++] = (cb_mkt_param){ "timestamp", ts };
	if (legacy) {
		/* legacy: token and shop in the query, body not signed */
		p[n++] = (cb_mkt_param){ "shop_id", cfg->shop_id };
		p[n++] = (cb_mkt_param){ "access_token", cfg->access_token };
	} else if (c->ep->shop_scoped) {
		p[n++] = (cb_mkt_param){ "shop_cipher", cfg->shop_cipher };
	}
	if ((rc = cb_mkt_sign(sign, cfg->app_secret, c->ep->path, p, n,
	    legacy || !POST(c) ? NULL : (c->body ? c->body : ""), legacy || !POST(c) ? 0 : c->body_len)) != CB_OK)
		return set_err(err, CB_MKT_E_LOCAL, CB_MKT_NOT_SENT, "", "signing failed: %s", cb_errmsg());
	p[n++] = (cb_mkt_param){ "sign", sign };

	cb_buf_adds(url, cfg->base_url);
	cb_buf_adds(url, c->ep->path);
	for (i = 0, sep = '?'; i < n; i++) {
		char *esc;
		if (p[i].value == NULL || p[i].value[0] == '\0')
			continue;	/* dropped from the signature, so from the URL too */
		if ((esc = curl_easy_escape(m->curl, p[i].value, 0)) == NULL)
			return set_err(err, CB_MKT_E_LOCAL, CB_MKT_NOT_SENT, "", "out of memory");
		cb_buf_printf(url, "%c%s=%s", sep, p[i].key, esc);
		sep = '&';
		cb_mkt__wipe(esc, strlen(esc));
		curl_free(esc);
	}
	if (url->failed)
		return set_err(err, CB_MKT_E_LOCAL, CB_MKT_NOT_SENT, "", "request URL too long or out of memory");
	return CB_OK;
}

/* Classify a libcurl failure.  What matters to the caller is whether the
 * request may have reached the marketplace: a failure before any byte was
 * sent is harmless to repeat, one after is not. */
static int
transport_error(cb_mkt *m, CURLcode cc, long sent, long elapsed_ms, cb_mkt_error *err)
{
	const char *detail = m->curl_err[0] ? m->curl_err : curl_easy_strerror(cc);
	cb_mkt_outcome sent_outcome = sent > 0 ? CB_MKT_UNKNOWN : CB_MKT_NOT_SENT;

	switch (cc) {
	case CURLE_OPERATION_TIMEDOUT:
		if (sent > 0)
			return set_err(err, CB_MKT_E_TIMEOUT, CB_MKT_UNKNOWN, "TIMEOUT",
			    "no complete reply within %u ms (request sent; it may have taken effect)",
			    m->cfg->timeout_ms);
		return set_err(err, CB_MKT_E_CONNECT, CB_MKT_NOT_SENT, "CONNECT_FAILED",
		    "could not connect within %ld ms: %s (request not sent)", elapsed_ms, detail);
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		if (sent == 0)
			return set_err(err, CB_MKT_E_CONNECT, CB_MKT_NOT_SENT, "CONNECT_FAILED",
			    "could not connect: %s (request not sent)", detail);
		break;
	case CURLE_WRITE_ERROR:
		if (m->resp.failed && !m->resp.nomem)
			return set_err(err, CB_MKT_E_TOOBIG, CB_MKT_UNKNOWN, "RESPONSE_TOO_LARGE",
			    "reply larger than %zu bytes (max_response_bytes)", m->cfg->max_response);
		if (m->resp.nomem)
			return set_err(err, CB_MKT_E_LOCAL, CB_MKT_UNKNOWN, "", "out of memory reading the reply");
		break;
	default:
		break;
	}
	return set_err(err, CB_MKT_E_DROPPED, sent_outcome, sent > 0 ? "CONNECTION_DROPPED" : "CONNECT_FAILED",
	    "connection failed %s: %s", sent > 0 ? "after the request was sent (it may have taken effect)"
	    : "before the request was sent", detail);
}

/* Classify a complete HTTP reply in m->resp; on success @env holds the envelope. */
static int
classify_reply(cb_mkt *m, long status, cb_mkt_envelope *env, cb_mkt_error *err)
{
	char why[256];
	int ok2xx = status >= 200 && status < 300;
	int rc;

	err->http_status = (int)status;
	rc = cb_mkt__envelope_parse(env, m->resp.p, m->resp.len, why, sizeof(why));
	if (rc == CB_ENOMEM)
		return set_err(err, CB_MKT_E_LOCAL, CB_MKT_UNKNOWN, "", "out of memory reading the reply");
	if (rc != CB_OK) {
		if (ok2xx)
			return set_err(err, CB_MKT_E_MALFORMED, CB_MKT_UNKNOWN, "MALFORMED_RESPONSE",
			    "HTTP %ld reply is not a marketplace envelope: %s", status, why);
		if (status >= 500)
			return set_err(err, CB_MKT_E_HTTP, CB_MKT_UNKNOWN, "HTTP_5XX",
			    "HTTP %ld without a marketplace envelope (%s)", status, why);
		return set_err(err, CB_MKT_E_HTTP, CB_MKT_ANSWERED, status == 429 ? "HTTP_429" : "HTTP_4XX",
		    "HTTP %ld without a marketplace envelope (%s)", status, why);
	}
	cb_mkt__copy(err->request_id, sizeof(err->request_id), env->request_id);
	if (env->code != 0) {
		char code[24];
		snprintf(code, sizeof(code), "%" PRId64, env->code);
		err->code = env->code;
		rc = set_err(err, CB_MKT_E_MARKET, CB_MKT_ANSWERED, code, "%s",
		    env->message[0] ? env->message : "(no message)");
		cb_mkt__envelope_free(env);
		return rc;
	}
	if (!ok2xx) {
		rc = set_err(err, CB_MKT_E_HTTP, status >= 500 ? CB_MKT_UNKNOWN : CB_MKT_ANSWERED,
		    status >= 500 ? "HTTP_5XX" : status == 429 ? "HTTP_429" : "HTTP_4XX",
		    "HTTP %ld with code 0: neither success nor a marketplace error", status);
		cb_mkt__envelope_free(env);
		return rc;
	}
	return CB_OK;
}

static void
free_headers(struct curl_slist *hdrs)
{
	struct curl_slist *h;

	for (h = hdrs; h != NULL; h = h->next)
		cb_mkt__wipe(h->data, strlen(h->data));
	curl_slist_free_all(hdrs);
}

/* The request headers of @c; NULL with @err filled when they cannot be made. */
static struct curl_slist *
headers(cb_mkt *m, const struct call *c, cb_mkt_error *err)
{
	struct curl_slist *hdrs, *h;
	char tok[512];

	hdrs = curl_slist_append(NULL, "Accept: application/json");
	if (hdrs != NULL && (h = curl_slist_append(hdrs, "Expect:")) != NULL)
		hdrs = h;
	if (hdrs != NULL && POST(c) && (h = curl_slist_append(hdrs, "Content-Type: application/json")) != NULL)
		hdrs = h;
	if (hdrs != NULL && !c->ep->legacy) {
		/* the current API takes the token in a header, never in the URL */
		if ((size_t)snprintf(tok, sizeof(tok), "x-tts-access-token: %s", m->cfg->access_token) >= sizeof(tok))
			h = NULL;
		else
			h = curl_slist_append(hdrs, tok);
		cb_mkt__wipe(tok, sizeof(tok));
		if (h == NULL) {
			free_headers(hdrs);
			set_err(err, CB_MKT_E_LOCAL, CB_MKT_NOT_SENT, "", "access token too long or out of memory");
			return NULL;
		}
		hdrs = h;
	}
	if (hdrs == NULL)
		set_err(err, CB_MKT_E_LOCAL, CB_MKT_NOT_SENT, "", "out of memory");
	return hdrs;
}

/* Point the handle at @url with @hdrs and @c's body; CB_OK or a local fault in @err. */
static int
set_options(cb_mkt *m, const struct call *c, const char *url, struct curl_slist *hdrs, cb_mkt_error *err)
{
	int post = POST(c);

	curl_easy_reset(m->curl);
	if (curl_easy_setopt(m->curl, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(m->curl, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(m->curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(m->curl, CURLOPT_TIMEOUT_MS, (long)m->cfg->timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(m->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)m->cfg->connect_timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(m->curl, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK ||
	    curl_easy_setopt(m->curl, CURLOPT_USERAGENT, "codebook/" CB_VERSION_STRING) != CURLE_OK ||
	    curl_easy_setopt(m->curl, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
	    curl_easy_setopt(m->curl, CURLOPT_WRITEDATA, &m->resp) != CURLE_OK ||
	    curl_easy_setopt(m->curl, CURLOPT_ERRORBUFFER, m->curl_err) != CURLE_OK ||
	    (post && (curl_easy_setopt(m->curl, CURLOPT_POSTFIELDS, c->body ? c->body : "") != CURLE_OK ||
	    curl_easy_setopt(m->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->body_len) != CURLE_OK)) ||
	    (!post && curl_easy_setopt(m->curl, CURLOPT_HTTPGET, 1L) != CURLE_OK) ||
	    (c->ep->once && (curl_easy_setopt(m->curl, CURLOPT_FRESH_CONNECT, 1L) != CURLE_OK ||
	    curl_easy_setopt(m->curl, CURLOPT_FORBID_REUSE, 1L) != CURLE_OK)))
		return set_err(err, CB_MKT_E_LOCAL, CB_MKT_NOT_SENT, "", "libcurl refused an option");
	return CB_OK;
}

/* Send the request the handle is set up for and classify what came back;
 * one log line either way. */
static int
perform(cb_mkt *m, const struct call *c, const char *url, cb_mkt_envelope *env, cb_mkt_error *err)
{
	const char *q = strchr(url, '?');
	long status = 0, sent = 0, ms;
	curl_off_t us = 0;
	CURLcode cc;
	int rc;

	cc = curl_easy_perform(m->curl);
	(void)curl_easy_getinfo(m->curl, CURLINFO_RESPONSE_CODE, &status);
	(void)curl_easy_getinfo(m->curl, CURLINFO_REQUEST_SIZE, &sent);
	(void)curl_easy_getinfo(m->curl, CURLINFO_TOTAL_TIME_T, &us);
	ms = (long)(us / 1000);
	if (cc != CURLE_OK) {
		rc = transport_error(m, cc, sent, ms, err);
		mlog(m, "%s %s%s -> %s: %s (%ld ms)", c->ep->method, c->ep->path, q ? q : "",
		    cb_mkt_kind_name(err->kind), err->message, ms);
		return rc;
	}
	if ((rc = classify_reply(m, status, env, err)) == CB_OK)
		mlog(m, "%s %s%s -> HTTP %ld, code 0, request_id %s (%ld ms)", c->ep->method, c->ep->path,
		    q ? q : "", status, env->request_id[0] ? env->request_id : "-", ms);
	else
		mlog(m, "%s %s%s -> HTTP %ld, %s %s: %s, request_id %s (%ld ms)", c->ep->method, c->ep->path,
		    q ? q : "", status, cb_mkt_kind_name(err->kind), err->error_code, err->message,
		    err->request_id[0] ? err->request_id : "-", ms);
	return rc;
}

/* One HTTP exchange of @c; the URL and headers, which hold secrets, are
 * wiped before they are freed. */
static int
exchange(cb_mkt *m, const struct call *c, cb_mkt_envelope *env, cb_mkt_error *err)
{
	cb_buf url = CB_BUF_INIT(16384);
	struct curl_slist *hdrs = NULL;
	int rc;

	cb_buf_clear(&m->resp);
	m->curl_err[0] = '\0';
	err->attempts++;
	if (m->gate != NULL)	/* before the URL is stamped: a wait must not age the timestamp */
		m->gate(m->gate_payload, c->ep->path, 0, NULL);
	if ((rc = build_url(m, c, &url, err)) != CB_OK)
		goto out;
	if ((hdrs = headers(m, c, err)) == NULL) {
		rc = err->kind == CB_MKT_E_LOCAL ? CB_EINVAL : CB_ERROR;
		goto out;
	}
	if ((rc = set_options(m, c, url.p, hdrs, err)) != CB_OK)
		goto out;
	rc = perform(m, c, url.p, env, err);
	if (m->gate != NULL)
		m->gate(m->gate_payload, c->ep->path, 1, rc == CB_OK ? NULL : err);
out:
	free_headers(hdrs);
	if (url.p != NULL)
		cb_mkt__wipe(url.p, url.len);
	cb_buf_reset(&url);
	return rc;
}

/* Run @c: one exchange, and a second after a timestamp fault. */
static int
run(cb_mkt *m, const struct call *c, cb_mkt_envelope *env, cb_mkt_error *err)
{
	int rc;

	memset(env, 0, sizeof(*env));
	rc = exchange(m, c, env, err);
	if (rc != CB_OK && err->kind == CB_MKT_E_MARKET && err->code == CODE_BAD_REQUEST &&
	    strcasestr(err->message, "timestamp") != NULL) {
		mlog(m, "%s: timestamp refused (%s): re-stamping and sending once more", c->op, err->message);
		memset(err, 0, offsetof(cb_mkt_error, attempts));
		rc = exchange(m, c, env, err);
	}
	if (rc != CB_OK)
		return report(c, err, rc);
	return CB_OK;
}

/* Parse failure of a successful envelope's data: the call succeeded, but
 * what it did cannot be read, so its effect is unknown. */
static int
data_error(const struct call *c, cb_mkt_error *err, int prc, const char *why)
{
	int rc;

	if (prc == CB_ENOMEM)
		rc = set_err(err, CB_MKT_E_LOCAL, CB_MKT_UNKNOWN, "", "out of memory reading the reply");
	else
		rc = set_err(err, CB_MKT_E_MALFORMED, CB_MKT_UNKNOWN, "MALFORMED_RESPONSE",
		    "successful reply without the expected data: %s", why);
	return report(c, err, rc);
}

static cb_mkt_error *
err_init(cb_mkt_error *err, cb_mkt_error *local)
{
	if (err == NULL)
		err = local;
	memset(err, 0, sizeof(*err));
	return err;
}

/* An id or key from the caller: printable, no spaces, bounded. */
static int
arg_ok(const char *s, size_t max)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || i >= max)
			return 0;
	return 1;
}

static int
local_fail(const char *op, cb_mkt_error *err, const char *what)
{
	set_err(err, CB_MKT_E_LOCAL, CB_MKT_NOT_SENT, "", "%s", what);
	return cb__fail(CB_EINVAL, "%s: %s", op, what);
}

/* ------------------------------------------------------------------ */
/* operations */

int
cb_mkt_reverse_reasons(cb_mkt_reasons **out, cb_mkt *m, int action_type, int reason_type,
    cb_mkt_error *err)
{
	cb_mkt_error local;
	cb_mkt_envelope env;
	struct call c = { .op = "reverse reasons", .ep = cb_mkt_endpoint_get(CB_MKT_EP_REASONS) };
	char at[8], rt[8], why[256];
	int rc;

	err = err_init(err, &local);
	if (out == NULL || m == NULL)
		return local_fail(c.op, err, "NULL argument");
	*out = NULL;
	if (action_type < 0 || action_type > 4 || reason_type < 0 || reason_type > 3)
		return local_fail(c.op, err, "reverse_action_type is 1..4 and reason_type 1..3 (0: omit)");
	if (action_type > 0) {
		snprintf(at, sizeof(at), "%d", action_type);
		c.params[c.nparams++] = (cb_mkt_param){ "reverse_action_type", at };
	}
	if (reason_type > 0) {
		snprintf(rt, sizeof(rt), "%d", reason_type);
		c.params[c.nparams++] = (cb_mkt_param){ "reason_type", rt };
	}
	if ((rc = run(m, &c, &env, err)) != CB_OK)
		return rc;
	if ((rc = cb_mkt__parse_reasons(out, &env, why, sizeof(why))) != CB_OK)
		rc = data_error(&c, err, rc, why);
	cb_mkt__envelope_free(&env);
	return rc;
}

int
cb_mkt_cancel_legacy(cb_mkt_cancel_result *out, cb_mkt *m, const char *order_id,
    const char *cancel_reason_key, cb_mkt_error *err)
{
	cb_mkt_error local;
	cb_mkt_envelope env;
	cb_buf body = CB_BUF_INIT(CB_MAX_MARKET_REQUEST);
	cb_jw w;
	char op[192], why[256];
	struct call c = { .ep = cb_mkt_endpoint_get(CB_MKT_EP_CANCEL_LEGACY) };
	int rc;

	err = err_init(err, &local);
	snprintf(op, sizeof(op), "cancel order %.128s (legacy)", order_id ? order_id : "(null)");
	c.op = op;
	if (out == NULL || m == NULL)
		return local_fail(op, err, "NULL argument");
	memset(out, 0, sizeof(*out));
	if (!arg_ok(order_id, 127))
		return local_fail(op, err, "order_id: expected 1 to 127 printable characters without spaces");
	if (!arg_ok(cancel_reason_key, 255))
		return local_fail(op, err, "cancel_reason_key: expected 1 to 255 printable characters without spaces");
	cb_jw_init(&w, &body, 0);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "cancel_reason_key", cancel_reason_key);
	cb_jw_kstr(&w, "order_id", order_id);
	cb_jw_obj_end(&w);
	if (body.failed) {
		cb_buf_reset(&body);
		return local_fail(op, err, "out of memory");
	}
	c.body = body.p;
	c.body_len = body.len;
	if ((rc = run(m, &c, &env, err)) == CB_OK) {
		if ((rc = cb_mkt__parse_cancel_legacy(out, &env, why, sizeof(why))) != CB_OK)
			rc = data_error(&c, err, rc, why);
		cb_mkt__envelope_free(&env);
	}
	cb_buf_reset(&body);
	return rc;
}

int
cb_mkt_cancel_current(cb_mkt_cancel_result *out, cb_mkt *m, const cb_mkt_cancel_req *req,
    cb_mkt_error *err)
{
	cb_mkt_error local;
	cb_mkt_envelope env;
	cb_buf body = CB_BUF_INIT(CB_MAX_MARKET_REQUEST);
	cb_jw w;
	char op[192], why[256];
	struct call c = { .ep = cb_mkt_endpoint_get(CB_MKT_EP_CANCEL) };
	size_t i;
	int rc;

	err = err_init(err, &local);
	snprintf(op, sizeof(op), "cancel order %.128s", req && req->order_id ? req->order_id : "(null)");
	c.op = op;
	if (out == NULL || m == NULL || req == NULL || (req->skus == NULL && req->nskus > 0) ||
	    (req->line_item_ids == NULL && req->nline_item_ids > 0))
		return local_fail(op, err, "NULL argument");
	memset(out, 0, sizeof(*out));
	if (!arg_ok(req->order_id, 127))
		return local_fail(op, err, "order_id: expected 1 to 127 printable characters without spaces");
	if (!arg_ok(req->cancel_reason, 255))
		return local_fail(op, err, "cancel_reason: expected 1 to 255 printable characters without spaces");
	if (req->nskus > CB_MAX_MARKET_ITEMS || req->nline_item_ids > CB_MAX_MARKET_ITEMS)
		return local_fail(op, err, "too many skus or order_line_item_ids");
	cb_jw_init(&w, &body, 0);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "order_id", req->order_id);
	cb_jw_kstr(&w, "cancel_reason", req->cancel_reason);
	if (req->nskus > 0) {
		cb_jw_key(&w, "skus");
		cb_jw_arr_begin(&w);
		for (i = 0; i < req->nskus; i++) {
			if (!arg_ok(req->skus[i].sku_id, 127) || req->skus[i].quantity == 0) {
				cb_buf_reset(&body);
				return local_fail(op, err, "skus: each needs a sku_id and a quantity of at least 1");
			}
			cb_jw_obj_begin(&w);
			cb_jw_kstr(&w, "sku_id", req->skus[i].sku_id);
			cb_jw_kint(&w, "quantity", (long long)req->skus[i].quantity);
			cb_jw_obj_end(&w);
		}
		cb_jw_arr_end(&w);
	}
	if (req->nline_item_ids > 0) {
		cb_jw_key(&w, "order_line_item_ids");
		cb_jw_arr_begin(&w);
		for (i = 0; i < req->nline_item_ids; i++) {
			if (!arg_ok(req->line_item_ids[i], 127)) {
				cb_buf_reset(&body);
				return local_fail(op, err, "order_line_item_ids: expected ids without spaces");
			}
			cb_jw_str(&w, req->line_item_ids[i]);
		}
		cb_jw_arr_end(&w);
	}
	cb_jw_obj_end(&w);
	if (body.failed) {
		cb_buf_reset(&body);
		return local_fail(op, err, "request body too large or out of memory");
	}
	/* serialised once: these exact bytes are signed and sent */
	c.body = body.p;
	c.body_len = body.len;
	if ((rc = run(m, &c, &env, err)) == CB_OK) {
		if ((rc = cb_mkt__parse_cancel_current(out, &env, why, sizeof(why))) != CB_OK)
			rc = data_error(&c, err, rc, why);
		cb_mkt__envelope_free(&env);
	}
	cb_buf_reset(&body);
	return rc;
}

int
cb_mkt_cancel_order(cb_mkt_cancel_result *out, cb_mkt *m, const char *order_id,
    const char *reason_key, cb_mkt_error *err)
{
	cb_mkt_cancel_req req = { order_id, reason_key, NULL, 0, NULL, 0 };
	cb_mkt_error local;

	if (m == NULL) {
		err = err_init(err, &local);
		return local_fail("cancel order", err, "NULL argument");
	}
	if (m->cfg->api == CB_MKT_API_LEGACY)
		return cb_mkt_cancel_legacy(out, m, order_id, reason_key, err);
	return cb_mkt_cancel_current(out, m, &req, err);
}

static void
jw_str_list(cb_jw *w, const char *key, const char *const *v, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	cb_jw_key(w, key);
	cb_jw_arr_begin(w);
	for (i = 0; i < n; i++)
		cb_jw_str(w, v[i]);
	cb_jw_arr_end(w);
}

static int
list_ok(const char *const *v, size_t n)
{
	size_t i;

	if (v == NULL && n > 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!arg_ok(v[i], 127))
			return 0;
	return n <= CB_MAX_MARKET_ITEMS;
}

int
cb_mkt_search_cancellations(cb_mkt_cancellations **out, cb_mkt *m,
    const cb_mkt_cancel_query *q, cb_mkt_error *err)
{
	static const cb_mkt_cancel_query none = { NULL, 0, NULL, 0, NULL, 0, 0, NULL };
	cb_mkt_error local;
	cb_mkt_envelope env;
	cb_buf body = CB_BUF_INIT(CB_MAX_MARKET_REQUEST);
	cb_jw w;
	char ps[16], why[256];
	struct call c = { .op = "search cancellations", .ep = cb_mkt_endpoint_get(CB_MKT_EP_SEARCH) };
	int rc;

	err = err_init(err, &local);
	if (out == NULL || m == NULL)
		return local_fail(c.op, err, "NULL argument");
	*out = NULL;
	if (q == NULL)
		q = &none;
	if (!list_ok(q->order_ids, q->norder_ids) || !list_ok(q->cancel_ids, q->ncancel_ids) ||
	    !list_ok(q->statuses, q->nstatuses))
		return local_fail(c.op, err, "filters: expected ids and statuses without spaces");
	if (q->page_size > 100)
		return local_fail(c.op, err, "page_size: 1..100 (0: 50)");
	if (q->page_token != NULL && q->page_token[0] != '\0' && !arg_ok(q->page_token, 1024))
		return local_fail(c.op, err, "page_token: expected printable characters without spaces");
	snprintf(ps, sizeof(ps), "%u", q->page_size ? q->page_size : 50);
	c.params[c.nparams++] = (cb_mkt_param){ "page_size", ps };
	if (q->page_token != NULL && q->page_token[0] != '\0')
		c.params[c.nparams++] = (cb_mkt_param){ "page_token", q->page_token };
	cb_jw_init(&w, &body, 0);
	cb_jw_obj_begin(&w);
	jw_str_list(&w, "order_ids", q->order_ids, q->norder_ids);
	jw_str_list(&w, "cancel_ids", q->cancel_ids, q->ncancel_ids);
	jw_str_list(&w, "cancel_status", q->statuses, q->nstatuses);
	cb_jw_obj_end(&w);
	if (body.failed) {
		cb_buf_reset(&body);
		return local_fail(c.op, err, "request body too large or out of memory");
	}
	c.body = body.p;
	c.body_len = body.len;
	if ((rc = run(m, &c, &env, err)) == CB_OK) {
		if ((rc = cb_mkt__parse_cancellations(out, &env, why, sizeof(why))) != CB_OK)
			rc = data_error(&c, err, rc, why);
		cb_mkt__envelope_free(&env);
	}
	cb_buf_reset(&body);
	return rc;
}

int
cb_mkt_get_orders(cb_mkt_orders **out, cb_mkt *m, const char *const *ids, size_t nids,
    cb_mkt_error *err)
{
	cb_mkt_error local;
	cb_mkt_envelope env;
	cb_buf joined = CB_BUF_INIT(CB_MKT_MAX_ORDER_IDS * 130);
	struct call c = { .op = "order detail", .ep = cb_mkt_endpoint_get(CB_MKT_EP_ORDERS) };
	char why[256];
	size_t i;
	int rc;

	err = err_init(err, &local);
	if (out == NULL || m == NULL)
		return local_fail(c.op, err, "NULL argument");
	*out = NULL;
	if (nids == 0 || nids > CB_MKT_MAX_ORDER_IDS || !list_ok(ids, nids))
		return local_fail(c.op, err, "ids: 1 to 50 order ids without spaces");
	if (m->cfg->shop_cipher == NULL)
		return local_fail(c.op, err, "order detail is a 202309 API call: the shop needs shop_cipher");
	for (i = 0; i < nids; i++) {
		if (strchr(ids[i], ',') != NULL) {
			cb_buf_reset(&joined);
			return local_fail(c.op, err, "ids: an order id cannot contain ','");
		}
		cb_buf_printf(&joined, "%s%s", i ? "," : "", ids[i]);
	}
	if (joined.failed) {
		cb_buf_reset(&joined);
		return local_fail(c.op, err, "out of memory");
	}
	c.params[c.nparams++] = (cb_mkt_param){ "ids", joined.p };
	if ((rc = run(m, &c, &env, err)) == CB_OK) {
		if ((rc = cb_mkt__parse_orders(out, &env, why, sizeof(why))) != CB_OK)
			rc = data_error(&c, err, rc, why);
		cb_mkt__envelope_free(&env);
	}
	cb_buf_reset(&joined);
	return rc;
}

int
cb_mkt_authorized_shops(cb_mkt_shops **out, cb_mkt *m, cb_mkt_error *err)
{
	cb_mkt_error local;
	cb_mkt_envelope env;
	struct call c = { .op = "authorized shops", .ep = cb_mkt_endpoint_get(CB_MKT_EP_SHOPS) };
	char why[256];
	int rc;

	err = err_init(err, &local);
	if (out == NULL || m == NULL)
		return local_fail(c.op, err, "NULL argument");
	*out = NULL;
	if ((rc = run(m, &c, &env, err)) != CB_OK)
		return rc;
	if ((rc = cb_mkt__parse_shops(out, &env, why, sizeof(why))) != CB_OK)
		rc = data_error(&c, err, rc, why);
	cb_mkt__envelope_free(&env);
	return rc;
}

/* The shop of @m's configuration in @s: by cipher, else by id, else the
 * only one; NULL when none matches. */
static const cb_mkt_shop *
own_shop(const cb_mkt *m, const cb_mkt_shops *s)
{
	const cb_mkt_config *cfg = m->cfg;
	size_t i;

	for (i = 0; i < s->n; i++)
		if ((cfg->shop_cipher != NULL && strcmp(s->items[i].cipher, cfg->shop_cipher) == 0) ||
		    (cfg->shop_cipher == NULL && cfg->shop_id != NULL && strcmp(s->items[i].id, cfg->shop_id) == 0))
			return &s->items[i];
	return cfg->shop_cipher == NULL && cfg->shop_id == NULL && s->n == 1 ? &s->items[0] : NULL;
}

int
cb_mkt_shop_market(char out[3], cb_mkt *m, cb_mkt_error *err)
{
	cb_mkt_error local;
	cb_mkt_shops *s = NULL;
	const cb_mkt_shop *own;
	int rc;

	err = err_init(err, &local);
	if (out == NULL || m == NULL)
		return local_fail("shop market", err, "NULL argument");
	out[0] = '\0';
	if (m->cfg->market != NULL) {
		cb_mkt__copy(out, 3, m->cfg->market);
		return CB_OK;
	}
	if (m->market[0] != '\0') {
		memcpy(out, m->market, 3);
		return CB_OK;
	}
	if ((rc = cb_mkt_authorized_shops(&s, m, err)) != CB_OK)
		return rc;
	if ((own = own_shop(m, s)) == NULL)
		rc = cb__fail(CB_ENOTFOUND, "the marketplace lists %zu authorized shop%s, none with this shop's %s: "
		    "set market in its configuration", s->n, s->n == 1 ? "" : "s",
		    m->cfg->shop_cipher != NULL ? "shop_cipher" : "shop_id");
	else if (!cb_market_check(own->region, strlen(own->region)))
		rc = cb__fail(CB_ENOTFOUND, "the marketplace gives shop %s the region \"%.16s\", not a market code "
		    "of two letters A-Z: set market in its configuration", own->id, own->region);
	else {
		memcpy(m->market, own->region, 3);
		memcpy(out, own->region, 3);
		rc = CB_OK;
	}
	cb_mkt_shops_free(s);
	return rc;
}
