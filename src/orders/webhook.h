/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webhook.h - notifications the marketplace sends (webhooks, issue 12):
 * read (a pure parser of outside input, fuzzed by fuzz/fuzz_webhook.c),
 * checked (the signature, in constant time, with the app secret of the
 * shop's configuration; a stale timestamp), stored once per
 * tts_notification_id, and applied to the orders and refunds codebook
 * holds.  docs/marketplace.md says what each type changes.  It knows
 * nothing of HTTP: the service's handler (src/svc/h_webhooks.c) turns an
 * outcome into a response.
 */
#ifndef CB_ORDERS_WEBHOOK_H
#define CB_ORDERS_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "../store/store.h"

#define CB_HOOK_ORDER_STATUS  1	 /* data: order_id, order_status, update_time */
#define CB_HOOK_CANCELLATION 11	 /* data: order_id, cancellation_id, cancellation_status, cancel_user ... */
#define CB_HOOK_MAX_SKEW_S  300	 /* a notification stamped further from now is refused (a replay) */
#define CB_HOOK_ID_MAX      128

/* A notification as read; strings are "" when absent. */
typedef struct {
	int64_t type;
	char    id[CB_HOOK_ID_MAX + 1];        /* tts_notification_id */
	char    shop_id[CB_HOOK_ID_MAX + 1];
	int64_t timestamp;
	char    order_id[CB_HOOK_ID_MAX + 1];
	char    order_status[48];
	char    cancellation_id[CB_HOOK_ID_MAX + 1];
	char    cancellation_status[64];
	char    cancel_reason[256];
	char    cancel_user[32];
	int64_t update_time;                   /* 0 when absent */
} cb_hook;

/*
 * Read notification @body: a JSON object with type (integer),
 * tts_notification_id (1 to 128 printable characters), shop_id (a string
 * or an integer), timestamp (integer) and data (object); for types 1 and
 * 11 the members of data codebook acts on, checked the same way.  Members
 * codebook does not use are allowed.
 * @return CB_OK; CB_EPARSE with @why naming the member that is wrong.
 */
int cb_hook_parse(cb_hook *out, const char *body, size_t len, char *why, size_t whylen);

typedef enum {
	CB_HOOK_APPLIED = 0,   /* stored, and it changed an order or a refund */
	CB_HOOK_IGNORED,       /* stored; nothing to change (detail says why) */
	CB_HOOK_DUPLICATE,     /* stored before: nothing done */
	CB_HOOK_MALFORMED,     /* not a notification: nothing stored */
	CB_HOOK_BAD_SIGNATURE, /* Authorization missing or wrong: nothing stored */
	CB_HOOK_STALE,         /* timestamp too far from now: nothing stored */
	CB_HOOK_NO_SECRET      /* no app secret is configured for the shop: nothing stored */
} cb_hook_outcome;

/* "applied", "ignored", "duplicate", ... */
const char *cb_hook_outcome_name(cb_hook_outcome o);

typedef struct {
	cb_hook_outcome outcome;
	cb_hook         hook;        /* as read (when not malformed) */
	char            detail[768];
} cb_hook_result;

typedef struct {
	cb_store          *store;
	const char        *market_config;  /* the shops' file: the app key and secret of a shop the store lacks */
	const char *const *market_env;     /* CB_TIKTOK_<KEY> overrides; NULL: none */
	int64_t            now_s;          /* Unix seconds */
} cb_hook_opts;

/*
 * Receive one notification: read it, check its signature @authorization
 * (the Authorization header, NULL when absent) and its timestamp, skip it
 * when its id is stored, apply it, store it.  Applying is idempotent and
 * done before storing, so a failure in between is repaired by the
 * marketplace's retry.
 * @return CB_OK with @res; a storage error (nothing or part applied: the
 *         marketplace retries a delivery that was not answered 2xx).
 */
int cb_hook_receive(cb_hook_result *res, const cb_hook_opts *o, const char *authorization, const char *body,
    size_t len);

#endif
