/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The malloc API (strata_malloc, strata_free, stats, profiles), as a program built against an
 * installed strata includes it: #include <strata/malloc.h>. The header itself keeps its path in
 * the tree ("frontend/malloc/strata_malloc.h"), by which the other headers include it. */
#ifndef STRATA_INCLUDE_STRATA_MALLOC_H_
#define STRATA_INCLUDE_STRATA_MALLOC_H_

#include "frontend/malloc/strata_malloc.h"

#endif /* STRATA_INCLUDE_STRATA_MALLOC_H_ */
