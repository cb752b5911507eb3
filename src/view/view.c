/* SPDX-License-Identifier: Apache-2.0 */
/*
 * view.c - JSON shapes of library results (see view.h).
 */
#include "view.h"

#include <string.h>

static void
applies(cb_jw *w, const cb_codeset *cs, const cb_entry *e)
{
	size_t d, v;

	cb_jw_key(w, "applies");
	cb_jw_obj_begin(w);
	for (d = 0; d < cb_codeset_dim_count(cs); d++) {
		if (!cb_entry_restricts(e, d))
			continue;
		cb_jw_key(w, cb_codeset_dim_name(cs, d));
		cb_jw_arr_begin(w);
		for (v = 0; v < cb_codeset_dim_value_count(cs, d); v++)
			if (cb_entry_admits(e, d, v))
				cb_jw_str(w, cb_codeset_dim_value(cs, d, v));
		cb_jw_arr_end(w);
	}
	cb_jw_obj_end(w);
}

void
cb_view_entry(cb_jw *w, const cb_entry *e)
{
	const cb_codeset *cs = cb_entry_set(e);
	size_t i, n;

	cb_jw_obj_begin(w);
	if (cb_entry_code(e) != NULL) {
		cb_jw_kstrn(w, "code", cb_entry_code(e), cb_entry_code_len(e));
		cb_jw_kint(w, "id", cb_entry_id(e));
	} else {
		cb_jw_key(w, "code");
		cb_jw_null(w);
		cb_jw_kbool(w, "code_missing", 1);
	}
	cb_jw_kstr(w, "category", cb_entry_category(e));
	cb_jw_kstr(w, "description", cb_entry_description(e));
	if (cb_entry_editorial_version(e)) {
		cb_jw_key(w, "editorial");
		cb_jw_obj_begin(w);
		cb_jw_kint(w, "version", cb_entry_editorial_version(e));
		cb_jw_kstr(w, "note", cb_entry_editorial_note(e));
		cb_jw_obj_end(w);
	}
	cb_jw_kstr(w, "status", cb_status_name(cb_entry_status(e)));
	if (cb_entry_since(e))
		cb_jw_kint(w, "since", cb_entry_since(e));
	if (cb_entry_deprecated_since(e))
		cb_jw_kint(w, "deprecated_since", cb_entry_deprecated_since(e));
	if (cb_entry_replaced_by(e)[0])
		cb_jw_kstr(w, "replaced_by", cb_entry_replaced_by(e));
	if (cb_entry_deprecated_at(e)[0])
		cb_jw_kstr(w, "deprecated_at", cb_entry_deprecated_at(e));
	if (cb_entry_usage(e) != CB_USAGE_BOTH)
		cb_jw_kstr(w, "usage", cb_usage_name(cb_entry_usage(e)));
	if (cb_entry_valid_from(e)[0])
		cb_jw_kstr(w, "valid_from", cb_entry_valid_from(e));
	if (cb_entry_valid_to(e)[0])
		cb_jw_kstr(w, "valid_to", cb_entry_valid_to(e));
	if (cb_codeset_dim_count(cs) > 0)
		applies(w, cs, e);
	if (cb_entry_handling(e)[0]) {
		cb_jw_kstr(w, "handling", cb_entry_handling(e));
		cb_jw_kstr(w, "action", cb_action_name(cb_entry_action(e)));
	}
	if (cb_entry_http_status(e))
		cb_jw_kint(w, "http_status", cb_entry_http_status(e));
	if (cb_entry_not_an_error(e))
		cb_jw_kbool(w, "not_an_error", 1);
	if ((n = cb_entry_attribute_count(e)) > 0) {
		cb_jw_key(w, "attributes");
		cb_jw_obj_begin(w);
		for (i = 0; i < n; i++)
			cb_jw_kstr(w, cb_entry_attribute_key(e, i), cb_entry_attribute_value(e, i));
		cb_jw_obj_end(w);
	}
	cb_jw_obj_end(w);
}

