#!/usr/bin/env bash
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# The headers an installed strata ships, one path per line, sorted: the
# `hdrs` of every library in the installed archives, but the malloc
# frontend's private ones (//frontend/malloc:internal). scripts/install
# installs them; examples/cmake checks CMakeLists.txt's list against them.
# Run from the workspace root.
set -euo pipefail
bazel query --output=label \
  'labels(hdrs, (deps(//:libstrata_a) union deps(//:libstrata_override_a) union deps(//:libstrata_full_a)) except //frontend/malloc:internal)' \
  2>/dev/null | grep '^//' | sed -e 's|^//||' -e 's|:|/|' | sort
