/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Committing pages for new runs and giving free runs' memory back.
 *
 * The page map keeps a committed bit per page. With a backend whose page is
 * larger than strata's (2 MiB huge pages), pages are committed and
 * decommitted a whole backend page ("granule") at a time, so the bits of a
 * granule always agree. A new run commits the granules it touches; a free
 * run decommits only the granules wholly inside it, so that no in-use page
 * ever loses its memory. */
#include <string.h>

#include "pageheap/pageheap_internal.h"

static void *page_address(strata_page_id page) {
  return (void *)(page << STRATA_PAGE_SHIFT);
}

/* The gaps of run's committed bits, widened to whole backend pages, up to
 * `max` of them. Returns how many; *more says whether gaps remain after
 * them. */
typedef struct commit_range {
  strata_page_id start;
  size_t count;
} commit_range;

static size_t find_gaps(strata_pageheap *ph, const strata_span *run, commit_range *ranges,
                        size_t max, bool *more) STRATA_REQUIRES(&ph->lock) {
  strata_pagemap *map = &ph->pagemap;
  strata_page_id page = run_first_page(run), end = page + run->pages;
  size_t g = ph->commit_granule_pages, n = 0;
  *more = false;
  while (page < end) {
    if (strata_pagemap_is_committed(map, page)) {
      page++;
      continue;
    }
    if (n == max) {
      *more = true;
      break;
    }
    strata_page_id gap_end = page;
    while (gap_end < end && !strata_pagemap_is_committed(map, gap_end)) gap_end++;
    strata_page_id start = page - page % g;
    strata_page_id stop = (gap_end + g - 1) / g * g;
    ranges[n++] = (commit_range){start, stop - start};
    page = stop;
  }
  return n;
}

/* Counts and marks committed a range the backend committed. A granule
 * shared with a neighbour may have been committed by another thread
 * meanwhile: only bits still clear are counted. */
static void note_committed(strata_pageheap *ph, const commit_range *r) STRATA_REQUIRES(&ph->lock) {
  strata_pagemap *map = &ph->pagemap;
  ph->committed_pages += r->count - strata_pagemap_count_committed(map, r->start, r->count);
  strata_pagemap_mark_committed(map, r->start, r->count, true);
}

/* A batch of gaps per round: a run freed piecemeal has few, and one with
 * more takes another round. */
#define COMMIT_RANGES 8

strata_status strata_pageheap_commit_unlocked(strata_pageheap *ph, strata_span *run) {
  STRATA_ASSERT_LOCK_HELD(&ph->lock);
  /* Jobs queued by this holder would wait for its finish_release; none is
   * queued before an allocation commits. */
  STRATA_ASSERT(ph->release_job_count == 0);
  /* The usual case, a word of committed bits at a time: the gap search
   * below looks at each page. */
  if (strata_pagemap_all_committed(&ph->pagemap, run_first_page(run), run->pages)) {
    return STRATA_OK;
  }
  strata_status status = STRATA_OK;
  bool more = true;
  while (status == STRATA_OK && more) {
    commit_range ranges[COMMIT_RANGES];
    size_t n = find_gaps(ph, run, ranges, COMMIT_RANGES, &more);
    if (n == 0) break;
    strata_status done[COMMIT_RANGES];
    strata_span_set_state(run, STRATA_SPAN_COMMITTING);
    strata_lock_release(&ph->lock);
    for (size_t i = 0; i < n; i++) {
      done[i] = strata_backend_commit(ph->backend, page_address(ranges[i].start),
                                      ranges[i].count << STRATA_PAGE_SHIFT);
    }
    strata_lock_acquire(&ph->lock);
    STRATA_ASSERT(strata_span_state_of(run) == STRATA_SPAN_COMMITTING);
    strata_span_set_state(run, STRATA_SPAN_FREE);
    for (size_t i = 0; i < n; i++) {
      if (done[i] == STRATA_OK) {
        note_committed(ph, &ranges[i]);
      } else if (status == STRATA_OK) {
        status = done[i];
      }
    }
  }
  return status;
}

