/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The profile layer's costs, each paid once per sample: the sampler's
 * slow path (one exponential draw), a call stack of 20 frames, and
 * recording plus freeing a sample. At a 512 KiB rate a program allocating
 * 1 GiB/s takes about 2000 samples a second; the sum of these figures
 * times that is the profiling's cost beyond the malloc fast path. */
#include <string.h>

#include "arena/backends.h"
#include "profile/profile.h"
#include "tools/benchkit/benchkit.h"

#define ROUNDS 100000
#define CALLGRIND_ROUNDS 1000

static strata_sampler sampler;
static strata_profile profile;
static void *frames[STRATA_PROFILE_MAX_DEPTH];
static unsigned depth;

__attribute__((noinline)) void loop_draw(int rounds) {
  for (int i = 0; i < rounds; i++) {
    int64_t x = strata_sampler_draw(&sampler, 512 << 10);
    STRATA_BENCH_KEEP(x);
  }
}

__attribute__((noinline)) static void stack_level(int n) {
  if (n > 0) {
    stack_level(n - 1);
    __asm__ volatile("");
    return;
  }
  depth = strata_profile_backtrace(frames, STRATA_PROFILE_MAX_DEPTH, 0);
}

__attribute__((noinline)) void loop_backtrace(int rounds) {
  for (int i = 0; i < rounds; i++) stack_level(18);
}

__attribute__((noinline)) void loop_record_free(int rounds) {
  for (int i = 0; i < rounds; i++) {
    strata_profile_sample *s = strata_profile_record_alloc(&profile, &sampler, 64, frames, depth);
    if (s != NULL) strata_profile_record_free(&profile, s);
  }
}

static const struct {
  const char *name;
  void (*loop)(int);
  const char *what;
} cases[] = {
    {"loop_draw", loop_draw, "sampler: draw an interval"},
    {"loop_backtrace", loop_backtrace, "call stack of 20 frames (unwinder)"},
    {"loop_record_free", loop_record_free, "record a sample and free it"},
};

int main(int argc, char **argv) {
  strata_mmap_backend backend;
  strata_mmap_backend_init(&backend);
  strata_profile_init(&profile, &backend.base, 512 << 10, 0);
  strata_sampler_seed(&sampler, 1);
  loop_backtrace(1);
  const char *child = strata_bench_child(argc, argv);
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    if (child != NULL) {
      if (strcmp(child, cases[c].name) == 0) cases[c].loop(CALLGRIND_ROUNDS);
      continue;
    }
    uint64_t start = strata_bench_now_ns();
    cases[c].loop(ROUNDS);
    strata_bench_report("profile", cases[c].what,
                        (double)(strata_bench_now_ns() - start) / ROUNDS, "ns/op");
    double instructions = strata_bench_instructions_per_op(cases[c].name, CALLGRIND_ROUNDS);
    if (instructions > 0) strata_bench_report("profile", cases[c].what, instructions, "instr/op");
  }
  strata_status_ignore(strata_profile_destroy(&profile)); /* the process ends */
  return 0;
}
