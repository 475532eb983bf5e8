/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* profile: sampled heap profiles, for any frontend.
 *
 * A heap profile answers "which call stacks hold the memory, and which
 * allocated the most". Recording every allocation costs too much, so, as
 * the Go runtime (MemProfileRate) and tcmalloc do, strata samples by bytes:
 * the allocation stream is cut by a Poisson process of one point per
 * `rate` bytes on average, and an allocation that contains a point is
 * sampled. An allocation of `size` bytes is thus sampled with probability
 * 1 - exp(-size/rate), independently of every other one: objects much
 * larger than the rate always are, and dividing a sampled count by that
 * probability gives an unbiased estimate of the real one (what pprof does
 * when it reads a profile, from the rate in its header).
 *
 * The layer has three parts, usable apart:
 *
 *   strata_sampler    one per thread (or per pool), owned by the caller:
 *                     the bytes left before the next sample, and a random
 *                     state. The caller's fast path subtracts each size and
 *                     calls strata_sampler_crossed when it goes below zero.
 *   strata_profile    the samples: per (call stack, size) a bucket with
 *                     allocated and freed counts, and per sampled object a
 *                     record that its free hands back. Thread-safe (one
 *                     non-sleeping lock), memory from its own backend
 *                     chunks (never malloc), bounded by max_bytes.
 *   writing           the heap-profile text format of gperftools ("heap_v2",
 *                     which `google-pprof` reads), with the process's
 *                     memory map for symbols.
 *
 * Nothing here calls malloc, so a malloc may call all of it. */
#ifndef STRATA_PROFILE_PROFILE_H_
#define STRATA_PROFILE_PROFILE_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena/backend.h"
#include "base/lock.h"
#include "base/status.h"
#include "metadata/metadata.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The deepest call stack recorded; deeper ones keep their innermost frames. */
#define STRATA_PROFILE_MAX_DEPTH 64

/* ---- the sampler ---- */

typedef struct strata_sampler {
  /* Bytes still to allocate before the next sample. The owner's fast path
   * subtracts each allocation's size and calls strata_sampler_crossed when
   * the result is negative; a zeroed sampler crosses at once and starts. */
  int64_t bytes_until_sample;
  uint64_t random; /* xorshift state; 0: not started */
} strata_sampler;

/* Seeds a sampler (tests use it for repeatable runs); 0 picks a seed from
 * the sampler's address and the clock, as a zeroed sampler does. */
void strata_sampler_seed(strata_sampler *s, uint64_t seed);

/* Called when an allocation of `size` bytes took bytes_until_sample below
 * zero: true when that allocation is to be sampled. Draws the next
 * interval (exponential, mean `rate`). With rate 0 (profiling off) it
 * returns false and sets an interval of STRATA_SAMPLER_OFF_INTERVAL, after
 * which the owner asks again (so that a rate set later takes effect). */
bool strata_sampler_crossed(strata_sampler *s, size_t size, uint64_t rate);

#define STRATA_SAMPLER_OFF_INTERVAL ((int64_t)64 << 20)

/* One draw of the exponential interval, in bytes (at least 1). */
int64_t strata_sampler_draw(strata_sampler *s, uint64_t rate);

/* ---- stacks ---- */

/* The return addresses of the calling thread's stack, innermost first,
 * leaving out the `skip` innermost frames (the caller's own and its
 * callers' inside the allocator). At most `max` are stored; returns how
 * many. Uses the unwinder of the C runtime (DWARF call-frame
 * information), so it is exact through code built without frame pointers
 * and never reads outside the stack; it does not call malloc. */
unsigned strata_profile_backtrace(void **frames, unsigned max, unsigned skip);

/* The stack as the program sees it: strata_profile_backtrace, then the
 * innermost frames up to the one that returns to `caller` (the allocator's
 * own, whose number inlining and tail calls make vary) set aside. Sets
 * *first to where the program's frames start in `frames` and returns how
 * many there are; when `caller` is not on the stack at all (a function
 * without call-frame information), every frame is kept. */
unsigned strata_profile_backtrace_from(void **frames, unsigned max, const void *caller,
                                       unsigned *first);

/* ---- the profile ---- */

typedef struct strata_profile_bucket strata_profile_bucket;

/* One sampled object, from its allocation to its free. */
typedef struct strata_profile_sample {
  strata_profile_bucket *bucket;
  uintptr_t address;
  size_t size;                       /* what the program asked for */
  uint64_t time_ns;                  /* CLOCK_MONOTONIC_COARSE at allocation */
  struct strata_profile_sample *next; /* free for the owner's own lists */
} strata_profile_sample;

