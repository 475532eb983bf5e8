#!/usr/bin/env bash
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# The environment variables of the malloc frontend, each observed working,
# on a program that links the static override library.
set -uo pipefail
probe="$1"
dlopen_lib="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
failures=0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1"; failures=$((failures + 1)); }

out=$("$probe" 2>&1)
[[ "$out" == *"ok errors=0 check=0"* ]] && pass "static override serves malloc" || fail "plain run: $out"

out=$(STRATA_SHOW_STATS=1 "$probe" 2>&1)
[[ "$out" == *"strata: heap:"* && "$out" == *"class"* ]] && pass "STRATA_SHOW_STATS=1 prints stats at exit" || fail "stats: $out"

out=$(STRATA_SHOW_STATS=1 STRATA_STATS_FILE=/nonexistent-dir/stats "$probe" 2>&1)
[[ "$out" == *"strata: STRATA_STATS_FILE: cannot open /nonexistent-dir/stats (No such file or directory); the stats follow here"* \
   && "$out" == *"strata: heap:"* ]] \
  && pass "an unwritable STRATA_STATS_FILE is reported and the stats go to stderr" \
  || fail "unwritable stats file: $out"

# The file alone asks for the stats, one file per process with %p.
dir=$(mktemp -d)
out=$(STRATA_STATS_FILE="$dir/stats.%p" sh -c 'echo $$; exec "$0"' "$probe" 2>&1)
pid=$(echo "$out" | head -1)
[[ -f "$dir/stats.$pid" ]] && grep -q "strata: heap:" "$dir/stats.$pid" \
  && [[ "$out" != *"strata: heap:"* ]] \
  && pass "STRATA_STATS_FILE alone writes the stats, %p made the process id" \
  || fail "stats file with %p: $(ls "$dir") $out"
rm -rf "$dir"

out=$("$probe" misuse 2>&1)
status=$?
[[ $status -ne 0 && "$out" == *"strata: free(): invalid pointer 0x"* && "$out" != *"continued"* ]] \
  && pass "misuse aborts by default" || fail "abort mode (status $status): $out"

out=$(STRATA_ON_ERROR=warn "$probe" misuse 2>&1)
[[ "$out" == *"(ignored)"* && "$out" == *"continued after misuse"* && "$out" == *"errors=1"* ]] \
  && pass "STRATA_ON_ERROR=warn counts and goes on" || fail "warn mode: $out"

out=$(STRATA_BACKEND=hugepage STRATA_SHOW_STATS=1 "$probe" 2>&1)
[[ "$out" == *"ok errors=0 check=0"* && "$out" == *"2.0 MiB committed"* || "$out" == *"ok errors=0 check=0"* ]] \
  && pass "STRATA_BACKEND=hugepage runs" || fail "hugepage: $out"

strict=$(cat /proc/sys/vm/overcommit_memory 2>/dev/null)
default_commit="lazy commit"; [ "$strict" = 2 ] && default_commit="eager commit"
out=$(STRATA_SHOW_STATS=1 "$probe" 2>&1)
[[ "$out" == *"ok errors=0 check=0"* && "$out" == *"backend mmap, $default_commit"* ]] \
  && pass "the mmap backend commits $default_commit by default" || fail "default commit: $out"
out=$(STRATA_COMMIT=eager STRATA_SHOW_STATS=1 "$probe" 2>&1)
[[ "$out" == *"ok errors=0 check=0"* && "$out" == *"backend mmap, eager commit"* ]] \
  && pass "STRATA_COMMIT=eager commits with mprotect" || fail "eager commit: $out"
out=$(STRATA_COMMIT=lazy STRATA_SHOW_STATS=1 "$probe" 2>&1)
[[ "$out" == *"ok errors=0 check=0"* && "$out" == *"backend mmap, lazy commit"* ]] \
  && pass "STRATA_COMMIT=lazy commits on first touch" || fail "lazy commit: $out"

out=$(STRATA_RELEASE_DELAY_MS=0 STRATA_THREAD_CACHE_KB=64 STRATA_CACHE_TOTAL_MB=1 \
      STRATA_LARGE_RELEASE_KB=64 STRATA_RELEASE_LIMIT_MB=1 "$probe" 2>&1)
[[ "$out" == *"ok errors=0 check=0"* ]] && pass "tuning variables accepted" || fail "tuning: $out"

out=$(STRATA_RELEASE_DELAY_MS=abc STRATA_THREAD_CACHE_KB=-5 "$probe" 2>&1)
[[ "$out" == *"ok errors=0 check=0"* ]] && pass "malformed values fall back to defaults" || fail "malformed: $out"

out=$(PROBE_SAY_AFTER_EXIT=1 "$probe" dlopen "$dlopen_lib" 2>&1)
[[ "$out" == *"dlopen ok"* && "$out" == *"ok errors=0 check=0"* && "$out" == *"allocated after exit"* ]] \
  && pass "before main, after exit and across dlopen" || fail "dlopen/constructors: $out"

echo "$((11 - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
