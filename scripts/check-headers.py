#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compile every public header alone, as C and as C++, pedantic and -Werror.

    check-headers.py --cc CC [--cxx CXX] INCLUDE_DIR...

Every header under INCLUDE_DIR/dmabuf/ is included alone into an empty
translation unit and compiled as C11 and as C++17, each with -pedantic
-Wall -Wextra -Werror: a header must bring what it needs and read as the
standard language, whatever the consumer's language. And every header
but those of macros alone (compiler.h, version.h) puts its declarations
between DMB_BEGIN_DECLS and DMB_END_DECLS: C linkage in C++, and the default
visibility without which a declared function is not exported. Prints TAP:
one case per header and language (C++ cases are skipped without a C++
compiler), and one per header for the markers.
"""
import argparse
import concurrent.futures
import os
import subprocess
import sys
import tempfile

LANGS = [
    ("C", "cc", ".c", ["-std=c11"]),
    ("C++", "cxx", ".cc", ["-std=c++17"]),
]
WARNINGS = ["-pedantic", "-Wall", "-Wextra", "-Werror"]
NO_DECLS = {"dmabuf/compiler.h", "dmabuf/version.h"}


def has_markers(dirs, header):
    for d in dirs:
        path = os.path.join(d, header)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                text = f.read()
            return "\nDMB_BEGIN_DECLS\n" in text and "\nDMB_END_DECLS\n" in text
    return False


def headers(dirs):
    found = set()
    for d in dirs:
        top = os.path.join(d, "dmabuf")
        for dirpath, _, files in os.walk(top):
            for f in files:
                if f.endswith(".h"):
                    found.add(os.path.relpath(os.path.join(dirpath, f), d))
    return sorted(found)


def compile_one(compiler, lang, suffix, std, header, dirs, tmp):
    src = os.path.join(tmp, header.replace("/", "_") + suffix)
    with open(src, "w", encoding="utf-8") as f:
        # A header of macros alone leaves the unit empty, which ISO C forbids.
        f.write(f"#include <{header}>\ntypedef int check_headers_unit;\n")
    cmd = compiler + std + WARNINGS + [f"-I{d}" for d in dirs] + [
        "-fsyntax-only", src]
    run = subprocess.run(cmd, capture_output=True, text=True)
    return lang, header, run.returncode, run.stderr


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cc", required=True)
    parser.add_argument("--cxx", default="")
    parser.add_argument("dirs", nargs="+")
    args = parser.parse_args()
    compilers = {"cc": args.cc.split(), "cxx": args.cxx.split()}

    jobs = []
    marked = []
    for header in headers(args.dirs):
        for lang, which, suffix, std in LANGS:
            jobs.append((compilers[which], lang, suffix, std, header))
        if header not in NO_DECLS:
            marked.append(header)
    print(f"1..{len(jobs) + len(marked)}")
    status = 0
    with tempfile.TemporaryDirectory() as tmp, \
            concurrent.futures.ThreadPoolExecutor(2) as pool:
        futures = []
        for compiler, lang, suffix, std, header in jobs:
            if not compiler:
                futures.append(None)
                continue
            futures.append(pool.submit(compile_one, compiler, lang, suffix,
                                       std, header, args.dirs, tmp))
        for n, (job, fut) in enumerate(zip(jobs, futures), 1):
            lang, header = job[1], job[4]
            if fut is None:
                print(f"ok {n} - {header} as {lang} # SKIP no {lang} compiler")
                continue
            _, _, rc, err = fut.result()
            if rc == 0:
                print(f"ok {n} - {header} alone as {lang}")
            else:
                status = 1
                print(f"not ok {n} - {header} alone as {lang}")
                for line in err.splitlines()[:20]:
                    print(f"# {line}")
    for n, header in enumerate(marked, len(jobs) + 1):
        if has_markers(args.dirs, header):
            print(f"ok {n} - {header} declares between DMB_BEGIN_DECLS and DMB_END_DECLS")
        else:
            status = 1
            print(f"not ok {n} - {header} declares between DMB_BEGIN_DECLS and DMB_END_DECLS")
    return status


if __name__ == "__main__":
    sys.exit(main())
