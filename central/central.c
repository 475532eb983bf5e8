/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
#include "central/central.h"

#include <string.h>

#include "base/zero.h"

/* The class locks' rank (base/lock_rank.h) is read only by the lock-order
 * check of debug builds, so only those write it: elsewhere the headers of
 * classes nobody uses stay untouched (and out of resident memory). */
static void rank_class_locks(strata_central *c) {
#ifdef STRATA_DEBUG
  for (size_t i = 0; i < STRATA_SPAN_CLASS_COUNT; i++) {
    strata_lock_init(&c->classes[i].lock, STRATA_LOCK_RANK_CENTRAL_CLASS);
  }
#else
  (void)c;
#endif
}

void strata_central_init(strata_central *c, strata_pageheap *heap) {
  /* Only the headers (zero is every lock released and every transfer slot
   * EMPTY): a transfer batch is read only after its slot was filled. */
  strata_zero_untouched(c->classes, sizeof c->classes);
  rank_class_locks(c);
  c->heap = heap;
}

void strata_central_init_zeroed(strata_central *c, strata_pageheap *heap) {
  rank_class_locks(c);
  c->heap = heap;
}


size_t strata_central_batch_size(unsigned size_class) {
  size_t size = strata_size_class_object_size(size_class);
  if (size == 0) return 0;
  size_t n = (64u << 10) / size;
  if (n < 2) n = 2;
  if (n > STRATA_CENTRAL_MAX_BATCH) n = STRATA_CENTRAL_MAX_BATCH;
  return n;
}

/* Claims a slot of class `sc` in state `from` for the caller (BUSY), or
 * returns -1 when none is in that state now. The relaxed load first keeps
 * losing claimers from writing the line. */
static int claim_slot(strata_central_class *k, uint32_t from) {
  for (int i = 0; i < STRATA_CENTRAL_TRANSFER_BATCHES; i++) {
    uint32_t state = strata_atomic_load(&k->slot_state[i], STRATA_ORDER_RELAXED);
    if (state == from &&
        strata_atomic_compare_exchange(&k->slot_state[i], &state, STRATA_TRANSFER_BUSY,
                                       STRATA_ORDER_ACQUIRE, STRATA_ORDER_RELAXED)) {
      return i;
    }
  }
  return -1;
}

static void release_slot(strata_central_class *k, int slot, uint32_t to) {
  /* Tested first: a class busy moving batches writes the flag once per
   * plunder, not once per batch. */
  if (strata_atomic_load(&k->slots_used, STRATA_ORDER_RELAXED) == 0) {
    strata_atomic_store(&k->slots_used, 1, STRATA_ORDER_RELAXED);
  }
  strata_atomic_store(&k->slot_state[slot], to, STRATA_ORDER_RELEASE);
}

static uint32_t batch_count(const strata_transfer_batch *b) {
  return strata_atomic_load(&b->count, STRATA_ORDER_RELAXED);
}

static void set_batch_count(strata_transfer_batch *b, uint32_t count) {
  strata_atomic_store(&b->count, count, STRATA_ORDER_RELAXED);
}

/* Puts n objects into an empty transfer slot; false when there is none. */
static bool transfer_put(strata_central *c, strata_span_class sc, void *const *objects,
                         size_t n) {
  STRATA_ASSERT(n >= 1 && n <= STRATA_CENTRAL_MAX_BATCH);
  strata_central_class *k = &c->classes[sc];
  int slot = claim_slot(k, STRATA_TRANSFER_EMPTY);
  if (slot < 0) return false;
  strata_transfer_batch *b = &c->transfer[sc][slot];
  memcpy(b->objects, objects, n * sizeof(void *));
  set_batch_count(b, (uint32_t)n);
  release_slot(k, slot, STRATA_TRANSFER_FULL);
  return true;
}

/* Takes up to n objects out of one full transfer slot: the whole batch
 * when it holds n or fewer, else the last n of it. */
