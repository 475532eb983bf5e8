// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
// The lock order of base/lock_rank.h, checked in debug and sanitizer builds
// (the asan, tsan and debug configurations run this test; a plain build
// keeps no held-lock chain and skips it).
#include <gtest/gtest.h>

#include <string>

#include "base/lock.h"
#include "base/lock_rank.h"

namespace {

#ifdef STRATA_DEBUG
#define SKIP_WITHOUT_CHECK() (void)0
#else
#define SKIP_WITHOUT_CHECK() GTEST_SKIP() << "the lock order is checked in STRATA_DEBUG builds only"
#endif

strata_lock Ranked(strata_lock_rank rank) {
  strata_lock lock;
  strata_lock_init(&lock, rank);
  return lock;
}

std::string Violation(const char *taking, const char *how, const char *held) {
  return std::string("strata: lock order violated: taking \"") + taking + "\" " + how + " \"" +
         held + "\"";
}

TEST(LockRank, EveryRankHasAName) {
  for (int rank = STRATA_LOCK_RANK_NONE; rank < STRATA_LOCK_RANK_COUNT; rank++) {
    EXPECT_STRNE(strata_lock_rank_name(static_cast<strata_lock_rank>(rank)), "unknown") << rank;
  }
  EXPECT_STREQ(strata_lock_rank_name(STRATA_LOCK_RANK_COUNT), "unknown");
  strata_lock lock = STRATA_LOCK_INIT_RANKED(STRATA_LOCK_RANK_PAGEHEAP);
  EXPECT_EQ(lock.rank, STRATA_LOCK_RANK_PAGEHEAP);
}

TEST(LockRank, InOrderAndGivenBackInAnyOrderIsAllowed) {
  SKIP_WITHOUT_CHECK();
  strata_lock threads = Ranked(STRATA_LOCK_RANK_MALLOC_THREADS);
  strata_lock heap = Ranked(STRATA_LOCK_RANK_PAGEHEAP);
  strata_lock profile = Ranked(STRATA_LOCK_RANK_PROFILE);
  strata_lock guard = Ranked(STRATA_LOCK_RANK_GUARD);
  strata_lock_acquire(&threads);
  strata_lock_acquire(&heap);
  EXPECT_TRUE(strata_lock_try_acquire(&profile));
  strata_lock_acquire(&guard);
  strata_lock_release(&heap);  // out of order: unlinked from the middle
  strata_lock_release(&threads);
  strata_lock_release(&guard);
  strata_lock_release(&profile);
  // Nothing is held now: any order may start again.
  strata_lock_acquire(&guard);
  strata_lock_release(&guard);
  strata_lock_acquire(&threads);
  strata_lock_release(&threads);
  EXPECT_FALSE(strata_lock_is_held(&heap));
}

TEST(LockRankDeathTest, AnOuterLockTakenUnderAnInnerOneAbortsWithBothNames) {
  SKIP_WITHOUT_CHECK();
  strata_lock heap = Ranked(STRATA_LOCK_RANK_PAGEHEAP);
  strata_lock profile = Ranked(STRATA_LOCK_RANK_PROFILE);
  EXPECT_DEATH(
      {
        strata_lock_acquire(&profile);
        strata_lock_acquire(&heap);
      },
      Violation("page heap", "while holding", "heap profile"));
}

// The lock held when the order breaks need not be the newest: a lock taken
// under it and given back leaves it on the chain.
TEST(LockRankDeathTest, AnyHeldLockCounts) {
  SKIP_WITHOUT_CHECK();
  strata_lock init = Ranked(STRATA_LOCK_RANK_MALLOC_INIT);
  strata_lock heap = Ranked(STRATA_LOCK_RANK_PAGEHEAP);
  strata_lock guard = Ranked(STRATA_LOCK_RANK_GUARD);
  EXPECT_DEATH(
      {
        strata_lock_acquire(&init);
        strata_lock_acquire(&heap);
        strata_lock_release(&init);
        strata_lock_acquire(&guard);
        strata_lock_release(&guard);
        strata_lock_acquire(&init);
      },
      Violation("malloc init", "while holding", "page heap"));
}

TEST(LockRankDeathTest, TwoLocksOfARankOnlyInAscendingAddressOrder) {
  SKIP_WITHOUT_CHECK();
  strata_lock classes[2] = {Ranked(STRATA_LOCK_RANK_CENTRAL_CLASS),
                            Ranked(STRATA_LOCK_RANK_CENTRAL_CLASS)};
  strata_lock_acquire(&classes[0]);
  strata_lock_acquire(&classes[1]);
  strata_lock_release(&classes[1]);
  strata_lock_release(&classes[0]);
  EXPECT_DEATH(
      {
        strata_lock_acquire(&classes[1]);
        strata_lock_acquire(&classes[0]);
      },
      Violation("central class", "while holding", "central class"));
}

TEST(LockRankDeathTest, TwoPageHeapsAreNeverHeldTogether) {
  SKIP_WITHOUT_CHECK();
  strata_lock heaps[2] = {Ranked(STRATA_LOCK_RANK_PAGEHEAP), Ranked(STRATA_LOCK_RANK_PAGEHEAP)};
  EXPECT_DEATH(
      {
        strata_lock_acquire(&heaps[0]);
        strata_lock_acquire(&heaps[1]);
      },
      Violation("page heap", "while holding", "page heap"));
}

// Taking a lock its caller holds would wait forever; the check says so
// instead.
TEST(LockRankDeathTest, TakingAHeldLockAgainAborts) {
  SKIP_WITHOUT_CHECK();
  strata_lock heap = Ranked(STRATA_LOCK_RANK_PAGEHEAP);
  EXPECT_DEATH(
      {
        strata_lock_acquire(&heap);
        strata_lock_acquire(&heap);
      },
      Violation("page heap", "again while holding it as", "page heap"));
}

TEST(LockRank, UnrankedLocksAreNotChecked) {
  SKIP_WITHOUT_CHECK();
  strata_lock mine = STRATA_LOCK_INIT;
  strata_lock heap = Ranked(STRATA_LOCK_RANK_PAGEHEAP);
  strata_lock_acquire(&heap);
  strata_lock_acquire(&mine);
  strata_lock_release(&heap);
  strata_lock_acquire(&heap);
  strata_lock_release(&heap);
  strata_lock_release(&mine);
  EXPECT_FALSE(strata_lock_is_held(&mine));
}

}  // namespace
