#!/bin/sh
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# Runs the backend conformance tests under valgrind (no instrumentation),
# whose mmap returns addresses aligned only to the OS page.
set -u
exec valgrind --tool=none --quiet "$1" --gtest_filter='*hugepage*:HugepageBackend.*:*mmap*'
