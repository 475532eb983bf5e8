/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* pageheap benchmark.
 *
 *   - alloc + free of runs of 1, 4, 64 and 1024 pages on a fragmented heap
 *     (a few thousand runs of random length, every other one freed), in ns
 *     and callgrind instructions per pair;
 *   - alloc + free on a second heap holding LONG_RUNS free runs of 128
 *     pages or more, kept apart by spans in use: the cost of the index of
 *     long runs when it holds many;
 *   - page-map lookup (span_of) of random addresses inside the heap;
 *   - resident memory before and after releasing a freed 256 MiB run. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena/backends.h"
#include "pageheap/pageheap.h"
#include "tools/benchkit/benchkit.h"

#define FRAGMENT_RUNS 4000
#define LOOKUP_ADDRESSES 4096
#define LONG_RUNS 1000

static strata_mmap_backend backend;
static strata_pageheap heap;
static strata_pageheap long_heap;
static strata_span *long_runs[2 * LONG_RUNS];
static strata_span *fragments[FRAGMENT_RUNS];
static uintptr_t lookup_addresses[LOOKUP_ADDRESSES];

static void build_fragmented_heap(void) {
  strata_mmap_backend_init(&backend);
  strata_pageheap_config config = strata_pageheap_default_config();
  config.release_delay_ns = UINT64_MAX; /* keep timing free of releases */
  strata_bench_require_ok(strata_pageheap_init(&heap, &backend.base, &config),
                          "strata_pageheap_init");
  strata_bench_rng rng = {7};
  for (int i = 0; i < FRAGMENT_RUNS; i++) {
    fragments[i] = strata_pageheap_alloc_large(&heap, 1 + strata_bench_rng_below(&rng, 32));
  }
  for (int i = 0; i < FRAGMENT_RUNS; i += 2) {
    strata_bench_require_ok(strata_pageheap_free(&heap, fragments[i]), "strata_pageheap_free");
  }
  for (int i = 0; i < LOOKUP_ADDRESSES; i++) {
    strata_span *s = fragments[1 + 2 * strata_bench_rng_below(&rng, FRAGMENT_RUNS / 2)];
    lookup_addresses[i] = s->base + strata_bench_rng_below(&rng, s->pages * STRATA_PAGE_SIZE);
  }
}

static int by_base(const void *a, const void *b) {
  uintptr_t x = (*(strata_span *const *)a)->base, y = (*(strata_span *const *)b)->base;
  return x < y ? -1 : x > y;
}

/* Free runs of 128 to 383 pages (4 GiB of address space, never touched):
 * twice as many spans made, then every other one in address order freed,
 * so no two freed spans are neighbours and none merge. */
static void build_long_runs(void) {
  strata_pageheap_config config = strata_pageheap_default_config();
  config.release_delay_ns = UINT64_MAX;
  strata_bench_require_ok(strata_pageheap_init(&long_heap, &backend.base, &config),
                          "strata_pageheap_init");
  strata_bench_rng rng = {11};
  for (int i = 0; i < 2 * LONG_RUNS; i++) {
    long_runs[i] = strata_pageheap_alloc_large(&long_heap, 128 + strata_bench_rng_below(&rng, 256));
    if (long_runs[i] == NULL) {
      fprintf(stderr, "pageheap_bench: no memory for the long runs\n");
      exit(1);
    }
  }
  qsort(long_runs, 2 * LONG_RUNS, sizeof long_runs[0], by_base);
  for (int i = 0; i < 2 * LONG_RUNS; i += 2) {
    strata_bench_require_ok(strata_pageheap_free(&long_heap, long_runs[i]), "strata_pageheap_free");
  }
}

/* Requests of 128 to 383 pages in a fixed random order: each finds its
 * best fit among the long runs, splits it, and merges back when freed. */
__attribute__((noinline)) uint64_t loop_long_runs(uint64_t n) {
  uint64_t sum = 0;
  strata_bench_rng rng = {13};
  for (uint64_t i = 0; i < n; i++) {
    strata_span *s = strata_pageheap_alloc_large(&long_heap, 128 + strata_bench_rng_below(&rng, 256));
    sum += s->base;
    strata_bench_require_ok(strata_pageheap_free(&long_heap, s), "strata_pageheap_free");
  }
  return sum;
}

static uint64_t alloc_free_pairs(size_t pages, uint64_t n) {
  uint64_t sum = 0;
  for (uint64_t i = 0; i < n; i++) {
    strata_span *s = strata_pageheap_alloc_large(&heap, pages);
    sum += s->base;
    strata_bench_require_ok(strata_pageheap_free(&heap, s), "strata_pageheap_free");
  }
  return sum;
}

