/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_tiktok.c - codebook tiktok OPERATION: one marketplace call from the
 * command line, through cb_market, for operators and for the simulator
 * demo.  A failure is printed with its classification in the
 * tiktok-shop-error code set (what to do next, and whether the request
 * may have taken effect).  docs/marketplace.md shows every operation.
 */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "market.h"
#include "shops.h"
#include "store.h"
#include "view.h"

static const char usage[] =
    "usage: codebook tiktok [--db PATH] [--config FILE] [--shop NAME] [-v] [--json] OPERATION [ARGS]\n\n"
    "One call to TikTok Shop (or to codebook-tiktok-sim) for the configured shop.\n\n"
    "operations:\n"
    "  reasons [--action-type N] [--reason-type N]\n"
    "        the reverse reason list (legacy GET /api/reverse/reverse_reason/list)\n"
    "  cancel ORDER_ID --reason KEY [--sku SKU_ID:QTY]... [--line-item ID]...\n"
    "        cancel an order with the shop's API (api = legacy: POST /api/reverse/order/cancel;\n"
    "        api = current: POST /return_refund/202309/cancellations; --sku and --line-item\n"
    "        only there)\n"
    "  cancellations [--order ID]... [--cancel-id ID]... [--status S]... [--page-size N]\n"
    "                [--page-token T]\n"
    "        search cancellations (POST /return_refund/202309/cancellations/search)\n"
    "  orders ID...\n"
    "        order detail (GET /order/202309/orders?ids=...)\n\n"
    "Configuration: --config FILE, else $CODEBOOK_MARKET_CONFIG (or the deprecated\n"
    "$CB_TIKTOK_CONFIG); --shop NAME, else $CODEBOOK_MARKET_SHOP (or $CB_TIKTOK_SHOP);\n"
    "CB_TIKTOK_<KEY> environment variables override the file (docs/marketplace.md).\n"
    "--db PATH (else $CODEBOOK_DB): the shop is looked up in the database first, as the\n"
    "worker does; its refreshed tokens are stored there (codebook shops).\n"
    "-v logs each HTTP exchange to stderr, with the access token masked.\n"
    "Exit status: 0 ok; 1 the marketplace answered with an error; 2 usage or configuration;\n"
    "3 no usable answer (timeout, connection, HTTP error, malformed reply): see 'outcome'.\n";

enum { EXIT_TRANSPORT = 3 };

#define MAX_LIST 64

struct targs {
	const char *config, *shop, *op, *reason, *page_token, *db;
	const char *pos[MAX_LIST];
	size_t      npos;
	const char *orders[MAX_LIST], *cancel_ids[MAX_LIST], *statuses[MAX_LIST], *lines[MAX_LIST];
	size_t      norders, ncancel_ids, nstatuses, nlines;
	cb_mkt_sku  skus[MAX_LIST];
	char        sku_ids[MAX_LIST][128];
	size_t      nskus;
	unsigned long action_type, reason_type, page_size;
	int         verbose;
};

static void
log_stderr(void *payload, const char *line)
{
	(void)payload;
	fprintf(stderr, "tiktok: %s\n", line);
}

static int
parse_ulong(const char *s, const char *what, unsigned long max, unsigned long *out)
{
	uint64_t v;
	int rc = cli_opt_u64(what, s, 0, max, &v);

	if (rc == EXIT_OK)
		*out = (unsigned long)v;
	return rc;
}

static int
push(const char **list, size_t *n, const char *v, const char *what)
{
	if (*n == MAX_LIST)
		return cli_error("too many %s (at most %d)", what, MAX_LIST);
	list[(*n)++] = v;
	return EXIT_OK;
}

