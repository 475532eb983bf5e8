# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# Sourced by the examples' run_test.sh: check NAME COMMAND... runs the
# command, prints PASS or FAIL (with the tail of its output) and counts;
# report prints "N passed, M failed" (what scripts/test reads) and returns
# the status.
passes=0
failures=0
check() {
  local name="$1"
  shift
  local result
  if result=$("$@" 2>&1); then
    echo "PASS: $name"
    passes=$((passes + 1))
  else
    echo "FAIL: $name"
    echo "$result" | tail -20
    failures=$((failures + 1))
  fi
}
report() {
  echo "$passes passed, $failures failed"
  [ "$failures" -eq 0 ]
}
