/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Markers: marking on several threads while the world is stopped.
 *
 * The collecting thread is marker 0. The heap starts its helpers (up to
 * mark_threads - 1 threads of its own, before the first collection stops
 * the world: a stopped thread may hold the C library's locks that
 * creating a thread takes) and they sleep on a futex between collections.
 * A collection wakes them; they take work from the shared pool, and put
 * back what their own stacks cannot hold.
 *
 * Sharing, not stealing. Each marker works on its own stack without a
 * lock. A marker that has work looks every few objects whether another is
 * idle, and if so moves the older half of its stack (the roots of the
 * largest untraversed parts, in a depth-first traversal) to the pool
 * under the pool's lock; an idle marker takes half of the pool. Boehm's
 * collector shares its mark stack the same way. The pool is touched only
 * when someone is idle, so a busy marker's cost is one relaxed load every
 * SHARE_EVERY objects (mark.c).
 *
 * Termination. A marker that finds its stack and the pool empty counts
 * itself idle, and waits for the pool to fill again or for every marker to
 * be idle. Work is only ever in a stack of a marker that is not idle or in
 * the pool, and only markers that are not idle add to the pool; a marker
 * counts itself idle only after finding the pool empty under its lock. So
 * once all are idle, none has work and none can make more: marking is
 * done. The collecting thread counts as busy until it has scanned every
 * root. */
#define _GNU_SOURCE 1

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "base/compiler.h"
#include "base/futex.h"
#include "frontend/gc/gc_internal.h"

/* A stack shorter than this keeps its work: too little to be worth the
 * pool's lock. */
#define OFFER_MIN 16
/* Looks at the pool (a pause between each, some tens of microseconds in
 * all) before an idle marker sleeps: work shared soon after is taken
 * without a wake-up's latency. */
#define IDLE_SPINS 1000

bool strata_gc_markers_init(strata_gc_heap *heap, unsigned count, size_t stack_entries) {
  if (count < 1) count = 1;
  if (count > STRATA_GC_MAX_MARKERS) count = STRATA_GC_MAX_MARKERS;
  strata_lock_init(&heap->pool_lock, STRATA_LOCK_RANK_GC_MARK_POOL);
  heap->marker_count = count;
  for (unsigned i = 0; i < count; i++) {
    strata_gc_marker *m = &heap->markers[i];
    m->heap = heap;
    m->capacity = stack_entries;
    m->stack = strata_persistent_alloc(&heap->meta, stack_entries * sizeof(strata_gc_mark_entry), 16);
    if (m->stack == NULL) return false;
  }
  if (count > 1) {
    heap->pool_capacity = stack_entries;
    heap->pool = strata_persistent_alloc(&heap->meta, stack_entries * sizeof(strata_gc_mark_entry), 16);
    if (heap->pool == NULL) return false;
  }
  return true;
}

/* Wakes the markers asleep in idle_wait: work is in the pool, or marking
 * is over. */
static void wake_idle(strata_gc_heap *heap) {
  strata_atomic_add(&heap->mark_signal, 1, STRATA_ORDER_RELEASE);
  strata_futex_wake(strata_atomic_address(&heap->mark_signal), INT_MAX);
}

/* An idle marker that has spun a while sleeps until work is shared or
 * marking ends, so that waiting for the collecting thread's roots or for a
 * marker with one long list costs no CPU (helpers that spun and yielded
 * instead cost GCBench 15 % more process CPU than one marker). The sleeper counts itself, then looks at the pool and
 * the idle count once more, then sleeps unless mark_signal moved since it
 * read it: a sharer publishes work, then looks at the sleepers, so one of
 * the two sees the other (both sequentially consistent). */
static void idle_wait(strata_gc_heap *heap, unsigned active) {
  uint32_t signal = strata_atomic_load(&heap->mark_signal, STRATA_ORDER_ACQUIRE);
  strata_atomic_add(&heap->sleepers, 1, STRATA_ORDER_SEQ_CST);
  if (strata_atomic_load(&heap->pool_count, STRATA_ORDER_SEQ_CST) == 0 &&
      strata_atomic_load(&heap->idle, STRATA_ORDER_ACQUIRE) != active) {
    strata_futex_wait(strata_atomic_address(&heap->mark_signal), signal);
  }
  strata_atomic_sub(&heap->sleepers, 1, STRATA_ORDER_ACQ_REL);
}

