/* SPDX-License-Identifier: Apache-2.0 */
/*
 * market.h - cb_market, the TikTok Shop client: request signing, shop
 * configuration, the response envelope, and the marketplace operations the
 * order-cancellation worker needs (reverse reasons, cancel in the legacy
 * and the current API, cancellation search, order detail).
 *
 * The library holds no policy: it makes one call and says exactly what
 * happened (a typed result, the marketplace's error, or a transport failure
 * and whether the request may have taken effect), and the caller decides
 * with the tiktok-shop-error code set and cb_decide() what to do next.  It
 * never sends a request twice, with one exception: a request refused for
 * its timestamp (error 36009004 naming the timestamp) was not executed, so
 * it is re-stamped, re-signed and sent once more.
 *
 * docs/marketplace.md describes the configuration and the wire format.
 * Functions return 0 (CB_OK) or a negative cb_err; cb_errmsg() explains.
 * A cb_mkt handle is used by one thread at a time.
 */
#ifndef CB_MARKET_H
#define CB_MARKET_H

#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ */
/* Signing */

/** One query parameter (NUL-terminated key and value). */
typedef struct {
	const char *key;
	const char *value;
} cb_mkt_param;

#define CB_MKT_SIGN_HEX 64	/**< hex digits of a signature */

/**
 * Sign a request as the marketplace requires: the parameters other than
 * "sign" and "access_token" and with a non-empty value, sorted by key in
 * byte order, concatenated as key+value after @p path, then @p body (when
 * not NULL: POST bodies of the current API; NULL for GET, multipart and
 * every legacy /api/ call), wrapped in @p secret on both sides;
 * HMAC-SHA256 keyed with @p secret, in lowercase hex.
 *
 * @param[out] out 65 bytes: the signature and a NUL.
 * @return CB_OK; CB_EINVAL for NULL arguments or a parameter without a
 *         key; CB_ETOOBIG past CB_MAX_MARKET_PARAMS or CB_MAX_MARKET_REQUEST;
 *         CB_ENOMEM; CB_ERROR if the HMAC fails.
 */
int cb_mkt_sign(char out[CB_MKT_SIGN_HEX + 1], const char *secret, const char *path,
    const cb_mkt_param *params, size_t nparams, const char *body, size_t body_len);

/* ------------------------------------------------------------------ */
/* Configuration: one shop */

typedef enum {
	CB_MKT_API_LEGACY = 1,  /**< /api/reverse/... (seed 003): shop_id and access_token in the query */
	CB_MKT_API_CURRENT = 2  /**< /return_refund/202309/...: token header, shop_cipher, body signed */
} cb_mkt_api;

typedef struct cb_mkt_config {
	char       *base_url;        /**< scheme://host[:port], no trailing slash */
	char       *app_key;
	char       *app_secret;      /**< secret: never logged, wiped when freed */
	char       *access_token;    /**< secret: never logged, wiped when freed */
	char       *shop_id;         /**< legacy API */
	char       *shop_cipher;     /**< current API (also order detail) */
	cb_mkt_api  api;             /**< 0 when not set */
	unsigned    connect_timeout_ms;
	unsigned    timeout_ms;      /**< whole call, connect included */
	size_t      max_response;    /**< bytes of a reply body */
	/** available_order_status_list values of the market for codebook's
	 * statuses Incomplete and Ready for Shipping (UK: "0" and "200"). */
	char       *status_incomplete;
	char       *status_ready_for_shipping;
	char       *shop;            /**< the [shop NAME] section applied, or NULL */
	/** The shop's market ("GB", "VN": TikTok Shop's region codes), or NULL
	 * when the configuration does not say: cb_mkt_shop_market() then asks
	 * the marketplace. */
	char       *market;
} cb_mkt_config;

