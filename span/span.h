/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* span: a run of pages cut into equal slots.
 *
 * A span describes one run of pages of the heap. In use, it is either cut
 * into objects of one span class ("small") or holds a single object of whole
 * pages ("large"). Which slots are taken is an allocation bitmap kept in the
 * descriptor, out of band: objects carry no header, and a freed object's
 * memory is never trusted by the allocator.
 *
 * Finding a free slot. Like the Go runtime's allocCache, the span keeps a
 * 64-bit cache of the free slots in one bitmap word, the "cache word", and
 * takes the lowest with count-trailing-zeros: one instruction per object.
 * Every slot in the words before the cache word is allocated; when the cache
 * runs dry the span moves to the next word. A free in an earlier word moves
 * the cache back to that word, so the invariant holds and allocation always
 * finds the lowest free slot at or after it. Allocation is O(1) amortised,
 * free is O(1).
 *
 * Freeing validates: the pointer must be inside the span's objects
 * (STRATA_ERR_NOT_OWNED), at the start of a slot
 * (STRATA_ERR_INTERIOR_POINTER), and allocated (STRATA_ERR_DOUBLE_FREE). The
 * slot index comes from a multiply by the object size's inverse, not a
 * divide (strata_span_object_index below), which also tells an interior
 * pointer from an object's start in the same step.
 *
 * Descriptors are never malloc'ed: the page heap takes them from a
 * strata_fixalloc (//metadata). A span is not thread-safe; its owner (a
 * central list or a thread cache) serialises access.
 *
 * Fields read without a lock. A malloc-style free runs on any thread and
 * finds the span of a pointer through the page map with no lock held; it
 * reads `state`, `small_class`, `small_objects`, `base`, `index_inverse`,
 * `index_shift`, `object_size` and `object_count`, and nothing else. The rule that makes this safe (Go's
 * mSpanStateBox rule, in the page map's terms): the page heap writes these
 * fields (strata_span_init_*, strata_span_retire) only while no page-map
 * entry leads to the span in its new use, and publishes the span with
 * release stores into the page map that lookups load with acquire; and
 * while any object of the span is allocated, the span is not retired, so
 * the fields do not change. A valid free therefore reads the span exactly
 * as it was made. Only a misuse (a free of memory that is not allocated)
 * can read a span being retired; such a pointer is validated again where
 * the object reaches its span, under its owner's lock. The bitmap, the
 * cache and `allocated` are the owner's alone. */
#ifndef STRATA_SPAN_SPAN_H_
#define STRATA_SPAN_SPAN_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/atomic.h"
#include "base/check.h"
#include "base/constants.h"
#include "base/status.h"
#include "sizeclass/sizeclass.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The smallest class (8 bytes) in a one-page span has the most objects. */
#define STRATA_SPAN_MAX_OBJECTS (STRATA_PAGE_SIZE / 8)
#define STRATA_SPAN_BITMAP_WORDS (STRATA_SPAN_MAX_OBJECTS / 64)

/* The frontends a span may belong to (strata_span.owner). */
typedef enum strata_span_owner {
  STRATA_SPAN_OWNER_NONE = 0, /* not set: a layer's own use, or a free run */
  STRATA_SPAN_OWNER_MALLOC,   /* frontend/malloc: a large object */
  STRATA_SPAN_OWNER_POOL,     /* frontend/pool: a chunk or a large object */
  STRATA_SPAN_OWNER_GC,       /* frontend/gc: a large object */
} strata_span_owner;

/* Words for a report: "malloc", "a request pool", "a garbage-collected
 * heap", "no frontend" (and "an unknown owner" for other values). */
const char *strata_span_owner_name(unsigned owner);

typedef enum strata_span_state {
  STRATA_SPAN_DEAD = 0, /* describes nothing (recycled, or never used) */
  STRATA_SPAN_FREE,     /* a free run of pages, owned by the page heap */
  STRATA_SPAN_SMALL,    /* in use: objects of one span class */
  STRATA_SPAN_LARGE,    /* in use: one object of whole pages */
  STRATA_SPAN_RELEASING, /* a free run out of the page heap's index while its
                          * memory goes back to the OS without the heap's lock */
  STRATA_SPAN_COMMITTING, /* a run cut out for an allocation while its memory
                           * is committed without the heap's lock */
} strata_span_state;

/* Two cache lines and the bitmap, laid out for the free fast path. The
 * first line holds what a free on any thread reads to find and check its
 * object (state, small_class, small_objects, base, index_inverse,
 * index_shift, object_size, object_count, owner) and nothing a span's
 * owner writes while the span is in use; the second holds the owner's
 * working fields (list links, counts, the bitmap cache), so that a central
 * list's work on a span does not take from other threads' frees the line
 * they read. Descriptors are cache-line aligned (the fixalloc aligns
 * objects whose size is a multiple of a line); span_test checks the
 * offsets. */
typedef struct strata_span {
  /* ---- line 0: set when the span changes use, read by lookups ---- */
  /* Page heap: when this run became free. First: a recycled descriptor's
   * first word is the fixalloc link, and nothing else of it may be
   * clobbered (its state must still read DEAD). */
  uint64_t free_since_ns;
  uintptr_t base;            /* first byte, page aligned */
  size_t pages;              /* length in STRATA_PAGE_SIZE pages */
  uint64_t index_inverse;    /* strata_span_object_index: odd part of object_size, inverted */
  size_t object_size;
  uint32_t object_count;
  /* object_count while the span is SMALL, 0 in every other state, so that
   * "index < small_objects" asks "a small span, and one of its objects'
   * starts" with one compare (a malloc's free). */
  uint32_t small_objects;
  /* strata_span_state. Written by the page heap under its lock (relaxed:
   * the page map's release store publishes the span, see above); read
   * without a lock (relaxed) by lookups on any thread. */
  STRATA_ATOMIC(uint8_t) state;
  strata_span_class span_class;  /* 0 for large spans and free runs */
  /* The size class while the span is SMALL, 0 in every other state: a
   * malloc's free checks "small span, and which class" with one byte. */
  uint8_t small_class;
  uint8_t index_shift;       /* strata_span_object_index: trailing zeros of object_size */
  /* Which frontend's objects an in-use span holds (strata_span_owner):
   * set by whoever took the span from its page heap, cleared (NONE) by
   * init_small and init_large. Frontends that share one page heap (malloc
   * and the request pools on its default heap) check it before they free
   * a span, so that one never frees another's memory. Written and read by
   * the span's owner, and by a frontend's free that looks the span up (a
   * plain byte: the pointer being freed was handed out after the store,
   * in the program's order). */
  uint8_t owner;
  uint8_t zeroed;            /* page heap: the memory read as zero when handed out */
  /* ---- line 1: the owner's working fields ---- */
  /* List links for whoever owns the span (page heap free lists, central
   * lists). */
  struct strata_span *next __attribute__((aligned(STRATA_CACHE_LINE)));
  struct strata_span *prev;
  uint16_t list;             /* which list of its owner it is on */
  uint32_t allocated;        /* objects in use */
  uint32_t cache_word;       /* bitmap word `cache` covers; == word count when exhausted */
  uint64_t cache;            /* free slots of cache_word not yet handed out */
  /* The frontend's own word about an in-use span, cleared by init_small and
   * init_large and never read by the layers below (the malloc frontend
   * hangs the profile record of a sampled object here, so that free finds
   * it in O(1)). Written and read by whoever owns the span's object, and
   * exchanged by the malloc frontend's free, which may run on any thread
   * (relaxed: the object's hand-over orders the rest). */
  STRATA_ATOMIC(void *) owner_data;
  /* ---- lines 2 and 3 ---- */
  uint64_t alloc_bits[STRATA_SPAN_BITMAP_WORDS]; /* 1 = allocated */
} strata_span;

/* Makes `s` a span of `span_class` (size class >= 1) at `base`, all slots
 * free. Its page count comes from the size-class table. */
void strata_span_init_small(strata_span *s, uintptr_t base, strata_span_class span_class);

/* Makes `s` a span holding one object of `pages` whole pages at `base`. */
void strata_span_init_large(strata_span *s, uintptr_t base, size_t pages);

/* Makes a large span `pages` long, its object with it (its owner has
 * checked that the pages are there). */
void strata_span_resize_large(strata_span *s, size_t pages);

/* The owner's lists of spans, linked through next/prev: push at the head,
 * and unlink from anywhere in O(1). */
static inline void strata_span_list_push(strata_span **head, strata_span *s) {
  s->prev = NULL;
  s->next = *head;
  if (*head != NULL) (*head)->prev = s;
  *head = s;
}

static inline void strata_span_list_remove(strata_span **head, strata_span *s) {
  if (s->prev != NULL) {
    s->prev->next = s->next;
  } else {
    *head = s->next;
  }
  if (s->next != NULL) s->next->prev = s->prev;
  s->next = s->prev = NULL;
}

/* Marks a span FREE or DEAD (for its owner, the page heap). */
static inline void strata_span_retire(strata_span *s, strata_span_state state) {
  s->small_class = 0;
  s->small_objects = 0;
  s->span_class = 0;
  strata_atomic_store(&s->state, (uint8_t)state, STRATA_ORDER_RELAXED);
}

/* The span's state (strata_span_state), from any thread. These accessors
 * are inlined in every build mode: at -O0 (a layer in Bazel's default
 * mode) a call apiece costs a frame. */
static inline __attribute__((always_inline)) strata_span_state strata_span_state_of(
    const strata_span *s) {
  return (strata_span_state)strata_atomic_load(&s->state, STRATA_ORDER_RELAXED);
}

/* The frontend's word about the span (owner_data), relaxed. */
static inline __attribute__((always_inline)) void *strata_span_owner_data(const strata_span *s) {
  return strata_atomic_load(&s->owner_data, STRATA_ORDER_RELAXED);
}

static inline __attribute__((always_inline)) void strata_span_set_owner_data(strata_span *s,
                                                                          void *data) {
  strata_atomic_store(&s->owner_data, data, STRATA_ORDER_RELAXED);
}

/* SMALL or LARGE: one load of the state. */
static inline __attribute__((always_inline)) bool strata_span_is_in_use(const strata_span *s) {
  strata_span_state state = strata_span_state_of(s);
  return state == STRATA_SPAN_SMALL || state == STRATA_SPAN_LARGE;
}

/* Sets the state of a span the caller owns (the page heap, under its
 * lock). */
static inline __attribute__((always_inline)) void strata_span_set_state(strata_span *s,
                                                                     strata_span_state state) {
  strata_atomic_store(&s->state, (uint8_t)state, STRATA_ORDER_RELAXED);
}

/* The slot index of p, if p is the start of one of the span's objects:
 * then the result is below object_count. For any other address (inside an
 * object, in the tail after the last one, before the span or far outside
 * it) the result is object_count or more. One subtract, one multiply, one
 * rotate; no divide and no branch.
 *
 * Why it works: write object_size = odd << shift. Multiplying by the odd
 * part's inverse modulo 2^64 is a bijection that maps each multiple
 * i * object_size to i << shift exactly; the rotate brings that to i. Every
 * other offset maps elsewhere, and the exact-division test (Granlund and
 * Montgomery) says where: a 64-bit offset is a multiple of object_size if
 * and only if the rotated product is at most (2^64 - 1) / object_size,
 * which is far above object_count. An offset below base wraps to a huge
 * number and fails the same way. */
static inline uintptr_t strata_span_object_index(const strata_span *s, const void *p) {
  uint64_t scaled = (uint64_t)((uintptr_t)p - s->base) * s->index_inverse;
  unsigned shift = s->index_shift;
  return (uintptr_t)((scaled >> shift) | (scaled << ((0u - shift) & 63)));
}

/* The slot holding byte `offset` of the span's objects (any byte of the
 * slot, not only its start): the size class's division magic, one multiply
 * and one shift. For offsets past the last object the result is
 * object_count or more. Small spans only. */
static inline uint32_t strata_span_slot_containing(const strata_span *s, uintptr_t offset) {
  return strata_size_class_index(s->small_class, (uint32_t)offset);
}

/* Whether slot i (below object_count) is allocated in the bitmap. The
 * bitmap is the owner's: only a caller that excludes the owner's changes
 * (the owner itself, or a collector with its heap stopped) may ask. */
static inline bool strata_span_slot_is_allocated(const strata_span *s, uint32_t i) {
  return (s->alloc_bits[i / 64] >> (i % 64)) & 1;
}

/* One free slot, now allocated, or NULL when the span is full. */
void *strata_span_alloc(strata_span *s);

/* Up to `max` free slots into out[], in address order; returns how many. */
size_t strata_span_alloc_batch(strata_span *s, void **out, size_t max);

/* Frees the object at p, validating it first (see the top of this file).
 * On error nothing changes. */
strata_status strata_span_free(strata_span *s, const void *p) STRATA_MUST_USE;

/* For a collector's sweep (Go's allocBits = gcmarkBits): keeps allocated
 * only the slots whose bit is set in `keep` (bit i for slot i; only the
 * (object_count + 63) / 64 words that cover the slots are read, and bits
 * of free slots and beyond the last object are ignored) and frees every other slot at once. The count and the cache
 * follow, so allocation finds the lowest free slot again. Returns how many
 * objects were freed. Never allocates a slot. */
uint32_t strata_span_sweep(strata_span *s, const uint64_t *keep);

/* True when p is an allocated object's start in this span. */
bool strata_span_owns_object(const strata_span *s, const void *p);

static inline bool strata_span_is_full(const strata_span *s) {
  return s->allocated == s->object_count;
}

static inline bool strata_span_is_empty(const strata_span *s) { return s->allocated == 0; }

static inline uintptr_t strata_span_end(const strata_span *s) {
  return s->base + (s->pages << STRATA_PAGE_SHIFT);
}

/* Checks the span's invariants: the count matches the bitmap, no bit beyond
 * the last object, the cache holds exactly the free slots of its word and
 * every earlier word is full. STRATA_OK or STRATA_ERR_CORRUPT, and then the
 * broken invariant's name to `why` (may be NULL). */
strata_status strata_span_check(const strata_span *s, const strata_check_reporter *why)
    STRATA_MUST_USE;

#ifdef __cplusplus
}
#endif

#endif /* STRATA_SPAN_SPAN_H_ */
