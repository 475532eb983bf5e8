/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Private to the pageheap package: what its files share. Every function
 * here runs with the heap's lock held (finish_release drops it). */
#ifndef STRATA_PAGEHEAP_PAGEHEAP_INTERNAL_H_
#define STRATA_PAGEHEAP_PAGEHEAP_INTERNAL_H_

#include "pageheap/pageheap.h"

static inline strata_page_id run_first_page(const strata_span *run) {
  return run->base >> STRATA_PAGE_SHIFT;
}

uint64_t strata_pageheap_now(const strata_pageheap *ph) STRATA_REQUIRES(&ph->lock);

/* Commits the pages of `run` (cut out of the free runs for an allocation
 * or a large span's growth: in no index, and its ends mapped) that are not committed yet, with the
 * lock dropped around the backend's calls; returns with it held. The run
 * is COMMITTING meanwhile, so that no neighbour merges with it, and FREE
 * again on return. On failure some pages may have become committed; the
 * accounting says so. */
strata_status strata_pageheap_commit_unlocked(strata_pageheap *ph, strata_span *run)
    STRATA_MUST_USE STRATA_REQUIRES(&ph->lock);

/* Queues the committed backend pages lying wholly inside a free run for
 * release (release.c) and takes the run out of the index (state
 * RELEASING) until strata_pageheap_finish_release. Returns the bytes
 * queued. */
size_t strata_pageheap_queue_release(strata_pageheap *ph, strata_span *run)
    STRATA_REQUIRES(&ph->lock);

/* Carries out the queued releases with the lock dropped, then releases the
 * lock: what a function that may have queued some calls instead of
 * strata_lock_release. Returns the bytes released. */
size_t strata_pageheap_finish_release(strata_pageheap *ph) STRATA_RELEASE(&ph->lock);

/* Puts a free run into the index, merged with free neighbours; its
 * free_since becomes `free_since`. Returns the run that holds it. */
strata_span *strata_pageheap_insert_free_run(strata_pageheap *ph, strata_span *run,
                                             uint64_t free_since) STRATA_REQUIRES(&ph->lock);

/* Records that `run` (its free_since just set) will be due for release. */
void strata_pageheap_note_free_run(strata_pageheap *ph, const strata_span *run)
    STRATA_REQUIRES(&ph->lock);

/* Applies the release policy after `freed` (which may be NULL) became free. */
void strata_pageheap_apply_policy(strata_pageheap *ph, strata_span *freed, uint64_t now)
    STRATA_REQUIRES(&ph->lock);

#endif /* STRATA_PAGEHEAP_PAGEHEAP_INTERNAL_H_ */
