/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_config.c - the settings of serve and worker (src/cli/config.c):
 * precedence of flags, environment, file and defaults; the faults of a
 * file named by file:line and key; and docs/configuration.md's table,
 * which must be the one the code writes from its table of settings.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/config.h"
#include "helpers.h"

/* The CLI's error printer, captured: the last message. */
static char last_error[1024];

int
cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

static struct cli cli = { "/bundled", NULL, 0, NULL, NULL };
static struct cli_config cfg;
static char path[256];

static void
fini(void)
{
	cli_config_free(&cfg);
	if (path[0] != '\0')
		(void)remove(path);
}

TestSuite(config, .fini = fini);

static void
write_file(const char *text)
{
	FILE *fp;

	(void)snprintf(path, sizeof(path), "/tmp/cb-config-test-%ld.conf", (long)getpid());
	cr_assert_not_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
}

/* Read the settings of @cmd from argv @args (NULL-terminated, after the command). */
static int
read_cfg(unsigned cmd, const char *const *envp, const char **args)
{
	static char buf[16][256];
	char *argv[16];
	int argc = 0;

	do {
		(void)snprintf(buf[argc], sizeof(buf[0]), "%s", argc == 0 ? "cmd" : args[argc - 1]);
		argv[argc] = buf[argc];
		argc++;
	} while (args != NULL && args[argc - 1] != NULL && argc < 15);
	cli_config_free(&cfg);
	last_error[0] = '\0';
	return cli_config_read_env(&cfg, cmd, &cli, argc, argv, NULL, envp);
}

Test(config, defaults)
{
	const char *env[] = { NULL };

	cr_assert_eq(read_cfg(CFG_SERVE, env, NULL), EXIT_OK, "%s", last_error);
	cr_assert_str_eq(cfg.listen, "127.0.0.1:8080");
	cr_assert_str_eq(cfg.db, "./var/codebook.db");
	cr_assert_str_eq(cfg.catalogs, "/bundled");
	cr_assert_eq(cfg.threads, 0);
	cr_assert_eq(cfg.worker_interval_ms, 2000);
	cr_assert_null(cfg.market_config);
	cr_assert_eq(cfg.log_level, CB_LOG_INFO);
}

Test(config, flags_over_environment_over_file)
{
	const char *args[] = { "--threads", "7", NULL };
	const char *env[] = { "CODEBOOK_CONFIG=", "CODEBOOK_THREADS=5", "CODEBOOK_DB=/env.db", "PATH=/bin", NULL };
	char conf[300];

	write_file("threads = 3\ndb = /file.db\nlisten = 127.0.0.1:9\n");
	(void)snprintf(conf, sizeof(conf), "CODEBOOK_CONFIG=%s", path);
	env[0] = conf;
	cr_assert_eq(read_cfg(CFG_SERVE, env, args), EXIT_OK, "%s", last_error);
	cr_assert_eq(cfg.threads, 7);
	cr_assert_str_eq(cfg.db, "/env.db");
	cr_assert_str_eq(cfg.listen, "127.0.0.1:9");
}

Test(config, empty_means_unset_and_old_names_are_fallbacks)
{
	const char *env[] = { "CODEBOOK_MARKET_CONFIG=", "CB_TIKTOK_CONFIG=/old.conf", "CODEBOOK_DB=",
		"CB_TIKTOK_SHOP=old", "CODEBOOK_MARKET_SHOP=new", "CB_TIKTOK_BASE_URL=http://127.0.0.1:1", NULL };

	cr_assert_eq(read_cfg(CFG_SERVE, env, NULL), EXIT_OK, "%s", last_error);
	cr_assert_str_eq(cfg.market_config, "/old.conf");
	cr_assert_str_eq(cfg.market_shop, "new");
	cr_assert_str_eq(cfg.db, "./var/codebook.db");
	/* the marketplace's own variables are handed down as they are */
	cr_assert_str_eq(cfg.market_env[0], "CB_TIKTOK_CONFIG=/old.conf");
	cr_assert_str_eq(cfg.market_env[2], "CB_TIKTOK_BASE_URL=http://127.0.0.1:1");
	cr_assert_null(cfg.market_env[3]);
}

Test(config, file_faults_name_the_line_and_key)
{
	const char *args[] = { "--config", NULL, NULL };
	const char *env[] = { NULL };
	char want[400];

	write_file("# comment\n\ndb = a.db\nworker-max = lots\n");
	args[1] = path;
	cr_assert_eq(read_cfg(CFG_WORKER, env, args), EXIT_USAGE);
	(void)snprintf(want, sizeof(want), "%s:4: worker-max \"lots\": expected a whole number from 1 to 1000000",
	    path);
	cr_assert_str_eq(last_error, want);
	write_file("db = a.db\nnope = 1\n");
	cr_assert_eq(read_cfg(CFG_WORKER, env, args), EXIT_USAGE);
	cr_assert(strstr(last_error, ":2: unknown key \"nope\"") != NULL, "%s", last_error);
	/* a key of the other command is accepted and ignored */
	write_file("listen = 127.0.0.1:1\nthreads = 2\n");
	cr_assert_eq(read_cfg(CFG_WORKER, env, args), EXIT_OK, "%s", last_error);
}

Test(config, the_documentation_has_the_table_of_the_code)
{
	static const char begin[] = "<!-- settings:begin (generated from src/cli/config.c) -->\n";
	static const char end[] = "<!-- settings:end -->";
	cb_buf b = CB_BUF_INIT(1 << 20);
	size_t len;
	char *doc = read_source_file("docs/configuration.md", &len), *a, *z;

	cr_assert_not_null(doc);
	cr_assert_not_null(a = strstr(doc, begin), "docs/configuration.md lacks %s", begin);
	a += sizeof(begin) - 1;
	cr_assert_not_null(z = strstr(a, end));
	*z = '\0';
	cli_config_doc_table(&b);
	cb_buf_addc(&b, '\0');
	cr_assert_str_eq(a, b.p, "docs/configuration.md's table differs from the code's; it should be:\n%s", b.p);
	cb_buf_reset(&b);
	free(doc);
}
