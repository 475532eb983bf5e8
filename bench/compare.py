#!/usr/bin/env python3
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
"""strata against glibc, mimalloc, jemalloc and tcmalloc on the comparison
workloads (bench/workloads): the main benchmark of strata.

Every workload runs as its own process per allocator, the same binary each
time, the allocator chosen with LD_PRELOAD (none for glibc). The harness
measures wall time, CPU time and peak RSS itself (bench/launcher, wait4),
repeats each run,
reports the median and the spread, and checks that every allocator printed
the same checksum, so a wrong result cannot hide behind a fast one.

A peer whose first run takes more than three times strata's slowest is not
repeated (no noise turns that around) and its ratio is marked "†". Each
ratio is marked when it lies within the run-to-run noise: when the two
allocators' runs overlap (the slowest of one is slower than the fastest of
the other), the difference is not told apart from noise, and it is shown
as "~1.03" and counted as a tie in the goals.

Before each allocator's runs of a workload the harness looks at what other
processes take of the CPUs; above a quarter, the workload is marked busy
in the results and left out of the goals, as is one whose strata runs
spread more than 50 %. A run longer than --run-timeout (120 s) is stopped
and counted as failed.

Output: a markdown table, a CSV and SVG charts (time, peak RSS, page faults,
context switches; log scale, lower is better, bars within the noise drawn
pale, bars beyond the axis marked with an arrow and their value, counts
too small for a ratio left out) in a results folder whose path is
printed. Quick by default (under five minutes on 2
cores: each measured run of strata lasts about half a second, except the
start-up workloads, whose point is their fixed cost); --full for four times
the work, every thread count and strata on huge pages too.
"""

import argparse
import csv
import datetime
import math
import os
import re
import statistics
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = "/usr/lib/x86_64-linux-gnu"


def rate_name(rate):
    """524288 -> "512k", 2097152 -> "2m"."""
    return f"{rate >> 20}m" if rate % (1 << 20) == 0 else f"{rate >> 10}k"


def allocators(bin_dir, strata=None, hugepages=False, profile=False, extra_rates=(),
               baseline=None):
    """(name, LD_PRELOAD, extra environment) of every allocator compared;
    with `baseline`, another libstrata.so (an older build) as strata-base,
    so that a change is measured before and after in one run, interleaved
    with the same peers; strata on huge pages too with `hugepages`; with `profile`, strata's
    profiled library sampling at 512 KiB (strata-prof), at rate 0
    (strata-prof0: the cost of the library alone) and guarding one
    allocation per 10 MiB (strata-guard)."""
    strata = strata or os.path.join(bin_dir, "frontend/malloc/libstrata.so")
    profiled = os.path.join(os.path.dirname(strata), "libstrata_profiled.so")
    return [
        ("strata", strata, {"STRATA_BACKEND": "mmap"}),
    ] + ([("strata-base", baseline, {"STRATA_BACKEND": "mmap"})] if baseline else []) + (
        [("strata-hp", strata, {"STRATA_BACKEND": "hugepage"})] if hugepages else []) + (
        [("strata-prof", profiled, {"STRATA_BACKEND": "mmap", "STRATA_PROFILE_RATE": "524288",
                                    "STRATA_PROFILE_FILE": "/dev/null"}),
         ("strata-prof0", profiled, {"STRATA_BACKEND": "mmap"}),
         ("strata-guard", profiled, {"STRATA_BACKEND": "mmap", "STRATA_GUARD_RATE": "10485760"})]
        if profile else []) + [
        (f"strata-prof-{rate_name(rate)}", profiled,
         {"STRATA_BACKEND": "mmap", "STRATA_PROFILE_RATE": str(rate),
          "STRATA_PROFILE_FILE": "/dev/null"}) for rate in extra_rates] + [
        ("glibc", None, {}),
        ("mimalloc", os.path.join(PEERS, "libmimalloc.so"), {}),
        ("jemalloc", os.path.join(PEERS, "libjemalloc.so"), {}),
        ("tcmalloc", os.path.join(PEERS, "libtcmalloc_minimal.so"), {}),
    ]
