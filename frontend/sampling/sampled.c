/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The sampled allocation functions.
 *
 * Each is the body of its unsampled twin (entries.h, the same body
 * malloc.c instantiates) ending in one more subtraction: the request's
 * size from the thread's bytes-to-next-sample. When that goes
 * below zero the allocation may be a sample (strata_sampler_crossed): it
 * then gets pages of its own (a large span, whatever its size), the span
 * carries its profile record (owner_data), and free, which sends every
 * large span to its slow path anyway, hands the record back. So free is
 * the same function whether a program profiles or not, and a sampled
 * object is found in O(1).
 *
 * Which twins a program runs is chosen when it is linked or preloaded, not
 * by a flag tested on every call: libstrata.so and libstrata_override.a
 * export the unsampled functions under the C library's names, so that a
 * program that does not profile pays not one instruction for it;
 * libstrata_profiled.so and libstrata_override_profiled.a export these
 * (STRATA_ENTRY_SAMPLED), which cost a subtraction and a branch per
 * allocation even with STRATA_PROFILE_RATE at 0. A run-time choice
 * between the two through GNU indirect functions was tried and cannot
 * work for malloc: the C library, relocated before any library that
 * depends on it, refers to malloc, so the dynamic linker would call the
 * resolver of a library not yet relocated (and says so on every start),
 * and refuses outright when malloc is defined in the executable. The
 * strata_-prefixed functions are never sampled. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "frontend/sampling/sampling_internal.h"

/* Declared ahead of the entry points' bodies (entries.h), which end in them. */
static inline __attribute__((always_inline)) void *sampled_alloc(size_t size, size_t alignment,
                                                                bool zero, void *caller);
static inline __attribute__((always_inline)) void *sampled_resize(void *p, size_t usable,
                                                                 size_t size, void *caller);
#define STRATA_ENTRY_ALLOC(size, alignment, zero) sampled_alloc(size, alignment, zero, NULL)
#define STRATA_ENTRY_RESIZE(p, usable, size) sampled_resize(p, usable, size, NULL)
#include "frontend/malloc/entries.h"

/* ---- the sampled functions ---- */

/* What an allocation is sampled for. */
#define FOR_PROFILE 1u
#define FOR_GUARD 2u

/* One process's part of a crossing: `consumed` bytes (this allocation's
 * included) went by since the countdown was set. */
static bool step(strata_sampler *s, int64_t consumed, size_t size, uint64_t rate) {
  if (s->random != 0) {
    s->bytes_until_sample -= consumed;
    if (s->bytes_until_sample >= 0) return false;
  }
  /* Crossed, or not started yet: it starts at this allocation. */
  return strata_sampler_crossed(s, size, rate);
}

/* The countdown would reach zero or below with this allocation. Two
 * Poisson processes share it, the heap profile's and the guard's: it
 * counts to the nearer of their next points, and here each process learns
 * whether its own point fell inside this allocation, and draws its next
 * one. Both are exactly what they would be alone. A thread that does not
 * cache (it is exiting) does not sample: the samplers live in its cache. */
__attribute__((noinline, cold)) static unsigned sample_this(size_t size) {
  strata_malloc_ensure_init(); /* the rates are read at initialisation */
  if (size > INT64_MAX) return 0;
  strata_tcache *cache = strata_tcache_self();
  if (cache == NULL) return 0;
  strata_sampling_thread *t = strata_sampling_thread_of(cache);
  /* What went by since the countdown was set, this allocation included. */
  int64_t consumed = t->countdown_set - cache->sample_countdown + (int64_t)size;
  unsigned what = 0;
  uint64_t profile_rate = strata_profile_rate(&strata_sampling_state.profile);
  if (step(&t->profile, consumed, size, profile_rate)) what |= FOR_PROFILE;
  if (step(&t->guard, consumed, size, strata_malloc_state.config.guard_rate)) what |= FOR_GUARD;
  int64_t next = t->profile.bytes_until_sample;
  if (t->guard.bytes_until_sample < next) next = t->guard.bytes_until_sample;
  STRATA_ASSERT(next >= 0); /* samplers count down to their next point */
  cache->sample_countdown = t->countdown_set = next;
  /* The profiler's own allocations (there should be none) are not sampled. */
  return strata_thread_in_profiler == 0 ? what : 0;
}

/* Counts `size` bytes off the countdown of the cache and says true, or
 * says false when the countdown would reach zero (sample_this's turn). The
 * countdown is written only when it stays above zero, which the shared
 * empty caches' never does (their countdown is 0): they are read-only
 * (strata_thread_cache). The compare comes before the subtraction, one
 * instruction each, where a test of the difference would load, subtract,
 * test and store. Unsigned: a size of 2^63 or more is never sampled (it
 * fails anyway), and the countdown is never negative. */
static inline bool count_down(strata_tcache *cache, size_t size) {
  if (STRATA_UNLIKELY((uint64_t)cache->sample_countdown <= size)) return false;
  cache->sample_countdown -= (int64_t)size;
  return true;
}

/* What an allocation of `size` bytes is sampled for (0: nothing, the
 * common case). */
