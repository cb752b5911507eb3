/* SPDX-License-Identifier: Apache-2.0 */
/*
 * h_records.c - incident reasons (seed 000) and outbound events (seed
 * 002): POST (one item or a batch, all-or-nothing, idempotent by id), GET
 * with filters and keyset paging, and reports grouped by code, rule,
 * service or category.  Both kinds are driven by the record descriptors
 * of src/store/recdesc.c, so each handler here is one line per kind.
 */
#include "svc_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "items.h"

static struct svc_set *
kind_set(struct svc_req *r, const cb_rec_desc *d)
{
	struct svc_set *set = svc_snap_find(svc_req_snap(r), d->code_set, strlen(d->code_set));

	if (set == NULL)
		svc_problem(r, P_INTERNAL, "the code set \"%s\" that %s are checked against is not served; "
		    "add catalogs/%s.json", d->code_set, d->plural, d->code_set);
	return set;
}

static void
invalid_items(struct svc_req *r, const cb_rec_desc *d, const struct svc_set *set, const struct svc_items *it)
{
	cb_jw w;

	svc_req_header(r, "Codebook-Set-Version", "%d", cb_codeset_version(set->cs));
	svc_problem_begin(r, &w, P_INVALID_INPUT, "%s", it->fault.detail);
	cb_jw_kstr(&w, "set", d->code_set);
	cb_jw_kint(&w, "set_version", cb_codeset_version(set->cs));
	cb_jw_kint(&w, "items", (long long)it->n);
	cb_jw_kint(&w, "invalid_items", (long long)it->ninvalid);
	cb_jw_key(&w, "errors");
	cb_jw_raw(&w, it->errors.p, it->errors.len);
	svc_problem_end(r, &w);
}

static void
conflicts(struct svc_req *r, const cb_rec_desc *d, const struct svc_items *it, const cb_rec_status *status,
    size_t nconf)
{
	size_t i;
	cb_jw w;

	svc_problem_begin(r, &w, P_IDEMPOTENCY_CONFLICT, "%zu %s reuse%s the %s of a stored %s with "
	    "different content; nothing was stored", nconf, nconf == 1 ? d->name : d->plural,
	    nconf == 1 ? "s" : "", d->fields[0], d->name);
	cb_jw_key(&w, "conflicts");
	cb_jw_arr_begin(&w);
	for (i = 0; i < it->n; i++)
		if (status[i] == CB_REC_CONFLICT) {
			cb_jw_obj_begin(&w);
			cb_jw_kint(&w, "index", (long long)i);
			cb_jw_kstrn(&w, d->fields[0], it->recs[i].v[0], it->recs[i].len[0]);
			cb_jw_obj_end(&w);
		}
	cb_jw_arr_end(&w);
	svc_problem_end(r, &w);
}

static void
stored(struct svc_req *r, const cb_rec_desc *d, const struct svc_set *set, const struct svc_items *it,
    const cb_rec_status *status)
{
	size_t i, created = 0;
	cb_jw w;

	for (i = 0; i < it->n; i++)
		created += status[i] == CB_REC_CREATED;
	/* the version that checked them, as every answer from a set says it */
	svc_req_header(r, "Codebook-Set-Version", "%d", cb_codeset_version(set->cs));
	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "set", d->code_set);
	cb_jw_kint(&w, "set_version", cb_codeset_version(set->cs));
	cb_jw_kint(&w, "created", (long long)created);
	cb_jw_kint(&w, "unchanged", (long long)(it->n - created));
	cb_jw_key(&w, "items");
	cb_jw_arr_begin(&w);
	for (i = 0; i < it->n; i++) {
		cb_jw_obj_begin(&w);
		cb_jw_kstrn(&w, d->fields[0], it->recs[i].v[0], it->recs[i].len[0]);
		cb_jw_kstr(&w, "status", status[i] == CB_REC_CREATED ? "created" : "unchanged");
		cb_jw_kstr(&w, "category", it->recs[i].category);
		cb_jw_obj_end(&w);
	}
	cb_jw_arr_end(&w);
	cb_jw_key(&w, "warnings");
	cb_jw_raw(&w, it->warnings.p, it->warnings.len);
	cb_jw_obj_end(&w);
	svc_json(r, created > 0 ? 201 : 200);
}

