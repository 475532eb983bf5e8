/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Pool allocation: bump a pointer through the current chunk; a new chunk
 * when it runs out; a page run of its own for anything large. */
#include <errno.h>
#include <string.h>

#include "base/arith.h"
#include "base/compiler.h"
#include "frontend/pool/pool_internal.h"

static void *alloc_large(strata_pool *pool, size_t size, size_t alignment) {
  if (size > SIZE_MAX - STRATA_PAGE_SIZE) {
    errno = ENOMEM;
    return NULL;
  }
  size_t pages = (size + STRATA_PAGE_SIZE - 1) >> STRATA_PAGE_SHIFT;
  strata_span *span = strata_pageheap_alloc_large_aligned(
      pool->heap, pages, alignment > STRATA_PAGE_SIZE ? alignment : STRATA_PAGE_SIZE);
  if (span == NULL) {
    errno = ENOMEM;
    return NULL;
  }
  span->owner = STRATA_SPAN_OWNER_POOL;
  strata_span_list_push(&pool->large, span);
  pool->stats.large_objects++;
  pool->stats.held_bytes += pages << STRATA_PAGE_SHIFT;
  strata_raise_peak(&pool->stats.peak_held_bytes, pool->stats.held_bytes);
  return (void *)span->base;
}

/* A fresh chunk becomes the current one. The rest of the old chunk is
 * abandoned until reset: chunks are large next to what is left over. */
static bool new_chunk(strata_pool *pool) {
  strata_span *chunk = strata_pageheap_alloc_large(pool->heap, pool->chunk_pages);
  if (chunk == NULL) return false;
  chunk->owner = STRATA_SPAN_OWNER_POOL;
  strata_span_list_push(&pool->chunks, chunk);
  pool->cursor = chunk->base;
  pool->limit = strata_span_end(chunk);
  pool->stats.chunks++;
  pool->stats.held_bytes += pool->chunk_pages << STRATA_PAGE_SHIFT;
  strata_raise_peak(&pool->stats.peak_held_bytes, pool->stats.held_bytes);
  return true;
}

static void *alloc_unsampled(strata_pool *pool, size_t size, size_t alignment) {
  size_t chunk_bytes = pool->chunk_pages << STRATA_PAGE_SHIFT;
  if (size > chunk_bytes / 4 || alignment > STRATA_PAGE_SIZE) {
    return alloc_large(pool, size, alignment);
  }
  STRATA_ASSERT(alignment != 0 && (alignment & (alignment - 1)) == 0);
  for (;;) {
    STRATA_ASSERT(pool->cursor <= pool->limit);
    uintptr_t start = (pool->cursor + alignment - 1) & ~(uintptr_t)(alignment - 1);
    if (start <= pool->limit && pool->limit - start >= size) {
      pool->cursor = start + size;
      return (void *)start;
    }
    if (!new_chunk(pool)) {
      errno = ENOMEM;
      return NULL;
    }
  }
}

/* An allocation the sampler may take: allocated as any other, then, if
 * sampled, recorded with its stack (from `caller` outwards: the pool's own
 * frames are cut off) and remembered, on its large span or in the pool's
 * list, until it leaves. */
__attribute__((noinline, cold)) static void *alloc_maybe_sampled(strata_pool *pool, size_t size,
                                                                 size_t alignment, void *caller) {
  if (pool->profile == NULL) {
    pool->sampler.bytes_until_sample = STRATA_POOL_NOT_SAMPLING;
    return alloc_unsampled(pool, size, alignment);
  }
  if (!strata_sampler_crossed(&pool->sampler, size, strata_profile_rate(pool->profile))) {
    return alloc_unsampled(pool, size, alignment);
  }
  void *frames[STRATA_PROFILE_MAX_DEPTH + 8];
  unsigned first;
  unsigned depth =
      strata_profile_backtrace_from(frames, STRATA_PROFILE_MAX_DEPTH + 8, caller, &first);
  strata_span *large_before = pool->large;
  void *p = alloc_unsampled(pool, size, alignment);
  if (p == NULL) return NULL;
  strata_profile_sample *sample =
      strata_profile_record_alloc(pool->profile, p, size, frames + first, depth);
  if (sample == NULL) return p; /* the profile is out of memory: not in it */
  if (pool->large != large_before) {
    STRATA_ASSERT(pool->large->base == (uintptr_t)p);
    strata_span_set_owner_data(pool->large, sample);
  } else {
    sample->next = pool->samples;
    pool->samples = sample;
  }
  pool->samples_held++;
  return p;
}

void *strata_pool_alloc_entered(strata_pool *pool, size_t size, size_t alignment, void *caller) {
  if (size == 0) size = 1;
  pool->stats.requested_bytes += size;
  pool->sampler.bytes_until_sample -= (int64_t)size;
  if (STRATA_UNLIKELY(pool->sampler.bytes_until_sample < 0)) {
    return alloc_maybe_sampled(pool, size, alignment, caller);
  }
  return alloc_unsampled(pool, size, alignment);
}

