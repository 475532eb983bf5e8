// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// Debug builds catch a pool used after destroy and a pool used by two
// threads at once.
#include <gtest/gtest.h>

#include <thread>

#include "frontend/pool/strata_pool.h"

namespace {

TEST(PoolDebugDeathTest, UseAfterDestroy) {
  EXPECT_DEATH(
      {
        strata_pool *pool = strata_pool_create(nullptr);
        strata_pool_alloc(pool, 10);
        strata_pool_destroy(pool);
        strata_pool_alloc(pool, 10);
      },
      "strata: strata_pool_alloc\\(\\): pool used after destroy");
}

strata_pool *g_pool;

void AllocateFromAnotherThread(void *) {
  // Runs inside strata_pool_reset on the main thread: the pool is in use.
  std::thread other([] { strata_pool_alloc(g_pool, 10); });
  other.join();
}

TEST(PoolDebugDeathTest, TwoThreadsAtOnce) {
  EXPECT_DEATH(
      {
        g_pool = strata_pool_create(nullptr);
        strata_pool_cleanup(g_pool, AllocateFromAnotherThread, nullptr);
        strata_pool_reset(g_pool);
      },
      "strata: strata_pool_alloc\\(\\): pool used by two threads at once");
}

TEST(PoolDebug, OneThreadAfterAnotherIsFine) {
  strata_pool *pool = strata_pool_create(nullptr);
  std::thread a([pool] { EXPECT_NE(strata_pool_alloc(pool, 10), nullptr); });
  a.join();
  std::thread b([pool] { EXPECT_NE(strata_pool_alloc(pool, 10), nullptr); });
  b.join();
  strata_pool_destroy(pool);
}

}  // namespace
