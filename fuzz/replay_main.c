/* SPDX-License-Identifier: Apache-2.0 */
/*
 * replay_main.c - run a fuzz target's entry point over every file of a
 * corpus directory (or the files given), so `ctest` replays the corpora
 * without libFuzzer, and under the sanitizers in `make test`.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0, got;
	uint8_t chunk[65536];

	if (fp == NULL) {
		perror(path);
		return 1;
	}
	while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (n + got > cap) {
			uint8_t *nb;
			cap = (n + got) * 2;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				fclose(fp);
				return 1;
			}
			buf = nb;
		}
		memcpy(buf + n, chunk, got);
		n += got;
	}
	fclose(fp);
	/* an exact-size copy, so ASan sees reads past the input */
	uint8_t *exact = malloc(n ? n : 1);
	if (exact == NULL) {
		free(buf);
		return 1;
	}
	if (n)
		memcpy(exact, buf, n);
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	int i, files = 0, failed = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *de;
			while (d && (de = readdir(d)) != NULL) {
				char path[4096];
				if (de->d_name[0] == '.')
					continue;
				snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
				failed |= run_file(path);
				files++;
			}
			if (d)
				closedir(d);
		} else {
			failed |= run_file(argv[i]);
			files++;
		}
	}
	printf("replayed %d inputs\n", files);
	return failed || files == 0;
}
