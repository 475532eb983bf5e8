/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* strata_zero_untouched: clear memory without touching what is already
 * zero.
 *
 * Large layer structs (an arena set's index, a page map's root, the central
 * lists) usually live in static storage or fresh mmap'd memory, which reads
 * as zero and costs no resident memory until written. A memset would write
 * every page and make all of it resident; reading first and writing only
 * the words that are not zero keeps untouched pages free where the kernel
 * maps a shared zero page on a read fault.
 *
 * Not every kernel does (some virtual machines' guests give a read fault a
 * page of its own), and there reading costs as much as writing. So the
 * layers whose structs are large also have an init_zeroed form for storage
 * the caller knows reads as zero — static storage not yet written, memory
 * fresh from a backend that says reserve_zeroes — which reads none of it. */
#ifndef STRATA_BASE_ZERO_H_
#define STRATA_BASE_ZERO_H_

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

void strata_zero_untouched(void *p, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_BASE_ZERO_H_ */
