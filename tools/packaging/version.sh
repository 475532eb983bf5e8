#!/usr/bin/env bash
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# Prints strata's version, MAJOR.MINOR.PATCH, from base/version.h, the one
# place it is written (CMakeLists.txt reads the same lines). Run from the
# workspace root.
set -euo pipefail
part() { sed -n "s/^#define STRATA_VERSION_$1 \([0-9]*\)$/\1/p" base/version.h; }
version="$(part MAJOR).$(part MINOR).$(part PATCH)"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || {
  echo "tools/packaging/version.sh: no version in base/version.h" >&2
  exit 1
}
echo "$version"
