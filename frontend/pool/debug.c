/* Debug-build checks of pool use: a pool used after destroy, and a pool
 * used by two threads at once. Only compiled in with STRATA_DEBUG. */
#ifdef STRATA_DEBUG
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frontend/pool/pool_internal.h"

static void die(const char *function, const char *what) {
  char buf[160];
  size_t n = 0;
  const char *parts[] = {"strata: ", function, "(): ", what, "\n"};
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
    size_t len = strlen(parts[i]);
    if (n + len > sizeof buf) break;
    memcpy(buf + n, parts[i], len);
    n += len;
  }
  ssize_t written = write(STDERR_FILENO, buf, n);
  (void)written;
  abort();
}

void strata_pool_enter(strata_pool *pool, const char *function) {
  if (pool == NULL || pool->magic != STRATA_POOL_MAGIC) {
    die(function, "pool used after destroy (or not a pool)");
  }
  uintptr_t self = (uintptr_t)pthread_self();
  uintptr_t expected = 0;
  /* Re-entry from the same thread (a cleanup that allocates) is fine. */
  if (strata_atomic_load(&pool->user, STRATA_ORDER_ACQUIRE) == self) return;
  if (!strata_atomic_compare_exchange(&pool->user, &expected, self, STRATA_ORDER_ACQUIRE,
                                      STRATA_ORDER_RELAXED)) {
    die(function, "pool used by two threads at once");
  }
}

void strata_pool_leave(strata_pool *pool) {
  strata_atomic_store(&pool->user, 0, STRATA_ORDER_RELEASE);
}
#else
/* Without STRATA_DEBUG the checks are empty inline functions. */
typedef int strata_pool_debug_unused;
#endif
