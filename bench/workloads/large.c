/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* large OPS: objects of 64 KiB to 16 MiB, a few live at a time, allocated,
 * touched at both ends and freed. */
#include "bench/workloads/workload.h"

#define LIVE 8

int main(int argc, char **argv) {
  long ops = workload_arg(argc, argv, 1, 20000);
  unsigned char *p[LIVE] = {0};
  size_t size[LIVE] = {0};
  uint64_t tag[LIVE] = {0};
  workload_rng rng = {5};
  uint64_t sum = 0;
  for (long n = 0; n < ops; n++) {
    int i = (int)workload_below(&rng, LIVE);
    if (p[i] != NULL) {
      if (!workload_check(p[i], size[i], tag[i])) workload_corrupt("large");
      free(p[i]);
    }
    /* 64 KiB << k for k in 0..8, so every order of magnitude is covered. */
    size[i] = ((size_t)64 << 10 << workload_below(&rng, 9)) + workload_below(&rng, 4096);
    tag[i] = workload_next(&rng);
    p[i] = workload_malloc(size[i]);
    workload_fill(p[i], size[i], tag[i]);
    sum = workload_mix(sum, size[i]);
  }
  for (int i = 0; i < LIVE; i++) free(p[i]);
  workload_finish(sum);
  return 0;
}
