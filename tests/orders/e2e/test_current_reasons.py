#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The current API's reasons for current shops (issue 12, item 6), through
`codebook serve`, `codebook tiktok` and codebook-tiktok-sim told which
202309 reasons its market accepts: a shop on 202309 is sent the names of
its market's mirror tiktok-cancel-reason@GB (fed from configuration:
examples/tiktok-cancel-reason@GB.json, published as a set), a request
naming a legacy key sends the name that replaces it, and a mix-up (a
legacy key sent to the current API, a current name to the legacy one)
is refused by the simulator, so no test passes on one."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oharness import BINARY, SRC, Env, clean_env, order, sim_order  # noqa: E402

SET = "tiktok-cancel-reason@GB"
CURRENT_OOS = "ecom_order_to_ship_canceled_reason_out_of_stock"
CURRENT_PRICE = "ecom_order_to_ship_canceled_reason_pricing_error"
MIXUP = "is not a cancel reason of API version 202309 in market GB"


class CurrentReasons(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = Env().__enter__()
        with open(os.path.join(SRC, "examples", SET + ".json")) as f:
            cls.body = json.load(f)
        names = [e["code"] for e in cls.body["entries"]]
        cls.env.sim.admin("POST", "/cancel-reasons", {"market": "GB", "reasons": names})
        cls.n = 0

    @classmethod
    def tearDownClass(cls):
        cls.env.__exit__(None, None, None)

    def new_order(self, shop="uk-current"):
        CurrentReasons.n += 1
        oid = "5764614135555%05d" % CurrentReasons.n
        self.env.sim_orders([sim_order(oid)])
        self.env.create_order(order(oid, shop=shop))
        return oid

    def sent_reason(self, oid):
        return [x["cancel_reason"] for x in self.env.sim.admin("GET", "/orders")["cancellations"]
                if x["order_id"] == oid]

    def publish(self):
        r = self.env.server.put("/v1/code-sets/" + SET, self.body, key=self.env.key)
        self.assertIn(r.status, (200, 201), r.raw)

    def test_1_without_the_mirror_the_legacy_key_is_refused(self):
        # the mix-up the issue describes: a 202309 shop sent the legacy UK key
        oid = self.new_order()
        p = self.env.wait_payment(oid, self.env.cancel(oid)["payment"]["id"])
        self.assertEqual(p["status"], "Error", p)
        self.assertIn("cancel_reason seller_cancel_reason_out_of_stock_uk " + MIXUP, p["error_text"])
        self.assertEqual(p["last_error"]["code"], "36009004")
        self.assertEqual(self.sent_reason(oid), [])

    def test_2_current_shop_sends_current_names(self):
        self.publish()
        oid = self.new_order()
        p = self.env.wait_payment(oid, self.env.cancel(oid)["payment"]["id"])
        self.assertEqual((p["status"], p["reason"]["key"], p["reason"]["default"]), ("Completed", CURRENT_OOS, True), p)
        self.assertEqual(self.sent_reason(oid), [CURRENT_OOS])
        # a request naming the legacy key sends the current name that replaces it
        oid = self.new_order()
        pid = self.env.cancel(oid, {"reason_key": "seller_cancel_reason_wrong_price_uk"})["payment"]["id"]
        p = self.env.wait_payment(oid, pid)
        self.assertEqual((p["status"], p["reason"]["key"]), ("Completed", CURRENT_PRICE), p)
        self.assertEqual(self.sent_reason(oid), [CURRENT_PRICE])
        # the legacy shop is still sent the legacy keys
        oid = self.new_order("uk-legacy")
        p = self.env.wait_payment(oid, self.env.cancel(oid)["payment"]["id"])
        self.assertEqual((p["status"], p["reason"]["key"]), ("Completed", "seller_cancel_reason_out_of_stock_uk"))

    def test_3_the_simulator_refuses_a_mixup_on_either_api(self):
        for shop, reason in (("uk-current", "seller_cancel_reason_out_of_stock_uk"), ("uk-legacy", CURRENT_OOS)):
            oid = "5764614135555999%02d" % len(shop)
            self.env.sim_orders([sim_order(oid)])
            r = subprocess.run([BINARY, "tiktok", "--config", self.env.config, "--shop", shop, "cancel", oid,
                                "--reason", reason], capture_output=True, text=True, env=clean_env())
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn("36009004", r.stdout + r.stderr)
            self.assertIn(MIXUP if shop == "uk-current" else "is not a reverse reason", r.stdout + r.stderr)
            self.assertEqual(self.sent_reason(oid), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
