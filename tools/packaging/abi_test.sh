#!/usr/bin/env bash
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# The ABI identity of each shared library strata ships: its soname, the
# version node on every strata_ symbol it exports, and the C library's and
# C++ runtime's names exported unversioned, so that they still replace the
# C library's under LD_PRELOAD (frontend/malloc/libstrata.lds says why).
# Consumers record NEEDED libstrata.so.0 and strata_version@STRATA_0.1, so
# a library whose soname or versions change under them fails here first.
#
#   abi_test.sh LIBRARY SONAME [LIBRARY SONAME ...]
set -uo pipefail
node="STRATA_0.1"
failures=0
checks=0
check() { # description, then a command that must succeed
  local what="$1"
  shift
  checks=$((checks + 1))
  if "$@"; then echo "PASS: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
while [ $# -ge 2 ]; do
  library="$1"
  soname="$2"
  shift 2
  name=$(basename "$library")
  actual=$(readelf -dW "$library" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
  check "$name: soname $soname (is: ${actual:-none})" test "$actual" = "$soname"
  # Defined global and weak dynamic symbols: version and name, from the
  # dynamic symbol table (objdump -T: the version is the column before the
  # name). Local ones (the hidden thread-local cache pointer, which
  # initial-exec relocations name) are not exported.
  symbols=$(objdump -T "$library" | awk '$0 ~ /^[0-9a-f]+ [gw]/ && $0 !~ /\*UND\*/ {print $(NF-1), $NF}')
  total=$(echo "$symbols" | grep -c .)
  echo "$name: $total symbols exported"
  check "$name: exports malloc and strata_version" \
    sh -c "echo '$symbols' | grep -q ' malloc\$' && echo '$symbols' | grep -q ' strata_version\$'"
  # Which names are exported at all is //test:linkage_test's; here, how
  # each is versioned.
  wrong=$(echo "$symbols" | awk -v node="$node" '
    $2 == node { next }  # the version node itself
    $2 ~ /^strata_/ { if ($1 != node) print "versioned " $1 ": " $2; next }
    $1 != "Base" { print "versioned " $1 ": " $2 }')
  check "$name: strata_ symbols versioned $node, the C library's and C++'s names unversioned" \
    test -z "$wrong"
  [ -n "$wrong" ] && echo "$wrong" | head -5 | sed 's/^/  /'
  # Without a sanitizer, whose runtime must come first: the library
  # replaces the C library's malloc in a program that preloads it (python3:
  # it keeps stderr open to the end, where the stats are written).
  if [ -z "${TEST_SANITIZER:-}" ]; then
    check "$name: LD_PRELOAD replaces malloc (stats at exit)" \
      sh -c "LD_PRELOAD=$library STRATA_SHOW_STATS=1 python3 -c pass 2>&1 | grep -q '^strata: heap:'"
  fi
done
echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ] && [ "$checks" -gt 0 ]
