/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* A library the probe loads with dlopen: it allocates with malloc and frees
 * what the program allocated, so both sides must be on the same allocator. */
#include <stdlib.h>
#include <string.h>

char *dlopen_lib_make(size_t n) {
  char *p = malloc(n);
  if (p != NULL) memset(p, 'd', n);
  return p;
}

void dlopen_lib_drop(void *p) { free(p); }