/* Releasing a free run's memory. The system call (madvise, mprotect) can
 * take milliseconds for a large run, and the heap's lock is not held
 * across it: Go's scavenger and tcmalloc's page heap drop theirs too. So,
 * under the lock, the run is taken out of the free-run index (state
 * RELEASING: nobody allocates from it, and no neighbour merges with it),
 * its committed stretches are noted in a job, and the lock's holder
 * carries the jobs out once it has dropped the lock (finish_release),
 * then retakes the lock to mark the pages released and put the run back.
 * The pages decommitted are whole backend pages inside the run, which no
 * other run's commit touches, so the committed bits of the run's ends and
 * of its neighbours never race with the job. */

/* Queues the run's committed stretches for release. Returns the pages
 * queued (0: nothing to release, the run is not free, or the batch is
 * full, which release_more then says). */
static size_t queue_run(strata_pageheap *ph, strata_span *run) STRATA_REQUIRES(&ph->lock) {
  STRATA_ASSERT_LOCK_HELD(&ph->lock);
  if (strata_span_state_of(run) != STRATA_SPAN_FREE) return 0; /* queued already */
  strata_pagemap *map = &ph->pagemap;
  size_t g = ph->commit_granule_pages;
  strata_page_id first = run_first_page(run);
  strata_page_id start = (first + g - 1) / g * g;
  strata_page_id stop = (first + run->pages) / g * g;
  /* Most runs a walk meets that hold nothing (released ones, an arena's
   * untouched tail) are told by whole bitmap words, not page by page. */
  if (stop <= start || !strata_pagemap_any_committed(map, start, stop - start)) return 0;
  if (ph->release_job_count == STRATA_PAGEHEAP_RELEASE_BATCH) {
    ph->release_more = true;
    return 0;
  }
  strata_release_job *job = &ph->release_jobs[ph->release_job_count++];
  job->run = run;
  job->pages = 0;
  job->range_count = 0;
  strata_page_id page = start;
  while (page < stop && job->range_count < STRATA_PAGEHEAP_RELEASE_RANGES) {
    if (!strata_pagemap_is_committed(map, page)) {
      page += g;
      continue;
    }
    strata_page_id committed_end = page;
    while (committed_end < stop && strata_pagemap_is_committed(map, committed_end)) {
      committed_end += g;
    }
    job->ranges[job->range_count].first_page = page;
    job->ranges[job->range_count].count = committed_end - page;
    job->range_count++;
    job->pages += committed_end - page;
    page = committed_end;
  }
  ph->releasing_pages += job->pages;
  /* Out of the index at once if no walk is going over it, else when the
   * walk is done (detach_jobs): the state keeps both from queueing it
   * twice and neighbours from merging with it. */
  strata_span_set_state(run, STRATA_SPAN_RELEASING);
  return job->pages;
}

/* Takes the runs queued since job `from` out of the free-run index: after
 * a walk over the index, not during it. */
static void detach_jobs(strata_pageheap *ph, size_t from) STRATA_REQUIRES(&ph->lock) {
  for (size_t i = from; i < ph->release_job_count; i++) {
    strata_free_runs_remove(&ph->free_runs, ph->release_jobs[i].run);
  }
}