void
cb_view_set_summary(cb_jw *w, const cb_codeset *cs)
{
	cb_jw_obj_begin(w);
	cb_jw_kstr(w, "name", cb_codeset_name(cs));
	cb_jw_kstr(w, "title", cb_codeset_title(cs));
	cb_jw_kint(w, "version", cb_codeset_version(cs));
	cb_jw_kint(w, "entries", (long long)cb_codeset_entry_count(cs));
	cb_jw_kint(w, "categories", (long long)cb_codeset_category_count(cs));
	cb_jw_kbool(w, "mirror", cb_codeset_is_mirror(cs));
	cb_jw_obj_end(w);
}

void
cb_view_set_categories(cb_jw *w, const cb_codeset *cs)
{
	size_t i;

	cb_jw_key(w, "categories");
	cb_jw_arr_begin(w);
	for (i = 0; i < cb_codeset_category_count(cs); i++) {
		cb_jw_obj_begin(w);
		cb_jw_kstr(w, "name", cb_codeset_category_name(cs, i));
		cb_jw_kstr(w, "description", cb_codeset_category_description(cs, i));
		cb_jw_obj_end(w);
	}
	cb_jw_arr_end(w);
}

void
cb_view_set_contexts(cb_jw *w, const cb_codeset *cs, int descriptive)
{
	size_t i, v;

	cb_jw_key(w, "contexts");
	cb_jw_obj_begin(w);
	for (i = 0; i < cb_codeset_dim_count(cs); i++) {
		cb_jw_key(w, cb_codeset_dim_name(cs, i));
		cb_jw_obj_begin(w);
		cb_jw_kstr(w, "description", cb_codeset_dim_description(cs, i));
		if (descriptive)
			cb_jw_kbool(w, "descriptive", cb_codeset_dim_descriptive(cs, i));
		cb_jw_key(w, "values");
		cb_jw_arr_begin(w);
		for (v = 0; v < cb_codeset_dim_value_count(cs, i); v++)
			cb_jw_str(w, cb_codeset_dim_value(cs, i, v));
		cb_jw_arr_end(w);
		cb_jw_obj_end(w);
	}
	cb_jw_obj_end(w);
}

void
cb_view_set_meta(cb_jw *w, const cb_codeset *cs)
{
	cb_format f = CB_FORMAT_INIT;
	size_t i;

	(void)cb_codeset_format(cs, &f);
	cb_jw_kstr(w, "name", cb_codeset_name(cs));
	cb_jw_kstr(w, "title", cb_codeset_title(cs));
	cb_jw_kint(w, "version", cb_codeset_version(cs));
	cb_jw_kstr(w, "description", cb_codeset_description(cs));
	cb_jw_key(w, "format");
	cb_jw_obj_begin(w);
	cb_jw_kstr(w, "charset", f.charset);
	cb_jw_kstr(w, "shape", cb_shape_name(f.shape));
	cb_jw_kstr(w, "case", cb_case_name(f.letter_case));
	cb_jw_kbool(w, "case_enforced", f.case_enforced);
	cb_jw_obj_end(w);
	cb_view_set_contexts(w, cs, 1);
	cb_view_set_categories(w, cs);
	cb_jw_key(w, "governance");
	cb_jw_arr_begin(w);
	for (i = 0; i < cb_codeset_rule_count(cs); i++)
		cb_jw_str(w, cb_codeset_rule(cs, i));
	cb_jw_arr_end(w);
	cb_jw_kint(w, "max_id", cb_codeset_max_id(cs));
}

static void
context_object(cb_jw *w, const cb_ctx *ctx, size_t nctx)
{
	size_t i;

	cb_jw_key(w, "context");
	cb_jw_obj_begin(w);
	for (i = 0; i < nctx; i++) {
		cb_jw_keyn(w, ctx[i].dim, ctx[i].dim_len);
		cb_jw_strn(w, ctx[i].value, ctx[i].value_len);
	}
	cb_jw_obj_end(w);
}

