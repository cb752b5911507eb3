# SPDX-License-Identifier: Apache-2.0
"""Shops with request budgets, through the real binaries: a market
configuration of several shops, each on a simulator of its own
(codebook-tiktok-sim with --rate-limit and --latency-ms), a server and
`codebook worker` processes, all given one --market-budget.  Used by
test_budget.py (in the suite) and budget500.py (label slow)."""
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oharness import (APP_KEY, CIPHER, SECRET, SHOP_ID, TOKEN, Server, Sim, Worker,  # noqa: E402
                      order, sim_order, wait_until)


def shops_config(urls):
    head = f"""app_key = {APP_KEY}
app_secret = {SECRET}
access_token = {TOKEN}
shop_id = {SHOP_ID}
shop_cipher = {CIPHER}
timeout_ms = 5000
connect_timeout_ms = 1000
api = legacy
market = GB
"""
    return head + "".join("\n[shop %s]\nbase_url = %s\n" % (name, url) for name, url in urls.items())


class BudgetEnv:
    """@shops simulators (one per shop, named shop-a, shop-b ...), each
    limiting at @sim_rate requests/s with @latency_ms; a server whose
    in-process worker and @workers more share @budget requests/s, burst
    @burst, per shop."""

    def __init__(self, shops=2, sim_rate=0, latency_ms=0, budget=10, burst=1, workers=2):
        self.dir = tempfile.mkdtemp(prefix="cb-budget-")
        self.config = os.path.join(self.dir, "shops.conf")
        self.names = ["shop-%s" % chr(ord("a") + i) for i in range(shops)]
        with open(self.config, "w") as f:
            f.write(shops_config({n: "http://127.0.0.1:1" for n in self.names}))
        self.sims = {}
        for n in self.names:
            self.sims[n] = Sim(self.dir, self.config, name=n)
            self.sims[n].admin("POST", "/limits", {"rate": sim_rate, "latency_ms": latency_ms})
        with open(self.config, "w") as f:
            f.write(shops_config({n: s.url for n, s in self.sims.items()}))
        self.flags = ["--market-budget", str(budget), "--market-burst", str(burst)]
        self.server = Server(workdir=self.dir, extra=["--market-config", self.config, "--worker-interval", "0.05",
                                                       "--sync-interval", "0"] + self.flags)
        self.nworkers = workers
        self.workers = []

    def __enter__(self):
        try:
            self.server.start()
            self.key = self.server.add_key("budget-e2e")
        except Exception:
            for s in self.sims.values():
                s.stop()
            raise
        self.config_path = self.config
        return self

    def start_workers(self):
        # oharness.Worker reads env.server.db, env.config, env.dir, env.workers
        for _ in range(self.nworkers):
            Worker(self, *self.flags)

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
        for s in self.sims.values():
            s.stop()
        if exc[0] is None and errors:
            raise AssertionError("; ".join(errors))
        shutil.rmtree(self.dir, ignore_errors=True)

    def orders(self, per_shop, base=5764614200000000):
        """@per_shop orders in each shop, at its simulator and imported: their ids by shop."""
        ids = {}
        for k, n in enumerate(self.names):
            ids[n] = [str(base + k * 100000 + i) for i in range(per_shop)]
            self.sims[n].admin("POST", "/orders", {"orders": [sim_order(oid) for oid in ids[n]]})
            for oid in ids[n]:
                r = self.server.post("/v1/orders", order(oid, shop=n), key=self.key)
                assert r.status == 201, r
        return ids

    def cancel_all(self, ids):
        for oids in ids.values():
            for oid in oids:
                r = self.server.request("POST", "/v1/orders/%s/cancellations" % oid, body={}, key=self.key)
                assert r.status == 202, r

    def refund_counts(self):
        return dict(self.server.db_query(
            "SELECT status, COUNT(*) FROM order_payments WHERE type = 'Refund' GROUP BY status"))

    def wait_done(self, n, timeout):
        wait_until(lambda: sum(v for k, v in self.refund_counts().items() if k in ("Completed", "Error")) == n,
                   timeout, "%d refunds to end" % n)
        return time.time()

    def limits(self, shop):
        return self.sims[shop].admin("GET", "/limits")
