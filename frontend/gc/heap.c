/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The GC heap's life: options, creation on a backend, destruction, and the
 * questions a program asks of it (stats, an object's base and size). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/zero.h"
#include "frontend/gc/gc_internal.h"

#define DEFAULT_MIN_HEAP_BYTES ((size_t)4 << 20)
#define DEFAULT_MARK_STACK_ENTRIES 16384
#define DEFAULT_ROOTS 64
/* The reuse floor halves every 4 seconds: long beside the collections that
 * reuse a peak's memory (GCBench's noscan and scanbuf variants, 1.3 s long,
 * collect 30 times with it where a 1 s half-life made 33 and 38), short
 * beside a server's life (a 64 MiB peak over 2 MiB live is back to the
 * live goal well within 200 s: gc_pacer_test). */
#define REUSE_HALF_LIFE_NS 4000000000ull

uint64_t strata_gc_thread_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t strata_gc_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A misread environment setting, on stderr (no stdio: the heap may be
 * made before the program's own streams are set up). */
static void report_setting(const char *message) {
  ssize_t written = write(2, message, strlen(message));
  (void)written;
}

/* Whether `text` is a whole decimal number from lo to hi; it in *value. */
static bool decimal_in(const char *text, long lo, long hi, long *value) {
  char *end = NULL;
  errno = 0;
  *value = strtol(text, &end, 10);
  return errno == 0 && end != text && *end == '\0' && *value >= lo && *value <= hi;
}

/* STRATA_GC_PERCENT: a decimal number, or "off". */
static int percent_from_environment(void) {
  const char *text = getenv("STRATA_GC_PERCENT");
  if (text == NULL || *text == '\0') return 100;
  if (strcmp(text, "off") == 0) return STRATA_GC_OFF;
  long value = 0;
  if (!decimal_in(text, 0, 1000000, &value)) {
    report_setting(
        "strata: STRATA_GC_PERCENT is not a number from 0 to 1000000 or \"off\"; using 100\n");
    return 100;
  }
  return (int)value;
}

/* STRATA_GC_MEMORY_LIMIT: bytes, a decimal number with an optional K, M
 * or G (powers of 1024); unset or "off": no limit. */
static size_t memory_limit_from_environment(void) {
  const char *text = getenv("STRATA_GC_MEMORY_LIMIT");
  if (text == NULL || *text == '\0' || strcmp(text, "off") == 0) return 0;
  char *end = NULL;
  errno = 0;
  unsigned long long value = strtoull(text, &end, 10);
  unsigned shift = 0;
  if (*end == 'K') shift = 10;
  if (*end == 'M') shift = 20;
  if (*end == 'G') shift = 30;
  if (shift != 0) end++;
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || value == 0 ||
      value > (SIZE_MAX >> shift)) {
    report_setting(
        "strata: STRATA_GC_MEMORY_LIMIT is not a positive number of bytes (K, M or G after it) "
        "or \"off\"; no limit\n");
    return 0;
  }
  return (size_t)value << shift;
}

/* STRATA_GC_MARKERS: 1 to 8; unset: one per online CPU, at most 8. */
static unsigned markers_from_environment(void) {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  unsigned automatic = cpus < 1 ? 1 : cpus > STRATA_GC_MAX_MARKERS ? STRATA_GC_MAX_MARKERS
                                                                   : (unsigned)cpus;
  const char *text = getenv("STRATA_GC_MARKERS");
  if (text == NULL || *text == '\0') return automatic;
  long value = 0;
  if (!decimal_in(text, 1, STRATA_GC_MAX_MARKERS, &value)) {
    report_setting(
        "strata: STRATA_GC_MARKERS is not a number from 1 to 8; one marker per CPU\n");
    return automatic;
  }
  return (unsigned)value;
}

strata_gc_options strata_gc_default_options(void) {
  strata_gc_options options;
  memset(&options, 0, sizeof options);
  options.gc_percent = percent_from_environment();
  options.min_heap_bytes = DEFAULT_MIN_HEAP_BYTES;
  options.memory_limit_bytes = memory_limit_from_environment();
  options.mark_stack_entries = DEFAULT_MARK_STACK_ENTRIES;
  options.mark_threads = markers_from_environment();
  return options;
}

/* The goal from the live size alone (and min_heap_bytes). */
static size_t live_goal(const strata_gc_heap *heap) {
  /* live * (1 + percent/100), computed without overflow. */
  size_t live = heap->live_bytes;
  size_t growth = live / 100 * (size_t)heap->gc_percent +
                  live % 100 * (size_t)heap->gc_percent / 100;
  size_t goal = live + growth < live ? SIZE_MAX : live + growth;
  return goal < heap->min_heap_bytes ? heap->min_heap_bytes : goal;
}

/* What is left of `bytes` after `elapsed` of halving every
 * REUSE_HALF_LIFE_NS: whole halvings by shifts, the part of one between
 * them on the straight line (within 6 % of the curve). */
static size_t decay(size_t bytes, uint64_t elapsed) {
  uint64_t halvings = elapsed / REUSE_HALF_LIFE_NS;
  if (halvings >= 64) return 0;
  bytes >>= halvings;
  uint64_t part = elapsed % REUSE_HALF_LIFE_NS;
  return bytes - (size_t)((unsigned __int128)bytes * part / (2 * REUSE_HALF_LIFE_NS));
}

void strata_gc_update_reuse_floor(strata_gc_heap *heap) {
  uint64_t now = heap->clock();
  size_t candidate = heap->held_bytes / 8 * 7;
  size_t decayed = decay(heap->reuse_floor, now - heap->reuse_floor_at);
  /* A floor that set the last goal lets the heap grow as it fills it
   * (partly used spans need more pages than their objects' bytes):
   * that growth must not raise the next floor, or the floor ratchets up
   * collection by collection. It only decays. A goal the live size set
   * was what the program needed: what the heap holds after it is the new
   * reference. */
  heap->reuse_floor = heap->floor_set_goal && decayed < candidate ? decayed : candidate;
  heap->reuse_floor_at = now;
}

/* heap->world held (or the heap not yet shared). */
void strata_gc_set_budget(strata_gc_heap *heap) {
  if (heap->gc_percent == STRATA_GC_OFF) {
    strata_atomic_store(&heap->budget, STRATA_GC_NO_BUDGET, STRATA_ORDER_RELAXED);
    heap->stats.next_collection_bytes = SIZE_MAX;
    return;
  }
  size_t live = heap->live_bytes;
  size_t goal = live_goal(heap);
  heap->floor_set_goal = heap->reuse_floor > goal;
  /* Memory the page heap already holds (the reuse floor, set after each
   * collection by strata_gc_update_reuse_floor) costs no more resident
   * memory when it is used again. */
  if (goal < heap->reuse_floor) goal = heap->reuse_floor;
  if (heap->memory_limit_bytes != 0) {
    /* The limit caps the goal, so the heap collects harder as it nears it;
     * past it (more is live than the limit), a collection every sixteenth
     * of the live size more, as collecting more often cannot help. */
    size_t floor = live + live / 16;
    size_t cap = heap->memory_limit_bytes > floor ? heap->memory_limit_bytes : floor;
    if (goal > cap) goal = cap;
  }
  size_t used = live + (size_t)(strata_gc_allocated_total(heap) - heap->allocated_at_collection);
  size_t left = goal > used ? goal - used : 0;
  strata_atomic_store(&heap->budget,
                      left > (size_t)STRATA_GC_NO_BUDGET ? STRATA_GC_NO_BUDGET : (int64_t)left,
                      STRATA_ORDER_RELAXED);
  heap->stats.next_collection_bytes = goal;
}

strata_gc_heap *strata_gc_create(const strata_gc_options *options) {
  strata_gc_options chosen = options != NULL ? *options : strata_gc_default_options();
  int stop_signal = chosen.stop_signal != 0 ? chosen.stop_signal : SIGPWR;
  if (chosen.gc_percent < STRATA_GC_OFF || chosen.mark_stack_entries == 0 || stop_signal < 1 ||
      stop_signal >= 64 || stop_signal > SIGRTMAX || stop_signal == SIGKILL ||
      stop_signal == SIGSTOP || chosen.mark_threads > STRATA_GC_MAX_MARKERS ||
      chosen.mark_stack_entries > SIZE_MAX / 2 / sizeof(strata_gc_mark_entry)) {
    errno = EINVAL;
    return NULL;
  }
  strata_mmap_backend mmap_backend;
  strata_backend *backend = chosen.backend;
  if (backend == NULL) {
    strata_mmap_backend_init(&mmap_backend);
    backend = &mmap_backend.base;
  }
  size_t bytes = strata_backend_round_up(backend, sizeof(strata_gc_heap));
  void *memory = NULL;
  if (bytes == 0 ||
      strata_backend_reserve_committed(backend, bytes, backend->page_size, &memory) != STRATA_OK) {
    errno = ENOMEM;
    return NULL;
  }
  strata_gc_heap *heap = memory;
  /* Fresh OS memory reads as zero and stays unresident until written; a
   * caller's buffer may hold old bytes. */
  if (backend->reserve_zeroes) {
    strata_zero_untouched(heap, sizeof *heap);
  } else {
    memset(heap, 0, sizeof *heap);
  }
  if (chosen.backend == NULL) {
    heap->own_backend = mmap_backend;
    backend = &heap->own_backend.base;
  }
  heap->backend = backend;
  heap->self_bytes = bytes;
  strata_pageheap_config config = strata_pageheap_default_config();
  config.arena_size = chosen.arena_bytes;
  config.clock = chosen.clock;
  /* heap reads as zero by now (cleared above): its parts are not read. */
  if (strata_pageheap_init_zeroed(&heap->pages, backend, &config) != STRATA_OK) {
    strata_status_ignore(strata_backend_release(backend, heap, bytes)); /* nothing in it yet */
    errno = EINVAL;
    return NULL;
  }
  strata_central_init_zeroed(&heap->central, &heap->pages);
  strata_lock_init(&heap->world, STRATA_LOCK_RANK_GC_WORLD);
  strata_lock_init(&heap->bookkeeping, STRATA_LOCK_RANK_GC_BOOKKEEPING);
  /* Nonzero: a thread's first answered request is 0. */
  strata_atomic_store(&heap->world_epoch, 1, STRATA_ORDER_RELAXED);
  heap->stop_signal = stop_signal;
  heap->fork_generation = strata_gc_fork_generation();
  strata_persistent_init(&heap->meta, backend);
  strata_fixalloc_init(&heap->thread_records, &heap->meta, sizeof(strata_gc_thread));
  for (unsigned m = 0; m < STRATA_GC_MARK_SIZES; m++) {
    strata_fixalloc_init(&heap->mark_records[m], &heap->meta,
                         strata_gc_mark_words(m) * sizeof(uint64_t));
  }
  strata_gc_finalize_init(heap);
  if (!strata_gc_markers_init(heap, chosen.mark_threads, chosen.mark_stack_entries)) {
    strata_gc_destroy(heap);
    errno = ENOMEM;
    return NULL;
  }
  strata_atomic_store(&heap->lo, UINTPTR_MAX, STRATA_ORDER_RELAXED);
  strata_atomic_store(&heap->hi, 0, STRATA_ORDER_RELAXED);
  heap->gc_percent = chosen.gc_percent;
  heap->min_heap_bytes = chosen.min_heap_bytes;
  heap->memory_limit_bytes = chosen.memory_limit_bytes;
  heap->scan_stack = chosen.scan_stack;
  heap->clock = chosen.clock != NULL ? chosen.clock : strata_gc_now_ns;
  strata_gc_set_budget(heap);
  int status = strata_gc_register_thread(heap);
  if (status != 0) {
    strata_gc_destroy(heap);
    errno = status;
    return NULL;
  }
  return heap;
}

void strata_gc_destroy(strata_gc_heap *heap) {
  if (heap == NULL) return;
  strata_backend *backend = heap->backend;
  strata_mmap_backend own = heap->own_backend;
  if (backend == &heap->own_backend.base) backend = &own.base;
  size_t bytes = heap->self_bytes;
  strata_gc_threads_release(heap);
  strata_gc_markers_stop(heap);
  /* Nothing can be done about a backend that refuses to take memory back
   * at the end of the heap's life: the rest still goes. */
  strata_central_destroy(&heap->central);
  strata_status_ignore(strata_pageheap_destroy(&heap->pages));
  strata_status_ignore(strata_persistent_release_all(&heap->meta));
  strata_status_ignore(strata_backend_release(backend, heap, bytes));
}

int strata_gc_set_percent(strata_gc_heap *heap, int gc_percent) {
  if (gc_percent < STRATA_GC_OFF) return EINVAL;
  strata_lock_acquire(&heap->world);
  heap->gc_percent = gc_percent;
  strata_gc_set_budget(heap);
  strata_lock_release(&heap->world);
  return 0;
}

void strata_gc_collect(strata_gc_heap *heap) {
  strata_gc_collect_as(heap, strata_gc_thread_lookup(heap), true, 0);
  /* Outside the collection: a finalizer may use the heap. */
  strata_gc_run_finalizers(heap);
}


/* The allocated object holding p: its start and size; false for any
 * other address. */
static bool object_of(strata_gc_heap *heap, const void *p, uintptr_t *start, size_t *size) {
  uint32_t index = 0;
  strata_span *span = strata_gc_object_span(heap, (uintptr_t)p, &index);
  if (span == NULL) return false;
  *start = span->base + (uintptr_t)index * span->object_size;
  *size = span->object_size;
  return true;
}

void *strata_gc_base(strata_gc_heap *heap, const void *p) {
  uintptr_t start = 0;
  size_t size = 0;
  if (!object_of(heap, p, &start, &size)) return NULL;
  return (void *)start;
}

size_t strata_gc_size(strata_gc_heap *heap, const void *p) {
  uintptr_t start = 0;
  size_t size = 0;
  if (!object_of(heap, p, &start, &size) || start != (uintptr_t)p) return 0;
  return size;
}

void strata_gc_get_stats(strata_gc_heap *heap, strata_gc_stats *out) {
  /* The world keeps collections and thread lists still; the finalizer
   * counters change under the bookkeeping lock. */
  strata_lock_acquire(&heap->world);
  strata_gc_lock_bookkeeping(heap);
  *out = heap->stats;
  strata_gc_unlock_bookkeeping(heap);
  out->collections = strata_atomic_load(&heap->collections_done, STRATA_ORDER_RELAXED);
  uint64_t allocated = strata_gc_allocated_total(heap);
  out->allocated_bytes = allocated;
  out->live_bytes = heap->live_bytes;
  out->heap_bytes = heap->live_bytes + (size_t)(allocated - heap->allocated_at_collection);
  strata_lock_release(&heap->world);
  strata_pageheap_stats pages;
  strata_pageheap_get_stats(&heap->pages, &pages);
  out->committed_bytes = pages.committed_bytes;
  out->peak_committed_bytes = pages.peak_committed_bytes;
  out->metadata_bytes = pages.metadata_bytes + heap->meta.mapped_bytes + heap->self_bytes;
}

static void report_to_stderr(void *context, const char *invariant) {
  (void)context;
  static const char prefix[] = "strata: GC heap check failed: ";
  ssize_t written = write(2, prefix, sizeof prefix - 1);
  written = write(2, invariant, strlen(invariant));
  written = write(2, "\n", 1);
  (void)written;
}

int strata_gc_check(strata_gc_heap *heap) {
  strata_check_reporter why = {report_to_stderr, NULL};
  if (strata_central_check(&heap->central, &why) != STRATA_OK) return EFAULT;
  if (strata_pageheap_check(&heap->pages, &why) != STRATA_OK) return EFAULT;
  return 0;
}