size_t strata_pageheap_finish_release(strata_pageheap *ph) {
  STRATA_ASSERT_LOCK_HELD(&ph->lock);
  size_t released = 0;
  while (ph->release_job_count > 0) {
    strata_release_job jobs[STRATA_PAGEHEAP_RELEASE_BATCH];
    size_t n = ph->release_job_count;
    memcpy(jobs, ph->release_jobs, n * sizeof jobs[0]);
    ph->release_job_count = 0;
    bool done[STRATA_PAGEHEAP_RELEASE_BATCH][STRATA_PAGEHEAP_RELEASE_RANGES];
    strata_lock_release(&ph->lock);
    for (size_t i = 0; i < n; i++) {
      for (size_t r = 0; r < jobs[i].range_count; r++) {
        done[i][r] = strata_backend_decommit(ph->backend, page_address(jobs[i].ranges[r].first_page),
                                             jobs[i].ranges[r].count << STRATA_PAGE_SHIFT) ==
                     STRATA_OK;
      }
    }
    strata_lock_acquire(&ph->lock);
    for (size_t i = 0; i < n; i++) {
      strata_release_job *job = &jobs[i];
      for (size_t r = 0; r < job->range_count; r++) {
        ph->decommit_calls++;
        if (!done[i][r]) continue; /* the OS refused: the pages stay committed */
        size_t count = job->ranges[r].count;
        strata_pagemap_mark_committed(&ph->pagemap, job->ranges[r].first_page, count, false);
        STRATA_ASSERT(ph->committed_pages >= count);
        ph->committed_pages -= count;
        released += count << STRATA_PAGE_SHIFT;
      }
      STRATA_ASSERT(ph->releasing_pages >= job->pages);
      ph->releasing_pages -= job->pages;
      STRATA_ASSERT(strata_span_state_of(job->run) == STRATA_SPAN_RELEASING);
      strata_span_set_state(job->run, STRATA_SPAN_FREE);
      /* Back into the index, merged with neighbours freed meanwhile; it
       * keeps its age, as it was due already. */
      strata_pageheap_insert_free_run(ph, job->run, job->run->free_since_ns);
    }
  }
  ph->release_more = false;
  strata_lock_release(&ph->lock);
  return released;
}

/* Free committed memory not already on its way back. */
static size_t free_committed_bytes(const strata_pageheap *ph) STRATA_REQUIRES(&ph->lock) {
  return (ph->committed_pages - ph->in_use_pages - ph->releasing_pages) << STRATA_PAGE_SHIFT;
}

typedef struct release_walk {
  strata_pageheap *ph;
  uint64_t now;
  bool aged_only;      /* release runs idle for the delay; else any run */
  bool to_limit;       /* stop once under the byte limit */
  size_t released;
  uint64_t next_due;   /* aged_only: the earliest due time of runs kept */
} release_walk;

static void release_if_due(strata_span *run, void *arg) {
  release_walk *walk = arg;
  strata_pageheap *ph = walk->ph;
  strata_assert_lock_held(&ph->lock); /* walk_free_runs holds it */
  if (walk->to_limit && free_committed_bytes(ph) <= ph->config.free_committed_limit) return;
  if (walk->aged_only && walk->now - run->free_since_ns < ph->config.release_delay_ns) {
    uint64_t due = run->free_since_ns + ph->config.release_delay_ns;
    if (due < walk->next_due) walk->next_due = due;
    return;
  }
  walk->released += queue_run(ph, run) << STRATA_PAGE_SHIFT;
  /* A due run left for want of room in the batch is due still. */
  if (ph->release_more && walk->now < walk->next_due) walk->next_due = walk->now;
}

/* Queues the runs the walk finds due; returns the bytes queued. */
static size_t walk_free_runs(strata_pageheap *ph, uint64_t now, bool aged_only, bool to_limit)
    STRATA_REQUIRES(&ph->lock) {
  release_walk walk = {ph, now, aged_only, to_limit, 0, UINT64_MAX};
  size_t first_job = ph->release_job_count;
  strata_free_runs_each(&ph->free_runs, release_if_due, &walk);
  detach_jobs(ph, first_job);
  if (aged_only) {
    ph->next_release_ns = walk.next_due;
    ph->last_walk_ns = now;
  } else if (!to_limit && !ph->release_more) {
    ph->next_release_ns = UINT64_MAX; /* nothing is left holding memory */
  }
  return walk.released;
}

size_t strata_pageheap_queue_release(strata_pageheap *ph, strata_span *run) {
  size_t first_job = ph->release_job_count;
  size_t pages = queue_run(ph, run);
  detach_jobs(ph, first_job);
  return pages << STRATA_PAGE_SHIFT;
}

static size_t enforce_limit(strata_pageheap *ph, strata_span *freed, uint64_t now)
    STRATA_REQUIRES(&ph->lock) {
  if (free_committed_bytes(ph) <= ph->config.free_committed_limit) return 0;
  size_t released = freed != NULL ? strata_pageheap_queue_release(ph, freed) : 0;
  return released + walk_free_runs(ph, now, false, true);
}

