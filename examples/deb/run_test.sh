#!/usr/bin/env bash
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# The Debian package: scripts/install --deb builds it; installed with dpkg,
# strata-run runs programs on strata with options as flags, a program
# builds against it with pkg-config, and dpkg removes it cleanly.
# Installing needs root (or sudo without a password), as in CI.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
build=$(mktemp -d)
source examples/check.sh

if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif sudo -n true 2>/dev/null; then
  sudo="sudo -n"
else
  sudo=none
fi
installed=0
cleanup() {
  [ "$installed" -eq 1 ] && $sudo dpkg -r libstrata-dev libstrata0 > /dev/null 2>&1
  rm -rf "$out" "$build"
}
trap cleanup EXIT

check "scripts/install --deb" scripts/install --deb "$out"
runtime=$(ls "$out"/libstrata0_*.deb 2>/dev/null | head -1)
dev=$(ls "$out"/libstrata-dev_*.deb 2>/dev/null | head -1)
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
# Each path in the package's contents (a link as "path -> target").
holds() { # package, then paths
  local deb="$1" contents f
  shift
  contents=$(dpkg-deb --contents "$deb" 2>&1)
  for f in "$@"; do
    grep -qE " \./$f( -> .*)?$" <<< "$contents" || { echo "missing $f in $deb"; return 1; }
  done
}
lib="usr/lib/$multiarch"
check "libstrata0 holds the shared libraries, strata-run and its manual" holds "$runtime" \
  "$lib/libstrata.so.0" "$lib/libstrata_profiled.so.0" "$lib/libstrata_hardened.so.0" \
  usr/bin/strata-run usr/share/man/man1/strata-run.1.gz usr/share/doc/libstrata0/copyright \
  usr/share/doc/libstrata0/changelog.gz
check "libstrata-dev holds the headers, archives, -l links and pkg-config files" holds "$dev" \
  "$lib/libstrata.a" "$lib/libstrata.so" "$lib/pkgconfig/strata.pc" \
  "$lib/pkgconfig/strata-static.pc" usr/include/strata/frontend/malloc/strata_malloc.h \
  usr/share/doc/libstrata-dev/copyright
# The paths a package holds (links without their targets).
paths() { dpkg-deb --contents "$1" | awk '{print $6}'; }
apart() {
  local wrong
  wrong=$(paths "$runtime" | grep -E '\.a$|/include/|\.so$|\.pc$'; paths "$dev" | grep -E 'strata-run|\.so\.[0-9]')
  [ -z "$wrong" ] || { echo "$wrong"; return 1; }
}
check "neither package holds the other's files" apart

check "the copyright file says MIT (Expat) in Debian's format" sh -c "
  dpkg-deb --fsys-tarfile $runtime | tar -xO ./usr/share/doc/libstrata0/copyright |
    grep -q '^License: Expat\$'"
# Debian's policy checker: no error and no warning (information is shown).
lintian_clean() {
  local found
  found=$(lintian --tag-display-limit 0 "$runtime" "$dev" 2>&1 | grep -E '^(E|W): ')
  [ -z "$found" ] || { echo "$found" | head -20; return 1; }
}
check "lintian: no error, no warning" lintian_clean
check "the manual page reads" sh -c "
  dpkg-deb --fsys-tarfile $runtime | tar -xO ./usr/share/man/man1/strata-run.1.gz | gunzip |
    MANWIDTH=80 man -l - 2>/dev/null | grep -q 'strata-run - run a program with strata as its malloc'"

if [ "$sudo" = none ]; then
  echo "SKIP: installing the package needs root or passwordless sudo"
elif dpkg-query -W -f='${Status}' libstrata0 2>/dev/null | grep -q "install ok installed"; then
  echo "SKIP: libstrata0 is installed on this machine already; not replacing it"
else
  check "dpkg -i both" $sudo dpkg -i "$runtime" "$dev"
  installed=1
  check "strata-run --stats runs a program on strata" sh -c \
    "out=\$(strata-run --stats python3 -c 'print(sum(range(10)))' 2>&1) &&
     echo \"\$out\" | grep -qx 45 && echo \"\$out\" | grep -q '^strata: heap:'"
  check "strata-run passes its options as settings" sh -c \
    "strata-run --backend=hugepage --no-background-release --stats python3 -c pass 2>&1 |
     grep -q 'strata: backend hugepage'"
  check "strata-run --profile writes a heap profile google-pprof reads" sh -c \
    "cd $build && strata-run --profile=python.heap --profile-rate=65536 python3 -c 'x = [str(i) * 10 for i in range(100000)]' &&
     google-pprof --text /usr/bin/python3 python.heap 2>/dev/null | grep -q '^Total:'"
  check "strata-run --guard-rate runs a program guarded" sh -c \
    "strata-run --guard-rate=4096 --stats python3 -c 'x = [str(i) for i in range(10000)]' 2>&1 |
     grep -q '^strata: guard: .*, [1-9][0-9]* guarded'"
  check "strata-run refuses an unknown option" sh -c \
    "! strata-run --bogus true 2>/dev/null && strata-run --bogus true 2>&1 | grep -q 'unknown option --bogus'"
  check "a program builds with pkg-config against the package" sh -c \
    "cc examples/installed/hello.c \$(pkg-config --cflags --libs strata) -o $build/hello &&
     $build/hello | grep -q 'hello from a strata pool'"
  check "the program needs libstrata.so.0 and finds it with no path set" sh -c \
    "readelf -d $build/hello | grep -q 'NEEDED.*\[libstrata.so.0\]' &&
     ldconfig -p | grep -q 'libstrata.so.0 ' && env -u LD_LIBRARY_PATH $build/hello > /dev/null"
  check "strata-run --version says the package's version" sh -c \
    "test \"\$(strata-run --version)\" = \"strata-run (strata) \$(dpkg-query -W -f='\${Version}' libstrata0)\""
  check "dpkg -r removes them" sh -c "$sudo dpkg -r libstrata-dev libstrata0 > /dev/null &&
    ! command -v strata-run && ! ldconfig -p | grep -q 'libstrata.so.0 '"
  installed=0
fi
report
