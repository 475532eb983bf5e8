/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Threads: registration, and stopping the world for a collection.
 *
 * Many threads allocate from one heap, each from caches of its own (the
 * fast path takes no lock), and a collection must see the heap standing
 * still: every registered thread stopped, its stack and registers where
 * the marker can read them. strata stops them with a signal, as Boehm's
 * collector does on Linux, not at cooperative safepoints as the Go
 * runtime does: C code has no compiler-inserted polls, and a thread
 * blocked in a system call (read, a futex, sleep) must count as stopped
 * without the program's help. The signal's handler (on the thread's own
 * stack, so the interrupted registers the kernel saved there are scanned
 * with it) records where the stack begins, adds one to the heap's
 * acknowledgements, wakes the collector and sleeps on a futex until the
 * collector advances the world's epoch. A blocked system call is
 * interrupted by the handler and, with SA_RESTART, resumed.
 *
 * No-stop sections. A thread stopped while it holds a lock the collector
 * needs (a central list's, the page heap's, the heap's bookkeeping) would
 * never let the collection finish. So every path that takes one runs in
 * a no-stop section (strata_gc_no_stop_enter/leave, a per-thread depth):
 * the handler that finds the depth above zero only notes the request, and
 * the thread answers it when it leaves the section, as the Go runtime
 * does not preempt a goroutine that holds a lock. Sections are short (a
 * refill, a large allocation, a root registered); no thread in one waits
 * for anything a stopped thread holds.
 *
 * Several heaps. A thread registered with two heaps can be asked to stop
 * by both at once; two collectors each waiting for the other's thread to
 * stop would wait forever. So a collection that has other threads to stop
 * first takes one process-wide lock, `stopping`, waiting for it where it
 * can itself be stopped, and holds it from the signals to the restart in a
 * no-stop section: one world is stopped at a time, and a stopping
 * collector waits only for threads that can stop. A collection with no
 * other thread registered stops no one and does not take it.
 *
 * Thread exit and fork. A registered thread that exits is unregistered by
 * a thread-specific-data destructor. The child of fork() has only the
 * forking thread: the first registration or collection in the child drops
 * the other threads' records (their cached slots become garbage). A child
 * may use the heap when no other thread was inside a heap call at the
 * fork (their locks would stay held); otherwise it should only exec.
 *
 * Process-wide state, the least that the signal needs: the handler, the
 * `stopping` lock, a thread-specific-data key for exit, a fork counter,
 * and per thread its records and no-stop depth. */
#define _GNU_SOURCE 1 /* pthread_getattr_np */

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>

#include "base/futex.h"
#include "base/single_user.h"
#include "frontend/gc/gc_internal.h"

/* The record of the heap the thread used last: the fast path's lookup. */
__thread strata_gc_thread *strata_gc_last_thread __attribute__((tls_model("initial-exec")));

/* The calling thread's part: read by the thread and its signal handler
 * only (the handler runs on the thread). */
typedef struct thread_state {
  volatile sig_atomic_t no_stop;      /* depth of no-stop sections */
  volatile sig_atomic_t stop_pending; /* a request came in one */
  strata_gc_thread *records;          /* one per heap, through next_of_thread */
  uintptr_t stack_top;
  bool exit_hook_set;
} thread_state;

static __thread thread_state me __attribute__((tls_model("initial-exec")));

static pthread_once_t process_once = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key;
static strata_atomic_u64 fork_generation; /* advanced in each child of fork */
static pthread_mutex_t handlers_mutex = PTHREAD_MUTEX_INITIALIZER;
static uint64_t handled_signals; /* bit per signal with the handler; under handlers_mutex */
static strata_lock stopping = STRATA_LOCK_INIT_RANKED(STRATA_LOCK_RANK_GC_STOPPING);

/* Stopping: the thread's side. */

/* Acknowledges the stop of r's heap at `epoch` and sleeps until the
 * collector restarts the world. Its frame holds the callee-saved
 * registers (__builtin_unwind_init, then setjmp's copy), and lies below
 * the handler's and the kernel's saved context: the collector scans from
 * here up. */
__attribute__((noinline)) static void park(strata_gc_thread *r, uint32_t epoch) {
  __builtin_unwind_init();
  jmp_buf registers;
  setjmp(registers);
  uintptr_t low = (uintptr_t)__builtin_frame_address(0);
  if ((uintptr_t)&registers < low) low = (uintptr_t)&registers;
  r->stopped_sp = low;
  strata_gc_heap *heap = r->heap;
  strata_atomic_add(&heap->stop_acks, 1, STRATA_ORDER_RELEASE);
  strata_futex_wake(strata_atomic_address(&heap->stop_acks), 1);
  while (strata_atomic_load(&heap->world_epoch, STRATA_ORDER_ACQUIRE) == epoch) {
    strata_futex_wait(strata_atomic_address(&heap->world_epoch), epoch);
  }
  __asm__ volatile("" : : "r"(&registers) : "memory");
}

/* Answers every request not answered yet, one heap after another. */
static void answer_stops(void) {
  for (strata_gc_thread *r = me.records; r != NULL; r = r->next_of_thread) {
    uint32_t request = strata_atomic_load(&r->stop_request, STRATA_ORDER_ACQUIRE);
    if (request != r->stop_answered) {
      r->stop_answered = request;
      park(r, request);
    }
  }
}

static void on_stop_signal(int signal) {
  (void)signal;
  int saved_errno = errno;
  if (me.no_stop > 0) {
    me.stop_pending = 1;
  } else {
    answer_stops();
  }
  errno = saved_errno;
}

void strata_gc_no_stop_enter(void) {
  me.no_stop++;
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

void strata_gc_no_stop_leave(void) {
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  STRATA_ASSERT(me.no_stop > 0); /* gc no-stop: leave matches enter */
  me.no_stop--;
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  /* A signal from here on finds the depth zero and answers itself; one
   * that came before left stop_pending. The requests are looked at even
   * without one: a signal may come late (the thread sanitizer holds
   * signals until its next interceptor), and a thread that allocates
   * passes here at every refill, a safepoint of its own. */
  if (me.no_stop == 0) {
    me.stop_pending = 0;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    answer_stops();
  }
}

/* Stopping: the collector's side. */

/* Takes r off the heap's list, keeping what it allocated in the heap's
 * count and giving back its lent spans (heap->world held). */
static void unlink_thread(strata_gc_heap *heap, strata_gc_thread *r) {
  strata_gc_return_lent_spans(heap, r);
  if (r->prev_in_heap != NULL) {
    r->prev_in_heap->next_in_heap = r->next_in_heap;
  } else {
    heap->threads = r->next_in_heap;
  }
  if (r->next_in_heap != NULL) r->next_in_heap->prev_in_heap = r->prev_in_heap;
  heap->thread_count--;
  heap->departed_allocated += strata_gc_thread_allocated(r);
}

/* In a child of fork, only the calling thread lives: the others' records
 * go (heap->world held). */
static void forget_threads_after_fork(strata_gc_heap *heap) {
  uint64_t generation = strata_atomic_load(&fork_generation, STRATA_ORDER_RELAXED);
  if (heap->fork_generation == generation) return;
  heap->fork_generation = generation;
  strata_gc_thread *r = heap->threads;
  while (r != NULL) {
    strata_gc_thread *next = r->next_in_heap;
    /* A dead thread's record keeps its memory in the bookkeeping: it may
     * still be on its (copied) thread-local list. */
    if (!pthread_equal(r->id, pthread_self())) unlink_thread(heap, r);
    r = next;
  }
}

/* Takes `stopping` when there is anyone to stop, and start_world gives it
 * back: a lock held across two functions, which the analysis of lock
 * attributes cannot follow. */
void strata_gc_stop_world(strata_gc_heap *heap, strata_gc_thread *self)
    STRATA_NO_THREAD_SAFETY_ANALYSIS {
  forget_threads_after_fork(heap);
  size_t others = heap->thread_count - (self != NULL ? 1 : 0);
  if (others > 0) strata_lock_acquire(&stopping); /* where this thread can be stopped */
  strata_gc_no_stop_enter();
  if (others == 0) return;
  uint32_t epoch = strata_atomic_load(&heap->world_epoch, STRATA_ORDER_RELAXED);
  strata_atomic_store(&heap->stop_acks, 0, STRATA_ORDER_RELAXED);
  uint32_t asked = 0;
  for (strata_gc_thread *r = heap->threads; r != NULL; r = r->next_in_heap) {
    if (r == self) continue;
    strata_atomic_store(&r->stop_request, epoch, STRATA_ORDER_RELEASE);
    if (pthread_kill(r->id, heap->stop_signal) != 0) {
      strata_die_in("strata_gc_collect", "a thread registered with the GC heap cannot be signalled");
    }
    asked++;
  }
  for (;;) {
    uint32_t acks = strata_atomic_load(&heap->stop_acks, STRATA_ORDER_ACQUIRE);
    if (acks >= asked) break;
    strata_futex_wait(strata_atomic_address(&heap->stop_acks), acks);
  }
}

void strata_gc_start_world(strata_gc_heap *heap, strata_gc_thread *self)
    STRATA_NO_THREAD_SAFETY_ANALYSIS {
  size_t others = heap->thread_count - (self != NULL ? 1 : 0);
  if (others > 0) {
    uint32_t epoch = strata_atomic_load(&heap->world_epoch, STRATA_ORDER_RELAXED);
    strata_atomic_store(&heap->world_epoch, epoch + 1, STRATA_ORDER_RELEASE);
    strata_futex_wake(strata_atomic_address(&heap->world_epoch), INT_MAX);
    strata_lock_release(&stopping);
  }
  strata_gc_no_stop_leave();
}

/* Registration. */

static void on_thread_exit(void *unused) {
  (void)unused;
  while (me.records != NULL) strata_gc_unregister_thread(me.records->heap);
}

static void on_fork_child(void) {
  strata_atomic_add(&fork_generation, 1, STRATA_ORDER_RELAXED);
}

static void process_init(void) {
  /* Without the key no exit is seen: registration then fails (EAGAIN). */
  if (pthread_key_create(&exit_key, on_thread_exit) != 0) exit_key = (pthread_key_t)-1;
  pthread_atfork(NULL, NULL, on_fork_child);
}

uint64_t strata_gc_fork_generation(void) {
  return strata_atomic_load(&fork_generation, STRATA_ORDER_RELAXED);
}

static void install_handler(int signal) {
  pthread_mutex_lock(&handlers_mutex);
  if ((handled_signals & ((uint64_t)1 << signal)) == 0) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    /* Interrupted system calls resume; the handler runs on the thread's
     * own stack (no SA_ONSTACK), where its registers are scanned. */
    action.sa_flags = SA_RESTART;
    if (sigaction(signal, &action, NULL) == 0) handled_signals |= (uint64_t)1 << signal;
  }
  pthread_mutex_unlock(&handlers_mutex);
}

/* The highest address of the calling thread's stack, or 0 when the thread
 * library cannot say. */
static uintptr_t find_stack_top(void) {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return 0;
  void *low = NULL;
  size_t size = 0;
  uintptr_t top = 0;
  if (pthread_attr_getstack(&attr, &low, &size) == 0) top = (uintptr_t)low + size;
  pthread_attr_destroy(&attr);
  return top;
}

uintptr_t strata_gc_stack_top(void) {
  if (me.stack_top == 0) me.stack_top = find_stack_top();
  return me.stack_top;
}

strata_gc_thread *strata_gc_thread_lookup(strata_gc_heap *heap) {
  for (strata_gc_thread *r = me.records; r != NULL; r = r->next_of_thread) {
    if (r->heap == heap) {
      strata_gc_last_thread = r;
      return r;
    }
  }
  return NULL;
}

strata_gc_thread *strata_gc_thread_of(strata_gc_heap *heap, const char *function) {
  strata_gc_thread *r = strata_gc_thread_lookup(heap);
  if (r == NULL) {
    strata_die_in(function,
                  "thread not registered with this GC heap (strata_gc_register_thread)");
  }
  return r;
}

int strata_gc_register_thread(strata_gc_heap *heap) {
  if (strata_gc_thread_lookup(heap) != NULL) return EEXIST;
  pthread_once(&process_once, process_init);
  if (exit_key == (pthread_key_t)-1) return EAGAIN;
  if (!me.exit_hook_set) {
    if (pthread_setspecific(exit_key, &me) != 0) return EAGAIN;
    me.exit_hook_set = true;
  }
  strata_gc_stack_top();
  install_handler(heap->stop_signal);
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, heap->stop_signal);
  pthread_sigmask(SIG_UNBLOCK, &stop, NULL);

  strata_gc_lock_bookkeeping(heap);
  strata_gc_thread *r = strata_fixalloc_alloc(&heap->thread_records);
  strata_gc_unlock_bookkeeping(heap);
  if (r == NULL) return ENOMEM;
  /* A record freed by an earlier thread holds its old state. */
  memset(r, 0, offsetof(strata_gc_thread, caches));
  for (size_t sc = 0; sc < STRATA_SPAN_CLASS_COUNT; sc++) r->caches[sc].count = 0;
  r->heap = heap;
  r->id = pthread_self();
  r->stack_top = me.stack_top;

  /* On the thread's own list first: from the moment the heap lists it, a
   * collector may ask it to stop, and its handler looks there. */
  strata_gc_no_stop_enter();
  r->next_of_thread = me.records;
  me.records = r;
  strata_gc_no_stop_leave();

  strata_lock_acquire(&heap->world);
  forget_threads_after_fork(heap);
  bool refused = !heap->scan_stack && heap->thread_count > 0;
  if (!refused) {
    r->next_in_heap = heap->threads;
    if (heap->threads != NULL) heap->threads->prev_in_heap = r;
    heap->threads = r;
    heap->thread_count++;
  }
  strata_lock_release(&heap->world);
  if (refused) {
    strata_gc_unregister_thread(heap); /* not in the heap's list: only its own goes */
    return EINVAL;
  }
  return 0;
}

