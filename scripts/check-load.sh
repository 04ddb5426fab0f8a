#!/bin/bash
# SPDX-License-Identifier: MIT
#
# check-load.sh - the load gate: the plain suite and the TSan concurrency
# suite, several rounds each, many more tests at once than the machine has
# cores. No test may decide its verdict by time or by the scheduler, so a
# loaded machine must give the verdicts an idle one gives (docs/testing.md).
set -u
cd "$(dirname "$0")/.."

cores=$(nproc)
rounds=5
jobs=$((8 * cores))
tsan_rounds=5
tsan_jobs=$((4 * cores))
run_plain=1
run_tsan=1

usage() {
	cat <<EOF
Usage: scripts/check-load.sh [OPTION]...
Run the plain test suite (build/) and the TSan concurrency suite
(build-tsan/) ROUNDS times each, JOBS test programs at a time, and print
"N passed, N failed" over every case of every round. Exits 1 on any
failure or sanitizer report.

  --rounds N        rounds of the plain suite (default 5)
  --jobs N          plain tests at a time (default 8 x cores = $((8 * cores)))
  --tsan-rounds N   rounds of the TSan concurrency suite (default 5)
  --tsan-jobs N     TSan tests at a time (default 4 x cores = $((4 * cores)))
  --plain-only      skip the TSan suite
  --tsan-only       skip the plain suite
  -h, --help        this text

Per-test timeouts (hang guards) are scaled by JOBS / cores, and by 4 more
under TSan, as make check scales them for the sanitizers. The logs of the
last run are in build-load/{plain,tsan}/meson-logs/ (round-N.txt, and
testlog.json, which scripts/test-summary.py reads).
EOF
}

number() {
	case "$2" in
	''|*[!0-9]*|0) echo "check-load: $1 needs a positive number, not '$2'" >&2; exit 2 ;;
	esac
}

while [ $# -gt 0 ]; do
	case "$1" in
	--rounds) number "$1" "${2-}"; rounds=$2; shift ;;
	--jobs) number "$1" "${2-}"; jobs=$2; shift ;;
	--tsan-rounds) number "$1" "${2-}"; tsan_rounds=$2; shift ;;
	--tsan-jobs) number "$1" "${2-}"; tsan_jobs=$2; shift ;;
	--plain-only) run_tsan=0 ;;
	--tsan-only) run_plain=0 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "check-load: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done

# The hang guards grow with the load: ceil(jobs / cores).
scale() {
	echo $(( ($1 + cores - 1) / cores ))
}

MESON=${MESON:-meson}
NINJA=${NINJA:-ninja}
MAKE=${MAKE:-make}
status=0
dirs=""

# run NAME BUILD_DIR ROUNDS JOBS MULTIPLIER [meson test args...]
# Each round is a meson run of its own (meson's --repeat stops at the first
# failing round); their logs are joined into one testlog.json.
run() {
	local name=$1 dir=$2 n=$3 j=$4 mult=$5 out=build-load/$1/meson-logs r
	shift 5
	echo "# check-load: $name: $n round(s) of $dir, $j at a time on $cores core(s)"
	rm -rf "$out" && mkdir -p "$out"
	: >"$out/testlog.json"
	for r in $(seq 1 "$n"); do
		rm -f "$dir/meson-logs/load.json"
		"$MESON" test -C "$dir" --no-rebuild --num-processes "$j" \
			--timeout-multiplier "$mult" --logbase load --print-errorlogs \
			"$@" >"$out/round-$r.txt" 2>&1 || status=1
		grep -E '^ *[0-9]+/[0-9]+ .* (FAIL|ERROR|TIMEOUT)' "$out/round-$r.txt" |
			sort -u | sed "s/^/# round $r: /"
		# testlog.json is the name scripts/test-summary.py reads.
		cat "$dir/meson-logs/load.json" >>"$out/testlog.json" || status=1
	done
	dirs="$dirs build-load/$name"
}

# The build dirs are set up as make check sets them up (the Makefile's rules).
if [ $run_plain = 1 ]; then
	"$MAKE" -s build/build.ninja >/dev/null || exit 1
	"$NINJA" -C build >/dev/null || exit 1
	run plain build "$rounds" "$jobs" "$(scale "$jobs")"
fi
if [ $run_tsan = 1 ]; then
	"$MAKE" -s build-tsan/build.ninja >/dev/null || exit 1
	"$NINJA" -C build-tsan >/dev/null || exit 1
	export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:report_signal_unsafe=0:suppressions=$PWD/tests/tsan.supp
	run tsan build-tsan "$tsan_rounds" "$tsan_jobs" \
	    "$((4 * $(scale "$tsan_jobs")))" --suite concurrency
fi

# shellcheck disable=SC2086
python3 scripts/test-summary.py $dirs || status=1
exit $status