__attribute__((noinline)) uint64_t loop_pages_1(uint64_t n) { return alloc_free_pairs(1, n); }
__attribute__((noinline)) uint64_t loop_pages_4(uint64_t n) { return alloc_free_pairs(4, n); }
__attribute__((noinline)) uint64_t loop_pages_64(uint64_t n) { return alloc_free_pairs(64, n); }
__attribute__((noinline)) uint64_t loop_pages_1024(uint64_t n) { return alloc_free_pairs(1024, n); }

/* A dependency chain: the next address depends on the span just found, so
 * lookups cannot overlap and the figure is one lookup's latency. */
__attribute__((noinline)) uint64_t loop_lookup(uint64_t n) {
  uint64_t sum = 0, index = 0;
  for (uint64_t i = 0; i < n; i++) {
    strata_span *s = strata_pageheap_span_of(&heap, (void *)lookup_addresses[index]);
    sum += s->pages;
    index = (index + 1 + (s->pages & 1)) & (LOOKUP_ADDRESSES - 1);
  }
  return sum;
}

typedef struct bench_case {
  const char *function;
  uint64_t (*loop)(uint64_t);
  const char *what;
  const char *unit;
  uint64_t timed_ops;
} bench_case;

static const bench_case cases[] = {
    {"loop_pages_1", loop_pages_1, "alloc + free 1 page, fragmented heap", "pair", 200000},
    {"loop_pages_4", loop_pages_4, "alloc + free 4 pages, fragmented heap", "pair", 200000},
    {"loop_pages_64", loop_pages_64, "alloc + free 64 pages, fragmented heap", "pair", 100000},
    {"loop_pages_1024", loop_pages_1024, "alloc + free 1024 pages, fragmented heap", "pair", 50000},
    {"loop_long_runs", loop_long_runs, "alloc + free 128-383 pages among 1000 free long runs", "pair", 100000},
    {"loop_lookup", loop_lookup, "page-map lookup (span_of), chained: latency", "lookup", 10000000},
};
#define CASES (sizeof cases / sizeof cases[0])
#define CALLGRIND_OPS 20000

static void measure_release(void) {
  const size_t pages = (256u << 20) / STRATA_PAGE_SIZE;
  strata_span *big = strata_pageheap_alloc_large(&heap, pages);
  memset((void *)big->base, 1, pages * STRATA_PAGE_SIZE);
  size_t before_free = strata_bench_resident_bytes();
  strata_bench_require_ok(strata_pageheap_free(&heap, big), "strata_pageheap_free");
  size_t after_free = strata_bench_resident_bytes();
  uint64_t start = strata_bench_now_ns();
  size_t released = strata_pageheap_release(&heap);
  double ms = (double)(strata_bench_now_ns() - start) / 1e6;
  size_t after_release = strata_bench_resident_bytes();
  strata_bench_report("pageheap", "RSS with 256 MiB run in use", before_free / 1048576.0, "MiB");
  strata_bench_report("pageheap", "RSS after freeing it", after_free / 1048576.0, "MiB");
  strata_bench_report("pageheap", "RSS after release", after_release / 1048576.0, "MiB");
  strata_bench_report("pageheap", "bytes released (every free run, incl. fragments)", released / 1048576.0, "MiB");
  strata_bench_report("pageheap", "time to release", ms, "ms");
}

int main(int argc, char **argv) {
  build_fragmented_heap();
  build_long_runs();
  const char *child = strata_bench_child(argc, argv);
  if (child != NULL) {
    for (size_t i = 0; i < CASES; i++) {
      if (strcmp(child, cases[i].function) == 0) {
        uint64_t sum = cases[i].loop(CALLGRIND_OPS);
        STRATA_BENCH_KEEP(sum);
      }
    }
    return 0;
  }
  for (size_t i = 0; i < CASES; i++) {
    uint64_t start = strata_bench_now_ns();
    uint64_t sum = cases[i].loop(cases[i].timed_ops);
    STRATA_BENCH_KEEP(sum);
    char unit[32];
    snprintf(unit, sizeof unit, "ns/%s", cases[i].unit);
    strata_bench_report("pageheap", cases[i].what,
                        (double)(strata_bench_now_ns() - start) / (double)cases[i].timed_ops, unit);
  }
  for (size_t i = 0; i < CASES; i++) {
    double ir = strata_bench_instructions_per_op(cases[i].function, CALLGRIND_OPS);
    char unit[48];
    snprintf(unit, sizeof unit, "instructions/%s", cases[i].unit);
    if (ir >= 0) strata_bench_report("pageheap", cases[i].what, ir, unit);
  }
  strata_pageheap_stats long_stats;
  strata_pageheap_get_stats(&long_heap, &long_stats);
  strata_bench_report("pageheap", "free runs on the heap of long runs", (double)long_stats.free_runs,
                      "runs");
  measure_release();
  strata_bench_report("pageheap", "check of the whole fragmented heap",
                      strata_pageheap_check(&heap, NULL) == STRATA_OK ? 1 : 0, "(1 = passed)");
  return 0;
}
