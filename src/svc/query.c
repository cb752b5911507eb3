/* SPDX-License-Identifier: Apache-2.0 */
/*
 * query.c - query parameters read from a table (see query.h).
 */
#include "svc_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "query.h"

void
svc_bad_param(struct svc_req *r, const char *param, const char *fmt, ...)
{
	char detail[1024];
	va_list ap;
	cb_jw w;

	va_start(ap, fmt);
	(void)vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	svc_problem_begin(r, &w, P_INVALID_REQUEST, "%s", detail);
	cb_jw_kstr(&w, "parameter", param);
	svc_problem_end(r, &w);
}

static void
unknown(struct svc_req *r, const char *k, const struct svc_qspec *q)
{
	char names[512];
	size_t i, o = 0, n = q != NULL ? q->n : 0;

	names[0] = '\0';
	for (i = 0; i < n && o < sizeof(names); i++)
		o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s", i ? ", " : "", q->p[i].name);
	if (q != NULL && q->other == SQO_CONTEXT && o < sizeof(names))
		o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s", n ? ", " : "", "context.DIMENSION");
	if (o == 0)
		svc_bad_param(r, k, "unknown query parameter \"%.64s\": this route takes none", k);
	else
		svc_bad_param(r, k, "unknown query parameter \"%.64s\" (this route takes: %s)", k, names);
}

static int
read_value(struct svc_req *r, const struct svc_qparam *p, const char *v, struct svc_qval *out)
{
	const char *why;
	int rc;

	if (strlen(v) > CB_SVC_MAX_QUERY_VALUE) {
		svc_bad_param(r, p->name, "%s: the value is longer than %d bytes", p->name,
		    CB_SVC_MAX_QUERY_VALUE);
		return -1;
	}
	switch (p->kind) {
	case SQ_STR:
		break;
	case SQ_UINT:
		if ((rc = cb_parse_u64(v, p->min, p->max, &out->u)) != CB_PARSE_OK) {
			svc_bad_param(r, p->name, "%s=%.20s: %s%s %llu to %llu", p->name, v,
			    rc == CB_PARSE_BAD ? "expected a whole number, " : "", p->hint ? p->hint : "from",
			    (unsigned long long)p->min, (unsigned long long)p->max);
			return -1;
		}
		break;
	case SQ_CURSOR:
		if (cb_parse_i64(v, 0, INT64_MAX, &out->i) != CB_PARSE_OK) {
			svc_bad_param(r, p->name, "%s=%.20s: pass back the next_cursor of the previous page",
			    p->name, v);
			return -1;
		}
		break;
	case SQ_TIME:
		if (!cb_time_parse(v, strlen(v), NULL, &out->i, &why)) {
			svc_bad_param(r, p->name, "%s=%.40s: %s", p->name, v, why);
			return -1;
		}
		break;
	case SQ_BOOL:
		if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0) {
			svc_bad_param(r, p->name, "%s=%.20s: expected true or false", p->name, v);
			return -1;
		}
		out->u = strcmp(v, "true") == 0;
		break;
	}
	out->s = v;
	return 0;
}

int
svc_query_route(struct svc_req *r)
{
	const struct svc_qspec *q = r->route >= 0 ? svc_routes[r->route].query : NULL;
	size_t i, j, n = q != NULL ? q->n : 0;

	memset(r->q, 0, sizeof(r->q));
	r->nqother = 0;
	for (i = 0; i < r->nargs; i++) {
		const char *k = r->args[i].k, *v = r->args[i].v;

		for (j = 0; j < n; j++)
			if (strcmp(k, q->p[j].name) == 0)
				break;
		if (j < n) {
			if (r->q[j].s != NULL) {
				svc_bad_param(r, k, "%s is given twice", k);
				return -1;
			}
			if (read_value(r, &q->p[j], v, &r->q[j]) != 0)
				return -1;
			continue;
		}
		if (q != NULL && (q->other == SQO_DIMENSION ||
		    (q->other == SQO_CONTEXT && strncmp(k, "context.", 8) == 0))) {
			r->qother[r->nqother].k = k;	/* the handler checks them against the set */
			r->qother[r->nqother++].v = v;
			continue;
		}
		unknown(r, k, q);
		return -1;
	}
	if ((r->route >= 0 && (svc_routes[r->route].flags & R_PINNED)) && r->q[SVC_Q_VERSION].s != NULL &&
	    r->q[SVC_Q_AS_OF].s != NULL) {
		svc_bad_param(r, "as_of", "give version or as_of, not both");
		return -1;
	}
	return 0;
}
