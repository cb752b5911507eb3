/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_catalog.c - cb_catalog_load_dir(): the bundled directory, and
 * directories made for the case (misnamed, broken, missing, empty, full).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "util/cb_limits.h"


#define BUNDLED_DIR CB_SOURCE_DIR "/catalogs"

static char tmpdir[64];

static void
make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/cb_test_catXXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void
remove_tmpdir(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	char path[512];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(tmpdir);
}

/* Write @text (after J()) to tmpdir/@file; returns the path (static). */
static const char *
put(const char *file, const char *text)
{
	static char path[512];
	const char *t = J(text);
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, file);
	fp = fopen(path, "w");
	cr_assert_not_null(fp);
	cr_assert_eq(fwrite(t, 1, strlen(t), fp), strlen(t));
	fclose(fp);
	return path;
}

#define SET_NAMED(name) "{'name':'" name "','title':'T','version':1," \
	"'format':{'charset':'A-Z','shape':'plain'},'entries':[{'code':'A'}]}"

/* ---- the bundled catalogs ------------------------------------------------------ */

/* "*.json" files in @dir, not hidden. */
static size_t
json_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0, len;

	cr_assert_not_null(d);
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		n += len > 5 && de->d_name[0] != '.' && strcmp(de->d_name + len - 5, ".json") == 0;
	}
	closedir(d);
	return n;
}

Test(catalog, bundled_directory_holds_every_set_sorted)
{
	cb_catalog *cat = NULL;
	size_t i;

	cr_assert_eq(cb_catalog_load_dir(&cat, BUNDLED_DIR), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_catalog_count(cat), json_files(BUNDLED_DIR));
	cr_assert_geq(cb_catalog_count(cat), 4);
	for (i = 1; i < cb_catalog_count(cat); i++)
		cr_assert_lt(strcmp(cb_codeset_name(cb_catalog_get(cat, i - 1)), cb_codeset_name(cb_catalog_get(cat, i))), 0,
		    "not sorted at %zu", i);
	for (i = 0; i < 4; i++) {
		const cb_codeset *cs = cb_catalog_find(cat, bundled_names[i]);
		cr_assert_not_null(cs, "%s", bundled_names[i]);
		cr_assert_str_eq(cb_codeset_name(cs), bundled_names[i]);
	}
	cr_assert_eq(cb_codeset_entry_count(cb_catalog_find(cat, "outbound")), 43);
	cr_assert_str_eq(cb_catalog_dir(cat), BUNDLED_DIR);
	cr_assert_null(cb_catalog_find(cat, "nope"));
	cr_assert_null(cb_catalog_find(cat, NULL));
	cr_assert_null(cb_catalog_get(cat, cb_catalog_count(cat)));
	cb_catalog_free(cat);
}

Test(catalog, the_four_seed_sets_come_in_name_order)
{
	cb_catalog *cat = NULL;
	size_t i, k = 0;

	cr_assert_eq(cb_catalog_load_dir(&cat, BUNDLED_DIR), CB_OK);
	/* bundled_names is in name order; the seed sets appear in that order */
	for (i = 0; i < cb_catalog_count(cat) && k < 4; i++)
		if (strcmp(cb_codeset_name(cb_catalog_get(cat, i)), bundled_names[k]) == 0)
			k++;
	cr_assert_eq(k, 4);
	cb_catalog_free(cat);
}

Test(catalog, sets_outlive_their_catalog_when_referenced)
{
	cb_catalog *cat = NULL;
	cb_codeset *cs;
	cb_check_result r = CB_CHECK_RESULT_INIT;

	cr_assert_eq(cb_catalog_load_dir(&cat, BUNDLED_DIR), CB_OK);
	cs = cb_codeset_ref((cb_codeset *)(uintptr_t)cb_catalog_find(cat, "outbound"));
	cb_catalog_free(cat);
	cr_assert_eq(cb_check(&r, cs, "FRAUD.CHARGEBACK", 16, NULL, 0), CB_OK);
	cr_assert_eq(r.reason, CB_VALID);
	cb_codeset_free(cs);
}

/* ---- directories made for the case ------------------------------------------------- */

