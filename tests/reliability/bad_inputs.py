# SPDX-License-Identifier: Apache-2.0
"""The table of bad inputs of the reliability suite (docs/reliability.md): what a
hostile or broken client sends, and what the server must answer.  Each case is a
dict:

    name     what the case is
    method, path, headers, body   the request (body: bytes, str, or an object sent
             as JSON); or raw: the exact bytes sent on a fresh connection
    key      "good" (a valid API key), "bad" (a well-formed unknown one) or None
    status, type   the answer expected: an RFC 9457 problem of that type

test_bad_input_table.py sends each and checks the answer and that nothing was
stored.  The cases are grouped by fault; where a fault is checked the same way
on several routes, the table lists it on each, since each route reaches the
check by its own way (the front door, begin(), the body parsers).
"""
import json

GOOD, BAD = "good", "bad"
ORDER_ID = "576461413038780001"


def event(i="x", **kw):
    d = {"event_id": "evt-rel-%s" % i, "service": "SCM", "entity": "order", "entity_id": "1",
         "from_state": "open", "to_state": "held", "reason_code": "FRAUD.CHARGEBACK",
         "actor": "user-7", "occurred_at": "2026-02-06T09:30:00Z"}
    d.update(kw)
    return d


def incident(i="x", **kw):
    d = {"incident_id": "inc-rel-%s" % i, "order_id": "ord-%s" % i, "rule": "A3",
         "reason_code": "INVALID_TRACKING_NUMBER", "occurred_at": "2026-02-06T09:30:00Z"}
    d.update(kw)
    return d


def order(oid=ORDER_ID, **kw):
    d = {"order_id": oid, "shop": "uk-legacy", "status": "Ready for Shipping", "currency": "GBP",
         "items": [{"sku": "TSHIRT-M", "quantity": 1, "unit_price": 1000, "line_item_id": "li-1",
                    "title": "T-shirt"}],
         "shipping_cost": 399, "total": 1399}
    d.update(kw)
    return d


def case(name, method, path, body=None, key=None, status=400, type_=None, headers=None, raw=None):
    return {"name": name, "method": method, "path": path, "body": body, "key": key, "status": status,
            "type": type_, "headers": headers or {}, "raw": raw}


# ---- framing: the front door, on a fresh connection ---------------------------------

def _req(method, path, fields, body=b""):
    head = "%s %s HTTP/1.1\r\n" % (method, path)
    return head.encode() + b"".join(f + b"\r\n" for f in fields) + b"\r\n" + body


HOST = b"Host: codebook"
CTJ = b"Content-Type: application/json"

