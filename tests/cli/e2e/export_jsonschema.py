#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The exported JSON Schema accepts exactly what `codebook check` accepts.

For every bundled set: export the schema with the real binary, validate it
as a 2020-12 schema, then run a few hundred candidate codes (every code of
the set, and variants that break case, characters, shape and category)
through both Python's jsonschema (Debian's python3-jsonschema) and
`codebook check --json`; the verdicts must agree on every candidate.
"""
import json
import subprocess
import sys

import jsonschema

binary = sys.argv[1]


def run(*args):
    p = subprocess.run([binary, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


rc, out, err = run("--json", "list")
assert rc == 0, err
sets = [s["name"] for s in json.loads(out)["sets"]]
problems = []
total = 0
for name in sets:
    rc, out, err = run("export", name, "--format", "jsonschema")
    assert rc == 0, err
    schema = json.loads(out)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    validator = jsonschema.Draft202012Validator(schema)
    rc, out, err = run("--json", "show", name)
    codes = [e["code"] for e in json.loads(out)["entries"] if e.get("code")]
    cands = set(codes)
    for c in codes:
        cands |= {c.lower(), c.upper(), c + " ", " " + c, c[:-1], c + "X", c.replace(".", ""),
                  c.replace("_", "-"), "NOPE." + c.split(".")[-1], c + "\t", c.replace("-", "+")}
    cands |= {"", ".", "-", "A", "0", "é", "FRAUD.ÇHARGEBACK", "x" * 300}
    cands = sorted(c for c in cands if "\0" not in c)
    verdicts = {}
    for i in range(0, len(cands), 200):
        chunk = cands[i:i + 200]
        rc, out, err = run("--json", "check", name, "--", *chunk)
        assert rc in (0, 1), err
        res = json.loads(out)
        if isinstance(res, dict):
            res = [res]
        for c, r in zip(chunk, res):
            assert r["code"] == c, (r["code"], c)
            verdicts[c] = r["valid"]
    for c in cands:
        total += 1
        schema_ok = validator.is_valid(c)
        if schema_ok != verdicts[c]:
            problems.append(f"{name}: {c!r}: schema says {schema_ok}, check says {verdicts[c]}")
    # non-strings are never codes
    for v in (1, None, [], {}, True):
        total += 1
        if validator.is_valid(v):
            problems.append(f"{name}: schema accepts {v!r}")
for p in problems:
    print("FAIL", p)
print(f"jsonschema agreement: {total - len(problems)} of {total} candidates agree across {len(sets)} sets")
sys.exit(1 if problems else 0)
