#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Markets and mirrors that follow their upstream (issue 10), end to end
through codebook serve and two simulators, one per market.

- Two markets synced from two simulators stay independent while their
  orders are cancelled: the VN list makes tiktok-reverse-reason@VN (its
  own versions), the GB mirror (the bundled UK keys) is not touched, and
  each order is judged against its shop's market (the VN shop's market is
  learned from the marketplace's list of shops, the configuration does not
  say it).
- A narrowed upstream key is followed (the sync records it, breaking
  findings and all, where it used to be refused with 409), and the next
  cancel uses what the marketplace now allows.
- The scheduled sync brings a change without a request."""
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oharness import (APP_KEY, OOS, OOS_UNPAID, SECRET, SRC, Env, Sim, order, sim_order,  # noqa: E402
                      wait_until)

SYNC = "/v1/marketplaces/tiktok/reverse-reasons/sync"
GB, VN = "tiktok-reverse-reason@GB", "tiktok-reverse-reason@VN"
VN_REASONS = os.path.join(SRC, "tools", "tiktok-sim", "reverse_reasons_vn.json")
VN_TOKEN, VN_CIPHER, VN_SHOP_ID = "TTP_vn_token", "ROW_vnShopCipher0000000000000", "7494000000000000084"
VN_OOS = "seller_cancel_reason_out_of_stock_vn"


def vn_sim_config(path):
    with open(path, "w") as f:
        f.write("app_key = %s\napp_secret = %s\naccess_token = %s\nshop_id = %s\nshop_cipher = %s\n"
                "market = VN\nstatus_incomplete = 100\nstatus_ready_for_shipping = 111\n"
                % (APP_KEY, SECRET, VN_TOKEN, VN_SHOP_ID, VN_CIPHER))


def add_vn_shop(env, url):
    """The VN shop's section: no market key (the marketplace says it)."""
    with open(env.config, "a") as f:
        f.write("\n[shop vn-current]\nbase_url = %s\napi = current\naccess_token = %s\nshop_id = %s\n"
                "shop_cipher = %s\nstatus_incomplete = 100\nstatus_ready_for_shipping = 111\n"
                % (url, VN_TOKEN, VN_SHOP_ID, VN_CIPHER))


def vn_order(oid):
    return order(oid, shop="vn-current")


def sim_list(env_sim, entries):
    env_sim.admin("POST", "/reasons", {"reverse_reason_list": entries})


def seed_list():
    import json
    with open(os.path.join(SRC, "tools", "tiktok-sim", "reverse_reasons.json")) as f:
        return json.load(f)["data"]["reverse_reason_list"]