static bool delay_applies(const strata_pageheap *ph) STRATA_REQUIRES(&ph->lock) {
  return ph->config.release_delay_ns != 0 && ph->config.release_delay_ns != UINT64_MAX;
}

/* Walks are at least this far apart: a due time may come at every free, and
 * a walk over every free run on every call would cost more than the memory
 * it saves. So a run goes back between one delay and 1 1/16 delays after
 * it was freed. */
static uint64_t walk_spacing(const strata_pageheap *ph) STRATA_REQUIRES(&ph->lock) {
  return ph->config.release_delay_ns / 16;
}

/* When the next walk for due runs may happen. */
static uint64_t next_walk_ns(const strata_pageheap *ph) STRATA_REQUIRES(&ph->lock) {
  if (ph->next_release_ns == UINT64_MAX) return UINT64_MAX;
  uint64_t spaced = ph->last_walk_ns + walk_spacing(ph);
  return ph->next_release_ns > spaced ? ph->next_release_ns : spaced;
}

void strata_pageheap_note_free_run(strata_pageheap *ph, const strata_span *run) {
  if (!delay_applies(ph)) return;
  uint64_t due = run->free_since_ns + ph->config.release_delay_ns;
  if (due < ph->next_release_ns) ph->next_release_ns = due;
}

void strata_pageheap_apply_policy(strata_pageheap *ph, strata_span *freed, uint64_t now) {
  uint64_t delay = ph->config.release_delay_ns;
  if (freed != NULL && delay == 0) strata_pageheap_queue_release(ph, freed);
  enforce_limit(ph, freed, now);
  if (delay_applies(ph) && now >= next_walk_ns(ph)) walk_free_runs(ph, now, true, false);
}

/* Queues what `queue` finds (with the lock held) and carries it out, a
 * batch at a time, until a pass finds no more than a batch holds or
 * releases nothing (a backend that refuses: no endless retry). */
static size_t release_in_batches(strata_pageheap *ph, void (*queue)(strata_pageheap *ph)) {
  size_t released = 0;
  bool more = true;
  while (more) {
    strata_lock_acquire(&ph->lock);
    queue(ph);
    more = ph->release_more;
    size_t now_released = strata_pageheap_finish_release(ph);
    released += now_released;
    more = more && now_released > 0;
  }
  return released;
}

static void queue_everything(strata_pageheap *ph) STRATA_REQUIRES(&ph->lock) {
  walk_free_runs(ph, 0, false, false);
}

static void queue_by_policy(strata_pageheap *ph) STRATA_REQUIRES(&ph->lock) {
  uint64_t now = strata_pageheap_now(ph);
  enforce_limit(ph, NULL, now);
  /* With a delay of 0 every run is due: what a split left committed goes. */
  if (ph->config.release_delay_ns != UINT64_MAX) walk_free_runs(ph, now, true, false);
}

size_t strata_pageheap_release(strata_pageheap *ph) {
  return release_in_batches(ph, queue_everything);
}

size_t strata_pageheap_scavenge(strata_pageheap *ph) {
  return release_in_batches(ph, queue_by_policy);
}

uint64_t strata_pageheap_release_wait_ns(strata_pageheap *ph) {
  strata_lock_acquire(&ph->lock);
  uint64_t wait = UINT64_MAX;
  if (delay_applies(ph)) {
    uint64_t at = next_walk_ns(ph), now = strata_pageheap_now(ph);
    if (at != UINT64_MAX) wait = at > now ? at - now : 0;
  }
  strata_lock_release(&ph->lock);
  return wait;
}

void strata_pageheap_set_free_committed_limit(strata_pageheap *ph, size_t bytes) {
  strata_lock_acquire(&ph->lock);
  ph->config.free_committed_limit = bytes;
  enforce_limit(ph, NULL, strata_pageheap_now(ph));
  strata_pageheap_finish_release(ph);
}
