/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Fuzz target: page runs on a heap over a 16 MiB buffer, with the backend
 * refusing memory when the input says, checked after every operation. */
#include <string.h>

#include "arena/backends.h"
#include "pageheap/pageheap.h"
#include "tools/fuzzkit/fuzz_input.h"

#define BUFFER (16u << 20)
#define LIVE 64

static unsigned char buffer[BUFFER] __attribute__((aligned(4096)));

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_input in = {data, size, 0};
  static strata_static_backend backend;
  static strata_fault_backend fault;
  static strata_pageheap heap;
  FUZZ_ASSERT(strata_static_backend_init(&backend, buffer, sizeof buffer, 4096) == STRATA_OK);
  strata_fault_backend_init(&fault, &backend.base);
  strata_pageheap_config config = strata_pageheap_default_config();
  config.arena_size = 1u << 20;
  config.release_delay_ns = fuzz_u8(&in) < 128 ? UINT64_MAX : 0;
  FUZZ_ASSERT(strata_pageheap_init(&heap, &fault.base, &config) == STRATA_OK);
  strata_span *live[LIVE] = {0};
  uint64_t tags[LIVE] = {0};
  while (fuzz_more(&in)) {
    uint8_t op = fuzz_u8(&in);
    unsigned i = fuzz_u8(&in) % LIVE;
    if (op < 100) {
      if (live[i] != NULL) continue;
      if (op % 7 == 0) strata_fault_backend_refuse_nth(&fault, 1 + fuzz_u8(&in) % 4);
      strata_span *s;
      if (op < 50) {
        unsigned c = 1 + fuzz_u8(&in) % (STRATA_SIZE_CLASS_COUNT - 1);
        s = strata_pageheap_alloc_small(&heap, strata_span_class_make(c, STRATA_KIND_SCAN));
      } else if (op < 90) {
        s = strata_pageheap_alloc_large(&heap, 1 + fuzz_u16(&in) % 300);
      } else {
        s = strata_pageheap_alloc_large_aligned(&heap, 1 + fuzz_u8(&in) % 16,
                                                (size_t)STRATA_PAGE_SIZE << (fuzz_u8(&in) % 6));
      }
      strata_fault_backend_refuse_nth(&fault, 0);
      if (s != NULL) {
        tags[i] = fuzz_u32(&in) | 1;
        memcpy((void *)s->base, &tags[i], sizeof tags[i]);
        memcpy((void *)(strata_span_end(s) - sizeof tags[i]), &tags[i], sizeof tags[i]);
        live[i] = s;
      }
    } else if (op < 180) {
      if (live[i] == NULL) {
        FUZZ_ASSERT(strata_pageheap_free(&heap, NULL) == STRATA_ERR_NOT_OWNED);
        continue;
      }
      uint64_t head, tail;
      memcpy(&head, (void *)live[i]->base, sizeof head);
      memcpy(&tail, (void *)(strata_span_end(live[i]) - sizeof tail), sizeof tail);
      FUZZ_ASSERT(head == tags[i] && tail == tags[i]);
      FUZZ_ASSERT(strata_pageheap_span_of(&heap, (void *)live[i]->base) == live[i]);
      FUZZ_ASSERT(strata_pageheap_free(&heap, live[i]) == STRATA_OK);
      live[i] = NULL;
    } else if (op < 210) {
      strata_span *s = live[i];
      if (s == NULL || strata_span_state_of(s) != STRATA_SPAN_LARGE) continue;
      size_t pages = 1 + fuzz_u16(&in) % 300;
      if (strata_pageheap_resize_large(&heap, s, pages) == STRATA_OK) {
        FUZZ_ASSERT(s->pages == pages);
        memcpy((void *)(strata_span_end(s) - sizeof tags[i]), &tags[i], sizeof tags[i]);
      }
    } else if (op < 230) {
      strata_pageheap_release(&heap);
    } else {
      /* Any pointer at all: span_of must answer without faulting. */
      uintptr_t p = (uintptr_t)fuzz_u32(&in) << (fuzz_u8(&in) % 20);
      strata_span *s = strata_pageheap_span_of(&heap, (void *)p);
      FUZZ_ASSERT(s == NULL || (p >= s->base && p < strata_span_end(s)));
    }
    FUZZ_ASSERT(strata_pageheap_check(&heap, NULL) == STRATA_OK);
  }
  for (unsigned i = 0; i < LIVE; i++) {
    if (live[i] != NULL) FUZZ_ASSERT(strata_pageheap_free(&heap, live[i]) == STRATA_OK);
  }
  strata_pageheap_stats stats;
  strata_pageheap_get_stats(&heap, &stats);
  FUZZ_ASSERT(stats.in_use_bytes == 0);
  FUZZ_ASSERT(strata_pageheap_destroy(&heap) == STRATA_OK);
  FUZZ_ASSERT(strata_static_backend_free_bytes(&backend) == BUFFER);
  return 0;
}
