/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Marking: from the roots, every word that points into an allocated object
 * marks it; a scan object newly marked goes on the mark stack to have its
 * own words scanned. An explicit stack, never recursion, so a list a
 * million long costs no C stack.
 *
 * Finding the object of a word is strata_gc_object_span (gc_internal.h):
 * bounds, page map, the span's division magic and allocation bit; then
 * the mark bit.
 *
 * Overflow. The stack has a fixed size. When it is full, a newly marked
 * object is not pushed; the marker notes it and, once the stack is empty,
 * rescans every marked scan object of the heap, which pushes whatever they
 * reach that is still unmarked. It repeats until a pass ends without
 * overflow: then every marked object's words have been scanned after it
 * was marked. Slower (a pass costs the whole heap) but never wrong, and
 * never out of memory in the middle of a collection.
 *
 * Parallel marking (markers.c). With more than one marker, helper
 * threads mark beside the collecting thread while the world is stopped:
 * mark bits are set with an atomic OR (whoever sets a bit scans the
 * object), a large object's mark with a compare-and-swap, and a marker
 * whose stack grows while another marker is idle moves the older half of
 * it to the shared pool, from which idle markers take. One marker marks
 * with plain stores and never looks at the pool. Overflow rescans run on
 * the collecting thread alone.
 *
 * Prefetching. Marking is bound by cache misses on the objects it scans:
 * a popped object is seldom in cache. So the marker pops into a small
 * ring first, prefetching each entry as it enters, and scans the ring's
 * oldest entry: by then its first line has had several objects' time to
 * arrive (prefetch-on-grey with a FIFO, Cher, Hosking and Vijaykumar).
 * And a candidate word's target is prefetched as soon as the word passes
 * the bounds test, before its lookup (mark_word_within): where there is
 * one object at a time to fetch (a list), the fetch then overlaps the
 * lookup.
 *
 * The scanning functions read whatever memory they are given, word by
 * word, stack redzones included (see STRATA_GC_UNSANITIZED). */
#include <string.h>

#include "frontend/gc/gc_internal.h"

/* Large objects are scanned this many bytes at a time, the rest pushed
 * back first, so one huge array does not fill the stack with its
 * children at once. */
#define SCAN_CHUNK_BYTES 4096

/* The scanner reads stacks (redzones included) and other threads' stacks
 * and thread-local storage, which they may still write after they have
 * acknowledged the stop (the handler's own frame, errno): by design, as
 * any conservative collector does. The address and thread sanitizers are
 * told not to look at these reads; the objects' own contents are ordered
 * by the stop's release and acquire. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define STRATA_GC_UNSANITIZED __attribute__((no_sanitize("address", "thread")))
#endif
#endif
#if !defined(STRATA_GC_UNSANITIZED) && \
    (defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__))
#define STRATA_GC_UNSANITIZED __attribute__((no_sanitize("address", "thread")))
#endif
#ifndef STRATA_GC_UNSANITIZED
#define STRATA_GC_UNSANITIZED
#endif

static void note_overflow(strata_gc_heap *heap) {
  strata_atomic_store(&heap->mark_overflowed, 1, STRATA_ORDER_RELAXED);
}

/* A push that found m's stack full: give the pool half, if it has room;
 * else note the overflow for a rescan. */
__attribute__((noinline)) static void push_full(strata_gc_marker *m, uintptr_t start,
                                                uintptr_t end) {
  if (!m->shared || !strata_gc_share_work(m) || m->top == m->capacity) {
    note_overflow(m->heap);
    return;
  }
  m->stack[m->top].start = start;
  m->stack[m->top].end = end;
  m->top++;
}

static inline void push(strata_gc_marker *m, uintptr_t start, uintptr_t end) {
  if (__builtin_expect(m->top == m->capacity, 0)) {
    push_full(m, start, end);
    return;
  }
  m->stack[m->top].start = start;
  m->stack[m->top].end = end;
  m->top++;
}

