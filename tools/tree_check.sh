#!/usr/bin/env bash
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# Checks of the source tree itself, run by scripts/test plain beside the
# examples (they are no Bazel test: Bazel sees one package at a time):
#   - every source, header, script and build file strata writes starts with
#     the license line (after a #! line), the convention of LICENSE;
#   - nothing that a build or a run leaves behind is committed (Bazel's
#     output links, heap profiles under the default name).
# Prints "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
source examples/check.sh

if ! git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  echo "SKIP: not a git checkout: the tree checks need its file list"
  report
  exit $?
fi

# The files strata writes (third_party/ holds stand-ins for other
# projects' files, in their shape).
sources() {
  git ls-files | grep -v '^third_party/' |
    grep -E '\.(c|h|cc|sh|py|bzl|lds)$|(^|/)(BUILD|WORKSPACE|CMakeLists\.txt)$|\.in$|^scripts/[a-z]+$|^\.ci/run$|^\.bazelrc$'
}

without_license_line() {
  local missing=0
  while read -r file; do
    local first
    first=$(head -1 "$file")
    [[ "$first" == '#!'* ]] && first=$(sed -n 2p "$file")
    if [[ "$first" != *"SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE)."* ]]; then
      echo "no license line: $file"
      missing=$((missing + 1))
    fi
  done < <(sources)
  [ "$missing" -eq 0 ]
}
count=$(sources | wc -l)
check "the license line heads each of strata's $count source, build and script files" \
  without_license_line

leftovers() {
  local found
  found=$(git ls-files | grep -E '(^|/)bazel-[^/]*$|(^|/)strata\.[0-9]+\.heap$')
  [ -z "$found" ] || { echo "$found" | head; return 1; }
}
check "no Bazel output link or heap profile is committed" leftovers
report