# (name, function of (method, path, key header) -> raw bytes, status, type)
FRAMING = [
    ("two different Content-Lengths", lambda m, p, k: _req(m, p, [HOST, CTJ, k, b"Content-Length: 2",
                                                                  b"Content-Length: 3"], b"{}"),
     400, "malformed-request"),
    ("the same Content-Length twice", lambda m, p, k: _req(m, p, [HOST, CTJ, k, b"Content-Length: 2",
                                                                  b"Content-Length: 2"], b"{}"),
     400, "malformed-request"),
    ("Content-Length -1", lambda m, p, k: _req(m, p, [HOST, CTJ, k, b"Content-Length: -1"], b"{}"),
     400, "malformed-request"),
    ("Content-Length abc", lambda m, p, k: _req(m, p, [HOST, CTJ, k, b"Content-Length: abc"], b"{}"),
     400, "malformed-request"),
    ("Content-Length 2^64", lambda m, p, k: _req(m, p, [HOST, CTJ, k, b"Content-Length: 18446744073709551616"]),
     413, "payload-too-large"),
    ("Content-Length as a list", lambda m, p, k: _req(m, p, [HOST, CTJ, k, b"Content-Length: 2, 2"], b"{}"),
     400, "malformed-request"),
    ("Content-Length with Transfer-Encoding", lambda m, p, k: _req(
        m, p, [HOST, CTJ, k, b"Content-Length: 2", b"Transfer-Encoding: chunked"], b"{}"),
     400, "malformed-request"),
    ("chunked body", lambda m, p, k: _req(m, p, [HOST, CTJ, k, b"Transfer-Encoding: chunked"],
                                          b"2\r\n{}\r\n0\r\n\r\n"),
     411, "length-required"),
    ("HTTP/1.1 without Host", lambda m, p, k: _req(m, p, [CTJ, k, b"Content-Length: 2"], b"{}"),
     400, "malformed-request"),
    ("two Hosts", lambda m, p, k: _req(m, p, [HOST, b"Host: other", CTJ, k, b"Content-Length: 2"], b"{}"),
     400, "malformed-request"),
    ("a Host with a space", lambda m, p, k: _req(m, p, [b"Host: a b", CTJ, k, b"Content-Length: 2"], b"{}"),
     400, "malformed-request"),
    ("obs-fold", lambda m, p, k: _req(m, p, [HOST, b"X-Note: one", b" two", CTJ, k, b"Content-Length: 2"],
                                      b"{}"),
     400, "malformed-request"),
    ("bare LF line ends", lambda m, p, k: ("%s %s HTTP/1.1\nHost: x\n\n" % (m, p)).encode(),
     400, "malformed-request"),
    ("a bare CR", lambda m, p, k: _req(m, p, [HOST + b"\rX: y", CTJ, k, b"Content-Length: 2"], b"{}"),
     400, "malformed-request"),
    ("NUL in a header value", lambda m, p, k: _req(m, p, [HOST, b"X-Note: a\x00b", CTJ, k,
                                                          b"Content-Length: 2"], b"{}"),
     400, "malformed-request"),
    ("a control character in a header", lambda m, p, k: _req(m, p, [HOST, b"X-Note: a\x1bb", CTJ, k,
                                                                    b"Content-Length: 2"], b"{}"),
     400, "malformed-request"),
    ("whitespace before a colon", lambda m, p, k: _req(m, p, [HOST, b"Content-Length : 2", CTJ, k], b"{}"),
     400, "malformed-request"),
    ("a header line without a colon", lambda m, p, k: _req(m, p, [HOST, b"Just-A-Name", CTJ, k,
                                                                  b"Content-Length: 2"], b"{}"),
     400, "malformed-request"),
    ("%00 in the path", lambda m, p, k: _req(m, p + "%00", [HOST, CTJ, k, b"Content-Length: 2"], b"{}"),
     400, "malformed-request"),
    ("%00 in the query", lambda m, p, k: _req(m, p + "?x=%00", [HOST, CTJ, k, b"Content-Length: 2"], b"{}"),
     400, "malformed-request"),
    ("a broken %-escape", lambda m, p, k: _req(m, p + "%zz", [HOST, CTJ, k, b"Content-Length: 2"], b"{}"),
     400, "malformed-request"),
    ("raw UTF-8 in the path", lambda m, p, k: _req(m, p + "caf\u00e9", [HOST, CTJ, k, b"Content-Length: 2"], b"{}"),
     400, "malformed-request"),
    ("a fragment in the target", lambda m, p, k: _req(m, p + "#frag", [HOST, CTJ, k, b"Content-Length: 2"],
                                                      b"{}"),
     400, "malformed-request"),
    ("HTTP/2.0 request line", lambda m, p, k: ("%s %s HTTP/2.0\r\nHost: x\r\n\r\n" % (m, p)).encode(),
     505, "http-version-not-supported"),
    ("HTTP/0.9 request line", lambda m, p, k: ("%s %s\r\n\r\n" % (m, p)).encode(),
     400, "malformed-request"),
    ("lower-case http/1.1", lambda m, p, k: ("%s %s http/1.1\r\nHost: x\r\n\r\n" % (m, p)).encode(),
     400, "malformed-request"),
    ("two spaces in the request line", lambda m, p, k: ("%s  %s HTTP/1.1\r\nHost: x\r\n\r\n" % (m, p)).encode(),
     400, "malformed-request"),
    ("a method that is not a token", lambda m, p, k: ("G{T %s HTTP/1.1\r\nHost: x\r\n\r\n" % p).encode(),
     400, "malformed-request"),
    ("a target of 5000 bytes", lambda m, p, k: _req(m, p + "?q=" + "a" * 5000, [HOST]),
     414, "uri-too-long"),
    ("a head of 9000 bytes", lambda m, p, k: _req(m, p, [HOST, b"X-Pad: " + b"a" * 9000]),
     431, "header-too-large"),
    ("70 header fields", lambda m, p, k: _req(m, p, [HOST] + [b"X-%d: y" % i for i in range(70)]),
     431, "header-too-large"),
]