/* Sets bit in *word; whether it was clear (this marker scans the object).
 * The first look is a plain read: most words point at marked objects.
 * `shared`: m->shared, which the scanning loop keeps in a register. */
static inline bool set_mark(bool shared, uint64_t *word, uint64_t bit) {
  uint64_t seen = __atomic_load_n(word, __ATOMIC_RELAXED);
  if (seen & bit) return false;
  if (!shared) {
    __atomic_store_n(word, seen | bit, __ATOMIC_RELAXED);
    return true;
  }
  return (__atomic_fetch_or(word, bit, __ATOMIC_RELAXED) & bit) == 0;
}

/* A large object's mark, in its span's tagged word. */
static inline bool set_large_mark(bool shared, strata_span *span) {
  void *tag = strata_span_owner_data(span);
  while (((uintptr_t)tag & STRATA_GC_LARGE_MARKED) == 0) {
    void *marked = (void *)((uintptr_t)tag | STRATA_GC_LARGE_MARKED);
    if (!shared) {
      strata_span_set_owner_data(span, marked);
      return true;
    }
    if (strata_atomic_compare_exchange(&span->owner_data, &tag, marked, STRATA_ORDER_RELAXED,
                                       STRATA_ORDER_RELAXED)) {
      return true;
    }
  }
  return false;
}

/* Marks the object `word` points into, if any, and pushes it when it is a
 * scan object marked just now. The heap, m->shared and the bounds come in
 * as arguments: in the scanning loop they stay in registers across the
 * stores to mark bits, which may alias anything. Always inlined (the
 * compiler left it a call from the loop, 5 % more instructions on
 * GCBench), and unsanitized like the loop: an always-inlined body under
 * sanitizer attributes other than its caller's left the drain loop's
 * stack poisoned under ASan. */
STRATA_GC_UNSANITIZED static inline __attribute__((always_inline)) void mark_word_within(
    const strata_gc_heap *heap, strata_gc_marker *m, bool shared, uintptr_t lo, uintptr_t hi,
    uintptr_t word) {
  if (word - lo >= hi - lo) return;
  /* A word inside the heap's bounds is most likely a pointer to an object
   * this marker will scan: its line is fetched now, so the wait for it
   * overlaps the lookup below (page map, span, bits) instead of following
   * it. On a list in random order, where each step's object is a miss the
   * ring cannot hide, this took the mark cost from 214-235 to 170-179 ns
   * an object (gcbench chase, one marker); GCBench's instructions and mark
   * time did not change. */
  __builtin_prefetch((const void *)word);
  uint32_t index = 0;
  strata_span *span = strata_gc_object_span_within(heap, lo, hi, word, &index);
  if (span == NULL) return;
  if (strata_gc_span_is_small(span)) {
    uint64_t *marks = strata_span_owner_data(span);
    /* every small span of the heap has its record from when it was first lent */
    STRATA_ASSERT(marks != NULL);
    if (!set_mark(shared, &marks[index / 64], (uint64_t)1 << (index % 64))) return;
    if (strata_span_class_kind(span->span_class) == STRATA_KIND_SCAN) {
      uintptr_t start = span->base + (uintptr_t)index * span->object_size;
      push(m, start, start + span->object_size);
    }
    return;
  }
  uintptr_t tag = (uintptr_t)strata_span_owner_data(span);
  if (!set_large_mark(shared, span)) return;
  if ((tag & STRATA_GC_LARGE_NOSCAN) == 0) push(m, span->base, strata_span_end(span));
}

STRATA_GC_UNSANITIZED static void mark_word(strata_gc_marker *m, uintptr_t word) {
  const strata_gc_heap *heap = m->heap;
  mark_word_within(heap, m, m->shared, strata_atomic_load(&heap->lo, STRATA_ORDER_RELAXED),
                   strata_atomic_load(&heap->hi, STRATA_ORDER_RELAXED), word);
}