PEER_NAMES = ["glibc", "mimalloc", "jemalloc", "tcmalloc"]
# A peer whose first run takes this many times strata's slowest is not run
# again: no noise turns that around, and glibc on the cross-thread
# workloads would otherwise take most of the quick run's time.
CLEARLY_SLOWER = 3.0
# A run that takes longer than this is stopped and counted as failed (one
# fanout T=8 run under glibc once took 167 s); --run-timeout changes it.
RUN_TIMEOUT_S = 120.0
# The machine is busy when, just before an allocator's runs of a workload,
# other processes kept more than this fraction of its CPUs busy: those
# runs' figures are marked, and the workload is left out of the goals.
BUSY_FRACTION = 0.25
# A workload whose strata runs spread more than this (percent of the
# median) is too noisy to judge a goal on.
NOISY_SPREAD = 50.0
# Counts under these, for strata and the peer alike, are not charted as a
# ratio: one context switch against two is no 2x.
COUNT_FLOORS = {"vcsw": 20, "ivcsw": 20, "minflt": 50}

# Thread counts: quick runs keep one below, at and above the 2 cores of the
# reference machine; --full adds 4.
THREADS = {"quick": [1, 2, 8], "full": [1, 2, 4, 8]}
# The cross-thread workloads: every object freed by another thread.
CROSS_THREADS = {"quick": [2, 8], "full": [2, 4, 8]}


def workloads(full, scale=1.0):
    """(label, binary, threads or None, arguments) for every run. Quick sizes
    make strata's run last about half a second on the reference machine (2
    cores), so that a run is long beside the noise of starting a process;
    --full multiplies them by four and allocates 1 GiB in the memory
    workload. startup and smallprog stay small: they are there for the fixed
    cost (RSS and page faults at start) a program that allocates little
    pays, not for time."""
    k = 4 if full else 1
    mode = "full" if full else "quick"
    runs = [("startup", "startup", None, []), ("smallprog", "smallprog", None, [5000 * k])]
    runs.append(("churn", "churn", None, [20_000_000 * k]))
    for t in THREADS[mode]:
        runs.append(("larson", "larson", t, [t, (24_000_000 if t == 1 else 16_000_000) * k]))
    for t in THREADS[mode]:
        runs.append(("prodcons", "prodcons", t, [t, (30_000_000 if t == 1 else 10_000_000) * k]))
    for t in THREADS[mode]:
        runs.append(("false_sharing", "false_sharing", t, [t, 1_500_000_000 * k]))
    for name in ["xbatch", "fanout", "handoff"]:
        for t in CROSS_THREADS[mode]:
            ops = {"xbatch": 14_000_000, "fanout": 9_000_000, "handoff": 5_000_000}[name]
            runs.append((name, name, t, [t, ops * k]))
    runs.append(("realloc_growth", "realloc_growth", None, [40_000 * k]))
    runs.append(("large", "large", None, [200_000 * k]))
    runs.append(("memory", "memory", None, [1024 if full else 256]))
    runs.append(("request", "request", None, [28_000 * k]))
    if scale != 1.0:  # smaller runs for smoke tests; the thread count stays
        runs = [(l, b, t, [a if (t is not None and i == 0) else max(1, int(a * scale))
                           for i, a in enumerate(args)]) for l, b, t, args in runs]
    return runs


def cpu_busy(window=0.25):
    """The fraction of all CPUs that were busy over `window` seconds while
    this process slept: what other processes took (/proc/stat)."""
    def sample():
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return idle, sum(fields)
    try:
        idle0, total0 = sample()
        time.sleep(window)
        idle1, total1 = sample()
    except (OSError, ValueError, IndexError):
        return 0.0
    total = total1 - total0
    return 0.0 if total <= 0 else max(0.0, 1.0 - (idle1 - idle0) / total)


