#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Deterministic NDJSON event generator for `codebook validate`.

Writes N events of about 300-400 bytes, each carrying a reason code from a
code-set file (catalogs/*.json) and a varied free-text reason with UTF-8 and
escapes.  About --invalid-rate of the lines (default 2 %) are invalid in one
of every way `codebook validate` reports: not JSON, not an object, missing
field, field not a string, and codes that `check` rejects (invalid format,
unknown code, unknown category; for sets with contexts, wrong or unknown
context values).  The same arguments always give the same bytes, on any
Python 3: the generator uses its own PRNG (splitmix64), not `random`.

Used by bench/validate/run.sh (1,000,000 events) and by the agreement test
tests/cli/e2e/validate_agree.py (a few thousand).

  gen.py CATALOG.json [--lines N] [--seed S] [--invalid-rate R]
         [--context DIM=FIELD] [--field PATH] [--blank-lines] [-o FILE]
"""
import argparse
import json
import sys

MASK = (1 << 64) - 1


class Rng:
    """splitmix64: small, fast enough, and the same everywhere."""

    def __init__(self, seed):
        self.s = seed & MASK

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & MASK
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, n):
        return self.next() % n

    def pick(self, seq):
        return seq[self.below(len(seq))]

    def chance(self, p):
        return self.next() < p * (1 << 64)


WORDS = ("order customer parcel carrier refund stock warehouse pick pack label "
         "invoice payment chargeback courier delayed damaged missing wrong item "
         "returned cancelled requested approved rejected manual review system "
         "signal velocity account takeover transfer adjust recount shelf bin "
         "quality expired packaging short shipment onboarding contract test").split()
# free text is where real events carry non-ASCII and escapes
EXTRAS = ("café", "Müller", "naïve", "façade", "日本の倉庫", "€12.50", "→", "😀",
          "\"quoted\"", "back\\slash", "tab\there", "line\nbreak", "ünïcödé", "Ω")
SERVICES = ("scm", "crm", "ppm", "accounting", "ics")
TYPES = ("order.cancelled", "order.adjusted", "inventory.adjusted", "refund.issued",
         "account.suspended", "promo.ended", "shipment.rejected")
CURRENCIES = ("EUR", "USD", "GBP", "JPY")


def text(rng, lo, hi):
    n = lo + rng.below(hi - lo + 1)
    out = []
    for _ in range(n):
        out.append(rng.pick(EXTRAS) if rng.chance(0.08) else rng.pick(WORDS))
    s = " ".join(out)
    return s[0].upper() + s[1:] + "."


def set_path(obj, path, value):
    keys = path.split(".")
    for k in keys[:-1]:
        obj = obj.setdefault(k, {})
    obj[keys[-1]] = value


def del_path(obj, path):
    keys = path.split(".")
    for k in keys[:-1]:
        obj = obj[k]
    del obj[keys[-1]]


def event(rng, i, code, field, ctx_fields):
    ev = {
        "event_id": "evt_%09d" % i,
        "ts": "2026-02-%02dT%02d:%02d:%02d.%03dZ" % (1 + rng.below(28), rng.below(24),
                                                     rng.below(60), rng.below(60), rng.below(1000)),
        "service": rng.pick(SERVICES),
        "type": rng.pick(TYPES),
        "order_id": "ORD-%07d" % rng.below(10000000),
        "amount": {"value": rng.below(100000), "currency": rng.pick(CURRENCIES),
                   "rate": round(0.5 + rng.below(100000) / 100000, 5)},
        "actor": {"id": "u_%d" % rng.below(100000), "kind": rng.pick(("user", "system", "job"))},
        "attempt": 1 + rng.below(5),
        "final": rng.chance(0.5),
        "tags": [rng.pick(WORDS) for _ in range(rng.below(3))],
    }
    set_path(ev, field, code)
    for dim, (fld, values) in ctx_fields.items():
        set_path(ev, fld, rng.pick(values))
    ev["reason"] = text(rng, 3, 10)
    return ev


def dump(ev):
    return json.dumps(ev, ensure_ascii=False, separators=(",", ":"))


def mangle_code(rng, code, categories):
    """A code that `check` rejects: invalid format, unknown code or category."""
    kind = rng.below(3)
    if kind == 0:
        return rng.pick((code.replace("_", " ", 1) if "_" in code else code + " X",
                         code + "!", "", code.replace(".", "", 1) if "." in code else code + "#",
                         " " + code))
    if kind == 1 or not categories:
        return rng.pick((code[:-1] + ("Q" if code[-1] != "Q" else "Z"), code + "_X", code[::-1].strip(".") or "X",
                         "X" + code))
    return rng.pick(("PAYMENT", "SHIPPING", "BILLING")) + "." + code.split(".", 1)[-1]


def not_json(rng, line):
    """Bytes that are not JSON, in the ways real streams break."""
    k = rng.below(10)
    if k == 0:
        return line[: 10 + rng.below(len(line) - 20)].rstrip("\\")  # truncated
    if k == 1:
        return line[:-1] + ",}"                                     # trailing comma
    if k == 2:
        return line.replace('"', "'", 4)                            # single quotes
    if k == 3:
        return line.replace('"event_id"', "event_id", 1)            # bare key
    if k == 4:
        return "event dropped: queue full"                           # a log line
    if k == 5:
        return line.replace(',"service"', ' "service"', 1)          # missing comma
    if k == 6:
        return line.replace('"attempt":', '"attempt":0', 1)         # leading zero
    if k == 7:
        return line.replace('"final":', '"final":NaN,"x":', 1)      # not a literal
    if k == 8:
        return line.replace('"ts":"', '"ts":"\t', 1)                # raw control character
    return line + " " + line                                         # two values on one line


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("catalog")
    ap.add_argument("--lines", type=int, default=1000000)
    ap.add_argument("--seed", type=int, default=20260206)
    ap.add_argument("--invalid-rate", type=float, default=0.02)
    ap.add_argument("--field", default="reason_code")
    ap.add_argument("--context", action="append", default=[], metavar="DIM=FIELD")
    ap.add_argument("--blank-lines", action="store_true", help="sprinkle blank lines and CRLF")
    ap.add_argument("-o", "--output", default="-")
    a = ap.parse_args()

    with open(a.catalog, encoding="utf-8") as f:
        cs = json.load(f)
    codes = [e["code"] for e in cs["entries"] if e.get("code") and e.get("status", "active") != "retired"]
    categories = [c["name"] for c in cs.get("categories", [])] if cs["format"].get("shape") == "category.code" else []
    contexts = cs.get("contexts", {})
    ctx_fields = {}
    for spec in a.context:
        dim, _, fld = spec.partition("=")
        ctx_fields[dim] = (fld, list(contexts[dim]["values"]) if dim in contexts else ["?"])

    rng = Rng(a.seed)
    out = sys.stdout if a.output == "-" else open(a.output, "w", encoding="utf-8", newline="")
    buf = []
    for i in range(1, a.lines + 1):
        code = rng.pick(codes)
        ev = event(rng, i, code, a.field, ctx_fields)
        if rng.chance(a.invalid_rate):
            kind = rng.below(6)
            if kind == 0:
                line = not_json(rng, dump(ev))
            elif kind == 1:
                line = rng.pick(('["%s"]' % code, '"%s"' % code, "42", "null", "true", "[]"))
            elif kind == 2:
                del_path(ev, a.field)
                line = dump(ev)
            elif kind == 3:
                set_path(ev, a.field, rng.pick((17, None, [code], {"code": code}, True, 1.5)))
                line = dump(ev)
            elif kind == 4 and ctx_fields:
                dim = rng.pick(sorted(ctx_fields))
                set_path(ev, ctx_fields[dim][0], rng.pick(("X9", "r1", "")))
                line = dump(ev)
            else:
                set_path(ev, a.field, mangle_code(rng, code, categories))
                line = dump(ev)
        else:
            line = dump(ev)
        if a.blank_lines and rng.chance(0.01):
            buf.append(rng.pick(("", "   ", "\r")) + "\n")
        buf.append(line + ("\r\n" if a.blank_lines and rng.chance(0.05) else "\n"))
        if len(buf) >= 4096:
            out.write("".join(buf))
            buf.clear()
    out.write("".join(buf))
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
