/* The malloc + free fast path under callgrind: fastpath_test.sh counts the
 * instructions executed inside each pairs_* function and compares them with
 * fastpath.golden, as TCMalloc pins its fast path. The library is built at
 * -O2 for this probe whatever the build's mode, so the count is that of the
 * shipped fast path. */
#include <stdint.h>
#include <string.h>

#include "frontend/malloc/strata_malloc.h"

#define PAIRS 100000

#define KEEP(x) __asm__ volatile("" : "+r"(x))

#define PAIR_LOOP(name, size)                                  \
  __attribute__((noinline)) void name(void) {                  \
    for (int i = 0; i < PAIRS; i++) {                          \
      void *p = strata_malloc(size);                           \
      KEEP(p);                                                 \
      strata_free(p);                                          \
    }                                                          \
  }

PAIR_LOOP(pairs_16, 16)
PAIR_LOOP(pairs_64, 64)
PAIR_LOOP(pairs_512, 512)
PAIR_LOOP(pairs_4096, 4096)

int main(int argc, char **argv) {
  /* Warm up each class so the measured loops see only the fast path. */
  for (size_t size = 16; size <= 4096; size *= 2) strata_free(strata_malloc(size));
  if (argc < 2) return 2;
  if (strcmp(argv[1], "16") == 0) pairs_16();
  if (strcmp(argv[1], "64") == 0) pairs_64();
  if (strcmp(argv[1], "512") == 0) pairs_512();
  if (strcmp(argv[1], "4096") == 0) pairs_4096();
  return 0;
}
