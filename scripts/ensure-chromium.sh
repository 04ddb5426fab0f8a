#!/bin/sh
# SPDX-License-Identifier: MIT
#
# ensure-chromium.sh - print the path of a headless-capable Chromium,
# installing Debian's chromium first if it is missing. Only the browser
# test needs it (dmabuf-sim itself never does), so it is installed here, for
# the test command, and not by `make` or `make sim`.
#
# Exit status: 0 with the path on stdout; 77 (the test harness's "skip")
# with the reason on stderr when it is missing and cannot be installed
# (no root or sudo, no network, not a Debian system).
set -u

find_browser() {
	for b in chromium chromium-browser; do
		if command -v "$b" >/dev/null 2>&1; then
			command -v "$b"
			return 0
		fi
	done
	return 1
}

if find_browser; then
	exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "ensure-chromium: no chromium, and no apt-get to install it with" >&2
	exit 77
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if ! sudo -n true 2>/dev/null; then
		echo "ensure-chromium: no chromium, and no root or sudo to install it" >&2
		exit 77
	fi
	sudo="sudo -n"
fi
echo "ensure-chromium: installing chromium for the browser test" >&2
if ! { $sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive \
	$sudo apt-get install -y -q --no-install-recommends chromium; } >/dev/null 2>&1; then
	echo "ensure-chromium: apt-get could not install chromium" >&2
	exit 77
fi
if find_browser; then
	exit 0
fi
echo "ensure-chromium: chromium installed but not found on PATH" >&2
exit 77
