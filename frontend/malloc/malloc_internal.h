/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Private to the malloc frontend: its global state, the thread cache, and
 * the fast paths that the API functions inline. */
#ifndef STRATA_FRONTEND_MALLOC_MALLOC_INTERNAL_H_
#define STRATA_FRONTEND_MALLOC_MALLOC_INTERNAL_H_

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/compiler.h"
#include "arena/backends.h"
#include "central/central.h"
#include "frontend/malloc/strata_malloc.h"
#include "pageheap/object.h"
#include "pageheap/pageheap.h"
#include "sizeclass/sizeclass.h"


/* Objects of the malloc frontend live on spans of this kind. */
#define STRATA_MALLOC_KIND STRATA_KIND_SCAN

typedef enum strata_on_error { STRATA_ON_ERROR_ABORT, STRATA_ON_ERROR_WARN } strata_on_error;

typedef struct strata_malloc_config {
  strata_on_error on_error;
  bool show_stats;
  const char *stats_file;     /* where the stats at exit go; NULL: stderr */
  bool hugepages;
  strata_commit_mode commit_mode; /* STRATA_COMMIT: the mmap backend's strategy */
  uint64_t release_delay_ns;
  size_t release_limit_bytes;
  size_t thread_cache_bytes;  /* what one thread's cache may hold */
  size_t cache_total_bytes;   /* what all thread caches together may hold */
  /* Large frees at least this big go back at once; mallopt
   * (M_MMAP_THRESHOLD) stores it on any thread, frees load it (relaxed). */
  strata_atomic_size large_release_bytes;
  bool background_release;    /* STRATA_BACKGROUND_RELEASE: not 0 (background.c) */
  bool fault_injection;       /* STRATA_FAULT_NTH is set */
  uint64_t fault_nth;         /* refuse this acquiring backend call (0: count only) */
  uint64_t profile_rate;      /* STRATA_PROFILE_RATE: bytes per sample, 0: off */
  const char *profile_file;   /* STRATA_PROFILE_FILE; NULL: strata.%p.heap */
  int profile_signal;         /* STRATA_PROFILE_SIGNAL: 0 or SIGUSR1/SIGUSR2 */
  uint64_t profile_pid;       /* STRATA_PROFILE_PID: 0, or who writes profile_file as named */
  uint64_t guard_rate;        /* STRATA_GUARD_RATE: bytes per guarded allocation, 0: off */
  uint64_t guard_slots;       /* STRATA_GUARD_SLOTS */
} strata_malloc_config;

/* One free list per size class. `max` is how long the list may grow before
 * free flushes a batch; it grows as the thread shows it needs more. The
 * fast paths keep only `room` = max - length: free pushes when it is
 * above zero and decrements it, and otherwise takes the slow path, which
 * pushes and flushes; malloc increments it. One counter instead of a
 * length and a compare with the limit. (free tests before it writes:
 * see strata_thread_cache.) */
typedef struct strata_tcache_list {
  void *head;
  int32_t room;
  uint32_t max;
} strata_tcache_list;

typedef enum strata_tcache_state {
  STRATA_TCACHE_NONE = 0, /* strata_tcache_none: the thread has no cache yet */
  STRATA_TCACHE_ACTIVE,   /* a thread's own cache */
  STRATA_TCACHE_GONE,     /* strata_tcache_gone: the thread does not cache */
} strata_tcache_state;

/* Fresh objects of one class that the thread holds but has not handed out:
 * [next, end), one object every `size` bytes, never written to. A batch
 * taken from a span's bitmap is contiguous, and linking all of it into the
 * free list would write a link into every object, faulting in pages the
 * program may not use for a long time, or ever. So the thread keeps such a
 * run as a range and, each time its list runs dry, hands out the range's
 * first object and links only the fresh objects on the same OS page, which
 * the program is about to touch anyway (mimalloc extends a page's free
 * list in the same spirit). No page is touched before an object on it is
 * handed out, and the malloc fast path stays a list pop. The objects count
 * in their list's length (max - room). */
typedef struct strata_tcache_fresh {
  uintptr_t next;
  uintptr_t end;
  uintptr_t size; /* the class's object size, the step from one to the next */
} strata_tcache_fresh;

/* The room a thread cache keeps for the sampling layer's per-thread state
 * (frontend/sampling checks that its state fits). */
#define STRATA_TCACHE_SAMPLING_BYTES 48

