#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The simulator's notifications, checked by an independent receiver.

usage: test_sim_webhooks.py [CODEBOOK_TIKTOK_SIM]

Starts codebook-tiktok-sim on a free port of 127.0.0.1 and a receiver
(Python's http.server) on another; points the simulator's notifications at
the receiver, then changes orders and cancellations through the admin API
and checks each notification that arrives: its signature (recomputed here
with hmac: hex HMAC-SHA256 of app_key + body, keyed with the app secret),
its envelope and data.  The simulator is stopped by its PID.  Exit 0 when
every check passed."""
import hashlib
import hmac
import http.server
import json
import os
import queue
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

SIM = sys.argv[1] if len(sys.argv) > 1 else os.environ["CODEBOOK_TIKTOK_SIM"]
APP_KEY, SECRET, SHOP_ID = "68xu9ks5p4i8", "e59af819cc", "7494049642642441621"
CONFIG = f"""app_key = {APP_KEY}
app_secret = {SECRET}
access_token = TTP_hooks
shop_id = {SHOP_ID}
shop_cipher = ROW_xkMbgAAAeVAQra0eZWebFQq5aIKt
"""
received = queue.Queue()
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what, flush=True)


class Receiver(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        received.put((self.path, self.headers.get("Authorization"), body))
        self.send_response(Receiver.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def admin(url, method, path, body=None):
    req = urllib.request.Request(url + "/__admin" + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def next_hook(timeout=5):
    try:
        path, auth, body = received.get(timeout=timeout)
    except queue.Empty:
        return None
    want = hmac.new(SECRET.encode(), APP_KEY.encode() + body, hashlib.sha256).hexdigest()
    check(path == "/hooks", "notification posted to the configured path: %s" % path)
    check(auth == want, "signature is hex HMAC-SHA256(app_secret, app_key + body): %s" % auth)
    doc = json.loads(body)
    check(doc["shop_id"] == SHOP_ID and isinstance(doc["timestamp"], int) and doc["tts_notification_id"],
          "envelope: %s" % doc)
    check(abs(doc["timestamp"] - time.time()) < 60, "timestamp is now")
    return doc


def main():
    tmp = tempfile.mkdtemp(prefix="cb-sim-hooks-")
    conf = os.path.join(tmp, "shops.conf")
    with open(conf, "w") as f:
        f.write(CONFIG)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CB_TIKTOK_")}
    sim = subprocess.Popen([SIM, "--config", conf], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           stdin=subprocess.DEVNULL, env=env)
    try:
        ready, _, _ = select.select([sim.stdout], [], [], 10)
        assert ready, "simulator did not print its URL"
        url = sim.stdout.readline().decode().strip()
        order = {"id": "576461413038700001", "status": "AWAITING_SHIPMENT", "currency": "GBP",
                 "total_amount": "23.99", "shipping_fee": "3.99"}
        check(admin(url, "POST", "/orders", {"orders": [order, dict(order, id="576461413038700002")]})[0] == 200,
              "orders loaded")
        # nothing is sent before a URL is configured
        admin(url, "POST", "/order-status", {"order_id": "576461413038700001", "status": "ON_HOLD"})
        check(next_hook(0.5) is None, "no notification without a URL")
        st, doc = admin(url, "POST", "/webhooks", {"url": "ftp://nope"})
        check(st == 400, "a URL that is not http(s) is refused: %s" % doc)
        st, doc = admin(url, "POST", "/webhooks", {"url": "http://127.0.0.1:%d/hooks" % srv.server_port})
        check(st == 200 and doc["url"].endswith("/hooks"), "URL configured: %s" % doc)
        # shipped, notified
        admin(url, "POST", "/order-status", {"order_id": "576461413038700001", "status": "IN_TRANSIT"})
        d = next_hook()
        check(d is not None and d["type"] == 1 and d["data"]["order_id"] == "576461413038700001" and
              d["data"]["order_status"] == "IN_TRANSIT", "type 1 IN_TRANSIT: %s" % d)
        # shipped behind codebook's back: no notification
        admin(url, "POST", "/order-status", {"order_id": "576461413038700001", "status": "DELIVERED",
                                             "notify": False})
        check(next_hook(0.5) is None, "notify false sends nothing")
        st, doc = admin(url, "GET", "/orders")
        check(doc["orders"][0]["status"] == "DELIVERED", "the status changed anyway: %s" % doc["orders"][0])
        # a buyer cancel: the cancellation, then the order
        st, doc = admin(url, "POST", "/buyer-cancel", {"order_id": "576461413038700002",
                                                       "cancel_reason": "Changed my mind"})
        check(st == 200, "buyer cancel: %s" % doc)
        c, o = next_hook(), next_hook()
        check(c is not None and c["type"] == 11 and c["data"]["cancellation_status"] ==
              "CANCELLATION_REQUEST_COMPLETE" and c["data"]["cancel_user"] == "BUYER" and
              c["data"]["cancel_reason"] == "Changed my mind" and c["data"]["cancellation_id"],
              "type 11 by the buyer: %s" % c)
        check(o is not None and o["type"] == 1 and o["data"]["order_status"] == "CANCELLED", "then CANCELLED: %s" % o)
        check(c is None or o is None or c["tts_notification_id"] != o["tts_notification_id"], "ids differ")
        # bad admin bodies
        for path, body in (("/order-status", {"order_id": "576461413038700001", "status": "TELEPORTED"}),
                           ("/order-status", {"order_id": "576461413038700001"}),
                           ("/buyer-cancel", {"order_id": "576461413038700001", "cancel_user": "SELLER"}),
                           ("/buyer-cancel", {})):
            check(admin(url, "POST", path, body)[0] == 400, "refused: %s %s" % (path, body))
        check(admin(url, "POST", "/buyer-cancel", {"order_id": "nope"})[0] == 404, "unknown order: 404")
        # a receiver that fails: three tries, then counted as failed
        Receiver.status = 500
        admin(url, "POST", "/order-status", {"order_id": "576461413038700001", "status": "COMPLETED"})
        tries = [next_hook() for _ in range(3)]
        check(all(t is not None for t in tries) and len({t["tts_notification_id"] for t in tries}) == 1,
              "a failed delivery is tried three times, same id: %s" % tries)
        time.sleep(0.5)
        st, doc = admin(url, "GET", "/webhooks")
        check(doc["delivered"] == 3 and doc["failed"] == 1 and doc["last_status"] == 500, "counts: %s" % doc)
    finally:
        if sim.poll() is None:
            os.kill(sim.pid, signal.SIGTERM)
            sim.wait(timeout=10)
        srv.shutdown()
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
