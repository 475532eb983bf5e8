/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The static backend: reservations carved from a caller's buffer.
 *
 * The buffer is split into [start, top), which has been handed out at some
 * time, and [top, end), which never has. Released ranges below top are kept
 * as sorted, non-adjacent holes and reused first fit; a hole that reaches top
 * is folded back into it. Reservations are few and large (arenas), so a short
 * array of holes and linear scans are the simplest thing that is fast
 * enough. */
#include <string.h>

#include "arena/backends.h"
#include "base/arith.h"

static void remove_hole(strata_static_backend *b, size_t i) STRATA_REQUIRES(&b->lock) {
  memmove(&b->holes[i], &b->holes[i + 1], (b->hole_count - i - 1) * sizeof b->holes[0]);
  b->hole_count--;
}

/* Inserts [start, end) as a hole, merging with neighbours and with top.
 * Fails only when the range cannot be recorded: then nothing changes. */
static strata_status add_hole(strata_static_backend *b, uintptr_t start, uintptr_t end)
    STRATA_REQUIRES(&b->lock) {
  if (start == end) return STRATA_OK;
  if (end == b->top) {
    /* It joins the never-used top: that needs no hole, so it works even
     * with the table full (releasing the highest reservations always
     * succeeds). A hole it now touches folds in as well. */
    b->top = start;
    if (b->hole_count > 0 && b->holes[b->hole_count - 1].end == b->top) {
      b->top = b->holes[b->hole_count - 1].start;
      b->hole_count--;
    }
    return STRATA_OK;
  }
  size_t i = 0;
  while (i < b->hole_count && b->holes[i].end < start) i++;
  bool joins_prev = i < b->hole_count && b->holes[i].end == start;
  if (joins_prev) {
    b->holes[i].end = end;
    if (i + 1 < b->hole_count && b->holes[i + 1].start == end) {
      b->holes[i].end = b->holes[i + 1].end;
      remove_hole(b, i + 1);
    }
  } else if (i < b->hole_count && b->holes[i].start == end) {
    b->holes[i].start = start;
  } else {
    if (b->hole_count == STRATA_STATIC_BACKEND_MAX_HOLES) return STRATA_ERR_LIMIT;
    memmove(&b->holes[i + 1], &b->holes[i], (b->hole_count - i) * sizeof b->holes[0]);
    b->holes[i] = (strata_static_range){start, end};
    b->hole_count++;
  }
  /* A hole at the very top is just unused buffer. */
  if (b->hole_count > 0 && b->holes[b->hole_count - 1].end == b->top) {
    b->top = b->holes[b->hole_count - 1].start;
    b->hole_count--;
  }
  return STRATA_OK;
}

/* Takes [start, end) out of hole i, keeping the pieces left on either side. */
static strata_status carve_hole(strata_static_backend *b, size_t i, uintptr_t start,
                                uintptr_t end) STRATA_REQUIRES(&b->lock) {
  strata_static_range hole = b->holes[i];
  if (hole.start != start && hole.end != end &&
      b->hole_count == STRATA_STATIC_BACKEND_MAX_HOLES) {
    return STRATA_ERR_LIMIT; /* would split into two holes with no room */
  }
  remove_hole(b, i);
  add_hole(b, hole.start, start); /* cannot fail: a slot was just freed */
  add_hole(b, end, hole.end);
  return STRATA_OK;
}

static strata_status reserve_locked(strata_static_backend *b, size_t size, size_t alignment,
                                    void **out) STRATA_REQUIRES(&b->lock) {
  for (size_t i = 0; i < b->hole_count; i++) {
    uintptr_t start = strata_align_up(b->holes[i].start, alignment);
    if (start >= b->holes[i].start && start < b->holes[i].end &&
        b->holes[i].end - start >= size) {
      strata_status status = carve_hole(b, i, start, start + size);
      if (status != STRATA_OK) return status;
      *out = (void *)start;
      return STRATA_OK;
    }
  }
  uintptr_t start = strata_align_up(b->top, alignment);
  if (start < b->top || start > b->end || b->end - start < size) {
    return STRATA_ERR_OUT_OF_MEMORY;
  }
  /* The alignment gap below the new reservation stays usable as a hole. */
  uintptr_t old_top = b->top;
  b->top = start + size;
  if (add_hole(b, old_top, start) != STRATA_OK) {
    b->top = old_top;
    return STRATA_ERR_LIMIT;
  }
  *out = (void *)start;
  return STRATA_OK;
}

