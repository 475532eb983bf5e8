/* A program built against an installed strata with plain cc and pkg-config:
 *
 *   cc hello.c $(pkg-config --cflags --libs strata) -o hello
 *
 * It uses three layers directly: the size-class table, the request pool and
 * the malloc API. */
#include <stdio.h>
#include <string.h>

#include "frontend/malloc/strata_malloc.h"
#include "frontend/pool/strata_pool.h"
#include "sizeclass/sizeclass.h"

int main(void) {
  unsigned c = strata_size_to_class(100);
  printf("100 bytes -> class %u of %zu bytes\n", c, strata_size_class_object_size(c));

  strata_pool *pool = strata_pool_create(NULL);
  char *greeting = strata_pool_strdup(pool, "hello from a strata pool");
  printf("%s\n", greeting);
  strata_pool_destroy(pool);

  char *p = strata_malloc(64);
  strcpy(p, "hello from strata_malloc");
  printf("%s (usable %zu)\n", p, strata_malloc_usable_size(p));
  strata_free(p);
  return strata_malloc_check() == 0 ? 0 : 1;
}
