#!/usr/bin/env bash
# See profile_test.py.
set -euo pipefail
script="$1"
shift
exec python3 "$script" "$@"
