#!/usr/bin/env bash
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# See profile_test.py.
set -euo pipefail
script="$1"
shift
exec python3 "$script" "$@"