def run_once(launcher, binary, args, preload, env_extra, timeout=RUN_TIMEOUT_S):
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    if preload:
        env["LD_PRELOAD"] = preload
    env.update(env_extra)
    start = time.monotonic()
    # Its own process group: a run past the timeout is killed with the
    # workload the launcher started.
    proc = subprocess.Popen([launcher, binary] + [str(a) for a in args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {"ok": False, "wall": time.monotonic() - start, "cpu": float("nan"),
                "rss": float("nan"), "vcsw": float("nan"), "ivcsw": float("nan"),
                "minflt": float("nan"), "checksum": "-", "extra": {},
                "error": f"timed out after {timeout:g} s (--run-timeout)"}
    wall = time.monotonic() - start
    usage = re.search(r"launcher: status=(\d+) cpu_s=(\S+) peak_rss_kib=(\d+) vcsw=(\d+) "
                      r"ivcsw=(\d+) minflt=(\d+)", err.decode())
    cpu = float(usage.group(2)) if usage else float("nan")
    rss = int(usage.group(3)) / 1024.0 if usage else float("nan")
    vcsw, ivcsw, minflt = ((int(usage.group(i)) for i in (4, 5, 6)) if usage
                           else (float("nan"),) * 3)
    metrics = dict(re.findall(r"^(\w+) (\S+)$", out.decode(), re.M))
    return {
        "ok": proc.returncode == 0 and "checksum" in metrics,
        "wall": wall,
        "cpu": cpu,
        "rss": rss,
        "vcsw": vcsw,
        "ivcsw": ivcsw,
        "minflt": minflt,
        "checksum": metrics.pop("checksum", "-"),
        "extra": metrics,
        "error": err.decode()[-300:],
    }


def median_spread(values):
    values = [v for v in values if not math.isnan(v)]
    if not values:
        return float("nan"), float("nan")
    m = statistics.median(values)
    return m, (max(values) - min(values)) / m * 100 if m else 0.0


def fmt_ratio(value, base, noise=False, once=False):
    """value / base, prefixed "~" when the difference is within the noise,
    followed by "†" when the peer was measured once (CLEARLY_SLOWER)."""
    if math.isnan(value) or math.isnan(base) or base == 0:
        return "-"
    return f"{'~' if noise else ''}{value / base:.2f}{'†' if once else ''}"


def overlap(runs_a, runs_b):
    """Whether two allocators' runs overlap: then the difference of their
    medians is within the run-to-run noise. With a single run each, any
    difference counts (there is no spread to compare with)."""
    a = [v for v in runs_a if not math.isnan(v)]
    b = [v for v in runs_b if not math.isnan(v)]
    if len(a) < 2 or len(b) < 2:
        return False
    return min(a) <= max(b) and min(b) <= max(a)


def write_chart(path, title, rows, names, metric):
    """Grouped bars on a log scale: each allocator's median `metric` as a
    ratio to strata's (1 is strata; below it, less than strata: lower is
    better, as every metric charted is a cost). Bars whose runs overlap
    strata's (within the noise) are drawn pale; a ratio beyond the axis is
    drawn to its end with an arrow and its value; counts that both lie
    under COUNT_FLOORS are not drawn."""
    floor = COUNT_FLOORS.get(metric, 0)
    colors = ["#1b6ca8", "#5fa8d3", "#888888", "#e07a5f", "#81b29a", "#f2cc8f"]
    bar, gap, top, left, height = 9, 14, 40, 150, 300
    low, high = 0.125, 16.0  # the axis: 1/8x to 16x

    def ratio(row, name):
        base = row[metric].get("strata", float("nan"))
        value = row[metric].get(name, float("nan"))
        if math.isnan(base) or math.isnan(value) or base <= 0 or value <= 0:
            return float("nan")
        if base < floor and value < floor:
            return float("nan")
        return value / base

    def y_of(v):
        v = min(max(v, low), high)
        return top + height * (math.log(high) - math.log(v)) / (math.log(high) - math.log(low))

    width = left + len(rows) * (len(names) * bar + gap) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{top + height + 170}" '
           'font-family="sans-serif" font-size="11">',
           f'<text x="{left}" y="20" font-size="14">{title} relative to strata: lower is '
           'better (log scale; pale: within the run-to-run noise; arrow: beyond the axis'
           + (f'; counts under {floor} not drawn' if floor else '') + ')</text>']
    for tick in [0.125, 0.25, 0.5, 1, 2, 4, 8, 16]:
        y = y_of(tick)
        out.append(f'<line x1="{left - 5}" x2="{width - 20}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="{"#000" if tick == 1 else "#ddd"}"/>')
        label = f"{tick:g}x" if tick >= 1 else f"1/{1 / tick:g}x"
        out.append(f'<text x="{left - 10}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    base_y = y_of(1.0)
    x = left
    for row in rows:
        for i, name in enumerate(names):
            v = ratio(row, name)
            if math.isnan(v):
                continue
            y = y_of(v)
            noisy = name != "strata" and row["noise"].get((metric, name), False)
            opacity = ' fill-opacity="0.3"' if noisy else ""
            out.append(f'<rect x="{x + i * bar}" y="{min(y, base_y):.1f}" width="{bar - 1}" '
                       f'height="{max(abs(base_y - y), 1):.1f}" fill="{colors[i % len(colors)]}"'
                       f'{opacity}/>')
            if v > high or v < low:
                # Clipped: an arrow past the bar's end, and the ratio.
                cx0 = x + i * bar + (bar - 1) / 2
                tip, back = (y - 7, y) if v > high else (y + 7, y)
                out.append(f'<path class="clipped" d="M{cx0 - 4:.1f},{back:.1f} '
                           f'L{cx0 + 4:.1f},{back:.1f} L{cx0:.1f},{tip:.1f} Z" fill="#000"/>')
                ty = tip - 3 if v > high else tip + 10
                out.append(f'<text x="{cx0:.1f}" y="{ty:.1f}" text-anchor="middle" '
                           f'font-size="9">{v:.3g}x</text>')
        cx = x + len(names) * bar / 2
        out.append(f'<text transform="translate({cx:.1f},{top + height + 10}) rotate(60)">'
                   f'{row["label"]}</text>')
        x += len(names) * bar + gap
    for i, n in enumerate(names):
        out.append(f'<rect x="{left + i * 90}" y="{top + height + 140}" width="10" height="10" '
                   f'fill="{colors[i % len(colors)]}"/>')
        out.append(f'<text x="{left + i * 90 + 14}" y="{top + height + 149}">{n}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


CHARTS = [("chart.svg", "Wall time", "time"), ("chart_cpu.svg", "CPU time (user + system)", "cpu"),
          ("chart_rss.svg", "Peak RSS", "rss"),
          ("chart_faults.svg", "Minor page faults", "minflt"),
          ("chart_csw.svg", "Voluntary context switches (blocked: a sleeping lock)", "vcsw"),
          ("chart_ivcsw.svg", "Involuntary context switches (preempted, or yielded)", "ivcsw")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="larger sizes (tens of minutes)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions per run (default 3)")
    parser.add_argument("--out", default=os.path.join(ROOT, "results"), help="results parent folder")
    parser.add_argument("--only", default="", help="comma-separated workload names")
    parser.add_argument("--scale", type=float, default=1.0, help="shrink the work (smoke tests)")
    parser.add_argument("--bin", default=os.path.join(ROOT, "bazel-bin"),
                        help="where the built workloads, launcher and libstrata.so are")
    parser.add_argument("--strata", default=None,
                        help="the libstrata.so to measure (default: the one under --bin)")
    parser.add_argument("--baseline", default=None,
                        help="another libstrata.so (an older build) measured as strata-base "
                             "in the same run: a change's before and after")
    parser.add_argument("--hugepage", action="store_true",
                        help="also strata on huge pages (strata-hp; on with --full)")
    parser.add_argument("--profile", action="store_true",
                        help="also strata's heap profiling: strata-prof (libstrata_profiled.so "
                             "sampling every 512 KiB), strata-prof0 (the same at rate 0) "
                             "and strata-guard (guarding one allocation per 10 MiB)")
    parser.add_argument("--profile-rates", default="",
                        help="comma-separated further sampling rates in bytes "
                             "(strata-prof-<rate>, e.g. 65536,2097152)")
    parser.add_argument("--allocators", default="",
                        help="comma-separated allocator names to run (default: all)")
    parser.add_argument("--run-timeout", type=float, default=RUN_TIMEOUT_S,
                        help=f"seconds a run may take before it is stopped and counted "
                             f"as failed (default {RUN_TIMEOUT_S:g})")
    options = parser.parse_args()
    ALLOCATORS = allocators(options.bin, options.strata, options.hugepage or options.full,
                            options.profile,
                            [int(r) for r in options.profile_rates.split(",") if r],
                            options.baseline)
    if options.allocators:
        ALLOCATORS = [a for a in ALLOCATORS if a[0] in options.allocators.split(",")]
    launcher = os.path.join(options.bin, "bench/launcher")

    names = [a[0] for a in ALLOCATORS if a[1] is None or os.path.exists(a[1])]
    missing = [a[0] for a in ALLOCATORS if a[0] not in names]
    if missing:
        print(f"compare: not found, left out: {', '.join(missing)}", file=sys.stderr)
    plan = [w for w in workloads(options.full, options.scale)
            if not options.only or w[0] in options.only.split(",")]
    total = len(plan) * len(names) * options.reps
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = os.path.join(options.out, f"compare-{stamp}")
    os.makedirs(folder, exist_ok=True)
    print(f"compare: {len(plan)} workload runs x {len(names)} allocators x {options.reps} "
          f"repetitions on {os.cpu_count()} cores ({'full' if options.full else 'quick'})")

    rows, csv_rows, done, bad_checksums = [], [], 0, []
    for label, binary, threads, args in plan:
        shown = label if threads is None else f"{label} T={threads}"
        row = {"label": shown, "time": {}, "time_spread": {}, "cpu": {}, "rss": {}, "extra": {},
               "vcsw": {}, "ivcsw": {}, "minflt": {}, "runs": {}, "noise": {}, "once": {},
               "busy": 0.0}
        checksums = {}
        for name, preload, env_extra in ALLOCATORS:
            if name not in names:
                continue
            walls, cpus, rsss, extras = [], [], [], []
            counts = {"vcsw": [], "ivcsw": [], "minflt": []}
            busy = cpu_busy()
            if busy > BUSY_FRACTION:
                print(f"  compare: the machine is busy before {shown} / {name}: others use "
                      f"{busy:.0%} of its CPUs; these runs are marked", flush=True)
            row["busy"] = max(row["busy"], busy)
            for rep in range(options.reps):
                r = run_once(launcher, os.path.join(options.bin, "bench/workloads", binary), args,
                             preload, env_extra, options.run_timeout)
                done += 1
                status = f"{r['wall']:.2f} s" if r["ok"] else "FAILED " + r["error"].strip()[-120:]
                print(f"  [{done}/{total}] {shown:<18} {name:<10} run {rep + 1}: {status}", flush=True)
                csv_rows.append([label, threads or 1, name, rep + 1, f"{r['wall']:.4f}",
                                 f"{r['cpu']:.4f}", f"{r['rss']:.1f}", r["vcsw"], r["ivcsw"],
                                 r["minflt"], r["checksum"],
                                 ";".join(f"{k}={v}" for k, v in sorted(r["extra"].items()))])
                if r["ok"]:
                    walls.append(r["wall"])
                    cpus.append(r["cpu"])
                    rsss.append(r["rss"])
                    for key in counts:
                        counts[key].append(r[key])
                    extras.append(r["extra"])
                    checksums.setdefault(r["checksum"], []).append(name)
                # A peer this much slower than strata's slowest run is told
                # apart by its first run: more would only spend minutes.
                strata_walls = row["runs"].get("strata", {}).get("time", [])
                if (name != "strata" and r["ok"] and strata_walls
                        and r["wall"] > CLEARLY_SLOWER * max(strata_walls)):
                    done += options.reps - rep - 1
                    row["once"][name] = rep == 0 and options.reps > 1
                    break
            row["runs"][name] = {"time": walls, "cpu": cpus, "rss": rsss, **counts}
            row["time"][name], row["time_spread"][name] = median_spread(walls)
            row["cpu"][name] = median_spread(cpus)[0]
            row["rss"][name] = median_spread(rsss)[0]
            for key in counts:
                row[key][name] = median_spread(counts[key])[0]
            if extras:
                row["extra"][name] = {k: statistics.median(float(e[k]) for e in extras)
                                      for k in extras[0]}
        if len(checksums) > 1:
            bad_checksums.append((shown, checksums))
        base_runs = row["runs"].get("strata", {})
        for name in row["runs"]:
            for metric in ("time", "cpu", "rss", "minflt", "vcsw", "ivcsw"):
                row["noise"][(metric, name)] = overlap(row["runs"][name].get(metric, []),
                                                        base_runs.get(metric, []))
        rows.append(row)

    with open(os.path.join(folder, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["workload", "threads", "allocator", "run", "wall_s", "cpu_s", "peak_rss_mib",
                    "voluntary_csw", "involuntary_csw", "minor_faults", "checksum", "extra"])
        w.writerows(csv_rows)

    def marked(row):
        return f"{row['label']} (busy)" if row["busy"] > BUSY_FRACTION else row["label"]

    busy_rows = [r["label"] for r in rows if r["busy"] > BUSY_FRACTION]
    md = []
    md.append(f"# strata against its peers ({'full' if options.full else 'quick'} run, {stamp})\n")
    if busy_rows:
        md.append(f"**The machine was busy** (other processes used more than "
                  f"{BUSY_FRACTION:.0%} of its CPUs just before the runs) during: "
                  f"{', '.join(busy_rows)}. Those rows are marked \"(busy)\" and left out "
                  "of the goals; run again on a quiet machine.\n")
    md.append(f"{os.cpu_count()} cores; median of {options.reps} runs; each figure is "
              "the allocator's value divided by strata's (below 1: better than strata); "
              "\"~\" marks a ratio within the run-to-run noise (the two allocators' runs "
              "overlap); \"†\" a peer measured once, its first run more than "
              f"{CLEARLY_SLOWER:g}x strata's slowest. strata-hp, where present, is strata on "
              "huge pages (STRATA_BACKEND=hugepage).\n")
    head = "| workload | strata time (s) | spread | " + " | ".join(n for n in names if n != "strata")
    md.append("## Wall time\n")
    md.append(head + " |")
    md.append("|" + "---|" * (len(names) + 2))
    for row in rows:
        base = row["time"].get("strata", float("nan"))
        cells = [fmt_ratio(row["time"][n], base, row["noise"].get(("time", n)),
                           row["once"].get(n, False))
                 for n in names if n != "strata"]
        md.append(f"| {marked(row)} | {base:.3f} | {row['time_spread'].get('strata', 0):.0f} % | "
                  + " | ".join(cells) + " |")
    md.append("\n## Peak RSS\n")
    md.append("| workload | strata peak RSS (MiB) | " + " | ".join(n for n in names if n != "strata") + " |")
    md.append("|" + "---|" * (len(names) + 1))
    for row in rows:
        base = row["rss"].get("strata", float("nan"))
        cells = [fmt_ratio(row["rss"][n], base, row["noise"].get(("rss", n)),
                           row["once"].get(n, False))
                 for n in names if n != "strata"]
        md.append(f"| {marked(row)} | {base:.1f} | " + " | ".join(cells) + " |")
    def count(v):
        return "-" if math.isnan(v) else f"{v:.0f}"
    md.append("\n## Context switches (voluntary / involuntary) and minor page faults\n")
    md.append("Absolute counts, median of the runs: a voluntary switch is a thread that "
              "blocked (a sleeping lock), an involuntary one a thread preempted or yielding.\n")
    md.append("| workload | " + " | ".join(names) + " |")
    md.append("|" + "---|" * (len(names) + 1))
    for row in rows:
        md.append(f"| {row['label']} | " + " | ".join(
            f"{count(row['vcsw'][n])} / {count(row['ivcsw'][n])}" for n in names) + " |")
    md.append("\n| workload (minor faults) | " + " | ".join(names) + " |")
    md.append("|" + "---|" * (len(names) + 1))
    for row in rows:
        md.append(f"| {row['label']} | " + " | ".join(count(row["minflt"][n]) for n in names) + " |")
    memory = [r for r in rows if r["label"] == "memory"]
    if memory:
        md.append("\n## Memory workload: resident MiB at each point\n")
        md.append("| allocator | after allocating | after freeing 90 % | after an idle second |")
        md.append("|---|---|---|---|")
        for name in names:
            e = memory[0]["extra"].get(name)
            if e:
                md.append(f"| {name} | {e.get('rss_peak_mib', 0):.1f} | "
                          f"{e.get('rss_after_free_mib', 0):.1f} | {e.get('rss_after_idle_mib', 0):.1f} |")

    def geomean(values):
        values = [v for v in values if v > 0 and not math.isnan(v)]
        return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")

    def told_apart(row, metric, name):
        """The ratio, or 1.0 when it is within the noise (a tie)."""
        base = row[metric].get("strata")
        if not base or math.isnan(row[metric].get(name, float("nan"))):
            return float("nan")
        return 1.0 if row["noise"].get((metric, name)) else row[metric][name] / base

    md.append("\n## Summary\n")
    md.append("Geometric means over every run; ratios within the noise count as 1 (a tie).\n")
    summary = []
    for name in names:
        t = geomean([told_apart(r, "time", name) for r in rows])
        m = geomean([told_apart(r, "rss", name) for r in rows])
        raw = geomean([r["time"][name] / r["time"]["strata"] for r in rows
                       if r["time"].get("strata") and name in r["time"]])
        c = geomean([told_apart(r, "cpu", name) for r in rows])
        summary.append(f"- {name}: geometric-mean time {t:.2f}x strata's ({raw:.3f}x counting "
                       f"every ratio, ties too), CPU time {c:.2f}x, peak RSS {m:.2f}x")
    losses = []
    worst = 0.0
    for row in rows:
        peers = {n: row["time"][n] for n in PEER_NAMES if n in names and not math.isnan(row["time"][n])}
        if not peers or math.isnan(row["time"]["strata"]):
            continue
        # Only peers told apart from strata count: a peer within the noise
        # is a tie, however its median falls.
        peers = {n: v for n, v in peers.items() if not row["noise"].get(("time", n))}
        if not peers:
            continue
        best = min(peers, key=peers.get)
        ratio = row["time"]["strata"] / min(peers[best], row["time"]["strata"])
        if row["busy"] <= BUSY_FRACTION and row["time_spread"].get("strata", 0) <= NOISY_SPREAD:
            worst = max(worst, ratio)
        if row["time"]["strata"] > peers[best]:
            losses.append(f"- {row['label']}: strata {row['time']['strata'] / peers[best]:.2f}x "
                          f"the fastest ({best})")
    if "mimalloc" in names:
        # Judged only where the figures can say something: not on a busy
        # machine, not where strata's own runs spread too far, and each
        # ratio within the noise a tie.
        judged = [r for r in rows if r["busy"] <= BUSY_FRACTION
                  and r["time_spread"].get("strata", 0) <= NOISY_SPREAD]
        apart = sum(1 for r in judged if not r["noise"].get(("time", "mimalloc"), False))
        summary.append("")
        if not judged:
            summary.append("Goals: not judged: every workload ran on a busy machine or spread "
                           f"more than {NOISY_SPREAD:g} %.")
        else:
            t = geomean([told_apart(r, "time", "mimalloc") for r in judged])
            m = geomean([told_apart(r, "rss", "mimalloc") for r in judged])
            summary.append(
                f"Goals, judged on {len(judged)} of {len(rows)} workloads (left out: a busy "
                f"machine, or strata's runs spreading more than {NOISY_SPREAD:g} %), "
                f"{apart} of them told apart from mimalloc in time: geometric-mean time at or "
                f"below mimalloc's: {'met' if t >= 1 else 'not met'} (strata {1 / t:.2f}x "
                f"mimalloc); peak RSS at most 1.1x mimalloc's: "
                f"{'met' if 1 / m <= 1.1 else 'not met'} (strata {1 / m:.2f}x); no workload "
                f"worse than 1.5x the best: {'met' if worst <= 1.5 else 'not met'} "
                f"(worst {worst:.2f}x).")
    md += summary
    md.append("\nWorkloads where a peer is faster than strata beyond the noise "
              "(on its default backend):\n")
    md += losses or ["- none"]
    if bad_checksums:
        md.append("\n**Checksums differ** (a wrong result):\n")
        for label, sums in bad_checksums:
            md.append(f"- {label}: " + "; ".join(f"{k}: {', '.join(v)}" for k, v in sums.items()))
    with open(os.path.join(folder, "results.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    for file_name, title, metric in CHARTS:
        write_chart(os.path.join(folder, file_name), title, rows, names, metric)

    print("\n".join(md))
    print(f"\ncompare: results in {folder} (results.md, results.csv, "
          + ", ".join(c[0] for c in CHARTS) + ")")
    return 1 if bad_checksums else 0


if __name__ == "__main__":
    sys.exit(main())
