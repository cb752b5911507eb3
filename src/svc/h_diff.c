/* SPDX-License-Identifier: Apache-2.0 */
/*
 * h_diff.c - GET /v1/code-sets/{set}/diff?from=N&to=M: the changes between
 * any two published versions of a set, judged by the governance gate's own
 * rules (cb_diff), breaking ones under their rule names.  The console's
 * governance view shows it; a version's own changes from the one before are
 * kept with it (GET .../versions), but a reader comparing v1 with v4 wants
 * the net change, which only the gate's rules can say.  Nothing is stored.
 */
#include "svc_int.h"

#include <stdio.h>
#include <string.h>

#include "view.h"

/* Version @v of @name from the store, loaded; 0, or -1 after a problem. */
static int
stored_version(struct svc_req *r, const char *name, const char *param, int v, int latest, cb_codeset **out)
{
	cb_store_setver sv;
	char origin[96];
	int rc;

	*out = NULL;
	rc = cb_store_set_get(r->svc->store, name, v, &sv);
	if (rc == CB_ENOTFOUND) {
		svc_bad_param(r, param, "%s=%d: version %d of %s was never published (the latest is %d)", param, v,
		    v, name, latest);
		return -1;
	}
	if (rc != CB_OK) {
		svc_store_problem(r, rc, "the stored version could not be read");
		return -1;
	}
	(void)snprintf(origin, sizeof(origin), "stored %.40s version %d", name, v);
	rc = cb_codeset_load_buffer(out, sv.body, sv.body_len, origin);
	cb_store_setver_clear(&sv);
	if (rc != CB_OK) {
		svc_problem(r, P_INTERNAL, "%s", cb_errmsg());
		return -1;
	}
	return 0;
}

void
h_set_diff(struct svc_req *r)
{
	enum { Q_FROM, Q_TO };   /* the route's table (route.c) */
	struct svc_set *set = svc_req_set(r);
	cb_codeset *a = NULL, *b = NULL;
	cb_report *rep = NULL;
	const char *name;
	int latest, from, to;
	cb_jw w;

	if (set == NULL)
		return;
	name = cb_codeset_name(set->cs);
	latest = cb_codeset_version(set->cs);
	to = r->q[Q_TO].s != NULL ? (int)r->q[Q_TO].u : latest;
	from = r->q[Q_FROM].s != NULL ? (int)r->q[Q_FROM].u : to - 1;
	if (from < 1) {
		svc_bad_param(r, "from", "version %d is the first of %s: name two versions to compare", to, name);
		return;
	}
	if (stored_version(r, name, "from", from, latest, &a) != 0 ||
	    stored_version(r, name, "to", to, latest, &b) != 0)
		goto out;
	if (cb_diff(&rep, a, b) != CB_OK) {
		svc_problem(r, P_INTERNAL, "%s", cb_errmsg());
		goto out;
	}
	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "set", name);
	cb_jw_kint(&w, "from", from);
	cb_jw_kint(&w, "to", to);
	cb_jw_kint(&w, "breaking", (long long)cb_report_count_severity(rep, CB_SEV_BREAKING));
	cb_jw_key(&w, "findings");
	cb_view_findings(&w, rep);
	cb_jw_obj_end(&w);
	/* two published versions never change */
	svc_req_header(r, "Cache-Control", "public, max-age=31536000, immutable");
	svc_json(r, 200);
out:
	cb_report_free(rep);
	cb_codeset_free(b);
	cb_codeset_free(a);
}
