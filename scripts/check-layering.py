#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""No arrow upward: each layer includes only the headers of layers below it.

    check-layering.py SOURCE_ROOT

The layers are the folders of src/ (README.md, Layout); BELOW says which
layers each may use. The protocol checker is what the core reports into, so
it sits right above base. The simulated hardware sits beside the dma-buf
core, not on it, as the kernel's DMA API sits below dma-buf: it may use
base, check and sync, and only the drivers see both. A public header belongs to the layer of its folder under include/dmabuf/ (hw/,
drivers/, ...); a header directly in include/dmabuf/ belongs to the layer of
the source file of the same name (dma-fence.h to src/sync/dma-fence.c), and
one without a source file (list.h, kref.h, ...) to the lowest layer that may
use everything it includes (base, for those). Every file of a
layer - its sources, its private headers and its public headers - may
include public headers of its own layer and those below it, and private
headers ("...") of its own folder or, inside libdmabuf, of a folder below.
The drivers use no private header but their own: they are written as an
out-of-tree driver would be. Prints TAP: one case per layer.
"""
import os
import re
import sys

LAYERS = ["base", "check", "sync", "buf", "ipc", "hw", "drivers"]
BELOW = {
    "base": [],
    "check": ["base"],
    "sync": ["base", "check"],
    "buf": ["base", "check", "sync"],
    "ipc": ["base", "check", "sync", "buf"],
    "hw": ["base", "check", "sync"],
    "drivers": ["base", "check", "sync", "buf", "ipc", "hw"],
}
# The layers of libdmabuf, whose private headers a layer above may share.
CORE = {"base", "check", "sync", "buf", "ipc"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def header_layers(root):
    owner = {}
    for layer in LAYERS:
        folder = os.path.join(root, "src", layer)
        if os.path.isdir(folder):
            for f in os.listdir(folder):
                if f.endswith(".c"):
                    owner[f[:-2] + ".h"] = layer
    layers = {}
    loose = {}
    top = os.path.join(root, "include", "dmabuf")
    for dirpath, _, files in os.walk(top):
        sub = os.path.relpath(dirpath, top)
        for f in files:
            if not f.endswith((".h", ".h.in")):
                continue
            name = f[:-3] if f.endswith(".in") else f
            if sub != ".":
                layers[f"{sub}/{name}"] = sub.split(os.sep)[0]
            elif name in owner:
                layers[name] = owner[name]
            else:
                with open(os.path.join(dirpath, f), encoding="utf-8") as h:
                    loose[name] = [inc[len("dmabuf/"):] for q, inc in
                                   INCLUDE.findall(h.read())
                                   if q == "<" and inc.startswith("dmabuf/")]
    # Headers without a source file, until none moves: the lowest layer that
    # may use what each includes.
    for name in loose:
        layers[name] = "base"
    changed = True
    while changed:
        changed = False
        for name, incs in loose.items():
            deps = {layers[i] for i in incs if i in layers and i != name}
            fit = next((l for l in LAYERS
                        if all(d == l or d in BELOW[l] for d in deps)),
                       LAYERS[-1])
            if fit != layers[name]:
                layers[name] = fit
                changed = True
    return layers


def files_of(root, layer, layers):
    folder = os.path.join(root, "src", layer)
    if os.path.isdir(folder):
        for f in sorted(os.listdir(folder)):
            if f.endswith((".c", ".h")):
                yield os.path.join(folder, f)
    for h, l in sorted(layers.items()):
        if l == layer:
            yield os.path.join(root, "include", "dmabuf", h)


def main(root):
    layers = header_layers(root)
    present = [l for l in LAYERS
               if os.path.isdir(os.path.join(root, "src", l)) or l in layers.values()]
    print(f"1..{len(present)}")
    status = 0
    for n, layer in enumerate(present, 1):
        problems = []
        for path in files_of(root, layer, layers):
            if not os.path.exists(path):
                path += ".in"
            with open(path, encoding="utf-8") as f:
                text = f.read()
            rel = os.path.relpath(path, root)
            for quote, inc in INCLUDE.findall(text):
                if quote == '"':
                    parts = inc.split("/")
                    own = len(parts) == 1
                    lower = (len(parts) == 3 and parts[0] == ".."
                             and parts[1] in BELOW[layer]
                             and layer in CORE)
                    if not rel.startswith("src/") or not (own or lower):
                        problems.append(f'{rel}: "{inc}" is not a private header of its folder or of one below it in libdmabuf')
                    continue
                if not inc.startswith("dmabuf/"):
                    continue
                target = layers.get(inc[len("dmabuf/"):])
                if target is None:
                    problems.append(f"{rel}: <{inc}> is no public header")
                elif target != layer and target not in BELOW[layer]:
                    problems.append(f"{rel}: <{inc}> belongs to {target}, not below {layer}")
        if problems:
            status = 1
            print(f"not ok {n} - {layer} includes only from below")
            for p in problems:
                print(f"# {p}")
        else:
            print(f"ok {n} - {layer} includes only from below")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
