#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# test-scenarios.py - every built-in scenario, played by the real dmabuf-sim
# on the reference drivers, and its JSON report checked field by field
# against what the scenario must show (docs/scenarios.md); its trace checked
# for one named track per device and importer. And every built-in scenario
# played again, four copies at once to load the machine, must give the very
# same reports: byte-identical JSON but for the wall-clock field (wall_ns),
# an identical trace, and the same text but for the wall-clock time.
# TAP on stdout.
#
#   test-scenarios.py path/to/dmabuf-sim
import json
import os
import re
import subprocess
import sys
import tempfile

EOPNOTSUPP = 95
ENODEV = 19
MS = 1000000


class Check:
    """Collects the failures of one scenario's checks."""

    def __init__(self):
        self.failures = []

    def eq(self, what, got, want):
        if got != want:
            self.failures.append("%s: %r, expected %r" % (what, got, want))

    def true(self, what, cond):
        if not cond:
            self.failures.append(what)


def by_device(report):
    return {a["device"]: a for a in report["attachments"]}


def common(c, report, name):
    """What every play of every scenario must show."""
    c.eq("scenario", report["scenario"], name)
    c.eq("verdict", report["verdict"], "pass")
    c.eq("violation kinds", sorted(v["kind"] for v in report["violations"]
                                   if v.get("judged", True)),
         sorted(report["expected_violations"]))
    for v in report["violations"]:
        for key in ("kind", "buffer", "attachment", "detail"):
            c.true("violation has %s" % key, key in v)
    for a in report["attachments"]:
        for key in ("importer", "exporter", "revocable", "attach_result", "process"):
            c.true("attachment has %s" % key, key in a)
        c.eq("%s is a process iff its driver is" % a["device"],
             a.get("process") is not None, a["importer"] == "process")
    for r in report["revokes"]:
        for key in ("exporter", "reason", "total_ns", "invalidate_ns", "fence_wait_ns",
                    "unmap_wait_ns", "warnings"):
            c.true("revoke has %s" % key, key in r)
        c.true("revoke phases are not negative",
               min(r["invalidate_ns"], r["fence_wait_ns"], r["unmap_wait_ns"]) >= 0)
        c.true("a revoke takes at least its phases",
               r["total_ns"] >= r["invalidate_ns"] + r["fence_wait_ns"] + r["unmap_wait_ns"])
    dma = report["dma"]
    for key in ("jobs", "faults"):
        c.true("dma has %s" % key, key in dma)
    for key in ("attempts", "succeeded", "faulted"):
        c.true("dma.after_revoke has %s" % key, key in dma["after_revoke"])


def revoked_dma_faults(c, report):
    after = report["dma"]["after_revoke"]
    c.true("DMA was attempted while revoked", after["attempts"] > 0)
    c.eq("DMA succeeded while revoked", after["succeeded"], 0)
    c.eq("DMA faulted while revoked", after["faulted"], after["attempts"])


def story(r, device):
    """The timeline lines of one importer, in order."""
    return [e["text"] for e in r["timeline"] if e["track"].endswith(" " + device)]


