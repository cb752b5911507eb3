#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Shops in the database end to end (issue 12): `codebook shops` and
/v1/shops manage them, the worker uses their tokens and stores each
refresh, and a refresh that fails puts the shop in needs-attention, seen
in /readyz, /metrics and the API, until its tokens are rotated; then the
cancel lands, once.  No secret reaches a response, the CLI's output or a
log."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oharness import (APP_KEY, CIPHER, OOS, SECRET, TOKEN, BINARY, Env, clean_env,  # noqa: E402
                      order, sim_order, wait_until)

SECRETS = (SECRET, TOKEN, "RTK_sim_", "TTP_sim_")


class Shops(unittest.TestCase):
    def setUp(self):
        self.env = Env().__enter__()
        self.n = 0

    def tearDown(self):
        self.env.__exit__(None, None, None)

    def cli(self, *args, env=None, ok=True):
        e = clean_env()
        e.update(env or {})
        r = subprocess.run([BINARY, "shops"] + list(args) + ["--db", self.env.server.db],
                           capture_output=True, text=True, env=e, cwd=self.env.dir)
        if ok:
            self.assertEqual(r.returncode, 0, r.stderr)
        for s in SECRETS:
            self.assertNotIn(s, r.stdout + r.stderr)
        return r

    def add_db_shop(self, name="uk-db"):
        with open(self.env.config, "a") as f:
            f.write("\n[shop %s]\napi = current\nmarket = GB\nauth_url = %s\nrefresh_token = RTK_sim_0\n"
                    "access_token_expires_at = 4000000000\n" % (name, self.env.sim.url))
        self.cli("add", name, "--from-config", self.env.config)

    def cancel(self, shop):
        self.n += 1
        oid = "5764614136666%05d" % self.n
        self.env.sim_orders([sim_order(oid)])
        self.env.create_order(order(oid, shop=shop))
        return oid, self.env.cancel(oid)["payment"]["id"]

    def api(self, method, path, body=None, key=True):
        return self.env.server.request(method, path, body=body, key=self.env.key if key else None)

    def test_failed_refresh_needs_attention_until_rotated(self):
        self.add_db_shop()
        self.env.sim.admin("POST", "/tokens", {"expire_now": True, "refresh_fails": 1})
        oid, pid = self.cancel("uk-db")
        p = self.env.wait_payment(oid, pid, statuses=("Pending",), timeout=30)
        wait_until(lambda: self.env.payment(oid, pid).get("last_error") is not None, 30, "the refresh failure")
        p = self.env.payment(oid, pid)
        self.assertEqual(p["last_error"]["code"], "TOKEN_REFRESH_FAILED", p)
        self.assertIn("refresh_token is invalid or has been revoked", p["last_error"]["message"])
        self.assertEqual(p["attempts"], 1, p)     # the cancel went out once, refused unread (105002)
        # needs-attention: the API, /readyz, /metrics, the CLI
        shops = self.api("GET", "/v1/shops").json["items"]
        self.assertEqual([(s["name"], s["state"]) for s in shops], [("uk-db", "needs-attention")])
        self.assertIn("refresh_token is invalid", shops[0]["attention"])
        ready = self.env.server.get("/readyz").json
        self.assertEqual([s["shop"] for s in ready["shops_needing_attention"]], ["uk-db"])
        self.assertEqual([a["check"] for a in ready["attention"]], ["shops"])
        self.assertIn("shop uk-db needs attention", ready["attention"][0]["detail"])
        self.assertIn('codebook_shop_needs_attention{shop="uk-db"} 1', self.env.server.get("/metrics").raw.decode())
        self.assertIn("needs-attention", self.cli("list").stdout)
        self.assertEqual(self.env.sim.cancel_calls(oid), 0)
        # a person rotates the tokens: the marketplace answers new ones, the cancel lands once
        self.cli("rotate", "uk-db", "--refresh")
        p = self.env.wait_payment(oid, pid, timeout=40)
        self.assertEqual((p["status"], p["reason"]["key"]), ("Completed", OOS), p)
        c = self.env.sim.calls()["orders"][oid]
        self.assertEqual((c["cancel_calls"], c["cancels_applied"]), (1, 1), c)
        shops = self.api("GET", "/v1/shops").json["items"]
        self.assertEqual((shops[0]["state"], shops[0]["token_version"]), ("ok", 2), shops)
        self.assertIn('codebook_shop_needs_attention{shop="uk-db"} 0', self.env.server.get("/metrics").raw.decode())
        self.assertEqual(self.env.server.get("/readyz").json["shops_needing_attention"], [])
        self.assertEqual(self.env.server.get("/readyz").json["attention"], [])
        # the stored tokens are the marketplace's newest
        t = self.env.sim.admin("GET", "/tokens")
        self.assertEqual(self.env.db("SELECT access_token, refresh_token FROM shops WHERE name = 'uk-db'"),
                         [(t["access_tokens"][-1]["access_token"], t["refresh_token"])])
        self.assert_no_secret_in_logs()

    def test_refresh_by_the_worker_is_stored(self):
        self.add_db_shop()
        self.env.sim.admin("POST", "/tokens", {"expire_now": True})
        oid, pid = self.cancel("uk-db")
        p = self.env.wait_payment(oid, pid, timeout=30)
        self.assertEqual(p["status"], "Completed", p)
        t = self.env.sim.admin("GET", "/tokens")
        self.assertEqual(t["refreshes"], 1)
        self.assertEqual(self.env.db("SELECT access_token, token_version, attention FROM shops"),
                         [(t["access_tokens"][-1]["access_token"], 2, None)])
        self.assert_no_secret_in_logs()

    def test_api_needs_a_key_and_never_answers_secrets(self):
        self.assertEqual(self.api("GET", "/v1/shops", key=False).status, 401)
        body = {"name": "api-shop", "api": "current", "market": "GB", "base_url": self.env.sim.url,
                "app_key": APP_KEY, "app_secret": SECRET, "access_token": TOKEN, "shop_cipher": CIPHER,
                "refresh_token": "RTK_sim_0", "access_token_expires_at": 4000000000}
        self.assertEqual(self.api("POST", "/v1/shops", body, key=False).status, 401)
        r = self.api("POST", "/v1/shops", body)
        self.assertEqual(r.status, 201, r.raw.decode())
        self.assertEqual((r.json["name"], r.json["api"], r.json["market"], r.json["state"]),
                         ("api-shop", "current", "GB", "ok"))
        self.assertEqual(self.api("POST", "/v1/shops", body).status, 400)      # exists
        bad = dict(body, name="bad-shop", api="newest")
        r = self.api("POST", "/v1/shops", bad)
        self.assertEqual(r.status, 400)
        self.assertIn("api: expected legacy or current", r.raw.decode())
        r = self.api("POST", "/v1/shops/api-shop/rotate", {"access_token": "TTP_new", "color": "red"})
        self.assertEqual(r.status, 400)
        r = self.api("POST", "/v1/shops/api-shop/rotate", {"access_token": "TTP_new",
                                                             "access_token_expires_at": 4000000001})
        self.assertEqual((r.status, r.json["token_version"], r.json["access_token_expires_at"]),
                         (200, 2, 4000000001), r.raw.decode())
        listing = self.api("GET", "/v1/shops")
        for s in SECRETS + ("TTP_new",):
            self.assertNotIn(s, listing.raw.decode())
        self.assertEqual(self.api("DELETE", "/v1/shops/api-shop").status, 200)
        self.assertEqual(self.api("DELETE", "/v1/shops/api-shop").status, 404)
        self.assertEqual(self.api("GET", "/v1/shops").json["items"], [])

    def assert_no_secret_in_logs(self):
        text = self.env.server.log_text()
        for s in (SECRET, "RTK_sim_", "TTP_sim_"):
            self.assertNotIn(s, text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
