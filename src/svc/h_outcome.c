/* SPDX-License-Identifier: Apache-2.0 */
/*
 * h_outcome.c - POST /v1/orders/{id}/refunds/{payment}/outcome (issue 12):
 * a person who looked on the marketplace says what became of a refund
 * whose outcome the worker could not learn (status Unknown): the order was
 * cancelled (the refund Completes, with the marketplace's cancel id when
 * given) or it was not (the refund ends Error with the person's note).
 * The API key is required (a write), and its name is recorded as who said
 * so.  The refund is settled by cb_outcome_observed(), the one function a
 * webhook calls too.
 */
#include "svc_int.h"

#include <stdio.h>
#include <string.h>

#include "cb_limits.h"
#include "items.h"
#include "json_shim.h"
#include "orders_limits.h"
#include "outcome.h"
#include "parse.h"

#define NOTE_MAX   500
#define CANCEL_MAX 128

struct outcome_body {
	int         cancelled;
	const char *cancel_id, *note;
};

/* 0, or -1 after a 400 naming what is wrong. */
static int
parse_body(struct svc_req *r, cb_json_doc *d, struct outcome_body *b)
{
	const cb_json_node *root = cb_json_root(d), *n;

	memset(b, 0, sizeof(*b));
	if (root->type != CB_JSON_OBJECT) {
		svc_problem(r, P_INVALID_REQUEST, "the body is a JSON object: {\"outcome\": \"cancelled\" or "
		    "\"not_cancelled\", \"cancel_id\": ..., \"note\": ...}");
		return -1;
	}
	for (n = cb_json_child(d, root); n != NULL; n = cb_json_next(d, n))
		if (strcmp(n->key, "outcome") != 0 && strcmp(n->key, "cancel_id") != 0 && strcmp(n->key, "note") != 0) {
			svc_problem(r, P_INVALID_REQUEST, "unknown member \"%.40s\" (outcome, cancel_id, note)", n->key);
			return -1;
		}
	n = cb_json_get(d, root, "outcome");
	if (n == NULL || n->type != CB_JSON_STRING ||
	    (strcmp(n->str, "cancelled") != 0 && strcmp(n->str, "not_cancelled") != 0)) {
		svc_problem(r, P_INVALID_REQUEST, "outcome is \"cancelled\" (TikTok Shop shows the order "
		    "cancelled) or \"not_cancelled\"");
		return -1;
	}
	b->cancelled = strcmp(n->str, "cancelled") == 0;
	if ((n = cb_json_get(d, root, "cancel_id")) != NULL) {
		if (n->type != CB_JSON_STRING || n->str_len == 0 || n->str_len > CANCEL_MAX || !b->cancelled) {
			svc_problem(r, P_INVALID_REQUEST, "cancel_id: the marketplace's cancel id, 1 to %d bytes, "
			    "with outcome \"cancelled\" only", CANCEL_MAX);
			return -1;
		}
		b->cancel_id = n->str;
	}
	if ((n = cb_json_get(d, root, "note")) != NULL) {
		if (n->type != CB_JSON_STRING || n->str_len > NOTE_MAX) {
			svc_problem(r, P_INVALID_REQUEST, "note: a string of at most %d bytes", NOTE_MAX);
			return -1;
		}
		b->note = n->str;
	}
	return 0;
}

/* The path's {id} and {payment}: 0, or -1 after a 404. */
static int
path_args(struct svc_req *r, char *id, size_t idsize, int64_t *payment)
{
	char num[24];
	size_t len, plen;
	const char *v = svc_match_get(&r->m, "id", &len), *p = svc_match_get(&r->m, "payment", &plen);
	uint64_t n;

	if (v == NULL || len == 0 || len >= idsize || p == NULL || plen == 0 || plen >= sizeof(num)) {
		svc_problem(r, P_NOT_FOUND, "no such order or refund");
		return -1;
	}
	memcpy(id, v, len);
	id[len] = '\0';
	memcpy(num, p, plen);
	num[plen] = '\0';
	if (cb_parse_u64(num, 1, INT64_MAX, &n) != 0) {
		svc_problem(r, P_NOT_FOUND, "a refund's id is a whole number from 1 (the order's payments list it)");
		return -1;
	}
	*payment = (int64_t)n;
	return 0;
}

static void
respond(struct svc_req *r, const char *id, int64_t pid, cb_pay_status st, const char *by)
{
	cb_jw w;

	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "order_id", id);
	cb_jw_kint(&w, "payment_id", pid);
	cb_jw_kstr(&w, "status", cb_pay_status_name(st));
	cb_jw_kstr(&w, "resolved_by", by);
	cb_jw_obj_end(&w);
	svc_json(r, 200);
}

void
h_refund_outcome(struct svc_req *r)
{
	char id[CB_ORD_MAX_ID + 1], by[CB_KEY_NAME_MAX + 8], why[512];
	struct outcome_body b;
	cb_outcome_obs o;
	cb_json_doc *d = NULL;
	cb_json_error jerr;
	struct svc_fault f;
	cb_pay_status st = CB_PAY_UNKNOWN;
	int64_t pid = 0;
	int rc;

	if (path_args(r, id, sizeof(id), &pid) != 0)
		return;
	memset(&jerr, 0, sizeof(jerr));
	if (cb_json_parse(&d, r->body.p, r->body.len, CB_MAX_JSON_DEPTH, &jerr) != 0) {
		memset(&f, 0, sizeof(f));
		svc_fault_set(&f, P_MALFORMED_JSON, r->body.p, r->body.len, (long)jerr.offset, NULL, "%s", jerr.message);
		svc_fault_respond(r, &f, 0);
		goto out;
	}
	if (parse_body(r, d, &b) != 0)
		goto out;
	(void)snprintf(by, sizeof(by), "key %s", r->key_name);
	o = (cb_outcome_obs){ id, pid, b.cancelled, b.cancel_id, b.note, by, 1 };
	rc = cb_outcome_observed(r->svc->store, &o, NULL, &st, why, sizeof(why));
	if (rc == CB_OK)
		respond(r, id, pid, st, by);
	else if (rc == CB_ENOTFOUND && why[0] != '\0')
		svc_problem(r, P_NOT_FOUND, "%s", why);
	else if (rc == CB_ECONFLICT) {
		cb_jw w;
		svc_problem_begin(r, &w, P_ORDER_CONFLICT, "%s; nothing was changed", why);
		cb_jw_kstr(&w, "order_id", id);
		cb_jw_kint(&w, "payment_id", pid);
		svc_problem_end(r, &w);
	}
	else
		svc_store_problem(r, rc, rc == CB_EUNKNOWN ? "the refund's outcome" : "nothing was changed");
out:
	cb_json_free(d);
}