/**
 * Read a shop's configuration.  Sources, later ones winning: the top of
 * file @p path (NULL: no file), its section "[shop @p shop]" (NULL: none;
 * an absent section is an error), then the variables CB_TIKTOK_<KEY>
 * (CB_TIKTOK_APP_SECRET ...) of @p env, an array of "NAME=value" ending in
 * NULL (NULL: none).  The library never reads the process environment
 * itself: the command line captures it once and passes it down.
 *
 * File syntax: "key = value" lines, "# comment" lines, "[shop NAME]"
 * section headers.  Keys: base_url, app_key, app_secret, access_token,
 * shop_id, shop_cipher, api (legacy|current), timeout_ms,
 * connect_timeout_ms, max_response_bytes, status_incomplete,
 * status_ready_for_shipping, market (two letters A-Z).  Values are checked (numbers, api, URL);
 * completeness is checked by cb_mkt_new().
 *
 * @param[out] out a new configuration; free with cb_mkt_config_free().
 * @return CB_OK; CB_ENOTFOUND (no file, no section), CB_EPARSE naming
 *         file:line and the key, CB_ETOOBIG, CB_EIO, CB_ENOMEM.
 */
int cb_mkt_config_load(cb_mkt_config **out, const char *path, const char *shop,
    const char *const *env);

/** As cb_mkt_config_load() from text; @p origin names it in messages. */
int cb_mkt_config_parse(cb_mkt_config **out, const char *text, size_t len,
    const char *origin, const char *shop, const char *const *env);

/**
 * The names of the [shop NAME] sections of file @p path, in file order,
 * into @p names (at most @p max; each at most 64 bytes and a NUL); *n their
 * number.  The file is read as cb_mkt_config_load() reads it (the same
 * errors).
 */
int cb_mkt_config_shop_names(char (*names)[65], size_t max, size_t *n, const char *path);

/** Check that a client can be made from @p cfg (base URL, keys, api and
 * the shop id the api needs).  CB_OK or CB_EINVAL naming what is missing. */
int cb_mkt_config_check(const cb_mkt_config *cfg);

/** Wipe the secrets and free.  NULL is a no-op. */
void cb_mkt_config_free(cb_mkt_config *cfg);

/** "legacy" / "current" / "unset". */
const char *cb_mkt_api_name(cb_mkt_api api);

/* ------------------------------------------------------------------ */
/* Errors */

/** What went wrong with a call. */
typedef enum {
	CB_MKT_E_NONE = 0,
	CB_MKT_E_MARKET,    /**< the marketplace answered with an error code */
	CB_MKT_E_TIMEOUT,   /**< sent, but no complete reply in time */
	CB_MKT_E_CONNECT,   /**< could not connect: nothing was sent */
	CB_MKT_E_DROPPED,   /**< the connection failed after sending began */
	CB_MKT_E_HTTP,      /**< an HTTP error status without an envelope */
	CB_MKT_E_MALFORMED, /**< the body is not an envelope, or data lacks a field */
	CB_MKT_E_TOOBIG,    /**< the body exceeds max_response */
	CB_MKT_E_LOCAL      /**< nothing sent: bad argument, memory, signing */
} cb_mkt_kind;

/** What the failure says about the request's effect. */
typedef enum {
	CB_MKT_NOT_SENT = 0, /**< never left: safe to send again */
	CB_MKT_ANSWERED,     /**< the marketplace answered (see the code set for what it means) */
	CB_MKT_UNKNOWN       /**< may have taken effect: read state before sending a cancel again */
} cb_mkt_outcome;

typedef struct {
	cb_mkt_kind    kind;
	cb_mkt_outcome outcome;
	int            http_status;    /**< 0: no reply */
	int64_t        code;           /**< CB_MKT_E_MARKET: the envelope's code */
	/** The code to look up in the tiktok-shop-error set: the marketplace's
	 * code in decimal, or TIMEOUT, CONNECT_FAILED, CONNECTION_DROPPED,
	 * HTTP_429, HTTP_4XX, HTTP_5XX, MALFORMED_RESPONSE, RESPONSE_TOO_LARGE.
	 * Empty for CB_MKT_E_LOCAL. */
	char           error_code[24];
	char           message[512];   /**< the marketplace's message, or ours */
	char           request_id[128]; /**< the envelope's request_id, for support */
	unsigned       attempts;       /**< HTTP requests made (2 after a re-stamp) */
} cb_mkt_error;

