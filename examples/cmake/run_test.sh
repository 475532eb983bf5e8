#!/usr/bin/env bash
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# strata's CMake build, as a CMake user takes it: its lists are Bazel's
# (the layers, each library's sources, the public headers: one list, kept
# by this check), it builds and installs with cmake, and a project of its
# own finds it with find_package(strata) and links the shared library and
# the static ones.
set -uo pipefail
cd "$(dirname "$0")/../.."
source examples/check.sh
build=$(mktemp -d)
prefix=$(mktemp -d)
consumer=$(mktemp -d)
trap 'rm -rf "$build" "$prefix" "$consumer"' EXIT

# A list set in CMakeLists.txt, one word per line, in its order.
cmake_list_ordered() {
  awk -v name="$1" '
    $0 ~ "^set\\(" name "( |$)" { on = 1; sub("^set\\(" name, "") }
    on { line = $0; if (sub(/\)$/, "", line)) on = 2; print line; if (on == 2) exit }' \
    CMakeLists.txt | tr ' ' '\n' | grep -v '^$'
}
# The same, sorted.
cmake_list() { cmake_list_ordered "$1" | sort; }
# What Bazel builds: the srcs (.c/.cc only) of a target, sorted.
bazel_sources() {
  bazel query "labels(srcs, $1)" 2>/dev/null | grep -E '\.(c|cc)$' | sed -e 's|^//||' -e 's|:|/|' | sort
}
same() { # name, then the two lists
  if [ "$2" != "$3" ]; then
    echo "$1 differs: CMake and Bazel"
    diff <(echo "$2") <(echo "$3")
    return 1
  fi
}
lists_match() {
  local bazel_layers failed=0
  bazel_layers=$(sed -n '/^STRATA_LAYERS = \[/,/^\]/p' tools/strata.bzl | grep -o '"//[a-z]*"' |
    tr -d '"/' )
  # In the same order: bottom up, as each links the ones below it.
  same "the layers" "$(cmake_list_ordered STRATA_LAYERS | paste -sd' ')" "$(echo $bazel_layers)" ||
    failed=1
  for layer in $bazel_layers; do
    same "$layer's sources" "$(cmake_list "strata_${layer}_SOURCES")" "$(bazel_sources "//$layer")" ||
      failed=1
  done
  same "the malloc's sources" "$(cmake_list strata_malloc_SOURCES)" \
    "$(bazel_sources //frontend/malloc:override)" || failed=1
  same "the operators' sources" "$(cmake_list strata_operators_SOURCES)" \
    "$(bazel_sources //frontend/malloc:override_operators)" || failed=1
  same "the pool's sources" "$(cmake_list strata_pool_SOURCES)" \
    "$(bazel_sources //frontend/pool:pool)" || failed=1
  same "the GC's sources" "$(cmake_list strata_gc_SOURCES)" "$(bazel_sources //frontend/gc)" ||
    failed=1
  same "the public headers" "$(cmake_list STRATA_PUBLIC_HEADERS)" \
    "$(tools/packaging/public_headers.sh)" || failed=1
  return $failed
}
check "CMakeLists.txt lists the layers, sources and headers Bazel builds" lists_match
check "cmake configures and builds strata" sh -c \
  "cmake -S . -B $build -DCMAKE_C_FLAGS='-Wall -Wextra -Werror' -DCMAKE_CXX_FLAGS='-Wall -Wextra -Werror' > $build.log 2>&1 &&
   cmake --build $build -j 2 >> $build.log 2>&1 || { tail -20 $build.log; exit 1; }"
check "cmake --install lays strata out as scripts/install does" sh -c \
  "cmake --install $build --prefix $prefix > /dev/null &&
   test -f $prefix/include/strata/frontend/malloc/strata_malloc.h &&
   test -f $prefix/lib/libstrata.so.0.1.0 && test \"\$(readlink $prefix/lib/libstrata.so.0)\" = libstrata.so.0.1.0 &&
   test -f $prefix/lib/libstrata_pageheap.a && test -f $prefix/lib/cmake/strata/strataConfig.cmake &&
   readelf -d $prefix/lib/libstrata.so.0.1.0 | grep -q 'SONAME.*\[libstrata.so.0\]'"
check "a project finds it with find_package(strata) and builds against it" sh -c \
  "cmake -S examples/cmake -B $consumer -DCMAKE_PREFIX_PATH=$prefix > $consumer.log 2>&1 &&
   cmake --build $consumer >> $consumer.log 2>&1 || { tail -20 $consumer.log; exit 1; }"
check "linked with strata::strata, it runs on libstrata.so.0" sh -c \
  "readelf -d $consumer/hello_shared | grep -q 'NEEDED.*\[libstrata.so.0\]' &&
   $consumer/hello_shared | grep -q 'hello from a strata GC heap: 1600 bytes live'"
check "linked with the static strata::pool and strata::gc, it needs no libstrata.so" sh -c \
  "! readelf -d $consumer/hello_static | grep -q 'NEEDED.*libstrata' &&
   $consumer/hello_static | grep -q 'hello from strata_malloc'"
check "LD_PRELOAD the CMake-built libstrata.so replaces malloc" sh -c \
  "LD_PRELOAD=$prefix/lib/libstrata.so.0 STRATA_SHOW_STATS=1 python3 -c pass 2>&1 | grep -q '^strata: heap:'"
rm -f "$build.log" "$consumer.log"
report
