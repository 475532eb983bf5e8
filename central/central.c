#include "central/central.h"

#include <string.h>

#include "base/zero.h"

void strata_central_init(strata_central *c, strata_pageheap *heap) {
  /* Only the headers: a transfer cache is read only below its count. */
  strata_zero_untouched(c->classes, sizeof c->classes);
  c->heap = heap;
  for (size_t i = 0; i < STRATA_SPAN_CLASS_COUNT; i++) {
    pthread_mutex_init(&c->classes[i].lock, NULL);
  }
}

void strata_central_destroy(strata_central *c) {
  for (size_t i = 0; i < STRATA_SPAN_CLASS_COUNT; i++) {
    pthread_mutex_destroy(&c->classes[i].lock);
  }
}

size_t strata_central_batch_size(unsigned size_class) {
  size_t size = strata_size_class_object_size(size_class);
  if (size == 0) return 0;
  size_t n = (64u << 10) / size;
  if (n < 2) n = 2;
  if (n > STRATA_CENTRAL_MAX_BATCH) n = STRATA_CENTRAL_MAX_BATCH;
  return n;
}

/* Fills out[] from span bitmaps, taking new spans from the page heap as
 * needed. Called with the class lock held. */
static size_t remove_from_spans(strata_central *c, strata_central_class *k,
                                strata_span_class span_class, void **out, size_t n) {
  size_t got = 0;
  while (got < n) {
    strata_span *s = k->partial;
    if (s == NULL) {
      s = strata_pageheap_alloc_small(c->heap, span_class);
      if (s == NULL) break;
      k->spans++;
      strata_span_list_push(&k->partial, s);
    }
    got += strata_span_alloc_batch(s, out + got, n - got);
    if (strata_span_is_full(s)) {
      strata_span_list_remove(&k->partial, s);
      strata_span_list_push(&k->full, s);
    }
  }
  k->objects_out += got;
  return got;
}

size_t strata_central_remove(strata_central *c, strata_span_class span_class, void **out,
                             size_t n) {
  strata_central_class *k = &c->classes[span_class];
  if (n > STRATA_CENTRAL_MAX_BATCH) n = STRATA_CENTRAL_MAX_BATCH;
  pthread_mutex_lock(&k->lock);
  size_t got = 0;
  if (k->transfer_count > 0) {
    got = k->transfer_count < n ? k->transfer_count : n;
    k->transfer_count -= (uint32_t)got;
    memcpy(out, &c->transfer[span_class][k->transfer_count], got * sizeof(void *));
  }
  if (got < n) got += remove_from_spans(c, k, span_class, out + got, n - got);
  pthread_mutex_unlock(&k->lock);
  return got;
}

/* Returns one object to its span. Called with the class lock held. */
static strata_status return_to_span(strata_central *c, strata_central_class *k,
                                    strata_span_class span_class, void *object) {
  strata_span *s = strata_pageheap_span_of(c->heap, object);
  if (s == NULL || s->state != STRATA_SPAN_SMALL || s->span_class != span_class) {
    return STRATA_ERR_NOT_OWNED;
  }
  bool was_full = strata_span_is_full(s);
  strata_status status = strata_span_free(s, object);
  if (status != STRATA_OK) return status;
  k->objects_out--;
  if (was_full) {
    strata_span_list_remove(&k->full, s);
    strata_span_list_push(&k->partial, s);
  }
  if (strata_span_is_empty(s)) {
    /* Keep one empty span as a spare unless another partial span exists:
     * the class then has somewhere to allocate without the page heap. */
    bool another = k->partial != s || s->next != NULL;
    if (another) {
      strata_span_list_remove(&k->partial, s);
      k->spans--;
      strata_pageheap_free(c->heap, s);
    }
  }
  return STRATA_OK;
}

strata_status strata_central_insert(strata_central *c, strata_span_class span_class,
                                    void *const *objects, size_t n, void **bad) {
  strata_central_class *k = &c->classes[span_class];
  strata_status first_error = STRATA_OK;
  pthread_mutex_lock(&k->lock);
  if (k->transfer_count + n <= STRATA_CENTRAL_TRANSFER_SLOTS) {
    memcpy(&c->transfer[span_class][k->transfer_count], objects, n * sizeof(void *));
    k->transfer_count += (uint32_t)n;
  } else {
    for (size_t i = 0; i < n; i++) {
      strata_status status = return_to_span(c, k, span_class, objects[i]);
      if (status != STRATA_OK && first_error == STRATA_OK) {
        first_error = status;
        if (bad != NULL) *bad = objects[i];
      }
    }
  }
  pthread_mutex_unlock(&k->lock);
  return first_error;
}

