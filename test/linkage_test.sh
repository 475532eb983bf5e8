#!/usr/bin/env bash
# libstrata.so is loaded into every process that preloads it, so whatever
# it links costs every such process at start: it must need the C library
# alone (no libstdc++, no libm: strata is C), and export only the malloc API.
set -uo pipefail
failures=0
for lib in "$@"; do
  needed=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
  if [ "$needed" = "libc.so.6 " ]; then
    echo "PASS: $(basename "$lib") needs only libc.so.6"
  else
    echo "FAIL: $(basename "$lib") needs: $needed"
    failures=$((failures + 1))
  fi
  unexpected=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^$' |
    grep -vE '^(malloc|free|calloc|realloc|reallocarray|posix_memalign|aligned_alloc|memalign|valloc|pvalloc|cfree|free_sized|free_aligned_sized|malloc_usable_size)$|^strata_' || true)
  if [ -z "$unexpected" ]; then
    echo "PASS: $(basename "$lib") exports only the malloc API"
  else
    echo "FAIL: $(basename "$lib") also exports: $(echo $unexpected | head -c 300)"
    failures=$((failures + 1))
  fi
done
echo "$((2 * $# - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
