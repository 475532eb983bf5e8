/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* check: invariants checked where they hold, and heap checks that say
 * which invariant failed.
 *
 * STRATA_ASSERT(expr) states an invariant at the point where the code
 * relies on it (a precondition, a count that must balance). Debug and
 * sanitizer builds (STRATA_DEBUG, set by .bazelrc's debug, asan, tsan and
 * fuzz configs) check it and, when it fails, write
 *
 *   strata: invariant violated in strata_span_free (span/span.c:97): s->allocated > 0
 *
 * to stderr and abort, as the Go runtime's throw() does: a broken
 * invariant means the heap can no longer be trusted, and going on would
 * only move the damage away from its cause. The message is written with
 * write(2): it never allocates, since the allocator may be what broke.
 * Release builds compile the check away and never evaluate `expr` (it
 * must have no side effects), so an assertion costs nothing on the fast
 * paths that ship.
 *
 * STRATA_ASSERT_LOCK_HELD(lock) states that the calling thread holds a
 * strata_lock (debug builds record each lock's owner): it catches a
 * function called without the lock its caller should have taken, and one
 * called while another thread holds it.
 *
 * The heap checks (strata_span_check, strata_pageheap_check, ...) walk a
 * whole structure and return STRATA_ERR_CORRUPT when an invariant fails.
 * Given a strata_check_reporter, they also name the invariant, once, in a
 * short message ("span: allocated count differs from the bitmap"), for the
 * caller to print or keep. */
#ifndef STRATA_BASE_CHECK_H_
#define STRATA_BASE_CHECK_H_

#include <stddef.h>

#include "base/lock.h"
#include "base/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes the message above and aborts. */
void strata_assert_failed(const char *expr, const char *function, const char *file, int line)
    __attribute__((noreturn, cold));

#ifdef STRATA_DEBUG
#define STRATA_ASSERT(expr) \
  (__builtin_expect(!!(expr), 1) ? (void)0 : strata_assert_failed(#expr, __func__, __FILE__, __LINE__))
#else
/* Type-checked, never evaluated. */
#define STRATA_ASSERT(expr) ((void)sizeof(!(expr)))
#endif

#ifdef STRATA_DEBUG
#define STRATA_ASSERT_LOCK_HELD(lock) STRATA_ASSERT(strata_lock_held_by_caller(lock))
#else
#define STRATA_ASSERT_LOCK_HELD(lock) ((void)sizeof(lock))
#endif

/* The same as a function, which also tells clang's thread-safety analysis
 * that the lock is held from here on: for code reached through a callback,
 * whose lock the analysis cannot see taken. */
static inline void strata_assert_lock_held(const strata_lock *lock)
    STRATA_ASSERT_CAPABILITY(lock) {
  STRATA_ASSERT_LOCK_HELD(lock);
}

/* Receives the name of the invariant a heap check found broken. */
typedef struct strata_check_reporter {
  void (*report)(void *arg, const char *invariant);
  void *arg;
} strata_check_reporter;

/* For the checks: reports `invariant` (if there is a reporter) and returns
 * STRATA_ERR_CORRUPT, so that a check reads
 *   if (counted != s->allocated) return strata_check_fail(why, "...");  */
static inline strata_status strata_check_fail(const strata_check_reporter *reporter,
                                              const char *invariant) {
  if (reporter != NULL && reporter->report != NULL) reporter->report(reporter->arg, invariant);
  return STRATA_ERR_CORRUPT;
}

#ifdef __cplusplus
}
#endif

#endif /* STRATA_BASE_CHECK_H_ */
