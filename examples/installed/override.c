/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* A program that links strata's static override library: its malloc and
 * free are strata's, with no LD_PRELOAD.
 *
 *   cc override.c -I$PREFIX/include/strata \
 *      -Wl,--whole-archive $PREFIX/lib/libstrata_override.a -Wl,--no-whole-archive \
 *      -lpthread -o override */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata/malloc.h>

int main(void) {
  char *p = malloc(100);
  strcpy(p, "malloc is strata's");
  /* strata knows this pointer: it is one of its objects. */
  size_t usable = strata_malloc_usable_size(p);
  printf("%s: usable size %zu\n", p, usable);
  free(p);
  return usable >= 100 ? 0 : 1;
}