static int
add_sku(struct targs *t, const char *arg)
{
	const char *colon = strrchr(arg, ':');
	unsigned long q;
	size_t n;

	if (t->nskus == MAX_LIST)
		return cli_error("too many --sku (at most %d)", MAX_LIST);
	if (colon == NULL || colon == arg || (n = (size_t)(colon - arg)) >= sizeof(t->sku_ids[0]))
		return cli_error("--sku expects SKU_ID:QUANTITY, got \"%s\"", arg);
	if (parse_ulong(colon + 1, "sku quantity", 1000000, &q) != EXIT_OK)
		return EXIT_USAGE;
	if (q == 0)
		return cli_error("--sku \"%s\": the quantity is at least 1", arg);
	memcpy(t->sku_ids[t->nskus], arg, n);
	t->sku_ids[t->nskus][n] = '\0';
	t->skus[t->nskus].sku_id = t->sku_ids[t->nskus];
	t->skus[t->nskus].quantity = (unsigned)q;
	t->nskus++;
	return EXIT_OK;
}

static int
parse_args(struct cli *c, struct targs *t, int argc, char **argv)
{
	enum { O_JSON = 1, O_CONFIG, O_SHOP, O_VERBOSE, O_REASON, O_SKU, O_LINE, O_ORDER, O_CANCEL_ID,
	    O_STATUS, O_PAGE_SIZE, O_PAGE_TOKEN, O_ACTION, O_RTYPE, O_DB };
	static const struct cli_opt opts[] = {
		{ "json", 0, 0, O_JSON }, { "config", 0, 1, O_CONFIG }, { "shop", 0, 1, O_SHOP },
		{ "verbose", 'v', 0, O_VERBOSE }, { "reason", 0, 1, O_REASON }, { "sku", 0, 1, O_SKU },
		{ "line-item", 0, 1, O_LINE }, { "order", 0, 1, O_ORDER }, { "cancel-id", 0, 1, O_CANCEL_ID },
		{ "status", 0, 1, O_STATUS }, { "page-size", 0, 1, O_PAGE_SIZE },
		{ "page-token", 0, 1, O_PAGE_TOKEN }, { "action-type", 0, 1, O_ACTION },
		{ "reason-type", 0, 1, O_RTYPE }, { "db", 0, 1, O_DB }, { NULL, 0, 0, 0 } };
	struct cli_args a = CLI_ARGS_INIT(argc, argv);
	const char *arg;
	int k, rc = EXIT_OK;

	while (rc == EXIT_OK && (k = cli_next(&a, opts, &arg)) != CLI_END) {
		switch (k) {
		case CLI_BAD: return EXIT_USAGE;
		case O_JSON: c->json = 1; break;
		case O_CONFIG: t->config = arg; break;
		case O_SHOP: t->shop = arg; break;
		case O_DB: t->db = arg; break;
		case O_VERBOSE: t->verbose = 1; break;
		case O_REASON: t->reason = arg; break;
		case O_SKU: rc = add_sku(t, arg); break;
		case O_LINE: rc = push(t->lines, &t->nlines, arg, "--line-item"); break;
		case O_ORDER: rc = push(t->orders, &t->norders, arg, "--order"); break;
		case O_CANCEL_ID: rc = push(t->cancel_ids, &t->ncancel_ids, arg, "--cancel-id"); break;
		case O_STATUS: rc = push(t->statuses, &t->nstatuses, arg, "--status"); break;
		case O_PAGE_SIZE: rc = parse_ulong(arg, "page-size", 100, &t->page_size); break;
		case O_PAGE_TOKEN: t->page_token = arg; break;
		case O_ACTION: rc = parse_ulong(arg, "action-type", 4, &t->action_type); break;
		case O_RTYPE: rc = parse_ulong(arg, "reason-type", 3, &t->reason_type); break;
		default:
			if (t->op == NULL)
				t->op = arg;
			else
				rc = push(t->pos, &t->npos, arg, "arguments");
		}
	}
	return rc;
}

