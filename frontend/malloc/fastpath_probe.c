/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The fast paths under callgrind: fastpath_test.sh counts the instructions
 * executed inside each loop_* function and compares them with the golden
 * file of this compiler (fastpath.<compiler>.golden, or
 * fastpath_hardened.<compiler>.golden for the hardened build), as TCMalloc
 * pins its fast path. The library is built at -O2 for this probe whatever
 * the build's mode, so the count is that of the shipped fast path.
 *
 *   fastpath_probe --compiler   prints the compiler's key ("gcc-12")
 *   fastpath_probe NAME         runs loop NAME (warmed up first) */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "frontend/malloc/strata_malloc.h"

/* PROBE_LIBC_NAMES: the C library's names, which the profiled variant
 * binds to its sampled functions. */
#ifdef PROBE_LIBC_NAMES
#include <stdlib.h>
void free_sized(void *p, size_t size);
#define strata_malloc malloc
#define strata_free free
#define strata_calloc calloc
#define strata_aligned_alloc aligned_alloc
#define strata_free_sized free_sized
#define strata_realloc realloc
#endif

#define ROUNDS 100000

#define KEEP(x) __asm__ volatile("" : "+r"(x))

/* malloc + free of one size: the pair every program makes. */
#define PAIR_LOOP(name, size)                 \
  __attribute__((noinline)) void name(void) { \
    for (int i = 0; i < ROUNDS; i++) {        \
      void *p = strata_malloc(size);          \
      KEEP(p);                                \
      strata_free(p);                         \
    }                                         \
  }

PAIR_LOOP(loop_malloc_free_16, 16)
PAIR_LOOP(loop_malloc_free_64, 64)
PAIR_LOOP(loop_malloc_free_512, 512)
PAIR_LOOP(loop_malloc_free_4096, 4096)

__attribute__((noinline)) void loop_calloc_free_64(void) {
  for (int i = 0; i < ROUNDS; i++) {
    void *p = strata_calloc(1, 64);
    KEEP(p);
    strata_free(p);
  }
}

__attribute__((noinline)) void loop_aligned_alloc_free_64(void) {
  for (int i = 0; i < ROUNDS; i++) {
    void *p = strata_aligned_alloc(64, 64);
    KEEP(p);
    strata_free(p);
  }
}

__attribute__((noinline)) void loop_malloc_free_sized_64(void) {
  for (int i = 0; i < ROUNDS; i++) {
    void *p = strata_malloc(64);
    KEEP(p);
    strata_free_sized(p, 64);
  }
}

/* realloc that stays in place (same class): no malloc, no free. */
static void *in_place;
__attribute__((noinline)) void loop_realloc_in_place_64(void) {
  void *p = in_place;
  for (int i = 0; i < ROUNDS; i++) {
    p = strata_realloc(p, 56 + (i & 7));
    KEEP(p);
  }
  in_place = p;
}

static const struct {
  const char *name;
  void (*loop)(void);
} loops[] = {
    {"loop_malloc_free_16", loop_malloc_free_16},
    {"loop_malloc_free_64", loop_malloc_free_64},
    {"loop_malloc_free_512", loop_malloc_free_512},
    {"loop_malloc_free_4096", loop_malloc_free_4096},
    {"loop_calloc_free_64", loop_calloc_free_64},
    {"loop_aligned_alloc_free_64", loop_aligned_alloc_free_64},
    {"loop_malloc_free_sized_64", loop_malloc_free_sized_64},
    {"loop_realloc_in_place_64", loop_realloc_in_place_64},
};

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  if (strcmp(argv[1], "--compiler") == 0) {
#if defined(__clang__)
    printf("clang-%d\n", __clang_major__);
#elif defined(__GNUC__)
    printf("gcc-%d\n", __GNUC__);
#else
    printf("unknown\n");
#endif
    return 0;
  }
  /* Warm up every class used, so the measured loops see only the fast path. */
  for (size_t size = 16; size <= 4096; size *= 2) strata_free(strata_malloc(size));
  in_place = strata_malloc(64);
  for (size_t i = 0; i < sizeof loops / sizeof loops[0]; i++) {
    if (strcmp(argv[1], loops[i].name) == 0) {
      loops[i].loop(); /* callgrind counts inside this call only */
      return 0;
    }
  }
  return 2;
}
