/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Private to the GC heap: its layout, and the steps of a collection. */
#ifndef STRATA_FRONTEND_GC_GC_INTERNAL_H_
#define STRATA_FRONTEND_GC_GC_INTERNAL_H_

#include <stdbool.h>
#include <stdint.h>

#include <pthread.h>
#include <signal.h>

#include "arena/backends.h"
#include "base/atomic.h"
#include "base/lock.h"
#include "central/central.h"
#include "frontend/gc/strata_gc.h"
#include "metadata/metadata.h"
#include "pageheap/object.h"
#include "pageheap/pageheap.h"
#include "span/span.h"

/* Objects taken from the central lists and not yet handed out, per span
 * class and thread: the allocation fast path pops one. They are allocated
 * in their spans' bitmaps. A collection empties the collecting thread's
 * caches (their slots, left unmarked, are swept with the garbage) and
 * keeps the other threads' (marked: a thread stopped by a signal may be
 * halfway through a pop, see threads.c). */
typedef struct strata_gc_cache {
  uint32_t count;
  void *objects[STRATA_CENTRAL_MAX_BATCH];
} strata_gc_cache;

/* A small span's mark bits, Go's gcmarkBits: one per slot, beside the
 * span's allocation bits, in a record of 64-bit words hung on
 * strata_span_owner_data(span). A span gets its record when it is first
 * lent to a thread, before any slot is handed out, and keeps it until a
 * sweep finds it empty and the span goes back to the page heap: so a
 * collection never needs memory, and a heap that has run out can still
 * collect. All bits are zero between collections.
 *
 * Records come in four sizes, 2, 4, 8 and 16 words (a span of 256-byte
 * objects needs one word, of 8-byte objects sixteen), each from its own
 * fixalloc; a spare record's first word links it to the next spare. */
#define STRATA_GC_MARK_SIZES 4

static inline unsigned strata_gc_mark_size(uint32_t object_count) {
  uint32_t words = (object_count + 63) / 64;
  return words <= 2 ? 0 : words <= 4 ? 1 : words <= 8 ? 2 : 3;
}

static inline size_t strata_gc_mark_words(unsigned mark_size) { return (size_t)2 << mark_size; }

/* Zeroed records of each size the heap keeps for new spans, at most:
 * records of spans that went back to the page heap beyond these go back
 * to their fixalloc. */
#define STRATA_GC_SPARE_MARKS 64

/* A large object's span carries its kind and mark in owner_data instead,
 * a tagged word (a large span has one object: one bit is its bitmap). The
 * tag tells the heap's large objects from anything else. */
#define STRATA_GC_LARGE_TAG ((uintptr_t)0x10)
#define STRATA_GC_LARGE_NOSCAN ((uintptr_t)0x1)
#define STRATA_GC_LARGE_MARKED ((uintptr_t)0x2)

typedef struct strata_gc_root {
  uintptr_t start, end;
} strata_gc_root;

/* Work for the marker: the words of [start, end) are still to be scanned. */
typedef struct strata_gc_mark_entry {
  uintptr_t start, end;
} strata_gc_mark_entry;

/* Markers (markers.c): the collecting thread is marker 0; helpers are
 * threads of the heap's own that mark beside it while the world is
 * stopped. */
#define STRATA_GC_MAX_MARKERS 8

typedef struct strata_gc_marker {
  strata_gc_heap *heap;
  /* The marker's own mark stack: its marker's only. */
  strata_gc_mark_entry *stack;
  size_t top, capacity;
  /* Several markers at work: marks by atomic OR, work shared through
   * the heap's pool. Set by the collector before the helpers start. */
  bool shared;
  pthread_t thread;    /* helpers */
  uint32_t seen_epoch; /* a helper's first mark_epoch, set before it starts */
} strata_gc_marker;

/* One thread's membership of one heap (threads.c): the thread's caches,
 * its pacing credit and what a collection needs to stop it and scan its
 * stack. Records live in the heap's bookkeeping. */
