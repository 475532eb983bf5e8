/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Not built by Bazel: scripts/test compiles it with the clang build's
 * flags and expects the thread-safety analysis to refuse it, so that a
 * build that silently stopped checking (an old clang, a dropped flag, an
 * empty STRATA_GUARDED_BY) does not pass for a checked one. Each function
 * breaks one rule the analysis holds strata's layers to. */
#include "central/central.h"
#include "pageheap/pageheap.h"

/* A guarded field written without its lock. */
void writes_without_the_lock(strata_central_class *k) { k->spans++; }

/* A lock taken and not given back. */
void keeps_the_lock(strata_pageheap *ph) { strata_lock_acquire(&ph->lock); }

/* A page-heap field read after the lock was given back. */
size_t reads_after_release(strata_pageheap *ph) {
  strata_lock_acquire(&ph->lock);
  strata_lock_release(&ph->lock);
  return ph->in_use_pages;
}
