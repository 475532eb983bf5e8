/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The public malloc API. The fast paths are here, small enough to read:
 *
 *   malloc: size -> class by table, pop the thread's list for the class.
 *   free:   page map -> span; check the pointer is an object's start in an
 *           in-use small span (one multiply by the inverse of the object
 *           size, one compare: strata_span_object_index); check the object
 *           does not carry the freed mark (malloc_internal.h), and mark it;
 *           push it on the thread's list.
 *
 * Neither takes a lock, makes an atomic read-modify-write or a system call.
 * Everything else is a call out of line: refills and flushes (tcache.c),
 * large objects (large.c), misuse (report.c).
 *
 * Built with STRATA_OVERRIDE_LIBC, the same functions are also exported
 * under the C library's names (libstrata.so, the static override library),
 * as aliases, which must be in the file that defines their targets: that
 * is why the names are at the end of this file and not with the C
 * library's other functions (glibc_ext.c) and the C++ operators
 * (operators.cc). */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "frontend/malloc/malloc_internal.h"

/* The entry points below are entries.h's bodies ending in the unsampled
 * allocation. */
#define STRATA_ENTRY_ALLOC(size, alignment, zero) strata_unsampled_alloc(size, alignment, zero)
#define STRATA_ENTRY_RESIZE(p, usable, size) strata_malloc_resize(p, usable, size)
#include "frontend/malloc/entries.h"

/* What free does with anything its fast path did not take: large objects,
 * and every kind of misuse. */
__attribute__((noinline, cold)) static void free_slow(const char *function, void *p) {
  strata_malloc_global *g = &strata_malloc_state;
  if (p == NULL) return;
  if (!strata_pageheap_has_page(&g->heap, p)) {
    const strata_malloc_sampling *sampling = strata_malloc_sampling_of();
    if (sampling != NULL && sampling->owns(p)) {
      sampling->free_guarded(function, p);
    } else {
      strata_report_misuse(function, STRATA_MISUSE_INVALID, p);
    }
    return;
  }
  strata_span *span = strata_malloc_span_of(p);
  if (span == NULL) {
    /* The page is in the heap but not in use: the memory was freed. */
    strata_report_misuse(function, STRATA_MISUSE_DOUBLE_FREE, p);
  } else if (strata_span_state_of(span) != STRATA_SPAN_LARGE || (uintptr_t)p != span->base) {
    strata_report_misuse(function, STRATA_MISUSE_INVALID, p);
  } else if (span->owner != STRATA_SPAN_OWNER_MALLOC) {
    /* A request pool's chunk or large object on the default heap: its
     * pages look like a large object, and freeing them would hand them
     * to malloc while the pool still uses them. */
    strata_report_foreign(function, p, span->owner);
  } else {
    strata_malloc_free_large(function, span);
  }
}

__attribute__((noinline, cold)) static void double_free_small(void *p) {
  strata_report_misuse("free", STRATA_MISUSE_DOUBLE_FREE, p);
}

/* The span of a small object p starts, or NULL: the page heap's validated
 * lookup (pageheap/object.h), inline. */
static inline __attribute__((always_inline)) strata_span *small_object(const void *p) {
  return strata_pageheap_small_object(&strata_malloc_state.heap, p);
}

/* The small-object part of free, for p the start of a slot of `span`. */
static inline void free_small(void *p, strata_span *span) {
  /* Still marked: freed before and not handed out since. It is left where
   * it is, on whichever list holds it. */
  if (STRATA_UNLIKELY(strata_object_is_freed(p))) {
    double_free_small(p);
    return;
  }
  strata_object_mark_freed(p);
  strata_tcache_list *list = &strata_thread_cache->lists[span->small_class];
  if (STRATA_UNLIKELY(list->room <= 0)) {
    strata_tcache_free_to_full(p, list);
    return;
  }
  strata_link_store(p, list->head);
  list->head = p;
  list->room--;
}

/* free's own way out: the function name bound here, so that the fast path
 * passes only what it has in registers already. */
__attribute__((noinline, cold)) static void free_slow_from_free(void *p) { free_slow("free", p); }

/* free(NULL) needs no test of its own here: page 0 is never in a heap, so
 * the lookup finds no span and it leaves by free_slow, which returns. */
void strata_free(void *p) {
  strata_span *span = small_object(p);
  if (STRATA_LIKELY(span != NULL)) {
    free_small(p, span);
    return;
  }
  free_slow_from_free(p);
}

