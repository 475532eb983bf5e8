/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Fuzz target: a pool (with a child) on a heap over a buffer, against a
 * model of every live object's bytes and of the cleanups. */
#include <errno.h>
#include <string.h>

#include "arena/backends.h"
#include "frontend/pool/strata_pool.h"
#include "pageheap/pageheap.h"
#include "tools/fuzzkit/fuzz_input.h"

#define BUFFER (8u << 20)
#define LIVE 256

static unsigned char buffer[BUFFER] __attribute__((aligned(4096)));
static int cleanups_run[64];
static int cleanups_count;

static void cleanup(void *arg) { cleanups_run[cleanups_count++ % 64] = (int)(intptr_t)arg; }

typedef struct object {
  unsigned char *p;
  size_t size;
  unsigned char tag;
  strata_pool *owner;
  int large; /* has its own page run: strata_pool_free gives it back */
} object;

static void verify(object *objects, size_t n) {
  for (size_t i = 0; i < n; i++) {
    for (size_t k = 0; k < objects[i].size; k += 7) FUZZ_ASSERT(objects[i].p[k] == objects[i].tag);
  }
}

/* Forgets the objects of `pool` (reset or destroyed). */
static size_t forget(object *objects, size_t n, strata_pool *pool) {
  size_t kept = 0;
  for (size_t i = 0; i < n; i++) {
    if (objects[i].owner != pool) objects[kept++] = objects[i];
  }
  return kept;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_input in = {data, size, 0};
  static strata_static_backend backend;
  static strata_pageheap heap;
  FUZZ_ASSERT(strata_static_backend_init(&backend, buffer, sizeof buffer, 4096) == STRATA_OK);
  strata_pageheap_config config = strata_pageheap_default_config();
  config.arena_size = 1u << 20;
  FUZZ_ASSERT(strata_pageheap_init(&heap, &backend.base, &config) == STRATA_OK);
  strata_pool_options options = {&heap, (size_t)(4 + fuzz_u8(&in) % 60) << 10};
  size_t chunk_bytes = (options.chunk_size + STRATA_PAGE_SIZE - 1) & ~(STRATA_PAGE_SIZE - 1);
  strata_pool *pool = strata_pool_create(&options);
  FUZZ_ASSERT(pool != NULL);
  strata_pool *child = NULL;
  static object objects[LIVE];
  size_t n = 0;
  int expected[64], expected_count = 0, registered = 0;
  cleanups_count = 0;
  while (fuzz_more(&in)) {
    uint8_t op = fuzz_u8(&in);
    strata_pool *target = (op & 1) && child != NULL ? child : pool;
    if (op < 150 && n < LIVE) {
      size_t want = op < 140 ? fuzz_u16(&in) % 3000 : 20000 + fuzz_u16(&in);
      size_t alignment = (size_t)1 << (fuzz_u8(&in) % 14);
      unsigned char *p = op % 5 == 0 ? strata_pool_alloc_aligned(target, want, alignment)
                                     : strata_pool_alloc(target, want);
      if (p == NULL) {
        FUZZ_ASSERT(errno == ENOMEM);
        continue;
      }
      if (op % 5 == 0) FUZZ_ASSERT((uintptr_t)p % alignment == 0);
      unsigned char tag = fuzz_u8(&in);
      memset(p, tag, want);
      size_t counted = want ? want : 1;
      int large = counted > chunk_bytes / 4 || (op % 5 == 0 && alignment > STRATA_PAGE_SIZE);
      objects[n++] = (object){p, want, tag, target, large};
    } else if (op < 170 && n > 0) {
      size_t i = fuzz_u8(&in) % n;
      FUZZ_ASSERT(strata_pool_free(objects[i].owner, objects[i].p) == 0);
      if (objects[i].large) objects[i] = objects[--n]; /* gone at once */
    } else if (op < 190) {
      if (registered < 64 && strata_pool_cleanup(pool, cleanup, (void *)(intptr_t)registered) == 0) {
        expected[expected_count++] = registered++;
      }
    } else if (op < 215) {
      verify(objects, n);
      strata_pool_reset(pool);
      n = 0; /* the child was reset too */
      FUZZ_ASSERT(cleanups_count == expected_count);
      for (int k = 0; k < expected_count; k++) FUZZ_ASSERT(cleanups_run[k] == expected[expected_count - 1 - k]);
      cleanups_count = expected_count = registered = 0;
    } else if (op < 235) {
      if (child == NULL) {
        child = strata_pool_create_child(pool);
      } else {
        n = forget(objects, n, child);
        strata_pool_destroy(child);
        child = NULL;
      }
    } else {
      verify(objects, n);
    }
  }
  verify(objects, n);
  strata_pool_destroy(pool);
  FUZZ_ASSERT(cleanups_count == expected_count);
  strata_pageheap_stats stats;
  strata_pageheap_get_stats(&heap, &stats);
  FUZZ_ASSERT(stats.in_use_bytes == 0);
  FUZZ_ASSERT(strata_pageheap_check(&heap, NULL) == STRATA_OK);
  FUZZ_ASSERT(strata_pageheap_destroy(&heap) == STRATA_OK);
  return 0;
}
