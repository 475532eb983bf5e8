/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Roots: the registered ranges, and the collecting thread's own stack
 * (the stopped threads' are scanned from what they recorded, threads.c).
 *
 * Stack scanning is conservative, as Boehm's collector does it: every
 * pointer-aligned word from the collector's frame up to the top of the
 * thread's stack is a candidate. Pointers a caller keeps only in
 * callee-saved registers are spilled to the stack first
 * (__builtin_unwind_init makes this function save them all in its frame,
 * and setjmp copies them once more), so they are seen too. The top of the
 * stack is asked of the thread library once per thread (threads.c). */
#include <errno.h>
#include <setjmp.h>
#include <string.h>

#include "frontend/gc/gc_internal.h"

static int add_roots(strata_gc_heap *heap, const void *start, const void *end) {
  if (heap->root_count == heap->root_capacity) {
    /* Metadata is never freed one piece at a time: the old table is
     * abandoned to the persistent allocator, which at most doubles what
     * the roots cost. */
    size_t capacity = heap->root_capacity == 0 ? 64 : heap->root_capacity * 2;
    strata_gc_root *table = strata_persistent_alloc(&heap->meta, capacity * sizeof *table, 16);
    if (table == NULL) return ENOMEM;
    if (heap->root_count > 0) memcpy(table, heap->roots, heap->root_count * sizeof *table);
    heap->roots = table;
    heap->root_capacity = capacity;
  }
  heap->roots[heap->root_count].start = (uintptr_t)start;
  heap->roots[heap->root_count].end = (uintptr_t)end;
  heap->root_count++;
  return 0;
}

int strata_gc_add_roots(strata_gc_heap *heap, const void *start, const void *end) {
  if ((uintptr_t)start > (uintptr_t)end) return EINVAL;
  strata_gc_lock_bookkeeping(heap);
  int status = add_roots(heap, start, end);
  strata_gc_unlock_bookkeeping(heap);
  return status;
}

static int remove_roots(strata_gc_heap *heap, const void *start, const void *end) {
  for (size_t i = heap->root_count; i-- > 0;) {
    if (heap->roots[i].start == (uintptr_t)start && heap->roots[i].end == (uintptr_t)end) {
      heap->roots[i] = heap->roots[--heap->root_count];
      return 0;
    }
  }
  return ENOENT;
}

int strata_gc_remove_roots(strata_gc_heap *heap, const void *start, const void *end) {
  strata_gc_lock_bookkeeping(heap);
  int status = remove_roots(heap, start, end);
  strata_gc_unlock_bookkeeping(heap);
  return status;
}

__attribute__((noinline)) void strata_gc_scan_stack(strata_gc_marker *m) {
  __builtin_unwind_init();
  jmp_buf registers;
  setjmp(registers);
  uintptr_t top = strata_gc_stack_top();
  uintptr_t low = (uintptr_t)__builtin_frame_address(0);
  /* The jmp_buf lies in this frame, at or above its lowest address. */
  if ((uintptr_t)&registers < low) low = (uintptr_t)&registers;
  if (top > low) strata_gc_scan_range(m, low, top);
  /* Keeps the registers' copy alive to here. */
  __asm__ volatile("" : : "r"(&registers) : "memory");
}
