/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Status values: how a strata function that can fail says why.
 *
 * Errors are values. A function that can fail returns a strata_status (or
 * NULL, documented at the function); it never aborts and never writes to
 * errno (STRATA_ERR_IO leaves the failed system call's errno as it was).
 * Only the malloc frontend turns these into errno and messages. */
#ifndef STRATA_BASE_STATUS_H_
#define STRATA_BASE_STATUS_H_

#ifdef __cplusplus
extern "C" {
#endif

typedef enum strata_status {
  STRATA_OK = 0,
  /* An argument is outside the function's contract: a zero size, an
   * alignment that is not a power of two, a range not on page boundaries. */
  STRATA_ERR_INVALID_ARGUMENT,
  /* The OS or the backend refused memory, or a fixed buffer is exhausted.
   * Nothing was changed; the call may succeed later. */
  STRATA_ERR_OUT_OF_MEMORY,
  /* A fixed-capacity table is full (the limit is documented where it is). */
  STRATA_ERR_LIMIT,
  /* The address or range does not belong to the object it was given to:
   * for free(), a pointer the heap never gave out. */
  STRATA_ERR_NOT_OWNED,
  /* The pointer lies inside an object but not at its start. */
  STRATA_ERR_INTERIOR_POINTER,
  /* The object is not currently allocated: it was already freed. */
  STRATA_ERR_DOUBLE_FREE,
  /* An internal invariant does not hold: the heap is corrupt. Returned only
   * by the heap-check functions. */
  STRATA_ERR_CORRUPT,
  /* The object cannot do this at all, whatever the arguments: a backend
   * over a plain buffer cannot make memory inaccessible. */
  STRATA_ERR_UNSUPPORTED,
  /* A system call on a file failed (opening or writing a profile): errno
   * tells which and why. */
  STRATA_ERR_IO,
} strata_status;

#define STRATA_STATUS_LAST STRATA_ERR_IO

/* On every function that returns a strata_status: a status dropped by
 * accident is a compile error (-Werror). A caller that has a reason to
 * ignore one passes it to strata_status_ignore and says why. */
#define STRATA_MUST_USE __attribute__((warn_unused_result))

static inline void strata_status_ignore(strata_status status) { (void)status; }

/* A short, stable, human-readable name such as "out of memory". Never NULL,
 * also for values outside the enum. */
const char *strata_status_str(strata_status status);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_BASE_STATUS_H_ */
