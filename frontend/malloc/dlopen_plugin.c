/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* A plugin that carries strata inside: the malloc frontend under its
 * strata_ names and a request pool, linked from strata's archives into a
 * shared library that a program loads with dlopen (dlopen_probe.c). */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "frontend/malloc/strata_malloc.h"
#include "frontend/pool/strata_pool.h"

#define PLUGIN_THREADS 4
#define PLUGIN_OBJECTS 2000

/* Allocates objects of many sizes, writes each whole, checks that none
 * overlaps another (each still holds its own byte afterwards) and frees
 * them. 0 when all is well. */
static void *churn(void *arg) {
  (void)arg;
  unsigned char *objects[PLUGIN_OBJECTS];
  for (int i = 0; i < PLUGIN_OBJECTS; i++) {
    size_t size = 1 + (size_t)(i * 37) % 3000;
    objects[i] = strata_malloc(size);
    if (objects[i] == NULL) return (void *)1;
    memset(objects[i], i & 0xff, size);
  }
  for (int i = 0; i < PLUGIN_OBJECTS; i++) {
    size_t size = 1 + (size_t)(i * 37) % 3000;
    if (objects[i][0] != (i & 0xff) || objects[i][size - 1] != (i & 0xff)) return (void *)2;
    strata_free(objects[i]);
  }
  return NULL;
}

/* 0: the plugin's strata works from its loader's thread and new threads,
 * and a pool on the default heap allocates and is destroyed. */
int dlopen_plugin_run(void) {
  if (churn(NULL) != NULL) return 1;
  pthread_t threads[PLUGIN_THREADS];
  for (int i = 0; i < PLUGIN_THREADS; i++) {
    if (pthread_create(&threads[i], NULL, churn, NULL) != 0) return 2;
  }
  int failed = 0;
  for (int i = 0; i < PLUGIN_THREADS; i++) {
    void *result;
    pthread_join(threads[i], &result);
    if (result != NULL) failed = 3;
  }
  if (failed) return failed;
  strata_pool *pool = strata_pool_create(NULL);
  if (pool == NULL) return 4;
  char *s = strata_pool_strdup(pool, "loaded with dlopen");
  int bad = s == NULL || strcmp(s, "loaded with dlopen") != 0;
  strata_pool_destroy(pool);
  if (bad) return 5;
  return strata_malloc_check() == STRATA_OK ? 0 : 6;
}
