/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The thread cache's slow paths: refilling an empty list from the central
 * lists, flushing an overlong one back, growing a list's limit as the thread
 * shows it needs more, and handing everything back at thread exit.
 *
 * A list's limit (`max`) starts at zero and grows by one batch each time the
 * list runs dry (and to one batch when it overflows), up to 256 KiB worth of
 * objects, as long as the thread's cache stays within STRATA_THREAD_CACHE_KB
 * and all caches together within STRATA_CACHE_TOTAL_MB. A thread that allocates or frees a
 * class heavily thus ends up moving whole batches, and an idle class costs
 * nothing. The byte caps bound capacity (max * size), not contents, so the
 * fast paths keep no byte counts at all. */
#include <errno.h>

#include "frontend/malloc/malloc_internal.h"

#define CLASS_MAX_BYTES (256u << 10)
/* The smallest OS page size: objects starting within one such page of a
 * handed-out object share its page on any kernel. */
#define OS_PAGE_MIN 4096u

static strata_span_class span_class_of(unsigned size_class) {
  return strata_span_class_make(size_class, STRATA_MALLOC_KIND);
}

/* Raises the list's limit by one batch if the caps allow. */
static void grow_limit(strata_tcache *cache, unsigned size_class, size_t batch) {
  strata_malloc_global *g = &strata_malloc_state;
  strata_tcache_list *list = &cache->lists[size_class];
  size_t size = strata_size_class_object_size(size_class);
  size_t class_max = CLASS_MAX_BYTES / size > batch ? CLASS_MAX_BYTES / size : batch;
  if (list->max + batch > class_max) return;
  size_t add = batch * size;
  if (cache->capacity_bytes + add > g->config.thread_cache_bytes) return;
  size_t total = strata_atomic_add(&g->cache_capacity_bytes, add, STRATA_ORDER_RELAXED);
  if (total > g->config.cache_total_bytes) {
    strata_atomic_sub(&g->cache_capacity_bytes, add, STRATA_ORDER_RELAXED);
    return;
  }
  cache->capacity_bytes += add;
  list->max += (uint32_t)batch;
  list->room += (int32_t)batch;
}

/* Signed: a list whose links were corrupted (a cycle made by a double
 * free that a write after free hid from the freed mark) can hand out more
 * objects than it counted, and its length goes below zero. */
static int64_t length(const strata_tcache_list *list) {
  return (int64_t)list->max - list->room;
}

/* The size class of `list`, a list of the calling thread's cache or of a
 * shared empty one: the fast path read the thread's cache pointer before
 * the call, and a signal handler's malloc may have made the thread's own
 * cache since. */
static unsigned class_of_list(const strata_tcache_list *list) {
  const strata_tcache *candidates[] = {strata_thread_cache, &strata_tcache_none,
                                       &strata_tcache_gone};
  for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
    const strata_tcache *cache = candidates[i];
    if (list >= cache->lists && list < cache->lists + STRATA_SIZE_CLASS_COUNT) {
      return strata_tcache_class_of(cache, list);
    }
  }
  strata_report_fatal("thread cache: a list of no cache (internal error)");
}

/* Hands out the first object of a non-empty fresh range and links into the
 * (empty) list the fresh objects that start on the same OS page: the
 * program touches that page anyway, and the next mallocs then pop them.
 * Objects of 4 KiB and more never share a page, so none is linked. */
static void *take_fresh(strata_tcache_list *list, strata_tcache_fresh *fresh) {
  STRATA_ASSERT(list->head == NULL && fresh->next < fresh->end && fresh->size > 0);
  uintptr_t p = fresh->next;
  uintptr_t page_end = (p | (OS_PAGE_MIN - 1)) + 1;
  uintptr_t stop = page_end < fresh->end ? page_end : fresh->end;
  uintptr_t first = p + fresh->size;
  size_t linked = first < stop ? (stop - first + fresh->size - 1) / fresh->size : 0;
  for (size_t i = linked; i-- > 0;) {
    void *q = (void *)(first + i * fresh->size);
    strata_object_mark_freed(q); /* as every object on a list (strata_tcache_check) */
    strata_link_store(q, list->head);
    list->head = q;
  }
  fresh->next = first + linked * fresh->size;
  list->room++;
  return (void *)p;
}

/* A cache whose last slow path was two idle-cache epochs ago (the
 * background thread advances one per release delay) has gone a whole
 * delay without needing the central lists: the thread is idle, or its
 * cache holds more than it uses. Either way what it holds goes back, and
 * its lists' limits start again from nothing, to regrow with use; the
 * next slow paths refill what the thread does use. A thread that never
 * reaches a slow path again keeps its cache until it exits (nothing else
 * may touch a thread's lists); with STRATA_BACKGROUND_RELEASE=0 nothing
 * advances the epoch. */