class Markets(unittest.TestCase):
    def setUp(self):
        self.env = Env().__enter__()
        path = os.path.join(self.env.dir, "sim-vn.conf")
        vn_sim_config(path)
        self.vn = Sim(self.env.dir, path, reasons=VN_REASONS, name="sim-vn")
        add_vn_shop(self.env, self.vn.url)

    def tearDown(self):
        self.vn.stop()
        self.env.__exit__(None, None, None)

    def versions(self, name):
        r = self.env.server.get("/v1/code-sets/%s/versions" % name)
        return [v["version"] for v in r.json["versions"]] if r.status == 200 else []

    def test_two_markets_stay_independent(self):
        env, s = self.env, self.env.server
        self.assertEqual(s.get("/v1/code-sets/" + VN).status, 404)
        # the GB shop's list is the bundled version 1: nothing changes
        r = s.post(SYNC, {"shop": "uk-legacy"}, key=env.key)
        self.assertEqual((r.status, r.json["set"], r.json["market"], r.json["version"], r.json["changed"]),
                         (200, GB, "GB", 1, False), r)
        # the VN shop's list makes the VN mirror, version 1; its market came from the marketplace
        r = s.post(SYNC, {"shop": "vn-current"}, key=env.key)
        self.assertEqual((r.status, r.json["set"], r.json["market"], r.json["version"], r.json["changed"]),
                         (201, VN, "VN", 1, True), r)
        self.assertEqual(r.headers["location"], "/v1/code-sets/%s/versions/1" % VN)
        self.assertEqual(r.headers["codebook-set-version"], "1")
        self.assertEqual(self.vn.calls()["requests"]["/authorization/202309/shops"], 1)
        vn = s.get("/v1/code-sets/" + VN).json
        self.assertEqual(vn["version"], 1)
        self.assertTrue(vn["mirror"])
        self.assertEqual({e["code"]: e.get("applies", {}).get("order_status") for e in vn["entries"]},
                         {VN_OOS: ["111", "112"], "seller_cancel_reason_wrong_price_vn": ["111", "112"],
                          "seller_cancel_unpaid_reason_out_of_stock_vn": ["100"],
                          "reverse_reject_request_reason_1_vn": None})
        # the GB mirror was not touched: 21 active keys, one version
        gb = s.get("/v1/code-sets/" + GB).json
        self.assertEqual((gb["version"], len(gb["entries"])), (1, 21))
        self.assertEqual({e["status"] for e in gb["entries"]}, {"active"})
        self.assertEqual(self.versions(GB), [1])

        # orders of both markets cancelled, each against its market's mirror
        env.sim_orders([sim_order("576461413038785801")])
        self.vn.admin("POST", "/orders", {"orders": [sim_order("583000000000000001"),
                                                     sim_order("583000000000000002")]})
        env.create_order(order("576461413038785801"))
        env.create_order(vn_order("583000000000000001"))
        env.create_order(vn_order("583000000000000002"))
        # the context the keys are chosen in: each shop's own order_status value (the console's picker)
        self.assertEqual(env.get_order("583000000000000001")["reasons_from"],
                         {"set": VN, "version": 1, "context": {"order_status": "111"}})
        self.assertEqual(env.get_order("576461413038785801")["reasons_from"]["context"], {"order_status": "200"})
        gb_pid = env.cancel("576461413038785801")["payment"]["id"]
        vn_pid = env.cancel("583000000000000001", {"reason_key": VN_OOS})["payment"]["id"]
        uk_on_vn = env.cancel("583000000000000002", {"reason_key": OOS})["payment"]["id"]
        p = env.wait_payment("576461413038785801", gb_pid)
        self.assertEqual((p["status"], p["reason"]["key"]), ("Completed", OOS), p)
        p = env.wait_payment("583000000000000001", vn_pid)
        self.assertEqual((p["status"], p["reason"]), ("Completed", {"key": VN_OOS, "text": "Hết hàng",
                                                                     "default": False}), p)
        self.assertEqual(env.get_order("583000000000000001")["reasons_from"], {"set": VN, "version": 1})
        self.assertEqual(env.get_order("576461413038785801")["reasons_from"], {"set": GB, "version": 1})
        p = env.wait_payment("583000000000000002", uk_on_vn)
        self.assertEqual(p["status"], "Error")
        self.assertTrue(p["error_text"].startswith('Reason key "%s" is not a TikTok Shop reverse reason '
                                                   "(%s v1)." % (OOS, VN)), p["error_text"])
        self.assertIn(VN_OOS, p["error_text"])
        self.assertEqual(self.vn.cancel_calls("583000000000000001"), 1)
        self.assertEqual(self.vn.cancel_calls("583000000000000002"), 0)
        self.assertEqual(env.sim.cancel_calls("576461413038785801"), 1)

        # the VN list drops a key: VN version 2 retires it; GB stays at version 1
        sim_list(self.vn, [{"available_order_status_list": [111, 112], "reverse_reason": "Hết hàng",
                            "reverse_reason_key": VN_OOS}])
        r = s.post(SYNC, {"shop": "vn-current"}, key=env.key)
        self.assertEqual((r.status, r.json["version"], r.json["previous_version"]), (201, 2, 1), r)
        self.assertIn(("CODE_RETIRED", "seller_cancel_reason_wrong_price_vn"),
                      {(f["rule"], f["subject"]) for f in r.json["findings"]})
        self.assertEqual(self.versions(VN), [1, 2])
        self.assertEqual(self.versions(GB), [1])
        self.assertEqual({e["status"] for e in s.get("/v1/code-sets/" + GB).json["entries"]}, {"active"})
        # the database keeps each version's changes by rule name
        vs = s.get("/v1/code-sets/%s/versions" % VN).json["versions"]
        self.assertEqual(vs[0]["changes"], [])
        self.assertIn({"rule": "CODE_RETIRED", "severity": "info", "subject": "seller_cancel_reason_wrong_price_vn"},
                      vs[1]["changes"])
        self.assertEqual((vs[1]["source"], vs[1]["published_by"]), ("marketplace", "orders-e2e"))

    def test_narrowed_key_is_followed(self):
        env, s = self.env, self.env.server
        lst = seed_list()
        for x in lst:
            if x["reverse_reason_key"] == OOS:
                x["available_order_status_list"] = [0, 200]      # widened upstream
        sim_list(env.sim, lst)
        r = s.post(SYNC, {"shop": "uk-legacy"}, key=env.key)
        self.assertEqual((r.status, r.json["version"]), (201, 2), r)
        # an unpaid order may now be cancelled with the key
        env.sim_orders([sim_order("576461413038785811", "UNPAID"), sim_order("576461413038785812", "UNPAID"),
                        sim_order("576461413038785813", "UNPAID")])
        for oid in ("576461413038785811", "576461413038785812", "576461413038785813"):
            env.create_order(order(oid, status="Incomplete"))
        pid = env.cancel("576461413038785811", {"reason_key": OOS})["payment"]["id"]
        p = env.wait_payment("576461413038785811", pid)
        self.assertEqual((p["status"], p["reason"]["key"]), ("Completed", OOS), p)

        # narrowed back upstream: followed as version 3 (it used to be a 409 APPLIES_NO_NARROW)
        for x in lst:
            if x["reverse_reason_key"] == OOS:
                x["available_order_status_list"] = [200]
        sim_list(env.sim, lst)
        r = s.post(SYNC, {"shop": "uk-legacy"}, key=env.key)
        self.assertEqual((r.status, r.json["version"], r.json["changed"]), (201, 3, True), r)
        breaking = [(f["rule"], f["subject"]) for f in r.json["findings"] if f["severity"] == "breaking"]
        self.assertIn(("APPLIES_NO_NARROW", OOS), breaking)
        got = s.get("/v1/code-sets/%s/codes/%s" % (GB, OOS)).json["entries"][0]
        self.assertEqual(got["applies"], {"order_status": ["200"]})
        changes = s.get("/v1/code-sets/%s/versions" % GB).json["versions"][-1]["changes"]
        self.assertIn({"rule": "APPLIES_NO_NARROW", "severity": "breaking", "subject": OOS}, changes)

        # the next cancel uses what the marketplace now allows: the key is refused before anything
        # is sent, and the default of an unpaid order is the unpaid out-of-stock key
        pid = env.cancel("576461413038785812", {"reason_key": OOS})["payment"]["id"]
        p = env.wait_payment("576461413038785812", pid)
        self.assertEqual(p["status"], "Error")
        self.assertTrue(p["error_text"].startswith('Reason key "%s" is not available for an Incomplete order '
                                                   "(order status 0)." % OOS), p["error_text"])
        self.assertEqual(env.sim.cancel_calls("576461413038785812"), 0)
        pid = env.cancel("576461413038785813")["payment"]["id"]
        p = env.wait_payment("576461413038785813", pid)
        self.assertEqual((p["status"], p["reason"]["key"], p["reason"]["default"]), ("Completed", OOS_UNPAID, True))
        self.assertEqual(env.sim.cancel_calls("576461413038785813"), 1)


