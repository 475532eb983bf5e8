/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* arena benchmark: what reserve, commit and decommit cost on each backend,
 * for 64 KiB, 2 MiB and 64 MiB. Commit is measured on untouched memory (the
 * page faults come on first touch, reported separately per 4 KiB page) and
 * decommit on memory that was touched, since that is when it has work to
 * do. Each figure is the best of several repetitions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena/backends.h"
#include "tools/benchkit/benchkit.h"

#define REPS 5

typedef struct timings {
  double reserve_release_ns;
  double commit_ns;
  double touch_ns_per_4k;
  double decommit_ns;
} timings;

static double min_d(double a, double b) { return a < b ? a : b; }

static int measure(strata_backend *b, size_t size, timings *t) {
  t->reserve_release_ns = t->commit_ns = t->touch_ns_per_4k = t->decommit_ns = 1e30;
  for (int rep = 0; rep < REPS; rep++) {
    void *p = NULL;
    uint64_t t0 = strata_bench_now_ns();
    if (strata_backend_reserve(b, size, b->page_size, &p) != STRATA_OK) return -1;
    uint64_t t1 = strata_bench_now_ns();
    if (strata_backend_commit(b, p, size) != STRATA_OK) return -1;
    uint64_t t2 = strata_bench_now_ns();
    for (size_t off = 0; off < size; off += 4096) ((volatile char *)p)[off] = 1;
    uint64_t t3 = strata_bench_now_ns();
    if (strata_backend_decommit(b, p, size) != STRATA_OK) return -1;
    uint64_t t4 = strata_bench_now_ns();
    if (strata_backend_release(b, p, size) != STRATA_OK) return -1;
    uint64_t t5 = strata_bench_now_ns();
    t->reserve_release_ns = min_d(t->reserve_release_ns, (double)(t1 - t0 + t5 - t4));
    t->commit_ns = min_d(t->commit_ns, (double)(t2 - t1));
    t->touch_ns_per_4k = min_d(t->touch_ns_per_4k, (double)(t3 - t2) / (double)(size / 4096));
    t->decommit_ns = min_d(t->decommit_ns, (double)(t4 - t3));
  }
  return 0;
}

static void report(const char *backend, const char *size_name, strata_backend *b, size_t size) {
  char what[96];
  if (size % b->page_size != 0) {
    snprintf(what, sizeof what, "%s %s: not a multiple of its %zu KiB page", backend,
             size_name, b->page_size >> 10);
    printf("%-10s %s\n", "arena", what);
    return;
  }
  timings t;
  if (measure(b, size, &t) != 0) {
    printf("%-10s %s %s: backend refused\n", "arena", backend, size_name);
    return;
  }
  snprintf(what, sizeof what, "%s %s reserve+release", backend, size_name);
  strata_bench_report("arena", what, t.reserve_release_ns / 1000, "us");
  snprintf(what, sizeof what, "%s %s commit", backend, size_name);
  strata_bench_report("arena", what, t.commit_ns / 1000, "us");
  snprintf(what, sizeof what, "%s %s first touch", backend, size_name);
  strata_bench_report("arena", what, t.touch_ns_per_4k, "ns/4KiB");
  snprintf(what, sizeof what, "%s %s decommit (touched)", backend, size_name);
  strata_bench_report("arena", what, t.decommit_ns / 1000, "us");
}

int main(void) {
  static const struct {
    const char *name;
    size_t bytes;
  } sizes[] = {{"64KiB", 64u << 10}, {"2MiB", 2u << 20}, {"64MiB", 64u << 20}};

  strata_mmap_backend mb;
  strata_mmap_backend_init(&mb);
  strata_hugepage_backend hb;
  strata_hugepage_backend_init(&hb);
  size_t buffer_size = (64u << 20) + (4u << 20);
  void *buffer = malloc(buffer_size);
  strata_static_backend sb;
  if (buffer == NULL ||
      strata_static_backend_init(&sb, buffer, buffer_size, 4096) != STRATA_OK) {
    fprintf(stderr, "arena_bench: no buffer for the static backend\n");
    return 1;
  }
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    report("mmap", sizes[i].name, &mb.base, sizes[i].bytes);
    report("hugepage", sizes[i].name, &hb.base, sizes[i].bytes);
    report("static", sizes[i].name, &sb.base, sizes[i].bytes);
  }
  bool huge = strata_atomic_load(&hb.huge_pages, STRATA_ORDER_RELAXED);
  printf("%-10s hugepage: transparent huge pages %s\n", "arena",
         huge ? "in use" : "unavailable (fell back to 4 KiB pages)");
  free(buffer);
  return 0;
}
