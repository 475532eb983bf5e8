/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
#include "pageheap/pagemap.h"

#include "base/zero.h"

/* Nodes start on a cache line: a leaf's entries are read by every free. */
#define NODE_ALIGNMENT 64

void strata_pagemap_init(strata_pagemap *m, strata_persistent *nodes) {
  strata_zero_untouched(m, sizeof *m);
  m->nodes = nodes;
}

void strata_pagemap_init_zeroed(strata_pagemap *m, strata_persistent *nodes) { m->nodes = nodes; }

/* Creates the nodes covering pages [first, first + count); given
 * `missing`, creates nothing and adds up the bytes they would take
 * (strata_persistent_bytes_for) instead. Under the page heap's lock: the
 * only writer. */
static strata_status walk_nodes(strata_pagemap *m, strata_page_id first, size_t count,
                                size_t *missing) {
  const strata_page_id limit = (strata_page_id)1
                               << (STRATA_PAGEMAP_ADDRESS_BITS - STRATA_PAGE_SHIFT);
  if (count == 0 || first >= limit || count > limit - first) return STRATA_ERR_INVALID_ARGUMENT;
  const size_t mid_bytes = strata_persistent_bytes_for(1, sizeof(strata_pagemap_mid), NODE_ALIGNMENT);
  const size_t leaf_bytes =
      strata_persistent_bytes_for(1, sizeof(strata_pagemap_leaf), NODE_ALIGNMENT);
  strata_page_id last_leaf = (first + count - 1) >> STRATA_PAGEMAP_LEAF_BITS;
  uintptr_t counted_root = UINTPTR_MAX;
  for (strata_page_id leaf_no = first >> STRATA_PAGEMAP_LEAF_BITS; leaf_no <= last_leaf;
       leaf_no++) {
    uintptr_t root_index = leaf_no >> STRATA_PAGEMAP_MID_BITS;
    uintptr_t mid_index = leaf_no & ((1u << STRATA_PAGEMAP_MID_BITS) - 1);
    strata_pagemap_mid *mid = strata_atomic_load(&m->root[root_index], STRATA_ORDER_RELAXED);
    if (mid == NULL && missing != NULL) {
      if (root_index != counted_root) *missing += mid_bytes; /* once per middle node */
      counted_root = root_index;
      *missing += leaf_bytes;
      continue;
    }
    if (mid == NULL) {
      mid = strata_persistent_alloc(m->nodes, sizeof *mid, NODE_ALIGNMENT);
      if (mid == NULL) return STRATA_ERR_OUT_OF_MEMORY;
      strata_atomic_store(&m->root[root_index], mid, STRATA_ORDER_RELEASE);
    }
    if (strata_atomic_load(&mid->leaves[mid_index], STRATA_ORDER_RELAXED) != NULL) continue;
    if (missing != NULL) {
      *missing += leaf_bytes;
      continue;
    }
    strata_pagemap_leaf *leaf = strata_persistent_alloc(m->nodes, sizeof *leaf, NODE_ALIGNMENT);
    if (leaf == NULL) return STRATA_ERR_OUT_OF_MEMORY;
    strata_atomic_store(&mid->leaves[mid_index], leaf, STRATA_ORDER_RELEASE);
  }
  return STRATA_OK;
}

strata_status strata_pagemap_ensure(strata_pagemap *m, strata_page_id first, size_t count) {
  return walk_nodes(m, first, count, NULL);
}

size_t strata_pagemap_bytes_to_ensure(const strata_pagemap *m, strata_page_id first,
                                      size_t count) {
  size_t missing = 0;
  /* Counting writes nothing: the cast only shares the walk. A range
   * ensure refuses counts 0. */
  strata_status_ignore(walk_nodes((strata_pagemap *)m, first, count, &missing));
  return missing;
}

void strata_pagemap_set_range(strata_pagemap *m, strata_page_id first, size_t count,
                              strata_span *span) {
  strata_page_id page = first;
  while (count > 0) {
    strata_pagemap_leaf *leaf = strata_pagemap_leaf_of(m, page);
    size_t index = page & (STRATA_PAGEMAP_LEAF_PAGES - 1);
    size_t n = STRATA_PAGEMAP_LEAF_PAGES - index;
    if (n > count) n = count;
    for (size_t i = 0; i < n; i++) {
      strata_atomic_store(&leaf->spans[index + i], span, STRATA_ORDER_RELEASE);
    }
    page += n;
    count -= n;
  }
}

bool strata_pagemap_is_committed(const strata_pagemap *m, strata_page_id page) {
  strata_pagemap_leaf *leaf = strata_pagemap_leaf_of(m, page);
  size_t index = page & (STRATA_PAGEMAP_LEAF_PAGES - 1);
  return (leaf->committed[index / 64] >> (index % 64)) & 1;
}

/* Steps through the committed bits of [*first, *first + *count) one bitmap
 * word at a time: returns the word and sets *mask to the bits of it inside
 * the range, then advances *first and *count past them. */
static uint64_t *next_committed_word(const strata_pagemap *m, strata_page_id *first,
                                     size_t *count, uint64_t *mask) {
  strata_pagemap_leaf *leaf = strata_pagemap_leaf_of(m, *first);
  size_t index = *first & (STRATA_PAGEMAP_LEAF_PAGES - 1);
  size_t bit = index % 64;
  size_t n = 64 - bit;
  if (n > *count) n = *count;
  *mask = (n == 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1)) << bit;
  *first += n;
  *count -= n;
  return &leaf->committed[index / 64];
}

void strata_pagemap_mark_committed(strata_pagemap *m, strata_page_id first, size_t count,
                                   bool committed) {
  while (count > 0) {
    uint64_t mask;
    uint64_t *word = next_committed_word(m, &first, &count, &mask);
    *word = committed ? *word | mask : *word & ~mask;
  }
}

size_t strata_pagemap_count_committed(const strata_pagemap *m, strata_page_id first,
                                      size_t count) {
  size_t total = 0;
  while (count > 0) {
    uint64_t mask;
    uint64_t *word = next_committed_word(m, &first, &count, &mask);
    total += (size_t)__builtin_popcountll(*word & mask);
  }
  return total;
}

bool strata_pagemap_all_committed(const strata_pagemap *m, strata_page_id first, size_t count) {
  while (count > 0) {
    uint64_t mask;
    uint64_t *word = next_committed_word(m, &first, &count, &mask);
    if ((*word & mask) != mask) return false;
  }
  return true;
}

bool strata_pagemap_any_committed(const strata_pagemap *m, strata_page_id first, size_t count) {
  while (count > 0) {
    uint64_t mask;
    uint64_t *word = next_committed_word(m, &first, &count, &mask);
    if ((*word & mask) != 0) return true;
  }
  return false;
}
