/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* futex: sleeping on a 32-bit word until another thread changes it.
 *
 * The word lives in one process: the private futex skips the kernel's
 * cross-process lookup. A wait returns at once when the word is not
 * `expected`, and also on a signal or a spurious wake: every caller looks
 * at the word again in a loop. Both calls are system calls, so they
 * belong on slow paths; both are async-signal-safe (the GC heap's
 * stop-the-world handler waits on one). */
#ifndef STRATA_BASE_FUTEX_H_
#define STRATA_BASE_FUTEX_H_

#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <stdint.h>

#if defined(__SANITIZE_THREAD__)
#define STRATA_FUTEX_POLLS 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define STRATA_FUTEX_POLLS 1
#endif
#endif

/* `word` is the address of a 32-bit STRATA_ATOMIC field's value
 * (strata_atomic_address).
 *
 * Under the thread sanitizer a wait wakes every millisecond and passes
 * through one of the sanitizer's interceptors (usleep): the sanitizer
 * holds a signal that arrives outside its interceptors until the thread
 * enters one, and a futex system call is none, so a thread waiting here
 * would never run a handler (the GC heap's stop signal) otherwise. */
static inline void strata_futex_wait(void *word, uint32_t expected) {
#ifdef STRATA_FUTEX_POLLS
  struct timespec millisecond = {0, 1000000};
  syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, &millisecond, NULL, 0);
  usleep(0);
#else
  syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
#endif
}

/* Wakes up to `count` waiters (INT_MAX: all). */
static inline void strata_futex_wake(void *word, int count) {
  syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, count, NULL, NULL, 0);
}

#endif /* STRATA_BASE_FUTEX_H_ */
