/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mapping_lint.c - a mapping against its sets (cb_mapping_lint), the
 * mappings of a directory, and the governance rule that keeps complete
 * mappings complete when a set is published (MAPPING_KEEPS_COMPLETE).
 */
#include "codeset_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Does @cs hold @code in an entry that is not retired?  1 active or
 * deprecated, 0 retired only, -1 not at all; *deprecated when every entry
 * of it that is not retired is deprecated. */
static int
live(const cb_codeset *cs, const char *code, int *deprecated)
{
	const cb_entry *e = cb_codeset_find(cs, code, strlen(code));
	int found = -1;

	*deprecated = 1;
	for (; e != NULL; e = cb_entry_next_same(e)) {
		if (cb_entry_status(e) == CB_STATUS_RETIRED) {
			if (found < 0)
				found = 0;
			continue;
		}
		found = 1;
		if (cb_entry_status(e) == CB_STATUS_ACTIVE)
			*deprecated = 0;
	}
	return found;
}

static int
lint_link(cb_report *r, const cb_mapping *m, const cb_mapping_link *l, const cb_codeset *src,
    const cb_codeset *dst)
{
	const char *o = cb_mapping_origin(m);
	int dep, st;

	if (src != NULL && live(src, l->from, &dep) < 0 &&
	    cb__report_add(r, "MAPPING_SOURCE_UNKNOWN", l->from, o, l->line, l->column,
	    "link from \"%s\": %s version %d has no such code", l->from, cb_codeset_name(src),
	    cb_codeset_version(src)) != CB_OK)
		return CB_ENOMEM;
	if (dst == NULL || l->to == NULL)
		return CB_OK;
	st = live(dst, l->to, &dep);
	if (st < 0)
		return cb__report_add(r, "MAPPING_TARGET_UNKNOWN", l->to, o, l->line, l->column,
		    "link from \"%s\" to \"%s\": %s version %d has no such code", l->from, l->to, cb_codeset_name(dst),
		    cb_codeset_version(dst));
	if (st == 0)
		return cb__report_add(r, "MAPPING_TARGET_RETIRED", l->to, o, l->line, l->column,
		    "link from \"%s\" to \"%s\": the target is retired in %s version %d; link to its successor or "
		    "mark the code unmatched", l->from, l->to, cb_codeset_name(dst), cb_codeset_version(dst));
	if (dep)
		return cb__report_add(r, "MAPPING_TARGET_DEPRECATED", l->to, o, l->line, l->column,
		    "link from \"%s\" to \"%s\": the target is deprecated in %s version %d", l->from, l->to,
		    cb_codeset_name(dst), cb_codeset_version(dst));
	return CB_OK;
}

/* A complete mapping: every code of @src that is not retired has a link. */
static int
lint_complete(cb_report *r, const cb_mapping *m, const cb_codeset *src)
{
	size_t i, n = cb_codeset_entry_count(src), first;

	for (i = 0; i < n; i++) {
		const cb_entry *e = cb_codeset_entry(src, i);
		const char *code = cb_entry_code(e);
		if (code == NULL || code[0] == '\0' || cb_entry_status(e) == CB_STATUS_RETIRED ||
		    cb_codeset_find(src, code, strlen(code)) != e)
			continue;	/* rows without a code, retired ones, and each code once */
		if (cb_mapping_translate(m, code, strlen(code), &first) > 0)
			continue;
		if (cb__report_add(r, "MAPPING_INCOMPLETE", code, cb_mapping_origin(m), 0, 0,
		    "mapping %s is declared complete, but %s code \"%s\" (version %d) has no link: link it, or add an "
		    "unmatched link saying it has no counterpart", cb_mapping_name(m), cb_codeset_name(src), code,
		    cb_codeset_version(src)) != CB_OK)
			return CB_ENOMEM;
	}
	return CB_OK;
}

