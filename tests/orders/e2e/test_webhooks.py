#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Marketplace notifications and the order pull (issue 12), end to end:
`codebook serve` receives the simulator's signed notifications on
POST /v1/marketplaces/tiktok/webhooks; `codebook worker` reads an order's
status from the marketplace before it sends a cancel.  Nothing here runs
the in-process worker, so what changes a refund is either the
notification or the worker the test starts."""
import hashlib
import hmac
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oharness import APP_KEY, SECRET, SHOP_ID, Env, Worker, order, sim_order, wait_until  # noqa: E402

ROUTE = "/v1/marketplaces/tiktok/webhooks"


def sign(body, key=APP_KEY, secret=SECRET):
    return hmac.new(secret.encode(), key.encode() + body, hashlib.sha256).hexdigest()


class Webhooks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = Env(worker_interval="0").__enter__()
        cls.hook_url = "http://%s:%d%s" % (cls.env.server.host, cls.env.server.port, ROUTE)
        cls.env.sim.admin("POST", "/webhooks", {"url": cls.hook_url})

    @classmethod
    def tearDownClass(cls):
        cls.env.__exit__(None, None, None)

    n = 0

    def new_id(self):
        Webhooks.n += 1
        return "5764614130999%05d" % Webhooks.n

    def setup_order(self, shop="uk-legacy"):
        oid = self.new_id()
        self.env.sim_orders([sim_order(oid)])
        self.env.create_order(order(oid, shop=shop))
        return oid

    def hooks(self, where="1 = 1", args=()):
        return self.env.db("SELECT notification_id, type, outcome, detail FROM webhook_notifications WHERE "
                           + where, args)

    def post(self, doc, signature=None, raw=None):
        body = raw if raw is not None else json.dumps(doc).encode()
        headers = {"Content-Type": "application/json"}
        if signature is not False:
            headers["Authorization"] = signature if signature is not None else sign(body)
        return self.env.server.request("POST", ROUTE, body=body, headers=headers)

    def notification(self, nid, oid, status, update_time, type_=1):
        return {"type": type_, "tts_notification_id": nid, "shop_id": SHOP_ID, "timestamp": int(time.time()),
                "data": {"order_id": oid, "order_status": status, "update_time": update_time}}

    def pending_cancel(self):
        """An order whose cancel is pending at the marketplace, and no worker running."""
        oid = self.setup_order("uk-current")
        self.env.sim.admin("POST", "/config", {"pending_reads": 1000})
        try:
            pid = self.env.cancel(oid)["payment"]["id"]
            w = Worker(self.env)
            p = self.env.wait_payment(oid, pid, statuses=("Processing",), cancel_state="pending")
            w.stop()
        finally:
            self.env.sim.admin("POST", "/config", {"pending_reads": 0})
        self.assertEqual(self.env.get_order(oid)["status"], "Ready for Shipping")
        return oid, pid, p

    def test_marketplace_refusal_fails_the_refund(self):
        oid, pid, p = self.pending_cancel()
        self.env.sim.admin("POST", "/cancellations", {"cancel_id": p["transaction_id"],
                                                      "cancel_status": "CANCELLATION_REQUEST_CANCEL"})
        p = self.env.wait_payment(oid, pid, timeout=15)
        self.assertEqual(p["status"], "Error", p)
        self.assertEqual(p["error_text"], "TikTok Shop refused the cancellation (cancel_id %s, "
                         "CANCELLATION_REQUEST_CANCEL)." % p["transaction_id"])
        o = self.env.get_order(oid)
        self.assertEqual((o["status"], o["refunded"]), ("Ready for Shipping", 0))

    def test_marketplace_completion_completes_the_refund(self):
        """A cancel pending at the marketplace; the worker stops; the
        marketplace completes it: its notification completes the refund."""
        oid, pid, p = self.pending_cancel()
        self.env.sim.admin("POST", "/cancellations", {"cancel_id": p["transaction_id"],
                                                      "cancel_status": "CANCELLATION_REQUEST_COMPLETE"})
        p = self.env.wait_payment(oid, pid, timeout=15)
        self.assertEqual(p["status"], "Completed", p)
        o = self.env.get_order(oid)
        self.assertEqual((o["status"], o["refunded"]), ("Cancelled", o["total"]))
        self.assertEqual(self.env.sim.cancel_calls(oid), 1)
        rows = wait_until(lambda: [r for r in self.hooks("order_id = ? AND type = 11", (oid,))
                                   if r[2] == "applied"], 10, "the cancellation notification stored")
        self.assertIn("completed", rows[0][3])

    def test_buyer_cancel_cancels_the_local_order(self):
        oid = self.setup_order()
        pid = self.env.cancel(oid)["payment"]["id"]
        self.env.sim.admin("POST", "/buyer-cancel", {"order_id": oid, "cancel_reason": "Changed my mind"})
        p = self.env.wait_payment(oid, pid, timeout=15)
        self.assertEqual(p["status"], "Error", p)
        self.assertTrue(p["error_text"].startswith("The order was cancelled on TikTok Shop by the buyer "
                                                   "(cancellation "), p["error_text"])
        self.assertIn("reason Changed my mind), so this refund was not sent.", p["error_text"])
        self.assertTrue(all(r["status"] == "Error" for r in p["refund_rows"]), p)
        o = self.env.get_order(oid)
        self.assertEqual((o["status"], o["marketplace_status"], o["refunded"]), ("Cancelled", "CANCELLED", 0))
        self.assertEqual(self.env.sim.cancel_calls(oid), 0)

    def test_forged_notification_is_refused_and_nothing_is_stored(self):
        oid = self.setup_order()
        before = self.hooks()
        doc = self.notification("forged-1", oid, "CANCELLED", int(time.time()))
        for sig in (sign(json.dumps(doc).encode(), secret="not-the-secret"), False, "0" * 64, "x"):
            r = self.post(doc, signature=sig)
            self.assertEqual(r.status, 401, r)
            self.assertEqual(r.json["type"].rsplit("/", 1)[-1], "unauthorized", r.json)
            self.assertIn("nothing stored", r.json["detail"])
        # signed, but with a body other than the one signed
        body = json.dumps(doc).encode()
        r = self.post(None, signature=sign(body), raw=body.replace(b"CANCELLED", b"DELIVERED"))
        self.assertEqual(r.status, 401, r)
        # signed but stale: a replay
        old = dict(doc, timestamp=int(time.time()) - 3600)
        r = self.post(old)
        self.assertEqual(r.status, 401, r)
        self.assertIn("seconds from now", r.json["detail"])
        # not a notification
        r = self.post(None, raw=b'{"type": "1"}')
        self.assertEqual(r.status, 400, r)
        self.assertIn("type", r.json["detail"])
        self.assertEqual(self.hooks(), before)
        self.assertEqual(self.env.get_order(oid)["status"], "Ready for Shipping")
        metrics = self.env.server.get("/metrics").raw.decode()
        counts = {}
        for line in metrics.splitlines():
            if line.startswith("codebook_webhooks_total{"):
                counts[line.split('"')[1]] = int(line.rsplit(" ", 1)[1])
        self.assertGreaterEqual(counts["bad-signature"], 5, metrics)
        self.assertGreaterEqual(counts["stale"], 1)
        self.assertGreaterEqual(counts["malformed"], 1)

    def test_duplicate_is_stored_once(self):
        oid = self.setup_order()
        doc = self.notification("dup-%s" % oid, oid, "AWAITING_COLLECTION", int(time.time()))
        r1 = self.post(doc)
        self.assertEqual((r1.status, r1.json["outcome"]), (200, "applied"), r1)
        r2 = self.post(doc)
        self.assertEqual((r2.status, r2.json["outcome"]), (200, "duplicate"), r2)
        self.assertEqual(len(self.hooks("notification_id = ?", (doc["tts_notification_id"],))), 1)
        self.assertEqual(self.env.get_order(oid)["status"], "Shipped")

    def test_older_status_never_overwrites_a_newer_one(self):
        oid = self.setup_order()
        t = int(time.time())
        r = self.post(self.notification("new-%s" % oid, oid, "IN_TRANSIT", t))
        self.assertEqual(r.json["outcome"], "applied", r)
        r = self.post(self.notification("old-%s" % oid, oid, "AWAITING_SHIPMENT", t - 60))
        self.assertEqual(r.json["outcome"], "ignored", r)
        o = self.env.get_order(oid)
        self.assertEqual((o["status"], o["marketplace_status"]), ("Shipped", "IN_TRANSIT"))
        # unknown types and statuses are stored and change nothing
        for nid, doc in (("t99-%s" % oid, dict(self.notification("", oid, "X", t), type=99)),
                         ("st-%s" % oid, self.notification("", oid, "TELEPORTED", t + 5))):
            doc["tts_notification_id"] = nid
            r = self.post(doc)
            self.assertEqual((r.status, r.json["outcome"]), (200, "ignored"), r)
        self.assertEqual(self.env.get_order(oid)["marketplace_status"], "IN_TRANSIT")

    def test_shipped_meanwhile_is_refused_locally(self):
        """Shipped at the marketplace without a notification; the worker
        reads the order before it sends and refuses by the seed's rule."""
        oid = self.setup_order()
        self.env.sim.admin("POST", "/order-status", {"order_id": oid, "status": "IN_TRANSIT", "notify": False})
        detail_before = self.env.sim.calls()["requests"]["/order/202309/orders"]
        pid = self.env.cancel(oid)["payment"]["id"]
        w = Worker(self.env, "--order-max-age", "0")
        p = self.env.wait_payment(oid, pid)
        w.stop()
        self.assertEqual(p["status"], "Error", p)
        self.assertEqual(p["error_text"], "The order is Shipped: only orders that are Ready for Shipping or "
                         "Incomplete can be cancelled.")
        self.assertEqual(self.env.sim.cancel_calls(oid), 0)
        self.assertGreater(self.env.sim.calls()["requests"]["/order/202309/orders"], detail_before)
        self.assertEqual(self.env.get_order(oid)["marketplace_status"], "IN_TRANSIT")

    def test_recent_copy_is_not_pulled(self):
        """With the default age (5m) a fresh import is judged as it is."""
        oid = self.setup_order()
        detail_before = self.env.sim.calls()["requests"]["/order/202309/orders"]
        pid = self.env.cancel(oid)["payment"]["id"]
        w = Worker(self.env)
        p = self.env.wait_payment(oid, pid)
        w.stop()
        self.assertEqual(p["status"], "Completed", p)
        self.assertEqual(self.env.sim.calls()["requests"]["/order/202309/orders"], detail_before)


if __name__ == "__main__":
    unittest.main(verbosity=2)
