#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The console's side of the server, over HTTP, without a browser: its files
(embedded whole, strong ETags and 304s, the page's Content-Security-Policy,
open with --require-key-for-reads), the size budget of its code and styles,
CORS (--cors-origin: nothing cross-origin by default, preflights, the
headers of allowed and other origins, bad origins refused at start), and the
paging of GET /v1/code-sets/{set}/codes that its tables use, and GET
/v1/code-sets/{set}/diff that its governance view shows."""
import os
import re
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "svc", "e2e"))
from harness import BINARY, SRC, Server  # noqa: E402

WEB = os.path.join(SRC, "web")
BUDGET = 150 * 1000   # bytes of the console's code and styles, before compression
A, B, C = "http://127.0.0.1:3000", "https://ops.example.com", "http://evil.example"


def web_files():
    return sorted(f for f in os.listdir(WEB) if re.search(r"\.(html|css|js)$", f))


class Files(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server(extra=["--require-key-for-reads"]).start()

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()

    def test_page(self):
        r = self.s.get("/")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["content-type"], "text/html; charset=utf-8")
        self.assertRegex(r.headers["etag"], r'^"sha256:[0-9a-f]{64}"$')
        self.assertEqual(r.headers["cache-control"], "no-cache")
        self.assertEqual(r.headers["x-content-type-options"], "nosniff")
        csp = r.headers["content-security-policy"]
        for d in ("default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"):
            self.assertIn(d, csp)
        self.assertNotIn("unsafe-inline", csp)
        with open(os.path.join(WEB, "index.html"), "rb") as f:
            self.assertEqual(r.raw, f.read())
        r2 = self.s.get("/", headers={"If-None-Match": r.headers["etag"]})
        self.assertEqual((r2.status, r2.raw), (304, b""))
        self.assertEqual(r2.headers["etag"], r.headers["etag"])
        h = self.s.request("HEAD", "/")
        self.assertEqual((h.status, h.raw), (200, b""))

    def test_every_file_is_served_whole_with_its_type(self):
        types = {"js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8"}
        for f in web_files():
            if f == "index.html":
                continue
            r = self.s.get("/console/" + f)
            self.assertEqual(r.status, 200, f)
            self.assertEqual(r.headers["content-type"], types[f.rsplit(".", 1)[1]], f)
            with open(os.path.join(WEB, f), "rb") as fp:
                self.assertEqual(r.raw, fp.read(), f)
            self.assertEqual(self.s.get("/console/" + f, headers={"If-None-Match": r.headers["etag"]}).status, 304)

    def test_what_the_page_loads_is_there(self):
        """Every file index.html names and every module a script imports."""
        names = set()
        for f in web_files():
            with open(os.path.join(WEB, f), encoding="utf-8") as fp:
                text = fp.read()
            names |= set(re.findall(r'(?:src|href)="/console/([^"]+)"', text))
            names |= set(re.findall(r"from '\./([^']+)'", text))
        self.assertIn("main.js", names)
        for n in sorted(names):
            self.assertEqual(self.s.get("/console/" + n).status, 200, n)

    def test_unknown_files(self):
        for path in ("/console/nope.js", "/console/index.html", "/console/../openapi.json", "/index.html"):
            r = self.s.get(path)
            self.assertEqual(r.status, 404, path)
            self.assertEqual(r.type, "not-found", path)

    def test_open_with_require_key_for_reads(self):
        self.assertEqual(self.s.get("/").status, 200)
        self.assertEqual(self.s.get("/console/app.js").status, 200)
        self.assertEqual(self.s.get("/v1/code-sets").status, 401)

    def test_size_budget(self):
        total = sum(os.path.getsize(os.path.join(WEB, f)) for f in web_files() if not f.endswith(".html"))
        print("\nconsole: code and styles %d bytes (budget %d); the page %d bytes" % (
            total, BUDGET, os.path.getsize(os.path.join(WEB, "index.html"))))
        self.assertLessEqual(total, BUDGET)


class Cors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.closed = Server().start()   # no --cors-origin
        cls.s = Server(extra=["--cors-origin", A, "--cors-origin", B, "--require-key-for-reads"]).start()
        cls.key = cls.s.add_key("cors")

    @classmethod
    def tearDownClass(cls):
        cls.closed.cleanup()
        cls.s.cleanup()

    def preflight(self, s, path, origin, method, headers="authorization, content-type"):
        return s.request("OPTIONS", path, headers={"Origin": origin, "Access-Control-Request-Method": method,
                                                   "Access-Control-Request-Headers": headers})

    def test_nothing_cross_origin_by_default(self):
        r = self.closed.get("/v1/code-sets", headers={"Origin": A})
        self.assertEqual(r.status, 200)
        self.assertFalse([k for k in r.headers if k.startswith("access-control-")])
        self.assertNotIn("vary", r.headers)
        p = self.preflight(self.closed, "/v1/code-sets/outbound/check", A, "POST")
        self.assertEqual(p.status, 204)
        self.assertEqual(p.headers["allow"], "POST, OPTIONS")
        self.assertFalse([k for k in p.headers if k.startswith("access-control-")])

    def test_allowed_origin(self):
        r = self.s.get("/v1/code-sets", headers={"Origin": A}, key=self.key)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["access-control-allow-origin"], A)
        self.assertEqual(r.headers["vary"], "Origin")
        self.assertIn("ETag", r.headers["access-control-expose-headers"])
        self.assertIn("X-Request-Id", r.headers["access-control-expose-headers"])
        self.assertNotIn("access-control-allow-credentials", r.headers)
        # a problem is readable too (the page shows why)
        r = self.s.get("/v1/code-sets", headers={"Origin": B})
        self.assertEqual(r.status, 401)
        self.assertEqual(r.headers["access-control-allow-origin"], B)

    def test_other_origin(self):
        r = self.s.get("/v1/code-sets", headers={"Origin": C}, key=self.key)
        self.assertEqual(r.status, 200)
        self.assertNotIn("access-control-allow-origin", r.headers)
        self.assertEqual(r.headers["vary"], "Origin")
        r = self.s.get("/v1/code-sets", headers={"Origin": A + "0"}, key=self.key)
        self.assertNotIn("access-control-allow-origin", r.headers)

    def test_preflight(self):
        p = self.preflight(self.s, "/v1/orders/1/cancellations", A, "POST",
                           "authorization, content-type, idempotency-key")
        self.assertEqual(p.status, 204, p)   # no key asked: a preflight carries none
        self.assertEqual(p.headers["access-control-allow-origin"], A)
        self.assertEqual(p.headers["access-control-allow-methods"], "POST, OPTIONS")
        for h in ("Authorization", "Content-Type", "Idempotency-Key", "If-None-Match"):
            self.assertIn(h, p.headers["access-control-allow-headers"])
        self.assertEqual(p.headers["access-control-max-age"], "600")
        p = self.preflight(self.s, "/v1/code-sets/outbound", B, "PUT")
        self.assertEqual(p.headers["access-control-allow-methods"], "GET, HEAD, PUT, OPTIONS")

    def test_preflight_refused(self):
        for p in (self.preflight(self.s, "/v1/orders", C, "POST"),          # another origin
                  self.preflight(self.s, "/v1/orders", A, "DELETE"),        # a method the path does not take
                  self.preflight(self.s, "/v1/orders", A, "BREW")):
            self.assertEqual(p.status, 204)
            self.assertNotIn("access-control-allow-methods", p.headers)
            self.assertNotIn("access-control-allow-headers", p.headers)
        self.assertEqual(self.preflight(self.s, "/v1/nowhere", A, "GET").status, 404)
        # a plain OPTIONS: what the path takes
        r = self.s.request("OPTIONS", "/v1/events")
        self.assertEqual((r.status, r.headers["allow"]), (204, "GET, HEAD, POST, OPTIONS"))

    def test_bad_origins_refused_at_start(self):
        for bad, why in (("*", "name each origin"), ("null", "name each origin"),
                         ("http://x.example/", "no path"), ("http://x.example:80", "default port"),
                         ("x.example", "not an origin"), ("http://", "not an origin"),
                         ("http://x.example:99999", "not an origin"), ("http://a b", "not an origin")):
            r = subprocess.run([BINARY, "serve", "--cors-origin", bad, "--listen", "127.0.0.1:0"],
                               capture_output=True, text=True, timeout=10)
            self.assertEqual(r.returncode, 2, bad)
            self.assertIn("--cors-origin", r.stderr)
            self.assertIn(why, r.stderr, bad)
        r = subprocess.run([BINARY, "serve", "--print-config"], capture_output=True, text=True,
                           env=dict(os.environ, CODEBOOK_CORS_ORIGIN="%s, %s" % (A, B)))
        self.assertIn("cors-origin = %s, %s  # environment CODEBOOK_CORS_ORIGIN" % (A, B), r.stdout)
        many = ["http://h%d.example" % i for i in range(33)]
        r = subprocess.run([BINARY, "serve", "--cors-origin", " ".join(many)], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("more than 32 origins", r.stderr)


class CodesPaging(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()

    def test_pages_add_up_to_the_list(self):
        whole = self.s.get("/v1/code-sets/outbound/codes").json
        self.assertNotIn("total", whole)
        seen, cursor, pages = [], None, 0
        while True:
            r = self.s.get("/v1/code-sets/outbound/codes?limit=7" + ("&cursor=" + cursor if cursor else ""))
            self.assertEqual(r.status, 200)
            self.assertEqual(r.json["total"], whole["count"])
            self.assertLessEqual(r.json["count"], 7)
            seen += r.json["codes"]
            pages += 1
            cursor = r.json["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(seen, whole["codes"])
        self.assertEqual(pages, (whole["count"] + 6) // 7)

    def test_head_and_filters(self):
        r = self.s.get("/v1/code-sets/qe-reason/codes?limit=2&context.rule=A3&q=tracking").json
        self.assertEqual(r["title"], "Quality Engine incident reason codes")
        self.assertEqual([c["name"] for c in r["categories"]], ["Orphan Order", "Pre-RTS"])
        self.assertIn("A3", r["contexts"]["rule"]["values"])
        self.assertEqual((r["total"], r["count"]), (3, 2))
        rest = self.s.get("/v1/code-sets/qe-reason/codes?limit=2&context.rule=A3&q=tracking&cursor=" +
                          r["next_cursor"]).json
        self.assertEqual((rest["count"], rest["next_cursor"]), (1, None))
        # the description counts: "tracking number" is in the third's
        self.assertEqual({c["code"] for c in r["codes"] + rest["codes"]},
                         {"INVALID_TRACKING_NUMBER", "UNSUPPORTED_CARRIER_TRACKING_NUMBER",
                          "FULFILL_UNIT_OR_ORDER_NUMBER_NOT_COMBINED_CORRECTLY"})
        r = self.s.get("/v1/code-sets/tiktok-reverse-reason@GB/codes?q=OUT%20OF%20STOCK&limit=50").json
        self.assertTrue(r["total"] >= 2 and all("out of stock" in c["description"].lower() for c in r["codes"]))
        r = self.s.get("/v1/code-sets/outbound/codes?q=no-such-text&limit=5").json
        self.assertEqual((r["total"], r["codes"], r["next_cursor"]), (0, [], None))

    def test_bad_paging(self):
        for q, param in (("limit=0", "limit"), ("limit=1001", "limit"), ("cursor=x", "cursor"), ("cursor=-1", "cursor"),
                         ("q=a&q=b", "q")):
            r = self.s.get("/v1/code-sets/outbound/codes?" + q)
            self.assertEqual((r.status, r.type, r.json.get("parameter")), (400, "invalid-request", param), q)


class VersionDiff(unittest.TestCase):
    """GET /v1/code-sets/{set}/diff: any two published versions compared by
    the gate's rules (the governance view's diff), as codebook diff compares
    the two files; unknown or missing versions refused naming the parameter."""

    @classmethod
    def setUpClass(cls):
        cls.s = Server().start()
        cls.key = cls.s.add_key("gov")
        with open(os.path.join(SRC, "examples", "v2.json")) as f:
            r = cls.s.put("/v1/code-sets/outbound", f.read(), key=cls.key)
        assert r.status == 201, r

    @classmethod
    def tearDownClass(cls):
        cls.s.cleanup()

    def cli_diff(self, old, new):
        import json
        r = subprocess.run([BINARY, "--json", "diff", old, new], capture_output=True, text=True)
        return json.loads(r.stdout)

    def test_both_ways_as_codebook_diff(self):
        v1, v2 = os.path.join(SRC, "catalogs", "outbound.json"), os.path.join(SRC, "examples", "v2.json")
        for a, b, fa, fb in ((1, 2, v1, v2), (2, 1, v2, v1)):
            r = self.s.get("/v1/code-sets/outbound/diff?from=%d&to=%d" % (a, b))
            self.assertEqual(r.status, 200, r)
            want = self.cli_diff(fa, fb)
            got = r.json
            self.assertEqual((got["set"], got["from"], got["to"]), ("outbound", a, b))
            key = lambda f: (f["rule"], f["severity"], f["subject"], f["message"])  # noqa: E731
            self.assertEqual(sorted(map(key, got["findings"])), sorted(map(key, want["findings"])))
            self.assertEqual(got["breaking"] > 0, want["breaking"])
        self.assertGreater(self.s.get("/v1/code-sets/outbound/diff?from=2&to=1").json["breaking"], 0)
        # the defaults: the version served against the one before
        self.assertEqual(self.s.get("/v1/code-sets/outbound/diff").json["from"], 1)

    def test_refused(self):
        for q, param in (("from=9", "from"), ("from=1&to=9", "to"), ("from=0", "from"), ("to=x", "to"),
                         ("from=1&from=2", "from"), ("since=1", "since")):
            r = self.s.get("/v1/code-sets/outbound/diff?" + q)
            self.assertEqual((r.status, r.type, r.json.get("parameter")), (400, "invalid-request", param), q)
        r = self.s.get("/v1/code-sets/qe-reason/diff")
        self.assertEqual((r.status, r.json.get("parameter")), (400, "from"), r)
        self.assertEqual(self.s.get("/v1/code-sets/no-such-set/diff?from=1&to=1").status, 404)


class OrdersByMarket(unittest.TestCase):
    """GET /v1/orders?market=: the orders of the shops of one market (the
    console's orders filter), each row naming its shop's market, paged
    with no row lost or repeated; the marketplace is not asked for a list."""

    def test_filter_and_pages(self):
        sys.path.insert(0, os.path.join(HERE, "..", "orders", "e2e"))
        from oharness import Env
        with Env(worker_interval="0") as env:
            with open(env.config) as f:
                text = f.read()
            text = text.replace("[shop uk-legacy]\n", "[shop uk-legacy]\nmarket = GB\n")
            text += "\n[shop vn-shop]\nmarket = VN\napi = current\n"
            with open(env.config, "w") as f:
                f.write(text)
            shops = ["uk-legacy", "vn-shop", "uk-current"]
            for i in range(23):
                env.create_order({"order_id": "5800000000000%05d" % i, "shop": shops[i % 3], "status": "Shipped",
                                  "currency": "GBP", "items": [{"sku": "A", "quantity": 1, "unit_price": 100}]})
            s = env.server
            seen = {}
            for market in ("GB", "VN"):
                cursor, ids = "", []
                for _ in range(30):
                    r = s.get("/v1/orders?market=%s&limit=2%s" % (market, "&cursor=" + cursor if cursor else ""))
                    self.assertEqual(r.status, 200, r)
                    self.assertTrue(all(o["market"] == market for o in r.json["items"]), r.json)
                    ids += [o["order_id"] for o in r.json["items"]]
                    if not r.json["next_cursor"]:
                        break
                    cursor = r.json["next_cursor"]
                self.assertEqual(len(ids), len(set(ids)))
                seen[market] = sorted(ids)
            every = s.get("/v1/orders?limit=100").json["items"]
            # uk-current has no market in its configuration: the marketplace's list of shops said
            # GB when its first order was imported, and the process keeps it
            self.assertEqual({o["shop"]: o["market"] for o in every},
                             {"uk-legacy": "GB", "vn-shop": "VN", "uk-current": "GB"})
            self.assertEqual(seen, {m: sorted(o["order_id"] for o in every if o["market"] == m) for m in ("GB", "VN")})
            self.assertEqual((len(seen["GB"]), len(seen["VN"])), (15, 8))
            self.assertEqual(s.get("/v1/orders?market=FR").json["items"], [])
            for bad in ("gb", "GBR", "G1"):
                r = s.get("/v1/orders?market=" + bad)
                self.assertEqual((r.status, r.json.get("parameter")), (400, "market"), bad)


if __name__ == "__main__":
    unittest.main(verbosity=2)
