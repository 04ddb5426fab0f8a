#!/bin/sh
# SPDX-License-Identifier: MIT
#
# verify.sh - generate, compile and run SPIN's verifier for the revoke model
# (model/revoke.pml) or one of its mutants, and speak TAP.
#
#   verify.sh MODEL                       the correct model: every check must
#                                         pass (four TAP cases)
#   verify.sh MODEL MUT_NAME CHECK        a mutant: CHECK must find a
#                                         counterexample (one TAP case)
#
# CHECK is one of
#   safety              assertions and invalid end states (deadlocks), with
#                       no never claim: spin -a, cc -DSAFETY -DNOCLAIM
#   safe_after_revoke   the LTL claims of the same name in revoke.pml,
#   revoke_returns      searched for acceptance cycles under weak fairness
#   map_after_unrevoke  (pan -a -f -N NAME)
#
# A search that does not complete (depth or memory limit) is never taken as
# a verdict either way. Each case's line carries the search statistics
# (states stored, depth, memory, time) that docs/model.md quotes. With
# MODEL_TRAIL=1 a mutant's counterexample is replayed (spin -t -p) as TAP
# comments. SPIN and CC come from the environment (spin, cc by default).
set -u

SPIN=${SPIN:-spin}
CC=${CC:-cc}
CHECKS="safety safe_after_revoke revoke_returns map_after_unrevoke"

model=${1:?usage: verify.sh MODEL [MUT_NAME CHECK]}
mutant=${2:-}
expect=${3:-}

case "$model" in
/*) ;;
*) model="$(pwd)/$model" ;;
esac

if ! command -v "$SPIN" >/dev/null 2>&1; then
	echo "1..1"
	echo "not ok 1 - $SPIN not found: run scripts/setup.sh (Debian package spin)"
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/dmb-model.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM
cp "$model" "$work/model.pml" || exit 1
cd "$work" || exit 1

define=""
[ -n "$mutant" ] && define="-D$mutant"

# Generate once; compile a verifier per kind of check (safety, claims).
if ! $SPIN $define -a model.pml >spin.out 2>&1; then
	echo "1..1"
	echo "not ok 1 - spin -a failed"
	sed 's/^/# /' spin.out
	exit 1
fi
# The searches of a mutant are tiny: there compiling is most of the time.
if [ -n "$mutant" ]; then
	cflags="-O0"
else
	cflags="-O1"
fi

# build CHECK: compile the verifier CHECK needs, once. Six processes run
# besides a claim; weak fairness needs room for them (NFAIR).
build() {
	case "$1" in
	safety) bin=pan_safety; flags="-DSAFETY -DNOCLAIM" ;;
	*) bin=pan_ltl; flags="-DNFAIR=4" ;;
	esac
	[ -x "$bin" ] && return 0
	# shellcheck disable=SC2086
	$CC $cflags -w $flags -o "$bin" pan.c
}

# run_check CHECK: run one search; sets verdict (pass, fail, incomplete),
# stats and why.
run_check() {
	if ! build "$1"; then
		verdict=incomplete
		stats="not compiled"
		why="compiling pan.c failed"
		return
	fi
	case "$1" in
	safety) ./pan_safety -m1000000 -w23 -n >pan.out 2>&1 ;;
	*) ./pan_ltl -m1000000 -w23 -n -a -f -N "$1" >pan.out 2>&1 ;;
	esac
	stored=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' pan.out)
	depth=$(sed -n 's/.*depth reached \([0-9]*\).*/\1/p' pan.out)
	mem=$(sed -n 's/^ *\([0-9.]*\)[[:space:]]*total actual memory usage.*/\1/p' pan.out)
	secs=$(sed -n 's/^pan: elapsed time \([0-9.e+]*\) seconds.*/\1/p' pan.out)
	stats="$stored states, depth $depth, $mem MB, $secs s"
	why=$(grep -m1 '^pan:1:' pan.out | sed 's/^pan:1: //; s/ (at depth [0-9]*)//')
	if grep -q 'errors: 0' pan.out && [ -z "$why" ]; then
		if grep -q -e 'max search depth too small' -e 'Search not completed' \
			   -e 'out of memory' pan.out; then
			verdict=incomplete
		else
			verdict=pass
		fi
	elif [ -n "$why" ]; then
		verdict=fail
	else
		verdict=incomplete
		why=$(grep -m1 -i 'error' pan.out)
	fi
}

status=0
if [ -z "$mutant" ]; then
	echo "1..4"
	n=0
	for check in $CHECKS; do
		n=$((n + 1))
		run_check "$check"
		if [ "$verdict" = pass ]; then
			echo "ok $n - model $check: verified ($stats)"
		else
			echo "not ok $n - model $check: $verdict: $why ($stats)"
			sed 's/^/# /' pan.out
			status=1
		fi
	done
	exit $status
fi

echo "1..1"
case " $CHECKS " in
*" $expect "*) ;;
*)
	echo "not ok 1 - $mutant: unknown check '$expect'"
	exit 1
	;;
esac
run_check "$expect"
if [ "$verdict" = fail ]; then
	echo "ok 1 - $mutant killed by $expect: $why ($stats)"
	if [ "${MODEL_TRAIL:-0}" = 1 ]; then
		$SPIN $define -t -p -g -k model.pml.trail model.pml 2>&1 | sed 's/^/# /'
	fi
else
	echo "not ok 1 - $mutant survived $expect: $verdict $why ($stats)"
	sed 's/^/# /' pan.out
	status=1
fi
exit $status
