/* SPDX-License-Identifier: Apache-2.0 */
/*
 * h_webhooks.c - POST /v1/marketplaces/tiktok/webhooks: the notifications
 * TikTok Shop sends.  The route needs no API key (the marketplace has
 * none): the notification's signature is its credential, checked by the
 * orders domain (src/orders/webhook.c) with the shop's app secret.  Here:
 * the outcome as a response.  A refused notification gets a problem and
 * nothing is stored; one that was received before gets 200 again, so the
 * marketplace stops retrying it; a storage failure gets 503, so it does
 * not.
 */
#include "svc_int.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "webhook.h"

/* Notifications received, by outcome (the process's: one service per process). */
#define NOUTCOMES (CB_HOOK_NO_SECRET + 1)
static atomic_ulong received[NOUTCOMES];

void
svc_webhook_metrics(cb_buf *b)
{
	int i;

	cb_buf_adds(b, "# HELP codebook_webhooks_total TikTok Shop notifications received, by outcome (applied, "
	    "ignored, duplicate: answered 200; malformed, bad-signature, stale, no-secret: refused, nothing "
	    "stored).\n# TYPE codebook_webhooks_total counter\n");
	for (i = 0; i < NOUTCOMES; i++)
		cb_buf_printf(b, "codebook_webhooks_total{outcome=\"%s\"} %lu\n", cb_hook_outcome_name((cb_hook_outcome)i),
		    atomic_load(&received[i]));
}

void
h_webhook(struct svc_req *r)
{
	cb_hook_opts o = { r->svc->store, r->svc->opts.market_config, r->svc->opts.market_env, (int64_t)time(NULL) };
	cb_hook_result res;
	cb_jw w;
	int rc;

	rc = cb_hook_receive(&res, &o, r->authorization, r->body.p != NULL ? r->body.p : "", r->body.len);
	if (rc != CB_OK) {
		svc_store_problem(r, rc, rc == CB_EUNKNOWN ? "the notification" : "the notification was not stored");
		return;
	}
	atomic_fetch_add(&received[res.outcome], 1);
	switch (res.outcome) {
	case CB_HOOK_MALFORMED:
		svc_problem(r, P_INVALID_REQUEST, "not a TikTok Shop notification: %s", res.detail);
		return;
	case CB_HOOK_BAD_SIGNATURE:
	case CB_HOOK_STALE:
		svc_problem(r, P_UNAUTHORIZED, "notification refused, nothing stored: %s", res.detail);
		return;
	case CB_HOOK_NO_SECRET:
		svc_problem(r, P_MARKETPLACE_UNCONFIGURED, "notification not checked, nothing stored: %s", res.detail);
		return;
	case CB_HOOK_APPLIED:
	case CB_HOOK_IGNORED:
	case CB_HOOK_DUPLICATE:
		break;
	}
	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "notification_id", res.hook.id);
	cb_jw_kint(&w, "type", res.hook.type);
	cb_jw_kstr(&w, "outcome", cb_hook_outcome_name(res.outcome));
	cb_jw_kstr(&w, "detail", res.detail);
	cb_jw_obj_end(&w);
	svc_json(r, 200);
}
