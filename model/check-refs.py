#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check that docs/model.md still maps the revoke model to real code.

Every row of the mapping tables in docs/model.md names a step of
model/revoke.pml (an inline or proctype, as `name()`), a C file under src/
and a function in it (as `file` `function()`), and the lines that function
spans (first-last, the line with its name to its closing brace). This
checks, one TAP case per row, that the model step exists, that the function
is still defined in that file, and that it still spans those lines: a change
to the code fails here and names the model step to re-check.

  check-refs.py [ROOT]            check (ROOT: the source tree, default .)
  check-refs.py --update [ROOT]   rewrite the line spans in docs/model.md
                                  from the code as it is now (do it after
                                  re-checking the model steps named)
"""
import os
import re
import sys

ROW = re.compile(r"^\|(?P<cells>.*)\|\s*$")
MODEL_NAME = re.compile(r"`(\w+)\(\)`")
C_REF = re.compile(r"`(src/[\w/.-]+\.c)`\s*`(\w+)\(\)`")
SPAN = re.compile(r"\b(\d+)-(\d+)\b")


def function_span(path, name):
    """(first, last) line of @name's definition in @path, or None."""
    with open(path, encoding="utf-8") as src:
        lines = src.read().split("\n")
    head = re.compile(r"^(?:[A-Za-z_][\w\s\*]*\s\**)?" + re.escape(name) + r"\(")
    for i, line in enumerate(lines):
        if not head.match(line) or line.rstrip().endswith(";"):
            continue
        # A definition: the body opens before a ';' ends a declaration.
        for j in range(i, len(lines)):
            if lines[j].rstrip().endswith(";") and "{" not in lines[j]:
                break
            if lines[j].startswith("{") or lines[j].rstrip().endswith("{"):
                for k in range(j, len(lines)):
                    if lines[k] == "}":
                        return i + 1, k + 1
                return None
    return None


def model_has(model_text, name):
    return re.search(r"^\s*(?:active\s+)?(?:inline|proctype)\s+" + re.escape(name)
                     + r"\s*\(", model_text, re.M) is not None


def rows(doc_lines):
    """Yield (index, model names, file, function, span match) per mapping row."""
    for i, line in enumerate(doc_lines):
        m = ROW.match(line)
        if not m:
            continue
        cells = m.group("cells").split("|")
        if len(cells) < 3:
            continue
        ref = C_REF.search(line)
        span = SPAN.search(cells[-1])
        if not ref or not span:
            continue
        yield i, MODEL_NAME.findall(cells[0]), ref.group(1), ref.group(2), span


def main(argv):
    update = "--update" in argv
    args = [a for a in argv if a != "--update"]
    root = args[0] if args else "."
    doc_path = os.path.join(root, "docs", "model.md")
    with open(doc_path, encoding="utf-8") as doc:
        doc_lines = doc.read().split("\n")
    with open(os.path.join(root, "model", "revoke.pml"), encoding="utf-8") as pml:
        model_text = pml.read()

    found = list(rows(doc_lines))
    if not found:
        print("1..1\nnot ok 1 - docs/model.md has no mapping rows")
        return 1
    if update:
        for i, _, path, func, span in found:
            now = function_span(os.path.join(root, path), func)
            if now:
                line = doc_lines[i]
                cells = line.split("|")
                cells[-2] = cells[-2].replace(span.group(0), f"{now[0]}-{now[1]}", 1)
                doc_lines[i] = "|".join(cells)
        with open(doc_path, "w", encoding="utf-8") as doc:
            doc.write("\n".join(doc_lines))
        return 0

    print(f"1..{len(found)}")
    failed = 0
    for n, (_, steps, path, func, span) in enumerate(found, 1):
        what = f"{', '.join(s + '()' for s in steps) or 'row'} -> {path} {func}()"
        problems = [f"model step {s}() not in model/revoke.pml"
                    for s in steps if not model_has(model_text, s)]
        full = os.path.join(root, path)
        now = function_span(full, func) if os.path.exists(full) else None
        if not os.path.exists(full):
            problems.append(f"{path} does not exist")
        elif not now:
            problems.append(f"{func}() is no longer defined in {path}")
        elif now != (int(span.group(1)), int(span.group(2))):
            problems.append(f"{func}() now spans {now[0]}-{now[1]}, not {span.group(0)}: "
                            "re-check the model step, then run model/check-refs.py --update")
        if problems:
            failed += 1
            print(f"not ok {n} - {what}: " + "; ".join(problems))
        else:
            print(f"ok {n} - {what} lines {span.group(0)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