static void
post(struct svc_req *r, cb_rec_kind kind)
{
	const cb_rec_desc *d = cb_rec_describe(kind);
	struct svc_set *set = kind_set(r, d);
	struct svc_items it;
	cb_rec_status *status = NULL;
	size_t i, nconf = 0;
	int64_t now;
	int rc;

	memset(&it, 0, sizeof(it));
	if (set == NULL)
		return;
	now = svc_usage_now();
	if (svc_items_parse(&it, d, set->cs, r->body.p, r->body.len) != CB_OK) {
		svc_problem(r, P_INTERNAL, "out of memory");
		goto out;
	}
	for (i = 0; i < it.n && it.checked != NULL; i++)
		if (it.checked[i])
			svc_metrics_check(r->svc->metrics, set->mslot, it.reasons[i]);
	if (it.fault.problem == P_INVALID_INPUT)
		invalid_items(r, d, set, &it);
	else if (it.fault.problem != P_NONE)
		svc_fault_respond(r, &it.fault, CB_SVC_MAX_BATCH);
	else if ((status = cb__calloc(it.n, sizeof(*status))) == NULL)
		svc_problem(r, P_INTERNAL, "out of memory");
	else if ((rc = cb_store_rec_insert(r->svc->store, kind, it.recs, it.n, r->request_id, status,
	    &nconf)) != CB_OK)
		svc_store_problem(r, rc, rc == CB_EUNKNOWN ? "the batch" : "nothing was stored");
	else if (nconf > 0)
		conflicts(r, d, &it, status, nconf);
	else {
		for (i = 0; i < it.n; i++)	/* new rows only: a replay stores nothing */
			if (status[i] == CB_REC_CREATED)
				svc_usage_note(set->usage, it.entries[i], SVC_USAGE_STORED, now);
		stored(r, d, set, &it, status);
	}
	/* counted after the write: a flush can never come between the checks
	 * and this request's own write (tests/orders/e2e/test_outcome_unknown) */
	for (i = 0; i < it.n && it.checked != NULL; i++)
		if (it.checked[i])
			svc_usage_note(set->usage, it.entries[i], it.accepted[i] ? SVC_USAGE_CHECKED :
			    SVC_USAGE_REJECTED, now);
out:
	free(status);
	svc_items_free(&it);
}

/* ---- filters ----------------------------------------------------------- */

struct filter_buf {
	cb_rec_filter f;
	const char *group_by;
};

/* The query (read against the route's table, route.c: the kind's
 * filterable fields, then category, since and until, then the page or the
 * grouping) into @fb. */
static void
read_filters(struct svc_req *r, const cb_rec_desc *d, struct filter_buf *fb, int report)
{
	const struct svc_qspec *q = svc_routes[r->route].query;
	size_t i, first = q->n - (report ? 4 : 5);

	memset(fb, 0, sizeof(*fb));
	fb->f.limit = CB_SVC_DEFAULT_PAGE;
	for (i = 0; i < first; i++) {
		int f = cb_rec_field_index(d, q->p[i].name);
		if (f >= 0)
			fb->f.eq[f] = r->q[i].s;
	}
	fb->f.category = r->q[first].s;
	if ((fb->f.has_since = r->q[first + 1].s != NULL))
		fb->f.since_us = r->q[first + 1].i;
	if ((fb->f.has_until = r->q[first + 2].s != NULL))
		fb->f.until_us = r->q[first + 2].i;
	if (report) {
		fb->group_by = r->q[first + 3].s;
	} else {
		if (r->q[first + 3].s != NULL)
			fb->f.limit = (unsigned)r->q[first + 3].u;
		fb->f.after_seq = r->q[first + 4].i;
	}
}

/* ---- listing ----------------------------------------------------------- */

struct list_ctx {
	cb_jw *w;
	const cb_rec_desc *d;
	unsigned want, n;
	int64_t last_seq;
	int more;
};

static int
list_row(void *arg, const cb_rec *rec)
{
	struct list_ctx *lc = arg;
	size_t i;

	if (lc->n == lc->want) {
		lc->more = 1;
		return 1;
	}
	cb_jw_obj_begin(lc->w);
	for (i = 0; i < lc->d->nfields; i++) {
		cb_jw_key(lc->w, lc->d->fields[i]);
		if (rec->v[i] == NULL)
			cb_jw_null(lc->w);
		else
			cb_jw_strn(lc->w, rec->v[i], rec->len[i]);
	}
	cb_jw_kstr(lc->w, "category", rec->category);
	cb_jw_kint(lc->w, "set_version", rec->set_version);
	cb_jw_kstr(lc->w, "received_at", rec->received_at);
	cb_jw_obj_end(lc->w);
	lc->last_seq = rec->seq;
	lc->n++;
	return 0;
}

