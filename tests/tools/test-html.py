#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# test-html.py - dmabuf-sim's HTML report (--html FILE), as TAP.
#
#   test-html.py SIM               every built-in scenario's page: one file
#                                  that fetches nothing, SVG that parses as
#                                  XML, a lane per device and the marks the
#                                  run must show
#   test-html.py SIM --example FILE
#                                  ... and FILE, the example committed under
#                                  docs/examples/, is the default scenario's
#                                  page as the program writes it today
#   test-html.py SIM --browser [--png FILE]
#                                  the default scenario's page rendered by a
#                                  real headless Chromium (installed for this
#                                  test by scripts/ensure-chromium.sh): the
#                                  screenshot is not blank and shows the
#                                  lanes; --png keeps the screenshot
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib

SVG_NS = "{http://www.w3.org/2000/svg}"
HERE = os.path.dirname(os.path.abspath(__file__))
ENSURE_CHROMIUM = os.path.join(HERE, "..", "..", "scripts", "ensure-chromium.sh")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--force-device-scale-factor=1"]
LANE_COLORS = ((250, 250, 250), (238, 242, 247))    # .lane, .lane.odd


def play(sim, tmp, name):
    html = os.path.join(tmp, name + ".html")
    jpath = os.path.join(tmp, name + ".json")
    p = subprocess.run([sim, "--quiet", "run", name, "--html", html, "--json", jpath],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=300)
    with open(jpath) as f:
        report = json.load(f)
    with open(html, encoding="utf-8") as f:
        return p, html, f.read(), report


def svgs(text):
    return [ET.fromstring(m.group(0)) for m in re.finditer(r"<svg\b.*?</svg>", text, re.S)]


def classes(svg):
    out = {}
    for el in svg.iter():
        for c in el.get("class", "").split():
            out[c] = out.get(c, 0) + 1
    return out


def check_page(c, name, text, report):
    # Self-contained: nothing fetched, nothing run.
    c.true("no script", "<script" not in text.lower())
    c.true("no stylesheet link", "<link" not in text.lower())
    c.true("no @import or external url()",
           "@import" not in text and not re.search(r"url\((?!#)", text))
    c.true("no address but the SVG namespace",
           set(re.findall(r"https?://[^\s\"'<>)]+", text)) <= {"http://www.w3.org/2000/svg"})
    try:
        every = svgs(text)
    except ET.ParseError as e:
        c.true("SVG parses as XML: %s" % e, False)
        return
    plays = report.get("variants", [report])
    pictures = [s for s in every if "zoom" not in s.get("class", "").split()]
    c.eq("one timeline per play", len(pictures), len(plays))
    c.eq("one close-up per revoke", len(every) - len(pictures),
         sum(len(p["revokes"]) for p in plays))
    for svg, p in zip(pictures, plays):
        cl = classes(svg)
        lanes = [t.text for t in svg.iter(SVG_NS + "text") if t.get("class") == "lanelabel"]
        c.true("the exporter's lane comes first",
               lanes and lanes[0] == "%s %s" % (p["exporter"]["driver"], p["exporter"]["device"]))
        for a in p["attachments"]:
            c.true("a lane for %s %s" % (a["importer"], a["device"]),
                   "%s %s" % (a["importer"], a["device"]) in lanes)
            # An importer process: its behaviour's span and its fate, shown.
            proc = a.get("process")
            if proc:
                c.true("%s's %s span" % (a["device"], proc["behaviour"]),
                       "<title>%s (" % proc["behaviour"] in text)
                c.true("%s's fate %s" % (a["device"], proc["fate"]),
                       "fate: %s (" % proc["fate"] in text)
        c.eq("lane backgrounds", cl.get("lane", 0), len(lanes))
        c.true("DMA drawn", cl.get("dma", 0) > 0)
        nrev = len(p["revokes"])
        c.eq("revoke spans", cl.get("revoke", 0), nrev)
        c.eq("phase spans", cl.get("phase", 0), 3 * nrev)
        inval = sum(a["invalidations"] for a in p["attachments"])
        c.eq("invalidated marks", cl.get("m-inv", 0), inval)
        c.eq("violation marks", cl.get("violation", 0), len(p["violations"]))
        if any(a["importer"] == "gpu" and a["jobs"] for a in p["attachments"]):
            c.true("fences drawn", cl.get("fence", 0) > 0)
        # Importer processes have met their fates before an unrevoke.
        if p["unrevokes"] and not any(a.get("process") for a in p["attachments"]):
            c.true("mapped-again marks", cl.get("m-map", 0) > 0)
    c.true("the summary tables", "<caption>Attachments</caption>" in text and
           "<caption>Violations" in text)