FRAMING_ROUTES = [("GET", "/v1/code-sets/outbound", None), ("POST", "/v1/events", GOOD),
                  ("POST", "/v1/code-sets/outbound/check", None)]

# Faults of a later request on a keep-alive connection: the first request is
# good, the second is not.  The door reads every head (relay.c), so each of
# FRAMING is refused there as on a fresh connection; these add the faults
# FRAMING does not send.
FOLLOW_UP = [
    ("two Content-Lengths", [HOST, CTJ, b"Content-Length: 2", b"Content-Length: 3"], b"{}", 400,
     "malformed-request"),
    ("Content-Length with Transfer-Encoding", [HOST, CTJ, b"Content-Length: 2", b"Transfer-Encoding: chunked"],
     b"{}", 400, "malformed-request"),
    ("chunked body", [HOST, CTJ, b"Transfer-Encoding: chunked"], b"2\r\n{}\r\n0\r\n\r\n", 411, "length-required"),
    ("no Host", [CTJ, b"Content-Length: 2"], b"{}", 400, "malformed-request"),
    ("two Hosts", [HOST, b"Host: b", CTJ, b"Content-Length: 2"], b"{}", 400, "malformed-request"),
    ("%00 in the path", None, b"{}", 400, "malformed-request"),
    ("a broken %-escape", None, b"{}", 400, "malformed-request"),
]


def follow_up_raw(path, fields, body, fault, key_field):
    first = _req("GET", "/healthz", [HOST])
    if fault == "%00 in the path":
        path = path + "%00"
    elif fault == "a broken %-escape":
        path = path + "%zz"
    flds = list(fields) if fields is not None else [HOST, CTJ, b"Content-Length: 2"]
    if key_field:
        flds.append(key_field)
    return first + _req("POST", path, flds, body)


# ---- the table ----------------------------------------------------------------------------

