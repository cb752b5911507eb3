#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The man pages cannot drift from the program.

- every command that `codebook --help` lists has a page codebook-CMD.1;
- every option in a command's --help (and in `codebook --help`, and in
  `codebook-tiktok-sim --help`) appears in its page;
- every option a page documents (its OPTIONS section) exists: it is in the
  --help text or in the command's option table (src/cli/cmd_CMD.c);
- every function libcodebook(3) names is declared in include/;
- every page a SEE ALSO names exists;
- when the pages were built (scdoc), each source has its page.

usage: check_man.py CODEBOOK SIM SOURCE_DIR BUILD_DIR
"""
import glob
import os
import re
import subprocess
import sys

codebook, sim, src, build = sys.argv[1:5]
mandir = os.path.join(src, "packaging", "man")
failures = []

FLAG = re.compile(r"(?<![\w-])(--?[A-Za-z][A-Za-z-]*)")


def run(*argv):
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


def page(name):
    path = os.path.join(mandir, name + ".scd")
    if not os.path.exists(path):
        failures.append(f"{name}: no page ({os.path.relpath(path, src)})")
        return None
    with open(path, encoding="utf-8") as f:
        return f.read()


def has_flag(text, flag):
    return re.search(r"(?<![\w-])" + re.escape(flag) + r"(?![\w-])", text) is not None


def options_section(text):
    m = re.search(r"^# OPTIONS\n(.*?)(?=^# )", text, re.S | re.M)
    return m.group(1) if m else ""


def documented_flags(text):
    """Flags on the term lines of OPTIONS (lines that start with *-)."""
    flags = set()
    for line in options_section(text).splitlines():
        if line.startswith("*-"):
            flags.update(FLAG.findall(line.replace("\\", "")))
    return flags


def source_flags(cmd):
    """The options the source declares for @cmd: its cli_opt table and
    actions (src/cli/cmd_CMD.c), and for serve and worker the table of
    settings (src/cli/config.c).  None when the file is not found."""
    path = os.path.join(src, "src", "cli", f"cmd_{cmd}.c")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        code = f.read()
    flags = set()
    for name, short in re.findall(r'\{\s*"([a-z][a-z-]*)",\s*(\'.\'|0)\s*,\s*(?:[01]\s*,|&)', code):
        flags.add("--" + name)
        if short != "0":
            flags.add("-" + short[1])
    config = os.path.join(src, "src", "cli", "config.c")
    if cmd in ("serve", "worker") and os.path.exists(config):
        with open(config, encoding="utf-8") as f:
            table = f.read()
        mine = "CFG_SERVE" if cmd == "serve" else "CFG_WORKER"
        for name, cmds, wflag, sshort, wshort in re.findall(
                r'\{\s*"([a-z][a-z-]*)",\s*"CODEBOOK_\w+",\s*(?:NULL|"\w+"),\s*(CFG_SERVE|CFG_WORKER|BOTH),'
                r'\s*(?:NULL|"([a-z-]+)"),\s*(\'.\'|0),\s*(\'.\'|0),', table):
            if cmds not in (mine, "BOTH"):
                continue
            flags.add("--" + (wflag if cmd == "worker" and wflag else name))
            short = wshort if cmd == "worker" else sshort
            if short != "0":
                flags.add("-" + short[1])
        flags.update("--" + n for n in re.findall(r'\(struct cli_opt\)\{\s*"([a-z-]+)"', table))
    return flags


def check(name, help_text, allowed=None):
    text = page(name)
    if text is None:
        return
    help_flags = set(FLAG.findall(help_text)) | {"--help"}
    for flag in sorted(help_flags):
        if not has_flag(text, flag):
            failures.append(f"{name}: {flag} is in --help but not in the page")
    known = help_flags | {"-h"} | (allowed or set()) | global_flags
    for flag in sorted(documented_flags(text)):
        if flag not in known:
            failures.append(f"{name}: the page documents {flag}, which the program does not know")


# --json is taken in any position by main (src/cli/main.c), so every page may list it
with open(os.path.join(src, "src", "cli", "main.c"), encoding="utf-8") as f:
    global_flags = {"--json"} if '"--json"' in f.read() else set()

top = run(codebook, "--help")
commands = re.findall(r"^  ([a-z][a-z-]*) ", top.split("commands:", 1)[1].split("\n\n", 1)[0], re.M)
if len(commands) < 5:
    failures.append(f"codebook --help lists {len(commands)} commands: {commands}")
check("codebook.1", top.split("commands:", 1)[0] + top.split("\n\n")[-1], {"--version", "--catalogs"})
for cmd in commands:
    text = page(f"codebook-{cmd}.1")
    if text is not None and not re.search(r"\*codebook-" + re.escape(cmd) + r"\*\(1\)", page("codebook.1") or ""):
        failures.append(f"codebook.1 does not refer to codebook-{cmd}(1)")
    check(f"codebook-{cmd}.1", run(codebook, cmd, "--help"), source_flags(cmd))
check("codebook-tiktok-sim.1", run(sim, "--help"), {"--verbose"})

# libcodebook(3): the functions it names exist (a name ending in _ stands for a family)
headers = "".join(open(h, encoding="utf-8").read()
                  for h in glob.glob(os.path.join(src, "include", "**", "*.h"), recursive=True))
lib = page("libcodebook.3") or ""
for fn in sorted(set(re.findall(r"\b(cb_[a-z0-9_]+)(?:\\\*)?\(", lib.replace("\\_", "_")))):
    if not re.search(r"\b" + re.escape(fn) + (r"" if fn.endswith("_") else r"\b"), headers):
        failures.append(f"libcodebook.3 names {fn}(), which include/ does not declare")

# SEE ALSO and references: pages of this project exist
pages = {os.path.basename(p)[:-4] for p in glob.glob(os.path.join(mandir, "*.scd"))}
for p in sorted(pages):
    for ref, sec in re.findall(r"\*((?:lib)?codebook[a-z-]*)\*\((\d)\)", page(p) or ""):
        if f"{ref}.{sec}" not in pages:
            failures.append(f"{p}: refers to {ref}({sec}), which has no page")

# the built pages (scdoc was there at configure time)
built = os.path.join(build, "man")
if os.path.isdir(built):
    for p in sorted(pages):
        out = os.path.join(built, p)
        if not os.path.exists(out) or os.path.getsize(out) == 0:
            failures.append(f"{p}: not built in {built}")
        elif not open(out, encoding="utf-8").read().startswith(".\\\" Generated by scdoc"):
            failures.append(f"{p}: {out} is not scdoc's output")

for f in failures:
    print("FAIL:", f)
print(f"man pages: {len(commands)} commands, {len(pages)} pages, {len(failures)} problems")
sys.exit(1 if failures else 0)
