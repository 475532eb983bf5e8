/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Fuzz target: sequences of malloc, calloc, realloc, aligned allocations and
 * free across all sizes, against a shadow model of every object's contents
 * and alignment, with the heap check every few operations.
 *
 * Misuse too, with STRATA_ON_ERROR=warn so that each is reported, counted
 * and ignored: a double free with other frees between the two (nothing is
 * allocated in between, so the object is still free: it must be caught),
 * a pointer inside an object, and a request pool's memory on malloc's page
 * heap (its handle, a large object of its own). Each must add exactly one
 * to the error count, and no allocation may ever return a pointer that is
 * live in the model (an object handed out twice). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/malloc/strata_malloc.h"
#include "frontend/pool/strata_pool.h"
#include "tools/fuzzkit/fuzz_input.h"

#define LIVE 128

typedef struct object {
  unsigned char *p;
  size_t size;
  unsigned char tag;
} object;

static size_t pick_size(fuzz_input *in) {
  uint8_t kind = fuzz_u8(in);
  if (kind < 160) return fuzz_u8(in);                     /* tiny and small */
  if (kind < 230) return fuzz_u16(in) % 40000;            /* up to past 32 KiB */
  if (kind < 250) return (size_t)fuzz_u16(in) * 64;       /* up to 4 MiB */
  return (size_t)1 << (40 + fuzz_u8(in) % 24);            /* impossible */
}

static void check(const object *o) {
  for (size_t k = 0; k < o->size; k += 13) FUZZ_ASSERT(o->p[k] == o->tag);
  if (o->size > 0) FUZZ_ASSERT(o->p[o->size - 1] == o->tag);
  FUZZ_ASSERT(strata_malloc_usable_size(o->p) >= o->size);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  setenv("STRATA_ON_ERROR", "warn", 1); /* read at strata's first use, after this */
  return 0;
}

static uint64_t errors(void) {
  strata_malloc_stats stats;
  strata_malloc_get_stats(&stats);
  return stats.errors;
}

static bool is_live(const object *live, size_t n, const void *p) {
  for (size_t i = 0; i < n; i++) {
    if (live[i].p == p) return true;
  }
  return false;
}

/* Misuse of one kind, chosen by the input; each is reported once. */
static void misuse(fuzz_input *in, object *live, size_t *n) {
  uint8_t kind = fuzz_u8(in) % 3;
  uint64_t before = errors();
  if (kind == 0 && *n > 0) {
    /* Free one object, then up to 7 others, then the first again. */
    size_t i = fuzz_u8(in) % *n;
    check(&live[i]);
    void *first = live[i].p;
    strata_free(first);
    live[i] = live[--*n];
    for (unsigned k = fuzz_u8(in) % 8; k > 0 && *n > 0; k--) {
      size_t j = fuzz_u8(in) % *n;
      strata_free(live[j].p);
      live[j] = live[--*n];
    }
    before = errors();
    strata_free(first);
  } else if (kind == 1 && *n > 0 && live[*n - 1].size > 1) {
    strata_free(live[*n - 1].p + 1 + fuzz_u8(in) % (live[*n - 1].size - 1));
    check(&live[*n - 1]);
  } else if (kind == 2) {
    static strata_pool *pool;
    if (pool == NULL) pool = strata_pool_create(NULL);
    FUZZ_ASSERT(pool != NULL);
    unsigned char *large = strata_pool_alloc(pool, 40000 + fuzz_u8(in) * 100u);
    FUZZ_ASSERT(large != NULL);
    memset(large, 0x3c, 40000);
    if (fuzz_u8(in) & 1) {
      strata_free(large);
    } else {
      strata_free(pool);
    }
    for (size_t k = 0; k < 40000; k += 97) FUZZ_ASSERT(large[k] == 0x3c); /* left alone */
    FUZZ_ASSERT(strata_pool_free(pool, large) == 0);
  } else {
    return;
  }
  FUZZ_ASSERT(errors() == before + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_input in = {data, size, 0};
  static object live[LIVE];
  size_t n = 0, ops = 0;
  while (fuzz_more(&in)) {
    uint8_t op = fuzz_u8(&in);
    if (op >= 250) {
      misuse(&in, live, &n);
      continue;
    }
    size_t want = pick_size(&in);
    unsigned char tag = fuzz_u8(&in);
    unsigned char *p = NULL;
    size_t alignment = 1;
    if (op < 150 && n < LIVE) {
      errno = 0;
      if (op < 80) {
        p = strata_malloc(want);
      } else if (op < 100) {
        p = strata_calloc(1 + want % 7, want / 7 + 1);
        if (p != NULL) {
          want = (1 + want % 7) * (want / 7 + 1);
          for (size_t k = 0; k < want; k += 11) FUZZ_ASSERT(p[k] == 0);
        }
      } else if (op < 125) {
        alignment = (size_t)8 << (fuzz_u8(&in) % 16);
        int rc = strata_posix_memalign((void **)&p, alignment, want);
        FUZZ_ASSERT((rc == 0) == (p != NULL) || rc != 0);
        if (rc != 0) p = NULL;
      } else {
        alignment = (size_t)1 << (fuzz_u8(&in) % 16);
        p = strata_aligned_alloc(alignment, want);
      }
      if (p == NULL) {
        FUZZ_ASSERT(errno == ENOMEM || want > ((size_t)1 << 39));
        continue;
      }
      FUZZ_ASSERT((uintptr_t)p % alignment == 0);
      FUZZ_ASSERT(!is_live(live, n, p)); /* never handed out twice */
      memset(p, tag, want);
      live[n++] = (object){p, want, tag};
    } else if (op < 215 && n > 0) {
      size_t i = fuzz_u8(&in) % n;
      check(&live[i]);
      strata_free(live[i].p);
      live[i] = live[--n];
    } else if (n > 0) {
      size_t i = fuzz_u8(&in) % n;
      check(&live[i]);
      errno = 0;
      unsigned char *q = strata_realloc(live[i].p, want);
      if (want == 0) {
        FUZZ_ASSERT(q == NULL); /* freed, as glibc */
        live[i] = live[--n];
        continue;
      }
      if (q == NULL) {
        FUZZ_ASSERT(errno == ENOMEM);
        check(&live[i]); /* the old block is untouched */
        continue;
      }
      FUZZ_ASSERT(q == live[i].p || !is_live(live, n, q));
      size_t kept = want < live[i].size ? want : live[i].size;
      for (size_t k = 0; k < kept; k += 13) FUZZ_ASSERT(q[k] == live[i].tag);
      memset(q, tag, want);
      live[i] = (object){q, want, tag};
    }
    if (++ops % 64 == 0) FUZZ_ASSERT(strata_malloc_check() == 0);
  }
  for (size_t i = 0; i < n; i++) {
    check(&live[i]);
    strata_free(live[i].p);
  }
  FUZZ_ASSERT(strata_malloc_check() == 0);
  return 0;
}
