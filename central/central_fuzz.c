/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Fuzz target: batches in and out of the central lists of four span
 * classes, on a page heap over a static buffer, against a model of which
 * objects are out. Checks after every operation: no object handed out
 * twice, contents of objects out intact, a batch with an interior pointer
 * refused for that object alone; strata_central_check (every class and
 * every slot of every span, so slow) after every 64th operation and at
 * the end. At the end every object goes back and the page heap holds
 * nothing in use.
 *
 * Kept fast, so that CI's seconds are many inputs: an object out carries
 * a tag (its address, scrambled) that is cleared when it goes back, so
 * "not handed out twice" is one compare, not a search of the model; and
 * the full check runs every 64th operation, not every 8th (it took most
 * of the time, at 74 inputs a second). */
#include <string.h>

#include "arena/backends.h"
#include "central/central.h"
#include "tools/fuzzkit/fuzz_input.h"

#define BUFFER (32u << 20)
#define CLASSES 4
#define LIVE 512

static unsigned char buffer[BUFFER] __attribute__((aligned(4096)));
static const size_t class_bytes[CLASSES] = {16, 48, 1024, 8192};

typedef struct model {
  strata_span_class span_class;
  void *live[LIVE];
  size_t count;
} model;

static uint64_t tag_of(const void *p) { return (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull; }

/* Whether an object is out: it carries its tag from when it was handed
 * out until it goes back (take_from_model clears it). Memory the central
 * lists hand out never holds the tag otherwise: they write nothing into
 * objects, and every tag written is cleared before its object goes back. */
static bool is_live(const void *p) {
  uint64_t tag;
  memcpy(&tag, p, sizeof tag);
  return tag == tag_of(p);
}

/* Takes n objects out of the model (from the end), checking each and
 * clearing its tag. */
static size_t take_from_model(model *m, void **out, size_t n) {
  if (n > m->count) n = m->count;
  for (size_t i = 0; i < n; i++) {
    void *p = m->live[--m->count];
    uint64_t tag;
    memcpy(&tag, p, sizeof tag);
    FUZZ_ASSERT(tag == tag_of(p));
    tag = 0;
    memcpy(p, &tag, sizeof tag);
    out[i] = p;
  }
  return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_input in = {data, size, 0};
  static strata_static_backend backend;
  static strata_pageheap heap;
  static strata_central central;
  static model models[CLASSES];
  FUZZ_ASSERT(strata_static_backend_init(&backend, buffer, sizeof buffer, 4096) == STRATA_OK);
  strata_pageheap_config config = strata_pageheap_default_config();
  config.arena_size = 1u << 20;
  FUZZ_ASSERT(strata_pageheap_init(&heap, &backend.base, &config) == STRATA_OK);
  strata_central_init(&central, &heap);
  for (unsigned c = 0; c < CLASSES; c++) {
    models[c].count = 0;
    models[c].span_class =
        strata_span_class_make(strata_size_to_class(class_bytes[c]), STRATA_KIND_NOSCAN);
  }
  for (unsigned step = 1; fuzz_more(&in); step++) {
    uint8_t op = fuzz_u8(&in);
    model *m = &models[fuzz_u8(&in) % CLASSES];
    void *batch[STRATA_CENTRAL_MAX_BATCH + 8];
    if (op < 100) {
      size_t n = 1 + fuzz_u8(&in) % STRATA_CENTRAL_MAX_BATCH;
      if (m->count + n > LIVE) continue;
      size_t got = strata_central_remove(&central, m->span_class, batch, n);
      for (size_t i = 0; i < got; i++) {
        strata_span *s = strata_pageheap_span_of(&heap, batch[i]);
        FUZZ_ASSERT(s != NULL && s->span_class == m->span_class);
        FUZZ_ASSERT(strata_span_owns_object(s, batch[i]));
        FUZZ_ASSERT(!is_live(batch[i])); /* never handed out twice */
        uint64_t tag = tag_of(batch[i]);
        memcpy(batch[i], &tag, sizeof tag);
        m->live[m->count++] = batch[i];
      }
    } else if (op < 190) {
      size_t n = take_from_model(m, batch, 1 + fuzz_u8(&in) % STRATA_CENTRAL_MAX_BATCH);
      if (n == 0) continue;
      FUZZ_ASSERT(strata_central_insert(&central, m->span_class, batch, n, NULL) == STRATA_OK);
    } else if (op < 210) {
      /* More than a batch, so it goes to the spans at once, with one
       * interior pointer in it: refused alone, the rest taken back. */
      size_t n = take_from_model(m, batch, STRATA_CENTRAL_MAX_BATCH + 1 + fuzz_u8(&in) % 7);
      if (n <= STRATA_CENTRAL_MAX_BATCH) {
        if (n > 0) {
          FUZZ_ASSERT(strata_central_insert(&central, m->span_class, batch, n, NULL) ==
                      STRATA_OK);
        }
        continue;
      }
      size_t at = fuzz_u8(&in) % n;
      void *object = batch[at];
      batch[at] = (char *)object + 8;
      void *bad = NULL;
      FUZZ_ASSERT(strata_central_insert(&central, m->span_class, batch, n, &bad) ==
                  STRATA_ERR_INTERIOR_POINTER);
      FUZZ_ASSERT(bad == batch[at]);
      uint64_t tag = tag_of(object); /* still out: give it back later */
      memcpy(object, &tag, sizeof tag);
      m->live[m->count++] = object;
    } else if (op < 225) {
      FUZZ_ASSERT(strata_central_drain(&central, NULL) == STRATA_OK);
    } else {
      strata_central_class_stats stats;
      strata_central_class_get_stats(&central, m->span_class, &stats);
      FUZZ_ASSERT(stats.objects_out >= m->count);
      FUZZ_ASSERT(stats.objects_out == m->count + stats.transfer_cached);
    }
    if (step % 64 == 0) FUZZ_ASSERT(strata_central_check(&central, NULL) == STRATA_OK);
  }
  FUZZ_ASSERT(strata_central_check(&central, NULL) == STRATA_OK);
  for (unsigned c = 0; c < CLASSES; c++) {
    void *batch[STRATA_CENTRAL_MAX_BATCH];
    size_t n;
    while ((n = take_from_model(&models[c], batch, STRATA_CENTRAL_MAX_BATCH)) > 0) {
      FUZZ_ASSERT(strata_central_insert(&central, models[c].span_class, batch, n, NULL) ==
                  STRATA_OK);
    }
  }
  FUZZ_ASSERT(strata_central_drain(&central, NULL) == STRATA_OK);
  strata_pageheap_stats stats;
  strata_pageheap_get_stats(&heap, &stats);
  FUZZ_ASSERT(stats.in_use_bytes == 0);
  strata_central_destroy(&central);
  FUZZ_ASSERT(strata_pageheap_destroy(&heap) == STRATA_OK);
  FUZZ_ASSERT(strata_static_backend_free_bytes(&backend) == BUFFER);
  return 0;
}
