/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* churn OPS: one thread keeps 10 000 live objects of random small sizes
 * (8 B - 1 KiB, skewed small) and replaces one at random, OPS times. */
#include "bench/workloads/workload.h"

#define LIVE 10000

int main(int argc, char **argv) {
  long ops = workload_arg(argc, argv, 1, 5000000);
  static unsigned char *slots[LIVE];
  static size_t sizes[LIVE];
  static uint64_t tags[LIVE];
  workload_rng rng = {42};
  uint64_t sum = 0;
  for (int i = 0; i < LIVE; i++) {
    sizes[i] = workload_small_size(&rng);
    tags[i] = workload_next(&rng);
    slots[i] = workload_malloc(sizes[i]);
    workload_fill(slots[i], sizes[i], tags[i]);
  }
  for (long n = 0; n < ops; n++) {
    int i = (int)workload_below(&rng, LIVE);
    if (!workload_check(slots[i], sizes[i], tags[i])) workload_corrupt("churn");
    sum = workload_mix(sum, sizes[i]);
    free(slots[i]);
    sizes[i] = workload_small_size(&rng);
    tags[i] = workload_next(&rng);
    slots[i] = workload_malloc(sizes[i]);
    workload_fill(slots[i], sizes[i], tags[i]);
  }
  for (int i = 0; i < LIVE; i++) free(slots[i]);
  workload_finish(sum);
  return 0;
}
