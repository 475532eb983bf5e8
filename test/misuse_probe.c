/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Misuse of the C library's names, for misuse_test.sh to run under each
 * of libstrata.so, libstrata_hardened.so and libstrata_profiled.so
 * (LD_PRELOAD). Built against the C library alone.
 *
 *   misuse_probe double-free     a, b freed, then a again: must not return
 *   misuse_probe double-free-threads
 *                                a freed in a thread, then in main
 *   misuse_probe reuse           the double free of `double-free` in a
 *                                thread, then three mallocs: prints
 *                                "distinct" when no object came twice
 *                                (with STRATA_ON_ERROR=warn), and the
 *                                thread's exit ends
 *   misuse_probe realloc-freed | usable-freed
 *                                realloc / malloc_usable_size of a freed
 *                                object: must not return
 *   misuse_probe memalign16      memalign(16, n) for n = 0..64, written
 *                                with 16-byte aligned SSE stores
 *
 * Prints "returned" where a call that must not return did. */
#define _GNU_SOURCE
#include <emmintrin.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *free_it(void *p) {
  free(p);
  return NULL;
}

static void *reuse(void *arg) {
  (void)arg;
  void *volatile a = malloc(48);
  void *volatile b = malloc(48);
  free(a);
  free(b);
  free(a);
  void *x = malloc(48);
  void *y = malloc(48);
  void *z = malloc(48);
  printf("%s\n", x != y && y != z && x != z ? "distinct" : "an object handed out twice");
  free(x);
  free(y);
  free(z);
  return NULL;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  /* volatile: the compiler may not see through free's misuse. */
  void *volatile a = malloc(48);
  void *volatile b = malloc(48);
  if (strcmp(mode, "double-free") == 0) {
    free(a);
    free(b);
    free(a);
  } else if (strcmp(mode, "double-free-threads") == 0) {
    pthread_t thread;
    pthread_create(&thread, NULL, free_it, a);
    pthread_join(thread, NULL);
    free(a);
  } else if (strcmp(mode, "reuse") == 0) {
    pthread_t thread;
    pthread_create(&thread, NULL, reuse, NULL);
    pthread_join(thread, NULL);
    printf("thread ended\n");
    return 0;
  } else if (strcmp(mode, "realloc-freed") == 0) {
    free(a);
    void *volatile q = realloc(a, 100);
    (void)q;
  } else if (strcmp(mode, "usable-freed") == 0) {
    free(a);
    volatile size_t n = malloc_usable_size(a);
    (void)n;
  } else if (strcmp(mode, "memalign16") == 0) {
    for (size_t n = 0; n <= 64; n++) {
      for (int i = 0; i < 10; i++) {
        void *p = memalign(16, n);
        if (p == NULL || (uintptr_t)p % 16 != 0) {
          printf("memalign(16, %zu) = %p\n", n, p);
          return 1;
        }
        _mm_store_si128((__m128i *)p, _mm_set1_epi8(7)); /* faults if misaligned */
      }
    }
    printf("aligned\n");
    return 0;
  } else {
    fprintf(stderr, "misuse_probe: unknown mode\n");
    return 2;
  }
  printf("returned\n");
  return 0;
}