const char *cb_mkt_kind_name(cb_mkt_kind k);       /**< "market", "timeout", ... */
const char *cb_mkt_outcome_name(cb_mkt_outcome o); /**< "not-sent", "answered", "unknown" */

/* ------------------------------------------------------------------ */
/* The client */

typedef struct cb_mkt cb_mkt;

/** Receives one log line with secrets already masked. */
typedef void (*cb_mkt_log_fn)(void *payload, const char *line);
/** Unix time in seconds (tests move the clock). */
typedef int64_t (*cb_mkt_clock_fn)(void *payload);

/**
 * A client for the shop of @p cfg (copied; checked with
 * cb_mkt_config_check()).
 * @param[out] out free with cb_mkt_free().
 * @return CB_OK, CB_EINVAL (incomplete configuration), CB_ENOMEM, CB_ERROR (libcurl).
 */
int cb_mkt_new(cb_mkt **out, const cb_mkt_config *cfg);
void cb_mkt_free(cb_mkt *m);
const cb_mkt_config *cb_mkt_config_get(const cb_mkt *m);
/** One line per HTTP exchange: method, path, query (token masked), status, code, request_id, ms. */
void cb_mkt_set_log(cb_mkt *m, cb_mkt_log_fn fn, void *payload);
void cb_mkt_set_clock(cb_mkt *m, cb_mkt_clock_fn fn, void *payload);

/**
 * Called before every HTTP request the client makes (@p after 0, @p err
 * NULL), from the thread making it, which it may hold up (a shop's request
 * budget, src/orders/budget.c), and after it (@p after 1; @p err NULL on
 * success, else the failure).  @p path is the endpoint's path.
 */
typedef void (*cb_mkt_gate_fn)(void *payload, const char *path, int after, const cb_mkt_error *err);
void cb_mkt_set_gate(cb_mkt *m, cb_mkt_gate_fn fn, void *payload);

/** The request-budget family of an endpoint @p path: its first segment
 * ("return_refund", "order", "authorization"), or for the legacy API's
 * /api/NAME/... paths NAME ("reverse").  At most @p size - 1 bytes. */
void cb_mkt_path_family(const char *path, char *out, size_t size);

/**
 * Write @p text to @p out (size @p size, NUL-terminated, truncated) with
 * every occurrence of the client's app_secret and access_token, and the
 * value of any access_token= parameter, replaced by "***".  The log
 * callback only ever sees text that went through this.
 */
void cb_mkt_redact(const cb_mkt *m, char *out, size_t size, const char *text);

/* ---- reverse reasons (legacy GET /api/reverse/reverse_reason/list) */

typedef struct {
	const char        *key;       /**< reverse_reason_key */
	const char        *text;      /**< reverse_reason */
	int                has_statuses; /**< available_order_status_list was present */
	const char *const *statuses;  /**< its values as strings ("0", "200") */
	size_t             nstatuses;
} cb_mkt_reason;

typedef struct cb_mkt_reasons {
	cb_mkt_reason *items;
	size_t         n;
	const char    *request_id;
	void          *priv;
} cb_mkt_reasons;

/**
 * @param action_type reverse_action_type (1 cancel, 2 refund, 3 return and
 *        refund, 4 request cancel refund), 0 to omit.
 * @param reason_type reason_type (1 start reverse, 2 reject apply, 3 reject parcel), 0 to omit.
 * @param[out] out on CB_OK; free with cb_mkt_reasons_free().
 * @param[out] err on failure (may be NULL).
 * @return CB_OK, or CB_ERROR with @p err filled (CB_EINVAL, CB_ENOMEM for local faults).
 */
