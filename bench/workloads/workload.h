/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* What every comparison workload shares. A workload is a small program that
 * allocates with plain malloc/free (so that LD_PRELOAD decides whose), takes
 * its size from the command line, checks the bytes it wrote as it goes, and
 * ends by printing "checksum <hex>": a value that depends only on the work
 * done, never on addresses, so every allocator must print the same one.
 * Time and peak memory are measured by the harness (bench/compare.py). */
#ifndef STRATA_BENCH_WORKLOADS_WORKLOAD_H_
#define STRATA_BENCH_WORKLOADS_WORKLOAD_H_

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/benchkit/benchkit.h"

typedef strata_bench_rng workload_rng;

static inline uint64_t workload_next(workload_rng *r) { return strata_bench_rng_next(r); }

static inline uint64_t workload_below(workload_rng *r, uint64_t n) {
  return strata_bench_rng_below(r, n);
}

/* 8 B to 1 KiB, skewed small: most requests are under 128 bytes. */
static inline size_t workload_small_size(workload_rng *r) {
  uint64_t k = workload_below(r, 100);
  if (k < 50) return 8 + workload_below(r, 57);
  if (k < 85) return 64 + workload_below(r, 193);
  return 256 + workload_below(r, 769);
}

/* Writes a pattern derived from `tag` into p[0..size) at a few places and
 * reads it back later with workload_check. */
static inline void workload_fill(unsigned char *p, size_t size, uint64_t tag) {
  p[0] = (unsigned char)tag;
  p[size / 2] = (unsigned char)(tag >> 8);
  p[size - 1] = (unsigned char)(tag >> 16);
}

static inline int workload_check(const unsigned char *p, size_t size, uint64_t tag) {
  return p[0] == (unsigned char)tag && p[size / 2] == (unsigned char)(tag >> 8) &&
         p[size - 1] == (unsigned char)(tag >> 16);
}

/* Objects that cross threads carry their own size and tag in their first 16
 * bytes (so they must be at least 16 bytes), so whichever thread frees one
 * can check it without side tables. workload_stamp returns what the object
 * adds to a checksum; workload_unstamp checks the object and returns the
 * same value (an object under 19 bytes carries only the header), so a
 * workload's sum over its frees equals the sum over its
 * allocations whatever thread did which. */
typedef struct workload_stamp_header {
  uint64_t size;
  uint64_t tag;
} workload_stamp_header;

static inline uint64_t workload_stamp(unsigned char *p, size_t size, uint64_t tag) {
  workload_stamp_header h = {size, tag};
  memcpy(p, &h, sizeof h);
  if (size >= sizeof h + 3) workload_fill(p + sizeof h, size - sizeof h, tag);
  return size ^ (tag << 8);
}

static inline uint64_t workload_unstamp(const unsigned char *p, const char *who) {
  workload_stamp_header h;
  memcpy(&h, p, sizeof h);
  if (h.size < sizeof h || h.size > (1u << 24) ||
      (h.size >= sizeof h + 3 && !workload_check(p + sizeof h, h.size - sizeof h, h.tag))) {
    fprintf(stderr, "workload: memory changed under us (%s)\n", who);
    exit(4);
  }
  return h.size ^ (h.tag << 8);
}

static inline uint64_t workload_mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  return h;
}

static inline void *workload_malloc(size_t size) {
  void *p = malloc(size);
  if (p == NULL) {
    fprintf(stderr, "workload: malloc(%zu) failed\n", size);
    exit(3);
  }
  return p;
}

static inline void workload_corrupt(const char *what) {
  fprintf(stderr, "workload: memory changed under us (%s)\n", what);
  exit(4);
}

/* argv[i] as a number, or `fallback`. */
static inline long workload_arg(int argc, char **argv, int i, long fallback) {
  return argc > i ? atol(argv[i]) : fallback;
}

/* The thread count limit of the multithreaded workloads. */
#define WORKLOAD_MAX_THREADS 64

/* The thread count of a multithreaded workload: argv[1] (default 2),
 * between `least` and WORKLOAD_MAX_THREADS. */
static inline long workload_threads(int argc, char **argv, long least) {
  long threads = workload_arg(argc, argv, 1, 2);
  if (threads < least) threads = least;
  return threads > WORKLOAD_MAX_THREADS ? WORKLOAD_MAX_THREADS : threads;
}

/* What one thread of a cross-thread workload allocated and freed, in
 * workload_stamp units. */
typedef struct workload_tally {
  uint64_t allocated, freed;
} workload_tally;

/* Runs worker(&tallies[i]) on `threads` threads (1 to WORKLOAD_MAX_THREADS;
 * a worker's index is its tally's offset in the array), joins them and
 * returns the sum of their tallies. */
static inline workload_tally workload_run_tallied(long threads, void *(*worker)(void *),
                                                  workload_tally *tallies) {
  pthread_t id[WORKLOAD_MAX_THREADS];
  for (long i = 0; i < threads; i++) pthread_create(&id[i], NULL, worker, &tallies[i]);
  workload_tally total = {0, 0};
  for (long i = 0; i < threads; i++) {
    pthread_join(id[i], NULL);
    total.allocated += tallies[i].allocated;
    total.freed += tallies[i].freed;
  }
  return total;
}

static inline void workload_finish(uint64_t checksum) {
  printf("checksum %016llx\n", (unsigned long long)checksum);
}

#endif /* STRATA_BENCH_WORKLOADS_WORKLOAD_H_ */
