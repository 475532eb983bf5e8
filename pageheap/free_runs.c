/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
#include "pageheap/free_runs.h"

#include <string.h>

void strata_free_runs_init(strata_free_runs *fr) { memset(fr, 0, sizeof *fr); }

static bool sorts_before(const strata_span *a, const strata_span *b) {
  return a->pages < b->pages || (a->pages == b->pages && a->base < b->base);
}

/* Long runs: a treap keyed by (pages, base). A free run is on no span
 * list, so its list links serve as the tree's: `next` is the left child,
 * `prev` the right. A node's priority is a hash of its address, so the
 * tree's shape is that of a random insertion order whatever order runs
 * come in (expected depth O(log n)), and nothing is stored for it. */
static strata_span **left(strata_span *run) { return &run->next; }
static strata_span **right(strata_span *run) { return &run->prev; }

static uint64_t priority(const strata_span *run) {
  return ((uint64_t)run->base >> STRATA_PAGE_SHIFT) * 0x9E3779B97F4A7C15ull;
}

/* Splits the tree at `key` (not in it): runs sorting before it to *lo,
 * the rest to *hi. */
static void split(strata_span *tree, const strata_span *key, strata_span **lo, strata_span **hi) {
  while (tree != NULL) {
    if (sorts_before(tree, key)) {
      *lo = tree;
      lo = right(tree);
      tree = *right(tree);
    } else {
      *hi = tree;
      hi = left(tree);
      tree = *left(tree);
    }
  }
  *lo = NULL;
  *hi = NULL;
}

/* Joins two trees, every key of lo sorting before every key of hi. */
static strata_span *join(strata_span *lo, strata_span *hi) {
  strata_span *root = NULL;
  strata_span **link = &root;
  while (lo != NULL && hi != NULL) {
    if (priority(lo) > priority(hi)) {
      *link = lo;
      link = right(lo);
      lo = *right(lo);
    } else {
      *link = hi;
      link = left(hi);
      hi = *left(hi);
    }
  }
  *link = lo != NULL ? lo : hi;
  return root;
}

static void insert_long(strata_span **root, strata_span *run) {
  strata_span **link = root;
  uint64_t p = priority(run);
  while (*link != NULL && priority(*link) >= p) {
    link = sorts_before(run, *link) ? left(*link) : right(*link);
  }
  split(*link, run, left(run), right(run));
  *link = run;
}

static void remove_long(strata_span **root, strata_span *run) {
  strata_span **link = root;
  while (*link != run) {
    STRATA_ASSERT(*link != NULL); /* free_runs: a long run is in the tree */
    link = sorts_before(run, *link) ? left(*link) : right(*link);
  }
  *link = join(*left(run), *right(run));
  run->next = run->prev = NULL;
}

/* The first run, in (pages, base) order, of at least `pages` pages and
 * sorting after `after` (NULL: any), or NULL. */
static strata_span *first_fit_after(strata_span *tree, size_t pages, const strata_span *after) {
  strata_span *best = NULL;
  while (tree != NULL) {
    bool fits = tree->pages >= pages && (after == NULL || sorts_before(after, tree));
    if (fits) {
      best = tree;
      tree = *left(tree);
    } else {
      tree = *right(tree);
    }
  }
  return best;
}

void strata_free_runs_insert(strata_free_runs *fr, strata_span *run) {
  STRATA_ASSERT(strata_span_state_of(run) == STRATA_SPAN_FREE && run->pages > 0);
  fr->count++;
  fr->pages += run->pages;
  if (run->pages < STRATA_FREE_RUNS_EXACT) {
    run->list = (uint16_t)run->pages;
    strata_span_list_push(&fr->exact[run->pages], run);
    fr->nonempty[run->pages / 64] |= (uint64_t)1 << (run->pages % 64);
    return;
  }
  run->list = STRATA_FREE_RUNS_LONG;
  insert_long(&fr->long_runs, run);
}

void strata_free_runs_remove(strata_free_runs *fr, strata_span *run) {
  STRATA_ASSERT(fr->count > 0 && fr->pages >= run->pages);
  STRATA_ASSERT(run->list == (run->pages < STRATA_FREE_RUNS_EXACT ? run->pages : STRATA_FREE_RUNS_LONG));
  fr->count--;
  fr->pages -= run->pages;
  if (run->list == STRATA_FREE_RUNS_LONG) {
    remove_long(&fr->long_runs, run);
    return;
  }
  strata_span **head = &fr->exact[run->list];
  strata_span_list_remove(head, run);
  if (*head == NULL) {
    fr->nonempty[run->list / 64] &= ~((uint64_t)1 << (run->list % 64));
  }
}

strata_span *strata_free_runs_best_fit(const strata_free_runs *fr, size_t pages) {
  if (pages < STRATA_FREE_RUNS_EXACT) {
    for (size_t w = pages / 64; w < STRATA_FREE_RUNS_EXACT / 64; w++) {
      uint64_t bits = fr->nonempty[w];
      if (w == pages / 64) bits &= ~(uint64_t)0 << (pages % 64);
      if (bits != 0) return fr->exact[w * 64 + (size_t)__builtin_ctzll(bits)];
    }
  }
  return first_fit_after(fr->long_runs, pages, NULL);
}

strata_span *strata_free_runs_long_fit_where(const strata_free_runs *fr, size_t pages,
                                             bool (*want)(const strata_span *run, void *arg),
                                             void *arg, size_t limit) {
  for (strata_span *run = first_fit_after(fr->long_runs, pages, NULL); run != NULL && limit > 0;
       run = first_fit_after(fr->long_runs, pages, run)) {
    if (want(run, arg)) return run;
    limit--;
  }
  return NULL;
}

void strata_free_runs_each(const strata_free_runs *fr, void (*fn)(strata_span *, void *),
                           void *arg) {
  for (size_t i = 1; i < STRATA_FREE_RUNS_EXACT; i++) {
    for (strata_span *run = fr->exact[i]; run != NULL; run = run->next) fn(run, arg);
  }
  /* Long runs in order, without a stack: each from the root (O(log n)). */
  for (strata_span *run = first_fit_after(fr->long_runs, 0, NULL); run != NULL;
       run = first_fit_after(fr->long_runs, 0, run)) {
    fn(run, arg);
  }
}
