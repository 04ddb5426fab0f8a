#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compare the dynamic symbols a shared library exports with a committed list.

    check-symbols.py [--nm NM] LIBRARY.so LIST

LIST holds one symbol@@VERSION a line ('#' starts a comment), as
`nm -D --defined-only` prints them. Any symbol exported and not listed (an
accidental export), listed and not exported (a removal, which breaks every
program linked against the library), or exported under another version
fails. The version nodes themselves are not symbols and are skipped.
Prints TAP: one case per library.
"""
import argparse
import subprocess
import sys


def exported(nm, library):
    out = subprocess.run([nm, "-D", "--defined-only", library], check=True,
                         capture_output=True, text=True).stdout
    symbols = set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) != 3 or fields[1] == "A":
            continue
        symbols.add(fields[2])
    return symbols


def listed(path):
    with open(path, encoding="utf-8") as f:
        return {l.split("#", 1)[0].strip() for l in f} - {""}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nm", default="nm")
    parser.add_argument("library")
    parser.add_argument("list")
    args = parser.parse_args()

    have = exported(args.nm, args.library)
    want = listed(args.list)
    name = args.library.rsplit("/", 1)[-1]
    print("1..1")
    if have == want:
        print(f"ok 1 - {name} exports exactly the {len(want)} symbols of {args.list}")
        return 0
    print(f"not ok 1 - {name} does not export what {args.list} lists")
    for s in sorted(have - want):
        print(f"# exported but not listed (hide it, or add it to the map and the list): {s}")
    for s in sorted(want - have):
        print(f"# listed but not exported (an ABI break): {s}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
