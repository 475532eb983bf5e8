/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* gcbench: the binary-trees benchmark of garbage collectors (GCBench, by
 * Ellis, Kovac and Boehm, written here from its published description) on
 * strata's GC heap, on the Boehm-Demers-Weiser collector, and on malloc
 * and free.
 *
 * The program: build and drop a "stretch" tree of depth 18; build a
 * long-lived tree of depth 16 (top down) and an array of 500 000 doubles
 * that stay alive to the end; then, for depths 4, 6, ..., 16, build
 * 2 * nodes(18) / nodes(depth) trees of that depth top down and as many
 * bottom up, dropping each at once. Nodes hold two children and two ints.
 *
 * Variants (the second argument):
 *   pointers  GCBench as published;
 *   noscan    each node also holds a 256-byte byte buffer, allocated as
 *             pointer-free (strata STRATA_GC_NOSCAN, Boehm GC_MALLOC_ATOMIC):
 *             the collector must keep the buffers but need not read them;
 *   scanbuf   the same buffers allocated as ordinary, scanned memory: the
 *             marking work noscan saves;
 *   table     not GCBench: a string table shared by the threads
 *             (gcbench_table.c);
 *   chase     not GCBench: marking a randomly linked list, the cost per
 *             object of a marker that cannot prefetch (gcbench_chase.c);
 *   bintrees  not GCBench: the Benchmarks Game's binary-trees, its trees
 *             shared among the threads (gcbench_bintrees.c).
 *
 * Threads (an optional third argument, default 1): the iterations of
 * every depth are shared among that many worker threads (each builds and
 * drops its own trees; the long-lived tree and array are the main
 * thread's), so the work is the same whatever the count. On strata each
 * worker registers with the heap; Boehm's threads are its own
 * (GC_THREADS).
 *
 * Allocators (the first argument): strata (its GC heap, roots found by
 * scanning the stack, as Boehm does, gc_percent from STRATA_GC_PERCENT),
 * boehm (GC_MALLOC; GC_MARKERS in the environment sets its marker
 * threads), malloc (the C library's, freeing each tree explicitly).
 *
 * Prints one line of figures: wall time, the process's CPU time, peak RSS
 * (getrusage), collections, longest pause, total marking time, and the
 * collections' total wall time and CPU time (strata: its stats, the CPU of
 * the collecting thread and its marking helpers; Boehm: its collection
 * events, the process's CPU while the world is stopped, its marker threads
 * included). With no arguments (as `scripts/bench --layers` runs it) it
 * runs itself once per allocator and variant, each in a process of its own
 * so that peak RSS is each one's; gcbench_compare.py makes the table with
 * repetitions. */
#define _POSIX_C_SOURCE 200809L

/* Boehm's thread support: GC_start_mark_threads and GC_get_parallel. */
#define GC_THREADS
#include <gc/gc.h>
/* gc.h with GC_THREADS renames pthread_create and pthread_join to Boehm's
 * wrappers; strata's workers are plain threads, so Boehm's are called by
 * name below. */
#undef pthread_create
#undef pthread_join
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "frontend/gc/gcbench.h"
#include "frontend/gc/strata_gc.h"

enum { STRETCH_DEPTH = 18, LONG_LIVED_DEPTH = 16, ARRAY_SIZE = 500000, MIN_DEPTH = 4,
       MAX_DEPTH = 16, BUFFER_BYTES = 256 };

typedef struct node {
  struct node *left, *right;
  int i, j;
  unsigned char *buffer; /* the noscan and scanbuf variants only */
} node;

typedef enum { POINTERS, NOSCAN, SCANBUF, TABLE, CHASE, BINTREES, VARIANT_COUNT } variant_kind;

allocator_kind allocator;
static variant_kind variant;
strata_gc_heap *heap;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void out_of_memory(void) {
  fprintf(stderr, "gcbench: out of memory\n");
  exit(1);
}

void *new_scan(size_t size) {
  void *p = NULL;
  switch (allocator) {
    case STRATA: p = strata_gc_alloc(heap, size, STRATA_GC_SCAN); break;
    case BOEHM: p = GC_MALLOC(size); break;
    case MALLOC: p = calloc(1, size); break;
  }
  if (p == NULL) out_of_memory();
  return p;
}

void *new_noscan(size_t size) {
  void *p = NULL;
  switch (allocator) {
    case STRATA: p = strata_gc_alloc(heap, size, STRATA_GC_NOSCAN); break;
    case BOEHM: p = GC_MALLOC_ATOMIC(size); break;
    case MALLOC: p = malloc(size); break;
  }
  if (p == NULL) out_of_memory();
  return p;
}

static node *new_node(node *left, node *right) {
  node *n = new_scan(variant == POINTERS ? offsetof(node, buffer) : sizeof(node));
  n->left = left;
  n->right = right;
  if (variant != POINTERS) {
    n->buffer = variant == NOSCAN ? new_noscan(BUFFER_BYTES) : new_scan(BUFFER_BYTES);
    n->buffer[0] = (unsigned char)(uintptr_t)n;
  }
  return n;
}

static void drop(node *n) {
  if (allocator != MALLOC || n == NULL) return;
  drop(n->left);
  drop(n->right);
  if (variant != POINTERS) free(n->buffer);
  free(n);
}

static int tree_size(int depth) { return (1 << (depth + 1)) - 1; }

static int iterations(int depth) { return 2 * tree_size(STRETCH_DEPTH) / tree_size(depth); }

/* Top down: the children of an existing node. */
static void populate(int depth, node *n) {
  if (depth <= 0) return;
  depth--;
  n->left = new_node(NULL, NULL);
  n->right = new_node(NULL, NULL);
  populate(depth, n->left);
  populate(depth, n->right);
}

/* Bottom up. */
static node *make_tree(int depth) {
  if (depth <= 0) return new_node(NULL, NULL);
  node *left = make_tree(depth - 1);
  node *right = make_tree(depth - 1);
  return new_node(left, right);
}

static int depth_of(const node *n) {
  int d = 0;
  for (; n->left != NULL; n = n->left) d++;
  return d;
}

/* CPU time of the whole process: Boehm's marker threads included. */
static uint64_t process_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Boehm's collection events, timed: wall, and the CPU of every thread
 * while the world is stopped (the program has one mutator, stopped, so
 * that is the collector's: the collecting thread and its markers). */
static uint64_t boehm_start, boehm_cpu_start, boehm_mark_start, boehm_max_pause, boehm_mark_total;
static uint64_t boehm_pause_total, boehm_pause_cpu_total;

static void on_boehm_event(GC_EventType event) {
  uint64_t t = now_ns();
  switch (event) {
    case GC_EVENT_START:
      boehm_start = t;
      boehm_cpu_start = process_cpu_ns();
      break;
    case GC_EVENT_MARK_START: boehm_mark_start = t; break;
    case GC_EVENT_MARK_END: boehm_mark_total += t - boehm_mark_start; break;
    case GC_EVENT_END:
      if (t - boehm_start > boehm_max_pause) boehm_max_pause = t - boehm_start;
      boehm_pause_total += t - boehm_start;
      boehm_pause_cpu_total += process_cpu_ns() - boehm_cpu_start;
      break;
    default: break;
  }
}

/* The iterations of every depth, or this worker's share of them. */
static void churn(int worker, int workers) {
  for (int depth = MIN_DEPTH; depth <= MAX_DEPTH; depth += 2) {
    int n = iterations(depth);
    int share = n / workers + (worker < n % workers);
    for (int k = 0; k < share; k++) {
      node *t = new_node(NULL, NULL);
      populate(depth, t);
      drop(t);
    }
    for (int k = 0; k < share; k++) drop(make_tree(depth));
  }
}

int thread_count = 1;

typedef struct worker_arg {
  int worker;
  void (*work)(int worker, int workers);
} worker_arg;

static void *worker_main(void *arg) {
  worker_arg *w = arg;
  if (allocator == STRATA && strata_gc_register_thread(heap) != 0) out_of_memory();
  w->work(w->worker, thread_count);
  if (allocator == STRATA) strata_gc_unregister_thread(heap);
  return NULL;
}

void on_threads(void (*work)(int worker, int workers)) {
  if (thread_count == 1) {
    work(0, 1);
    return;
  }
  pthread_t threads[64];
  worker_arg args[64];
  for (int t = 0; t < thread_count; t++) {
    args[t].worker = t;
    args[t].work = work;
    int failed = allocator == BOEHM ? GC_pthread_create(&threads[t], NULL, worker_main, &args[t])
                                    : pthread_create(&threads[t], NULL, worker_main, &args[t]);
    if (failed != 0) out_of_memory();
  }
  for (int t = 0; t < thread_count; t++) {
    if (allocator == BOEHM) {
      GC_pthread_join(threads[t], NULL);
    } else {
      pthread_join(threads[t], NULL);
    }
  }
}

static int run(void) {
  if (variant == TABLE) return table_run();
  if (variant == CHASE) return chase_run();
  if (variant == BINTREES) return bintrees_run();
  node *stretch = make_tree(STRETCH_DEPTH);
  drop(stretch);
  stretch = NULL;

  node *long_lived = new_node(NULL, NULL);
  populate(LONG_LIVED_DEPTH, long_lived);
  double *array = new_noscan(ARRAY_SIZE * sizeof(double));
  for (int i = 0; i < ARRAY_SIZE / 2; i++) array[i] = 1.0 / (i + 1);

  on_threads(churn);
  /* What must have survived. */
  if (depth_of(long_lived) != LONG_LIVED_DEPTH || array[999] != 1.0 / 1000) {
    fprintf(stderr, "gcbench: the long-lived data did not survive\n");
    return 1;
  }
  if (variant != POINTERS && long_lived->left->buffer[0] != (unsigned char)(uintptr_t)long_lived->left) {
    fprintf(stderr, "gcbench: a buffer did not survive\n");
    return 1;
  }
  drop(long_lived);
  if (allocator == MALLOC) free(array);
  return 0;
}

/* In the order of the enums above. */
static const char *const allocator_names[] = {"strata", "boehm", "malloc"};
static const char *const variant_names[] = {"pointers", "noscan", "scanbuf",
                                            "table",    "chase",  "bintrees"};

/* The index of `name` among the `count` names, or -1. */
static int index_of(const char *name, const char *const names[], int count) {
  for (int i = 0; i < count; i++) {
    if (strcmp(name, names[i]) == 0) return i;
  }
  return -1;
}

/* Every allocator and variant, one child process each. */
static int run_all(const char *self) {
  int failures = 0;
  for (size_t v = 0; v < VARIANT_COUNT; v++) {
    for (size_t a = 0; a < 3; a++) {
      fflush(stdout);
      pid_t child = fork();
      if (child == 0) {
        execl("/proc/self/exe", self, allocator_names[a], variant_names[v], (char *)NULL);
        _exit(127);
      }
      int status = 0;
      if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
          WEXITSTATUS(status) != 0) {
        failures++;
      }
    }
  }
  return failures == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc == 1) return run_all(argv[0]);
  if (argc != 3 && argc != 4) {
    fprintf(stderr,
            "usage: gcbench [strata|boehm|malloc "
            "pointers|noscan|scanbuf|table|chase|bintrees [threads]]\n");
    return 2;
  }
  if (argc == 4) {
    thread_count = atoi(argv[3]);
    if (thread_count < 1 || thread_count > 64) {
      fprintf(stderr, "gcbench: threads from 1 to 64\n");
      return 2;
    }
  }
  int a = index_of(argv[1], allocator_names, 3), v = index_of(argv[2], variant_names, VARIANT_COUNT);
  if (a < 0 || v < 0) {
    fprintf(stderr, "gcbench: unknown %s %s\n", a < 0 ? "allocator" : "variant",
            a < 0 ? argv[1] : argv[2]);
    return 2;
  }
  allocator = (allocator_kind)a;
  variant = (variant_kind)v;
  if (allocator == STRATA) {
    strata_gc_options options = strata_gc_default_options();
    options.scan_stack = true;
    heap = strata_gc_create(&options);
    if (heap == NULL) out_of_memory();
  } else if (allocator == BOEHM) {
    GC_INIT();
    /* Boehm 8.2 starts its marker threads in a program of one thread only
     * when asked (GC_MARKERS counts them; the default is one per core):
     * without this call "Boehm with parallel marking" marked alone. The
     * figures say how many marked (markers=). */
    GC_start_mark_threads();
    GC_set_on_collection_event(on_boehm_event);
  }
  uint64_t start = now_ns();
  uint64_t cpu_start = process_cpu_ns();
  int status = run();
  uint64_t elapsed = now_ns() - start;
  uint64_t cpu = process_cpu_ns() - cpu_start;
  uint64_t collections = 0, max_pause = 0, mark = 0, pause = 0, pause_cpu = 0;
  double heap_peak_mib = 0, metadata_mib = 0;
  if (allocator == STRATA) {
    strata_gc_stats stats;
    strata_gc_get_stats(heap, &stats);
    collections = stats.collections;
    max_pause = stats.max_pause_ns;
    mark = stats.total_mark_ns;
    pause = stats.total_pause_ns;
    pause_cpu = stats.total_pause_cpu_ns;
    heap_peak_mib = stats.peak_committed_bytes / 1048576.0;
    metadata_mib = stats.metadata_bytes / 1048576.0;
  } else if (allocator == BOEHM) {
    collections = GC_get_gc_no();
    max_pause = boehm_max_pause;
    mark = boehm_mark_total;
    pause = boehm_pause_total;
    pause_cpu = boehm_pause_cpu_total;
  }
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  printf("allocator=%s variant=%s threads=%d time_s=%.3f cpu_s=%.3f peak_rss_mib=%.1f "
         "collections=%llu max_pause_ms=%.2f mark_ms=%.1f pause_ms=%.1f pause_cpu_ms=%.1f",
         argv[1], argv[2], thread_count, elapsed / 1e9, cpu / 1e9, usage.ru_maxrss / 1024.0,
         (unsigned long long)collections, max_pause / 1e6, mark / 1e6, pause / 1e6,
         pause_cpu / 1e6);
  if (allocator == STRATA) {
    strata_gc_stats stats;
    strata_gc_get_stats(heap, &stats);
    printf(" heap_peak_mib=%.1f metadata_mib=%.1f markers=%llu", heap_peak_mib, metadata_mib,
           (unsigned long long)stats.last_markers);
  }
  if (allocator == BOEHM) printf(" markers=%d", GC_get_parallel() + 1);
  printf("\n");
  if (allocator == STRATA) strata_gc_destroy(heap);
  return status;
}
