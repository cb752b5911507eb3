/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c - codebook-tiktok-sim: a TikTok Shop simulator on 127.0.0.1 for
 * the tests and the demo.  It reads the shop's credentials from the same
 * configuration as the client, seeds orders from a file, prints the URL
 * it listens on as its first line of output, and serves until SIGINT or
 * SIGTERM.  docs/marketplace.md documents its routes and admin API.
 */
#include "sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "alloc.h"
#include "cb_limits.h"
#include "market_int.h"
#include "parse.h"

extern char **environ;
extern const unsigned char sim_reasons_json[];
extern const size_t sim_reasons_json_len;

static const char usage[] =
    "usage: codebook-tiktok-sim [--port N] [--config FILE] [--shop NAME] [--orders FILE]\n"
    "                           [--reasons FILE] [--pending-reads N] [--rate-limit N]\n"
    "                           [--latency-ms N] [-v]\n\n"
    "A TikTok Shop simulator on 127.0.0.1 (port 0, the default, picks a free one).\n"
    "The first line of output is its base URL.  Credentials (app_key, app_secret,\n"
    "access_token, shop_id, shop_cipher) come from the marketplace configuration:\n"
    "--config FILE [--shop NAME] (else $CODEBOOK_MARKET_CONFIG, $CODEBOOK_MARKET_SHOP) and\n"
    "CB_TIKTOK_* variables, as for `codebook tiktok`.\n"
    "--orders seeds orders ({\"orders\": [...]}); --reasons replaces the seed's reverse\n"
    "reason list; --pending-reads N makes current-API cancels PENDING until N reads.\n"
    "--rate-limit N refuses more than N requests/s per shop and endpoint family with\n"
    "36009002 (HTTP 429); --latency-ms N delays every reply by N ms +-50%.\n"
    "Admin API: /__admin/{health,orders,calls,faults,reasons,cancellations,config,limits,reset}.\n";

struct upload {
	cb_buf body;
};

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	static const char too_big[] = "{\"code\":36009004,\"data\":{},\"message\":\"request body too large\",\"request_id\":\"\"}";
	struct sim *s = cls;
	struct upload *u = *con_cls;
	struct MHD_Response *r;
	enum MHD_Result ok;

	(void)version;
	if (u == NULL) {
		if ((u = cb__calloc(1, sizeof(*u))) == NULL)
			return MHD_NO;
		cb_buf_init(&u->body, CB_MAX_MARKET_REQUEST);
		*con_cls = u;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		(void)cb_buf_add(&u->body, upload_data, *upload_data_size);	/* sticky failure */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (u->body.failed) {
		r = MHD_create_response_from_buffer(sizeof(too_big) - 1, (void *)(uintptr_t)too_big,
		    MHD_RESPMEM_PERSISTENT);
		if (r == NULL)
			return MHD_NO;
		(void)MHD_add_response_header(r, "Content-Type", "application/json");
		ok = MHD_queue_response(conn, 413, r);
		MHD_destroy_response(r);
		return ok;
	}
	return (enum MHD_Result)sim_serve(s, conn, method, url, u->body.p, u->body.len);
}

static void
on_done(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct upload *u = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (u != NULL) {
		cb_buf_reset(&u->body);
		free(u);
		*con_cls = NULL;
	}
}

/* libmicrohttpd's own messages (a dropped connection is reported as an
 * "internal error"): shown with -v only, since the faults cause them. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct sim *s = cls;

	if (s->verbose) {
		fputs("sim: libmicrohttpd: ", stderr);
		vfprintf(stderr, fmt, ap);
	}
}

static int
read_file(const char *path, char **out, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	cb_buf b = CB_BUF_INIT(CB_MAX_MARKET_RESPONSE);
	char chunk[65536];
	size_t n;

	if (fp == NULL) {
		fprintf(stderr, "codebook-tiktok-sim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		(void)cb_buf_add(&b, chunk, n);
	if (ferror(fp) || b.failed || (*out = cb_buf_detach(&b, len)) == NULL) {
		fprintf(stderr, "codebook-tiktok-sim: %s: unreadable or larger than %u bytes\n", path,
		    CB_MAX_MARKET_RESPONSE);
		cb_buf_reset(&b);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	return 0;
}

static int
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	uint64_t v;

	if (cb_parse_u64(s, 0, max, &v) != CB_PARSE_OK)
		return -1;
	*out = (unsigned long)v;
	return 0;
}

/* What the command line (and, for the configuration, the environment) says. */
struct opts {
	const char   *config, *shop, *orders, *reasons;
	unsigned long port, pending, rate, latency;
};

