#!/bin/sh
# SPDX-License-Identifier: MIT
#
# test-cli.sh - dmabuf-sim's exit codes and messages, as TAP: 0 for --help
# and --version, 2 with "FILE:LINE: ..." on stderr for a bad scenario file,
# 2 for every other usage error, and nothing on stdout when it fails.
# Nothing here plays a scenario (test-scenarios.py does).
#
#   test-cli.sh path/to/dmabuf-sim
set -u

sim=${1:?usage: test-cli.sh path/to/dmabuf-sim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

n=0
failed=0

# expect NAME RC [STDERR-SUBSTRING [STDOUT-SUBSTRING]] -- ARGS...
expect() {
	name=$1 rc=$2 err=$3 out=$4
	shift 5
	n=$((n + 1))
	"$sim" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	why=""
	if [ "$got" -ne "$rc" ]; then
		why="exit $got, expected $rc"
	elif [ -n "$err" ] && ! grep -qF -- "$err" "$tmp/err"; then
		why="stderr lacks '$err'"
	elif [ -n "$out" ] && ! grep -qF -- "$out" "$tmp/out"; then
		why="stdout lacks '$out'"
	elif [ "$rc" -eq 2 ] && [ -s "$tmp/out" ]; then
		why="a usage error wrote to stdout"
	fi
	if [ -z "$why" ]; then
		echo "ok $n - $name"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name: $why"
		sed 's/^/# stderr: /' "$tmp/err"
	fi
}

bad() {
	printf '%s' "$2" >"$tmp/$1.yaml"
}

bad syntax 'name: t
exporter: { driver: vfio-pci
importers: []
'
bad driver 'name: t
exporter: { driver: nvidia }
importers: [ { driver: gpu } ]
'
bad nobehaviour 'name: t
exporter: { driver: memfd }
events: [ { at: 1ms, do: close } ]
importers: [ { driver: process } ]
'
bad missing 'name: t
exporter: { driver: heap }
'
bad absurd 'name: t
exporter: { driver: heap, size: 2GiB }
importers: [ { driver: gpu } ]
'
bad late 'name: t
duration: 10ms
exporter: { driver: vfio-pci }
importers: [ { driver: gpu } ]
events: [ { at: 20ms, do: flr } ]
'

echo "1..30"
expect "--help exits 0" 0 "" "Usage: dmabuf-sim" -- --help
expect "--help lists the commands" 0 "" "run NAME|FILE" -- --help
expect "--version exits 0" 0 "" "dmabuf-sim " -- --version
expect "an unknown option exits 2" 2 "unrecognized option '--bogus'" "" -- --bogus
expect "an unknown command exits 2" 2 "unknown command 'frob'" "" -- frob
expect "run without a scenario exits 2" 2 "run needs a scenario" "" -- run
expect "an extra argument exits 2" 2 "unexpected argument 'more'" "" -- run vfio-revoke more
expect "an unknown scenario exits 2" 2 "no built-in scenario or file named 'nosuch'" "" -- run nosuch
expect "an unreadable file exits 2" 2 "/nonexistent/s.yaml: cannot read" "" -- run /nonexistent/s.yaml
expect "a syntax error exits 2 with file:line" 2 "$tmp/syntax.yaml:3: YAML syntax error" "" -- run "$tmp/syntax.yaml"
expect "an unknown driver exits 2 with file:line" 2 \
	"$tmp/driver.yaml:2: exporter.driver: unknown driver 'nvidia' (expected one of vfio-pci, vram, heap or memfd)" "" \
	-- run "$tmp/driver.yaml"
expect "a missing field exits 2 with file:line" 2 "$tmp/missing.yaml:1: 'importers' is missing" "" \
	-- run "$tmp/missing.yaml"
expect "an absurd number exits 2 with file:line" 2 "$tmp/absurd.yaml:2: exporter.size: '2GiB' is too large" "" \
	-- run "$tmp/absurd.yaml"
expect "an event after the end exits 2 with file:line" 2 "$tmp/late.yaml:5: events[0].at" "" \
	-- run "$tmp/late.yaml"
expect "a bad --duration exits 2" 2 "--duration: '5' is not a duration" "" -- run vfio-revoke --duration 5
expect "--duration before an event exits 2" 2 "the flr event at 33ms would not happen" "" \
	-- run vfio-revoke --duration 20ms
expect "--importers over the limit exits 2" 2 "--importers: '99' is not an integer from 1 to 64" "" \
	-- --importers 99
expect "--importers over the total exits 2" 2 "make 80 importers" "" -- run vfio-revoke --importers 20
expect "a bad --policy exits 2" 2 "--policy: 'forever'" "" -- --policy forever
expect "an unknown --variant exits 2" 2 "has the variants blocking, power-ref" "" \
	-- run low-power --variant nope
expect "list names every built-in" 0 "" "vfio-processes" -- list
expect "--clock virtual with importer processes exits 2" 2 \
	"--clock virtual: memfd-processes has importer processes" "" \
	-- run memfd-processes --clock virtual
expect "a process importer without a behaviour exits 2 with file:line" 2 \
	"$tmp/nobehaviour.yaml:4: importers[0]: a process importer without a behaviour" "" \
	-- run "$tmp/nobehaviour.yaml"
expect "--seeds backwards exits 2" 2 "--seeds: '5..1' is not a range" "" -- run vfio-revoke --seeds 5..1
expect "--seeds not a range exits 2" 2 "--seeds: '7' is not a range" "" -- run vfio-revoke --seeds 7
expect "--seeds with a report file exits 2" 2 "write the reports of one" "" \
	-- run vfio-revoke --seeds 1..2 --json "$tmp/x.json"
expect "--repeat 0 exits 2" 2 "--repeat: '0' is not an integer" "" -- run vfio-revoke --repeat 0
expect "a scenario over the budget exits 2" 2 "with these options the scenario is too big" "" \
	-- run vfio-revoke --duration 3599s
expect "show of an unknown scenario exits 2" 2 "no built-in scenario 'nope'" "" -- show nope

# The importer processes' mode is internal: not in --help.
n=$((n + 1))
if "$sim" --help | grep -q importer-child; then
	failed=$((failed + 1))
	echo "not ok $n - --help hides the internal --importer-child mode"
else
	echo "ok $n - --help hides the internal --importer-child mode"
fi

[ "$failed" -eq 0 ]
