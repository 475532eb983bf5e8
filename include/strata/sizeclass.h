/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The size-class table, as a program built against an installed strata includes it: #include
 * <strata/sizeclass.h>. The header itself keeps its path in the tree ("sizeclass/sizeclass.h"),
 * by which the other headers include it. */
#ifndef STRATA_INCLUDE_STRATA_SIZECLASS_H_
#define STRATA_INCLUDE_STRATA_SIZECLASS_H_

#include "sizeclass/sizeclass.h"

#endif /* STRATA_INCLUDE_STRATA_SIZECLASS_H_ */