int cb_mkt_reverse_reasons(cb_mkt_reasons **out, cb_mkt *m, int action_type,
    int reason_type, cb_mkt_error *err);
void cb_mkt_reasons_free(cb_mkt_reasons *r);

/* ---- shops and their market (GET /authorization/202309/shops) */

/** One shop the app is authorized for. */
typedef struct {
	const char *id;
	const char *name;         /**< or "" */
	const char *region;       /**< the shop's market ("GB"), or "" */
	const char *cipher;       /**< its shop_cipher, or "" */
	const char *seller_type;  /**< "LOCAL", "CROSS_BORDER", or "" */
} cb_mkt_shop;

typedef struct cb_mkt_shops {
	cb_mkt_shop *items;
	size_t       n;
	const char  *request_id;
	void        *priv;
} cb_mkt_shops;

/** The shops the access token is authorized for (a 202309 call, not
 * scoped to a shop). */
int cb_mkt_authorized_shops(cb_mkt_shops **out, cb_mkt *m, cb_mkt_error *err);
void cb_mkt_shops_free(cb_mkt_shops *s);

/**
 * The market of the client's shop, into @p out: the configuration's
 * "market" when set; else the region the marketplace gives the shop in
 * its list of authorized shops (the one whose cipher, or else id, is the
 * configuration's; the only one when it names neither), asked once and
 * kept by the client.  The token response's seller_base_region says the
 * same of the seller; codebook is given a token, not the exchange that
 * answers it, so it asks per shop.
 * @return CB_OK; CB_ENOTFOUND when the list has no such shop or gives it
 *         no market code; CB_ERROR with @p err filled when the call failed.
 */
int cb_mkt_shop_market(char out[3], cb_mkt *m, cb_mkt_error *err);

/* ---- cancel */

typedef enum {
	CB_MKT_CANCEL_UNKNOWN = 0, /**< a cancel_status this client does not know */
	CB_MKT_CANCEL_DONE,        /**< legacy: accepted, reverse order created */
	CB_MKT_CANCEL_PENDING,     /**< CANCELLATION_REQUEST_PENDING */
	CB_MKT_CANCEL_SUCCESS,     /**< CANCELLATION_REQUEST_SUCCESS */
	CB_MKT_CANCEL_REFUSED,     /**< CANCELLATION_REQUEST_CANCEL: the request was cancelled */
	CB_MKT_CANCEL_COMPLETE     /**< CANCELLATION_REQUEST_COMPLETE */
} cb_mkt_cancel_state;

/** "done", "pending", "success", "refused", "complete", "unknown". */
const char *cb_mkt_cancel_state_name(cb_mkt_cancel_state s);
/** The state of a cancel_status string (CB_MKT_CANCEL_UNKNOWN if not known). */
cb_mkt_cancel_state cb_mkt_cancel_state_parse(const char *status);

typedef struct {
	char                id[128];     /**< legacy: reverse_main_order_id; current: cancel_id */
	char                status[64];  /**< current: cancel_status as sent; legacy: "" */
	cb_mkt_cancel_state state;
	char                request_id[128];
} cb_mkt_cancel_result;

/** Legacy POST /api/reverse/order/cancel {order_id, cancel_reason_key}. */
int cb_mkt_cancel_legacy(cb_mkt_cancel_result *out, cb_mkt *m, const char *order_id,
    const char *cancel_reason_key, cb_mkt_error *err);

typedef struct {
	const char *sku_id;
	unsigned    quantity;
} cb_mkt_sku;

typedef struct {
	const char        *order_id;       /**< required */
	const char        *cancel_reason;  /**< required */
	const cb_mkt_sku  *skus;           /**< partial cancel (some markets, out of stock only) */
	size_t             nskus;
	const char *const *line_item_ids;  /**< order_line_item_ids */
	size_t             nline_item_ids;
} cb_mkt_cancel_req;

