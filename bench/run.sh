#!/bin/sh
# SPDX-License-Identifier: MIT
#
# run.sh BUILD_DIR - run every benchmark of an optimised build, then count
# the instructions of single operations with callgrind (stable on noisy
# machines). Figures only; nothing here passes or fails.
set -eu
build=${1:-build-bench}
b="$build/bench"

# Production mode (the benchmarks' default), then debug mode for the
# figures docs/performance.md gives in both (include/dmabuf/debug.h).
for prog in bench-sizes bench-resv-lock bench-resv-fences bench-fence-wake \
	    bench-map bench-revoke bench-dma bench-ipc bench-revoke-hostile; do
	"$b/$prog"
done
for prog in bench-resv-lock bench-map bench-revoke; do
	DMABUF_DEBUG=1 "$b/$prog"
done

if ! command -v valgrind >/dev/null 2>&1; then
	echo "callgrind: valgrind not installed, skipped"
	exit 0
fi

# Instructions per call of a noinline op function, inclusive, over @calls
# calls (or per @unit: calls then counts units), in the mode $mode names;
# sets $last.
count() { # prog function calls [unit]
	out=$(mktemp)
	env $mode_env valgrind --tool=callgrind --callgrind-out-file="$out" \
		--toggle-collect="$2" "$b/$1" --callgrind >/dev/null 2>&1
	ir=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
	rm -f "$out"
	calls=$3
	last=$((ir / calls))
	echo "callgrind ($mode): $2: $last instructions per ${4:-call}"
}

for mode in production debug; do
	if [ "$mode" = debug ]; then mode_env=DMABUF_DEBUG=1; else mode_env=; fi
	count bench-resv-lock op_mutex_lock_unlock 1000
	count bench-resv-lock op_resv_lock_unlock 1000
	count bench-resv-fences op_add_fence 1000
	count bench-resv-fences op_test_signaled 1000
	count bench-fence-wake op_fence_cycle 1000
	count bench-fence-wake op_add_remove_callback 1000

	# The core's overhead per map+unmap: the full calls minus the exporter
	# ops called directly under the same lock (goal: <= 300 in debug mode,
	# <= 60 in production mode).
	count bench-map op_mutex_lock_unlock 1000
	count bench-map op_direct_ops 1000
	direct=$last
	count bench-map op_map_unmap 1000
	echo "callgrind ($mode): dma-buf core overhead per map+unmap: $((last - direct)) instructions"
	count bench-map op_map_unmap_rev 1000
	count bench-map op_map_unmap_unlocked 1000
	# Three revokes of 1024 cooperating importers.
	count bench-revoke op_revoke 3072 importer
done
mode=production
mode_env=

# The IOMMU walk of a 1 MiB device read beyond the memcpy it performs.
count bench-dma op_memcpy_1m 100
copy=$last
count bench-dma op_dma_read_1m 100
pm=$(((last - copy) * 1000 / copy))
echo "callgrind: IOMMU walk, checks and locks per 1 MiB read: $((last - copy)) instructions ($((pm / 10)).$((pm % 10))% of the copy)"
# IOMMU map+unmap: one page, a 64-page range (per page), a one-page sg_table.
count bench-dma op_iommu_map_unmap_page 1000
count bench-dma op_iommu_map_unmap_range 64000 page
count bench-dma op_dma_map_unmap_sgtable 1000
