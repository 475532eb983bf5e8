/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Page runs: allocation, freeing with coalescing, growth. */
#define _POSIX_C_SOURCE 200809L
#include "base/arith.h"
#include "base/zero.h"
#include <time.h>

#include "pageheap/pageheap_internal.h"

static uint64_t monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t strata_pageheap_now(const strata_pageheap *ph) { return ph->config.clock(); }

strata_pageheap_config strata_pageheap_default_config(void) {
  strata_pageheap_config c = {
      .arena_size = 0,
      .release_delay_ns = STRATA_PAGEHEAP_DEFAULT_RELEASE_DELAY_NS,
      .free_committed_limit = SIZE_MAX,
      .clock = monotonic_ns,
  };
  return c;
}

/* Not analysed: no other thread can see the heap before init returns. */
static strata_status heap_init(strata_pageheap *ph, strata_backend *backend,
                               const strata_pageheap_config *config, bool zeroed)
    STRATA_NO_THREAD_SAFETY_ANALYSIS {
  if (!zeroed) strata_zero_untouched(ph, sizeof *ph);
  strata_lock_init(&ph->lock, STRATA_LOCK_RANK_PAGEHEAP);
  ph->config = config != NULL ? *config : strata_pageheap_default_config();
  if (ph->config.clock == NULL) ph->config.clock = monotonic_ns;
  /* ph is zero by now either way: its parts need not clear themselves. */
  strata_status status =
      strata_arena_set_init_zeroed(&ph->arenas, backend, ph->config.arena_size);
  if (status != STRATA_OK) return status;
  ph->backend = backend;
  ph->commit_granule_pages =
      backend->page_size > STRATA_PAGE_SIZE ? backend->page_size / STRATA_PAGE_SIZE : 1;
  strata_persistent_init(&ph->metadata, backend);
  strata_fixalloc_init(&ph->span_descriptors, &ph->metadata, sizeof(strata_span));
  strata_pagemap_init_zeroed(&ph->pagemap, &ph->metadata);
  strata_free_runs_init(&ph->free_runs);
  ph->next_release_ns = UINT64_MAX;
  ph->last_walk_ns = strata_pageheap_now(ph);
  return STRATA_OK;
}

strata_status strata_pageheap_init(strata_pageheap *ph, strata_backend *backend,
                                   const strata_pageheap_config *config) {
  return heap_init(ph, backend, config, false);
}

strata_status strata_pageheap_init_zeroed(strata_pageheap *ph, strata_backend *backend,
                                          const strata_pageheap_config *config) {
  return heap_init(ph, backend, config, true);
}

strata_status strata_pageheap_destroy(strata_pageheap *ph) {
  strata_lock_acquire(&ph->lock);
  strata_status status = strata_arena_release_all(&ph->arenas);
  strata_status meta_status = strata_persistent_release_all(&ph->metadata);
  strata_lock_release(&ph->lock);
  return status != STRATA_OK ? status : meta_status;
}

static void recycle_descriptor(strata_pageheap *ph, strata_span *span) {
  STRATA_ASSERT_LOCK_HELD(&ph->lock);
  /* Stale page-map entries may still point here: DEAD makes them harmless. */
  strata_span_retire(span, STRATA_SPAN_DEAD);
  strata_fixalloc_free(&ph->span_descriptors, span);
}

/* A free run neighbouring page `page` on one side, if there is one. The
 * entry of a page just outside a run is exact (an in-use span maps all its
 * pages, a free run its ends), but the checks make stale entries harmless
 * all the same. */
static strata_span *free_run_ending_at(strata_pageheap *ph, uintptr_t addr) {
  strata_span *s = strata_pagemap_get(&ph->pagemap, (addr >> STRATA_PAGE_SHIFT) - 1);
  return s != NULL && strata_span_state_of(s) == STRATA_SPAN_FREE && strata_span_end(s) == addr
             ? s
             : NULL;
}

static strata_span *free_run_starting_at(strata_pageheap *ph, uintptr_t addr) {
  strata_span *s = strata_pagemap_get(&ph->pagemap, addr >> STRATA_PAGE_SHIFT);
  return s != NULL && strata_span_state_of(s) == STRATA_SPAN_FREE && s->base == addr ? s : NULL;
}

