#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Seller cancellations end to end: `codebook serve` with its in-process
worker, against codebook-tiktok-sim.  Each case checks the effects in the
database, through the API and in the simulator's counters."""
import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oharness import (CANCEL_PATH, CANCEL_PATH_CURRENT, OOS, OOS_UNPAID, Env, db_counts,  # noqa: E402
                      order, sim_order, wait_until)

UNPAID_KEYS = ("seller_cancel_unpaid_reason_out_of_stock_uk, seller_cancel_unpaid_reason_wrong_price_uk, "
               "seller_cancel_unpaid_reason_buyer_hasnt_paid_within_time_allowed_uk, "
               "seller_cancel_unpaid_reason_buyer_requested_cancellation_uk")
PAID_KEYS = ("seller_cancel_reason_out_of_stock_uk, seller_cancel_reason_wrong_price_uk, "
             "seller_cancel_paid_reason_buyer_requested_cancellation_uk, "
             "seller_cancel_paid_reason_address_not_deliver_uk")


class Cancellations(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = Env().__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.env.__exit__(None, None, None)

    n = 0

    def new_id(self):
        Cancellations.n += 1
        return "5764614130387%05d" % Cancellations.n

    def setup_order(self, sim_status="AWAITING_SHIPMENT", status="Ready for Shipping", **kw):
        oid = self.new_id()
        self.env.sim_orders([sim_order(oid, sim_status)])
        self.env.create_order(order(oid, status, **kw))
        return oid

    def row(self, sql, *args):
        rows = self.env.db(sql, args)
        self.assertEqual(len(rows), 1, rows)
        return rows[0]

    def assert_failed(self, oid, pid, text, calls=0):
        before = self.env.get_order(oid)["status"]
        p = self.env.wait_payment(oid, pid)
        self.assertEqual(p["status"], "Error")
        self.assertEqual(p["error_text"], text)
        self.assertIsNone(p["transaction_id"])
        self.assertTrue(all(r["status"] == "Error" for r in p["refund_rows"]), p)
        o = self.env.get_order(oid)
        self.assertEqual(o["status"], before)	# the order is as it was
        self.assertEqual(o["refunded"], 0)
        self.assertTrue(all(i["refunded"] == 0 for i in o["items"]))
        status, err = self.row("SELECT status, error_text FROM order_payments WHERE id = ?", pid)
        self.assertEqual((status, err), ("Error", text))
        self.assertEqual(self.env.db("SELECT DISTINCT status FROM refund_rows WHERE payment_id = ?", (pid,)),
                         [("Error",)])
        self.assertEqual(self.row("SELECT refunded, status FROM orders WHERE order_id = ?", oid)[0], 0)
        self.assertEqual(self.env.sim.cancel_calls(oid), calls)
        return p

    def assert_completed(self, oid, pid, key, calls=1, current=False):
        p = self.env.wait_payment(oid, pid)
        self.assertEqual(p["status"], "Completed", p)
        self.assertTrue(p["transaction_id"], p)
        self.assertIsNone(p["error_text"])
        self.assertEqual(p["reason"]["key"], key)
        self.assertTrue(p["reason"]["text"])
        # the API: order Cancelled, refunded amounts on order and items, rows completed
        o = self.env.get_order(oid)
        self.assertEqual(o["status"], "Cancelled")
        self.assertEqual((o["refunded"], o["shipping_refunded"]), (o["total"], o["shipping_cost"]))
        for it in o["items"]:
            self.assertEqual((it["refunded"], it["payment_status"]), (it["amount"], "Refunded"))
        self.assertTrue(all(r["status"] == "Completed" for r in p["refund_rows"]), p)
        # the database, read directly
        self.assertEqual(self.row("SELECT status, refunded, shipping_refunded FROM orders WHERE order_id = ?", oid),
                         ("Cancelled", 2399, 399))
        self.assertEqual(self.env.db("SELECT i.refunded, i.payment_status FROM order_items i JOIN orders o"
                                     " ON o.seq = i.order_seq WHERE o.order_id = ? ORDER BY line", (oid,)),
                         [(1000, "Refunded"), (1000, "Refunded")])
        self.assertEqual(self.row("SELECT status, transaction_id, reason_key, type, by_marketplace"
                                  " FROM order_payments WHERE id = ?", pid),
                         ("Completed", p["transaction_id"], key, "Refund", 1))
        self.assertEqual(self.env.db("SELECT DISTINCT status FROM refund_rows WHERE payment_id = ?", (pid,)),
                         [("Completed",)])
        # the simulator: the order is cancelled there, by as many calls as expected
        c = self.env.sim.calls()["orders"][oid]
        self.assertEqual((c["cancel_calls"], c["cancels_applied"], c["status"]), (calls, 1, "CANCELLED"))
        cancels = [x for x in self.env.sim.admin("GET", "/orders")["cancellations"] if x["order_id"] == oid]
        self.assertEqual(len(cancels), 1)
        self.assertEqual(cancels[0]["cancel_id"], p["transaction_id"])
        self.assertEqual(cancels[0]["cancel_reason"], key)
        return p

    # ---- the happy path and the defaults --------------------------------------
    def test_happy_path_every_effect(self):
        oid = self.setup_order()
        acc = self.env.cancel(oid, {"reason_key": "seller_cancel_reason_wrong_price_uk"})
        pay = acc["payment"]
        self.assertEqual((pay["type"], pay["status"], pay["process_by_marketplace"], pay["amount"]),
                         ("Refund", "Pending", True, 2399))
        self.assertEqual([(r["sku"], r["type"], r["amount"], r["status"]) for r in pay["refund_rows"]],
                         [("TSHIRT-M", "item_cost", 1000, "Pending"), ("TSHIRT-L", "item_cost", 1000, "Pending"),
                          (None, "shipping_cost", 399, "Pending")])
        p = self.assert_completed(oid, pay["id"], "seller_cancel_reason_wrong_price_uk")
        self.assertEqual(p["reason"], {"key": "seller_cancel_reason_wrong_price_uk", "text": "Pricing error",
                                       "default": False})
        self.assertTrue(p["transaction_id"].startswith("578"))	# the simulator's reverse_main_order_id
        self.assertEqual(p["attempts"], 1)
        # a second cancellation of a cancelled order: accepted, then refused by the rules
        pid2 = self.env.cancel(oid, {"refund_rows": [{"sku": "TSHIRT-M", "type": "item_cost", "amount": 1}]},
                               expect=(422,))
        self.assertEqual(pid2["type"], "/problems/invalid-order")

    def test_explicit_rows_equal_to_the_total(self):
        oid = self.setup_order()
        rows = [{"sku": "TSHIRT-L", "type": "item_cost", "amount": 1000},
                {"sku": "TSHIRT-M", "type": "item_cost", "amount": 1000},
                {"type": "shipping_cost", "amount": 399}]
        pid = self.env.cancel(oid, {"reason_key": OOS, "refund_rows": rows, "amount": 2399,
                                    "currency": "GBP"})["payment"]["id"]
        self.assert_completed(oid, pid, OOS)

    def test_default_reason_ready_for_shipping(self):
        oid = self.setup_order()
        pid = self.env.cancel(oid)["payment"]["id"]
        p = self.assert_completed(oid, pid, OOS)
        self.assertEqual(p["reason"], {"key": OOS, "text": "Out of stock", "default": True})
        self.assertEqual(self.row("SELECT reason_defaulted FROM order_payments WHERE id = ?", pid), (1,))

    def test_default_reason_incomplete_is_the_unpaid_out_of_stock(self):
        oid = self.setup_order("UNPAID", "Incomplete")
        self.assertEqual([i["payment_status"] for i in self.env.get_order(oid)["items"]], ["Unpaid", "Unpaid"])
        pid = self.env.cancel(oid, {"reason_key": None})["payment"]["id"]
        p = self.assert_completed(oid, pid, OOS_UNPAID)
        self.assertEqual(p["reason"], {"key": OOS_UNPAID, "text": "Out of stock", "default": True})

    def test_current_api(self):
        oid = self.setup_order(shop="uk-current")
        pid = self.env.cancel(oid)["payment"]["id"]
        p = self.assert_completed(oid, pid, OOS)
        self.assertTrue(p["transaction_id"].startswith("4035"))	# the simulator's cancel_id
        self.assertEqual(self.env.sim.calls()["requests"][CANCEL_PATH_CURRENT] > 0, True)

    def test_current_api_pending_resolved_by_a_later_search(self):
        self.env.sim.admin("POST", "/config", {"pending_reads": 2})
        try:
            oid = self.setup_order(shop="uk-current")
            pid = self.env.cancel(oid)["payment"]["id"]
            p = self.env.wait_payment(oid, pid, ("Processing", "Completed", "Error"), cancel_state="pending")
            self.assertEqual(p["status"], "Processing", p)
            self.assertEqual(p["cancel_state"], "pending")
            self.assertTrue(p["transaction_id"].startswith("4035"))
            self.assertEqual(self.env.get_order(oid)["status"], "Ready for Shipping")
            self.assertEqual(self.row("SELECT status, cancel_state FROM order_payments WHERE id = ?", pid),
                             ("Processing", "pending"))
            searches = self.env.sim.calls()["requests"]["/return_refund/202309/cancellations/search"]
            p = self.assert_completed(oid, pid, OOS)
            self.assertGreater(self.env.sim.calls()["requests"]["/return_refund/202309/cancellations/search"],
                               searches)
            self.assertEqual(p["attempts"], 1)
        finally:
            self.env.sim.admin("POST", "/config", {"pending_reads": 0})

    def test_current_api_pending_then_refused(self):
        self.env.sim.admin("POST", "/config", {"pending_reads": 1000})
        try:
            oid = self.setup_order(shop="uk-current")
            pid = self.env.cancel(oid)["payment"]["id"]
            p = self.env.wait_payment(oid, pid, ("Processing",), cancel_state="pending")
            self.env.sim.admin("POST", "/cancellations", {"cancel_id": p["transaction_id"],
                                                          "cancel_status": "CANCELLATION_REQUEST_CANCEL"})
            p = self.env.wait_payment(oid, pid)
            self.assertEqual(p["status"], "Error")
            self.assertEqual(p["error_text"], "TikTok Shop refused the cancellation (cancel_id %s, "
                             "CANCELLATION_REQUEST_CANCEL)." % p["transaction_id"])
            self.assertEqual(self.env.get_order(oid)["status"], "Ready for Shipping")
            self.assertEqual(self.env.sim.cancel_calls(oid), 1)
        finally:
            self.env.sim.admin("POST", "/config", {"pending_reads": 0})

    # ---- the rules: checked by the worker, recorded on the payment --------------
    def test_partial_refund(self):
        oid = self.setup_order()
        pid = self.env.cancel(oid, {"reason_key": OOS, "refund_rows": [
            {"sku": "TSHIRT-M", "type": "item_cost", "amount": 1000}]})["payment"]["id"]
        self.assert_failed(oid, pid, "Only full order refund is allowed.")

    def test_partial_refund_of_every_item_without_shipping(self):
        oid = self.setup_order()
        pid = self.env.cancel(oid, {"refund_rows": [
            {"sku": "TSHIRT-M", "type": "item_cost", "amount": 1000},
            {"sku": "TSHIRT-L", "type": "item_cost", "amount": 1000}]})["payment"]["id"]
        self.assert_failed(oid, pid, "Only full order refund is allowed.")

    def test_shipped_order(self):
        oid = self.setup_order("IN_TRANSIT", "Shipped")
        pid = self.env.cancel(oid)["payment"]["id"]
        self.assert_failed(oid, pid, "The order is Shipped: only orders that are Ready for Shipping or "
                           "Incomplete can be cancelled.")

    def test_delivered_and_cancelled_orders(self):
        for sim_status, status in (("DELIVERED", "Delivered"), ("CANCELLED", "Cancelled")):
            oid = self.setup_order(sim_status, status)
            pid = self.env.cancel(oid)["payment"]["id"]
            self.assert_failed(oid, pid, "The order is %s: only orders that are Ready for Shipping or "
                               "Incomplete can be cancelled." % status)

    def test_key_not_available_for_the_status(self):
        oid = self.setup_order("UNPAID", "Incomplete")
        pid = self.env.cancel(oid, {"reason_key": OOS})["payment"]["id"]
        self.assert_failed(oid, pid, 'Reason key "%s" is not available for an Incomplete order (order status 0). '
                           "Keys available: %s." % (OOS, UNPAID_KEYS))
        oid = self.setup_order()
        pid = self.env.cancel(oid, {"reason_key": OOS_UNPAID})["payment"]["id"]
        self.assert_failed(oid, pid, 'Reason key "%s" is not available for a Ready for Shipping order (order '
                           "status 200). Keys available: %s." % (OOS_UNPAID, PAID_KEYS))

    def test_unknown_key(self):
        oid = self.setup_order()
        pid = self.env.cancel(oid, {"reason_key": "seller_cancel_reason_moon_phase_uk"})["payment"]["id"]
        self.assert_failed(oid, pid, 'Reason key "seller_cancel_reason_moon_phase_uk" is not a TikTok Shop '
                           "reverse reason (tiktok-reverse-reason@GB v1). Keys available for a Ready for Shipping "
                           "order (order status 200): %s." % PAID_KEYS)

    def test_reject_request_key_is_not_a_cancel_reason(self):
        oid = self.setup_order()
        pid = self.env.cancel(oid, {"reason_key": "reverse_reject_request_reason_1_uk"})["payment"]["id"]
        self.assert_failed(oid, pid, 'Reason key "reverse_reject_request_reason_1_uk" is a reject_request '
                           "reason, not a seller's cancel reason. Keys available for a Ready for Shipping "
                           "order (order status 200): %s." % PAID_KEYS)

    # ---- the marketplace's errors ----------------------------------------------------
    def test_rate_limit_and_5xx_then_success(self):
        oid = self.setup_order()
        self.env.sim.fault(CANCEL_PATH, "rate_limit")
        self.env.sim.fault(CANCEL_PATH, "http_5xx", http_status=502)
        searches = self.env.sim.calls()["requests"]["/return_refund/202309/cancellations/search"]
        pid = self.env.cancel(oid)["payment"]["id"]
        p = self.assert_completed(oid, pid, OOS, calls=3)
        self.assertEqual(p["attempts"], 3)
        self.assertEqual(p["last_error"], {"code": "HTTP_5XX", "message": p["last_error"]["message"]})
        # after the 5xx (outcome unknown) the worker asked before sending again
        self.assertGreater(self.env.sim.calls()["requests"]["/return_refund/202309/cancellations/search"],
                           searches)

    def test_non_retryable_marketplace_error(self):
        # codebook thinks the order awaits shipment; the marketplace knows it left
        oid = self.setup_order("IN_TRANSIT", "Ready for Shipping")
        pid = self.env.cancel(oid)["payment"]["id"]
        p = self.assert_failed(oid, pid, "The order has been shipped and cannot be cancelled", calls=1)
        self.assertEqual(p["attempts"], 1)
        self.assertEqual(p["last_error"]["code"], "25001045")
        self.assertEqual(self.env.sim.calls()["orders"][oid]["cancels_applied"], 0)

    def test_non_retryable_injected_error(self):
        oid = self.setup_order()
        self.env.sim.fault(CANCEL_PATH, "error", code=105005, message="Missing access scope")
        pid = self.env.cancel(oid)["payment"]["id"]
        p = self.assert_failed(oid, pid, "Missing access scope", calls=1)
        self.assertEqual(p["attempts"], 1)

    def test_timeout_whose_cancel_landed_is_not_sent_again(self):
        oid = self.setup_order()
        # the cancel is applied, then the reply never comes (client timeout 1 s)
        self.env.sim.fault(CANCEL_PATH, "timeout", delay_ms=2500)
        pid = self.env.cancel(oid)["payment"]["id"]
        p = self.assert_completed(oid, pid, OOS, calls=1)
        self.assertEqual(p["attempts"], 1)
        self.assertEqual(p["last_error"]["code"], "TIMEOUT")
        self.assertEqual(self.env.sim.calls()["orders"][oid]["cancel_calls"], 1)

    def test_timeout_whose_cancel_did_not_land_is_sent_again(self):
        # a cancel first, so that the client has a connection it could reuse:
        # libcurl would resend a request on a reused connection that closes
        # unanswered, which for a cancel could land twice
        first = self.setup_order()
        self.assert_completed(first, self.env.cancel(first)["payment"]["id"], OOS)
        oid = self.setup_order()
        self.env.sim.fault(CANCEL_PATH, "drop")
        pid = self.env.cancel(oid)["payment"]["id"]
        p = self.assert_completed(oid, pid, OOS, calls=2)
        self.assertEqual(p["attempts"], 2)

    def test_retries_are_bounded(self):
        oid = self.setup_order()
        self.env.sim.fault(CANCEL_PATH, "rate_limit", count=5)
        pid = self.env.cancel(oid)["payment"]["id"]
        p = self.env.wait_payment(oid, pid, timeout=60)
        self.assertEqual(p["status"], "Error")
        self.assertEqual(p["error_text"], "Too many requests (gave up after 5 attempts)")
        self.assertEqual(self.env.sim.cancel_calls(oid), 5)
        self.assertEqual(self.env.get_order(oid)["status"], "Ready for Shipping")
        self.env.sim.admin("DELETE", "/faults")

    # ---- one cancellation at a time ----------------------------------------------------
    def test_second_cancellation_while_one_is_pending(self):
        self.env.sim.admin("POST", "/config", {"pending_reads": 1000})
        try:
            oid = self.setup_order(shop="uk-current")
            pid = self.env.cancel(oid)["payment"]["id"]
            self.env.wait_payment(oid, pid, ("Processing",), cancel_state="pending")
            before = db_counts(self.env)
            doc = self.env.cancel(oid, {}, expect=(409,))
            self.assertEqual(doc["type"], "/problems/order-conflict")
            self.assertEqual(doc["payment_id"], pid)
            self.assertEqual(db_counts(self.env), before)
        finally:
            self.env.sim.admin("POST", "/config", {"pending_reads": 0})

    def test_shop_without_configuration_then_sighup(self):
        oid = self.setup_order(shop="uk-late")
        pid = self.env.cancel(oid)["payment"]["id"]
        p = self.env.wait_payment(oid, pid)
        self.assertEqual(p["status"], "Error")
        self.assertTrue(p["error_text"].startswith('No marketplace configuration for shop "uk-late": '),
                        p["error_text"])
        self.assertIn("[shop uk-late]", p["error_text"])
        self.assertNotIn("e59af819cc", p["error_text"])
        with open(self.env.config, "a") as f:
            f.write("\n[shop uk-late]\napi = legacy\n")
        self.env.server.signal(signal.SIGHUP)
        self.env.server.wait_log(lambda l: l.get("msg", "").startswith("SIGHUP"))
        pid = self.env.cancel(oid)["payment"]["id"]
        self.assert_completed(oid, pid, OOS)

    def test_metrics(self):
        oid = self.setup_order()
        self.assert_completed(oid, self.env.cancel(oid)["payment"]["id"], OOS)
        text = self.env.server.get("/metrics").raw.decode()
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                k, v = line.rsplit(" ", 1)
                values[k] = float(v)
        self.assertGreaterEqual(values['codebook_order_payments{type="Refund",status="Completed"}'], 1)
        self.assertGreaterEqual(values['codebook_worker_refunds_total{outcome="completed"}'], 1)
        self.assertGreaterEqual(values['codebook_worker_marketplace_calls_total{call="cancel"}'], 1)
        self.assertGreaterEqual(values['codebook_http_requests_total{route="POST /v1/orders",status="201"}'], 1)
        self.assertGreaterEqual(values['codebook_http_requests_total{route="POST /v1/orders/{id}/cancellations",'
                                       'status="202"}'], 1)

    def test_list_orders(self):
        oid = self.setup_order()
        r = self.env.server.get("/v1/orders?status=Ready%20for%20Shipping&shop=uk-legacy&limit=1000")
        self.assertEqual(r.status, 200)
        self.assertIn(oid, [o["order_id"] for o in r.json["items"]])
        r = self.env.server.get("/v1/orders?limit=1")
        self.assertEqual(r.json["count"], 1)
        self.assertIsNotNone(r.json["next_cursor"])
        r2 = self.env.server.get("/v1/orders?limit=1&cursor=" + r.json["next_cursor"])
        self.assertNotEqual(r2.json["items"][0]["order_id"], r.json["items"][0]["order_id"])
        r = self.env.server.get("/v1/orders?refund_status=Error&limit=1000")
        self.assertTrue(all(o["refund_status"] == "Error" for o in r.json["items"]))
        self.assertEqual(self.env.server.get("/v1/orders?color=red").status, 400)
        self.assertEqual(self.env.server.get("/v1/orders?status=Lost").status, 400)


if __name__ == "__main__":
    unittest.main(verbosity=2)
