#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/http/run.sh BUILD_DIR - load the HTTP service with wrk on loopback:
#   1. POST /v1/code-sets/outbound/check: codebook vs the same endpoint in
#      Fastify 5 (installed here from the npm registry into bench/work/),
#      requests per second, latency percentiles, and the ratio;
#   2. (a client's sync, 304: not measured, wrk cannot read such an answer);
#   3. ingest: POST /v1/events in batches of 1,000, durable (each batch is
#      committed and fsynced before its 201), events per second, and the
#      count found in the database afterwards.
# Not a test: it prints figures.  Servers listen on 127.0.0.1 only and are
# stopped by PID.  Tunables: DURATION (s, default 10), CONNECTIONS (64),
# THREADS (wrk threads, 2), INGEST_CONNECTIONS (4), ROUNDS (3: codebook
# and Fastify are measured in turns and the medians compared, since other
# work on a shared machine moves single figures a lot).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
cb="$build/bin/codebook"
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
INGEST_CONNECTIONS=${INGEST_CONNECTIONS:-4}
ROUNDS=${ROUNDS:-3}
work="$root/bench/work/http"
node_dir="$root/bench/work/http-node"
pids=""

die() { echo "bench/http: $*" >&2; exit 1; }
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

[ -x "$cb" ] || die "no $cb: build first (make build)"
command -v wrk >/dev/null || die "wrk is missing: apt-get install wrk (scripts/debian-packages.txt)"
rm -rf "$work"
mkdir -p "$work"

# Fastify 5 from the npm registry, at bench time only
have_node=1
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "bench/http: node/npm not found: the Fastify comparison is skipped" >&2
	have_node=0
elif [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
	echo "bench/http: Fastify 5 needs Node.js 20 or later (found $(node --version)): skipped" >&2
	have_node=0
else
	mkdir -p "$node_dir"
	cp "$here/fastify/package.json" "$here/fastify/server.js" "$node_dir/"
	if [ ! -d "$node_dir/node_modules/fastify" ]; then
		echo "bench/http: npm install fastify@5 into $node_dir" >&2
		(cd "$node_dir" && npm install --no-audit --no-fund --loglevel=error >/dev/null) ||
			die "npm install failed"
	fi
fi

# start_codebook LOGFLAG: sets cb_url and cb_pid
start_codebook() {
	log="$work/codebook.$$.$(date +%s%N).log"
	: >"$log"	# before the background start: the loop below reads it at once
	"$cb" serve --listen 127.0.0.1:0 --db "$work/db/codebook.db" $1 2>"$log" &
	cb_pid=$!
	pids="$pids $cb_pid"
	cb_url=""
	i=0
	while [ -z "$cb_url" ] && [ $i -lt 100 ]; do
		cb_url=$(sed -n 's/.*"msg":"ready","url":"\([^"]*\)".*/\1/p' "$log" | head -1)
		i=$((i + 1))
		sleep 0.05
	done
	[ -n "$cb_url" ] || die "codebook did not start: $(cat "$log")"
}

stop() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# run_wrk NAME URL [wrk args...]: prints one result line, keeps the output
run_wrk() {
	name=$1
	url=$2
	shift 2
	wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "$@" "$url" >/dev/null 2>&1 || true   # warm-up
	wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" "$url" >"$work/$name.wrk" 2>&1
	awk -v name="$name" '
		function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0;
			if (v ~ /s$/) return v * 1000; return v }
		/Requests\/sec/ { rps = $2 }
		$1 == "50%" { p50 = ms($2) } $1 == "90%" { p90 = ms($2) } $1 == "99%" { p99 = ms($2) }
		/Non-2xx/ { non2xx = $NF }
		/Socket errors/ { errs = $0 }
		END { printf "%-34s %10.0f req/s   p50 %6.2f ms   p90 %6.2f ms   p99 %6.2f ms%s%s\n",
			name, rps, p50, p90, p99, non2xx ? "   non-2xx/3xx " non2xx : "", errs ? "   " errs : "" }
	' "$work/$name.wrk" | tee -a "$work/summary.txt"
}

rps_of() { awk '/Requests\/sec/ { print $2 }' "$work/$1.wrk"; }
p99_of() {
	awk 'function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0;
		if (v ~ /s$/) return v * 1000; return v } $1 == "99%" { print ms($2) }' "$work/$1.wrk"
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2];
	else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "bench/http: $(nproc) CPUs, wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s on loopback (wrk shares the CPUs), $ROUNDS rounds"
