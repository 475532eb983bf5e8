#!/usr/bin/env bash
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# libstrata.so is loaded into every process that preloads it, so whatever
# it links costs every such process at start: it must need the C library
# alone (no libstdc++, no libm: strata is C, and its C++ operators call
# nothing of the C++ runtime), export the malloc API (the C library's
# names, strata_*, and all 20 replaceable forms of operator new and
# delete) and nothing else but the version node its strata_ names carry
# (//tools/packaging:abi_test checks the versions). Its calls into the C library bind lazily
# (binding all at load runs resolvers a short program never needs, faulting
# in C library text; frontend/malloc/variants.bzl), except in the hardened
# library, which binds at load for a read-only GOT.
set -uo pipefail
failures=0
checks=0
for lib in "$@"; do
  name=$(basename "$lib")
  checks=$((checks + 4))
  binds_now=no
  if readelf -d "$lib" | grep -qE '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*NOW'; then binds_now=yes; fi
  want_now=no
  case "$name" in *hardened*) want_now=yes ;; esac
  if [ "$binds_now" = "$want_now" ]; then
    echo "PASS: $name binds at load: $binds_now"
  else
    echo "FAIL: $name binds at load: $binds_now, wanted $want_now"
    failures=$((failures + 1))
  fi
  needed=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
  if [ "$needed" = "libc.so.6 " ]; then
    echo "PASS: $name needs only libc.so.6"
  else
    echo "FAIL: $name needs: $needed"
    failures=$((failures + 1))
  fi
  exported=$(nm -DC --defined-only "$lib" | cut -d' ' -f3- | grep -v '^$')
  unexpected=$(grep -vE '^(malloc|free|calloc|realloc|reallocarray|posix_memalign|aligned_alloc|memalign|valloc|pvalloc|cfree|free_sized|free_aligned_sized|malloc_usable_size|malloc_trim|mallinfo2?|malloc_stats|malloc_info|mallopt|STRATA_[0-9]+\.[0-9]+)$|^strata_|^operator (new|delete)(\[\])?\(' <<< "$exported" || true)
  if [ -z "$unexpected" ]; then
    echo "PASS: $name exports only the malloc API"
  else
    echo "FAIL: $name also exports: $(echo $unexpected | head -c 300)"
    failures=$((failures + 1))
  fi
  operators=$(grep -cE '^operator (new|delete)(\[\])?\(' <<< "$exported")
  if [ "$operators" -eq 20 ]; then
    echo "PASS: $name exports the 20 forms of operator new and delete"
  else
    echo "FAIL: $name exports $operators forms of operator new and delete, not 20"
    failures=$((failures + 1))
  fi
done
echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
