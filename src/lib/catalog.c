/* SPDX-License-Identifier: Apache-2.0 */
/*
 * catalog.c - load a directory of code sets, one NAME.json per set.
 */
#include "codeset_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cb_catalog {
	char        *cat_dir;
	cb_codeset **cat_sets;
	size_t       cat_n;
};

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
cb_catalog_free(cb_catalog *cat)
{
	size_t i;

	if (cat == NULL)
		return;
	for (i = 0; i < cat->cat_n; i++)
		cb_codeset_free(cat->cat_sets[i]);
	free(cat->cat_sets);
	free(cat->cat_dir);
	free(cat);
}

int
cb_catalog_load_dir(cb_catalog **out, const char *dir)
{
	cb_catalog *cat = NULL;
	DIR *dp = NULL;
	struct dirent *de;
	char **names = NULL, *path = NULL;
	size_t n = 0, i;
	int rc;

	if (out == NULL || dir == NULL)
		return cb__fail(CB_EINVAL, "cb_catalog_load_dir: NULL argument");
	*out = NULL;
	if ((dp = opendir(dir)) == NULL)
		return cb__fail_errno(errno == ENOENT ? CB_ENOTFOUND : CB_EIO, "catalog directory %s", dir);
	if ((names = cb__calloc(CB_MAX_SETS, sizeof(*names))) == NULL) {
		rc = cb__fail(CB_ENOMEM, "out of memory");
		goto out;
	}
	while ((de = readdir(dp)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len <= 5 || strcmp(de->d_name + len - 5, ".json") != 0 || de->d_name[0] == '.')
			continue;
		if (n == CB_MAX_SETS) {
			rc = cb__fail(CB_ETOOBIG, "%s: more than %d code sets", dir, CB_MAX_SETS);
			goto out;
		}
		if ((names[n++] = cb__strndup(de->d_name, len - 5)) == NULL) {
			rc = cb__fail(CB_ENOMEM, "out of memory");
			goto out;
		}
	}
	qsort(names, n, sizeof(*names), by_name);
	if ((cat = cb__calloc(1, sizeof(*cat))) == NULL ||
	    (cat->cat_sets = cb__calloc(n ? n : 1, sizeof(*cat->cat_sets))) == NULL ||
	    (cat->cat_dir = cb__strdup(dir)) == NULL) {
		rc = cb__fail(CB_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		size_t plen = strlen(dir) + strlen(names[i]) + 7;
		cb_codeset *cs;
		free(path);
		if ((path = cb__malloc(plen)) == NULL) {
			rc = cb__fail(CB_ENOMEM, "out of memory");
			goto out;
		}
		snprintf(path, plen, "%s/%s.json", dir, names[i]);
		if ((rc = cb_codeset_load_file(&cs, path)) != CB_OK)
			goto out;
		cat->cat_sets[cat->cat_n++] = cs;
		if (strcmp(cs->cs_name, names[i]) != 0) {
			rc = cb__fail(CB_EPARSE, "%s: holds set \"%s\"; name the file %s.json or fix \"name\"",
			    path, cs->cs_name, cs->cs_name);
			goto out;
		}
	}
	*out = cat;
	cat = NULL;
	rc = CB_OK;
out:
	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	free(path);
	cb_catalog_free(cat);
	closedir(dp);
	return rc;
}

size_t
cb_catalog_count(const cb_catalog *cat)
{
	return cat ? cat->cat_n : 0;
}

const cb_codeset *
cb_catalog_get(const cb_catalog *cat, size_t i)
{
	return (cat && i < cat->cat_n) ? cat->cat_sets[i] : NULL;
}

const cb_codeset *
cb_catalog_find(const cb_catalog *cat, const char *name)
{
	size_t i;

	for (i = 0; cat && name && i < cat->cat_n; i++)
		if (strcmp(cat->cat_sets[i]->cs_name, name) == 0)
			return cat->cat_sets[i];
	return NULL;
}

const char *
cb_catalog_dir(const cb_catalog *cat)
{
	return cat ? cat->cat_dir : "";
}
