/*
 * helpers.c - fixtures shared by the unit tests.
 */
#include "helpers.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

cb_codeset *
load_bundled(const char *name)
{
	char path[4096];
	cb_codeset *cs = NULL;
	int rc;

	snprintf(path, sizeof(path), "%s/catalogs/%s.json", CB_SOURCE_DIR, name);
	rc = cb_codeset_load_file(&cs, path);
	cr_assert_eq(rc, CB_OK, "loading %s: %s", path, cb_errmsg());
	return cs;
}

cb_codeset *
load_text(const char *json)
{
	cb_codeset *cs = NULL;
	int rc = cb_codeset_load_buffer(&cs, json, strlen(json), "test.json");

	cr_assert_eq(rc, CB_OK, "loading test set: %s", cb_errmsg());
	return cs;
}

char *
read_source_file(const char *relpath, size_t *len)
{
	char path[4096];
	FILE *fp;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", CB_SOURCE_DIR, relpath);
	fp = fopen(path, "rb");
	cr_assert_not_null(fp, "open %s", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	if (len)
		*len = (size_t)n;
	return buf;
}