static void shrink_if_idle(strata_tcache *cache) {
  uint64_t epoch = strata_atomic_load(&strata_malloc_state.cache_epoch, STRATA_ORDER_RELAXED);
  if (epoch - cache->epoch_seen >= 2) strata_tcache_release_all(cache);
  cache->epoch_seen = epoch;
}

static void *refill(unsigned size_class) {
  strata_tcache *cache = strata_thread_cache;
  /* First, before any other check: the list ran dry with fresh objects
   * left, once per OS page of them for a thread that mostly allocates. A
   * range exists only in an active cache (release_all empties it; the
   * shared empty caches have none). */
  strata_tcache_fresh *fresh = &cache->fresh[size_class];
  if (fresh->next != fresh->end) return take_fresh(&cache->lists[size_class], fresh);
  strata_malloc_ensure_init();
  strata_central *central = &strata_malloc_state.central;
  void *objects[STRATA_CENTRAL_MAX_BATCH];
  if (cache->state != STRATA_TCACHE_ACTIVE) cache = strata_tcache_self();
  if (cache == NULL) {
    if (strata_central_remove(central, span_class_of(size_class), objects, 1) == 0) {
      errno = ENOMEM;
      return NULL;
    }
    return objects[0];
  }
  shrink_if_idle(cache);
  fresh = &cache->fresh[size_class];
  strata_tcache_list *list = &cache->lists[size_class];
  if (list->head != NULL) return strata_malloc_small(size_class); /* filled meanwhile */
  size_t size = strata_size_class_object_size(size_class);
  size_t batch = strata_central_batch_size(size_class);
  grow_limit(cache, size_class, batch);
  size_t got = strata_central_remove(central, span_class_of(size_class), objects, batch);
  if (got == 0) {
    errno = ENOMEM;
    return NULL;
  }
  STRATA_ASSERT(got <= batch && fresh->next == fresh->end);
  /* The contiguous run at the end of the batch (what a span's bitmap gave
   * in a row), objects[0] included, becomes the fresh range, and its first
   * object is handed out from there; the objects before the run were freed
   * before and are touched already: those are linked. */
  size_t run = got - 1;
  while (run > 0 && (uintptr_t)objects[run - 1] + size == (uintptr_t)objects[run]) run--;
  if (run == got - 1) run = got; /* no run of two or more */
  for (size_t i = run; i-- > 1;) {
    strata_object_mark_freed(objects[i]); /* as every object on a list */
    strata_link_store(objects[i], list->head);
    list->head = objects[i];
  }
  list->room -= (int32_t)(got - 1);
  if (run == 0) {
    fresh->next = (uintptr_t)objects[0];
    fresh->end = (uintptr_t)objects[got - 1] + size;
    fresh->size = size;
    list->room--; /* take_fresh counts objects[0] out again */
    return take_fresh(list, fresh);
  }
  if (run < got) {
    fresh->next = (uintptr_t)objects[run];
    fresh->end = (uintptr_t)objects[got - 1] + size;
    fresh->size = size;
  }
  return objects[0];
}

void *strata_tcache_refill(strata_tcache_list *list) {
  void *p = refill(class_of_list(list));
  return p != NULL ? strata_object_hand_out(p) : NULL;
}

/* Hands `n` objects from the head of a list back to the central lists,
 * reporting any the central lists refuse (a double free found at the span). */
static void give_back(strata_tcache *cache, unsigned size_class, size_t n) {
  STRATA_ASSERT(n >= 1 && n <= STRATA_CENTRAL_MAX_BATCH &&
                (int64_t)n <= length(&cache->lists[size_class]));
  strata_tcache_list *list = &cache->lists[size_class];
  strata_tcache_fresh *fresh = &cache->fresh[size_class];
  void *objects[STRATA_CENTRAL_MAX_BATCH];
  void *head = list->head; /* a local: the stores to objects[] may alias */
  size_t i = 0;
  for (; i < n && head != NULL; i++) {
    objects[i] = head;
    head = strata_link_load(head, size_class);
  }
  list->head = head;
  /* The list ran out first: the rest of its length is fresh objects. */
  for (; i < n; i++) {
    STRATA_ASSERT(fresh->next < fresh->end); /* a list's length counts its fresh objects */
    objects[i] = (void *)fresh->next;
    fresh->next += fresh->size;
  }
  list->room += (int32_t)n;
  void *bad = NULL;
  strata_status status = strata_central_insert(&strata_malloc_state.central,
                                               span_class_of(size_class), objects, n, &bad);
  if (status != STRATA_OK) strata_report_status("free", status, bad);
}