/* The scanning loop: every word of [start, end) marked as a candidate.
 * The drain inlines it, with the heap, m->shared and the bounds loaded
 * once for all its entries rather than a call per object: GCBench's
 * marking 1 289 -> 1 090 million instructions (callgrind, one marker),
 * mark time 144 -> 138 ms on GCBench, 1 129 -> 1 023 on binary-trees,
 * 536 -> 472 on scanbuf (medians of 9, 5, 5 interleaved runs). */
STRATA_GC_UNSANITIZED static inline __attribute__((always_inline)) void scan_words(
    const strata_gc_heap *heap, strata_gc_marker *m, bool shared, uintptr_t lo, uintptr_t hi,
    uintptr_t start, uintptr_t end) {
  uintptr_t word = (start + sizeof(void *) - 1) & ~(uintptr_t)(sizeof(void *) - 1);
  for (; word + sizeof(void *) <= end; word += sizeof(void *)) {
    mark_word_within(heap, m, shared, lo, hi, *(const uintptr_t *)word);
  }
}

STRATA_GC_UNSANITIZED
void strata_gc_scan_range(strata_gc_marker *m, uintptr_t start, uintptr_t end) {
  const strata_gc_heap *heap = m->heap;
  scan_words(heap, m, m->shared, strata_atomic_load(&heap->lo, STRATA_ORDER_RELAXED),
             strata_atomic_load(&heap->hi, STRATA_ORDER_RELAXED), start, end);
}

/* Entries popped, prefetched and waiting to be scanned. */
#define PREFETCH_RING 8
/* A sharing marker looks at the other markers this often (entries). */
#define SHARE_EVERY 32

STRATA_GC_UNSANITIZED void strata_gc_drain(strata_gc_marker *m) {
  const strata_gc_heap *heap = m->heap;
  bool shared = m->shared;
  uintptr_t lo = strata_atomic_load(&heap->lo, STRATA_ORDER_RELAXED);
  uintptr_t hi = strata_atomic_load(&heap->hi, STRATA_ORDER_RELAXED);
  strata_gc_mark_entry ring[PREFETCH_RING];
  unsigned head = 0, count = 0, scanned = 0;
  for (;;) {
    while (count < PREFETCH_RING && m->top > 0) {
      strata_gc_mark_entry entry = m->stack[--m->top];
      __builtin_prefetch((const void *)entry.start);
      ring[(head + count++) % PREFETCH_RING] = entry;
    }
    if (count == 0) return;
    strata_gc_mark_entry entry = ring[head];
    head = (head + 1) % PREFETCH_RING;
    count--;
    /* Scanning may push; a push that finds the stack full marks the
     * overflow, and the ring's entries are still scanned here. */
    if (entry.end - entry.start > SCAN_CHUNK_BYTES) {
      push(m, entry.start + SCAN_CHUNK_BYTES, entry.end);
      entry.end = entry.start + SCAN_CHUNK_BYTES;
    }
    scan_words(heap, m, shared, lo, hi, entry.start, entry.end);
    if (shared && ++scanned % SHARE_EVERY == 0) strata_gc_offer_work(m);
  }
}

/* Scans every marked object of a small scan span (an overflow pass). */
static void rescan_span(const strata_span *span, void *arg) {
  strata_gc_marker *m = arg;
  const uint64_t *marks = strata_span_owner_data(span);
  for (uint32_t w = 0; w * 64 < span->object_count; w++) {
    uint64_t bits = marks[w];
    while (bits != 0) {
      uint32_t index = w * 64 + (uint32_t)__builtin_ctzll(bits);
      bits &= bits - 1;
      uintptr_t start = span->base + (uintptr_t)index * span->object_size;
      strata_gc_scan_range(m, start, start + span->object_size);
      strata_gc_drain(m);
    }
  }
}

static void rescan_marked(strata_gc_marker *m) {
  strata_gc_heap *heap = m->heap;
  for (unsigned c = 1; c < STRATA_SIZE_CLASS_COUNT; c++) {
    strata_central_for_each_span(&heap->central, strata_span_class_make(c, STRATA_KIND_SCAN),
                                 rescan_span, m);
  }
  for (strata_span *span = heap->large; span != NULL; span = span->next) {
    uintptr_t tag = (uintptr_t)strata_span_owner_data(span);
    if ((tag & STRATA_GC_LARGE_MARKED) && !(tag & STRATA_GC_LARGE_NOSCAN)) {
      push(m, span->base, strata_span_end(span));
      strata_gc_drain(m);
    }
  }
}

