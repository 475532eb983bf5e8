/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Allocation: small objects from the calling thread's per-class cache of
 * slots taken in batches from a span the central lists lend the thread,
 * large ones straight from the page heap. The collector runs from here
 * when the budget is spent or memory runs out. The fast path (a cached
 * slot, credit left) is a thread-local load and a compare, a subtraction
 * from the thread's credit and a pop, in plain loads and stores
 * (strata_gc_alloc below). */
#include <errno.h>
#include <string.h>

#include "frontend/gc/gc_internal.h"

/* Under the bookkeeping lock. */
static void widen_bounds(strata_gc_heap *heap, uintptr_t start, uintptr_t end) {
  if (start < strata_atomic_load(&heap->lo, STRATA_ORDER_RELAXED)) {
    strata_atomic_store(&heap->lo, start, STRATA_ORDER_RELAXED);
  }
  if (end > strata_atomic_load(&heap->hi, STRATA_ORDER_RELAXED)) {
    strata_atomic_store(&heap->hi, end, STRATA_ORDER_RELAXED);
  }
}

/* A span of class sc lent by the central lists for the thread to
 * allocate from, taken in: it has a mark record (a new span gets one
 * now, before any slot of it is handed out, so a collection never needs
 * memory) and the heap's bounds cover it. Spans the heap has taken in
 * before need no lock; the others are settled under the bookkeeping
 * lock. NULL when memory is refused (for the span, or its record). */
static strata_span *borrow_span(strata_gc_heap *heap, strata_span_class sc) {
  strata_span *span = strata_central_lend_span(&heap->central, sc);
  if (span == NULL) return NULL;
  bool settled = strata_span_owner_data(span) != NULL &&
                 span->base >= strata_atomic_load(&heap->lo, STRATA_ORDER_RELAXED) &&
                 strata_span_end(span) <= strata_atomic_load(&heap->hi, STRATA_ORDER_RELAXED);
  if (settled) return span;
  bool recorded = true;
  strata_lock_acquire(&heap->bookkeeping);
  if (strata_span_owner_data(span) == NULL) {
    /* a span with no record is new from the page heap: nothing allocated */
    STRATA_ASSERT(strata_span_is_empty(span));
    uint64_t *marks = strata_gc_new_marks(heap, strata_gc_mark_size(span->object_count));
    recorded = marks != NULL;
    if (recorded) strata_span_set_owner_data(span, marks);
  }
  if (recorded) widen_bounds(heap, span->base, strata_span_end(span));
  strata_lock_release(&heap->bookkeeping);
  if (!recorded) {
    strata_central_return_span(&heap->central, sc, span); /* empty: to the page heap */
    return NULL;
  }
  return span;
}

void strata_gc_return_lent_spans(strata_gc_heap *heap, strata_gc_thread *thread) {
  for (size_t sc = 0; sc < STRATA_SPAN_CLASS_COUNT; sc++) {
    if (thread->lent[sc] == NULL) continue;
    strata_central_return_span(&heap->central, (strata_span_class)sc, thread->lent[sc]);
    thread->lent[sc] = NULL;
  }
}

/* Fills the thread's cache of span class `sc` with a batch of slots from
 * the span lent to it, and when that span has none left, gives it back
 * and borrows another (Go's mcache refill). The slots' memory is not
 * touched. A no-stop section: a collection must not find the thread
 * halfway through the span's bitmap, and the central lists' locks. */
static bool refill(strata_gc_thread *self, strata_span_class sc) {
  strata_gc_heap *heap = self->heap;
  strata_gc_cache *cache = &self->caches[sc];
  size_t want = strata_central_batch_size(strata_span_class_size_class(sc));
  strata_gc_no_stop_enter();
  strata_span *span = self->lent[sc];
  size_t got = span != NULL ? strata_span_alloc_batch(span, cache->objects, want) : 0;
  if (got == 0) {
    if (span != NULL) strata_central_return_span(&heap->central, sc, span);
    self->lent[sc] = span = borrow_span(heap, sc);
    if (span != NULL) got = strata_span_alloc_batch(span, cache->objects, want);
  }
  if (got > 0) {
    /* Hand out lowest first. */
    for (size_t i = 0, j = got - 1; i < j; i++, j--) {
      void *t = cache->objects[i];
      cache->objects[i] = cache->objects[j];
      cache->objects[j] = t;
    }
    cache->count = (uint32_t)got;
  }
  strata_gc_no_stop_leave();
  return got > 0;
}

/* Credit is taken from the heap's budget this many bytes at a time (and
 * what the allocation at hand lacks), so that threads meet at the budget
 * once per chunk rather than per object. */
#define CREDIT_CHUNK ((int64_t)64 << 10)

static inline int64_t credit_of(const strata_gc_thread *self) {
  return strata_atomic_load(&self->credit, STRATA_ORDER_RELAXED);
}

/* Adds to the thread's credit (negative: takes back); the thread's own. */
static inline void add_credit(strata_gc_thread *self, int64_t bytes) {
  strata_atomic_store(&self->credit, credit_of(self) + bytes, STRATA_ORDER_RELAXED);
}

/* The thread has spent its credit: takes more from the budget, and
 * collects once when the budget is spent (unless another thread collected
 * meanwhile). Exact with one thread: a chunk is cut to what is left, so
 * the collection comes when the budget runs out, as if it were charged
 * per object. Once collected, what the allocation needs is granted
 * whatever the budget says (a gc_percent of 0 sets none). */
