/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Soak: tens of millions of malloc/free operations over a stable live set
 * (100 000 objects, mostly small, some up to 64 KiB), on four threads that
 * also pass objects to each other. Resident memory is sampled as it runs;
 * it must plateau: the slope of RSS over the second half, in MiB per
 * million operations, is printed and must stay under a bound. At the end
 * every object is freed and the stats must balance: nothing in use. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frontend/malloc/strata_malloc.h"
#include "tools/benchkit/benchkit.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
/* Sanitizers are ~10x slower: a shorter run, too short for RSS to settle,
 * so only correctness and the balance are checked there. */
#define OPS_PER_THREAD 1000000L
#define CHECK_PLATEAU 0
#else
#define OPS_PER_THREAD 6000000L
#define CHECK_PLATEAU 1
#endif
#define THREADS 4
#define LIVE_PER_THREAD 25000
#define SAMPLES 40

typedef struct slot {
  unsigned char *p;
  uint32_t size;
} slot;

static slot live[THREADS][LIVE_PER_THREAD];
static double samples[SAMPLES]; /* RSS every OPS_PER_THREAD / SAMPLES of thread 0's operations */
static pthread_mutex_t swap_lock = PTHREAD_MUTEX_INITIALIZER;
static slot parcel[256];
static int failures;

static uint64_t next(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static uint32_t pick(uint64_t *s) {
  uint64_t r = next(s) % 1000;
  if (r < 700) return 8 + (uint32_t)(next(s) % 120);
  if (r < 990) return 128 + (uint32_t)(next(s) % 3000);
  return 4096 + (uint32_t)(next(s) % 60000);
}

static void fill(slot *s, uint64_t *rng) {
  s->size = pick(rng);
  s->p = strata_malloc(s->size);
  if (s->p == NULL) {
    __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
    return;
  }
  s->p[0] = (unsigned char)s->size;
  s->p[s->size - 1] = (unsigned char)(s->size >> 3);
}

static void drop(slot *s) {
  if (s->p == NULL) return;
  if (s->p[0] != (unsigned char)s->size || s->p[s->size - 1] != (unsigned char)(s->size >> 3)) {
    __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
  }
  strata_free(s->p);
  s->p = NULL;
}

static void *worker(void *arg) {
  long id = (long)arg;
  uint64_t rng = 0x9E3779B97F4A7C15ull * (uint64_t)(id + 1);
  slot *mine = live[id];
  for (int i = 0; i < LIVE_PER_THREAD; i++) fill(&mine[i], &rng);
  for (long op = 0; op < OPS_PER_THREAD; op++) {
    if (id == 0 && op % (OPS_PER_THREAD / SAMPLES) == 0) samples[op / (OPS_PER_THREAD / SAMPLES)] = strata_bench_resident_bytes() / 1048576.0;
    int i = (int)(next(&rng) % LIVE_PER_THREAD);
    if (op % 4096 == 0) {
      /* Trade 256 objects with whichever thread came last: cross-thread frees. */
      pthread_mutex_lock(&swap_lock);
      for (int k = 0; k < 256; k++) {
        slot t = parcel[k];
        parcel[k] = mine[(i + k) % LIVE_PER_THREAD];
        mine[(i + k) % LIVE_PER_THREAD] = t;
      }
      pthread_mutex_unlock(&swap_lock);
      continue;
    }
    drop(&mine[i]);
    fill(&mine[i], &rng);
  }
  return NULL;
}


int main(void) {
  pthread_t threads[THREADS];
  for (long t = 0; t < THREADS; t++) pthread_create(&threads[t], NULL, worker, (void *)t);
  for (int t = 0; t < THREADS; t++) pthread_join(threads[t], NULL);

  int n = 0;
  while (n < SAMPLES && samples[n] > 0) n++;
  /* Least-squares slope of RSS over the second half of the samples. */
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  int half = n / 2, m = n - half;
  for (int i = half; i < n; i++) {
    sx += i;
    sy += samples[i];
    sxx += (double)i * i;
    sxy += i * samples[i];
  }
  double per_sample = m > 1 ? (m * sxy - sx * sy) / (m * sxx - sx * sx) : 0;
  double ops = (double)THREADS * OPS_PER_THREAD;
  /* Samples are OPS_PER_THREAD / SAMPLES operations of each thread apart. */
  double per_million = per_sample / ((double)THREADS * OPS_PER_THREAD / SAMPLES / 1e6);

  for (int t = 0; t < THREADS; t++) {
    for (int i = 0; i < LIVE_PER_THREAD; i++) drop(&live[t][i]);
  }
  for (int k = 0; k < 256; k++) drop(&parcel[k]);
  strata_malloc_release();
  strata_malloc_stats stats;
  strata_malloc_get_stats(&stats);
  printf("soak: %.0f million operations, %d RSS samples, RSS %.1f -> %.1f MiB, second-half "
         "slope %.3f MiB per million operations; in use after freeing all: %zu bytes\n",
         ops / 1e6, n, n ? samples[0] : 0, n ? samples[n - 1] : 0, per_million,
         stats.in_use_bytes);
  int ok = failures == 0 && stats.in_use_bytes == 0 && strata_malloc_check() == 0 &&
           (!CHECK_PLATEAU || per_million < 0.5);
  printf("%s\n", ok ? "soak: ok" : "soak: FAILED");
  return ok ? 0 : 1;
}