typedef struct strata_gc_thread {
  strata_gc_heap *heap;
  /* The heap's registered threads; guarded by heap->world. */
  struct strata_gc_thread *next_in_heap, *prev_in_heap;
  /* The thread's own records, one per heap it is registered with: read
   * and written by the thread, and read by its stop handler. */
  struct strata_gc_thread *next_of_thread;
  pthread_t id;
  uintptr_t stack_top; /* the highest address of the thread's stack, 0: unknown */
  /* Stop requests: a collector stores the world epoch it stops
   * (release), then signals; the handler answers each request once, and
   * remembers it in stop_answered (the thread's own). */
  strata_atomic_u32 stop_request;
  uint32_t stop_answered;
  /* Where the stopped thread's stack begins (its lowest live address):
   * written by the thread before it acknowledges the stop, read by the
   * collector after (the acknowledgement is a release, the collector's
   * read of it an acquire). */
  uintptr_t stopped_sp;
  /* Bytes this thread may still allocate before it asks the heap's
   * budget for more, and the credit it has been granted in all: what it
   * has allocated is their difference (strata_gc_thread_allocated), so
   * the fast path counts with its one subtraction. Written by the thread
   * only (relaxed: plain loads and stores), read by collections (the
   * thread stopped) and stats (a moment's figure). */
  STRATA_ATOMIC(int64_t) credit;
  strata_atomic_u64 granted;
  /* The span of each class the thread allocates from, lent by the
   * central lists (strata_central_lend_span), or NULL: its refills take
   * slots from the span's bitmap with no lock, and no other thread's fresh
   * slots share its lines. The thread's own, but for collections: the
   * collector gives every lent span back before it marks (the thread is
   * stopped outside its refills, which are no-stop sections), so that
   * marking and the sweep find every span on the central lists; and
   * unregistration gives the thread's back. */
  strata_span *lent[STRATA_SPAN_CLASS_COUNT];
  strata_gc_cache caches[STRATA_SPAN_CLASS_COUNT];
} strata_gc_thread;

/* Bytes the thread has allocated with its heap, ever. */
static inline uint64_t strata_gc_thread_allocated(const strata_gc_thread *thread) {
  return strata_atomic_load(&thread->granted, STRATA_ORDER_RELAXED) -
         (uint64_t)strata_atomic_load(&thread->credit, STRATA_ORDER_RELAXED);
}

struct strata_gc_heap {
  /* Where the heap's memory comes from. `own_backend` serves when the
   * options named none; this struct itself is a reservation of `self_bytes`
   * from the backend. */
  strata_mmap_backend own_backend;
  strata_backend *backend;
  size_t self_bytes;

  strata_pageheap pages;
  strata_persistent meta;       /* roots, mark stack, mark-bit records */
  /* Mark records by size, and zeroed spares ready for new spans. */
  strata_fixalloc mark_records[STRATA_GC_MARK_SIZES];
  uint64_t *spare_marks[STRATA_GC_MARK_SIZES];
  uint32_t spare_mark_count[STRATA_GC_MARK_SIZES];

  /* Every object handed out lies in [lo, hi): a word outside it is not a
   * pointer into the heap, decided with one compare before any page-map
   * walk. Widened under `bookkeeping`; read plainly by collections (the
   * world stopped, the lock held) and relaxed by lookups from any thread. */
  strata_atomic_uptr lo, hi;

  /* The world: a collection holds it from before it stops the threads
   * until after it restarts them, registration while it changes the
   * thread list. A thread waits for it only where it may be stopped.
   * Unlike strata's other locks it is held across system calls (the
   * signals, the futex waits, starting the marking helpers) and the lower
   * layers' locks (the sweep): it orders whole collections, which is
   * Go's worldsema, not a guard of a few fields, and its waiters sleep. */
  strata_lock world;
  /* The registered threads (guarded by world) and what their stop
   * handlers answer with: stop_acks counts the threads stopped (each adds
   * one, release, and wakes the collector), world_epoch is what stopped
   * threads sleep on until the collector advances it (release). */
  strata_gc_thread *threads;
  size_t thread_count;
  strata_atomic_u32 stop_acks;
  strata_atomic_u32 world_epoch;
  int stop_signal;
  uint64_t fork_generation; /* threads.c's, when the thread list was last right */
  /* Bytes allocated by threads since unregistered (guarded by world). */
  uint64_t departed_allocated;
  /* Collections finished (the stats' count): written by the collector
   * (release), read by a thread that asked for one, to tell whether
   * another did it meanwhile. */
  strata_atomic_u64 collections_done;

  /* Guards the bookkeeping below that threads change outside
   * collections: roots, mark records, bounds, large objects, finalizers,
   * weak references. Taken by a thread only where it cannot be stopped
   * (threads.c's no-stop sections), and by the collector once the world
   * is stopped, so no stopped thread holds it. */
  strata_lock bookkeeping;