void strata_tcache_free_to_full(void *p, strata_tcache_list *list) {
  unsigned size_class = class_of_list(list);
  strata_malloc_ensure_init();
  strata_background_release_poke();
  strata_tcache *cache = strata_thread_cache;
  if (cache->state != STRATA_TCACHE_ACTIVE) cache = strata_tcache_self();
  if (cache == NULL) {
    /* Uncached: straight back to its span (or a transfer slot). */
    void *bad = NULL;
    strata_status status = strata_central_insert(&strata_malloc_state.central,
                                                 span_class_of(size_class), &p, 1, &bad);
    if (status != STRATA_OK) strata_report_status("free", status, bad);
    return;
  }
  shrink_if_idle(cache);
  list = &cache->lists[size_class];
  strata_link_store(p, list->head);
  list->head = p;
  list->room--;
  size_t batch = strata_central_batch_size(size_class);
  /* Frees alone earn a list one batch: a thread that only frees a class
   * (the consumer of a producer) would otherwise hoard up to the class
   * cap of objects another thread is waiting to reuse. A list grows
   * beyond a batch when the thread allocates the class too, on refill. */
  if (list->max < batch) grow_limit(cache, size_class, batch);
  /* Over the limit: give back a whole batch (or everything, for a list
   * that may hold nothing), so that the next flush is a batch away. */
  while (list->room < 0) {
    size_t n = list->max == 0 ? (size_t)length(list) : batch;
    if ((int64_t)n > length(list)) n = (size_t)length(list);
    if (n > STRATA_CENTRAL_MAX_BATCH) n = STRATA_CENTRAL_MAX_BATCH;
    give_back(cache, size_class, n);
  }
}

/* Whether p is the start of an object of `size_class` on an in-use small
 * span of malloc's heap. */
static bool is_object_of(const void *p, unsigned size_class) {
  strata_span *span = strata_pageheap_small_object(&strata_malloc_state.heap, p);
  return span != NULL && span->small_class == size_class;
}

strata_status strata_tcache_check(const strata_tcache *cache, const strata_check_reporter *why) {
  for (unsigned c = 1; c < STRATA_SIZE_CLASS_COUNT; c++) {
    const strata_tcache_list *list = &cache->lists[c];
    const strata_tcache_fresh *fresh = &cache->fresh[c];
    int64_t fresh_count = 0;
    if (fresh->next != fresh->end) {
      if (fresh->next > fresh->end || fresh->size != strata_size_class_object_size(c) ||
          (fresh->end - fresh->next) % fresh->size != 0) {
        return strata_check_fail(why, "thread cache: a fresh range is not whole objects of its class");
      }
      /* A batch's run may go on into the next span (spans can sit side
       * by side): each object is checked, at most a batch of them. */
      for (uintptr_t q = fresh->next; q < fresh->end; q += fresh->size) {
        if (!is_object_of((const void *)q, c)) {
          return strata_check_fail(why, "thread cache: a fresh range holds what is not an object of its class");
        }
      }
      fresh_count = (int64_t)((fresh->end - fresh->next) / fresh->size);
    }
    int64_t listed = length(list) - fresh_count;
    if (listed < 0) {
      return strata_check_fail(why, "thread cache: a list counts fewer objects than its fresh range holds");
    }
    /* At most `listed` links are followed, so a cycle ends the walk too. */
    const void *p = list->head;
    for (int64_t i = 0; i < listed; i++) {
      if (p == NULL) return strata_check_fail(why, "thread cache: a list is shorter than its count");
      if (!is_object_of(p, c)) {
        return strata_check_fail(why, "thread cache: a list holds what is not an object of its class");
      }
      if (!strata_object_is_freed(p)) {
        return strata_check_fail(why, "thread cache: an object on a list lacks the freed mark (a write after free?)");
      }
      p = strata_link_peek(p);
    }
    if (p != NULL) {
      return strata_check_fail(why, "thread cache: a list is longer than its count (a cycle?)");
    }
  }
  return STRATA_OK;
}

void strata_tcache_release_all(strata_tcache *cache) {
  for (unsigned c = 1; c < STRATA_SIZE_CLASS_COUNT; c++) {
    strata_tcache_list *list = &cache->lists[c];
    while (length(list) > 0) {
      size_t n = length(list) < STRATA_CENTRAL_MAX_BATCH ? (size_t)length(list)
                                                         : STRATA_CENTRAL_MAX_BATCH;
      give_back(cache, c, n);
    }
    /* Every object the list counted went back. Links left over mean the
     * list was corrupted into holding more than it counted (a cycle): they
     * are reported and dropped, as following them would hand back objects
     * already given back, and might never end. */
    if (list->head != NULL) {
      strata_report_misuse("free", STRATA_MISUSE_CORRUPT_LIST, list->head);
      list->head = NULL;
    }
    list->max = 0;
    list->room = 0;
  }
  strata_atomic_sub(&strata_malloc_state.cache_capacity_bytes, cache->capacity_bytes,
                    STRATA_ORDER_RELAXED);
  cache->capacity_bytes = 0;
}
