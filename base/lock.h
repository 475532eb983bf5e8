/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* lock: the lock strata's shared layers take: a short spin, then sleep.
 *
 * Why spin first. strata's critical sections are short (a batch copied, a
 * few bitmap words, a run split). A waiter whose holder is running on
 * another core gets the lock within a few microseconds; putting it to
 * sleep would cost two system calls and a context switch for nothing.
 *
 * Why sleep then. A holder that does not release within the spin is
 * most likely not running: preempted, or waiting for a core the waiter
 * occupies. Spinning on, or yielding (sched_yield looks only at the
 * caller's run queue, and a real-time thread's yield never lets an
 * ordinary thread run), only burns the core, or the cgroup's CPU quota,
 * that the holder needs. A real-time waiter and an ordinary holder on one
 * CPU wait for the kernel's real-time throttling (a second) or forever.
 * So after the spin the waiter sleeps in the kernel (futex), and the
 * kernel runs the holder.
 *
 * The word, as in Drepper's "Futexes Are Tricky" (mutex 3) and glibc's
 * low-level lock: 0 free, 1 held, 2 held and a waiter may sleep. acquire is
 * one compare-and-swap of 0 to 1 when the lock is free. A waiter that is
 * about to sleep exchanges 2 in (so it also takes the lock when it finds
 * it free) and sleeps while the word is 2. release exchanges 0 in and makes
 * a wake system call only when it took out a 2: uncontended, a lock costs
 * two atomic instructions and no system call. Only a sleeper's exchange
 * ever overwrites a 2, with a 2: an acquirer that wrote 1 over a 2 (an
 * exchange would) could take the lock in its spin and release it with no
 * wake, and the sleeper would sleep on with the lock free. So the word goes
 * to 1 only from 0, and whoever holds the lock while a sleeper exists
 * releases a 2.
 *
 * A zeroed struct holds a released lock of no rank. Not recursive. In
 * debug and sanitizer builds (STRATA_DEBUG) the lock also records its
 * owner, so that STRATA_ASSERT_LOCK_HELD checks the caller itself holds it
 * and release checks the releaser is the holder, and each thread's held
 * locks, so that taking one out of the order of base/lock_rank.h aborts
 * before it waits. Code built with STRATA_DEBUG and code built without
 * must not share a lock's use (the owner would be unknown).
 *
 * The functions carry clang's thread-safety attributes
 * (base/thread_safety.h): code that takes a strata_lock is checked for
 * what it touches while holding it. */
#ifndef STRATA_BASE_LOCK_H_
#define STRATA_BASE_LOCK_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/atomic.h"
#include "base/lock_rank.h"
#include "base/thread_safety.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct STRATA_CAPABILITY("lock") strata_lock {
  /* 0 free, 1 held, 2 held with a waiter that may sleep. Changed only by
   * atomic exchange (acquire order to take, release order to give back)
   * and compare-and-swap; the futex word. */
  strata_atomic_int state;
  /* Its place in the lock order (strata_lock_rank), set before the lock is
   * first used and constant after: read plainly. */
  int rank;
  /* The rest is kept in debug and sanitizer builds (STRATA_DEBUG) only,
   * but present in every build, so that code built with and without
   * STRATA_DEBUG agrees on the layout.
   *
   * The holder's pthread_self(), 0 when free: written by the holder right
   * after it takes the lock and before it gives it back; read (relaxed)
   * by assertions. */
  strata_atomic_uptr owner;
  /* The ranked lock the holder took before this one and still holds (the
   * holder's chain of held locks, newest first); read and written only by
   * the holder. */
  const struct strata_lock *held_before;
} strata_lock;

#define STRATA_LOCK_INIT {{0}, STRATA_LOCK_RANK_NONE, {0}, NULL}
#define STRATA_LOCK_INIT_RANKED(rank) {{0}, (rank), {0}, NULL}

/* A released lock of `rank`. */
void strata_lock_init(strata_lock *lock, strata_lock_rank rank);

/* The contended parts: spin, then sleep; wake a sleeper. */
void strata_lock_acquire_slow(strata_lock *lock);
void strata_lock_wake(strata_lock *lock);

/* Debug bookkeeping, called by the inline functions below in STRATA_DEBUG
 * builds. check_order aborts when the caller holds the lock already or
 * holds one that must be taken after it; note_owner records the caller as
 * holder; forget_owner aborts when the caller is not the holder. In
 * builds without STRATA_DEBUG, lock.c keeps no per-thread state:
 * check_order and the held-lock chain do nothing. */
void strata_lock_check_order(const strata_lock *lock);
void strata_lock_note_owner(strata_lock *lock);
void strata_lock_forget_owner(strata_lock *lock);
bool strata_lock_held_by_caller(const strata_lock *lock);

static inline void strata_lock_set_owner(strata_lock *lock) {
#ifdef STRATA_DEBUG
  strata_lock_note_owner(lock);
#else
  (void)lock;
#endif
}

static inline void strata_lock_clear_owner(strata_lock *lock) {
#ifdef STRATA_DEBUG
  strata_lock_forget_owner(lock);
#else
  (void)lock;
#endif
}

static inline void strata_lock_acquire(strata_lock *lock) STRATA_ACQUIRE(lock)
    STRATA_NO_THREAD_SAFETY_ANALYSIS {
#ifdef STRATA_DEBUG
  strata_lock_check_order(lock);
#endif
  int free_state = 0;
  bool taken = strata_atomic_compare_exchange(&lock->state, &free_state, 1, STRATA_ORDER_ACQUIRE,
                                              STRATA_ORDER_RELAXED);
  if (__builtin_expect(!taken, 0)) {
    strata_lock_acquire_slow(lock);
  }
  strata_lock_set_owner(lock);
}

/* True when the lock was free and is now held by the caller. */
static inline bool strata_lock_try_acquire(strata_lock *lock) STRATA_TRY_ACQUIRE(true, lock)
    STRATA_NO_THREAD_SAFETY_ANALYSIS {
  int free_state = 0;
  if (strata_atomic_load(&lock->state, STRATA_ORDER_RELAXED) != 0 ||
      !strata_atomic_compare_exchange(&lock->state, &free_state, 1, STRATA_ORDER_ACQUIRE,
                                      STRATA_ORDER_RELAXED)) {
    return false;
  }
  strata_lock_set_owner(lock);
  return true;
}

static inline void strata_lock_release(strata_lock *lock) STRATA_RELEASE(lock)
    STRATA_NO_THREAD_SAFETY_ANALYSIS {
  strata_lock_clear_owner(lock);
  if (__builtin_expect(strata_atomic_exchange(&lock->state, 0, STRATA_ORDER_RELEASE) == 2, 0)) {
    strata_lock_wake(lock);
  }
}

/* Whether the lock is held by some thread now (for assertions and tests). */
static inline bool strata_lock_is_held(const strata_lock *lock) {
  return strata_atomic_load(&lock->state, STRATA_ORDER_RELAXED) != 0;
}

#ifdef __cplusplus
}
#endif

#endif /* STRATA_BASE_LOCK_H_ */
