#!/usr/bin/env bash
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# The sampling layer is linked into libstrata_profiled.so only: libstrata.so
# holds none of its functions (guarded sampling, heap profiling, the sampled
# entry points), and its thread-local storage is the cache pointer alone.
# The profiled library is the control: the same checks find the layer there,
# so a check that cannot see the layer cannot pass.
#
#   not_in_libstrata_test.sh LIBSTRATA LIBSTRATA_PROFILED
set -uo pipefail
plain="$1"
profiled="$2"
failures=0
check() { # description, then a command that must succeed
  local what="$1"
  shift
  if "$@"; then echo "PASS: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
# Every symbol, local ones included (the layer's are hidden).
symbols() { nm --defined-only "$1" 2>/dev/null | awk '{print $NF}'; }
layer='^(strata_guard_|strata_profiling_|strata_sampled_|strata_sampling_|strata_thread_in_profiler$)'
# The thread-local storage segment's size in memory (hex), from the TLS
# program header.
tls_size() { readelf -lW "$1" | awk '$1 == "TLS" {print $6}'; }

in_plain=$(symbols "$plain" | grep -cE "$layer")
in_profiled=$(symbols "$profiled" | grep -cE "$layer")
echo "the layer's symbols: libstrata.so $in_plain, libstrata_profiled.so $in_profiled"
check "libstrata.so holds none of the sampling layer's symbols" test "$in_plain" -eq 0
check "libstrata_profiled.so holds them (the check can see the layer)" test "$in_profiled" -gt 10
plain_tls=$(tls_size "$plain")
profiled_tls=$(tls_size "$profiled")
echo "thread-local storage: libstrata.so $plain_tls bytes, libstrata_profiled.so $profiled_tls"
checks=3
# A sanitizer's runtime adds storage of its own to both.
if [ -z "${TEST_SANITIZER:-}" ]; then
  check "libstrata.so's thread-local storage is one pointer" test "$((plain_tls))" -eq 8
  checks=4
fi
check "libstrata_profiled.so's is one int more (strata_thread_in_profiler, aligned)" \
  test "$((profiled_tls - plain_tls))" -ge 4 -a "$((profiled_tls - plain_tls))" -le 8
echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
