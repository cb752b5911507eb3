/* SPDX-License-Identifier: Apache-2.0 */
/*
 * h_mappings.c - the mappings between sets (docs/mappings.md): the list,
 * one mapping with its links, and a translation.  The mappings are the
 * files of the catalogs' mappings/ directory, loaded at start; the
 * governance gate keeps the complete ones complete (registry.c).
 */
#include "svc_int.h"

#include <string.h>

#include "view.h"

/* The mapping named by the path's {name}, or NULL after a 404. */
static const cb_mapping *
req_mapping(struct svc_req *r)
{
	char name[160];
	const cb_mapping *m = NULL;

	if (svc_req_capture(r, "name", name, sizeof(name)) != NULL)
		m = cb_mappings_find(r->svc->mappings, name, strlen(name));
	if (m == NULL)
		svc_problem(r, P_NOT_FOUND, "no mapping \"%s\" (GET /v1/mappings lists them)", name);
	return m;
}

void
h_mappings_list(struct svc_req *r)
{
	size_t i;
	cb_jw w;

	svc_json_begin(r, &w);
	cb_jw_obj_begin(&w);
	cb_jw_key(&w, "mappings");
	cb_jw_arr_begin(&w);
	for (i = 0; i < cb_mappings_count(r->svc->mappings); i++)
		cb_view_mapping(&w, cb_mappings_get(r->svc->mappings, i), 0);
	cb_jw_arr_end(&w);
	cb_jw_obj_end(&w);
	svc_json(r, 200);
}

void
h_mapping_get(struct svc_req *r)
{
	const cb_mapping *m = req_mapping(r);
	cb_jw w;

	if (m == NULL)
		return;
	svc_json_begin(r, &w);
	cb_view_mapping(&w, m, 1);
	svc_json(r, 200);
}

void
h_mapping_translate(struct svc_req *r)
{
	const cb_mapping *m = req_mapping(r);
	const char *code = r->q[0].s;
	struct svc_snap *snap;
	struct svc_set *src;
	cb_jw w;

	if (m == NULL)
		return;
	if (code == NULL || code[0] == '\0') {
		svc_bad_param(r, "code", "translate needs ?code=, a code of %s", cb_mapping_source_set(m));
		return;
	}
	snap = svc_snap_get(r->svc);
	src = svc_snap_find(snap, cb_mapping_source_set(m), strlen(cb_mapping_source_set(m)));
	svc_json_begin(r, &w);
	cb_view_translation(&w, m, code, strlen(code), src ? src->cs : NULL);
	svc_snap_put(snap);
	svc_json(r, 200);
}
