/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
#include <string.h>

#include "base/arith.h"
#include "base/check.h"
#include "base/zero.h"

#include "metadata/metadata.h"

/* Each chunk starts with this header; the chunks form a list so that they can
 * all be released, and a chunk records its own size for that. */
struct strata_persistent_chunk {
  strata_persistent_chunk *next;
  size_t size;
};

#define HEADER_SIZE ((sizeof(strata_persistent_chunk) + 15) & ~(size_t)15)

void strata_persistent_init(strata_persistent *p, strata_backend *backend) {
  memset(p, 0, sizeof *p);
  p->backend = backend;
}

/* A chunk's size for requests taking `bytes`: 64 KiB, one backend page if
 * larger, or what `bytes` and the header take rounded to backend pages. 0
 * when that overflows. */
static size_t chunk_size_for(const strata_backend *backend, size_t bytes) {
  size_t size = STRATA_PERSISTENT_MIN_CHUNK;
  if (size < backend->page_size) size = backend->page_size;
  if (bytes > SIZE_MAX - HEADER_SIZE) return 0;
  if (size < bytes + HEADER_SIZE) size = strata_backend_round_up(backend, bytes + HEADER_SIZE);
  return size;
}

/* Reserves and commits a chunk: the system calls, made with no lock held
 * when the owner prepares. Touches nothing of p's. */
static strata_status new_chunk(strata_backend *backend, size_t size,
                               strata_persistent_chunk **out) {
  void *base = NULL;
  strata_status status = strata_backend_reserve_committed(backend, size, backend->page_size, &base);
  if (status != STRATA_OK) return status;
  strata_persistent_chunk *chunk = (strata_persistent_chunk *)base;
  chunk->next = NULL;
  chunk->size = size;
  *out = chunk;
  return STRATA_OK;
}

/* Makes `chunk` the one allocations are cut from; the rest of the current
 * one is abandoned (metadata requests are small next to a chunk, so little
 * is lost). */
static void use_chunk(strata_persistent *p, strata_persistent_chunk *chunk) {
  chunk->next = p->chunks;
  p->chunks = chunk;
  p->next = (uintptr_t)chunk + HEADER_SIZE;
  p->end = (uintptr_t)chunk + chunk->size;
}

static bool chunk_holds(uintptr_t next, uintptr_t end, size_t bytes) {
  return next <= end && end - next >= bytes;
}

bool strata_persistent_ready(const strata_persistent *p, size_t bytes) {
  if (p->chunks != NULL && chunk_holds(p->next, p->end, bytes)) return true;
  const strata_persistent_chunk *spare = p->spare;
  return spare != NULL && spare->size - HEADER_SIZE >= bytes;
}

strata_status strata_persistent_prepare(strata_persistent *p, size_t bytes, strata_lock *lock) {
  STRATA_ASSERT_LOCK_HELD(lock);
  while (!strata_persistent_ready(p, bytes)) {
    strata_backend *backend = p->backend;
    size_t size = chunk_size_for(backend, bytes);
    if (size == 0) return STRATA_ERR_OUT_OF_MEMORY;
    strata_persistent_chunk *chunk = NULL;
    strata_lock_release(lock);
    strata_status status = new_chunk(backend, size, &chunk);
    strata_lock_acquire(lock);
    if (status != STRATA_OK) return status;
    /* Another holder may have made a spare while the lock was dropped:
     * that one is cut from now, and this one waits. */
    if (p->spare != NULL) use_chunk(p, p->spare);
    p->spare = chunk;
    p->mapped_bytes += size;
  }
  return STRATA_OK;
}

/* Moves allocation to a chunk that holds `bytes`: the spare when it does,
 * else a new chunk made here (with the owner's lock held, if it has one). */
static strata_status next_chunk(strata_persistent *p, size_t bytes) {
  strata_persistent_chunk *spare = p->spare;
  if (spare != NULL && spare->size - HEADER_SIZE >= bytes) {
    p->spare = NULL;
    use_chunk(p, spare);
    return STRATA_OK;
  }
  size_t size = chunk_size_for(p->backend, bytes);
  if (size == 0) return STRATA_ERR_OUT_OF_MEMORY;
  strata_persistent_chunk *chunk = NULL;
  strata_status status = new_chunk(p->backend, size, &chunk);
  if (status != STRATA_OK) return status;
  use_chunk(p, chunk);
  p->mapped_bytes += size;
  p->unprepared_chunks++;
  return STRATA_OK;
}

void *strata_persistent_alloc(strata_persistent *p, size_t size, size_t alignment) {
  if (size == 0 || alignment == 0 || (alignment & (alignment - 1)) != 0 ||
      alignment > p->backend->page_size || size > SIZE_MAX / 2) {
    return NULL;
  }
  uintptr_t start = strata_align_up(p->next, alignment);
  if (p->chunks == NULL || start < p->next || !chunk_holds(start, p->end, size)) {
    if (next_chunk(p, strata_persistent_bytes_for(1, size, alignment)) != STRATA_OK) return NULL;
    start = strata_align_up(p->next, alignment);
  }
  p->next = start + size;
  p->used_bytes += size;
  /* Nothing here is handed out twice, so from a backend whose new memory
   * reads as zero (mmap) it is zero already and stays untouched until its
   * user writes it: a page-map leaf covering 32 MiB costs resident memory
   * only where the heap is. A caller's buffer may hold old bytes. */
  if (!p->backend->reserve_zeroes) strata_zero_untouched((void *)start, size);
  return (void *)start;
}

strata_status strata_persistent_release_all(strata_persistent *p) {
  strata_status first_error = STRATA_OK;
  strata_persistent_chunk *chunk = p->chunks;
  while (chunk != NULL) {
    strata_persistent_chunk *next = chunk->next;
    strata_status status = strata_backend_release(p->backend, chunk, chunk->size);
    if (status != STRATA_OK && first_error == STRATA_OK) first_error = status;
    chunk = next;
  }
  if (p->spare != NULL) {
    strata_status status = strata_backend_release(p->backend, p->spare, p->spare->size);
    if (status != STRATA_OK && first_error == STRATA_OK) first_error = status;
  }
  strata_persistent_init(p, p->backend);
  return first_error;
}
