/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Fuzz target: a GC heap on a static buffer driven by alloc / link /
 * unlink / set-root / drop-root / collect against a model of which objects
 * the roots reach. After each collection: every reachable object intact
 * (id, pattern, links, interior ones included), every unreachable one gone
 * or replaced by an object allocated since, and strata_gc_check clean.
 * The pacer runs too (gc_percent from the input), with a mark stack of 8
 * entries so overflow rescans happen.
 *
 * Two mutators, when the input's first byte says so: a second thread,
 * registered with the heap, takes the allocations and collections the
 * input gives it, one at a time in the input's order (the main thread
 * waits for each), so a run is as repeatable as with one; while it waits
 * for work it is blocked in the C library, and the main thread's
 * collections stop it there. Its stack and the main thread's are then
 * scanned (a shared heap scans stacks), which may keep garbage a stale
 * word points at: in that mode only the reachable objects are checked. */
#include <pthread.h>
#include <string.h>

#include "arena/backends.h"
#include "frontend/gc/strata_gc.h"
#include "tools/fuzzkit/fuzz_input.h"

#define BUFFER (16u << 20)
#define OBJECTS 256
#define ROOTS 8
#define SLOTS 4

static unsigned char buffer[BUFFER] __attribute__((aligned(4096)));

typedef struct header {
  uint64_t id;
  uintptr_t child[SLOTS]; /* scan: links (maybe interior); noscan: decoys */
} header;

typedef struct object {
  uintptr_t address;
  size_t size;
  uint64_t id;
  int noscan;
  int child[SLOTS]; /* model index, -1 for none */
  size_t offset[SLOTS];
} object;

static object objects[OBJECTS];
static size_t count;
static int roots_model[ROOTS];
static uintptr_t roots[ROOTS];
static uintptr_t garbage[4 * OBJECTS];
static size_t garbage_count;

static unsigned char pattern(uint64_t id, size_t i) { return (unsigned char)(id * 31 + i); }

/* The second mutator: runs one job at a time for the main thread. */
typedef enum { JOB_NONE, JOB_REGISTER, JOB_ALLOC, JOB_COLLECT, JOB_UNREGISTER } job_kind;

static struct {
  pthread_mutex_t lock;
  pthread_cond_t changed;
  job_kind job; /* JOB_NONE: done, result ready */
  strata_gc_heap *heap;
  size_t bytes;
  unsigned flags;
  void *result;
  int status;
} worker = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, JOB_NONE, NULL, 0, 0, NULL, 0};

static void *worker_main(void *unused) {
  (void)unused;
  pthread_mutex_lock(&worker.lock);
  for (;;) {
    while (worker.job == JOB_NONE) pthread_cond_wait(&worker.changed, &worker.lock);
    switch (worker.job) {
      case JOB_REGISTER: worker.status = strata_gc_register_thread(worker.heap); break;
      case JOB_ALLOC: worker.result = strata_gc_alloc(worker.heap, worker.bytes, worker.flags); break;
      case JOB_COLLECT: strata_gc_collect(worker.heap); break;
      case JOB_UNREGISTER: worker.status = strata_gc_unregister_thread(worker.heap); break;
      case JOB_NONE: break;
    }
    worker.job = JOB_NONE;
    pthread_cond_broadcast(&worker.changed);
  }
  return NULL;
}

/* Runs a job on the second mutator and waits for it. */
static void on_worker(job_kind job, strata_gc_heap *heap, size_t bytes, unsigned flags) {
  static pthread_t thread;
  static int started;
  if (!started) {
    FUZZ_ASSERT(pthread_create(&thread, NULL, worker_main, NULL) == 0);
    started = 1;
  }
  pthread_mutex_lock(&worker.lock);
  worker.job = job;
  worker.heap = heap;
  worker.bytes = bytes;
  worker.flags = flags;
  pthread_cond_broadcast(&worker.changed);
  while (worker.job != JOB_NONE) pthread_cond_wait(&worker.changed, &worker.lock);
  pthread_mutex_unlock(&worker.lock);
}

static int two_mutators;

