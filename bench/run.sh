#!/bin/sh
# SPDX-License-Identifier: MIT
#
# run.sh BUILD_DIR - run every benchmark of an optimised build, then count
# the instructions of single operations with callgrind (stable on noisy
# machines). Figures only; nothing here passes or fails.
set -eu
build=${1:-build-bench}
b="$build/bench"

for prog in bench-sizes bench-resv-lock bench-resv-fences bench-fence-wake; do
	"$b/$prog"
done

if ! command -v valgrind >/dev/null 2>&1; then
	echo "callgrind: valgrind not installed, skipped"
	exit 0
fi

# Instructions per call of a noinline op function, inclusive, over 1000 calls.
count() { # prog function calls
	out=$(mktemp)
	valgrind --tool=callgrind --callgrind-out-file="$out" \
		--toggle-collect="$2" "$b/$1" --callgrind >/dev/null 2>&1
	ir=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
	rm -f "$out"
	calls=$3
	echo "callgrind: $2: $((ir / calls)) instructions per call"
}

count bench-resv-lock op_mutex_lock_unlock 1000
count bench-resv-lock op_resv_lock_unlock 1000
count bench-resv-fences op_add_fence 1000
count bench-resv-fences op_test_signaled 1000
