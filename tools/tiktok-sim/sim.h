/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim.h - codebook-tiktok-sim, a TikTok Shop simulator: the state it keeps
 * (orders, cancellations, call counts, queued faults) and the routes it
 * serves.  One mutex guards the state; libmicrohttpd runs a thread per
 * connection, so a slow or silent reply holds only its own connection.
 */
#ifndef CB_SIM_H
#define CB_SIM_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "jsonw.h"
#include "market.h"

#define SIM_ID_MAX     128
#define SIM_STATUS_MAX 40
#define SIM_MAX_ORDERS 100000
#define SIM_MAX_FAULTS 10000
#define SIM_PATH_MAX   96

struct sim_item {
	char *id, *sku_id, *seller_sku, *sale_price;
};

struct sim_order {
	char             id[SIM_ID_MAX];
	char             status[SIM_STATUS_MAX];
	char            *currency, *total_amount, *shipping_fee, *cancel_reason;
	int64_t          create_time, update_time;
	struct sim_item *items;
	size_t           nitems;
	unsigned         cancel_calls;    /* cancel requests naming it that passed auth */
	unsigned         cancels_applied; /* of those, the ones that took effect */
};

struct sim_cancel {
	char     cancel_id[32];
	char     order_id[SIM_ID_MAX];
	cb_mkt_cancel_state state;  /* its cancel_status: cb_mkt_cancel_status() */
	char     reason[256];
	int      legacy;           /* made by /api/reverse/order/cancel */
	unsigned reads_left;       /* PENDING for this many more reads */
	int64_t  create_time, update_time;
};

enum fault_kind { F_ERROR, F_RATE_LIMIT, F_HTTP_5XX, F_SLOW, F_TIMEOUT, F_DROP, F_MALFORMED };

struct sim_fault {
	char            path[SIM_PATH_MAX];  /* a marketplace path, or "*" */
	enum fault_kind kind;
	int64_t         code;
	char            message[256];
	int             http_status;
	unsigned        delay_ms;
	int             apply;               /* carry out the request before failing */
	char           *body;                /* malformed: the bytes to send */
};

/* limits.c: a rate limit per shop and endpoint family, latency, failing checks */
#define SIM_MAX_BUCKETS 64
#define SIM_MAX_FAILING 64

struct sim_bucket {
	char          shop[72], family[64];
	int64_t       tokens_milli;   /* thousandths of a token */
	int64_t       last_us;        /* monotonic time of the last refill */
	unsigned long refused;
};

struct sim_limits {
	unsigned          rate;          /* requests/s per shop and family; 0: no limit */
	unsigned          latency_ms;    /* mean added to every reply (+-50%); 0: none */
	struct sim_bucket buckets[SIM_MAX_BUCKETS];
	size_t            nbuckets;
	char              failing[SIM_MAX_FAILING][SIM_ID_MAX];  /* orders whose search fails */
	size_t            nfailing;
	unsigned long     refused, failed_checks;
};

struct sim {
	pthread_mutex_t    mu;
	pthread_cond_t     stop_cv;
	int                stopping;
	int                verbose;
	cb_mkt_config     *cfg;          /* credentials the requests must match */
	struct sim_order  *orders;
	size_t             norders, cap_orders;
	struct sim_cancel *cancels;
	size_t             ncancels, cap_cancels;
	struct sim_fault  *faults;       /* FIFO */
	size_t             nfaults, cap_faults;
	char              *reasons;      /* the reverse-reason reply, as served */
	size_t             reasons_len;
	unsigned           pending_reads;  /* current cancels: PENDING for this many reads */
	int64_t            clock_offset_s; /* the simulator's clock = now + offset */
	uint64_t           seq;            /* request ids, cancel ids */
	unsigned long      counts[CB_MKT_EP_COUNT];  /* requests per endpoint */
	struct sim_limits  limits;
	struct sim_hooks  *hooks;          /* webhooks.c: the notifications sent */
};

