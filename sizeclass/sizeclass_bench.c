/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* sizeclass benchmark: the cost of one size -> class lookup over random
 * sizes, in nanoseconds and in instructions (callgrind), with the loop's own
 * cost measured separately and subtracted.
 *
 * The lookups form one dependency chain: which size the next lookup reads
 * depends on the class the last one returned. Without that, the compiler
 * and the processor overlap independent lookups (or hoist their loads), and
 * the loop times its own overhead, not the lookup: a fraction of a cycle
 * per lookup. With it, the time is a lookup's latency, what a malloc pays
 * before it can pop its list. The baseline runs the same chain (the same
 * load and index arithmetic) without the lookup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sizeclass/sizeclass.h"
#include "tools/benchkit/benchkit.h"

#define SIZES 4096 /* power of two: the loop indexes with a mask */
#define LOOKUPS (1u << 24)
#define CALLGRIND_LOOKUPS (1u << 20)

static size_t uniform_sizes[SIZES];
static size_t small_sizes[SIZES];

static void fill_sizes(void) {
  strata_bench_rng rng = {0x5eed};
  for (int i = 0; i < SIZES; i++) {
    uniform_sizes[i] = 1 + strata_bench_rng_below(&rng, STRATA_MAX_SMALL_SIZE);
    /* Skewed small, as real programs are: mostly under 256 bytes. */
    small_sizes[i] = 1 + strata_bench_rng_below(&rng, 1 + strata_bench_rng_below(&rng, 256));
  }
}

__attribute__((noinline)) uint64_t loop_lookup(const size_t *sizes, uint64_t n) {
  uint64_t sum = 0, index = 0;
  for (uint64_t i = 0; i < n; i++) {
    uint64_t c = strata_size_to_class(sizes[index]);
    sum += c;
    index = (index + 1 + c) & (SIZES - 1); /* the next size depends on this class */
  }
  return sum;
}

__attribute__((noinline)) uint64_t loop_baseline(const size_t *sizes, uint64_t n) {
  uint64_t sum = 0, index = 0;
  for (uint64_t i = 0; i < n; i++) {
    uint64_t c = sizes[index] & 63; /* a number of the class's range, not a lookup */
    STRATA_BENCH_KEEP(c);
    sum += c;
    index = (index + 1 + c) & (SIZES - 1);
  }
  return sum;
}

static double ns_per_op(uint64_t (*loop)(const size_t *, uint64_t), const size_t *sizes) {
  double best = 1e30;
  for (int rep = 0; rep < 5; rep++) {
    uint64_t start = strata_bench_now_ns();
    uint64_t sum = loop(sizes, LOOKUPS);
    STRATA_BENCH_KEEP(sum);
    double ns = (double)(strata_bench_now_ns() - start) / LOOKUPS;
    if (ns < best) best = ns;
  }
  return best;
}

int main(int argc, char **argv) {
  fill_sizes();
  const char *child = strata_bench_child(argc, argv);
  if (child != NULL) {
    uint64_t sum = strcmp(child, "loop_lookup") == 0
                       ? loop_lookup(uniform_sizes, CALLGRIND_LOOKUPS)
                       : loop_baseline(uniform_sizes, CALLGRIND_LOOKUPS);
    STRATA_BENCH_KEEP(sum);
    return 0;
  }

  double base = ns_per_op(loop_baseline, uniform_sizes);
  strata_bench_report("sizeclass", "lookup latency, uniform 1..32768 B (chained, net of loop)",
                      ns_per_op(loop_lookup, uniform_sizes) - base, "ns/lookup");
  strata_bench_report("sizeclass", "lookup latency, skewed 1..256 B (chained, net of loop)",
                      ns_per_op(loop_lookup, small_sizes) - base, "ns/lookup");
  double with = strata_bench_instructions_per_op("loop_lookup", CALLGRIND_LOOKUPS);
  double without = strata_bench_instructions_per_op("loop_baseline", CALLGRIND_LOOKUPS);
  if (with >= 0 && without >= 0) {
    strata_bench_report("sizeclass", "lookup, uniform 1..32768 B (net of loop)",
                        with - without, "instructions/lookup");
  }
  return 0;
}