/* Whether `size` can be what the program last asked for an object of
 * `usable` bytes in class `size_class` (0: a large object): not more than
 * the object holds, and either a size of that class (large: within its
 * last page), or at least half of it, which realloc keeps in place. An
 * aligned object may be far larger than its size: `aligned` says so, and
 * then only the upper bound holds. */
static bool size_fits(size_t size, size_t usable, unsigned size_class, bool aligned) {
  if (size > usable) return false;
  if (aligned || size >= usable / 2) return true;
  if (size_class != 0) return strata_malloc_class_of(size) == size_class;
  return usable - size < STRATA_PAGE_SIZE;
}

__attribute__((noinline, cold)) static void wrong_size(const char *function, void *p) {
  strata_report_misuse(function, STRATA_MISUSE_WRONG_SIZE, p);
}

/* Everything but a small object: out of line, so that the fast path needs
 * no stack frame. */
__attribute__((noinline, cold)) static void free_checked_slow(const char *function, void *p,
                                                              size_t size, bool aligned) {
  if (p != NULL) {
    strata_span *span = strata_malloc_span_of(p);
    if (span != NULL && strata_span_state_of(span) == STRATA_SPAN_LARGE &&
        (uintptr_t)p == span->base && span->owner == STRATA_SPAN_OWNER_MALLOC &&
        !size_fits(size, strata_malloc_large_usable(span), 0, aligned)) {
      wrong_size(function, p);
      return;
    }
  }
  free_slow(function, p);
}

/* free with the size the program asked for (C23 free_sized, C++ sized
 * delete). The size is a promise, not trusted blindly: one that does not
 * fit the object is reported (it would mean the program has the object's
 * size, or the object, wrong) and the object is left alone. */
static inline __attribute__((always_inline)) void free_checked(const char *function, void *p,
                                                               size_t size, bool aligned) {
  strata_span *span = small_object(p);
  if (STRATA_LIKELY(span != NULL)) {
    if (STRATA_UNLIKELY(!size_fits(size, span->object_size, span->small_class, aligned))) {
      wrong_size(function, p);
      return;
    }
    free_small(p, span);
    return;
  }
  free_checked_slow(function, p, size, aligned);
}

void strata_free_sized(void *p, size_t size) { free_checked("free_sized", p, size, false); }

void strata_free_aligned_sized(void *p, size_t alignment, size_t size) {
  (void)alignment;
  free_checked("free_aligned_sized", p, size, true);
}

/* The usable size of a live object, or 0 after reporting misuse. */
/* Not an object of the heap: a guarded one, or misuse. Out of line, so
 * that the common case saves no registers for it. */
__attribute__((noinline, cold)) static size_t usable_size_not_in_heap(const char *function,
                                                                      const void *p) {
  const strata_malloc_sampling *sampling = strata_malloc_sampling_of();
  if (sampling != NULL && sampling->owns(p)) return sampling->usable_size_guarded(function, p);
  /* In the heap's pages but in no in-use span: the memory was freed. */
  strata_malloc_global *g = &strata_malloc_state;
  bool freed = strata_pageheap_has_page(&g->heap, p) && strata_malloc_span_of(p) == NULL;
  strata_report_misuse(function, freed ? STRATA_MISUSE_FREED : STRATA_MISUSE_INVALID, p);
  return 0;
}

size_t strata_malloc_usable_size_for(const char *function, const void *p) {
  strata_span *span = strata_pageheap_object_start(&strata_malloc_state.heap, p);
  if (span == NULL) return usable_size_not_in_heap(function, p);
  if (strata_span_state_of(span) == STRATA_SPAN_LARGE) {
    if (span->owner == STRATA_SPAN_OWNER_MALLOC) return strata_malloc_large_usable(span);
    strata_report_foreign(function, p, span->owner);
    return 0;
  }
  if (!strata_object_is_freed(p)) return span->object_size;
  strata_report_misuse(function, STRATA_MISUSE_FREED, p);
  return 0;
}

size_t strata_malloc_usable_size(const void *p) {
  if (p == NULL) return 0;
  return strata_malloc_usable_size_for("malloc_usable_size", p);
}

/* calloc's allocation: `total` bytes, zeroed. Fresh large spans come
 * zeroed from the OS and are not written again. Inlined into strata_calloc
 * (3 instructions fewer per call than a jump to it) and defined out of
 * line for the sampled calloc: malloc_internal.h declares it without
 * `inline`, which makes this the external definition. */
__attribute__((always_inline)) inline void *strata_malloc_zeroed(size_t total) {
  unsigned size_class = strata_malloc_class_of(total);
  if (size_class != 0) {
    void *p = strata_malloc_small(size_class);
    if (p != NULL) memset(p, 0, total);
    return p;
  }
  void *p = strata_malloc_large(total, STRATA_PAGE_SIZE);
  if (p != NULL && !strata_malloc_span_of(p)->zeroed) memset(p, 0, total);
  return p;
}

