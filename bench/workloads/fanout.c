/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* fanout THREADS OPS: one producer, THREADS-1 consumers. The producer
 * allocates OPS objects of mixed sizes in batches of 64 and deals the
 * batches round robin to one single-producer ring per consumer; each
 * consumer checks and frees what it receives. Every object is freed by a
 * thread that did not allocate it, and the producer's allocation rate sets
 * the pace: the allocator's remote-free path is the whole cost. The rings
 * are lock free and a waiting side yields the processor rather than sleep,
 * so the context switches counted are the allocator's. */
#include <pthread.h>
#include <sched.h>

#include "bench/workloads/workload.h"

#define BATCH 64
#define RING 16

typedef struct batch {
  unsigned char *p[BATCH];
} batch;

/* One producer writes `tail`, one consumer writes `head`; each reads the
 * other's with acquire. A NULL slot after `done` ends the consumer. */
typedef struct ring {
  batch *slot[RING];
  unsigned long head __attribute__((aligned(64)));
  unsigned long tail __attribute__((aligned(64)));
  int done;
} ring;

static ring rings[WORKLOAD_MAX_THREADS];

static void put(ring *r, batch *b) {
  unsigned long tail = r->tail;
  while (tail - __atomic_load_n(&r->head, __ATOMIC_ACQUIRE) == RING) sched_yield();
  r->slot[tail % RING] = b;
  __atomic_store_n(&r->tail, tail + 1, __ATOMIC_RELEASE);
}

static batch *take(ring *r) {
  unsigned long head = r->head;
  while (__atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) == head) {
    if (__atomic_load_n(&r->done, __ATOMIC_ACQUIRE) &&
        __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) == head) {
      return NULL;
    }
    sched_yield();
  }
  batch *b = r->slot[head % RING];
  __atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
  return b;
}

static void *consumer(void *arg) {
  ring *r = arg;
  uint64_t sum = 0;
  batch *b;
  while ((b = take(r)) != NULL) {
    for (int i = 0; i < BATCH; i++) {
      sum += workload_unstamp(b->p[i], "fanout");
      free(b->p[i]);
    }
    free(b);
  }
  return (void *)(uintptr_t)sum;
}

int main(int argc, char **argv) {
  long threads = workload_threads(argc, argv, 2);
  long ops = workload_arg(argc, argv, 2, 4000000);
  long consumers = threads - 1;
  pthread_t id[WORKLOAD_MAX_THREADS];
  for (long i = 0; i < consumers; i++) pthread_create(&id[i], NULL, consumer, &rings[i]);
  workload_rng rng = {77};
  uint64_t allocated = 0;
  for (long n = 0; n < ops / BATCH; n++) {
    batch *b = workload_malloc(sizeof *b);
    for (int i = 0; i < BATCH; i++) {
      size_t size = 16 + workload_small_size(&rng);
      b->p[i] = workload_malloc(size);
      allocated += workload_stamp(b->p[i], size, workload_next(&rng));
    }
    put(&rings[n % consumers], b);
  }
  uint64_t freed = 0;
  for (long i = 0; i < consumers; i++) __atomic_store_n(&rings[i].done, 1, __ATOMIC_RELEASE);
  for (long i = 0; i < consumers; i++) {
    void *r = NULL;
    pthread_join(id[i], &r);
    freed += (uint64_t)(uintptr_t)r;
  }
  if (freed != allocated) workload_corrupt("fanout: objects lost");
  workload_finish(allocated);
  return 0;
}
