/* lock: the lock strata's shared layers take, one that never sleeps.
 *
 * Why not a pthread mutex. On a machine with fewer cores than threads, the
 * holder of a short critical section is sometimes preempted. A mutex then
 * puts every waiter to sleep in the kernel (futex wait) and wakes it later
 * (futex wake): two system calls and a context switch per waiter, each far
 * longer than the critical section itself. Under producer/consumer load
 * that becomes a storm of sleeps and wakes.
 *
 * strata_lock instead spins, reading the word (not writing it) with a
 * doubling pause between reads, and after a few hundred pauses yields the
 * processor with sched_yield: the likeliest thread to run next on a busy
 * machine is the preempted holder, which then finishes and releases. A
 * waiter never blocks, so the process makes no voluntary context switches
 * on strata's locks.
 *
 * The lock is one int, zero when free, so a zeroed struct holds released
 * locks. acquire is one atomic exchange when the lock is free; release is
 * one store. It is not recursive and has no owner: releasing a lock another
 * thread holds is a bug this type does not detect. */
#ifndef STRATA_BASE_LOCK_H_
#define STRATA_BASE_LOCK_H_

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_lock {
  int locked; /* 1 while held: exchanged with acquire, stored with release */
} strata_lock;

#define STRATA_LOCK_INIT {0}

/* The contended part of strata_lock_acquire: spin, then yield. */
void strata_lock_acquire_slow(strata_lock *lock);

static inline void strata_lock_acquire(strata_lock *lock) {
  if (__builtin_expect(__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE) == 0, 1)) return;
  strata_lock_acquire_slow(lock);
}

/* True when the lock was free and is now held by the caller. */
static inline bool strata_lock_try_acquire(strata_lock *lock) {
  return __atomic_load_n(&lock->locked, __ATOMIC_RELAXED) == 0 &&
         __atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE) == 0;
}

static inline void strata_lock_release(strata_lock *lock) {
  __atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
}

/* Whether the lock is held by some thread now (for assertions and tests). */
static inline bool strata_lock_is_held(const strata_lock *lock) {
  return __atomic_load_n(&lock->locked, __ATOMIC_RELAXED) != 0;
}

#ifdef __cplusplus
}
#endif

#endif /* STRATA_BASE_LOCK_H_ */
