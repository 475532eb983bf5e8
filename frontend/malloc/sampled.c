/* The sampled allocation functions.
 *
 * Each is its unsampled twin (malloc.c) behind one subtraction: the
 * request's size from the thread's bytes-to-next-sample. When that goes
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

#include "frontend/malloc/malloc_internal.h"

#define OS_PAGE 4096

/* ---- the sampled functions ---- */

static bool is_power_of_two(size_t x) { return x != 0 && (x & (x - 1)) == 0; }

__attribute__((noinline, cold)) static bool sample_this(size_t size) {
  strata_malloc_ensure_init(); /* the rate is read at initialisation */
  strata_tcache *cache = &strata_thread_cache;
  bool take = strata_sampler_crossed(&cache->sampler, size,
                                     strata_profile_rate(&strata_malloc_state.profile));
  /* The profiler's own allocations (there should be none) are not sampled. */
  return take && cache->in_profiler == 0;
}

/* Whether an allocation of `size` bytes is a sample. Sizes of 2^63 and
 * more read as negative and are never sampled: they fail anyway. */
static inline bool crossed(size_t size) {
  strata_sampler *s = &strata_thread_cache.sampler;
  s->bytes_until_sample -= (int64_t)size;
  return STRATA_UNLIKELY(s->bytes_until_sample < 0) && sample_this(size);
}

/* The deepest stack taken: the recorded depth plus room for strata's own
 * frames, which are cut off at the program's call (`caller`). */
#define TAKEN_DEPTH (STRATA_PROFILE_MAX_DEPTH + 8)

/* Records the object at p, just allocated on a large span, as a sample:
 * its stack from `caller` outwards. */
__attribute__((noinline)) static void record_here(void *p, size_t size, void *caller) {
  strata_tcache *cache = &strata_thread_cache;
  cache->in_profiler = 1;
  void *frames[TAKEN_DEPTH];
  unsigned depth = strata_profile_backtrace(frames, TAKEN_DEPTH, 0);
  /* strata's frames end where the program's call returns to. Inlining
   * and tail calls make their number vary, so they are found, not
   * counted; if the caller is not on the stack at all (a function without
   * call-frame information), all frames are kept. */
  unsigned first = 0;
  while (first < depth && frames[first] != caller) first++;
  if (first == depth) first = 0;
  strata_profiling_record(p, size, frames + first, depth - first);
  strata_profiling_leave(cache);
}

/* A sampled object: pages of its own, the stack from `caller` outwards. */
__attribute__((noinline, cold)) static void *sampled(size_t size, size_t alignment, bool zero,
                                                     void *caller) {
  void *p = strata_malloc_large(size, alignment < STRATA_PAGE_SIZE ? STRATA_PAGE_SIZE : alignment);
  if (p != NULL) {
    if (zero && !strata_malloc_span_of(p)->zeroed) memset(p, 0, size);
    record_here(p, size, caller);
  }
  return p;
}

void *strata_sampled_malloc(size_t size) STRATA_HIDDEN;
void *strata_sampled_malloc(size_t size) {
  if (STRATA_LIKELY(!crossed(size))) return strata_malloc(size);
  return sampled(size, 0, false, __builtin_return_address(0));
}

void *strata_sampled_calloc(size_t count, size_t size) STRATA_HIDDEN;
void *strata_sampled_calloc(size_t count, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(count, size, &total) || !crossed(total)) {
    return strata_calloc(count, size);
  }
  return sampled(total, 0, true, __builtin_return_address(0));
}

/* A realloc that needs more room than the object has is an allocation of
 * the new size, and counts as one; one that fits (the object's slack, or
 * shrinking) allocates nothing and is not counted, as a program that grows
 * a buffer a few bytes at a time would otherwise count its whole size each
 * time. */