static void verify(const object *o) {
  const header *h = (const header *)o->address;
  FUZZ_ASSERT(h->id == o->id);
  const unsigned char *bytes = (const unsigned char *)o->address;
  for (size_t i = sizeof(header); i < o->size; i += 61) FUZZ_ASSERT(bytes[i] == pattern(o->id, i));
  if (o->noscan) return;
  for (int s = 0; s < SLOTS; s++) {
    int c = o->child[s];
    FUZZ_ASSERT(h->child[s] == (c < 0 ? 0 : objects[c].address + o->offset[s]));
  }
}

/* Drops from the model what the roots no longer reach. */
static void prune(void) {
  unsigned char reached[OBJECTS] = {0};
  int work[OBJECTS], top = 0;
  for (int r = 0; r < ROOTS; r++) {
    int i = roots_model[r];
    if (i >= 0 && !reached[i]) reached[i] = 1, work[top++] = i;
  }
  while (top > 0) {
    const object *o = &objects[work[--top]];
    if (o->noscan) continue;
    for (int s = 0; s < SLOTS; s++) {
      int c = o->child[s];
      if (c >= 0 && !reached[c]) reached[c] = 1, work[top++] = c;
    }
  }
  /* Compact, renumbering links and roots. */
  int renumber[OBJECTS];
  size_t kept = 0;
  for (size_t i = 0; i < count; i++) {
    if (reached[i]) {
      renumber[i] = (int)kept;
      objects[kept++] = objects[i];
    } else {
      renumber[i] = -1;
      if (garbage_count < sizeof garbage / sizeof garbage[0]) garbage[garbage_count++] = objects[i].address;
    }
  }
  count = kept;
  for (size_t i = 0; i < count; i++) {
    for (int s = 0; s < SLOTS; s++) {
      if (objects[i].child[s] >= 0) objects[i].child[s] = renumber[objects[i].child[s]];
    }
  }
  for (int r = 0; r < ROOTS; r++) {
    if (roots_model[r] >= 0) roots_model[r] = renumber[roots_model[r]];
  }
}

static void collect_and_check(strata_gc_heap *heap, int by_worker) {
  if (by_worker) {
    on_worker(JOB_COLLECT, heap, 0, 0);
  } else {
    strata_gc_collect(heap);
  }
  for (size_t i = 0; i < count; i++) {
    FUZZ_ASSERT(strata_gc_base(heap, (void *)(objects[i].address + objects[i].size - 1)) ==
                (void *)objects[i].address);
    verify(&objects[i]);
  }
  for (size_t g = 0; g < garbage_count && !two_mutators; g++) {
    void *base = strata_gc_base(heap, (void *)garbage[g]);
    if (base == NULL) continue;
    int taken = 0; /* by an object allocated since */
    for (size_t i = 0; i < count && !taken; i++) taken = objects[i].address == (uintptr_t)base;
    FUZZ_ASSERT(taken);
  }
  garbage_count = 0;
  FUZZ_ASSERT(strata_gc_check(heap) == 0);
}