def build(key):
    """The cases; key is the valid API key (for raw requests that need one)."""
    auth = ("Authorization: Bearer %s" % key).encode()
    out = []
    # framing on a fresh connection, on a read, a write and an open check
    for method, path, k in FRAMING_ROUTES:
        kf = auth if k == GOOD else b"X-No-Key: 1"
        for name, make, status, type_ in FRAMING:
            out.append(case("framing: %s (%s %s)" % (name, method, path), method, path, raw=make(method, path, kf),
                            status=status, type_=type_))
    # framing of a later request on a keep-alive connection
    framing_names = set(f[0] for f in FRAMING)
    for path, k in (("/v1/events", auth), ("/v1/code-sets/outbound/check", None)):
        for name, fields, body, status, type_ in FOLLOW_UP:
            if name in framing_names:
                continue
            out.append(case("keep-alive: %s (POST %s)" % (name, path), "POST", path,
                            raw=follow_up_raw(path, fields, body, name, k), status=status, type_=type_))
            out[-1]["follow_up"] = True
    first = _req("GET", "/healthz", [HOST])
    for method, path, k in (("POST", "/v1/events", GOOD), ("GET", "/v1/code-sets/outbound", None)):
        kf = auth if k == GOOD else b"X-No-Key: 1"
        for name, make, status, type_ in FRAMING:
            out.append(case("keep-alive: %s (%s %s)" % (name, method, path), method, path,
                            raw=first + make(method, path, kf), status=status, type_=type_))
            out[-1]["follow_up"] = True

    # content types: JSON bodies only, as application/json
    body_routes = [("POST", "/v1/events", event("ct"), GOOD), ("POST", "/v1/incidents", incident("ct"), GOOD),
                   ("POST", "/v1/orders", order(), GOOD),
                   ("POST", "/v1/orders/%s/cancellations" % ORDER_ID, {"reason_key": "x"}, GOOD),
                   ("POST", "/v1/code-sets/outbound/check", {"code": "FRAUD.CHARGEBACK"}, None),
                   ("PUT", "/v1/code-sets/outbound", {"name": "outbound"}, GOOD),
                   ("POST", "/v1/marketplaces/tiktok/reverse-reasons/sync", {"shop": "uk-legacy"}, GOOD)]
    ctypes = ["application/x-www-form-urlencoded", "text/plain", None, "application/xml",
              "application/json-patch+json", "application/json; charset=latin1", "multipart/form-data"]
    for method, path, body, k in body_routes:
        for ct in ctypes:
            h = {"Content-Type": ct} if ct is not None else {"Content-Type": ""}
            out.append(case("media type %s (%s %s)" % (ct or "missing", method, path), method, path,
                            body=json.dumps(body).encode(), key=k, status=415, type_="unsupported-media-type",
                            headers=h))

    # ids that could never be read back at their URL, or are not ids at all
    bad_ids = [("a slash", "a/b"), ("only a slash", "/"), ("a control character", "a\u0001b"),
               ("a tab", "a\tb"), ("a space", "a b"), ("a dot", "."), ("two dots", ".."),
               ("an encoded slash", "a%2Fb"), ("a question mark", "a?b"), ("a hash", "a#b"),
               ("a NUL", "a\u0000b"), ("non-ASCII", "caf\u00e9"), ("a shopify gid", "gid://shopify/Order/1")]
    for what, bad in bad_ids:
        out.append(case("event id with %s" % what, "POST", "/v1/events", body=event(event_id=bad), key=GOOD,
                        status=422, type_="invalid-input"))
        out.append(case("incident id with %s" % what, "POST", "/v1/incidents", body=incident(incident_id=bad),
                        key=GOOD, status=422, type_="invalid-input"))
        out.append(case("order id with %s" % what, "POST", "/v1/orders", body=order(oid=bad), key=GOOD,
                        status=422, type_="invalid-order"))
    out.append(case("event id of 257 bytes", "POST", "/v1/events", body=event(event_id="e" * 257), key=GOOD,
                    status=422, type_="invalid-input"))
    out.append(case("incident id of 257 bytes", "POST", "/v1/incidents", body=incident(incident_id="i" * 257),
                    key=GOOD, status=422, type_="invalid-input"))
    out.append(case("order id of 128 bytes", "POST", "/v1/orders", body=order(oid="9" * 128), key=GOOD,
                    status=422, type_="invalid-order"))
    out.append(case("order id with a comma", "POST", "/v1/orders", body=order(oid="1,2"), key=GOOD,
                    status=422, type_="invalid-order"))

    # occurred_at: a date a client meant, between 1970 and 2099
    bad_times = ["0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "1969-12-31T23:59:59Z",
                 "1970-01-01T00:30:00+01:00", "2100-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
                 "2026-02-30T09:30:00Z", "2026-02-06T23:59:60Z", "2026-02-06T09:30:00", "yesterday"]
    for t in bad_times:
        out.append(case("event occurred_at %s" % t, "POST", "/v1/events", body=event(occurred_at=t), key=GOOD,
                        status=422, type_="invalid-input"))
        out.append(case("incident occurred_at %s" % t, "POST", "/v1/incidents", body=incident(occurred_at=t),
                        key=GOOD, status=422, type_="invalid-input"))

    # a NUL in any string field: refused, never cut short
    for f in ("event_id", "service", "entity", "entity_id", "from_state", "to_state", "reason_code", "reason",
              "actor"):
        out.append(case("NUL in event %s" % f, "POST", "/v1/events", body=event(**{f: "ab\u0000cd"}), key=GOOD,
                        status=422, type_="invalid-input"))
    for f in ("incident_id", "order_id", "rule", "reason_code", "reason", "shop_id"):
        out.append(case("NUL in incident %s" % f, "POST", "/v1/incidents", body=incident(**{f: "ab\u0000cd"}),
                        key=GOOD, status=422, type_="invalid-input"))
    for f, body in (("shop", order(shop="uk-legacy\u0000x")), ("currency", order(currency="GB\u0000")),
                    ("sku", order(items=[{"sku": "TS\u0000HIRT", "quantity": 1, "unit_price": 1000}], total=1399)),
                    ("title", order(items=[{"sku": "TS", "quantity": 1, "unit_price": 1000,
                                            "title": "T\u0000"}], total=1399)),
                    ("line_item_id", order(items=[{"sku": "TS", "quantity": 1, "unit_price": 1000,
                                                   "line_item_id": "l\u00001"}], total=1399))):
        out.append(case("NUL in order %s" % f, "POST", "/v1/orders", body=body, key=GOOD, status=422,
                        type_="invalid-order"))
    out.append(case("NUL in a sync's shop", "POST", "/v1/marketplaces/tiktok/reverse-reasons/sync",
                    body='{"shop": "uk-legacy\\u0000x"}', key=GOOD, status=422, type_="invalid-input"))
    out.append(case("a shop name with a space", "POST", "/v1/marketplaces/tiktok/reverse-reasons/sync",
                    body={"shop": "uk legacy"}, key=GOOD, status=422, type_="invalid-input"))
    out.append(case("an unknown shop", "POST", "/v1/marketplaces/tiktok/reverse-reasons/sync",
                    body={"shop": "fr-nowhere"}, key=GOOD, status=404, type_="unknown-shop"))

    # what a key lifts: the limits of anonymous checks
    item = {"code": "APP_MISSED_WEBHOOK", "context": {"rule": "A3"}}
    out.append(case("101 checks without a key", "POST", "/v1/code-sets/qe-reason/check",
                    body={"items": [item] * 101}, status=413, type_="batch-too-large"))
    out.append(case("a 17 KB check body without a key", "POST", "/v1/code-sets/qe-reason/check",
                    body={"items": [item] * 300}, status=413, type_="payload-too-large"))
    out.append(case("1001 checks with a key", "POST", "/v1/code-sets/qe-reason/check",
                    body={"items": [item] * 1001}, key=GOOD, status=413, type_="batch-too-large"))
    out.append(case("a check with an unknown key", "POST", "/v1/code-sets/qe-reason/check",
                    body={"code": "OTHER"}, key=BAD, status=401, type_="unauthorized"))

    # JSON-level faults on every write route
    for method, path, k in (("POST", "/v1/events", GOOD), ("POST", "/v1/incidents", GOOD),
                            ("POST", "/v1/orders", GOOD), ("PUT", "/v1/code-sets/outbound", GOOD),
                            ("POST", "/v1/orders/%s/cancellations" % ORDER_ID, GOOD)):
        out.append(case("truncated JSON (%s %s)" % (method, path), method, path, body='{"a": ', key=k,
                        status=400, type_="malformed-json"))
        out.append(case("invalid UTF-8 (%s %s)" % (method, path), method, path, body=b'{"a": "\xff"}', key=k,
                        status=400, type_="malformed-json"))
        out.append(case("nesting 100 deep (%s %s)" % (method, path), method, path, body="[" * 100 + "]" * 100,
                        key=k, status=400, type_="malformed-json"))
        out.append(case("no key (%s %s)" % (method, path), method, path, body="{}", status=401,
                        type_="unauthorized"))
        out.append(case("an unknown key (%s %s)" % (method, path), method, path, body="{}", key=BAD, status=401,
                        type_="unauthorized"))
    # routes and methods
    for method, path, status, type_ in (("DELETE", "/v1/events", 405, "method-not-allowed"),
                                        ("PATCH", "/v1/code-sets/outbound", 405, "method-not-allowed"),
                                        ("GET", "/v1/orders/a%2Fb", 404, "not-found"),
                                        ("GET", "/v2/events", 404, "not-found"),
                                        ("GET", "/v1/code-sets/outbound/..%2F..%2Fetc", 404, "not-found"),
                                        ("GET", "/v1/events?limit=0", 400, "invalid-request"),
                                        ("GET", "/v1/events?since=0000-01-01T00:00:00", 400, "invalid-request")):
        out.append(case("%s %s" % (method, path), method, path, status=status, type_=type_))
    return out
