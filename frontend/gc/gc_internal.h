/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Private to the GC heap: its layout, and the steps of a collection. */
#ifndef STRATA_FRONTEND_GC_GC_INTERNAL_H_
#define STRATA_FRONTEND_GC_GC_INTERNAL_H_

#include <stdbool.h>
#include <stdint.h>

#include "base/single_user.h"
#include "arena/backends.h"
#include "central/central.h"
#include "frontend/gc/strata_gc.h"
#include "metadata/metadata.h"
#include "pageheap/object.h"
#include "pageheap/pageheap.h"
#include "span/span.h"

/* Objects taken from the central lists and not yet handed out, per span
 * class: the allocation fast path pops one. They are allocated in their
 * spans' bitmaps; a collection leaves them unmarked, so its sweep frees
 * them with the garbage and the caches start empty again. */
typedef struct strata_gc_cache {
  uint32_t count;
  void *objects[STRATA_CENTRAL_MAX_BATCH];
} strata_gc_cache;

/* A small span's mark bits, Go's gcmarkBits: one per slot, beside the
 * span's allocation bits, in a record of 64-bit words hung on
 * strata_span_owner_data(span). A span gets its record when the heap first takes
 * objects from it and keeps it until a sweep finds it empty and the span
 * goes back to the page heap: so a collection never needs memory, and a
 * heap that has run out can still collect. All bits are zero between
 * collections.
 *
 * Records come in four sizes, 2, 4, 8 and 16 words (a span of 256-byte
 * objects needs one word, of 8-byte objects sixteen), each from its own
 * fixalloc; a spare record's first word links it to the next spare. */
#define STRATA_GC_MARK_SIZES 4

static inline unsigned strata_gc_mark_size(uint32_t object_count) {
  uint32_t words = (object_count + 63) / 64;
  return words <= 2 ? 0 : words <= 4 ? 1 : words <= 8 ? 2 : 3;
}

static inline size_t strata_gc_mark_words(unsigned mark_size) { return (size_t)2 << mark_size; }

/* A batch from the central lists touches at most this many spans (one
 * object each at worst), so this many spare records always cover it. */
#define STRATA_GC_SPARE_MARKS STRATA_CENTRAL_MAX_BATCH

/* A large object's span carries its kind and mark in owner_data instead,
 * a tagged word (a large span has one object: one bit is its bitmap). The
 * tag tells the heap's large objects from anything else. */
#define STRATA_GC_LARGE_TAG ((uintptr_t)0x10)
#define STRATA_GC_LARGE_NOSCAN ((uintptr_t)0x1)
#define STRATA_GC_LARGE_MARKED ((uintptr_t)0x2)

typedef struct strata_gc_root {
  uintptr_t start, end;
} strata_gc_root;

/* Work for the marker: the words of [start, end) are still to be scanned. */
typedef struct strata_gc_mark_entry {
  uintptr_t start, end;
} strata_gc_mark_entry;

struct strata_gc_heap {
  /* Where the heap's memory comes from. `own_backend` serves when the
   * options named none; this struct itself is a reservation of `self_bytes`
   * from the backend. */
  strata_mmap_backend own_backend;
  strata_backend *backend;
  size_t self_bytes;

  strata_pageheap pages;
  strata_persistent meta;       /* roots, mark stack, mark-bit records */
  /* Mark records by size, and zeroed spares ready for new spans. */
  strata_fixalloc mark_records[STRATA_GC_MARK_SIZES];
  uint64_t *spare_marks[STRATA_GC_MARK_SIZES];
  size_t spare_mark_count[STRATA_GC_MARK_SIZES];

  /* Every object handed out lies in [lo, hi): a word outside it is not a
   * pointer into the heap, decided with one compare before any page-map
   * walk. */
  uintptr_t lo, hi;

  /* Pacing. budget is what may still be allocated before a collection:
   * the allocation path subtracts and collects when it goes negative. */
  int gc_percent;
  size_t min_heap_bytes;
  int64_t budget;
  size_t live_bytes;
  size_t allocated_since; /* since the last collection */
  size_t held_bytes;      /* committed by the page heap after the last sweep */
  size_t memory_limit_bytes; /* caps the goal; 0: none (STRATA_GC_MEMORY_LIMIT) */
  bool collecting;
  bool scan_stack;

  strata_span *large; /* large objects, linked through the spans' next/prev */

  strata_gc_root *roots;
  size_t root_count, root_capacity;

  strata_gc_mark_entry *mark_stack;
  size_t mark_capacity, mark_top;
  bool mark_overflowed;

