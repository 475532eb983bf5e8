/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* A program linked with the static override library (no LD_PRELOAD). It
 * proves malloc and friends are strata's, exercises them, and prints what
 * the environment configured. Used by env_test.sh. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/malloc/strata_malloc.h"

/* Other libraries' constructors and destructors allocate before main and
 * after exit: so does this program. */
static char *before_main;

__attribute__((constructor)) static void allocate_before_main(void) {
  before_main = strdup("allocated before main");
}

static void allocate_after_exit(void) {
  char *p = malloc(1000);
  memset(p, 1, 1000);
  free(p);
  free(before_main);
  if (getenv("PROBE_SAY_AFTER_EXIT") != NULL) puts("allocated after exit");
}

/* Loads a library with dlopen and passes memory both ways. */
static int use_dlopened(const char *path) {
  void *lib = dlopen(path, RTLD_NOW);
  if (lib == NULL) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  char *(*make)(size_t) = (char *(*)(size_t))dlsym(lib, "dlopen_lib_make");
  void (*drop)(void *) = (void (*)(void *))dlsym(lib, "dlopen_lib_drop");
  if (make == NULL || drop == NULL) return 1;
  for (int i = 0; i < 1000; i++) {
    char *theirs = make((size_t)i + 1);
    if (strata_malloc_usable_size(theirs) < (size_t)i + 1) return 1; /* strata's */
    free(theirs);
    char *mine = malloc((size_t)i + 1);
    drop(mine);
  }
  dlclose(lib);
  printf("dlopen ok\n");
  return 0;
}

int main(int argc, char **argv) {
  atexit(allocate_after_exit);
  if (strcmp(before_main, "allocated before main") != 0) return 1;
  if (argc > 2 && strcmp(argv[1], "dlopen") == 0 && use_dlopened(argv[2]) != 0) return 1;
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
