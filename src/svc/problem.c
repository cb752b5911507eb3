/* SPDX-License-Identifier: Apache-2.0 */
/*
 * problem.c - the table of problem types (RFC 9457).  The names are part
 * of the API: clients branch on them, so they never change meaning.
 */
#include "problem.h"

#include <stdio.h>
#include <string.h>

static const struct svc_problem_info problems[P_COUNT] = {
	[P_NONE] = { 500, "none", "No problem", "Not a problem; never sent." },
	[P_MALFORMED_JSON] = { 400, "malformed-json", "Malformed JSON",
	    "The request body is not valid JSON (RFC 8259, UTF-8). The detail gives the byte offset, "
	    "line and column of the first fault. Nothing was stored." },
	[P_INVALID_REQUEST] = { 400, "invalid-request", "Invalid request",
	    "The request is well-formed JSON (or has no body) but does not have the shape this route "
	    "takes: a member is missing or of the wrong type, or a query parameter is unknown or out of "
	    "range. \"pointer\" (RFC 6901) or \"parameter\" names the fault. Nothing was stored." },
	[P_INVALID_INPUT] = { 422, "invalid-input", "Invalid input",
	    "One or more items were rejected: a reason code the code set does not allow here "
	    "(invalid-format, unknown-code, unknown-category, not-applicable, unknown-context, retired) "
	    "or a field that is missing, of the wrong type or malformed. \"errors\" lists every fault by "
	    "item index with the check's reason and suggestions. A batch is all-or-nothing: nothing "
	    "was stored." },
	[P_INVALID_CODE_SET] = { 422, "invalid-code-set", "Invalid code set",
	    "The body is JSON but not a valid code-set document (docs/codeset-format.md); the detail "
	    "says where. Nothing was published." },
	[P_UNKNOWN_SET] = { 404, "unknown-set", "Unknown code set",
	    "No code set of that name is served. \"sets\" lists those that are." },
	[P_UNKNOWN_CODE] = { 404, "unknown-code", "Unknown code",
	    "The code is not in the set. \"reason\" says why (unknown-code, invalid-format, "
	    "unknown-category) and \"suggestions\" lists close matches." },
	[P_NOT_FOUND] = { 404, "not-found", "Not found",
	    "No such route or resource (for example a version of a set that was never published)." },
	[P_METHOD_NOT_ALLOWED] = { 405, "method-not-allowed", "Method not allowed",
	    "The route exists but does not take this method; the Allow header lists those it takes." },
	[P_NOT_ACCEPTABLE_MEDIA] = { 415, "unsupported-media-type", "Unsupported media type",
	    "Request bodies must be JSON: send Content-Type: application/json." },
	[P_PAYLOAD_TOO_LARGE] = { 413, "payload-too-large", "Payload too large",
	    "The request body is larger than this route accepts (\"limit\" gives it, in bytes). "
	    "Nothing was stored." },
	[P_BATCH_TOO_LARGE] = { 413, "batch-too-large", "Batch too large",
	    "The batch has more items than one request may carry (\"limit\"); split it. Nothing was "
	    "stored." },
	[P_UNAUTHORIZED] = { 401, "unauthorized", "Unauthorized",
	    "This request needs an API key: send Authorization: Bearer KEY with a key made by "
	    "`codebook keys add NAME`. The key was missing, malformed, unknown or revoked." },
	[P_GOVERNANCE] = { 409, "governance-violation", "Governance violation",
	    "The new version of the set would break its users. \"violations\" lists each breaking "
	    "change under its rule name (CODE_NO_DELETE, VERSION_INCREASES, ...); deprecate codes "
	    "instead of removing them and raise the version. Nothing changed." },
	[P_IDEMPOTENCY_CONFLICT] = { 409, "idempotency-conflict", "Conflicting replay",
	    "An item reuses the id of a stored item with different content. Ids are idempotency keys: "
	    "replaying the same item is harmless, changing it is refused. \"conflicts\" lists them. "
	    "A batch is all-or-nothing: nothing was stored." },
	[P_VERSION_CONFLICT] = { 409, "version-conflict", "Version conflict",
	    "A new version of a set is exactly the latest stored version plus one (a new set may start "
	    "at any version). This one is not: \"expected_version\" names the version a publish must "
	    "have now and \"current_version\" the latest. Most often another publish (on this instance "
	    "or another one on the same database) got there first: fetch the latest, apply the change "
	    "to it and publish again. Nothing changed." },
	[P_SHUTTING_DOWN] = { 503, "shutting-down", "Shutting down",
	    "The server is stopping; retry against another instance or after it restarts." },
	[P_INTERNAL] = { 500, "internal-error", "Internal error",
	    "Something failed on the server (storage, memory). The request id identifies it in the "
	    "server's log. Nothing was stored." },
	[P_INVALID_ORDER] = { 422, "invalid-order", "Invalid order or refund",
	    "The order or refund is well-formed JSON of the right shape, but its values do not hold "
	    "together: money that does not add up (a total other than items plus shipping, refund rows "
	    "other than the amount, a refund larger than what is left to refund), a negative amount, "
	    "an unknown ISO 4217 currency, an unknown status, a SKU the order does not have. Money is "
	    "a whole number of minor units (pence for GBP). \"errors\" lists every fault with its "
	    "RFC 6901 pointer. Nothing was stored." },
	[P_ORDER_CONFLICT] = { 409, "order-conflict", "Order conflict",
	    "The order's state refuses the request: a cancellation of it is already Pending or "
	    "Processing (\"payment_id\" names it), or the import would change the money or the status "
	    "of an order that has refunds. Nothing was stored." },
	[P_MARKETPLACE_ERROR] = { 502, "marketplace-error", "Marketplace error",
	    "The marketplace call the request needed failed: \"marketplace\" has the error code "
	    "(the marketplace's, or TIMEOUT, CONNECT_FAILED, HTTP_5XX ...), its message, request_id "
	    "(quote it to the marketplace's support), whether the request may have taken effect, and "
	    "what the tiktok-shop-error set says to do. Nothing was stored." },
	[P_MARKETPLACE_UNCONFIGURED] = { 503, "marketplace-not-configured", "Marketplace not configured",
	    "The server has no usable marketplace configuration for this: start it with "
	    "--market-config FILE (or CODEBOOK_MARKET_CONFIG) naming the shop's section "
	    "(docs/configuration.md). Nothing was stored." },
	[P_MALFORMED_REQUEST] = { 400, "malformed-request", "Malformed HTTP request",
	    "The request is not a well-formed HTTP/1.1 message (RFC 9112), or is one that proxies may "
	    "read differently: a malformed request line or header line, a header folded over lines "
	    "(obs-fold), a NUL or other control character, %00 or a broken %-escape in the target, a "
	    "Content-Length that is not a number or is given twice, Content-Length together with "
	    "Transfer-Encoding, or HTTP/1.1 without exactly one Host header. The detail names the fault. "
	    "The connection is closed and nothing was stored." },
	[P_REQUEST_TIMEOUT] = { 408, "request-timeout", "Request timeout",
	    "The request head or body did not arrive within the server's deadline (--header-timeout, "
	    "--body-timeout; docs/http.md, Timeouts). The connection is closed and nothing was stored; "
	    "send the request again, whole." },
	[P_LENGTH_REQUIRED] = { 411, "length-required", "Length required",
	    "Request bodies must be sent with a Content-Length; Transfer-Encoding (chunked or any "
	    "other) is not taken. Nothing was stored." },
	[P_URI_TOO_LONG] = { 414, "uri-too-long", "URI too long",
	    "The request target is longer than the server takes (\"limit\", in bytes). Nothing was "
	    "stored." },
	[P_HEADER_TOO_LARGE] = { 431, "header-too-large", "Request header too large",
	    "The request head (request line and header fields) is larger than the server takes, or has "
	    "too many fields (\"limit\"). Nothing was stored." },
	[P_HTTP_VERSION] = { 505, "http-version-not-supported", "HTTP version not supported",
	    "The server speaks HTTP/1.1 and HTTP/1.0 only." },
	[P_TOO_MANY_CONNECTIONS] = { 429, "too-many-connections", "Too many connections",
	    "This client (its IP address) already holds as many connections as the server allows one "
	    "client (--max-connections-per-client); reuse them (keep-alive) or close some. Retry-After "
	    "says when to try again. Nothing was stored." },
	[P_SERVER_BUSY] = { 503, "server-busy", "Server busy",
	    "Every connection slot of the server is taken (--max-connections) and none could be freed "
	    "from a client that is slow to send its request. Retry after the time in Retry-After. "
	    "Nothing was stored." },
	[P_RESPONSE_TOO_LARGE] = { 413, "response-too-large", "Response too large",
	    "The answer to this request would be larger than the server sends to a client without an "
	    "API key (\"limit\", in bytes). Send fewer items, or send Authorization: Bearer KEY: a key "
	    "lifts the limit." },
	[P_UNKNOWN_SHOP] = { 404, "unknown-shop", "Unknown shop",
	    "The marketplace configuration has no [shop NAME] section of that name: name one it has "
	    "(\"shop\" repeats the one asked for). Nothing was stored." },
	[P_STORAGE_UNAVAILABLE] = { 503, "storage-unavailable", "Storage unavailable",
	    "The database cannot take writes just now (disk full, read-only, locked by another "
	    "process). Nothing was stored; reads keep working. Retry after the time in Retry-After, "
	    "with the same ids: writes are idempotent." },
	[P_LIMIT_EXCEEDED] = { 422, "limit-exceeded", "Limit exceeded",
	    "The request would pass one of the server's limits (docs/http.md, Limits): \"limit\" names "
	    "it (code_sets: the number of code sets stored, with room always kept for the bundled ones; "
	    "set_version: the highest first version of a new set) and \"max\" gives its value. Limits are checked "
	    "before anything is written: nothing was stored." },
	[P_OUTCOME_UNKNOWN] = { 503, "outcome-unknown", "Outcome unknown",
	    "The database failed while committing this write (an I/O error during the commit, or the "
	    "connection lost during COMMIT): the write may or may not be stored, and nobody can tell "
	    "yet. Retry the same request with the same ids (and the same Idempotency-Key where the "
	    "route takes one): every write is idempotent by them, so a retry either finds the write "
	    "stored and answers as the first time, or stores it once. The connection is closed." },
};

const struct svc_problem_info *
svc_problem_info(enum svc_problem p)
{
	return &problems[(unsigned)p < P_COUNT ? p : P_INTERNAL];
}

enum svc_problem
svc_problem_find(const char *name, size_t len)
{
	int i;

	for (i = 1; i < P_COUNT; i++)
		if (strlen(problems[i].name) == len && memcmp(problems[i].name, name, len) == 0)
			return (enum svc_problem)i;
	return P_NONE;
}

void
svc_problem_open(cb_jw *w, enum svc_problem p, const char *detail, const char *instance,
    const char *request_id)
{
	const struct svc_problem_info *pi = svc_problem_info(p);
	char type[64];

	(void)snprintf(type, sizeof(type), "/problems/%s", pi->name);
	cb_jw_obj_begin(w);
	cb_jw_kstr(w, "type", type);
	cb_jw_kstr(w, "title", pi->title);
	cb_jw_kint(w, "status", pi->status);
	cb_jw_kstr(w, "detail", detail ? detail : pi->doc);
	if (instance != NULL)
		cb_jw_kstr(w, "instance", instance);
	if (request_id != NULL)
		cb_jw_kstr(w, "request_id", request_id);
}
