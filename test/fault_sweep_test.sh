#!/usr/bin/env bash
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# Fault-injection sweep: runs the fault_sweep workload once to count the
# backend calls it makes, then once with the backend refusing each of them
# in turn (STRATA_FAULT_NTH=k). A refusal either surfaces as exactly one
# failed allocation with ENOMEM, or is absorbed because strata could still
# serve the request from memory it holds (a refill that got part of its
# batch); either way the program goes on, every object stays intact, the
# heap check passes and nothing is left in use (fault_sweep checks those).
set -uo pipefail
probe="$1"
out=$("$probe" 2>&1)
calls=$(STRATA_FAULT_NTH=0 "$probe" | sed -n 's/.*acquires=\([0-9]*\).*/\1/p')
if [[ -z "$calls" || "$calls" -lt 2 ]]; then
  echo "FAIL: could not count the backend calls: $out"
  echo "0 passed, 1 failed"
  exit 1
fi
# Bazel's shards (test/BUILD) each take every shard_count-th call: under a
# sanitizer a process costs seconds, and the whole sweep would outlast a
# test's time limit.
shard="${TEST_SHARD_INDEX:-0}"
shards="${TEST_TOTAL_SHARDS:-1}"
if [ -n "${TEST_SHARD_STATUS_FILE:-}" ]; then touch "$TEST_SHARD_STATUS_FILE"; fi
passes=0
failures=0
surfaced=0
absorbed=0
for k in $(seq $((1 + shard)) "$shards" "$calls"); do
  out=$(STRATA_FAULT_NTH="$k" "$probe" 2>&1)
  status=$?
  made=$(echo "$out" | sed -n 's/.*acquires=\([0-9]*\).*/\1/p')
  if [[ $status -eq 0 && "$out" == *"nulls=1 "* ]]; then
    surfaced=$((surfaced + 1))
    passes=$((passes + 1))
  elif [[ $status -eq 0 && "$out" == *"nulls=0 "* && -n "$made" && "$made" -ge "$k" ]]; then
    absorbed=$((absorbed + 1))
    passes=$((passes + 1))
  else
    echo "FAIL: refusing backend call $k of $calls: $out"
    failures=$((failures + 1))
  fi
done
echo "refused each of calls $((1 + shard)), $((1 + shard + shards)), ... of $calls in turn (shard $((shard + 1)) of $shards): $surfaced surfaced as one ENOMEM, $absorbed were absorbed"
echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
