#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Refunds whose cancel outcome cannot be learnt (issue 12, item 5), through
the real binaries, with a short --outcome-deadline (3 s).

A current-API cancel is accepted as pending, then the simulator keeps
failing every check of that order (36009003).  The worker checks later and
later (a handful of searches, not one a second), and at the deadline the
refund is Unknown: in the API (the refund's status, the refund_status
filter), in /metrics and in /readyz (under attention, with the count; still 200).  Checks
go on: when the simulator answers again and the marketplace has settled
the cancellation, a later check completes the refund.  A person settles
another one with POST /v1/orders/{id}/refunds/{payment}/outcome: the API
key is required, a refund that is not Unknown is refused (409), and
"not_cancelled" ends the refund in Error with the person's note."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oharness import Env, order, sim_order, wait_until  # noqa: E402

SEARCH = "/return_refund/202309/cancellations/search"


class RefundUnknown(unittest.TestCase):
    def setUp(self):
        self.env = Env(extra=["--outcome-deadline", "3s"]).__enter__()
        self.env.sim.admin("POST", "/config", {"pending_reads": 1000})

    def tearDown(self):
        self.env.__exit__(None, None, None)

    def unknown_refund(self, oid):
        """A refund of @oid whose checks keep failing until it is Unknown."""
        env = self.env
        env.sim_orders([sim_order(oid)])
        env.create_order(order(oid, shop="uk-current"))
        pid = env.cancel(oid)["payment"]["id"]
        p = env.wait_payment(oid, pid, ("Processing",), cancel_state="pending", timeout=20)
        env.sim.admin("POST", "/limits", {"fail_checks": [oid]})
        t0 = time.time()
        p = env.wait_payment(oid, pid, ("Unknown", "Completed", "Error"), timeout=20)
        self.assertEqual(p["status"], "Unknown", p)
        self.assertGreaterEqual(time.time() - t0, 1.0)
        self.assertEqual(p["cancel_state"], "pending")
        self.assertEqual(p["last_error"]["code"], "36009003", p)
        return pid, p

    def test_unknown_at_the_deadline_then_a_later_check_settles_it(self):
        env, oid = self.env, "576461413039000001"
        searches0 = env.sim.calls()["requests"][SEARCH]
        pid, p = self.unknown_refund(oid)
        # backed off: 1, 2, 4 s ... (+-20%), not one search a second
        failed = env.sim.admin("GET", "/limits")["failed_checks"]
        self.assertGreaterEqual(failed, 1)
        self.assertLessEqual(env.sim.calls()["requests"][SEARCH] - searches0, 6)
        r = env.server.get("/v1/orders?refund_status=Unknown")
        self.assertEqual(r.status, 200, r)
        self.assertEqual([o["order_id"] for o in r.json["items"]], [oid])
        self.assertIn('codebook_order_payments{type="Refund",status="Unknown"} 1',
                      env.server.get("/metrics").raw.decode())
        r = env.server.get("/readyz")
        self.assertEqual((r.status, r.json["status"]), (200, "ready"), r)
        self.assertEqual(r.json["unknown_refunds"], 1)
        self.assertIn("refunds", [x["check"] for x in r.json["attention"]])
        # the marketplace answers again, and settled the cancellation meanwhile
        cancel_id = p["transaction_id"]
        env.sim.admin("POST", "/cancellations", {"cancel_id": cancel_id,
                                                 "cancel_status": "CANCELLATION_REQUEST_SUCCESS"})
        env.sim.admin("POST", "/limits", {"pass_checks": [oid]})
        p = env.wait_payment(oid, pid, ("Completed", "Error"), timeout=20)
        self.assertEqual((p["status"], p["transaction_id"]), ("Completed", cancel_id), p)
        self.assertEqual(env.get_order(oid)["status"], "Cancelled")
        wait_until(lambda: env.server.get("/readyz").json.get("unknown_refunds") == 0, 10, "no Unknown refund")

    def test_a_person_settles_it(self):
        env, oid = self.env, "576461413039000002"
        pid, p = self.unknown_refund(oid)
        path = "/v1/orders/%s/refunds/%d/outcome" % (oid, pid)
        r = env.server.post(path, {"outcome": "cancelled"})
        self.assertEqual(r.status, 401, r)
        r = env.server.post(path, {"outcome": "maybe"}, key=env.key)
        self.assertEqual(r.status, 400, r)
        self.assertIn("outcome", r.json["detail"])
        r = env.server.post("/v1/orders/%s/refunds/%d/outcome" % (oid, pid + 1000), {"outcome": "cancelled"},
                            key=env.key)
        self.assertEqual(r.status, 404, r)
        r = env.server.post(path, {"outcome": "cancelled", "cancel_id": "4035-looked-up"}, key=env.key)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"order_id": oid, "payment_id": pid, "status": "Completed",
                                  "resolved_by": "key orders-e2e"})
        p = env.payment(oid, pid)
        self.assertEqual((p["status"], p["transaction_id"]), ("Completed", "4035-looked-up"))
        self.assertEqual(env.get_order(oid)["status"], "Cancelled")
        # settled: the person's word is not taken twice
        r = env.server.post(path, {"outcome": "not_cancelled"}, key=env.key)
        self.assertEqual(r.status, 409, r)
        self.assertIn("not Unknown", r.json["detail"])

    def test_a_person_says_not_cancelled(self):
        env, oid = self.env, "576461413039000003"
        pid, _ = self.unknown_refund(oid)
        r = env.server.post("/v1/orders/%s/refunds/%d/outcome" % (oid, pid),
                            {"outcome": "not_cancelled", "note": "Seller Center shows it shipped"}, key=env.key)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "Error")
        p = env.payment(oid, pid)
        self.assertEqual(p["status"], "Error")
        self.assertEqual(p["error_text"], "TikTok Shop did not cancel the order (seen by key orders-e2e): "
                         "Seller Center shows it shipped")
        self.assertEqual(env.get_order(oid)["status"], "Ready for Shipping")


if __name__ == "__main__":
    unittest.main(verbosity=2)
