#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The reverse-reason sync end to end: POST
/v1/marketplaces/tiktok/reverse-reasons/sync reads the simulator's list
and publishes a new version of tiktok-reverse-reason@GB (market GB) through the
governance gate.  A key dropped upstream becomes retired (never deleted), a
new key appears, the version rises; the worker uses the new version."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oharness import SRC, Env, order, sim_order  # noqa: E402

SYNC = "/v1/marketplaces/tiktok/reverse-reasons/sync"
DROPPED = "seller_cancel_reason_wrong_price_uk"
NEW = "seller_cancel_reason_damaged_in_warehouse_uk"


def seed_list():
    with open(os.path.join(SRC, "tools", "tiktok-sim", "reverse_reasons.json")) as f:
        return json.load(f)["data"]["reverse_reason_list"]


class Sync(unittest.TestCase):
    def test_sync(self):
        with Env() as env:
            s = env.server
            codes_v1 = {c["code"] for c in s.get("/v1/code-sets/tiktok-reverse-reason@GB/codes").json["codes"]}
            self.assertEqual(len(codes_v1), 21)

            # the seed's own list: nothing changes
            r = s.post(SYNC, {"shop": "uk-legacy"}, key=env.key)
            self.assertEqual(r.status, 200, r)
            self.assertEqual((r.json["changed"], r.json["version"], r.json["reasons"]), (False, 1, 21))
            self.assertEqual(s.db_query("SELECT COUNT(*) FROM code_set_versions WHERE name = ?",
                                        ("tiktok-reverse-reason@GB",)), [(1,)])
            # writes need the key
            self.assertEqual(s.post(SYNC, {}).status, 401)

            # upstream drops a key, adds one (with a new status value), renames one's text
            lst = [x for x in seed_list() if x["reverse_reason_key"] != DROPPED]
            lst.append({"available_order_status_list": [200, 111], "reverse_reason": "Damaged in the warehouse",
                        "reverse_reason_key": NEW})
            for x in lst:
                if x["reverse_reason_key"] == "seller_cancel_paid_reason_address_not_deliver_uk":
                    x["reverse_reason"] = "Cannot deliver to the buyer's address"
            env.sim.admin("POST", "/reasons", {"reverse_reason_list": lst})
            r = s.post(SYNC, {}, key=env.key)	# the server's --market-shop
            self.assertEqual(r.status, 201, r)
            self.assertEqual((r.json["changed"], r.json["previous_version"], r.json["version"]), (True, 1, 2))
            self.assertEqual(r.json["reasons"], 21)
            rules = {(f["rule"], f["subject"]) for f in r.json["findings"]}
            self.assertIn(("CODE_RETIRED", DROPPED), rules)
            self.assertIn(("CODE_ADDED", NEW), rules)
            self.assertIn(("DESCRIPTION_CHANGED", "seller_cancel_paid_reason_address_not_deliver_uk"), rules)
            self.assertIn("CONTEXT_ADDED", {f["rule"] for f in r.json["findings"]})
            self.assertFalse([f for f in r.json["findings"] if f["severity"] == "breaking"])
            self.assertEqual(r.headers["location"], "/v1/code-sets/tiktok-reverse-reason@GB/versions/2")

            # the API serves version 2: the dropped key retired, not deleted; the new key there
            doc = s.get("/v1/code-sets/tiktok-reverse-reason@GB").json
            self.assertEqual(doc["version"], 2)
            by_code = {e["code"]: e for e in doc["entries"]}
            self.assertEqual(set(by_code), codes_v1 | {NEW})
            self.assertEqual(by_code[DROPPED]["status"], "retired")
            self.assertEqual(by_code[NEW]["status"], "active")
            self.assertEqual(by_code[NEW]["category"], "seller_cancel")
            self.assertEqual(by_code[NEW]["since"], 2)
            self.assertEqual(by_code[NEW]["applies"], {"order_status": ["200", "111"]})
            self.assertEqual(by_code[NEW]["attributes"]["display_text"], "Damaged in the warehouse")
            self.assertEqual(doc["contexts"]["order_status"]["values"], ["0", "200", "111"])
            # the database keeps both versions
            self.assertEqual(s.db_query("SELECT version, source FROM code_set_versions WHERE name = ? ORDER BY "
                                        "version", ("tiktok-reverse-reason@GB",)), [(1, "catalog"), (2, "marketplace")])
            self.assertEqual(len(json.loads(s.db_query("SELECT body FROM code_set_versions WHERE name = ? AND "
                                                       "version = 1", ("tiktok-reverse-reason@GB",))[0][0])["entries"]),
                             21)
            r = s.post("/v1/code-sets/tiktok-reverse-reason@GB/check", {"code": DROPPED,
                                                                     "context": {"order_status": "200"}})
            self.assertEqual(r.json["reason"], "retired")

            # the worker uses version 2: the retired key is refused, the new one goes through
            env.sim_orders([sim_order("576461413038785901"), sim_order("576461413038785902")])
            env.create_order(order("576461413038785901"))
            env.create_order(order("576461413038785902"))
            pid = env.cancel("576461413038785901", {"reason_key": DROPPED})["payment"]["id"]
            p = env.wait_payment("576461413038785901", pid)
            self.assertEqual(p["status"], "Error")
            self.assertTrue(p["error_text"].startswith('Reason key "%s" was retired: TikTok Shop no longer lists '
                                                       "it (tiktok-reverse-reason@GB v2)." % DROPPED), p["error_text"])
            self.assertIn(NEW, p["error_text"])
            self.assertEqual(env.sim.cancel_calls("576461413038785901"), 0)
            pid = env.cancel("576461413038785902", {"reason_key": NEW})["payment"]["id"]
            p = env.wait_payment("576461413038785902", pid)
            self.assertEqual(p["status"], "Completed", p)
            self.assertEqual(p["reason"], {"key": NEW, "text": "Damaged in the warehouse", "default": False})
            self.assertEqual(env.get_order("576461413038785902")["reasons_from"]["version"], 2)

            # the key returns upstream: revived, version 3
            lst.append({"available_order_status_list": [200], "reverse_reason": "Pricing error",
                        "reverse_reason_key": DROPPED})
            env.sim.admin("POST", "/reasons", {"reverse_reason_list": lst})
            r = s.post(SYNC, {"shop": "uk-legacy"}, key=env.key)
            self.assertEqual((r.status, r.json["version"]), (201, 3), r)
            self.assertIn(("STATUS_REVIVED", DROPPED), {(f["rule"], f["subject"]) for f in r.json["findings"]})

            # a restart serves version 3 (the catalog file's version 1 is older)
            s.stop()
            s.start()
            self.assertEqual(s.get("/v1/code-sets/tiktok-reverse-reason@GB").json["version"], 3)

            # faults: the marketplace refuses, the shop is unknown, the body is wrong
            env.sim.fault("/api/reverse/reverse_reason/list", "error", code=106001, message="Invalid sign",
                          http_status=401)
            r = s.post(SYNC, {}, key=env.key)
            self.assertEqual((r.status, r.type), (502, "marketplace-error"), r)
            self.assertEqual(r.json["marketplace"]["code"], "106001")
            self.assertEqual(r.json["decision"]["action"], "fail")
            env.sim.fault("/api/reverse/reverse_reason/list", "http_5xx")
            r = s.post(SYNC, {}, key=env.key)
            self.assertEqual((r.status, r.json["marketplace"]["code"], r.json["marketplace"]["outcome"]),
                             (502, "HTTP_5XX", "unknown"), r)
            # a shop the configuration does not have is the client's mistake (404), not an outage
            r = s.post(SYNC, {"shop": "fr-nowhere"}, key=env.key)
            self.assertEqual((r.status, r.type, r.json["shop"]), (404, "unknown-shop", "fr-nowhere"), r)
            self.assertNotIn("e59af819cc", r.raw.decode())	# the secret never shows
            # a NUL would have cut the name short: refused, not truncated
            r = s.post(SYNC, '{"shop": "uk-legacy\\u0000x"}', key=env.key)
            self.assertEqual((r.status, r.type, r.json["pointer"]), (422, "invalid-input", "/shop"), r)
            self.assertEqual(s.post(SYNC, {"shop": 5}, key=env.key).status, 400)
            self.assertEqual(s.post(SYNC, {"store": "x"}, key=env.key).status, 400)
            self.assertEqual(s.post(SYNC, "{", key=env.key).type, "malformed-json")
            self.assertEqual(s.get("/v1/code-sets/tiktok-reverse-reason@GB").json["version"], 3)
            self.assertNotIn("e59af819cc", s.log_text())
            self.assertNotIn("TTP_orders_e2e_token", s.log_text())

    def test_sync_without_configuration(self):
        with Env(extra=[]) as env:
            env.server.stop()
            env.server.extra = ["--worker-interval", "0"]
            env.server.start()
            r = env.server.post(SYNC, {}, key=env.key)
            self.assertEqual((r.status, r.type), (503, "marketplace-not-configured"), r)


if __name__ == "__main__":
    unittest.main(verbosity=2)
