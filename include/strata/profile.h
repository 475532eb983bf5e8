/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Sampled heap profiles, as a program built against an installed strata includes it: #include
 * <strata/profile.h>. The header itself keeps its path in the tree ("profile/profile.h"), by
 * which the other headers include it. */
#ifndef STRATA_INCLUDE_STRATA_PROFILE_H_
#define STRATA_INCLUDE_STRATA_PROFILE_H_

#include "profile/profile.h"

#endif /* STRATA_INCLUDE_STRATA_PROFILE_H_ */