/* A range is reserved when it lies inside [start, top) and meets no hole. */
static bool is_reserved(const strata_static_backend *b, uintptr_t start, size_t size)
    STRATA_REQUIRES(&b->lock) {
  uintptr_t end = start + size;
  if (start < b->start || end > b->top) return false;
  for (size_t i = 0; i < b->hole_count; i++) {
    if (b->holes[i].start < end && start < b->holes[i].end) return false;
  }
  return true;
}

/* The operations: each takes the backend's lock (bookkeeping only, no
 * system call). */
static strata_status static_reserve(strata_backend *self, size_t size, size_t alignment,
                                    void **out) {
  strata_static_backend *b = (strata_static_backend *)self;
  strata_lock_acquire(&b->lock);
  strata_status status = reserve_locked(b, size, alignment, out);
  strata_lock_release(&b->lock);
  return status;
}

static strata_status static_commit(strata_backend *self, void *addr, size_t size) {
  strata_static_backend *b = (strata_static_backend *)self;
  strata_lock_acquire(&b->lock);
  bool reserved = is_reserved(b, (uintptr_t)addr, size);
  strata_lock_release(&b->lock);
  return reserved ? STRATA_OK : STRATA_ERR_NOT_OWNED;
}

static strata_status static_release(strata_backend *self, void *addr, size_t size) {
  strata_static_backend *b = (strata_static_backend *)self;
  uintptr_t start = (uintptr_t)addr;
  strata_lock_acquire(&b->lock);
  strata_status status =
      is_reserved(b, start, size) ? add_hole(b, start, start + size) : STRATA_ERR_NOT_OWNED;
  strata_lock_release(&b->lock);
  return status;
}

static const strata_backend_ops static_ops = {
    .reserve = static_reserve,
    .commit = static_commit,
    /* Nothing to give back: decommit is the same range check as commit. */
    .decommit = static_commit,
    .release = static_release,
    /* A buffer has no MMU behind it as far as strata knows: no guards. */
    .protect = NULL,
};

/* Not analysed: no other thread sees the backend before init returns. */
strata_status strata_static_backend_init(strata_static_backend *b, void *buffer,
                                         size_t size, size_t page_size)
    STRATA_NO_THREAD_SAFETY_ANALYSIS {
  if (page_size == 0) page_size = 4096;
  if (buffer == NULL || (page_size & (page_size - 1)) != 0) {
    return STRATA_ERR_INVALID_ARGUMENT;
  }
  uintptr_t first = (uintptr_t)buffer;
  uintptr_t last = first + size;
  if (last < first) return STRATA_ERR_INVALID_ARGUMENT;
  uintptr_t start = strata_align_up(first, page_size);
  uintptr_t end = last & ~(uintptr_t)(page_size - 1);
  if (start < first || start >= end) return STRATA_ERR_INVALID_ARGUMENT;
  memset(b, 0, sizeof *b);
  strata_lock_init(&b->lock, STRATA_LOCK_RANK_BACKEND);
  b->base.ops = &static_ops;
  b->base.name = "static";
  b->base.page_size = page_size;
  b->base.decommit_zeroes = false;
  b->base.reserve_zeroes = false;
  b->start = start;
  b->end = end;
  b->top = start;
  return STRATA_OK;
}

size_t strata_static_backend_free_bytes(strata_static_backend *b) {
  strata_lock_acquire(&b->lock);
  size_t bytes = b->end - b->top;
  for (size_t i = 0; i < b->hole_count; i++) bytes += b->holes[i].end - b->holes[i].start;
  strata_lock_release(&b->lock);
  return bytes;
}