  /* Pacing. budget is what may still be allocated before a collection:
   * threads take credit from it in chunks (an atomic subtraction on the
   * slow path) and collect when none is left. */
  int gc_percent;
  size_t min_heap_bytes;
  STRATA_ATOMIC(int64_t) budget;
  size_t live_bytes;
  /* Sum of the threads' allocated counters (and departed_allocated) at
   * the last collection: what has been allocated since is the difference. */
  uint64_t allocated_at_collection;
  size_t held_bytes;      /* committed by the page heap after the last sweep */
  /* The reuse floor: the goal is at least this, what the page heap holds
   * and may be filled again at no cost in resident memory; it decays
   * (strata_gc_update_reuse_floor). At the page heap's clock reuse_floor_at;
   * floor_set_goal: it, not the live size, set the current goal. */
  size_t reuse_floor;
  uint64_t reuse_floor_at;
  uint64_t (*clock)(void); /* the options' clock, or CLOCK_MONOTONIC */
  bool floor_set_goal;
  size_t memory_limit_bytes; /* caps the goal; 0: none (STRATA_GC_MEMORY_LIMIT) */
  bool scan_stack;

  strata_span *large; /* large objects, linked through the spans' next/prev */

  strata_gc_root *roots;
  size_t root_count, root_capacity;

  /* Marking. marker_count markers (1: the collecting thread alone), each
   * with a stack of mark_stack_entries; helpers_running of the helper
   * threads exist (started before a collection stops the world, for
   * this process: helpers_fork_generation). */
  strata_gc_marker markers[STRATA_GC_MAX_MARKERS];
  unsigned marker_count;
  unsigned helpers_running;
  unsigned active_markers; /* in this collection's marking (helpers read it after mark_epoch) */
  uint64_t helpers_fork_generation;
  /* A push found a full stack: an overflow pass follows (any marker sets
   * it, relaxed; the collector reads it after the markers are done). */
  strata_atomic_u32 mark_overflowed;
  /* The shared pool: work a busy marker gave away, under pool_lock;
   * pool_count is its size for a look without the lock (relaxed). */
  strata_lock pool_lock;
  strata_gc_mark_entry *pool;
  size_t pool_top, pool_capacity;
  strata_atomic_u32 pool_count;
  /* Markers with no work (termination: all of them, the pool empty);
   * those of them asleep, and the futex word they sleep on (advanced when
   * work is shared while some sleep, and at the end). */
  strata_atomic_u32 idle;
  strata_atomic_u32 sleepers;
  strata_atomic_u32 mark_signal;
  /* Helpers sleep on mark_epoch between collections; the collector
   * advances it (release) to start them, and they count themselves done
   * in helpers_done (release). helpers_quit: destroy asks them to end. */
  strata_atomic_u32 mark_epoch;
  strata_atomic_u32 helpers_done;
  strata_atomic_u32 helpers_quit;
  strata_atomic_u64 helpers_cpu_ns; /* CPU the helpers spent marking, this collection */

  /* Finalizers and weak references (finalize.c): singly linked lists of
   * records from the heap's bookkeeping, which is never scanned, so a
   * record keeps nothing alive. `finalizers` are registered, `ready` found
   * unreachable and waiting to run. */
  strata_fixalloc finalizer_records;
  struct strata_gc_finalizer_record *finalizers, *ready;
  strata_fixalloc weak_records;
  struct strata_gc_weak *weaks;

  strata_fixalloc thread_records;

  strata_gc_stats stats;

  strata_central central; /* last: large, and mostly never touched */
};

/* Threads (threads.c). */

/* The calling thread's record for `heap`, or NULL when it is not
 * registered with it. The last heap used is remembered per thread, so the
 * allocation fast path asks one thread-local load and a compare. */
strata_gc_thread *strata_gc_thread_lookup(strata_gc_heap *heap);
/* The same, aborting with "strata: <function>(): thread not registered
 * with this GC heap" when it is not. */
strata_gc_thread *strata_gc_thread_of(strata_gc_heap *heap, const char *function);
/* The record of the heap the calling thread used last (or NULL). */
extern __thread strata_gc_thread *strata_gc_last_thread __attribute__((tls_model("initial-exec")));
/* The highest address of the calling thread's stack (0: unknown). */
uintptr_t strata_gc_stack_top(void);
/* Advanced in every child of fork(). */
uint64_t strata_gc_fork_generation(void);
/* Unregisters every thread; aborts when another than the caller is still
 * registered (strata_gc_destroy). */
