/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Stats, release and the heap check of the malloc frontend, and the stats
 * printed at exit (STRATA_SHOW_STATS). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/format.h"
#include "base/version.h"
#include "frontend/malloc/malloc_internal.h"

void strata_malloc_get_stats(strata_malloc_stats *out) {
  strata_malloc_ensure_init();
  strata_malloc_global *g = &strata_malloc_state;
  strata_pageheap_stats heap;
  strata_pageheap_get_stats(&g->heap, &heap);
  memset(out, 0, sizeof *out);
  out->mapped_bytes = heap.mapped_bytes;
  out->committed_bytes = heap.committed_bytes;
  out->in_use_bytes = heap.in_use_bytes;
  out->released_bytes = heap.released_bytes;
  out->peak_committed_bytes = heap.peak_committed_bytes;
  out->metadata_bytes = heap.metadata_bytes;
  out->thread_cache_capacity_bytes =
      strata_atomic_load(&g->cache_capacity_bytes, STRATA_ORDER_RELAXED);
  strata_lock_acquire(&g->threads_lock);
  out->threads = g->thread_count;
  out->metadata_bytes += g->cache_memory.mapped_bytes; /* the thread caches */
  strata_lock_release(&g->threads_lock);
  out->errors = strata_atomic_load(&g->errors, STRATA_ORDER_RELAXED);
  if (g->config.fault_injection) {
    out->backend_acquires = strata_fault_backend_acquire_calls(&g->fault_backend);
  }
  const strata_malloc_sampling *sampling = strata_malloc_sampling_of();
  if (sampling != NULL) sampling->get_stats(out);
}

/* Formats into a stack buffer and writes it: printing must not allocate.
 * glibc's vsnprintf does not for these formats (no_alloc_test counts the C
 * library's allocations while the stats print: none). */
void strata_stats_line(int fd, const char *format, ...) {
  char buf[256];
  va_list args;
  va_start(args, format);
  int n = vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  if (n < 0) return;
  if ((size_t)n >= sizeof buf) n = sizeof buf - 1;
  ssize_t written = write(fd, buf, (size_t)n);
  (void)written;
}

void strata_malloc_stats_print(void) { strata_stats_print_to(STDERR_FILENO); }

void strata_stats_print(void) { strata_stats_print_to(STDERR_FILENO); }

void strata_stats_print_to(int fd) {
  strata_malloc_stats s;
  strata_malloc_get_stats(&s);
  const double mib = 1024.0 * 1024.0;
  strata_stats_line(fd,
                    "strata: heap: %.1f MiB mapped, %.1f MiB committed (peak %.1f), %.1f MiB in "
                    "spans and large objects, %.1f MiB released, %.1f MiB metadata\n",
                    s.mapped_bytes / mib, s.committed_bytes / mib, s.peak_committed_bytes / mib,
                    s.in_use_bytes / mib, s.released_bytes / mib, s.metadata_bytes / mib);
  strata_malloc_global *g = &strata_malloc_state;
  const char *commit = "";
  if (!g->config.hugepages) {
    commit = g->mmap_backend.commit_mode == STRATA_COMMIT_EAGER ? ", eager commit (mprotect)"
                                                                : ", lazy commit (first touch)";
  }
  strata_stats_line(fd, "strata: backend %s%s; version %s\n", g->backend->name, commit,
                    strata_version());
  strata_stats_line(fd, "strata: %zu thread caches, capacity %.1f MiB; %llu misuse reports\n",
                    s.threads, s.thread_cache_capacity_bytes / mib, (unsigned long long)s.errors);
  const strata_malloc_sampling *sampling = strata_malloc_sampling_of();
  if (sampling != NULL) sampling->print_stats(fd);
  strata_stats_line(fd, "strata: %6s %8s %8s %12s %10s\n", "class", "size", "spans",
                    "objects out", "transfer");
  strata_central *central = &strata_malloc_state.central;
  for (unsigned c = 1; c < STRATA_SIZE_CLASS_COUNT; c++) {
    strata_central_class_stats cs;
    strata_central_class_get_stats(central, strata_span_class_make(c, STRATA_MALLOC_KIND), &cs);
    if (cs.spans == 0 && cs.objects_out == 0) continue;
    strata_stats_line(fd, "strata: %6u %8zu %8zu %12zu %10zu\n", c,
                      strata_size_class_object_size(c), cs.spans, cs.objects_out,
                      cs.transfer_cached);
  }
}