def check_vfio_revoke(c, r):
    att = by_device(r)
    for dev in ("vm0", "mlx0", "gpu0"):
        lines = story(r, dev)
        want = ["invalidated", "unmapped", "mapped again"]
        got = [w for w in want for l in lines if l.startswith(w)]
        c.eq(dev + ": invalidated, unmapped, mapped again", got, want)
    c.true("gpu0 unmapped after its job",
           "unmapped, 350.0 us after the invalidate" in story(r, "gpu0"))
    c.eq("devices", sorted(att), ["gpu0", "mlx0", "mlx1", "vm0"])
    c.eq("mlx1 importer", att["mlx1"]["importer"], "rdma-pinned")
    c.eq("mlx1 revocable", att["mlx1"]["revocable"], False)
    c.eq("mlx1 attach_result", att["mlx1"]["attach_result"], -EOPNOTSUPP)
    for dev, drv in (("vm0", "iommufd"), ("mlx0", "rdma-odp"), ("gpu0", "gpu")):
        a = att[dev]
        c.eq(dev + " importer", a["importer"], drv)
        c.eq(dev + " revocable", a["revocable"], True)
        c.eq(dev + " attach_result", a["attach_result"], 0)
        c.eq(dev + " invalidations", a["invalidations"], 1)
        c.true(dev + " ran DMA", a["jobs"] > 0)
        c.true(dev + " resumed after the reset", a["jobs_after_unrevoke"] > 0)
    c.eq("violations", r["violations"], [])
    c.eq("revokes", len(r["revokes"]), 1)
    if r["revokes"]:
        rev = r["revokes"][0]
        c.eq("revoke reason", rev["reason"], "flr")
        c.true("revoke exporter names vfio-pci", "vfio-pci" in rev["exporter"])
        c.eq("revoke warnings", rev["warnings"], 0)
        c.eq("revoke forced", rev["forced"], 0)
        # The reset lands while the GPU's job is in flight: the revoke waits
        # for its fence (R8.4), and the GPU unmaps only once it signalled.
        c.true("the fence wait waited for the GPU's job", rev["fence_wait_ns"] > 0)
        lat = {l["attachment"]: l for l in rev["unmap_latency"]}
        c.true("gpu0 unmapped after its job, not at once",
               (lat.get("gpu gpu0", {}).get("ns") or 0) > 0)
        for name in ("iommufd vm0", "rdma-odp mlx0", "gpu gpu0"):
            c.true(name + " unmapped within the bound",
                   name in lat and lat[name]["ns"] is not None
                   and lat[name]["ns"] <= r["policy"]["unmap_bound_ns"])
    c.eq("unrevokes", r["unrevokes"], 1)
    revoked_dma_faults(c, r)


def check_broken_importer(c, r):
    att = by_device(r)
    c.eq("bad0 importer", att["bad0"]["importer"], "broken-no-unmap")
    c.eq("bad0 revocable", att["bad0"]["revocable"], True)
    c.eq("bad0 attach_result", att["bad0"]["attach_result"], 0)
    c.eq("expected_violations", r["expected_violations"], ["V6"])
    c.eq("violations", len(r["violations"]), 1)
    if r["violations"]:
        v = r["violations"][0]
        c.eq("V6 kind", v["kind"], "V6")
        c.eq("V6 importer", v["importer"], "broken-no-unmap")
        c.eq("V6 device", v["device"], "bad0")
        c.eq("V6 attachment", v["attachment"], "broken-no-unmap bad0")
        c.true("V6 has a detail", bool(v["detail"]))
        c.true("V6 after the bound", v["time_ns"] >= 20 * MS)
    c.eq("revokes", len(r["revokes"]), 1)
    if r["revokes"]:
        rev = r["revokes"][0]
        c.true("a warning at the bound", rev["warnings"] >= 1)
        c.true("the mapping was torn down by force", rev["forced"] >= 1)
        # The bound passes in scenario time: the wait lasts exactly the bound.
        c.eq("the unmap wait lasted the bound",
             rev["unmap_wait_ns"], r["policy"]["unmap_bound_ns"])
        lat = {l["attachment"]: l for l in rev["unmap_latency"]}
        c.true("bad0 never unmapped", lat.get("broken-no-unmap bad0", {}).get("never_unmapped"))
        c.true("gpu0 unmapped", lat.get("gpu gpu0", {}).get("ns") is not None)


def check_gpu_evict(c, r):
    att = by_device(r)
    c.eq("devices", sorted(att), ["gpu1", "gpu1.1", "mlx0"])
    for dev, a in att.items():
        c.eq(dev + " attach_result", a["attach_result"], 0)
        c.eq(dev + " invalidations", a["invalidations"], 4)
        c.true(dev + " ran DMA", a["jobs"] > 0)
    c.eq("revokes", r["revokes"], [])
    c.eq("violations", r["violations"], [])
    c.eq("data_intact", r["data_intact"], True)
    c.eq("DMA faults", r["dma"]["faults"], 0)


