/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* strata_gc: a garbage-collected heap built from strata's layers.
 *
 * A program (a language runtime, an interpreter, a graph-heavy tool)
 * allocates and never frees; the heap finds what is still reachable and
 * reuses the rest. It is a conservative, non-moving mark-sweep collector
 * in the way of the Go runtime's, over the same layers as the malloc:
 * sizes round to strata's size classes, objects live in spans cut into
 * equal slots, the central lists hold the spans, the page heap the pages.
 *
 *   strata_gc_heap *heap = strata_gc_create(NULL);      // mmap, GC at 100 %
 *   static node *root;
 *   strata_gc_add_roots(heap, &root, &root + 1);
 *   root = strata_gc_alloc(heap, sizeof *root, STRATA_GC_SCAN);
 *   char *text = strata_gc_alloc(heap, 4096, STRATA_GC_NOSCAN);
 *   ...                                                 // allocate freely
 *   strata_gc_destroy(heap);
 *
 * Kinds. Every size class exists twice, as the seed of this design says:
 * STRATA_GC_SCAN objects may hold pointers and are scanned; their memory is
 * zeroed. STRATA_GC_NOSCAN objects hold none (strings, numbers, pixels):
 * they live on spans of their own, are kept alive by pointers to them but
 * never read by the collector, and are not zeroed unless STRATA_GC_ZERO is
 * added. A pointer stored only inside a noscan object keeps nothing alive.
 *
 * What keeps an object alive. A word that points anywhere into an object
 * that is allocated (its start, or any byte inside it: interior pointers
 * count) in one of
 *   - the registered root ranges (strata_gc_add_roots): globals, a
 *     runtime's own tables, memory from malloc that holds pointers;
 *   - the stack and callee-saved registers of the thread that collects,
 *     when the heap was created with `scan_stack` (off by default);
 *   - a scan object that is itself alive.
 * Scanning is conservative: any word with the right value counts, so an
 * integer that happens to look like a pointer keeps an object alive (never
 * the reverse). Pointers hidden from the collector (XOR-encoded, stored
 * only in noscan objects, in memory that is neither registered nor in this
 * heap, in other threads' stacks, or one byte past an object's end) do not
 * count: such an object may be reused while still in use.
 *
 * When it collects. At an allocation, when the heap has grown by
 * gc_percent since the live size left by the last collection (Go's GOGC;
 * STRATA_GC_PERCENT in the environment, default 100, "off" to never
 * collect on its own), with `min_heap_bytes` as the floor, and, after a
 * peak, not before 7/8 of the memory the page heap held after it is used
 * again (that memory costs no more resident memory); this reuse floor
 * halves every 4 seconds and never grows while it sets the goal, so a
 * past peak's memory comes back to the live-size goal; and never
 * past memory_limit_bytes (STRATA_GC_MEMORY_LIMIT) when set; when memory
 * runs out (the heap collects once and retries before it returns NULL);
 * and on strata_gc_collect. The world is stopped for it (see Threads) and
 * the thread that asked collects: marking (on mark_threads threads, the
 * heap's helpers beside the collecting one; an explicit mark stack each,
 * never recursion; overflow is handled by rescanning) then sweeping every
 * span at once (eager sweep: a span's mark bits become its allocation
 * bits, spans with free slots go back to the central partial lists, empty
 * spans to the page heap).
 *
 * Threads. Any number of threads allocate from one heap, each registered
 * with it (strata_gc_register_thread; strata_gc_create registers its
 * caller): each allocates from caches of its own, without a lock. A
 * collection, started by any of them, stops all the others with a signal
 * (SIGPWR unless `stop_signal` says otherwise, as Boehm's collector does),
 * scans their stacks and registers, and restarts them; a thread blocked in
 * a system call stops too (the call is resumed, SA_RESTART, or returns
 * EINTR where the kernel does not resume it: sleeps, waits with a
 * timeout). Registered threads must not block the stop signal for long: a
 * collection waits for each to stop. Threads exit registered or not (an
 * exiting thread is unregistered). strata_gc_alloc from a thread not
 * registered aborts with "thread not registered with this GC heap"; the
 * other calls may come from any thread. A heap shared by threads
 * scans their stacks (`scan_stack`): registering a second thread with a
 * heap that does not fails with EINVAL. After fork() the child's heap has
 * only the forking thread; use it there only when no other thread was
 * inside a heap call at the fork. Separate heaps, on any threads and any
 * backends, are independent, and objects of one heap must not hold the
 * only pointers to another heap's objects unless that heap registers them
 * as roots.
 *
 * Errors: a function that cannot allocate returns NULL and sets errno:
 * ENOMEM when memory is refused even after a collection or count * size
 * overflows, EINVAL for unknown flags. Functions returning int return 0
 * or an errno value. */
#ifndef STRATA_FRONTEND_GC_STRATA_GC_H_
#define STRATA_FRONTEND_GC_STRATA_GC_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_gc_heap strata_gc_heap;
struct strata_backend;

/* Allocation flags. */
#define STRATA_GC_SCAN 0u   /* may hold pointers: scanned, zeroed */
#define STRATA_GC_NOSCAN 1u /* holds no pointers: never scanned */
#define STRATA_GC_ZERO 2u   /* zero a noscan object too */

/* gc_percent that never collects on its own (GOGC=off). */
#define STRATA_GC_OFF (-1)

typedef struct strata_gc_options {
  /* Where every byte of the heap comes from, its own bookkeeping included;
   * NULL: mmap, chosen by the heap. It must outlive the heap. */
  struct strata_backend *backend;
  /* Collect when the heap reaches live * (100 + gc_percent) / 100 bytes;
   * STRATA_GC_OFF: only when asked or when memory runs out. */
  int gc_percent;
  /* No collection of its own before the heap holds this much (the first
   * collection's threshold). */
  size_t min_heap_bytes;
  /* A cap on the collection goal, whatever gc_percent and the reuse of
   * held memory allow: the heap's objects (live, and allocated since the
   * last collection) may reach this many bytes before it collects; with
   * more than this live, it collects every sixteenth of the live size
   * more. 0: none. Bytes of objects, not resident memory (which adds the
   * free slots of spans and the heap's bookkeeping). */
  size_t memory_limit_bytes;
  /* Scan the registered threads' stacks and saved registers conservatively
   * (see the top of this file); needed for more than one thread. */
  bool scan_stack;
  /* The signal that stops the other registered threads for a collection;
   * 0: SIGPWR. Its handler is the heap's from the first registration on.
   * A program that also uses Boehm's collector (SIGPWR and SIGXCPU on
   * Linux) or the signal itself gives another one. */
  int stop_signal;
  /* Entries of each marker's mark stack (16 bytes each); more work than
   * fits is found again by rescanning marked objects, slower but
   * correct. */
  size_t mark_stack_entries;
  /* Threads that mark while the world is stopped, the collecting one
   * included: 1 marks alone; up to 8 (more is EINVAL); 0 counts as 1.
   * Default: STRATA_GC_MARKERS, or one per online CPU up to 8. The
   * helpers are the heap's own threads, started before its first
   * collection and ended by strata_gc_destroy. */
  unsigned mark_threads;
  /* Address space the page heap reserves at a time: a power of two; 0:
   * 64 MiB. A heap on a small buffer wants smaller arenas. */
  size_t arena_bytes;
  /* The clock, in nanoseconds, that the pacer's reuse of held memory and
   * the page heap's return of idle memory read; NULL: CLOCK_MONOTONIC.
   * Tests and simulations set their own. */
  uint64_t (*clock)(void);
} strata_gc_options;

/* gc_percent from STRATA_GC_PERCENT (a number >= 0, or "off"; anything else
 * is reported on stderr and 100 is used), memory_limit_bytes from
 * STRATA_GC_MEMORY_LIMIT (bytes, or with K, M or G; unset or "off": none;
 * anything else is reported and means none), min_heap_bytes 4 MiB, no stack
 * scanning, 16384 mark-stack entries, mark_threads from STRATA_GC_MARKERS
 * (1 to 8; anything else is reported and means the default) or one per
 * online CPU up to 8, the mmap backend. */
strata_gc_options strata_gc_default_options(void);

/* options NULL: the defaults. Registers the calling thread. NULL, with
 * errno ENOMEM when the backend refuses the heap's own memory, or EINVAL
 * for a gc_percent below STRATA_GC_OFF, a zero mark stack, more than 8
 * mark_threads, a stop_signal that cannot be caught (SIGKILL, SIGSTOP, out
 * of range) or an arena size the page heap refuses. The heap's bookkeeping (about
 * 500 KiB of address space, mostly untouched) comes from the backend. */
strata_gc_heap *strata_gc_create(const strata_gc_options *options);

/* Gives every page back to the backend; every object is gone. Other
 * threads must have unregistered (or exited): else it aborts, naming
 * strata_gc_unregister_thread. */
void strata_gc_destroy(strata_gc_heap *heap);

/* Lets the calling thread allocate from the heap and makes collections
 * stop it and scan its stack. 0; EEXIST (registered already); EINVAL (a
 * second thread on a heap without scan_stack); ENOMEM; EAGAIN (the thread
 * library refused the exit hook). */
int strata_gc_register_thread(strata_gc_heap *heap);

/* The calling thread leaves the heap: objects only it reached (its stack)
 * are garbage from now on. 0 or ENOENT (not registered). An exiting
 * thread is unregistered from every heap it is registered with. */
int strata_gc_unregister_thread(strata_gc_heap *heap);

/* An object of at least `size` bytes (0 gives a unique object) of the kind
 * `flags` says, aligned like malloc's. May collect first. */
void *strata_gc_alloc(strata_gc_heap *heap, size_t size, unsigned flags);

/* count objects of `size` bytes in one; ENOMEM when the product overflows. */
void *strata_gc_alloc_array(strata_gc_heap *heap, size_t count, size_t size, unsigned flags);

/* Registers [start, end) as a root range: its pointer-aligned words are
 * scanned at every collection. 0, EINVAL when start > end, ENOMEM when no
 * room is left for the entry. Ranges may overlap; each is one entry. */
int strata_gc_add_roots(strata_gc_heap *heap, const void *start, const void *end);

/* Removes the entry registered with exactly these bounds; 0 or ENOENT. */
int strata_gc_remove_roots(strata_gc_heap *heap, const void *start, const void *end);

/* Collects now, stopping the other registered threads (any thread may
 * call it). A collection needs no memory: it works when the backend
 * has nothing left (every span's mark bits are set aside when the span
 * is first lent to an allocating thread). */
void strata_gc_collect(strata_gc_heap *heap);

/* Changes gc_percent from now on (STRATA_GC_OFF or >= 0); 0 or EINVAL. */
int strata_gc_set_percent(strata_gc_heap *heap, int gc_percent);

/* The start of the allocated object of this heap that holds p (any byte
 * inside it), or NULL: Boehm's GC_base. A slot the heap holds ready for
 * its next allocations also counts (until the next collection). */
void *strata_gc_base(strata_gc_heap *heap, const void *p);

/* The usable size of the object starting at p, or 0 when p is not an
 * allocated object's start. */
size_t strata_gc_size(strata_gc_heap *heap, const void *p);

/* Finalizers (Boehm's GC_register_finalizer, Go's runtime.SetFinalizer).
 * fn(object, data) runs once after `object` (an object's start) is found
 * unreachable: that collection keeps the object, and what it reaches, for
 * one more cycle, so fn may read it; the next collection that finds it
 * unreachable again frees it. No order among objects found unreachable
 * together. fn runs outside the collection: at the end of
 * strata_gc_collect, or when the program calls strata_gc_run_finalizers
 * (a collection an allocation starts only queues them), on the calling
 * thread, and may use the heap. `data` is not traced. One finalizer per
 * object: setting another replaces it, fn NULL removes it. 0, EINVAL
 * (object is not an object's start in this heap), ENOMEM. */
typedef void (*strata_gc_finalizer)(void *object, void *data);
int strata_gc_set_finalizer(strata_gc_heap *heap, void *object, strata_gc_finalizer fn,
                            void *data);

/* Runs the finalizers queued by collections so far; returns how many ran. */
size_t strata_gc_run_finalizers(strata_gc_heap *heap);

/* Weak references (Go's weak.Pointer; Boehm's disappearing links kept in
 * the collector's own memory): strata_gc_weak_get gives the object while
 * it lives and NULL once a collection has found it unreachable, before
 * any finalizer of it runs. The handle does not keep the object alive (it
 * is in the heap's bookkeeping, never scanned); what strata_gc_weak_get
 * returns is an ordinary pointer again. strata_gc_weak_new: NULL with
 * EINVAL (not an object's start in this heap) or ENOMEM. */
typedef struct strata_gc_weak strata_gc_weak;
strata_gc_weak *strata_gc_weak_new(strata_gc_heap *heap, void *object);
void *strata_gc_weak_get(strata_gc_heap *heap, const strata_gc_weak *weak);
void strata_gc_weak_free(strata_gc_heap *heap, strata_gc_weak *weak);

typedef struct strata_gc_stats {
  size_t live_bytes;            /* left by the last collection (slot sizes) */
  size_t heap_bytes;            /* live_bytes + allocated since */
  size_t next_collection_bytes; /* heap_bytes that triggers the next; SIZE_MAX: off */
  size_t committed_bytes;       /* the page heap's committed memory */
  size_t peak_committed_bytes;
  size_t metadata_bytes;        /* the heap's own bookkeeping, page map included */
  uint64_t collections;
  uint64_t allocated_bytes;     /* in all, slot sizes */
  uint64_t freed_bytes;         /* by all collections */
  uint64_t last_pause_ns;       /* the whole of the last collection */
  uint64_t max_pause_ns;
  uint64_t total_pause_ns;
  uint64_t total_pause_cpu_ns;  /* CPU spent in them: the collecting thread's and the
                                 * marking helpers' */
  uint64_t last_mark_ns;
  uint64_t total_mark_ns;
  uint64_t last_sweep_ns;
  uint64_t mark_stack_overflows; /* rescans forced by a full mark stack */
  uint64_t last_markers;        /* threads that marked in the last collection */
  uint64_t finalizers_queued;   /* found unreachable, waiting to run */
  uint64_t finalizers_run;      /* in all */
  uint64_t weak_cleared;        /* weak references cleared, in all */
} strata_gc_stats;

void strata_gc_get_stats(strata_gc_heap *heap, strata_gc_stats *out);

/* Checks the heap's structures (central lists, page heap, spans). 0, or
 * EFAULT with the broken invariant written to stderr. */
int strata_gc_check(strata_gc_heap *heap);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_FRONTEND_GC_STRATA_GC_H_ */
