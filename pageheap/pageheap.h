/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* pageheap: runs of 8 KiB pages for spans, with a page map and memory
 * returned to the OS.
 *
 * The page heap owns the heap's address space (an arena set over one
 * backend) and cuts it into runs of whole pages. Every run is described by
 * a strata_span. A run is either in use (a span of small objects, or one
 * large object) or free. The page heap:
 *
 *   - hands out runs by best fit, lowest address among equals
 *     (free_runs.h says why), splitting a longer run and keeping the rest;
 *     among long runs, committed memory first (see alloc_run);
 *   - coalesces a freed run with free neighbours at once, so no two free
 *     runs are ever adjacent;
 *   - grows by reserving a new arena when nothing fits;
 *   - maps every page of an in-use run to its span in the page map, so that
 *     any pointer finds its span in O(1). Free runs map only their first and
 *     last pages (all coalescing needs); entries inside free runs may be
 *     stale, which is why strata_pageheap_span_of() checks the span's state
 *     and bounds before it answers;
 *   - commits pages when a run is handed out (only those not committed
 *     already) and decommits free runs on a policy: runs free for longer
 *     than `release_delay_ns`, and any free memory beyond
 *     `free_committed_limit` bytes. strata_pageheap_release() gives back
 *     everything free now.
 *
 * Accounting. Every page of every arena is either in use or free, and either
 * committed or not; in-use pages are always committed. So
 *   mapped   = in_use + free_committed + released,
 *   committed = in_use + free_committed.
 *
 * Locking. One strata_lock per page heap (base/lock.h: a short spin, then
 * a futex sleep). alloc, free, release, scavenge, stats, check and destroy take
 * it. span_of takes no lock: it reads the page map
 * with acquire loads and may run on any thread at any time. Several page
 * heaps, on different backends, can live side by side. */
#ifndef STRATA_PAGEHEAP_PAGEHEAP_H_
#define STRATA_PAGEHEAP_PAGEHEAP_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena/arena.h"
#include "arena/backend.h"
#include "base/lock.h"
#include "metadata/metadata.h"
#include "pageheap/free_runs.h"
#include "pageheap/pagemap.h"
#include "span/span.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t (*strata_clock_fn)(void);

typedef struct strata_pageheap_config {
  size_t arena_size;            /* 0: STRATA_ARENA_DEFAULT_SIZE */
  /* Free runs idle this long are decommitted. 0 decommits every run as it
   * is freed; UINT64_MAX never decommits by age. */
  uint64_t release_delay_ns;
  /* Free committed bytes above this are decommitted at once, run by run.
   * SIZE_MAX: no limit. */
  size_t free_committed_limit;
  strata_clock_fn clock;        /* NULL: CLOCK_MONOTONIC in nanoseconds */
} strata_pageheap_config;

#define STRATA_PAGEHEAP_DEFAULT_RELEASE_DELAY_NS 1000000000ull /* 1 s */

/* The defaults: 64 MiB arenas, release after 1 s idle, no byte limit. */
strata_pageheap_config strata_pageheap_default_config(void);

typedef struct strata_pageheap_stats {
  size_t mapped_bytes;          /* address space in arenas */
  size_t committed_bytes;       /* in use + free committed */
  size_t in_use_bytes;          /* pages of in-use runs */
  size_t free_committed_bytes;  /* free, still holding memory */
  size_t released_bytes;        /* free and decommitted (or never committed) */
  size_t metadata_bytes;        /* page map nodes and span descriptors */
  size_t free_runs;
  size_t in_use_runs;
  uint64_t decommit_calls;
  size_t peak_in_use_bytes;     /* highest in_use_bytes so far */
  size_t peak_committed_bytes;  /* highest committed_bytes so far */
} strata_pageheap_stats;

/* Free runs whose memory goes back to the OS after the lock is dropped
 * (release.c): at most this many per critical section. */
#define STRATA_PAGEHEAP_RELEASE_BATCH 16
/* Committed stretches of one run released in one go; a run with more
 * gives back the rest at its next release. */
#define STRATA_PAGEHEAP_RELEASE_RANGES 4

