#!/usr/bin/env bash
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# A small run of the comparison harness: every workload under every
# allocator at a fraction of the work. It must finish, agree on every
# checksum and write its three result files.
set -uo pipefail
bin="$(pwd)"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
python3 bench/compare.py --bin "$bin" --out "$out" --reps 2 --scale 0.01 > "$out/log" 2>&1
status=$?
tail -25 "$out/log"
folder=$(ls -d "$out"/compare-* 2>/dev/null | head -1)
failures=0
[ "$status" -eq 0 ] || { echo "FAIL: compare.py exited $status"; failures=$((failures + 1)); }
for f in results.md results.csv chart.svg chart_rss.svg chart_faults.svg chart_csw.svg; do
  [ -s "$folder/$f" ] || { echo "FAIL: no $f"; failures=$((failures + 1)); }
done
grep -q "FAILED" "$out/log" && { echo "FAIL: a workload run failed"; failures=$((failures + 1)); }
for f in chart.svg chart_rss.svg chart_faults.svg chart_csw.svg; do
  python3 -c "import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])" "$folder/$f" \
    || { echo "FAIL: $f is not well-formed"; failures=$((failures + 1)); }
done
# Two runs each: every ratio is either told apart or marked as noise.
grep -q "Geometric means over every run; ratios within the noise count as 1" "$folder/results.md" \
  || { echo "FAIL: no noise rule in the summary"; failures=$((failures + 1)); }
grep -q "^| xbatch T=2 | .* / " "$folder/results.md" \
  || { echo "FAIL: no context-switch figures"; failures=$((failures + 1)); }
rows=$(($(wc -l < "$folder/results.csv") - 1))
[ "$rows" -ge 34 ] || { echo "FAIL: only $rows result rows"; failures=$((failures + 1)); }
echo "$((1 - (failures > 0))) passed, $((failures > 0)) failed"
[ "$failures" -eq 0 ]
