/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The arena-per-request pool, as a program built against an installed strata includes it:
 * #include <strata/pool.h>. The header itself keeps its path in the tree
 * ("frontend/pool/strata_pool.h"), by which the other headers include it. */
#ifndef STRATA_INCLUDE_STRATA_POOL_H_
#define STRATA_INCLUDE_STRATA_POOL_H_

#include "frontend/pool/strata_pool.h"

#endif /* STRATA_INCLUDE_STRATA_POOL_H_ */