typedef struct strata_profile_stats {
  uint64_t rate;            /* bytes per sample; 0: off */
  uint64_t samples;         /* sampled allocations ever */
  uint64_t samples_in_use;  /* sampled and not freed */
  uint64_t buckets;         /* distinct (stack, size) pairs */
  uint64_t truncated;       /* samples put in the "(stacks dropped)" bucket */
  size_t memory_bytes;      /* the profile's own memory, reserved from the backend */
  size_t max_bytes;         /* the bound on it */
} strata_profile_stats;

typedef struct strata_profile {
  /* Read with relaxed loads by the owner's samplers, stored (relaxed) by
   * strata_profile_set_rate: a sampler that sees the old rate a while
   * longer only samples at it. */
  strata_atomic_u64 rate;
  /* Everything below is guarded by `lock`. */
  strata_lock lock;
  strata_persistent memory STRATA_GUARDED_BY(&lock);      /* buckets, the hash table, samples */
  strata_fixalloc samples STRATA_GUARDED_BY(&lock);       /* strata_profile_sample */
  strata_profile_bucket **table STRATA_GUARDED_BY(&lock); /* hash chains */
  size_t table_size STRATA_GUARDED_BY(&lock);             /* a power of two */
  strata_profile_bucket *all STRATA_GUARDED_BY(&lock);    /* every bucket, newest first */
  /* Where samples go once max_bytes is reached. */
  strata_profile_bucket *truncated_bucket STRATA_GUARDED_BY(&lock);
  size_t max_bytes STRATA_GUARDED_BY(&lock);
  uint64_t bucket_count STRATA_GUARDED_BY(&lock);
  uint64_t sample_count STRATA_GUARDED_BY(&lock);
  uint64_t samples_in_use STRATA_GUARDED_BY(&lock);
  uint64_t truncated STRATA_GUARDED_BY(&lock);
} strata_profile;

/* max_bytes: the most the profile may take from `backend` for itself
 * (0: a default of 16 MiB). When it is reached, new stacks are counted in
 * one bucket with no stack; nothing is lost from the totals. */
void strata_profile_init(strata_profile *p, strata_backend *backend, uint64_t rate,
                         size_t max_bytes);

/* Gives the profile's memory back; every sample record is invalid after. */
strata_status strata_profile_destroy(strata_profile *p) STRATA_MUST_USE;

static inline uint64_t strata_profile_rate(const strata_profile *p) {
  return strata_atomic_load(&p->rate, STRATA_ORDER_RELAXED);
}

/* Changes the rate for samples drawn from now on (0: no more samples).
 * Samples taken at different rates do not mix well: the written profile
 * states one rate, the current one. */
void strata_profile_set_rate(strata_profile *p, uint64_t rate);

/* Records a sampled allocation of `size` bytes at `address` with its call
 * stack. Returns its record, which the owner keeps (next to the object)
 * and passes to strata_profile_record_free when the object is freed; NULL
 * only when no record could be made (the backend refused memory), in which
 * case the object simply is not in the profile. */
strata_profile_sample *strata_profile_record_alloc(strata_profile *p, const void *address,
                                                   size_t size, void *const *frames,
                                                   unsigned depth);

/* The sampled object is freed: it leaves the in-use figures (the
 * cumulative ones keep it) and its record is recycled. */
void strata_profile_record_free(strata_profile *p, strata_profile_sample *sample);

void strata_profile_get_stats(strata_profile *p, strata_profile_stats *out);

/* Writes the profile to `fd` in the heap-profile text format
 *
 *   heap profile: <in-use objects>: <in-use bytes> [<allocated objects>:
 *       <allocated bytes>] @ heap_v2/<rate>
 *   <in-use>: <bytes> [<allocated>: <bytes>] @ <return addresses>
 *   ...
 *   MAPPED_LIBRARIES:
 *   <the process's /proc/self/maps>
 *
 * with sampled counts: a reader scales them by the sampling probability.
 * Takes the lock while the buckets are written. Does not allocate; a
 * signal handler may call it unless it interrupted this profile's lock
 * holder on the same thread. STRATA_ERR_OS when a write fails. */
strata_status strata_profile_write(strata_profile *p, int fd) STRATA_MUST_USE;

/* strata_profile_write to a new file (created or truncated, mode 0644). */
strata_status strata_profile_write_file(strata_profile *p, const char *path) STRATA_MUST_USE;

/* For fork: hold the lock across fork() and release it in both processes. */
void strata_profile_lock(strata_profile *p) STRATA_ACQUIRE(&p->lock);
void strata_profile_unlock(strata_profile *p) STRATA_RELEASE(&p->lock);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_PROFILE_PROFILE_H_ */
