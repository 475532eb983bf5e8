/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The allocating entry points' edge semantics, written once: which
 * arguments are an error and with which errno, how memalign and pvalloc
 * round, what realloc does with NULL and with 0.
 *
 * The bodies end in an allocation the including file names before it
 * includes this header:
 *
 *   STRATA_ENTRY_ALLOC(size, alignment, zero): `size` bytes aligned to
 *     `alignment` (0: malloc's own alignment, else a power of two), zeroed
 *     when `zero`; NULL with errno ENOMEM.
 *   STRATA_ENTRY_RESIZE(p, usable, size): realloc of the live object p of
 *     `usable` bytes to `size` bytes, which it cannot simply keep (see
 *     strata_entry_realloc).
 *
 * Both name always-inline functions, and the bodies are always inlined,
 * so each entry point compiles to straight-line code of its own in every
 * build mode, and a sampled allocation inlined into it reads the entry
 * point's own return address (the program's call) with
 * __builtin_return_address(0). malloc.c includes it with the unsampled
 * allocation (strata_unsampled_alloc below) for the strata_ functions;
 * sampled.c with the sampled one, for the functions the profiled variants
 * export under the C library's names. Included once per file. */
#ifndef STRATA_FRONTEND_MALLOC_ENTRIES_H_
#define STRATA_FRONTEND_MALLOC_ENTRIES_H_

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arith.h"
#include "base/os_page.h"
#include "frontend/malloc/malloc_internal.h"

#define STRATA_ENTRY static inline __attribute__((always_inline))

/* The unsampled allocation: what the strata_ functions end in, and what a
 * sampled one ends in when it is not a sample. */
STRATA_ENTRY void *strata_unsampled_alloc(size_t size, size_t alignment, bool zero) {
  if (alignment != 0) return strata_malloc_aligned(alignment, size);
  if (zero) return strata_malloc_zeroed(size);
  return strata_malloc_in(NULL, size);
}

#if !defined(STRATA_ENTRY_ALLOC) || !defined(STRATA_ENTRY_RESIZE)
#error "define STRATA_ENTRY_ALLOC and STRATA_ENTRY_RESIZE before including entries.h"
#endif

STRATA_ENTRY void *strata_entry_malloc(size_t size) {
  return STRATA_ENTRY_ALLOC(size, 0, false);
}

STRATA_ENTRY void *strata_entry_calloc(size_t count, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(count, size, &total)) {
    errno = ENOMEM;
    return NULL;
  }
  return STRATA_ENTRY_ALLOC(total, 0, true);
}

/* C11: the alignment must be a power of two (glibc's rule, which drops
 * C11's "size a multiple of it"). */
STRATA_ENTRY void *strata_entry_aligned_alloc(size_t alignment, size_t size) {
  if (!strata_is_power_of_two(alignment)) {
    errno = EINVAL;
    return NULL;
  }
  return STRATA_ENTRY_ALLOC(size, alignment, false);
}

/* POSIX: a power of two and a multiple of sizeof(void *), else EINVAL;
 * failure is returned, errno left as it was. */
STRATA_ENTRY int strata_entry_posix_memalign(void **out, size_t alignment, size_t size) {
  if (!strata_is_power_of_two(alignment) || alignment % sizeof(void *) != 0) return EINVAL;
  int saved = errno;
  void *p = STRATA_ENTRY_ALLOC(size, alignment, false);
  if (p == NULL) {
    errno = saved;
    return ENOMEM;
  }
  *out = p;
  return 0;
}

/* As glibc: alignments that every object has are malloc's, others round
 * up to a power of two, and an alignment with no power of two above it is
 * EINVAL. Every object is 8-aligned, not every one 16-aligned (the
 * 24-byte class is not), so 16 goes the aligned way, which rounds the size
 * up to a multiple of it. */
STRATA_ENTRY void *strata_entry_memalign(size_t alignment, size_t size) {
  if (alignment <= sizeof(void *)) return STRATA_ENTRY_ALLOC(size, 0, false);
  if (alignment > SIZE_MAX / 2 + 1) {
    errno = EINVAL;
    return NULL;
  }
  if (!strata_is_power_of_two(alignment)) alignment = (size_t)1 << (64 - __builtin_clzll(alignment));
  return STRATA_ENTRY_ALLOC(size, alignment, false);
}

STRATA_ENTRY void *strata_entry_valloc(size_t size) {
  return STRATA_ENTRY_ALLOC(size, strata_os_page_size(), false);
}

/* The size rounded up to whole OS pages, at least one. */
STRATA_ENTRY void *strata_entry_pvalloc(size_t size) {
  size_t os_page = strata_os_page_size();
  if (size > SIZE_MAX - os_page) {
    errno = ENOMEM;
    return NULL;
  }
  size_t rounded = (size + os_page - 1) & ~(size_t)(os_page - 1);
  return STRATA_ENTRY_ALLOC(rounded ? rounded : os_page, os_page, false);
}

/* NULL: malloc. 0: glibc's rule, free and NULL. A freed or foreign p is
 * reported (and NULL). An object that still fits and would not waste half
 * of itself stays where it is; anything else is STRATA_ENTRY_RESIZE's. */
STRATA_ENTRY void *strata_entry_realloc(void *p, size_t size) {
  if (p == NULL) return STRATA_ENTRY_ALLOC(size, 0, false);
  if (size == 0) {
    strata_free(p);
    return NULL;
  }
  size_t usable = strata_malloc_usable_size_for("realloc", p);
  if (usable == 0) return NULL; /* reported */
  if (size <= usable && size >= usable / 2) return p;
  return STRATA_ENTRY_RESIZE(p, usable, size);
}

STRATA_ENTRY void *strata_entry_reallocarray(void *p, size_t count, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(count, size, &total)) {
    errno = ENOMEM;
    return NULL;
  }
  return strata_entry_realloc(p, total);
}

#endif /* STRATA_FRONTEND_MALLOC_ENTRIES_H_ */