static void charge(strata_gc_thread *self) {
  strata_gc_heap *heap = self->heap;
  uint64_t seen = strata_atomic_load(&heap->collections_done, STRATA_ORDER_ACQUIRE);
  bool collected = false;
  while (credit_of(self) < 0) {
    int64_t left = strata_atomic_load(&heap->budget, STRATA_ORDER_RELAXED);
    if (left <= 0 && !collected && heap->gc_percent != STRATA_GC_OFF) {
      strata_gc_collect_as(heap, self, false, seen);
      collected = true;
      continue;
    }
    int64_t want = CREDIT_CHUNK - credit_of(self);
    int64_t grant = left >= want ? want : left > 0 ? left : -credit_of(self);
    if (strata_atomic_compare_exchange(&heap->budget, &left, left - grant, STRATA_ORDER_RELAXED,
                                       STRATA_ORDER_RELAXED)) {
      add_credit(self, grant);
      strata_atomic_store(&self->granted,
                          strata_atomic_load(&self->granted, STRATA_ORDER_RELAXED) + (uint64_t)grant,
                          STRATA_ORDER_RELAXED);
    }
  }
}

/* A refill, and when the central lists have nothing (memory refused),
 * one collection (what it frees may be enough) and a second try. */
static bool refill_or_collect(strata_gc_thread *self, strata_span_class sc) {
  uint64_t seen = strata_atomic_load(&self->heap->collections_done, STRATA_ORDER_ACQUIRE);
  if (refill(self, sc)) return true;
  strata_gc_collect_as(self->heap, self, false, seen);
  return self->caches[sc].count > 0 || refill(self, sc);
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

/* The small allocation's slow path: its credit is spent (it was charged
 * already) or its cache is empty. */
__attribute__((noinline)) static void *alloc_small_slow(strata_gc_thread *self,
                                                        strata_span_class sc, size_t object_size,
                                                        unsigned flags) {
  if (credit_of(self) < 0) charge(self);
  strata_gc_cache *cache = &self->caches[sc];
  if (cache->count == 0 && !refill_or_collect(self, sc)) {
    add_credit(self, (int64_t)object_size); /* not allocated after all */
    errno = ENOMEM;
    return NULL;
  }
  void *p = cache->objects[--cache->count];
  if ((flags & (STRATA_GC_NOSCAN | STRATA_GC_ZERO)) != STRATA_GC_NOSCAN) {
    zero_object(p, object_size);
  }
  return p;
}

/* A run of the page heap, published as the heap's large object: a no-stop
 * section (the page heap's lock, the bookkeeping). */
static strata_span *take_large(strata_gc_heap *heap, size_t pages, unsigned flags) {
  strata_gc_no_stop_enter();
  strata_span *span = strata_pageheap_alloc_large(&heap->pages, pages);
  if (span != NULL) {
    uintptr_t tag =
        STRATA_GC_LARGE_TAG | ((flags & STRATA_GC_NOSCAN) ? STRATA_GC_LARGE_NOSCAN : 0);
    strata_span_set_owner_data(span, (void *)tag);
    span->owner = STRATA_SPAN_OWNER_GC;
    strata_lock_acquire(&heap->bookkeeping);
    strata_span_list_push(&heap->large, span);
    widen_bounds(heap, span->base, strata_span_end(span));
    strata_lock_release(&heap->bookkeeping);
  }
  strata_gc_no_stop_leave();
  return span;
}

__attribute__((noinline)) static void *alloc_large(strata_gc_thread *self, size_t size,
                                                   unsigned flags) {
  strata_gc_heap *heap = self->heap;
  size_t pages = (size >> STRATA_PAGE_SHIFT) + ((size & (STRATA_PAGE_SIZE - 1)) != 0);
  size_t bytes = pages << STRATA_PAGE_SHIFT;
  add_credit(self, -(int64_t)bytes);
  if (credit_of(self) < 0) charge(self);
  uint64_t seen = strata_atomic_load(&heap->collections_done, STRATA_ORDER_ACQUIRE);
  strata_span *span = take_large(heap, pages, flags);
  if (span == NULL) {
    strata_gc_collect_as(heap, self, false, seen);
    span = take_large(heap, pages, flags);
    if (span == NULL) {
      add_credit(self, (int64_t)bytes);
      errno = ENOMEM;
      return NULL;
    }
  }
  bool wants_zero = (flags & (STRATA_GC_NOSCAN | STRATA_GC_ZERO)) != STRATA_GC_NOSCAN;
  if (wants_zero && !span->zeroed) memset((void *)span->base, 0, bytes);
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
  strata_gc_thread *self = strata_gc_last_thread;
  if (__builtin_expect(self == NULL || self->heap != heap, 0)) {
    self = strata_gc_thread_of(heap, __func__);
  }
  if (size > STRATA_MAX_SMALL_SIZE) return alloc_large(self, size, flags);
  unsigned size_class = strata_size_to_class(size);
  strata_span_class sc = strata_span_class_make(
      size_class, (flags & STRATA_GC_NOSCAN) ? STRATA_KIND_NOSCAN : STRATA_KIND_SCAN);
  size_t object_size = strata_size_class_object_size(size_class);
  int64_t credit = credit_of(self) - (int64_t)object_size;
  strata_atomic_store(&self->credit, credit, STRATA_ORDER_RELAXED);
  strata_gc_cache *cache = &self->caches[sc];
  if (__builtin_expect(credit < 0 || cache->count == 0, 0)) {
    return alloc_small_slow(self, sc, object_size, flags);
  }
  void *p = cache->objects[--cache->count];
  /* A swept slot holds whatever its last object left: a scan object must
   * not keep stale pointers, so it is cleared whole. */
  if ((flags & (STRATA_GC_NOSCAN | STRATA_GC_ZERO)) != STRATA_GC_NOSCAN) {
    zero_object(p, object_size);
  }
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
