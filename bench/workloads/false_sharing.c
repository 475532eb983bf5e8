/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* false_sharing THREADS OPS: each thread allocates 64 small objects (16 B)
 * at the same time as the others, then increments them hard. An allocator
 * that hands two threads objects in one cache line makes their writes
 * fight over it. */
#include <pthread.h>

#include "bench/workloads/workload.h"

#define OBJECTS 64

static long rounds;
static pthread_barrier_t start;

static void *worker(void *arg) {
  (void)arg;
  volatile uint64_t *objects[OBJECTS];
  pthread_barrier_wait(&start);
  for (int i = 0; i < OBJECTS; i++) {
    objects[i] = workload_malloc(16);
    *objects[i] = 0;
  }
  for (long r = 0; r < rounds; r++) {
    for (int i = 0; i < OBJECTS; i++) *objects[i] += 1;
  }
  uint64_t sum = 0;
  for (int i = 0; i < OBJECTS; i++) {
    sum += *objects[i];
    free((void *)objects[i]);
  }
  return (void *)(uintptr_t)sum;
}

int main(int argc, char **argv) {
  long threads = workload_arg(argc, argv, 1, 2);
  long ops = workload_arg(argc, argv, 2, 100000000);
  rounds = ops / threads / OBJECTS;
  pthread_barrier_init(&start, NULL, (unsigned)threads);
  pthread_t t[64];
  uint64_t sum = 0;
  for (long i = 0; i < threads; i++) pthread_create(&t[i], NULL, worker, NULL);
  for (long i = 0; i < threads; i++) {
    void *r;
    pthread_join(t[i], &r);
    sum += (uint64_t)(uintptr_t)r;
  }
  workload_finish(sum);
  return 0;
}
