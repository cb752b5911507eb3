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
unknown(struct svc_req *r, const char *k, const struct svc_qparam *spec, size_t n,
    const char *other_names)
{
	char names[512];
	size_t i, o = 0;

	names[0] = '\0';
	for (i = 0; i < n && o < sizeof(names); i++)
		o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s", i ? ", " : "", spec[i].name);
	if (other_names != NULL && o < sizeof(names))
		o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s", n ? ", " : "", other_names);
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
	}
	out->s = v;
	return 0;
}

int
svc_query(struct svc_req *r, const struct svc_qparam *spec, size_t n, struct svc_qval *out,
    svc_qother_fn other, void *arg, const char *other_names)
{
	size_t i, j;
	int rc;

	memset(out, 0, n * sizeof(*out));
	for (i = 0; i < r->nargs; i++) {
		const char *k = r->args[i].k, *v = r->args[i].v;

		for (j = 0; j < n; j++)
			if (strcmp(k, spec[j].name) == 0)
				break;
		if (j < n) {
			if (out[j].s != NULL) {
				svc_bad_param(r, k, "%s is given twice", k);
				return -1;
			}
			if (read_value(r, &spec[j], v, &out[j]) != 0)
				return -1;
			continue;
		}
		rc = other != NULL ? other(arg, r, k, v) : 0;
		if (rc < 0)
			return -1;
		if (rc == 0) {
			unknown(r, k, spec, n, other_names);
			return -1;
		}
	}
	return 0;
}