size_t strata_malloc_release(void) {
  strata_malloc_ensure_init();
  strata_malloc_global *g = &strata_malloc_state;
  /* Free memory sits in this thread's cache and the transfer caches too:
   * hand it back to its spans so that empty spans reach the page heap. A
   * double free still hidden in a cache is found here. */
  strata_tcache *cache = strata_thread_cache;
  if (cache->state == STRATA_TCACHE_ACTIVE) strata_tcache_release_all(cache);
  void *bad = NULL;
  strata_status status = strata_central_drain(&g->central, &bad);
  if (status != STRATA_OK) strata_report_status("free", status, bad);
  return strata_pageheap_release(&g->heap);
}

strata_pageheap *strata_malloc_page_heap(void) {
  strata_malloc_ensure_init();
  return &strata_malloc_state.heap;
}

/* Says which invariant the check found broken, without allocating. */
static void report_broken(void *arg, const char *invariant) {
  (void)arg;
  static const char prefix[] = "strata: heap check failed: ";
  char line[256];
  size_t n = strlen(invariant);
  if (n > sizeof line - sizeof prefix - 1) n = sizeof line - sizeof prefix - 1;
  memcpy(line, prefix, sizeof prefix - 1);
  memcpy(line + sizeof prefix - 1, invariant, n);
  line[sizeof prefix - 1 + n] = '\n';
  ssize_t written = write(STDERR_FILENO, line, sizeof prefix + n);
  (void)written; /* nowhere else to say it; the status still tells */
}

strata_status strata_malloc_check(void) {
  strata_malloc_ensure_init();
  const strata_check_reporter why = {report_broken, NULL};
  strata_status status = strata_tcache_check(strata_thread_cache, &why);
  if (status != STRATA_OK) return status;
  status = strata_central_check(&strata_malloc_state.central, &why);
  if (status != STRATA_OK) return status;
  return strata_pageheap_check(&strata_malloc_state.heap, &why);
}

#define STRATA_STATS_FILE_MESSAGE_MAX 512

/* STRATA_SHOW_STATS=1 or STRATA_STATS_FILE: the stats at exit, on stderr
 * or appended to the file (for programs that close stderr before they
 * exit), whose name's %p is the process id (a file per process of a run
 * whose children inherit the setting). */
__attribute__((destructor)) static void print_stats_at_exit(void) {
  strata_malloc_config *c = &strata_malloc_state.config;
  if (!strata_atomic_load(&strata_malloc_state.initialized, STRATA_ORDER_ACQUIRE) ||
      !c->show_stats) {
    return;
  }
  int fd = STDERR_FILENO;
  if (c->stats_file != NULL) {
    char path[4096];
    bool named = strata_format_pid_pattern(path, sizeof path, c->stats_file, (uint64_t)getpid());
    fd = named ? open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : -1;
    if (fd < 0) {
      /* Said, not swallowed: the stats go to stderr, after why. */
      char line[STRATA_STATS_FILE_MESSAGE_MAX];
      int n = snprintf(line, sizeof line,
                       "strata: STRATA_STATS_FILE: cannot open %s (%s); the stats follow here\n",
                       named ? path : c->stats_file, named ? strerror(errno) : "name too long");
      if (n > (int)sizeof line - 1) n = (int)sizeof line - 1;
      ssize_t written = write(STDERR_FILENO, line, (size_t)n);
      (void)written;
      fd = STDERR_FILENO;
    }
  }
  strata_stats_print_to(fd);
  if (fd != STDERR_FILENO) close(fd);
}

/* The heap profile's API: the sampling layer's, in the variants that have
 * it; elsewhere the program did not start with profiling, which is
 * EINVAL. */
static const strata_malloc_sampling *profile_sampling(void) {
  strata_malloc_ensure_init();
  const strata_malloc_sampling *sampling = strata_malloc_sampling_of();
  if (sampling == NULL) errno = EINVAL;
  return sampling;
}

int strata_malloc_profile_dump(const char *path) {
  const strata_malloc_sampling *sampling = profile_sampling();
  return sampling != NULL ? sampling->profile_dump(path) : -1;
}

int strata_malloc_profile_set_rate(uint64_t bytes) {
  const strata_malloc_sampling *sampling = profile_sampling();
  return sampling != NULL ? sampling->profile_set_rate(bytes) : -1;
}
