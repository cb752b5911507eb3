/* SPDX-License-Identifier: Apache-2.0 */
/*
 * args.c - reading a command's arguments: options and positionals
 * (cli_next), --help, and option values that are numbers or durations,
 * read with the bounded parsers of src/util/parse.h so that every command
 * refuses "-1", "1e3" or "10x" the same way, naming the option and range.
 */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "logger.h"
#include "parse.h"

int
cli_next(struct cli_args *a, const struct cli_opt *opts, const char **arg)
{
	const char *s, *eq;
	const struct cli_opt *o;
	size_t nlen;

	*arg = NULL;
	if (a->i >= a->argc)
		return CLI_END;
	s = a->argv[a->i++];
	if (!a->only_pos && strcmp(s, "--") == 0) {
		a->only_pos = 1;
		if (a->i >= a->argc)
			return CLI_END;
		s = a->argv[a->i++];
	}
	if (a->only_pos || s[0] != '-' || s[1] == '\0' || (s[1] >= '0' && s[1] <= '9')) {
		*arg = s;
		return CLI_POS;
	}
	if (s[1] == '-') {
		eq = strchr(s + 2, '=');
		nlen = eq ? (size_t)(eq - (s + 2)) : strlen(s + 2);
		for (o = opts; o->name; o++)
			if (strlen(o->name) == nlen && strncmp(o->name, s + 2, nlen) == 0)
				break;
	} else {
		eq = NULL;
		for (o = opts; o->name; o++)
			if (o->shortc == s[1] && s[2] == '\0')
				break;
	}
	if (o->name == NULL) {
		cli_error("unknown option \"%s\" (see --help)", s);
		return CLI_BAD;
	}
	if (!o->has_arg) {
		if (eq != NULL) {
			cli_error("option --%s takes no value", o->name);
			return CLI_BAD;
		}
		return o->id;
	}
	if (eq != NULL) {
		*arg = eq + 1;
		return o->id;
	}
	if (a->i >= a->argc) {
		cli_error("option --%s needs a value", o->name);
		return CLI_BAD;
	}
	*arg = a->argv[a->i++];
	return o->id;
}

int
cli_wants_help(int argc, char **argv, const char *usage_text)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(usage_text, stdout);
			return 1;
		}
	}
	return 0;
}

int
cli_value_u64(const char *what, const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
	if (cb_parse_u64(arg, min, max, out) != CB_PARSE_OK)
		return cli_error("%s \"%s\": expected a whole number from %" PRIu64 " to %" PRIu64,
		    what, arg, min, max);
	return EXIT_OK;
}

int
cli_opt_u64(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
	char what[80];

	(void)snprintf(what, sizeof(what), "--%s", opt);
	return cli_value_u64(what, arg, min, max, out);
}

int
cli_opt_uint(const char *opt, const char *arg, unsigned min, unsigned max, unsigned *out)
{
	uint64_t v;
	int rc = cli_opt_u64(opt, arg, min, max, &v);

	if (rc == EXIT_OK)
		*out = (unsigned)v;
	return rc;
}

/* "0", "100ms", "2s", "5m", "24h": the largest unit that divides @ms. */
static const char *
human_ms(char *buf, size_t size, unsigned ms)
{
	if (ms != 0 && ms % 3600000u == 0)
		(void)snprintf(buf, size, "%uh", ms / 3600000u);
	else if (ms != 0 && ms % 60000u == 0)
		(void)snprintf(buf, size, "%um", ms / 60000u);
	else if (ms != 0 && ms % 1000u == 0)
		(void)snprintf(buf, size, "%us", ms / 1000u);
	else
		(void)snprintf(buf, size, "%u%s", ms, ms ? "ms" : "");
	return buf;
}

int
cli_value_duration_ms(const char *what, const char *arg, unsigned min_ms, unsigned max_ms, unsigned *out)
{
	char lo[24], hi[24];
	uint64_t v;

	if (cb_parse_duration_ms(arg, max_ms, &v) != CB_PARSE_OK || v < min_ms)
		return cli_error("%s \"%s\": expected a duration such as 2s, 500ms, 0.2 or 1m, from %s to %s",
		    what, arg, human_ms(lo, sizeof(lo), min_ms), human_ms(hi, sizeof(hi), max_ms));
	*out = (unsigned)v;
	return EXIT_OK;
}

int
cli_opt_duration_ms(const char *opt, const char *arg, unsigned min_ms, unsigned max_ms, unsigned *out)
{
	char what[80];

	(void)snprintf(what, sizeof(what), "--%s", opt);
	return cli_value_duration_ms(what, arg, min_ms, max_ms, out);
}

int
cli_value_log_level(const char *what, const char *arg, cb_log_level *out)
{
	if (cb_log_level_parse(arg, out) != 0)
		return cli_error("%s \"%s\": expected debug, info, warn, error or off", what, arg);
	return EXIT_OK;
}

int
cli_opt_log_level(const char *arg)
{
	cb_log_level lv;

	if (cli_value_log_level("--log-level", arg, &lv) != EXIT_OK)
		return EXIT_USAGE;
	cb_log_set_level(lv);
	return EXIT_OK;
}

int
cli_positionals(int argc, char **argv, const char *usage, const char *cmd, const char **out,
    size_t min, size_t max, size_t *n)
{
	static const struct cli_opt none[] = { { NULL, 0, 0, 0 } };
	struct cli_args a = CLI_ARGS_INIT(argc, argv);
	const char *arg;
	int k;

	*n = 0;
	if (cli_wants_help(argc, argv, usage))
		return -1;
	while ((k = cli_next(&a, none, &arg)) != CLI_END) {
		if (k == CLI_BAD)
			return EXIT_USAGE;
		if (*n == max)
			return max == 0 ? cli_error("%s takes no arguments, got \"%s\"", cmd, arg) :
			    cli_error("%s takes at most %zu argument%s; got \"%s\" too (see --help)", cmd, max,
			    max == 1 ? "" : "s", arg);
		out[(*n)++] = arg;
	}
	if (*n < min) {
		size_t len = strcspn(usage, "\n");
		return cli_error("%s: missing argument%s; %.*s", cmd, min - *n == 1 ? "" : "s", (int)len, usage);
	}
	return EXIT_OK;
}
