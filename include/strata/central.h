/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The central lists, as a program built against an installed strata includes it: #include
 * <strata/central.h>. The header itself keeps its path in the tree ("central/central.h"), by
 * which the other headers include it. */
#ifndef STRATA_INCLUDE_STRATA_CENTRAL_H_
#define STRATA_INCLUDE_STRATA_CENTRAL_H_

#include "central/central.h"

#endif /* STRATA_INCLUDE_STRATA_CENTRAL_H_ */
