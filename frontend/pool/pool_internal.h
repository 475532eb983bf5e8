/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Private to the pool: its layout and the debug checks. */
#ifndef STRATA_FRONTEND_POOL_POOL_INTERNAL_H_
#define STRATA_FRONTEND_POOL_POOL_INTERNAL_H_

#include <stdbool.h>
#include <stdint.h>

#include "base/single_user.h"
#include "frontend/pool/strata_pool.h"
#include "pageheap/pageheap.h"
#include "profile/profile.h"
#include "span/span.h"

typedef struct strata_pool_cleanup_entry {
  void (*fn)(void *);
  void *arg;
  struct strata_pool_cleanup_entry *next; /* older */
} strata_pool_cleanup_entry;

/* A pool lives at the start of its first chunk. Chunks and large objects
 * are page-heap spans, linked through the spans' own list fields: a pool
 * keeps no per-object bookkeeping at all. */
struct strata_pool {
  uintptr_t cursor;                   /* next free byte in the current chunk */
  uintptr_t limit;                    /* end of the current chunk */
  strata_pageheap *heap;
  size_t chunk_pages;
  strata_span *first_chunk;           /* holds this struct; kept by reset */
  strata_span *chunks;                /* the others, newest first */
  strata_span *large;                 /* large objects, doubly linked */
  strata_pool_cleanup_entry *cleanups;
  strata_pool *parent;
  strata_pool *children;
  strata_pool *next_sibling, *prev_sibling;
  strata_pool_stats stats;
  /* Sampled heap profile (strata_pool_set_profile); NULL when off, and the
   * sampler's countdown then stays far from zero: the allocation path's
   * one subtraction never crosses it. */
  strata_profile *profile;
  strata_sampler sampler;
  strata_profile_sample *samples; /* sampled objects in chunks, until reset */
  size_t samples_held;            /* those, plus sampled large objects */
#ifdef STRATA_DEBUG
  uint64_t magic;                     /* STRATA_POOL_MAGIC while alive */
  strata_single_user user;            /* the thread inside a pool call */
#endif
};

#define STRATA_POOL_MAGIC 0x53545241504f4f4cull /* "STRAPOOL" */

/* Debug builds check every entry point: alive, and one thread at a time. */
#ifdef STRATA_DEBUG
void strata_pool_enter(strata_pool *pool, const char *function);
void strata_pool_leave(strata_pool *pool);
#else
static inline void strata_pool_enter(strata_pool *pool, const char *function) {
  (void)pool;
  (void)function;
}
static inline void strata_pool_leave(strata_pool *pool) { (void)pool; }
#endif

/* Allocates with the pool already entered (alloc.c). `caller`: where the
 * program's call returns to, where a sampled stack starts. */
void *strata_pool_alloc_entered(strata_pool *pool, size_t size, size_t alignment, void *caller);

/* A large span's object leaves the pool: its sample, if any, leaves the
 * profile (alloc.c). */
void strata_pool_forget_sample(strata_pool *pool, strata_span *span);

/* The countdown of a pool that does not sample. */
#define STRATA_POOL_NOT_SAMPLING INT64_MAX

#endif /* STRATA_FRONTEND_POOL_POOL_INTERNAL_H_ */