static size_t transfer_take(strata_central *c, strata_span_class sc, void **out, size_t n) {
  strata_central_class *k = &c->classes[sc];
  int slot = claim_slot(k, STRATA_TRANSFER_FULL);
  if (slot < 0) return 0;
  strata_transfer_batch *b = &c->transfer[sc][slot];
  uint32_t count = batch_count(b);
  STRATA_ASSERT(count >= 1 && count <= STRATA_CENTRAL_MAX_BATCH); /* FULL: 1 to MAX_BATCH */
  size_t got = count < n ? count : n;
  memcpy(out, &b->objects[count - got], got * sizeof(void *));
  set_batch_count(b, count - (uint32_t)got);
  release_slot(k, slot, count > got ? STRATA_TRANSFER_FULL : STRATA_TRANSFER_EMPTY);
  return got;
}

/* The page heap's two calls that take its lock, made only without the
 * class lock (the analysis of base/thread_safety.h holds central to it):
 * the heap's lock, and the system calls made when it commits or releases
 * memory, must not stall the class's other users. */
static strata_span *span_from_heap(strata_central *c, strata_central_class *k,
                                   strata_span_class span_class) STRATA_EXCLUDES(&k->lock) {
  (void)k;
  return strata_pageheap_alloc_small(c->heap, span_class);
}

/* A new span from the page heap, counted in the class, or NULL: called
 * with the class lock held, which is dropped meanwhile (the page heap's
 * lock, and maybe a system call to commit memory, must not stall the
 * class's other users); other threads may have filed spans meanwhile. */
static strata_span *new_span(strata_central *c, strata_central_class *k,
                             strata_span_class span_class) STRATA_REQUIRES(&k->lock) {
  strata_lock_release(&k->lock);
  strata_span *s = span_from_heap(c, k, span_class);
  strata_lock_acquire(&k->lock);
  if (s != NULL) k->spans++;
  return s;
}

/* Fills out[] from span bitmaps, taking new spans from the page heap as
 * needed. Called with the class lock held, and returns with it held; the
 * lock is dropped while the page heap makes a span (its lock, and maybe a
 * system call to commit memory, must not stall the class's other users). */
static size_t remove_from_spans(strata_central *c, strata_central_class *k,
                                strata_span_class span_class, void **out, size_t n)
    STRATA_REQUIRES(&k->lock) {
  STRATA_ASSERT_LOCK_HELD(&k->lock);
  size_t got = 0;
  while (got < n) {
    strata_span *s = k->partial;
    if (s == NULL) {
      s = new_span(c, k, span_class);
      if (s == NULL) break;
      /* It joins what others filed meanwhile, and is used first. */
      strata_span_list_push(&k->partial, s);
    }
    size_t taken = strata_span_alloc_batch(s, out + got, n - got);
    /* Counted at once: the lock may be dropped before the loop ends, and
     * the lists and this count must agree whenever it is free. */
    k->objects_out += taken;
    got += taken;
    if (strata_span_is_full(s)) {
      strata_span_list_remove(&k->partial, s);
      strata_span_list_push(&k->full, s);
    }
  }
  return got;
}

size_t strata_central_remove(strata_central *c, strata_span_class span_class, void **out,
                             size_t n) {
  strata_central_class *k = &c->classes[span_class];
  if (n > STRATA_CENTRAL_MAX_BATCH) n = STRATA_CENTRAL_MAX_BATCH;
  size_t got = transfer_take(c, span_class, out, n);
  if (got < n) {
    strata_lock_acquire(&k->lock);
    got += remove_from_spans(c, k, span_class, out + got, n - got);
    strata_lock_release(&k->lock);
  }
  return got;
}

strata_span *strata_central_lend_span(strata_central *c, strata_span_class span_class) {
  strata_central_class *k = &c->classes[span_class];
  strata_lock_acquire(&k->lock);
  strata_span *s = k->partial;
  if (s != NULL) {
    strata_span_list_remove(&k->partial, s);
  } else {
    s = new_span(c, k, span_class);
  }
  if (s != NULL) {
    /* Its allocated objects leave the class's count with it. */
    STRATA_ASSERT(k->objects_out >= s->allocated);
    k->objects_out -= s->allocated;
    k->lent++;
  }
  strata_lock_release(&k->lock);
  return s;
}

/* Forward: gives empty spans back to the page heap, without the lock. */
static void give_spans_back(strata_central *c, strata_central_class *k, strata_span *empties)
    STRATA_EXCLUDES(&k->lock);

