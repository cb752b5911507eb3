#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Agreement test: `codebook validate` says of each line what `codebook check`
says of its code, whatever the number of threads.

For a few generated files (bench/validate/gen.py: a few thousand events,
about 10 % invalid in every way, blank lines, CR LF, a byte-order mark), the
expected verdict of every line is worked out independently: the line is
parsed with Python's json module (strict: no NaN or Infinity), its shape is
checked here, and its code is judged by `codebook --json check` in the
context taken from the line.  `codebook validate --format ndjson` must name
exactly the same invalid lines with the same reasons, and give the same
summary, with --threads 1, 2 and 3 and with small and large work units.

  agree.py CODEBOOK SOURCE_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

CODEBOOK, SRC = sys.argv[1], sys.argv[2]
GEN = os.path.join(SRC, "bench", "validate", "gen.py")


def no_constants(name):
    raise ValueError("not JSON: " + name)


def get(obj, path):
    for k in path.split("."):
        if not isinstance(obj, dict) or k not in obj:
            return None, False
        obj = obj[k]
    return obj, True


def structural(line, field, ctx):
    """(fault, code, context values) of one line, before the check."""
    try:
        doc = json.loads(line, parse_constant=no_constants)
    except ValueError:
        return "not-json", None, None
    if not isinstance(doc, dict):
        return "not-object", None, None
    code, found = get(doc, field)
    if not found:
        return "missing-field", None, None
    if not isinstance(code, str):
        return "not-string", None, None
    values = []
    for dim, fld in ctx:
        v, found = get(doc, fld)
        if not found:
            return "missing-field", code, None
        if isinstance(v, bool) or not isinstance(v, (str, int)):
            return "not-string", code, None
        values.append((dim, str(v)))
    return None, code, tuple(values)


def check_all(setname, pairs):
    """{(code, ctx): (accepted, reason)} from `codebook check`, 200 codes a call."""
    by_ctx = {}
    for code, ctx in pairs:
        by_ctx.setdefault(ctx, set()).add(code)
    out = {}
    for ctx, codes in by_ctx.items():
        codes = sorted(codes)
        for i in range(0, len(codes), 200):
            batch = codes[i:i + 200]
            args = [CODEBOOK, "--json", "check", setname]
            for dim, val in ctx:
                args += ["--context", "%s=%s" % (dim, val)]
            args += ["--"] + batch
            res = subprocess.run(args, capture_output=True, text=True)
            if res.returncode not in (0, 1):
                sys.exit("check failed: %s\n%s" % (" ".join(args), res.stderr))
            got = json.loads(res.stdout)
            if isinstance(got, dict):
                got = [got]
            for code, r in zip(batch, got):
                assert r["code"] == code, (r["code"], code)
                out[(code, ctx)] = (r["valid"], r["reason"])
    return out


def expected(path, setname, field, ctx):
    """{line number: reason} for invalid lines, and the counts."""
    with open(path, "rb") as f:
        data = f.read()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    raw = data.split(b"\n")
    if raw and raw[-1] == b"":
        raw.pop()
    lines, pending = [], []
    for n, b in enumerate(raw, 1):
        if b.endswith(b"\r"):
            b = b[:-1]
        if not b.strip(b" \t\r"):
            continue
        try:
            text = b.decode("utf-8")
        except UnicodeDecodeError:
            lines.append((n, "not-json"))
            continue
        fault, code, values = structural(text, field, ctx)
        if fault:
            lines.append((n, fault))
        else:
            lines.append((n, (code, values)))
            pending.append((code, values))
    verdicts = check_all(setname, set(pending))
    invalid, valid = {}, 0
    for n, v in lines:
        if isinstance(v, str):
            invalid[n] = v
        else:
            ok, reason = verdicts[v]
            if ok:
                valid += 1
            else:
                invalid[n] = reason
    return invalid, len(lines), valid


def run_validate(path, setname, field, ctx, threads, block):
    args = [CODEBOOK, "validate", setname, path, "--format", "ndjson", "--max-errors", "all",
            "--threads", str(threads), "--block-size", str(block), "--field", field]
    for dim, fld in ctx:
        args += ["--context", "%s=%s" % (dim, fld)]
    res = subprocess.run(args, capture_output=True, text=True)
    if res.returncode not in (0, 1):
        sys.exit("validate failed (%d): %s\n%s" % (res.returncode, " ".join(args), res.stderr))
    errors, summary = {}, None
    for line in res.stdout.splitlines():
        rec = json.loads(line)
        if "summary" in rec:
            summary = rec["summary"]
        else:
            assert rec["line"] not in errors, "line %d reported twice" % rec["line"]
            errors[rec["line"]] = rec["reason"]
    want_exit = 1 if errors else 0
    if res.returncode != want_exit:
        sys.exit("validate exited %d, expected %d" % (res.returncode, want_exit))
    return errors, summary


def main():
    failures = 0
    scenarios = [
        ("outbound", "reason_code", [], ["--blank-lines"], False),
        ("outbound", "event.reason_code", [], ["--field", "event.reason_code", "--invalid-rate", "0.1"], True),
        ("qe-reason", "reason_code", [("rule", "rule")], ["--context", "rule=rule", "--invalid-rate", "0.1",
                                                          "--blank-lines"], True),
    ]
    with tempfile.TemporaryDirectory(prefix="cbagree.") as tmp:
        for i, (setname, field, ctx, genargs, bom) in enumerate(scenarios):
            path = os.path.join(tmp, "events%d.ndjson" % i)
            catalog = os.path.join(SRC, "catalogs", setname + ".json")
            subprocess.run([sys.executable, GEN, catalog, "--lines", "3000", "--seed", str(7 + i), "-o", path]
                           + genargs, check=True)
            if bom:
                with open(path, "rb") as f:
                    data = f.read()
                with open(path, "wb") as f:
                    f.write(b"\xef\xbb\xbf" + data)
            want, nlines, nvalid = expected(path, setname, field, ctx)
            reasons = sorted(set(want.values()))
            print("%s (%s): %d lines, %d invalid: %s" % (setname, os.path.basename(path), nlines, len(want),
                                                         ", ".join(reasons)))
            if len(want) < 20:
                print("  too few invalid lines to mean anything")
                failures += 1
            for threads in (1, 2, 3):
                for block in (1 << 20, 4096, 333):
                    got, summary = run_validate(path, setname, field, ctx, threads, block)
                    tag = "threads %d, block %d" % (threads, block)
                    if got != want:
                        failures += 1
                        diff = sorted(set(got.items()) ^ set(want.items()))[:10]
                        print("  FAIL %s: validate and check disagree, first differences: %s" % (tag, diff))
                        continue
                    if summary["lines"] != nlines or summary["valid"] != nvalid or \
                            summary["invalid"] != len(want):
                        failures += 1
                        print("  FAIL %s: summary %s" % (tag, summary))
                        continue
                    counts = {}
                    for r in want.values():
                        counts[r] = counts.get(r, 0) + 1
                    if summary["by_reason"] != counts:
                        failures += 1
                        print("  FAIL %s: by_reason %s, expected %s" % (tag, summary["by_reason"], counts))
            print("  agree with check across --threads 1/2/3 and work units of 1 MiB, 4 KiB, 333 B")
    if failures:
        sys.exit("%d failures" % failures)


if __name__ == "__main__":
    main()
