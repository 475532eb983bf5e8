#!/usr/bin/env bash
# SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
# Real programs under LD_PRELOAD=libstrata.so: python3, sqlite3, clang (a
# C++ program: its operator new is strata's), tar with xz and redis-server
# driven by redis-benchmark. Their output must be exactly
# what the same run gives on the system allocator, and strata must really
# have served them (its stats at exit say so).
set -euo pipefail
lib="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
python_script="$2"
sql_script="$3"
redis_session="$(cd "$(dirname "$4")" && pwd)/$(basename "$4")"
cxx_program="$5"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0

run_both() { # name, command...
  local name="$1"
  shift
  "$@" > "$out/$name.system" 2> "$out/$name.system.err"
  # Stats go to a file: some programs (GNU tar, coreutils) close stderr
  # before exit.
  LD_PRELOAD="$lib" STRATA_SHOW_STATS=1 STRATA_STATS_FILE="$out/$name.strata.stats" \
    "$@" > "$out/$name.strata" 2> "$out/$name.strata.err"
  if ! cmp -s "$out/$name.system" "$out/$name.strata"; then
    echo "FAIL: $name output differs under strata"
    diff "$out/$name.system" "$out/$name.strata" | head -20
    status=1
  elif ! grep -q '^strata: heap:' "$out/$name.strata.stats"; then
    echo "FAIL: $name did not run on strata (no stats at exit)"
    head -20 "$out/$name.strata.err"
    status=1
  elif grep -q 'invalid pointer\|double free' "$out/$name.strata.err"; then
    echo "FAIL: $name reported misuse under strata"
    status=1
  else
    echo "PASS: $name ($(wc -c < "$out/$name.system") bytes of identical output)"
    grep '^strata: heap:' "$out/$name.strata.stats" | tail -1
  fi
}

run_both python3 python3 "$python_script"
run_both sqlite3 sqlite3 :memory: -init /dev/null -batch -cmd ".read $sql_script" ".quit"
# A C++ program: clang compiling C++ to LLVM IR.
run_both clang++ clang++ -std=c++17 -O1 -S -emit-llvm -o - "$cxx_program"

# tar with xz: a deterministic tree, archived with fixed metadata; the
# archive bytes must be identical, and so must what extracts from it.
tree="$out/tree"
mkdir -p "$tree"
python3 - "$tree" <<'PY'
import os, random, sys
rng = random.Random(7)
for d in range(10):
    os.makedirs(os.path.join(sys.argv[1], f"d{d}"), exist_ok=True)
    for f in range(20):
        size = rng.choice([10, 100, 1000, 10000, 50000])
        data = rng.randbytes(size)
        with open(os.path.join(sys.argv[1], f"d{d}", f"f{f}.bin"), "wb") as fh:
            fh.write(data)
PY
archive() { # writes an xz tarball of the tree to stdout
  XZ_OPT=-T1 tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
    -C "$tree" -cJf - .
}
run_both tar_xz archive
extract_listing() { # extracts the strata-made archive and lists contents with sums
  rm -rf "$out/extracted" && mkdir -p "$out/extracted"
  tar -C "$out/extracted" -xJf "$out/tar_xz.strata" && (cd "$out/extracted" && find . -type f | sort | xargs md5sum)
}
run_both tar_extract extract_listing

# redis-server on loopback, driven by redis-benchmark, then a data check:
# the same session against a server on the system allocator and one on
# strata must answer the same.
redis_run() { # port, preload or "", output file
  local port="$1" preload="$2" result="$3" pid
  if [ -n "$preload" ]; then
    LD_PRELOAD="$preload" STRATA_SHOW_STATS=1 redis-server --port "$port" --bind 127.0.0.1 \
      --save "" --appendonly no > "$result.server" 2>&1 &
  else
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no > "$result.server" 2>&1 &
  fi
  pid=$!
  for _ in $(seq 50); do redis-cli -p "$port" ping > /dev/null 2>&1 && break; sleep 0.1; done
  redis-benchmark -h 127.0.0.1 -p "$port" -n 20000 -r 5000 -d 200 -q -t set,get,lpush,lpop,hset,sadd \
    > "$result.bench" 2>&1
  redis-cli -p "$port" < "$redis_session" > "$result" 2>&1
  redis-cli -p "$port" dbsize >> "$result" 2>&1
  redis-cli -p "$port" shutdown nosave > /dev/null 2>&1
  wait "$pid" 2>/dev/null
}
if command -v redis-server > /dev/null; then
  redis_run 16391 "" "$out/redis.system"
  redis_run 16392 "$lib" "$out/redis.strata"
  if cmp -s "$out/redis.system" "$out/redis.strata" && grep -q 'hello from strata and friends' "$out/redis.strata" \
      && grep -q '^strata: heap:' "$out/redis.strata.server"; then
    echo "PASS: redis-server (benchmark: $(grep -c 'requests per second' "$out/redis.strata.bench") tests ran; session answers identical)"
  else
    echo "FAIL: redis-server under strata"
    diff "$out/redis.system" "$out/redis.strata" | head
    tail -5 "$out/redis.strata.server" "$out/redis.strata.bench"
    status=1
  fi
else
  echo "FAIL: redis-server is not installed (scripts/setup installs it)"
  status=1
fi
# glibc's malloc extensions resolve to libstrata.so under LD_PRELOAD, not to
# glibc's own arena (the dynamic linker says where each name is bound).
bindings=$(LD_PRELOAD="$lib" LD_DEBUG=bindings python3 -c 'import ctypes
c = ctypes.CDLL(None)
c.malloc_trim(0); c.mallinfo2; c.mallinfo; c.malloc_info; c.mallopt; c.malloc_stats' 2>&1 >/dev/null)
for name in malloc_trim mallinfo2 mallinfo malloc_info mallopt malloc_stats; do
  if grep -qE "to [^ ]*/$(basename "$lib") .*symbol .$name'" <<< "$bindings"; then
    echo "PASS: $name resolves to $(basename "$lib")"
  else
    echo "FAIL: $name does not resolve to $(basename "$lib")"
    grep -E "symbol .$name'" <<< "$bindings" | head -3
    status=1
  fi
done
exit "$status"
