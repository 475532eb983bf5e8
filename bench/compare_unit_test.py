#!/usr/bin/env python3
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
"""The comparison harness's rules on their own, each where it can fail:
a run past its timeout is stopped, a busy machine is seen, a peer measured
once is marked, and the charts say which way is better, mark bars beyond
the axis and leave out counts too small for a ratio."""

import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402


def row(label, metric, strata, peer, noise=False):
    return {"label": label, metric: {"strata": strata, "peer": peer},
            "noise": {(metric, "peer"): noise}}


def chart(metric, rows):
    with tempfile.NamedTemporaryFile("r", suffix=".svg") as f:
        compare.write_chart(f.name, "T", rows, ["strata", "peer"], metric)
        return f.read()


class CompareRules(unittest.TestCase):
    def test_a_run_past_its_timeout_is_stopped_and_failed(self):
        start = time.monotonic()
        r = compare.run_once("/bin/sleep", "30", [], None, {}, timeout=0.5)
        self.assertLess(time.monotonic() - start, 5)
        self.assertFalse(r["ok"])
        self.assertIn("timed out after 0.5 s", r["error"])

    def test_a_busy_machine_is_seen(self):
        spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            time.sleep(0.2)
            busy = compare.cpu_busy(0.5)
        finally:
            spinner.kill()
            spinner.wait()
        # One spinning process on n CPUs keeps 1/n of them busy.
        self.assertGreater(busy, min(compare.BUSY_FRACTION, 0.8 / os.cpu_count()))
        self.assertLessEqual(busy, 1.0)

    def test_a_peer_measured_once_is_marked(self):
        self.assertEqual(compare.fmt_ratio(3.5, 1.0, once=True), "3.50†")
        self.assertEqual(compare.fmt_ratio(1.02, 1.0, noise=True), "~1.02")
        self.assertEqual(compare.fmt_ratio(1.5, 1.0), "1.50")

    def test_charts_say_lower_is_better_and_mark_clipped_bars(self):
        svg = chart("time", [row("far", "time", 1.0, 30.0), row("near", "time", 1.0, 2.0)])
        self.assertIn("lower is better", svg)
        self.assertEqual(svg.count('class="clipped"'), 1)  # 30x, beyond the 16x axis
        self.assertIn(">30x</text>", svg)
        svg = chart("time", [row("below", "time", 1.0, 0.01)])
        self.assertEqual(svg.count('class="clipped"'), 1)  # 1/100, below 1/8

    def test_small_counts_are_not_charted_as_ratios(self):
        bars = lambda svg: svg.count('<rect x=') - 2  # less the legend's two
        self.assertEqual(bars(chart("vcsw", [row("few", "vcsw", 1, 2)])), 0)
        self.assertEqual(bars(chart("vcsw", [row("many", "vcsw", 100, 200)])), 2)
        self.assertIn("counts under 20 not drawn", chart("vcsw", [row("few", "vcsw", 1, 2)]))


if __name__ == "__main__":
    unittest.main()
