# SPDX-License-Identifier: Apache-2.0
"""End-to-end harness for orders and cancellations: the real `codebook
serve` (tests/svc/e2e/harness.py), `codebook worker` processes and the
marketplace simulator `codebook-tiktok-sim`, each on 127.0.0.1 with a free
port, in a temporary directory, stopped by PID.

    with Env() as env:                 # simulator + server (in-process worker)
        env.sim_orders([sim_order("576...", "AWAITING_SHIPMENT")])
        env.create_order(order("576..."))
        pid = env.cancel("576...")["payment"]["id"]
        p = env.wait_payment("576...", pid)      # Completed or Error, bounded

Every wait is bounded in time; a test that times out fails.  With
CB_TEST_DB=pg the environment's database is a PostgreSQL database of its
own (harness.py); workers reach it by the same --db value.
"""
import json
import os
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "svc", "e2e"))
from harness import BINARY, Server  # noqa: E402

# The request budget of a shop (docs/orders.md) would pace these suites'
# hundreds of cancellations at 10/s: they run with a budget they never
# reach.  test_budget.py and budget500.py give their own (flags win over
# the environment).
os.environ.setdefault("CODEBOOK_MARKET_BUDGET", "1000")
os.environ.setdefault("CODEBOOK_MARKET_BURST", "1000")

SRC = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
SIM = os.environ.get("CODEBOOK_TIKTOK_SIM") or os.path.join(os.path.dirname(BINARY), "codebook-tiktok-sim")

APP_KEY, SECRET, TOKEN = "68xu9ks5p4i8", "e59af819cc", "TTP_orders_e2e_token"
SHOP_ID, CIPHER = "7494049642642441621", "ROW_xkMbgAAAeVAQra0eZWebFQq5aIKt"
OOS = "seller_cancel_reason_out_of_stock_uk"
OOS_UNPAID = "seller_cancel_unpaid_reason_out_of_stock_uk"
CANCEL_PATH = "/api/reverse/order/cancel"
CANCEL_PATH_CURRENT = "/return_refund/202309/cancellations"


def clean_env():
    """The environment without CB_TIKTOK_* (the tests name their files)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CB_TIKTOK_")}


def config_text(base_url=None, timeout_ms=1000):
    head = "base_url = %s\n" % base_url if base_url else ""
    return head + f"""app_key = {APP_KEY}
app_secret = {SECRET}
access_token = {TOKEN}
shop_id = {SHOP_ID}
shop_cipher = {CIPHER}
timeout_ms = {timeout_ms}
connect_timeout_ms = 500

[shop uk-legacy]
api = legacy

[shop uk-current]
api = current
"""


def http(method, url, body=None, timeout=15):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


class Sim:
    """codebook-tiktok-sim on a free port; its first line of output is its URL."""

    def __init__(self, workdir, config, reasons=None, name="sim"):
        """A simulator with the credentials of @config; @reasons (a file)
        replaces the seed's reverse reason list: one simulator per market."""
        self.log = open(os.path.join(workdir, name + ".log"), "w")
        self.proc = subprocess.Popen([SIM, "--config", config] + (["--reasons", reasons] if reasons else []),
                                     stdout=subprocess.PIPE, stderr=self.log,
                                     stdin=subprocess.DEVNULL, env=clean_env())
        ready, _, _ = select.select([self.proc.stdout], [], [], 10)
        if not ready:
            self.stop()
            raise RuntimeError("simulator did not print its URL within 10 s")
        self.url = self.proc.stdout.readline().decode().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            self.stop()
            raise RuntimeError("simulator's first line is not its URL: %r" % self.url)

    def admin(self, method, path, body=None):
        status, doc = http(method, self.url + "/__admin" + path, body)
        if status != 200:
            raise AssertionError("simulator admin %s %s: %s %s" % (method, path, status, doc))
        return doc

    def calls(self):
        return self.admin("GET", "/calls")

    def cancel_calls(self, oid):
        return self.calls()["orders"].get(oid, {}).get("cancel_calls", 0)

    def fault(self, path, kind, **kw):
        f = {"path": path, "kind": kind}
        f.update(kw)
        return self.admin("POST", "/faults", f)

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()


