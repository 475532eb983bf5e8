/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The workload of fault_sweep_test: a fixed sequence of small, medium and
 * large allocations, run with STRATA_FAULT_NTH=k. Every allocation that
 * fails must fail with ENOMEM and succeed when retried (the refusal is
 * once); at the end every object is intact, everything freed goes back,
 * and the heap check passes. Prints "nulls=N acquires=M". */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "frontend/malloc/strata_malloc.h"

#define OBJECTS 3000

static size_t size_of(int i) {
  if (i % 97 == 0) return (size_t)(100 + i % 7 * 300) << 10; /* 100 KiB - 1.9 MiB */
  if (i % 13 == 0) return 4096 + (size_t)(i * 37) % 30000;
  return 8 + (size_t)(i * 7) % 600;
}

int main(void) {
  static unsigned char *objects[OBJECTS];
  int nulls = 0;
  for (int i = 0; i < OBJECTS; i++) {
    size_t size = size_of(i);
    errno = 0;
    unsigned char *p = i % 5 == 0 ? strata_calloc(1, size) : strata_malloc(size);
    if (p == NULL) {
      if (errno != ENOMEM) {
        printf("allocation %d failed without ENOMEM (errno %d)\n", i, errno);
        return 1;
      }
      nulls++;
      p = strata_malloc(size); /* memory is back */
      if (p == NULL) {
        printf("allocation %d failed again after the refusal\n", i);
        return 1;
      }
    }
    memset(p, i & 0xff, size);
    objects[i] = p;
    if (i % 3 == 2) { /* some churn on the way */
      int j = i - 1;
      if ((j & 0xff) == objects[j][size_of(j) - 1]) {
        strata_free(objects[j]);
        objects[j] = NULL;
      }
    }
  }
  for (int i = 0; i < OBJECTS; i++) {
    if (objects[i] == NULL) continue;
    if (objects[i][0] != (i & 0xff) || objects[i][size_of(i) - 1] != (i & 0xff)) {
      printf("object %d changed\n", i);
      return 1;
    }
    strata_free(objects[i]);
  }
  strata_malloc_release();
  strata_malloc_stats stats;
  strata_malloc_get_stats(&stats);
  if (strata_malloc_check() != 0) {
    printf("heap check failed\n");
    return 1;
  }
  if (stats.in_use_bytes != 0) {
    printf("%zu bytes still in use after freeing everything\n", stats.in_use_bytes);
    return 1;
  }
  printf("nulls=%d acquires=%llu\n", nulls, (unsigned long long)stats.backend_acquires);
  return 0;
}
