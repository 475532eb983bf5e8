/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Fuzz target: operations on one span against a model of its slots. */
#include <string.h>

#include "span/span.h"
#include "tools/fuzzkit/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_input in = {data, size, 0};
  static unsigned char memory[16 * STRATA_PAGE_SIZE] __attribute__((aligned(8192)));
  unsigned size_class = 1 + fuzz_u8(&in) % (STRATA_SIZE_CLASS_COUNT - 1);
  strata_span span;
  memset(&span, 0, sizeof span);
  strata_span_init_small(&span, (uintptr_t)memory,
                         strata_span_class_make(size_class, STRATA_KIND_SCAN));
  static uint8_t live[STRATA_SPAN_MAX_OBJECTS];
  memset(live, 0, sizeof live);
  uint32_t live_count = 0;
  while (fuzz_more(&in)) {
    uint8_t op = fuzz_u8(&in);
    uint32_t slot = fuzz_u16(&in) % span.object_count;
    uintptr_t object = span.base + (uintptr_t)slot * span.object_size;
    if (op < 96) {
      void *p = strata_span_alloc(&span);
      if (live_count == span.object_count) {
        FUZZ_ASSERT(p == NULL);
      } else {
        FUZZ_ASSERT(p != NULL);
        uint32_t i = (uint32_t)(((uintptr_t)p - span.base) / span.object_size);
        FUZZ_ASSERT(!live[i]);
        for (uint32_t lower = 0; lower < i; lower++) FUZZ_ASSERT(live[lower]); /* lowest first */
        live[i] = 1;
        live_count++;
      }
    } else if (op < 112) {
      void *batch[64];
      size_t n = strata_span_alloc_batch(&span, batch, 1 + op % 64);
      for (size_t k = 0; k < n; k++) {
        uint32_t i = (uint32_t)(((uintptr_t)batch[k] - span.base) / span.object_size);
        FUZZ_ASSERT(!live[i]);
        live[i] = 1;
        live_count++;
      }
    } else if (op < 200) {
      strata_status status = strata_span_free(&span, (void *)object);
      FUZZ_ASSERT(status == (live[slot] ? STRATA_OK : STRATA_ERR_DOUBLE_FREE));
      if (live[slot]) live_count--;
      live[slot] = 0;
    } else if (op < 230) {
      /* An interior pointer, when the object is larger than one byte. */
      size_t offset = 1 + fuzz_u16(&in) % (span.object_size > 1 ? span.object_size - 1 : 1);
      strata_status status = strata_span_free(&span, (void *)(object + offset));
      FUZZ_ASSERT(status == STRATA_ERR_INTERIOR_POINTER ||
                  (object + offset >= span.base + (uintptr_t)span.object_count * span.object_size &&
                   status == STRATA_ERR_NOT_OWNED));
    } else {
      /* Outside the objects: before the span or in its tail. */
      uintptr_t outside = op & 1 ? span.base - 8 : span.base + (uintptr_t)span.object_count * span.object_size;
      strata_status status = strata_span_free(&span, (void *)outside);
      FUZZ_ASSERT(status == STRATA_ERR_NOT_OWNED);
    }
    FUZZ_ASSERT(span.allocated == live_count);
    FUZZ_ASSERT(strata_span_check(&span, NULL) == STRATA_OK);
  }
  return 0;
}
