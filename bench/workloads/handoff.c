/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* handoff THREADS OPS: objects handed between threads at random. All
 * threads share 4096 slots; each step a thread allocates an object of
 * 16 B - 8 KiB, swaps it into a random slot with one atomic exchange, and
 * checks and frees the object it took out, which any thread may have
 * allocated. Sizes are spread over most small classes, so frees land on
 * many classes' spans at once. */

#include "bench/workloads/workload.h"

#define SLOTS 4096

static unsigned char *slots[SLOTS];
static long ops_per_thread;

/* 16 B - 8 KiB, most under 512 B. */
static size_t handoff_size(workload_rng *rng) {
  uint64_t k = workload_below(rng, 100);
  if (k < 60) return 16 + workload_below(rng, 113);
  if (k < 90) return 128 + workload_below(rng, 385);
  return 512 + workload_below(rng, 8192 - 512 + 1);
}

static workload_tally tallies[WORKLOAD_MAX_THREADS];

static void *worker(void *arg) {
  workload_tally *t = arg;
  workload_rng rng = {555 + (uint64_t)(t - tallies)};
  for (long n = 0; n < ops_per_thread; n++) {
    size_t size = handoff_size(&rng);
    unsigned char *p = workload_malloc(size);
    t->allocated += workload_stamp(p, size, workload_next(&rng));
    unsigned char *old = __atomic_exchange_n(&slots[workload_below(&rng, SLOTS)], p,
                                             __ATOMIC_ACQ_REL);
    if (old != NULL) {
      t->freed += workload_unstamp(old, "handoff");
      free(old);
    }
  }
  return NULL;
}

int main(int argc, char **argv) {
  long threads = workload_threads(argc, argv, 1);
  long ops = workload_arg(argc, argv, 2, 4000000);
  ops_per_thread = ops / threads;
  workload_tally total = workload_run_tallied(threads, worker, tallies);
  uint64_t allocated = total.allocated, freed = total.freed;
  for (long i = 0; i < SLOTS; i++) {
    if (slots[i] != NULL) {
      freed += workload_unstamp(slots[i], "handoff");
      free(slots[i]);
    }
  }
  if (freed != allocated) workload_corrupt("handoff: objects lost");
  workload_finish(allocated);
  return 0;
}
