/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* strata_malloc: the thread-caching malloc of strata.
 *
 * Every function here behaves as its C library namesake (malloc, free,
 * calloc, realloc, reallocarray, posix_memalign, aligned_alloc, memalign,
 * valloc, pvalloc, malloc_usable_size, free_sized, free_aligned_sized),
 * including errno, zero sizes and huge sizes as glibc documents them. The
 * `strata_` names are always there; libstrata.so and the static override
 * library also export the libc names, so that an unmodified program runs on
 * strata with LD_PRELOAD or by linking.
 *
 * Small requests (up to 32 KiB) come from a per-thread cache of free lists,
 * one per size class: malloc pops, free pushes, with no lock, no atomic
 * read-modify-write and no system call. The cache refills from and flushes
 * to the central lists in batches. Larger requests are whole page runs from
 * the page heap; very large ones go back to the OS as soon as they are freed.
 *
 * Misuse is detected and reported, never ignored silently: free or realloc
 * of a pointer strata never gave out, of a pointer inside an object, and a
 * double free print "strata: free(): invalid pointer 0x..." or
 * "strata: free(): double free 0x..." on stderr and abort; with
 * STRATA_ON_ERROR=warn they are counted and ignored instead. (A double free
 * is caught at once when the object is the last one freed by the thread,
 * and otherwise when its batch returns to its span.)
 *
 * Configuration is read once from the environment; see the README. */
#ifndef STRATA_FRONTEND_MALLOC_STRATA_MALLOC_H_
#define STRATA_FRONTEND_MALLOC_STRATA_MALLOC_H_

#include <stddef.h>
#include <stdint.h>

#include <stdio.h>
#ifdef __GLIBC__
#include <malloc.h> /* struct mallinfo2, M_* parameters */
#endif

#include "base/status.h"

#ifdef __cplusplus
extern "C" {
#endif

void *strata_malloc(size_t size);
void strata_free(void *p);
void *strata_calloc(size_t count, size_t size);
void *strata_realloc(void *p, size_t size);
void *strata_reallocarray(void *p, size_t count, size_t size);
int strata_posix_memalign(void **out, size_t alignment, size_t size);
void *strata_aligned_alloc(size_t alignment, size_t size);
void *strata_memalign(size_t alignment, size_t size);
void *strata_valloc(size_t size);
void *strata_pvalloc(size_t size);
size_t strata_malloc_usable_size(const void *p);
void strata_free_sized(void *p, size_t size);
void strata_free_aligned_sized(void *p, size_t alignment, size_t size);

typedef struct strata_malloc_stats {
  size_t mapped_bytes;          /* address space reserved */
  size_t committed_bytes;       /* memory that may be resident */
  size_t in_use_bytes;          /* pages of spans and large objects in use */
  size_t released_bytes;        /* free pages given back to the OS */
  size_t peak_committed_bytes;
  size_t metadata_bytes;        /* page map, span descriptors, thread caches */
  size_t thread_cache_capacity_bytes; /* what all thread caches may hold */
  size_t threads;               /* threads with a cache */
  uint64_t errors;              /* misuse reports (STRATA_ON_ERROR=warn) */
  uint64_t backend_acquires;    /* reserve + commit calls, with STRATA_FAULT_NTH set */
  uint64_t profile_samples_in_use; /* sampled objects not freed (0: profiling off) */
  size_t profile_bytes;         /* the profile's own memory */
} strata_malloc_stats;

void strata_malloc_get_stats(strata_malloc_stats *out);

/* Writes the stats, with a line per size class in use, to stderr. */
void strata_malloc_stats_print(void);
/* The same, under its first name. */
void strata_stats_print(void) __attribute__((deprecated("use strata_malloc_stats_print")));

/* Returns every free page to the OS now (like malloc_trim): empties this
 * thread's cache and the shared transfer caches into their spans, returns
 * empty spans to the page heap and decommits every free page. Returns the
 * bytes released. */
size_t strata_malloc_release(void);

/* The page heap this allocator runs on, initialised on first use: other
 * frontends (the request pool) take their pages from it, so that a process
 * using both has one heap. */
struct strata_pageheap;
struct strata_pageheap *strata_malloc_page_heap(void);

/* glibc's extensions, as strata answers them (libstrata.so and the static
 * override export them under glibc's names: malloc_trim, mallinfo2,
 * mallinfo, malloc_stats, malloc_info, mallopt). The mapping of mallinfo2's
 * fields is in glibc_ext.c and the README. */
#ifdef __GLIBC__
struct mallinfo2 strata_mallinfo2(void);
struct mallinfo strata_mallinfo(void);
#endif
int strata_malloc_trim(size_t pad);          /* 1 if any memory was given back */
int strata_malloc_info(int options, FILE *out); /* options must be 0 */
int strata_mallopt(int param, int value);    /* 1: applied or accepted */
void strata_malloc_stats_glibc(void);        /* as malloc_stats: stats on stderr */

/* Sampled heap profiling. With STRATA_PROFILE_RATE=<bytes> in the
 * environment when the program starts, the C library's allocation
 * functions and operator new sample one allocation per that many bytes on
 * average and record its call stack (the strata_-prefixed functions never
 * do); the profile is written at exit to STRATA_PROFILE_FILE, on
 * STRATA_PROFILE_SIGNAL, and by this function, in the heap-profile format
 * `google-pprof` reads. See the README.
 *
 * strata_malloc_profile_dump: writes the profile to `path` now. 0, or -1
 * with errno: EINVAL when the program did not start with profiling (or
 * path is NULL), otherwise the error of opening or writing the file.
 * strata_malloc_profile_set_rate: a new rate for samples from now on (0:
 * no more); -1 with errno EINVAL when the program did not start with
 * profiling, which a rate set later cannot turn on. */
int strata_malloc_profile_dump(const char *path);
int strata_malloc_profile_set_rate(uint64_t bytes);

/* Checks the heap's invariants (the calling thread's cache: every object
 * on its lists a freed object of the list's class, each list as long as it
 * counts; the central lists and their transfer slots; the page heap).
 * STRATA_OK (0)
 * when they hold; STRATA_ERR_CORRUPT when one does not, after writing
 * "strata: heap check failed: <the invariant>" to stderr. Takes every
 * lock: for tests and debugging, not for hot paths. */
strata_status strata_malloc_check(void) STRATA_MUST_USE;

#ifdef __cplusplus
}
#endif

#endif /* STRATA_FRONTEND_MALLOC_STRATA_MALLOC_H_ */
