#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Run the CLI cases in tests/cli/e2e/cases against the real codebook binary.

A case file holds one or more cases separated by lines of '---'.  Fields:
  name: text                  what the case shows (default: file name)
  args: codebook arguments    shell-quoted, like a command line
  stdin: text                 standard input (\\n escapes allowed)
  exit: N                     expected exit status (default 0)
  stdout: text                a line that must appear exactly in stdout
  stdout-contains: text       a substring of stdout
  stdout-lacks: text          a substring that must not appear
  stderr-contains: text       a substring of stderr
  json: {...}                 stdout is JSON and contains this (subset match)
  file-contains: PATH text    after the run, file PATH contains text
  env: NAME=value             an environment variable for the run (repeatable)
  file: NAME text             write {TMP}/NAME before the run (\\n escapes allowed)
Placeholders: {CATALOGS} bundled catalogs, {FIXTURES} tests/fixtures,
{TMP} a fresh directory per case, {SRC} the source tree.
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def subset(want, got, path="$"):
    """Return None when want is contained in got, else a description."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return f"{path}: expected an object, got {json.dumps(got)[:80]}"
        for k, v in want.items():
            if k not in got:
                return f"{path}.{k}: missing"
            err = subset(v, got[k], f"{path}.{k}")
            if err:
                return err
        return None
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) < len(want):
            return f"{path}: expected a list of at least {len(want)}, got {json.dumps(got)[:80]}"
        for i, v in enumerate(want):
            err = subset(v, got[i], f"{path}[{i}]")
            if err:
                return err
        return None
    return None if want == got else f"{path}: expected {json.dumps(want)}, got {json.dumps(got)}"


def parse(path):
    cases, cur = [], []
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.strip() == "---":
                cases.append(cur)
                cur = []
            elif line.strip() and not line.startswith("#"):
                key, _, val = line.partition(":")
                cur.append((key.strip(), val[1:] if val.startswith(" ") else val))
    cases.append(cur)
    return [c for c in cases if c]


def run_case(binary, fields, default_name):
    tmp = tempfile.mkdtemp(prefix="cbcli.")
    subst = {"{CATALOGS}": os.path.join(SRC, "catalogs"), "{FIXTURES}": os.path.join(SRC, "tests", "fixtures"),
             "{TMP}": tmp, "{SRC}": SRC}

    def fill(s):
        for k, v in subst.items():
            s = s.replace(k, v)
        return s

    name = default_name
    args, stdin, want_exit, checks, extra_env = None, None, 0, [], {}
    for key, val in fields:
        if key == "env":
            k, _, v = val.partition("=")
            extra_env[k] = fill(v)
        elif key == "file":
            fname, _, text = val.partition(" ")
            with open(os.path.join(tmp, fname), "w", encoding="utf-8") as f:
                f.write(fill(text).encode().decode("unicode_escape"))
        elif key == "name":
            name = f"{default_name}: {val}"
        elif key == "args":
            args = [fill(a) for a in shlex.split(val)]
        elif key == "stdin":
            stdin = fill(val).encode().decode("unicode_escape").encode("latin-1")
        elif key == "exit":
            want_exit = int(val)
        else:
            checks.append((key, fill(val)))
    if args is None:
        return name, ["no args: line"]
    # the cases set what they need: nothing of the caller's configuration leaks in
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODEBOOK_", "CB_TIKTOK_"))}
    env.update(extra_env)
    try:
        p = subprocess.run([binary] + args, input=stdin, capture_output=True, env=env, timeout=60)
    except subprocess.TimeoutExpired:
        return name, ["timed out after 60 s (a server that should have refused to start?)",
                      "command: codebook " + " ".join(shlex.quote(a) for a in args)]
    out, err = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    problems = []
    if p.returncode != want_exit:
        problems.append(f"exit {p.returncode}, expected {want_exit}")
    for key, val in checks:
        if key == "stdout" and val not in out.splitlines():
            problems.append(f"stdout lacks the line {val!r}")
        elif key == "stdout-contains" and val not in out:
            problems.append(f"stdout lacks {val!r}")
        elif key == "stdout-lacks" and val in out:
            problems.append(f"stdout has {val!r}")
        elif key == "stderr-contains" and val not in err:
            problems.append(f"stderr lacks {val!r}")
        elif key == "json":
            try:
                got = json.loads(out)
            except ValueError as e:
                problems.append(f"stdout is not JSON ({e})")
                continue
            diff = subset(json.loads(val), got)
            if diff:
                problems.append(f"json: {diff}")
        elif key == "file-contains":
            fpath, _, text = val.partition(" ")
            try:
                with open(fpath, encoding="utf-8") as f:
                    body = f.read()
            except OSError as e:
                problems.append(f"{fpath}: {e}")
                continue
            if text not in body:
                problems.append(f"{fpath} lacks {text!r}")
        elif key not in ("stdout", "stdout-contains", "stdout-lacks", "stderr-contains", "json", "file-contains"):
            problems.append(f"unknown field {key!r}")
    if problems:
        problems.append("command: codebook " + " ".join(shlex.quote(a) for a in args))
        problems.append("stdout: " + out[-1500:])
        problems.append("stderr: " + err[-800:])
    return name, problems


def main():
    binary, casedir = sys.argv[1], sys.argv[2]
    passed = failed = 0
    for fname in sorted(os.listdir(casedir)):
        if not fname.endswith(".case"):
            continue
        for i, fields in enumerate(parse(os.path.join(casedir, fname))):
            name, problems = run_case(binary, fields, f"{fname}#{i + 1}")
            if problems:
                failed += 1
                print(f"FAIL {name}")
                for pr in problems:
                    print("    " + pr.replace("\n", "\n    "))
            else:
                passed += 1
    print(f"cli cases: {passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
