#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make test: every test, the way CI runs it.
#   1. gcc build with -Werror; ctest (unit, CLI, end-to-end, exporters, corpora); both test
#      builds have CB_FAULT_INJECTION (the disk of the real binary failed from outside)
#   2. clang build with -Werror, ASan and UBSan; the same ctest suite again
#   3. the libFuzzer targets, each for FUZZ_SECONDS (default 15) from its corpus
# Ends with one line: "N passed, M failed".
set -u
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-15}
JOBS=${JOBS:-$(nproc)}
passed=0
failed=0
failures=()

stage() { printf '\n=== %s\n' "$*"; }

# run ctest in build dir $1, add its counts to the totals
run_ctest() {
	local dir=$1 label=$2 out total nfail
	out=$(cd "$dir" && ctest -j"$JOBS" --output-on-failure 2>&1)
	echo "$out" | grep -E "Test +#|tests passed|Failed|\*\*\*" | tail -n 80
	total=$(echo "$out" | sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' | tail -1)
	nfail=$(echo "$out" | sed -n 's/.*, \([0-9]*\) tests failed out of.*/\1/p' | tail -1)
	if [ -z "$total" ]; then
		failed=$((failed + 1))
		failures+=("$label: ctest did not run")
		echo "$out" | tail -n 40
		return
	fi
	passed=$((passed + total - nfail))
	failed=$((failed + nfail))
	if [ "$nfail" -gt 0 ]; then
		failures+=("$label: $nfail of $total failed")
		echo "$out" | grep -B2 -A40 "Output from these tests\|FAILED\|Failed" | tail -n 120
	fi
}

build() {
	local dir=$1; shift
	if ! cmake -S . -B "$dir" -G Ninja -DCB_WERROR=ON "$@" >"$dir.configure.log" 2>&1; then
		cat "$dir.configure.log"; return 1
	fi
	# a build directory made with another compiler has its cache deleted and
	# the -D options of that run dropped: give them again
	if grep -q "require your cache to be deleted" "$dir.configure.log" &&
		! cmake -S . -B "$dir" -G Ninja -DCB_WERROR=ON "$@" >>"$dir.configure.log" 2>&1; then
		cat "$dir.configure.log"; return 1
	fi
	cmake --build "$dir" -j"$JOBS" 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' | tail -n 40
	return "${PIPESTATUS[0]}"
}

stage "gcc, -Werror"
if build build -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ -DCB_FAULT_INJECTION=ON; then
	run_ctest build gcc
else
	failed=$((failed + 1)); failures+=("gcc build failed")
fi

stage "clang, -Werror, AddressSanitizer + UndefinedBehaviorSanitizer"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if build build-san -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCB_SANITIZE=ON \
	-DCMAKE_BUILD_TYPE=Debug -DCB_FAULT_INJECTION=ON; then
	run_ctest build-san "asan+ubsan"
else
	failed=$((failed + 1)); failures+=("sanitizer build failed")
fi

stage "libFuzzer, ${FUZZ_SECONDS}s per target"
if build build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCB_FUZZ=ON \
	-DCB_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo; then
	for f in build-fuzz/bin/fuzz_*; do
		name=${f##*/fuzz_}
		work=$(mktemp -d)
		if (cd build-fuzz && CB_CATALOGS="$PWD/../catalogs" "../$f" -max_total_time="$FUZZ_SECONDS" \
			-rss_limit_mb=2048 -timeout=10 -print_final_stats=1 "$work" "../fuzz/corpus/$name" \
			>"fuzz_$name.log" 2>&1); then
			passed=$((passed + 1))
			echo "fuzz_$name: $(grep -E 'stat::number_of_executed_units' "build-fuzz/fuzz_$name.log" | awk '{print $2}') runs, no crash"
		else
			failed=$((failed + 1)); failures+=("fuzz_$name crashed: see build-fuzz/fuzz_$name.log")
			tail -n 30 "build-fuzz/fuzz_$name.log"
		fi
		rm -rf "$work"
	done
else
	failed=$((failed + 1)); failures+=("fuzz build failed")
fi

echo
for f in "${failures[@]+"${failures[@]}"}"; do echo "FAILED: $f"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