/* Takes r off the calling thread's list, and returns its memory. */
static void forget_record(strata_gc_heap *heap, strata_gc_thread *r) {
  strata_gc_no_stop_enter();
  strata_gc_thread **at = &me.records;
  while (*at != r) at = &(*at)->next_of_thread;
  *at = r->next_of_thread;
  if (strata_gc_last_thread == r) strata_gc_last_thread = NULL;
  strata_gc_no_stop_leave();
  strata_gc_lock_bookkeeping(heap);
  strata_fixalloc_free(&heap->thread_records, r);
  strata_gc_unlock_bookkeeping(heap);
}

int strata_gc_unregister_thread(strata_gc_heap *heap) {
  strata_gc_thread *r = strata_gc_thread_lookup(heap);
  if (r == NULL) return ENOENT;
  /* Waiting here, the thread is still listed and can be stopped. The
   * slots left in its caches are allocated and reachable from nowhere:
   * the next collection frees them. */
  strata_lock_acquire(&heap->world);
  bool listed = false;
  for (strata_gc_thread *t = heap->threads; t != NULL; t = t->next_in_heap) listed |= t == r;
  if (listed) unlink_thread(heap, r);
  strata_lock_release(&heap->world);
  forget_record(heap, r);
  return 0;
}

void strata_gc_threads_release(strata_gc_heap *heap) {
  strata_gc_thread *self = strata_gc_thread_lookup(heap);
  strata_lock_acquire(&heap->world);
  forget_threads_after_fork(heap);
  size_t others = heap->thread_count - (self != NULL ? 1 : 0);
  strata_lock_release(&heap->world);
  if (others > 0) {
    strata_die_in("strata_gc_destroy",
                  "other threads are still registered with this GC heap "
                  "(strata_gc_unregister_thread)");
  }
  if (self != NULL) strata_gc_unregister_thread(heap);
}

uint64_t strata_gc_allocated_total(strata_gc_heap *heap) {
  uint64_t total = heap->departed_allocated;
  for (strata_gc_thread *r = heap->threads; r != NULL; r = r->next_in_heap) {
    total += strata_gc_thread_allocated(r);
  }
  return total;
}
