#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make fuzz-long: every libFuzzer target for FUZZ_RUNS executions (default 10
# million), outside CI.  Each target starts from its corpus in fuzz/corpus/NAME
# and what it finds that adds coverage is merged back into that directory (to
# be committed); a crash leaves its input in build-fuzz/fuzz-long/ and fails the
# run.  Prints one line per target (executions, seconds, executions a second,
# corpus files added) and writes the same table to build-fuzz/fuzz-long.txt.
#
#   FUZZ_RUNS=10000000      executions per target
#   FUZZ_MAX_SECONDS=0      a cap on each target's time (0: none); a capped
#                           target reports the executions it reached
#   FUZZ_TARGETS="a b"      only these targets (default: fuzz/targets.cmake's)
#   JOBS=N                  build parallelism
set -u
cd "$(dirname "$0")/.."
RUNS=${FUZZ_RUNS:-10000000}
MAX_SECONDS=${FUZZ_MAX_SECONDS:-0}
JOBS=${JOBS:-$(nproc)}
out=build-fuzz/fuzz-long
failed=0

if ! cmake -S . -B build-fuzz -G Ninja -DCB_WERROR=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	-DCB_FUZZ=ON -DCB_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >build-fuzz.configure.log 2>&1; then
	cat build-fuzz.configure.log
	exit 1
fi
cmake --build build-fuzz -j"$JOBS" 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' | tail -n 20
[ "${PIPESTATUS[0]}" -eq 0 ] || exit 1

targets=${FUZZ_TARGETS:-$(sed -n 's/^set(CB_FUZZ_TARGETS \(.*\))$/\1/p' fuzz/targets.cmake)}
mkdir -p "$out"
table="$out.txt"
{
	echo "| target | executions | seconds | executions/s | corpus files added | result |"
	echo "|---|---|---|---|---|---|"
} >"$table"
printf '%-16s %12s %9s %12s %8s  %s\n' target executions seconds "exec/s" added result
for t in $targets; do
	bin=build-fuzz/bin/fuzz_$t
	work=$out/$t
	rm -rf "$work"
	mkdir -p "$work"
	before=$(ls "fuzz/corpus/$t" | wc -l)
	cap=""
	[ "$MAX_SECONDS" -gt 0 ] && cap="-max_total_time=$MAX_SECONDS"
	t0=$(date +%s.%N)
	CB_CATALOGS="$PWD/catalogs" "$bin" -runs="$RUNS" $cap -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$out/$t-" "$work" "fuzz/corpus/$t" >"$out/$t.log" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log" | tail -1)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	rate=$(awk -v n="${runs:-0}" -v s="$secs" 'BEGIN { printf "%d", (s > 0 ? n / s : 0) }')
	if [ "$rc" -eq 0 ]; then
		result="no crash"
		"$bin" -merge=1 "fuzz/corpus/$t" "$work" >"$out/$t.merge.log" 2>&1 || result="no crash (merge failed)"
	else
		result="CRASH: see $out/$t.log"
		failed=$((failed + 1))
	fi
	added=$(( $(ls "fuzz/corpus/$t" | wc -l) - before ))
	printf '%-16s %12s %9.0f %12s %8s  %s\n' "$t" "${runs:-?}" "$secs" "$rate" "$added" "$result"
	printf '| %s | %s | %.0f | %s | %s | %s |\n' "$t" "${runs:-?}" "$secs" "$rate" "$added" "$result" >>"$table"
done
echo "table: $table"
[ "$failed" -eq 0 ]