def check_low_power(c, r):
    plays = {p["variant"]: p for p in r.get("variants", [])}
    c.eq("variants", sorted(plays), ["blocking", "power-ref"])
    if sorted(plays) != ["blocking", "power-ref"]:
        return
    b, p = plays["blocking"], plays["power-ref"]
    for play in (b, p):
        common(c, play, "low-power")
        c.eq(play["variant"] + " violations", play["violations"], [])
        c.eq(play["variant"] + " CPU reads", play["cpu"]["reads"], 3)
    c.eq("blocking power_ref", b["policy"]["power_ref"], False)
    c.eq("blocking revokes", [x["reason"] for x in b["revokes"]], ["d3"])
    c.eq("blocking CPU faults", b["cpu"]["faults"], 1)
    c.eq("blocking CPU faults while revoked", b["cpu"]["revoked_faults"], 1)
    c.true("blocking: time spent in D3", b["low_power_ns"] > 0)
    revoked_dma_faults(c, b)
    c.eq("power-ref power_ref", p["policy"]["power_ref"], True)
    c.eq("power-ref revokes", p["revokes"], [])
    c.eq("power-ref CPU faults", p["cpu"]["faults"], 0)
    c.eq("power-ref: no time in D3 while mapped", p["low_power_ns"], 0)
    c.eq("revokes, summed", len(r["revokes"]), 1)


def check_device_close(c, r):
    att = by_device(r)
    c.eq("gpu0 attach_result", att.get("gpu0", {}).get("attach_result"), -ENODEV)
    for dev in ("vm0", "mlx0"):
        c.eq(dev + " attach_result", att[dev]["attach_result"], 0)
        c.eq(dev + " invalidations", att[dev]["invalidations"], 2)
    c.eq("revoke reasons", [x["reason"] for x in r["revokes"]], ["flr", "close"])
    c.eq("violations", r["violations"], [])
    revoked_dma_faults(c, r)


def check_legacy_pinned(c, r):
    att = by_device(r)
    c.eq("mlx1 importer", att["mlx1"]["importer"], "rdma-pinned")
    c.eq("mlx1 revocable", att["mlx1"]["revocable"], False)
    c.eq("mlx1 attach_result", att["mlx1"]["attach_result"], 0)
    c.eq("mlx1 invalidations", att["mlx1"]["invalidations"], 0)
    c.true("mlx1 ran DMA", att["mlx1"]["jobs"] > 0)
    c.eq("mlx0 invalidations", att["mlx0"]["invalidations"], 1)
    c.eq("revokes", r["revokes"], [])
    c.eq("violations", r["violations"], [])


def gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def check_processes(c, r, vmap=False):
    """Each importer process's fate, by what it did; the revoke's bound shown.
    With @vmap, a holds-vmap process too (only where the exporter vmaps)."""
    att = by_device(r)
    c.eq("clock", r["clock"], "real")
    want = {"viewer": ("cooperating", "unmapped"), "stuck": ("never-unmap", "faulted"),
            "writer": ("keeps-writing", "faulted"), "doomed": ("killed-mid-revoke", "cleaned-up")}
    if vmap:
        want["holder"] = ("holds-vmap", "refused")
    c.eq("devices", sorted(att), sorted(want))
    pids = {}
    for dev, (behaviour, fate) in want.items():
        proc = att.get(dev, {}).get("process") or {}
        c.eq(dev + " importer", att.get(dev, {}).get("importer"), "process")
        c.eq(dev + " behaviour", proc.get("behaviour"), behaviour)
        c.eq(dev + " fate", proc.get("fate"), fate)
        c.eq(dev + " expected_fate", proc.get("expected_fate"), fate)
        c.true(dev + " has a pid", isinstance(proc.get("pid"), int) and proc.get("pid", 0) > 0)
        # A vmap has no invalidate_mappings of its own: the proxy is told.
        if behaviour != "holds-vmap":
            c.true(dev + " invalidated", att.get(dev, {}).get("invalidations", 0) >= 1)
        pids[dev] = proc.get("pid", 0)
        if fate == "faulted":
            c.true(dev + " faulted with SIGBUS: %r" % proc.get("detail"),
                   "SIGBUS" in proc.get("detail", ""))
    c.true("viewer's map after the revoke refused: %r" % att["viewer"]["process"]["detail"],
           "No such device" in att["viewer"]["process"]["detail"])
    if vmap:
        detail = (att.get("holder", {}).get("process") or {}).get("detail", "")
        c.true("holder's CPU access refused with EIO, read zeros: %r" % detail,
               "begin Input/output error, end Input/output error" in detail and
               "read zeros" in detail and "dropped its vmap's attachment" in detail)
    c.true("every importer process was reaped", all(gone(p) for p in pids.values() if p))
    # V6 names the two that never unmapped, as name[pid].
    # V6 names the two that never unmapped, as name[pid]; one that let go
    # late on a loaded machine may be named too, but is not judged.
    judged = sorted(v["importer"] for v in r["violations"] if v["kind"] == "V6" and v["judged"])
    c.eq("V6 names", judged, sorted("%s[%d]" % (d, pids[d]) for d in ("stuck", "writer")))
    for v in r["violations"]:
        if not v["judged"]:
            c.true("only a V6 on a process that let go is not judged: %r" % v,
                   v["kind"] == "V6" and v["importer"] in
                   ("viewer[%d]" % pids["viewer"], "doomed[%d]" % pids["doomed"]))
    c.eq("revokes", len(r["revokes"]), 1)
    if r["revokes"]:
        rev = r["revokes"][0]
        bound = rev.get("bound") or {}
        c.eq("bound_ns", bound.get("bound_ns"),
             r["policy"]["unmap_bound_ns"] + r["policy"]["fence_bound_ns"])
        c.true("slack_ns", isinstance(bound.get("slack_ns"), int))
        # Measured, not judged: only its presence is checked.
        c.true("within is a measured boolean", isinstance(bound.get("within"), bool))
        lat = {l["attachment"]: l for l in rev["unmap_latency"]}
        c.true("viewer unmapped", lat.get("process viewer", {}).get("ns") is not None)
        c.true("stuck never unmapped", lat.get("process stuck", {}).get("never_unmapped"))


