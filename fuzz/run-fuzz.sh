#!/bin/sh
# SPDX-License-Identifier: MIT
#
# run-fuzz.sh - run one libFuzzer target on a copy of its seed corpus.
#
#   run-fuzz.sh --runs N TARGET SEEDS      N inputs after the seeds (the
#                                          test: bounded by count, so the
#                                          verdict does not depend on load)
#   run-fuzz.sh --seconds S TARGET SEEDS   as many as S seconds allow (make
#                                          fuzz; the corpus it grows is kept
#                                          in TARGET's directory)
#
# Prints TAP: one case, failed on any crash, sanitizer report, leak or
# input that runs longer than 60 s; the input that failed is kept as
# TARGET-crash-* (or -leak-, -timeout-) beside TARGET, to be added as a
# regression test.
set -u

mode=$1 count=$2 target=$3 seeds=$4
name=$(basename "$target")
dir=$(cd "$(dirname "$target")" && pwd)
case $mode in
--runs) limit="-runs=$count -seed=1"; work=$(mktemp -d) ;;
--seconds) limit="-max_total_time=$count"; work=$dir/$name-corpus; mkdir -p "$work" ;;
*) echo "usage: $0 --runs N|--seconds S TARGET SEEDS" >&2; exit 2 ;;
esac

# A target without committed seeds starts from nothing; one with a
# dictionary (fuzz/NAME.dict, beside its seeds' folder) mutates with it.
[ -d "$seeds" ] || seeds=$work
dict=$(dirname "$seeds")/../$name.dict
[ -f "$dict" ] && limit="$limit -dict=$dict"

echo "1..1"
log=$dir/$name.log
# The seeds are read, never written: new inputs go to the work corpus.
# shellcheck disable=SC2086
"$target" $limit -max_len=4096 -timeout=60 -rss_limit_mb=4096 \
	-artifact_prefix="$dir/$name-" -print_final_stats=1 \
	"$work" "$seeds" >"$log" 2>&1
status=$?
[ "$mode" = --runs ] && rm -rf "$work"
done_runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
if [ $status -eq 0 ]; then
	echo "ok 1 - $name: ${done_runs:-?} inputs, no finding"
else
	echo "not ok 1 - $name: exit $status after ${done_runs:-?} inputs (log: $log)"
	grep -E "ERROR|SUMMARY|Test unit written|refused|could not be played" "$log" |
		head -n 20 | sed 's/^/# /'
fi
exit $status
