/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The version macros and strata_version(), as a program built against an installed strata
 * includes it: #include <strata/version.h>. The header itself keeps its path in the tree
 * ("base/version.h"), by which the other headers include it. */
#ifndef STRATA_INCLUDE_STRATA_VERSION_H_
#define STRATA_INCLUDE_STRATA_VERSION_H_

#include "base/version.h"

#endif /* STRATA_INCLUDE_STRATA_VERSION_H_ */
