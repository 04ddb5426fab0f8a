#!/bin/sh
# SPDX-License-Identifier: MIT
#
# test-man.sh - the installed manual pages and --help, as TAP: both pages
# render without a groff warning, dmabuf-sim-scenario(5) is the one
# generated from docs/scenarios.md as it is now, every option of --help is
# in dmabuf-sim(1), and nothing a user gets installed points into the
# source tree (docs/, tools/, include/, src/, a .md file).
#
#   test-man.sh SIM MAN5 SOURCE_ROOT
set -u

sim=${1:?usage: test-man.sh SIM MAN5 SOURCE_ROOT}
man5=${2:?}
root=${3:?}
man1="$root/docs/dmabuf-sim.1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

n=0
failed=0
result() {
	n=$((n + 1))
	if [ -z "$2" ]; then
		echo "ok $n - $1"
	else
		failed=$((failed + 1))
		echo "not ok $n - $1"
		printf '%s\n' "$2" | sed 's/^/# /'
	fi
}

echo "1..5"

why=""
for page in "$man1" "$man5"; do
	if ! groff -man -rHY=0 -Tutf8 -P-cbou -ww "$page" >"$tmp/$(basename "$page").txt" 2>"$tmp/err" ||
	   [ -s "$tmp/err" ]; then
		why="$why$page: $(cat "$tmp/err")
"
	fi
done
result "both manual pages render without a warning" "$why"

python3 "$root/scripts/md-to-man.py" "$root/docs/scenarios.md" -o "$tmp/fresh.5" \
	--version "$(sed -n 's/.*"libdmabuf \([^"]*\)".*/\1/p' "$man5" | head -1)"
if cmp -s "$tmp/fresh.5" "$man5"; then
	result "dmabuf-sim-scenario(5) is docs/scenarios.md as it is now" ""
else
	result "dmabuf-sim-scenario(5) is docs/scenarios.md as it is now" "$(diff "$tmp/fresh.5" "$man5" | head)"
fi

tr -s '[:space:]' ' ' <"$tmp/$(basename "$man5").txt" >"$tmp/flat5.txt"
why=""
for key in name description clock duration seed policy.wait exporter.size \
	importers[].count workload.interval revoke_unfinished \
	"The budget" "at most 250,000 DMA accesses" "THE HTML REPORT" clock_steps \
	unfinished; do
	grep -qF -- "$key" "$tmp/flat5.txt" || why="$why$key "
done
result "the page has the format's keys, the budget and the reports" "${why:+missing: $why}"

"$sim" --help >"$tmp/help.txt"
why=""
for opt in $(grep -o -- '--[a-z][a-z-]*' "$tmp/help.txt" | sort -u); do
	case $opt in --help|--usage|--version) continue ;; esac
	grep -qF -- "$(printf '%s' "$opt" | sed 's/-/\\-/g')" "$man1" || why="$why$opt "
done
grep -qF "dmabuf-sim-scenario" "$tmp/help.txt" || why="${why}--help does not name dmabuf-sim-scenario(5) "
result "dmabuf-sim(1) has every option of --help" "$why"

why=""
for f in "$tmp/help.txt" "$tmp/$(basename "$man1").txt" "$tmp/$(basename "$man5").txt"; do
	hits=$(grep -nE '(^|[^a-z])(docs|tools|include|src)/|[a-z]\.md\b' "$f")
	[ -z "$hits" ] || why="$why$(basename "$f"): $hits
"
done
result "no installed text points into the source tree" "$why"

[ "$failed" -eq 0 ]
