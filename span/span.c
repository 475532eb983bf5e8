/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
#include "span/span.h"

#include <string.h>

static uint32_t word_count(const strata_span *s) { return (s->object_count + 63) / 64; }

/* The bits of word w that stand for real objects. */
static uint64_t valid_mask(const strata_span *s, uint32_t w) {
  uint32_t last = word_count(s) - 1;
  uint32_t tail = s->object_count & 63;
  if (w < last || tail == 0) return ~(uint64_t)0;
  return ((uint64_t)1 << tail) - 1;
}

static void load_cache(strata_span *s, uint32_t w) {
  s->cache_word = w;
  s->cache = w < word_count(s) ? ~s->alloc_bits[w] & valid_mask(s, w) : 0;
}

/* Sets object_size and what strata_span_object_index needs for it: the
 * inverse of its odd part modulo 2^64, by Newton's iteration (each step
 * doubles the correct low bits; an odd number is its own inverse to 3
 * bits, so five steps give 96 > 64). */
static void set_object_size(strata_span *s, size_t object_size) {
  unsigned shift = (unsigned)__builtin_ctzll(object_size);
  uint64_t odd = object_size >> shift;
  uint64_t inverse = odd;
  for (int step = 0; step < 5; step++) inverse *= 2 - odd * inverse;
  s->object_size = object_size;
  s->index_shift = (uint8_t)shift;
  s->index_inverse = inverse;
}

const char *strata_span_owner_name(unsigned owner) {
  switch (owner) {
    case STRATA_SPAN_OWNER_NONE: return "no frontend";
    case STRATA_SPAN_OWNER_MALLOC: return "malloc";
    case STRATA_SPAN_OWNER_POOL: return "a request pool";
    case STRATA_SPAN_OWNER_GC: return "a garbage-collected heap";
    default: return "an unknown owner";
  }
}

static void init_common(strata_span *s, uintptr_t base, size_t pages) {
  strata_span *next = s->next, *prev = s->prev;
  memset(s, 0, sizeof *s);
  s->next = next;
  s->prev = prev;
  s->base = base;
  s->pages = pages;
}

void strata_span_init_small(strata_span *s, uintptr_t base, strata_span_class span_class) {
  unsigned size_class = strata_span_class_size_class(span_class);
  STRATA_ASSERT(size_class >= 1 && size_class < STRATA_SIZE_CLASS_COUNT);
  STRATA_ASSERT((base & (STRATA_PAGE_SIZE - 1)) == 0);
  const strata_size_class_info *info = strata_size_class_get(size_class);
  init_common(s, base, info->span_pages);
  strata_span_set_state(s, STRATA_SPAN_SMALL);
  s->span_class = span_class;
  s->small_class = (uint8_t)size_class;
  set_object_size(s, info->object_size);
  s->object_count = info->span_objects;
  s->small_objects = info->span_objects;
  load_cache(s, 0);
}

void strata_span_init_large(strata_span *s, uintptr_t base, size_t pages) {
  init_common(s, base, pages);
  strata_span_set_state(s, STRATA_SPAN_LARGE);
  set_object_size(s, pages << STRATA_PAGE_SHIFT);
  s->object_count = 1;
  load_cache(s, 0);
}

void strata_span_resize_large(strata_span *s, size_t pages) {
  STRATA_ASSERT(strata_span_state_of(s) == STRATA_SPAN_LARGE && pages > 0);
  s->pages = pages;
  set_object_size(s, pages << STRATA_PAGE_SHIFT);
}

/* Moves the cache forward to the next word with a free slot. False when
 * there is none: the span is full from the cache word on. */
static bool refill_cache(strata_span *s) {
  uint32_t words = word_count(s);
  for (uint32_t w = s->cache_word + 1; w < words; w++) {
    load_cache(s, w);
    if (s->cache != 0) return true;
  }
  s->cache_word = words;
  s->cache = 0;
  return false;
}

static void *take_lowest(strata_span *s) {
  STRATA_ASSERT(s->cache != 0 && s->allocated < s->object_count);
  unsigned bit = (unsigned)__builtin_ctzll(s->cache);
  s->cache &= s->cache - 1;
  s->alloc_bits[s->cache_word] |= (uint64_t)1 << bit;
  s->allocated++;
  uint32_t index = s->cache_word * 64 + bit;
  return (void *)(s->base + (uintptr_t)index * s->object_size);
}

void *strata_span_alloc(strata_span *s) {
  STRATA_ASSERT(strata_span_is_in_use(s));
  if (s->cache == 0 && !refill_cache(s)) return NULL;
  return take_lowest(s);
}

size_t strata_span_alloc_batch(strata_span *s, void **out, size_t max) {
  size_t n = 0;
  while (n < max) {
    if (s->cache == 0 && !refill_cache(s)) break;
    out[n++] = take_lowest(s);
  }
  return n;
}

