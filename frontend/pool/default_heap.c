/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* The page heap a pool gets when its options name none: the malloc
 * frontend's, so that a process using both has one heap. This file alone
 * ties the pool to the malloc frontend: :pool is the core's sources plus
 * this (pool.c built with STRATA_POOL_DEFAULT_HEAP calls it, a strong
 * reference, so a static link that takes pool.o takes this too), and a
 * program that gives every pool its own page heap (one on a static buffer,
 * say) links :pool_core and carries no malloc at all. */
#include "frontend/malloc/strata_malloc.h"
#include "frontend/pool/strata_pool.h"

struct strata_pageheap *strata_pool_default_heap(void) { return strata_malloc_page_heap(); }