static void map_run_ends(strata_pageheap *ph, strata_span *run) {
  strata_pagemap_set_range(&ph->pagemap, run_first_page(run), 1, run);
  strata_pagemap_set_range(&ph->pagemap, run_first_page(run) + run->pages - 1, 1, run);
}

/* Puts a run (state already FREE) into the free index, merged with free
 * neighbours. Returns the run that holds it afterwards. */
strata_span *strata_pageheap_insert_free_run(strata_pageheap *ph, strata_span *run,
                                             uint64_t now) {
  STRATA_ASSERT_LOCK_HELD(&ph->lock);
  STRATA_ASSERT(strata_span_state_of(run) == STRATA_SPAN_FREE && run->pages > 0);
  strata_span *left = free_run_ending_at(ph, run->base);
  if (left != NULL) {
    strata_free_runs_remove(&ph->free_runs, left);
    left->pages += run->pages;
    recycle_descriptor(ph, run);
    run = left;
  }
  strata_span *right = free_run_starting_at(ph, strata_span_end(run));
  if (right != NULL) {
    strata_free_runs_remove(&ph->free_runs, right);
    run->pages += right->pages;
    recycle_descriptor(ph, right);
  }
  run->free_since_ns = now;
  map_run_ends(ph, run);
  strata_free_runs_insert(&ph->free_runs, run);
  strata_pageheap_note_free_run(ph, run);
  return run;
}

/* Makes sure the metadata allocations that follow, taking `bytes` in all
 * (page-map nodes, span descriptors), need no system call: the chunk they
 * may need is made with the lock dropped (metadata/metadata.h), so the
 * heap may have changed on return, and callers prepare before they look. */
static strata_status prepare_metadata(strata_pageheap *ph, size_t bytes)
    STRATA_REQUIRES(&ph->lock) {
  /* As for a commit: no release job may wait across the dropped lock. */
  STRATA_ASSERT(ph->release_job_count == 0);
  /* Usually the descriptors are on the free list: nothing to prepare. */
  if (bytes == 0) return STRATA_OK;
  return strata_persistent_prepare(&ph->metadata, bytes, &ph->lock);
}

/* Descriptors an allocation may take: its run's head and tail remainders
 * (growing the heap takes one more, for the new arena's run). */
#define ALLOC_DESCRIPTORS 2

/* Reserves a new arena of at least `pages` pages and adds it as a free run.
 * The reservation (an mmap of 64 MiB of address space, by default) is made
 * with the lock dropped; the lock is held again on return, and the free
 * runs may have changed meanwhile (the caller searches them again). */
static strata_status grow(strata_pageheap *ph, size_t pages, uint64_t now)
    STRATA_REQUIRES(&ph->lock) {
  /* As for a commit: no release job may wait across the dropped lock. */
  STRATA_ASSERT(ph->release_job_count == 0);
  size_t size = 0;
  strata_status status = strata_arena_plan(&ph->arenas, pages << STRATA_PAGE_SHIFT, &size);
  if (status != STRATA_OK) return status;
  void *base = NULL;
  size_t alignment = ph->arenas.arena_size;
  strata_lock_release(&ph->lock);
  status = strata_backend_reserve(ph->backend, size, alignment, &base);
  strata_lock_acquire(&ph->lock);
  if (status != STRATA_OK) return status;
  strata_arena arena = {(uintptr_t)base, size};
  strata_page_id first = arena.base >> STRATA_PAGE_SHIFT;
  size_t count = arena.size >> STRATA_PAGE_SHIFT;
  /* The page-map nodes and the arena's run, and the caller's remainders
   * after it. */
  size_t metadata_bytes = strata_pagemap_bytes_to_ensure(&ph->pagemap, first, count) +
                          strata_fixalloc_bytes_for(&ph->span_descriptors, ALLOC_DESCRIPTORS + 1);
  status = prepare_metadata(ph, metadata_bytes);
  if (status == STRATA_OK) status = strata_arena_add(&ph->arenas, arena);
  if (status != STRATA_OK) {
    /* No metadata, or the set filled while the lock was dropped. */
    strata_lock_release(&ph->lock);
    strata_status_ignore(strata_backend_release(ph->backend, base, size)); /* nothing to do */
    strata_lock_acquire(&ph->lock);
    return status;
  }
  strata_span *run = NULL;
  status = strata_pagemap_ensure(&ph->pagemap, first, count);
  if (status == STRATA_OK) {
    run = strata_fixalloc_alloc(&ph->span_descriptors);
    if (run == NULL) status = STRATA_ERR_OUT_OF_MEMORY;
  }
  if (status != STRATA_OK) {
    /* The arena is forgotten either way; if the backend cannot take it back
     * it stays reserved, unused. The metadata error is the one to report. */
    strata_status_ignore(strata_arena_undo_grow(&ph->arenas));
    return status;
  }
  strata_span_retire(run, STRATA_SPAN_FREE);
  run->base = arena.base;
  run->pages = count;
  strata_pageheap_insert_free_run(ph, run, now);
  return STRATA_OK;
}

