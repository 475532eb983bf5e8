/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* central: the shared per-class lists between thread caches and the page
 * heap.
 *
 * For each span class, a central list keeps the spans of that class that
 * have free slots ("partial") and those that have none ("full"), under one
 * lock per class, as the Go runtime's mcentral does. Thread caches do not
 * take objects one at a time: they remove and insert batches.
 *
 * In front of the spans sits a transfer cache (TCMalloc's idea): a few
 * slots per class, each holding one batch of object pointers. A batch one
 * thread flushes is usually the batch another thread refills from next, so
 * most refills and flushes are a memcpy and never touch a span's bitmap.
 * Only when every slot is empty (refill) or full (flush) do objects come
 * from, or go back to, span bitmaps.
 *
 * Why the transfer cache is lock free. Objects freed by a thread other
 * than the one that allocated them (producer/consumer, hand-offs) go
 * through here in both directions, from many threads at once. Behind a
 * lock, a holder preempted on a machine with more threads than cores
 * stalls every other thread of the class. So a slot is claimed with one
 * compare-and-swap of its state word (EMPTY -> BUSY to fill it, FULL ->
 * BUSY to empty it), its batch copied, and the state stored back with
 * release order (BUSY -> FULL or EMPTY). A claimer that loses the race
 * moves to the next slot: nobody waits for anybody, and there is no ABA
 * question because only the claimer of a slot touches its batch. The span
 * lists keep a lock (strata_lock: a short spin, then sleep), taken only
 * when the slots are exhausted one way or the other.
 *
 * Going back to a span validates each object (page map -> span -> bitmap):
 * a pointer of another class or heap, an interior pointer and a double free
 * are reported back to the caller, and the object is left alone. A span
 * whose last object comes back returns to the page heap, except that one
 * empty span per class is kept as a spare so that a class that keeps
 * emptying and refilling one span does not hit the page heap every time.
 *
 * No call into the page heap is made under a class lock: a class drops
 * its lock while the page heap makes it a span, and spans that became
 * empty are handed back after the lock is dropped. So a class lock is
 * never held across the page heap's lock or its system calls. Several
 * classes' locks are never held at once, except by lock_all (fork), which
 * takes them before the page heap's. */
#ifndef STRATA_CENTRAL_CENTRAL_H_
#define STRATA_CENTRAL_CENTRAL_H_

#include <stddef.h>
#include <stdint.h>

#include "base/atomic.h"
#include "base/constants.h"
#include "base/lock.h"
#include "pageheap/pageheap.h"
#include "sizeclass/sizeclass.h"
#include "span/span.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Objects per batch never exceed this. */
#define STRATA_CENTRAL_MAX_BATCH 32
/* Batches the transfer cache of one class can hold. */
#define STRATA_CENTRAL_TRANSFER_BATCHES 8

/* A transfer slot's state. Read and written only with atomics: claimed by
 * compare-and-swap with acquire order, handed back by a store with release
 * order, so a claimer sees the batch the last owner wrote. */
enum {
  STRATA_TRANSFER_EMPTY = 0, /* holds no batch; zero, as a fresh struct */
  STRATA_TRANSFER_BUSY,      /* one thread is filling or emptying it */
  STRATA_TRANSFER_FULL,      /* holds `count` objects, 1 to MAX_BATCH */
};

/* One batch of a transfer slot. Only the thread that claimed the slot
 * (state BUSY) writes it; count is also read, relaxed, by stats. */
typedef struct strata_transfer_batch {
  STRATA_ATOMIC(uint32_t) count;
  void *objects[STRATA_CENTRAL_MAX_BATCH];
} strata_transfer_batch;

/* One class's header: two cache lines. The lock and what it guards on the
 * first; the transfer slots' states, which threads compare-and-swap without
 * the lock, on the second, so that a slot's claim does not take from a
 * waiter the line it is reading the lock on (nor the holder the line it is
 * working on), and finding a slot reads one line. Neighbouring classes
 * never share a line. */
typedef struct strata_central_class {
  strata_lock lock __attribute__((aligned(STRATA_CACHE_LINE))); /* guards the fields below, not slot_state */
  strata_span *partial STRATA_GUARDED_BY(&lock); /* spans with a free slot; doubly linked */
  strata_span *full STRATA_GUARDED_BY(&lock);    /* spans with none */
  size_t spans STRATA_GUARDED_BY(&lock);         /* spans taken from the page heap */
  size_t objects_out STRATA_GUARDED_BY(&lock);   /* objects handed out of listed spans, not yet back */
  size_t lent STRATA_GUARDED_BY(&lock);          /* spans lent (counted in spans, on no list) */
  /* Lock free: see the top of this file. */
  STRATA_ATOMIC(uint32_t)
  slot_state[STRATA_CENTRAL_TRANSFER_BATCHES] __attribute__((aligned(STRATA_CACHE_LINE)));
  /* 1 once a batch went into or out of a slot since the last plunder:
   * stored relaxed by whoever moved it (on the line its compare-and-swap
   * wrote anyway), exchanged to 0 by strata_central_plunder. */
  STRATA_ATOMIC(uint32_t) slots_used;
} strata_central_class;

/* The class headers sit together and the transfer batches apart, so that a
 * class nobody uses costs no resident memory for its transfer cache. */
typedef struct strata_central {
  strata_pageheap *heap;
  strata_central_class classes[STRATA_SPAN_CLASS_COUNT];
  strata_transfer_batch transfer[STRATA_SPAN_CLASS_COUNT][STRATA_CENTRAL_TRANSFER_BATCHES];
} strata_central;

/* About 300 KiB, mostly transfer batches that stay untouched until used:
 * keep it in static storage or the heap. */
void strata_central_init(strata_central *c, strata_pageheap *heap);
/* The same for storage that already reads as zero (base/zero.h): nothing
 * of it is read; a class's header becomes resident when the class is
 * used. */
void strata_central_init_zeroed(strata_central *c, strata_pageheap *heap);
/* Gives every span of every class back to the page heap, whatever is
 * allocated in it, and empties the transfer slots: the central is as
 * fresh. For the end of a heap's life (or a central's, on a page heap that
 * lives on): no thread may call into it meanwhile, and every object it
 * handed out is gone with its span. Every lent span must be back. */
void strata_central_destroy(strata_central *c);

/* Objects per batch for a size class: 64 KiB worth, between 2 and 32. */
size_t strata_central_batch_size(unsigned size_class);

/* Up to n (<= STRATA_CENTRAL_MAX_BATCH) objects of `span_class` into out[].
 * Returns how many; 0 only when the page heap cannot supply a span. A
 * transfer batch serves the call without a lock when one holds at most n
 * objects; the span lists serve the rest under the class lock. */
size_t strata_central_remove(strata_central *c, strata_span_class span_class, void **out,
                             size_t n);

/* Lends a whole span of `span_class` with a free slot to the caller, as
 * the Go runtime's mcentral gives a span to an mcache: the span leaves the
 * lists, and until the caller gives it back only the caller allocates from
 * its bitmap (strata_span_alloc_batch, no lock). A thread that allocates
 * from a span of its own neither takes the class lock per batch nor shares
 * the span's bitmap lines, or its fresh slots' lines, with other threads
 * allocating the same class. A partial span first, else a new one from the
 * page heap (without the lock); NULL when the page heap has none. A lent
 * span's objects are not in the class's objects_out; the span is in its
 * span count. Only for owners that never insert objects of the class
 * while one of its spans is lent (the collected heap, which frees by
 * sweeping): an object reaching a lent span would race with its
 * borrower. */
strata_span *strata_central_lend_span(strata_central *c, strata_span_class span_class);

/* Takes a lent span back (its borrower allocates no more from it): onto
 * the full or partial list by what is left in it, or, with no object
 * allocated, back to the page heap (after the lock is dropped). */
void strata_central_return_span(strata_central *c, strata_span_class span_class,
                                strata_span *span);

/* Takes back n objects of `span_class`: into an empty transfer slot without
 * a lock when n <= STRATA_CENTRAL_MAX_BATCH and a slot is free (the objects
 * are validated later, when they reach their spans), else to their spans
 * under the class lock. Returns STRATA_OK, or the error of
 * the first object that could not be taken back (STRATA_ERR_NOT_OWNED,
 * STRATA_ERR_INTERIOR_POINTER, STRATA_ERR_DOUBLE_FREE), with that object in
 * *bad when bad is not NULL. Every valid object is taken back regardless. */
strata_status strata_central_insert(strata_central *c, strata_span_class span_class,
                                    void *const *objects, size_t n, void **bad) STRATA_MUST_USE;

/* Moves every transfer-cached object back to its span and returns empty
 * spans (spares too) to the page heap: for a heap that is going idle, and
 * for tests that want to see spans balance. Returns the first error, with
 * its object in *bad when bad is not NULL. */
strata_status strata_central_drain(strata_central *c, void **bad) STRATA_MUST_USE;

/* Calls fn(span, arg) for every span of `span_class` (partial and full),
 * under the class lock: fn must not call back into this class. A runtime
 * that keeps kinds on separate span classes walks just one kind's spans. */
void strata_central_for_each_span(strata_central *c, strata_span_class span_class,
                                  void (*fn)(const strata_span *span, void *arg), void *arg);

/* For a collector that owns every object of the class (frontend/gc):
 * calls fn(span, arg) for every span of `span_class`, under the class
 * lock. fn may free slots (strata_span_sweep: Go's sweep), never allocate
 * one, and may use span->owner_data; it must not call into this class.
 * Then each span is filed by what is left in it, as the seed's sweep does:
 * a span with no object left goes back to the page heap (fn saw it last),
 * one with a free slot to the partial list, a full one to the full list.
 * The class's transfer slots must be empty (strata_central_drain first):
 * their objects are allocated in their spans' bitmaps. Returns how many
 * objects fn freed. */
size_t strata_central_update_spans(strata_central *c, strata_span_class span_class,
                                   void (*fn)(strata_span *span, void *arg), void *arg);

typedef struct strata_central_class_stats {
  size_t spans;          /* spans of the class */
  size_t objects_out;    /* objects outside spans: in caches or in use */
  size_t transfer_cached;
} strata_central_class_stats;

void strata_central_class_get_stats(strata_central *c, strata_span_class span_class,
                                    strata_central_class_stats *out);

/* Checks every class: lists hold spans of the class in the right state,
 * each span passes strata_span_check, counts add up, transfer-cached
 * objects are allocated slots. STRATA_OK or STRATA_ERR_CORRUPT, and then
 * the broken invariant's name to `why` (may be NULL), once. */
strata_status strata_central_check(strata_central *c, const strata_check_reporter *why)
    STRATA_MUST_USE;

/* Takes and releases every class lock, for fork(): the prepare handler
 * locks all, the parent and child handlers unlock all. */
void strata_central_lock_all(strata_central *c);
void strata_central_unlock_all(strata_central *c);

/* Empties the transfer slots of every class that moved no batch through
 * them since the previous call, back into their spans (tcmalloc's
 * "plunder"): batches parked in an idle class go back to their spans, and
 * spans that become empty to the page heap, instead of staying cached
 * until the program asks. Called periodically (the malloc frontend's
 * background thread calls it once per release delay); a class in use
 * keeps its batches. Returns the objects moved; the first error (an
 * object its span refuses), with its object in *bad, through status. */
size_t strata_central_plunder(strata_central *c, strata_status *status, void **bad);

/* In a child after fork(), before unlock_all: only the forking thread lives
 * on, so a transfer slot another thread was filling or emptying at the
 * fork stays BUSY forever. This makes such slots EMPTY again; their objects
 * belonged to threads that do not exist in the child and stay unreachable,
 * like those threads' caches. */
void strata_central_forget_in_flight(strata_central *c);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_CENTRAL_CENTRAL_H_ */
