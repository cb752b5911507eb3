#!/usr/bin/env python3
"""Run every command shown in the documentation and compare its output.

A fenced block whose first line starts with "$ " is a console session:
each "$ " line is a command (continued by the lines after it that start
with "> ", as a shell prompts for them, or after a trailing backslash), and
the lines up to the next command are its expected output (standard output
and standard error, as a terminal shows them).  The commands of one file run
in order in one bash process, in a scratch directory that sees the
repository's catalogs/, examples/, schemas/ and tests/, with the built
binaries first on PATH; variables set in one block are seen by the next.

When a file's sessions talk to http://localhost:8080, a `codebook serve`
is started for that file on a free loopback port (its database in the
scratch directory's var/codebook.db, the default of every command) and the
address is rewritten both ways.

Matching: "..." alone on a line stands for any lines (none included);
"..." inside a line for any text.  Timestamps, request ids, durations and
the speed line of `codebook validate` are masked on both sides.  A block preceded by
    <!-- doctest: skip REASON -->
is not run (the reason is printed); such blocks are counted in the summary.

usage: doctest.py [--update] BIN_DIR SOURCE_DIR FILE.md...
  --update  write the actual output into the files where it does not match
            (review the diff before committing)
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

MARK = "@@doctest-cmd-%d@@"
SKIP = re.compile(r"<!--\s*doctest:\s*skip\b\s*(.*?)\s*-->")
SERVER_ADDR = re.compile(r"(localhost|127\.0\.0\.1):8080")
MASKS = [
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"), "<TIME>"),
    (re.compile(r'("request_id":\s*")[^"]*(")'), r"\1<ID>\2"),
    (re.compile(r"((?i:x-request-id):\s*)\S+"), r"\1<ID>"),
    (re.compile(r'("(?:duration_ms|uptime_s)":\s*)[0-9.]+'), r"\1<N>"),
    (re.compile(r"(?i)^(date:\s*).*$"), r"\1<DATE>"),
    # codebook validate's speed line: the figures vary from run to run
    (re.compile(r"[0-9.]+ MB in [0-9.]+ s: [0-9]+ MB/s, [0-9]+ lines/s \([0-9]+ threads?\)"), "<SPEED>"),
]


class Block:
    def __init__(self, path, start, end, skip):
        self.path, self.start, self.end, self.skip = path, start, end, skip
        self.cmds = []          # (line number, command text, [expected lines])


def parse(path):
    """The console blocks of a Markdown file."""
    lines = open(path, encoding="utf-8").read().split("\n")
    blocks, i = [], 0
    while i < len(lines):
        if not lines[i].startswith("```"):
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        body = lines[i + 1:j]
        if body and body[0].startswith("$ "):
            prev = "\n".join(lines[max(0, i - 3):i])
            m = SKIP.search(prev)
            b = Block(path, i + 1, j, m.group(1) if m else None)
            k = 0
            while k < len(body):
                if not body[k].startswith("$ "):
                    k += 1
                    continue
                lineno, cmd = i + 2 + k, body[k][2:]
                while k + 1 < len(body) and (cmd.endswith("\\") or body[k + 1].startswith("> ")):
                    k += 1
                    cmd += "\n" + (body[k][2:] if body[k].startswith("> ") else body[k])
                k += 1
                out = []
                while k < len(body) and not body[k].startswith("$ "):
                    out.append(body[k])
                    k += 1
                while out and out[-1] == "":
                    out.pop()
                b.cmds.append((lineno, cmd, out))
            blocks.append(b)
        i = j + 1
    return blocks


def mask(text):
    out = []
    for line in text.split("\n"):
        line = line.rstrip()
        for rx, rep in MASKS:
            line = rx.sub(rep, line)
        out.append(line)
    return out


def matches(expected, actual):
    """Does the actual output (lines) match the expected lines with "..."?"""
    parts = []
    for line in expected:
        if line.strip() == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(".*?".join(re.escape(p) for p in line.split("...")) + r"\n")
    rx = "".join(parts)
    return re.fullmatch(rx, "\n".join(actual) + "\n" if actual else "", re.S) is not None \
        or (not expected and not actual)


class Server:
    def __init__(self, bindir, work):
        self.log = open(os.path.join(work, "doctest-server.log"), "w")
        self.proc = subprocess.Popen(
            [os.path.join(bindir, "codebook"), "serve", "--listen", "127.0.0.1:0", "--no-request-log"],
            cwd=work, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.addr = None
        deadline = time.time() + 20
        while time.time() < deadline and self.addr is None:
            time.sleep(0.05)
            for line in open(self.log.name):
                m = re.search(r'"url":"http://([^"]+)"', line)
                if m and '"ready"' in line:
                    self.addr = m.group(1)
            if self.proc.poll() is not None:
                break
        if self.addr is None:
            self.stop()
            raise RuntimeError("codebook serve did not start: " + open(self.log.name).read()[-2000:])

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def scratch(src):
    work = tempfile.mkdtemp(prefix="doctest-")
    for name in ("catalogs", "examples", "schemas", "tests", "docs", "include"):
        if os.path.exists(os.path.join(src, name)):
            os.symlink(os.path.join(src, name), os.path.join(work, name))
    return work


def run_file(path, bindir, src, update):
    blocks = [b for b in parse(path)]
    runnable = [b for b in blocks if b.skip is None]
    nskip = sum(len(b.cmds) for b in blocks if b.skip is not None)
    for b in blocks:
        if b.skip is not None:
            print("  skip %s:%d: %s" % (os.path.relpath(path, src), b.start, b.skip or "(no reason)"))
    cmds = [(b, c) for b in runnable for c in b.cmds]
    if not cmds:
        return 0, 0, nskip, []
    work = scratch(src)
    server = None
    try:
        if any(SERVER_ADDR.search(c[1]) for _, c in cmds):
            server = Server(bindir, work)
        script = ["exec 2>&1", "set +e"]
        # $? after each marker is the status of the command before it, so a
        # session may show `echo $?`
        script.append("__doctest_status=0")
        for i, (_, (_, cmd, _)) in enumerate(cmds):
            if server is not None:
                cmd = SERVER_ADDR.sub(server.addr, cmd)
            script.append("echo '%s'; ( exit $__doctest_status )" % (MARK % i))
            script.append(cmd)
            script.append("__doctest_status=$?")
        script.append("echo '%s'" % (MARK % len(cmds)))
        env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""), HOME=work,
                   LC_ALL="C.UTF-8", COLUMNS="100", NO_COLOR="1")
        for k in ("CODEBOOK_CATALOGS", "CB_TIKTOK_CONFIG", "CB_TIKTOK_SHOP"):
            env.pop(k, None)
        p = subprocess.run(["bash", "--noprofile", "--norc"], input="\n".join(script) + "\n",
                           capture_output=True, text=True, cwd=work, env=env, timeout=300)
        text = p.stdout
        if server is not None:
            text = text.replace(server.addr, "localhost:8080")
        outs = []
        for i in range(len(cmds)):
            a = text.find(MARK % i)
            z = text.find(MARK % (i + 1))
            chunk = text[a + len(MARK % i) + 1:z] if a >= 0 and z >= 0 else "<no output: the session ended early>"
            outs.append(chunk.rstrip("\n"))
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
    failures = []
    for (b, (lineno, cmd, expected)), actual in zip(cmds, outs):
        if not matches(mask("\n".join(expected)) if expected else [], mask(actual) if actual else []):
            failures.append((b, lineno, cmd, expected, actual))
    return len(cmds), len(failures), nskip, failures


def rewrite(path, failures):
    lines = open(path, encoding="utf-8").read().split("\n")
    # from the bottom up, so line numbers stay valid
    for b, lineno, cmd, expected, actual in sorted(failures, key=lambda f: -f[1]):
        first = lineno - 1 + cmd.count("\n") + 1
        last = first
        while last < b.end and not lines[last].startswith("$ ") and last < len(lines) \
                and not lines[last].startswith("```"):
            last += 1
        # keep one blank line before the next command, as written
        trail = []
        while last - 1 >= first and lines[last - 1] == "":
            last -= 1
            trail.append("")
        lines[first:last] = (actual.split("\n") if actual else [])
    open(path, "w", encoding="utf-8").write("\n".join(lines))


def main(argv):
    update = "--update" in argv
    args = [a for a in argv[1:] if a != "--update"]
    if len(args) < 3:
        print(__doc__)
        return 2
    bindir, src, files = os.path.abspath(args[0]), os.path.abspath(args[1]), args[2:]
    total = failed = skipped = 0
    for f in files:
        path = os.path.abspath(f)
        n, nf, ns, failures = run_file(path, bindir, src, update)
        total, failed, skipped = total + n, failed + nf, skipped + ns
        rel = os.path.relpath(path, src)
        print("%s: %d commands, %d failed, %d skipped" % (rel, n, nf, ns))
        for b, lineno, cmd, expected, actual in failures:
            print("--- %s:%d: $ %s" % (rel, lineno, cmd))
            print("    expected:\n" + "\n".join("      " + x for x in expected))
            print("    actual:\n" + "\n".join("      " + x for x in actual.split("\n")))
        if update and failures:
            rewrite(path, failures)
    print("doctest: %d commands, %d passed, %d failed, %d skipped" % (total, total - failed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