/* After in-use or committed pages grew: the high-water marks. */
static void note_peaks(strata_pageheap *ph) STRATA_REQUIRES(&ph->lock) {
  strata_raise_peak(&ph->peak_in_use_pages, ph->in_use_pages);
  strata_raise_peak(&ph->peak_committed_pages, ph->committed_pages);
}

/* Splits the free run [base, base + pages) off as a run of its own, with
 * the given descriptor, and indexes it. Its neighbours are not free (it was
 * cut out of a single free run), so there is nothing to merge. */
static void index_remainder(strata_pageheap *ph, strata_span *d, uintptr_t base, size_t pages,
                            uint64_t free_since) {
  strata_span_retire(d, STRATA_SPAN_FREE);
  d->base = base;
  d->pages = pages;
  d->free_since_ns = free_since;
  map_run_ends(ph, d);
  strata_free_runs_insert(&ph->free_runs, d);
}

/* An allocation of `pages` pages aligned to `align_pages`, for choosing
 * where in a free run it goes. */
typedef struct carve_request {
  const strata_pageheap *ph;
  size_t pages, align_pages;
} carve_request;

/* Whether the pages an allocation at `head` would take start and end on
 * committed pages: two bit tests, not a walk (freed memory is committed
 * or released run by run, so the ends tell). */
static bool committed_at(const carve_request *r, const strata_span *run, size_t head) {
  strata_page_id first = run_first_page(run) + head;
  return strata_pagemap_is_committed(&r->ph->pagemap, first) &&
         strata_pagemap_is_committed(&r->ph->pagemap, first + r->pages - 1);
}

static size_t head_at_start(const carve_request *r, const strata_span *run) {
  strata_page_id first = run_first_page(run);
  return (r->align_pages - first % r->align_pages) % r->align_pages;
}

static size_t head_at_end(const carve_request *r, const strata_span *run) {
  strata_page_id first = run_first_page(run);
  return (first + run->pages - r->pages) / r->align_pages * r->align_pages - first;
}

/* A long run is often an untouched stretch (a new arena's tail) or one
 * merged with memory freed a moment ago that is still committed (a
 * collector's sweep, a large free): allocating from committed memory costs
 * no new resident memory and no page faults, so that end is taken. */
static bool has_committed_end(const strata_span *run, void *arg) {
  const carve_request *r = arg;
  return committed_at(r, run, head_at_start(r, run)) ||
         (head_at_end(r, run) >= head_at_start(r, run) && committed_at(r, run, head_at_end(r, run)));
}

/* Where in a free run the allocation starts, as pages from the run's start:
 * at the run's start, unless only its other end holds committed memory. */
static size_t carve_head(const carve_request *r, const strata_span *run) {
  size_t head = head_at_start(r, run);
  if (run->pages < STRATA_FREE_RUNS_EXACT || committed_at(r, run, head)) return head;
  size_t end = head_at_end(r, run);
  return end >= head && committed_at(r, run, end) ? end : head;
}

/* Takes `pages` pages starting at a multiple of `align_pages` pages out of
 * the best-fitting free run and commits them. The pieces of the free run
 * before and after stay free. The returned run is neither initialised nor
 * mapped: the caller initialises it, then publishes it with map_in_use, so
 * that a lock-free lookup never sees a half-made span. *zeroed says whether
 * its memory reads as zero. */
