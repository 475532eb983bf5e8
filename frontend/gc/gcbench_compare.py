#!/usr/bin/env python3
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
"""GCBench on strata's GC heap, Boehm's collector and malloc/free: a table.

Runs `gcbench ALLOCATOR VARIANT` for every allocator and variant, --reps
times each, interleaved (so the machine's drift hits all alike), and prints
the median of each figure as a Markdown table, with strata's time and peak
RSS as ratios to Boehm's in the same run: Boehm as a shared library, and
Boehm linked statically (gcbench_boehm_static), the fairer peer, as a
program that embeds it links it.

    bazel build --config=opt //frontend/gc:gcbench //frontend/gc:gcbench_boehm_static
    python3 frontend/gc/gcbench_compare.py --reps 5

Configurations: strata at the default STRATA_GC_PERCENT (100) and at 50;
Boehm, shared and static, with its marker threads started (one per core:
the `markers` column says how many marked) and with GC_MARKERS=1 (one
thread, like strata's collector); malloc/free.
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
    ("strata-50", "strata", {"STRATA_GC_PERCENT": "50"}, "shared"),
    ("boehm", "boehm", {}, "shared"),
    ("boehm-1marker", "boehm", {"GC_MARKERS": "1"}, "shared"),
    ("boehm-static", "boehm", {}, "static"),
    ("boehm-static-1marker", "boehm", {"GC_MARKERS": "1"}, "static"),
    ("malloc", "malloc", {}, "shared"),
]
VARIANTS = ["pointers", "noscan", "scanbuf"]
FIELDS = ["time_s", "peak_rss_mib", "collections", "max_pause_ms", "mark_ms", "pause_ms",
          "pause_cpu_ms"]


def run(binary, allocator, variant, env_extra):
    env = dict(os.environ)
    env.pop("STRATA_GC_PERCENT", None)
    env.pop("GC_MARKERS", None)
    env.update(env_extra)
    out = subprocess.run([binary, allocator, variant], env=env, check=True,
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
    args = parser.parse_args()
    variants = args.variants.split(",")
    samples = {}
    for rep in range(args.reps):
        for variant in variants:
            for name, allocator, env, kind in CONFIGS:
                binary = args.static_bin if kind == "static" else args.bin
                r = run(binary, allocator, variant, env)
                samples.setdefault((variant, name), []).append(r)
                print(f"[{rep + 1}/{args.reps}] {variant:8} {name:14} {r['time_s']:.3f} s "
                      f"{r['peak_rss_mib']:.1f} MiB", file=sys.stderr)
    print(f"GCBench, median of {args.reps} (time and RSS ratios: strata / boehm in the same "
          "run, shared and static)\n")
    print("| variant | allocator | markers | time s | peak RSS MiB | collections "
          "| longest pause ms | mark ms | pauses ms (wall / CPU) | time ÷ boehm | RSS ÷ boehm "
          "| time ÷ boehm-static | RSS ÷ boehm-static |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    fields = FIELDS + ["markers"]
    for variant in variants:
        medians = {name: {f: statistics.median(s[f] for s in samples[(variant, name)])
                          for f in fields} for name, _, _, _ in CONFIGS}
        for name, _, _, _ in CONFIGS:
            m = medians[name]
            ratios = " | | | "
            if name.startswith("strata"):
                ratios = " | ".join(f"{m[f] / medians[peer][f]:.2f}"
                                    for peer in ("boehm", "boehm-static")
                                    for f in ("time_s", "peak_rss_mib"))
            markers = f"{m['markers']:.0f}" if name.startswith("boehm") else "1"
            if name == "malloc":
                markers = "-"
            print(f"| {variant} | {name} | {markers} | {m['time_s']:.3f} | {m['peak_rss_mib']:.1f} | "
                  f"{m['collections']:.0f} | {m['max_pause_ms']:.2f} | {m['mark_ms']:.1f} | "
                  f"{m['pause_ms']:.0f} / {m['pause_cpu_ms']:.0f} | {ratios} |")


if __name__ == "__main__":
    main()
