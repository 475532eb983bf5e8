/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* xbatch THREADS OPS: batch exchange. Each thread allocates a batch of 100
 * objects of mixed sizes, puts it in one of 2*THREADS exchange boxes chosen
 * at random, takes out the batch that was there, and frees that batch in
 * reverse order of allocation. Almost every object is freed by a thread
 * that did not allocate it, in bursts of a whole batch: the pattern where a
 * lock between thread caches hurts most. The boxes are swapped with one
 * atomic exchange, so the workload itself never sleeps. */

#include "bench/workloads/workload.h"

#define BATCH 100

typedef struct batch {
  unsigned char *p[BATCH];
} batch;

static batch *boxes[2 * WORKLOAD_MAX_THREADS];
static long box_count;
static long batches_per_thread;

static batch *make(workload_rng *rng, uint64_t *sum) {
  batch *b = workload_malloc(sizeof *b);
  for (int i = 0; i < BATCH; i++) {
    size_t size = 16 + workload_small_size(rng);
    b->p[i] = workload_malloc(size);
    *sum += workload_stamp(b->p[i], size, workload_next(rng));
  }
  return b;
}

static uint64_t release(batch *b) {
  uint64_t sum = 0;
  for (int i = BATCH; i-- > 0;) {
    sum += workload_unstamp(b->p[i], "xbatch");
    free(b->p[i]);
  }
  free(b);
  return sum;
}

static workload_tally tallies[WORKLOAD_MAX_THREADS];

static void *worker(void *arg) {
  workload_tally *t = arg;
  workload_rng rng = {31 + (uint64_t)(t - tallies)};
  for (long n = 0; n < batches_per_thread; n++) {
    batch *mine = make(&rng, &t->allocated);
    batch *theirs = __atomic_exchange_n(&boxes[workload_below(&rng, (uint64_t)box_count)], mine,
                                        __ATOMIC_ACQ_REL);
    if (theirs != NULL) t->freed += release(theirs);
  }
  return NULL;
}

int main(int argc, char **argv) {
  long threads = workload_threads(argc, argv, 1);
  long ops = workload_arg(argc, argv, 2, 4000000);
  box_count = 2 * threads;
  batches_per_thread = ops / BATCH / threads;
  workload_tally total = workload_run_tallied(threads, worker, tallies);
  uint64_t allocated = total.allocated, freed = total.freed;
  for (long i = 0; i < box_count; i++) {
    if (boxes[i] != NULL) freed += release(boxes[i]);
  }
  if (freed != allocated) workload_corrupt("xbatch: objects lost");
  workload_finish(allocated);
  return 0;
}
