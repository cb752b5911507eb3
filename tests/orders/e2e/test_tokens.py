#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Access tokens end to end: `codebook serve` (its in-process worker) and
codebook-tiktok-sim with expiring tokens.  A token that expires mid-run is
refreshed once (105002, then the call once more) and the cancel lands
once; a token about to expire is refreshed before the call; the secrets
never reach a log."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oharness import OOS, SECRET, Env, order, sim_order  # noqa: E402


def shop_section(name, auth_url, expires_at, refresh="RTK_sim_0"):
    return ("\n[shop %s]\napi = current\nmarket = GB\nauth_url = %s\nrefresh_token = %s\n"
            "access_token_expires_at = %d\n" % (name, auth_url, refresh, expires_at))


class Tokens(unittest.TestCase):
    def setUp(self):
        self.env = Env().__enter__()
        self.n = 0

    def tearDown(self):
        self.env.__exit__(None, None, None)

    def add_shop(self, text):
        with open(self.env.config, "a") as f:
            f.write(text)

    def tokens(self):
        return self.env.sim.admin("GET", "/tokens")

    def cancel_one(self, shop):
        self.n += 1
        oid = "5764614137777%05d" % self.n
        self.env.sim_orders([sim_order(oid)])
        self.env.create_order(order(oid, shop=shop))
        pid = self.env.cancel(oid)["payment"]["id"]
        return oid, self.env.wait_payment(oid, pid, timeout=30)

    def assert_landed_once(self, oid, p):
        self.assertEqual(p["status"], "Completed", p)
        self.assertEqual(p["reason"]["key"], OOS)
        c = self.env.sim.calls()["orders"][oid]
        self.assertEqual((c["cancel_calls"], c["cancels_applied"]), (1, 1), c)

    def test_expired_mid_run_is_refreshed_and_the_cancel_lands_once(self):
        self.add_shop(shop_section("uk-tok", self.env.sim.url, int(time.time()) + 3600))
        oid, p = self.cancel_one("uk-tok")
        self.assert_landed_once(oid, p)
        self.assertEqual(self.tokens()["refreshes"], 0)
        # the marketplace expires the token while the worker runs
        self.env.sim.admin("POST", "/tokens", {"expire_now": True})
        oid, p = self.cancel_one("uk-tok")
        self.assert_landed_once(oid, p)
        self.assertEqual(p["attempts"], 1, p)       # refreshed inside the one attempt
        t = self.tokens()
        self.assertEqual((t["refreshes"], t["expired_calls"]), (1, 1), t)
        # the next cancel uses the new token: no more refreshes
        oid, p = self.cancel_one("uk-tok")
        self.assert_landed_once(oid, p)
        self.assertEqual(self.tokens()["refreshes"], 1)
        log = self.env.server.log_text()
        for secret in (SECRET, "RTK_sim_", t["access_tokens"][-1]["access_token"]):
            self.assertNotIn(secret, log)

    def test_token_about_to_expire_is_refreshed_before_the_call(self):
        self.env.sim.admin("POST", "/tokens", {"lifetime_s": 3600})
        self.add_shop(shop_section("uk-soon", self.env.sim.url, int(time.time()) + 60))   # within the 300 s margin
        oid, p = self.cancel_one("uk-soon")
        self.assert_landed_once(oid, p)
        t = self.tokens()
        self.assertEqual((t["refreshes"], t["expired_calls"]), (1, 0), t)


if __name__ == "__main__":
    unittest.main(verbosity=2)