static strata_span *alloc_run(strata_pageheap *ph, size_t pages, size_t align_pages,
                              bool *zeroed) STRATA_REQUIRES(&ph->lock) {
  STRATA_ASSERT_LOCK_HELD(&ph->lock);
  STRATA_ASSERT(pages > 0 && align_pages > 0);
  if (prepare_metadata(ph, strata_fixalloc_bytes_for(&ph->span_descriptors, ALLOC_DESCRIPTORS)) !=
      STRATA_OK) {
    return NULL;
  }
  uint64_t now = strata_pageheap_now(ph);
  size_t need = pages + align_pages - 1;
  carve_request request = {ph, pages, align_pages};
  strata_span *run = strata_free_runs_best_fit(&ph->free_runs, need);
  if (run != NULL && run->pages >= STRATA_FREE_RUNS_EXACT && !has_committed_end(run, &request)) {
    /* A few candidates only, each found in O(log n) (free_runs.h). */
    strata_span *committed =
        strata_free_runs_long_fit_where(&ph->free_runs, need, has_committed_end, &request, 8);
    if (committed != NULL) run = committed;
  }
  if (run == NULL) {
    if (grow(ph, need, now) != STRATA_OK) return NULL;
    run = strata_free_runs_best_fit(&ph->free_runs, need);
    if (run == NULL) return NULL;
  }
  size_t head = carve_head(&request, run);
  STRATA_ASSERT(strata_span_state_of(run) == STRATA_SPAN_FREE && run->pages >= head + pages);
  size_t tail = run->pages - head - pages;
  /* Take every descriptor needed before changing anything. */
  strata_span *head_run = NULL, *tail_run = NULL;
  if (head > 0 && (head_run = strata_fixalloc_alloc(&ph->span_descriptors)) == NULL) return NULL;
  if (tail > 0 && (tail_run = strata_fixalloc_alloc(&ph->span_descriptors)) == NULL) {
    if (head_run != NULL) recycle_descriptor(ph, head_run);
    return NULL;
  }
  strata_free_runs_remove(&ph->free_runs, run);
  uint64_t free_since = run->free_since_ns;
  uintptr_t base = run->base + (head << STRATA_PAGE_SHIFT);
  if (head_run != NULL) index_remainder(ph, head_run, run->base, head, free_since);
  if (tail_run != NULL) {
    index_remainder(ph, tail_run, base + (pages << STRATA_PAGE_SHIFT), tail, free_since);
  }
  run->base = base;
  run->pages = pages;
  bool dirty = strata_pagemap_any_committed(&ph->pagemap, run_first_page(run), pages);
  /* Its ends mapped, so that while the lock is dropped to commit, the heap
   * check finds the run where it lies (neighbours see it COMMITTING). */
  map_run_ends(ph, run);
  if (strata_pageheap_commit_unlocked(ph, run) != STRATA_OK) {
    strata_pageheap_insert_free_run(ph, run, now);
    return NULL;
  }
  *zeroed = !dirty && ph->backend->decommit_zeroes;
  run->next = run->prev = NULL;
  ph->in_use_pages += pages;
  ph->in_use_runs++;
  note_peaks(ph);
  strata_pageheap_apply_policy(ph, NULL, now);
  return run;
}

static void map_in_use(strata_pageheap *ph, strata_span *span, bool zeroed) {
  span->zeroed = zeroed;
  strata_pagemap_set_range(&ph->pagemap, run_first_page(span), span->pages, span);
}

strata_span *strata_pageheap_alloc_small(strata_pageheap *ph, strata_span_class span_class) {
  unsigned size_class = strata_span_class_size_class(span_class);
  if (size_class == 0 || size_class >= STRATA_SIZE_CLASS_COUNT) return NULL;
  bool zeroed = false;
  strata_lock_acquire(&ph->lock);
  strata_span *span = alloc_run(ph, strata_size_class_span_pages(size_class), 1, &zeroed);
  if (span != NULL) {
    strata_span_init_small(span, span->base, span_class);
    map_in_use(ph, span, zeroed);
  }
  strata_pageheap_finish_release(ph);
  return span;
}

strata_span *strata_pageheap_alloc_large_aligned(strata_pageheap *ph, size_t pages,
                                                 size_t alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0) return NULL;
  size_t align_pages = alignment > STRATA_PAGE_SIZE ? alignment >> STRATA_PAGE_SHIFT : 1;
  const size_t max_pages = SIZE_MAX >> (STRATA_PAGE_SHIFT + 1);
  if (pages == 0 || pages > max_pages || align_pages > max_pages - pages) return NULL;
  bool zeroed = false;
  strata_lock_acquire(&ph->lock);
  strata_span *span = alloc_run(ph, pages, align_pages, &zeroed);
  if (span != NULL) {
    strata_span_init_large(span, span->base, pages);
    map_in_use(ph, span, zeroed);
  }
  strata_pageheap_finish_release(ph);
  return span;
}