typedef struct strata_tcache {
  strata_tcache_list lists[STRATA_SIZE_CLASS_COUNT];
  strata_tcache_fresh fresh[STRATA_SIZE_CLASS_COUNT]; /* slow path only: apart from lists */
  size_t capacity_bytes; /* sum over lists of max * object size */
  /* The idle-cache epoch (strata_malloc_global.cache_epoch) at this
   * cache's last slow path; slow path only. */
  uint64_t epoch_seen;
  /* The sampled allocation functions' (frontend/sampling): bytes to the
   * next sample, which their fast path counts down, and the room for the
   * rest of the sampling layer's per-thread state (its samplers), opaque
   * here. Both sit after the lists and the fresh ranges, off the lines the
   * unsampled fast paths touch, and the unsampled functions never touch
   * either. */
  int64_t sample_countdown;
  unsigned char sampling[STRATA_TCACHE_SAMPLING_BYTES] __attribute__((aligned(8)));
  int state;
  struct strata_tcache *next, *prev; /* all active caches, for stats and fork;
                                      * a recycled cache's next links the
                                      * free caches */
} strata_tcache;

typedef struct strata_malloc_global {
  /* Set once by init with release (after everything below is ready);
   * loaded with acquire by every slow path that needs the heap. */
  strata_atomic_int initialized;
  strata_malloc_config config;
  strata_mmap_backend mmap_backend;
  strata_hugepage_backend hugepage_backend;
  strata_fault_backend fault_backend;   /* wraps the other with STRATA_FAULT_NTH */
  strata_backend *backend;              /* the one of the three the heap runs on */
  strata_pageheap heap;
  strata_central central;
  pthread_key_t thread_exit_key;
  bool thread_exit_key_ok;     /* thread_exit_key was created */
  strata_lock threads_lock;    /* guards threads, thread_count, the caches' memory */
  strata_tcache *threads STRATA_GUARDED_BY(&threads_lock);
  size_t thread_count STRATA_GUARDED_BY(&threads_lock);
  /* The caches' memory: metadata from the heap's backend, apart from the
   * heap's own (which its lock guards); caches of exited threads are
   * recycled first. */
  strata_persistent cache_memory STRATA_GUARDED_BY(&threads_lock);
  strata_tcache *free_caches STRATA_GUARDED_BY(&threads_lock);
  /* Counters any thread adds to and stats read, all relaxed: no reader
   * needs other memory to be ready with them. */
  strata_atomic_size cache_capacity_bytes; /* sum of all caches' capacity */
  strata_atomic_size large_objects;        /* large objects in use */
  strata_atomic_size large_bytes;          /* their pages, in bytes */
  strata_atomic_u64 errors;                /* misuse reports */
  /* Advanced (relaxed) by the background thread once per release delay;
   * a thread cache whose last slow path is two epochs old has been idle
   * for at least a delay and gives its objects back at its next slow path
   * (tcache.c). Read relaxed: a stale epoch only delays a shrink. */
  strata_atomic_u64 cache_epoch;
} strata_malloc_global;

extern strata_malloc_global strata_malloc_state STRATA_HIDDEN;
/* The calling thread's cache. This pointer (and, in the profiled
 * variants, frontend/sampling's strata_thread_in_profiler) is all the
 * initial-exec thread-local storage strata has: the fast paths
 * reach the cache with one %fs-relative load and no call, and the library
 * still loads with dlopen, which can only place a few bytes of such
 * storage (a 2.8 KiB cache in it was refused with "cannot allocate memory
 * in static TLS block"). The cache itself is metadata (threads.c).
 *
 * A thread starts pointing at strata_tcache_none and, once it is exiting
 * or may not cache, at strata_tcache_gone: two read-only caches whose lists
 * are empty (malloc finds no object) and have no room (free finds the
 * list full), so every call on them takes the slow path, which makes the
 * thread's own cache or serves it uncached. The fast paths never write a
 * cache before that test: the two are shared and read-only, and a write
 * to them would fault. Written only by its own thread. */
extern __thread strata_tcache *strata_thread_cache STRATA_HIDDEN
    __attribute__((tls_model("initial-exec")));
extern const strata_tcache strata_tcache_none STRATA_HIDDEN;
extern const strata_tcache strata_tcache_gone STRATA_HIDDEN;

/* Slow paths (tcache.c, init.c, threads.c). */
void strata_malloc_ensure_init(void) STRATA_HIDDEN;
/* malloc's: `list` (of the calling thread's cache) is empty. */
void *strata_tcache_refill(strata_tcache_list *list) STRATA_HIDDEN;
/* free's: `list` (of the calling thread's cache) has no room for the
 * object at p, which carries the freed mark. */