static void set_link(int parent, int slot, int child, size_t offset) {
  object *p = &objects[parent];
  p->child[slot] = child;
  p->offset[slot] = child < 0 ? 0 : offset % objects[child].size;
  ((header *)p->address)->child[slot] = child < 0 ? 0 : objects[child].address + p->offset[slot];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_input in = {data, size, 0};
  static strata_static_backend backend;
  FUZZ_ASSERT(strata_static_backend_init(&backend, buffer, sizeof buffer, 4096) == STRATA_OK);
  strata_gc_options options = strata_gc_default_options();
  options.backend = &backend.base;
  options.arena_bytes = 1u << 20;
  options.mark_stack_entries = 8;
  options.min_heap_bytes = 256u << 10;
  uint8_t percent = fuzz_u8(&in);
  options.gc_percent = percent >= 200 ? STRATA_GC_OFF : percent;
  two_mutators = fuzz_u8(&in) & 1;
  options.scan_stack = two_mutators;
  strata_gc_heap *heap = strata_gc_create(&options);
  FUZZ_ASSERT(heap != NULL);
  if (two_mutators) {
    on_worker(JOB_REGISTER, heap, 0, 0);
    FUZZ_ASSERT(worker.status == 0);
  }
  count = garbage_count = 0;
  memset(roots, 0, sizeof roots);
  for (int r = 0; r < ROOTS; r++) roots_model[r] = -1;
  FUZZ_ASSERT(strata_gc_add_roots(heap, roots, roots + ROOTS) == 0);
  uint64_t next_id = 1;
  while (fuzz_more(&in)) {
    uint8_t op = fuzz_u8(&in) % 8;
    int r = fuzz_u8(&in) % ROOTS;
    if (op <= 2 && count < OBJECTS) { /* allocate, rooted or linked */
      uint8_t shape = fuzz_u8(&in);
      int noscan = shape & 1;
      size_t bytes = sizeof(header) + (shape & 2 ? (size_t)fuzz_u16(&in) : fuzz_u8(&in));
      unsigned flags = noscan ? STRATA_GC_NOSCAN : STRATA_GC_SCAN;
      void *p = NULL;
      if (two_mutators && (shape & 8)) {
        on_worker(JOB_ALLOC, heap, bytes, flags);
        p = worker.result;
      } else {
        p = strata_gc_alloc(heap, bytes, flags);
      }
      if (p == NULL) continue; /* the buffer is full of live objects */
      object *o = &objects[count];
      o->address = (uintptr_t)p;
      o->size = bytes;
      o->id = next_id++;
      o->noscan = noscan;
      header *h = p;
      h->id = o->id;
      for (int s = 0; s < SLOTS; s++) {
        if (!noscan) FUZZ_ASSERT(h->child[s] == 0); /* scan memory is zeroed */
        o->child[s] = -1;
        o->offset[s] = 0;
        h->child[s] = noscan && count > 0 ? objects[0].address : 0; /* a decoy */
      }
      for (size_t i = sizeof(header); i < bytes; i += 61) ((unsigned char *)p)[i] = pattern(o->id, i);
      int parent = roots_model[r];
      size_t index = count++;
      if (parent >= 0 && !objects[parent].noscan && (shape & 4)) {
        set_link(parent, fuzz_u8(&in) % SLOTS, (int)index, fuzz_u16(&in));
      } else {
        roots_model[r] = (int)index;
        roots[r] = o->address;
      }
    } else if (op == 3 && count > 0) { /* link two reachable objects */
      int parent = (int)(fuzz_u8(&in) % count), child = (int)(fuzz_u8(&in) % count);
      if (!objects[parent].noscan) set_link(parent, fuzz_u8(&in) % SLOTS, child, fuzz_u16(&in));
    } else if (op == 4 && count > 0) { /* unlink */
      int parent = (int)(fuzz_u8(&in) % count);
      if (!objects[parent].noscan) set_link(parent, fuzz_u8(&in) % SLOTS, -1, 0);
    } else if (op == 5) { /* drop a root */
      roots_model[r] = -1;
      roots[r] = 0;
    } else if (op == 6 && count > 0) { /* root a reachable object, maybe inside it */
      int i = (int)(fuzz_u8(&in) % count);
      roots_model[r] = i;
      roots[r] = objects[i].address + fuzz_u16(&in) % objects[i].size;
    } else if (op == 7) {
      collect_and_check(heap, two_mutators && (r & 1));
    }
    prune();
  }
  collect_and_check(heap, 0);
  for (int r = 0; r < ROOTS; r++) roots_model[r] = -1, roots[r] = 0;
  prune();
  collect_and_check(heap, 0);
  strata_gc_stats stats;
  strata_gc_get_stats(heap, &stats);
  /* Stale words on the scanned stacks may keep some. */
  FUZZ_ASSERT(two_mutators || stats.live_bytes == 0);
  if (two_mutators) {
    on_worker(JOB_UNREGISTER, heap, 0, 0);
    FUZZ_ASSERT(worker.status == 0);
  }
  strata_gc_destroy(heap);
  FUZZ_ASSERT(strata_static_backend_free_bytes(&backend) == backend.end - backend.start);
  return 0;
}
