/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Arenas and the OS backends, as a program built against an installed strata includes it:
 * #include <strata/arena.h>. The header itself keeps its path in the tree ("arena/arena.h"), by
 * which the other headers include it. */
#ifndef STRATA_INCLUDE_STRATA_ARENA_H_
#define STRATA_INCLUDE_STRATA_ARENA_H_

#include "arena/arena.h"

#endif /* STRATA_INCLUDE_STRATA_ARENA_H_ */