/* Print a failure with the code set's advice; returns the exit status. */
static int
print_failure(struct cli *c, const cb_mkt_error *err)
{
	const cb_codeset *cs = NULL;
	cb_decision d = CB_DECISION_INIT;
	int have = 0;

	if (err->kind == CB_MKT_E_LOCAL) {
		cli_error("%s", cb_errmsg());
		return EXIT_USAGE;
	}
	if (err->error_code[0] != '\0' && (cs = cli_set(c, "tiktok-shop-error")) != NULL &&
	    cb_decide(&d, cs, err->error_code, strlen(err->error_code), NULL, 0, 1, NULL) == CB_OK)
		have = 1;
	if (c->json) {
		cb_buf b = CB_BUF_INIT((size_t)1 << 20);
		cb_jw w;
		cb_jw_init(&w, &b, 1);
		cb_jw_obj_begin(&w);
		cb_jw_key(&w, "error");
		cb_jw_obj_begin(&w);
		cb_jw_kstr(&w, "kind", cb_mkt_kind_name(err->kind));
		cb_jw_kstr(&w, "code", err->error_code);
		cb_jw_kstr(&w, "message", err->message);
		cb_jw_kstr(&w, "request_id", err->request_id);
		cb_jw_kint(&w, "http_status", err->http_status);
		cb_jw_kstr(&w, "outcome", cb_mkt_outcome_name(err->outcome));
		cb_jw_kint(&w, "attempts", err->attempts);
		cb_jw_obj_end(&w);
		if (have) {
			cb_jw_key(&w, "decision");
			cb_view_decision(&w, &d);
		}
		cb_jw_obj_end(&w);
		(void)cli_print_json(&b);
		cb_buf_reset(&b);
	} else {
		fprintf(stderr, "codebook: %s\n", cb_errmsg());
		printf("error: code=%s kind=%s outcome=%s http=%d request_id=%s attempts=%u\n",
		    err->error_code, cb_mkt_kind_name(err->kind), cb_mkt_outcome_name(err->outcome),
		    err->http_status, err->request_id[0] ? err->request_id : "-", err->attempts);
		if (have) {
			const char *oc = d.nentries > 0 ? cb_entry_attribute(d.entries[0], "outcome") : NULL;
			printf("handling: %s (%s v%d): %s%s%s\n", cb_action_name(d.action), cb_codeset_name(cs),
			    cb_codeset_version(cs), d.message, oc ? "; effect: " : "", oc ? oc : "");
		}
	}
	return err->kind == CB_MKT_E_MARKET ? EXIT_REJECTED : EXIT_TRANSPORT;
}

static int
op_reasons(struct cli *c, cb_mkt *m, const struct targs *t)
{
	cb_mkt_reasons *r = NULL;
	cb_mkt_error err;
	size_t i, j;

	if (t->npos > 0)
		return cli_error("tiktok reasons takes no arguments, got \"%s\"", t->pos[0]);
	if (cb_mkt_reverse_reasons(&r, m, (int)t->action_type, (int)t->reason_type, &err) != CB_OK)
		return print_failure(c, &err);
	if (c->json) {
		cb_buf b = CB_BUF_INIT((size_t)1 << 24);
		cb_jw w;
		cb_jw_init(&w, &b, 1);
		cb_jw_obj_begin(&w);
		cb_jw_kstr(&w, "request_id", r->request_id);
		cb_jw_key(&w, "reasons");
		cb_jw_arr_begin(&w);
		for (i = 0; i < r->n; i++) {
			cb_jw_obj_begin(&w);
			cb_jw_kstr(&w, "key", r->items[i].key);
			cb_jw_kstr(&w, "text", r->items[i].text);
			if (r->items[i].has_statuses) {
				cb_jw_key(&w, "statuses");
				cb_jw_arr_begin(&w);
				for (j = 0; j < r->items[i].nstatuses; j++)
					cb_jw_str(&w, r->items[i].statuses[j]);
				cb_jw_arr_end(&w);
			}
			cb_jw_obj_end(&w);
		}
		cb_jw_arr_end(&w);
		cb_jw_obj_end(&w);
		(void)cli_print_json(&b);
		cb_buf_reset(&b);
	} else {
		int width = 0;
		for (i = 0; i < r->n; i++)
			if (strlen(r->items[i].key) > (size_t)width && strlen(r->items[i].key) < 200)
				width = (int)strlen(r->items[i].key);
		printf("%zu reverse reasons (request_id %s)\n", r->n, r->request_id);
		for (i = 0; i < r->n; i++) {
			printf("  %-*s  %s", width, r->items[i].key, r->items[i].text);
			if (r->items[i].has_statuses) {
				printf("  [status");
				for (j = 0; j < r->items[i].nstatuses; j++)
					printf(" %s", r->items[i].statuses[j]);
				printf("]");
			}
			putchar('\n');
		}
	}
	cb_mkt_reasons_free(r);
	return EXIT_OK;
}

