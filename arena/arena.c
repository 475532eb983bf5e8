/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
#include "arena/arena.h"

#include "base/zero.h"

/* Fibonacci hashing: granule numbers of neighbouring arenas are consecutive,
 * and multiplying by 2^64 / phi spreads them over the whole table. */
static size_t slot_of(uint64_t granule) {
  return (size_t)((granule * 0x9E3779B97F4A7C15ULL) >> (64 - STRATA_ARENA_INDEX_BITS));
}

static uint64_t load_slot(const strata_atomic_u64 *slot) {
  return strata_atomic_load(slot, STRATA_ORDER_ACQUIRE);
}

static void index_insert(strata_arena_set *set, uint64_t granule) {
  size_t i = slot_of(granule);
  /* Only the set's owner writes the index: its own loads need no order. */
  while (strata_atomic_load(&set->index[i], STRATA_ORDER_RELAXED) != 0) {
    i = (i + 1) & (STRATA_ARENA_INDEX_SLOTS - 1);
  }
  strata_atomic_store(&set->index[i], granule + 1, STRATA_ORDER_RELEASE);
}

bool strata_arena_contains(const strata_arena_set *set, const void *addr) {
  uint64_t granule = (uint64_t)(uintptr_t)addr >> set->arena_shift;
  for (size_t i = slot_of(granule);; i = (i + 1) & (STRATA_ARENA_INDEX_SLOTS - 1)) {
    uint64_t entry = load_slot(&set->index[i]);
    if (entry == 0) return false;
    if (entry == granule + 1) return true;
  }
}

static strata_status set_init(strata_arena_set *set, strata_backend *backend,
                              size_t arena_size, bool zeroed) {
  if (arena_size == 0) arena_size = STRATA_ARENA_DEFAULT_SIZE;
  if ((arena_size & (arena_size - 1)) != 0 || arena_size < backend->page_size) {
    return STRATA_ERR_INVALID_ARGUMENT;
  }
  if (!zeroed) strata_zero_untouched(set, sizeof *set);
  set->backend = backend;
  set->arena_size = arena_size;
  set->arena_shift = (unsigned)__builtin_ctzll(arena_size);
  return STRATA_OK;
}

strata_status strata_arena_set_init(strata_arena_set *set, strata_backend *backend,
                                    size_t arena_size) {
  return set_init(set, backend, arena_size, false);
}

strata_status strata_arena_set_init_zeroed(strata_arena_set *set, strata_backend *backend,
                                           size_t arena_size) {
  return set_init(set, backend, arena_size, true);
}

/* Whether `granules` more fit the set. */
static bool has_room(const strata_arena_set *set, size_t granules) {
  return set->arena_count < STRATA_ARENA_MAX_ARENAS &&
         granules <= STRATA_ARENA_MAX_GRANULES - set->granule_count;
}

strata_status strata_arena_plan(const strata_arena_set *set, size_t min_size, size_t *size) {
  if (min_size == 0) return STRATA_ERR_INVALID_ARGUMENT;
  if (min_size > SIZE_MAX - (set->arena_size - 1)) return STRATA_ERR_OUT_OF_MEMORY;
  *size = (min_size + set->arena_size - 1) & ~(set->arena_size - 1);
  return has_room(set, *size >> set->arena_shift) ? STRATA_OK : STRATA_ERR_LIMIT;
}

strata_status strata_arena_add(strata_arena_set *set, strata_arena arena) {
  size_t granules = arena.size >> set->arena_shift;
  if (!has_room(set, granules)) return STRATA_ERR_LIMIT;
  uint64_t first = (uint64_t)arena.base >> set->arena_shift;
  for (size_t g = 0; g < granules; g++) index_insert(set, first + g);
  set->arenas[set->arena_count++] = arena;
  set->granule_count += granules;
  set->reserved_bytes += arena.size;
  return STRATA_OK;
}

strata_status strata_arena_grow(strata_arena_set *set, size_t min_size, strata_arena *out) {
  size_t size = 0;
  strata_status status = strata_arena_plan(set, min_size, &size);
  if (status != STRATA_OK) return status;
  void *base = NULL;
  status = strata_backend_reserve(set->backend, size, set->arena_size, &base);
  if (status != STRATA_OK) return status;
  strata_arena arena = {(uintptr_t)base, size};
  status = strata_arena_add(set, arena); /* cannot fail: planned just now */
  if (status != STRATA_OK) return status;
  *out = arena;
  return STRATA_OK;
}

/* Clearing a slot breaks the probe chains of keys inserted after it, but the
 * last grow's granules are the newest keys: no later key probed past them,
 * so removing them newest first leaves every other chain intact. */
static void index_remove_newest(strata_arena_set *set, uint64_t granule) {
  size_t i = slot_of(granule);
  while (load_slot(&set->index[i]) != granule + 1) i = (i + 1) & (STRATA_ARENA_INDEX_SLOTS - 1);
  strata_atomic_store(&set->index[i], 0, STRATA_ORDER_RELEASE);
}

strata_status strata_arena_undo_grow(strata_arena_set *set) {
  if (set->arena_count == 0) return STRATA_ERR_INVALID_ARGUMENT;
  strata_arena arena = set->arenas[set->arena_count - 1];
  size_t granules = arena.size >> set->arena_shift;
  uint64_t first = (uint64_t)arena.base >> set->arena_shift;
  for (size_t g = granules; g-- > 0;) index_remove_newest(set, first + g);
  set->arena_count--;
  set->granule_count -= granules;
  set->reserved_bytes -= arena.size;
  return strata_backend_release(set->backend, (void *)arena.base, arena.size);
}

strata_status strata_arena_release_all(strata_arena_set *set) {
  strata_status first_error = STRATA_OK;
  for (size_t i = 0; i < set->arena_count; i++) {
    strata_status status = strata_backend_release(set->backend, (void *)set->arenas[i].base,
                                                  set->arenas[i].size);
    if (status != STRATA_OK && first_error == STRATA_OK) first_error = status;
  }
  for (size_t i = 0; i < STRATA_ARENA_INDEX_SLOTS; i++) {
    strata_atomic_store(&set->index[i], 0, STRATA_ORDER_RELEASE);
  }
  set->arena_count = 0;
  set->granule_count = 0;
  set->reserved_bytes = 0;
  return first_error;
}
