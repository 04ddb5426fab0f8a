#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpus of fuzz-scenario: fuzz/corpus/fuzz-scenario/.

The seeds are the built-in scenarios (tools/dmabuf-sim/scenarios/) and the
bad files of the parser's tests (bad_cases in
tests/tools/test-scenario-parse.c, C string literals and the HEAD macros
they use), one text file each. With --check, prints TAP and fails if the
committed corpus is not what this script would write (run it without
--check to update it).

usage: seed-corpus.py [--check] [SOURCE_ROOT]
"""
import os
import re
import sys

LITERAL = r'"(?:[^"\\]|\\.)*"'


def c_string(literals, macros):
    """The value of a sequence of C string literals and macro names."""
    out = ""
    for tok in re.findall(LITERAL + r"|[A-Z_]+", literals):
        if tok.startswith('"'):
            out += bytes(tok[1:-1], "utf-8").decode("unicode_escape")
        else:
            out += macros[tok]
    return out


def bad_files(root):
    path = os.path.join(root, "tests/tools/test-scenario-parse.c")
    with open(path, encoding="utf-8") as f:
        src = f.read()
    macros = {}
    for m in re.finditer(r"#define (HEAD\w*) ((?:" + LITERAL + r"|\\\n|\s)+)", src):
        macros[m.group(1)] = c_string(m.group(2), macros)
    block = src[src.index("bad_cases[] = {"):]
    block = block[:block.index("\n};")]
    # Each case: { TEXT, LINE, "fragment" }; TEXT is literals and macros.
    entry = r"\{\s*((?:(?:HEAD\w*)\s*|" + LITERAL + r"\s*)+),\s*\d+,"
    return [c_string(m.group(1), macros) for m in re.finditer(entry, block)]


def seeds(root):
    out = {}
    sdir = os.path.join(root, "tools/dmabuf-sim/scenarios")
    for name in sorted(os.listdir(sdir)):
        with open(os.path.join(sdir, name), encoding="utf-8") as f:
            out["builtin-" + name] = f.read()
    for i, text in enumerate(bad_files(root)):
        out["bad-%03d.yaml" % i] = text
    return out


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    root = args[0] if args else os.path.join(os.path.dirname(__file__), "..")
    cdir = os.path.join(root, "fuzz/corpus/fuzz-scenario")
    want = seeds(root)
    if not check:
        os.makedirs(cdir, exist_ok=True)
        for name in os.listdir(cdir):
            os.unlink(os.path.join(cdir, name))
        for name, text in want.items():
            with open(os.path.join(cdir, name), "w", encoding="utf-8") as f:
                f.write(text)
        print("%d seeds in %s" % (len(want), cdir))
        return 0
    have = {}
    for name in os.listdir(cdir):
        with open(os.path.join(cdir, name), encoding="utf-8") as f:
            have[name] = f.read()
    print("1..1")
    stale = sorted(n for n in set(want) | set(have) if want.get(n) != have.get(n))
    if len(want) > 40 and not stale:
        print("ok 1 - the committed seed corpus is current (%d seeds)" % len(want))
        return 0
    print("not ok 1 - fuzz/corpus/fuzz-scenario differs from fuzz/seed-corpus.py's "
          "output (%d seeds): %s" % (len(want), ", ".join(stale[:10]) or "too few"))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