static int
op_cancel(struct cli *c, cb_mkt *m, const struct targs *t)
{
	cb_mkt_cancel_result res;
	cb_mkt_error err;
	int legacy = cb_mkt_config_get(m)->api == CB_MKT_API_LEGACY, rc;

	if (t->npos != 1)
		return cli_error("tiktok cancel takes one ORDER_ID (see --help)");
	if (t->reason == NULL)
		return cli_error("tiktok cancel: --reason KEY is required (the cancel reason key)");
	if (legacy && (t->nskus > 0 || t->nlines > 0))
		return cli_error("tiktok cancel: --sku and --line-item need api = current (the legacy API cancels whole orders)");
	if (legacy) {
		rc = cb_mkt_cancel_legacy(&res, m, t->pos[0], t->reason, &err);
	} else {
		cb_mkt_cancel_req req = { t->pos[0], t->reason, t->skus, t->nskus, t->lines, t->nlines };
		rc = cb_mkt_cancel_current(&res, m, &req, &err);
	}
	if (rc != CB_OK)
		return print_failure(c, &err);
	if (c->json) {
		cb_buf b = CB_BUF_INIT((size_t)1 << 16);
		cb_jw w;
		cb_jw_init(&w, &b, 1);
		cb_jw_obj_begin(&w);
		cb_jw_kstr(&w, "api", legacy ? "legacy" : "current");
		cb_jw_kstr(&w, "order_id", t->pos[0]);
		cb_jw_kstr(&w, legacy ? "reverse_main_order_id" : "cancel_id", res.id);
		if (!legacy)
			cb_jw_kstr(&w, "cancel_status", res.status);
		cb_jw_kstr(&w, "state", cb_mkt_cancel_state_name(res.state));
		cb_jw_kstr(&w, "request_id", res.request_id);
		cb_jw_obj_end(&w);
		(void)cli_print_json(&b);
		cb_buf_reset(&b);
	} else if (legacy) {
		printf("cancelled order %s: reverse_main_order_id %s (request_id %s)\n",
		    t->pos[0], res.id, res.request_id);
	} else {
		printf("cancellation of order %s: cancel_id %s, cancel_status %s (%s) (request_id %s)\n",
		    t->pos[0], res.id, res.status, cb_mkt_cancel_state_name(res.state), res.request_id);
	}
	return EXIT_OK;
}

