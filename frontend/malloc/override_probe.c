/* A program linked with the static override library (no LD_PRELOAD). It
 * proves malloc and friends are strata's, exercises them, and prints what
 * the environment configured. Used by env_test.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/malloc/strata_malloc.h"

int main(int argc, char **argv) {
  if ((void *)malloc != (void *)strata_malloc || (void *)free != (void *)strata_free) {
    printf("malloc is not strata's\n");
    return 1;
  }
  char *keep[1000];
  for (int i = 0; i < 1000; i++) {
    keep[i] = malloc((size_t)(i * 37) % 5000 + 1);
    memset(keep[i], i & 0xff, (size_t)(i * 37) % 5000 + 1);
  }
  void *big = calloc(1, 3 << 20);
  for (int i = 0; i < 1000; i++) free(keep[i]);
  free(big);
  if (argc > 1 && strcmp(argv[1], "misuse") == 0) {
    int on_stack;
    free(&on_stack);
    printf("continued after misuse\n");
  }
  strata_malloc_stats stats;
  strata_malloc_get_stats(&stats);
  printf("ok errors=%llu check=%d\n", (unsigned long long)stats.errors, strata_malloc_check());
  return 0;
}