# Real-time scenarios: importer processes. Checked like the others, but not
# for byte-identical reports (their times are real).
def check_vfio_processes(c, r):
    check_processes(c, r)
    c.eq("exporter", r["exporter"]["driver"], "vfio-pci")
    c.eq("revoke reason", [x["reason"] for x in r["revokes"]], ["flr"])
    c.eq("unrevokes", r["unrevokes"], 1)


def check_memfd_processes(c, r):
    check_processes(c, r, vmap=True)
    c.eq("exporter", r["exporter"]["driver"], "memfd")
    c.eq("revoke reason", [x["reason"] for x in r["revokes"]], ["close"])


PROCESS_SCENARIOS = {
    "vfio-processes": check_vfio_processes,
    "memfd-processes": check_memfd_processes,
}

SCENARIOS = {
    "vfio-revoke": check_vfio_revoke,
    "broken-importer": check_broken_importer,
    "gpu-evict": check_gpu_evict,
    "low-power": check_low_power,
    "device-close": check_device_close,
    "legacy-pinned": check_legacy_pinned,
}


# The Trace Event Format (JSON Object Format) as Perfetto reads it: what each
# phase must carry, and of what type.
TRACE_FIELDS = {
    "M": {"name": str, "pid": int, "tid": int, "args": dict},
    "X": {"name": str, "cat": str, "pid": int, "tid": int, "ts": (int, float),
          "dur": (int, float), "args": dict},
    "i": {"name": str, "cat": str, "pid": int, "tid": int, "ts": (int, float), "s": str},
}
TRACE_METADATA = {"process_name": "name", "thread_name": "name",
                  "thread_sort_index": "sort_index"}


def check_trace_format(c, trace):
    c.true("trace is an object with traceEvents", isinstance(trace, dict)
           and isinstance(trace.get("traceEvents"), list))
    c.true("displayTimeUnit is ms or ns", trace.get("displayTimeUnit") in ("ms", "ns"))
    for e in trace.get("traceEvents", []):
        fields = TRACE_FIELDS.get(e.get("ph"))
        if fields is None:
            c.true("unknown phase %r" % e.get("ph"), False)
            continue
        for key, kind in fields.items():
            c.true("%s event has %s of type %s: %r" % (e["ph"], key, kind, e),
                   isinstance(e.get(key), kind) and not isinstance(e.get(key), bool))
        if e["ph"] == "M":
            c.true("metadata %r is known" % e["name"], e["name"] in TRACE_METADATA)
            c.true("metadata has its argument",
                   TRACE_METADATA.get(e["name"]) in e.get("args", {}))
        if e["ph"] == "i":
            c.eq("instant scope", e.get("s"), "t")
        if e["ph"] in ("X", "i"):
            c.true("timestamps are not negative", e["ts"] >= 0)