void strata_central_return_span(strata_central *c, strata_span_class span_class,
                                strata_span *span) {
  strata_central_class *k = &c->classes[span_class];
  /* a lent span comes back to its own class, in use */
  STRATA_ASSERT(strata_span_state_of(span) == STRATA_SPAN_SMALL && span->span_class == span_class);
  strata_span *empty = NULL;
  strata_lock_acquire(&k->lock);
  STRATA_ASSERT(k->lent > 0); /* central: a span comes back only after it was lent */
  k->lent--;
  if (strata_span_is_empty(span)) {
    k->spans--;
    span->prev = span->next = NULL;
    empty = span;
  } else {
    k->objects_out += span->allocated;
    strata_span_list_push(strata_span_is_full(span) ? &k->full : &k->partial, span);
  }
  strata_lock_release(&k->lock);
  give_spans_back(c, k, empty);
}

/* Spans taken off a class's lists under its lock (that became empty, or
 * all of them at destroy), linked through `next`, to go back to the page
 * heap once the lock is dropped: no call into the page heap (its lock, its
 * system calls) is made under a class lock. Such a span is on no list and
 * counted in no class; an object of an empty one given back meanwhile is a
 * double free, which its bitmap reports. */
static void give_spans_back(strata_central *c, strata_central_class *k, strata_span *empties)
    STRATA_EXCLUDES(&k->lock) {
  (void)k;
  while (empties != NULL) {
    strata_span *next = empties->next;
    empties->next = NULL;
    /* The span came from this page heap and is in use: only a heap
     * already corrupt could refuse it. */
    strata_status freed = strata_pageheap_free(c->heap, empties);
    STRATA_ASSERT(freed == STRATA_OK);
    strata_status_ignore(freed);
    empties = next;
  }
}

void strata_central_destroy(strata_central *c) {
  for (size_t sc = 0; sc < STRATA_SPAN_CLASS_COUNT; sc++) {
    strata_central_class *k = &c->classes[sc];
    strata_span *spans = NULL;
    strata_lock_acquire(&k->lock);
    strata_span *lists[2] = {k->partial, k->full};
    k->partial = k->full = NULL;
    for (int l = 0; l < 2; l++) {
      for (strata_span *s = lists[l]; s != NULL;) {
        strata_span *next = s->next;
        s->prev = NULL;
        s->next = spans;
        spans = s;
        s = next;
      }
    }
    STRATA_ASSERT(k->lent == 0); /* central: every lent span is back before destroy */
    k->spans = 0;
    k->objects_out = 0;
    strata_lock_release(&k->lock);
    /* Batches in the transfer slots are objects of those spans. */
    for (size_t i = 0; i < STRATA_CENTRAL_TRANSFER_BATCHES; i++) {
      strata_atomic_store(&k->slot_state[i], STRATA_TRANSFER_EMPTY, STRATA_ORDER_RELAXED);
    }
    give_spans_back(c, k, spans);
  }
}

/* Takes an empty span off its class's lists onto `empties`. */
static void retire_empty_span(strata_central_class *k, strata_span *s, strata_span **empties)
    STRATA_REQUIRES(&k->lock) {
  STRATA_ASSERT_LOCK_HELD(&k->lock);
  STRATA_ASSERT(strata_span_is_empty(s));
  strata_span_list_remove(&k->partial, s);
  k->spans--;
  s->prev = NULL;
  s->next = *empties;
  *empties = s;
}

/* Returns one object to its span. Called with the class lock held; a span
 * that becomes empty goes onto `empties`. */
static strata_status return_to_span(strata_central *c, strata_central_class *k,
                                    strata_span_class span_class, void *object,
                                    strata_span **empties) STRATA_REQUIRES(&k->lock) {
  STRATA_ASSERT_LOCK_HELD(&k->lock);
  strata_span *s = strata_pageheap_span_of(c->heap, object);
  if (s == NULL || strata_span_state_of(s) != STRATA_SPAN_SMALL || s->span_class != span_class) {
    return STRATA_ERR_NOT_OWNED;
  }
  bool was_full = strata_span_is_full(s);
  strata_status status = strata_span_free(s, object);
  if (status != STRATA_OK) return status;
  STRATA_ASSERT(k->objects_out > 0);
  k->objects_out--;
  if (was_full) {
    strata_span_list_remove(&k->full, s);
    strata_span_list_push(&k->partial, s);
  }
  if (strata_span_is_empty(s)) {
    /* Keep one empty span as a spare unless another partial span exists:
     * the class then has somewhere to allocate without the page heap. */
    bool another = k->partial != s || s->next != NULL;
    if (another) retire_empty_span(k, s, empties);
  }
  return STRATA_OK;
}

