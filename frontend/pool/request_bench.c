/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The request loop: a simulated request makes 50 to 2000 allocations of
 * mixed sizes (16 B to 8 KiB, a few up to 64 KiB), writes them, and ends;
 * repeated many times. Four ways to serve it, each in its own process so
 * that peak RSS is its own:
 *   pool      strata_pool_alloc, then strata_pool_reset per request
 *   strata    strata_malloc / strata_free per object
 *   mimalloc  mi_heap_new, mi_heap_malloc, mi_heap_destroy per request
 *   glibc     malloc / free per object
 * Prints requests per second and peak RSS. The allocation sequence is the
 * same for every variant (a per-request seeded generator), and each child
 * checks the bytes it wrote, so a wrong allocator cannot look fast.
 * REQUEST_BENCH_VERBOSE=1 also prints the pool's peak held bytes. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "frontend/malloc/strata_malloc.h"
#include "frontend/pool/strata_pool.h"
#include "tools/benchkit/benchkit.h"

#define MAX_ALLOCS STRATA_BENCH_REQUEST_MAX_ALLOCS

typedef struct variant {
  const char *name;
  void (*begin)(void);
  void *(*alloc)(size_t);
  void (*release)(void *); /* NULL: the request's end frees everything */
  void (*end)(void);
} variant;

/* ---- pool ---- */
static strata_pool *pool;
static void pool_begin(void) {
  if (pool == NULL) pool = strata_pool_create(NULL);
}
static void *pool_alloc(size_t n) { return strata_pool_alloc(pool, n); }
static void pool_end(void) { strata_pool_reset(pool); }

/* ---- mimalloc heaps, loaded with dlopen so glibc keeps malloc ---- */
static void *(*mi_heap_new_fn)(void);
static void *(*mi_heap_malloc_fn)(void *, size_t);
static void (*mi_heap_destroy_fn)(void *);
static void *mi_heap;
static int load_mimalloc(void) {
  void *lib = dlopen("libmimalloc.so", RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) lib = dlopen("/usr/lib/x86_64-linux-gnu/libmimalloc.so", RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) return -1;
  mi_heap_new_fn = (void *(*)(void))dlsym(lib, "mi_heap_new");
  mi_heap_malloc_fn = (void *(*)(void *, size_t))dlsym(lib, "mi_heap_malloc");
  mi_heap_destroy_fn = (void (*)(void *))dlsym(lib, "mi_heap_destroy");
  return mi_heap_new_fn && mi_heap_malloc_fn && mi_heap_destroy_fn ? 0 : -1;
}
static void mi_begin(void) { mi_heap = mi_heap_new_fn(); }
static void *mi_alloc(size_t n) { return mi_heap_malloc_fn(mi_heap, n); }
static void mi_end(void) { mi_heap_destroy_fn(mi_heap); }

static void nothing(void) {}

static const variant variants[] = {
    {"pool", pool_begin, pool_alloc, NULL, pool_end},
    {"strata", nothing, strata_malloc, strata_free, nothing},
    {"mimalloc", mi_begin, mi_alloc, NULL, mi_end},
    {"glibc", nothing, malloc, free, nothing},
};
#define VARIANTS (sizeof variants / sizeof variants[0])

/* Serves `requests` requests; returns 0 when every byte read back. */
static int serve(const variant *v, int requests) {
  static unsigned char *objects[MAX_ALLOCS];
  static size_t sizes[MAX_ALLOCS];
  int bad = 0;
  for (int r = 0; r < requests; r++) {
    strata_bench_rng rng = strata_bench_request_rng(r);
    int n = strata_bench_request_allocs(&rng);
    v->begin();
    for (int i = 0; i < n; i++) {
      size_t size = strata_bench_request_size(&rng);
      unsigned char *p = v->alloc(size);
      if (p == NULL) return 1;
      memset(p, i, size < 64 ? size : 64);
      p[size - 1] = (unsigned char)i;
      objects[i] = p;
      sizes[i] = size;
    }
    for (int i = 0; i < n; i++) {
      bad |= objects[i][0] != (unsigned char)i || objects[i][sizes[i] - 1] != (unsigned char)i;
      if (v->release != NULL) v->release(objects[i]);
    }
    v->end();
  }
  return bad;
}

typedef struct child_report {
  double requests_per_second;
  double start_rss_mib;
} child_report;

int main(int argc, char **argv) {
  int requests = argc > 1 ? atoi(argv[1]) : 10000;
  bool have_mimalloc = load_mimalloc() == 0;
  double rate[VARIANTS], rss[VARIANTS], start_rss[VARIANTS];
  for (size_t i = 0; i < VARIANTS; i++) {
    rate[i] = rss[i] = start_rss[i] = -1;
    if (strcmp(variants[i].name, "mimalloc") == 0 && !have_mimalloc) continue;
    int fds[2];
    if (pipe(fds) != 0) return 1;
    pid_t pid = fork();
    if (pid == 0) {
      close(fds[0]);
      child_report report = {-1, strata_bench_resident_bytes() / 1048576.0};
      serve(&variants[i], requests / 10); /* warm up */
      uint64_t start = strata_bench_now_ns();
      int bad = serve(&variants[i], requests);
      double seconds = (double)(strata_bench_now_ns() - start) / 1e9;
      report.requests_per_second = bad ? -1 : requests / seconds;
      if (getenv("REQUEST_BENCH_VERBOSE") != NULL && pool != NULL) {
        strata_pool_stats ps;
        strata_pool_get_stats(pool, &ps);
        strata_malloc_stats ms;
        strata_malloc_get_stats(&ms);
        fprintf(stderr, "pool peak held %.2f MiB; heap committed %.2f MiB, peak %.2f MiB\n",
                ps.peak_held_bytes / 1048576.0, ms.committed_bytes / 1048576.0,
                ms.peak_committed_bytes / 1048576.0);
      }
      ssize_t w = write(fds[1], &report, sizeof report);
      _exit(w == sizeof report && !bad ? 0 : 1);
    }
    close(fds[1]);
    child_report report = {-1, -1};
    if (read(fds[0], &report, sizeof report) != sizeof report) report.requests_per_second = -1;
    close(fds[0]);
    int status = 0;
    struct rusage usage;
    wait4(pid, &status, 0, &usage);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      rate[i] = report.requests_per_second;
      start_rss[i] = report.start_rss_mib;
      rss[i] = usage.ru_maxrss / 1024.0;
    } else {
      fprintf(stderr, "request_bench: %s failed (status %d)\n", variants[i].name, status);
    }
  }
  printf("%-10s %-22s %12s %14s %16s\n", "request", "served by", "requests/s", "peak RSS MiB",
         "growth MiB");
  for (size_t i = 0; i < VARIANTS; i++) {
    printf("%-10s %-22s %12.0f %14.1f %16.1f\n", "request", variants[i].name, rate[i], rss[i],
           rss[i] - start_rss[i]);
  }
  printf("%-10s (%d requests of 50-2000 allocations each; growth is peak RSS minus the RSS\n"
         "%-10s  of the process when it started serving, each variant in its own process)\n",
         "request", requests, "request");
  return 0;
}