typedef struct strata_release_job {
  strata_span *run; /* state RELEASING: out of the index, owned by the job */
  size_t pages;     /* committed pages in the ranges */
  size_t range_count;
  struct {
    uintptr_t first_page;
    size_t count;
  } ranges[STRATA_PAGEHEAP_RELEASE_RANGES];
} strata_release_job;

typedef struct strata_pageheap {
  strata_lock lock; /* a short spin, then sleep (base/lock.h) */
  /* Set by init, constant after: read without the lock. */
  strata_backend *backend;
  strata_pageheap_config config STRATA_GUARDED_BY(&lock);
  size_t commit_granule_pages;  /* backend page / strata page, at least 1 */
  /* The rest is guarded by the lock, but for the page map (read without
   * it: pagemap.h). */
  strata_persistent metadata STRATA_GUARDED_BY(&lock);
  strata_fixalloc span_descriptors STRATA_GUARDED_BY(&lock);
  strata_free_runs free_runs STRATA_GUARDED_BY(&lock);
  size_t in_use_pages STRATA_GUARDED_BY(&lock);
  size_t in_use_runs STRATA_GUARDED_BY(&lock);
  size_t committed_pages STRATA_GUARDED_BY(&lock);
  size_t peak_in_use_pages STRATA_GUARDED_BY(&lock);
  size_t peak_committed_pages STRATA_GUARDED_BY(&lock);
  uint64_t decommit_calls STRATA_GUARDED_BY(&lock);
  /* Release jobs collected under the lock, carried out by the lock's
   * holder after it drops the lock (release.c); empty whenever the lock is
   * free. releasing_pages: their committed pages, which count as neither
   * free-committed nor released until the jobs end. */
  strata_release_job release_jobs[STRATA_PAGEHEAP_RELEASE_BATCH] STRATA_GUARDED_BY(&lock);
  size_t release_job_count STRATA_GUARDED_BY(&lock);
  size_t releasing_pages STRATA_GUARDED_BY(&lock);
  bool release_more STRATA_GUARDED_BY(&lock); /* a walk found more due runs than a batch holds */
  /* When the oldest free run not yet released becomes due (its free_since
   * plus the release delay); UINT64_MAX when none is waiting. Lowered by
   * every free, recomputed by every walk of the free runs. */
  uint64_t next_release_ns STRATA_GUARDED_BY(&lock);
  uint64_t last_walk_ns STRATA_GUARDED_BY(&lock); /* the last walk for due runs */
  strata_pagemap pagemap;
  strata_arena_set arenas STRATA_GUARDED_BY(&lock);
} strata_pageheap;

/* config NULL: the defaults. STRATA_ERR_INVALID_ARGUMENT for a bad arena
 * size. Nothing is reserved until the first allocation. */
strata_status strata_pageheap_init(strata_pageheap *ph, strata_backend *backend,
                                   const strata_pageheap_config *config) STRATA_MUST_USE;
/* The same for a heap whose storage already reads as zero (base/zero.h):
 * of its 65 KiB (the page map's root, the arena index) only what the
 * heap comes to use is ever touched. */
strata_status strata_pageheap_init_zeroed(strata_pageheap *ph, strata_backend *backend,
                                          const strata_pageheap_config *config) STRATA_MUST_USE;

/* Gives all memory, in use or not, back to the backend. Every span of this
 * heap is invalid afterwards. The heap can be initialised again. */
strata_status strata_pageheap_destroy(strata_pageheap *ph) STRATA_MUST_USE;

/* A span of `span_class` (size class >= 1), its pages committed and mapped,
 * all slots free. NULL when the backend refuses memory, metadata cannot
 * grow, or the class is not a small class. span->zeroed says whether its
 * memory reads as zero (fresh or decommitted pages of a zeroing backend). */
strata_span *strata_pageheap_alloc_small(strata_pageheap *ph, strata_span_class span_class);

/* A span holding one object of `pages` pages. NULL for 0 pages, a size that
 * overflows, or when memory is refused. */
