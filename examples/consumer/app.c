/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Uses strata's page heap directly: a runtime that manages its own spans of
 * pages, on the mmap backend. */
#include <stdio.h>

#include "arena/backends.h"
#include "pageheap/pageheap.h"

static strata_mmap_backend os;
static strata_pageheap heap;

int main(void) {
  strata_mmap_backend_init(&os);
  if (strata_pageheap_init(&heap, &os.base, NULL) != STRATA_OK) return 1;
  strata_span *runs[100];
  for (int i = 0; i < 100; i++) {
    runs[i] = strata_pageheap_alloc_large(&heap, 1 + i % 7);
    if (runs[i] == NULL) return 1;
  }
  for (int i = 0; i < 100; i += 2) strata_pageheap_free(&heap, runs[i]);
  strata_pageheap_stats stats;
  strata_pageheap_get_stats(&heap, &stats);
  printf("in use %zu KiB in %zu runs, %zu free runs, heap check %s\n",
         stats.in_use_bytes >> 10, stats.in_use_runs, stats.free_runs,
         strata_pageheap_check(&heap, NULL) == STRATA_OK ? "ok" : "FAILED");
  return strata_pageheap_destroy(&heap) == STRATA_OK ? 0 : 1;
}
