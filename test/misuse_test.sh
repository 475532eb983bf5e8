#!/usr/bin/env bash
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# Misuse through the C library's names, under each of the three preloadable
# libraries: a double free with a free between (one thread, and across
# threads), realloc and malloc_usable_size of a freed object are reported
# at that call and abort; in warn mode the same double free is ignored and
# nothing is handed out twice; memalign(16, n) is 16-aligned for every n.
set -uo pipefail
probe="$1"
shift
failures=0
passes=0
pass() { echo "PASS: $1"; passes=$((passes + 1)); }
fail() { echo "FAIL: $1"; failures=$((failures + 1)); }

for lib_path in "$@"; do
  lib="$(cd "$(dirname "$lib_path")" && pwd)/$(basename "$lib_path")"
  name=$(basename "$lib")
  run() { LD_PRELOAD="$lib" timeout 20 "$probe" "$@" 2>&1; }
  for case in "double-free:free(): double free 0x" \
              "double-free-threads:free(): double free 0x" \
              "realloc-freed:realloc(): pointer already freed 0x" \
              "usable-freed:malloc_usable_size(): pointer already freed 0x"; do
    mode="${case%%:*}"
    message="${case#*:}"
    out=$(run "$mode")
    status=$?
    # 134 = 128 + SIGABRT
    [[ $status -eq 134 && "$out" == *"strata: $message"* && "$out" != *returned* ]] \
      && pass "$name $mode: aborts with \"strata: $message...\"" \
      || fail "$name $mode: status $status: $out"
  done
  out=$(STRATA_ON_ERROR=warn run reuse)
  status=$?
  [[ $status -eq 0 && "$out" == *"double free"*"(ignored)"* && "$out" == *distinct* \
     && "$out" == *"thread ended"* ]] \
    && pass "$name reuse (warn): the double free ignored, nothing handed out twice, the thread ends" \
    || fail "$name reuse (warn): status $status: $out"
  out=$(run memalign16)
  status=$?
  [[ $status -eq 0 && "$out" == *aligned* ]] && pass "$name memalign(16, 0..64) is 16-aligned" \
    || fail "$name memalign16: status $status: $out"
done
echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ] && [ "$passes" -gt 0 ]
