#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Run every command shown in the documentation and compare its output.

A fenced block whose first line starts with "$ " is a console session:
each "$ " line is a command (continued by the lines after it that start
with "> ", as a shell prompts for them, or after a trailing backslash), and
the lines up to the next command are its expected output (standard output
and standard error, as a terminal shows them).  The commands of one file run
in order in one bash process, one at a time, in a scratch directory that
sees the repository's catalogs/, examples/, schemas/, tests/ and tools/,
with the built binaries first on PATH; variables set in one block are seen
by the next, and `echo $?` sees the command before it.  A command reads no
standard input (it gets /dev/null).

A command ending in "&" runs in the background, as a reader's would: its
output (standard output and error, into one file) is shown once it has
printed as many lines as the page shows (at most 20 s), and it is stopped by
PID when the file is done.  A loopback address (127.0.0.1:PORT,
localhost:PORT) that a command prints where the page shows another port
stands for the page's from then on: later commands use the real one, and
outputs show the page's.

When a file's sessions talk to http://localhost:8080, a `codebook serve`
is started for that file on a free loopback port (its database in the
scratch directory's var/codebook.db, the default of every command) and the
address is rewritten both ways.

File-level directives (HTML comments, anywhere in the file, invisible when
the page is rendered):

    <!-- doctest: setup
    SHELL LINES
    -->
        run first, in the same bash process, under `set -e`; their output is
        shown only if one fails (then the file fails).  Besides any command,
        they may use
          doctest_bg NAME CMD [ARG...]  start CMD in the background (stdout in
                                        .doctest/NAME.out, stderr in
                                        .doctest/NAME.log); it is stopped by
                                        PID when the file is done
          doctest_url NAME              wait (at most 20 s) for the first line
                                        NAME printed, e.g. a server's URL, and
                                        print it
        What they set is seen by the sessions; what they export, by the
        service too.
    <!-- doctest: serve FLAGS -->
        more flags for the `codebook serve` above (started after the setup).

Matching: "..." alone on a line stands for any lines (none included);
"..." inside a line (with the spaces around it) for any text on that line.
HTTP Date headers are left out of both sides.  Values that differ from run to run are
masked on both sides: API keys, timestamps, request ids (the service's, and the date
and time in the marketplace simulator's), durations, Unix times (ten
digits), the signature of a marketplace request, a worker's id, and the
speed line of `codebook validate`.  A block preceded by
    <!-- doctest: skip REASON -->
is not run (the reason is printed); such blocks are counted in the summary.

usage: doctest.py [--update] BIN_DIR SOURCE_DIR FILE.md...
  --update  write the actual output into the files where it does not match
            (review the diff before committing)
"""
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

SKIP = re.compile(r"<!--\s*doctest:\s*skip\b\s*(.*?)\s*-->")
SETUP = re.compile(r"<!--\s*doctest:\s*setup\b(.*?)-->", re.S)
SERVE = re.compile(r"<!--\s*doctest:\s*serve\b(.*?)-->", re.S)
SERVER_ADDR = re.compile(r"(localhost|127\.0\.0\.1):8080")
LOOPBACK = re.compile(r"(?:localhost|127\.0\.0\.1):\d+")
BACKGROUND = re.compile(r"(?<![&|])&\s*$")
CMD_TIMEOUT = 120       # seconds, one command
WAIT_TIMEOUT = 20       # seconds, a server's start
MASKS = [
    # API keys and their public ids: random for every key made
    (re.compile(r"cbk_[0-9a-f]{4,}"), "cbk_<KEY>"),
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"), "<TIME>"),
    (re.compile(r'("request_id":\s*")[^"]*(")'), r"\1<ID>\2"),
    (re.compile(r"((?i:x-request-id):\s*)\S+"), r"\1<ID>"),
    (re.compile(r'("(?:duration_ms|uptime_s)":\s*)[0-9.]+'), r"\1<N>"),
    (re.compile(r"(?i)^(date:\s*).*$"), r"\1<DATE>"),
    # codebook validate's speed line: the figures vary from run to run
    (re.compile(r"[0-9.]+ MB in [0-9.]+ s: [0-9]+ MB/s, [0-9]+ lines/s \([0-9]+ threads?\)"), "<SPEED>"),
    # the marketplace simulator's request ids: its clock, then a sequence number
    (re.compile(r"\b20\d{12}(0101[0-9A-F]{16})\b"), r"<STAMP>\1"),
    # a signed marketplace request: its signature; the time it took
    (re.compile(r"([?&]sign=)[0-9a-f]{64}"), r"\1<SIGN>"),
    (re.compile(r"(?<![\d.])1[6-9]\d{8}(?![\d.])"), "<UNIX-TIME>"),
    (re.compile(r"^(tiktok: .*)\(\d+ ms\)$"), r"\1(<N> ms)"),
    # a cancellation worker's id: host, pid, random
    (re.compile(r'("worker":")[^"]*(")'), r"\1<WORKER>\2"),
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
        if re.match(r"(?i)date: ", line):
            continue    # an HTTP response's Date header: never the same, never shown
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
            # within a line, "..." and the spaces around it stand for any text
            parts.append(r"[^\n]*?".join(re.escape(p) for p in re.split(r"\s*\.\.\.\s*", line)) + r"\n")
    rx = "".join(parts)
    return re.fullmatch(rx, "\n".join(actual) + "\n" if actual else "", re.S) is not None \
        or (not expected and not actual)


class Server:
    """codebook serve on a free loopback port, stopped by PID."""

    def __init__(self, bindir, work, env, flags):
        self.log = open(os.path.join(work, ".doctest", "server.log"), "w")
        self.proc = subprocess.Popen(
            [os.path.join(bindir, "codebook"), "serve", "--listen", "127.0.0.1:0", "--no-request-log"]
            + flags, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True)
        self.addr = None
        deadline = time.time() + WAIT_TIMEOUT
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


# Defined in the session before anything else (see the docstring).
PRELUDE = r"""
exec 2>&1
set +e
__doctest_status=0
doctest_bg() {
	local name=$1; shift
	: >".doctest/$name.out"
	"$@" </dev/null >".doctest/$name.out" 2>".doctest/$name.log" &
	echo $! >>.doctest/pids
	eval "__doctest_pid_$name=$!"
}
doctest_url() {
	local pid i=0 line=
	eval "pid=\$__doctest_pid_$1"
	while [ $i -lt 400 ]; do
		IFS= read -r line <".doctest/$1.out" && [ -n "$line" ] && { echo "$line"; return 0; }
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05; i=$((i + 1))
	done
	echo "doctest: $1 printed no line" >&2; cat ".doctest/$1.log" >&2
	return 1
}
__doctest_wait_lines() {
	local i=0
	while [ $i -lt 400 ] && [ "$(wc -l <"$1")" -lt "$2" ] && kill -0 "$3" 2>/dev/null; do
		sleep 0.05; i=$((i + 1))
	done
}
"""


class Session:
    """One bash process, fed one command at a time."""

    def __init__(self, work, env):
        self.work = work
        self.proc = subprocess.Popen(["bash", "--noprofile", "--norc"], cwd=work, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.buf, self.eof, self.n, self.nbg = b"", False, 0, 0
        self.cond = threading.Condition()
        self.nonce = os.urandom(6).hex()
        threading.Thread(target=self._read, daemon=True).start()
        self.run(PRELUDE)

    def _read(self):
        while True:
            data = os.read(self.proc.stdout.fileno(), 65536)
            with self.cond:
                if not data:
                    self.eof = True
                else:
                    self.buf += data
                self.cond.notify_all()
            if not data:
                return

    def run(self, text, timeout=CMD_TIMEOUT):
        """Run shell text; its output, and None when it finished, else why not."""
        self.n += 1
        tag = "@@doctest-%s-%d@@" % (self.nonce, self.n)
        mark = ("\n%s\n" % tag).encode()
        try:
            self.proc.stdin.write(("%s\n__doctest_status=$?\nprintf '\\n%%s\\n' '%s'\n"
                                   % (text, tag)).encode())
            self.proc.stdin.flush()
        except OSError:
            pass
        deadline = time.time() + timeout
        with self.cond:
            while mark not in self.buf and not self.eof and time.time() < deadline:
                self.cond.wait(0.1)
            if mark in self.buf:
                out, self.buf = self.buf.split(mark, 1)
                return out.decode("utf-8", "replace"), None
            out, self.buf = self.buf, b""
            why = "the session ended" if self.eof else "timed out after %d s" % timeout
            return out.decode("utf-8", "replace"), why

    def command(self, cmd, nexpected):
        """Run a page's command: $? is the previous one's status; no stdin."""
        if BACKGROUND.search(cmd):
            self.nbg += 1
            out = ".doctest/bg-%d.out" % self.nbg
            return self.run(": >%s\n( exit $__doctest_status )\n%s </dev/null >%s 2>&1 &\n"
                            "echo $! >>.doctest/pids\n__doctest_wait_lines %s %d $!\ncat %s"
                            % (out, BACKGROUND.sub("", cmd), out, out, nexpected, out))
        return self.run("( exit $__doctest_status )\n{\n%s\n} </dev/null" % cmd)

    def close(self):
        """Stop what the file started in the background (by PID), then bash."""
        pids = []
        try:
            pids = [int(x) for x in open(os.path.join(self.work, ".doctest", "pids")).read().split()]
        except OSError:
            pass
        for pid in pids:
            signal_pid(pid, signal.SIGTERM)
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        deadline = time.time() + 10
        while time.time() < deadline and any(alive(p) for p in pids):
            time.sleep(0.05)
        for pid in pids:
            if alive(pid):
                signal_pid(pid, signal.SIGKILL)


def signal_pid(pid, sig):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def alive(pid):
    """Is the process there and not a zombie?"""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def scratch(src):
    work = tempfile.mkdtemp(prefix="doctest-")
    for name in ("catalogs", "examples", "schemas", "tests", "tools", "docs", "include"):
        if os.path.exists(os.path.join(src, name)):
            os.symlink(os.path.join(src, name), os.path.join(work, name))
    os.mkdir(os.path.join(work, ".doctest"))
    return work


def learn_addresses(expected, actual, addrs):
    """Loopback addresses the output shows in place of the page's."""
    known = {page for page, _ in addrs}
    for e, a in zip(expected, actual):
        pe, pa = LOOPBACK.findall(e), LOOPBACK.findall(a)
        if len(pe) != len(pa):
            continue
        for page, real in zip(pe, pa):
            if page != real and page not in known:
                addrs.append((page, real))
                known.add(page)


def run_file(path, bindir, src, update):
    text = open(path, encoding="utf-8").read()
    blocks = parse(path)
    runnable = [b for b in blocks if b.skip is None]
    nskip = sum(len(b.cmds) for b in blocks if b.skip is not None)
    for b in blocks:
        if b.skip is not None:
            print("  skip %s:%d: %s" % (os.path.relpath(path, src), b.start, b.skip or "(no reason)"))
    cmds = [(b, c) for b in runnable for c in b.cmds]
    if not cmds:
        return 0, 0, nskip, []
    work = scratch(src)
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""), HOME=work,
               LC_ALL="C.UTF-8", COLUMNS="100", NO_COLOR="1")
    for k in list(env):
        if k.startswith(("CODEBOOK_", "CB_TIKTOK_")):
            del env[k]
    server = session = None
    outs = []
    try:
        session = Session(work, env)
        for m in SETUP.finditer(text):
            out, why = session.run("set -e\n%s\nset +e\n__doctest_status=0" % m.group(1).strip())
            if why is not None:
                raise RuntimeError("the setup failed (%s):\n%s" % (why, out.rstrip("\n")))
        addrs = []              # (the page's address, the real one)
        if any(SERVER_ADDR.search(c[1]) for _, c in cmds):
            envfile = os.path.join(work, ".doctest", "env")
            session.run("env -0 >%s" % envfile)
            senv = dict(x.split("=", 1) for x in open(envfile).read().split("\0") if "=" in x)
            flags = [f for m in SERVE.finditer(text) for f in shlex.split(m.group(1))]
            server = Server(bindir, work, senv, flags)
            addrs += [("localhost:8080", server.addr), ("127.0.0.1:8080", server.addr)]
        why = None
        for _, (_, cmd, expected) in cmds:
            if why is not None:
                outs.append("<not run: %s>" % why)
                continue
            for page, real in addrs:
                cmd = re.sub(re.escape(page) + r"(?!\d)", real, cmd)
            out, why = session.command(cmd, len([x for x in expected if x.strip() != "..."]))
            out = out.replace("\r\n", "\n").rstrip("\n")   # HTTP headers, as a terminal shows them
            learn_addresses(expected, out.split("\n"), addrs)
            for page, real in addrs:
                out = re.sub(re.escape(real) + r"(?!\d)", page, out)
            if why is not None:
                out += "\n<%s>" % why
            outs.append(out)
    finally:
        if session is not None:
            session.close()
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
        rel = os.path.relpath(path, src)
        try:
            n, nf, ns, failures = run_file(path, bindir, src, update)
        except RuntimeError as e:
            # the setup or the service did not start: none of the file's commands ran
            print("--- %s: %s" % (rel, e))
            n = nf = sum(len(b.cmds) for b in parse(path) if b.skip is None)
            ns, failures = 0, []
        total, failed, skipped = total + n, failed + nf, skipped + ns
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