/* Takes half of the pool (at least one entry) into m's empty stack. */
static bool take_work(strata_gc_marker *m) {
  strata_gc_heap *heap = m->heap;
  if (strata_atomic_load(&heap->pool_count, STRATA_ORDER_RELAXED) == 0) return false;
  strata_lock_acquire(&heap->pool_lock);
  size_t n = heap->pool_top;
  size_t take = (n + 1) / 2;
  if (take > m->capacity - m->top) take = m->capacity - m->top;
  if (take > 0) {
    memcpy(m->stack + m->top, heap->pool + (n - take), take * sizeof(strata_gc_mark_entry));
    heap->pool_top = n - take;
    strata_atomic_store(&heap->pool_count, (uint32_t)heap->pool_top, STRATA_ORDER_RELAXED);
    m->top += take;
  }
  strata_lock_release(&heap->pool_lock);
  return take > 0;
}

bool strata_gc_share_work(strata_gc_marker *m) {
  strata_gc_heap *heap = m->heap;
  size_t half = m->top / 2;
  if (half == 0) return false;
  strata_lock_acquire(&heap->pool_lock);
  size_t room = heap->pool_capacity - heap->pool_top;
  size_t n = half < room ? half : room;
  if (n > 0) {
    memcpy(heap->pool + heap->pool_top, m->stack, n * sizeof(strata_gc_mark_entry));
    heap->pool_top += n;
    strata_atomic_store(&heap->pool_count, (uint32_t)heap->pool_top, STRATA_ORDER_SEQ_CST);
  }
  strata_lock_release(&heap->pool_lock);
  if (n == 0) return false;
  memmove(m->stack, m->stack + n, (m->top - n) * sizeof(strata_gc_mark_entry));
  m->top -= n;
  /* Against a sleeper's check of the pool (idle_wait): sequentially
   * consistent, so one of the two sees the other's write. */
  if (strata_atomic_load(&heap->sleepers, STRATA_ORDER_SEQ_CST) > 0) wake_idle(heap);
  return true;
}

void strata_gc_offer_work(strata_gc_marker *m) {
  strata_gc_heap *heap = m->heap;
  if (m->top >= OFFER_MIN && strata_atomic_load(&heap->idle, STRATA_ORDER_RELAXED) > 0 &&
      strata_atomic_load(&heap->pool_count, STRATA_ORDER_RELAXED) == 0) {
    strata_gc_share_work(m);
  }
}

/* Marks until no marker has work (see the top of this file). */
static void work(strata_gc_marker *m, unsigned active) {
  strata_gc_heap *heap = m->heap;
  for (;;) {
    strata_gc_drain(m);
    if (take_work(m)) continue;
    strata_atomic_add(&heap->idle, 1, STRATA_ORDER_ACQ_REL);
    unsigned spins = 0;
    for (;;) {
      if (strata_atomic_load(&heap->pool_count, STRATA_ORDER_RELAXED) > 0) {
        strata_atomic_sub(&heap->idle, 1, STRATA_ORDER_ACQ_REL);
        if (take_work(m)) break;
        strata_atomic_add(&heap->idle, 1, STRATA_ORDER_ACQ_REL);
      }
      if (strata_atomic_load(&heap->idle, STRATA_ORDER_ACQUIRE) == active) {
        wake_idle(heap); /* the sleepers see the end too */
        return;
      }
      if (++spins < IDLE_SPINS) {
        strata_cpu_relax();
      } else {
        idle_wait(heap, active);
        spins = 0;
      }
    }
  }
}