/* Returns n objects to their spans. Called with the class lock held.
 * Returns the first error, with its object in *bad. */
static strata_status return_all_to_spans(strata_central *c, strata_central_class *k,
                                         strata_span_class span_class, void *const *objects,
                                         size_t n, void **bad, strata_span **empties)
    STRATA_REQUIRES(&k->lock) {
  strata_status first_error = STRATA_OK;
  for (size_t i = 0; i < n; i++) {
    strata_status status = return_to_span(c, k, span_class, objects[i], empties);
    if (status != STRATA_OK && first_error == STRATA_OK) {
      first_error = status;
      if (bad != NULL) *bad = objects[i];
    }
  }
  return first_error;
}

strata_status strata_central_insert(strata_central *c, strata_span_class span_class,
                                    void *const *objects, size_t n, void **bad) {
  if (n == 0) return STRATA_OK;
  if (n <= STRATA_CENTRAL_MAX_BATCH && transfer_put(c, span_class, objects, n)) return STRATA_OK;
  strata_central_class *k = &c->classes[span_class];
  strata_span *empties = NULL;
  strata_lock_acquire(&k->lock);
  strata_status status = return_all_to_spans(c, k, span_class, objects, n, bad, &empties);
  strata_lock_release(&k->lock);
  give_spans_back(c, k, empties);
  return status;
}

/* Moves every batch of a class's transfer slots back to their spans, with
 * the class lock held. Returns the objects moved; the first error goes to
 * *first_error (if none is there yet), its object to *bad. */
static size_t slots_to_spans(strata_central *c, strata_central_class *k, strata_span_class sc,
                             strata_status *first_error, void **bad, strata_span **empties)
    STRATA_REQUIRES(&k->lock) {
  STRATA_ASSERT_LOCK_HELD(&k->lock);
  void *objects[STRATA_CENTRAL_MAX_BATCH];
  size_t n, moved = 0;
  while ((n = transfer_take(c, sc, objects, STRATA_CENTRAL_MAX_BATCH)) > 0) {
    strata_status status = return_all_to_spans(c, k, sc, objects, n,
                                               *first_error == STRATA_OK ? bad : NULL, empties);
    if (*first_error == STRATA_OK) *first_error = status;
    moved += n;
  }
  return moved;
}

strata_status strata_central_drain(strata_central *c, void **bad) {
  strata_status first_error = STRATA_OK;
  for (size_t sc = 0; sc < STRATA_SPAN_CLASS_COUNT; sc++) {
    strata_central_class *k = &c->classes[sc];
    strata_span *empties = NULL;
    strata_lock_acquire(&k->lock);
    slots_to_spans(c, k, (strata_span_class)sc, &first_error, bad, &empties);
    strata_span *s = k->partial;
    while (s != NULL) {
      strata_span *next = s->next;
      if (strata_span_is_empty(s)) retire_empty_span(k, s, &empties);
      s = next;
    }
    strata_lock_release(&k->lock);
    give_spans_back(c, k, empties);
  }
  return first_error;
}

size_t strata_central_plunder(strata_central *c, strata_status *status, void **bad) {
  size_t moved = 0;
  strata_status first_error = STRATA_OK;
  for (size_t sc = 0; sc < STRATA_SPAN_CLASS_COUNT; sc++) {
    strata_central_class *k = &c->classes[sc];
    if (strata_atomic_exchange(&k->slots_used, 0, STRATA_ORDER_RELAXED) != 0) continue; /* in use */
    bool any = false;
    for (int i = 0; i < STRATA_CENTRAL_TRANSFER_BATCHES && !any; i++) {
      any = strata_atomic_load(&k->slot_state[i], STRATA_ORDER_RELAXED) == STRATA_TRANSFER_FULL;
    }
    if (!any) continue;
    strata_span *empties = NULL;
    strata_lock_acquire(&k->lock);
    moved += slots_to_spans(c, k, (strata_span_class)sc, &first_error, bad, &empties);
    strata_lock_release(&k->lock);
    give_spans_back(c, k, empties);
    /* Its own takes marked the class used: it was idle until now. */
    strata_atomic_store(&k->slots_used, 0, STRATA_ORDER_RELAXED);
  }
  if (status != NULL) *status = first_error;
  return moved;
}

