/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The persistent and fixed-size metadata allocators, as a program built against an installed
 * strata includes it: #include <strata/metadata.h>. The header itself keeps its path in the tree
 * ("metadata/metadata.h"), by which the other headers include it. */
#ifndef STRATA_INCLUDE_STRATA_METADATA_H_
#define STRATA_INCLUDE_STRATA_METADATA_H_

#include "metadata/metadata.h"

#endif /* STRATA_INCLUDE_STRATA_METADATA_H_ */