static void
list(struct svc_req *r, cb_rec_kind kind)
{
	const cb_rec_desc *d = cb_rec_describe(kind);
	struct filter_buf fb;
	struct list_ctx lc;
	cb_jw w;

	read_filters(r, d, &fb, 0);
	memset(&lc, 0, sizeof(lc));
	lc.w = &w;
	lc.d = d;
	lc.want = fb.f.limit;
	fb.f.limit++;	/* one more row tells whether there is a next page */
	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_key(&w, "items");
	cb_jw_arr_begin(&w);
	if (cb_store_rec_list(r->svc->store, kind, &fb.f, list_row, &lc) != CB_OK) {
		svc_problem(r, P_INTERNAL, "%s", cb_errmsg());
		return;
	}
	cb_jw_arr_end(&w);
	cb_jw_kint(&w, "count", lc.n);
	cb_jw_key(&w, "next_cursor");
	if (lc.more) {
		char cur[24];
		(void)snprintf(cur, sizeof(cur), "%lld", (long long)lc.last_seq);
		cb_jw_str(&w, cur);
	} else
		cb_jw_null(&w);
	cb_jw_obj_end(&w);
	svc_json(r, 200);
}

/* ---- reports ----------------------------------------------------------- */

struct row {
	char   *key, *code, *category;
	int64_t count;
};

struct report_ctx {
	struct row *rows;
	size_t n, cap;
	int truncated, nomem;
};

static int
report_row(void *arg, const char *key, const char *code, const char *category, int64_t count)
{
	struct report_ctx *rc = arg;
	struct row *row;

	if (rc->n == CB_SVC_MAX_REPORT_GROUPS) {
		rc->truncated = 1;
		return 1;
	}
	if (rc->n == rc->cap) {
		size_t ncap = rc->cap ? rc->cap * 2 : 64;
		struct row *nr = cb__reallocarray(rc->rows, ncap, sizeof(*nr));
		if (nr == NULL) {
			rc->nomem = 1;
			return 1;
		}
		rc->rows = nr;
		rc->cap = ncap;
	}
	row = &rc->rows[rc->n];
	row->key = cb__strdup(key ? key : "");
	row->code = cb__strdup(code ? code : "");
	row->category = cb__strdup(category ? category : "");
	row->count = count;
	rc->n++;
	if (row->key == NULL || row->code == NULL || row->category == NULL) {
		rc->nomem = 1;
		return 1;
	}
	return 0;
}

struct group {
	size_t first, n;     /* rows[first .. first + n) */
	int64_t count;
};

static int
by_count(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	return x->count != y->count ? (x->count < y->count ? 1 : -1) : (x->first > y->first) - (x->first < y->first);
}

static int
rows_by_count(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	return x->count != y->count ? (x->count < y->count ? 1 : -1) : strcmp(x->code, y->code);
}

static void
code_details(cb_jw *w, const cb_codeset *cs, const char *code)
{
	const cb_entry *e = cb_codeset_find(cs, code, strlen(code));
	const char *rem;

	if (e == NULL)
		return;
	cb_jw_kstr(w, "description", cb_entry_description(e));
	cb_jw_kstr(w, "status", cb_status_name(cb_entry_status(e)));
	if ((rem = cb_entry_attribute(e, "remediation")) != NULL)
		cb_jw_kstr(w, "remediation", rem);
}

/* Cut the rows (ordered by key, then code) into groups, each sorted by
 * count, the groups too; *total gets the sum.  NULL when memory ran out. */
static struct group *
make_groups(struct report_ctx *rc, size_t *ng, int64_t *total)
{
	struct group *groups;
	size_t i;

	*ng = 0;
	*total = 0;
	if ((groups = cb__calloc(rc->n ? rc->n : 1, sizeof(*groups))) == NULL)
		return NULL;
	for (i = 0; i < rc->n; i++) {
		if (*ng == 0 || strcmp(rc->rows[groups[*ng - 1].first].key, rc->rows[i].key) != 0)
			groups[(*ng)++].first = i;
		groups[*ng - 1].n++;
		groups[*ng - 1].count += rc->rows[i].count;
		*total += rc->rows[i].count;
	}
	for (i = 0; i < *ng; i++)
		qsort(rc->rows + groups[i].first, groups[i].n, sizeof(*rc->rows), rows_by_count);
	if (*ng > 1)
		qsort(groups, *ng, sizeof(*groups), by_count);
	return groups;
}

