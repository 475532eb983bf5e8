/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Finalizers and weak references.
 *
 * Both are records in the heap's bookkeeping (fixallocs over its
 * persistent memory), which marking never scans: a record names its object
 * without keeping it alive.
 *
 * Between marking and sweeping, strata_gc_finalize_after_mark does two
 * things, in this order:
 *   1. every weak reference to an unmarked object is cleared: a weak
 *      reference says whether the program can still reach the object, and
 *      a finalizer's resurrection below is not the program's reach;
 *   2. every unmarked object with a finalizer is marked, with everything it
 *      reaches, so the sweep keeps it for its finalizer to read, and the
 *      record moves to the ready list: the finalizer runs once, and the
 *      next collection that finds the object unreachable frees it.
 * Objects whose finalizers are queued and have not run yet are marked the
 * same way at every collection until they have.
 * Finalizers run outside collections (strata_gc_run_finalizers), on
 * the program's thread, so they may allocate and collect.
 *
 * Each list is walked once per collection: the cost is linear in the
 * records, as Boehm's finalization tables are. */
#include <errno.h>

#include "frontend/gc/gc_internal.h"

typedef struct strata_gc_finalizer_record {
  struct strata_gc_finalizer_record *next;
  uintptr_t object;
  strata_gc_finalizer fn;
  void *data;
} strata_gc_finalizer_record;

/* The public weak-reference handle. */
struct strata_gc_weak {
  struct strata_gc_weak *next, *prev; /* heap->weaks */
  uintptr_t object;                   /* 0 once cleared */
};

void strata_gc_finalize_init(strata_gc_heap *heap) {
  strata_fixalloc_init(&heap->finalizer_records, &heap->meta, sizeof(strata_gc_finalizer_record));
  strata_fixalloc_init(&heap->weak_records, &heap->meta, sizeof(struct strata_gc_weak));
}

/* Whether p is the start of an allocated object of this heap. */
static bool is_object_start(strata_gc_heap *heap, const void *p) {
  return p != NULL && strata_gc_size(heap, p) != 0;
}

int strata_gc_set_finalizer(strata_gc_heap *heap, void *object, strata_gc_finalizer fn,
                            void *data) {
  if (!is_object_start(heap, object)) return EINVAL;
  strata_gc_lock_bookkeeping(heap);
  strata_gc_finalizer_record **at = &heap->finalizers;
  while (*at != NULL && (*at)->object != (uintptr_t)object) at = &(*at)->next;
  int result = 0;
  if (*at != NULL) {
    if (fn != NULL) {
      (*at)->fn = fn;
      (*at)->data = data;
    } else {
      strata_gc_finalizer_record *gone = *at;
      *at = gone->next;
      strata_fixalloc_free(&heap->finalizer_records, gone);
    }
  } else if (fn != NULL) {
    strata_gc_finalizer_record *record = strata_fixalloc_alloc(&heap->finalizer_records);
    if (record == NULL) {
      result = ENOMEM;
    } else {
      record->object = (uintptr_t)object;
      record->fn = fn;
      record->data = data;
      record->next = heap->finalizers;
      heap->finalizers = record;
    }
  }
  strata_gc_unlock_bookkeeping(heap);
  return result;
}

strata_gc_weak *strata_gc_weak_new(strata_gc_heap *heap, void *object) {
  if (!is_object_start(heap, object)) {
    errno = EINVAL;
    return NULL;
  }
  strata_gc_lock_bookkeeping(heap);
  strata_gc_weak *weak = strata_fixalloc_alloc(&heap->weak_records);
  if (weak != NULL) {
    weak->object = (uintptr_t)object;
    weak->prev = NULL;
    weak->next = heap->weaks;
    if (heap->weaks != NULL) heap->weaks->prev = weak;
    heap->weaks = weak;
  }
  strata_gc_unlock_bookkeeping(heap);
  if (weak == NULL) errno = ENOMEM;
  return weak;
}

void *strata_gc_weak_get(strata_gc_heap *heap, const strata_gc_weak *weak) {
  (void)heap;
  return (void *)weak->object;
}

void strata_gc_weak_free(strata_gc_heap *heap, strata_gc_weak *weak) {
  if (weak == NULL) return;
  strata_gc_lock_bookkeeping(heap);
  if (weak->prev != NULL) {
    weak->prev->next = weak->next;
  } else {
    heap->weaks = weak->next;
  }
  if (weak->next != NULL) weak->next->prev = weak->prev;
  strata_fixalloc_free(&heap->weak_records, weak);
  strata_gc_unlock_bookkeeping(heap);
}

void strata_gc_finalize_after_mark(strata_gc_heap *heap) {
  /* Queued and not run yet: their finalizers will read them. */
  for (strata_gc_finalizer_record *record = heap->ready; record != NULL; record = record->next) {
    if (!strata_gc_is_marked(heap, record->object)) strata_gc_mark_from(heap, record->object);
  }
  for (strata_gc_weak *weak = heap->weaks; weak != NULL; weak = weak->next) {
    if (weak->object != 0 && !strata_gc_is_marked(heap, weak->object)) {
      weak->object = 0;
      heap->stats.weak_cleared++;
    }
  }
  strata_gc_finalizer_record **at = &heap->finalizers;
  while (*at != NULL) {
    strata_gc_finalizer_record *record = *at;
    if (strata_gc_is_marked(heap, record->object)) {
      at = &record->next;
      continue;
    }
    /* Kept for its finalizer, with what it reaches. Unmarked objects with
     * finalizers that reach each other are all kept and all queued. */
    strata_gc_mark_from(heap, record->object);
    *at = record->next;
    record->next = heap->ready;
    heap->ready = record;
    heap->stats.finalizers_queued++;
  }
}

size_t strata_gc_run_finalizers(strata_gc_heap *heap) {
  size_t ran = 0;
  /* One at a time off the list: a finalizer may collect, which queues
   * more, or set finalizers, which changes the registered list. */
  for (;;) {
    strata_gc_lock_bookkeeping(heap);
    strata_gc_finalizer_record *record = heap->ready;
    strata_gc_finalizer_record taken;
    if (record != NULL) {
      heap->ready = record->next;
      taken = *record;
      strata_fixalloc_free(&heap->finalizer_records, record);
      heap->stats.finalizers_queued--;
      heap->stats.finalizers_run++;
    }
    strata_gc_unlock_bookkeeping(heap);
    if (record == NULL) return ran;
    taken.fn((void *)taken.object, taken.data);
    ran++;
  }
}