/* Resolves p to a slot index, or says why it is not an object's start. */
static strata_status slot_of(const strata_span *s, const void *p, uint32_t *index) {
  uintptr_t addr = (uintptr_t)p;
  if (!strata_span_is_in_use(s)) {
    return STRATA_ERR_NOT_OWNED;
  }
  if (addr < s->base) return STRATA_ERR_NOT_OWNED;
  uintptr_t offset = addr - s->base;
  if (offset >= (uintptr_t)s->object_count * s->object_size) return STRATA_ERR_NOT_OWNED;
  uintptr_t i = strata_span_object_index(s, p);
  if (i >= s->object_count) return STRATA_ERR_INTERIOR_POINTER;
  *index = (uint32_t)i;
  return STRATA_OK;
}

strata_status strata_span_free(strata_span *s, const void *p) {
  uint32_t i = 0;
  strata_status status = slot_of(s, p, &i);
  if (status != STRATA_OK) return status;
  uint32_t w = i / 64;
  uint64_t bit = (uint64_t)1 << (i % 64);
  if ((s->alloc_bits[w] & bit) == 0) return STRATA_ERR_DOUBLE_FREE;
  STRATA_ASSERT(s->allocated > 0);
  s->alloc_bits[w] &= ~bit;
  s->allocated--;
  if (w < s->cache_word) {
    load_cache(s, w);
  } else if (w == s->cache_word) {
    s->cache |= bit;
  }
  return STRATA_OK;
}

uint32_t strata_span_sweep(strata_span *s, const uint64_t *keep) {
  STRATA_ASSERT(strata_span_is_in_use(s));
  uint32_t words = word_count(s);
  uint32_t kept = 0;
  uint32_t first_free = words;
  for (uint32_t w = 0; w < words; w++) {
    s->alloc_bits[w] &= keep[w];
    kept += (uint32_t)__builtin_popcountll(s->alloc_bits[w]);
    if (first_free == words && s->alloc_bits[w] != valid_mask(s, w)) first_free = w;
  }
  STRATA_ASSERT(kept <= s->allocated);
  uint32_t freed = s->allocated - kept;
  s->allocated = kept;
  /* Every word before the first with a free slot is full: the cache's
   * invariant (see the top of span.h) holds from there. */
  if (first_free < words) {
    load_cache(s, first_free);
  } else {
    s->cache_word = words;
    s->cache = 0;
  }
  return freed;
}

bool strata_span_owns_object(const strata_span *s, const void *p) {
  uint32_t i = 0;
  if (slot_of(s, p, &i) != STRATA_OK) return false;
  return strata_span_slot_is_allocated(s, i);
}

strata_status strata_span_check(const strata_span *s, const strata_check_reporter *why) {
  if (!strata_span_is_in_use(s)) {
    if (s->small_objects != 0) return strata_check_fail(why, "span: not in use but small_objects is set");
    return STRATA_OK;
  }
  uint32_t words = word_count(s);
  if (s->object_count == 0 || s->object_count > STRATA_SPAN_MAX_OBJECTS) {
    return strata_check_fail(why, "span: object count out of range");
  }
  if (s->small_objects != (strata_span_state_of(s) == STRATA_SPAN_SMALL ? s->object_count : 0)) {
    return strata_check_fail(why, "span: small_objects is not the object count of a small span");
  }
  if (s->object_size == 0 || (s->object_size >> s->index_shift) * s->index_inverse != 1 ||
      ((s->object_size >> s->index_shift) & 1) == 0) {
    return strata_check_fail(why, "span: index_inverse is not the inverse of the object size");
  }
  if ((uintptr_t)s->object_count * s->object_size > (s->pages << STRATA_PAGE_SHIFT)) {
    return strata_check_fail(why, "span: objects overrun the span's pages");
  }
  uint32_t counted = 0;
  for (uint32_t w = 0; w < STRATA_SPAN_BITMAP_WORDS; w++) {
    uint64_t valid = w < words ? valid_mask(s, w) : 0;
    if (s->alloc_bits[w] & ~valid) return strata_check_fail(why, "span: bitmap bit beyond the last object");
    counted += (uint32_t)__builtin_popcountll(s->alloc_bits[w]);
    if (w < s->cache_word && w < words && s->alloc_bits[w] != valid) {
      return strata_check_fail(why, "span: a word before the cache word has a free slot");
    }
  }
  if (counted != s->allocated) return strata_check_fail(why, "span: allocated count differs from the bitmap");
  if (s->cache_word > words) return strata_check_fail(why, "span: cache word beyond the bitmap");
  if (s->cache_word < words) {
    if (s->cache != (~s->alloc_bits[s->cache_word] & valid_mask(s, s->cache_word))) {
      return strata_check_fail(why, "span: cache differs from the free slots of its word");
    }
  } else if (s->cache != 0) {
    return strata_check_fail(why, "span: cache not empty past the bitmap");
  }
  return STRATA_OK;
}
