#!/bin/sh
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# Rewrites the checked-in size-class table from the generator.
# Run as: bazel run //sizeclass:regenerate
set -eu
gen="$(pwd)/$1"
cd "${BUILD_WORKSPACE_DIRECTORY:?run me with bazel run}"
"$gen" --header > sizeclass/sizeclass_generated.h
"$gen" --source > sizeclass/sizeclass_table.c
echo "wrote sizeclass/sizeclass_generated.h and sizeclass/sizeclass_table.c"
