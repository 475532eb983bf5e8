/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* realloc_growth ROUNDS: strings that grow a few bytes at a time (as a
 * builder appends) up to 4 KiB, and vectors that double up to 1 MiB, each
 * checked after every step. */
#include "bench/workloads/workload.h"

int main(int argc, char **argv) {
  long rounds = workload_arg(argc, argv, 1, 20000);
  workload_rng rng = {99};
  uint64_t sum = 0;
  for (long r = 0; r < rounds; r++) {
    size_t len = 0, cap = 0;
    unsigned char *s = NULL;
    while (len < 4096) {
      size_t add = 1 + workload_below(&rng, 16);
      if (len + add > cap) {
        cap = len + add;
        s = realloc(s, cap);
        if (s == NULL) return 3;
      }
      memset(s + len, (int)(len & 0xff), add);
      len += add;
      if (s[len / 2] != (unsigned char)((len / 2) & 0xff) && s[0] != 0) workload_corrupt("string");
    }
    sum = workload_mix(sum, len);
    free(s);
    if (r % 16 == 0) {
      uint64_t *v = NULL;
      size_t n = 0, capacity = 0;
      while (n < (1u << 17)) {
        if (n == capacity) {
          capacity = capacity ? capacity * 2 : 4;
          v = realloc(v, capacity * sizeof *v);
          if (v == NULL) return 3;
        }
        v[n] = n;
        n++;
      }
      for (size_t i = 0; i < n; i += 4099) {
        if (v[i] != i) workload_corrupt("vector");
      }
      sum = workload_mix(sum, n);
      free(v);
    }
  }
  workload_finish(sum);
  return 0;
}
