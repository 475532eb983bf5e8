/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* strata_pool: allocate freely while serving a request, free it all at once.
 *
 * A pool hands out memory by bumping a pointer through chunks of pages taken
 * from a page heap, and gives it all back in one step: reset (keep one chunk
 * for the next request) or destroy. Servers and compilers that allocate many
 * small objects per request or per phase and drop them together pay a few
 * instructions per allocation and nothing per object when they are done.
 *
 *   strata_pool *pool = strata_pool_create(NULL);   // on malloc's page heap
 *   for (;;) {
 *     request *r = strata_pool_alloc(pool, sizeof *r);
 *     ...                                           // allocate freely
 *     strata_pool_reset(pool);                      // all of it, at once
 *   }
 *   strata_pool_destroy(pool);
 *
 * Objects larger than a quarter of a chunk get page runs of their own and
 * can be freed early with strata_pool_free; everything else lives until
 * reset or destroy. Cleanup callbacks (to close a request's files or
 * sockets) run in reverse order of registration at reset and destroy.
 * Child pools are reset or destroyed with their parent, or destroyed
 * earlier on their own.
 *
 * Errors: a function that cannot allocate returns NULL and sets errno:
 * ENOMEM when the page heap refuses memory or count * size overflows,
 * EINVAL for an alignment that is not a power of two. The pool stays
 * usable. A zero size gives a unique pointer, as malloc(0) does.
 *
 * Alignment: an object of n bytes is aligned to min(16, the largest power
 * of two dividing n) -- malloc's guarantee in strata -- or to what
 * strata_pool_alloc_aligned asks.
 *
 * Threads: a pool is for one thread at a time. Builds with STRATA_DEBUG
 * (the debug, asan and tsan configs) detect two threads using one pool at
 * once, and use after destroy, and abort with a message. */
#ifndef STRATA_FRONTEND_POOL_STRATA_POOL_H_
#define STRATA_FRONTEND_POOL_STRATA_POOL_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_pool strata_pool;
struct strata_pageheap;

typedef struct strata_pool_options {
  /* Where pages come from; NULL: strata_pool_default_heap() below. A page
   * heap on a static buffer or huge pages puts the pool there. */
  struct strata_pageheap *heap;
  /* Bytes per chunk, rounded up to whole pages; 0: 64 KiB. */
  size_t chunk_size;
} strata_pool_options;

/* options NULL: the defaults. NULL (errno ENOMEM) when no memory; NULL
 * (errno EINVAL) when no heap is given and there is no default one. */
strata_pool *strata_pool_create(const strata_pool_options *options);

/* The page heap of pools whose options name none: the malloc frontend's
 * (shared with strata_malloc). Defined by //frontend/pool:pool (and
 * libstrata); //frontend/pool:pool_core, which depends on nothing above
 * the page heap, has no default, and a pool must then be given its heap. */
struct strata_pageheap *strata_pool_default_heap(void);

/* A pool that draws from the same page heap with the same chunk size, reset
 * and destroyed with `parent` (children first). */
strata_pool *strata_pool_create_child(strata_pool *parent);

/* Runs the cleanups, destroys the children, gives every page back. Time is
 * proportional to the chunks and large objects, not to the objects. */
void strata_pool_destroy(strata_pool *pool);

/* Runs the cleanups, resets the children, frees every object, and keeps
 * the first chunk for what comes next. */
void strata_pool_reset(strata_pool *pool);

void *strata_pool_alloc(strata_pool *pool, size_t size);
void *strata_pool_alloc_aligned(strata_pool *pool, size_t size, size_t alignment);
void *strata_pool_calloc(strata_pool *pool, size_t count, size_t size);
char *strata_pool_strdup(strata_pool *pool, const char *s);
char *strata_pool_strndup(strata_pool *pool, const char *s, size_t n);
void *strata_pool_memdup(strata_pool *pool, const void *p, size_t size);

/* Frees an object early. Objects with page runs of their own (larger than a
 * quarter of a chunk) go back to the page heap at once; others stay until
 * reset. Returns 0, or EINVAL for a pointer this pool did not hand out. */
int strata_pool_free(strata_pool *pool, void *p);

/* Registers fn(arg) to run at the next reset or at destroy, newest first.
 * Returns 0, or ENOMEM. */
int strata_pool_cleanup(strata_pool *pool, void (*fn)(void *arg), void *arg);

/* Samples this pool's allocations into `profile` (the profile layer's,
 * owned by the caller; NULL: stop): one allocation per the profile's rate
 * in bytes on average, with its call stack; its objects leave the in-use
 * figures when the pool is reset or destroyed or frees them early.
 * Children created afterwards sample into the same profile. Returns 0, or
 * EBUSY while the pool holds objects sampled into another profile (reset
 * it first). The profile must outlive those objects. A pool that does not
 * sample pays one subtraction per allocation. */
struct strata_profile;
int strata_pool_set_profile(strata_pool *pool, struct strata_profile *profile);

typedef struct strata_pool_stats {
  size_t requested_bytes; /* asked for since the last reset */
  size_t held_bytes;      /* pages held now: chunks and large objects */
  size_t chunks;          /* chunks held now */
  size_t large_objects;   /* objects with page runs of their own */
  size_t peak_held_bytes; /* most ever held */
} strata_pool_stats;

/* This pool's own figures (children have theirs). */
void strata_pool_get_stats(const strata_pool *pool, strata_pool_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_FRONTEND_POOL_STRATA_POOL_H_ */