strata_span *strata_pageheap_alloc_large(strata_pageheap *ph, size_t pages) {
  return strata_pageheap_alloc_large_aligned(ph, pages, STRATA_PAGE_SIZE);
}


static bool is_in_use_span_of(const strata_pageheap *ph, const strata_span *span) {
  return strata_span_is_in_use(span) &&
         strata_pagemap_get(&ph->pagemap, run_first_page(span)) == span;
}

static strata_status free_span(strata_pageheap *ph, strata_span *span, bool release_now) {
  strata_lock_acquire(&ph->lock);
  if (span == NULL || !is_in_use_span_of(ph, span)) {
    strata_lock_release(&ph->lock);
    return STRATA_ERR_NOT_OWNED;
  }
  STRATA_ASSERT(ph->in_use_pages >= span->pages && ph->in_use_runs > 0);
  ph->in_use_pages -= span->pages;
  ph->in_use_runs--;
  strata_span_retire(span, STRATA_SPAN_FREE);
  uint64_t now = strata_pageheap_now(ph);
  strata_span *run = strata_pageheap_insert_free_run(ph, span, now);
  if (release_now) strata_pageheap_queue_release(ph, run);
  strata_pageheap_apply_policy(ph, run, now);
  strata_pageheap_finish_release(ph);
  return STRATA_OK;
}

strata_status strata_pageheap_free(strata_pageheap *ph, strata_span *span) {
  return free_span(ph, span, false);
}

strata_status strata_pageheap_free_and_release(strata_pageheap *ph, strata_span *span) {
  return free_span(ph, span, true);
}


/* Makes a large span `pages` long, over committed pages that followed it
 * and are out of the free runs now. */
static void take_pages(strata_pageheap *ph, strata_span *span, size_t pages)
    STRATA_REQUIRES(&ph->lock) {
  size_t need = pages - span->pages;
  strata_pagemap_set_range(&ph->pagemap, run_first_page(span) + span->pages, need, span);
  strata_span_resize_large(span, pages);
  ph->in_use_pages += need;
  note_peaks(ph);
}

/* Grows a large span into the free run right after it. */
static bool grow_in_place(strata_pageheap *ph, strata_span *span, size_t pages)
    STRATA_REQUIRES(&ph->lock) {
  size_t need = pages - span->pages;
  strata_span *right = free_run_starting_at(ph, strata_span_end(span));
  if (right == NULL || right->pages < need) return false;
  if (strata_pagemap_all_committed(&ph->pagemap, run_first_page(right), need)) {
    /* The usual case (a buffer growing into memory it just left): no
     * commit, so the pages are cut straight off the free run. */
    strata_free_runs_remove(&ph->free_runs, right);
    if (right->pages > need) {
      right->base += need << STRATA_PAGE_SHIFT;
      right->pages -= need;
      map_run_ends(ph, right);
      strata_free_runs_insert(&ph->free_runs, right);
    } else {
      recycle_descriptor(ph, right);
    }
    take_pages(ph, span, pages);
    return true;
  }
  /* The pages taken become a run of their own, out of the index, so that
   * they can be committed with the lock dropped (as a new span's are). */
  strata_span *added = right;
  if (right->pages > need) {
    added = strata_fixalloc_alloc(&ph->span_descriptors);
    if (added == NULL) return false;
  }
  strata_free_runs_remove(&ph->free_runs, right);
  if (added != right) {
    strata_span_retire(added, STRATA_SPAN_FREE);
    added->base = right->base;
    added->pages = need;
    added->free_since_ns = right->free_since_ns;
    right->base += need << STRATA_PAGE_SHIFT;
    right->pages -= need;
    map_run_ends(ph, right);
    strata_free_runs_insert(&ph->free_runs, right);
  }
  map_run_ends(ph, added);
  uint64_t free_since = added->free_since_ns;
  strata_status committed = strata_pageheap_commit_unlocked(ph, added);
  /* The span may have been freed meanwhile (a double free racing the
   * realloc): then the pages go back, and so does the span's growth. */
  if (committed != STRATA_OK || !is_in_use_span_of(ph, span) ||
      strata_span_end(span) != added->base) {
    strata_pageheap_insert_free_run(ph, added, free_since);
    return false;
  }
  recycle_descriptor(ph, added);
  take_pages(ph, span, pages);
  return true;
}

