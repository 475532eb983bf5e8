#include <string.h>

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

static uintptr_t align_up(uintptr_t x, size_t alignment) {
  return (x + alignment - 1) & ~(uintptr_t)(alignment - 1);
}

static strata_status add_chunk(strata_persistent *p, size_t min_size) {
  size_t size = STRATA_PERSISTENT_MIN_CHUNK;
  if (size < p->backend->page_size) size = p->backend->page_size;
  if (min_size > SIZE_MAX - HEADER_SIZE) return STRATA_ERR_OUT_OF_MEMORY;
  if (size < min_size + HEADER_SIZE) {
    size = strata_backend_round_up(p->backend, min_size + HEADER_SIZE);
    if (size == 0) return STRATA_ERR_OUT_OF_MEMORY;
  }
  void *base = NULL;
  strata_status status = strata_backend_reserve(p->backend, size, p->backend->page_size, &base);
  if (status != STRATA_OK) return status;
  status = strata_backend_commit(p->backend, base, size);
  if (status != STRATA_OK) {
    /* Never used: if the backend cannot take it back either, it stays
     * reserved and untouched, and the commit's error is the one to report. */
    strata_status_ignore(strata_backend_release(p->backend, base, size));
    return status;
  }
  strata_persistent_chunk *chunk = (strata_persistent_chunk *)base;
  chunk->next = p->chunks;
  chunk->size = size;
  p->chunks = chunk;
  p->next = (uintptr_t)base + HEADER_SIZE;
  p->end = (uintptr_t)base + size;
  p->mapped_bytes += size;
  return STRATA_OK;
}

void *strata_persistent_alloc(strata_persistent *p, size_t size, size_t alignment) {
  if (size == 0 || alignment == 0 || (alignment & (alignment - 1)) != 0 ||
      alignment > p->backend->page_size || size > SIZE_MAX / 2) {
    return NULL;
  }
  uintptr_t start = align_up(p->next, alignment);
  if (p->chunks == NULL || start < p->next || start > p->end || p->end - start < size) {
    /* The rest of the current chunk is abandoned: metadata requests are
     * small next to a chunk, so little is lost. */
    if (add_chunk(p, size + alignment) != STRATA_OK) return NULL;
    start = align_up(p->next, alignment);
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
  strata_persistent_init(p, p->backend);
  return first_error;
}
