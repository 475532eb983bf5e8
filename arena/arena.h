/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* arena: address space for a heap, in large aligned arenas.
 *
 * A page heap does not ask the OS for memory a page at a time. It takes
 * address space in arenas, 64 MiB by default like the Go runtime's
 * heapArena, each aligned to the arena size, and commits pages inside them
 * as it needs them. A request larger than one arena gets an arena of its own,
 * rounded up to whole arena sizes.
 *
 * The set answers "is this address inside one of my arenas?" in O(1): every
 * arena-size-aligned granule an arena covers is entered in a small
 * open-addressing hash index kept inside the struct. free() of a pointer the
 * heap never gave out asks this (and the page map above it) before trusting
 * anything.
 *
 * Limits: STRATA_ARENA_MAX_ARENAS arenas and STRATA_ARENA_MAX_GRANULES
 * granules (128 GiB of address space at the default size); past them, grow
 * returns STRATA_ERR_LIMIT.
 *
 * The set is a plain struct the caller owns (about 48 KiB: put it in static
 * storage or inside the page heap, not on a small stack). It is not
 * thread-safe for growth: its owner serialises grow and release. contains()
 * may run concurrently with grow() from any thread. */
#ifndef STRATA_ARENA_ARENA_H_
#define STRATA_ARENA_ARENA_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena/backend.h"
#include "base/atomic.h"

#ifdef __cplusplus
extern "C" {
#endif

#define STRATA_ARENA_DEFAULT_SIZE ((size_t)64 << 20)
#define STRATA_ARENA_MAX_ARENAS 1024
#define STRATA_ARENA_INDEX_BITS 12
#define STRATA_ARENA_INDEX_SLOTS (1 << STRATA_ARENA_INDEX_BITS)
#define STRATA_ARENA_MAX_GRANULES (STRATA_ARENA_INDEX_SLOTS / 2)

typedef struct strata_arena {
  uintptr_t base; /* aligned to the set's arena size */
  size_t size;    /* a multiple of the set's arena size */
} strata_arena;

typedef struct strata_arena_set {
  strata_backend *backend;
  size_t arena_size;
  unsigned arena_shift;     /* log2(arena_size) */
  size_t arena_count;
  size_t granule_count;
  size_t reserved_bytes;
  strata_arena arenas[STRATA_ARENA_MAX_ARENAS];
  /* granule number + 1 (0 = empty slot), linear probing, never deleted but
   * by release_all. Written by the set's owner (the page heap, under its
   * lock) with release stores; read by lookups from any thread, without a
   * lock, with acquire loads. */
  strata_atomic_u64 index[STRATA_ARENA_INDEX_SLOTS];
} strata_arena_set;

/* arena_size: a power of two, at least the backend's page size; 0 means
 * STRATA_ARENA_DEFAULT_SIZE. STRATA_ERR_INVALID_ARGUMENT otherwise. */
strata_status strata_arena_set_init(strata_arena_set *set, strata_backend *backend,
                                    size_t arena_size) STRATA_MUST_USE;
/* The same for a set whose storage already reads as zero (base/zero.h):
 * none of its 48 KiB index is read, so none of it becomes resident. */
strata_status strata_arena_set_init_zeroed(strata_arena_set *set, strata_backend *backend,
                                           size_t arena_size) STRATA_MUST_USE;

/* Reserves a new arena of at least min_size bytes (nothing is committed) and
 * stores it in *out. Errors: STRATA_ERR_INVALID_ARGUMENT for min_size 0;
 * STRATA_ERR_OUT_OF_MEMORY when the backend refuses or the size overflows;
 * STRATA_ERR_LIMIT when the set is full. On error the set is unchanged. */
strata_status strata_arena_grow(strata_arena_set *set, size_t min_size, strata_arena *out)
    STRATA_MUST_USE;

/* strata_arena_grow in three steps, for an owner that reserves with its
 * lock dropped (the page heap): plan (under the owner's lock: the size to
 * reserve, or the error grow would give before the backend call),
 * strata_backend_reserve(set->backend, size, set->arena_size, ...) with no
 * lock, then add (under the lock again: STRATA_ERR_LIMIT when the set
 * filled meanwhile, and then the caller gives the reservation back). */
strata_status strata_arena_plan(const strata_arena_set *set, size_t min_size, size_t *size)
    STRATA_MUST_USE;
strata_status strata_arena_add(strata_arena_set *set, strata_arena arena) STRATA_MUST_USE;

/* Releases the arena of the most recent successful grow (for a caller that
 * cannot use it after all, e.g. when its own bookkeeping failed) and forgets
 * it. STRATA_ERR_INVALID_ARGUMENT when the set is empty. */
strata_status strata_arena_undo_grow(strata_arena_set *set) STRATA_MUST_USE;

/* True when addr lies inside an arena of this set. Any value is safe. */
bool strata_arena_contains(const strata_arena_set *set, const void *addr);

/* Releases every arena to the backend and empties the set, which stays
 * initialised. Returns the first error the backend reported, if any. */
strata_status strata_arena_release_all(strata_arena_set *set) STRATA_MUST_USE;

#ifdef __cplusplus
}
#endif

#endif /* STRATA_ARENA_ARENA_H_ */
