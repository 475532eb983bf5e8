/* Fuzz target: sequences of malloc, calloc, realloc, aligned allocations and
 * free across all sizes, against a shadow model of every object's contents
 * and alignment, with the heap check every few operations. */
#include <errno.h>
#include <string.h>

#include "frontend/malloc/strata_malloc.h"
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_input in = {data, size, 0};
  static object live[LIVE];
  size_t n = 0, ops = 0;
  while (fuzz_more(&in)) {
    uint8_t op = fuzz_u8(&in);
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
