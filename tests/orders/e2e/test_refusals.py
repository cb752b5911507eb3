#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Every documented error code of the cancel endpoint, through the real
`codebook serve` and codebook-tiktok-sim: the marketplace's code and
message reach the payment (error_text for a refusal, last_error for a
failure that was retried), 25001011 ("already cancelled") included.  One
row per code of docs/marketplace.md's table; the simulator answers each
(the codes it produces itself are also checked natively)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oharness import CANCEL_PATH, OOS, Env, order, sim_order  # noqa: E402

# code, HTTP status, what becomes of the refund: "fail" (Error, once) or
# "retry" (tried again, then Completed)
TABLE = [
    (36009002, 429, "retry"),
    (36009003, 500, "retry"),
    (36009007, 504, "retry"),
    (105002, 401, "retry"),
    (36009004, 400, "fail"),
    (106001, 401, "fail"),
    (105005, 403, "fail"),
    (106013, 400, "fail"),
    (36009009, 404, "fail"),
    (36009010, 405, "fail"),
    (36009014, 400, "fail"),
    (36009033, 403, "fail"),
    (25001045, 200, "fail"),
]


class Refusals(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = Env().__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.env.__exit__(None, None, None)

    n = 0

    def setup_order(self, sim_status="AWAITING_SHIPMENT"):
        Refusals.n += 1
        oid = "5764614139999%05d" % Refusals.n
        self.env.sim_orders([sim_order(oid, sim_status)])
        self.env.create_order(order(oid))
        return oid

    def test_each_documented_code(self):
        for code, http, fate in TABLE:
            with self.subTest(code=code):
                oid = self.setup_order()
                msg = "simulated refusal %d of order %s" % (code, oid)
                self.env.sim.fault(CANCEL_PATH, "error", code=code, message=msg, http_status=http)
                pid = self.env.cancel(oid)["payment"]["id"]
                p = self.env.wait_payment(oid, pid, timeout=30)
                self.assertEqual(p["last_error"], {"code": str(code), "message": msg}, p)
                if fate == "fail":
                    self.assertEqual((p["status"], p["error_text"], p["attempts"]), ("Error", msg, 1), p)
                    self.assertEqual(self.env.sim.cancel_calls(oid), 1)
                else:
                    self.assertEqual((p["status"], p["error_text"]), ("Completed", None), p)
                    self.assertEqual(p["attempts"], 2, p)
                    self.assertEqual(self.env.sim.calls()["orders"][oid]["cancels_applied"], 1)
                row = self.env.db("SELECT last_error_code, last_error FROM order_payments WHERE id = ?", (pid,))
                self.assertEqual(row, [(str(code), msg)])

    def test_already_cancelled_elsewhere_keeps_the_marketplace_message(self):
        # the marketplace has the order cancelled (by the buyer): 25001011, no seller cancellation listed
        oid = self.setup_order("CANCELLED")
        pid = self.env.cancel(oid)["payment"]["id"]
        p = self.env.wait_payment(oid, pid)
        text = ("The order has already been cancelled (TikTok Shop error 25001011; it lists no cancellation "
                "of the order by the seller)")
        self.assertEqual((p["status"], p["error_text"]), ("Error", text), p)
        self.assertEqual(p["last_error"], {"code": "25001011", "message": text})
        self.assertEqual(self.env.db("SELECT last_error_code, error_text FROM order_payments WHERE id = ?",
                                     (pid,)), [("25001011", text)])

    def test_already_cancelled_injected_without_effect(self):
        oid = self.setup_order()
        self.env.sim.fault(CANCEL_PATH, "error", code=25001011, message="Order already cancelled", http_status=200)
        pid = self.env.cancel(oid)["payment"]["id"]
        p = self.env.wait_payment(oid, pid)
        self.assertEqual(p["status"], "Error", p)
        self.assertIn("Order already cancelled (TikTok Shop error 25001011", p["error_text"])
        self.assertEqual(p["last_error"]["code"], "25001011")

    def test_already_cancelled_by_an_earlier_attempt_completes(self):
        # the cancel lands, but the reply says "already cancelled": the search finds it
        oid = self.setup_order()
        self.env.sim.fault(CANCEL_PATH, "error", code=25001011, message="Order already cancelled",
                           http_status=200, apply=True)
        pid = self.env.cancel(oid)["payment"]["id"]
        p = self.env.wait_payment(oid, pid)
        self.assertEqual(p["status"], "Completed", p)
        self.assertEqual(self.env.sim.calls()["orders"][oid]["cancels_applied"], 1)
        self.assertEqual(p["reason"]["key"], OOS)


if __name__ == "__main__":
    unittest.main(verbosity=2)
