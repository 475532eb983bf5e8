/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The malloc frontend's global state and its life: initialisation on first
 * use (settings, keys, backend, page heap) and fork. With the sampling
 * layer's (frontend/sampling, in the profiled variants only), this is the
 * only global state in strata. The thread caches' registry is threads.c;
 * what happens at exit, stats.c and frontend/sampling/profiling.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <unistd.h>

#include "frontend/malloc/malloc_internal.h"
#include "frontend/malloc/settings.h"

strata_malloc_global strata_malloc_state;

#ifdef STRATA_HARDENED
/* Set once, before any list exists, by random_key (below). */
uintptr_t strata_link_key;
#endif
uintptr_t strata_freed_key;
const strata_tcache strata_tcache_none = {.state = STRATA_TCACHE_NONE};
const strata_tcache strata_tcache_gone = {.state = STRATA_TCACHE_GONE};
/* The cast drops const only in type: nothing writes through the pointer
 * while it points at one of the two (malloc_internal.h). */
__thread strata_tcache *strata_thread_cache __attribute__((tls_model("initial-exec"))) =
    (strata_tcache *)&strata_tcache_none;

/* A lock with a static initialiser: taking it never allocates. */
static strata_lock init_lock = STRATA_LOCK_INIT_RANKED(STRATA_LOCK_RANK_MALLOC_INIT);

/* The freed mark's key (malloc_internal.h): random per process, from the
 * kernel's random source. Not the bytes of AT_RANDOM, which the C library
 * uses for the stack protector's canary: a program that reads a freed
 * object could learn the key, and must learn nothing more. Should the
 * call fail (a kernel without it), the key mixes AT_RANDOM with addresses
 * that move with each run and a salt per key (so two keys never match),
 * through a function that spreads every bit. */
static uintptr_t random_key(uint64_t salt) {
  uint64_t key = 0;
  if (getrandom(&key, sizeof key, GRND_NONBLOCK) != (ssize_t)sizeof key) {
    uint64_t seed = (uint64_t)(uintptr_t)&key ^ ((uint64_t)(uintptr_t)&strata_freed_key << 17) ^ salt;
    const unsigned char *random_bytes = (const unsigned char *)getauxval(AT_RANDOM);
    if (random_bytes != NULL) {
      uint64_t word;
      memcpy(&word, random_bytes, sizeof word);
      seed ^= word;
    }
    /* splitmix64's finaliser */
    seed += 0x9E3779B97F4A7C15ull;
    seed = (seed ^ (seed >> 30)) * 0xBF58476D1CE4E5B9ull;
    seed = (seed ^ (seed >> 27)) * 0x94D049BB133111EBull;
    key = seed ^ (seed >> 31);
  }
  return (uintptr_t)(key | (1ull << 63));
}

static void before_fork(void);
static void after_fork_parent(void);
static void after_fork_child(void);

/* No sampling layer: a weak definition, which the layer's own replaces when
 * it is linked in (a strong definition wins over a weak one at link time).
 * A hidden undefined weak reference to the hooks, tried first, did not
 * read as NULL in the statically linked tests: misuse_test crashed calling
 * a hook through it. */
__attribute__((weak)) const strata_malloc_sampling *const strata_malloc_sampling_hooks = NULL;

/* The sampling layer starts with the heap; without it (libstrata.so and
 * every variant but the profiled ones) a program that asks for a profile
 * or guarded sampling is told where to find them. */
static void start_sampling(void) {
  const strata_malloc_sampling *sampling = strata_malloc_sampling_of();
  if (sampling != NULL) {
    sampling->init();
    return;
  }
  const strata_malloc_config *c = &strata_malloc_state.config;
  if (c->profile_rate != 0 || c->guard_rate != 0) {
    static const char message[] =
        "strata: STRATA_PROFILE_RATE or STRATA_GUARD_RATE is set, but this strata's allocation "
        "functions are not sampled: preload libstrata_profiled.so (or link "
        "libstrata_override_profiled.a) for a heap profile or guarded sampling\n";
    ssize_t written = write(STDERR_FILENO, message, sizeof message - 1);
    (void)written; /* nowhere else to say it */
  }
}