static inline unsigned crossed(size_t size) {
  return count_down(strata_thread_cache, size) ? 0 : sample_this(size);
}

/* The deepest stack taken: the recorded depth plus room for strata's own
 * frames, which are cut off at the program's call (`caller`). */
#define TAKEN_DEPTH (STRATA_PROFILE_MAX_DEPTH + 8)

/* The stack from `caller` outwards, in frames; returns where it starts. */
static void *const *take_stack(void **frames, unsigned *depth, void *caller) {
  unsigned first;
  *depth = strata_profile_backtrace_from(frames, TAKEN_DEPTH, caller, &first);
  return frames + first;
}

/* Records the object at p, just allocated on a large span, as a sample:
 * its stack from `caller` outwards. */
__attribute__((noinline)) static void record_here(void *p, size_t size, void *caller) {
  strata_thread_in_profiler = 1;
  void *frames[TAKEN_DEPTH];
  unsigned depth;
  void *const *stack = take_stack(frames, &depth, caller);
  strata_profiling_record(p, size, stack, depth);
  strata_profiling_leave();
}

/* A sampled allocation: guarded when `what` asks for it and a slot is
 * free, else on pages of its own when it is a profile sample; recorded in
 * the profile when it is one. False when neither applies (a guard sample
 * that cannot be guarded): the caller allocates as usual. */
__attribute__((noinline, cold)) static bool sampled(size_t size, size_t alignment, bool zero,
                                                    void *caller, unsigned what, void **out) {
  strata_thread_in_profiler = 1;
  void *frames[TAKEN_DEPTH];
  unsigned depth;
  void *const *stack = take_stack(frames, &depth, caller);
  void *p = NULL;
  bool guarded = false;
  if (what & FOR_GUARD) {
    p = strata_guard_alloc(size, alignment, zero, stack, depth);
    guarded = p != NULL;
  }
  if (!guarded && (what & FOR_PROFILE)) {
    p = strata_malloc_large(size, alignment < STRATA_PAGE_SIZE ? STRATA_PAGE_SIZE : alignment);
    if (p != NULL && zero && !strata_malloc_span_of(p)->zeroed) memset(p, 0, size);
  }
  if (p != NULL && (what & FOR_PROFILE)) {
    if (guarded) {
      strata_guard_set_record(
          p, strata_profile_record_alloc(&strata_sampling_state.profile, p, size, stack, depth));
    } else {
      strata_profiling_record(p, size, stack, depth);
    }
  }
  strata_profiling_leave();
  *out = p;
  return guarded || (what & FOR_PROFILE);
}

/* The countdown ran out: whether this allocation is a sample, and the
 * allocation either way. Out of line, so that the fast path below needs no
 * stack frame. */
__attribute__((noinline, cold)) static void *sampled_alloc_slow(size_t size, size_t alignment,
                                                                bool zero, void *caller) {
  unsigned what = sample_this(size);
  void *p;
  if (what != 0 && sampled(size, alignment, zero, caller, what, &p)) return p;
  return strata_unsampled_alloc(size, alignment, zero);
}

/* The sampled allocation that entries.h's bodies end in: the countdown,
 * then the unsampled allocation. One read of the cache pointer serves the
 * countdown and malloc's pop (the unsampled malloc's body inlined, not
 * called). `caller` NULL: the return address of the entry point this is
 * inlined into (__builtin_return_address in an inlined body), read only
 * when the countdown runs out; the entry point's own read of it, before
 * the test, made every one set up a stack frame (4 instructions more per
 * malloc). */
static inline __attribute__((always_inline)) void *sampled_alloc(size_t size, size_t alignment,
                                                                bool zero, void *caller) {
  strata_tcache *cache = strata_thread_cache;
  if (STRATA_UNLIKELY(!count_down(cache, size))) {
    return sampled_alloc_slow(size, alignment, zero,
                              caller != NULL ? caller : __builtin_return_address(0));
  }
  if (alignment != 0) return strata_malloc_aligned(alignment, size);
  if (zero) return strata_malloc_zeroed(size);
  return strata_malloc_in(cache, size);
}

/* A realloc that needs more room than the object has is an allocation of
 * the new size, and counts as one; one that fits (the object's slack, or
 * shrinking) allocates nothing and is not counted, as a program that grows
 * a buffer a few bytes at a time would otherwise count its whole size each
 * time. */
static inline __attribute__((always_inline)) void *sampled_resize(void *p, size_t usable,
                                                                 size_t size, void *caller) {
  if (size <= usable) return strata_malloc_resize(p, usable, size);
  unsigned what = crossed(size);
  if (what == 0) return strata_malloc_resize(p, usable, size);
  if (caller == NULL) caller = __builtin_return_address(0); /* as in sampled_alloc */
  if (what == FOR_PROFILE && usable > STRATA_MAX_SMALL_SIZE && size > STRATA_MAX_SMALL_SIZE &&
      !strata_guard_owns(p)) {
    /* Large to large: realloc as usual (in place when the pages next to
     * it are free, which a growing buffer relies on), and the result, on
     * pages of its own either way, becomes the sample; a sample the old
     * object was leaves the profile. */
    void *q = strata_malloc_resize(p, usable, size);
    if (q == NULL) return NULL;
    strata_profiling_free_sampled(strata_malloc_span_of(q));
    record_here(q, size, caller);
    return q;
  }
  void *q;
  if (!sampled(size, 0, false, caller, what, &q)) q = strata_malloc(size);
  if (q == NULL) return NULL; /* errno is ENOMEM; p is untouched */
  memcpy(q, p, size < usable ? size : usable);
  strata_free(p);
  return q;
}