/* state.c (callers hold s->mu) */
struct sim_order *sim_order_find(struct sim *s, const char *id);
/* Add or replace orders from {"orders":[...]} (or a bare array); 0 or -1 with @why. */
int sim_orders_load(struct sim *s, const char *json, size_t len, char *why, size_t whylen);
void sim_order_json(cb_jw *w, const struct sim_order *o, int admin);
struct sim_cancel *sim_cancel_add(struct sim *s, const char *order_id, cb_mkt_cancel_state state,
    const char *reason, int legacy, int64_t now);
struct sim_cancel *sim_cancel_find(struct sim *s, const char *cancel_id);
/* The cancellation of @order_id that is PENDING or succeeded, or NULL. */
struct sim_cancel *sim_cancel_of_order(struct sim *s, const char *order_id);
/* A read of @c: count down its pending reads, succeed when they run out. */
void sim_cancel_read(struct sim *s, struct sim_cancel *c, int64_t now);
void sim_cancel_json(cb_jw *w, const struct sim_cancel *c);
int sim_faults_add(struct sim *s, const char *json, size_t len, char *why, size_t whylen);
/* Take the first fault queued for @path; 1 when one was taken. */
int sim_fault_take(struct sim *s, const char *path, struct sim_fault *out);
void sim_faults_json(cb_jw *w, const struct sim *s);
int sim_reasons_set(struct sim *s, const char *json, size_t len, char *why, size_t whylen);
void sim_reset(struct sim *s);
void sim_free(struct sim *s);
/* "20240101120000" + sequence: a request id in the marketplace's shape. */
void sim_request_id(struct sim *s, char *out, size_t size, int64_t now);
/* The marketplace's entry for an order's status (orders are loaded with
 * valid statuses only; an unknown one reads as cancelled). */
const cb_mkt_status *sim_status(const char *status);
/* Mark @o cancelled at time @now. */
void sim_order_cancelled(struct sim_order *o, int64_t now);

/* limits.c (callers hold s->mu, but for sim_latency_ms) */
/* 1 when the request of @shop (its shop_cipher or shop_id; NULL: none) to
 * @e is refused: over the rate limit, or a search naming a failing order;
 * the reply's HTTP status, code and message in *http, *code, *msg. */
int sim_limits_refuse(struct sim *s, const char *shop, const cb_mkt_endpoint *e, const char *body, size_t len,
    int *http, int64_t *code, const char **msg);
/* The latency to add to a reply, in ms (takes s->mu). */
unsigned sim_latency_ms(struct sim *s);
/* GET|POST /__admin/limits: the reply in @out, its HTTP status returned. */
int sim_limits_admin(struct sim *s, int post, const char *body, size_t len, cb_buf *out);
/* webhooks.c: notifications to a configured URL (the hook functions need s->mu held) */
struct sim_hooks;
int sim_hooks_start(struct sim *s);
void sim_hooks_stop(struct sim *s);
void sim_hook_order(struct sim *s, const struct sim_order *o, int64_t now);
void sim_hook_cancel(struct sim *s, const struct sim_cancel *c, const char *user, int64_t now);
/* Admin routes /webhooks, /order-status, /buyer-cancel under /__admin: 1 when @sub is one of them
 * (the reply in @out and @status), else 0. */
int sim_hooks_admin(struct sim *s, const char *sub, const char *method, const char *body, size_t len,
    int64_t now, cb_buf *out, int *status);

/* routes.c */
struct MHD_Connection;
struct sim_req;
/* Serve one complete request; returns the libmicrohttpd result. */
int sim_serve(struct sim *s, struct MHD_Connection *conn, const char *method, const char *url,
    const char *body, size_t body_len);
/* Wait @ms or until the simulator stops; 1 if it is stopping. */
int sim_sleep(struct sim *s, unsigned ms);

#endif
