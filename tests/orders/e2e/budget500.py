#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Issue 12's run: 500 cancellations across two shops with a budget of
10 requests/s per shop, through the real binaries (a server and two
`codebook worker` processes on one database, each shop on a simulator of
its own that refuses more than 11 requests/s and answers in 20 ms +-50%).

Every refund ends Completed with one cancel per order, no simulator ever
answers 36009002 (too many requests), and the run takes at least 24.9 s:
250 cancels per shop at 10/s after a burst of 1.  It prints its figures.
Registered in ctest with the label `slow` (about 30 s on each backend)."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from budget_env import BudgetEnv  # noqa: E402
from oharness import CANCEL_PATH  # noqa: E402

PER_SHOP = 250


class Budget500(unittest.TestCase):
    def test_500_cancellations_two_shops_10_per_s(self):
        n = 2 * PER_SHOP
        with BudgetEnv(shops=2, sim_rate=11, latency_ms=20, budget=10, burst=1, workers=2) as env:
            ids = env.orders(PER_SHOP)
            env.start_workers()
            t0 = time.time()
            env.cancel_all(ids)
            t1 = env.wait_done(n, 120)
            self.assertEqual(env.refund_counts(), {"Completed": n})
            for shop, oids in ids.items():
                lim = env.limits(shop)
                self.assertEqual(lim["rate_limited"], 0, (shop, lim))
                calls = env.sims[shop].calls()
                self.assertEqual(calls["requests"][CANCEL_PATH], PER_SHOP, shop)
                for oid in oids:
                    self.assertEqual(calls["orders"][oid]["cancels_applied"], 1, oid)
            elapsed = t1 - t0
            print("500 cancellations, 2 shops at 10/s each: %.1f s (%.1f cancels/s), 0 rate-limit errors"
                  % (elapsed, n / elapsed), file=sys.stderr)
            self.assertGreaterEqual(elapsed, (PER_SHOP - 1) / 10.0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