def check_trace(c, path, report):
    with open(path) as f:
        trace = json.load(f)
    check_trace_format(c, trace)
    events = trace["traceEvents"]
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events
             if e["ph"] == "M" and e["name"] == "thread_name"}
    plays = report.get("variants", [report])
    for pid, play in enumerate(plays, 1):
        tracks = {n for (p, _), n in names.items() if p == pid}
        for a in play["attachments"]:
            c.true("trace track for %s %s" % (a["importer"], a["device"]),
                   "%s %s" % (a["importer"], a["device"]) in tracks)
    for e in events:
        if e["ph"] in ("X", "i"):
            c.true("trace event on a named track", (e["pid"], e["tid"]) in names)
        if e["ph"] == "X":
            c.true("span duration is not negative", e["dur"] >= 0)
    c.true("trace has DMA spans", any(e["ph"] == "X" for e in events))
    # Every revoke: its span and one per phase, on the exporter's track, in order.
    byname = {}
    for e in events:
        if e["ph"] == "X":
            byname.setdefault(e["name"], []).append(e)
    nrevokes = sum(len(p["revokes"]) for p in plays)
    for phase in ("revoke", "invalidate", "fence wait", "unmap wait"):
        c.eq("%s spans" % phase, len(byname.get(phase, [])), nrevokes)
    for r, i, f, u in zip(*(byname.get(p, []) for p in
                            ("revoke", "invalidate", "fence wait", "unmap wait"))):
        c.true("phases follow each other",
               abs(i["ts"] + i["dur"] - f["ts"]) < 0.002 and
               abs(f["ts"] + f["dur"] - u["ts"]) < 0.002 and
               abs(u["ts"] + u["dur"] - r["ts"] - r["dur"]) < 0.002)
    # Every invalidated importer: the instant, and its unmap or none.
    for pid, play in enumerate(plays, 1):
        inst = {}
        for e in events:
            if e["ph"] == "i" and e["pid"] == pid:
                inst.setdefault(names.get((pid, e["tid"])), []).append(e["name"])
        for a in play["attachments"]:
            name = "%s %s" % (a["importer"], a["device"])
            got = inst.get(name, [])
            n_inval = sum(x.startswith("invalidated") for x in got)
            c.eq(name + " invalidated instants", n_inval, a["invalidations"])
            if a["invalidations"] and not a["never_unmapped"]:
                c.true(name + " unmapped instant", any(x.startswith("unmapped") for x in got))


def run(sim, args):
    return subprocess.run([sim] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=120)


# The only machine-dependent parts of the reports: the wall-clock time.
WALL_JSON = re.compile(r'"wall_ns": [0-9]+')
WALL_TEXT = re.compile(r'wall clock [0-9.]+ [a-z]+')


def masked(path, pattern):
    with open(path) as f:
        return pattern.sub("<wall>", f.read())


def play_files(sim, tmp, tag, name, extra):
    """Play @name; return its (JSON, trace, text) paths and the process."""
    base = os.path.join(tmp, "%s-%s" % (name, tag))
    jpath, tpath, opath = base + ".json", base + ".trace.json", base + ".txt"
    proc = subprocess.Popen([sim, "run", name, "--json", jpath, "--trace", tpath] + extra,
                            stdout=open(opath, "w"), stderr=subprocess.PIPE)
    return (jpath, tpath, opath), proc


def repeatable(sim, tmp, name, extra=()):
    """Play @name once alone, then four copies at once: all reports equal."""
    extra = list(extra)
    first, proc = play_files(sim, tmp, "alone", name, extra)
    proc.communicate(timeout=120)
    procs = [play_files(sim, tmp, "load%d" % i, name, extra) for i in range(4)]
    for _, p in procs:
        p.communicate(timeout=300)
    diffs = []
    for files, p in procs:
        if p.returncode != proc.returncode:
            diffs.append("exit code %d, first run %d" % (p.returncode, proc.returncode))
        for kind, a, b, pattern in (("JSON", first[0], files[0], WALL_JSON),
                                    ("trace", first[1], files[1], WALL_JSON),
                                    ("text", first[2], files[2], WALL_TEXT)):
            if masked(a, pattern) != masked(b, pattern):
                diffs.append("%s differs: %s %s" % (kind, a, b))
    return diffs


def decisions(report):
    """What --seed makes reproducible: who attached, what ran, what was revoked."""
    plays = report.get("variants", [report])
    return [([(a["device"], a["attach_result"], a["invalidations"]) for a in p["attachments"]],
             [(r["reason"], r["at_ns"]) for r in p["revokes"]],
             sorted(v["kind"] for v in p["violations"])) for p in plays]


