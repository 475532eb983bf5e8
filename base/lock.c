#define _GNU_SOURCE
#include "base/lock.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/check.h"

/* The spin before sleeping: pauses doubling from 1 to 64 between reads of
 * the word, 8 rounds, about 190 pauses in all (a few microseconds: a pause
 * is 10 to 140 cycles, depending on the processor). A critical section of
 * strata's whose holder is running ends within that; one that does not
 * end is most likely held by a thread that is not running, which only
 * sleeping lets run. */
#define MAX_PAUSE 64u
#define SPIN_ROUNDS 8u

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#else
  __asm__ __volatile__("" ::: "memory");
#endif
}

/* Sleeps while the word is `expected`; returns at once if it is not. A
 * signal or a spurious wake returns too: the caller looks again. The lock
 * lives in one process: the private futex skips the kernel's cross-process
 * lookup. */
static void futex_wait(int *word, int expected) {
  syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

void strata_lock_wake(strata_lock *lock) {
  syscall(SYS_futex, &lock->state, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

void strata_lock_acquire_slow(strata_lock *lock) {
  unsigned pause = 1;
  for (unsigned round = 0; round < SPIN_ROUNDS; round++) {
    /* Wait reading, not writing: an exchange per try would bounce the
     * cache line between the waiters and slow the holder's release. A
     * word of 2 means someone sleeps already: join them rather than spin. */
    for (unsigned i = 0; i < pause; i++) cpu_relax();
    if (pause < MAX_PAUSE) pause *= 2;
    int seen = __atomic_load_n(&lock->state, __ATOMIC_RELAXED);
    if (seen == 2) break;
    if (seen == 0) {
      int free_state = 0;
      if (__atomic_compare_exchange_n(&lock->state, &free_state, 1, false, __ATOMIC_ACQUIRE,
                                      __ATOMIC_RELAXED)) {
        return;
      }
    }
  }
  /* Sleep. Exchanging 2 in takes the lock if it was free meanwhile (and
   * then the holder's release wakes the next sleeper, if any), and else
   * tells the holder to wake someone. */
  while (__atomic_exchange_n(&lock->state, 2, __ATOMIC_ACQUIRE) != 0) futex_wait(&lock->state, 2);
}

static uintptr_t self(void) { return (uintptr_t)pthread_self(); }

void strata_lock_note_owner(strata_lock *lock) {
  __atomic_store_n(&lock->owner, self(), __ATOMIC_RELAXED);
}

void strata_lock_forget_owner(strata_lock *lock) {
  if (__atomic_load_n(&lock->owner, __ATOMIC_RELAXED) != self()) {
    strata_assert_failed("a lock is released by its holder", __func__, __FILE__, __LINE__);
  }
  __atomic_store_n(&lock->owner, 0, __ATOMIC_RELAXED);
}

bool strata_lock_held_by_caller(const strata_lock *lock) {
  return strata_lock_is_held(lock) && __atomic_load_n(&lock->owner, __ATOMIC_RELAXED) == self();
}
