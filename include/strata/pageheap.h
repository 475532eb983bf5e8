/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The page heap, as a program built against an installed strata includes it: #include
 * <strata/pageheap.h>. The header itself keeps its path in the tree ("pageheap/pageheap.h"), by
 * which the other headers include it. */
#ifndef STRATA_INCLUDE_STRATA_PAGEHEAP_H_
#define STRATA_INCLUDE_STRATA_PAGEHEAP_H_

#include "pageheap/pageheap.h"

#endif /* STRATA_INCLUDE_STRATA_PAGEHEAP_H_ */
