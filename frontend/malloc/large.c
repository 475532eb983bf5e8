/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Large objects: sizes above the largest class, on pages of their own.
 * Each is one large span of malloc's page heap (owner
 * STRATA_SPAN_OWNER_MALLOC), found by free through the page map like any
 * object; allocating, resizing in place and freeing one each take the page
 * heap's lock, which the small-object paths never do. */
#define _GNU_SOURCE
#include <errno.h>

#include "frontend/malloc/malloc_internal.h"

/* Hardened builds end every large object with an inaccessible guard page
 * (STRATA_MALLOC_GUARD_PAGES), so that running off its end faults at once
 * instead of corrupting the neighbour. The backend makes it so
 * (strata_backend_protect): the page heap's memory is the backend's, and
 * only it knows how. */
static strata_status set_guard(strata_span *span, bool on) {
#ifdef STRATA_HARDENED
  void *guard = (void *)(strata_span_end(span) - STRATA_PAGE_SIZE);
  return strata_backend_protect(strata_malloc_state.backend, guard, STRATA_PAGE_SIZE, !on);
#else
  (void)span;
  (void)on;
  return STRATA_OK;
#endif
}

void *strata_malloc_large(size_t size, size_t alignment) {
  strata_malloc_ensure_init();
  if (size > SIZE_MAX - STRATA_PAGE_SIZE) {
    errno = ENOMEM;
    return NULL;
  }
  size_t pages = (size + STRATA_PAGE_SIZE - 1) >> STRATA_PAGE_SHIFT;
  strata_span *span = strata_pageheap_alloc_large_aligned(
      &strata_malloc_state.heap, (pages ? pages : 1) + STRATA_MALLOC_GUARD_PAGES, alignment);
  if (span == NULL) {
    errno = ENOMEM;
    return NULL;
  }
  if (set_guard(span, true) != STRATA_OK) {
    /* No guard, no hardened object: the OS could not split its mapping
     * (too many of them), which is running out of memory by another name. */
    strata_status_ignore(strata_pageheap_free(&strata_malloc_state.heap, span)); /* just made */
    errno = ENOMEM;
    return NULL;
  }
  span->owner = STRATA_SPAN_OWNER_MALLOC;
  strata_atomic_add(&strata_malloc_state.large_objects, 1, STRATA_ORDER_RELAXED);
  strata_atomic_add(&strata_malloc_state.large_bytes, span->pages << STRATA_PAGE_SHIFT,
                     STRATA_ORDER_RELAXED);
  return (void *)span->base;
}

/* A large object that stays large grows or shrinks in place when the page
 * heap has the pages next to it: no copy, no new page faults. Out of line
 * (another file): realloc within a class, the common case, needs none of
 * it. */
bool strata_malloc_resize_large(void *p, size_t size) {
  if (size > SIZE_MAX - STRATA_PAGE_SIZE) return false;
  size_t pages = (size + STRATA_PAGE_SIZE - 1) >> STRATA_PAGE_SHIFT;
  strata_span *span = strata_malloc_span_of(p);
  size_t before = span->pages;
  if (span->base != (uintptr_t)p ||
      strata_pageheap_resize_large(&strata_malloc_state.heap, span, pages) != STRATA_OK) {
    return false;
  }
  /* Unsigned wrap-around makes a shrink a subtraction. */
  strata_atomic_add(&strata_malloc_state.large_bytes, (pages - before) << STRATA_PAGE_SHIFT,
                     STRATA_ORDER_RELAXED);
  return true;
}

void strata_malloc_free_large(const char *function, strata_span *span) {
  strata_malloc_global *g = &strata_malloc_state;
  /* The page heap hands pages out read-write: a guard that cannot be
   * lifted must not go back to it, and the program cannot go on safely
   * either (its next large object could land on the guard). */
  if (set_guard(span, false) != STRATA_OK) {
    strata_report_fatal("free(): cannot lift a large object's guard page");
  }
  /* Only the sampling layer sets owner_data on malloc's spans. */
  if (strata_span_owner_data(span) != NULL) strata_malloc_sampling_of()->free_sampled(span);
  strata_background_release_poke();
  void *p = (void *)span->base;
  size_t bytes = span->pages << STRATA_PAGE_SHIFT;
  strata_status status =
      bytes >= strata_atomic_load(&g->config.large_release_bytes, STRATA_ORDER_RELAXED)
          ? strata_pageheap_free_and_release(&g->heap, span)
          : strata_pageheap_free(&g->heap, span);
  if (status == STRATA_OK) {
    strata_atomic_sub(&g->large_objects, 1, STRATA_ORDER_RELAXED);
    strata_atomic_sub(&g->large_bytes, bytes, STRATA_ORDER_RELAXED);
  } else {
    /* Another thread freed the same object between the lookup and here. */
    strata_report_misuse(function, STRATA_MISUSE_DOUBLE_FREE, p);
  }
}
