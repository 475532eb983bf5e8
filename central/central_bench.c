/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* central benchmark: moving batches of 32 16-byte objects between a caller
 * and the central lists, per object, in ns and callgrind instructions:
 *   - through the transfer cache (the common case: one batch out, back in);
 *   - mostly through span bitmaps: 64 batches out, then 64 back, of which
 *     the transfer cache holds only 8. */
#include <string.h>

#include "arena/backends.h"
#include "central/central.h"
#include "tools/benchkit/benchkit.h"

#define BATCH 32
#define SPAN_BATCHES 64
#define TRANSFER_ROUNDS 200000
#define SPAN_ROUNDS 3000
#define CALLGRIND_DIVISOR 40

static strata_mmap_backend backend;
static strata_pageheap heap;
static strata_central central;
static strata_span_class span_class;
static void *held[SPAN_BATCHES][BATCH];

__attribute__((noinline)) uint64_t loop_transfer(int rounds) {
  uint64_t moved = 0;
  for (int r = 0; r < rounds; r++) {
    moved += strata_central_remove(&central, span_class, held[0], BATCH);
    strata_bench_require_ok(strata_central_insert(&central, span_class, held[0], BATCH, NULL),
                            "strata_central_insert");
  }
  return moved;
}

__attribute__((noinline)) uint64_t loop_spans(int rounds) {
  uint64_t moved = 0;
  for (int r = 0; r < rounds; r++) {
    for (int b = 0; b < SPAN_BATCHES; b++) {
      moved += strata_central_remove(&central, span_class, held[b], BATCH);
    }
    for (int b = 0; b < SPAN_BATCHES; b++) {
      strata_bench_require_ok(strata_central_insert(&central, span_class, held[b], BATCH, NULL),
                              "strata_central_insert");
    }
  }
  return moved;
}

typedef struct bench_case {
  const char *function;
  uint64_t (*loop)(int);
  int rounds;
  const char *what;
} bench_case;

static const bench_case cases[] = {
    {"loop_transfer", loop_transfer, TRANSFER_ROUNDS, "remove + insert via transfer cache, 16 B"},
    {"loop_spans", loop_spans, SPAN_ROUNDS, "remove + insert, 60/64 via span bitmaps, 16 B"},
};

int main(int argc, char **argv) {
  strata_mmap_backend_init(&backend);
  strata_bench_require_ok(strata_pageheap_init(&heap, &backend.base, NULL), "strata_pageheap_init");
  strata_central_init(&central, &heap);
  span_class = strata_span_class_make(strata_size_to_class(16), STRATA_KIND_NOSCAN);
  const char *child = strata_bench_child(argc, argv);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const bench_case *c = &cases[i];
    if (child != NULL) {
      if (strcmp(child, c->function) != 0) continue;
      uint64_t n = c->loop(c->rounds / CALLGRIND_DIVISOR);
      STRATA_BENCH_KEEP(n);
      return 0;
    }
    uint64_t start = strata_bench_now_ns();
    uint64_t n = c->loop(c->rounds);
    strata_bench_report("central", c->what, (double)(strata_bench_now_ns() - start) / (double)n,
                        "ns/object");
  }
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const bench_case *c = &cases[i];
    uint64_t per_round = c->loop == loop_spans ? SPAN_BATCHES * BATCH : BATCH;
    double ir = strata_bench_instructions_per_op(
        c->function, (uint64_t)(c->rounds / CALLGRIND_DIVISOR) * per_round);
    if (ir >= 0) strata_bench_report("central", c->what, ir, "instructions/object");
  }
  return 0;
}
