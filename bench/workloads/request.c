/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* request REQUESTS: the request loop of the pool benchmark, served with
 * malloc/free per object: each request makes 50 - 2000 allocations of 16 B
 * - 8 KiB (1 % up to 64 KiB), writes them, checks and frees them all. */
#include "bench/workloads/workload.h"

#define MAX_ALLOCS STRATA_BENCH_REQUEST_MAX_ALLOCS

int main(int argc, char **argv) {
  long requests = workload_arg(argc, argv, 1, 10000);
  static unsigned char *objects[MAX_ALLOCS];
  static size_t sizes[MAX_ALLOCS];
  uint64_t sum = 0;
  for (long r = 0; r < requests; r++) {
    workload_rng rng = strata_bench_request_rng(r);
    int n = strata_bench_request_allocs(&rng);
    for (int i = 0; i < n; i++) {
      sizes[i] = strata_bench_request_size(&rng);
      objects[i] = workload_malloc(sizes[i]);
      workload_fill(objects[i], sizes[i], (uint64_t)i);
    }
    for (int i = 0; i < n; i++) {
      if (!workload_check(objects[i], sizes[i], (uint64_t)i)) workload_corrupt("request");
      sum += sizes[i];
      free(objects[i]);
    }
  }
  workload_finish(sum);
  return 0;
}
