/* central: the shared per-class lists between thread caches and the page
 * heap.
 *
 * For each span class, a central list keeps the spans of that class that
 * have free slots ("partial") and those that have none ("full"), under one
 * lock per class, as the Go runtime's mcentral does. Thread caches do not
 * take objects one at a time: they remove and insert batches.
 *
 * In front of the spans sits a transfer cache (TCMalloc's idea): a small
 * stack of object pointers per class. A batch one thread flushes is usually
 * the batch another thread refills from next, so most refills and flushes
 * are a memcpy under the class lock and never touch a span's bitmap. Only
 * when the transfer cache is empty (refill) or full (flush) do objects come
 * from, or go back to, span bitmaps.
 *
 * Going back to a span validates each object (page map -> span -> bitmap):
 * a pointer of another class or heap, an interior pointer and a double free
 * are reported back to the caller, and the object is left alone. A span
 * whose last object comes back returns to the page heap, except that one
 * empty span per class is kept as a spare so that a class that keeps
 * emptying and refilling one span does not hit the page heap every time.
 *
 * Lock order: a class lock, then the page heap's lock; never the reverse.
 * Several classes' locks are never held at once. */
#ifndef STRATA_CENTRAL_CENTRAL_H_
#define STRATA_CENTRAL_CENTRAL_H_

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "pageheap/pageheap.h"
#include "sizeclass/sizeclass.h"
#include "span/span.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Objects per batch never exceed this. */
#define STRATA_CENTRAL_MAX_BATCH 32
/* Pointers the transfer cache of one class can hold. */
#define STRATA_CENTRAL_TRANSFER_SLOTS 128

typedef struct strata_central_class {
  pthread_mutex_t lock;
  strata_span *partial;  /* spans with a free slot; doubly linked */
  strata_span *full;     /* spans with none */
  size_t spans;          /* spans of this class taken from the page heap */
  size_t objects_out;    /* objects handed out of spans, not yet back */
  uint32_t transfer_count;
} strata_central_class;

/* The class headers sit together and the transfer caches apart, so that a
 * class nobody uses costs no resident memory for its transfer cache. */
typedef struct strata_central {
  strata_pageheap *heap;
  strata_central_class classes[STRATA_SPAN_CLASS_COUNT];
  void *transfer[STRATA_SPAN_CLASS_COUNT][STRATA_CENTRAL_TRANSFER_SLOTS];
} strata_central;

/* About 150 KiB, mostly transfer caches that stay untouched until used:
 * keep it in static storage or the heap. */
void strata_central_init(strata_central *c, strata_pageheap *heap);
void strata_central_destroy(strata_central *c);

/* Objects per batch for a size class: 64 KiB worth, between 2 and 32. */
size_t strata_central_batch_size(unsigned size_class);

/* Up to n (<= STRATA_CENTRAL_MAX_BATCH) objects of `span_class` into out[].
 * Returns how many; 0 only when the page heap cannot supply a span. */
size_t strata_central_remove(strata_central *c, strata_span_class span_class, void **out,
                             size_t n);

/* Takes back n objects of `span_class`. Returns STRATA_OK, or the error of
 * the first object that could not be taken back (STRATA_ERR_NOT_OWNED,
 * STRATA_ERR_INTERIOR_POINTER, STRATA_ERR_DOUBLE_FREE), with that object in
 * *bad when bad is not NULL. Every valid object is taken back regardless. */
strata_status strata_central_insert(strata_central *c, strata_span_class span_class,
                                    void *const *objects, size_t n, void **bad);

/* Moves every transfer-cached object back to its span and returns empty
 * spans (spares too) to the page heap: for a heap that is going idle, and
 * for tests that want to see spans balance. Returns the first error, with
 * its object in *bad when bad is not NULL. */
strata_status strata_central_drain(strata_central *c, void **bad);

/* Calls fn(span, arg) for every span of `span_class` (partial and full),
 * under the class lock: fn must not call back into this class. A runtime
 * that keeps kinds on separate span classes walks just one kind's spans. */
void strata_central_for_each_span(strata_central *c, strata_span_class span_class,
                                  void (*fn)(const strata_span *span, void *arg), void *arg);

typedef struct strata_central_class_stats {
  size_t spans;          /* spans of the class */
  size_t objects_out;    /* objects outside spans: in caches or in use */
  size_t transfer_cached;
} strata_central_class_stats;

void strata_central_class_get_stats(strata_central *c, strata_span_class span_class,
                                    strata_central_class_stats *out);

/* Checks every class: lists hold spans of the class in the right state,
 * each span passes strata_span_check, counts add up, transfer-cached
 * objects are allocated slots. STRATA_OK or STRATA_ERR_CORRUPT. */
strata_status strata_central_check(strata_central *c);

/* Takes and releases every class lock, for fork(): the prepare handler
 * locks all, the parent and child handlers unlock all. */
void strata_central_lock_all(strata_central *c);
void strata_central_unlock_all(strata_central *c);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_CENTRAL_CENTRAL_H_ */
