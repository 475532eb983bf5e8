/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* smallprog N: a small program's life: builds a table of N short strings
 * (8 - 200 bytes) with a few hundred buffers of up to 4 KiB beside them,
 * replaces a third of the strings, frees everything and exits. Run with a
 * few thousand, it shows what an allocator costs a program that allocates
 * little: its fixed memory and page faults weigh more than its speed. */
#include "bench/workloads/workload.h"

int main(int argc, char **argv) {
  long n = workload_arg(argc, argv, 1, 5000);
  if (n < 1) n = 1;
  workload_rng rng = {2024};
  unsigned char **strings = workload_malloc((size_t)n * sizeof *strings);
  size_t *sizes = workload_malloc((size_t)n * sizeof *sizes);
  uint64_t sum = 0;
  for (long i = 0; i < n; i++) {
    sizes[i] = 8 + workload_below(&rng, 193);
    strings[i] = workload_malloc(sizes[i]);
    workload_fill(strings[i], sizes[i], (uint64_t)i);
  }
  long buffers = n / 16 + 1;
  unsigned char **buffer = workload_malloc((size_t)buffers * sizeof *buffer);
  for (long i = 0; i < buffers; i++) {
    size_t size = 256 + workload_below(&rng, 3841);
    buffer[i] = workload_malloc(size);
    memset(buffer[i], (int)i, size);
    sum = workload_mix(sum, size);
  }
  for (long i = 0; i < n; i += 3) {
    if (!workload_check(strings[i], sizes[i], (uint64_t)i)) workload_corrupt("smallprog");
    free(strings[i]);
    sizes[i] = 8 + workload_below(&rng, 193);
    strings[i] = workload_malloc(sizes[i]);
    workload_fill(strings[i], sizes[i], (uint64_t)i);
  }
  for (long i = 0; i < n; i++) {
    if (!workload_check(strings[i], sizes[i], (uint64_t)i)) workload_corrupt("smallprog");
    sum = workload_mix(sum, sizes[i]);
    free(strings[i]);
  }
  for (long i = 0; i < buffers; i++) free(buffer[i]);
  free(buffer);
  free(sizes);
  free(strings);
  workload_finish(sum);
  return 0;
}
