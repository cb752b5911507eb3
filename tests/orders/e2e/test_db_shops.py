#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Shops that exist only in the database, end to end (issue 12, item 2):
the scheduled reason sync, `codebook tiktok` and the webhooks find them as
the worker does (the database's row first, the file's section otherwise),
with the market of the row, the token refresh stored back in the row, and
a failed refresh putting the shop in needs-attention."""
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oharness import (APP_KEY, SECRET, SHOP_ID, BINARY, Env, Sim, clean_env, order,  # noqa: E402
                      sim_order, wait_until)
from test_markets import VN, VN_CIPHER, VN_REASONS, VN_SHOP_ID, VN_TOKEN, vn_sim_config  # noqa: E402

ROUTE = "/v1/marketplaces/tiktok/webhooks"
DB_KEY, DB_SECRET, DB_SHOP_ID = "7a1dbkey0000", "dbsecret0123456789", "7494000000000000777"


def vn_db_shop(url, name="vn-db", refresh="RTK_sim_0", expires=4000000000):
    """The body of POST /v1/shops for the VN shop: nowhere in the file."""
    return {"name": name, "api": "current", "market": "VN", "base_url": url, "auth_url": url,
            "app_key": APP_KEY, "app_secret": SECRET, "access_token": VN_TOKEN, "shop_id": VN_SHOP_ID,
            "shop_cipher": VN_CIPHER, "refresh_token": refresh, "access_token_expires_at": expires,
            "status_incomplete": "100", "status_ready_for_shipping": "111"}


class DbShops(unittest.TestCase):
    def setUp(self):
        self.env = Env(sync_interval="1s").__enter__()
        path = os.path.join(self.env.dir, "sim-vn.conf")
        vn_sim_config(path)
        self.vn = Sim(self.env.dir, path, reasons=VN_REASONS, name="sim-vn")

    def tearDown(self):
        self.vn.stop()
        self.env.__exit__(None, None, None)

    def api(self, method, path, body=None):
        return self.env.server.request(method, path, body=body, key=self.env.key)

    def add(self, body):
        r = self.api("POST", "/v1/shops", body)
        self.assertEqual(r.status, 201, r.raw.decode())

    def tiktok(self, *args, db=True):
        e = clean_env()
        cmd = [BINARY, "tiktok", "--config", self.env.config] + (["--db", self.env.server.db] if db else [])
        return subprocess.run(cmd + list(args), capture_output=True, text=True, env=e, cwd=self.env.dir)

    def test_schedule_syncs_the_market_of_a_database_shop(self):
        """The VN market is named only by a stored shop: the schedule syncs it with that
        shop's credentials, refreshing its expired token and storing the new one."""
        self.vn.admin("POST", "/tokens", {"expire_now": True})
        self.add(vn_db_shop(self.vn.url))
        s = self.env.server
        wait_until(lambda: s.get("/v1/code-sets/" + VN).status == 200, 20, "the VN mirror made by the schedule")
        vs = s.get("/v1/code-sets/%s/versions" % VN).json["versions"]
        self.assertEqual((vs[-1]["source"], vs[-1]["published_by"]), ("marketplace", "schedule"))
        self.assertIn("seller_cancel_reason_out_of_stock_vn", json.dumps(s.get("/v1/code-sets/" + VN).json))
        t = self.vn.admin("GET", "/tokens")
        self.assertGreaterEqual(t["refreshes"], 1, t)
        rows = self.env.db("SELECT access_token, attention FROM shops WHERE name = 'vn-db'")
        self.assertEqual(rows, [(t["access_tokens"][-1]["access_token"], None)])
        self.assertNotIn(SECRET, s.log_text())

    def test_schedule_failed_refresh_needs_attention(self):
        self.vn.admin("POST", "/tokens", {"expire_now": True, "refresh_fails": 1000})
        self.add(vn_db_shop(self.vn.url))
        wait_until(lambda: self.env.db("SELECT attention FROM shops WHERE name = 'vn-db'")[0][0] is not None,
                   20, "the shop needing attention after the schedule's failed refresh")
        self.assertEqual(self.env.server.get("/v1/code-sets/" + VN).status, 404)
        r = self.env.server.get("/readyz").json
        self.assertEqual([x["shop"] for x in r["shops_needing_attention"]], ["vn-db"])

    def test_tiktok_command_uses_a_database_shop(self):
        self.vn.admin("POST", "/tokens", {"expire_now": True})
        self.add(vn_db_shop(self.vn.url))
        r = self.tiktok("--shop", "vn-db", "--json", "reasons")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("seller_cancel_reason_out_of_stock_vn", r.stdout)
        t = self.vn.admin("GET", "/tokens")
        self.assertEqual(t["refreshes"], 1, t)
        self.assertEqual(self.env.db("SELECT access_token, token_version FROM shops WHERE name = 'vn-db'"),
                         [(t["access_tokens"][-1]["access_token"], 2)])
        for s in (SECRET, VN_TOKEN, "RTK_sim_", "TTP_sim_"):
            self.assertNotIn(s, r.stdout + r.stderr)
        # without --db the file has no such section
        r = self.tiktok("--shop", "vn-db", "reasons", db=False)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("vn-db", r.stderr)
        # a refresh that fails: the shop needs attention, exit 1 with the marketplace's words
        self.vn.admin("POST", "/tokens", {"expire_now": True, "refresh_fails": 1})
        r = self.tiktok("--shop", "vn-db", "reasons")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("TOKEN_REFRESH_FAILED", r.stdout + r.stderr)
        att = self.env.db("SELECT attention FROM shops WHERE name = 'vn-db'")[0][0]
        self.assertIn("refresh_token is invalid", att or "")
        # the file's shops still work as before
        r = self.tiktok("--shop", "uk-legacy", "reasons")
        self.assertEqual(r.returncode, 0, r.stderr)


