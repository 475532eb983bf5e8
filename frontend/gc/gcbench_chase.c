/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* gcbench's pointer chase: what marking costs per object when every
 * object's successor is somewhere else in the heap, so that each step of
 * the marker is a cache miss the prefetch cannot hide (a list has one
 * successor to fetch at a time).
 *
 * 1 048 576 nodes of 32 bytes (next, and three words of payload), linked
 * in a random order, held by one root; then 20 collections with nothing
 * else allocated, timed: collect_ns_per_object is their wall time over 20
 * and over the nodes, nearly all of it marking (nothing is garbage). A
 * list has one successor at a time, so extra markers have nothing to
 * share: compare with one marker each (STRATA_GC_MARKERS=1, GC_MARKERS=1). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define GC_THREADS
#include <gc/gc.h>

#include "frontend/gc/gcbench.h"

enum { NODES = 1 << 20, COLLECTIONS = 20 };

typedef struct chase_node {
  struct chase_node *next;
  uint64_t payload[3];
} chase_node;

static chase_node *chase_root; /* strata: registered as a root */

int chase_run(void) {
  if (allocator == STRATA && strata_gc_add_roots(heap, &chase_root, &chase_root + 1) != 0) {
    out_of_memory();
  }
  /* Built as a list from the root, so that collections while it grows
   * keep it; then relinked in a random order, allocating nothing. */
  for (size_t i = 0; i < NODES; i++) {
    chase_node *n = new_scan(sizeof(chase_node));
    n->payload[0] = i;
    n->next = chase_root;
    chase_root = n;
  }
  chase_node **all = malloc(NODES * sizeof *all); /* the C library's: not scanned */
  if (all == NULL) out_of_memory();
  size_t count = 0;
  for (chase_node *n = chase_root; n != NULL; n = n->next) all[count++] = n;
  uint64_t state = 0x9e3779b97f4a7c15ull;
  for (size_t i = count - 1; i > 0; i--) { /* Fisher-Yates */
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    size_t j = state % (i + 1);
    chase_node *t = all[i];
    all[i] = all[j];
    all[j] = t;
  }
  for (size_t i = 0; i + 1 < count; i++) all[i]->next = all[i + 1];
  all[count - 1]->next = NULL;
  chase_root = all[0];
  free(all);
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (int c = 0; c < COLLECTIONS; c++) {
    if (allocator == STRATA) strata_gc_collect(heap);
    if (allocator == BOEHM) GC_gcollect();
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  double ns = (double)(end.tv_sec - start.tv_sec) * 1e9 + (double)(end.tv_nsec - start.tv_nsec);
  /* On gcbench's line, before the common figures. */
  if (allocator != MALLOC) printf("collect_ns_per_object=%.1f ", ns / COLLECTIONS / NODES);
  size_t length = 0;
  for (chase_node *n = chase_root; n != NULL; n = n->next) length++;
  if (length != NODES) {
    fprintf(stderr, "gcbench: the list lost nodes (%zu of %d)\n", length, NODES);
    return 1;
  }
  if (allocator == STRATA) strata_gc_remove_roots(heap, &chase_root, &chase_root + 1);
  if (allocator == MALLOC) {
    chase_node *n = chase_root;
    while (n != NULL) {
      chase_node *next = n->next;
      free(n);
      n = next;
    }
  }
  return 0;
}