void *strata_malloc_resize(void *p, size_t usable, size_t size) {
  if (STRATA_MALLOC_GUARD_PAGES == 0 && usable > STRATA_MAX_SMALL_SIZE &&
      size > STRATA_MAX_SMALL_SIZE && strata_malloc_resize_large(p, size)) {
    return p;
  }
  if (usable <= STRATA_MAX_SMALL_SIZE && size <= usable &&
      strata_malloc_class_of(size) == strata_malloc_class_of(usable)) {
    return p;
  }
  void *q = strata_malloc(size);
  if (q == NULL) return NULL; /* errno is ENOMEM; p is untouched */
  memcpy(q, p, size < usable ? size : usable);
  strata_free(p);
  return q;
}

void *strata_malloc_aligned(size_t alignment, size_t size) {
  if (size < alignment) size = alignment;
  if (alignment <= STRATA_MAX_NATURAL_ALIGN) {
    /* A class whose size is a multiple of the alignment keeps it. */
    if (size > SIZE_MAX - alignment) {
      errno = ENOMEM;
      return NULL;
    }
    return strata_malloc((size + alignment - 1) & ~(alignment - 1));
  }
  if (alignment <= STRATA_PAGE_SIZE && size <= STRATA_MAX_SMALL_SIZE) {
    /* Objects sit at multiples of the class size from a page boundary. */
    for (unsigned c = strata_malloc_class_of(size); c < STRATA_SIZE_CLASS_COUNT; c++) {
      if (strata_size_class_object_size(c) % alignment == 0) return strata_malloc_small(c);
    }
  }
  return strata_malloc_large(size, alignment);
}

/* ---- the allocating entry points: entries.h's bodies, unsampled ---- */

void *strata_malloc(size_t size) { return strata_entry_malloc(size); }

void *strata_calloc(size_t count, size_t size) { return strata_entry_calloc(count, size); }

void *strata_realloc(void *p, size_t size) { return strata_entry_realloc(p, size); }

void *strata_reallocarray(void *p, size_t count, size_t size) {
  return strata_entry_reallocarray(p, count, size);
}

int strata_posix_memalign(void **out, size_t alignment, size_t size) {
  return strata_entry_posix_memalign(out, alignment, size);
}

void *strata_aligned_alloc(size_t alignment, size_t size) {
  return strata_entry_aligned_alloc(alignment, size);
}

void *strata_memalign(size_t alignment, size_t size) {
  return strata_entry_memalign(alignment, size);
}

void *strata_valloc(size_t size) { return strata_entry_valloc(size); }

void *strata_pvalloc(size_t size) { return strata_entry_pvalloc(size); }

#ifdef STRATA_OVERRIDE_LIBC
/* The C library's names, as aliases: no extra call on the fast path. */
#define STRATA_ALIAS(name) __attribute__((alias(#name), visibility("default")))
/* The allocating ones: in the profiled variants, their sampled twins
 * instead (frontend/sampling/sampled.c). */
#ifndef STRATA_ENTRY_SAMPLED
void *malloc(size_t size) STRATA_ALIAS(strata_malloc);
void *calloc(size_t count, size_t size) STRATA_ALIAS(strata_calloc);
void *realloc(void *p, size_t size) STRATA_ALIAS(strata_realloc);
void *reallocarray(void *p, size_t count, size_t size) STRATA_ALIAS(strata_reallocarray);
int posix_memalign(void **out, size_t alignment, size_t size) STRATA_ALIAS(strata_posix_memalign);
void *aligned_alloc(size_t alignment, size_t size) STRATA_ALIAS(strata_aligned_alloc);
void *memalign(size_t alignment, size_t size) STRATA_ALIAS(strata_memalign);
void *valloc(size_t size) STRATA_ALIAS(strata_valloc);
void *pvalloc(size_t size) STRATA_ALIAS(strata_pvalloc);
#endif
void free(void *p) STRATA_ALIAS(strata_free);
size_t malloc_usable_size(void *p) STRATA_ALIAS(strata_malloc_usable_size);
void free_sized(void *p, size_t size) STRATA_ALIAS(strata_free_sized);
void free_aligned_sized(void *p, size_t alignment, size_t size)
    STRATA_ALIAS(strata_free_aligned_sized);
/* glibc's own internal names need no override; C++'s operator new and
 * delete are strata's too (operators.cc). */
void cfree(void *p) STRATA_ALIAS(strata_free);
#endif
