/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The garbage-collected heap, as a program built against an installed strata includes it:
 * #include <strata/gc.h>. The header itself keeps its path in the tree
 * ("frontend/gc/strata_gc.h"), by which the other headers include it. */
#ifndef STRATA_INCLUDE_STRATA_GC_H_
#define STRATA_INCLUDE_STRATA_GC_H_

#include "frontend/gc/strata_gc.h"

#endif /* STRATA_INCLUDE_STRATA_GC_H_ */