strata_span *strata_pageheap_alloc_large(strata_pageheap *ph, size_t pages);

/* Like alloc_large, with the span's base aligned to `alignment` bytes (a
 * power of two; page alignment and below cost nothing extra). The pages
 * skipped to align stay free. NULL also for a bad alignment. */
strata_span *strata_pageheap_alloc_large_aligned(strata_pageheap *ph, size_t pages,
                                                 size_t alignment);

/* Changes the length of an in-use large span in place: shrinking gives its
 * tail back as free pages; growing takes pages from the free run right
 * after it, committed. realloc of large objects uses it to avoid a copy.
 * On failure nothing changed: STRATA_ERR_INVALID_ARGUMENT for 0 or an
 * impossible number of pages, STRATA_ERR_NOT_OWNED when span is not an
 * in-use large span of this heap, STRATA_ERR_OUT_OF_MEMORY when the pages
 * after it are not free, or memory (a descriptor, a commit) is refused. */
strata_status strata_pageheap_resize_large(strata_pageheap *ph, strata_span *span, size_t pages)
    STRATA_MUST_USE;

/* Returns an in-use span's pages to the heap. STRATA_ERR_NOT_OWNED when
 * `span` is not an in-use span of this heap (already freed, or another
 * heap's): nothing changes then. */
strata_status strata_pageheap_free(strata_pageheap *ph, strata_span *span) STRATA_MUST_USE;

/* Like free, and decommits the merged free run at once, whatever the
 * policy: for very large objects, whose memory is unlikely to be reused
 * soon. */
strata_status strata_pageheap_free_and_release(strata_pageheap *ph, strata_span *span)
    STRATA_MUST_USE;

/* The in-use span whose pages hold p, or NULL for any pointer not inside an
 * in-use run of this heap. Lock-free. For "which object is p" (a slot's
 * start, or the object holding an interior pointer), pageheap/object.h. */
strata_span *strata_pageheap_span_of(const strata_pageheap *ph, const void *p);

/* Changes free_committed_limit (see the config) from now on; releases
 * what is over it at once. */
void strata_pageheap_set_free_committed_limit(strata_pageheap *ph, size_t bytes);

/* Decommits every free run now. Returns the bytes released. */
size_t strata_pageheap_release(strata_pageheap *ph);

/* Applies the release policy now (the heap also applies it as it goes).
 * Returns the bytes released. */
size_t strata_pageheap_scavenge(strata_pageheap *ph);

/* Nanoseconds until the next free run becomes due for release: 0 when one
 * is due now, UINT64_MAX when none is waiting (or the delay is 0 or
 * UINT64_MAX). A thread that releases on the heap's behalf sleeps this
 * long and then calls strata_pageheap_scavenge, so freed memory goes back
 * one delay after it was freed, not up to two. */
uint64_t strata_pageheap_release_wait_ns(strata_pageheap *ph);

void strata_pageheap_get_stats(strata_pageheap *ph, strata_pageheap_stats *out);

/* Walks the whole heap and checks its invariants: runs tile every arena
 * without overlap; every in-use page maps to its span; free runs map their
 * ends and sit on the right free list; no two free runs are adjacent; in-use
 * pages are committed; the counters match the page map; every small span
 * passes strata_span_check. STRATA_OK or STRATA_ERR_CORRUPT, and then the
 * broken invariant's name to `why` (may be NULL), once. O(pages). */
strata_status strata_pageheap_check(strata_pageheap *ph, const strata_check_reporter *why)
    STRATA_MUST_USE;

/* Takes and releases the heap's lock from outside, for fork(): the prepare
 * handler locks, the parent and child handlers unlock, so that no other
 * thread is inside the heap at the fork. Also for reading, consistently
 * with the heap's calls, state the heap's backend keeps (a test backend's
 * counters). Nothing else may hold it across a call into the heap. */
void strata_pageheap_lock(strata_pageheap *ph) STRATA_ACQUIRE(&ph->lock);
void strata_pageheap_unlock(strata_pageheap *ph) STRATA_RELEASE(&ph->lock);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_PAGEHEAP_PAGEHEAP_H_ */