/** Current POST /return_refund/202309/cancellations. */
int cb_mkt_cancel_current(cb_mkt_cancel_result *out, cb_mkt *m,
    const cb_mkt_cancel_req *req, cb_mkt_error *err);

/** Cancel a whole order with the API the shop's configuration names. */
int cb_mkt_cancel_order(cb_mkt_cancel_result *out, cb_mkt *m, const char *order_id,
    const char *reason_key, cb_mkt_error *err);

/* ---- cancellation search (POST /return_refund/202309/cancellations/search) */

typedef struct {
	const char *const *order_ids;
	size_t             norder_ids;
	const char *const *cancel_ids;
	size_t             ncancel_ids;
	const char *const *statuses;     /**< cancel_status filter */
	size_t             nstatuses;
	unsigned           page_size;    /**< 1..100; 0 means 50 */
	const char        *page_token;   /**< NULL for the first page */
} cb_mkt_cancel_query;

typedef struct {
	const char         *cancel_id;
	const char         *order_id;
	const char         *status;      /**< cancel_status */
	cb_mkt_cancel_state state;
	const char         *reason;      /**< cancel_reason, or "" */
	int64_t             create_time; /**< 0 when absent */
	int64_t             update_time;
} cb_mkt_cancellation;

typedef struct cb_mkt_cancellations {
	cb_mkt_cancellation *items;
	size_t               n;
	const char          *next_page_token; /**< "" on the last page */
	int64_t              total_count;     /**< -1 when absent */
	const char          *request_id;
	void                *priv;
} cb_mkt_cancellations;

int cb_mkt_search_cancellations(cb_mkt_cancellations **out, cb_mkt *m,
    const cb_mkt_cancel_query *q, cb_mkt_error *err);
void cb_mkt_cancellations_free(cb_mkt_cancellations *c);

/* ---- order detail (GET /order/202309/orders?ids=...) */

typedef struct {
	const char *id;
	const char *sku_id;
	const char *seller_sku;
	const char *sale_price;      /**< decimal string as sent, or "" */
	const char *display_status;  /**< or "" */
} cb_mkt_line_item;

typedef struct {
	const char       *id;
	const char       *status;       /**< UNPAID, AWAITING_SHIPMENT, ... CANCELLED */
	const char       *currency;     /**< payment.currency, or "" */
	const char       *total_amount; /**< payment.total_amount (decimal string), or "" */
	const char       *shipping_fee; /**< payment.shipping_fee, or "" */
	const char       *cancel_reason; /**< or "" */
	int64_t           create_time;
	int64_t           update_time;
	cb_mkt_line_item *items;
	size_t            nitems;
} cb_mkt_order;

typedef struct cb_mkt_orders {
	cb_mkt_order *items;
	size_t        n;
	const char   *request_id;
	void         *priv;
} cb_mkt_orders;

#define CB_MKT_MAX_ORDER_IDS 50	/**< ids per order-detail call */

/** Orders the marketplace found among @p ids (1..CB_MKT_MAX_ORDER_IDS); unknown ids are absent. */
int cb_mkt_get_orders(cb_mkt_orders **out, cb_mkt *m, const char *const *ids, size_t nids,
    cb_mkt_error *err);
void cb_mkt_orders_free(cb_mkt_orders *o);
/** The order with @p id in @p o, or NULL. */
const cb_mkt_order *cb_mkt_orders_find(const cb_mkt_orders *o, const char *id);

/* ------------------------------------------------------------------ */
/* Marketplace facts, tabled once (facts.c) */

/** What a marketplace order status is in codebook's terms: codebook's own
 * order statuses (src/store's cb_ord_status, in the same order). */
typedef enum {
	CB_MKT_CLASS_INCOMPLETE = 0, /**< unpaid */
	CB_MKT_CLASS_READY,          /**< paid, not shipped: the seller may still cancel */
	CB_MKT_CLASS_SHIPPED,        /**< the parcel has left, or is about to */
	CB_MKT_CLASS_DELIVERED,
	CB_MKT_CLASS_CANCELLED
} cb_mkt_class;

