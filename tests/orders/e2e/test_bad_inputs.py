#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Bad inputs to the order routes: each gets a 4xx problem of the right
type naming the fault, and nothing is stored (every order table counted
before and after)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oharness import Env, db_counts, order  # noqa: E402

OID = "576461413038789999"


def with_(**kw):
    return order(OID, **kw)


def without(key):
    d = order(OID)
    del d[key]
    return d


def item(**kw):
    d = {"sku": "TSHIRT-M", "quantity": 1, "unit_price": 1000}
    d.update(kw)
    return d


ORDERS = [
    # name, body, status, problem type, pointer of the first fault
    ("total does not add up", with_(total=2400), 422, "invalid-order", "/total"),
    ("unknown currency", with_(currency="XYZ"), 422, "invalid-order", "/currency"),
    ("currency in lower case", with_(currency="gbp"), 422, "invalid-order", "/currency"),
    ("negative unit price", with_(items=[item(unit_price=-1000)]), 422, "invalid-order", "/items/0/unit_price"),
    ("negative shipping", with_(shipping_cost=-1), 422, "invalid-order", "/shipping_cost"),
    ("fractional money", with_(items=[item(unit_price=10.5)]), 422, "invalid-order", "/items/0/unit_price"),
    ("money as a string", with_(shipping_cost="3.99"), 400, "invalid-request", "/shipping_cost"),
    ("quantity as a string", with_(items=[item(quantity="1")]), 400, "invalid-request", "/items/0/quantity"),
    ("zero quantity", with_(items=[item(quantity=0)]), 422, "invalid-order", "/items/0/quantity"),
    ("amount too large", with_(items=[item(unit_price=10 ** 13)]), 422, "invalid-order", "/items/0/unit_price"),
    ("amount past int64", with_(items=[item(unit_price=1e20)]), 422, "invalid-order", "/items/0/unit_price"),
    ("line past the limit", with_(items=[item(quantity=1000000, unit_price=10 ** 7)]), 422, "invalid-order",
     "/items/0/unit_price"),
    ("no items", with_(items=[]), 422, "invalid-order", "/items"),
    ("items not an array", with_(items={"sku": "x"}), 400, "invalid-request", "/items"),
    ("item not an object", with_(items=["TSHIRT-M"]), 400, "invalid-request", "/items/0"),
    ("missing items", without("items"), 400, "invalid-request", "/items"),
    ("missing order_id", without("order_id"), 400, "invalid-request", "/order_id"),
    ("missing currency", without("currency"), 400, "invalid-request", "/currency"),
    ("missing status", without("status"), 400, "invalid-request", "/status"),
    ("unknown status", with_(status="Lost"), 422, "invalid-order", "/status"),
    ("status and marketplace status disagree", with_(marketplace_status="IN_TRANSIT"), 422, "invalid-order",
     "/status"),
    ("unknown marketplace status", with_(marketplace_status="FLYING"), 422, "invalid-order", "/marketplace_status"),
    ("unknown member", with_(colour="red"), 400, "invalid-request", "/colour"),
    ("order id with a space", with_(order_id="576 461"), 422, "invalid-order", "/order_id"),
    ("order id a number", with_(order_id=576461413038789999), 400, "invalid-request", "/order_id"),
    ("shop not a section name", with_(shop="uk legacy!"), 422, "invalid-order", "/shop"),
    ("another marketplace", with_(marketplace="amazon"), 422, "invalid-order", "/marketplace"),
    ("duplicate SKU", with_(items=[item(), item()], total=2399), 422, "invalid-order", "/items/1/sku"),
    ("payments beyond the total", with_(payments=[{"amount": 3000}]), 422, "invalid-order", "/payments"),
    ("an imported refund", with_(payments=[{"type": "Refund", "amount": 100}]), 422, "invalid-order",
     "/payments/0/type"),
    ("negative payment", with_(payments=[{"amount": -5}]), 422, "invalid-order", "/payments/0/amount"),
    ("an array", [order(OID)], 400, "invalid-request", ""),
    ("malformed JSON", '{"order_id": "576", ', 400, "malformed-json", None),
    ("empty body", "", 400, "malformed-json", None),
]

CANCELS = [
    ("amount does not add up", {"amount": 2000}, 422, "invalid-order", "/amount"),
    ("rows do not add up to the amount", {"amount": 2399, "refund_rows": [
        {"sku": "TSHIRT-M", "type": "item_cost", "amount": 1000}]}, 422, "invalid-order", "/amount"),
    ("row beyond the item", {"refund_rows": [{"sku": "TSHIRT-M", "type": "item_cost", "amount": 1001}]}, 422,
     "invalid-order", "/refund_rows"),
    ("rows beyond the item together", {"refund_rows": [
        {"sku": "TSHIRT-M", "type": "item_cost", "amount": 600},
        {"sku": "TSHIRT-M", "type": "item_cost", "amount": 600}]}, 422, "invalid-order", "/refund_rows"),
    ("shipping beyond the shipping cost", {"refund_rows": [{"type": "shipping_cost", "amount": 400}]}, 422,
     "invalid-order", "/refund_rows"),
    ("unknown SKU", {"refund_rows": [{"sku": "HAT-XL", "type": "item_cost", "amount": 100}]}, 422,
     "invalid-order", "/refund_rows/0/sku"),
    ("negative row", {"refund_rows": [{"sku": "TSHIRT-M", "type": "item_cost", "amount": -1000}]}, 422,
     "invalid-order", "/refund_rows/0/amount"),
    ("zero row", {"refund_rows": [{"sku": "TSHIRT-M", "type": "item_cost", "amount": 0}]}, 422, "invalid-order",
     "/refund_rows/0/amount"),
    ("fractional row", {"refund_rows": [{"sku": "TSHIRT-M", "type": "item_cost", "amount": 99.5}]}, 422,
     "invalid-order", "/refund_rows/0/amount"),
    ("row type unknown", {"refund_rows": [{"sku": "TSHIRT-M", "type": "tax", "amount": 10}]}, 422,
     "invalid-order", "/refund_rows/0/type"),
    ("item row without a SKU", {"refund_rows": [{"type": "item_cost", "amount": 10}]}, 400, "invalid-request",
     "/refund_rows/0/sku"),
    ("no rows", {"refund_rows": []}, 422, "invalid-order", "/refund_rows"),
    ("currency not the order's", {"currency": "EUR"}, 422, "invalid-order", "/currency"),
    ("unknown currency", {"currency": "XYZ"}, 422, "invalid-order", "/currency"),
    ("reason key a number", {"reason_key": 5}, 400, "invalid-request", "/reason_key"),
    ("reason key with a space", {"reason_key": "out of stock"}, 422, "invalid-order", "/reason_key"),
    ("unknown member", {"reason": "x"}, 400, "invalid-request", "/reason"),
    ("an array", [], 400, "invalid-request", ""),
    ("malformed JSON", "{", 400, "malformed-json", None),
]


