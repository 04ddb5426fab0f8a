#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Sum the test cases of one or more meson build directories.

Every test program speaks TAP (cmocka's TAP output); each "ok"/"not ok" line
is one case. A program that died before reporting (crash, sanitizer abort,
timeout) counts as one failed case more than it reported. Prints one line per
build and, last, the total as "N passed, N failed"; exits 1 if anything
failed or if no test ran at all.
"""
import json
import os
import sys


def summarize(build_dir):
    path = os.path.join(build_dir, "meson-logs", "testlog.json")
    passed = failed = 0
    broken = []
    with open(path, encoding="utf-8") as log:
        for line in log:
            test = json.loads(line)
            out = test.get("stdout") or ""
            ok = sum(1 for l in out.splitlines() if l.startswith("ok "))
            not_ok = sum(1 for l in out.splitlines() if l.startswith("not ok "))
            if test["result"] not in ("OK", "EXPECTEDFAIL") and not_ok == 0:
                not_ok = 1
                broken.append(f'{test["name"]} ({test["result"]})')
            passed += ok
            failed += not_ok
    return passed, failed, broken


def main(dirs):
    total_passed = total_failed = 0
    for d in dirs:
        if not os.path.exists(os.path.join(d, "meson-logs", "testlog.json")):
            print(f"# {d}: no test log (did its build fail?)")
            total_failed += 1
            continue
        passed, failed, broken = summarize(d)
        print(f"# {d}: {passed} passed, {failed} failed")
        for b in broken:
            print(f"#   died without reporting: {b}")
        total_passed += passed
        total_failed += failed
    print(f"{total_passed} passed, {total_failed} failed")
    return 1 if total_failed or not total_passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