void strata_gc_threads_release(strata_gc_heap *heap);

/* No-stop sections: between enter and leave the calling thread is not
 * stopped by a collection; a request that comes meanwhile is answered at
 * leave. A thread enters one around everything that takes a lock a
 * collection needs (the central lists', the page heap's, the
 * bookkeeping): a thread stopped holding one would deadlock the
 * collector. Nests. */
void strata_gc_no_stop_enter(void);
void strata_gc_no_stop_leave(void);

/* The bookkeeping lock, inside a no-stop section. */
static inline void strata_gc_lock_bookkeeping(strata_gc_heap *heap)
    STRATA_ACQUIRE(&heap->bookkeeping) {
  strata_gc_no_stop_enter();
  strata_lock_acquire(&heap->bookkeeping);
}
static inline void strata_gc_unlock_bookkeeping(strata_gc_heap *heap)
    STRATA_RELEASE(&heap->bookkeeping) {
  strata_lock_release(&heap->bookkeeping);
  strata_gc_no_stop_leave();
}

/* Stops every registered thread but `self` (NULL: the caller is not
 * registered), each at a point where it holds no lock a collection
 * needs, with its stack's extent recorded; and restarts them. The caller
 * holds heap->world. Between the two it cannot be stopped itself. */
void strata_gc_stop_world(strata_gc_heap *heap, strata_gc_thread *self);
void strata_gc_start_world(strata_gc_heap *heap, strata_gc_thread *self);

/* Bytes allocated with the heap by all threads, ever (heap->world held,
 * or a racy sum for stats). */
uint64_t strata_gc_allocated_total(strata_gc_heap *heap);

/* Whether a span the page heap's object lookup returned (SMALL or LARGE)
 * is small: its small_objects, a plain field that is nonzero exactly
 * while the span is SMALL (span.h), where the state is an atomic the
 * compiler loads again at every test (three loads a marked word before;
 * GCBench's scanning 1 027 -> 1 004 million instructions, callgrind, one
 * marker). */
static inline bool strata_gc_span_is_small(const strata_span *span) {
  return span->small_objects != 0;
}

/* The span of the allocated object of this heap that `address` points
 * into (its start or any byte inside), or NULL; *index is the object's
 * slot (0 for a large object). One compare against the bounds of
 * everything handed out, then the page heap's validated lookup
 * (pageheap/object.h: inline, as marking asks this of every word it
 * scans; a word pointing at a free slot counts for nothing, slots waiting
 * in the allocation caches count as allocated), then a large span's tag. */
static inline strata_span *strata_gc_object_span_within(const strata_gc_heap *heap,
                                                        uintptr_t lo, uintptr_t hi,
                                                        uintptr_t address, uint32_t *index) {
  if (address - lo >= hi - lo) return NULL;
  strata_span *span = strata_pageheap_object_containing(&heap->pages, (const void *)address, index);
  if (span == NULL) return NULL;
  if (!strata_gc_span_is_small(span) &&
      ((uintptr_t)strata_span_owner_data(span) & STRATA_GC_LARGE_TAG) == 0) {
    return NULL;
  }
  return span;
}

/* The same with the heap's bounds as they are now. Marking passes them
 * itself: they hold still while the world is stopped, and in locals they
 * stay in registers across a scan's stores to mark bits. */
static inline strata_span *strata_gc_object_span(const strata_gc_heap *heap, uintptr_t address,
                                                 uint32_t *index) {
  return strata_gc_object_span_within(heap, strata_atomic_load(&heap->lo, STRATA_ORDER_RELAXED),
                                      strata_atomic_load(&heap->hi, STRATA_ORDER_RELAXED),
                                      address, index);
}

/* The mark word of the slot starting at `object`, a slot of one of the
 * heap's small spans held in an allocation cache; *bit is its bit. */
static inline uint64_t *strata_gc_cached_slot_mark(const strata_gc_heap *heap, const void *object,
                                                   uint64_t *bit) {
  strata_span *span = strata_pageheap_small_object(&heap->pages, object);
  /* a cached slot's start, in a span the heap has taken in */
  STRATA_ASSERT(span != NULL && strata_span_owner_data(span) != NULL);
  uint32_t index = (uint32_t)strata_span_object_index(span, object);
  *bit = (uint64_t)1 << (index % 64);
  return (uint64_t *)strata_span_owner_data(span) + index / 64;
}

