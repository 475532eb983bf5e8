/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The registry of thread caches: a thread's cache is made (or recycled)
 * on its first slow path, listed for stats, trims and fork, and handed
 * back when the thread exits. */
#define _GNU_SOURCE
#include <string.h>

#include "frontend/malloc/malloc_internal.h"

/* A cache from the recycled ones or new metadata, zeroed; NULL when the
 * OS refuses memory. Caches are aligned to cache lines
 * (STRATA_CACHE_LINE): no two threads' lists share one. Called with threads_lock held, which guards the
 * caches' metadata. When a new metadata chunk is needed (once per 64 KiB
 * of caches) the lock is dropped while the backend makes it
 * (strata_persistent_prepare), so no system call is made under it. */
static strata_tcache *new_cache(strata_malloc_global *g) STRATA_REQUIRES(&g->threads_lock) {
  const size_t bytes = strata_persistent_bytes_for(1, sizeof(strata_tcache), STRATA_CACHE_LINE);
  if (g->free_caches == NULL &&
      strata_persistent_prepare(&g->cache_memory, bytes, &g->threads_lock) != STRATA_OK) {
    return NULL;
  }
  strata_tcache *cache = g->free_caches; /* a thread may have exited meanwhile */
  if (cache != NULL) {
    g->free_caches = cache->next;
    memset(cache, 0, sizeof *cache);
    return cache;
  }
  return strata_persistent_alloc(&g->cache_memory, sizeof *cache, STRATA_CACHE_LINE);
}

/* Takes an emptied cache off the list of active ones and keeps its memory
 * for the next thread. */
static void retire(strata_tcache *cache) {
  strata_malloc_global *g = &strata_malloc_state;
  strata_lock_acquire(&g->threads_lock);
  if (cache->prev != NULL) {
    cache->prev->next = cache->next;
  } else {
    g->threads = cache->next;
  }
  if (cache->next != NULL) cache->next->prev = cache->prev;
  g->thread_count--;
  cache->state = STRATA_TCACHE_GONE;
  cache->next = g->free_caches;
  g->free_caches = cache;
  strata_lock_release(&g->threads_lock);
}

strata_tcache *strata_tcache_self(void) {
  strata_tcache *cache = strata_thread_cache;
  if (STRATA_LIKELY(cache->state == STRATA_TCACHE_ACTIVE)) return cache;
  if (cache->state == STRATA_TCACHE_GONE) return NULL;
  strata_malloc_ensure_init();
  strata_malloc_global *g = &strata_malloc_state;
  if (!g->thread_exit_key_ok) {
    /* Without a key (the process has used up PTHREAD_KEYS_MAX) no cache
     * could be handed back at thread exit, so threads do not cache:
     * every malloc and free then goes to the central lists, slower but
     * losing nothing. */
    strata_thread_cache = (strata_tcache *)&strata_tcache_gone;
    return NULL;
  }
  strata_lock_acquire(&g->threads_lock);
  cache = new_cache(g);
  if (cache != NULL) {
    cache->state = STRATA_TCACHE_ACTIVE;
    cache->epoch_seen = strata_atomic_load(&g->cache_epoch, STRATA_ORDER_RELAXED);
    cache->prev = NULL;
    cache->next = g->threads;
    if (g->threads != NULL) g->threads->prev = cache;
    g->threads = cache;
    g->thread_count++;
  }
  strata_lock_release(&g->threads_lock);
  /* No memory for a cache: this call goes uncached, and the thread's next
   * slow path tries again. */
  if (cache == NULL) return NULL;
  /* The key's destructor hands the cache back when the thread exits. The
   * cache is in place first: if setspecific allocates, that allocation is
   * served by this cache. */
  strata_thread_cache = cache;
  if (pthread_setspecific(g->thread_exit_key, cache) != 0) {
    /* ENOMEM: the C library could not store it, so the cache would not be
     * handed back at exit: it is emptied and recycled, and this thread
     * does not cache. */
    strata_thread_cache = (strata_tcache *)&strata_tcache_gone;
    strata_tcache_release_all(cache);
    retire(cache);
    return NULL;
  }
  return cache;
}

void strata_thread_exit(void *arg) {
  strata_tcache *cache = arg;
  /* From here on this thread's allocations (other destructors) bypass the
   * cache, so nothing is left behind in it. */
  strata_thread_cache = (strata_tcache *)&strata_tcache_gone;
  strata_tcache_release_all(cache);
  retire(cache);
  strata_background_release_poke();
}

/* In a forked child, under the fork's locks: only the forking thread lives
 * on, the other threads are gone and their caches' memory is recycled.
 * What those caches held stays unreachable: a thread may have been halfway
 * through changing a list when the fork happened, so their contents cannot
 * be trusted. */
void strata_threads_after_fork_child(void) {
  strata_malloc_global *g = &strata_malloc_state;
  strata_tcache *self = strata_thread_cache;
  strata_tcache *cache = g->threads;
  while (cache != NULL) {
    strata_tcache *next = cache->next;
    if (cache != self) {
      cache->state = STRATA_TCACHE_GONE;
      cache->next = g->free_caches;
      g->free_caches = cache;
    }
    cache = next;
  }
  g->threads = NULL;
  g->thread_count = 0;
  size_t capacity = 0;
  if (self->state == STRATA_TCACHE_ACTIVE) {
    self->next = self->prev = NULL;
    g->threads = self;
    g->thread_count = 1;
    capacity = self->capacity_bytes;
  }
  strata_atomic_store(&g->cache_capacity_bytes, capacity, STRATA_ORDER_RELAXED);
}
