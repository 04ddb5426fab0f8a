#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check-misuse-coverage.py HEADER|DIR... -- PROGRAM... - every public
function has a misuse case.

Lists the functions declared in the public headers named (a directory
stands for the *.h directly in it): prototypes and static inline
definitions at file scope, found by a small C scanner (comments and
preprocessor lines dropped, then top-level statements split at ';' and at
the '}' closing a function body). Runs each misuse PROGRAM with --list,
which prints the functions its cases cover (tests/misuse/misuse.h), and
fails if a declared function has no case in any of them, or if a case
names a function no header declares (a renamed or removed one).
"""
import glob
import os
import re
import subprocess
import sys

COMMENT = re.compile(r'/\*.*?\*/|//[^\n]*', re.S)
IDENT_CALL = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*\(')
NOT_NAMES = {'__attribute__', 'DMB_PRINTF', 'DMB_ATOMIC', 'sizeof',
             '__typeof__', '_Pragma'}


def strip(text):
    """The header without comments and preprocessor lines."""
    text = COMMENT.sub(' ', text)
    out, cont = [], False
    for line in text.split('\n'):
        if cont or line.lstrip().startswith('#'):
            cont = line.rstrip().endswith('\\')
            continue
        out.append(line)
    return '\n'.join(out)


def statements(text):
    """Top-level statements: up to ';' at depth 0, or a closing body '}'."""
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch == '{':
            depth += 1
        elif ch == '}':
            depth -= 1
            if depth == 0:
                head = text[start:i + 1]
                # a function body ends its statement; a struct's does not
                if head.find('(') != -1 and head.find('(') < head.find('{'):
                    yield head
                    start = i + 1
        elif ch == ';' and depth == 0:
            yield text[start:i + 1]
            start = i + 1


def declared(path):
    with open(path, encoding='utf-8') as f:
        text = strip(f.read())
    names = []
    for stmt in statements(text):
        s = stmt.strip()
        s = re.sub(r'^(DMB_BEGIN_DECLS|DMB_END_DECLS|\s)+', '', s)
        if not s or s.startswith('typedef'):
            continue
        paren, brace = s.find('('), s.find('{')
        if paren < 0 or (0 <= brace < paren):
            continue
        for m in IDENT_CALL.finditer(s):
            if m.group(1) not in NOT_NAMES:
                names.append(m.group(1))
                break
    return names


def headers(args):
    for arg in args:
        if os.path.isdir(arg):
            yield from sorted(glob.glob(os.path.join(arg, '*.h')))
        else:
            yield arg


def main(argv):
    if '--' not in argv:
        print(__doc__)
        return 2
    sep = argv.index('--')
    decls = {}
    for path in headers(argv[:sep]):
        for name in declared(path):
            decls[name] = os.path.basename(path)
    covered = set()
    for prog in argv[sep + 1:]:
        out = subprocess.run([prog, '--list'], check=True,
                             capture_output=True, text=True).stdout
        covered.update(line.strip() for line in out.splitlines() if line.strip())
    missing = sorted(n for n in decls if n not in covered)
    stale = sorted(n for n in covered if n not in decls)
    for n in missing:
        print(f'{decls[n]}: {n}: no misuse case')
    for n in stale:
        print(f'{n}: a misuse case for a function no header declares')
    if missing or stale:
        print(f'{len(missing)} of {len(decls)} public functions without a misuse case, '
              f'{len(stale)} stale case names')
        return 1
    print(f'{len(decls)} public functions, each with a misuse case')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
