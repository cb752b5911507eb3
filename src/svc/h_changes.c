/* SPDX-License-Identifier: Apache-2.0 */
/*
 * h_changes.c - GET /v1/code-sets/{set}/changes?since=N: the change feed
 * (issue 13).  Each published version after N is compared with the one
 * before by cb_diff(), the gate's own rules; the findings that change a
 * code (cb_change_of_rule()) become one item each, with the entry as that
 * version has it, so that a client cache updates code by code.  The
 * answer depends only on N and the current version: its ETag names both.
 */
#include "svc_int.h"

#include <stdio.h>
#include <string.h>

#include "view.h"

/* Versions compared in one answer: a client far behind pages on with
 * since = the answer's version. */
#define FEED_MAX_VERSIONS 64

/* Version @version of set @name from the store, loaded; NULL after a problem. */
static cb_codeset *
stored(struct svc_req *r, const char *name, int version)
{
	cb_store_setver v;
	cb_codeset *cs = NULL;
	char origin[128];
	int rc = cb_store_set_get(r->svc->store, name, version, &v);

	if (rc == CB_ENOTFOUND) {
		svc_problem(r, P_NOT_FOUND, "version %d of %s was never published here", version, name);
		return NULL;
	}
	if (rc != CB_OK) {
		svc_problem(r, P_INTERNAL, "%s", cb_errmsg());
		return NULL;
	}
	(void)snprintf(origin, sizeof(origin), "%s v%d (stored)", name, version);
	if (cb_codeset_load_buffer(&cs, v.body, v.body_len, origin) != CB_OK) {
		svc_problem(r, P_INTERNAL, "%s", cb_errmsg());
		cs = NULL;
	}
	cb_store_setver_clear(&v);
	return cs;
}

/* The items of versions since + 1 .. @until into @w; -1 after a problem. */
static int
write_feed(struct svc_req *r, cb_jw *w, const char *name, int since, int until, size_t *n)
{
	cb_codeset *prev = stored(r, name, since), *cur = NULL;
	cb_report *rep = NULL;
	int v, rc = 0;

	if (prev == NULL)
		return -1;
	for (v = since + 1; v <= until && rc == 0; v++) {
		if ((cur = stored(r, name, v)) == NULL) {
			rc = -1;
			break;
		}
		if (cb_diff(&rep, prev, cur) != CB_OK) {
			svc_problem(r, P_INTERNAL, "%s", cb_errmsg());
			rc = -1;
		} else {
			*n += cb_view_changes(w, rep, cur);
		}
		cb_report_free(rep);
		rep = NULL;
		cb_codeset_free(prev);
		prev = cur;
	}
	cb_codeset_free(prev);
	return rc;
}

void
h_set_changes(struct svc_req *r)
{
	struct svc_set *set = svc_req_set(r);
	const char *name;
	char etag[160];
	int since, latest, until;
	size_t n = 0;
	cb_jw w;

	if (set == NULL)
		return;
	name = cb_codeset_name(set->cs);
	latest = cb_codeset_version(set->cs);
	if (r->q[0].s == NULL) {
		svc_bad_param(r, "since", "give since=N, the version the client holds (the feed lists what "
		    "changed after it)");
		return;
	}
	since = (int)r->q[0].u;
	if (since > latest) {
		svc_bad_param(r, "since", "since=%d is after %s's current version %d", since, name, latest);
		return;
	}
	until = latest - since > FEED_MAX_VERSIONS ? since + FEED_MAX_VERSIONS : latest;
	/* the set's ETag is "sha256:..." of the current version: with since, the feed's */
	(void)snprintf(etag, sizeof(etag), "\"since-%d-v%d-%.*s\"", since, until,
	    (int)(strlen(set->etag) > 2 ? strlen(set->etag) - 2 : 0), set->etag + 1);
	svc_req_header(r, "ETag", "%s", etag);
	svc_req_header(r, "Cache-Control", "no-cache");
	if (svc_etag_match(r->if_none_match, etag)) {
		svc_not_modified(r, 0);
		return;
	}
	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "set", name);
	cb_jw_kint(&w, "since", since);
	cb_jw_kint(&w, "version", until);
	cb_jw_kbool(&w, "more", until < latest);
	cb_jw_key(&w, "changes");
	cb_jw_arr_begin(&w);
	if (write_feed(r, &w, name, since, until, &n) != 0)
		return;
	cb_jw_arr_end(&w);
	cb_jw_kint(&w, "count", (long long)n);
	cb_jw_obj_end(&w);
	svc_json(r, 200);
}