void
cb_view_check(cb_jw *w, const cb_check_result *r, const char *code, size_t code_len,
    const cb_ctx *ctx, size_t nctx)
{
	char msg[CB_CHECK_MESSAGE_MAX];
	size_t i;

	if (cb_check_message(msg, sizeof(msg), r) != CB_OK)
		msg[0] = '\0';
	cb_jw_obj_begin(w);
	cb_jw_kstr(w, "set", r->set_name);
	cb_jw_kint(w, "version", r->set_version);
	cb_jw_kstrn(w, "code", code, code_len);
	context_object(w, ctx, nctx);
	cb_jw_kbool(w, "valid", r->accepted);
	cb_jw_kstr(w, "reason", cb_reason_name(r->reason));
	cb_jw_kstr(w, "message", msg);
	if (r->reason == CB_INVALID_FORMAT)
		cb_jw_kint(w, "offset", (long long)r->error_offset);
	if (r->entry != NULL) {
		cb_jw_key(w, "entry");
		cb_view_entry(w, r->entry);
	}
	cb_jw_key(w, "alternatives");
	cb_jw_arr_begin(w);
	for (i = 0; i < r->nalts; i++)
		cb_jw_strn(w, cb_entry_code(r->alts[i]), cb_entry_code_len(r->alts[i]));
	cb_jw_arr_end(w);
	cb_jw_obj_end(w);
}

void
cb_view_decision(cb_jw *w, const cb_decision *d)
{
	size_t i;

	cb_jw_obj_begin(w);
	cb_jw_kstr(w, "action", cb_action_name(d->action));
	cb_jw_kbool(w, "retry", d->retry);
	cb_jw_kint(w, "delay_ms", d->delay_ms);
	cb_jw_kint(w, "attempt", d->attempt);
	cb_jw_kint(w, "max_attempts", d->max_attempts);
	cb_jw_kbool(w, "known", d->known);
	cb_jw_kbool(w, "contact_support", d->contact_support);
	cb_jw_kstr(w, "message", d->message);
	cb_jw_key(w, "entries");
	cb_jw_arr_begin(w);
	for (i = 0; i < d->nentries; i++)
		cb_view_entry(w, d->entries[i]);
	cb_jw_arr_end(w);
	/* the descriptive pairs the decision could not match (version 2) */
	cb_jw_key(w, "unmatched");
	cb_jw_arr_begin(w);
	for (i = 0; d->version >= 2 && i < d->nunmatched; i++) {
		cb_jw_obj_begin(w);
		cb_jw_kstrn(w, "dimension", d->unmatched[i].dim, d->unmatched[i].dim_len);
		cb_jw_kstrn(w, "value", d->unmatched[i].value ? d->unmatched[i].value : "", d->unmatched[i].value_len);
		cb_jw_obj_end(w);
	}
	cb_jw_arr_end(w);
	/* the set version that decided, for answers that carry no check */
	cb_jw_kstr(w, "set", d->check.set_name);
	cb_jw_kint(w, "version", d->check.set_version);
	cb_jw_obj_end(w);
}

void
cb_view_findings(cb_jw *w, const cb_report *r)
{
	size_t i;

	cb_jw_arr_begin(w);
	for (i = 0; i < cb_report_count(r); i++) {
		const cb_finding *f = cb_report_get(r, i);
		cb_jw_obj_begin(w);
		cb_jw_kstr(w, "rule", f->rule);
		cb_jw_kstr(w, "severity", cb_severity_name(f->severity));
		cb_jw_kstr(w, "subject", f->subject);
		cb_jw_kstr(w, "file", f->file);
		cb_jw_kint(w, "line", f->line);
		cb_jw_kint(w, "column", f->column);
		cb_jw_kstr(w, "message", f->message);
		cb_jw_obj_end(w);
	}
	cb_jw_arr_end(w);
}

