#!/usr/bin/env bash
# Pins the fast path: instructions per malloc + free pair (callgrind), per
# size, must not exceed fastpath.golden. A change that makes the fast path
# longer fails here; one that makes it shorter should lower the golden
# numbers.
set -uo pipefail
probe="$1"
golden="$2"
pairs=100000
failures=0
passes=0
while read -r size limit; do
  [[ -z "$size" || "$size" == \#* ]] && continue
  out=$(mktemp)
  valgrind --tool=callgrind --collect-atstart=no --toggle-collect="pairs_$size" \
    --callgrind-out-file="$out" "$probe" "$size" 2>/dev/null
  total=$(grep -E '^(summary|totals):' "$out" | tail -1 | awk '{print $2}')
  rm -f "$out"
  if [[ -z "$total" ]]; then
    echo "FAIL: no callgrind count for size $size (is valgrind installed?)"
    failures=$((failures + 1))
    continue
  fi
  per_pair=$(( (total + pairs / 2) / pairs ))
  if (( per_pair > limit )); then
    echo "FAIL: malloc+free of $size B: $per_pair instructions per pair, golden $limit"
    failures=$((failures + 1))
  else
    echo "PASS: malloc+free of $size B: $per_pair instructions per pair (golden $limit)"
    (( per_pair < limit )) && echo "      faster than the golden figure: lower fastpath.golden"
    passes=$((passes + 1))
  fi
done < "$golden"
echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ] && [ "$passes" -gt 0 ]
