/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* backend: where strata's memory comes from.
 *
 * A backend is a vtable chosen at run time, so the same page heap can run on
 * mmap, on a fixed buffer with no OS at all, on huge pages, or on a test
 * double that refuses memory on cue. Memory goes through three states:
 *
 *   reserved   address space only; touching it faults (or, for a buffer,
 *              is simply not yet handed out);
 *   committed  usable memory, readable and writable;
 *   decommitted  physical pages given back; the range stays reserved and is
 *              committed again before use. Whether it then reads as zero is
 *              the backend's `decommit_zeroes` promise.
 *
 * Every address and size is a multiple of the backend's page_size (the OS
 * page, or 2 MiB for the huge-page backend). Callers go through the
 * strata_backend_* functions below, which reject bad arguments with
 * STRATA_ERR_INVALID_ARGUMENT before the backend sees them; a backend only
 * ever sees well-formed requests. A backend never aborts: refusals come back
 * as STRATA_ERR_OUT_OF_MEMORY, ranges it does not own as STRATA_ERR_NOT_OWNED.
 *
 * Backends are thread-safe: a page heap makes its commit and decommit calls
 * after dropping its lock, so two threads may be inside one backend at
 * once (on different ranges). The OS backends are system calls and atomic
 * counters; the static and fault backends guard their bookkeeping with a
 * lock of their own (rank STRATA_LOCK_RANK_BACKEND), never held across a
 * call to the OS or to an inner backend. */
#ifndef STRATA_ARENA_BACKEND_H_
#define STRATA_ARENA_BACKEND_H_

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_backend strata_backend;

typedef struct strata_backend_ops {
  /* Reserves `size` bytes of address space aligned to `alignment` (a power of
   * two, at least page_size) and stores its start in *out. */
  strata_status (*reserve)(strata_backend *self, size_t size, size_t alignment,
                           void **out);
  /* Makes a reserved range usable. Committing a committed range is allowed. */
  strata_status (*commit)(strata_backend *self, void *addr, size_t size);
  /* Gives the physical memory of a committed range back; it stays reserved. */
  strata_status (*decommit)(strata_backend *self, void *addr, size_t size);
  /* Returns a whole reservation (exactly as reserved) to the backend. */
  strata_status (*release)(strata_backend *self, void *addr, size_t size);
  /* Makes a committed range inaccessible (accessible false: any touch
   * faults) or readable and writable again, for guard pages. NULL for a
   * backend that cannot (a plain buffer). */
  strata_status (*protect)(strata_backend *self, void *addr, size_t size, bool accessible);
} strata_backend_ops;

/* The common head of every backend. Concrete backends embed it first. */
struct strata_backend {
  const strata_backend_ops *ops;
  const char *name;      /* "mmap", "static", "hugepage", "fault" */
  size_t page_size;      /* granule of every address and size, power of two */
  bool decommit_zeroes;  /* decommitted memory reads as zero after commit */
  /* Newly reserved memory reads as zero once committed (the OS's fresh
   * pages), so whoever writes it first need not clear it: reading it to
   * check would cost resident memory on kernels without a shared zero
   * page. False for a caller's buffer, which may hold old bytes. */
  bool reserve_zeroes;
};

/* Operations, for counters kept by wrappers such as the fault backend. */
typedef enum strata_backend_op {
  STRATA_BACKEND_RESERVE = 0,
  STRATA_BACKEND_COMMIT,
  STRATA_BACKEND_DECOMMIT,
  STRATA_BACKEND_RELEASE,
  STRATA_BACKEND_PROTECT,
  STRATA_BACKEND_OP_COUNT,
} strata_backend_op;

/* The checked entry points. Each returns STRATA_ERR_INVALID_ARGUMENT for a
 * zero size, a size or address off the page_size grid, an alignment that is
 * not a power of two, or a range that wraps around the address space; else
 * whatever the backend returns. *out is set to NULL on any failure. */
strata_status strata_backend_reserve(strata_backend *b, size_t size, size_t alignment,
                                     void **out) STRATA_MUST_USE;
strata_status strata_backend_commit(strata_backend *b, void *addr, size_t size) STRATA_MUST_USE;
strata_status strata_backend_decommit(strata_backend *b, void *addr, size_t size) STRATA_MUST_USE;
strata_status strata_backend_release(strata_backend *b, void *addr, size_t size) STRATA_MUST_USE;
/* Guard pages are strata pages (STRATA_PAGE_SIZE), smaller than a huge
 * page, so protect's grid is STRATA_PAGE_SIZE, not the backend's page; on
 * a kernel whose own page is larger than that the OS refuses and the call
 * says so (STRATA_ERR_INVALID_ARGUMENT). STRATA_ERR_UNSUPPORTED from a
 * backend without protect; STRATA_ERR_OUT_OF_MEMORY when the OS cannot
 * split its mapping. */
strata_status strata_backend_protect(strata_backend *b, void *addr, size_t size,
                                     bool accessible) STRATA_MUST_USE;

/* Reserves and commits `size` bytes aligned to `alignment`, usable at once
 * (metadata chunks, a GC heap's own struct): on a refused commit the
 * reservation goes back, and the commit's error is returned with *out
 * NULL. */
strata_status strata_backend_reserve_committed(strata_backend *b, size_t size, size_t alignment,
                                               void **out) STRATA_MUST_USE;

/* size rounded up to the backend's page_size, or 0 if that overflows. */
size_t strata_backend_round_up(const strata_backend *b, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_ARENA_BACKEND_H_ */
