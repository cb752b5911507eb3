/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lint.c - report every problem of a code-set file.  The loader records
 * structural and per-entry problems as it goes (load.c); the checks here
 * need the whole set.
 */
#include "codeset_int.h"

#include <stdlib.h>
#include <string.h>

/* Do two entries of one code meet in some context? */
static int
overlap(const struct cb_entry *a, const struct cb_entry *b, size_t ndims)
{
	size_t d;

	for (d = 0; d < ndims; d++)
		if (a->e_applies[d] != 0 && b->e_applies[d] != 0 &&
		    (a->e_applies[d] & b->e_applies[d]) == 0)
			return 0;
	return 1;
}

int
cb__lint_set(const cb_codeset *cs, cb_report *r)
{
	const char *file = cs->cs_origin;
	size_t i;
	char q[96];

	for (i = 0; i < cs->cs_nentries; i++) {
		const struct cb_entry *e = &cs->cs_entries[i], *p;
		const unsigned char *c;

		if (e->e_status == CB_STATUS_DEPRECATED && e->e_deprecated_since == 0 &&
		    cb__report_add(r, "DEPRECATED_NO_SINCE", e->e_code ? e->e_code : "", file,
		    e->e_line, e->e_col, "entries[%u]: deprecated without deprecated_since", e->e_index) != CB_OK)
			return CB_ENOMEM;
		if (e->e_code == NULL)
			continue;
		cb__quote(q, sizeof(q), e->e_code, e->e_code_len);
		if (!cs->cs_fmt.f_case_enforced && cs->cs_fmt.f_case != CB_CASE_ANY) {
			for (c = (const unsigned char *)e->e_code; *c; c++) {
				if ((cs->cs_fmt.f_case == CB_CASE_UPPER && *c >= 'a' && *c <= 'z') ||
				    (cs->cs_fmt.f_case == CB_CASE_LOWER && *c >= 'A' && *c <= 'Z')) {
					if (cb__report_add(r, "CODE_CASE", q, file, e->e_line, e->e_col,
					    "entries[%u]: \"%s\" is not %s case, as the set recommends",
					    e->e_index, q, cb_case_name(cs->cs_fmt.f_case)) != CB_OK)
						return CB_ENOMEM;
					break;
				}
			}
		}
		if (!e->e_first)
			continue;
		/* handling disagreement among overlapping entries of this code;
		 * one action throughout needs no pairwise look (n^2 / 2 pairs) */
		for (p = cb_entry_next_same(e); p != NULL && cb_entry_action(p) == cb_entry_action(e);
		    p = cb_entry_next_same(p))
			;
		if (p == NULL)
			continue;
		for (p = e; p != NULL; p = cb_entry_next_same(p)) {
			const struct cb_entry *o;
			int reported = 0;
			for (o = cb_entry_next_same(p); o != NULL && !reported; o = cb_entry_next_same(o)) {
				cb_action a = cb_entry_action(p), b = cb_entry_action(o);
				if (a == b || !overlap(p, o, cs->cs_ndims))
					continue;
				if (cb__report_add(r, "HANDLING_AMBIGUOUS", q, file, o->e_line, o->e_col,
				    "\"%s\": entries[%u] says %s, entries[%u] (line %u) says %s in an overlapping context; "
				    "clients get 'ambiguous' and retry at most once",
				    q, o->e_index, cb_action_name(b), p->e_index, p->e_line, cb_action_name(a)) != CB_OK)
					return CB_ENOMEM;
				reported = 1;
			}
			if (reported)
				break;
		}
	}
	return CB_OK;
}

/* Findings in file order; ties keep the order they were found in. */
static int
by_position(const void *a, const void *b)
{
	const cb_finding *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->column != y->column)
		return x->column < y->column ? -1 : 1;
	return 0;
}

static void
sort_findings(cb_report *r)
{
	size_t i, j;

	/* insertion sort: stable, and reports are short */
	for (i = 1; i < r->r_n; i++) {
		cb_finding f = r->r_items[i];
		for (j = i; j > 0 && by_position(&r->r_items[j - 1], &f) > 0; j--)
			r->r_items[j] = r->r_items[j - 1];
		r->r_items[j] = f;
	}
}

int
cb_lint_buffer(cb_report **out, const char *buf, size_t len, const char *origin)
{
	cb_report *r;
	cb_codeset *cs = NULL;
	int rc;

	if (out == NULL || (buf == NULL && len > 0))
		return cb__fail(CB_EINVAL, "cb_lint_buffer: NULL argument");
	*out = NULL;
	if ((r = cb__report_new()) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	rc = cb__codeset_parse(&cs, buf ? buf : "", len, origin, r);
	cb_codeset_free(cs);
	if (rc == CB_ENOMEM) {
		cb_report_free(r);
		return rc;
	}
	if (rc == CB_ETOOBIG && cb_report_count(r) == 0 &&
	    cb__report_add(r, "SCHEMA", "", origin ? origin : "", 0, 0, "%s", cb_errmsg()) != CB_OK) {
		cb_report_free(r);
		return CB_ENOMEM;
	}
	sort_findings(r);
	*out = r;
	return CB_OK;
}

int
cb_lint_file(cb_report **out, const char *path)
{
	char *buf = NULL;
	size_t len;
	int rc;

	if (out == NULL || path == NULL)
		return cb__fail(CB_EINVAL, "cb_lint_file: NULL argument");
	*out = NULL;
	if ((rc = cb__read_file(&buf, &len, path, CB_MAX_CODESET_BYTES)) != CB_OK)
		return rc;
	rc = cb_lint_buffer(out, buf, len, path);
	free(buf);
	return rc;
}