static int
op_cancellations(struct cli *c, cb_mkt *m, const struct targs *t)
{
	cb_mkt_cancel_query q = { t->orders, t->norders, t->cancel_ids, t->ncancel_ids,
	    t->statuses, t->nstatuses, (unsigned)t->page_size, t->page_token };
	cb_mkt_cancellations *r = NULL;
	cb_mkt_error err;
	size_t i;

	if (t->npos > 0)
		return cli_error("tiktok cancellations takes no arguments, got \"%s\" (use --order ID)", t->pos[0]);
	if (cb_mkt_search_cancellations(&r, m, &q, &err) != CB_OK)
		return print_failure(c, &err);
	if (c->json) {
		cb_buf b = CB_BUF_INIT((size_t)1 << 24);
		cb_jw w;
		cb_jw_init(&w, &b, 1);
		cb_jw_obj_begin(&w);
		cb_jw_kstr(&w, "request_id", r->request_id);
		cb_jw_kint(&w, "total_count", r->total_count);
		cb_jw_kstr(&w, "next_page_token", r->next_page_token);
		cb_jw_key(&w, "cancellations");
		cb_jw_arr_begin(&w);
		for (i = 0; i < r->n; i++) {
			const cb_mkt_cancellation *x = &r->items[i];
			cb_jw_obj_begin(&w);
			cb_jw_kstr(&w, "cancel_id", x->cancel_id);
			cb_jw_kstr(&w, "order_id", x->order_id);
			cb_jw_kstr(&w, "cancel_status", x->status);
			cb_jw_kstr(&w, "state", cb_mkt_cancel_state_name(x->state));
			cb_jw_kstr(&w, "cancel_reason", x->reason);
			cb_jw_kint(&w, "create_time", x->create_time);
			cb_jw_kint(&w, "update_time", x->update_time);
			cb_jw_obj_end(&w);
		}
		cb_jw_arr_end(&w);
		cb_jw_obj_end(&w);
		(void)cli_print_json(&b);
		cb_buf_reset(&b);
	} else {
		printf("%zu cancellation%s (request_id %s)\n", r->n, r->n == 1 ? "" : "s", r->request_id);
		for (i = 0; i < r->n; i++)
			printf("  %s  order %s  %s (%s)  %s\n", r->items[i].cancel_id, r->items[i].order_id,
			    r->items[i].status, cb_mkt_cancel_state_name(r->items[i].state), r->items[i].reason);
		if (r->next_page_token[0] != '\0')
			printf("next page: --page-token %s\n", r->next_page_token);
	}
	cb_mkt_cancellations_free(r);
	return EXIT_OK;
}

static int
op_orders(struct cli *c, cb_mkt *m, const struct targs *t)
{
	cb_mkt_orders *r = NULL;
	cb_mkt_error err;
	size_t i, j;

	if (t->npos == 0)
		return cli_error("tiktok orders takes one or more order ids");
	if (cb_mkt_get_orders(&r, m, t->pos, t->npos, &err) != CB_OK)
		return print_failure(c, &err);
	if (c->json) {
		cb_buf b = CB_BUF_INIT((size_t)1 << 24);
		cb_jw w;
		cb_jw_init(&w, &b, 1);
		cb_jw_obj_begin(&w);
		cb_jw_kstr(&w, "request_id", r->request_id);
		cb_jw_key(&w, "orders");
		cb_jw_arr_begin(&w);
		for (i = 0; i < r->n; i++) {
			const cb_mkt_order *o = &r->items[i];
			cb_jw_obj_begin(&w);
			cb_jw_kstr(&w, "id", o->id);
			cb_jw_kstr(&w, "status", o->status);
			cb_jw_kint(&w, "legacy_status", cb_mkt_status_to_legacy(o->status));
			cb_jw_kstr(&w, "currency", o->currency);
			cb_jw_kstr(&w, "total_amount", o->total_amount);
			cb_jw_kstr(&w, "shipping_fee", o->shipping_fee);
			cb_jw_kstr(&w, "cancel_reason", o->cancel_reason);
			cb_jw_key(&w, "line_items");
			cb_jw_arr_begin(&w);
			for (j = 0; j < o->nitems; j++) {
				cb_jw_obj_begin(&w);
				cb_jw_kstr(&w, "id", o->items[j].id);
				cb_jw_kstr(&w, "sku_id", o->items[j].sku_id);
				cb_jw_kstr(&w, "seller_sku", o->items[j].seller_sku);
				cb_jw_kstr(&w, "sale_price", o->items[j].sale_price);
				cb_jw_obj_end(&w);
			}
			cb_jw_arr_end(&w);
			cb_jw_obj_end(&w);
		}
		cb_jw_arr_end(&w);
		cb_jw_obj_end(&w);
		(void)cli_print_json(&b);
		cb_buf_reset(&b);
	} else {
		printf("%zu order%s (request_id %s)\n", r->n, r->n == 1 ? "" : "s", r->request_id);
		for (i = 0; i < r->n; i++) {
			const cb_mkt_order *o = &r->items[i];
			printf("  %s  %s  %s %s (shipping %s)  %zu line item%s\n", o->id, o->status,
			    o->total_amount[0] ? o->total_amount : "-", o->currency,
			    o->shipping_fee[0] ? o->shipping_fee : "-", o->nitems, o->nitems == 1 ? "" : "s");
		}
	}
	cb_mkt_orders_free(r);
	return EXIT_OK;
}

