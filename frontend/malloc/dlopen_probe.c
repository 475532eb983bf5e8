/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Loads strata with dlopen into a program that runs on the C library's
 * malloc: libstrata.so (argv[1]) and a plugin linking strata's archives
 * (argv[2], dlopen_plugin.c). Both must load -- their initial-exec
 * thread-local storage must fit what the C library keeps for modules
 * loaded late -- and allocate from threads that existed before the load
 * as well as from new ones. Prints what failed and exits 1. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define THREADS 4
#define OBJECTS 1000
/* What strata keeps in initial-exec storage: the cache pointer and one
 * int, padded (malloc_internal.h, strata_thread_cache); debug and
 * sanitizer builds add the chain of held locks the lock-order check walks
 * (base/lock.c). */
#ifdef STRATA_DEBUG
#define TLS_BUDGET 24
#else
#define TLS_BUDGET 16
#endif

typedef void *(*malloc_fn)(size_t);
typedef void (*free_fn)(void *);
typedef size_t (*usable_size_fn)(void *);
typedef int (*check_fn)(void);

static malloc_fn lib_malloc;
static free_fn lib_free;
static usable_size_fn lib_usable_size;
static int failures;

static void fail(const char *what, const char *detail) {
  printf("FAIL: %s%s%s\n", what, detail != NULL ? ": " : "", detail != NULL ? detail : "");
  __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
}

/* Allocates through the loaded library, checks each object is whole and
 * its own, frees them. */
static void *allocate(void *arg) {
  (void)arg;
  unsigned char *objects[OBJECTS];
  for (int i = 0; i < OBJECTS; i++) {
    size_t size = 1 + (size_t)(i * 53) % 5000;
    objects[i] = lib_malloc(size);
    if (objects[i] == NULL || lib_usable_size(objects[i]) < size) {
      fail("strata_malloc through dlopen", "NULL or too small");
      return NULL;
    }
    memset(objects[i], i & 0xff, size);
  }
  for (int i = 0; i < OBJECTS; i++) {
    size_t size = 1 + (size_t)(i * 53) % 5000;
    if (objects[i][0] != (i & 0xff) || objects[i][size - 1] != (i & 0xff)) {
      fail("strata_malloc through dlopen", "two objects overlap");
    }
    lib_free(objects[i]);
  }
  return NULL;
}

/* A thread started before the library is loaded: it allocates through it
 * once main has loaded it. */
static pthread_barrier_t loaded;

static void *early_thread(void *arg) {
  pthread_barrier_wait(&loaded);
  if (__atomic_load_n(&failures, __ATOMIC_RELAXED) != 0) return NULL; /* nothing to call */
  return allocate(arg);
}

/* Allocates and frees (so it has a cache), then waits while main closes
 * the library, then exits. */
static pthread_barrier_t closed;

static void *late_thread(void *arg) {
  allocate(arg);
  pthread_barrier_wait(&closed);
  pthread_barrier_wait(&closed);
  return NULL;
}

struct tls_size {
  const char *name;
  size_t size;
  int found;
};

static int find_tls(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size;
  struct tls_size *want = arg;
  if (info->dlpi_name == NULL || strstr(info->dlpi_name, want->name) == NULL) return 0;
  want->found = 1;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    if (info->dlpi_phdr[i].p_type == PT_TLS) want->size = info->dlpi_phdr[i].p_memsz;
  }
  return 1;
}

static void check_tls(const char *path) {
  const char *base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
  struct tls_size want = {base, 0, 0};
  dl_iterate_phdr(find_tls, &want);
  if (!want.found) {
    fail("loaded but not listed by dl_iterate_phdr", base);
  } else if (want.size > TLS_BUDGET) {
    char detail[128];
    snprintf(detail, sizeof detail, "%s: %zu bytes, more than %d", base, want.size, TLS_BUDGET);
    fail("thread-local storage", detail);
  } else {
    printf("%s: %zu bytes of thread-local storage\n", base, want.size);
  }
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s LIBSTRATA_SO PLUGIN_SO\n", argv[0]);
    return 2;
  }
  pthread_barrier_init(&loaded, NULL, 2);
  pthread_t early;
  pthread_create(&early, NULL, early_thread, NULL);

  void *strata = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (strata == NULL) {
    fail("dlopen of libstrata.so", dlerror());
    pthread_barrier_wait(&loaded);
    pthread_join(early, NULL);
    return 1;
  }
  lib_malloc = (malloc_fn)dlsym(strata, "strata_malloc");
  lib_free = (free_fn)dlsym(strata, "strata_free");
  lib_usable_size = (usable_size_fn)dlsym(strata, "strata_malloc_usable_size");
  check_fn lib_check = (check_fn)dlsym(strata, "strata_malloc_check");
  if (lib_malloc == NULL || lib_free == NULL || lib_usable_size == NULL || lib_check == NULL) {
    fail("dlsym of the strata_ functions", dlerror());
    pthread_barrier_wait(&loaded);
    pthread_join(early, NULL);
    return 1;
  }
  check_tls(argv[1]);
  pthread_barrier_wait(&loaded);
  allocate(NULL);
  pthread_t threads[THREADS];
  for (int i = 0; i < THREADS; i++) pthread_create(&threads[i], NULL, allocate, NULL);
  for (int i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
  pthread_join(early, NULL);
  if (lib_check() != 0) fail("strata_malloc_check after the threads", NULL);

  void *plugin = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
  if (plugin == NULL) {
    fail("dlopen of a plugin linking strata's archives", dlerror());
    return 1;
  }
  check_tls(argv[2]);
  int (*run)(void) = (int (*)(void))dlsym(plugin, "dlopen_plugin_run");
  if (run == NULL) {
    fail("dlsym of dlopen_plugin_run", dlerror());
    return 1;
  }
  int status = run();
  if (status != 0) {
    char detail[32];
    snprintf(detail, sizeof detail, "step %d failed", status);
    fail("the plugin's strata", detail);
  }
  /* dlclose while a thread that cached is alive: the thread's exit then
   * runs strata's cache destructor, which must still be there (the
   * library is linked -z nodelete). */
  pthread_barrier_init(&closed, NULL, 2);
  pthread_t late;
  pthread_create(&late, NULL, late_thread, NULL);
  pthread_barrier_wait(&closed); /* it has allocated */
  if (dlclose(strata) != 0) fail("dlclose of libstrata.so", dlerror());
  pthread_barrier_wait(&closed);
  pthread_join(late, NULL);
  if (failures != 0) return 1;
  printf("PASS: both loaded with dlopen and allocated from %d threads\n", THREADS + 3);
  return 0;
}
