#!/usr/bin/env bash
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# Background release: 200 MiB freed and then left alone goes back to the OS
# within a few release delays, with no further allocator call, and one
# delay after the free even when the free fell between two of the
# releasing thread's wake-ups; not with STRATA_BACKGROUND_RELEASE=0, nor in
# a child after fork.
set -uo pipefail
probe="$1"
failures=0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1"; failures=$((failures + 1)); }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<< "$2" | head -1; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

# A release delay of 300 ms keeps the test short; the policy is the same.
out=$(STRATA_RELEASE_DELAY_MS=300 "$probe" 2>&1)
echo "$out"
gain=$(field released_gain_mib "$out")
after=$(field rss_after_free_mib "$out")
end=$(field rss_end_mib "$out")
if ge "$gain" 190; then pass "200 MiB freed and left idle was released ($gain MiB)"
else fail "background release: only $gain MiB released"; fi
# Resident memory follows, except where a sanitizer's shadow memory blurs it.
if [ -z "${TEST_SANITIZER:-}" ]; then
  if ge "$(awk -v a="$after" -v b="$end" 'BEGIN { print a - b }')" 150; then
    pass "resident memory fell from $after to $end MiB"
  else
    fail "resident memory stayed at $end MiB (after free: $after)"
  fi
fi

# The thread starts half a delay before the frees: it must wake for them
# one delay after they happen (between 1 and 1 1/16 delays; 1.35 leaves
# room for a loaded machine), not at its next period after they became due
# (1.5 delays here, as a thread sleeping one delay at a time did).
out=$(STRATA_RELEASE_DELAY_MS=1000 "$probe" phase 500 2>&1)
echo "$out"
gain=$(field released_gain_mib "$out")
seconds=$(field seconds "$out")
if ge "$gain" 190 && ge 1.35 "$seconds"; then
  pass "freed between two wake-ups, released one delay later (${seconds} s at 1 s)"
else
  fail "freed between two wake-ups: $gain MiB released after ${seconds} s (delay 1 s)"
fi

out=$(STRATA_RELEASE_DELAY_MS=300 STRATA_BACKGROUND_RELEASE=0 timeout 20 "$probe" 2>&1)
echo "$out"
gain=$(field released_gain_mib "$out")
if ge 1 "$gain"; then pass "STRATA_BACKGROUND_RELEASE=0: nothing released behind the program's back"
else fail "STRATA_BACKGROUND_RELEASE=0 still released $gain MiB"; fi

# A forked child starts no thread (only async-signal-safe calls are fair
# there): it works, and releases as it calls the allocator, not behind it.
out=$(STRATA_RELEASE_DELAY_MS=300 "$probe" fork 2>&1)
status=$?
echo "$out"
child_gain=$(sed -n '/probe: child/,$p' <<< "$out" | sed -n 's/.*released_gain_mib=\([0-9.]*\).*/\1/p')
if [ "$status" -eq 0 ] && [ -n "$child_gain" ] && ge 1 "$child_gain"; then
  pass "a forked child runs without a releasing thread of its own"
else
  fail "after fork: status $status, child released '${child_gain}' MiB"
fi

if [ -n "${TEST_SANITIZER:-}" ]; then total=4; else total=5; fi
echo "$((total - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
