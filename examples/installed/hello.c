/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* A program built against an installed strata with plain cc and pkg-config:
 *
 *   cc hello.c $(pkg-config --cflags --libs strata) -o hello
 *
 * It uses the size-class table, the request pool, the malloc API and a
 * garbage-collected heap. */
#include <stdio.h>
#include <string.h>

#include <strata/gc.h>
#include <strata/malloc.h>
#include <strata/pool.h>
#include <strata/sizeclass.h>

int main(void) {
  unsigned c = strata_size_to_class(100);
  printf("100 bytes -> class %u of %zu bytes\n", c, strata_size_class_object_size(c));

  strata_pool *pool = strata_pool_create(NULL);
  char *greeting = strata_pool_strdup(pool, "hello from a strata pool");
  printf("%s\n", greeting);
  strata_pool_destroy(pool);

  /* A list kept by one root, and garbage the collector takes back. */
  static void **list;
  strata_gc_heap *heap = strata_gc_create(NULL);
  if (heap == NULL || strata_gc_add_roots(heap, &list, &list + 1) != 0) return 1;
  for (int i = 0; i < 100000; i++) {
    void **cell = strata_gc_alloc(heap, 2 * sizeof(void *), STRATA_GC_SCAN);
    if (cell == NULL) return 1;
    if (i % 1000 == 0) {
      cell[0] = list;
      list = cell;
    }
  }
  strata_gc_collect(heap);
  strata_gc_stats stats;
  strata_gc_get_stats(heap, &stats);
  printf("hello from a strata GC heap: %zu bytes live\n", stats.live_bytes);
  strata_gc_destroy(heap);

  char *p = strata_malloc(64);
  strcpy(p, "hello from strata_malloc");
  printf("%s (usable %zu)\n", p, strata_malloc_usable_size(p));
  strata_free(p);
  return strata_malloc_check() == 0 ? 0 : 1;
}
