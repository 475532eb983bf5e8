/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* pagemap: which span owns a page, for any address at all.
 *
 * free() is handed a bare pointer and must find the span that owns it without
 * trusting the pointer: it may be foreign, interior, or garbage. The page map
 * is a three-level radix table over the 48-bit user address space, indexed
 * by page number (35 bits: 11 + 12 + 12). The root is inline; middle nodes
 * and leaves are created on demand from persistent metadata when the page
 * heap adds an arena, so a lookup never allocates and reaches a NULL for
 * any address the heap does not manage. A leaf covers 4096 pages (32 MiB).
 *
 * Each leaf also keeps one bit per page: whether the page is committed (may
 * hold memory). The page heap uses those bits to commit only what a new run
 * lacks and to decommit only what a free run holds.
 *
 * Lookups are lock-free (acquire loads on the node pointers) and may run
 * while the owner adds nodes or changes entries under its lock. */
#ifndef STRATA_PAGEHEAP_PAGEMAP_H_
#define STRATA_PAGEHEAP_PAGEMAP_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/atomic.h"
#include "base/constants.h"
#include "metadata/metadata.h"
#include "span/span.h"

#ifdef __cplusplus
extern "C" {
#endif

#define STRATA_PAGEMAP_ADDRESS_BITS 48
#define STRATA_PAGEMAP_LEAF_BITS 12
#define STRATA_PAGEMAP_MID_BITS 12
#define STRATA_PAGEMAP_ROOT_BITS \
  (STRATA_PAGEMAP_ADDRESS_BITS - STRATA_PAGE_SHIFT - STRATA_PAGEMAP_MID_BITS - STRATA_PAGEMAP_LEAF_BITS)
#define STRATA_PAGEMAP_LEAF_PAGES (1u << STRATA_PAGEMAP_LEAF_BITS)

/* The nodes' pointers are read without a lock by any thread (span_of,
 * free's lookup) and written under the page heap's lock: release stores
 * publish a node (or a span descriptor) after its contents, acquire loads
 * read them. `committed` is read and written under the lock only. */
typedef struct strata_pagemap_leaf {
  STRATA_ATOMIC(strata_span *) spans[STRATA_PAGEMAP_LEAF_PAGES];
  uint64_t committed[STRATA_PAGEMAP_LEAF_PAGES / 64];
} strata_pagemap_leaf;

typedef struct strata_pagemap_mid {
  STRATA_ATOMIC(strata_pagemap_leaf *) leaves[1u << STRATA_PAGEMAP_MID_BITS];
} strata_pagemap_mid;

typedef struct strata_pagemap {
  strata_persistent *nodes;  /* where middle nodes and leaves come from */
  STRATA_ATOMIC(strata_pagemap_mid *) root[1u << STRATA_PAGEMAP_ROOT_BITS];
} strata_pagemap;

/* Page numbers: an address shifted right by STRATA_PAGE_SHIFT. */
typedef uintptr_t strata_page_id;

static inline strata_page_id strata_page_of(const void *addr) {
  return (uintptr_t)addr >> STRATA_PAGE_SHIFT;
}

void strata_pagemap_init(strata_pagemap *m, strata_persistent *nodes);
/* The same for a map whose storage already reads as zero (base/zero.h):
 * its 16 KiB root is not read. */
void strata_pagemap_init_zeroed(strata_pagemap *m, strata_persistent *nodes);

/* Creates the nodes covering pages [first, first + count). Entries of new
 * leaves read NULL and not committed. STRATA_ERR_OUT_OF_MEMORY when metadata
 * cannot grow (nodes created so far stay: they are harmless);
 * STRATA_ERR_INVALID_ARGUMENT beyond the 48-bit address space. */
strata_status strata_pagemap_ensure(strata_pagemap *m, strata_page_id first, size_t count)
    STRATA_MUST_USE;

/* The metadata bytes strata_pagemap_ensure(m, first, count) would take
 * (strata_persistent_bytes_for its missing nodes): what the owner prepares
 * (metadata/metadata.h) before it ensures. 0 when nothing is missing. */
size_t strata_pagemap_bytes_to_ensure(const strata_pagemap *m, strata_page_id first,
                                      size_t count);

/* The leaf holding `page`, or NULL when none was created. Lock-free. */
static inline strata_pagemap_leaf *strata_pagemap_leaf_of(const strata_pagemap *m,
                                                          strata_page_id page) {
  uintptr_t root_index = page >> (STRATA_PAGEMAP_MID_BITS + STRATA_PAGEMAP_LEAF_BITS);
  if (root_index >= (1u << STRATA_PAGEMAP_ROOT_BITS)) return NULL;
  strata_pagemap_mid *mid = strata_atomic_load(&m->root[root_index], STRATA_ORDER_ACQUIRE);
  if (mid == NULL) return NULL;
  uintptr_t mid_index = (page >> STRATA_PAGEMAP_LEAF_BITS) & ((1u << STRATA_PAGEMAP_MID_BITS) - 1);
  return strata_atomic_load(&mid->leaves[mid_index], STRATA_ORDER_ACQUIRE);
}

/* The span entry of `page`: NULL for pages the heap never managed. The entry
 * may be stale for pages inside free runs (see pageheap.h); callers check
 * the span's state and bounds. Lock-free. */
static inline strata_span *strata_pagemap_get(const strata_pagemap *m, strata_page_id page) {
  strata_pagemap_leaf *leaf = strata_pagemap_leaf_of(m, page);
  if (leaf == NULL) return NULL;
  return strata_atomic_load(&leaf->spans[page & (STRATA_PAGEMAP_LEAF_PAGES - 1)],
                            STRATA_ORDER_ACQUIRE);
}

/* Sets the entries of pages [first, first + count), whose nodes exist. */
void strata_pagemap_set_range(strata_pagemap *m, strata_page_id first, size_t count,
                              strata_span *span);

/* Committed bits, for pages whose nodes exist. */
bool strata_pagemap_is_committed(const strata_pagemap *m, strata_page_id page);
void strata_pagemap_mark_committed(strata_pagemap *m, strata_page_id first, size_t count,
                                   bool committed);
/* Whether every / any of pages [first, first + count) is committed: word
 * compares, no bit counting, for the allocation path. */
bool strata_pagemap_all_committed(const strata_pagemap *m, strata_page_id first, size_t count);
bool strata_pagemap_any_committed(const strata_pagemap *m, strata_page_id first, size_t count);
/* How many of pages [first, first + count) are committed. */
size_t strata_pagemap_count_committed(const strata_pagemap *m, strata_page_id first,
                                      size_t count);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_PAGEHEAP_PAGEMAP_H_ */
