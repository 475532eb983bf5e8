#!/usr/bin/env python3
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
"""GCBench on strata's GC heap, Boehm's collector and malloc/free: a table.

Runs `gcbench ALLOCATOR VARIANT THREADS` for every allocator, variant and
thread count (--threads, default 1), --reps times each, interleaved (so the
machine's drift hits all alike), and prints the median of each figure as a
Markdown table, with strata's time, process CPU and peak RSS as ratios to
Boehm's in the same run: Boehm as a shared library, and Boehm linked
statically (gcbench_boehm_static), the fairer peer, as a program that
embeds it links it.

    bazel build --config=opt //frontend/gc:gcbench //frontend/gc:gcbench_boehm_static
    python3 frontend/gc/gcbench_compare.py --reps 5

Configurations: strata at the default STRATA_GC_PERCENT (100) with its
default markers (one per core) and with one (STRATA_GC_MARKERS=1), and at
50; Boehm, shared and static, with its marker threads started (one per
core) and with GC_MARKERS=1; malloc/free. The `markers` column says how
many marked.
"""
import argparse
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# (name, allocator, environment, binary: "shared" or "static" Boehm)
CONFIGS = [
    ("strata", "strata", {"STRATA_GC_PERCENT": "100"}, "shared"),
    ("strata-1marker", "strata", {"STRATA_GC_PERCENT": "100", "STRATA_GC_MARKERS": "1"}, "shared"),
    ("strata-50", "strata", {"STRATA_GC_PERCENT": "50"}, "shared"),
    ("boehm", "boehm", {}, "shared"),
    ("boehm-1marker", "boehm", {"GC_MARKERS": "1"}, "shared"),
    ("boehm-static", "boehm", {}, "static"),
    ("boehm-static-1marker", "boehm", {"GC_MARKERS": "1"}, "static"),
    ("malloc", "malloc", {}, "shared"),
]
VARIANTS = ["pointers", "noscan", "scanbuf"]
FIELDS = ["time_s", "cpu_s", "peak_rss_mib", "collections", "max_pause_ms", "mark_ms",
          "pause_ms", "pause_cpu_ms"]


def run(binary, allocator, variant, threads, env_extra):
    env = dict(os.environ)
    for name in ("STRATA_GC_PERCENT", "STRATA_GC_MARKERS", "GC_MARKERS"):
        env.pop(name, None)
    env.update(env_extra)
    out = subprocess.run([binary, allocator, variant, str(threads)], env=env, check=True,
                         capture_output=True, text=True).stdout
    figures = dict(item.split("=", 1) for item in out.split())
    r = {f: float(figures[f]) for f in FIELDS}
    r["markers"] = float(figures.get("markers", 0))
    return r


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--bin", default=os.path.join(ROOT, "bazel-bin/frontend/gc/gcbench"))
    parser.add_argument("--static-bin",
                        default=os.path.join(ROOT, "bazel-bin/frontend/gc/gcbench_boehm_static"))
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--threads", default="1", help="mutator thread counts, e.g. 1,2,4")
    args = parser.parse_args()
    variants = args.variants.split(",")
    thread_counts = [int(t) for t in args.threads.split(",")]
    samples = {}
    for rep in range(args.reps):
        for variant in variants:
            for threads in thread_counts:
                for name, allocator, env, kind in CONFIGS:
                    binary = args.static_bin if kind == "static" else args.bin
                    r = run(binary, allocator, variant, threads, env)
                    samples.setdefault((variant, threads, name), []).append(r)
                    print(f"[{rep + 1}/{args.reps}] {variant:8} T={threads} {name:20} "
                          f"{r['time_s']:.3f} s {r['cpu_s']:.3f} s CPU {r['peak_rss_mib']:.1f} MiB",
                          file=sys.stderr)
    print(f"GCBench, median of {args.reps} (ratios: strata / boehm in the same run, shared and "
          "static; CPU is the whole process's)\n")
    print("| variant | threads | allocator | markers | time s | CPU s | peak RSS MiB | collections "
          "| longest pause ms | pauses ms (wall / CPU) | time ÷ boehm | CPU ÷ boehm | RSS ÷ boehm "
          "| time ÷ static | CPU ÷ static | RSS ÷ static |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    fields = FIELDS + ["markers"]
    for variant in variants:
        for threads in thread_counts:
            medians = {name: {f: statistics.median(s[f] for s in samples[(variant, threads, name)])
                              for f in fields} for name, _, _, _ in CONFIGS}
            for name, _, _, _ in CONFIGS:
                m = medians[name]
                ratios = " | | | | | "
                if name.startswith("strata"):
                    ratios = " | ".join(f"{m[f] / medians[peer][f]:.2f}"
                                        for peer in ("boehm", "boehm-static")
                                        for f in ("time_s", "cpu_s", "peak_rss_mib"))
                markers = "-" if name == "malloc" else f"{m['markers']:.0f}"
                print(f"| {variant} | {threads} | {name} | {markers} | {m['time_s']:.3f} | "
                      f"{m['cpu_s']:.3f} | {m['peak_rss_mib']:.1f} | {m['collections']:.0f} | "
                      f"{m['max_pause_ms']:.2f} | {m['pause_ms']:.0f} / {m['pause_cpu_ms']:.0f} | "
                      f"{ratios} |")


if __name__ == "__main__":
    main()
