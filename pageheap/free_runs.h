/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* free_runs: the page heap's index of free page runs, for best fit.
 *
 * Runs shorter than STRATA_FREE_RUNS_EXACT pages sit on one list per
 * length, with a bitmap of the non-empty lists, so the shortest run that
 * fits is found with a count-trailing-zeros over two words. Longer runs sit
 * in a treap keyed by (length, address) whose links are the runs' own list
 * links, so the best fit at the lowest address, an insert and a removal
 * each take expected O(log n) steps for n long runs (pageheap_bench: 1 000
 * long runs, see the README). This is TCMalloc's classic
 * page-heap layout: best fit keeps large runs whole for large requests, and
 * the lowest address among equals packs the heap downward so that the high
 * end stays free and can be returned to the OS.
 *
 * Exact lists are LIFO: the run freed last is reused first, while its pages
 * are still committed and likely cached. Not thread-safe: the page heap's
 * lock covers it. */
#ifndef STRATA_PAGEHEAP_FREE_RUNS_H_
#define STRATA_PAGEHEAP_FREE_RUNS_H_

#include <stddef.h>
#include <stdint.h>

#include "span/span.h"

#ifdef __cplusplus
extern "C" {
#endif

#define STRATA_FREE_RUNS_EXACT 128
/* span->list value of runs in the tree of long runs. */
#define STRATA_FREE_RUNS_LONG STRATA_FREE_RUNS_EXACT

typedef struct strata_free_runs {
  strata_span *exact[STRATA_FREE_RUNS_EXACT]; /* index = pages; [0] unused */
  uint64_t nonempty[STRATA_FREE_RUNS_EXACT / 64];
  strata_span *long_runs;                     /* treap root, keyed by (pages, base) */
  size_t count;                               /* runs in the index */
  size_t pages;                               /* pages in those runs */
} strata_free_runs;

void strata_free_runs_init(strata_free_runs *fr);
void strata_free_runs_insert(strata_free_runs *fr, strata_span *run);
void strata_free_runs_remove(strata_free_runs *fr, strata_span *run);
/* The best-fitting run of at least `pages` pages, or NULL. Not removed. */
strata_span *strata_free_runs_best_fit(const strata_free_runs *fr, size_t pages);
/* Among the `limit` best-fitting runs of STRATA_FREE_RUNS_EXACT pages or
 * more that hold at least `pages` pages, the first for which want(run,
 * arg) holds, or NULL. */
strata_span *strata_free_runs_long_fit_where(const strata_free_runs *fr, size_t pages,
                                             bool (*want)(const strata_span *run, void *arg),
                                             void *arg, size_t limit);
/* Calls fn(run, arg) for every run; fn must not change the index. */
void strata_free_runs_each(const strata_free_runs *fr, void (*fn)(strata_span *, void *),
                           void *arg);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_PAGEHEAP_FREE_RUNS_H_ */
