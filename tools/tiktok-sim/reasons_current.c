/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reasons_current.c - the cancel reasons of the current API (202309) that
 * this simulator's market accepts.  MARKETPLACE.md: the current API's
 * reason names differ from the legacy keys and by market, and no public
 * endpoint lists them.  Until a list is given (POST /__admin/cancel-reasons
 * {"market": "GB", "reasons": [...]}) any non-empty reason is accepted, as
 * before; once given, a reason not in it (a legacy key sent to the
 * current API, another market's name) is refused with 36009004, so a
 * mix-up fails a test instead of passing unnoticed.
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cb_limits.h"
#include "json_shim.h"

#define MAX_REASONS 256

struct sim_current_reasons {
	char   market[3];
	char  *names[MAX_REASONS];
	size_t n;
};

void
sim_current_reasons_free(struct sim *s)
{
	size_t i;

	if (s->current == NULL)
		return;
	for (i = 0; i < s->current->n; i++)
		free(s->current->names[i]);
	free(s->current);
	s->current = NULL;
}

/* The simulator's market: the configuration's, else GB (as the shops route says). */
static const char *
market_of(const struct sim *s)
{
	return s->cfg->market != NULL ? s->cfg->market : "GB";
}

int
sim_current_reason_ok(struct sim *s, const char *reason, char *why, size_t whylen)
{
	size_t i;

	if (s->current == NULL)
		return 0;
	for (i = 0; i < s->current->n; i++)
		if (strcmp(s->current->names[i], reason) == 0)
			return 0;
	(void)snprintf(why, whylen, "invalid parameter: cancel_reason %s is not a cancel reason of API version "
	    "202309 in market %s", reason, s->current->market);
	return -1;
}

/* Replace the list from @d's "reasons" (strings); 0 or -1 with @why. */
static int
load_names(struct sim_current_reasons *cr, cb_json_doc *d, const cb_json_node *arr, char *why, size_t whylen)
{
	const cb_json_node *it;

	for (it = cb_json_child(d, arr); it != NULL; it = cb_json_next(d, it)) {
		if (it->type != CB_JSON_STRING || it->str_len == 0 || it->str_len > 255 || cr->n == MAX_REASONS) {
			(void)snprintf(why, whylen, "reasons: 1 to %d strings of 1 to 255 bytes", MAX_REASONS);
			return -1;
		}
		if ((cr->names[cr->n] = cb__strndup(it->str, it->str_len)) == NULL) {
			(void)snprintf(why, whylen, "out of memory");
			return -1;
		}
		cr->n++;
	}
	return 0;
}

int
sim_current_reasons_set(struct sim *s, const char *body, size_t len, char *why, size_t whylen)
{
	struct sim_current_reasons *cr = NULL;
	cb_json_doc *d = NULL;
	cb_json_error jerr;
	const cb_json_node *m, *arr;
	int rc = -1;

	if (cb_json_parse(&d, body, len, CB_MAX_JSON_DEPTH, &jerr) != 0 || cb_json_root(d)->type != CB_JSON_OBJECT ||
	    (m = cb_json_get(d, cb_json_root(d), "market")) == NULL || m->type != CB_JSON_STRING ||
	    (arr = cb_json_get(d, cb_json_root(d), "reasons")) == NULL || arr->type != CB_JSON_ARRAY) {
		(void)snprintf(why, whylen, "expected {\"market\": \"GB\", \"reasons\": [NAME, ...]}");
		goto out;
	}
	if (strcmp(m->str, market_of(s)) != 0) {
		(void)snprintf(why, whylen, "market: this simulator is market %s (one simulator per market)", market_of(s));
		goto out;
	}
	if ((cr = cb__calloc(1, sizeof(*cr))) == NULL) {
		(void)snprintf(why, whylen, "out of memory");
		goto out;
	}
	(void)snprintf(cr->market, sizeof(cr->market), "%s", market_of(s));
	if (load_names(cr, d, arr, why, whylen) != 0)
		goto out;
	sim_current_reasons_free(s);
	s->current = cr;
	cr = NULL;
	rc = (int)s->current->n;
out:
	if (cr != NULL) {
		struct sim tmp;
		tmp.current = cr;
		sim_current_reasons_free(&tmp);
	}
	cb_json_free(d);
	return rc;
}