void strata_pool_forget_sample(strata_pool *pool, strata_span *span) {
  strata_profile_sample *sample = strata_span_owner_data(span);
  if (sample == NULL) return;
  strata_span_set_owner_data(span, NULL);
  strata_profile_record_free(pool->profile, sample);
  pool->samples_held--;
}

int strata_pool_set_profile(strata_pool *pool, strata_profile *profile) {
  strata_pool_enter(pool, "strata_pool_set_profile");
  int result = 0;
  if (pool->samples_held != 0 && profile != pool->profile) {
    result = EBUSY; /* its samples belong to the profile it has */
  } else {
    pool->profile = profile;
    memset(&pool->sampler, 0, sizeof pool->sampler); /* starts at the next allocation */
    if (profile == NULL) pool->sampler.bytes_until_sample = STRATA_POOL_NOT_SAMPLING;
  }
  strata_pool_leave(pool);
  return result;
}

/* min(16, the largest power of two dividing size): malloc's guarantee. */
static size_t natural_alignment(size_t size) {
  size_t lowest = size & (~size + 1);
  return lowest == 0 || lowest > STRATA_MAX_NATURAL_ALIGN ? STRATA_MAX_NATURAL_ALIGN : lowest;
}

/* Every entry point passes its own return address: a sampled stack starts
 * in the program, not in the pool. */
static inline __attribute__((always_inline)) void *alloc_natural(strata_pool *pool, size_t size,
                                                                 const char *function,
                                                                 void *caller) {
  strata_pool_enter(pool, function);
  void *p = strata_pool_alloc_entered(pool, size, natural_alignment(size), caller);
  strata_pool_leave(pool);
  return p;
}

void *strata_pool_alloc(strata_pool *pool, size_t size) {
  return alloc_natural(pool, size, "strata_pool_alloc", __builtin_return_address(0));
}

void *strata_pool_alloc_aligned(strata_pool *pool, size_t size, size_t alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
    errno = EINVAL;
    return NULL;
  }
  strata_pool_enter(pool, "strata_pool_alloc_aligned");
  void *p = strata_pool_alloc_entered(pool, size, alignment, __builtin_return_address(0));
  strata_pool_leave(pool);
  return p;
}

void *strata_pool_calloc(strata_pool *pool, size_t count, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(count, size, &total)) {
    errno = ENOMEM;
    return NULL;
  }
  void *p = alloc_natural(pool, total, "strata_pool_calloc", __builtin_return_address(0));
  if (p != NULL) memset(p, 0, total);
  return p;
}

void *strata_pool_memdup(strata_pool *pool, const void *src, size_t size) {
  void *p = alloc_natural(pool, size, "strata_pool_memdup", __builtin_return_address(0));
  if (p != NULL && size > 0) memcpy(p, src, size);
  return p;
}

static char *strndup_from(strata_pool *pool, const char *s, size_t n, void *caller) {
  size_t len = 0;
  while (len < n && s[len] != '\0') len++;
  char *p = alloc_natural(pool, len + 1, "strata_pool_strndup", caller);
  if (p != NULL) {
    memcpy(p, s, len);
    p[len] = '\0';
  }
  return p;
}

char *strata_pool_strndup(strata_pool *pool, const char *s, size_t n) {
  return strndup_from(pool, s, n, __builtin_return_address(0));
}

char *strata_pool_strdup(strata_pool *pool, const char *s) {
  return strndup_from(pool, s, SIZE_MAX, __builtin_return_address(0));
}

int strata_pool_free(strata_pool *pool, void *p) {
  strata_pool_enter(pool, "strata_pool_free");
  int result = EINVAL;
  /* Large objects: found by walking this pool's few large spans, which also
   * proves the pointer is this pool's. */
  for (strata_span *span = pool->large; span != NULL; span = span->next) {
    if (span->base != (uintptr_t)p) continue;
    STRATA_ASSERT(span->owner == STRATA_SPAN_OWNER_POOL); /* pool: owns its spans */
    strata_pool_forget_sample(pool, span);
    strata_span_list_remove(&pool->large, span);
    pool->stats.large_objects--;
    pool->stats.held_bytes -= span->pages << STRATA_PAGE_SHIFT;
    /* The pool's own in-use span: only a heap already corrupt refuses it. */
    strata_status freed = strata_pageheap_free(pool->heap, span);
    STRATA_ASSERT(freed == STRATA_OK);
    strata_status_ignore(freed);
    result = 0;
    break;
  }
  if (result != 0 && p != NULL) {
    /* A small object stays until reset; it must be in one of the chunks. */
    uintptr_t addr = (uintptr_t)p;
    if (addr >= pool->first_chunk->base + sizeof *pool && addr < strata_span_end(pool->first_chunk)) {
      result = 0;
    }
    for (strata_span *chunk = pool->chunks; result != 0 && chunk != NULL; chunk = chunk->next) {
      if (addr >= chunk->base && addr < strata_span_end(chunk)) result = 0;
    }
  }
  strata_pool_leave(pool);
  return result;
}