/** One TikTok Shop order status. */
typedef struct {
	const char  *name;    /**< the current API's name: "AWAITING_SHIPMENT" */
	int          legacy;  /**< the legacy API's number: 111 */
	cb_mkt_class cls;     /**< what it is in codebook's terms */
} cb_mkt_status;

/** The @p i-th status (in the order of their legacy numbers), or NULL past the last. */
const cb_mkt_status *cb_mkt_status_at(size_t i);
/** How many statuses there are. */
size_t cb_mkt_status_count(void);
/** "UNPAID, ON_HOLD, ..., CANCELLED" into @p out (truncated to @p size, NUL-terminated). */
void cb_mkt_status_names(char *out, size_t size);
/** The status named @p s[0..len) ("AWAITING_SHIPMENT") or numbered so ("111"), or NULL. */
const cb_mkt_status *cb_mkt_status_find(const char *s, size_t len);
/** The current status name of a legacy numeric status (100 -> "UNPAID"), or NULL. */
const char *cb_mkt_status_from_legacy(int legacy);
/** The legacy number of a current status name, or -1. */
int cb_mkt_status_to_legacy(const char *status);
/** The value of available_order_status_list that applies to an order of
 * class @p cls in the shop of @p cfg (status_incomplete, status_ready_for_shipping),
 * or NULL when the seller cannot cancel such an order. */
const char *cb_mkt_reason_status(const cb_mkt_config *cfg, cb_mkt_class cls);

/** The cancel_status string of @p s ("CANCELLATION_REQUEST_PENDING"), or
 * NULL for a state that has none (done, unknown). */
const char *cb_mkt_cancel_status(cb_mkt_cancel_state s);

/** The marketplace operations. */
typedef enum {
	CB_MKT_EP_REASONS = 0,    /**< GET the reverse reason list (legacy) */
	CB_MKT_EP_CANCEL_LEGACY,  /**< POST a cancel (legacy) */
	CB_MKT_EP_CANCEL,         /**< POST a cancellation request (current) */
	CB_MKT_EP_SEARCH,         /**< POST a cancellation search (current) */
	CB_MKT_EP_ORDERS,         /**< GET order detail (current) */
	CB_MKT_EP_SHOPS,          /**< GET the authorized shops (current; not shop-scoped) */
	CB_MKT_EP_COUNT
} cb_mkt_ep;

/** How an operation is reached. */
typedef struct {
	const char *path;        /**< "/api/reverse/order/cancel" */
	const char *method;      /**< "GET" or "POST" */
	int         legacy;      /**< shop_id and access_token in the query; the body is not signed */
	int         shop_scoped; /**< current API: shop_cipher in the query */
	int         once;        /**< not idempotent: never sent on a reused connection */
} cb_mkt_endpoint;

/** The endpoint of @p ep, or NULL. */
const cb_mkt_endpoint *cb_mkt_endpoint_get(cb_mkt_ep ep);

/* ------------------------------------------------------------------ */
/* Notifications the marketplace sends (webhook.c) */

#define CB_MKT_MAX_WEBHOOK_BODY (64u << 10)	/**< bytes of a notification's body codebook takes */

/**
 * The signature of a notification: lowercase hex HMAC-SHA256 keyed with
 * @p secret over @p app_key followed by the raw body.
 * @return CB_OK; CB_EINVAL; CB_ETOOBIG past CB_MKT_MAX_WEBHOOK_BODY; CB_ENOMEM; CB_ERROR.
 */
int cb_mkt_webhook_sign(char out[CB_MKT_SIGN_HEX + 1], const char *app_key, const char *secret,
    const char *body, size_t len);

/** 1 when @p authorization (the header's value) is the body's signature,
 * compared in constant time; else 0. */
int cb_mkt_webhook_verify(const char *app_key, const char *secret, const char *body, size_t len,
    const char *authorization);

#endif
