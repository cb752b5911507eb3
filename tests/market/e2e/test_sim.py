#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The marketplace client against the simulator, through the real binaries.

usage: test_sim.py CODEBOOK CODEBOOK_TIKTOK_SIM

Starts codebook-tiktok-sim on a free port of 127.0.0.1, then:
  1. signs requests here, independently (hmac, hashlib), to check what the
     simulator accepts and refuses: signature, timestamp window, token,
     shop, path, method, and which requests sign their body;
  2. drives `codebook tiktok` through every operation, for a legacy and a
     current-API shop;
  3. injects every fault kind through the admin API and checks how the
     client classifies it (code, outcome, handling from tiktok-shop-error)
     and what the simulator saw (cancel calls per order, orders' status).
The simulator is stopped by its PID.  Exit 0 when every check passed.
"""
import hashlib
import hmac
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

CODEBOOK = sys.argv[1] if len(sys.argv) > 1 else os.environ["CODEBOOK"]
SIM = sys.argv[2] if len(sys.argv) > 2 else os.environ["CODEBOOK_TIKTOK_SIM"]
SRC = os.environ.get("CB_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..", ".."))

APP_KEY, SECRET, TOKEN = "68xu9ks5p4i8", "e59af819cc", "TTP_sim_token_5b1f"
SHOP_ID, CIPHER = "7494049642642441621", "ROW_xkMbgAAAeVAQra0eZWebFQq5aIKt"
OOS = "seller_cancel_reason_out_of_stock_uk"
OOS_UNPAID = "seller_cancel_unpaid_reason_out_of_stock_uk"

CONFIG = f"""# shops of the simulator test
app_key = {APP_KEY}
app_secret = {SECRET}
access_token = {TOKEN}
shop_id = {SHOP_ID}
shop_cipher = {CIPHER}
timeout_ms = 1500
connect_timeout_ms = 1000

[shop uk-legacy]
api = legacy

[shop uk-current]
api = current

[shop wrong-secret]
api = legacy
app_secret = not-the-secret
"""

failures = []
checks = 0


def check(cond, what, detail=""):
    global checks
    checks += 1
    if not cond:
        failures.append(f"{what}{': ' + detail if detail else ''}")
        print(f"FAIL {what} {detail}", flush=True)


def order(oid, status, total="23.99"):
    return {"id": oid, "status": status, "currency": "GBP", "total_amount": total, "shipping_fee": "3.99",
            "line_items": [{"id": oid + "-1", "sku_id": "1729382476852", "seller_sku": "TSHIRT-M",
                            "sale_price": "10.00"},
                           {"id": oid + "-2", "sku_id": "1729382476853", "seller_sku": "TSHIRT-L",
                            "sale_price": "10.00"}]}


class Sim:
    def __init__(self, workdir):
        self.log = open(os.path.join(workdir, "sim.log"), "w")
        self.proc = subprocess.Popen(
            [SIM, "--config", os.path.join(workdir, "shops.conf"), "--orders",
             os.path.join(workdir, "orders.json"), "-v"],
            stdout=subprocess.PIPE, stderr=self.log, env=clean_env())
        ready, _, _ = select.select([self.proc.stdout], [], [], 10)
        if not ready:
            self.stop()
            raise SystemExit("simulator did not print its URL within 10 s")
        self.url = self.proc.stdout.readline().decode().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            self.stop()
            raise SystemExit(f"simulator's first line is not its URL: {self.url!r}")

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def clean_env():
    return {k: v for k, v in os.environ.items() if not k.startswith("CB_TIKTOK_")}


def http(method, url, body=None, headers=None):
    """(status, bytes) of one request; HTTP errors are answers too."""
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def admin(method, path, body=None):
    status, raw = http(method, sim.url + "/__admin" + path,
                       json.dumps(body) if body is not None else None,
                       {"Content-Type": "application/json"})
    return status, json.loads(raw)


def sign(path, params, body=None, secret=SECRET):
    """The marketplace's signature, written from MARKETPLACE.md alone."""
    items = sorted((k, v) for k, v in params.items() if k not in ("sign", "access_token") and v != "")
    msg = (secret + path + "".join(k + v for k, v in items)).encode() + (body or b"") + secret.encode()
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()


def raw_call(method, path, params=None, body=None, legacy=None, ts=None, secret=SECRET, token=TOKEN,
             sign_body=None, drop=(), override=None):
    """A request signed here; returns (status, envelope or bytes)."""
    legacy = path.startswith("/api/") if legacy is None else legacy
    p = {"app_key": APP_KEY, "timestamp": str(int(time.time()) if ts is None else ts)}
    p.update(params or {})
    if legacy:
        p.update({"shop_id": SHOP_ID, "access_token": token})
    else:
        p["shop_cipher"] = CIPHER
    for k in drop:
        if k != "sign":
            p.pop(k, None)
    b = body.encode() if isinstance(body, str) else body
    if sign_body is None:
        sign_body = not legacy and method == "POST"
    p["sign"] = sign(path, p, b if sign_body else None, secret)
    p.update(override or {})
    for k in drop:
        p.pop(k, None)
    headers = {"Content-Type": "application/json"}
    if not legacy:
        headers["x-tts-access-token"] = token
    status, raw = http(method, sim.url + path + "?" + urllib.parse.urlencode(p), b, headers)
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw


def cli(shop, *args, env=None, json_out=True):
    e = clean_env()
    e.update({"CB_TIKTOK_CONFIG": os.path.join(work, "shops.conf"), "CB_TIKTOK_BASE_URL": sim.url})
    e.update(env or {})
    argv = [CODEBOOK, "tiktok", "--shop", shop] + (["--json"] if json_out else []) + list(args)
    p = subprocess.run(argv, capture_output=True, text=True, env=e, timeout=60)
    out = p.stdout
    if json_out and out.strip():
        try:
            out = json.loads(out)
        except ValueError:
            pass
    return p.returncode, out, p.stderr


def calls(oid):
    _, c = admin("GET", "/calls")
    return c["orders"].get(oid, {"cancel_calls": 0, "cancels_applied": 0})


def status_of(oid):
    rc, out, err = cli("uk-current", "orders", oid)
    check(rc == 0, f"orders {oid}", err)
    return out["orders"][0]["status"] if rc == 0 and out["orders"] else None


def fault(*faults):
    status, body = admin("POST", "/faults", {"faults": list(faults)})
    want = sum(f.get("count", 1) for f in faults)
    check(status == 200 and body.get("queued") == want, "queue faults", json.dumps(body))


def expect_failure(what, rc, out, code, kind, outcome, action, exit_code):
    e = out.get("error", {}) if isinstance(out, dict) else {}
    d = out.get("decision", {}) if isinstance(out, dict) else {}
    check(rc == exit_code, f"{what}: exit {exit_code}", f"got {rc}: {out}")
    check(e.get("code") == code, f"{what}: code {code}", json.dumps(e))
    check(e.get("kind") == kind, f"{what}: kind {kind}", json.dumps(e))
    check(e.get("outcome") == outcome, f"{what}: outcome {outcome}", json.dumps(e))
    check(d.get("action") == action, f"{what}: handling {action}", json.dumps(d))
    return e


# ----------------------------------------------------------------------
work = tempfile.mkdtemp(prefix="cb-market-")
with open(os.path.join(work, "shops.conf"), "w") as f:
    f.write(CONFIG)
ORDERS = [order("576461413038785752", "AWAITING_SHIPMENT"), order("576461413038785753", "UNPAID"),
          order("576461413038785754", "IN_TRANSIT"), order("576461413038785755", "AWAITING_SHIPMENT")]
ORDERS += [order("5764614130387860%02d" % i, "AWAITING_SHIPMENT") for i in range(30)]
with open(os.path.join(work, "orders.json"), "w") as f:
    json.dump({"orders": ORDERS}, f)
sim = Sim(work)
spare = iter("5764614130387860%02d" % i for i in range(30))


def section(name):
    print(f"--- {name}", flush=True)


try:
    # ------------------------------------------------------------------
    section("signatures and the timestamp window, signed here independently")
    seed = open(os.path.join(SRC, "tools", "tiktok-sim", "reverse_reasons.json"), "rb").read()
    st, body = raw_call("GET", "/api/reverse/reverse_reason/list")
    check(st == 200 and body == json.loads(seed), "reverse reasons: the seed's sample response")
    st, raw = http("GET", sim.url + "/api/reverse/reverse_reason/list?" + urllib.parse.urlencode(
        {"app_key": APP_KEY, "timestamp": str(int(time.time())), "shop_id": SHOP_ID, "access_token": TOKEN,
         "sign": sign("/api/reverse/reverse_reason/list",
                      {"app_key": APP_KEY, "timestamp": str(int(time.time())), "shop_id": SHOP_ID})}))
    check(st == 200 and raw == seed, "reverse reasons: byte for byte", f"{st} {raw[:80]!r}")
    st, body = raw_call("GET", "/api/reverse/reverse_reason/list", secret="wrong")
    check(st == 401 and body["code"] == 106001, "bad sign: HTTP 401, 106001", f"{st} {body}")
    st, body = raw_call("GET", "/api/reverse/reverse_reason/list", ts=int(time.time()) - 400)
    check(st == 401 and body["code"] == 36009004 and "timestamp" in body["message"],
          "timestamp 400 s old: 36009004", f"{st} {body}")
    st, body = raw_call("GET", "/api/reverse/reverse_reason/list", ts=int(time.time()) - 250)
    check(st == 200, "timestamp 250 s old: accepted", f"{st}")
    st, body = raw_call("GET", "/api/reverse/reverse_reason/list", ts=int(time.time()) + 90)
    check(st == 401 and body["code"] == 36009004, "timestamp 90 s ahead: 36009004", f"{st} {body}")
    st, body = raw_call("GET", "/api/reverse/reverse_reason/list", drop=("sign",))
    check(body["code"] == 36009004 and "missing sign" in body["message"], "missing sign", f"{body}")
    st, body = raw_call("GET", "/api/reverse/reverse_reason/list", token="TTP_other")
    check(st == 401 and body["code"] == 36009004, "wrong access token", f"{body}")
    st, body = raw_call("GET", "/api/reverse/reverse_reason/list", override={"app_key": "nope"})
    check(body["code"] == 36009004 and "app_key" in body["message"], "wrong app_key", f"{body}")
    st, body = raw_call("GET", "/order/202309/orders", {"ids": "576461413038785752"}, drop=("shop_cipher",))
    check(body["code"] == 106013, "current API without shop_cipher: 106013", f"{body}")
    st, body = raw_call("GET", "/order/202309/orders", {"ids": "576461413038785752"},
                        override={"shop_cipher": "ROW_other"})
    check(body["code"] in (106001, 36009004), "another shop_cipher is refused", f"{body}")
    st, body = raw_call("GET", "/nope/202309/x")
    check(st == 404 and body["code"] == 36009009, "unknown path: 36009009", f"{st} {body}")
    st, body = raw_call("GET", "/api/reverse/order/cancel")
    check(st == 405 and body["code"] == 36009010, "wrong method: 36009010", f"{st} {body}")
    cancel_body = json.dumps({"order_id": "1", "cancel_reason_key": OOS})
    st, body = raw_call("POST", "/api/reverse/order/cancel", body=cancel_body, sign_body=True)
    check(body["code"] == 106001, "legacy API: a signed body is a bad sign (the body is not signed)", f"{body}")
    st, body = raw_call("POST", "/return_refund/202309/cancellations/search", {"page_size": "10"},
                        body="{}", sign_body=False)
    check(body["code"] == 106001, "current API: an unsigned body is a bad sign", f"{body}")
    st, body = raw_call("POST", "/return_refund/202309/cancellations/search", {"page_size": "10"}, body="{}")
    check(st == 200 and body["code"] == 0, "current API: body signed", f"{body}")

    # ------------------------------------------------------------------
    section("operations through codebook tiktok")
    rc, out, err = cli("uk-legacy", "reasons")
    check(rc == 0 and len(out["reasons"]) == 21, "reasons: 21", err)
    check(out["request_id"] == "202205191302120101920531420832D662", "reasons: the seed's request_id")
    check(out["reasons"][0] == {"key": OOS, "text": "Out of stock", "statuses": ["200"]}, "reasons[0]",
          json.dumps(out["reasons"][0]))
    check("statuses" not in out["reasons"][2], "reasons without a status list")
    rc, out, err = cli("uk-legacy", "reasons", "--action-type", "1", "--reason-type", "1")
    check(rc == 0, "reasons with filters", err)

    oid = "576461413038785752"
    rc, out, err = cli("uk-legacy", "-v", "cancel", oid, "--reason", OOS)
    check(rc == 0 and out["api"] == "legacy" and out["state"] == "done" and out["reverse_main_order_id"],
          "legacy cancel: reverse_main_order_id", f"{out} {err}")
    check(TOKEN not in err and SECRET not in err and "access_token=***" in err,
          "the -v log masks the access token", err)
    check(calls(oid) == {"cancel_calls": 1, "cancels_applied": 1, "status": "CANCELLED"}, "one cancel call",
          json.dumps(calls(oid)))
    check(status_of(oid) == "CANCELLED", "order cancelled")
    rc, out, err = cli("uk-legacy", "cancel", oid, "--reason", OOS)
    expect_failure("cancel again", rc, out, "25001011", "market", "answered", "ignore", 1)
    rc, out, err = cli("uk-legacy", "cancel", "576461413038785754", "--reason", OOS)
    expect_failure("shipped order", rc, out, "25001045", "market", "answered", "fail", 1)
    rc, out, err = cli("uk-legacy", "cancel", "576461413038785753", "--reason", OOS)
    e = expect_failure("reason not for unpaid orders", rc, out, "36009004", "market", "answered", "fail", 1)
    check("not available for order status UNPAID" in e.get("message", ""), "names the status", json.dumps(e))
    rc, out, err = cli("uk-legacy", "cancel", "999", "--reason", OOS)
    expect_failure("unknown order", rc, out, "36009004", "market", "answered", "fail", 1)
    rc, out, err = cli("uk-legacy", "cancel", "576461413038785753", "--reason", OOS_UNPAID)
    check(rc == 0 and out["state"] == "done", "unpaid order, unpaid reason", f"{out} {err}")
    rc, out, err = cli("uk-legacy", "cancel", "576461413038785755", "--reason", OOS, json_out=False)
    check(rc == 0 and out.startswith("cancelled order 576461413038785755: reverse_main_order_id "),
          "text output", out)

    # current API, pending then success after two reads
    status, cfgr = admin("POST", "/config", {"pending_reads": 2})
    check(status == 200 and cfgr["pending_reads"] == 2, "pending_reads set")
    oid = next(spare)
    rc, out, err = cli("uk-current", "cancel", oid, "--reason", "OUT_OF_STOCK")
    check(rc == 0 and out["cancel_status"] == "CANCELLATION_REQUEST_PENDING" and out["state"] == "pending",
          "current cancel: pending", f"{out} {err}")
    cancel_id = out.get("cancel_id")
    rc, out, err = cli("uk-current", "cancellations", "--order", oid)
    check(rc == 0 and out["cancellations"][0]["cancel_status"] == "CANCELLATION_REQUEST_PENDING",
          "first read: still pending", f"{out}")
    check(status_of(oid) == "CANCELLED", "second read (order detail): the cancellation succeeded")
    rc, out, err = cli("uk-current", "cancellations", "--cancel-id", cancel_id)
    check(rc == 0 and out["total_count"] == 1 and out["cancellations"][0]["state"] == "success",
          "search by cancel_id: success", f"{out}")
    # pending, then refused by the admin
    oid = next(spare)
    rc, out, err = cli("uk-current", "cancel", oid, "--reason", "OUT_OF_STOCK", "--sku", "1729382476852:1",
                       "--line-item", oid + "-1")
    check(rc == 0 and out["state"] == "pending", "partial current cancel accepted", f"{out} {err}")
    status, r = admin("POST", "/cancellations", {"cancel_id": out["cancel_id"],
                                                 "cancel_status": "CANCELLATION_REQUEST_CANCEL"})
    check(status == 200, "admin resolves a cancellation", json.dumps(r))
    rc, out, err = cli("uk-current", "cancellations", "--order", oid, "--status", "CANCELLATION_REQUEST_CANCEL")
    check(rc == 0 and out["cancellations"][0]["state"] == "refused", "refused cancellation", f"{out}")
    check(status_of(oid) == "AWAITING_SHIPMENT", "refused: the order stands")
    admin("POST", "/config", {"pending_reads": 0})
    rc, out, err = cli("uk-current", "cancellations", "--page-size", "2")
    check(rc == 0 and len(out["cancellations"]) == 2 and out["next_page_token"] == "2" and out["total_count"] >= 5,
          "paging: first page", f"{out}")
    rc, out2, err = cli("uk-current", "cancellations", "--page-size", "2", "--page-token", "2")
    check(rc == 0 and out2["cancellations"][0]["cancel_id"] != out["cancellations"][0]["cancel_id"],
          "paging: second page", f"{out2}")
    rc, out, err = cli("uk-current", "orders", "576461413038785752", "576461413038785754", "123")
    check(rc == 0 and [o["id"] for o in out["orders"]] == ["576461413038785752", "576461413038785754"],
          "orders: unknown ids are absent", f"{out}")
    check(out["orders"][1]["status"] == "IN_TRANSIT" and out["orders"][1]["legacy_status"] == 121,
          "orders: status and its legacy number", f"{out}")
    check(out["orders"][0]["line_items"][1]["seller_sku"] == "TSHIRT-L", "orders: line items")

    # ------------------------------------------------------------------
    section("faults")
    cancel_path = "/api/reverse/order/cancel"
    oid = next(spare)
    fault({"path": cancel_path, "kind": "rate_limit"})
    rc, out, err = cli("uk-legacy", "cancel", oid, "--reason", OOS)
    e = expect_failure("rate limit", rc, out, "36009002", "market", "answered", "retry", 1)
    check(e.get("http_status") == 429, "rate limit: HTTP 429", json.dumps(e))
    check(calls(oid)["cancels_applied"] == 0, "rate limit: not applied")
    fault({"path": cancel_path, "kind": "error", "code": 36009003, "message": "Internal error",
           "http_status": 500})
    rc, out, err = cli("uk-legacy", "cancel", oid, "--reason", OOS)
    expect_failure("internal error", rc, out, "36009003", "market", "answered", "retry", 1)
    fault({"path": cancel_path, "kind": "http_5xx", "http_status": 502})
    rc, out, err = cli("uk-legacy", "cancel", oid, "--reason", OOS)
    e = expect_failure("HTTP 502", rc, out, "HTTP_5XX", "http", "unknown", "recheck-then-retry", 3)
    check(e.get("http_status") == 502, "HTTP 502 kept", json.dumps(e))
    rc, out, err = cli("uk-legacy", "cancel", oid, "--reason", OOS)
    check(rc == 0, "rate limit, 500 and 5xx, then success", f"{out} {err}")
    check(calls(oid) == {"cancel_calls": 4, "cancels_applied": 1, "status": "CANCELLED"},
          "four calls, one applied", json.dumps(calls(oid)))

    oid = next(spare)
    fault({"path": cancel_path, "kind": "slow", "delay_ms": 400})
    t0 = time.monotonic()
    rc, out, err = cli("uk-legacy", "cancel", oid, "--reason", OOS)
    check(rc == 0 and time.monotonic() - t0 >= 0.4, "slow reply within the timeout succeeds", f"{out} {err}")

    # the cancel lands, the reply never comes: the worker reads the order instead of sending again
    oid = next(spare)
    fault({"path": cancel_path, "kind": "timeout", "delay_ms": 8000})
    t0 = time.monotonic()
    rc, out, err = cli("uk-legacy", "cancel", oid, "--reason", OOS)
    took = time.monotonic() - t0
    expect_failure("timeout", rc, out, "TIMEOUT", "timeout", "unknown", "recheck-then-retry", 3)
    check(1.4 <= took < 5, "timeout after timeout_ms (1500)", f"{took:.2f} s")
    check(status_of(oid) == "CANCELLED", "timeout: the cancel landed")
    check(calls(oid)["cancel_calls"] == 1, "timeout: one cancel call", json.dumps(calls(oid)))

    oid = next(spare)
    fault({"path": cancel_path, "kind": "drop"})
    rc, out, err = cli("uk-legacy", "cancel", oid, "--reason", OOS)
    expect_failure("dropped connection", rc, out, "CONNECTION_DROPPED", "dropped", "unknown",
                   "recheck-then-retry", 3)
    check(status_of(oid) == "AWAITING_SHIPMENT", "dropped before applying: the order stands")
    oid = next(spare)
    fault({"path": cancel_path, "kind": "drop", "apply": True})
    rc, out, err = cli("uk-legacy", "cancel", oid, "--reason", OOS)
    expect_failure("dropped after applying", rc, out, "CONNECTION_DROPPED", "dropped", "unknown",
                   "recheck-then-retry", 3)
    check(status_of(oid) == "CANCELLED", "dropped after applying: the cancel landed")

    oid = next(spare)
    fault({"path": cancel_path, "kind": "malformed"})
    rc, out, err = cli("uk-legacy", "cancel", oid, "--reason", OOS)
    e = expect_failure("truncated body", rc, out, "MALFORMED_RESPONSE", "malformed", "unknown",
                       "recheck-then-retry", 3)
    check("not JSON" in e.get("message", ""), "truncated body: says why", json.dumps(e))
    fault({"path": cancel_path, "kind": "malformed", "body": "{\"code\":0,\"data\":{}}", "apply": True})
    rc, out, err = cli("uk-legacy", "cancel", oid, "--reason", OOS)
    e = expect_failure("success without data", rc, out, "MALFORMED_RESPONSE", "malformed", "unknown",
                       "recheck-then-retry", 3)
    check("reverse_main_order_id: missing" in e.get("message", ""), "names the missing field", json.dumps(e))
    check(status_of(oid) == "CANCELLED", "malformed after applying: landed")
    fault({"path": "*", "kind": "malformed", "body": "<html>gateway</html>", "http_status": 503})
    rc, out, err = cli("uk-current", "orders", oid)
    expect_failure("HTML 503 on order detail", rc, out, "HTTP_5XX", "http", "unknown", "recheck-then-retry", 3)
    fault({"path": "/order/202309/orders", "kind": "malformed", "body": "{}", "http_status": 429})
    rc, out, err = cli("uk-current", "orders", oid)
    expect_failure("429 without envelope", rc, out, "HTTP_429", "http", "answered", "retry", 3)
    fault({"path": "/order/202309/orders", "kind": "malformed", "body": "nope", "http_status": 404})
    rc, out, err = cli("uk-current", "orders", oid)
    expect_failure("404 without envelope", rc, out, "HTTP_4XX", "http", "answered", "fail", 3)
    fault({"path": "/return_refund/202309/cancellations/search", "kind": "error", "code": 105002,
           "message": "access token expired", "http_status": 401})
    rc, out, err = cli("uk-current", "cancellations")
    expect_failure("expired token", rc, out, "105002", "market", "answered", "recheck-then-retry", 1)

    # a timestamp fault is re-stamped once by the client
    fault({"path": "/api/reverse/reverse_reason/list", "kind": "error", "code": 36009004,
           "message": "invalid timestamp: expired", "http_status": 401})
    rc, out, err = cli("uk-legacy", "-v", "reasons")
    check(rc == 0 and len(out["reasons"]) == 21, "timestamp fault: re-stamped, then success", err)
    check(err.count("GET /api/reverse/reverse_reason/list?") == 2 and "re-stamping" in err,
          "timestamp fault: two requests", err)
    admin("POST", "/config", {"clock_offset_s": 900})
    rc, out, err = cli("uk-legacy", "reasons")
    e = expect_failure("clock 15 min apart", rc, out, "36009004", "market", "answered", "fail", 1)
    check(e.get("attempts") == 2, "clock apart: re-stamped once, no more", json.dumps(e))
    admin("POST", "/config", {"clock_offset_s": 0})
    fault({"path": cancel_path, "kind": "error", "code": 36009004, "message": "invalid parameter"})
    rc, out, err = cli("uk-legacy", "cancel", next(spare), "--reason", OOS)
    e = expect_failure("other 36009004", rc, out, "36009004", "market", "answered", "fail", 1)
    check(e.get("attempts") == 1, "other 36009004: not re-sent", json.dumps(e))

    rc, out, err = cli("wrong-secret", "reasons")
    e = expect_failure("wrong app_secret", rc, out, "106001", "market", "answered", "fail", 1)
    check(e.get("http_status") == 401, "wrong app_secret: HTTP 401")
    rc, out, err = cli("uk-legacy", "reasons", env={"CB_TIKTOK_MAX_RESPONSE_BYTES": "1024"})
    expect_failure("reply over the cap", rc, out, "RESPONSE_TOO_LARGE", "too-big", "unknown",
                   "recheck-then-retry", 3)
    rc, out, err = cli("uk-legacy", "cancel", next(spare), "--reason", OOS, env={"CB_TIKTOK_BASE_URL": "http://127.0.0.1:1"})
    expect_failure("connection refused", rc, out, "CONNECT_FAILED", "connect", "not-sent", "retry", 3)
    rc, out, err = cli("uk-legacy", "cancel", "576461413038785752", "--reason", OOS, json_out=False)
    check(rc == 1 and "error: code=25001011 kind=market outcome=answered" in out
          and "handling: ignore (tiktok-shop-error v1)" in out and "effect: landed" in out,
          "text failure report", out + err)

    # ------------------------------------------------------------------
    section("admin API")
    status, r = admin("POST", "/faults", {"path": "/x", "kind": "error", "code": 1})
    check(status == 400 and "path" in r["error"], "bad fault path refused", json.dumps(r))
    status, r = admin("POST", "/faults", {"path": cancel_path, "kind": "meteor"})
    check(status == 400 and "kind" in r["error"], "bad fault kind refused", json.dumps(r))
    fault({"path": cancel_path, "kind": "rate_limit", "count": 3})
    status, r = admin("GET", "/faults")
    check(len(r["faults"]) == 3, "three faults queued", json.dumps(r))
    status, r = admin("DELETE", "/faults")
    check(r.get("cleared") == 3, "faults cleared", json.dumps(r))
    status, r = admin("POST", "/orders", {"orders": [{"id": "X1", "status": "SHIPPED"}]})
    check(status == 400 and "orders[0].status" in r["error"], "bad order status refused", json.dumps(r))
    status, r = admin("POST", "/orders", {"orders": [{"id": "X1", "status": 111}]})
    check(status == 200 and r["orders"] == 1, "order added with a legacy status number", json.dumps(r))
    check(status_of("X1") == "AWAITING_SHIPMENT", "legacy 111 = AWAITING_SHIPMENT")
    status, r = admin("POST", "/reasons", {"reverse_reason_list": [
        {"reverse_reason_key": OOS, "reverse_reason": "Out of stock", "available_order_status_list": [200]}]})
    check(status == 200 and r["reasons"] == 1, "reason list replaced", json.dumps(r))
    rc, out, err = cli("uk-legacy", "reasons")
    check(rc == 0 and len(out["reasons"]) == 1, "the replaced list is served", f"{out}")
    status, r = admin("GET", "/nope")
    check(status == 404, "unknown admin route")

    # ------------------------------------------------------------------
    section("stopping while a reply is held")
    fault({"path": cancel_path, "kind": "timeout", "delay_ms": 60000})
    held = subprocess.Popen([CODEBOOK, "tiktok", "--shop", "uk-legacy", "cancel", next(spare), "--reason", OOS],
                            env=dict(clean_env(), CB_TIKTOK_CONFIG=os.path.join(work, "shops.conf"),
                                     CB_TIKTOK_BASE_URL=sim.url, CB_TIKTOK_TIMEOUT_MS="30000"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    t0 = time.monotonic()
    sim.stop()
    check(time.monotonic() - t0 < 5 and sim.proc.returncode == 0, "SIGTERM stops the simulator promptly",
          f"{time.monotonic() - t0:.2f} s, exit {sim.proc.returncode}")
    held.wait(timeout=30)
    check(held.returncode == 3, "the held client sees the connection end", str(held.returncode))
finally:
    sim.stop()

print(f"{checks - len(failures)} of {checks} checks passed", flush=True)
if failures:
    print("simulator log: " + os.path.join(work, "sim.log"))
    sys.exit(1)