def unfinished_fails(sim, tmp):
    c = Check()
    jpath = os.path.join(tmp, "unfinished.json")
    p = run(sim, ["-p", "warn-then-wait", "run", "broken-importer", "--json", jpath])
    c.eq("exit code", p.returncode, 1)
    c.true("verdict line says FAIL and why",
           "FAIL broken-importer: the flr at 20.000 ms never finished" in p.stdout)
    with open(jpath) as f:
        r = json.load(f)
    c.eq("verdict", r["verdict"], "fail")
    c.eq("unfinished", r["unfinished"], {"action": "flr", "at_ns": 20 * MS})
    waits = [e for e in r["timeline"] if e["text"].startswith("still waiting")]
    c.true("the wait is reported again, more than once", len(waits) >= 2)
    c.true("each repeat names V6", all("V6" in e["text"] for e in waits))
    c.true("the repeats come later and later",
           [e["t_ns"] for e in waits] == sorted(set(e["t_ns"] for e in waits)))
    c.true("the elapsed time is in the repeat",
           waits and "after the flr began" in waits[0]["text"])
    policy = [e for e in r["timeline"] if e["text"].startswith("the wait policy is")]
    c.true("how to change the policy is said",
           policy and "deadline-force" in policy[0]["text"])
    return c.failures


def unfinished_expected(sim, tmp):
    c = Check()
    text = run(sim, ["show", "broken-importer"]).stdout
    text = text.replace("wait: deadline-force", "wait: warn-then-wait")
    text = text.replace("  revokes: 1", "  revokes: 1\n  revoke_unfinished: true")
    path = os.path.join(tmp, "unfinished.yaml")
    with open(path, "w") as f:
        f.write(text)
    p = run(sim, ["--quiet", "run", path])
    c.eq("exit code", p.returncode, 0)
    c.true("verdict PASS", p.stdout.startswith("PASS"))
    if p.returncode:
        c.true(p.stdout + p.stderr, False)
    return c.failures


IDLE_HOUR = """name: idle-hour
duration: 3600s
exporter: { driver: vfio-pci, device: nic0, size: 64KiB }
importers:
  - { driver: iommufd, device: vm0 }
  - { driver: gpu, device: gpu0 }
workload: { job_size: 4KiB, job_duration: 1ms, interval: 60s }
events:
  - { at: 1800s, do: flr }
  - { at: 2700s, do: flr-done }
expect: { revokes: 1, resume: true }
"""


