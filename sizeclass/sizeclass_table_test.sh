#!/bin/sh
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# The checked-in table must be exactly what the generator prints now.
set -eu
gen="$1"
status=0
for kind in header source; do
  case "$kind" in
    header) file="$2" ;;
    source) file="$3" ;;
  esac
  if ! "$gen" --"$kind" | diff -u "$file" -; then
    echo "FAIL: $file differs from 'mksizeclasses --$kind'." >&2
    echo "Regenerate: bazel run //sizeclass:regenerate" >&2
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "PASS: checked-in size-class table matches the generator"
exit "$status"
