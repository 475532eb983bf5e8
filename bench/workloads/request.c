/* request REQUESTS: the request loop of the pool benchmark, served with
 * malloc/free per object: each request makes 50 - 2000 allocations of 16 B
 * - 8 KiB (1 % up to 64 KiB), writes them, checks and frees them all. */
#include "bench/workloads/workload.h"

#define MAX_ALLOCS 2000

static size_t request_size(workload_rng *rng) {
  uint64_t r = workload_below(rng, 100);
  if (r < 60) return 16 + workload_below(rng, 113);
  if (r < 90) return 128 + workload_below(rng, 897);
  if (r < 99) return 1024 + workload_below(rng, 7169);
  return 16384 + workload_below(rng, 49153);
}

int main(int argc, char **argv) {
  long requests = workload_arg(argc, argv, 1, 10000);
  static unsigned char *objects[MAX_ALLOCS];
  static size_t sizes[MAX_ALLOCS];
  uint64_t sum = 0;
  for (long r = 0; r < requests; r++) {
    workload_rng rng = {0x9E3779B97F4A7C15ull ^ (uint64_t)(r + 1)};
    int n = 50 + (int)workload_below(&rng, MAX_ALLOCS - 49);
    for (int i = 0; i < n; i++) {
      sizes[i] = request_size(&rng);
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
