// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
#include "base/single_user.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace {

// The holder may enter again; the object is free only when the outermost
// call leaves, and then another thread may take it.
TEST(SingleUser, TheHolderMayEnterAgainAndLeavesLast) {
  strata_single_user u{};
  strata_single_user_enter(&u, "outer", "thing");
  strata_single_user_enter(&u, "inner", "thing");
  strata_single_user_leave(&u);
  EXPECT_NE(strata_atomic_load(&u.thread, STRATA_ORDER_RELAXED), 0u) << "still the outer call's";
  strata_single_user_leave(&u);
  EXPECT_EQ(strata_atomic_load(&u.thread, STRATA_ORDER_RELAXED), 0u);
  std::thread other([&] {
    strata_single_user_enter(&u, "other", "thing");
    strata_single_user_leave(&u);
  });
  other.join();
  EXPECT_EQ(strata_atomic_load(&u.thread, STRATA_ORDER_RELAXED), 0u);
}

TEST(SingleUserDeathTest, TwoThreadsAtOnceStopTheProgramNamingBoth) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        strata_single_user u{};
        strata_single_user_enter(&u, "first", "request pool");
        std::thread other([&] { strata_single_user_enter(&u, "strata_pool_alloc", "request pool"); });
        other.join();
      },
      "strata: strata_pool_alloc\\(\\): request pool used by two threads at once");
}

}  // namespace