/* Until no overflow is left: every marked object's words scanned. On the
 * collecting thread alone. */
static void finish(strata_gc_marker *m) {
  STRATA_ASSERT(!m->shared); /* gc mark: overflow passes run alone */
  while (strata_atomic_load(&m->heap->mark_overflowed, STRATA_ORDER_RELAXED)) {
    strata_atomic_store(&m->heap->mark_overflowed, 0, STRATA_ORDER_RELAXED);
    m->heap->stats.mark_stack_overflows++;
    rescan_marked(m);
  }
}

/* Sets the mark of a slot waiting in a stopped thread's cache, without
 * scanning it: it has not been handed out, so what it holds is stale. */
static void mark_cached(strata_gc_marker *m, void *object) {
  uint64_t bit = 0;
  uint64_t *word = strata_gc_cached_slot_mark(m->heap, object, &bit);
  set_mark(m->shared, word, bit);
}

/* A stopped thread's caches stay its own: it may have been stopped
 * halfway through a pop, so the collector neither empties them nor lets
 * their slots be swept. The slots below count are marked; the entry at
 * count may be the object being popped (its count already lowered, the
 * object not yet in a register), or one handed out long ago: it is marked
 * as any pointer is, and scanned. */
static void mark_thread_caches(strata_gc_marker *m, const strata_gc_thread *thread) {
  for (size_t sc = 0; sc < STRATA_SPAN_CLASS_COUNT; sc++) {
    const strata_gc_cache *cache = &thread->caches[sc];
    for (uint32_t i = 0; i < cache->count; i++) mark_cached(m, cache->objects[i]);
    if (cache->count < STRATA_CENTRAL_MAX_BATCH && cache->objects[cache->count] != NULL) {
      mark_word(m, (uintptr_t)cache->objects[cache->count]);
      strata_gc_drain(m);
    }
  }
}

void strata_gc_mark(strata_gc_heap *heap, strata_gc_thread *self) {
  strata_gc_marker *m = strata_gc_begin_marking(heap);
  for (size_t i = 0; i < heap->root_count; i++) {
    strata_gc_scan_range(m, heap->roots[i].start, heap->roots[i].end);
    strata_gc_drain(m);
  }
  for (const strata_gc_thread *t = heap->threads; t != NULL; t = t->next_in_heap) {
    if (t == self) continue;
    /* Only heaps that scan stacks have more than one thread. */
    if (t->stack_top > t->stopped_sp) strata_gc_scan_range(m, t->stopped_sp, t->stack_top);
    strata_gc_drain(m);
    mark_thread_caches(m, t);
  }
  if (heap->scan_stack) {
    strata_gc_scan_stack(m);
    strata_gc_drain(m);
  }
  strata_gc_end_marking(heap); /* with the helpers, until none has work */
  finish(m);
}

bool strata_gc_is_marked(const strata_gc_heap *heap, uintptr_t object) {
  uint32_t index = 0;
  strata_span *span = strata_gc_object_span(heap, object, &index);
  STRATA_ASSERT(span != NULL); /* callers hold object starts of this heap */
  if (span == NULL) return true;
  if (strata_gc_span_is_small(span)) {
    const uint64_t *marks = strata_span_owner_data(span);
    return (marks[index / 64] >> (index % 64)) & 1;
  }
  return ((uintptr_t)strata_span_owner_data(span) & STRATA_GC_LARGE_MARKED) != 0;
}

void strata_gc_mark_from(strata_gc_heap *heap, uintptr_t object) {
  strata_gc_marker *m = &heap->markers[0];
  mark_word(m, object);
  strata_gc_drain(m);
  finish(m);
}
