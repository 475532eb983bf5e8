/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The status values every layer returns, as a program built against an installed strata includes
 * it: #include <strata/status.h>. The header itself keeps its path in the tree
 * ("base/status.h"), by which the other headers include it. */
#ifndef STRATA_INCLUDE_STRATA_STATUS_H_
#define STRATA_INCLUDE_STRATA_STATUS_H_

#include "base/status.h"

#endif /* STRATA_INCLUDE_STRATA_STATUS_H_ */
