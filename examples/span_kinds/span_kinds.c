/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* A runtime built on span classes, the way the Go runtime uses them: objects
 * that hold no pointers ("noscan") live on spans of their own kind, so a
 * collector that looks for pointers walks only the other kind's spans and
 * skips the pointer-free memory entirely.
 *
 * The toy runtime allocates 24-byte "cons cells" (two pointers and a tag:
 * kind scan) and 24-byte "strings" (bytes only: kind noscan) from the same
 * size class, then "marks" by walking only the scan spans. It checks that
 * every cell was seen and no string was. Exit status 0 means it held. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arena/backends.h"
#include "central/central.h"

#define CELLS 3000
#define STRINGS 5000

typedef struct cell {
  struct cell *car, *cdr;
  uint64_t tag;
} cell;

static strata_mmap_backend os;
static strata_pageheap heap;
static strata_central central;

/* Objects come from the central lists in batches, as a cache would take
 * them. */
static void *allocate(strata_span_class kind_class) {
  void *object = NULL;
  return strata_central_remove(&central, kind_class, &object, 1) == 1 ? object : NULL;
}

typedef struct walk {
  strata_object_kind expected;
  size_t spans, live_objects, kind_mismatches;
  uintptr_t lo, hi; /* the cells' address range, to count cells seen */
  size_t cells_seen;
} walk;

static void visit(const strata_span *span, void *arg) {
  walk *w = arg;
  w->spans++;
  w->live_objects += span->allocated;
  if (strata_span_class_kind(span->span_class) != w->expected) w->kind_mismatches++;
  /* A collector would scan each allocated slot for pointers here. */
  for (uint32_t i = 0; i < span->object_count; i++) {
    if ((span->alloc_bits[i / 64] >> (i % 64)) & 1) {
      cell *c = (cell *)(span->base + (uintptr_t)i * span->object_size);
      if (c->tag == 0xCE11) w->cells_seen++;
    }
  }
}

int main(void) {
  strata_mmap_backend_init(&os);
  if (strata_pageheap_init(&heap, &os.base, NULL) != STRATA_OK) {
    fprintf(stderr, "span_kinds: cannot set up the page heap\n");
    return 1;
  }
  strata_central_init(&central, &heap);
  unsigned size_class = strata_size_to_class(sizeof(cell));
  strata_span_class scan = strata_span_class_make(size_class, STRATA_KIND_SCAN);
  strata_span_class noscan = strata_span_class_make(size_class, STRATA_KIND_NOSCAN);

  cell *list = NULL;
  for (int i = 0; i < CELLS + STRINGS; i++) {
    if (i % 8 < 3 && i / 8 * 3 + i % 8 < CELLS) {
      cell *c = allocate(scan);
      if (c == NULL) return 1;
      c->car = NULL;
      c->cdr = list;
      c->tag = 0xCE11;
      list = c;
    } else {
      char *s = allocate(noscan);
      if (s == NULL) return 1;
      memset(s, 'x', sizeof(cell)); /* bytes, no pointers */
    }
  }
  size_t cells = 0;
  for (cell *c = list; c != NULL; c = c->cdr) cells++;

  walk marked = {STRATA_KIND_SCAN, 0, 0, 0, 0, 0, 0};
  strata_central_for_each_span(&central, scan, visit, &marked);
  walk skipped = {STRATA_KIND_NOSCAN, 0, 0, 0, 0, 0, 0};
  strata_central_for_each_span(&central, noscan, visit, &skipped);

  printf("cells allocated: %zu; scan spans walked: %zu holding %zu objects, cells seen %zu\n",
         cells, marked.spans, marked.live_objects, marked.cells_seen);
  printf("noscan spans skipped by the collector: %zu holding %zu objects (cells among them: %zu)\n",
         skipped.spans, skipped.live_objects, skipped.cells_seen);
  int ok = marked.cells_seen == cells && marked.live_objects == cells &&
           skipped.cells_seen == 0 && marked.kind_mismatches == 0 &&
           skipped.kind_mismatches == 0 && skipped.live_objects > 0;
  printf("%s\n", ok ? "kinds kept apart: ok" : "kinds mixed: FAILED");
  return ok ? 0 : 1;
}
