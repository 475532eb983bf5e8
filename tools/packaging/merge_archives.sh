#!/bin/sh
# merge_archives OUT INPUT...: one static archive holding the objects of
# every input archive (.a, .pic.a, .lo); other inputs (shared objects) are
# ignored. Objects of each archive are extracted apart, so equal file names
# in different layers do not collide.
set -eu
out="$1"
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0
for input in "$@"; do
  case "$input" in
    *.a|*.lo) ;;
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