void strata_central_for_each_span(strata_central *c, strata_span_class span_class,
                                  void (*fn)(const strata_span *span, void *arg), void *arg) {
  strata_central_class *k = &c->classes[span_class];
  strata_lock_acquire(&k->lock);
  for (const strata_span *s = k->partial; s != NULL; s = s->next) fn(s, arg);
  for (const strata_span *s = k->full; s != NULL; s = s->next) fn(s, arg);
  strata_lock_release(&k->lock);
}

size_t strata_central_update_spans(strata_central *c, strata_span_class span_class,
                                   void (*fn)(strata_span *span, void *arg), void *arg) {
  strata_central_class *k = &c->classes[span_class];
  strata_span *empties = NULL;
  strata_lock_acquire(&k->lock);
  /* Both lists are taken whole and every span filed again, so a span fn
   * changes is never visited twice. */
  strata_span *lists[2] = {k->partial, k->full};
  k->partial = k->full = NULL;
  size_t freed = 0;
  for (int l = 0; l < 2; l++) {
    strata_span *s = lists[l];
    while (s != NULL) {
      strata_span *next = s->next;
      uint32_t before = s->allocated;
      fn(s, arg);
      STRATA_ASSERT(strata_span_state_of(s) == STRATA_SPAN_SMALL && s->span_class == span_class);
      STRATA_ASSERT(s->allocated <= before); /* fn never allocates */
      freed += before - s->allocated;
      if (strata_span_is_empty(s)) {
        k->spans--; /* on no list now: straight onto empties */
        s->prev = NULL;
        s->next = empties;
        empties = s;
      } else {
        strata_span_list_push(strata_span_is_full(s) ? &k->full : &k->partial, s);
      }
      s = next;
    }
  }
  STRATA_ASSERT(k->objects_out >= freed);
  k->objects_out -= freed;
  strata_lock_release(&k->lock);
  give_spans_back(c, k, empties);
  return freed;
}

void strata_central_class_get_stats(strata_central *c, strata_span_class span_class,
                                    strata_central_class_stats *out) {
  strata_central_class *k = &c->classes[span_class];
  strata_lock_acquire(&k->lock);
  out->spans = k->spans;
  out->objects_out = k->objects_out;
  strata_lock_release(&k->lock);
  /* A snapshot: slots change under us, and that is fine for stats. */
  out->transfer_cached = 0;
  for (int i = 0; i < STRATA_CENTRAL_TRANSFER_BATCHES; i++) {
    if (strata_atomic_load(&k->slot_state[i], STRATA_ORDER_ACQUIRE) == STRATA_TRANSFER_FULL) {
      out->transfer_cached += batch_count(&c->transfer[span_class][i]);
    }
  }
}

/* NULL, or the invariant found broken. `span_reported` when a span's own
 * check has already named its invariant to `why`. */
static const char span_reported[] = "central: a span is corrupt";

static const char *check_list(const strata_span *head, strata_span_class sc, bool want_full,
                              size_t *spans, size_t *allocated, const strata_check_reporter *why) {
  const strata_span *prev = NULL;
  for (const strata_span *s = head; s != NULL; prev = s, s = s->next) {
    if (s->prev != prev) return "central: a span list's back links are broken";
    if (strata_span_state_of(s) != STRATA_SPAN_SMALL || s->span_class != sc) {
      return "central: a listed span is not a small span of its class";
    }
    if (strata_span_is_full(s) != want_full) {
      return want_full ? "central: a span on the full list has free slots"
                       : "central: a span on the partial list is full";
    }
    if (strata_span_check(s, why) != STRATA_OK) return span_reported;
    (*spans)++;
    *allocated += s->allocated;
  }
  return NULL;
}

/* A full slot holds 1 to MAX_BATCH allocated objects of its class; a slot
 * BUSY now is some thread's, in flight, and is left alone. */
