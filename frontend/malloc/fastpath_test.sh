#!/usr/bin/env bash
# Pins the fast paths: instructions per call of each entry point (callgrind)
# must not exceed the golden file of the compiler that built the probe,
# DIR/<prefix>.<compiler>.golden (fastpath.gcc-12.golden, ...). A change
# that makes a fast path longer fails here; one that makes it shorter
# should lower the golden numbers. A compiler with no golden file fails,
# saying how to record one.
#
#   fastpath_test.sh PROBE GOLDEN_DIR PREFIX
set -uo pipefail
probe="$1"
dir="$2"
prefix="$3"
rounds=100000
compiler=$("$probe" --compiler)
golden="$dir/$prefix.$compiler.golden"
if [ ! -f "$golden" ]; then
  echo "FAIL: no $golden for this compiler ($compiler): record one from this run's counts"
  for name in $(grep -vE '^#|^$' "$dir/$prefix".*.golden | awk '{print $1}' | sed 's/.*://' | sort -u); do
    out=$(mktemp)
    valgrind --tool=callgrind --collect-atstart=no --toggle-collect="$name" \
      --callgrind-out-file="$out" "$probe" "$name" 2>/dev/null
    total=$(grep -E '^(summary|totals):' "$out" | tail -1 | awk '{print $2}')
    rm -f "$out"
    echo "$name $(( (total + rounds / 2) / rounds ))"
  done
  exit 1
fi
failures=0
passes=0
while read -r name limit; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  out=$(mktemp)
  valgrind --tool=callgrind --collect-atstart=no --toggle-collect="$name" \
    --callgrind-out-file="$out" "$probe" "$name" 2>/dev/null
  total=$(grep -E '^(summary|totals):' "$out" | tail -1 | awk '{print $2}')
  rm -f "$out"
  if [[ -z "$total" ]]; then
    echo "FAIL: no callgrind count for $name (is valgrind installed?)"
    failures=$((failures + 1))
    continue
  fi
  per_round=$(( (total + rounds / 2) / rounds ))
  if (( per_round > limit )); then
    echo "FAIL: $name: $per_round instructions per round, golden $limit ($golden)"
    failures=$((failures + 1))
  else
    echo "PASS: $name: $per_round instructions per round (golden $limit)"
    (( per_round < limit )) && echo "      faster than the golden figure: lower it in $golden"
    passes=$((passes + 1))
  fi
done < "$golden"
echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ] && [ "$passes" -gt 0 ]
