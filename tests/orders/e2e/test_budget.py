#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A request budget per shop (issue 12, item 5), through the real binaries.

- One budget shared by three workers (the server's and two `codebook
  worker` processes) on one database: 30 cancellations of one shop at a
  budget of 5/s, burst 1, against a simulator that refuses more than 6/s:
  no rate-limit error, and the cancels are spread over at least 29 / 5 s.
- Adaptive: a budget of 10/s, burst 10, against a simulator that allows
  2/s: rate-limit errors come, the shop's budget row is halved (slowdowns
  counted), every refund still ends Completed with one cancel per order.
The 500-cancellation run of the issue is budget500.py (ctest label slow)."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from budget_env import BudgetEnv  # noqa: E402
from oharness import CANCEL_PATH  # noqa: E402


class Budget(unittest.TestCase):
    def test_shared_by_three_workers_no_rate_limit_error(self):
        n = 30
        with BudgetEnv(shops=1, sim_rate=6, latency_ms=20, budget=5, burst=1, workers=2) as env:
            ids = env.orders(n)
            env.start_workers()
            t0 = time.time()
            env.cancel_all(ids)
            t1 = env.wait_done(n, 60)
            self.assertEqual(env.refund_counts(), {"Completed": n})
            self.assertGreaterEqual(t1 - t0, (n - 1) / 5.0)
            lim = env.limits("shop-a")
            self.assertEqual(lim["rate_limited"], 0, lim)
            self.assertEqual(env.sims["shop-a"].calls()["requests"][CANCEL_PATH], n)
            rows = env.server.db_query("SELECT shop, family, slowdowns FROM shop_budgets ORDER BY family")
            self.assertEqual([tuple(r) for r in rows], [("shop-a", "reverse", 0)])
            # the worker processes took their share under the one budget
            waited = [w for w in env.workers if any(l.get("msg") == "sending the cancel" for l in w.log_lines())]
            self.assertGreaterEqual(len(waited), 1)

    def test_rate_limit_errors_halve_the_rate(self):
        n = 20
        with BudgetEnv(shops=1, sim_rate=2, budget=10, burst=10, workers=0) as env:
            ids = env.orders(n)
            env.cancel_all(ids)
            env.wait_done(n, 120)
            self.assertEqual(env.refund_counts(), {"Completed": n})
            lim = env.limits("shop-a")
            self.assertGreater(lim["rate_limited"], 0, lim)
            calls = env.sims["shop-a"].calls()
            for oid in ids["shop-a"]:
                self.assertEqual(calls["orders"][oid]["cancels_applied"], 1, oid)
            (slow,), = env.server.db_query("SELECT slowdowns FROM shop_budgets WHERE shop = 'shop-a'")
            self.assertGreaterEqual(slow, 1)
            self.assertEqual(slow, lim["rate_limited"])
            m = env.server.get("/metrics").raw.decode()
            self.assertIn('codebook_shop_budget_slowdowns_total{shop="shop-a",family="reverse"} %d' % slow, m)
            self.assertIn('codebook_shop_budget_rate{shop="shop-a",family="reverse"}', m)


if __name__ == "__main__":
    unittest.main(verbosity=2)
