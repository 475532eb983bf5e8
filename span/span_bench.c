/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* span benchmark: allocating and freeing objects in one span, per object,
 * in nanoseconds and callgrind instructions. The loop fills a span of 16-byte
 * objects (512 slots), then frees every object, as a cache refill and flush
 * would. */
#include <stdlib.h>
#include <string.h>

#include "span/span.h"
#include "tools/benchkit/benchkit.h"

#define ROUNDS 20000
#define CALLGRIND_ROUNDS 200

static void *objects[STRATA_SPAN_MAX_OBJECTS];

__attribute__((noinline)) uint64_t loop_span_alloc_free(strata_span *s, int rounds) {
  uint64_t count = 0;
  for (int r = 0; r < rounds; r++) {
    uint32_t n = 0;
    void *p;
    while ((p = strata_span_alloc(s)) != NULL) objects[n++] = p;
    for (uint32_t i = 0; i < n; i++) {
      strata_bench_require_ok(strata_span_free(s, objects[i]), "strata_span_free");
    }
    count += n;
  }
  return count;
}

__attribute__((noinline)) uint64_t loop_span_batch_free(strata_span *s, int rounds) {
  uint64_t count = 0;
  for (int r = 0; r < rounds; r++) {
    size_t n = strata_span_alloc_batch(s, objects, STRATA_SPAN_MAX_OBJECTS);
    for (size_t i = 0; i < n; i++) {
      strata_bench_require_ok(strata_span_free(s, objects[i]), "strata_span_free");
    }
    count += n;
  }
  return count;
}

int main(int argc, char **argv) {
  void *memory = aligned_alloc(STRATA_PAGE_SIZE, STRATA_PAGE_SIZE);
  strata_span s;
  memset(&s, 0, sizeof s);
  strata_span_init_small(&s, (uintptr_t)memory,
                         strata_span_class_make(strata_size_to_class(16), STRATA_KIND_NOSCAN));
  const char *child = strata_bench_child(argc, argv);
  if (child != NULL) {
    uint64_t n = strcmp(child, "loop_span_alloc_free") == 0
                     ? loop_span_alloc_free(&s, CALLGRIND_ROUNDS)
                     : loop_span_batch_free(&s, CALLGRIND_ROUNDS);
    STRATA_BENCH_KEEP(n);
    return 0;
  }
  uint64_t start = strata_bench_now_ns();
  uint64_t n = loop_span_alloc_free(&s, ROUNDS);
  strata_bench_report("span", "alloc + free, 16 B objects, one at a time",
                      (double)(strata_bench_now_ns() - start) / (double)n, "ns/object");
  start = strata_bench_now_ns();
  n = loop_span_batch_free(&s, ROUNDS);
  strata_bench_report("span", "batch alloc + free, 16 B objects",
                      (double)(strata_bench_now_ns() - start) / (double)n, "ns/object");
  uint64_t per_run = (uint64_t)CALLGRIND_ROUNDS * s.object_count;
  double ir = strata_bench_instructions_per_op("loop_span_alloc_free", per_run);
  if (ir >= 0) strata_bench_report("span", "alloc + free, 16 B objects, one at a time", ir, "instructions/object");
  ir = strata_bench_instructions_per_op("loop_span_batch_free", per_run);
  if (ir >= 0) strata_bench_report("span", "batch alloc + free, 16 B objects", ir, "instructions/object");
  free(memory);
  return 0;
}
