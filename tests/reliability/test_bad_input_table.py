#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The bad-input table (bad_inputs.py, more than 250 cases): each request gets the
RFC 9457 problem of the expected type and status, with its request id in the body
and the header, from the front door, the HTTP layer or a handler alike; and after
each, every table a request can write holds what it held before."""
import http.client
import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "svc", "e2e"))
from harness import Server  # noqa: E402
import openapi_check  # noqa: E402  (tests/support, on the path by harness)
import bad_inputs  # noqa: E402
import hostile  # noqa: E402

SHOPS = """app_key = rel-app
app_secret = rel-secret
access_token = rel-token
shop_id = 1

[shop uk-legacy]
api = legacy
"""


def responses(raw):
    """Every response in raw (back to back, framed by Content-Length)."""
    out = []
    while raw:
        r = hostile.RawResponse(raw)
        if r.status is None:
            break
        out.append(r)
        head_len = raw.find(b"\r\n\r\n") + 4
        raw = raw[head_len + int(r.headers.get("content-length", "0")):]
    return out


class BadInputTable(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="cb-rel-")
        conf = os.path.join(cls.tmp, "shops.conf")
        with open(conf, "w") as f:
            f.write(SHOPS)
        cls.s = Server(extra=["--market-config", conf, "--worker-interval", "0"]).start()
        cls.key = cls.s.add_key("reliability")
        cls.cases = bad_inputs.build(cls.key)

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()

    def send(self, c):
        if c["raw"] is not None:
            data = hostile.raw_request(self.s.host, self.s.port, c["raw"], timeout=10,
                                       responses=2 if c.get("follow_up") else 1)
            rs = responses(data.raw)
            self.assertTrue(rs, "%s: no response: %r" % (c["name"], data.raw[:300]))
            if c.get("follow_up"):
                self.assertEqual(len(rs), 2, "%s: %r" % (c["name"], data.raw[:600]))
                self.assertEqual(rs[0].status, 200, c["name"])
                return rs[1]
            return rs[0]
        hdrs = dict(c["headers"])
        if c["key"] == bad_inputs.GOOD:
            hdrs["Authorization"] = "Bearer " + self.key
        elif c["key"] == bad_inputs.BAD:
            hdrs["Authorization"] = "Bearer cbk_" + "0" * 52
        body = c["body"]
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        if body is not None and "Content-Type" not in hdrs:
            hdrs["Content-Type"] = "application/json"
        if hdrs.get("Content-Type") == "":
            del hdrs["Content-Type"]
        conn = http.client.HTTPConnection(self.s.host, self.s.port, timeout=30)
        try:
            conn.putrequest(c["method"], c["path"], skip_accept_encoding=True)
            for k, v in hdrs.items():
                conn.putheader(k, v)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            data = resp.read()
            raw = b"HTTP/1.1 %d X\r\n" % resp.status + b"".join(
                ("%s: %s\r\n" % (k, v)).encode("latin-1") for k, v in resp.getheaders()) + b"\r\n" + data
            return hostile.RawResponse(raw)
        finally:
            conn.close()

    def test_table(self):
        self.assertGreaterEqual(len(self.cases), 250)
        names = [c["name"] for c in self.cases]
        self.assertEqual(len(names), len(set(names)), "case names are unique")
        for c in self.cases:
            with self.subTest(c["name"]):
                before = self.s.counts()
                r = self.send(c)
                body = r.body[:int(r.headers.get("content-length", len(r.body)))]
                openapi_check.check(c["method"], c["path"], r.status, r.headers, body)
                self.assertEqual(r.status, c["status"], "%s: %r" % (c["name"], r))
                self.assertTrue(r.headers.get("content-type", "").startswith("application/problem+json"),
                                "%s: %r" % (c["name"], r))
                self.assertEqual(r.type, c["type"], "%s: %r" % (c["name"], r))
                self.assertEqual(r.json["status"], c["status"], c["name"])
                self.assertTrue(r.json["detail"], c["name"])
                self.assertEqual(r.json["request_id"], r.headers.get("x-request-id"), c["name"])
                self.assertEqual(self.s.counts(), before, "%s: the database changed" % c["name"])

    def test_largest_head_is_served(self):
        """A head at the limits (8 KiB, 64 fields) is served, on a fresh connection and
        as the second request of a keep-alive one: libmicrohttpd's memory holds it, so
        it never answers such a head with its own page."""
        fields = [b"Host: codebook"] + [b"X-F%02d: " % i + b"v" * 100 for i in range(62)]
        head = b"GET /healthz HTTP/1.1\r\n" + b"".join(f + b"\r\n" for f in fields)
        pad = 8192 - len(head) - len(b"X-Pad: ") - 4
        head += b"X-Pad: " + b"p" * pad + b"\r\n\r\n"
        self.assertEqual(len(head), 8192)
        r = hostile.raw_request(self.s.host, self.s.port, head, timeout=10)
        self.assertEqual(r.status, 200, r)
        data = hostile.raw_request(self.s.host, self.s.port, head + head, timeout=10, responses=2)
        self.assertEqual([x.status for x in responses(data.raw)], [200, 200])
        r = hostile.raw_request(self.s.host, self.s.port, head[:-4] + b"\r\nX: y\r\n\r\n", timeout=10)
        self.assertEqual((r.status, r.type), (431, "header-too-large"), r)

    def test_pipelined_bodies_then_a_bad_head(self):
        """Requests with bodies, pipelined in one write, pass the door whole (each by its
        Content-Length, one larger than the door's 8 KiB head buffer), and a bad head
        after them is answered after their answers, in order."""
        def post(body):
            return (b"POST /v1/code-sets/outbound/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n" % len(body)) + body
        small = b'{"code":"FRAUD.CHARGEBACK"}'
        large = b'{"code":"FRAUD.CHARGEBACK"' + b" " * 12000 + b"}"
        raw = (post(small) + post(large) + b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
               + b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")
        data = hostile.raw_request(self.s.host, self.s.port, raw, timeout=10, responses=4)
        rs = responses(data.raw)
        self.assertEqual([r.status for r in rs], [200, 200, 200, 400], data.raw[:800])
        self.assertTrue(rs[0].json["valid"] and rs[1].json["valid"], data.raw[:800])
        self.assertEqual(rs[3].type, "malformed-request")

    def test_no_html_anywhere(self):
        """No answer in the table is libmicrohttpd's own HTML page."""
        for c in self.cases:
            if c["raw"] is None:
                continue
            data = hostile.raw_request(self.s.host, self.s.port, c["raw"], timeout=10)
            self.assertNotIn(b"<html", data.raw.lower(), c["name"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