static void *helper_main(void *arg) {
  strata_gc_marker *m = arg;
  strata_gc_heap *heap = m->heap;
  /* Not a mutator: no signal of the program's is for it. */
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);
  uint32_t seen = m->seen_epoch;
  for (;;) {
    uint32_t epoch;
    while ((epoch = strata_atomic_load(&heap->mark_epoch, STRATA_ORDER_ACQUIRE)) == seen) {
      strata_futex_wait(strata_atomic_address(&heap->mark_epoch), seen);
    }
    seen = epoch;
    if (strata_atomic_load(&heap->helpers_quit, STRATA_ORDER_ACQUIRE)) return NULL;
    uint64_t cpu_start = strata_gc_thread_cpu_ns();
    work(m, heap->active_markers);
    strata_atomic_add(&heap->helpers_cpu_ns, strata_gc_thread_cpu_ns() - cpu_start,
                      STRATA_ORDER_RELAXED);
    strata_atomic_add(&heap->helpers_done, 1, STRATA_ORDER_RELEASE);
    strata_futex_wake(strata_atomic_address(&heap->helpers_done), 1);
  }
}

void strata_gc_markers_ready(strata_gc_heap *heap) {
  if (heap->marker_count <= 1) return;
  uint64_t generation = strata_gc_fork_generation();
  if (heap->helpers_fork_generation != generation) {
    heap->helpers_running = 0; /* a child of fork: its parent's helpers are not here */
    heap->helpers_fork_generation = generation;
  }
  while (heap->helpers_running < heap->marker_count - 1) {
    strata_gc_marker *m = &heap->markers[1 + heap->helpers_running];
    m->seen_epoch = strata_atomic_load(&heap->mark_epoch, STRATA_ORDER_RELAXED);
    /* Fewer helpers than asked for still mark correctly. */
    if (pthread_create(&m->thread, NULL, helper_main, m) != 0) break;
    heap->helpers_running++;
  }
}

void strata_gc_markers_stop(strata_gc_heap *heap) {
  if (heap->helpers_running == 0 || heap->helpers_fork_generation != strata_gc_fork_generation()) {
    return;
  }
  strata_atomic_store(&heap->helpers_quit, 1, STRATA_ORDER_RELEASE);
  strata_atomic_add(&heap->mark_epoch, 1, STRATA_ORDER_RELEASE);
  strata_futex_wake(strata_atomic_address(&heap->mark_epoch), INT_MAX);
  for (unsigned i = 0; i < heap->helpers_running; i++) {
    pthread_join(heap->markers[1 + i].thread, NULL);
  }
  heap->helpers_running = 0;
}

strata_gc_marker *strata_gc_begin_marking(strata_gc_heap *heap) {
  strata_atomic_store(&heap->mark_overflowed, 0, STRATA_ORDER_RELAXED);
  unsigned active = 1 + heap->helpers_running;
  heap->active_markers = active;
  heap->stats.last_markers = active;
  for (unsigned i = 0; i < active; i++) {
    heap->markers[i].top = 0;
    heap->markers[i].shared = active > 1;
  }
  if (active > 1) {
    heap->pool_top = 0;
    strata_atomic_store(&heap->pool_count, 0, STRATA_ORDER_RELAXED);
    strata_atomic_store(&heap->idle, 0, STRATA_ORDER_RELAXED);
    strata_atomic_store(&heap->helpers_done, 0, STRATA_ORDER_RELAXED);
    /* What the helpers read (the stopped world, the fields above) is
     * published by this release. */
    strata_atomic_add(&heap->mark_epoch, 1, STRATA_ORDER_RELEASE);
    strata_futex_wake(strata_atomic_address(&heap->mark_epoch), INT_MAX);
  }
  return &heap->markers[0];
}

void strata_gc_end_marking(strata_gc_heap *heap) {
  unsigned active = heap->active_markers;
  if (active <= 1) return;
  work(&heap->markers[0], active);
  uint32_t helpers = active - 1;
  for (;;) {
    uint32_t done = strata_atomic_load(&heap->helpers_done, STRATA_ORDER_ACQUIRE);
    if (done >= helpers) break;
    strata_futex_wait(strata_atomic_address(&heap->helpers_done), done);
  }
  for (unsigned i = 0; i < active; i++) heap->markers[i].shared = false;
  heap->active_markers = 1;
  /* The pause's CPU counts the helpers' (their adds come before their
   * release of helpers_done, read above with acquire). */
  heap->stats.total_pause_cpu_ns += strata_atomic_exchange(&heap->helpers_cpu_ns, 0,
                                                           STRATA_ORDER_RELAXED);
}
