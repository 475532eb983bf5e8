/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The heap check: every invariant of the page heap, verified by walking the
 * whole heap. For tests and debug builds; O(pages). */
#include <string.h>

#include "pageheap/pageheap_internal.h"

typedef struct tally {
  size_t free_runs, free_pages, in_use_runs, in_use_pages, committed_pages, pages;
} tally;

typedef struct index_check {
  const strata_pageheap *ph;
  size_t runs, pages;
  const char *broken; /* the first invariant found broken, or NULL */
} index_check;

static void check_indexed_run(strata_span *run, void *arg) {
  index_check *c = arg;
  strata_page_id first = run_first_page(run);
  bool list_ok = run->pages < STRATA_FREE_RUNS_EXACT ? run->list == run->pages
                                                     : run->list == STRATA_FREE_RUNS_LONG;
  const char *broken = NULL;
  if (strata_span_state_of(run) != STRATA_SPAN_FREE || run->pages == 0) {
    broken = "page heap: an indexed free run is not a free run";
  } else if (!list_ok) {
    broken = "page heap: a free run is on the wrong list for its length";
  } else if (strata_pagemap_get(&c->ph->pagemap, first) != run ||
             strata_pagemap_get(&c->ph->pagemap, first + run->pages - 1) != run) {
    broken = "page heap: a free run's end pages do not map to it";
  } else if (!strata_arena_contains(&c->ph->arenas, (void *)run->base)) {
    broken = "page heap: a free run lies outside every arena";
  }
  if (c->broken == NULL) c->broken = broken;
  c->runs++;
  c->pages += run->pages;
}

/* What walk_region answers when a span's own check has already told the
 * reporter which of its invariants failed. */
static const char span_reported[] = "page heap: an in-use span is corrupt";

/* Walks pages [first, end) of one contiguous stretch of arenas. NULL, or
 * the invariant found broken. */
static const char *walk_region(const strata_pageheap *ph, strata_page_id first,
                               strata_page_id end, tally *t, const strata_check_reporter *why) {
  bool previous_free = false;
  strata_page_id page = first;
  while (page < end) {
    strata_span *s = strata_pagemap_get(&ph->pagemap, page);
    if (s == NULL || run_first_page(s) != page || s->pages == 0 || s->pages > end - page) {
      return "page heap: runs do not tile the arenas exactly";
    }
    size_t committed = strata_pagemap_count_committed(&ph->pagemap, page, s->pages);
    if (strata_span_state_of(s) == STRATA_SPAN_FREE) {
      if (previous_free) return "page heap: two free runs side by side (not coalesced)";
      if (strata_pagemap_get(&ph->pagemap, page + s->pages - 1) != s) {
        return "page heap: a free run's last page does not map to it";
      }
      t->free_runs++;
      t->free_pages += s->pages;
      previous_free = true;
    } else if (strata_span_state_of(s) == STRATA_SPAN_RELEASING ||
               strata_span_state_of(s) == STRATA_SPAN_COMMITTING) {
      /* Out of the index while another thread releases or commits its
       * memory with the lock dropped: a released run merges with its free
       * neighbours when it is back, so it may sit beside them meanwhile. */
      if (strata_pagemap_get(&ph->pagemap, page + s->pages - 1) != s) {
        return "page heap: a run being released or committed does not map its last page";
      }
      previous_free = false;
    } else if (strata_span_is_in_use(s)) {
      for (size_t i = 0; i < s->pages; i++) {
        if (strata_pagemap_get(&ph->pagemap, page + i) != s) {
          return "page heap: a page of an in-use span does not map to it";
        }
      }
      if (committed != s->pages) return "page heap: an in-use span has uncommitted pages";
      /* The span names its own invariant to `why`. */
      if (strata_span_check(s, why) != STRATA_OK) return span_reported;
      t->in_use_runs++;
      t->in_use_pages += s->pages;
      previous_free = false;
    } else {
      return "page heap: a page maps to a span that is neither free nor in use";
    }
    t->committed_pages += committed;
    t->pages += s->pages;
    page += s->pages;
  }
  return NULL;
}

strata_status strata_pageheap_check(strata_pageheap *ph, const strata_check_reporter *why) {
  strata_lock_acquire(&ph->lock);
  index_check c = {ph, 0, 0, NULL};
  strata_free_runs_each(&ph->free_runs, check_indexed_run, &c);
  const char *broken = c.broken;
  if (broken == NULL && (c.runs != ph->free_runs.count || c.pages != ph->free_runs.pages)) {
    broken = "page heap: the free-run index's counts differ from its runs";
  }

  /* Arenas in address order; adjacent ones form one region, since free runs
   * may coalesce across the boundary. */
  strata_arena sorted[STRATA_ARENA_MAX_ARENAS];
  size_t n = ph->arenas.arena_count;
  memcpy(sorted, ph->arenas.arenas, n * sizeof sorted[0]);
  for (size_t i = 1; i < n; i++) {
    strata_arena a = sorted[i];
    size_t j = i;
    for (; j > 0 && sorted[j - 1].base > a.base; j--) sorted[j] = sorted[j - 1];
    sorted[j] = a;
  }
  tally t = {0, 0, 0, 0, 0, 0};
  for (size_t i = 0; broken == NULL && i < n;) {
    uintptr_t start = sorted[i].base, end = sorted[i].base + sorted[i].size;
    for (i++; i < n && sorted[i].base == end; i++) end += sorted[i].size;
    broken = walk_region(ph, start >> STRATA_PAGE_SHIFT, end >> STRATA_PAGE_SHIFT, &t, why);
  }

  if (broken == NULL) {
    if (t.free_runs != ph->free_runs.count || t.free_pages != ph->free_runs.pages) {
      broken = "page heap: free runs in the arenas differ from the free-run index";
    } else if (t.in_use_runs != ph->in_use_runs || t.in_use_pages != ph->in_use_pages) {
      broken = "page heap: in-use counters differ from the in-use spans";
    } else if (t.committed_pages != ph->committed_pages) {
      broken = "page heap: committed counter differs from the committed bits";
    } else if (t.pages != ph->arenas.reserved_bytes >> STRATA_PAGE_SHIFT) {
      broken = "page heap: runs do not cover the reserved arenas";
    }
  }
  strata_lock_release(&ph->lock);
  if (broken == NULL) return STRATA_OK;
  return broken == span_reported ? STRATA_ERR_CORRUPT : strata_check_fail(why, broken);
}
