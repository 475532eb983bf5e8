/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Sampled heap profiling for the malloc frontend: the process's one
 * profile, its dumps (at exit, on a signal, on request) and the record
 * kept on a sampled object's span.
 *
 * The profile's lock is never held across a call into the rest of the
 * allocator, and the profile never calls malloc, so sampling cannot
 * deadlock with malloc. A thread inside the profiler says so
 * (strata_thread_in_profiler): its own allocations meanwhile are not sampled,
 * and the profile signal arriving on it then defers the dump to the
 * moment it leaves, rather than wait for a lock the thread itself holds. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "base/format.h"
#include "frontend/sampling/sampling_internal.h"

#define DEFAULT_FILE "strata.%p.heap"

strata_sampling_global strata_sampling_state;
__thread int strata_thread_in_profiler __attribute__((tls_model("initial-exec")));

/* Set by the signal handler, taken by the thread leaving the profiler;
 * relaxed: the dump reads the profile under its lock. */
static strata_atomic_int dump_pending;      /* the signal came while in the profiler */
static STRATA_ATOMIC(unsigned) dump_counter; /* numbers the signal's dumps (relaxed) */

static void say(const char *a, const char *b, const char *c) {
  const char *parts[] = {a, b, c};
  for (int i = 0; i < 3; i++) {
    ssize_t written = write(STDERR_FILENO, parts[i], strlen(parts[i]));
    (void)written; /* nowhere else to say it */
  }
}

/* Appends "." and the decimal `v` to the name in buf; false when it does
 * not fit. */
static bool append_number(char *buf, size_t size, uint64_t v) {
  char suffix[STRATA_FORMAT_MAX + 1] = ".";
  size_t suffix_length = 1 + strata_format_decimal(suffix + 1, v);
  size_t length = strlen(buf);
  if (size - 1 - length < suffix_length) return false;
  memcpy(buf + length, suffix, suffix_length + 1);
  return true;
}

/* The file name: STRATA_PROFILE_FILE with %p made the process id; then
 * ".<pid>" when STRATA_PROFILE_PID names another process (this one was
 * started by the profiled program and inherited its settings), and
 * ".<number>" when number > 0. */
static bool profile_path(char *buf, size_t size, unsigned number) {
  const strata_malloc_config *config = &strata_malloc_state.config;
  const char *pattern = config->profile_file != NULL ? config->profile_file : DEFAULT_FILE;
  uint64_t pid = (uint64_t)getpid();
  if (!strata_format_pid_pattern(buf, size, pattern, pid)) return false;
  if (config->profile_pid != 0 && config->profile_pid != pid && !append_number(buf, size, pid)) {
    return false;
  }
  return number == 0 || append_number(buf, size, number);
}

/* Writes the profile to the file named for `number`; says why not. */
static void dump_numbered(unsigned number) {
  char path[4096];
  if (!profile_path(path, sizeof path, number)) {
    say("strata: heap profile not written: the file name is too long", "", "\n");
    return;
  }
  if (strata_profile_write_file(&strata_sampling_state.profile, path) != STRATA_OK) {
    say("strata: cannot write the heap profile to ", path, "\n");
  }
}

static void dump_on_signal(void) {
  dump_numbered(strata_atomic_add(&dump_counter, 1, STRATA_ORDER_RELAXED));
}

static void on_profile_signal(int signal_number) {
  (void)signal_number;
  int saved = errno;
  if (strata_thread_in_profiler) {
    strata_atomic_store(&dump_pending, 1, STRATA_ORDER_RELAXED);
  } else {
    strata_thread_in_profiler = 1;
    dump_on_signal();
    strata_profiling_leave();
  }
  errno = saved;
}

void strata_profiling_leave(void) {
  strata_thread_in_profiler = 0;
  while (strata_atomic_load(&dump_pending, STRATA_ORDER_RELAXED) &&
         strata_atomic_exchange(&dump_pending, 0, STRATA_ORDER_RELAXED)) {
    strata_thread_in_profiler = 1;
    dump_on_signal();
    strata_thread_in_profiler = 0;
  }
}

