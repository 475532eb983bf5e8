/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
#include "base/zero.h"

#include <stdint.h>
#include <string.h>

void strata_zero_untouched(void *p, size_t size) {
  unsigned char *bytes = p;
  /* Unaligned head and tail bytes: few, written plainly. */
  while (size > 0 && ((uintptr_t)bytes & 7) != 0) {
    *bytes++ = 0;
    size--;
  }
  uint64_t *words = (uint64_t *)(void *)bytes;
  size_t n = size / 8;
  for (size_t i = 0; i < n; i++) {
    if (words[i] != 0) words[i] = 0;
  }
  memset(bytes + n * 8, 0, size % 8);
}