static const char *check_slot(strata_central *c, strata_span_class sc, int slot) {
  strata_central_class *k = &c->classes[sc];
  uint32_t state = strata_atomic_load(&k->slot_state[slot], STRATA_ORDER_RELAXED);
  if (state > STRATA_TRANSFER_FULL) return "central: a transfer slot's state is unknown";
  if (state != STRATA_TRANSFER_FULL) return NULL;
  if (!strata_atomic_compare_exchange(&k->slot_state[slot], &state, STRATA_TRANSFER_BUSY,
                                      STRATA_ORDER_ACQUIRE, STRATA_ORDER_RELAXED)) {
    return NULL; /* taken meanwhile */
  }
  const strata_transfer_batch *b = &c->transfer[sc][slot];
  const char *broken = NULL;
  uint32_t count = batch_count(b);
  if (count < 1 || count > STRATA_CENTRAL_MAX_BATCH) {
    broken = "central: a full transfer batch's count is out of range";
  }
  for (uint32_t i = 0; broken == NULL && i < count; i++) {
    strata_span *s = strata_pageheap_span_of(c->heap, b->objects[i]);
    if (s == NULL || s->span_class != sc || !strata_span_owns_object(s, b->objects[i])) {
      broken = "central: a transfer batch holds an object that is not an allocated one of its class";
    }
    /* A batch is at most STRATA_CENTRAL_MAX_BATCH objects: comparing each
     * with those before it is cheaper than sorting a copy. */
    for (uint32_t j = 0; broken == NULL && j < i; j++) {
      if (b->objects[j] == b->objects[i]) {
        broken = "central: a transfer batch holds one object twice (a double free)";
      }
    }
  }
  release_slot(k, slot, STRATA_TRANSFER_FULL);
  return broken;
}

strata_status strata_central_check(strata_central *c, const strata_check_reporter *why) {
  const char *broken = NULL;
  for (size_t sc = 0; broken == NULL && sc < STRATA_SPAN_CLASS_COUNT; sc++) {
    strata_central_class *k = &c->classes[sc];
    strata_lock_acquire(&k->lock);
    size_t spans = 0, allocated = 0;
    broken = check_list(k->partial, (strata_span_class)sc, false, &spans, &allocated, why);
    if (broken == NULL) {
      broken = check_list(k->full, (strata_span_class)sc, true, &spans, &allocated, why);
    }
    if (broken == NULL && (spans + k->lent != k->spans || allocated != k->objects_out)) {
      broken = "central: a class's span or object counts differ from its lists";
    }
    for (int slot = 0; broken == NULL && slot < STRATA_CENTRAL_TRANSFER_BATCHES; slot++) {
      broken = check_slot(c, (strata_span_class)sc, slot);
    }
    strata_lock_release(&k->lock);
  }
  if (broken == NULL) return STRATA_OK;
  return broken == span_reported ? STRATA_ERR_CORRUPT : strata_check_fail(why, broken);
}

/* Not analysed: the analysis cannot follow a lock per loop turn. The
 * lock-order check of debug builds does (ascending class addresses). */
void strata_central_lock_all(strata_central *c) STRATA_NO_THREAD_SAFETY_ANALYSIS {
  for (size_t i = 0; i < STRATA_SPAN_CLASS_COUNT; i++) strata_lock_acquire(&c->classes[i].lock);
}

void strata_central_unlock_all(strata_central *c) STRATA_NO_THREAD_SAFETY_ANALYSIS {
  for (size_t i = STRATA_SPAN_CLASS_COUNT; i-- > 0;) strata_lock_release(&c->classes[i].lock);
}

void strata_central_forget_in_flight(strata_central *c) {
  for (size_t sc = 0; sc < STRATA_SPAN_CLASS_COUNT; sc++) {
    for (int i = 0; i < STRATA_CENTRAL_TRANSFER_BATCHES; i++) {
      uint32_t busy = STRATA_TRANSFER_BUSY;
      strata_atomic_compare_exchange(&c->classes[sc].slot_state[i], &busy, STRATA_TRANSFER_EMPTY,
                                     STRATA_ORDER_RELAXED, STRATA_ORDER_RELAXED);
    }
  }
}
