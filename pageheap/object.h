/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* pageheap/object.h: from a pointer to its object, validated, in one place.
 *
 * Every frontend asks the page heap the same question on its hottest path
 * (malloc's free, the collector's marking of each scanned word): "which
 * object of this heap is p?". The page map answers "which span's pages",
 * but its entry alone proves nothing: a page inside a free run may still
 * map to the span that used it last, a recycled descriptor, or one being
 * retired (pageheap.h). The functions here read the entry and validate it
 * against the span's state, bounds and slot geometry before they answer,
 * so no caller ever sees an unvalidated span. They take no lock and make
 * no call: they are inline so that a free costs what the checks cost.
 *
 * Two slot computations, both the span layer's (span.h):
 *   - strata_span_object_index: "is p exactly an object's start", one
 *     multiply and one compare, any other address maps out of range;
 *   - strata_span_slot_containing: "which object holds p", the class's
 *     division magic, for interior pointers (a collector's scan).
 * A start test cannot use the second (it would accept interior pointers)
 * and an interior lookup cannot use the first (it rejects them). */
#ifndef STRATA_PAGEHEAP_OBJECT_H_
#define STRATA_PAGEHEAP_OBJECT_H_

#include <stdbool.h>
#include <stdint.h>

#include "pageheap/pageheap.h"
#include "span/span.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The in-use small span of which p is the start of a slot, or NULL for any
 * other pointer (inside an object, in a large span, a free run, outside the
 * heap, NULL). Whether the slot is allocated is the frontend's to know (a
 * malloc thread cache holds slots the bitmap counts as allocated). One
 * compare asks both "is the span small and in use" (small_objects is 0 in
 * every other state: strata_span_retire) and "is p a slot's start". */
static inline __attribute__((always_inline)) strata_span *strata_pageheap_small_object(
    const strata_pageheap *ph, const void *p) {
  strata_span *span = strata_pagemap_get(&ph->pagemap, strata_page_of(p));
  if (span == NULL || strata_span_object_index(span, p) >= span->small_objects) return NULL;
  return span;
}

/* The in-use span, small or large, of which p is an object's start (a
 * large span's only object starts at its base), or NULL. */
static inline __attribute__((always_inline)) strata_span *strata_pageheap_object_start(
    const strata_pageheap *ph, const void *p) {
  strata_span *span = strata_pagemap_get(&ph->pagemap, strata_page_of(p));
  if (span == NULL || !strata_span_is_in_use(span)) return NULL;
  if (strata_span_object_index(span, p) >= span->object_count) return NULL;
  return span;
}

/* The in-use span holding an allocated object that p points into (its start
 * or any byte inside it), or NULL; *slot is the object's slot (0 in a large
 * span). A small span's slot counts as allocated when its bitmap bit is set
 * (slots waiting in a frontend's caches are); a word pointing at a free
 * slot or a span's tail after its last object finds nothing. */
static inline __attribute__((always_inline)) strata_span *strata_pageheap_object_containing(
    const strata_pageheap *ph, const void *p, uint32_t *slot) {
  strata_span *span = strata_pagemap_get(&ph->pagemap, strata_page_of(p));
  if (span == NULL) return NULL;
  strata_span_state state = strata_span_state_of(span);
  uintptr_t offset = (uintptr_t)p - span->base;
  if (offset >= (span->pages << STRATA_PAGE_SHIFT)) return NULL;
  if (state == STRATA_SPAN_SMALL) {
    uint32_t i = strata_span_slot_containing(span, offset);
    if (i >= span->object_count || !strata_span_slot_is_allocated(span, i)) return NULL;
    *slot = i;
    return span;
  }
  if (state != STRATA_SPAN_LARGE) return NULL;
  *slot = 0;
  return span;
}

/* Whether p's page has ever been part of a run of this heap (in use or
 * free): for a misuse report, which tells "freed" from "never ours". */
static inline bool strata_pageheap_has_page(const strata_pageheap *ph, const void *p) {
  return strata_pagemap_get(&ph->pagemap, strata_page_of(p)) != NULL;
}

#ifdef __cplusplus
}
#endif

#endif /* STRATA_PAGEHEAP_OBJECT_H_ */