  /* Finalizers and weak references (finalize.c): singly linked lists of
   * records from the heap's bookkeeping, which is never scanned, so a
   * record keeps nothing alive. `finalizers` are registered, `ready` found
   * unreachable and waiting to run. */
  strata_fixalloc finalizer_records;
  struct strata_gc_finalizer_record *finalizers, *ready;
  strata_fixalloc weak_records;
  struct strata_gc_weak *weaks;

  strata_gc_stats stats;
#ifdef STRATA_DEBUG
  strata_single_user user; /* the thread inside a call */
#endif

  strata_gc_cache caches[STRATA_SPAN_CLASS_COUNT];
  strata_central central; /* last: large, and mostly never touched */
};

/* Debug builds (STRATA_DEBUG: the debug, asan, tsan and fuzz configs)
 * check every entry point for a heap used by two threads at once, and
 * abort with a message naming the function. */
#ifdef STRATA_DEBUG
static inline void strata_gc_enter(strata_gc_heap *heap, const char *function) {
  strata_single_user_enter(&heap->user, function, "GC heap");
}
static inline void strata_gc_leave(strata_gc_heap *heap) { strata_single_user_leave(&heap->user); }
#else
static inline void strata_gc_enter(strata_gc_heap *heap, const char *function) {
  (void)heap;
  (void)function;
}
static inline void strata_gc_leave(strata_gc_heap *heap) { (void)heap; }
#endif

/* The span of the allocated object of this heap that `address` points
 * into (its start or any byte inside), or NULL; *index is the object's
 * slot (0 for a large object). One compare against the bounds of
 * everything handed out, then the page heap's validated lookup
 * (pageheap/object.h: inline, as marking asks this of every word it
 * scans; a word pointing at a free slot counts for nothing, slots waiting
 * in the allocation caches count as allocated), then a large span's tag. */
static inline strata_span *strata_gc_object_span(const strata_gc_heap *heap, uintptr_t address,
                                                 uint32_t *index) {
  if (address - heap->lo >= heap->hi - heap->lo) return NULL;
  strata_span *span = strata_pageheap_object_containing(&heap->pages, (const void *)address, index);
  if (span == NULL) return NULL;
  if (strata_span_state_of(span) == STRATA_SPAN_LARGE &&
      ((uintptr_t)strata_span_owner_data(span) & STRATA_GC_LARGE_TAG) == 0) {
    return NULL;
  }
  return span;
}

/* A budget that never runs out (gc_percent off). */
#define STRATA_GC_NO_BUDGET (INT64_MAX / 2) /* room to add back what a failed allocation took */

uint64_t strata_gc_now_ns(void);
/* The calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID). */
uint64_t strata_gc_thread_cpu_ns(void);

/* Collects (never needs memory). */
void strata_gc_collect_now(strata_gc_heap *heap);

/* Sets the budget from live_bytes and gc_percent. */
void strata_gc_set_budget(strata_gc_heap *heap);

/* Mark records (sweep.c): enough spares of a size for any batch (false
 * when memory is refused); one for a span; a record back to the spares or
 * its fixalloc. */
bool strata_gc_top_up_marks(strata_gc_heap *heap, unsigned mark_size);
uint64_t *strata_gc_take_marks(strata_gc_heap *heap, unsigned mark_size);
void strata_gc_release_marks(strata_gc_heap *heap, uint64_t *marks, unsigned mark_size);

/* Marking (mark.c): every object reachable from the roots (and the
 * collecting thread's stack when asked) gets its mark bit. */
void strata_gc_mark(strata_gc_heap *heap);

/* Frees every unmarked object, cached ones included, and clears the marks
 * (sweep.c). Returns the live bytes. */
size_t strata_gc_sweep(strata_gc_heap *heap);

/* Scans [start, end) for pointers, marking what they reach (mark.c). */
void strata_gc_scan_range(strata_gc_heap *heap, uintptr_t start, uintptr_t end);

/* Whether the allocated object starting at `object` is marked; marks it
 * and everything it reaches (mark.c, after strata_gc_mark). */
bool strata_gc_is_marked(const strata_gc_heap *heap, uintptr_t object);
void strata_gc_mark_from(strata_gc_heap *heap, uintptr_t object);

/* Between marking and sweeping (finalize.c): weak references to unmarked
 * objects cleared, then unmarked objects with a finalizer marked again
 * (with what they reach) and their finalizers queued. */
void strata_gc_finalize_after_mark(strata_gc_heap *heap);
/* The records' allocators, at the heap's creation (finalize.c). */
void strata_gc_finalize_init(strata_gc_heap *heap);

/* Scans the calling thread's stack from the caller's frame up, and its
 * callee-saved registers (roots.c). */
void strata_gc_scan_stack(strata_gc_heap *heap);

#endif /* STRATA_FRONTEND_GC_GC_INTERNAL_H_ */
