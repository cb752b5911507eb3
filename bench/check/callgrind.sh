#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/check/callgrind.sh: instructions per check, the figure behind the
# timings of bench_check that does not depend on what else the machine is
# doing.  Counts the instructions of bench_loop alone (valgrind
# --toggle-collect) for each case run once, and divides by its checks.
#   bench/check/callgrind.sh [BUILD_DIR] [SCALE]
set -eu
build=${1:-build}
scale=${2:-0.05}
bin="$build/bin/bench_check"
[ -x "$bin" ] || { echo "callgrind.sh: build $bin first (cmake --build $build --target bench_check)" >&2; exit 2; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
printf '%-2s %-26s %-22s %10s %14s\n' "" case set checks instr/check
n=1
while :; do
	line=$(valgrind --tool=callgrind --toggle-collect=bench_loop --callgrind-out-file="$out" \
	    "$bin" --case "$n" --scale "$scale" 2>/dev/null) || break
	ir=$(callgrind_annotate "$out" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
	# "N case words... SET CHECKS"
	checks=${line##* }
	rest=${line% *}
	set_name=${rest##* }
	name=${rest% *}
	name=${name#* }
	printf '%-2s %-26s %-22s %10s %14.1f\n' "$n" "$name" "$set_name" "$checks" \
	    "$(echo "$ir / $checks" | bc -l)"
	n=$((n + 1))
done