class Check:
    def __init__(self):
        self.failures = []

    def eq(self, what, got, want):
        if got != want:
            self.failures.append("%s: %r, expected %r" % (what, got, want))

    def true(self, what, cond):
        if not cond:
            self.failures.append(what)


def read_png(path):
    """Width, height and rows of (r, g, b) of an 8-bit RGB or RGBA PNG."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    if depth != 8 or ctype not in (2, 6):
        raise ValueError("PNG of depth %d, colour type %d" % (depth, ctype))
    bpp = 3 if ctype == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, cc = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                pa, pb, pc = abs(b - cc), abs(a - cc), abs(a + b - 2 * cc)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else cc)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(w)])
        prev = line
    return w, h, rows


def lane_bands(rows, x):
    """Runs of lane background, 10 pixels or more, down column @x."""
    bands, run, last = 0, 0, None
    for row in rows:
        px = row[x] if x < len(row) else None
        kind = LANE_COLORS.index(px) if px in LANE_COLORS else None
        if kind is not None and kind == last:
            run += 1
        else:
            if last is not None and run >= 10:
                bands += 1
            run, last = 1, kind
    if last is not None and run >= 10:
        bands += 1
    return bands


def browser(sim, png_out):
    p = subprocess.run(["sh", ENSURE_CHROMIUM], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True, timeout=1800)
    if p.returncode == 77 or not p.stdout.strip():
        print("1..0 # SKIP headless Chromium unavailable: %s" % p.stderr.strip())
        return 0
    chromium = p.stdout.strip().splitlines()[-1]
    print("1..1")
    c = Check()
    with tempfile.TemporaryDirectory(prefix="dmabuf-sim-html-") as tmp:
        run, html, text, report = play(sim, tmp, "vfio-revoke")
        png = png_out or os.path.join(tmp, "shot.png")
        profile = os.path.join(tmp, "profile")
        os.mkdir(profile)
        shot = subprocess.run([chromium] + CHROMIUM_FLAGS +
                              ["--user-data-dir=" + profile, "--window-size=1320,1400",
                               "--screenshot=" + png, "file://" + html],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=600)
        c.eq("chromium exit code", shot.returncode, 0)
        if not os.path.exists(png):
            c.true("a screenshot was written: " + shot.stderr[-500:], False)
        else:
            w, h, rows = read_png(png)
            colors = {px for row in rows[::4] for px in row[::4]}
            ink = sum(px != (255, 255, 255) for row in rows[::4] for px in row[::4])
            c.true("a picture, not a blank page (%d colours)" % len(colors), len(colors) >= 8)
            c.true("ink on the page (%d samples)" % ink, ink > len(rows) * len(rows[0]) // 400)
            c.true("the DMA green is drawn", (67, 160, 71) in colors)
            lanes = 1 + len(report["attachments"])
            best = max(lane_bands(rows, x) for x in range(160, 260, 4))
            c.true("%d lanes drawn (%d found down the label column)" % (lanes, best),
                   best >= lanes)
    print("%s 1 - the page renders in headless Chromium with its lanes" %
          ("not ok" if c.failures else "ok"))
    for f in c.failures:
        print("# " + f)
    return 1 if c.failures else 0


def main():
    sim = sys.argv[1]
    if "--browser" in sys.argv:
        png = sys.argv[sys.argv.index("--png") + 1] if "--png" in sys.argv else None
        return browser(sim, png)
    names = subprocess.run([sim, "list"], stdout=subprocess.PIPE, universal_newlines=True,
                           timeout=60).stdout.splitlines()[1:-1]
    names = [l.split()[0] for l in names]
    example = sys.argv[sys.argv.index("--example") + 1] if "--example" in sys.argv else None
    print("1..%d" % (len(names) + bool(example)))
    failed = 0
    with tempfile.TemporaryDirectory(prefix="dmabuf-sim-html-") as tmp:
        for n, name in enumerate(names, 1):
            c = Check()
            run, html, text, report = play(sim, tmp, name)
            c.eq("exit code", run.returncode, 0)
            check_page(c, name, text, report)
            print("%s %d - %s: a self-contained page, its SVG valid XML with every lane" %
                  ("not ok" if c.failures else "ok", n, name))
            for f in c.failures:
                print("# " + f)
            failed += bool(c.failures)
            if name == "vfio-revoke" and example:
                with open(example, encoding="utf-8") as f:
                    same = f.read() == text
        if example:
            print("%s %d - the committed example is today's report" %
                  ("ok" if same else "not ok", len(names) + 1))
            if not same:
                print("# regenerate it: make sim SIM_ARGS=\"run vfio-revoke --html "
                      "docs/examples/vfio-revoke.html\", and its picture: "
                      "tests/tools/test-html.py build/tools/dmabuf-sim --browser "
                      "--png docs/examples/vfio-revoke.png")
            failed += not same
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