/* An environment variable; an empty one counts as unset. */
static const char *
env_value(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* 0, 1 after --help, or 2 after a usage error. */
static int
parse_args(struct opts *o, struct sim *s, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage, stdout);
			return 1;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			s->verbose = 1;
			continue;
		}
		if (v == NULL) {
			fprintf(stderr, "codebook-tiktok-sim: %s needs a value (see --help)\n", a);
			return 2;
		}
		i++;
		if ((strcmp(a, "--port") == 0 && parse_uint(v, 65535, &o->port) == 0) ||
		    (strcmp(a, "--pending-reads") == 0 && parse_uint(v, 1000, &o->pending) == 0) ||
		    (strcmp(a, "--rate-limit") == 0 && parse_uint(v, 100000, &o->rate) == 0) ||
		    (strcmp(a, "--latency-ms") == 0 && parse_uint(v, 60000, &o->latency) == 0))
			continue;
		if (strcmp(a, "--config") == 0)
			o->config = v;
		else if (strcmp(a, "--shop") == 0)
			o->shop = v;
		else if (strcmp(a, "--orders") == 0)
			o->orders = v;
		else if (strcmp(a, "--reasons") == 0)
			o->reasons = v;
		else {
			fprintf(stderr, "codebook-tiktok-sim: bad option or value: %s %s (see --help)\n", a, v);
			return 2;
		}
	}
	/* the environment is read here, once, as codebook's own commands do
	 * (docs/configuration.md): the new names first, then the old ones */
	if (o->config == NULL && (o->config = env_value("CODEBOOK_MARKET_CONFIG")) == NULL)
		o->config = env_value("CB_TIKTOK_CONFIG");
	if (o->shop == NULL && (o->shop = env_value("CODEBOOK_MARKET_SHOP")) == NULL)
		o->shop = env_value("CB_TIKTOK_SHOP");
	return 0;
}

/* The credentials, the reverse-reason reply and the seeded orders; 0 or -1 (reported). */
static int
load(struct sim *s, const struct opts *o)
{
	char *text = NULL, why[512];
	size_t len = 0;
	int rc = -1;

	if (cb_mkt_config_load(&s->cfg, o->config, o->shop, (const char *const *)environ) != 0) {
		fprintf(stderr, "codebook-tiktok-sim: %s\n", cb_errmsg());
		return -1;
	}
	if (s->cfg->app_key == NULL || s->cfg->app_secret == NULL || s->cfg->access_token == NULL) {
		fprintf(stderr, "codebook-tiktok-sim: the configuration needs app_key, app_secret and access_token\n");
		return -1;
	}
	s->pending_reads = (unsigned)o->pending;
	s->limits.rate = (unsigned)o->rate;
	s->limits.latency_ms = (unsigned)o->latency;
	if ((s->reasons = cb__malloc(sim_reasons_json_len + 1)) == NULL)
		return -1;
	memcpy(s->reasons, sim_reasons_json, sim_reasons_json_len + 1);
	s->reasons_len = sim_reasons_json_len;
	if (o->reasons != NULL && (read_file(o->reasons, &text, &len) != 0 ||
	    sim_reasons_set(s, text, len, why, sizeof(why)) < 0)) {
		if (text != NULL)
			fprintf(stderr, "codebook-tiktok-sim: %s: %s\n", o->reasons, why);
		goto out;
	}
	free(text);
	text = NULL;
	if (o->orders != NULL && (read_file(o->orders, &text, &len) != 0 ||
	    sim_orders_load(s, text, len, why, sizeof(why)) < 0)) {
		if (text != NULL)
			fprintf(stderr, "codebook-tiktok-sim: %s: %s\n", o->orders, why);
		goto out;
	}
	rc = 0;
out:
	free(text);
	return rc;
}

/* Listen on 127.0.0.1:@port and print the URL; the daemon or NULL (reported). */
static struct MHD_Daemon *
start(struct sim *s, unsigned long port)
{
	const union MHD_DaemonInfo *info;
	struct sockaddr_in addr;
	struct MHD_Daemon *d;

	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG,
	    0, NULL, NULL, on_request, s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
	    MHD_OPTION_NOTIFY_COMPLETED, on_done, s,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
	    MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "codebook-tiktok-sim: cannot listen on 127.0.0.1:%lu\n", port);
		return NULL;
	}
	if ((info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)) == NULL || info->port == 0) {
		fprintf(stderr, "codebook-tiktok-sim: cannot read the bound port\n");
		MHD_stop_daemon(d);
		return NULL;
	}
	printf("http://127.0.0.1:%u\n", (unsigned)info->port);
	fflush(stdout);
	fprintf(stderr, "codebook-tiktok-sim: listening on http://127.0.0.1:%u, %zu orders, "
	    "pending reads %u, app_key %s\n", (unsigned)info->port, s->norders, s->pending_reads,
	    s->cfg->app_key);
	return d;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct sim s;
	struct MHD_Daemon *d = NULL;
	sigset_t sigs;
	int sig, rc;

	memset(&o, 0, sizeof(o));
	memset(&s, 0, sizeof(s));
	pthread_mutex_init(&s.mu, NULL);
	pthread_cond_init(&s.stop_cv, NULL);
	if ((rc = parse_args(&o, &s, argc, argv)) != 0)
		return rc == 1 ? 0 : rc;
	rc = 1;
	if (load(&s, &o) != 0) {
		rc = s.cfg == NULL ? 2 : 1;
		goto out;
	}
	/* the serving threads inherit this mask: only main takes the signals */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (sim_hooks_start(&s) != 0) {
		fprintf(stderr, "codebook-tiktok-sim: cannot start the notification sender\n");
		goto out;
	}
	if ((d = start(&s, o.port)) == NULL)
		goto out;
	while (sigwait(&sigs, &sig) != 0)
		;
	rc = 0;
out:
	pthread_mutex_lock(&s.mu);
	s.stopping = 1;
	pthread_cond_broadcast(&s.stop_cv);
	pthread_mutex_unlock(&s.mu);
	if (d != NULL)
		MHD_stop_daemon(d);
	sim_hooks_stop(&s);
	sim_free(&s);
	return rc;
}
