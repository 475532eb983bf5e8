/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* A collection, and its sweep.
 *
 * A collection runs on the thread that asked for it, with the heap's
 * world lock held and every other registered thread stopped (threads.c):
 *   1. mark (mark.c); every small span already carries its mark record,
 *      given when the span was first lent to a thread, so a collection
 *      needs no memory and runs even when the backend has none left;
 *   2. the slots sitting in the collecting thread's caches were never
 *      handed out: their marks, if a stale word set them, are cleared (the
 *      stopped threads' cached slots stay marked, mark.c);
 *   3. sweep, eagerly, every span at once: for each span class, under its
 *      central lock, each span keeps only its marked slots (Go's
 *      allocBits = gcmarkBits, strata_span_sweep) and the central lists
 *      file it again: empty spans go back to the page heap (their records
 *      to the spares), spans with free slots to the partial list, where
 *      allocation finds them. Unmarked large objects go back to the page
 *      heap.
 * Eager rather than Go's lazy sweep: a span's sweep is a few word
 * operations on its bitmaps, no object is touched, so sweeping all of them
 * costs little beside marking, and nothing has to remember which spans
 * are still unswept. */
#include <string.h>

#include "frontend/gc/gc_internal.h"

static void push_spare(uint64_t **list, uint32_t *count, uint64_t *marks) {
  marks[0] = (uint64_t)(uintptr_t)*list;
  *list = marks;
  (*count)++;
}

static uint64_t *pop_spare(uint64_t **list, uint32_t *count) {
  uint64_t *marks = *list;
  *list = (uint64_t *)(uintptr_t)marks[0];
  (*count)--;
  marks[0] = 0; /* every bit zero again */
  return marks;
}

uint64_t *strata_gc_new_marks(strata_gc_heap *heap, unsigned mark_size) {
  STRATA_ASSERT_LOCK_HELD(&heap->bookkeeping);
  if (heap->spare_mark_count[mark_size] > 0) {
    return pop_spare(&heap->spare_marks[mark_size], &heap->spare_mark_count[mark_size]);
  }
  return strata_fixalloc_alloc(&heap->mark_records[mark_size]); /* zeroed */
}

void strata_gc_release_marks(strata_gc_heap *heap, uint64_t *marks, unsigned mark_size) {
  memset(marks, 0, strata_gc_mark_words(mark_size) * sizeof(uint64_t));
  if (heap->spare_mark_count[mark_size] < STRATA_GC_SPARE_MARKS) {
    push_spare(&heap->spare_marks[mark_size], &heap->spare_mark_count[mark_size], marks);
  } else {
    strata_fixalloc_free(&heap->mark_records[mark_size], marks);
  }
}

/* Clears the marks of the slots in the collecting thread's caches and
 * empties them: the sweep then frees those slots with the garbage. (The
 * stopped threads' caches were marked, mark.c.) */
static void forget_cached(strata_gc_heap *heap, strata_gc_thread *self) {
  if (self == NULL) return;
  for (size_t sc = 0; sc < STRATA_SPAN_CLASS_COUNT; sc++) {
    strata_gc_cache *cache = &self->caches[sc];
    for (uint32_t i = 0; i < cache->count; i++) {
      uint64_t bit = 0;
      uint64_t *word = strata_gc_cached_slot_mark(heap, cache->objects[i], &bit);
      *word &= ~bit;
    }
    cache->count = 0;
  }
}

typedef struct sweep_state {
  strata_gc_heap *heap;
  size_t live_bytes;
} sweep_state;

static void sweep_span(strata_span *span, void *arg) {
  sweep_state *state = arg;
  uint64_t *marks = strata_span_owner_data(span);
  STRATA_ASSERT(marks != NULL); /* given when the span was first lent */
  unsigned mark_size = strata_gc_mark_size(span->object_count);
  strata_span_sweep(span, marks);
  state->live_bytes += (size_t)span->allocated * span->object_size;
  if (strata_span_is_empty(span)) {
    /* The central lists return it to the page heap next. */
    strata_span_set_owner_data(span, NULL);
    strata_gc_release_marks(state->heap, marks, mark_size);
  } else {
    memset(marks, 0, strata_gc_mark_words(mark_size) * sizeof(uint64_t));
  }
}

size_t strata_gc_sweep(strata_gc_heap *heap, strata_gc_thread *self) {
  forget_cached(heap, self);
  sweep_state state = {heap, 0};
  for (unsigned c = 1; c < STRATA_SIZE_CLASS_COUNT; c++) {
    for (int kind = 0; kind < 2; kind++) {
      strata_span_class sc = strata_span_class_make(c, (strata_object_kind)kind);
      strata_central_update_spans(&heap->central, sc, sweep_span, &state);
    }
  }
  strata_span *span = heap->large;
  while (span != NULL) {
    strata_span *next = span->next;
    uintptr_t tag = (uintptr_t)strata_span_owner_data(span);
    if (tag & STRATA_GC_LARGE_MARKED) {
      strata_span_set_owner_data(span, (void *)(tag & ~STRATA_GC_LARGE_MARKED));
      state.live_bytes += span->pages << STRATA_PAGE_SHIFT;
    } else {
      strata_span_list_remove(&heap->large, span);
      strata_span_set_owner_data(span, NULL);
      /* In use and this heap's: only a corrupt heap refuses it. */
      STRATA_ASSERT(span->owner == STRATA_SPAN_OWNER_GC); /* gc: owns its large spans */
      strata_status status = strata_pageheap_free(&heap->pages, span);
      STRATA_ASSERT(status == STRATA_OK);
      strata_status_ignore(status);
    }
    span = next;
  }
  return state.live_bytes;
}

/* The collection proper: the world stopped, the bookkeeping lock held. */
static void collect(strata_gc_heap *heap, strata_gc_thread *self) {
  uint64_t start = strata_gc_now_ns();
  uint64_t cpu_start = strata_gc_thread_cpu_ns();
  /* Every span on the central lists, for the overflow rescans and the
   * sweep; the threads' cached slots stay theirs. */
  for (strata_gc_thread *t = heap->threads; t != NULL; t = t->next_in_heap) {
    strata_gc_return_lent_spans(heap, t);
  }
  strata_gc_mark(heap, self);
  strata_gc_finalize_after_mark(heap);
  uint64_t marked = strata_gc_now_ns();
  uint64_t allocated = strata_gc_allocated_total(heap);
  size_t before = heap->live_bytes + (size_t)(allocated - heap->allocated_at_collection);
  size_t live = strata_gc_sweep(heap, self);
  uint64_t end = strata_gc_now_ns();
  uint64_t cpu = strata_gc_thread_cpu_ns() - cpu_start;

  heap->live_bytes = live;
  heap->allocated_at_collection = allocated;
  strata_pageheap_stats pages;
  strata_pageheap_get_stats(&heap->pages, &pages);
  heap->held_bytes = pages.committed_bytes;
  strata_gc_update_reuse_floor(heap);
  strata_gc_set_budget(heap);
  strata_gc_stats *stats = &heap->stats;
  stats->freed_bytes += before > live ? before - live : 0;
  stats->last_mark_ns = marked - start;
  stats->total_mark_ns += marked - start;
  stats->last_sweep_ns = end - marked;
  stats->last_pause_ns = end - start;
  stats->total_pause_ns += end - start;
  stats->total_pause_cpu_ns += cpu;
  if (end - start > stats->max_pause_ns) stats->max_pause_ns = end - start;
}

void strata_gc_collect_as(strata_gc_heap *heap, strata_gc_thread *self, bool always,
                          uint64_t seen) {
  /* Waiting for the world, this thread can be stopped by the collection
   * that holds it. */
  strata_lock_acquire(&heap->world);
  bool wanted = always || strata_atomic_load(&heap->collections_done, STRATA_ORDER_ACQUIRE) == seen;
  if (wanted) {
    strata_gc_markers_ready(heap); /* before the stop: creating a thread takes locks */
    strata_gc_stop_world(heap, self);
    /* No stopped thread holds it: they stop outside no-stop sections. */
    strata_lock_acquire(&heap->bookkeeping);
    collect(heap, self);
    strata_lock_release(&heap->bookkeeping);
    strata_atomic_add(&heap->collections_done, 1, STRATA_ORDER_RELEASE);
    strata_gc_start_world(heap, self);
  }
  strata_lock_release(&heap->world);
}
