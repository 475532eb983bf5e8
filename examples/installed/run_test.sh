#!/usr/bin/env bash
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# Installs strata under a temporary prefix with the documented command, then
# builds programs against the installed copy without Bazel: with pkg-config
# (shared and static), and with the static override library.
set -uo pipefail
cd "$(dirname "$0")/../.."
prefix=$(mktemp -d)
build=$(mktemp -d)
trap 'rm -rf "$prefix" "$build"' EXIT
source examples/check.sh

check "scripts/install $prefix" scripts/install "$prefix"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
src=examples/installed
check "cc with pkg-config, shared" \
  sh -c "cc $src/hello.c \$(pkg-config --cflags --libs strata) -o $build/hello_shared"
# The version, as base/version.h writes it ("0.1.0").
version=$(tools/packaging/version.sh)
# Each shared library: the file with the full version, a link of its
# soname to it, and the -l name linked to the soname.
installed_as_a_distribution_would() {
  for name in libstrata libstrata_profiled; do
    test -f "$prefix/lib/$name.so.$version" && test ! -L "$prefix/lib/$name.so.$version" &&
      test "$(readlink "$prefix/lib/$name.so.0")" = "$name.so.$version" &&
      test "$(readlink "$prefix/lib/$name.so")" = "$name.so.0" || {
      ls -l "$prefix/lib"
      return 1
    }
  done
}
check "the libraries installed as $version with soname and -l links" installed_as_a_distribution_would
check "the program records the soname, libstrata.so.0" \
  sh -c "readelf -d $build/hello_shared | grep -q 'NEEDED.*\[libstrata.so.0\]'"
check "the license is installed with the changelog" \
  cmp LICENSE "$prefix/share/doc/strata/LICENSE"
check "strata-run --version says $version" \
  test "$("$prefix/bin/strata-run" --version)" = "strata-run (strata) $version"
check "cc with pkg-config and -rpath, as the README says: runs with no LD_LIBRARY_PATH" \
  sh -c "cc $src/hello.c \$(pkg-config --cflags --libs strata) -Wl,-rpath,$prefix/lib -o $build/hello_rpath &&
         env -u LD_LIBRARY_PATH $build/hello_rpath | grep -q 'hello from a strata pool'"
check "run against the installed libstrata.so" \
  sh -c "LD_LIBRARY_PATH=$prefix/lib $build/hello_shared | grep -q 'hello from a strata pool'"
check "cc with pkg-config strata-static: linked statically, no libstrata.so needed" \
  sh -c "cc $src/hello.c \$(pkg-config --cflags --libs strata-static) -o $build/hello_static &&
         ! readelf -d $build/hello_static | grep -q 'NEEDED.*libstrata'"
check "run the static build" sh -c "$build/hello_static | grep -q 'hello from strata_malloc'"
check "a GC heap from the installed libraries" \
  sh -c "LD_LIBRARY_PATH=$prefix/lib $build/hello_shared | grep -q 'hello from a strata GC heap: 1600 bytes live' &&
         $build/hello_static | grep -q 'hello from a strata GC heap: 1600 bytes live'"
check "link the static override whole" \
  sh -c "cc $src/override.c \$(pkg-config --cflags strata) -Wl,--whole-archive $prefix/lib/libstrata_override.a -Wl,--no-whole-archive -lpthread -o $build/override"
check "malloc is strata's with no LD_PRELOAD" sh -c "$build/override | grep -q 'malloc is strata'"
check "LD_PRELOAD the installed libstrata.so" \
  sh -c "LD_PRELOAD=$prefix/lib/libstrata.so STRATA_SHOW_STATS=1 python3 -c 'x = [str(i) for i in range(100000)]' 2>&1 | grep -q 'strata: heap:'"
check "link the profiled static override whole" \
  sh -c "cc $src/override.c \$(pkg-config --cflags strata) -Wl,--whole-archive $prefix/lib/libstrata_override_profiled.a -Wl,--no-whole-archive -lpthread -o $build/override_profiled"
# Rate 1: every allocation is a sample, so the small program's profile is
# never empty.
check "a heap profile of the profiled static build" \
  sh -c "cd $build && STRATA_PROFILE_RATE=1 STRATA_PROFILE_FILE=static.heap ./override_profiled | grep -q 'malloc is strata' &&
         google-pprof --text ./override_profiled static.heap 2>/dev/null | grep -q '^Total:'"
check "a heap profile of python3 on the installed libstrata_profiled.so" \
  sh -c "cd $build && LD_PRELOAD=$prefix/lib/libstrata_profiled.so STRATA_PROFILE_RATE=65536 STRATA_PROFILE_FILE=python.heap python3 -c 'x = [str(i) * 10 for i in range(100000)]' &&
         google-pprof --text /usr/bin/python3 python.heap 2>/dev/null | grep -q '^Total:'"
# A program that starts another: strata-run --profile gives each its own
# file, the program FILE and its child FILE.<pid>.
check "strata-run --profile: the program writes FILE, a process it starts FILE.<pid>" \
  sh -c "cd $build && $prefix/bin/strata-run --profile=tree.heap --profile-rate=65536 /usr/bin/python3 -c '
import subprocess, sys
subprocess.run([sys.executable, \"-c\", \"x = [str(i) * 10 for i in range(100000)]\"], check=True)
x = [str(i) * 10 for i in range(100000)]' &&
    test -s tree.heap && test \$(ls tree.heap.* | wc -l) -eq 1 &&
    google-pprof --text /usr/bin/python3 tree.heap.* 2>/dev/null | grep -q '^Total:'"
# Uninstall: every file the install made goes, a file of someone else's in
# the same prefix stays.
touch "$prefix/lib/not-strata.so"
check "scripts/install --uninstall $prefix" scripts/install --uninstall "$prefix"
check "nothing of strata is left under the prefix, and nothing else went" sh -c "
  test -f $prefix/lib/not-strata.so && test -z \"\$(find $prefix -type f -o -type l | grep -v not-strata.so)\" &&
  test ! -e $prefix/include/strata && test ! -e $prefix/share/strata"
report
