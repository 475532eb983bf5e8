/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* prodcons THREADS OPS: half the threads (at least one) allocate objects
 * and pass them, in batches of 64, through a queue to the other half, which
 * check and free them: cross-thread free at full rate. With one thread it
 * produces and consumes in turn. */
#include <pthread.h>

#include "bench/workloads/workload.h"

#define BATCH 64
#define QUEUE 64

typedef struct batch {
  unsigned char *p[BATCH];
  size_t size[BATCH];
  uint64_t tag[BATCH];
} batch;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static batch *queue[QUEUE];
static int head, count, producers_left;
static long batches_per_producer;

static void push(batch *b) {
  pthread_mutex_lock(&lock);
  while (count == QUEUE) pthread_cond_wait(&not_full, &lock);
  queue[(head + count) % QUEUE] = b;
  count++;
  pthread_cond_signal(&not_empty);
  pthread_mutex_unlock(&lock);
}

static batch *pop(void) {
  pthread_mutex_lock(&lock);
  while (count == 0 && producers_left > 0) pthread_cond_wait(&not_empty, &lock);
  batch *b = NULL;
  if (count > 0) {
    b = queue[head];
    head = (head + 1) % QUEUE;
    count--;
    pthread_cond_signal(&not_full);
  }
  pthread_mutex_unlock(&lock);
  return b;
}

static batch *make(workload_rng *rng) {
  batch *b = workload_malloc(sizeof *b);
  for (int i = 0; i < BATCH; i++) {
    b->size[i] = workload_small_size(rng);
    b->tag[i] = workload_next(rng);
    b->p[i] = workload_malloc(b->size[i]);
    workload_fill(b->p[i], b->size[i], b->tag[i]);
  }
  return b;
}

static uint64_t consume(batch *b) {
  uint64_t sum = 0;
  for (int i = 0; i < BATCH; i++) {
    if (!workload_check(b->p[i], b->size[i], b->tag[i])) workload_corrupt("prodcons");
    sum += b->size[i];
    free(b->p[i]);
  }
  free(b);
  return sum;
}

static void *producer(void *arg) {
  workload_rng rng = {7 + (uint64_t)(uintptr_t)arg};
  for (long n = 0; n < batches_per_producer; n++) push(make(&rng));
  pthread_mutex_lock(&lock);
  producers_left--;
  pthread_cond_broadcast(&not_empty);
  pthread_mutex_unlock(&lock);
  return NULL;
}

static void *consumer(void *arg) {
  (void)arg;
  uint64_t sum = 0;
  batch *b;
  while ((b = pop()) != NULL) sum += consume(b);
  return (void *)(uintptr_t)sum;
}

int main(int argc, char **argv) {
  long threads = workload_arg(argc, argv, 1, 2);
  long ops = workload_arg(argc, argv, 2, 2000000);
  uint64_t sum = 0;
  if (threads < 2) {
    workload_rng rng = {7};
    for (long n = 0; n < ops / BATCH; n++) sum += consume(make(&rng));
    workload_finish(sum);
    return 0;
  }
  long producers = threads / 2, consumers = threads - producers;
  batches_per_producer = ops / BATCH / producers;
  producers_left = (int)producers;
  pthread_t t[64];
  for (long i = 0; i < producers; i++) pthread_create(&t[i], NULL, producer, (void *)i);
  for (long i = 0; i < consumers; i++) pthread_create(&t[producers + i], NULL, consumer, NULL);
  for (long i = 0; i < threads; i++) {
    void *r = NULL;
    pthread_join(t[i], &r);
    if (i >= producers) sum += (uint64_t)(uintptr_t)r;
  }
  workload_finish(sum);
  return 0;
}