/* Gives the tail of a large span back as a free run. */
static bool shrink_in_place(strata_pageheap *ph, strata_span *span, size_t pages)
    STRATA_REQUIRES(&ph->lock) {
  strata_span *tail = strata_fixalloc_alloc(&ph->span_descriptors);
  if (tail == NULL) return false;
  size_t cut = span->pages - pages;
  strata_span_resize_large(span, pages);
  ph->in_use_pages -= cut;
  strata_span_retire(tail, STRATA_SPAN_FREE);
  tail->base = strata_span_end(span);
  tail->pages = cut;
  strata_pageheap_insert_free_run(ph, tail, strata_pageheap_now(ph));
  return true;
}

strata_status strata_pageheap_resize_large(strata_pageheap *ph, strata_span *span, size_t pages) {
  if (pages == 0 || pages > (SIZE_MAX >> (STRATA_PAGE_SHIFT + 1))) {
    return STRATA_ERR_INVALID_ARGUMENT;
  }
  strata_lock_acquire(&ph->lock);
  /* Growth and shrinking take a descriptor at most. */
  strata_status status =
      prepare_metadata(ph, strata_fixalloc_bytes_for(&ph->span_descriptors, 1));
  if (status != STRATA_OK) {
    strata_lock_release(&ph->lock);
    return status;
  }
  status = STRATA_ERR_NOT_OWNED;
  if (is_in_use_span_of(ph, span) && strata_span_state_of(span) == STRATA_SPAN_LARGE) {
    bool done = true;
    if (pages > span->pages) {
      done = grow_in_place(ph, span, pages);
    } else if (pages < span->pages) {
      done = shrink_in_place(ph, span, pages);
    }
    status = done ? STRATA_OK : STRATA_ERR_OUT_OF_MEMORY;
  }
  strata_lock_release(&ph->lock);
  return status;
}

strata_span *strata_pageheap_span_of(const strata_pageheap *ph, const void *p) {
  strata_span *span = strata_pagemap_get(&ph->pagemap, strata_page_of(p));
  if (span == NULL) return NULL;
  /* The load written out rather than strata_span_is_in_use: in builds
   * without optimisation this layer is compiled at -O0, where the inlined
   * call still costs a dozen instructions on realloc's path. */
  uint8_t state = strata_atomic_load(&span->state, STRATA_ORDER_RELAXED);
  if (state != STRATA_SPAN_SMALL && state != STRATA_SPAN_LARGE) return NULL;
  uintptr_t addr = (uintptr_t)p;
  if (addr < span->base || addr >= strata_span_end(span)) return NULL;
  return span;
}

void strata_pageheap_get_stats(strata_pageheap *ph, strata_pageheap_stats *out) {
  strata_lock_acquire(&ph->lock);
  size_t mapped_pages = ph->arenas.reserved_bytes >> STRATA_PAGE_SHIFT;
  out->mapped_bytes = ph->arenas.reserved_bytes;
  out->committed_bytes = ph->committed_pages << STRATA_PAGE_SHIFT;
  out->in_use_bytes = ph->in_use_pages << STRATA_PAGE_SHIFT;
  out->free_committed_bytes = (ph->committed_pages - ph->in_use_pages) << STRATA_PAGE_SHIFT;
  out->released_bytes = (mapped_pages - ph->committed_pages) << STRATA_PAGE_SHIFT;
  out->metadata_bytes = ph->metadata.mapped_bytes;
  out->free_runs = ph->free_runs.count;
  out->in_use_runs = ph->in_use_runs;
  out->decommit_calls = ph->decommit_calls;
  out->peak_in_use_bytes = ph->peak_in_use_pages << STRATA_PAGE_SHIFT;
  out->peak_committed_bytes = ph->peak_committed_pages << STRATA_PAGE_SHIFT;
  strata_lock_release(&ph->lock);
}

void strata_pageheap_lock(strata_pageheap *ph) { strata_lock_acquire(&ph->lock); }

void strata_pageheap_unlock(strata_pageheap *ph) { strata_lock_release(&ph->lock); }
