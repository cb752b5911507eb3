/* SPDX-License-Identifier: Apache-2.0 */
/*
 * helpers.c - fixtures shared by the unit tests.
 */
#include "helpers.h"

#include <criterion/criterion.h>

#if defined(__SANITIZE_ADDRESS__)
# define CB_TEST_ASAN 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define CB_TEST_ASAN 1
# endif
#endif
#ifdef CB_TEST_ASAN
# include <sanitizer/lsan_interface.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

const char *const bundled_names[4] = {
	"outbound", "qe-reason", "tiktok-reverse-reason@GB", "ttls-error"
};

const char *
J(const char *s)
{
	static char bufs[8][1 << 16];
	static unsigned next;
	char *d = bufs[next++ % 8];
	size_t i, n = strlen(s);

	cr_assert_lt(n, sizeof(bufs[0]), "J(): text too long");
	for (i = 0; i <= n; i++)
		d[i] = s[i] == '\'' ? '"' : s[i];
	return d;
}

cb_report *
lint_text(const char *json)
{
	cb_report *r = NULL;
	const char *t = J(json);
	int rc = cb_lint_buffer(&r, t, strlen(t), "t.json");

	cr_assert_eq(rc, CB_OK, "lint: %s", cb_errmsg());
	cr_assert_not_null(r);
	return r;
}

const cb_finding *
find_rule(const cb_report *r, const char *rule)
{
	size_t i;

	for (i = 0; i < cb_report_count(r); i++)
		if (strcmp(cb_report_get(r, i)->rule, rule) == 0)
			return cb_report_get(r, i);
	return NULL;
}

size_t
count_rule(const cb_report *r, const char *rule)
{
	size_t i, n = 0;

	for (i = 0; i < cb_report_count(r); i++)
		n += strcmp(cb_report_get(r, i)->rule, rule) == 0;
	return n;
}

const char *
bundled_path(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/catalogs/%s.json", CB_SOURCE_DIR, name);
	return path;
}

void
no_leaks(void)
{
#ifdef CB_TEST_ASAN
	cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "memory leaked (see the LeakSanitizer report above)");
#endif
}