void strata_tcache_free_to_full(void *p, strata_tcache_list *list) STRATA_HIDDEN;
void strata_tcache_release_all(strata_tcache *cache) STRATA_HIDDEN;
/* The calling thread's own cache, made on first use; NULL when the thread
 * may not cache (it is exiting, or no cache could be made). */
strata_tcache *strata_tcache_self(void) STRATA_HIDDEN;
/* The thread-exit key's destructor: hands the thread's cache back. */
void strata_thread_exit(void *cache) STRATA_HIDDEN;
/* The fork child's half of the registry (threads.c): only the forking
 * thread's cache stays listed. */
void strata_threads_after_fork_child(void) STRATA_HIDDEN
    STRATA_REQUIRES(&strata_malloc_state.threads_lock);
/* Checks a thread cache's lists (the calling thread's: nobody else may
 * touch it meanwhile): each object a free object start of its class that
 * carries the freed mark, each list as long as its count says, each fresh
 * range whole objects of its class. STRATA_ERR_CORRUPT with the broken
 * invariant named to `why`. */
strata_status strata_tcache_check(const strata_tcache *cache, const strata_check_reporter *why)
    STRATA_HIDDEN;

/* Background release (background.c): called where memory flows back
 * towards the page heap; starts the releasing thread the first time. */
void strata_background_release_poke(void) STRATA_HIDDEN;
void strata_background_release_after_fork_child(void) STRATA_HIDDEN;

/* Large objects (large.c). Hardened builds end each with a guard page. */
#ifdef STRATA_HARDENED
#define STRATA_MALLOC_GUARD_PAGES 1
#else
#define STRATA_MALLOC_GUARD_PAGES 0
#endif
/* `size` bytes on pages of their own, aligned to `alignment` (a power of
 * two); NULL with errno ENOMEM. */
void *strata_malloc_large(size_t size, size_t alignment) STRATA_HIDDEN;
/* The large object p (any address; false unless it is a large object's
 * start) resized in place to `size` bytes, when the pages next to it
 * allow. */
bool strata_malloc_resize_large(void *p, size_t size) STRATA_HIDDEN;
/* Frees the large object of malloc's in-use large span `span`; a double
 * free that raced the caller's lookup is reported as `function`'s. */
void strata_malloc_free_large(const char *function, strata_span *span) STRATA_HIDDEN;

/* The bytes a large object of malloc's span holds for the program. */
static inline size_t strata_malloc_large_usable(const strata_span *span) {
  return span->object_size - STRATA_MALLOC_GUARD_PAGES * STRATA_PAGE_SIZE;
}
/* The allocations the entry points end in (entries.h), arguments already
 * checked; NULL with errno ENOMEM. aligned: `size` bytes aligned to
 * `alignment`, a power of two. zeroed: calloc's `total` bytes, zeroed.
 * resize: realloc of the live object p of `usable` bytes to `size` bytes,
 * which it cannot keep as it is (in place when it can, else moved; p is
 * untouched on failure). */
void *strata_malloc_aligned(size_t alignment, size_t size) STRATA_HIDDEN;
void *strata_malloc_zeroed(size_t total) STRATA_HIDDEN;
void *strata_malloc_resize(void *p, size_t usable, size_t size) STRATA_HIDDEN;

/* The sampling layer (frontend/sampling: heap profiles and guarded
 * sampling), as the allocator sees it. The layer is linked only into the
 * profiled variants, whose definition of strata_malloc_sampling_hooks
 * replaces the allocator's weak one, NULL (init.c); in every other build
 * the allocator carries none of the layer's code. Its allocation hook is
 * the sampled entry points themselves (which the profiled variants export
 * under the C library's names); these are what the allocator's own paths
 * call:
 *
 *   init:              at initialisation, after the heap is ready.
 *   owns:              free's and malloc_usable_size's slow path, for an
 *                      address outside the heap's pages: a guarded object?
 *   free_guarded, usable_size_guarded: then, as free and
 *                      malloc_usable_size (misuse reported as `function`'s).
 *   free_sampled:      a large span being freed carries a sample record
 *                      (its owner_data).
 *   before_fork, after_fork: the layer's locks across fork, taken after the
 *                      allocator's (lock ranks) and given back before.
 *   get_stats, print_stats: its part of strata_malloc_get_stats and the
 *                      stats printout.
 *   profile_dump, profile_set_rate: strata_malloc_profile_dump and
 *                      strata_malloc_profile_set_rate. */