class Worker:
    """A `codebook worker` process on the environment's database."""

    def __init__(self, env, *extra):
        self.env = env
        self.log_path = os.path.join(env.dir, "worker-%d.log" % len(env.workers))
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [BINARY, "worker", "--db", env.server.db, "--market-config", env.config,
             "--interval", "0.05"] + list(extra),
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, cwd=env.dir, env=clean_env())
        log.close()
        env.workers.append(self)

    def log_lines(self):
        out = []
        with open(self.log_path, "rb") as f:
            for line in f.read().decode("utf-8", "replace").splitlines():
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out

    def kill(self, sig=signal.SIGKILL):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
        return self.proc.wait(timeout=20)

    def stop(self):
        """SIGTERM; the worker must exit 0 without a sanitizer report."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                code = self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
                raise AssertionError("worker did not stop on SIGTERM")
            if code != 0:
                raise AssertionError("worker exited with %s" % code)
        with open(self.log_path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
            if bad in text:
                raise AssertionError("sanitizer report in the worker log: %s" % text[-3000:])


class Env:
    """A simulator, a server over a fresh database and an API key."""

    def __init__(self, worker_interval="0.1", timeout_ms=1000, extra=None, sync_interval="0"):
        self.dir = tempfile.mkdtemp(prefix="cb-orders-")
        self.config = os.path.join(self.dir, "shops.conf")
        with open(self.config, "w") as f:
            f.write(config_text(None, timeout_ms))
        self.sim = Sim(self.dir, self.config)
        with open(self.config, "w") as f:
            f.write(config_text(self.sim.url, timeout_ms))
        self.server = Server(workdir=self.dir, extra=["--market-config", self.config, "--market-shop",
                                                       "uk-legacy", "--worker-interval", worker_interval,
                                                       "--sync-interval", sync_interval]
                             + (extra or []))
        self.workers = []
        self.key = None

    def __enter__(self):
        try:
            self.server.start()
            self.key = self.server.add_key("orders-e2e")
        except Exception:
            self.sim.stop()
            raise
        return self

    def __exit__(self, *exc):
        errors = []
        for w in self.workers:
            try:
                w.stop()
            except AssertionError as e:
                errors.append(str(e))
        try:
            self.server.cleanup()
        except AssertionError as e:
            errors.append(str(e))
        self.sim.stop()
        if exc[0] is None and errors:
            raise AssertionError("; ".join(errors))
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---- the marketplace's side ---------------------------------------------
    def sim_orders(self, orders):
        return self.sim.admin("POST", "/orders", {"orders": orders})

    # ---- codebook's API -------------------------------------------------------
    def create_order(self, body, expect=(201,)):
        r = self.server.post("/v1/orders", body, key=self.key)
        assert r.status in expect, r
        return r.json

    def cancel(self, oid, body=None, expect=(202,)):
        r = self.server.request("POST", "/v1/orders/%s/cancellations" % oid,
                                body=body if body is not None else {}, key=self.key)
        assert r.status in expect, r
        return r.json

    def get_order(self, oid):
        r = self.server.get("/v1/orders/%s" % oid)
        assert r.status == 200, r
        return r.json

    def payment(self, oid, pid):
        for p in self.get_order(oid)["payments"]:
            if p["id"] == pid:
                return p
        raise AssertionError("no payment %s on order %s" % (pid, oid))

    def wait_payment(self, oid, pid, statuses=("Completed", "Error"), timeout=30, cancel_state=None):
        """The payment once its status is one of @statuses (and its
        cancel_state @cancel_state, when given)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            p = self.payment(oid, pid)
            if p["status"] in statuses and (cancel_state is None or p.get("cancel_state") == cancel_state):
                return p
            time.sleep(0.05)
        raise AssertionError("payment %s of %s still %s after %s s: %s" % (
            pid, oid, p["status"], timeout, self.server.log_text()[-3000:]))

    def db(self, sql, args=()):
        return self.server.db_query(sql, args)


def sim_order(oid, status="AWAITING_SHIPMENT", total="23.99"):
    return {"id": oid, "status": status, "currency": "GBP", "total_amount": total, "shipping_fee": "3.99",
            "line_items": [{"id": oid + "-1", "sku_id": "1729382476852", "seller_sku": "TSHIRT-M",
                            "sale_price": "10.00"},
                           {"id": oid + "-2", "sku_id": "1729382476853", "seller_sku": "TSHIRT-L",
                            "sale_price": "10.00"}]}


def order(oid, status="Ready for Shipping", shop="uk-legacy", **kw):
    """codebook's import of the simulator's order: 2 x 10.00 + 3.99 shipping."""
    d = {"order_id": oid, "shop": shop, "status": status, "currency": "GBP",
         "items": [{"sku": "TSHIRT-M", "quantity": 1, "unit_price": 1000, "line_item_id": oid + "-1"},
                   {"sku": "TSHIRT-L", "quantity": 1, "unit_price": 1000, "line_item_id": oid + "-2"}],
         "shipping_cost": 399, "total": 2399}
    d.update(kw)
    return d


def db_counts(env):
    return {t: env.db("SELECT COUNT(*) FROM %s" % t)[0][0]
            for t in ("orders", "order_items", "order_payments", "refund_rows")}


def wait_until(pred, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out after %s s waiting for %s" % (timeout, what))


def sqlite_ro(path):
    return sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)
