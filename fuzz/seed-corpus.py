#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpora: fuzz/corpus/fuzz-scenario/ and fuzz-ipc-wire/.

fuzz-scenario's seeds are the built-in scenarios
(tools/dmabuf-sim/scenarios/) and the bad files of the parser's tests
(bad_cases in tests/tools/test-scenario-parse.c, C string literals and the
HEAD macros they use), one text file each. fuzz-ipc-wire's are valid
conversations with an exporter (docs/ipc.md "Wire protocol"), every message
type in them, in the target's record format (fuzz/fuzz-ipc-wire.c). With
--check, prints TAP and fails if a committed corpus is not what this script
would write (run it without --check to update them).

usage: seed-corpus.py [--check] [SOURCE_ROOT]
"""
import os
import re
import struct
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


# struct dmb_ipc_msg (src/ipc/ipc-private.h), host order: x86-64 and
# aarch64 are little-endian.
MAGIC, VERSION = 0x49424D44, 1
(HELLO, ATTACH, MAP, UNMAP, DETACH, REPLY, INVALIDATE, FENCE, VMAP,
 VUNMAP) = range(1, 11)


def record(mtype, seq=0, status=0, handle=0, arg=0, name=b"", fds=0):
    """One record of fuzz-ipc-wire's input: control byte, then a message."""
    return bytes([fds]) + struct.pack("<IHHIiQQ32s", MAGIC, VERSION, mtype,
                                      seq, status, handle, arg, name)


def ipc_seeds():
    hello = record(HELLO, seq=1, arg=4242, name=b"importer")
    # The exporter numbers attachments and mappings 1, 2, ... in order.
    attach = record(ATTACH, seq=2, arg=1) + record(MAP, seq=3, handle=1, arg=0)
    seeds = {
        "hello": hello,
        "attach-map-unmap-detach": hello + attach + record(UNMAP, handle=2) +
        record(DETACH, handle=1),
        "attach-map-left-mapped": hello + attach + record(MAP, seq=4, handle=1, arg=2),
        "pinned-attach-detach": hello + record(ATTACH, seq=2) + record(DETACH, handle=1),
        "fence-every-usage": hello + b"".join(
            record(FENCE, seq=2 + u, arg=u, fds=1) for u in range(4)),
        "vmap-vunmap": hello + record(VMAP, seq=2) + record(VUNMAP, handle=1),
        "vmap-left-mapped": hello + record(ATTACH, seq=2, arg=1) +
        record(VMAP, seq=3),
        "reply-from-importer": hello + record(REPLY, seq=1),
        "invalidate-from-importer": hello + record(INVALIDATE, handle=1),
        # Control bit 2 of the first record: a read-only connection, whose
        # writing maps (BIDIRECTIONAL 0, FROM_DEVICE 2) are refused.
        "read-only-maps": record(HELLO, seq=1, arg=4242, name=b"importer",
                                 fds=4) +
        record(ATTACH, seq=2, arg=1) + record(MAP, seq=3, handle=1, arg=2) +
        record(MAP, seq=4, handle=1, arg=0) +
        record(MAP, seq=5, handle=1, arg=1) + record(VMAP, seq=6),
    }
    return {name + ".bin": data for name, data in seeds.items()}


CORPORA = {
    # name: (seeds, the fewest seeds a sound source gives)
    "fuzz-scenario": (seeds, 40),
    "fuzz-ipc-wire": (lambda root: ipc_seeds(), 9),
}


def encode(data):
    return data if isinstance(data, bytes) else data.encode("utf-8")


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    root = args[0] if args else os.path.join(os.path.dirname(__file__), "..")
    if check:
        print("1..%d" % len(CORPORA))
    failed = 0
    for i, (target, (make, fewest)) in enumerate(CORPORA.items(), 1):
        cdir = os.path.join(root, "fuzz/corpus", target)
        want = {name: encode(data) for name, data in make(root).items()}
        if not check:
            os.makedirs(cdir, exist_ok=True)
            for name in os.listdir(cdir):
                os.unlink(os.path.join(cdir, name))
            for name, data in want.items():
                with open(os.path.join(cdir, name), "wb") as f:
                    f.write(data)
            print("%d seeds in %s" % (len(want), cdir))
            continue
        have = {}
        for name in os.listdir(cdir) if os.path.isdir(cdir) else []:
            with open(os.path.join(cdir, name), "rb") as f:
                have[name] = f.read()
        stale = sorted(n for n in set(want) | set(have) if want.get(n) != have.get(n))
        if len(want) >= fewest and not stale:
            print("ok %d - the committed %s seeds are current (%d seeds)"
                  % (i, target, len(want)))
            continue
        failed = 1
        print("not ok %d - fuzz/corpus/%s differs from fuzz/seed-corpus.py's "
              "output (%d seeds): %s" % (i, target, len(want),
                                         ", ".join(stale[:10]) or "too few"))
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