def sign(body, key, secret):
    return hmac.new(secret.encode(), key.encode() + body, hashlib.sha256).hexdigest()


class DbShopWebhooks(unittest.TestCase):
    def setUp(self):
        self.env = Env(worker_interval="0").__enter__()
        body = {"name": "uk-db", "api": "legacy", "market": "GB", "base_url": self.env.sim.url,
                "app_key": DB_KEY, "app_secret": DB_SECRET, "access_token": "TTP_db", "shop_id": DB_SHOP_ID}
        r = self.env.server.request("POST", "/v1/shops", body=body, key=self.env.key)
        self.assertEqual(r.status, 201, r.raw.decode())

    def tearDown(self):
        self.env.__exit__(None, None, None)

    def post(self, doc, key, secret):
        raw = json.dumps(doc).encode()
        return self.env.server.request("POST", ROUTE, body=raw, headers={
            "Content-Type": "application/json", "Authorization": sign(raw, key, secret)})

    def test_signed_with_the_database_shops_secret(self):
        oid = "57646141309990001"
        self.env.sim_orders([sim_order(oid)])
        self.env.create_order(order(oid, shop="uk-db"))
        doc = {"type": 1, "tts_notification_id": "db-1", "shop_id": DB_SHOP_ID, "timestamp": int(time.time()),
               "data": {"order_id": oid, "order_status": "IN_TRANSIT", "update_time": int(time.time())}}
        # the file's secret does not sign a stored shop's notifications
        r = self.post(doc, APP_KEY, SECRET)
        self.assertEqual(r.status, 401, r)
        r = self.post(doc, DB_KEY, DB_SECRET)
        self.assertEqual((r.status, r.json["outcome"]), (200, "applied"), r.raw.decode())
        self.assertEqual(self.env.get_order(oid)["marketplace_status"], "IN_TRANSIT")
        # a shop of the file is still checked with the file's secret
        doc = dict(doc, tts_notification_id="file-1", shop_id=SHOP_ID)
        self.assertEqual(self.post(doc, DB_KEY, DB_SECRET).status, 401)
        self.assertNotEqual(self.post(doc, APP_KEY, SECRET).status, 401)


if __name__ == "__main__":
    unittest.main(verbosity=2)
