/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Spans: runs of pages cut into equal slots, as a program built against an installed strata
 * includes it: #include <strata/span.h>. The header itself keeps its path in the tree
 * ("span/span.h"), by which the other headers include it. */
#ifndef STRATA_INCLUDE_STRATA_SPAN_H_
#define STRATA_INCLUDE_STRATA_SPAN_H_

#include "span/span.h"

#endif /* STRATA_INCLUDE_STRATA_SPAN_H_ */
