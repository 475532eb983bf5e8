/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Background release: memory the program freed and then left alone goes
 * back to the OS even if the program never calls the allocator again.
 *
 * Why a thread. The page heap applies its release policy (runs idle longer
 * than STRATA_RELEASE_DELAY_MS go back) as it works, on allocations and
 * frees. A program that frees a lot and then goes quiet (a server between
 * bursts, a tool waiting on input) would keep every freed page resident
 * for as long as it stays quiet. So one thread sleeps until the next free
 * run becomes due (strata_pageheap_release_wait_ns: at most the delay when
 * nothing waits, at least 1/16 of it between walks) and, when it wakes,
 * applies the policy once, so memory goes back one delay after it was
 * freed, not up to two as with a fixed period. (jemalloc's
 * background_thread and tcmalloc's background release do the same job.)
 * Once per delay it also empties the transfer slots of classes that went
 * idle (plunder_if_due).
 *
 * The thread starts lazily, the first time memory flows back towards the
 * page heap (a thread cache flushes, a thread exits, a large object is
 * freed): a program that never frees never has it, and a short program
 * rarely does. It blocks every signal, so signals still reach the program's
 * own threads; it never allocates through malloc, so it has no thread cache.
 *
 * After fork() the child has no such thread, and does not start one: a
 * child of a multi-threaded process (and with this thread every process
 * that freed is one) should call only async-signal-safe functions until it
 * execs, which pthread_create is not, and ThreadSanitizer refuses it
 * outright. A child that lives on applies the policy as it allocates and
 * frees, as with STRATA_BACKGROUND_RELEASE=0, which turns the thread off. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "frontend/malloc/malloc_internal.h"

/* 0: not started; 1: started (or being started, or refused). Read relaxed
 * on every poke: a poke that sees 0 races to set it with one exchange. */
static strata_atomic_int started;

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Once per delay (returns true then; the loop also advances the idle-cache
 * epoch), batches parked in transfer slots of classes that moved
 * none since the last time go back to their spans (strata_central_plunder),
 * so that a class the program stopped using gives its memory back too:
 * its empty spans reach the page heap, which releases them a delay later. */
static bool plunder_if_due(strata_malloc_global *g, uint64_t *last, uint64_t delay) {
  uint64_t now = now_ns();
  if (now - *last < delay) return false;
  *last = now;
  strata_status status = STRATA_OK;
  void *bad = NULL;
  strata_central_plunder(&g->central, &status, &bad);
  if (status != STRATA_OK) strata_report_status("free", status, bad);
  return true;
}

static void *release_loop(void *arg) {
  (void)arg;
  strata_malloc_global *g = &strata_malloc_state;
  uint64_t delay = g->config.release_delay_ns;
  uint64_t last_plunder = now_ns();
  for (;;) {
    uint64_t wait = strata_pageheap_release_wait_ns(&g->heap);
    if (wait > delay) wait = delay; /* nothing waits: a run freed now is due in a delay */
    struct timespec nap = {(time_t)(wait / 1000000000u), (long)(wait % 1000000000u)};
    if (wait > 0) nanosleep(&nap, NULL);
    if (plunder_if_due(g, &last_plunder, delay)) {
      strata_atomic_add(&g->cache_epoch, 1, STRATA_ORDER_RELAXED);
    }
    strata_pageheap_scavenge(&g->heap);
  }
  return NULL;
}

static void start(void) {
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) return;
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 64 << 10);
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous); /* inherited by the new thread */
  pthread_t thread;
  if (pthread_create(&thread, &attr, release_loop, NULL) == 0) {
    pthread_setname_np(thread, "strata-release");
  }
  /* A refusal (no threads left, a sandbox) leaves the policy to the heap's
   * own calls, as with STRATA_BACKGROUND_RELEASE=0; nothing is retried. */
  pthread_sigmask(SIG_SETMASK, &previous, NULL);
  pthread_attr_destroy(&attr);
}

void strata_background_release_poke(void) {
  if (STRATA_LIKELY(strata_atomic_load(&started, STRATA_ORDER_RELAXED))) return;
  strata_malloc_global *g = &strata_malloc_state;
  /* Off, or no policy to apply: release at once (delay 0) or never. */
  uint64_t delay = g->config.release_delay_ns;
  if (!g->config.background_release || delay == 0 || delay == UINT64_MAX) {
    strata_atomic_store(&started, 1, STRATA_ORDER_RELAXED);
    return;
  }
  if (strata_atomic_exchange(&started, 1, STRATA_ORDER_RELAXED) == 0) start();
}

void strata_background_release_after_fork_child(void) {
  strata_atomic_store(&started, 1, STRATA_ORDER_RELAXED); /* never in a child: see above */
}
