#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# md-to-man.py - dmabuf-sim-scenario(5), generated from docs/scenarios.md at
# build time so the manual page and the document can never disagree: the
# document's sections from "The scenario format" on, in roff.
#
#   md-to-man.py docs/scenarios.md -o dmabuf-sim-scenario.5 --version 0.1.0
#
# Only the Markdown the document uses is understood: headings, paragraphs,
# "- " lists, tables, fenced and indented code, `code`, **bold**, *italic*
# and <addresses>. A table becomes a tagged paragraph per row: its first
# cell is the tag, the other cells follow, each named by its column.
import argparse
import re
import sys

FIRST_SECTION = "The scenario format"

HEAD = r""".\" SPDX-License-Identifier: MIT
.\" Generated at build time from the scenario document of the libdmabuf
.\" sources: edit that, not this.
.TH DMABUF-SIM-SCENARIO 5 "2026-12-04" "libdmabuf {version}" "libdmabuf"
.SH NAME
dmabuf-sim-scenario \- scenario files and reports of dmabuf-sim
.SH SYNOPSIS
.B dmabuf-sim run
.I FILE
.RB [ \-\-json
.IR FILE ]
.RB [ \-\-trace
.IR FILE ]
.RB [ \-\-html
.IR FILE ]
.SH DESCRIPTION
A scenario is a YAML file that describes a small machine \(em an exporter,
its importers, their DMA workload \(em the events that happen to it, and
what a correct run must show.
.BR dmabuf-sim (1)
plays it on libdmabuf's reference drivers and simulated hardware and
reports what happened as text, JSON, a Chrome trace or an HTML page.
.B dmabuf-sim show vfio-revoke
prints a built-in scenario to start from.
"""

TAIL = r""".SH SEE ALSO
.BR dmabuf-sim (1)
"""


def unicode(text):
    """Characters beyond ASCII as groff's \\[uXXXX] escapes."""
    return "".join(c if ord(c) < 128 else "\\[u%04X]" % ord(c) for c in text)


def inline(text):
    """Markdown inline markup to roff; escapes roff's specials first."""
    text = unicode(text.replace("\\", "\\e"))
    text = re.sub(r"`([^`]*)`", lambda m: "\\fB" + m.group(1).replace("-", "\\-") + "\\fR", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"\\fB\1\\fR", text)
    text = re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", r"\\fI\1\\fR", text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    text = text.replace("\\|", "|")
    return text


def line_out(out, text):
    text = inline(text)
    if text.startswith((".", "'")):
        text = "\\&" + text
    out.append(text)


def cells(row):
    row = row.strip().strip("|")
    return [c.strip() for c in re.split(r"(?<!\\)\|", row)]


def convert(md):
    lines = md.splitlines()
    try:
        start = next(i for i, l in enumerate(lines) if l.startswith("## " + FIRST_SECTION))
    except StopIteration:
        sys.exit("md-to-man: no section '%s'" % FIRST_SECTION)
    out, i, para = [], start, False
    while i < len(lines):
        l = lines[i]
        if l.startswith("## "):
            out.append(".SH " + inline(re.sub(r"\s*\(`[^)]*`\)", "", l[3:])).upper())
            para = False
        elif l.startswith("### "):
            out.append(".SS " + inline(l[4:]))
            para = False
        elif l.startswith("```"):
            out.append(".PP\n.EX")
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                out.append(("\\&" if lines[i].startswith((".", "'")) else "") +
                           unicode(lines[i].replace("\\", "\\e")))
                i += 1
            out.append(".EE")
            para = False
        elif l.startswith("    ") and not para:
            out.append(".PP\n.EX")
            while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
                if lines[i].strip():
                    out.append(unicode(lines[i][4:].replace("\\", "\\e")))
                i += 1
            out.append(".EE")
            para = False
            continue
        elif l.startswith("|"):
            head = cells(l)
            i += 2          # the header and the --- row
            while i < len(lines) and lines[i].startswith("|"):
                row = cells(lines[i])
                out.append(".TP")
                line_out(out, row[0])
                rest = ["%s: %s" % (h, c) if h and c else c
                        for h, c in zip(head[1:], row[1:]) if c]
                line_out(out, "; ".join(rest) if len(head) > 2 else (row[1] if len(row) > 1 else ""))
                i += 1
            para = False
            continue
        elif l.startswith("- "):
            out.append(".IP \\(bu 2")
            line_out(out, l[2:])
            para = True
        elif not l.strip():
            para = False
        else:
            if not para:
                out.append(".PP")
                para = True
            line_out(out, l.strip())
        i += 1
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--version", default="0")
    args = ap.parse_args()
    with open(args.input, encoding="utf-8") as f:
        body = convert(f.read())
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(HEAD.format(version=args.version) + body + TAIL)


if __name__ == "__main__":
    main()