typedef struct strata_malloc_sampling {
  void (*init)(void);
  bool (*owns)(const void *p);
  void (*free_guarded)(const char *function, void *p);
  size_t (*usable_size_guarded)(const char *function, const void *p);
  void (*free_sampled)(strata_span *span);
  void (*before_fork)(void);
  void (*after_fork)(void);
  void (*get_stats)(strata_malloc_stats *out);
  void (*print_stats)(int fd);
  int (*profile_dump)(const char *path);
  int (*profile_set_rate)(uint64_t bytes);
} strata_malloc_sampling;

extern const strata_malloc_sampling *const strata_malloc_sampling_hooks STRATA_HIDDEN;

/* The sampling layer's hooks, or NULL when it is not linked in. */
static inline const strata_malloc_sampling *strata_malloc_sampling_of(void) {
  return strata_malloc_sampling_hooks;
}

/* strata_malloc_usable_size, reporting misuse as `function`'s. */
size_t strata_malloc_usable_size_for(const char *function, const void *p) STRATA_HIDDEN;
/* The stats, written to a file descriptor (stats.c). */
void strata_stats_print_to(int fd) STRATA_HIDDEN;
/* One line of them: formatted into a stack buffer and written, with no
 * allocation (no_alloc_test). */
void strata_stats_line(int fd, const char *format, ...) STRATA_HIDDEN
    __attribute__((format(printf, 2, 3)));

/* Error reports (report.c). `function` is "free", "realloc", ... */
typedef enum strata_misuse {
  STRATA_MISUSE_INVALID,
  STRATA_MISUSE_DOUBLE_FREE,
  STRATA_MISUSE_FREED,      /* realloc, malloc_usable_size of a freed object */
  STRATA_MISUSE_WRONG_SIZE, /* free_sized / sized delete with a size the object never had */
  STRATA_MISUSE_CORRUPT_LIST, /* a thread's free list holds more than it counted */
} strata_misuse;
void strata_report_misuse(const char *function, strata_misuse what, const void *p) STRATA_HIDDEN;
/* "<function>(): not allocated by malloc: <p> belongs to <owner>" (a span
 * of another frontend on malloc's page heap: strata_span_owner). */
void strata_report_foreign(const char *function, const void *p, unsigned owner) STRATA_HIDDEN;
/* Maps a central/span status to a report. */
void strata_report_status(const char *function, strata_status status, const void *p) STRATA_HIDDEN;
/* Writes "strata: <what>" and aborts: strata cannot go on at all. */
void strata_report_fatal(const char *what) STRATA_HIDDEN __attribute__((noreturn, cold));

/* The in-use span holding p, exactly as free must see it: NULL for any
 * pointer not inside an in-use span of the heap. */
static inline strata_span *strata_malloc_span_of(const void *p) {
  return strata_pageheap_span_of(&strata_malloc_state.heap, p);
}

/* Free-list links. A freed object's first word holds the next free object
 * of its list. In a hardened build (STRATA_HARDENED) the link is stored
 * encoded with a per-process random key and the object's own address, and
 * checked when it is followed: a use-after-free write into a freed object
 * cannot steer the next malloc to an address of the attacker's choosing,
 * it stops the program instead. */
#ifdef STRATA_HARDENED
extern uintptr_t strata_link_key STRATA_HIDDEN;
void strata_report_corrupt_list(const void *p) STRATA_HIDDEN __attribute__((noreturn));

static inline void strata_link_store(void *slot, void *next) {
  *(uintptr_t *)slot = (uintptr_t)next ^ strata_link_key ^ ((uintptr_t)slot >> 12);
}

/* The link, decoded and not checked: for strata_tcache_check, which says
 * what is wrong instead of stopping. */
static inline void *strata_link_peek(const void *slot) {
  return (void *)(*(const uintptr_t *)slot ^ strata_link_key ^ ((uintptr_t)slot >> 12));
}

/* The link, followed only when it leads to the start of an object of the
 * list's class (pageheap/object.h): a forged link that decodes to any
 * other address, even inside an object of the class, stops the program. */
static inline void *strata_link_load(void *slot, unsigned size_class) {
  void *next = strata_link_peek(slot);
  if (next != NULL) {
    strata_span *span = strata_pageheap_small_object(&strata_malloc_state.heap, next);
    if (STRATA_UNLIKELY(span == NULL || span->small_class != size_class)) {
      strata_report_corrupt_list(slot);
    }
  }
  return next;
}
#else
static inline void strata_link_store(void *slot, void *next) { *(void **)slot = next; }

