/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The fault backend: a counting wrapper that refuses memory on cue. */
#include <stdint.h>
#include <string.h>

#include "arena/backends.h"

/* Decides whether an acquiring call (reserve or commit) of `bytes` is
 * refused, and counts it either way. */
static bool refuse_acquire(strata_fault_backend *f, strata_backend_op op, size_t bytes) {
  strata_lock_acquire(&f->lock);
  f->calls[op]++;
  f->acquire_calls++;
  bool refuse = f->acquire_calls == f->refuse_at;
  if (f->budget != SIZE_MAX && (f->committed >= f->budget || bytes > f->budget - f->committed)) {
    refuse = true;
  }
  if (refuse) f->refusals[op]++;
  strata_lock_release(&f->lock);
  return refuse;
}

/* Counts a call that acquires nothing. */
static void count_call(strata_fault_backend *f, strata_backend_op op) {
  strata_lock_acquire(&f->lock);
  f->calls[op]++;
  strata_lock_release(&f->lock);
}

/* Adds (or takes away) bytes committed through the wrapper. */
static void count_committed(strata_fault_backend *f, size_t add, size_t take) {
  strata_lock_acquire(&f->lock);
  f->committed += add;
  f->committed -= take < f->committed ? take : f->committed;
  strata_lock_release(&f->lock);
}

static strata_status fault_reserve(strata_backend *self, size_t size, size_t alignment,
                                   void **out) {
  strata_fault_backend *f = (strata_fault_backend *)self;
  /* Address space is not memory: a reserve is refused by the budget only
   * once the budget is entirely spent. */
  if (refuse_acquire(f, STRATA_BACKEND_RESERVE, 0)) return STRATA_ERR_OUT_OF_MEMORY;
  return strata_backend_reserve(f->inner, size, alignment, out);
}

static strata_status fault_commit(strata_backend *self, void *addr, size_t size) {
  strata_fault_backend *f = (strata_fault_backend *)self;
  if (refuse_acquire(f, STRATA_BACKEND_COMMIT, size)) return STRATA_ERR_OUT_OF_MEMORY;
  strata_status status = strata_backend_commit(f->inner, addr, size);
  if (status == STRATA_OK) count_committed(f, size, 0);
  return status;
}

static strata_status fault_decommit(strata_backend *self, void *addr, size_t size) {
  strata_fault_backend *f = (strata_fault_backend *)self;
  count_call(f, STRATA_BACKEND_DECOMMIT);
  strata_status status = strata_backend_decommit(f->inner, addr, size);
  if (status == STRATA_OK) count_committed(f, 0, size);
  return status;
}

static strata_status fault_release(strata_backend *self, void *addr, size_t size) {
  strata_fault_backend *f = (strata_fault_backend *)self;
  count_call(f, STRATA_BACKEND_RELEASE);
  return strata_backend_release(f->inner, addr, size);
}

/* Passed through and counted, never refused: it acquires no memory. */
static strata_status fault_protect(strata_backend *self, void *addr, size_t size, bool accessible) {
  strata_fault_backend *f = (strata_fault_backend *)self;
  count_call(f, STRATA_BACKEND_PROTECT);
  return strata_backend_protect(f->inner, addr, size, accessible);
}

static const strata_backend_ops fault_ops = {
    .reserve = fault_reserve,
    .commit = fault_commit,
    .decommit = fault_decommit,
    .release = fault_release,
    .protect = fault_protect,
};

/* Not analysed: no other thread sees the backend before init returns. */
void strata_fault_backend_init(strata_fault_backend *f, strata_backend *inner)
    STRATA_NO_THREAD_SAFETY_ANALYSIS {
  memset(f, 0, sizeof *f);
  strata_lock_init(&f->lock, STRATA_LOCK_RANK_BACKEND);
  f->base.ops = &fault_ops;
  f->base.name = "fault";
  f->base.page_size = inner->page_size;
  f->base.decommit_zeroes = inner->decommit_zeroes;
  f->base.reserve_zeroes = inner->reserve_zeroes;
  f->inner = inner;
  f->budget = SIZE_MAX;
}

void strata_fault_backend_refuse_nth(strata_fault_backend *f, uint64_t k) {
  strata_lock_acquire(&f->lock);
  f->refuse_at = k == 0 ? 0 : f->acquire_calls + k;
  strata_lock_release(&f->lock);
}

void strata_fault_backend_set_budget(strata_fault_backend *f, size_t bytes) {
  strata_lock_acquire(&f->lock);
  f->budget = bytes;
  strata_lock_release(&f->lock);
}

uint64_t strata_fault_backend_acquire_calls(strata_fault_backend *f) {
  strata_lock_acquire(&f->lock);
  uint64_t calls = f->acquire_calls;
  strata_lock_release(&f->lock);
  return calls;
}
