/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
#include "arena/backend.h"

#include <stdint.h>

#include "base/arith.h"
#include "base/constants.h"

/* Argument checks live here, once, so that no backend has to repeat them and
 * every backend rejects the same things the same way. */

static bool on_grid(const strata_backend *b, uintptr_t x) {
  return (x & (b->page_size - 1)) == 0;
}

static bool valid_range(const strata_backend *b, const void *addr, size_t size) {
  uintptr_t start = (uintptr_t)addr;
  return addr != NULL && size != 0 && on_grid(b, start) && on_grid(b, size) &&
         start + size > start; /* no wrap-around */
}

size_t strata_backend_round_up(const strata_backend *b, size_t size) {
  size_t mask = b->page_size - 1;
  if (size > SIZE_MAX - mask) return 0;
  return (size + mask) & ~mask;
}

strata_status strata_backend_reserve(strata_backend *b, size_t size, size_t alignment,
                                     void **out) {
  *out = NULL;
  if (size == 0 || !on_grid(b, size) || !strata_is_power_of_two(alignment)) {
    return STRATA_ERR_INVALID_ARGUMENT;
  }
  if (alignment < b->page_size) alignment = b->page_size;
  /* A reservation must leave room to align it; anything this large cannot be
   * had on any machine, so it is an out-of-memory answer, not a bad call. */
  if (size > SIZE_MAX / 2 || alignment > SIZE_MAX / 2) return STRATA_ERR_OUT_OF_MEMORY;
  return b->ops->reserve(b, size, alignment, out);
}

strata_status strata_backend_reserve_committed(strata_backend *b, size_t size, size_t alignment,
                                               void **out) {
  strata_status status = strata_backend_reserve(b, size, alignment, out);
  if (status != STRATA_OK) return status;
  status = strata_backend_commit(b, *out, size);
  if (status != STRATA_OK) {
    /* Never used: if the backend cannot take it back either, it stays
     * reserved and untouched, and the commit's error is the one to report. */
    strata_status_ignore(strata_backend_release(b, *out, size));
    *out = NULL;
  }
  return status;
}

strata_status strata_backend_commit(strata_backend *b, void *addr, size_t size) {
  if (!valid_range(b, addr, size)) return STRATA_ERR_INVALID_ARGUMENT;
  return b->ops->commit(b, addr, size);
}

strata_status strata_backend_decommit(strata_backend *b, void *addr, size_t size) {
  if (!valid_range(b, addr, size)) return STRATA_ERR_INVALID_ARGUMENT;
  return b->ops->decommit(b, addr, size);
}

strata_status strata_backend_protect(strata_backend *b, void *addr, size_t size,
                                     bool accessible) {
  uintptr_t start = (uintptr_t)addr;
  if (addr == NULL || size == 0 || (start & (STRATA_PAGE_SIZE - 1)) != 0 ||
      (size & (STRATA_PAGE_SIZE - 1)) != 0 || start + size < start) {
    return STRATA_ERR_INVALID_ARGUMENT;
  }
  if (b->ops->protect == NULL) return STRATA_ERR_UNSUPPORTED;
  return b->ops->protect(b, addr, size, accessible);
}

strata_status strata_backend_release(strata_backend *b, void *addr, size_t size) {
  if (!valid_range(b, addr, size)) return STRATA_ERR_INVALID_ARGUMENT;
  return b->ops->release(b, addr, size);
}
