#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compare the dynamic symbols a shared library exports with a committed list.

    check-symbols.py [--nm NM] LIBRARY.so LIST
    check-symbols.py [--nm NM] [--readelf READELF] --visible ARCHIVE.a LIBRARY.so...

LIST holds one symbol@@VERSION a line ('#' starts a comment), as
`nm -D --defined-only` prints them. Any symbol exported and not listed (an
accidental export), listed and not exported (a removal, which breaks every
program linked against the library), or exported under another version
fails. The version nodes themselves are not symbols and are skipped.

With --visible: the libraries are compiled with hidden visibility and the
public headers make what they declare visible, so the global symbols of
default visibility in the objects of ARCHIVE are the public API. Each must
be exported by one of the LIBRARIES: one missing was declared in a public
header and forgotten in the version map.
Prints TAP: one case.
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


# What sanitizers add beside each global (ASan's one-definition-rule markers).
SANITIZER_PREFIXES = ("__odr_asan", "__asan", "__tsan", "__ubsan", "__sanitizer")


def visible(readelf, archive):
    """Defined global symbols of default visibility in the objects."""
    out = subprocess.run([readelf, "-sW", archive], check=True,
                         capture_output=True, text=True).stdout
    symbols = set()
    for line in out.splitlines():
        fields = line.split()
        if (len(fields) >= 8 and fields[4] in ("GLOBAL", "WEAK")
                and fields[5] == "DEFAULT" and fields[6] != "UND"
                and not fields[7].startswith(SANITIZER_PREFIXES)):
            symbols.add(fields[7])
    return symbols


def check_visible(nm, readelf, archive, libraries):
    api = visible(readelf, archive)
    have = set()
    for library in libraries:
        have |= {s.split("@", 1)[0] for s in exported(nm, library)}
    print("1..1")
    if api == have:
        print(f"ok 1 - the {len(api)} public symbols are exported")
        return 0
    print("not ok 1 - the public symbols are not what the libraries export")
    for s in sorted(api - have):
        print(f"# declared in a public header, not in a version map: {s}")
    for s in sorted(have - api):
        print(f"# exported, not declared in a public header: {s}")
    return 1


def listed(path):
    with open(path, encoding="utf-8") as f:
        return {l.split("#", 1)[0].strip() for l in f} - {""}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nm", default="nm")
    parser.add_argument("--readelf", default="readelf")
    parser.add_argument("--visible", metavar="ARCHIVE")
    parser.add_argument("library")
    parser.add_argument("list", nargs="+")
    args = parser.parse_args()
    if args.visible:
        return check_visible(args.nm, args.readelf, args.visible,
                             [args.library] + args.list)
    args.list = args.list[0]

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
