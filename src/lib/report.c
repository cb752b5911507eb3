/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.c - a growable list of findings whose strings live in the
 * report's own arena.
 */
#include "codeset_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cb_report *
cb__report_new(void)
{
	return cb__calloc(1, sizeof(cb_report));
}

int
cb__report_add(cb_report *r, const char *rule, const char *subject,
    const char *file, unsigned line, unsigned col, const char *fmt, ...)
{
	const cb_rule_info *info = cb_rule_find(rule);
	char msg[1024];
	cb_finding *f;
	va_list ap;

	if (CB_NEVER(info == NULL))	/* rules come from the table in rules.c */
		return cb__fail(CB_ERROR, "internal: unknown rule %s", rule);
	if (r->r_n == r->r_cap) {
		size_t ncap = r->r_cap ? r->r_cap * 2 : 16;
		cb_finding *ni = cb__reallocarray(r->r_items, ncap, sizeof(*ni));
		if (ni == NULL)
			return cb__fail(CB_ENOMEM, "out of memory");
		r->r_items = ni;
		r->r_cap = ncap;
	}
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f = &r->r_items[r->r_n];
	f->rule = info->name;
	f->severity = info->severity;
	f->line = line;
	f->column = col;
	f->subject = cb_arena_strndup(&r->r_arena, subject ? subject : "", subject ? strlen(subject) : 0);
	f->file = cb_arena_strndup(&r->r_arena, file ? file : "", file ? strlen(file) : 0);
	f->message = cb_arena_strndup(&r->r_arena, msg, strlen(msg));
	if (f->subject == NULL || f->file == NULL || f->message == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	r->r_n++;
	return CB_OK;
}

size_t
cb_report_count(const cb_report *r)
{
	return r ? r->r_n : 0;
}

const cb_finding *
cb_report_get(const cb_report *r, size_t i)
{
	return (r && i < r->r_n) ? &r->r_items[i] : NULL;
}

size_t
cb_report_count_severity(const cb_report *r, cb_severity s)
{
	size_t i, n = 0;

	for (i = 0; r && i < r->r_n; i++)
		if (r->r_items[i].severity == s)
			n++;
	return n;
}

int
cb_report_is_breaking(const cb_report *r)
{
	return cb_report_count_severity(r, CB_SEV_BREAKING) > 0;
}

void
cb_report_free(cb_report *r)
{
	if (r == NULL)
		return;
	free(r->r_items);
	cb_arena_free(&r->r_arena);
	free(r);
}
