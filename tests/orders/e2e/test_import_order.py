#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""An import (POST /v1/orders) does not overwrite a newer marketplace
status: a webhook stores IN_TRANSIT with its update_time; an import whose
marketplace_update_time is older, or that has none, keeps it (200,
"status_kept"), the rest of the import is stored; a newer import replaces
it, as webhooks and the order pull order their statuses."""
import hashlib
import hmac
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oharness import APP_KEY, SECRET, SHOP_ID, Env, order  # noqa: E402

ROUTE = "/v1/marketplaces/tiktok/webhooks"


def mo(oid, mstatus, t, **kw):
    """An import that gives the marketplace's status and its time, not codebook's."""
    d = order(oid, **kw)
    del d["status"]
    d.update(marketplace_status=mstatus, marketplace_update_time=t)
    return d


class ImportOrder(unittest.TestCase):
    def setUp(self):
        self.env = Env(worker_interval="0").__enter__()

    def tearDown(self):
        self.env.__exit__(None, None, None)

    def hook(self, oid, status, t):
        raw = json.dumps({"type": 1, "tts_notification_id": "n-%s-%d" % (status, t), "shop_id": SHOP_ID,
                          "timestamp": int(time.time()),
                          "data": {"order_id": oid, "order_status": status, "update_time": t}}).encode()
        sig = hmac.new(SECRET.encode(), APP_KEY.encode() + raw, hashlib.sha256).hexdigest()
        r = self.env.server.request("POST", ROUTE, body=raw, headers={"Content-Type": "application/json",
                                                                       "Authorization": sig})
        self.assertEqual((r.status, r.json["outcome"]), (200, "applied"), r.raw.decode())

    def put(self, body):
        r = self.env.server.post("/v1/orders", body, key=self.env.key)
        self.assertIn(r.status, (200, 201), r.raw.decode())
        return r.json

    def test_older_import_does_not_overwrite(self):
        oid, t = "57646141388880001", int(time.time()) - 1000
        self.put(mo(oid, "AWAITING_SHIPMENT", t))
        self.hook(oid, "IN_TRANSIT", t + 100)
        self.assertEqual(self.env.get_order(oid)["marketplace_status"], "IN_TRANSIT")
        # older: kept, and the rest (the shipping cost) stored
        r = self.put(mo(oid, "AWAITING_SHIPMENT", t + 50, shipping_cost=499, total=2499))
        self.assertEqual(r["result"], "updated")
        self.assertEqual((r["status_kept"]["status"], r["status_kept"]["marketplace_status"]),
                         ("Shipped", "IN_TRANSIT"), r)
        self.assertIn("older", r["status_kept"]["detail"])
        o = self.env.get_order(oid)
        self.assertEqual((o["status"], o["marketplace_status"], o["shipping_cost"]), ("Shipped", "IN_TRANSIT", 499))
        # no time: kept too (the stored status has the marketplace's time)
        r = self.put(order(oid, status="Ready for Shipping", shipping_cost=399, total=2399))
        self.assertEqual(r["status_kept"]["status"], "Shipped", r)
        self.assertEqual(self.env.get_order(oid)["status"], "Shipped")
        # newer: replaces it
        r = self.put(mo(oid, "DELIVERED", t + 200))
        self.assertNotIn("status_kept", r)
        o = self.env.get_order(oid)
        self.assertEqual((o["status"], o["marketplace_status"]), ("Delivered", "DELIVERED"))
        # an older webhook after it is not applied either (the same time order)
        self.assertEqual(self.env.db("SELECT mkt_status_time FROM orders WHERE order_id = ?", (oid,)), [(t + 200,)])

    def test_bad_time_is_refused(self):
        r = self.env.server.post("/v1/orders", order("57646141388880002", marketplace_update_time="soon"),
                                 key=self.env.key)
        self.assertEqual(r.status, 400, r.raw.decode())
        self.assertIn("marketplace_update_time", r.raw.decode())
        self.assertEqual(self.env.db("SELECT COUNT(*) FROM orders"), [(0,)])


if __name__ == "__main__":
    unittest.main(verbosity=2)