echo "codebook $("$cb" --version | cut -d' ' -f2), $(node --version 2>/dev/null || echo 'no node'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$work/summary.txt"

# 1. the check route: codebook and Fastify both up, measured in turns, so
# that other load on the machine falls on both alike
start_codebook --no-request-log
if [ $have_node -eq 1 ]; then
	flog="$work/fastify.log"
	: >"$flog"
	CATALOG="$root/catalogs/outbound.json" node "$node_dir/server.js" >"$flog" 2>&1 &
	f_pid=$!
	pids="$pids $f_pid"
	f_url=""
	i=0
	while [ -z "$f_url" ] && [ $i -lt 200 ]; do
		f_url=$(grep -o 'http://127.0.0.1:[0-9]*' "$flog" | head -1 || true)
		i=$((i + 1))
		sleep 0.05
	done
	[ -n "$f_url" ] || die "fastify did not start: $(cat "$flog")"
fi
r=1
while [ $r -le "$ROUNDS" ]; do
	run_wrk "codebook check #$r" "$cb_url/v1/code-sets/outbound/check" -s "$here/check.lua"
	rps_of "codebook check #$r" >>"$work/cb.rps"
	p99_of "codebook check #$r" >>"$work/cb.p99"
	if [ $have_node -eq 1 ]; then
		run_wrk "fastify check #$r" "$f_url/v1/code-sets/outbound/check" -s "$here/check.lua"
		rps_of "fastify check #$r" >>"$work/f.rps"
		p99_of "fastify check #$r" >>"$work/f.p99"
	fi
	r=$((r + 1))
done
# A client's sync (304) is not measured: a 304 carries the Content-Length its
# 200 would (RFC 9110 8.6), and wrk's HTTP parser then waits for a body that
# never comes (0 requests).
echo "codebook sync (304)                not measured: wrk waits for a body after a 304 with Content-Length"
stop "$cb_pid"
[ $have_node -eq 1 ] && stop "$f_pid"
start_codebook ""
run_wrk "codebook check, request log on" "$cb_url/v1/code-sets/outbound/check" -s "$here/check.lua"
stop "$cb_pid"
if [ $have_node -eq 1 ]; then
	awk -v a="$(median <"$work/cb.rps")" -v b="$(median <"$work/f.rps")" \
	    -v pa="$(median <"$work/cb.p99")" -v pb="$(median <"$work/f.p99")" 'BEGIN {
		printf "medians: codebook %.0f req/s, p99 %.2f ms; fastify %.0f req/s, p99 %.2f ms\n", a, pa, b, pb
		printf "ratio codebook/fastify: %.2fx requests per second; p99 %s\n", a / b,
			pa <= pb ? "no worse than Fastify" : "WORSE than Fastify" }' | tee -a "$work/summary.txt"
fi

# 2. ingest: batches of 1,000 events, each batch one durable transaction
rm -rf "$work/db"
start_codebook --no-request-log
CB_KEY=$("$cb" keys add bench --db "$work/db/codebook.db" 2>/dev/null)
export CB_KEY
count_events() {
	/usr/bin/python3 -c 'import sqlite3, sys
print(sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True).execute("SELECT COUNT(*) FROM events").fetchone()[0])' "$1"
}
r=1
while [ $r -le "$ROUNDS" ]; do
	before=$(count_events "$work/db/codebook.db")
	RUN="r$r" wrk -t"$THREADS" -c"$INGEST_CONNECTIONS" -d"${DURATION}s" --latency -s "$here/events.lua" \
	    "$cb_url/v1/events" >"$work/ingest$r.wrk" 2>&1 </dev/null
	after=$(count_events "$work/db/codebook.db")
	awk -v stored=$((after - before)) -v d="$DURATION" -v r=$r '
		function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0;
			if (v ~ /s$/) return v * 1000; return v }
		$1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
		/^ingest:/ { bad = $4 + $6 }
		END { printf "%-34s %10.0f events/s stored (%d in %d s; p50 %.1f ms, p99 %.1f ms per batch; %d failed)\n",
			"codebook ingest, durable #" r, stored / d, stored, d, p50, p99, bad }
	' "$work/ingest$r.wrk" | tee -a "$work/summary.txt"
	awk -v s=$((after - before)) -v d="$DURATION" 'BEGIN { print s / d }' >>"$work/ingest.rate"
	r=$((r + 1))
done
stop "$cb_pid"
echo "median ingest: $(median <"$work/ingest.rate" | awk '{ printf "%.0f", $1 }') events/s, durable" | tee -a "$work/summary.txt"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the figures)"
echo "bench/http: raw wrk outputs in $work"