def idle_time_is_free(sim, tmp):
    """The clock steps from one instant with something due to the next."""
    c = Check()
    path = os.path.join(tmp, "idle-hour.yaml")
    jpath = os.path.join(tmp, "idle-hour.json")
    with open(path, "w") as f:
        f.write(IDLE_HOUR)
    p = run(sim, ["--quiet", "run", path, "--json", jpath])
    c.eq("exit code", p.returncode, 0)
    with open(jpath) as f:
        r = json.load(f)
    c.eq("duration played", r["duration_ns"], 3600 * 1000 * MS)
    accesses = 2 * (3600 // 60 + 1)
    # An access, a GPU job's end, the events, the end: nothing in between.
    c.true("clock steps %d for %d accesses" % (r["clock_steps"], accesses),
           0 < r["clock_steps"] <= 2 * accesses + 8)
    return c.failures


# The scenarios that allocate the most for their size: GPU staging (4 times
# the buffer each), VRAM that holds the buffer twice and moves it, a BAR of
# an odd number of pages.
MEMORY_CASES = {
    "heap-gpus": """name: heap-gpus
exporter: { driver: heap, size: 32MiB }
importers: [ { driver: gpu, count: 3 }, { driver: rdma-pinned } ]
workload: { job_size: 4KiB }
""",
    "vram-moves": """name: vram-moves
exporter: { driver: vram, size: 32MiB }
importers: [ { driver: gpu, count: 2 }, { driver: gpu, device: late0, late: true } ]
workload: { job_size: 4KiB }
events:
  - { at: 10ms, do: evict }
  - { at: 20ms, do: attach, importer: late0 }
  - { at: 30ms, do: migrate }
""",
    "vfio-odd": """name: vfio-odd
exporter: { driver: vfio-pci, size: 12KiB }
importers: [ { driver: gpu }, { driver: iommufd } ]
workload: { job_size: 4KiB }
""",
}


def memory_within_budget(sim, tmp):
    """What the runner allocated, by its own count, within what the parser allowed."""
    c = Check()
    for name, text in MEMORY_CASES.items():
        path = os.path.join(tmp, name + ".yaml")
        jpath = os.path.join(tmp, name + ".mem.json")
        with open(path, "w") as f:
            f.write(text)
        p = run(sim, ["--quiet", "run", path, "--json", jpath])
        c.eq(name + ": exit code", p.returncode, 0)
        if not os.path.exists(jpath):
            c.true(name + ": a JSON report was written", False)
            continue
        with open(jpath) as f:
            mem = json.load(f).get("memory") or {}
        used, budget = mem.get("bytes", 0), mem.get("budget_bytes", 0)
        # 64 MiB of RAM at least, the late GPU's staging included.
        c.true("%s: %d bytes used" % (name, used), used > 64 << 20)
        c.true("%s: %d bytes used, %d in the budget" % (name, used, budget),
               used <= budget <= 4096 << 20)
    return c.failures


def seeds_summary(sim):
    c = Check()
    p = run(sim, ["run", "vfio-revoke", "--seeds", "3..7"])
    c.eq("exit code", p.returncode, 0)
    out = p.stdout
    c.true("headline", out.startswith("vfio-revoke over seeds 3..7: 5 passed, 0 failed"))
    rows = [l.split() for l in out.splitlines() if re.match(r"\s+[0-9]+\s+(pass|FAIL)\s", l)]
    c.eq("a row per seed", [r[0] for r in rows], ["3", "4", "5", "6", "7"])
    c.true("every seed passed", all(r[1] == "pass" for r in rows))
    c.true("the latency distribution", "Revoke latency" in out and "median" in out)
    c.true("the verdict line last", out.rstrip().splitlines()[-1] ==
           "PASS vfio-revoke: 5 of 5 seeds as expected")
    # Each seed's revoke time is what a run of that seed alone reports.
    alone = run(sim, ["run", "vfio-revoke", "--seed", "4"]).stdout
    m = re.search(r"Revoke 1: .* in all", alone)
    c.true("seed 4's revoke time matches its run alone",
           m and rows and m.group(0).split(", ")[-1].replace(" in all", "") ==
           " ".join(rows[1][3:5]))
    return c.failures


def seeds_failing(sim):
    c = Check()
    p = run(sim, ["-p", "warn-then-wait", "--unmap-bound", "10ms", "run",
                  "broken-importer", "--repeat", "2"])
    c.eq("exit code", p.returncode, 1)
    c.true("verdict", "FAIL broken-importer: 0 of 2 seeds as expected (failed: 1, 2)"
           in p.stdout)
    cmds = [l.strip() for l in p.stdout.splitlines() if l.strip().startswith("dmabuf-sim ")]
    c.eq("a command per failing seed", len(cmds), 2)
    if cmds:
        argv = cmds[0].split()[1:]
        c.eq("the command", cmds[0], "dmabuf-sim -p warn-then-wait --unmap-bound 10ms "
             "run broken-importer --seed 1")
        alone = run(sim, ["--quiet"] + argv)
        c.eq("replayed alone: exit code", alone.returncode, 1)
        c.true("replayed alone: the same failure", "never finished" in alone.stdout)
    return c.failures


def seeds_progress(sim):
    """On a terminal, stderr carries a progress bar, erased at the end."""
    import pty
    c = Check()
    master, slave = pty.openpty()
    p = subprocess.Popen([sim, "--quiet", "run", "vfio-revoke", "--seeds", "1..4"],
                         stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    out, _ = p.communicate(timeout=120)
    os.close(master)
    text = seen.decode(errors="replace")
    c.true("a bar with the seeds done: %r" % text[:200], "[" in text and "/4 seeds" in text)
    c.true("the bar is erased at the end", text.endswith("\r\x1b[K"))
    c.true("stdout has the verdict only", out.decode().startswith("PASS vfio-revoke"))
    return c.failures


def main():
    sim = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="dmabuf-sim-scenarios-")
    tests = 2 * len(SCENARIOS) + len(PROCESS_SCENARIOS) + 11
    print("1..%d" % tests)
    n = failed = 0
    for name, check in list(SCENARIOS.items()) + list(PROCESS_SCENARIOS.items()):
        n += 1
        c = Check()
        jpath = os.path.join(tmp, name + ".json")
        tpath = os.path.join(tmp, name + ".trace.json")
        p = run(sim, ["run", name, "--json", jpath, "--trace", tpath, "--quiet"])
        c.eq("exit code", p.returncode, 0)
        c.eq("stdout lines (--quiet)", len(p.stdout.splitlines()), 1)
        c.true("verdict line says PASS", p.stdout.startswith("PASS %s" % name))
        if os.path.exists(jpath):
            with open(jpath) as f:
                report = json.load(f)
            common(c, report, name)
            check(c, report)
            if os.path.exists(tpath):
                check_trace(c, tpath, report)
            else:
                c.true("a trace was written", False)
        else:
            c.true("a JSON report was written", False)
        if c.failures:
            failed += 1
            print("not ok %d - %s" % (n, name))
            for f in c.failures + ["stderr: " + l for l in p.stderr.splitlines()]:
                print("# " + f)
        else:
            print("ok %d - %s" % (n, name))

    # No arguments: the default scenario, and a verdict.
    n += 1
    jpath = os.path.join(tmp, "default.json")
    p = run(sim, ["--quiet", "--json", jpath])
    ok = p.returncode == 0 and os.path.exists(jpath)
    if ok:
        with open(jpath) as f:
            ok = json.load(f)["scenario"] == "vfio-revoke"
    print("%s %d - no arguments plays vfio-revoke" % ("ok" if ok else "not ok", n))
    failed += not ok

    # The same seed makes the same decisions.
    n += 1
    got = []
    for i in range(2):
        jpath = os.path.join(tmp, "seed%d.json" % i)
        run(sim, ["run", "vfio-revoke", "--seed", "7", "--quiet", "--json", jpath])
        with open(jpath) as f:
            got.append(decisions(json.load(f)))
    ok = got[0] == got[1]
    print("%s %d - --seed 7 twice makes the same decisions" % ("ok" if ok else "not ok", n))
    failed += not ok

    # A revoke that never finishes fails the run, and says so while it waits.
    n += 1
    failures = unfinished_fails(sim, tmp)
    print("%s %d - a revoke that never finishes fails the run" %
          ("not ok" if failures else "ok", n))
    for f in failures:
        print("# " + f)
    failed += bool(failures)
    n += 1
    failures = unfinished_expected(sim, tmp)
    print("%s %d - a scenario may expect a revoke that never finishes" %
          ("not ok" if failures else "ok", n))
    for f in failures:
        print("# " + f)
    failed += bool(failures)

    # Many seeds at once: a summary, and failing seeds that replay alone.
    for name, fn in (("--seeds: a summary of every seed", seeds_summary),
                     ("--repeat: failing seeds named, each replays alone", seeds_failing),
                     ("--seeds: a progress bar on a terminal", seeds_progress)):
        n += 1
        failures = fn(sim)
        print("%s %d - %s" % ("not ok" if failures else "ok", n, name))
        for f in failures:
            print("# " + f)
        failed += bool(failures)

    # An hour of scenario time costs what happens in it, not an hour.
    n += 1
    failures = idle_time_is_free(sim, tmp)
    print("%s %d - idle scenario time costs no clock steps" %
          ("not ok" if failures else "ok", n))
    for f in failures:
        print("# " + f)
    failed += bool(failures)

    n += 1
    failures = memory_within_budget(sim, tmp)
    print("%s %d - the runner's memory stays within the parser's budget" %
          ("not ok" if failures else "ok", n))
    for f in failures:
        print("# " + f)
    failed += bool(failures)

    # Exactly the same reports, whatever the machine's load.
    for name in SCENARIOS:
        n += 1
        diffs = repeatable(sim, tmp, name)
        print("%s %d - %s repeats exactly under load" % ("not ok" if diffs else "ok", n, name))
        for d in diffs:
            print("# " + d)
        failed += bool(diffs)
    for extra in (["--seed", "7"], ["--importers", "3"]):
        n += 1
        diffs = repeatable(sim, tmp, "vfio-revoke", extra)
        print("%s %d - vfio-revoke %s repeats exactly under load" %
              ("not ok" if diffs else "ok", n, " ".join(extra)))
        for d in diffs:
            print("# " + d)
        failed += bool(diffs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