/* A budget that never runs out (gc_percent off). */
#define STRATA_GC_NO_BUDGET (INT64_MAX / 2) /* room to add back what a failed allocation took */

uint64_t strata_gc_now_ns(void);
/* The calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID). */
uint64_t strata_gc_thread_cpu_ns(void);

/* Collects (never needs memory), as `self`, the calling thread's record
 * (NULL: not registered, collecting from strata_gc_collect). Unless
 * `always`, it does nothing when a collection has finished since the
 * caller read `seen` from heap->collections_done: another thread has done
 * what it asked for. Takes heap->world and stops the other threads. */
void strata_gc_collect_as(strata_gc_heap *heap, strata_gc_thread *self, bool always,
                          uint64_t seen);

/* Sets the budget from live_bytes and gc_percent, the reuse floor and
 * the memory limit. */
void strata_gc_set_budget(strata_gc_heap *heap);
/* After a collection's sweep: the reuse floor from held_bytes, decayed. */
void strata_gc_update_reuse_floor(strata_gc_heap *heap);

/* Mark records (sweep.c), under the bookkeeping lock: a zeroed one for a
 * span (NULL when memory is refused), and one back to the heap's spares
 * or its fixalloc. */
uint64_t *strata_gc_new_marks(strata_gc_heap *heap, unsigned mark_size);
void strata_gc_release_marks(strata_gc_heap *heap, uint64_t *marks, unsigned mark_size);

/* Gives the thread's lent spans back to the central lists (alloc.c): at a
 * collection (the thread stopped, or the collector) and when the thread
 * leaves the heap (heap->world held). */
void strata_gc_return_lent_spans(strata_gc_heap *heap, strata_gc_thread *thread);

/* Marking (mark.c): every object reachable from the roots (and the
 * threads' stacks when asked: the collecting thread's, and the stopped
 * threads' from their recorded extents) gets its mark bit, and so do the
 * slots in the stopped threads' caches. */
void strata_gc_mark(strata_gc_heap *heap, strata_gc_thread *self);

/* Frees every unmarked object, the collecting thread's cached ones
 * included, and clears the marks (sweep.c). Returns the live bytes. */
size_t strata_gc_sweep(strata_gc_heap *heap, strata_gc_thread *self);

/* Scans [start, end) for pointers, marking what they reach (mark.c). */
void strata_gc_scan_range(strata_gc_marker *m, uintptr_t start, uintptr_t end);
/* Scans what m's stack holds, and what that reaches (mark.c). */
void strata_gc_drain(strata_gc_marker *m);

/* Markers (markers.c). At creation: the stacks and the pool (false: no
 * memory). Before a collection stops the world: the helpers exist (none
 * after a fork until then). At destruction: they end. */
bool strata_gc_markers_init(strata_gc_heap *heap, unsigned count, size_t stack_entries);
void strata_gc_markers_ready(strata_gc_heap *heap);
void strata_gc_markers_stop(strata_gc_heap *heap);
/* The collecting thread's marker for this collection, the helpers started
 * (they wait for work); and, once its roots are scanned, marks with them
 * until no marker has work left, the helpers done. */
strata_gc_marker *strata_gc_begin_marking(strata_gc_heap *heap);
void strata_gc_end_marking(strata_gc_heap *heap);
/* A sharing marker: moves the older half of its stack to the pool when
 * another marker is idle (offer) or its stack is full (share; false when
 * the pool has no room). */
void strata_gc_offer_work(strata_gc_marker *m);
bool strata_gc_share_work(strata_gc_marker *m);

/* Whether the allocated object starting at `object` is marked; marks it
 * and everything it reaches (mark.c, after strata_gc_mark). */
bool strata_gc_is_marked(const strata_gc_heap *heap, uintptr_t object);
void strata_gc_mark_from(strata_gc_heap *heap, uintptr_t object);

/* Between marking and sweeping (finalize.c): weak references to unmarked
 * objects cleared, then unmarked objects with a finalizer marked again
 * (with what they reach) and their finalizers queued. */
void strata_gc_finalize_after_mark(strata_gc_heap *heap);
/* The records' allocators, at the heap's creation (finalize.c). */
void strata_gc_finalize_init(strata_gc_heap *heap);

/* Scans the calling thread's stack from the caller's frame up, and its
 * callee-saved registers (roots.c). */
void strata_gc_scan_stack(strata_gc_marker *m);

#endif /* STRATA_FRONTEND_GC_GC_INTERNAL_H_ */
