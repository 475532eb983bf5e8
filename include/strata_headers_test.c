/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Every installed include name compiles, together, and reaches the header
 * it names: a program built this way calls into each. */
#include <string.h>

#include <strata/arena.h>
#include <strata/central.h>
#include <strata/gc.h>
#include <strata/malloc.h>
#include <strata/metadata.h>
#include <strata/pageheap.h>
#include <strata/pool.h>
#include <strata/profile.h>
#include <strata/sizeclass.h>
#include <strata/span.h>
#include <strata/status.h>
#include <strata/version.h>

int main(void) {
  if (strcmp(strata_version(), "") == 0) return 1;
  if (strata_size_to_class(100) == 0) return 1;
  if (strcmp(strata_status_str(STRATA_OK), "") == 0) return 1;
  void *p = strata_malloc(10);
  if (p == NULL) return 1;
  strata_free(p);
  return STRATA_VERSION == STRATA_VERSION_MAJOR * 10000 + STRATA_VERSION_MINOR * 100 +
                               STRATA_VERSION_PATCH
             ? 0
             : 1;
}
