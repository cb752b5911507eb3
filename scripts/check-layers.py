#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Fail when an #include or a call crosses a module boundary the wrong way.

The modules and the direction of their dependencies are those of
docs/internals/architecture.md:

    util, shim  ->  lib  ->  view, store, market  ->  orders  ->  svc  ->  cli

A module may include the public headers of the modules below it, never a
private header (*_int.h) of another module, and never a header of a module
above it.  Calls are checked by name: a function belongs to the module whose
header declares it, and a call into a module that the caller may not depend
on is reported with file and line.

usage: check-layers.py [SOURCE_DIR]    (exit 1 and one line per crossing)
"""
import os
import re
import sys

# module -> the modules it may depend on (itself always allowed)
ALLOWED = {
    "util":   set(),
    "shim":   set(),
    "lib":    {"util", "shim", "include"},
    "view":   {"util", "include", "lib.public"},
    "store":  {"util", "include", "lib.public"},
    "market": {"util", "shim", "include", "lib.public"},
    "orders": {"util", "shim", "include", "lib.public", "store", "market"},
    "svc":    {"util", "shim", "include", "lib.public", "view", "store", "orders"},
    "cli":    {"util", "shim", "include", "lib.public", "view", "store", "market", "orders", "svc"},
    # the marketplace simulator stands beside the product: it shares the
    # marketplace client's tables and parsers (its private header too),
    # nothing above them
    "tools":  {"util", "shim", "include", "lib.public", "market", "market.private"},
}

# A function belongs to the module whose header declares it.
DECL = re.compile(r'^[A-Za-z_][\w \t\*]*?\b((?:cb|svc|cli)_[A-Za-z0-9_]*)\s*\(', re.M)

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
CALL = re.compile(r'\b((?:cb|svc|cli)_[A-Za-z0-9_]*)\s*\(')


def module_of(path):
    parts = path.split(os.sep)
    if parts[0] == "src" and len(parts) > 2:
        return parts[1]
    if parts[0] == "tools":
        return "tools"
    if parts[0] == "include":
        return "include"
    return None


def index_headers(root):
    """basename -> relative path of every header under src/, tools/, include/"""
    idx = {}
    for top in ("src", "tools", "include"):
        for dp, _, files in os.walk(os.path.join(root, top)):
            for f in files:
                if f.endswith(".h"):
                    rel = os.path.relpath(os.path.join(dp, f), root)
                    idx.setdefault(f, []).append(rel)
    return idx


def resolve(root, src_rel, inc, idx):
    cand = os.path.normpath(os.path.join(os.path.dirname(src_rel), inc))
    if os.path.exists(os.path.join(root, cand)):
        return cand
    for base in ("src", "include"):
        cand = os.path.normpath(os.path.join(base, inc))
        if os.path.exists(os.path.join(root, cand)):
            return cand
    hits = idx.get(os.path.basename(inc), [])
    return hits[0] if len(hits) == 1 else None


def header_kind(rel):
    """(module, private?) of a header"""
    mod = module_of(rel)
    return mod, rel.endswith("_int.h")


def index_functions(root, idx):
    """function name -> module of the header that declares it"""
    owners = {}
    for paths in idx.values():
        for rel in paths:
            mod = module_of(rel)
            if mod == "include":
                mod = "lib.public"
            text = open(os.path.join(root, rel), encoding="utf-8", errors="replace").read()
            text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
            for m in DECL.finditer(text):
                owners.setdefault(m.group(1), mod)
    return owners


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
    idx = index_headers(root)
    owners = index_functions(root, idx)
    problems = []
    files = 0
    for top in ("src", "tools"):
        for dp, _, names in os.walk(os.path.join(root, top)):
            for f in sorted(names):
                if not f.endswith((".c", ".h", ".cpp")):
                    continue
                rel = os.path.relpath(os.path.join(dp, f), root)
                me = module_of(rel)
                if me not in ALLOWED:
                    continue
                files += 1
                text = open(os.path.join(root, rel), encoding="utf-8", errors="replace").read()
                allowed = ALLOWED[me]
                for m in INCLUDE.finditer(text):
                    line = text.count("\n", 0, m.start()) + 1
                    target = resolve(root, rel, m.group(1), idx)
                    if target is None:
                        continue  # a generated or system header
                    mod, private = header_kind(target)
                    if mod == me or mod is None:
                        continue
                    if mod == "lib":
                        ok = "lib" in allowed or ("lib.public" in allowed and not private)
                    elif private:
                        ok = mod + ".private" in allowed
                    else:
                        ok = mod in allowed
                    if not ok:
                        problems.append("%s:%d: %s includes %s (%s may not depend on %s%s)" % (
                            rel, line, me, target, me, mod, ", a private header" if private else ""))
                # calls: strip comments and strings first
                code = re.sub(r"/\*.*?\*/", lambda x: "\n" * x.group(0).count("\n"), text, flags=re.S)
                code = re.sub(r'"(?:\\.|[^"\\\n])*"', '""', code)
                for m in CALL.finditer(code):
                    owner = owners.get(m.group(1))
                    if owner is None or owner == me or owner in allowed or \
                            (owner == "lib.public" and me == "lib"):
                        continue
                    line = code.count("\n", 0, m.start()) + 1
                    problems.append("%s:%d: %s calls %s, which belongs to %s (%s may not depend on %s)" % (
                        rel, line, me, m.group(1), owner, me, owner))
    for p in problems:
        print(p)
    print("check-layers: %d files, %d crossing(s)" % (files, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