class Drift(unittest.TestCase):
    def test_codes_met_in_traffic_are_observed(self):
        """An error code the marketplace answers that tiktok-shop-error does not hold, and a
        reason on an order's cancellation that the market's mirror does not hold, are noted
        with a count, when first and last seen and a request id; the route lists them."""
        with Env() as env:
            s = env.server
            env.sim_orders([sim_order("576461413038785821"), sim_order("576461413038785822")])
            env.create_order(order("576461413038785821"))
            env.create_order(order("576461413038785822", shop="uk-current"))
            env.sim.fault("/api/reverse/order/cancel", "error", code=99999123, message="A code no one documented")
            pid = env.cancel("576461413038785821")["payment"]["id"]
            p = env.wait_payment("576461413038785821", pid)
            self.assertEqual(p["status"], "Error", p)      # an unknown code: not retried
            r = s.get("/v1/code-sets/tiktok-shop-error/observed")
            self.assertEqual(r.status, 200, r)
            got = {o["code"]: o for o in r.json["observed"]}
            self.assertIn("99999123", got)
            o = got["99999123"]
            self.assertEqual((o["count"], o["seen_in"], o["in_set"]), (1, "POST /api/reverse/order/cancel", False))
            self.assertTrue(o["request_id"])
            self.assertLessEqual(o["first_seen"], o["last_seen"])
            self.assertEqual(r.json["candidates"], 1)
            # the current API settles a pending cancel with a reason of its own
            env.sim.admin("POST", "/config", {"pending_reads": 1000})
            try:
                pid = env.cancel("576461413038785822")["payment"]["id"]
                p = env.wait_payment("576461413038785822", pid, ("Processing",), cancel_state="pending")
                env.sim.admin("POST", "/cancellations", {"cancel_id": p["transaction_id"],
                                                         "cancel_status": "CANCELLATION_REQUEST_SUCCESS",
                                                         "cancel_reason": "ecom_cancel_reason_buyer_moved_uk"})
                p = env.wait_payment("576461413038785822", pid)
                self.assertEqual(p["status"], "Completed", p)
            finally:
                env.sim.admin("POST", "/config", {"pending_reads": 0})
            r = s.get("/v1/code-sets/%s/observed" % GB)
            self.assertEqual([(o["code"], o["seen_in"]) for o in r.json["observed"]],
                             [("ecom_cancel_reason_buyer_moved_uk", "POST /return_refund/202309/cancellations/search")])
            self.assertEqual(s.get("/v1/code-sets/%s/observed?limit=0" % GB).status, 400)
            self.assertEqual(s.get("/v1/code-sets/outbound/observed").json["observed"], [])

            # the command line: codebook observed SET, and lint --db names them as candidates
            cli = os.environ.get("CODEBOOK") or os.path.join(SRC, "build", "bin", "codebook")
            r = subprocess.run([cli, "observed", "tiktok-shop-error", "--db", s.db], capture_output=True, text=True)
            self.assertEqual(r.returncode, 1, r)       # there are candidates
            self.assertIn("99999123: seen 1 time, ", r.stdout)
            self.assertIn("last in POST /api/reverse/order/cancel (request ", r.stdout)
            self.assertIn("a candidate for the next version", r.stdout)
            self.assertTrue(r.stdout.endswith("tiktok-shop-error: 1 code met in marketplace traffic, 1 not in the set\n"),
                            r.stdout)
            r = subprocess.run([cli, "--json", "observed", GB, "--db", s.db], capture_output=True, text=True)
            doc = json.loads(r.stdout)
            self.assertEqual((doc["set"], doc["version"], doc["count"], doc["candidates"]), (GB, 1, 1, 1))
            catalog = os.path.join(SRC, "catalogs", "tiktok-shop-error.json")
            r = subprocess.run([cli, "lint", catalog, "--db", s.db], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r)
            self.assertIn("%s: info: OBSERVED_CODE: 99999123 was met 1 time in marketplace traffic" % catalog,
                          r.stdout)
            self.assertIn("; 1 observed code to consider", r.stdout)
            # a next version that holds the code: no longer a candidate
            nxt = os.path.join(env.dir, "tiktok-shop-error.json")
            with open(catalog) as f:
                d = json.load(f)
            e = dict(d["entries"][0])
            for k in ("id", "editorial"):
                e.pop(k, None)
            e["code"] = "99999123"
            d["entries"].append(e)
            d["version"] += 1
            with open(nxt, "w") as f:
                json.dump(d, f)
            r = subprocess.run([cli, "--json", "lint", nxt, "--db", s.db], capture_output=True, text=True)
            self.assertEqual(json.loads(r.stdout)[0]["observed"], [], r.stdout)

    def test_dry_run_of_a_mirror_judges_the_open_refunds(self):
        """The compatibility route on a market's mirror: the open refunds the worker would
        judge otherwise under the proposed version, with examples; nothing stored."""
        with Env(worker_interval="0") as env:
            s = env.server
            for oid in ("576461413038785831", "576461413038785832", "576461413038785833"):
                env.create_order(order(oid))
            env.cancel("576461413038785831", {"reason_key": OOS})
            env.cancel("576461413038785832")                       # the default: OOS
            env.cancel("576461413038785833", {"reason_key": "seller_cancel_reason_wrong_price_uk"})
            doc = s.get("/v1/code-sets/" + GB).json
            doc["version"] += 1
            for e in doc["entries"]:
                if e["code"] == OOS:
                    e["applies"] = {"order_status": ["0"]}         # narrowed away from 200
            before = env.db("SELECT COUNT(*) FROM code_set_versions")[0][0]
            r = s.post("/v1/code-sets/%s/compatibility" % GB, doc, key=env.key)
            self.assertEqual((r.status, r.json["verdict"]), (200, "refused"), r)
            rf = r.json["impact"]["refunds"]
            self.assertEqual((rf["checked"], rf["open"], rf["records"]), (True, 3, 2), rf)
            ex = {e["order_id"]: e for e in rf["examples"]}
            self.assertEqual(set(ex), {"576461413038785831", "576461413038785832"})
            self.assertEqual((ex["576461413038785831"]["now"], ex["576461413038785831"]["proposed"]), (OOS, None))
            self.assertIn("is not available for a Ready for Shipping order",
                          ex["576461413038785831"]["proposed_error"])
            self.assertEqual(env.db("SELECT COUNT(*) FROM code_set_versions")[0][0], before)
            self.assertEqual(env.db("SELECT COUNT(*) FROM order_payments WHERE status = 'Pending'")[0][0], 3)


