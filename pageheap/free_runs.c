#include "pageheap/free_runs.h"

#include <string.h>

void strata_free_runs_init(strata_free_runs *fr) { memset(fr, 0, sizeof *fr); }

static bool sorts_before(const strata_span *a, const strata_span *b) {
  return a->pages < b->pages || (a->pages == b->pages && a->base < b->base);
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
  strata_span **link = &fr->long_runs;
  strata_span *prev = NULL;
  while (*link != NULL && sorts_before(*link, run)) {
    prev = *link;
    link = &(*link)->next;
  }
  run->next = *link;
  run->prev = prev;
  if (*link != NULL) (*link)->prev = run;
  *link = run;
}

void strata_free_runs_remove(strata_free_runs *fr, strata_span *run) {
  STRATA_ASSERT(fr->count > 0 && fr->pages >= run->pages);
  STRATA_ASSERT(run->list == (run->pages < STRATA_FREE_RUNS_EXACT ? run->pages : STRATA_FREE_RUNS_LONG));
  fr->count--;
  fr->pages -= run->pages;
  strata_span **head = run->list == STRATA_FREE_RUNS_LONG ? &fr->long_runs : &fr->exact[run->list];
  strata_span_list_remove(head, run);
  if (run->list != STRATA_FREE_RUNS_LONG && *head == NULL) {
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
  for (strata_span *run = fr->long_runs; run != NULL; run = run->next) {
    if (run->pages >= pages) return run;
  }
  return NULL;
}

strata_span *strata_free_runs_long_fit_where(const strata_free_runs *fr, size_t pages,
                                             bool (*want)(const strata_span *run, void *arg),
                                             void *arg, size_t limit) {
  for (strata_span *run = fr->long_runs; run != NULL && limit > 0; run = run->next) {
    if (run->pages < pages) continue;
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
  for (strata_span *run = fr->long_runs; run != NULL; run = run->next) fn(run, arg);
}