static inline void *strata_link_peek(const void *slot) { return *(void *const *)slot; }

static inline void *strata_link_load(void *slot, unsigned size_class) {
  (void)size_class;
  return *(void **)slot;
}
#endif

/* The freed mark. A small object that was freed -- now in a thread's list,
 * in a transfer slot, or back in its span -- and every object a thread's
 * list holds, carries in its second word its own address XORed with a
 * per-process random key; an object handed out never does, because malloc
 * clears that word. (Objects of a span never handed out, and a thread's
 * fresh range, are unmarked.) free looks at the word before it
 * takes an object, so a second free of an object still free is caught at
 * that free, from any thread and in any order, before the object can reach
 * a list twice; realloc and malloc_usable_size of a freed object are
 * caught the same way. (Once the object is handed out again, the pointer
 * is that new object's, and freeing it is that object's free.) The second
 * word is why every object of the malloc frontend is 16 bytes or more
 * (strata_size_to_class_min16): the first holds the free-list link.
 *
 * Why the address is mixed in: a span whose objects are all free goes
 * back to the page heap with their marks in it, and its pages may become
 * a large object, or objects of another class, whose bytes the program
 * copies around. A mark of the key alone could be copied that way into a
 * live object's second word and taken for a freed one. A mark mixed with
 * its address is a mark only at the address it was written at, and the
 * object there had the word cleared when it was handed out. The key's top
 * bit is set, so no user-space address makes the mark 0, which is what
 * fresh memory holds.
 *
 * strata_freed_key is written once, by strata_malloc_ensure_init before any
 * object exists, and only read after: no ordering is needed. */
extern uintptr_t strata_freed_key STRATA_HIDDEN;

static inline uintptr_t strata_freed_mark(const void *p) {
  return strata_freed_key ^ (uintptr_t)p;
}

/* Whether the small object at p (a valid object start) is free. */
static inline bool strata_object_is_freed(const void *p) {
  return ((const uintptr_t *)p)[1] == strata_freed_mark(p);
}

static inline void strata_object_mark_freed(void *p) { ((uintptr_t *)p)[1] = strata_freed_mark(p); }

/* An object about to be handed out: its mark goes. */
static inline void *strata_object_hand_out(void *p) {
  ((uintptr_t *)p)[1] = 0;
  return p;
}

/* Pops a small object of a class from this thread's cache, refilling it
 * when empty (the refill hands its object out cleared too). The malloc
 * fast path. */
static inline void *strata_malloc_small_in(strata_tcache *cache, unsigned size_class) {
  strata_tcache_list *list = &cache->lists[size_class];
  void *p = list->head;
  if (STRATA_LIKELY(p != NULL)) {
    list->head = strata_link_load(p, size_class);
    list->room++;
    return strata_object_hand_out(p);
  }
  return strata_tcache_refill(list);
}

static inline void *strata_malloc_small(unsigned size_class) {
  return strata_malloc_small_in(strata_thread_cache, size_class);
}

/* malloc. `cache` is the calling thread's cache pointer, read once by a
 * caller that needs it too (the sampled malloc, for its countdown), or
 * NULL: then it is read where the pop needs it, after the size's tests,
 * which lets the compiler add it to the list's offset in one instruction. */
static inline void *strata_malloc_in(strata_tcache *cache, size_t size) {
  /* The two table lookups of strata_malloc_class_of, spelled out so that
   * the common path needs no "is it class 0" test. */
  unsigned size_class;
  if (STRATA_LIKELY(size <= 1024)) {
    size_class = strata_size_class_min16_by_8[(size + 7) >> 3];
  } else if (size <= STRATA_MAX_SMALL_SIZE) {
    size_class = strata_size_class_by_128[(size - 1024 + 127) >> 7];
  } else {
    return strata_malloc_large(size, STRATA_PAGE_SIZE);
  }
  return strata_malloc_small_in(cache != NULL ? cache : strata_thread_cache, size_class);
}

/* The size class of a list of the calling thread's cache (or of either
 * shared one: they have the same layout). */
static inline unsigned strata_tcache_class_of(const strata_tcache *cache,
                                              const strata_tcache_list *list) {
  return (unsigned)(list - cache->lists);
}

/* The size class malloc serves `size` from: never the 8-byte class (see
 * the freed mark). 0 for a large size. */
static inline unsigned strata_malloc_class_of(size_t size) {
  return strata_size_to_class_min16(size);
}

#endif /* STRATA_FRONTEND_MALLOC_MALLOC_INTERNAL_H_ */