/* ---- the sampled functions: entries.h's bodies, sampled ---- */

void *strata_sampled_malloc(size_t size) STRATA_HIDDEN;
void *strata_sampled_malloc(size_t size) { return strata_entry_malloc(size); }

void *strata_sampled_calloc(size_t count, size_t size) STRATA_HIDDEN;
void *strata_sampled_calloc(size_t count, size_t size) {
  return strata_entry_calloc(count, size);
}

void *strata_sampled_realloc(void *p, size_t size) STRATA_HIDDEN;
void *strata_sampled_realloc(void *p, size_t size) { return strata_entry_realloc(p, size); }

void *strata_sampled_reallocarray(void *p, size_t count, size_t size) STRATA_HIDDEN;
void *strata_sampled_reallocarray(void *p, size_t count, size_t size) {
  return strata_entry_reallocarray(p, count, size);
}

void *strata_sampled_aligned_alloc(size_t alignment, size_t size) STRATA_HIDDEN;
void *strata_sampled_aligned_alloc(size_t alignment, size_t size) {
  return strata_entry_aligned_alloc(alignment, size);
}

int strata_sampled_posix_memalign(void **out, size_t alignment, size_t size) STRATA_HIDDEN;
int strata_sampled_posix_memalign(void **out, size_t alignment, size_t size) {
  return strata_entry_posix_memalign(out, alignment, size);
}

void *strata_sampled_memalign(size_t alignment, size_t size) STRATA_HIDDEN;
void *strata_sampled_memalign(size_t alignment, size_t size) {
  return strata_entry_memalign(alignment, size);
}

void *strata_sampled_valloc(size_t size) STRATA_HIDDEN;
void *strata_sampled_valloc(size_t size) { return strata_entry_valloc(size); }

void *strata_sampled_pvalloc(size_t size) STRATA_HIDDEN;
void *strata_sampled_pvalloc(size_t size) { return strata_entry_pvalloc(size); }

/* operator new's: its own checks done (operators.cc), alignment 0 or a
 * power of two; the stack cut at `caller`, operator new's caller. */
void *strata_sampled_new(size_t size, size_t alignment, void *caller) {
  return sampled_alloc(size, alignment, false, caller);
}

/* ---- the allocator's hooks (malloc_internal.h) ---- */

/* The layer's locks across fork: the profile's, then the guard's (lock
 * ranks), given back in the other order. */
static void before_fork(void) {
  strata_profiling_before_fork();
  strata_guard_before_fork();
}

static void after_fork(void) {
  strata_guard_after_fork();
  strata_profiling_after_fork();
}

static void print_stats(int fd) {
  strata_profiling_print_stats(fd);
  strata_guard_print_stats(fd);
}

static const strata_malloc_sampling hooks = {
    .init = strata_profiling_init,
    .owns = strata_guard_owns,
    .free_guarded = strata_guard_free,
    .usable_size_guarded = strata_guard_usable_size,
    .free_sampled = strata_profiling_free_sampled,
    .before_fork = before_fork,
    .after_fork = after_fork,
    .get_stats = strata_profiling_get_stats,
    .print_stats = print_stats,
    .profile_dump = strata_profiling_dump,
    .profile_set_rate = strata_profiling_set_rate,
};

/* Replaces the allocator's weak NULL (frontend/malloc/init.c). */
const strata_malloc_sampling *const strata_malloc_sampling_hooks = &hooks;

#ifdef STRATA_OVERRIDE_LIBC
#define STRATA_SAMPLED_ALIAS(name) __attribute__((alias(#name), visibility("default")))
void *malloc(size_t size) STRATA_SAMPLED_ALIAS(strata_sampled_malloc);
void *calloc(size_t count, size_t size) STRATA_SAMPLED_ALIAS(strata_sampled_calloc);
void *realloc(void *p, size_t size) STRATA_SAMPLED_ALIAS(strata_sampled_realloc);
void *reallocarray(void *p, size_t count, size_t size)
    STRATA_SAMPLED_ALIAS(strata_sampled_reallocarray);
void *aligned_alloc(size_t alignment, size_t size)
    STRATA_SAMPLED_ALIAS(strata_sampled_aligned_alloc);
int posix_memalign(void **out, size_t alignment, size_t size)
    STRATA_SAMPLED_ALIAS(strata_sampled_posix_memalign);
void *memalign(size_t alignment, size_t size) STRATA_SAMPLED_ALIAS(strata_sampled_memalign);
void *valloc(size_t size) STRATA_SAMPLED_ALIAS(strata_sampled_valloc);
void *pvalloc(size_t size) STRATA_SAMPLED_ALIAS(strata_sampled_pvalloc);
#endif