void strata_profiling_init(void) {
  const strata_malloc_config *config = &strata_malloc_state.config;
  strata_sampling_global *g = &strata_sampling_state;
  if (config->guard_rate != 0) strata_guard_init((unsigned)config->guard_slots);
  if (config->profile_rate == 0) return;
  strata_mmap_backend_init(&g->profile_backend);
  strata_profile_init(&g->profile, &g->profile_backend.base, config->profile_rate, 0);
  g->profiling = true;
  if (config->profile_signal != 0) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_profile_signal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    if (sigaction(config->profile_signal, &action, NULL) != 0) {
      say("strata: cannot install the heap profile's signal handler", "", "\n");
    }
  }
}

void strata_profiling_record(void *p, size_t size, void *const *frames, unsigned depth) {
  strata_sampling_global *g = &strata_sampling_state;
  if (!g->profiling) return;
  strata_profile_sample *sample = strata_profile_record_alloc(&g->profile, p, size, frames, depth);
  /* Before p is handed out: whoever frees it learns of the record through
   * the program's own hand-over of p. */
  strata_span_set_owner_data(strata_malloc_span_of(p), sample);
}

void strata_profiling_free_sampled(strata_span *span) {
  /* An exchange: of two threads freeing the object at once (a double free,
   * reported later by the page heap), one hands the record back. */
  strata_profile_sample *sample =
      strata_atomic_exchange(&span->owner_data, NULL, STRATA_ORDER_RELAXED);
  if (sample == NULL) return;
  strata_thread_in_profiler = 1;
  strata_profile_record_free(&strata_sampling_state.profile, sample);
  strata_profiling_leave();
}

/* Fork handlers, not analysed: the prepare handler takes the lock that the
 * parent and child handlers give back. */
void strata_profiling_before_fork(void) STRATA_NO_THREAD_SAFETY_ANALYSIS {
  if (strata_sampling_state.profiling) strata_profile_lock(&strata_sampling_state.profile);
}

void strata_profiling_after_fork(void) STRATA_NO_THREAD_SAFETY_ANALYSIS {
  if (strata_sampling_state.profiling) strata_profile_unlock(&strata_sampling_state.profile);
}

/* The heap profile at exit, from whichever thread calls exit(). */
__attribute__((destructor)) static void write_profile_at_exit(void) {
  if (!strata_atomic_load(&strata_malloc_state.initialized, STRATA_ORDER_ACQUIRE) ||
      !strata_sampling_state.profiling) {
    return;
  }
  strata_thread_in_profiler = 1;
  dump_numbered(0);
  strata_profiling_leave();
}

/* strata_malloc_profile_dump, the allocator initialised. */
int strata_profiling_dump(const char *path) {
  strata_sampling_global *g = &strata_sampling_state;
  if (!g->profiling || path == NULL) {
    errno = EINVAL;
    return -1;
  }
  strata_thread_in_profiler = 1;
  strata_status status = strata_profile_write_file(&g->profile, path);
  int saved = errno;
  strata_profiling_leave();
  errno = saved;
  return status == STRATA_OK ? 0 : -1;
}

/* strata_malloc_profile_set_rate, the allocator initialised. */
int strata_profiling_set_rate(uint64_t bytes) {
  strata_sampling_global *g = &strata_sampling_state;
  if (!g->profiling) {
    errno = EINVAL;
    return -1;
  }
  strata_profile_set_rate(&g->profile, bytes);
  return 0;
}

void strata_profiling_get_stats(strata_malloc_stats *out) {
  if (!strata_sampling_state.profiling) return;
  strata_profile_stats ps;
  strata_profile_get_stats(&strata_sampling_state.profile, &ps);
  out->profile_samples_in_use = ps.samples_in_use;
  out->profile_bytes = ps.memory_bytes;
}

void strata_profiling_print_stats(int fd) {
  if (!strata_sampling_state.profiling) return;
  strata_profile_stats ps;
  strata_profile_get_stats(&strata_sampling_state.profile, &ps);
  const double mib = 1024.0 * 1024.0;
  strata_stats_line(fd, "strata: profile: 1 sample per %llu bytes, %llu samples (%llu in use), "
                    "%llu stacks, %llu without a stack (memory bound), %.1f of %.1f MiB\n",
                    (unsigned long long)ps.rate, (unsigned long long)ps.samples,
                    (unsigned long long)ps.samples_in_use, (unsigned long long)ps.buckets,
                    (unsigned long long)ps.truncated, ps.memory_bytes / mib, ps.max_bytes / mib);
}
