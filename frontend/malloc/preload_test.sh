#!/usr/bin/env bash
# Real programs under LD_PRELOAD=libstrata.so: their output must be exactly
# what the same run gives on the system allocator, and strata must really
# have served them (its stats at exit say so).
set -euo pipefail
lib="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
python_script="$2"
sql_script="$3"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0

run_both() { # name, command...
  local name="$1"
  shift
  "$@" > "$out/$name.system" 2> "$out/$name.system.err"
  LD_PRELOAD="$lib" STRATA_SHOW_STATS=1 "$@" > "$out/$name.strata" 2> "$out/$name.strata.err"
  if ! cmp -s "$out/$name.system" "$out/$name.strata"; then
    echo "FAIL: $name output differs under strata"
    diff "$out/$name.system" "$out/$name.strata" | head -20
    status=1
  elif ! grep -q '^strata: heap:' "$out/$name.strata.err"; then
    echo "FAIL: $name did not run on strata (no stats at exit)"
    cat "$out/$name.strata.err" | head -20
    status=1
  elif grep -q 'invalid pointer\|double free' "$out/$name.strata.err"; then
    echo "FAIL: $name reported misuse under strata"
    status=1
  else
    echo "PASS: $name ($(wc -c < "$out/$name.system") bytes of identical output)"
    grep '^strata: heap:' "$out/$name.strata.err" | tail -1
  fi
}

run_both python3 python3 "$python_script"
run_both sqlite3 sqlite3 :memory: -init /dev/null -batch -cmd ".read $sql_script" ".quit"
exit "$status"
