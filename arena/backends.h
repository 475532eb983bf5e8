/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The backends strata ships. Each is a struct the caller owns (static,
 * embedded in another struct, or on the stack) and initialises once; its
 * `base` member is the strata_backend every layer above takes. */
#ifndef STRATA_ARENA_BACKENDS_H_
#define STRATA_ARENA_BACKENDS_H_

#include <stdint.h>

#include "arena/backend.h"
#include "base/atomic.h"
#include "base/lock.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- mmap: the Linux default ----------------------------------------------
 * Two commit strategies:
 *
 * lazy (the default where the kernel overcommits, vm.overcommit_memory 0
 *   or 1, as Linux does unless told otherwise):
 *   reserve: a readable, writable anonymous mapping with MAP_NORESERVE, so
 *     address space costs no memory and is not charged to the commit limit;
 *   commit: nothing at all: the kernel commits a page on its first touch.
 *     No system call, so no taking of the kernel's mmap lock, which every
 *     page fault of every other thread of the process also needs;
 * eager (the default under strict accounting, vm.overcommit_memory 2, where
 *   a writable mapping is charged in full whatever its flags):
 *   reserve: an inaccessible mapping (PROT_NONE, MAP_NORESERVE);
 *   commit: mprotect read/write, one system call per commit; touching
 *     reserved memory that was never committed faults at once.
 * Both: decommit is madvise(MADV_DONTNEED): pages go back at once and read
 * as zero; release is munmap.
 * Thread-safe: it keeps no state beyond its strategy. */
typedef enum strata_commit_mode {
  STRATA_COMMIT_DEFAULT = 0, /* lazy, or eager under strict accounting */
  STRATA_COMMIT_EAGER,
  STRATA_COMMIT_LAZY,
} strata_commit_mode;

typedef struct strata_mmap_backend {
  strata_backend base;
  strata_commit_mode commit_mode; /* EAGER or LAZY, as resolved by init */
} strata_mmap_backend;

/* With the default strategy. */
void strata_mmap_backend_init(strata_mmap_backend *b);
void strata_mmap_backend_init_with(strata_mmap_backend *b, strata_commit_mode mode);

/* ---- hugepage: mmap in 2 MiB units with transparent huge pages ------------
 * Like mmap, but page_size is 2 MiB (so every reservation and commit is
 * 2 MiB aligned) and committed ranges are advised MADV_HUGEPAGE so the kernel
 * backs them with huge pages, cutting TLB misses for large heaps. Where
 * transparent huge pages are switched off ("never"), or the advice is
 * refused, the memory is still committed as ordinary pages: the backend
 * falls back, it does not fail. `huge_pages` says which happened last. */
typedef struct strata_hugepage_backend {
  strata_backend base;
  /* The kernel accepted the last huge-page advice (relaxed: a report). */
  STRATA_ATOMIC(bool) huge_pages;
  /* Commits that fell back to ordinary pages: added to (relaxed) by any
   * thread's commit. */
  strata_atomic_u64 advice_refusals;
} strata_hugepage_backend;

#define STRATA_HUGEPAGE_SIZE ((size_t)2 << 20)

void strata_hugepage_backend_init(strata_hugepage_backend *b);

/* ---- static: a caller's buffer, no OS call at all -------------------------
 * For embedded use, for a heap placed in memory the caller controls, and for
 * tests. Reservations are carved from the buffer (first fit among released
 * holes, else from the unused top); commit and decommit only check the range
 * (decommitted memory keeps its contents: decommit_zeroes is false); release
 * gives the range back for reuse, merging it with neighbouring holes.
 * Running out is STRATA_ERR_OUT_OF_MEMORY; a range outside the buffer or not
 * currently reserved is STRATA_ERR_NOT_OWNED. */
#define STRATA_STATIC_BACKEND_MAX_HOLES 32

typedef struct strata_static_range {
  uintptr_t start, end;
} strata_static_range;

typedef struct strata_static_backend {
  strata_backend base;
  uintptr_t start;   /* first page of the buffer */
  uintptr_t end;     /* end of the last whole page */
  strata_lock lock;  /* guards top and the holes */
  uintptr_t top STRATA_GUARDED_BY(&lock); /* from here to end was never reserved */
  /* Released ranges below top, sorted, never adjacent. */
  size_t hole_count STRATA_GUARDED_BY(&lock);
  strata_static_range holes[STRATA_STATIC_BACKEND_MAX_HOLES] STRATA_GUARDED_BY(&lock);
} strata_static_backend;

/* page_size: a power of two (0 means 4096). The usable part of the buffer is
 * its whole pages. STRATA_ERR_INVALID_ARGUMENT if buffer is NULL, page_size
 * is not a power of two, or not one whole page fits. */
strata_status strata_static_backend_init(strata_static_backend *b, void *buffer,
                                         size_t size, size_t page_size) STRATA_MUST_USE;

/* Bytes of the buffer not currently reserved. */
size_t strata_static_backend_free_bytes(strata_static_backend *b);

/* ---- fault: a wrapper that refuses memory on cue --------------------------
 * Passes every call to `inner` and counts it, but refuses (with
 * STRATA_ERR_OUT_OF_MEMORY, without calling inner) when told to:
 *   - the k-th acquiring call (reserve or commit) from now on, once;
 *   - every reserve and commit while the bytes committed through it would
 *     exceed a budget.
 * This is how every layer above tests its out-of-memory paths. */
typedef struct strata_fault_backend {
  strata_backend base;
  strata_backend *inner;
  /* Guards the counters below; read them without it only when no other
   * thread can be calling (a test between steps). */
  strata_lock lock;
  uint64_t acquire_calls STRATA_GUARDED_BY(&lock); /* reserve + commit calls seen so far */
  uint64_t refuse_at STRATA_GUARDED_BY(&lock); /* refuse when acquire_calls reaches it; 0: never */
  size_t budget STRATA_GUARDED_BY(&lock);      /* committed-bytes ceiling; SIZE_MAX: none */
  size_t committed STRATA_GUARDED_BY(&lock);   /* net bytes committed through this wrapper */
  /* Per operation, refused included. */
  uint64_t calls[STRATA_BACKEND_OP_COUNT] STRATA_GUARDED_BY(&lock);
  uint64_t refusals[STRATA_BACKEND_OP_COUNT] STRATA_GUARDED_BY(&lock); /* per operation */
} strata_fault_backend;

void strata_fault_backend_init(strata_fault_backend *f, strata_backend *inner);

/* Refuse the k-th acquiring call from now (k >= 1), once. k = 0 cancels. */
void strata_fault_backend_refuse_nth(strata_fault_backend *f, uint64_t k);

/* Refuse acquiring calls that would take committed bytes above `bytes`.
 * SIZE_MAX lifts the budget. */
void strata_fault_backend_set_budget(strata_fault_backend *f, size_t bytes);

/* Reserve and commit calls so far, read under the backend's lock. */
uint64_t strata_fault_backend_acquire_calls(strata_fault_backend *f);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_ARENA_BACKENDS_H_ */
