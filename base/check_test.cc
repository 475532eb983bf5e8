// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// STRATA_ASSERT in a debug build (this file is compiled with STRATA_DEBUG):
// a failed invariant names itself, its function, file and line, then
// aborts; a holding one does nothing. check_release_test.cc checks the
// release build's side.
#include "base/check.h"

#include <gtest/gtest.h>

#include <thread>

#include "base/check_testing.h"

namespace {

#ifndef STRATA_DEBUG
#error "check_test must be compiled with STRATA_DEBUG"
#endif

int Half(int even) {
  STRATA_ASSERT(even % 2 == 0);
  return even / 2;
}

TEST(CheckDeathTest, AFailedInvariantNamesItselfAndAborts) {
  EXPECT_EQ(Half(4), 2);
  EXPECT_DEATH(Half(3), "strata: invariant violated in Half \\(base/check_test.cc:[0-9]+\\): even % 2 == 0");
}

TEST(CheckDeathTest, LockHeldIsChecked) {
  strata_lock lock = STRATA_LOCK_INIT;
  strata_lock_acquire(&lock);
  STRATA_ASSERT_LOCK_HELD(&lock);  // held: nothing happens
  strata_lock_release(&lock);
  EXPECT_DEATH(STRATA_ASSERT_LOCK_HELD(&lock), "invariant violated.*strata_lock_held_by_caller");
}

// Held, but by another thread: not the caller's.
TEST(CheckDeathTest, LockHeldByAnotherThreadIsNotTheCallers) {
  strata_lock lock = STRATA_LOCK_INIT;
  std::thread holder([&] { strata_lock_acquire(&lock); });
  holder.join();
  EXPECT_TRUE(strata_lock_is_held(&lock));
  EXPECT_DEATH(STRATA_ASSERT_LOCK_HELD(&lock), "invariant violated.*strata_lock_held_by_caller");
  EXPECT_DEATH(strata_lock_release(&lock), "a lock is released by its holder");
}

TEST(Check, ReporterHearsTheInvariantOnce) {
  strata_testing::Heard heard;
  EXPECT_EQ(strata_check_fail(&heard.reporter, "thing: count is off"), STRATA_ERR_CORRUPT);
  EXPECT_EQ(heard.Only(), "thing: count is off");
  EXPECT_EQ(strata_check_fail(nullptr, "no one listens"), STRATA_ERR_CORRUPT);
}

}  // namespace
