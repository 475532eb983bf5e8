// SPDX-License-Identifier: MIT. Copyright (c) 2026 The strata authors (LICENSE).
#include "base/arith.h"

#include <gtest/gtest.h>

#include <set>

namespace {

TEST(Arith, PowersOfTwoAreExactlyTheSingleBitValues) {
  std::set<size_t> powers;
  for (unsigned k = 0; k < 64; ++k) powers.insert(size_t{1} << k);
  for (size_t x = 0; x < 5000; ++x) EXPECT_EQ(strata_is_power_of_two(x), powers.count(x) == 1) << x;
  for (size_t p : powers) {
    EXPECT_TRUE(strata_is_power_of_two(p));
    if (p > 2) {
      EXPECT_FALSE(strata_is_power_of_two(p + 1));
    }
  }
}

TEST(Arith, AlignUpGivesTheSmallestMultipleNotBelow) {
  for (size_t alignment = 1; alignment <= 4096; alignment *= 2) {
    for (uintptr_t x = 0; x < 10000; x += 7) {
      uintptr_t up = strata_align_up(x, alignment);
      EXPECT_EQ(up % alignment, 0u);
      EXPECT_GE(up, x);
      EXPECT_LT(up - x, alignment);
    }
  }
}

TEST(Arith, RaisePeakKeepsTheHighest) {
  size_t peak = 0;
  for (size_t v : {3u, 1u, 7u, 7u, 2u, 9u, 0u}) strata_raise_peak(&peak, v);
  EXPECT_EQ(peak, 9u);
}

// The generator never reaches 0 from a non-zero state (its state is an
// invertible map of the previous one) and does not repeat within a long
// run: what choosing sample points needs.
TEST(Arith, XorshiftStateNeverReachesZeroAndDoesNotCycleSoon) {
  uint64_t state = 1;
  std::set<uint64_t> seen;
  for (int i = 0; i < 100000; ++i) {
    uint64_t v = strata_xorshift64star(&state);
    ASSERT_NE(state, 0u);
    ASSERT_TRUE(seen.insert(v).second) << "repeated after " << i;
  }
}

}  // namespace
