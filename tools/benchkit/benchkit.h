/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* benchkit: what every strata benchmark needs, so each prints its figures
 * the same way.
 *
 * A benchmark measures two things per operation:
 *   - time: wall nanoseconds over many repetitions (noisy on shared
 *     machines: compare within one run, not across runs);
 *   - instructions: counted by valgrind's callgrind, which is repeatable for
 *     the same binary and input whatever the machine is doing.
 *
 * For instruction counts a benchmark re-executes itself under callgrind with
 * collection switched on only inside one named, non-inlined function, and
 * reads the total back. The child side of that is strata_bench_child(). */
#ifndef STRATA_TOOLS_BENCHKIT_BENCHKIT_H_
#define STRATA_TOOLS_BENCHKIT_BENCHKIT_H_

#include <stddef.h>
#include <stdint.h>

#include "base/arith.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Stops the benchmark with a message when a strata call that must succeed
 * did not (a status other than 0, STRATA_OK): figures from a broken setup
 * would mean nothing. */
void strata_bench_require_ok(int status, const char *what);

/* Monotonic clock in nanoseconds. */
uint64_t strata_bench_now_ns(void);

/* xorshift64* (base/arith.h): fast, deterministic, good enough to pick
 * sizes and slots. */
typedef struct strata_bench_rng {
  uint64_t state;
} strata_bench_rng;

static inline uint64_t strata_bench_rng_next(strata_bench_rng *rng) {
  return strata_xorshift64star(&rng->state);
}

/* Uniform in [0, bound), bound > 0. */
static inline uint64_t strata_bench_rng_below(strata_bench_rng *rng, uint64_t bound) {
  return strata_bench_rng_next(rng) % bound;
}

/* The simulated request both request-loop benchmarks replay (the pool's
 * and the comparison workload): the generator seeded for request r, how
 * many allocations it makes (50 to 2000), and the size of each (16 B to
 * 8 KiB, 1 % up to 64 KiB). */
#define STRATA_BENCH_REQUEST_MAX_ALLOCS 2000

static inline strata_bench_rng strata_bench_request_rng(long r) {
  strata_bench_rng rng = {0x9E3779B97F4A7C15ull ^ (uint64_t)(r + 1)};
  return rng;
}

static inline int strata_bench_request_allocs(strata_bench_rng *rng) {
  return 50 + (int)strata_bench_rng_below(rng, STRATA_BENCH_REQUEST_MAX_ALLOCS - 49);
}

static inline size_t strata_bench_request_size(strata_bench_rng *rng) {
  uint64_t r = strata_bench_rng_below(rng, 100);
  if (r < 60) return 16 + strata_bench_rng_below(rng, 113);
  if (r < 90) return 128 + strata_bench_rng_below(rng, 897);
  if (r < 99) return 1024 + strata_bench_rng_below(rng, 7169);
  return 16384 + strata_bench_rng_below(rng, 49153);
}

/* The process's resident memory now, in bytes (0 if unknown). */
size_t strata_bench_resident_bytes(void);

/* Prints one result line: "<layer>  <what>  <value> <unit>". */
void strata_bench_report(const char *layer, const char *what, double value,
                         const char *unit);

/* Keeps the compiler from proving a value unused or constant. */
#define STRATA_BENCH_KEEP(x) __asm__ volatile("" : "+r"(x))

/* When argv asks for it (argv[1] == "--callgrind-child"), returns the name of
 * the function the parent wants counted (argv[2]); the benchmark then calls
 * just that function and exits. Otherwise returns NULL. */
const char *strata_bench_child(int argc, char **argv);

/* Runs this executable again under callgrind as a child, counting only the
 * instructions executed inside `function` (and what it calls), and returns
 * them divided by `operations`. Returns a negative value when valgrind is not
 * installed or the run fails; the reason is printed on stderr. */
double strata_bench_instructions_per_op(const char *function, uint64_t operations);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_TOOLS_BENCHKIT_BENCHKIT_H_ */
