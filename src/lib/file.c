/* SPDX-License-Identifier: Apache-2.0 */
/*
 * file.c - read a whole file with a size cap.
 */
#include "codeset_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int
cb__read_file(char **out, size_t *len, const char *path, size_t max)
{
	FILE *fp = NULL;
	cb_buf b = CB_BUF_INIT(max);
	char chunk[65536];
	size_t n;
	struct stat st;
	int rc;

	*out = NULL;
	*len = 0;
	if ((fp = fopen(path, "rb")) == NULL)
		return cb__fail_errno(errno == ENOENT ? CB_ENOTFOUND : CB_EIO, "%s", path);
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = cb__fail(CB_EIO, "%s: is a directory", path);
		goto out;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (cb_buf_add(&b, chunk, n) != 0) {
			rc = b.nomem ? cb__fail(CB_ENOMEM, "%s: out of memory", path)
			    : cb__fail(CB_ETOOBIG, "%s: larger than %zu bytes", path, max);
			goto out;
		}
	}
	if (ferror(fp)) {
		rc = cb__fail_errno(CB_EIO, "%s: read", path);
		goto out;
	}
	if ((*out = cb_buf_detach(&b, len)) == NULL) {
		rc = cb__fail(CB_ENOMEM, "%s: out of memory", path);
		goto out;
	}
	rc = CB_OK;
out:
	cb_buf_reset(&b);
	fclose(fp);
	return rc;
}
