/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Constants every strata layer agrees on.
 *
 * The page is the unit the page heap hands out and the page map indexes. It
 * is 8 KiB, like the Go runtime's and TCMalloc's default: large enough that a
 * span of small objects has little tail waste and the page map stays small,
 * small enough that a 1-page span of 8-byte objects is still a cheap unit to
 * give back. It is a property of strata, not of the machine: the OS page
 * (4 KiB here) divides it. */
#ifndef STRATA_BASE_CONSTANTS_H_
#define STRATA_BASE_CONSTANTS_H_

#define STRATA_PAGE_SHIFT 13
#define STRATA_PAGE_SIZE ((size_t)1 << STRATA_PAGE_SHIFT)

/* Requests up to this size are "small": served from size-classed spans.
 * Larger requests are whole page runs. */
#define STRATA_MAX_SMALL_SIZE 32768

/* Every small object is aligned to at least this, whatever its size. */
#define STRATA_MIN_ALIGN 8
/* No object is ever given more natural alignment than this (max_align_t). */
#define STRATA_MAX_NATURAL_ALIGN 16

/* The cache line strata lays out its shared state for (x86-64, most
 * AArch64): fields written by different threads sit on different lines. */
#define STRATA_CACHE_LINE 64

#endif /* STRATA_BASE_CONSTANTS_H_ */
