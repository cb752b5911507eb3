#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The web console in a real browser: Debian's Chromium, driven headless by
playwright-core (npm, installed here from package-lock.json with npm ci),
against the real `codebook serve` and the TikTok Shop simulator on loopback
(tests/orders/e2e/oharness.py), over data made for it: the bundled catalogs,
a handful of orders for the cancellation cases, 10,000 generated orders, a
set of 10,000 codes, incidents and events over the last 30 days, and a
second version of `outbound`.  The browser side is drive.mjs; this script
starts the processes, makes the data and hands drive.mjs their addresses.

Skips (exit 77, saying why) when node, npm or chromium is missing; `make
test` installs them (scripts/deps.sh), so in CI they are there.  Screenshots
of every view go to BUILD/console-artifacts/.
"""
import concurrent.futures
import datetime
import hashlib
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
BUILD = os.environ.get("CB_BUILD_DIR") or os.path.join(SRC, "build")
CHROMIUM = os.environ.get("CB_CHROMIUM", "/usr/bin/chromium")
BULK_ORDERS = 10000
BULK_CODES = 10000


def skip(why):
    if os.environ.get("CB_CI") == "1":
        # CI promises the browser suite ran: what would skip it elsewhere fails there
        print("FAIL: %s (CB_CI=1: a failure, not a skip)" % why)
        sys.exit(1)
    print("SKIP: %s" % why)
    sys.exit(77)


def tools():
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        skip("node and npm are needed (Debian's nodejs; scripts/deps.sh installs it)")
    if not os.access(CHROMIUM, os.X_OK):
        skip("%s is missing (Debian's chromium; scripts/deps.sh installs it)" % CHROMIUM)
    major = int(subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip().lstrip("v").split(".")[0])
    if major < 18:
        skip("playwright-core needs Node.js 18 or later, this is %d" % major)
    return node, npm


def npm_ci(npm):
    """playwright-core and axe-core, from the lockfile, once per lockfile."""
    dest = os.path.join(BUILD, "console-test")
    os.makedirs(dest, exist_ok=True)
    with open(os.path.join(HERE, "package-lock.json"), "rb") as f:
        stamp = hashlib.sha256(f.read()).hexdigest()
    stamp_file = os.path.join(dest, "node_modules", ".lock-sha256")
    if os.path.exists(stamp_file) and open(stamp_file).read() == stamp:
        return dest
    for name in ("package.json", "package-lock.json"):
        shutil.copy(os.path.join(HERE, name), dest)
    r = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=dest,
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        # no registry (offline, or a TLS proxy npm does not trust): as for a missing tool
        skip("npm ci of tests/console/package-lock.json failed:\n%s%s" % (r.stdout, r.stderr))
    with open(stamp_file, "w") as f:
        f.write(stamp)
    return dest


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- the data ------------------------------------------------------------------

def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def bulk(server, key, path, bodies, threads=4):
    """POST each body on keep-alive connections, @threads at a time."""
    def run(chunk):
        conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
        for b in chunk:
            conn.request("POST", path, body=json.dumps(b), headers={
                "Authorization": "Bearer " + key, "Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
            if r.status not in (200, 201):
                raise AssertionError("POST %s: %d %s" % (path, r.status, data[:300]))
        conn.close()
    chunks = [bodies[i::threads] for i in range(threads)]
    with concurrent.futures.ThreadPoolExecutor(threads) as ex:
        list(ex.map(run, chunks))


def order(oid, shop, status, items, shipping=399, **kw):
    d = {"order_id": oid, "shop": shop, "status": status, "currency": "GBP",
         "items": [{"sku": s, "quantity": q, "unit_price": p, "line_item_id": "%s-%d" % (oid, i + 1)}
                   for i, (s, q, p) in enumerate(items)], "shipping_cost": shipping}
    d.update(kw)
    return d


def seed(env):
    sys.path.insert(0, os.path.join(SRC, "tests", "orders", "e2e"))
    from oharness import sim_order
    s, key = env.server, env.key
    t0 = time.time()
    cases = {
        "done": "576461413038785901",      # cancelled in the page: ends Completed
        "partial": "576461413038785902",   # a row left out in the page: refused by the full-order rule
        "unpaid": "576461413038785903",    # Incomplete: the picker offers the status-0 keys
        "shipped": "576461413038785904",   # Shipped: no cancel button
        "failed": "576461413038785905",    # a refund the marketplace refused (IN_TRANSIT there)
        "drift": "576461413038785906",     # refused with an error code tiktok-shop-error does not hold
    }
    env.sim_orders([sim_order(cases["done"]), sim_order(cases["partial"]),
                    sim_order(cases["unpaid"], "UNPAID", "12.49"), sim_order(cases["failed"], "IN_TRANSIT"),
                    sim_order(cases["drift"])])
    two = [("TSHIRT-M", 1, 1000), ("TSHIRT-L", 1, 1000)]
    env.create_order(order(cases["done"], "uk-legacy", "Ready for Shipping", two, marketplace_status="AWAITING_SHIPMENT"))
    env.create_order(order(cases["partial"], "uk-legacy", "Ready for Shipping", two))
    env.create_order(order(cases["unpaid"], "uk-current", "Incomplete", [("MUG-BLUE", 1, 1000)], shipping=249,
                           marketplace_status="UNPAID"))
    env.create_order(order(cases["shipped"], "uk-legacy", "Shipped", [("LAMP-OAK", 1, 4000)], shipping=500))
    env.create_order(order(cases["failed"], "uk-legacy", "Ready for Shipping", [("SOCKS-3PK", 2, 899)]))
    pid = env.cancel(cases["failed"])["payment"]["id"]
    env.wait_payment(cases["failed"], pid)
    # a code met in traffic: the marketplace answers the cancel with a code no one documented
    env.create_order(order(cases["drift"], "uk-legacy", "Ready for Shipping", [("CAP-GREY", 1, 1500)]))
    env.sim.fault("/api/reverse/order/cancel", "error", code=99999123, message="A code no one documented")
    pid = env.cancel(cases["drift"])["payment"]["id"]
    env.wait_payment(cases["drift"], pid)

    rnd = random.Random(3)
    statuses = ["Ready for Shipping", "Incomplete", "Shipped", "Delivered", "Cancelled"]
    skus = ["TSHIRT-M", "TSHIRT-L", "MUG-RED", "MUG-BLUE", "SOCKS-3PK", "LAMP-OAK", "CAP-GREY"]
    orders = [order("9%017d" % i, rnd.choice(["uk-legacy", "uk-current"]), rnd.choice(statuses),
                    [(sku, rnd.randint(1, 3), rnd.choice([499, 899, 1000, 1999, 4000]))
                     for sku in rnd.sample(skus, rnd.randint(1, 3))], shipping=rnd.choice([0, 249, 399]))
              for i in range(BULK_ORDERS)]
    bulk(s, key, "/v1/orders", orders)
    t1 = time.time()

    # incidents and events over the last 30 days
    now = datetime.datetime.now(datetime.timezone.utc)
    qe = json.load(open(os.path.join(SRC, "catalogs", "qe-reason.json")))
    usable = [(e["code"], r) for e in qe["entries"] if e.get("status", "active") == "active"
              for r in e.get("applies", {}).get("rule", [])]
    weights = [8 if c in ("INVALID_TRACKING_NUMBER", "APP_MISSED_WEBHOOK", "SELLER_DTC_NO_SKU") else 1 for c, _ in usable]
    incidents = []
    for i in range(240):
        code, rule = rnd.choices(usable, weights)[0]
        incidents.append({"incident_id": "inc-%d" % i, "order_id": "5764%08d" % i, "rule": rule, "reason_code": code,
                          "shop_id": rnd.choice(["shop-1", "shop-2"]),
                          "occurred_at": iso(now - datetime.timedelta(minutes=rnd.randint(60, 29 * 24 * 60)))})
    out = json.load(open(os.path.join(SRC, "catalogs", "outbound.json")))
    codes = [e["code"] for e in out["entries"]]
    events = [{"event_id": "evt-%d" % i, "service": rnd.choice(["SCM", "CRM", "PPM", "Accounting"]), "entity": "order",
               "entity_id": str(i), "from_state": "open", "to_state": "held",
               "reason_code": rnd.choice(codes[:12]), "actor": "ops-%d" % rnd.randint(1, 5),
               "occurred_at": iso(now - datetime.timedelta(minutes=rnd.randint(60, 29 * 24 * 60)))}
              for i in range(180)]
    for i in range(0, len(incidents), 100):
        assert s.post("/v1/incidents", {"incidents": incidents[i:i + 100]}, key=key).status == 201
    for i in range(0, len(events), 100):
        assert s.post("/v1/events", events[i:i + 100], key=key).status == 201

    # a set of 10,000 codes
    cats = ["ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO"]
    bigset = {"name": "bulk-codes", "title": "Generated codes (10,000)", "version": 1,
              "description": "A generated set for the console's paging test.",
              "format": {"charset": "A-Z0-9_", "shape": "plain", "case": "upper", "case_enforced": True},
              "contexts": {"channel": {"description": "where", "values": ["web", "app", "store"]}},
              "categories": [{"name": c, "description": "category %s" % c} for c in cats],
              "entries": [{"code": "CODE_%05d" % i, "category": cats[i % 5], "description": "generated code number %d" % i,
                           "status": "active", "since": 1, "applies": {"channel": [["web", "app", "store"][i % 3]]}}
                          for i in range(BULK_CODES)]}
    r = s.put("/v1/code-sets/bulk-codes", bigset, key=key)
    assert r.status == 201, r

    # outbound v2: one code deprecated, one added
    v2 = json.loads(json.dumps(out))
    v2["version"] = 2
    for e in v2["entries"]:
        if e["code"] == "FRAUD.VELOCITY":
            e["status"], e["deprecated_since"], e["replaced_by"] = "deprecated", 2, "FRAUD.RISK_SIGNAL"
    v2["entries"].append({"code": "FRAUD.FRIENDLY_FRAUD", "category": "FRAUD", "status": "active", "since": 2,
                          "description": "A buyer disputes a charge they made."})
    r = s.put("/v1/code-sets/outbound", v2, key=key)
    assert r.status == 201, r
    # proposals the page dry-runs and publishes: v3 that breaks (a code removed), v3 that does not
    breaking = json.loads(json.dumps(v2))
    breaking["version"] = 3
    breaking["entries"] = [e for e in breaking["entries"] if e["code"] != "FRAUD.CHARGEBACK"]
    good = json.loads(json.dumps(v2))
    good["version"] = 3
    good["entries"].append({"code": "FRAUD.BIN_ATTACK", "category": "FRAUD", "status": "active", "since": 3,
                            "description": "Many card numbers tried from one BIN range."})
    print("data: %d orders in %.1f s, incidents, events and sets in %.1f s" % (
        BULK_ORDERS + len(cases), t1 - t0, time.time() - t1), flush=True)
    return {"cases": cases, "proposal_breaking": json.dumps(breaking, indent=1),
            "proposal_good": json.dumps(good, indent=1), "incidents": len(incidents), "events": len(events)}


def seed_later(env):
    """What the newer views show: FRAUD.VELOCITY (deprecated in outbound v2)
    still sent by two services; shops in the database, one of them in
    needs-attention (its token refresh refused); two refunds Unknown (their
    current-API cancels pending, every check failing past --outcome-deadline)."""
    from oharness import sim_order, wait_until, APP_KEY, SECRET, TOKEN, SHOP_ID, CIPHER
    s, key = env.server, env.key
    now = datetime.datetime.now(datetime.timezone.utc)
    late = [{"event_id": "evt-dep-%d" % i, "service": svc, "entity": "order", "entity_id": "d%d" % i,
             "from_state": "open", "to_state": "held", "reason_code": "FRAUD.VELOCITY", "actor": "ops-1",
             "occurred_at": iso(now - datetime.timedelta(minutes=30 + i))}
            for i, svc in enumerate(["SCM", "SCM", "CRM"])]
    r = s.post("/v1/events", late, key=key)
    assert r.status == 201, r

    t = int(time.time())
    common = {"base_url": env.sim.url, "app_key": APP_KEY, "app_secret": SECRET, "access_token": TOKEN,
              "shop_id": SHOP_ID, "shop_cipher": CIPHER, "api": "current", "market": "GB"}
    r = s.post("/v1/shops", dict(common, name="gb-db", access_token_expires_at=t + 30 * 86400), key=key)
    assert r.status == 201, r
    # a token that expires within the refresh margin, and a refresh the simulator refuses once
    r = s.post("/v1/shops", dict(common, name="gb-stale", auth_url=env.sim.url, refresh_token="RTK_sim_0",
                                 access_token_expires_at=t + 60, refresh_margin_s=3600), key=key)
    assert r.status == 201, r
    env.sim.admin("POST", "/tokens", {"refresh_fails": 1})
    stale = "576461413038785907"
    env.sim_orders([sim_order(stale)])
    env.create_order(order(stale, "gb-stale", "Ready for Shipping", [("CAP-GREY", 1, 1500)]))
    env.cancel(stale)
    wait_until(lambda: any(x["state"] == "needs-attention" for x in
                           s.request("GET", "/v1/shops", key=key).json["items"]), 30, "gb-stale needs attention")

    unknown = ["576461413038785908", "576461413038785909"]
    env.sim.admin("POST", "/config", {"pending_reads": 1000})
    env.sim_orders([sim_order(o) for o in unknown])
    pids = []
    for o in unknown:
        env.create_order(order(o, "uk-current", "Ready for Shipping", [("MUG-RED", 1, 1000)]))
        pids.append(env.cancel(o)["payment"]["id"])
    for o, pid in zip(unknown, pids):
        env.wait_payment(o, pid, ("Processing",), cancel_state="pending", timeout=20)
    env.sim.admin("POST", "/limits", {"fail_checks": unknown})
    for o, pid in zip(unknown, pids):
        p = env.wait_payment(o, pid, ("Unknown", "Completed", "Error"), timeout=30)
        assert p["status"] == "Unknown", p
    env.sim.admin("POST", "/config", {"pending_reads": 0})
    return {"unknown": unknown, "unknown_payments": pids, "secrets": [SECRET, TOKEN]}


def main():
    node, npm = tools()
    modules = npm_ci(npm)
    # the databases on tmpfs where there is one: 10,000 imports without an fsync each
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        tempfile.tempdir = "/dev/shm"
    sys.path.insert(0, os.path.join(SRC, "tests", "orders", "e2e"))
    sys.path.insert(0, os.path.join(SRC, "tests", "svc", "e2e"))
    from oharness import Env
    from harness import Server

    artifacts = os.path.join(BUILD, "console-artifacts")
    shutil.rmtree(artifacts, ignore_errors=True)
    os.makedirs(artifacts)
    allowed_port, other_port = free_port(), free_port()
    allowed = "http://127.0.0.1:%d" % allowed_port
    with Env(worker_interval="0.1", extra=["--cors-origin", allowed, "--outcome-deadline", "3s"]) as env:
        data = seed(env)
        data.update(seed_later(env))
        closed = Server(extra=["--require-key-for-reads"])
        closed.start()
        try:
            closed_key = closed.add_key("console")
            cfg = {"url": env.server.url, "key": env.key, "sim": env.sim.url, "chromium": CHROMIUM,
                   "artifacts": artifacts, "modules": os.path.join(modules, "node_modules"),
                   "closed_url": closed.url, "closed_key": closed_key, "allowed_port": allowed_port,
                   "other_port": other_port, "bulk_orders": BULK_ORDERS, "bulk_codes": BULK_CODES,
                   "web": os.path.join(SRC, "web"), **data}
            cfg_path = os.path.join(env.dir, "drive.json")
            with open(cfg_path, "w") as f:
                json.dump(cfg, f)
            r = subprocess.run([node, os.path.join(HERE, "drive.mjs"), cfg_path], timeout=600)
        finally:
            closed.cleanup()
    print("screenshots: %s" % artifacts)
    return r.returncode


if __name__ == "__main__":
    sys.exit(main())