static inline __attribute__((always_inline)) void *sampled_realloc(void *p, size_t size,
                                                                  void *caller) {
  if (p == NULL) {
    if (!crossed(size)) return strata_malloc(size);
    return sampled(size, 0, false, caller);
  }
  if (size == 0) return strata_realloc(p, 0);
  size_t usable = strata_malloc_usable_size_for("realloc", p);
  if (usable == 0) return NULL; /* reported */
  /* In place, as strata_realloc would keep it, and out of a small object,
   * as it would move it: without its second lookup. */
  if (size <= usable && size >= usable / 2) return p;
  if (size <= usable) return strata_realloc(p, size);
  if (!crossed(size)) {
    if (usable > STRATA_MAX_SMALL_SIZE) return strata_realloc(p, size); /* maybe in place */
    void *q = strata_malloc(size);
    if (q == NULL) return NULL;
    memcpy(q, p, usable);
    strata_free(p);
    return q;
  }
  if (usable > STRATA_MAX_SMALL_SIZE && size > STRATA_MAX_SMALL_SIZE) {
    /* Large to large: realloc as usual (in place when the pages next to
     * it are free, which a growing buffer relies on), and the result, on
     * pages of its own either way, becomes the sample; a sample the old
     * object was leaves the profile. */
    void *q = strata_realloc(p, size);
    if (q == NULL) return NULL;
    strata_profiling_free_sampled(strata_malloc_span_of(q));
    record_here(q, size, caller);
    return q;
  }
  void *q = sampled(size, 0, false, caller);
  if (q == NULL) return NULL; /* errno is ENOMEM; p is untouched */
  memcpy(q, p, size < usable ? size : usable);
  strata_free(p);
  return q;
}

void *strata_sampled_realloc(void *p, size_t size) STRATA_HIDDEN;
void *strata_sampled_realloc(void *p, size_t size) {
  return sampled_realloc(p, size, __builtin_return_address(0));
}

void *strata_sampled_reallocarray(void *p, size_t count, size_t size) STRATA_HIDDEN;
void *strata_sampled_reallocarray(void *p, size_t count, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(count, size, &total)) return strata_reallocarray(p, count, size);
  return sampled_realloc(p, total, __builtin_return_address(0));
}

void *strata_sampled_aligned_alloc(size_t alignment, size_t size) STRATA_HIDDEN;
void *strata_sampled_aligned_alloc(size_t alignment, size_t size) {
  if (!is_power_of_two(alignment) || !crossed(size)) return strata_aligned_alloc(alignment, size);
  return sampled(size, alignment, false, __builtin_return_address(0));
}

int strata_sampled_posix_memalign(void **out, size_t alignment, size_t size) STRATA_HIDDEN;
int strata_sampled_posix_memalign(void **out, size_t alignment, size_t size) {
  if (!is_power_of_two(alignment) || alignment % sizeof(void *) != 0 || !crossed(size)) {
    return strata_posix_memalign(out, alignment, size);
  }
  int saved = errno;
  void *p = sampled(size, alignment, false, __builtin_return_address(0));
  if (p == NULL) {
    errno = saved;
    return ENOMEM;
  }
  *out = p;
  return 0;
}

void *strata_sampled_memalign(size_t alignment, size_t size) STRATA_HIDDEN;
void *strata_sampled_memalign(size_t alignment, size_t size) {
  if (alignment > SIZE_MAX / 2 + 1 || !crossed(size)) return strata_memalign(alignment, size);
  if (alignment != 0 && !is_power_of_two(alignment)) {
    alignment = (size_t)1 << (64 - __builtin_clzll(alignment));
  }
  return sampled(size, alignment, false, __builtin_return_address(0));
}

void *strata_sampled_valloc(size_t size) STRATA_HIDDEN;
void *strata_sampled_valloc(size_t size) {
  if (!crossed(size)) return strata_valloc(size);
  return sampled(size, OS_PAGE, false, __builtin_return_address(0));
}

void *strata_sampled_pvalloc(size_t size) STRATA_HIDDEN;
void *strata_sampled_pvalloc(size_t size) {
  if (size > SIZE_MAX - OS_PAGE || !crossed(size)) return strata_pvalloc(size);
  size_t rounded = (size + OS_PAGE - 1) & ~(size_t)(OS_PAGE - 1);
  return sampled(rounded ? rounded : OS_PAGE, OS_PAGE, false, __builtin_return_address(0));
}

void *strata_sampled_new(size_t size, size_t alignment, void *caller) {
  if (!crossed(size)) {
    return alignment == 0 ? strata_malloc(size) : strata_aligned_alloc(alignment, size);
  }
  return sampled(size, alignment, false, caller);
}

#if defined(STRATA_OVERRIDE_LIBC) && defined(STRATA_ENTRY_SAMPLED)
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