/* The shop's client as the worker makes it (cb_shop_open): from the
 * database of --db or $CODEBOOK_DB when it holds the shop (a refresh is
 * stored, a failed one marks the shop), else from the file.  Without a
 * database named, none is opened: a command line for the simulator must
 * not create ./var/codebook.db. */
static int
tiktok_client(struct targs *t, const char *const *env, cb_store **st, cb_mkt **m, cb_shop_link **link)
{
	const char *db = t->db != NULL ? t->db : getenv("CODEBOOK_DB");
	int rc;

	if (db != NULL && db[0] != '\0' && cb_store_open(st, db, 0) != CB_OK)
		return cli_error("%s", cb_errmsg());
	if ((rc = cb_shop_open(m, link, *st, t->config, env, t->shop)) == CB_OK)
		return EXIT_OK;
	if (rc == CB_ENOTFOUND && t->config == NULL) {
		/* no file: the CB_TIKTOK_<KEY> variables alone, as before */
		cb_mkt_config *cfg = NULL;

		if ((rc = cb_mkt_config_load(&cfg, NULL, t->shop, env)) == CB_OK)
			rc = cb_mkt_new(m, cfg);
		cb_mkt_config_free(cfg);
		if (rc == CB_OK)
			return EXIT_OK;
	}
	return cli_error("%s", cb_errmsg());
}

int
cmd_tiktok(struct cli *c, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct cli *, cb_mkt *, const struct targs *);
	} ops[] = {
		{ "reasons", op_reasons }, { "cancel", op_cancel },
		{ "cancellations", op_cancellations }, { "orders", op_orders },
	};
	struct targs *t;
	cb_shop_link *link = NULL;
	cb_store *st = NULL;
	cb_mkt *m = NULL;
	const char **env = NULL;
	size_t i;
	int rc;

	if (cli_wants_help(argc, argv, usage))
		return EXIT_OK;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return cli_error("out of memory");
	if ((rc = parse_args(c, t, argc, argv)) != EXIT_OK)
		goto out;
	for (i = 0; t->op != NULL && i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(ops[i].name, t->op) == 0)
			break;
	if (t->op == NULL || i == sizeof(ops) / sizeof(ops[0])) {
		rc = cli_error("tiktok: %s%s%s (operations: reasons, cancel, cancellations, orders; see --help)",
		    t->op ? "unknown operation \"" : "no operation", t->op ? t->op : "", t->op ? "\"" : "");
		goto out;
	}
	if ((rc = cli_market_env(&t->config, &t->shop, &env)) != EXIT_OK)
		goto out;
	if ((rc = tiktok_client(t, env, &st, &m, &link)) != EXIT_OK)
		goto out;
	if (t->verbose)
		cb_mkt_set_log(m, log_stderr, NULL);
	rc = ops[i].fn(c, m, t);
out:
	cb_mkt_free(m);
	cb_shop_link_free(link);
	cb_store_close(st);
	free(env);
	free(t);
	return rc;
}