static int
lint_into(cb_report *r, const cb_mapping *m, const cb_codeset *src, const cb_codeset *dst)
{
	size_t i;
	int rc;

	if (src == NULL && (rc = cb__report_add(r, "MAPPING_SET_UNKNOWN", cb_mapping_source_set(m),
	    cb_mapping_origin(m), 0, 0, "source set %s not found", cb_mapping_source_set(m))) != CB_OK)
		return rc;
	if (dst == NULL && (rc = cb__report_add(r, "MAPPING_SET_UNKNOWN", cb_mapping_target_set(m),
	    cb_mapping_origin(m), 0, 0, "target set %s not found", cb_mapping_target_set(m))) != CB_OK)
		return rc;
	for (i = 0; i < cb_mapping_link_count(m); i++)
		if ((rc = lint_link(r, m, cb_mapping_link_get(m, i), src, dst)) != CB_OK)
			return rc;
	if (src != NULL && cb_mapping_complete(m))
		return lint_complete(r, m, src);
	return CB_OK;
}

int
cb_mapping_lint(cb_report **out, const cb_mapping *m, const cb_codeset *source, const cb_codeset *target)
{
	cb_report *r;
	int rc;

	if (out == NULL || m == NULL)
		return cb__fail(CB_EINVAL, "cb_mapping_lint: NULL argument");
	*out = NULL;
	if ((r = cb__report_new()) == NULL)
		return cb__fail(CB_ENOMEM, "out of memory");
	if ((rc = lint_into(r, m, source, target)) != CB_OK) {
		cb_report_free(r);
		return rc == CB_ENOMEM ? cb__fail(CB_ENOMEM, "out of memory") : rc;
	}
	*out = r;
	return CB_OK;
}

/* ---- a directory of mappings ------------------------------------------- */

struct cb_mappings {
	cb_mapping **ms_items;
	size_t       ms_n;
};

void
cb_mappings_free(cb_mappings *ms)
{
	size_t i;

	if (ms == NULL)
		return;
	for (i = 0; i < ms->ms_n; i++)
		cb_mapping_free(ms->ms_items[i]);
	free(ms->ms_items);
	free(ms);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The "*.json" names of @dir, sorted, into names[0..*n). */
static int
list_dir(const char *dir, char **names, size_t *n)
{
	struct dirent *de;
	DIR *dp;
	int rc = CB_OK;

	*n = 0;
	if ((dp = opendir(dir)) == NULL)
		return errno == ENOENT ? CB_OK : cb__fail_errno(CB_EIO, "mapping directory %s", dir);
	while ((de = readdir(dp)) != NULL && rc == CB_OK) {
		size_t len = strlen(de->d_name);
		if (len <= 5 || strcmp(de->d_name + len - 5, ".json") != 0 || de->d_name[0] == '.')
			continue;
		if (*n == CB_MAX_MAPPINGS)
			rc = cb__fail(CB_ETOOBIG, "%s: more than %d mappings", dir, CB_MAX_MAPPINGS);
		else if ((names[(*n)++] = cb__strdup(de->d_name)) == NULL)
			rc = cb__fail(CB_ENOMEM, "out of memory");
	}
	closedir(dp);
	qsort(names, *n, sizeof(*names), by_name);
	return rc;
}

int
cb_mappings_load_dir(cb_mappings **out, const char *dir)
{
	cb_mappings *ms = NULL;
	char **names = NULL, path[4096];
	size_t n = 0, i, j;
	int rc;

	if (out == NULL || dir == NULL)
		return cb__fail(CB_EINVAL, "cb_mappings_load_dir: NULL argument");
	*out = NULL;
	if ((names = cb__calloc(CB_MAX_MAPPINGS, sizeof(*names))) == NULL ||
	    (ms = cb__calloc(1, sizeof(*ms))) == NULL ||
	    (ms->ms_items = cb__calloc(CB_MAX_MAPPINGS, sizeof(*ms->ms_items))) == NULL) {
		rc = cb__fail(CB_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = list_dir(dir, names, &n)) != CB_OK)
		goto out;
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= sizeof(path)) {
			rc = cb__fail(CB_ETOOBIG, "%s/%s: path too long", dir, names[i]);
			goto out;
		}
		if ((rc = cb_mapping_load_file(&ms->ms_items[ms->ms_n], path)) != CB_OK)
			goto out;
		ms->ms_n++;
		for (j = 0; j + 1 < ms->ms_n; j++)
			if (strcmp(cb_mapping_name(ms->ms_items[j]), cb_mapping_name(ms->ms_items[ms->ms_n - 1])) == 0) {
				rc = cb__fail(CB_EPARSE, "%s: mapping \"%s\" is also defined in %s", path,
				    cb_mapping_name(ms->ms_items[j]), cb_mapping_origin(ms->ms_items[j]));
				goto out;
			}
	}
	*out = ms;
	ms = NULL;
