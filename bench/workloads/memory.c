/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* memory MIB: allocates about MIB MiB of mixed small objects, frees 90 % of
 * them at random, then allocates large blocks (a quarter of MIB), and
 * reports its resident memory at three points:
 *   rss_peak_mib        after the small objects,
 *   rss_after_free_mib  after freeing 90 % of them,
 *   rss_after_idle_mib  after one idle second (memory given back by then),
 * besides the checksum. The harness also reads the process's peak RSS. */
#include <unistd.h>

#include "bench/workloads/workload.h"

int main(int argc, char **argv) {
  long mib = workload_arg(argc, argv, 1, 1024);
  size_t target = (size_t)mib << 20;
  size_t cap = target / 64;
  unsigned char **objects = workload_malloc(cap * sizeof *objects);
  size_t *sizes = workload_malloc(cap * sizeof *sizes);
  workload_rng rng = {2024};
  size_t n = 0, total = 0;
  uint64_t sum = 0;
  while (total < target && n < cap) {
    size_t size = workload_small_size(&rng);
    objects[n] = workload_malloc(size);
    memset(objects[n], (int)(n & 0xff), size);
    sizes[n] = size;
    total += size;
    n++;
  }
  double peak = strata_bench_resident_bytes() / 1048576.0;
  for (size_t i = 0; i < n; i++) {
    if (workload_below(&rng, 10) != 0) {
      if (objects[i][sizes[i] - 1] != (unsigned char)(i & 0xff)) workload_corrupt("memory");
      free(objects[i]);
      objects[i] = NULL;
    } else {
      sum = workload_mix(sum, sizes[i]);
    }
  }
  double after_free = strata_bench_resident_bytes() / 1048576.0;
  unsigned char *blocks[64];
  int blocks_n = 0;
  for (size_t done = 0; done < target / 4 && blocks_n < 64; done += (size_t)4 << 20) {
    blocks[blocks_n] = workload_malloc((size_t)4 << 20);
    memset(blocks[blocks_n], 1, (size_t)4 << 20);
    blocks_n++;
  }
  for (int i = 0; i < blocks_n; i++) free(blocks[i]);
  sleep(1);
  /* Allocators that return memory lazily get their chance: one more call,
   * large enough to reach any allocator's page level. */
  free(workload_malloc((size_t)256 << 10));
  double after_idle = strata_bench_resident_bytes() / 1048576.0;
  for (size_t i = 0; i < n; i++) free(objects[i]);
  free(objects);
  free(sizes);
  printf("rss_peak_mib %.1f\nrss_after_free_mib %.1f\nrss_after_idle_mib %.1f\n", peak,
         after_free, after_idle);
  workload_finish(sum);
  return 0;
}
