/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
#include <string.h>

#include "base/constants.h"
#include "metadata/metadata.h"

void strata_fixalloc_init(strata_fixalloc *f, strata_persistent *source, size_t object_size) {
  memset(f, 0, sizeof *f);
  f->source = source;
  if (object_size < sizeof(void *)) object_size = sizeof(void *);
  f->object_size = (object_size + 15) & ~(size_t)15;
  /* Objects a whole number of cache lines long start on a line, so that
   * their fields keep the lines their layout gives them (span.h). */
  f->alignment = f->object_size % STRATA_CACHE_LINE == 0 ? STRATA_CACHE_LINE : 16;
}

void *strata_fixalloc_alloc(strata_fixalloc *f) {
  void *object = f->free_list;
  if (object != NULL) {
    memcpy(&f->free_list, object, sizeof(void *));
    memset(object, 0, f->object_size);
  } else {
    object = strata_persistent_alloc(f->source, f->object_size, f->alignment);
    if (object == NULL) return NULL;
    f->total++;
  }
  f->in_use++;
  return object;
}

size_t strata_fixalloc_bytes_for(const strata_fixalloc *f, size_t count) {
  /* The free list is not counted in part: a prepare may drop the owner's
   * lock, and other holders may empty the list meanwhile. */
  if (f->total - f->in_use >= count) return 0;
  return strata_persistent_bytes_for(count, f->object_size, f->alignment);
}

void strata_fixalloc_free(strata_fixalloc *f, void *object) {
  memcpy(object, &f->free_list, sizeof(void *));
  f->free_list = object;
  f->in_use--;
}
