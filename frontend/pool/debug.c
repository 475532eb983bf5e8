/* SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE). */
/* Debug-build checks of pool use: a pool used after destroy, and a pool
 * used by two threads at once. Only compiled in with STRATA_DEBUG. */
#ifdef STRATA_DEBUG
#include "base/single_user.h"
#include "frontend/pool/pool_internal.h"

void strata_pool_enter(strata_pool *pool, const char *function) {
  if (pool == NULL || pool->magic != STRATA_POOL_MAGIC) {
    strata_die_in(function, "pool used after destroy (or not a pool)");
  }
  strata_single_user_enter(&pool->user, function, "pool");
}

void strata_pool_leave(strata_pool *pool) { strata_single_user_leave(&pool->user); }
#else
/* Without STRATA_DEBUG the checks are empty inline functions. */
typedef int strata_pool_debug_unused;
#endif