class BadInputs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = Env(worker_interval="0").__enter__()
        cls.env.create_order(order(OID))

    @classmethod
    def tearDownClass(cls):
        cls.env.__exit__(None, None, None)

    def check(self, name, path, body, status, ptype, pointer):
        before = db_counts(self.env)
        r = self.env.server.request("POST", path, body=body, key=self.env.key)
        self.assertEqual(r.status, status, "%s: %r" % (name, r))
        self.assertEqual(r.headers.get("content-type"), "application/problem+json", name)
        self.assertEqual(r.type, ptype, "%s: %r" % (name, r))
        self.assertTrue(r.json["detail"], name)
        if pointer is not None:
            self.assertEqual(r.json["pointer"], pointer, "%s: %r" % (name, r))
            if ptype in ("invalid-order", "invalid-request") and r.json.get("errors"):
                self.assertEqual(r.json["errors"][0]["pointer"], pointer, name)
        self.assertEqual(db_counts(self.env), before, "%s: the database changed" % name)
        return r

    def test_order_imports(self):
        for name, body, status, ptype, pointer in ORDERS:
            with self.subTest(name):
                self.check(name, "/v1/orders", body, status, ptype, pointer)

    def test_cancellations(self):
        for name, body, status, ptype, pointer in CANCELS:
            with self.subTest(name):
                self.check(name, "/v1/orders/%s/cancellations" % OID, body, status, ptype, pointer)

    def test_every_fault_is_listed(self):
        r = self.check("three faults", "/v1/orders", with_(currency="XYZ", shipping_cost=-1, total=1), 422,
                       "invalid-order", "/currency")
        self.assertEqual(r.json["error_count"], 2)	# the total is checked once the rest is valid
        self.assertEqual([e["pointer"] for e in r.json["errors"]], ["/currency", "/shipping_cost"])
        self.assertTrue(all("line" in e and "column" in e for e in r.json["errors"]))

    def test_unknown_order(self):
        before = db_counts(self.env)
        r = self.env.server.request("POST", "/v1/orders/576000000000000000/cancellations", body={},
                                    key=self.env.key)
        self.assertEqual((r.status, r.type), (404, "not-found"))
        self.assertEqual(r.json["order_id"], "576000000000000000")
        self.assertEqual(self.env.server.get("/v1/orders/576000000000000000").status, 404)
        self.assertEqual(db_counts(self.env), before)

    def test_writes_need_a_key(self):
        before = db_counts(self.env)
        self.assertEqual(self.env.server.post("/v1/orders", order("576461413038780001")).status, 401)
        self.assertEqual(self.env.server.post("/v1/orders/%s/cancellations" % OID, {}).status, 401)
        self.assertEqual(self.env.server.post("/v1/orders", order("576461413038780001"),
                                              key="cbk_" + "0" * 52).status, 401)
        self.assertEqual(db_counts(self.env), before)

    def test_replay_and_frozen_money(self):
        env = self.env
        oid = "576461413038780002"
        self.assertEqual(env.create_order(order(oid))["result"], "created")
        self.assertEqual(env.create_order(order(oid), expect=(200,))["result"], "unchanged")
        self.assertEqual(env.create_order(order(oid, marketplace_status="AWAITING_SHIPMENT"),
                                          expect=(200,))["result"], "updated")
        env.cancel(oid)	# the worker is off: the refund stays Pending
        before = db_counts(env)
        r = env.server.post("/v1/orders", order(oid, shipping_cost=499, total=2499), key=env.key)
        self.assertEqual((r.status, r.type), (409, "order-conflict"), r)
        self.assertIn("can no longer change", r.json["detail"])
        self.assertEqual(db_counts(env), before)
        # the status may still change (the worker then judges the order as it is)
        self.assertEqual(env.create_order(order(oid, status="Shipped"), expect=(200,))["result"], "updated")
        r = env.server.request("POST", "/v1/orders/%s/cancellations" % oid, body={}, key=env.key)
        self.assertEqual((r.status, r.type), (409, "order-conflict"))
        self.assertEqual(db_counts(env), db_counts(env))

    def test_oversized_body(self):
        before = db_counts(self.env)
        r = self.env.server.post("/v1/orders", '{"order_id":"' + "1" * (2 << 20) + '"}', key=self.env.key)
        self.assertEqual(r.status, 413)
        self.assertEqual(db_counts(self.env), before)


if __name__ == "__main__":
    unittest.main(verbosity=2)
