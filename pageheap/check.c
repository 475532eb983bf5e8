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
  bool ok;
} index_check;

static void check_indexed_run(strata_span *run, void *arg) {
  index_check *c = arg;
  strata_page_id first = run_first_page(run);
  bool list_ok = run->pages < STRATA_FREE_RUNS_EXACT ? run->list == run->pages
                                                     : run->list == STRATA_FREE_RUNS_LONG;
  if (run->state != STRATA_SPAN_FREE || run->pages == 0 || !list_ok ||
      strata_pagemap_get(&c->ph->pagemap, first) != run ||
      strata_pagemap_get(&c->ph->pagemap, first + run->pages - 1) != run ||
      !strata_arena_contains(&c->ph->arenas, (void *)run->base)) {
    c->ok = false;
  }
  c->runs++;
  c->pages += run->pages;
}

/* Walks pages [first, end) of one contiguous stretch of arenas. */
static bool walk_region(const strata_pageheap *ph, strata_page_id first, strata_page_id end,
                        tally *t) {
  bool previous_free = false;
  strata_page_id page = first;
  while (page < end) {
    strata_span *s = strata_pagemap_get(&ph->pagemap, page);
    if (s == NULL || run_first_page(s) != page || s->pages == 0 || s->pages > end - page) {
      return false; /* runs must tile the arenas exactly */
    }
    size_t committed = strata_pagemap_count_committed(&ph->pagemap, page, s->pages);
    if (s->state == STRATA_SPAN_FREE) {
      if (previous_free) return false; /* two free runs side by side */
      if (strata_pagemap_get(&ph->pagemap, page + s->pages - 1) != s) return false;
      t->free_runs++;
      t->free_pages += s->pages;
      previous_free = true;
    } else if (s->state == STRATA_SPAN_SMALL || s->state == STRATA_SPAN_LARGE) {
      for (size_t i = 0; i < s->pages; i++) {
        if (strata_pagemap_get(&ph->pagemap, page + i) != s) return false;
      }
      if (committed != s->pages) return false; /* in use means committed */
      if (strata_span_check(s) != STRATA_OK) return false;
      t->in_use_runs++;
      t->in_use_pages += s->pages;
      previous_free = false;
    } else {
      return false;
    }
    t->committed_pages += committed;
    t->pages += s->pages;
    page += s->pages;
  }
  return true;
}

strata_status strata_pageheap_check(strata_pageheap *ph) {
  strata_lock_acquire(&ph->lock);
  bool ok = true;

  index_check c = {ph, 0, 0, true};
  strata_free_runs_each(&ph->free_runs, check_indexed_run, &c);
  ok = c.ok && c.runs == ph->free_runs.count && c.pages == ph->free_runs.pages;

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
  for (size_t i = 0; ok && i < n;) {
    uintptr_t start = sorted[i].base, end = sorted[i].base + sorted[i].size;
    for (i++; i < n && sorted[i].base == end; i++) end += sorted[i].size;
    ok = walk_region(ph, start >> STRATA_PAGE_SHIFT, end >> STRATA_PAGE_SHIFT, &t);
  }

  ok = ok && t.free_runs == ph->free_runs.count && t.free_pages == ph->free_runs.pages &&
       t.in_use_runs == ph->in_use_runs && t.in_use_pages == ph->in_use_pages &&
       t.committed_pages == ph->committed_pages &&
       t.pages == ph->arenas.reserved_bytes >> STRATA_PAGE_SHIFT;
  strata_lock_release(&ph->lock);
  return ok ? STRATA_OK : STRATA_ERR_CORRUPT;
}