size_t
cb_view_changes(cb_jw *w, const cb_report *r, const cb_codeset *cs)
{
	size_t i, n = 0;

	for (i = 0; i < cb_report_count(r); i++) {
		const cb_finding *f = cb_report_get(r, i);
		const char *change = cb_change_of_rule(f->rule);
		const cb_entry *e;
		if (change == NULL || (e = cb_codeset_find(cs, f->subject, strlen(f->subject))) == NULL)
			continue;	/* a category, the format: no code of the set to update */
		cb_jw_obj_begin(w);
		cb_jw_kint(w, "version", cb_codeset_version(cs));
		cb_jw_kstr(w, "code", f->subject);
		cb_jw_kint(w, "id", cb_entry_id(e));
		cb_jw_kstr(w, "change", change);
		cb_jw_kstr(w, "rule", f->rule);
		cb_jw_kstr(w, "message", f->message);
		cb_jw_key(w, "entry");
		cb_view_entry(w, e);
		cb_jw_obj_end(w);
		n++;
	}
	return n;
}

/* ---- mappings ---------------------------------------------------------- */

static void
view_link(cb_jw *w, const cb_mapping_link *l, int with_from)
{
	cb_jw_obj_begin(w);
	if (with_from)
		cb_jw_kstr(w, "from", l->from);
	cb_jw_kstr(w, "to", l->to);	/* null when unmatched */
	cb_jw_kstr(w, "equivalence", cb_equivalence_name(l->equivalence));
	cb_jw_kstr(w, "basis", l->basis);
	if (l->comment[0] != '\0')
		cb_jw_kstr(w, "comment", l->comment);
	cb_jw_obj_end(w);
}

void
cb_view_mapping(cb_jw *w, const cb_mapping *m, int links)
{
	size_t i, n = cb_mapping_link_count(m), judged = 0;

	for (i = 0; i < n; i++)
		if (strcmp(cb_mapping_link_get(m, i)->basis, "judgement") == 0)
			judged++;
	cb_jw_obj_begin(w);
	cb_jw_kstr(w, "name", cb_mapping_name(m));
	cb_jw_kstr(w, "title", cb_mapping_title(m));
	cb_jw_kstr(w, "description", cb_mapping_description(m));
	cb_jw_kstr(w, "source_set", cb_mapping_source_set(m));
	cb_jw_kstr(w, "target_set", cb_mapping_target_set(m));
	cb_jw_kbool(w, "complete", cb_mapping_complete(m));
	cb_jw_kint(w, "link_count", (long long)n);
	cb_jw_kint(w, "judgement_count", (long long)judged);
	if (links) {
		cb_jw_key(w, "links");
		cb_jw_arr_begin(w);
		for (i = 0; i < n; i++)
			view_link(w, cb_mapping_link_get(m, i), 1);
		cb_jw_arr_end(w);
	}
	cb_jw_obj_end(w);
}

void
cb_view_translation(cb_jw *w, const cb_mapping *m, const char *code, size_t len, const cb_codeset *source)
{
	size_t first, n = cb_mapping_translate(m, code, len, &first), i;
	int result = 0;

	for (i = 0; i < n; i++)
		if (cb_mapping_link_get(m, first + i)->to != NULL)
			result = 1;
	cb_jw_obj_begin(w);
	cb_jw_kstr(w, "mapping", cb_mapping_name(m));
	cb_jw_kstr(w, "source_set", cb_mapping_source_set(m));
	cb_jw_kstr(w, "target_set", cb_mapping_target_set(m));
	cb_jw_kstrn(w, "code", code, len);
	cb_jw_key(w, "in_source_set");
	if (source == NULL)
		cb_jw_null(w);
	else
		cb_jw_bool(w, cb_codeset_find(source, code, len) != NULL);
	cb_jw_kbool(w, "result", result);
	cb_jw_kbool(w, "mapped", n > 0);
	cb_jw_key(w, "matches");
	cb_jw_arr_begin(w);
	for (i = 0; i < n; i++)
		view_link(w, cb_mapping_link_get(m, first + i), 0);
	cb_jw_arr_end(w);
	cb_jw_obj_end(w);
}
