/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Fuzz target: the static backend's holes (released ranges below the top,
 * merged with their neighbours and folded into the top) against a model
 * that knows, page by page, what is reserved. Reservations of 1 to 16
 * pages at alignments of 1 to 8 pages, releases of whole reservations and
 * of ranges that are not reserved, commits of both. */
#include <string.h>

#include "arena/backends.h"
#include "tools/fuzzkit/fuzz_input.h"

#define PAGE 4096u
#define PAGES 256u
#define MAX_RESERVATIONS 64u

typedef struct reservation {
  uintptr_t start;
  size_t pages;
} reservation;

/* Aligned to the largest alignment asked for, so that the model's page
 * numbers and the addresses agree on what is aligned. */
static unsigned char buffer[PAGES * PAGE] __attribute__((aligned(8 * PAGE)));
static uint8_t reserved[PAGES]; /* the model: 1 = page reserved */

static size_t page_of(uintptr_t address) { return (address - (uintptr_t)buffer) / PAGE; }

/* Whether the model has `pages` free pages in a row starting at a page
 * aligned to `alignment` pages. */
static int model_has_room(size_t pages, size_t alignment) {
  for (size_t first = 0; first + pages <= PAGES; first += alignment) {
    size_t n = 0;
    while (n < pages && !reserved[first + n]) n++;
    if (n == pages) return 1;
  }
  return 0;
}

static size_t hole_count(strata_static_backend *b) {
  strata_lock_acquire(&b->lock);
  size_t n = b->hole_count;
  strata_lock_release(&b->lock);
  return n;
}

/* The backend's own bookkeeping agrees with itself and with the model;
 * read under the backend's lock, as its fields are guarded. */
static void check(strata_static_backend *b) {
  size_t model_free = 0;
  for (size_t i = 0; i < PAGES; i++) model_free += !reserved[i];
  FUZZ_ASSERT(strata_static_backend_free_bytes(b) == model_free * PAGE);
  strata_lock_acquire(&b->lock);
  FUZZ_ASSERT(b->start <= b->top && b->top <= b->end);
  for (size_t i = 0; i < b->hole_count; i++) {
    const strata_static_range *h = &b->holes[i];
    FUZZ_ASSERT(h->start < h->end && h->end <= b->top);         /* below the top */
    FUZZ_ASSERT(i == 0 || b->holes[i - 1].end < h->start);     /* sorted, never adjacent */
    for (uintptr_t a = h->start; a < h->end; a += PAGE) FUZZ_ASSERT(!reserved[page_of(a)]);
  }
  FUZZ_ASSERT(b->hole_count == 0 || b->holes[b->hole_count - 1].end < b->top); /* folded */
  for (uintptr_t a = b->top; a < b->end; a += PAGE) FUZZ_ASSERT(!reserved[page_of(a)]);
  strata_lock_release(&b->lock);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_input in = {data, size, 0};
  static strata_static_backend backend;
  static reservation live[MAX_RESERVATIONS];
  size_t live_count = 0;
  memset(reserved, 0, sizeof reserved);
  FUZZ_ASSERT(strata_static_backend_init(&backend, buffer, sizeof buffer, PAGE) == STRATA_OK);
  strata_backend *b = &backend.base;
  while (fuzz_more(&in)) {
    uint8_t op = fuzz_u8(&in);
    if (op < 110 && live_count < MAX_RESERVATIONS) {
      size_t pages = 1 + fuzz_u8(&in) % 16;
      size_t alignment = (size_t)1 << (fuzz_u8(&in) % 4); /* 1, 2, 4 or 8 pages */
      void *p = NULL;
      strata_status status = strata_backend_reserve(b, pages * PAGE, alignment * PAGE, &p);
      if (status == STRATA_OK) {
        uintptr_t start = (uintptr_t)p;
        FUZZ_ASSERT(start >= (uintptr_t)buffer && start + pages * PAGE <= (uintptr_t)buffer + sizeof buffer);
        FUZZ_ASSERT(start % (alignment * PAGE) == 0);
        for (size_t i = 0; i < pages; i++) {
          FUZZ_ASSERT(!reserved[page_of(start) + i]); /* never handed out twice */
          reserved[page_of(start) + i] = 1;
        }
        FUZZ_ASSERT(strata_backend_commit(b, p, pages * PAGE) == STRATA_OK);
        live[live_count++] = (reservation){start, pages};
      } else if (status == STRATA_ERR_OUT_OF_MEMORY) {
        FUZZ_ASSERT(!model_has_room(pages, alignment)); /* first fit misses nothing */
      } else {
        /* Only a full hole table may refuse otherwise. */
        FUZZ_ASSERT(status == STRATA_ERR_LIMIT);
        FUZZ_ASSERT(hole_count(&backend) == STRATA_STATIC_BACKEND_MAX_HOLES);
      }
    } else if (op < 220 && live_count > 0) {
      size_t i = fuzz_u8(&in) % live_count;
      reservation r = live[i];
      strata_status status = strata_backend_release(b, (void *)r.start, r.pages * PAGE);
      if (status == STRATA_OK) {
        for (size_t k = 0; k < r.pages; k++) reserved[page_of(r.start) + k] = 0;
        live[i] = live[--live_count];
        /* Gone: neither committable nor releasable again. */
        FUZZ_ASSERT(strata_backend_commit(b, (void *)r.start, r.pages * PAGE) == STRATA_ERR_NOT_OWNED);
        FUZZ_ASSERT(strata_backend_release(b, (void *)r.start, r.pages * PAGE) == STRATA_ERR_NOT_OWNED);
      } else {
        FUZZ_ASSERT(status == STRATA_ERR_LIMIT); /* a new hole with no slot left */
        FUZZ_ASSERT(hole_count(&backend) == STRATA_STATIC_BACKEND_MAX_HOLES);
      }
    } else {
      /* Any page range: releasing it succeeds only if it is all reserved,
       * and a refused release changes nothing (check() below). */
      size_t first = fuzz_u8(&in) % PAGES;
      size_t pages = 1 + fuzz_u8(&in) % 8;
      if (first + pages > PAGES) pages = PAGES - first;
      int all_reserved = 1;
      for (size_t k = 0; k < pages; k++) all_reserved &= reserved[first + k];
      strata_status status = strata_backend_commit(b, buffer + first * PAGE, pages * PAGE);
      FUZZ_ASSERT((status == STRATA_OK) == all_reserved);
      if (!all_reserved) {
        FUZZ_ASSERT(strata_backend_release(b, buffer + first * PAGE, pages * PAGE) ==
                    STRATA_ERR_NOT_OWNED);
      }
    }
    check(&backend);
  }
  /* Released from the highest down, each reservation has only free space
   * above it, merges into the top and needs no hole: none may fail. */
  while (live_count > 0) {
    size_t top = 0;
    for (size_t i = 1; i < live_count; i++) top = live[i].start > live[top].start ? i : top;
    FUZZ_ASSERT(strata_backend_release(b, (void *)live[top].start, live[top].pages * PAGE) == STRATA_OK);
    live[top] = live[--live_count];
  }
  FUZZ_ASSERT(hole_count(&backend) == 0); /* all merged back */
  FUZZ_ASSERT(strata_static_backend_free_bytes(&backend) == backend.end - backend.start);
  return 0;
}