class Schedule(unittest.TestCase):
    def test_scheduled_sync(self):
        """--sync-interval: every market of the configuration synced without a request; the
        age of the last good sync and the failures in /metrics and /readyz."""
        with Env(sync_interval="1s") as env:
            s = env.server
            lst = [x for x in seed_list() if x["reverse_reason_key"] != "seller_cancel_reason_wrong_price_uk"]
            sim_list(env.sim, lst)
            wait_until(lambda: s.get("/v1/code-sets/" + GB).json["version"] == 2, 15, "a scheduled sync")
            vs = s.get("/v1/code-sets/%s/versions" % GB).json["versions"]
            self.assertEqual((vs[-1]["source"], vs[-1]["published_by"]), ("marketplace", "schedule"))
            m = s.get("/metrics").raw.decode()
            self.assertIn('codebook_reverse_reason_syncs_total{market="GB",result="changed"} 1', m)
            self.assertRegex(m, r'codebook_reverse_reason_sync_age_seconds\{market="GB"\} \d')
            r = s.get("/readyz")
            self.assertEqual(r.status, 200, r)
            gb = [x for x in r.json["reverse_reasons"] if x["market"] == "GB"][0]
            self.assertEqual((gb["set"], gb["version"], gb["failures_since_ok"]), (GB, 2, 0))
            # the marketplace fails every call: failures counted, and after 3 intervals the
            # stale mirror needs a person; the instance still takes traffic (every instance
            # shares the mirror: a 503 would take them all out of the balancer)
            env.sim.fault("/api/reverse/reverse_reason/list", "http_5xx", count=1000)
            wait_until(lambda: "reverse-reasons" in [x["check"] for x in s.get("/readyz").json["attention"]],
                       20, "a stale mirror")
            r = s.get("/readyz")
            self.assertEqual((r.status, r.json["status"], r.json["reasons"]), (200, "ready", []), r)
            gb = [x for x in r.json["reverse_reasons"] if x["market"] == "GB"][0]
            self.assertGreaterEqual(gb["failures_since_ok"], 1)
            self.assertTrue(gb["stale"])
            self.assertIn('codebook_reverse_reason_sync_failures_total{market="GB"}', s.get("/metrics").raw.decode())
            env.sim.admin("DELETE", "/faults")
            wait_until(lambda: s.get("/readyz").json["attention"] == [], 20, "synced again")


if __name__ == "__main__":
    unittest.main(verbosity=2)
