/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Pool life cycle: create, children, cleanups, reset, destroy. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "base/arith.h"
#include "frontend/pool/pool_internal.h"

#define DEFAULT_CHUNK_SIZE ((size_t)64 << 10)

static strata_pool *create_on(strata_pageheap *heap, size_t chunk_pages) {
  strata_span *chunk = strata_pageheap_alloc_large(heap, chunk_pages);
  if (chunk == NULL) {
    errno = ENOMEM;
    return NULL;
  }
  chunk->owner = STRATA_SPAN_OWNER_POOL;
  strata_pool *pool = (strata_pool *)chunk->base;
  memset(pool, 0, sizeof *pool);
  pool->heap = heap;
  pool->chunk_pages = chunk_pages;
  pool->first_chunk = chunk;
  pool->cursor = chunk->base + sizeof *pool;
  pool->limit = strata_span_end(chunk);
  pool->stats.chunks = 1;
  pool->stats.held_bytes = chunk_pages << STRATA_PAGE_SHIFT;
  pool->sampler.bytes_until_sample = STRATA_POOL_NOT_SAMPLING;
  strata_raise_peak(&pool->stats.peak_held_bytes, pool->stats.held_bytes);
#ifdef STRATA_DEBUG
  pool->magic = STRATA_POOL_MAGIC;
#endif
  return pool;
}

strata_pool *strata_pool_create(const strata_pool_options *options) {
  strata_pageheap *heap = options != NULL ? options->heap : NULL;
  size_t chunk_size = options != NULL ? options->chunk_size : 0;
  if (heap == NULL) {
#ifdef STRATA_POOL_DEFAULT_HEAP /* //frontend/pool:pool, with default_heap.c */
    heap = strata_pool_default_heap();
#else /* //frontend/pool:pool_core: no default */
    errno = EINVAL;
    return NULL;
#endif
  }
  if (chunk_size == 0) chunk_size = DEFAULT_CHUNK_SIZE;
  if (chunk_size > SIZE_MAX / 2) {
    errno = ENOMEM;
    return NULL;
  }
  size_t pages = (chunk_size + STRATA_PAGE_SIZE - 1) >> STRATA_PAGE_SHIFT;
  return create_on(heap, pages);
}

strata_pool *strata_pool_create_child(strata_pool *parent) {
  strata_pool_enter(parent, "strata_pool_create_child");
  strata_pool *child = create_on(parent->heap, parent->chunk_pages);
  if (child != NULL) {
    child->parent = parent;
    child->next_sibling = parent->children;
    if (parent->children != NULL) parent->children->prev_sibling = child;
    parent->children = child;
    if (parent->profile != NULL) {
      child->profile = parent->profile;
      child->sampler.bytes_until_sample = 0; /* starts at its first allocation */
    }
  }
  strata_pool_leave(parent);
  return child;
}

int strata_pool_cleanup(strata_pool *pool, void (*fn)(void *), void *arg) {
  strata_pool_enter(pool, "strata_pool_cleanup");
  strata_pool_cleanup_entry *entry =
      strata_pool_alloc_entered(pool, sizeof *entry, _Alignof(strata_pool_cleanup_entry),
                                __builtin_return_address(0));
  if (entry != NULL) {
    entry->fn = fn;
    entry->arg = arg;
    entry->next = pool->cleanups;
    pool->cleanups = entry;
  }
  strata_pool_leave(pool);
  return entry != NULL ? 0 : ENOMEM;
}

/* Newest first; a cleanup may register another, which runs too. */
static void run_cleanups(strata_pool *pool) {
  while (pool->cleanups != NULL) {
    strata_pool_cleanup_entry *entry = pool->cleanups;
    pool->cleanups = entry->next;
    entry->fn(entry->arg);
  }
}

static void free_span_list(strata_pool *pool, strata_span **list) {
  while (*list != NULL) {
    strata_span *span = *list;
    *list = span->next;
    strata_pool_forget_sample(pool, span);
    STRATA_ASSERT(pool->stats.held_bytes >= span->pages << STRATA_PAGE_SHIFT);
    pool->stats.held_bytes -= span->pages << STRATA_PAGE_SHIFT;
    STRATA_ASSERT(span->owner == STRATA_SPAN_OWNER_POOL); /* pool: owns its spans */
    /* Every span on the pool's lists came from its page heap and is in
     * use: only a heap already corrupt refuses it. */
    strata_status freed = strata_pageheap_free(pool->heap, span);
    STRATA_ASSERT(freed == STRATA_OK);
    strata_status_ignore(freed);
  }
}

static void destroy_entered(strata_pool *pool);

/* Runs the cleanups, then destroys or resets the children, then gives
 * back everything but the first chunk: the pool is empty after. */
static void empty(strata_pool *pool, bool destroy_children) {
  run_cleanups(pool);
  if (destroy_children) {
    while (pool->children != NULL) { /* each destroy unlinks itself */
      strata_pool *child = pool->children;
      strata_pool_enter(child, "strata_pool_destroy");
      destroy_entered(child);
    }
  } else {
    for (strata_pool *child = pool->children; child != NULL; child = child->next_sibling) {
      strata_pool_reset(child);
    }
  }
  /* Sampled objects leave the profile with the pool's memory. */
  while (pool->samples != NULL) {
    strata_profile_sample *sample = pool->samples;
    pool->samples = sample->next;
    strata_profile_record_free(pool->profile, sample);
    pool->samples_held--;
  }
  free_span_list(pool, &pool->large);
  STRATA_ASSERT(pool->samples_held == 0);
  pool->stats.large_objects = 0;
  free_span_list(pool, &pool->chunks);
  pool->stats.chunks = 1;
  pool->cursor = pool->first_chunk->base + sizeof *pool;
  pool->limit = strata_span_end(pool->first_chunk);
  pool->stats.requested_bytes = 0;
}

static void destroy_entered(strata_pool *pool) {
  empty(pool, true);
  if (pool->parent != NULL) {
    strata_pool *parent = pool->parent;
    if (pool->prev_sibling != NULL) {
      pool->prev_sibling->next_sibling = pool->next_sibling;
    } else {
      parent->children = pool->next_sibling;
    }
    if (pool->next_sibling != NULL) pool->next_sibling->prev_sibling = pool->prev_sibling;
  }
#ifdef STRATA_DEBUG
  pool->magic = 0;
#endif
  STRATA_ASSERT(pool->first_chunk->owner == STRATA_SPAN_OWNER_POOL);
  strata_status freed = strata_pageheap_free(pool->heap, pool->first_chunk);
  STRATA_ASSERT(freed == STRATA_OK); /* as in free_span_list */
  strata_status_ignore(freed);
}

void strata_pool_destroy(strata_pool *pool) {
  if (pool == NULL) return;
  strata_pool_enter(pool, "strata_pool_destroy");
  destroy_entered(pool);
}

void strata_pool_reset(strata_pool *pool) {
  strata_pool_enter(pool, "strata_pool_reset");
  empty(pool, false);
  strata_pool_leave(pool);
}

void strata_pool_get_stats(const strata_pool *pool, strata_pool_stats *out) {
  *out = pool->stats;
}