out:
	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	cb_mappings_free(ms);
	return rc;
}

size_t
cb_mappings_count(const cb_mappings *ms)
{
	return ms ? ms->ms_n : 0;
}

const cb_mapping *
cb_mappings_get(const cb_mappings *ms, size_t i)
{
	return ms && i < ms->ms_n ? ms->ms_items[i] : NULL;
}

const cb_mapping *
cb_mappings_find(const cb_mappings *ms, const char *name, size_t len)
{
	size_t i;

	for (i = 0; ms && name && i < ms->ms_n; i++) {
		const char *n = cb_mapping_name(ms->ms_items[i]);
		if (strlen(n) == len && memcmp(n, name, len) == 0)
			return ms->ms_items[i];
	}
	return NULL;
}

/* ---- the governance rule ----------------------------------------------- */

/* The errors of complete mapping @m against @src and @dst, as breaking
 * findings in @r. */
static int
gate_one(cb_report *r, const cb_mapping *m, const cb_codeset *src, const cb_codeset *dst, const char *set)
{
	cb_report *lr = NULL;
	size_t i;
	int rc;

	if ((rc = cb_mapping_lint(&lr, m, src, dst)) != CB_OK)
		return rc;
	for (i = 0; i < cb_report_count(lr) && rc == CB_OK; i++) {
		const cb_finding *f = cb_report_get(lr, i);
		if (f->severity < CB_SEV_ERROR || strcmp(f->rule, "MAPPING_SET_UNKNOWN") == 0)
			continue;	/* the other set not served: nothing this version breaks */
		rc = cb__report_add(r, "MAPPING_KEEPS_COMPLETE", f->subject, "", 0, 0,
		    "this version of %s would break complete mapping %s: %s: %s", set, cb_mapping_name(m),
		    f->rule, f->message);
	}
	cb_report_free(lr);
	return rc;
}

int
cb_mappings_gate(cb_report **out, const cb_mappings *ms, const cb_codeset *cs, cb_set_lookup lookup, void *arg)
{
	const char *name;
	size_t i;
	int rc = CB_OK, fresh = 0;

	if (out == NULL || cs == NULL)
		return cb__fail(CB_EINVAL, "cb_mappings_gate: NULL argument");
	name = cb_codeset_name(cs);
	for (i = 0; i < cb_mappings_count(ms) && rc == CB_OK; i++) {
		const cb_mapping *m = cb_mappings_get(ms, i);
		int is_src = strcmp(cb_mapping_source_set(m), name) == 0;
		int is_dst = strcmp(cb_mapping_target_set(m), name) == 0;
		const cb_codeset *src, *dst;
		if (!cb_mapping_complete(m) || (!is_src && !is_dst))
			continue;
		src = is_src ? cs : (lookup ? lookup(arg, cb_mapping_source_set(m)) : NULL);
		dst = is_dst ? cs : (lookup ? lookup(arg, cb_mapping_target_set(m)) : NULL);
		if (*out == NULL) {
			if ((*out = cb__report_new()) == NULL)
				return cb__fail(CB_ENOMEM, "out of memory");
			fresh = 1;
		}
		rc = gate_one(*out, m, src, dst, name);
	}
	if (rc != CB_OK && fresh) {
		cb_report_free(*out);
		*out = NULL;
	}
	return rc;
}
