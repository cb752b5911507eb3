#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""bench/validate: codebook validate against the tools users would otherwise
reach for, on one generated file, in one go.

  bench/validate/run.sh [--lines N] [--runs K] [--no-python] [--codebook PATH]

1. Generates (once, cached in bench/validate/work/) a deterministic file of N
   events (default 1,000,000, about 370 bytes each, ~2 % invalid in every way
   codebook validate reports, lines that are not JSON included): gen.py.
2. Exports the set's JSON Schema with `codebook export outbound --format
   jsonschema`, and installs ajv 8 from the npm registry into
   bench/validate/node_modules (gitignored; only the bench needs it).
3. Runs, on the same file: `cat > /dev/null` (the I/O floor),
   `codebook validate` with --threads 1 and 2, a Node script using ajv 8 over
   the exported schema, and Python's jsonschema (Debian's python3-jsonschema).
   Each is timed from start to exit, best of K runs (the slow Python peer:
   one run).  Every validator writes the numbers of the invalid lines; they
   must be the same for all, else the bench fails.
4. Prints seconds, MB/s, events/s and the ratio of codebook to each peer,
   and whether the targets of issue 3 are met.
"""
import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
WORK = os.path.join(HERE, "work")
PY = "/usr/bin/python3"


def sh(args, **kw):
    return subprocess.run(args, check=True, **kw)


def timed(args, out_path):
    """Seconds from start to exit; stdout to out_path."""
    with open(out_path, "wb") as out:
        t = time.perf_counter()
        p = subprocess.run(args, stdout=out, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        dt = time.perf_counter() - t
    return dt, p


def best_of(n, args, out_path, ok_codes=(0,)):
    best, last = None, None
    for _ in range(n):
        dt, p = timed(args, out_path)
        if p.returncode not in ok_codes:
            sys.exit("%s exited %d:\n%s" % (" ".join(args), p.returncode, p.stderr.decode()[-2000:]))
        last = p
        best = dt if best is None or dt < best else best
    return best, last


def line_numbers(path):
    with open(path) as f:
        return [int(x) for x in f.read().split()]


def codebook_lines(path):
    nums, summary = [], None
    with open(path) as f:
        for line in f:
            rec = json.loads(line)
            if "summary" in rec:
                summary = rec["summary"]
            else:
                nums.append(rec["line"])
    return nums, summary


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def main():
    ap = argparse.ArgumentParser(description="benchmark codebook validate against its peers")
    ap.add_argument("--lines", type=int, default=1000000)
    ap.add_argument("--runs", type=int, default=5, help="runs of the fast validators; the best counts")
    ap.add_argument("--no-python", action="store_true", help="skip the (slow) Python peer")
    ap.add_argument("--codebook", default=os.environ.get("CODEBOOK", os.path.join(ROOT, "build", "bin", "codebook")))
    ap.add_argument("--set", default="outbound")
    a = ap.parse_args()

    if not os.access(a.codebook, os.X_OK):
        sys.exit("no codebook binary at %s: build first (make), or pass --codebook" % a.codebook)
    os.makedirs(WORK, exist_ok=True)

    # 1. the events, regenerated only when the generator or its arguments change
    gen = os.path.join(HERE, "gen.py")
    catalog = os.path.join(ROOT, "catalogs", a.set + ".json")
    with open(gen, "rb") as f:
        stamp = hashlib.sha256(f.read() + repr((a.lines, a.set)).encode()).hexdigest()[:16]
    events = os.path.join(WORK, "events-%s-%d-%s.ndjson" % (a.set, a.lines, stamp))
    if not os.path.exists(events):
        print("generating %s ..." % os.path.basename(events), flush=True)
        sh([PY, gen, catalog, "--lines", str(a.lines), "-o", events + ".tmp"])
        os.rename(events + ".tmp", events)
    size = os.path.getsize(events)

    # 2. the schema, and ajv
    schema = os.path.join(WORK, a.set + ".schema.json")
    with open(schema, "wb") as f:
        sh([a.codebook, "export", a.set, "--format", "jsonschema"], stdout=f)
    if not os.path.exists(os.path.join(HERE, "node_modules", "ajv", "package.json")):
        print("installing ajv 8 from the npm registry into bench/validate/node_modules ...", flush=True)
        sh(["npm", "install", "--prefix", HERE, "--no-audit", "--no-fund", "--no-package-lock",
            "--loglevel=error"])
    node_version = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    with open(os.path.join(HERE, "node_modules", "ajv", "package.json")) as f:
        ajv_version = json.load(f)["version"]
    js_version = subprocess.run([PY, "-c", "from importlib.metadata import version; print(version('jsonschema'))"],
                                capture_output=True, text=True).stdout.strip()

    print("\nfile: %s, %d events, %.1f MB (%.0f bytes per event)" % (os.path.relpath(events, ROOT), a.lines,
                                                                    size / 1e6, size / a.lines))
    print("machine: %s, %d cores, Linux %s; load average %s" % (cpu_model(), os.cpu_count(), platform.release(),
                                                               " ".join("%.2f" % x for x in os.getloadavg())))
    print("peers: node %s + ajv %s; python %s + jsonschema %s\n" % (node_version, ajv_version,
                                                                  platform.python_version(), js_version), flush=True)

    # the reference: a bare simdjson loop, built now against the same library
    bare = os.path.join(WORK, "bare")
    src = os.path.join(HERE, "bare.cpp")
    if not os.path.exists(bare) or os.path.getmtime(bare) < os.path.getmtime(src):
        sh(["g++", "-O2", "-std=c++17", "-o", bare, src, "-lsimdjson"])

    results = []  # (name, seconds, lines_or_None, invalid line numbers or None)
    t, _ = best_of(a.runs, ["cat", events], os.devnull)
    results.append(("cat > /dev/null (I/O floor)", t, None, None))
    t, p = best_of(a.runs, [bare, events], os.path.join(WORK, "bare.txt"))
    with open(os.path.join(WORK, "bare.txt")) as f:
        bare_note = f.read().strip()
    results.append(("bare simdjson loop (reference)", t, None, None))
    cb_out = {}
    for threads in (1, 2):
        out = os.path.join(WORK, "codebook-t%d.ndjson" % threads)
        t, _ = best_of(a.runs, [a.codebook, "validate", a.set, events, "--threads", str(threads),
                                "--format", "ndjson", "--max-errors", "all"], out, ok_codes=(0, 1))
        nums, summary = codebook_lines(out)
        cb_out[threads] = summary
        results.append(("codebook validate --threads %d" % threads, t, summary["lines"], nums))
    out = os.path.join(WORK, "ajv.txt")
    t, p = best_of(max(1, a.runs // 2), ["node", os.path.join(HERE, "ajv-validate.mjs"), schema, "reason_code", events],
                   out)
    results.append(("node + ajv %s" % ajv_version, t, int(p.stderr.split()[-1]), line_numbers(out)))
    if not a.no_python:
        print("running the Python peer (about a minute) ...", flush=True)
        out = os.path.join(WORK, "jsonschema.txt")
        t, p = best_of(1, [PY, os.path.join(HERE, "jsonschema-validate.py"), schema, "reason_code", events], out)
        results.append(("python3 + jsonschema %s" % js_version, t, int(p.stderr.split()[-1]), line_numbers(out)))

    # every validator must name the same invalid lines
    cb1 = 2     # results[cb1]: codebook --threads 1
    ref_name, ref = results[cb1][0], results[cb1][3]
    agree = True
    for name, _, lines, nums in results[cb1 + 1:]:
        if nums != ref:
            agree = False
            only_a = sorted(set(ref) - set(nums))[:10]
            only_b = sorted(set(nums) - set(ref))[:10]
            print("DISAGREE: %s and %s: only in codebook %s, only in %s %s" % (ref_name, name, only_a, name, only_b))
        if lines is not None and lines != results[cb1][2]:
            agree = False
            print("DISAGREE: %s counts %d lines, codebook %d" % (name, lines, results[cb1][2]))

    t1 = results[cb1][1]
    print("%-34s %9s %10s %12s %16s" % ("", "seconds", "MB/s", "events/s", "codebook -t1 is"))
    for i, (name, t, lines, nums) in enumerate(results):
        eps = "%12.0f" % (a.lines / t) if i != 0 else "%12s" % "-"
        if i == cb1:
            ratio = ""
        elif i == cb1 + 1:
            ratio = "(-t2: %.2fx -t1)" % (t1 / t)
        elif i > cb1 + 1:
            ratio = "%.1fx faster" % (t / t1)
        else:
            ratio = "at %.0f%% of its speed" % (100 * t / t1)
        print("%-34s %9.3f %10.0f %s   %s" % (name, t, size / 1e6 / t, eps, ratio))
    print("\nbare loop: %s" % bare_note)
    print("invalid lines: %d of %d, the same line numbers for every validator: %s" %
          (len(ref), results[cb1][2], "yes" if agree else "NO"))
    s = cb_out[1]
    print("by reason: %s" % ", ".join("%s %d" % kv for kv in s["by_reason"].items()))

    t2 = results[cb1 + 1][1]
    node_t = results[cb1 + 2][1]
    checks = [("single thread: >= 1500 MB/s", size / 1e6 / t1 >= 1500, "%.0f MB/s" % (size / 1e6 / t1)),
              (">= 10x node + ajv", node_t / t1 >= 10, "%.1fx" % (node_t / t1)),
              ("two threads >= 1.7x one", t1 / t2 >= 1.7, "%.2fx" % (t1 / t2))]
    if not a.no_python:
        py_t = results[cb1 + 3][1]
        checks.insert(2, (">= 100x python + jsonschema", py_t / t1 >= 100, "%.0fx" % (py_t / t1)))
    print("\ntargets (issue 3):")
    for what, ok, got in checks:
        print("  %-30s %-6s %s" % (what, "met" if ok else "MISSED", got))
    if not agree:
        sys.exit(1)


if __name__ == "__main__":
    main()