Test(catalog, file_named_after_another_set_is_refused, .init = make_tmpdir, .fini = remove_tmpdir)
{
	cb_catalog *cat = (cb_catalog *)1;
	char want[256];

	put("alpha.json", SET_NAMED("alpha"));
	put("beta.json", SET_NAMED("gamma"));
	cr_assert_eq(cb_catalog_load_dir(&cat, tmpdir), CB_EPARSE);
	cr_assert_null(cat);
	no_leaks();
	snprintf(want, sizeof(want), "%s/beta.json: holds set \"gamma\"", tmpdir);
	cr_assert(strstr(cb_errmsg(), want) != NULL, "%s", cb_errmsg());
	cr_assert(strstr(cb_errmsg(), "gamma.json") != NULL, "%s", cb_errmsg());
}

Test(catalog, broken_file_is_named_with_its_position, .init = make_tmpdir, .fini = remove_tmpdir)
{
	cb_catalog *cat = (cb_catalog *)1;
	char want[256];

	put("alpha.json", SET_NAMED("alpha"));
	put("broken.json", "{\n  'name': 'broken',\n  'title': 'B' 'version': 1\n}");
	cr_assert_eq(cb_catalog_load_dir(&cat, tmpdir), CB_EPARSE);
	cr_assert_null(cat);
	no_leaks();
	snprintf(want, sizeof(want), "%s/broken.json:3:16: ", tmpdir);
	cr_assert(strncmp(cb_errmsg(), want, strlen(want)) == 0, "%s", cb_errmsg());
}

Test(catalog, missing_directory_is_not_found)
{
	cb_catalog *cat = (cb_catalog *)1;

	cr_assert_eq(cb_catalog_load_dir(&cat, "/nonexistent/catalogs"), CB_ENOTFOUND);
	cr_assert_null(cat);
	cr_assert(strstr(cb_errmsg(), "/nonexistent/catalogs") != NULL, "%s", cb_errmsg());
}

Test(catalog, a_file_is_not_a_directory)
{
	cb_catalog *cat = NULL;

	cr_assert_eq(cb_catalog_load_dir(&cat, bundled_path("outbound")), CB_EIO);
	cr_assert_null(cat);
}

Test(catalog, empty_directory_is_an_empty_catalog, .init = make_tmpdir, .fini = remove_tmpdir)
{
	cb_catalog *cat = NULL;

	cr_assert_eq(cb_catalog_load_dir(&cat, tmpdir), CB_OK);
	cr_assert_eq(cb_catalog_count(cat), 0);
	cr_assert_null(cb_catalog_get(cat, 0));
	cb_catalog_free(cat);
}

Test(catalog, other_files_and_hidden_files_are_ignored, .init = make_tmpdir, .fini = remove_tmpdir)
{
	cb_catalog *cat = NULL;

	put("zeta.json", SET_NAMED("zeta"));
	put("alpha.json", SET_NAMED("alpha"));
	put("notes.txt", "not a set");
	put(".hidden.json", "not a set either");
	put("x.json.bak", "{");
	put(".json", "{");
	cr_assert_eq(cb_catalog_load_dir(&cat, tmpdir), CB_OK, "%s", cb_errmsg());
	cr_assert_eq(cb_catalog_count(cat), 2);
	cr_assert_str_eq(cb_codeset_name(cb_catalog_get(cat, 0)), "alpha");
	cr_assert_str_eq(cb_codeset_name(cb_catalog_get(cat, 1)), "zeta");
	cb_catalog_free(cat);
}

Test(catalog, too_many_sets_are_too_big, .init = make_tmpdir, .fini = remove_tmpdir)
{
	cb_catalog *cat = NULL;
	char name[32], json[256];
	int i;

	for (i = 0; i <= CB_MAX_SETS; i++) {
		snprintf(name, sizeof(name), "s%d.json", i);
		snprintf(json, sizeof(json), SET_NAMED("s%d"), i);
		put(name, json);
	}
	cr_assert_eq(cb_catalog_load_dir(&cat, tmpdir), CB_ETOOBIG);
	cr_assert_null(cat);
	cr_assert(strstr(cb_errmsg(), "more than 256 code sets") != NULL, "%s", cb_errmsg());
	no_leaks();
}

Test(catalog, null_arguments_are_einval)
{
	cb_catalog *cat = NULL;

	cr_assert_eq(cb_catalog_load_dir(NULL, BUNDLED_DIR), CB_EINVAL);
	cr_assert_eq(cb_catalog_load_dir(&cat, NULL), CB_EINVAL);
	cr_assert_eq(cb_catalog_count(NULL), 0);
	cb_catalog_free(NULL);
}
