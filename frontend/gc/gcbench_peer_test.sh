#!/usr/bin/env bash
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# The benchmark's peer is what its table says: Boehm through the shared
# library in gcbench and linked in statically in gcbench_boehm_static, each
# marking with one thread per core unless GC_MARKERS=1 (gcbench.c starts the
# marker threads, which Boehm 8.2 leaves unstarted in a program of one
# thread).
#
#   gcbench_peer_test.sh GCBENCH GCBENCH_BOEHM_STATIC
set -uo pipefail
shared="$1"
static="$2"
failures=0
checks=0
check() {
  checks=$((checks + 1))
  local what="$1"
  shift
  if "$@"; then echo "PASS: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
markers() { env -u GC_MARKERS "$@" | sed -n 's/.* markers=\([0-9]*\).*/\1/p'; }
cores=$(nproc)
expected=$((cores < 2 ? 1 : cores))
check "gcbench links Boehm's shared library" sh -c "ldd '$shared' | grep -q 'libgc\.so'"
check "gcbench_boehm_static links no Boehm library" sh -c "! ldd '$static' | grep -q 'libgc\.so'"
m=$(markers "$shared" boehm pointers)
check "Boehm (shared) marks with one thread per core: $m of $cores" test "${m:-0}" -ge "$expected"
m=$(markers "$static" boehm pointers)
check "Boehm (static) marks with one thread per core: $m of $cores" test "${m:-0}" -ge "$expected"
m=$(GC_MARKERS=1 "$static" boehm pointers | sed -n 's/.* markers=\([0-9]*\).*/\1/p')
check "GC_MARKERS=1: one marker ($m)" test "${m:-0}" -eq 1
echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
