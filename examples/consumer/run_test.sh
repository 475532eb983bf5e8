#!/usr/bin/env bash
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# An outside Bazel project that depends on one strata layer: it builds,
# runs, and pulls in no layer above the one it names.
set -uo pipefail
cd "$(dirname "$0")"
passes=0
failures=0
result() { if [ "$1" -eq 0 ]; then echo "PASS: $2"; passes=$((passes + 1)); else echo "FAIL: $2"; failures=$((failures + 1)); fi; }

out=$(bazel run //:app 2>&1)
echo "$out" | grep -q "heap check ok"
result $? "bazel run //:app in an outside workspace"

deps=$(bazel query 'deps(//:app)' --output=package 2>/dev/null | grep '^@strata//')
echo "$deps" | sed 's/^/  /'
echo "$deps" | grep -q '^@strata//pageheap$'
result $? "depends on @strata//pageheap"
! echo "$deps" | grep -qE '^@strata//(central|frontend)'
result $? "pulls in no layer above the page heap"

# strata's packages as another workspace sees them: with this workspace's
# settings, none of strata's .bazelrc, and no repository but strata's
# offline setup. The malloc frontend's shared library (C and C++), and a
# layer whole, its tests included.
bazel build @strata//frontend/malloc:libstrata.so > /dev/null 2>&1
result $? "bazel build @strata//frontend/malloc:libstrata.so from another workspace"
bazel test @strata//pageheap:all > /dev/null 2>&1
result $? "bazel test @strata//pageheap:all from another workspace (GoogleTest needs no repository here)"

bazel shutdown >/dev/null 2>&1
echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
