#!/usr/bin/env bash
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# The embedded example links the pool core and the layers under it, and
# nothing of the malloc frontend: no strata_malloc, no thread cache, no fork
# handlers. (It does link the pool: the check is not vacuous.)
set -uo pipefail
binary="$1"
symbols=$(nm "$binary") || { echo "FAIL: nm $binary"; exit 1; }
failures=0
if grep -q " strata_pool_create$" <<< "$symbols"; then
  echo "PASS: the example has the pool (strata_pool_create)"
else
  echo "FAIL: no strata_pool_create in $binary"; failures=$((failures + 1))
fi
for name in strata_malloc strata_free strata_thread_cache strata_malloc_page_heap; do
  if grep -qE " ${name}$" <<< "$symbols"; then
    echo "FAIL: $name is linked in"; failures=$((failures + 1))
  else
    echo "PASS: no $name"
  fi
done
[ "$failures" -eq 0 ]
