/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* larson THREADS OPS: a server simulation in the manner of Larson and
 * Krishnan's benchmark. Each thread owns an array of slots and replaces
 * random slots with new objects of random sizes; every 1000 replacements
 * it swaps its whole array with the one waiting at an exchange point, so
 * objects are freed by threads that did not allocate them. */
#include <pthread.h>

#include "bench/workloads/workload.h"

#define SLOTS 1000

typedef struct slot_array {
  unsigned char *p[SLOTS];
  size_t size[SLOTS];
  uint64_t tag[SLOTS];
} slot_array;

static pthread_mutex_t exchange_lock = PTHREAD_MUTEX_INITIALIZER;
static slot_array *exchange;
static long ops_per_thread;

static slot_array *make_array(workload_rng *rng) {
  slot_array *a = workload_malloc(sizeof *a);
  for (int i = 0; i < SLOTS; i++) {
    a->size[i] = workload_small_size(rng);
    a->tag[i] = workload_next(rng);
    a->p[i] = workload_malloc(a->size[i]);
    workload_fill(a->p[i], a->size[i], a->tag[i]);
  }
  return a;
}

static void *worker(void *arg) {
  long id = (long)arg;
  workload_rng rng = {1000 + (uint64_t)id};
  slot_array *mine = make_array(&rng);
  uint64_t sum = 0;
  for (long n = 0; n < ops_per_thread; n++) {
    int i = (int)workload_below(&rng, SLOTS);
    if (!workload_check(mine->p[i], mine->size[i], mine->tag[i])) workload_corrupt("larson");
    free(mine->p[i]);
    size_t size = workload_small_size(&rng);
    mine->size[i] = size;
    mine->tag[i] = workload_next(&rng);
    mine->p[i] = workload_malloc(size);
    workload_fill(mine->p[i], size, mine->tag[i]);
    sum += size;
    if (n % 1000 == 999) { /* the exchange always holds one array */
      pthread_mutex_lock(&exchange_lock);
      slot_array *theirs = exchange;
      exchange = mine;
      pthread_mutex_unlock(&exchange_lock);
      mine = theirs;
    }
  }
  pthread_mutex_lock(&exchange_lock);
  for (int i = 0; i < SLOTS; i++) free(mine->p[i]);
  free(mine);
  pthread_mutex_unlock(&exchange_lock);
  return (void *)(uintptr_t)sum;
}

int main(int argc, char **argv) {
  long threads = workload_arg(argc, argv, 1, 2);
  long ops = workload_arg(argc, argv, 2, 4000000);
  ops_per_thread = ops / threads;
  workload_rng rng = {999};
  exchange = make_array(&rng);
  pthread_t t[64];
  uint64_t sum = 0;
  for (long i = 0; i < threads; i++) pthread_create(&t[i], NULL, worker, (void *)i);
  for (long i = 0; i < threads; i++) {
    void *r;
    pthread_join(t[i], &r);
    sum += (uint64_t)(uintptr_t)r;
  }
  for (int i = 0; i < SLOTS; i++) free(exchange->p[i]);
  free(exchange);
  workload_finish(sum);
  return 0;
}
