#!/bin/sh
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# merge_archives OUT INPUT...: one static archive holding the objects of
# every input archive (.a, .pic.a, .lo, .pic.lo); other inputs (shared
# objects) are ignored. Objects of each archive are extracted apart, so
# equal file names in different layers do not collide.
#
# One flavour per library: an optimised build gives a genrule both a
# library's plain archive and its position-independent one (libx.a and
# libx.pic.a), the same functions twice; where both are given, only the
# position-independent one is merged (it links into executables and shared
# libraries alike).
set -eu
out="$1"
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0
for input in "$@"; do
  case "$input" in
    *.pic.a|*.pic.lo) ;;
    *.a|*.lo)
      pic="${input%.*}.pic.${input##*.}"
      case " $* " in *" $pic "*) continue ;; esac ;;
    *) continue ;;
  esac
  n=$((n + 1))
  mkdir "$work/$n"
  (cd "$work/$n" && ar x "$OLDPWD/$input")
  for object in "$work/$n"/*.o; do
    [ -e "$object" ] || continue
    mv "$object" "$work/$n/${n}_$(basename "$object")"
  done
done
rm -f "$out"
ar rcs "$out" "$work"/*/*.o
