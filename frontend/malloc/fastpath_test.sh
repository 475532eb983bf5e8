#!/usr/bin/env bash
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# Pins the fast paths: instructions per call of each entry point (callgrind)
# against the golden file of the compiler that built the probe,
# DIR/<prefix>.<compiler>.golden (fastpath.gcc-12.golden, ...). The golden
# figures are a specification, both ways: a change that makes a fast path
# longer fails here, and so does one that makes it more than SLACK
# instructions shorter (lower the golden figure, saying why, so the file
# keeps saying what the fast path costs). SLACK covers the one instruction
# by which the default and the optimised builds may differ. A compiler
# with no golden file is not an error: the test says so, prints the counts
# to record one from, and passes.
#
#   fastpath_test.sh PROBE GOLDEN_DIR PREFIX
set -uo pipefail
probe="$1"
dir="$2"
prefix="$3"
rounds=100000
slack=2
compiler=$("$probe" --compiler)
golden="$dir/$prefix.$compiler.golden"

# Instructions per round of the probe's loop `name`, or empty.
count() {
  local out total
  out=$(mktemp)
  valgrind --tool=callgrind --collect-atstart=no --toggle-collect="$1" \
    --callgrind-out-file="$out" "$probe" "$1" 2>/dev/null
  total=$(grep -E '^(summary|totals):' "$out" | tail -1 | awk '{print $2}')
  rm -f "$out"
  [[ -n "$total" ]] && echo $(( (total + rounds / 2) / rounds ))
}

if [ ! -f "$golden" ]; then
  echo "WARNING: no $golden for this compiler ($compiler): nothing is checked."
  echo "To pin this compiler's fast paths, record these counts in that file:"
  for name in $(grep -vE '^#|^$' "$dir/$prefix".*.golden | awk '{print $1}' | sed 's/.*://' | sort -u); do
    echo "$name $(count "$name")"
  done
  exit 0
fi
failures=0
passes=0
while read -r name limit; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  per_round=$(count "$name")
  if [[ -z "$per_round" ]]; then
    echo "FAIL: no callgrind count for $name (is valgrind installed?)"
    failures=$((failures + 1))
  elif (( per_round > limit )); then
    echo "FAIL: $name: $per_round instructions per round, golden $limit ($golden)"
    failures=$((failures + 1))
  elif (( per_round < limit - slack )); then
    echo "FAIL: $name: $per_round instructions per round, well below the golden $limit:"
    echo "      lower it in $golden and say what made it shorter"
    failures=$((failures + 1))
  else
    echo "PASS: $name: $per_round instructions per round (golden $limit)"
    passes=$((passes + 1))
  fi
done < "$golden"
echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ] && [ "$passes" -gt 0 ]
