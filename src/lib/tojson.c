/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tojson.c - write a code set back in the file format, canonically: the
 * fields in schema order, defaults left out, so equal sets give equal
 * bytes (the service's ETags and stored versions rely on it).
 */
#include "codeset_int.h"

#include <string.h>

#include "../util/jsonw.h"

static void
write_entry(cb_jw *w, const cb_codeset *cs, const struct cb_entry *e)
{
	size_t d, v, i;

	cb_jw_obj_begin(w);
	if (e->e_code != NULL) {
		cb_jw_kstrn(w, "code", e->e_code, e->e_code_len);
		cb_jw_kint(w, "id", e->e_id);	/* assigned ids too: publishing fixes them */
	} else {
		cb_jw_kbool(w, "code_missing", 1);
	}
	if (e->e_category >= 0)
		cb_jw_kstr(w, "category", cs->cs_cats[e->e_category].c_name);
	if (e->e_description != NULL)
		cb_jw_kstr(w, "description", e->e_description);
	if (e->e_editorial_version > 0) {
		cb_jw_key(w, "editorial");
		cb_jw_obj_begin(w);
		cb_jw_kint(w, "version", e->e_editorial_version);
		cb_jw_kstr(w, "note", e->e_editorial_note);
		cb_jw_obj_end(w);
	}
	cb_jw_kstr(w, "status", cb_status_name(e->e_status));
	if (e->e_since > 0)
		cb_jw_kint(w, "since", e->e_since);
	if (e->e_deprecated_since > 0)
		cb_jw_kint(w, "deprecated_since", e->e_deprecated_since);
	if (e->e_replaced_by[0] != '\0')
		cb_jw_kstr(w, "replaced_by", e->e_replaced_by);
	for (d = 0; d < cs->cs_ndims; d++)
		if (e->e_applies[d] != 0)
			break;
	if (d < cs->cs_ndims) {
		cb_jw_key(w, "applies");
		cb_jw_obj_begin(w);
		for (d = 0; d < cs->cs_ndims; d++) {
			if (e->e_applies[d] == 0)
				continue;
			cb_jw_key(w, cs->cs_dims[d].d_name);
			cb_jw_arr_begin(w);
			for (v = 0; v < cs->cs_dims[d].d_nvalues; v++)
				if ((e->e_applies[d] >> v) & 1)
					cb_jw_str(w, cs->cs_dims[d].d_values[v]);
			cb_jw_arr_end(w);
		}
		cb_jw_obj_end(w);
	}
	if (e->e_handling >= 0)
		cb_jw_kstr(w, "handling", cs->cs_handling[e->e_handling].h_name);
	if (e->e_http_status > 0)
		cb_jw_kint(w, "http_status", e->e_http_status);
	if (e->e_not_an_error)
		cb_jw_kbool(w, "not_an_error", 1);
	if (e->e_nattrs > 0) {
		cb_jw_key(w, "attributes");
		cb_jw_obj_begin(w);
		for (i = 0; i < e->e_nattrs; i++)
			cb_jw_kstr(w, e->e_attrs[i].key, e->e_attrs[i].value);
		cb_jw_obj_end(w);
	}
	cb_jw_obj_end(w);
}

/* The set's attributes and format rules. */
static void
write_header(cb_jw *w, const cb_codeset *cs)
{
	cb_jw_kstr(w, "name", cs->cs_name);
	cb_jw_kstr(w, "title", cs->cs_title);
	cb_jw_kint(w, "version", cs->cs_version);
	if (cs->cs_description)
		cb_jw_kstr(w, "description", cs->cs_description);
	if (cs->cs_source)
		cb_jw_kstr(w, "source", cs->cs_source);
	if (cs->cs_mirror)
		cb_jw_kbool(w, "mirror", 1);
	if (cs->cs_repeated)
		cb_jw_kbool(w, "repeated_codes", 1);
	if (cs->cs_reject_deprecated)
		cb_jw_kstr(w, "deprecated", "reject");
	cb_jw_key(w, "format");
	cb_jw_obj_begin(w);
	cb_jw_kstr(w, "charset", cs->cs_fmt.f_charset);
	cb_jw_kstr(w, "shape", cb_shape_name(cs->cs_fmt.f_shape));
	if (cs->cs_fmt.f_case != CB_CASE_ANY)
		cb_jw_kstr(w, "case", cb_case_name(cs->cs_fmt.f_case));
	if (cs->cs_fmt.f_case_enforced)
		cb_jw_kbool(w, "case_enforced", 1);
	if (cs->cs_fmt.f_min != 1)
		cb_jw_kint(w, "min_length", cs->cs_fmt.f_min);
	if (cs->cs_fmt.f_max != CB_MAX_CODE_LEN)
		cb_jw_kint(w, "max_length", cs->cs_fmt.f_max);
	cb_jw_obj_end(w);
}

/* Contexts, categories, handling classes and policy, those the set has. */
static void
write_declarations(cb_jw *w, const cb_codeset *cs)
{
	size_t i, v;

	if (cs->cs_ndims > 0) {
		cb_jw_key(w, "contexts");
		cb_jw_obj_begin(w);
		for (i = 0; i < cs->cs_ndims; i++) {
			cb_jw_key(w, cs->cs_dims[i].d_name);
			cb_jw_obj_begin(w);
			if (cs->cs_dims[i].d_description)
				cb_jw_kstr(w, "description", cs->cs_dims[i].d_description);
			if (cs->cs_dims[i].d_descriptive)
				cb_jw_kbool(w, "descriptive", 1);
			cb_jw_key(w, "values");
			cb_jw_arr_begin(w);
			for (v = 0; v < cs->cs_dims[i].d_nvalues; v++)
				cb_jw_str(w, cs->cs_dims[i].d_values[v]);
			cb_jw_arr_end(w);
			cb_jw_obj_end(w);
		}
		cb_jw_obj_end(w);
	}
	if (cs->cs_ncats > 0) {
		cb_jw_key(w, "categories");
		cb_jw_arr_begin(w);
		for (i = 0; i < cs->cs_ncats; i++) {
			cb_jw_obj_begin(w);
			cb_jw_kstr(w, "name", cs->cs_cats[i].c_name);
			if (cs->cs_cats[i].c_description)
				cb_jw_kstr(w, "description", cs->cs_cats[i].c_description);
			cb_jw_obj_end(w);
		}
		cb_jw_arr_end(w);
	}
	if (cs->cs_nhandling > 0) {
		cb_jw_key(w, "handling");
		cb_jw_arr_begin(w);
		for (i = 0; i < cs->cs_nhandling; i++) {
			const struct cb_handling *h = &cs->cs_handling[i];
			cb_jw_obj_begin(w);
			cb_jw_kstr(w, "name", h->h_name);
			cb_jw_kstr(w, "action", cb_action_name(h->h_action));
			if (h->h_contact_support)
				cb_jw_kbool(w, "contact_support", 1);
			if (h->h_description)
				cb_jw_kstr(w, "description", h->h_description);
			cb_jw_obj_end(w);
		}
		cb_jw_arr_end(w);
	}
	if (cs->cs_has_policy) {
		cb_jw_key(w, "policy");
		cb_jw_obj_begin(w);
		cb_jw_kint(w, "max_attempts", cs->cs_policy.max_attempts);
		cb_jw_kint(w, "base_delay_ms", cs->cs_policy.base_delay_ms);
		cb_jw_kint(w, "max_delay_ms", cs->cs_policy.max_delay_ms);
		cb_jw_obj_end(w);
	}
	if (cs->cs_rules != 0) {
		cb_jw_key(w, "governance");
		cb_jw_obj_begin(w);
		cb_jw_key(w, "rules");
		cb_jw_arr_begin(w);
		for (i = 0; i < cb_codeset_rule_count(cs); i++)
			cb_jw_str(w, cb_codeset_rule(cs, i));
		cb_jw_arr_end(w);
		cb_jw_obj_end(w);
	}
}

int
cb_codeset_to_json(char **out, size_t *outlen, const cb_codeset *cs)
{
	cb_buf b = CB_BUF_INIT((size_t)CB_MAX_CODESET_BYTES * 2);
	cb_jw w;
	size_t i;

	if (out == NULL || cs == NULL)
		return cb__fail(CB_EINVAL, "cb_codeset_to_json: NULL argument");
	*out = NULL;
	cb_jw_init(&w, &b, 1);
	cb_jw_obj_begin(&w);
	write_header(&w, cs);
	write_declarations(&w, cs);
	cb_jw_key(&w, "entries");
	cb_jw_arr_begin(&w);
	for (i = 0; i < cs->cs_nentries; i++)
		write_entry(&w, cs, &cs->cs_entries[i]);
	cb_jw_arr_end(&w);
	cb_jw_obj_end(&w);
	cb_buf_addc(&b, '\n');
	if (b.failed && !b.nomem) {
		cb_buf_reset(&b);
		return cb__fail(CB_ETOOBIG, "serialising %s: larger than %zu bytes", cs->cs_name,
		    (size_t)CB_MAX_CODESET_BYTES * 2);
	}
	if ((*out = cb_buf_detach(&b, outlen)) == NULL)
		return cb__fail(CB_ENOMEM, "serialising %s: out of memory", cs->cs_name);
	return CB_OK;
}
