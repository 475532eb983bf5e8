/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* lock_rank: the order in which strata's locks may be taken.
 *
 * Two threads that take two locks in opposite orders can deadlock, and the
 * schedule that shows it may come once a month. So every lock strata
 * takes has a rank, listed here from outermost to innermost, and a thread
 * may take a lock only when every lock it already holds ranks below it
 * (as the Go runtime's lockrank.go). Debug and sanitizer builds
 * (STRATA_DEBUG) check this on every acquire, before waiting, and abort
 * with both locks' names:
 *
 *   strata: lock order violated: taking "page heap" while holding "heap profile"
 *
 * The rank is the lock's, set once when the lock is set up
 * (strata_lock_init); a lock of rank STRATA_LOCK_RANK_NONE (a zeroed one,
 * a caller's own) is not checked. Locks of one rank may be held together
 * only when the rank says so, and then taken in ascending address order
 * (the central class locks, all taken at once around fork()). */
#ifndef STRATA_BASE_LOCK_RANK_H_
#define STRATA_BASE_LOCK_RANK_H_

#ifdef __cplusplus
extern "C" {
#endif

typedef enum strata_lock_rank {
  STRATA_LOCK_RANK_NONE = 0,
  /* malloc frontend: setting up the process's heap (also first at fork). */
  STRATA_LOCK_RANK_MALLOC_INIT,
  /* malloc frontend: the list of thread caches. */
  STRATA_LOCK_RANK_MALLOC_THREADS,
  /* GC heap: the world, held by a collection from before it stops the
   * heap's threads until after it restarts them, and by registration. */
  STRATA_LOCK_RANK_GC_WORLD,
  /* GC heaps: the one world being stopped at a time, process-wide. */
  STRATA_LOCK_RANK_GC_STOPPING,
  /* GC heap: its bookkeeping (roots, mark records, large objects,
   * finalizers, weak references). */
  STRATA_LOCK_RANK_GC_BOOKKEEPING,
  /* GC heap: the markers' shared pool of work. */
  STRATA_LOCK_RANK_GC_MARK_POOL,
  /* central: one size class's span lists. Several at once in ascending
   * address order. */
  STRATA_LOCK_RANK_CENTRAL_CLASS,
  /* pageheap: runs, spans, the page map's growth, the backend's calls
   * counted by the heap. */
  STRATA_LOCK_RANK_PAGEHEAP,
  /* profile: the sampled allocation table and its stacks. */
  STRATA_LOCK_RANK_PROFILE,
  /* malloc frontend: the guarded-sampling slots. */
  STRATA_LOCK_RANK_GUARD,
  /* arena: a backend's own bookkeeping (the fault backend's counters, the
   * static backend's holes); never held across a system call. */
  STRATA_LOCK_RANK_BACKEND,
  STRATA_LOCK_RANK_COUNT
} strata_lock_rank;

/* The rank's name in messages ("page heap"); "unknown" outside the table. */
const char *strata_lock_rank_name(strata_lock_rank rank);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_BASE_LOCK_RANK_H_ */