void strata_malloc_ensure_init(void) {
  strata_malloc_global *g = &strata_malloc_state;
  if (STRATA_LIKELY(strata_atomic_load(&g->initialized, STRATA_ORDER_ACQUIRE))) return;
  strata_lock_acquire(&init_lock);
  bool did_init = false;
  if (!strata_atomic_load(&g->initialized, STRATA_ORDER_RELAXED)) {
    strata_settings_read(&g->config);
    strata_freed_key = random_key(1);
#ifdef STRATA_HARDENED
    /* Its own key, not AT_RANDOM's second word: the C library derives its
     * pointer guard from that one, and one leak must not give both. */
    strata_link_key = random_key(2) | 1;
#endif
    strata_backend *backend;
    if (g->config.hugepages) {
      strata_hugepage_backend_init(&g->hugepage_backend);
      backend = &g->hugepage_backend.base;
    } else {
      strata_mmap_backend_init_with(&g->mmap_backend, g->config.commit_mode);
      backend = &g->mmap_backend.base;
    }
    if (g->config.fault_injection) {
      /* For testing a program's (and strata's) out-of-memory paths: the
       * backend refuses its n-th reserve or commit, once. */
      strata_fault_backend_init(&g->fault_backend, backend);
      strata_fault_backend_refuse_nth(&g->fault_backend, g->config.fault_nth);
      backend = &g->fault_backend.base;
    }
    strata_pageheap_config heap_config = strata_pageheap_default_config();
    heap_config.release_delay_ns = g->config.release_delay_ns;
    heap_config.free_committed_limit = g->config.release_limit_bytes;
    g->backend = backend;
    /* Only a bad arena size fails here, and the default is a good one.
     * The state is static storage written for the first time here, so it
     * reads as zero: the _zeroed forms leave its untouched pages (about
     * 70 KiB of page-map root, arena index and class headers) unread,
     * where clearing them would make them resident on a kernel without a
     * shared zero page. */
    if (strata_pageheap_init_zeroed(&g->heap, backend, &heap_config) != STRATA_OK) {
      strata_report_fatal("cannot set up the page heap");
    }
    strata_central_init_zeroed(&g->central, &g->heap);
    strata_lock_init(&g->threads_lock, STRATA_LOCK_RANK_MALLOC_THREADS);
    strata_persistent_init(&g->cache_memory, backend);
    /* Without it threads do not cache (strata_tcache_self). */
    g->thread_exit_key_ok = pthread_key_create(&g->thread_exit_key, strata_thread_exit) == 0;
    start_sampling();
    strata_atomic_store(&g->initialized, 1, STRATA_ORDER_RELEASE);
    did_init = true;
  }
  strata_lock_release(&init_lock);
  /* Registered after initialisation: the C library may allocate here. */
  if (did_init) pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

/* The fork handlers are not analysed: the prepare handler takes the
 * locks that the parent and child handlers give back. The lock-order check
 * of debug builds sees them (this is the order of base/lock_rank.h). */
static void before_fork(void) STRATA_NO_THREAD_SAFETY_ANALYSIS {
  strata_malloc_global *g = &strata_malloc_state;
  strata_lock_acquire(&init_lock);
  strata_lock_acquire(&g->threads_lock);
  strata_central_lock_all(&g->central);
  strata_pageheap_lock(&g->heap);
  if (strata_malloc_sampling_of() != NULL) strata_malloc_sampling_of()->before_fork();
}

static void after_fork_parent(void) STRATA_NO_THREAD_SAFETY_ANALYSIS {
  strata_malloc_global *g = &strata_malloc_state;
  if (strata_malloc_sampling_of() != NULL) strata_malloc_sampling_of()->after_fork();
  strata_pageheap_unlock(&g->heap);
  strata_central_unlock_all(&g->central);
  strata_lock_release(&g->threads_lock);
  strata_lock_release(&init_lock);
}

static void after_fork_child(void) STRATA_NO_THREAD_SAFETY_ANALYSIS {
  strata_malloc_global *g = &strata_malloc_state;
  strata_threads_after_fork_child();
  strata_central_forget_in_flight(&g->central);
  strata_background_release_after_fork_child();
  after_fork_parent();
}

