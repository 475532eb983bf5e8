/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
#define _GNU_SOURCE
#include "base/lock.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/check.h"
#include "base/compiler.h"
#include "base/futex.h"

/* The spin before sleeping: pauses doubling from 1 to 64 between reads of
 * the word, 8 rounds, about 190 pauses in all (a few microseconds: a pause
 * is 10 to 140 cycles, depending on the processor). A critical section of
 * strata's whose holder is running ends within that; one that does not
 * end is most likely held by a thread that is not running, which only
 * sleeping lets run. */
#define MAX_PAUSE 64u
#define SPIN_ROUNDS 8u

void strata_lock_wake(strata_lock *lock) { strata_futex_wake(strata_atomic_address(&lock->state), 1); }

void strata_lock_acquire_slow(strata_lock *lock) {
  unsigned pause = 1;
  for (unsigned round = 0; round < SPIN_ROUNDS; round++) {
    /* Wait reading, not writing: an exchange per try would bounce the
     * cache line between the waiters and slow the holder's release. A
     * word of 2 means someone sleeps already: join them rather than spin. */
    for (unsigned i = 0; i < pause; i++) strata_cpu_relax();
    if (pause < MAX_PAUSE) pause *= 2;
    int seen = strata_atomic_load(&lock->state, STRATA_ORDER_RELAXED);
    if (seen == 2) break;
    if (seen == 0) {
      int free_state = 0;
      if (strata_atomic_compare_exchange(&lock->state, &free_state, 1, STRATA_ORDER_ACQUIRE,
                                         STRATA_ORDER_RELAXED)) {
        return;
      }
    }
  }
  /* Sleep. Exchanging 2 in takes the lock if it was free meanwhile (and
   * then the holder's release wakes the next sleeper, if any), and else
   * tells the holder to wake someone. */
  while (strata_atomic_exchange(&lock->state, 2, STRATA_ORDER_ACQUIRE) != 0) {
    strata_futex_wait(strata_atomic_address(&lock->state), 2);
  }
}

void strata_lock_init(strata_lock *lock, strata_lock_rank rank) {
  strata_atomic_store(&lock->state, 0, STRATA_ORDER_RELAXED);
  lock->rank = (int)rank;
  strata_atomic_store(&lock->owner, 0, STRATA_ORDER_RELAXED);
  lock->held_before = NULL;
}

const char *strata_lock_rank_name(strata_lock_rank rank) {
  switch (rank) {
    case STRATA_LOCK_RANK_NONE: return "unranked lock";
    case STRATA_LOCK_RANK_MALLOC_INIT: return "malloc init";
    case STRATA_LOCK_RANK_MALLOC_THREADS: return "malloc thread list";
    case STRATA_LOCK_RANK_GC_WORLD: return "GC world";
    case STRATA_LOCK_RANK_GC_STOPPING: return "GC stopping";
    case STRATA_LOCK_RANK_GC_BOOKKEEPING: return "GC bookkeeping";
    case STRATA_LOCK_RANK_GC_MARK_POOL: return "GC mark pool";
    case STRATA_LOCK_RANK_CENTRAL_CLASS: return "central class";
    case STRATA_LOCK_RANK_PAGEHEAP: return "page heap";
    case STRATA_LOCK_RANK_PROFILE: return "heap profile";
    case STRATA_LOCK_RANK_GUARD: return "guarded sampling";
    case STRATA_LOCK_RANK_BACKEND: return "backend";
    case STRATA_LOCK_RANK_COUNT: break;
  }
  return "unknown";
}

static uintptr_t self(void) { return (uintptr_t)pthread_self(); }

#ifdef STRATA_DEBUG
/* The ranked locks this thread holds, newest first, linked through each
 * lock's held_before. One pointer of initial-exec TLS, in debug and
 * sanitizer builds only (it must not make libstrata.so's static TLS
 * bigger where it ships: see frontend/malloc's dlopen_test). */
static __thread const strata_lock *held_chain __attribute__((tls_model("initial-exec")));

/* Several locks of one rank are allowed only for these, and only in
 * ascending address order. */
static bool rank_allows_several(int rank) { return rank == STRATA_LOCK_RANK_CENTRAL_CLASS; }

/* Writes "strata: lock order violated: <what> \"<a>\" <how> \"<b>\"" and
 * aborts: with write(2), since the allocator's own locks are at stake. */
static __attribute__((noreturn)) void order_violated(const char *what, int taking,
                                                    const char *how, int held) {
  const char *parts[] = {"strata: lock order violated: ",
                         what,
                         " \"",
                         strata_lock_rank_name((strata_lock_rank)taking),
                         "\" ",
                         how,
                         " \"",
                         strata_lock_rank_name((strata_lock_rank)held),
                         "\" (base/lock_rank.h)\n"};
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
    size_t length = 0;
    while (parts[i][length] != '\0') length++;
    ssize_t written = write(STDERR_FILENO, parts[i], length);
    (void)written; /* nothing better to do when stderr is gone: abort anyway */
  }
  abort();
}

void strata_lock_check_order(const strata_lock *lock) {
  if (lock->rank == STRATA_LOCK_RANK_NONE) return;
  for (const strata_lock *held = held_chain; held != NULL; held = held->held_before) {
    if (held == lock) order_violated("taking", lock->rank, "again while holding it as", held->rank);
    if (held->rank < lock->rank) continue;
    if (held->rank == lock->rank && rank_allows_several(lock->rank) && held < lock) continue;
    order_violated("taking", lock->rank, "while holding", held->rank);
  }
}

static void push_held(strata_lock *lock) {
  if (lock->rank == STRATA_LOCK_RANK_NONE) return;
  lock->held_before = held_chain;
  held_chain = lock;
}

/* Usually the newest; a lock given back out of order is unlinked where it
 * sits. */
static void pop_held(strata_lock *lock) {
  if (lock->rank == STRATA_LOCK_RANK_NONE) return;
  const strata_lock **link = &held_chain;
  while (*link != NULL && *link != lock) link = (const strata_lock **)&(*link)->held_before;
  if (*link == NULL) {
    strata_assert_failed("a ranked lock given back is on its holder's chain", __func__, __FILE__,
                         __LINE__);
  }
  *link = lock->held_before;
  lock->held_before = NULL;
}
#else
void strata_lock_check_order(const strata_lock *lock) { (void)lock; }
static void push_held(strata_lock *lock) { (void)lock; }
static void pop_held(strata_lock *lock) { (void)lock; }
#endif

void strata_lock_note_owner(strata_lock *lock) {
  strata_atomic_store(&lock->owner, self(), STRATA_ORDER_RELAXED);
  push_held(lock);
}

void strata_lock_forget_owner(strata_lock *lock) {
  if (strata_atomic_load(&lock->owner, STRATA_ORDER_RELAXED) != self()) {
    strata_assert_failed("a lock is released by its holder", __func__, __FILE__, __LINE__);
  }
  pop_held(lock);
  strata_atomic_store(&lock->owner, 0, STRATA_ORDER_RELAXED);
}

bool strata_lock_held_by_caller(const strata_lock *lock) {
  return strata_lock_is_held(lock) &&
         strata_atomic_load(&lock->owner, STRATA_ORDER_RELAXED) == self();
}
