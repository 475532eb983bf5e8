#!/usr/bin/env bash
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# With guarded sampling on, a SIGSEGV the guard does not own goes where it
# would have gone without it: a sent one kills (the default) or reaches the
# handler installed before strata, and a fault outside the guarded slots
# reaches that handler too. guard_signal_probe.c says what each mode does.
set -uo pipefail
probe="$1"
export STRATA_GUARD_RATE=1
failures=0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1"; failures=$((failures + 1)); }

# 139 = 128 + SIGSEGV: the shell's word for "killed by SIGSEGV".
for mode in raise kill sigqueue; do
  out=$("$probe" "$mode" 2>&1)
  status=$?
  [[ $status -eq 139 && "$out" != *survived* ]] && pass "$mode: killed by SIGSEGV" \
    || fail "$mode: status $status: $out"
done

out_file=$(mktemp)
"$probe" wait > "$out_file" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q waiting "$out_file" && break; sleep 0.05; done
kill -SEGV "$pid"
wait "$pid"
status=$?
[[ $status -eq 139 ]] && pass "kill -SEGV from outside kills" || fail "kill -SEGV: status $status: $(cat "$out_file")"
rm -f "$out_file"

out=$("$probe" chain-sent 2>&1)
status=$?
[[ $status -eq 42 && "$out" == *"previous handler: signal 11, code -6"* ]] \
  && pass "a sent SIGSEGV reaches the handler installed before strata (SI_TKILL)" \
  || fail "chain-sent: status $status: $out"

out=$("$probe" chain-fault 2>&1)
status=$?
[[ $status -eq 42 && "$out" == *"previous handler: signal 11, code 1"* ]] \
  && pass "a fault outside the guarded slots reaches the handler installed before strata" \
  || fail "chain-fault: status $status: $out"

out=$("$probe" ignored 2>&1)
status=$?
[[ $status -eq 0 && "$out" == *survived* ]] && pass "a sent SIGSEGV ignored before strata stays ignored" \
  || fail "ignored: status $status: $out"

echo "$(( 8 - failures )) passed, $failures failed"
[ "$failures" -eq 0 ]
