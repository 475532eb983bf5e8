/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Allocation: small objects from a per-class cache of slots taken from the
 * central lists in batches, large ones straight from the page heap. The
 * collector runs from here when the budget is spent or memory runs out. */
#include <errno.h>
#include <string.h>

#include "frontend/gc/gc_internal.h"

static void widen_bounds(strata_gc_heap *heap, uintptr_t start, uintptr_t end) {
  if (start < heap->lo) heap->lo = start;
  if (end > heap->hi) heap->hi = end;
}

/* Takes in a batch from the central lists: every span in it gets a mark
 * record (at most one new span per object, and the spares hold a whole
 * batch's worth), and the heap's bounds cover each span. A batch comes in
 * address order span by span, so a span is looked up once. */
static void adopt_batch(strata_gc_heap *heap, void *const *objects, size_t n) {
  const strata_span *last = NULL;
  for (size_t i = 0; i < n; i++) {
    uintptr_t p = (uintptr_t)objects[i];
    if (last != NULL && p >= last->base && p < strata_span_end(last)) continue;
    strata_span *span = strata_pageheap_span_of(&heap->pages, objects[i]);
    STRATA_ASSERT(span != NULL && strata_span_state_of(span) == STRATA_SPAN_SMALL);
    if (strata_span_owner_data(span) == NULL) {
      strata_span_set_owner_data(
          span, strata_gc_take_marks(heap, strata_gc_mark_size(span->object_count)));
    }
    widen_bounds(heap, span->base, strata_span_end(span));
    last = span;
  }
}

/* Takes a batch of slots of span class `sc` from the central lists. The
 * slots' memory is not touched: the central lists hand out bitmap slots. */
static bool refill(strata_gc_heap *heap, strata_span_class sc) {
  unsigned size_class = strata_span_class_size_class(sc);
  unsigned mark_size = strata_gc_mark_size(strata_size_class_span_objects(size_class));
  if (!strata_gc_top_up_marks(heap, mark_size)) return false;
  strata_gc_cache *cache = &heap->caches[sc];
  size_t n = strata_central_batch_size(size_class);
  size_t got = strata_central_remove(&heap->central, sc, cache->objects, n);
  if (got == 0) return false;
  adopt_batch(heap, cache->objects, got);
  cache->count = (uint32_t)got;
  /* Hand out lowest first. */
  for (size_t i = 0, j = got - 1; i < j; i++, j--) {
    void *t = cache->objects[i];
    cache->objects[i] = cache->objects[j];
    cache->objects[j] = t;
  }
  return true;
}

/* Runs a collection the budget asked for, unless one is running. */
static void pace(strata_gc_heap *heap) {
  if (heap->collecting || heap->gc_percent == STRATA_GC_OFF) return;
  strata_gc_collect_now(heap);
}

/* Most objects of a collected heap are a few words: plain stores beat a
 * call, and a loop here would become `rep stos`, slow to start. Slots are
 * multiples of 8 bytes. */
static inline void zero_object(void *p, size_t size) {
  uint64_t *w = p;
  switch (size / sizeof(uint64_t)) {
    case 8: w[7] = 0; /* fall through */
    case 7: w[6] = 0; /* fall through */
    case 6: w[5] = 0; /* fall through */
    case 5: w[4] = 0; /* fall through */
    case 4: w[3] = 0; /* fall through */
    case 3: w[2] = 0; /* fall through */
    case 2: w[1] = 0; /* fall through */
    case 1: w[0] = 0; break;
    default: memset(p, 0, size);
  }
}

static void *alloc_small(strata_gc_heap *heap, size_t size, unsigned flags) {
  unsigned size_class = strata_size_to_class(size);
  strata_span_class sc = strata_span_class_make(
      size_class, (flags & STRATA_GC_NOSCAN) ? STRATA_KIND_NOSCAN : STRATA_KIND_SCAN);
  size_t object_size = strata_size_class_object_size(size_class);
  heap->budget -= (int64_t)object_size;
  if (heap->budget < 0) pace(heap);
  strata_gc_cache *cache = &heap->caches[sc];
  if (cache->count == 0 && !refill(heap, sc)) {
    /* Out of memory: what a collection frees may be enough. It empties
     * the caches. */
    if (!heap->collecting) strata_gc_collect_now(heap);
    if (heap->collecting || !refill(heap, sc)) {
      heap->budget += (int64_t)object_size;
      errno = ENOMEM;
      return NULL;
    }
  }
  void *p = cache->objects[--cache->count];
  /* A swept slot holds whatever its last object left: a scan object must
   * not keep stale pointers, so it is cleared whole. */
  if ((flags & (STRATA_GC_NOSCAN | STRATA_GC_ZERO)) != STRATA_GC_NOSCAN) {
    zero_object(p, object_size);
  }
  heap->allocated_since += object_size;
  heap->stats.allocated_bytes += object_size;
  return p;
}

static void *alloc_large(strata_gc_heap *heap, size_t size, unsigned flags) {
  size_t pages = (size >> STRATA_PAGE_SHIFT) + ((size & (STRATA_PAGE_SIZE - 1)) != 0);
  size_t bytes = pages << STRATA_PAGE_SHIFT;
  heap->budget -= (int64_t)bytes;
  if (heap->budget < 0) pace(heap);
  strata_span *span = strata_pageheap_alloc_large(&heap->pages, pages);
  if (span == NULL) {
    if (!heap->collecting) strata_gc_collect_now(heap);
    span = heap->collecting ? NULL : strata_pageheap_alloc_large(&heap->pages, pages);
    if (span == NULL) {
      heap->budget += (int64_t)bytes;
      errno = ENOMEM;
      return NULL;
    }
  }
  uintptr_t tag = STRATA_GC_LARGE_TAG | ((flags & STRATA_GC_NOSCAN) ? STRATA_GC_LARGE_NOSCAN : 0);
  strata_span_set_owner_data(span, (void *)tag);
  span->owner = STRATA_SPAN_OWNER_GC;
  strata_span_list_push(&heap->large, span);
  widen_bounds(heap, span->base, strata_span_end(span));
  bool wants_zero = (flags & (STRATA_GC_NOSCAN | STRATA_GC_ZERO)) != STRATA_GC_NOSCAN;
  if (wants_zero && !span->zeroed) memset((void *)span->base, 0, bytes);
  heap->allocated_since += bytes;
  heap->stats.allocated_bytes += bytes;
  return (void *)span->base;
}

void *strata_gc_alloc(strata_gc_heap *heap, size_t size, unsigned flags) {
  if ((flags & ~(STRATA_GC_NOSCAN | STRATA_GC_ZERO)) != 0) {
    errno = EINVAL;
    return NULL;
  }
  /* Beyond this no page run can be had (and the budget is signed). */
  if (size > (size_t)INT64_MAX / 4) {
    errno = ENOMEM;
    return NULL;
  }
  strata_gc_enter(heap, __func__);
  void *p = size <= STRATA_MAX_SMALL_SIZE ? alloc_small(heap, size, flags)
                                          : alloc_large(heap, size, flags);
  strata_gc_leave(heap);
  return p;
}

void *strata_gc_alloc_array(strata_gc_heap *heap, size_t count, size_t size, unsigned flags) {
  size_t bytes = 0;
  if (__builtin_mul_overflow(count, size, &bytes)) {
    errno = ENOMEM;
    return NULL;
  }
  return strata_gc_alloc(heap, bytes, flags);
}