static void
write_group(cb_jw *w, const struct report_ctx *rc, const struct group *g, const char *group_by,
    const cb_codeset *cs)
{
	const struct row *first = &rc->rows[g->first];
	size_t j;

	cb_jw_obj_begin(w);
	cb_jw_kstr(w, "key", first->key);
	cb_jw_kint(w, "count", g->count);
	if (strcmp(group_by, "reason_code") == 0) {
		cb_jw_kstr(w, "category", first->category);
		code_details(w, cs, first->key);
	} else if (strcmp(group_by, "category") == 0) {
		int ci = cb_codeset_category_index(cs, first->key, strlen(first->key));
		if (ci >= 0)
			cb_jw_kstr(w, "description", cb_codeset_category_description(cs, (size_t)ci));
	}
	cb_jw_key(w, "codes");
	cb_jw_arr_begin(w);
	for (j = 0; j < g->n; j++) {
		const struct row *row = &rc->rows[g->first + j];
		cb_jw_obj_begin(w);
		cb_jw_kstr(w, "code", row->code);
		cb_jw_kint(w, "count", row->count);
		cb_jw_kstr(w, "category", row->category);
		code_details(w, cs, row->code);
		cb_jw_obj_end(w);
	}
	cb_jw_arr_end(w);
	cb_jw_obj_end(w);
}

/* The grouping asked for, checked against what the kind offers. */
static int
group_by_ok(struct svc_req *r, const cb_rec_desc *d, struct filter_buf *fb)
{
	int g;

	if (fb->group_by == NULL)
		fb->group_by = d->group_by[0];
	for (g = 0; g < 4 && d->group_by[g] != NULL; g++)
		if (strcmp(d->group_by[g], fb->group_by) == 0)
			return 1;
	svc_bad_param(r, "group_by", "group_by=%.40s: %s reports group by %s, %s or %s",
	    fb->group_by, d->name, d->group_by[0], d->group_by[1], d->group_by[2]);
	return 0;
}

static void
report(struct svc_req *r, cb_rec_kind kind)
{
	const cb_rec_desc *d = cb_rec_describe(kind);
	struct svc_set *set;
	struct filter_buf fb;
	struct report_ctx rc;
	struct group *groups = NULL;
	size_t i, ng = 0;
	int64_t total = 0;
	cb_jw w;

	memset(&rc, 0, sizeof(rc));
	read_filters(r, d, &fb, 1);
	if ((set = kind_set(r, d)) == NULL || !group_by_ok(r, d, &fb))
		return;
	fb.f.limit = 0;
	if (cb_store_rec_report(r->svc->store, kind, fb.group_by, &fb.f, report_row, &rc) != CB_OK || rc.nomem) {
		svc_problem(r, P_INTERNAL, "%s", rc.nomem ? "out of memory" : cb_errmsg());
		goto out;
	}
	if ((groups = make_groups(&rc, &ng, &total)) == NULL) {
		svc_problem(r, P_INTERNAL, "out of memory");
		goto out;
	}
	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_kstr(&w, "group_by", fb.group_by);
	cb_jw_kstr(&w, "set", d->code_set);
	cb_jw_kint(&w, "set_version", cb_codeset_version(set->cs));
	cb_jw_kint(&w, "total", total);
	if (rc.truncated)
		cb_jw_kbool(&w, "truncated", 1);
	cb_jw_key(&w, "groups");
	cb_jw_arr_begin(&w);
	for (i = 0; i < ng; i++)
		write_group(&w, &rc, &groups[i], fb.group_by, set->cs);
	cb_jw_arr_end(&w);
	cb_jw_obj_end(&w);
	svc_json(r, 200);
out:
	for (i = 0; i < rc.n; i++) {
		free(rc.rows[i].key);
		free(rc.rows[i].code);
		free(rc.rows[i].category);
	}
	free(rc.rows);
	free(groups);
}

void h_incidents_post(struct svc_req *r) { post(r, CB_REC_INCIDENT); }
void h_incidents_list(struct svc_req *r) { list(r, CB_REC_INCIDENT); }
void h_incidents_report(struct svc_req *r) { report(r, CB_REC_INCIDENT); }
void h_events_post(struct svc_req *r) { post(r, CB_REC_EVENT); }
void h_events_list(struct svc_req *r) { list(r, CB_REC_EVENT); }
void h_events_report(struct svc_req *r) { report(r, CB_REC_EVENT); }
