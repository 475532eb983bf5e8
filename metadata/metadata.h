/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* metadata: memory for the allocator's own bookkeeping, never malloc'ed.
 *
 * An allocator cannot call malloc for its own structures (it may be malloc).
 * Like the Go runtime, strata takes metadata straight from the backend:
 *
 *   strata_persistent  a bump allocator over backend chunks. What it hands
 *                      out is never freed one by one; it all goes back to the
 *                      backend at once with strata_persistent_release_all.
 *                      Page-map nodes live here.
 *   strata_fixalloc    fixed-size objects (span descriptors) carved from a
 *                      strata_persistent, with a free list for recycling.
 *
 * Metadata chunks are not part of any arena, so the heap's page map never
 * mistakes a metadata address for an object.
 *
 * Neither is thread-safe: the owner (the page heap, under its lock)
 * serialises calls.
 *
 * Growing ahead of need. A new chunk is a reserve and a commit (two system
 * calls), and the owners call under a lock that other threads wait for.
 * So an owner first asks strata_persistent_prepare for the bytes its next
 * allocations may take: when the current chunk and the spare cannot cover
 * them, the owner's lock is dropped while the backend makes a spare chunk,
 * and taken again. The allocations that follow then never call the
 * backend. Without a prepare, an allocation that outruns the chunks still
 * calls the backend itself (unprepared_chunks counts it). */
#ifndef STRATA_METADATA_METADATA_H_
#define STRATA_METADATA_METADATA_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena/backend.h"
#include "base/lock.h"
#include "base/thread_safety.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Chunks are at least this large, or one backend page if that is larger. */
#define STRATA_PERSISTENT_MIN_CHUNK ((size_t)64 << 10)

typedef struct strata_persistent_chunk strata_persistent_chunk;

typedef struct strata_persistent {
  strata_backend *backend;
  strata_persistent_chunk *chunks; /* newest first; each chunk's header */
  uintptr_t next;                  /* bump pointer in the newest chunk */
  uintptr_t end;
  strata_persistent_chunk *spare;  /* made ahead of need, not cut yet; or NULL */
  size_t mapped_bytes;             /* reserved and committed, all chunks and the spare */
  size_t used_bytes;               /* handed out */
  size_t unprepared_chunks;        /* chunks an allocation had to make itself */
} strata_persistent;

void strata_persistent_init(strata_persistent *p, strata_backend *backend);

/* `size` bytes aligned to `alignment` (a power of two up to the backend's
 * page size), zeroed. NULL when the backend refuses memory or the arguments
 * are bad (size 0, alignment not a power of two or too large). */
void *strata_persistent_alloc(strata_persistent *p, size_t size, size_t alignment);

/* The bytes `count` requests of `size` bytes aligned to `alignment` may
 * take from a chunk: what a prepare for them asks. */
static inline size_t strata_persistent_bytes_for(size_t count, size_t size, size_t alignment) {
  return count * (size + alignment - 1);
}

/* Whether allocations taking `bytes` in all (strata_persistent_bytes_for)
 * can be served without calling the backend. */
bool strata_persistent_ready(const strata_persistent *p, size_t bytes);

/* Makes strata_persistent_ready(p, bytes) true. `lock` is the lock the
 * caller holds to serialise its calls on p: when a new chunk is needed, it
 * is released while the backend reserves and commits the chunk, and taken
 * again before the chunk becomes the spare. So whatever the lock guards
 * may have changed on return: the caller prepares before it looks. Returns
 * the backend's error when it refuses (the lock held again, nothing
 * changed). A spare made while another was made meanwhile is not wasted:
 * the older spare becomes the current chunk. */
strata_status strata_persistent_prepare(strata_persistent *p, size_t bytes, strata_lock *lock)
    STRATA_MUST_USE STRATA_REQUIRES(lock);

/* Gives every chunk back to the backend. Everything handed out is invalid
 * afterwards; the allocator can be used again. Returns the first backend
 * error, if any. */
strata_status strata_persistent_release_all(strata_persistent *p) STRATA_MUST_USE;

typedef struct strata_fixalloc {
  strata_persistent *source;
  size_t object_size;   /* at least a pointer, a multiple of 16 */
  size_t alignment;     /* 64 for objects a multiple of 64 bytes long, else 16 */
  void *free_list;      /* recycled objects, linked through their first word */
  size_t in_use;        /* objects handed out and not freed */
  size_t total;         /* objects ever carved from the source */
} strata_fixalloc;

/* object_size > 0. Objects are 16-byte aligned, and cache-line aligned
 * (STRATA_CACHE_LINE) when their size is a multiple of the line. */
void strata_fixalloc_init(strata_fixalloc *f, strata_persistent *source, size_t object_size);

/* A zeroed object, or NULL when the source cannot grow. */
void *strata_fixalloc_alloc(strata_fixalloc *f);

/* The bytes a prepare of f's source must ask for so that `count` objects
 * can be taken: 0 when the free list holds them. */
size_t strata_fixalloc_bytes_for(const strata_fixalloc *f, size_t count);

/* Recycles an object of this allocator. Its first pointer-sized word is
 * overwritten by the free-list link; the rest keeps its contents until the
 * object is handed out again (the page heap relies on this: a recycled span
 * descriptor still reads as dead to a stale page-map entry). */
void strata_fixalloc_free(strata_fixalloc *f, void *object);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_METADATA_METADATA_H_ */
