#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check-context.py HEADER|DIR... - every function declaration documents its context.

As the kernel's kernel-doc asks, each function declared in a core public
header (a prototype or a static inline definition at file scope) must have
a "Context:" line in the comment that documents it: the comment block right
above it, or above the run of declarations it belongs to (declarations that
share one comment, with no blank line between them). The context says
which thread may call it and which locks it needs, must not hold, or takes.

A directory stands for the headers directly in it (not its subfolders), so
a new header is checked without registering it. Prints every declaration
without a context and exits 1 if there is any; prints a count and exits 0
otherwise. Macros and function-pointer typedefs are not declarations here.
"""
import glob
import os
import re
import sys

# A file-scope line that starts a function declaration: a return type, a
# name, an opening parenthesis; not a typedef, a macro or a struct member.
DECL = re.compile(r'^(?:static\s+inline\s+|extern\s+)?'
                  r'(?:(?:const|struct|enum|unsigned|signed|_Atomic)\s+)*'
                  r'[A-Za-z_][A-Za-z0-9_]*[\s\*]+(?:__attribute__\(\(.*?\)\)\s*)?'
                  r'\**\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(')
SKIP = re.compile(r'^(typedef|#|\s|/|\*|}|struct\s+\w+\s*\{|enum\s+\w+\s*\{|union)')


def declarations(lines):
    """Yield (index, name) of each line that starts a function declaration."""
    depth = 0
    for i, line in enumerate(lines):
        if depth == 0 and not SKIP.match(line):
            m = DECL.match(line)
            if m:
                yield i, m.group(1)
        depth += line.count('{') - line.count('}')
        depth = max(depth, 0)


def comment_above(lines, i):
    """The comment block documenting the declaration starting at line @i."""
    j = i - 1
    while j >= 0:
        text = lines[j].rstrip()
        if text.endswith('*/'):
            end = j
            while j >= 0 and '/*' not in lines[j]:
                j -= 1
            return '\n'.join(lines[j:end + 1])
        if not text:
            return ''
        j -= 1          # part of an earlier declaration of the same run
    return ''


def headers(args):
    """The files named, and the *.h directly in each directory named."""
    for arg in args:
        if os.path.isdir(arg):
            yield from sorted(glob.glob(os.path.join(arg, '*.h')))
        else:
            yield arg


def main(args):
    missing = []
    total = 0
    for path in headers(args):
        with open(path, encoding='utf-8') as f:
            lines = f.read().split('\n')
        for i, name in declarations(lines):
            total += 1
            if 'Context:' not in comment_above(lines, i):
                missing.append(f'{path}:{i + 1}: {name}: no "Context:" line')
    for m in missing:
        print(m)
    if missing:
        print(f'{len(missing)} of {total} declarations lack a Context: line')
        return 1
    print(f'{total} declarations, each with a Context: line')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
