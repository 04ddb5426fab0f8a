#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Install into a scratch directory and use the result as a consumer would.

    check-install.py --build BUILD --source ROOT --prefix P --libdir L
                     --includedir I --version V --cc CC [--cxx CXX]

`meson install --destdir` puts the build into a scratch directory; then,
against what was installed and nothing else:
  - pkg-config knows libdmabuf and libdmabuf-sim at the project's version;
  - every installed header compiles alone as C and C++ (check-headers.py);
  - a C++ program including all of them links with both libraries through
    pkg-config and runs (C linkage, not only C syntax);
  - every example under examples/ builds with `make -C examples` through
    pkg-config, without a warning, and runs successfully.
Prints TAP, one case per check.
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


# Calls one function of each library, so that linking proves C linkage.
CXX_PROGRAM = """
{includes}
#include <cstring>

static_assert(DMABUF_CHECK_VERSION(0, 0, 0), "version.h");

int main()
{{
	const char *v = dmb_violation_name(DMB_V5_DMA_AFTER_UNMAP);
	const char *r = dmb_iommu_fault_reason_name(DMB_IOMMU_FAULT_UNMAPPED);

	return std::strcmp(v, "V5") != 0 || r == nullptr;
}}
"""


def cxx_consumer(cxx, include_dir, env, tmp):
    headers = sorted(os.path.relpath(h, include_dir) for h in
                     glob.glob(os.path.join(include_dir, "dmabuf", "**", "*.h"),
                               recursive=True))
    src = os.path.join(tmp, "consumer.cc")
    with open(src, "w", encoding="utf-8") as f:
        f.write(CXX_PROGRAM.format(includes="\n".join(
            f"#include <{h}>" for h in headers)))
    rc, flags = run(["pkg-config", "--cflags", "--libs", "libdmabuf-sim"],
                    env=env)
    if rc:
        return rc, flags
    exe = os.path.join(tmp, "consumer")
    rc, out = run(cxx.split() + ["-std=c++17", "-pedantic", "-Wall", "-Werror",
                                 src, "-o", exe] + flags.split(), env=env)
    if rc:
        return rc, out
    return run([exe], env=env)


class Tap:
    def __init__(self):
        self.cases = []

    def case(self, ok, what, detail=""):
        self.cases.append((ok, what, detail))

    def finish(self):
        print(f"1..{len(self.cases)}")
        for n, (ok, what, detail) in enumerate(self.cases, 1):
            print(f"{'ok' if ok else 'not ok'} {n} - {what}")
            for line in detail.splitlines()[-30:]:
                print(f"# {line}")
        return 0 if all(ok for ok, _, _ in self.cases) else 1


def run(cmd, env=None, cwd=None):
    p = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def main():
    parser = argparse.ArgumentParser()
    for opt in ("build", "source", "prefix", "libdir", "includedir",
                "version", "cc"):
        parser.add_argument("--" + opt, required=True)
    parser.add_argument("--cxx", default="")
    args = parser.parse_args()
    tap = Tap()

    with tempfile.TemporaryDirectory(prefix="dmabuf-install-") as dest:
        rc, out = run(["meson", "install", "-C", args.build, "--destdir",
                       dest, "--no-rebuild", "--quiet"])
        tap.case(rc == 0, "meson install --destdir", out if rc else "")
        if rc:
            return tap.finish()

        root = lambda d: dest + os.path.join(args.prefix, d)
        env = dict(os.environ,
                   PKG_CONFIG_PATH=root(os.path.join(args.libdir, "pkgconfig")),
                   PKG_CONFIG_SYSROOT_DIR=dest,
                   LD_LIBRARY_PATH=root(args.libdir),
                   CC=args.cc)
        env.pop("PKG_CONFIG_LIBDIR", None)
        for pc in ("libdmabuf", "libdmabuf-sim"):
            rc, out = run(["pkg-config", "--modversion", pc], env=env)
            tap.case(rc == 0 and out.strip() == args.version,
                     f"pkg-config {pc} is version {args.version}", out)

        headers = subprocess.run(
            [sys.executable, os.path.join(HERE, "check-headers.py"),
             "--cc", args.cc, "--cxx", args.cxx, root(args.includedir)],
            capture_output=True, text=True)
        for line in headers.stdout.splitlines():
            if line.startswith(("ok ", "not ok ")):
                ok = line.startswith("ok ")
                tap.case(ok, "installed " + line.split(" - ", 1)[1])
            elif line.startswith("#") and tap.cases:
                ok, what, detail = tap.cases[-1]
                tap.cases[-1] = (ok, what, detail + line[2:] + "\n")

        if args.cxx:
            with tempfile.TemporaryDirectory(prefix="dmabuf-cxx-") as tmp:
                rc, out = cxx_consumer(args.cxx, root(args.includedir), env, tmp)
            tap.case(rc == 0, "a C++ program using every header links with "
                     "both libraries and runs", out)

        with tempfile.TemporaryDirectory(prefix="dmabuf-examples-") as out_dir:
            examples = os.path.join(args.source, "examples")
            make = ["make", "--no-print-directory", "-C", examples,
                    "O=" + out_dir, "CFLAGS=-O2 -g -Werror"]
            rc, out = run(make + ["-s", "list"], env=env)
            names = out.split() if rc == 0 else []
            tap.case(rc == 0 and bool(names), "examples are listed", out)
            for name in names:
                rc, out = run(make + [f"run-{name}"], env=env)
                tap.case(rc == 0, f"example {name} builds against the "
                         "installed libraries and runs", out)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