strata_status strata_central_drain(strata_central *c, void **bad) {
  strata_status first_error = STRATA_OK;
  for (size_t sc = 0; sc < STRATA_SPAN_CLASS_COUNT; sc++) {
    strata_central_class *k = &c->classes[sc];
    pthread_mutex_lock(&k->lock);
    while (k->transfer_count > 0) {
      void *object = c->transfer[sc][--k->transfer_count];
      strata_status status = return_to_span(c, k, (strata_span_class)sc, object);
      if (status != STRATA_OK && first_error == STRATA_OK) {
        first_error = status;
        if (bad != NULL) *bad = object;
      }
    }
    strata_span *s = k->partial;
    while (s != NULL) {
      strata_span *next = s->next;
      if (strata_span_is_empty(s)) {
        strata_span_list_remove(&k->partial, s);
        k->spans--;
        strata_pageheap_free(c->heap, s);
      }
      s = next;
    }
    pthread_mutex_unlock(&k->lock);
  }
  return first_error;
}

void strata_central_for_each_span(strata_central *c, strata_span_class span_class,
                                  void (*fn)(const strata_span *span, void *arg), void *arg) {
  strata_central_class *k = &c->classes[span_class];
  pthread_mutex_lock(&k->lock);
  for (const strata_span *s = k->partial; s != NULL; s = s->next) fn(s, arg);
  for (const strata_span *s = k->full; s != NULL; s = s->next) fn(s, arg);
  pthread_mutex_unlock(&k->lock);
}

void strata_central_class_get_stats(strata_central *c, strata_span_class span_class,
                                    strata_central_class_stats *out) {
  strata_central_class *k = &c->classes[span_class];
  pthread_mutex_lock(&k->lock);
  out->spans = k->spans;
  out->objects_out = k->objects_out;
  out->transfer_cached = k->transfer_count;
  pthread_mutex_unlock(&k->lock);
}

static bool check_list(const strata_span *head, strata_span_class sc, bool want_full,
                       size_t *spans, size_t *allocated) {
  const strata_span *prev = NULL;
  for (const strata_span *s = head; s != NULL; prev = s, s = s->next) {
    if (s->prev != prev || s->state != STRATA_SPAN_SMALL || s->span_class != sc ||
        strata_span_is_full(s) != want_full || strata_span_check(s) != STRATA_OK) {
      return false;
    }
    (*spans)++;
    *allocated += s->allocated;
  }
  return true;
}

strata_status strata_central_check(strata_central *c) {
  bool ok = true;
  for (size_t sc = 0; ok && sc < STRATA_SPAN_CLASS_COUNT; sc++) {
    strata_central_class *k = &c->classes[sc];
    pthread_mutex_lock(&k->lock);
    size_t spans = 0, allocated = 0;
    ok = check_list(k->partial, (strata_span_class)sc, false, &spans, &allocated) &&
         check_list(k->full, (strata_span_class)sc, true, &spans, &allocated) &&
         spans == k->spans && allocated == k->objects_out &&
         k->transfer_count <= STRATA_CENTRAL_TRANSFER_SLOTS;
    for (uint32_t i = 0; ok && i < k->transfer_count; i++) {
      strata_span *s = strata_pageheap_span_of(c->heap, c->transfer[sc][i]);
      ok = s != NULL && s->span_class == sc && strata_span_owns_object(s, c->transfer[sc][i]);
    }
    pthread_mutex_unlock(&k->lock);
  }
  return ok ? STRATA_OK : STRATA_ERR_CORRUPT;
}

void strata_central_lock_all(strata_central *c) {
  for (size_t i = 0; i < STRATA_SPAN_CLASS_COUNT; i++) pthread_mutex_lock(&c->classes[i].lock);
}

void strata_central_unlock_all(strata_central *c) {
  for (size_t i = STRATA_SPAN_CLASS_COUNT; i-- > 0;) pthread_mutex_unlock(&c->classes[i].lock);
}
