#!/bin/sh
# SPDX-License-Identifier: MIT
#
# setup.sh - install the Debian packages libdmabuf needs to build, test and
# benchmark. Safe to run again: it only calls apt-get when something is
# missing. Needs root (or sudo) on a Debian 12 machine.
set -eu

# The libraries alone need gcc (or clang) and, optionally, libunwind-dev;
# the rest is for the tests (cmocka), dmabuf-sim (jansson, libyaml), the
# checks (g++ compiles the headers as C++, clang is CI's second compiler),
# the benchmarks (valgrind), the revoke model's checker (spin) and the fuzz
# targets (libclang-rt-14-dev: clang's libFuzzer and sanitizer runtimes).
packages="gcc g++ clang make meson ninja-build pkg-config python3 libcmocka-dev
libunwind-dev libjansson-dev libyaml-dev valgrind groff-base spin libclang-rt-14-dev"
# Not here: chromium, which only the HTML report's browser test needs; that
# test installs it itself (scripts/ensure-chromium.sh), so neither the build
# nor `make sim` ever pulls a browser in.

missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi

echo "setup: installing$missing" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	sudo="sudo"
fi
$sudo apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing >/dev/null
