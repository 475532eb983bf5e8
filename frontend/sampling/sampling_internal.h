/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Private to the sampling layer: its process state, its part of a thread's
 * cache, and what its three files call of each other.
 *
 * The layer is heap profiling (profiling.c), guarded sampling (guard.c)
 * and the sampled allocation functions that feed both (sampled.c). It is
 * linked only into the profiled variants (libstrata_profiled.so, the
 * profiled override) and reached from the allocator only through
 * strata_malloc_sampling_hooks (frontend/malloc/malloc_internal.h), which
 * it defines. */
#ifndef STRATA_FRONTEND_SAMPLING_SAMPLING_INTERNAL_H_
#define STRATA_FRONTEND_SAMPLING_SAMPLING_INTERNAL_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena/backends.h"
#include "frontend/malloc/malloc_internal.h"
#include "profile/profile.h"

/* The process's heap profile: on when STRATA_PROFILE_RATE was set at
 * start (`profiling`, written once by strata_profiling_init before any
 * sample, read after); its memory comes from a backend of its own. */
typedef struct strata_sampling_global {
  bool profiling;
  strata_mmap_backend profile_backend;
  strata_profile profile;
} strata_sampling_global;

extern strata_sampling_global strata_sampling_state STRATA_HIDDEN;

/* A thread's samplers, kept in its cache's room for them
 * (strata_tcache.sampling): the heap profile's and the guard's, whose
 * bytes_until_sample are the distances to their own next points when the
 * cache's countdown was last set, and what it was set to. Slow path only,
 * and only the cache's own thread touches it. */
typedef struct strata_sampling_thread {
  int64_t countdown_set;
  strata_sampler profile;
  strata_sampler guard;
} strata_sampling_thread;

#ifdef __cplusplus
static_assert(
#else
_Static_assert(
#endif
    sizeof(strata_sampling_thread) <= STRATA_TCACHE_SAMPLING_BYTES,
    "a thread's samplers fit the room its cache keeps for them");

static inline strata_sampling_thread *strata_sampling_thread_of(strata_tcache *cache) {
  return (strata_sampling_thread *)(void *)cache->sampling;
}

/* Nonzero while this thread is inside the profiler (taking a stack,
 * holding the profile's lock): allocations made meanwhile are not
 * sampled, and the profile signal's handler defers its dump. Apart from
 * the cache, as a thread without one may be inside the profiler. With the
 * allocator's cache pointer, the only initial-exec thread-local storage of
 * a profiled variant (see strata_thread_cache). */
extern __thread int strata_thread_in_profiler STRATA_HIDDEN
    __attribute__((tls_model("initial-exec")));

/* Heap profiling (profiling.c). init: at the allocator's initialisation,
 * once. record: a sampled object just allocated on a large span, `frames`
 * from the allocation's caller outwards. free_sampled: a large span about
 * to be freed carries a sample record (owner_data). leave: the thread
 * leaves the profiler; a dump the profile signal asked for meanwhile is
 * written now. */
void strata_profiling_init(void) STRATA_HIDDEN;
void strata_profiling_record(void *p, size_t size, void *const *frames, unsigned depth)
    STRATA_HIDDEN;
void strata_profiling_free_sampled(strata_span *span) STRATA_HIDDEN;
void strata_profiling_leave(void) STRATA_HIDDEN;
void strata_profiling_before_fork(void) STRATA_HIDDEN;
void strata_profiling_after_fork(void) STRATA_HIDDEN;
void strata_profiling_get_stats(strata_malloc_stats *out) STRATA_HIDDEN;
void strata_profiling_print_stats(int fd) STRATA_HIDDEN;
int strata_profiling_dump(const char *path) STRATA_HIDDEN;
int strata_profiling_set_rate(uint64_t bytes) STRATA_HIDDEN;

/* Guarded sampling (guard.c). init: with STRATA_GUARD_SLOTS. owns: the
 * address is in the guarded slots (then its page-map entry is empty).
 * alloc: NULL when the object cannot be guarded (too big, every slot in
 * use); the others report misuse like their strata_ counterparts. */
void strata_guard_init(unsigned slots) STRATA_HIDDEN;
bool strata_guard_owns(const void *p) STRATA_HIDDEN;
void *strata_guard_alloc(size_t size, size_t alignment, bool zero, void *const *frames,
                         unsigned depth) STRATA_HIDDEN;
void strata_guard_set_record(void *p, strata_profile_sample *record) STRATA_HIDDEN;
size_t strata_guard_usable_size(const char *function, const void *p) STRATA_HIDDEN;
void strata_guard_free(const char *function, void *p) STRATA_HIDDEN;
void strata_guard_print_stats(int fd) STRATA_HIDDEN;
void strata_guard_before_fork(void) STRATA_HIDDEN;
void strata_guard_after_fork(void) STRATA_HIDDEN;

/* Sampled allocation for operator new (alignment 0: the default one), the
 * stack cut at `caller` (sampled.c). */
void *strata_sampled_new(size_t size, size_t alignment, void *caller) STRATA_HIDDEN;

#endif /* STRATA_FRONTEND_SAMPLING_SAMPLING_INTERNAL_H_ */
