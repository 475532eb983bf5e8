#include "base/lock.h"

#include <sched.h>

/* Pauses before the first yield: 1 + 2 + ... + 64 pause loops after six
 * doublings, then 64 a round. A critical section of strata's (a memcpy of a
 * batch, a few span bitmap updates) ends within that when its holder runs;
 * when it does not end, the holder is most likely preempted and spinning
 * longer only burns the core it needs. */
#define MAX_PAUSE_ROUND 64
#define ROUNDS_BEFORE_YIELD 16

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#else
  __asm__ __volatile__("" ::: "memory");
#endif
}

void strata_lock_acquire_slow(strata_lock *lock) {
  unsigned rounds = 0, pause = 1;
  for (;;) {
    /* Wait reading, not writing: an exchange per try would bounce the
     * cache line between the waiters and slow the holder's release. */
    while (__atomic_load_n(&lock->locked, __ATOMIC_RELAXED) != 0) {
      if (rounds < ROUNDS_BEFORE_YIELD) {
        for (unsigned i = 0; i < pause; i++) cpu_relax();
        if (pause < MAX_PAUSE_ROUND) pause *= 2;
        rounds++;
      } else {
        sched_yield();
      }
    }
    if (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE) == 0) return;
  }
}
