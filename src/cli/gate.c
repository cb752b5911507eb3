/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gate.c - the governance gate in CI: `codebook diff --against REV [FILE...]`
 * compares each code-set file with the same file at a git revision (as
 * `buf breaking --against` does), and prints the findings as text, JSON or
 * GitHub Actions annotations (`::error file=...,line=...::...`).  git is
 * run without a shell (posix_spawnp), so revisions and file names are
 * never interpreted.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cb_limits.h"
#include "view.h"

extern char **environ;

/*
 * Run @argv (argv[0] looked up in PATH) and collect its standard output
 * into @out (capped at @max bytes).  Returns its exit status (0 success),
 * or -1 when it could not run or wrote more than @max.
 */
static int
capture(const char *const argv[], cb_buf *out, size_t max)
{
	posix_spawn_file_actions_t fa;
	int fds[2], status = -1;
	char chunk[8192];
	pid_t pid;
	ssize_t n;

	cb_buf_init(out, max);
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	/* posix_spawnp's argv is not const-qualified, but it does not write to it */
	if (posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)(uintptr_t)argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	while ((n = read(fds[0], chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || cb_buf_add(out, chunk, (size_t)n) != 0)
			break;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (out->failed)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* GitHub's workflow-command escaping: %, CR and LF always; : and , in
 * properties too. */
static void
gh_escape(FILE *fp, const char *s, int property)
{
	for (; *s; s++) {
		if (*s == '%')
			fputs("%25", fp);
		else if (*s == '\r')
			fputs("%0D", fp);
		else if (*s == '\n')
			fputs("%0A", fp);
		else if (property && *s == ':')
			fputs("%3A", fp);
		else if (property && *s == ',')
			fputs("%2C", fp);
		else
			fputc(*s, fp);
	}
}

void
cli_gate_print_github(const cb_report *r, const char *file)
{
	static const char *const level[] = {
		[CB_SEV_INFO] = "notice", [CB_SEV_WARNING] = "warning",
		[CB_SEV_ERROR] = "error", [CB_SEV_BREAKING] = "error",
	};
	size_t i;

	for (i = 0; i < cb_report_count(r); i++) {
		const cb_finding *f = cb_report_get(r, i);
		printf("::%s file=", level[f->severity]);
		gh_escape(stdout, file, 1);
		if (f->line > 0)
			printf(",line=%u,col=%u", f->line, f->column ? f->column : 1);
		fputs(",title=", stdout);
		gh_escape(stdout, f->rule, 1);
		fputs("::", stdout);
		gh_escape(stdout, f->message, 0);
		putchar('\n');
	}
}

/* The files that changed since @rev and end in .json (added, copied,
 * modified or renamed: a deleted one is reported by the caller through
 * @deleted). */
static int
changed_files(const char *rev, cb_buf *files, cb_buf *deleted)
{
	const char *am[] = { "git", "diff", "--name-only", "--no-renames", "--diff-filter=ACMR", rev,
		"--", "*.json", NULL };
	const char *d[] = { "git", "diff", "--name-only", "--no-renames", "--diff-filter=D", rev,
		"--", "*.json", NULL };

	if (capture(am, files, (size_t)1 << 20) != 0 || capture(d, deleted, (size_t)1 << 20) != 0)
		return cli_error("git diff %s: not a git checkout, or no such revision", rev);
	return EXIT_OK;
}

/* A code set file as it was at @rev: *out NULL when the file did not exist
 * then (a new set: nothing to compare). */
static int
load_at(const char *rev, const char *file, cb_codeset **out)
{
	char spec[PATH_MAX + 128], origin[PATH_MAX + 128];
	const char *argv[] = { "git", "show", spec, NULL };
	cb_buf b;
	int st;

	*out = NULL;
	if ((size_t)snprintf(spec, sizeof(spec), "%s:./%s", rev, file) >= sizeof(spec))
		return cli_error("%s: path too long", file);
	st = capture(argv, &b, CB_MAX_CODESET_BYTES);
	if (st != 0) {
		cb_buf_reset(&b);
		return st > 0 ? EXIT_OK : cli_error("git show %s: cannot run git or the file is too large", spec);
	}
	(void)snprintf(origin, sizeof(origin), "%s:%s", rev, file);
	st = cb_codeset_load_buffer(out, b.p ? b.p : "", b.len, origin);
	cb_buf_reset(&b);
	return st == CB_OK ? EXIT_OK : cli_error("%s", cb_errmsg());
}

/* 1 when @text (the start of a JSON file) has a "name" and "entries": a
 * code set, not some other JSON file that sits in the repository. */
static int
looks_like_set_text(const char *text)
{
	return strstr(text, "\"entries\"") != NULL && strstr(text, "\"name\"") != NULL;
}

static int
looks_like_set(const char *path)
{
	char head[65536];
	FILE *fp = fopen(path, "rb");
	size_t n;

	if (fp == NULL)
		return 0;
	n = fread(head, 1, sizeof(head) - 1, fp);
	fclose(fp);
	head[n] = '\0';
	return looks_like_set_text(head);
}

/* 1 when @file was a code set at @rev. */
static int
was_set(const char *rev, const char *file)
{
	char spec[PATH_MAX + 128];
	const char *argv[] = { "git", "show", spec, NULL };
	cb_buf b;
	int yes;

	if ((size_t)snprintf(spec, sizeof(spec), "%s:./%s", rev, file) >= sizeof(spec))
		return 0;
	yes = capture(argv, &b, CB_MAX_CODESET_BYTES) == 0 && b.p != NULL && looks_like_set_text(b.p);
	cb_buf_reset(&b);
	return yes;
}

int
cli_gate(struct cli *c, const char *rev, const char *const *files, size_t nfiles, int fmt)
{
	cb_buf changed = CB_BUF_INIT(0), deleted = CB_BUF_INIT(0);
	int rc = EXIT_OK, any = 0, one;
	size_t i;
	char *p, *nl;

	if (nfiles == 0) {
		if ((rc = changed_files(rev, &changed, &deleted)) != EXIT_OK)
			goto out;
		for (p = deleted.p; p != NULL && *p; p = nl + 1) {
			if ((nl = strchr(p, '\n')) == NULL)
				break;
			*nl = '\0';
			if (!was_set(rev, p))
				continue;
			if (fmt == CLI_GATE_GITHUB)
				printf("::error file=%s,title=SET_NO_DELETE::deleted since %s: a published code set "
				    "is never deleted; deprecate its codes instead\n", p, rev);
			else
				printf("breaking: SET_NO_DELETE: %s was deleted since %s: a published code set is "
				    "never deleted; deprecate its codes instead\n", p, rev);
			rc = EXIT_REJECTED;
		}
	}
	for (i = 0; ; i++) {
		const char *file;
		cb_codeset *old = NULL;
		if (nfiles > 0) {
			if (i == nfiles)
				break;
			file = files[i];
			if (!looks_like_set(file))
				continue;	/* pre-commit passes every staged .json */
		} else {
			if (i == 0)
				p = changed.p;
			if (p == NULL || *p == '\0' || (nl = strchr(p, '\n')) == NULL)
				break;
			*nl = '\0';
			file = p;
			p = nl + 1;
			if (!looks_like_set(file))
				continue;
		}
		if ((one = load_at(rev, file, &old)) != EXIT_OK) {
			rc = one;
			goto out;
		}
		if (old == NULL) {
			if (fmt != CLI_GATE_GITHUB)
				printf("info: SET_ADDED: %s is new since %s\n", file, rev);
			continue;
		}
		any = 1;
		one = cli_diff_sets(c, old, file, fmt);
		cb_codeset_free(old);
		if (one == EXIT_USAGE) {
			rc = EXIT_USAGE;
			goto out;
		}
		if (one == EXIT_REJECTED)
			rc = EXIT_REJECTED;
	}
	if (!any && rc == EXIT_OK && fmt != CLI_GATE_GITHUB)
		printf("no code-set file changed since %s\n", rev);
out:
	cb_buf_reset(&changed);
	cb_buf_reset(&deleted);
	return rc;
}
